/// A positive rational number `numerator / denominator` with 64-bit parts, in lowest terms.
///
/// The exact samplers take their parameters (a Bernoulli probability, a noise scale, a
/// variance) as rationals so that the distribution they sample is *exactly* the one
/// documented — no floating-point rounding enters the sampling (Canonne, Kamath & Steinke
/// 2020). A `Double` parameter is converted with ``init(roundingUp:significantBits:)``,
/// which rounds **up**: a noise scale rounded up gives slightly more noise, never less, so a
/// privacy guarantee computed from the requested scale still holds for the rational one
/// (callers that report a scale report ``doubleValue`` of the rational actually used).
public struct ExactRational: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The numerator, ≥ 1.
    public let numerator: UInt64
    /// The denominator, ≥ 1.
    public let denominator: UInt64

    /// Creates `numerator / denominator`, reduced to lowest terms.
    ///
    /// - Returns: `nil` when either part is zero.
    /// - Complexity: O(log min(numerator, denominator)) for the gcd.
    public init?(numerator: UInt64, denominator: UInt64) {
        guard numerator > 0, denominator > 0 else { return nil }
        let divisor = ExactRational.gcd(numerator, denominator)
        self.numerator = numerator / divisor
        self.denominator = denominator / divisor
    }

    /// The smallest rational with a `significantBits`-bit numerator mantissa that is ≥ `value`:
    /// `ceil(value · 2^k) / 2^k` for the `k` that keeps `significantBits` significant bits.
    ///
    /// With the default 32 bits the result exceeds `value` by a relative 2^-31 at most.
    ///
    /// - Parameters:
    ///   - value: finite and > 0.
    ///   - significantBits: 8...52.
    /// - Returns: `nil` when `value` is not finite, not positive, or outside 2^-62 ... 2^62
    ///   (a 64-bit numerator or denominator could not hold it).
    /// - Complexity: O(1).
    public init?(roundingUp value: Double, significantBits: Int = 32) {
        precondition((8...52).contains(significantBits), "significantBits must be in 8...52")
        guard value.isFinite, value > 0, value >= 0x1p-62, value <= 0x1p62 else { return nil }
        // value = mantissa · 2^exponent exactly, mantissa a 53-bit integer (normal doubles only here).
        var mantissa = (value.significandBitPattern | (1 << 52))
        var exponent = Int(value.exponent) - 52
        let excess = 53 - significantBits
        let dropped = mantissa & ((1 << UInt64(excess)) - 1)
        mantissa >>= UInt64(excess)
        exponent += excess
        if dropped != 0 { mantissa += 1 }  // round up: never a smaller scale than asked
        // Strip trailing zeros so that the power of two stays small.
        let zeros = mantissa.trailingZeroBitCount
        mantissa >>= UInt64(zeros)
        exponent += zeros
        if exponent >= 0 {
            guard exponent < 64 - (64 - mantissa.leadingZeroBitCount) else { return nil }
            self.init(numerator: mantissa << UInt64(exponent), denominator: 1)
        } else {
            guard -exponent <= 63 else { return nil }
            self.init(numerator: mantissa, denominator: 1 << UInt64(-exponent))
        }
    }

    /// The value as the nearest `Double` (for reports; sampling never uses it).
    public var doubleValue: Double { Double(numerator) / Double(denominator) }

    /// `"n/d"`, or `"n"` when the denominator is 1.
    public var description: String { denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)" }

    @usableFromInline
    static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }
}
