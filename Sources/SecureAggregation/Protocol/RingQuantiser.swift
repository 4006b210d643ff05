public import SecureRandom

/// Maps real vectors into ℤ/2^k for secure aggregation and the aggregate back to reals:
/// L2-norm clipping, scaling by a fixed factor, unbiased stochastic rounding with the CSPRNG,
/// and two's-complement embedding; decoding lifts the sum to the centred range
/// [−2^(k−1), 2^(k−1)) and divides by the scale.
///
/// Decoding is exact (no wrap-around) as long as the true integer sum stays inside the centred
/// range; ``fitting(parties:clippingBound:modulusBits:noiseMargin:)`` picks the largest
/// power-of-two scale that guarantees it for n parties (each element of a clipped vector has
/// |x_i| ≤ c, so its quantised value has magnitude ≤ c·s + 1).
///
/// Stochastic rounding: x·s = ⌊x·s⌋ + f rounds up with probability f (from 53 uniform bits),
/// so E[q(x)] = x·s up to 2^-53: the quantised sum is an unbiased estimate of the scaled sum.
public struct RingQuantiser: Sendable, Equatable {
    /// k: the ring is ℤ/2^k, 1...32.
    public let modulusBits: Int
    /// s: quantisation steps per unit of the input (the grid is 1/s).
    public let scale: Double
    /// c: every party's vector is scaled down to L2 norm ≤ c before quantisation.
    public let clippingBound: Double

    /// Creates a quantiser.
    ///
    /// - Throws: ``SecureAggregationError/invalidParameter(name:reason:)`` for k outside 1...32,
    ///   a non-positive or non-finite scale or clipping bound, or c·s ≥ 2^(k−1).
    public init(modulusBits: Int, scale: Double, clippingBound: Double) throws(SecureAggregationError) {
        guard (1 ... 32).contains(modulusBits) else {
            throw .invalidParameter(name: "modulusBits", reason: "must be in 1...32, found \(modulusBits)")
        }
        guard scale.isFinite, scale > 0 else { throw .invalidParameter(name: "scale", reason: "must be positive and finite, found \(scale)") }
        guard clippingBound.isFinite, clippingBound > 0 else {
            throw .invalidParameter(name: "clippingBound", reason: "must be positive and finite, found \(clippingBound)")
        }
        guard clippingBound * scale + 1 < Double(UInt64(1) << UInt64(modulusBits - 1)) else {
            throw .invalidParameter(name: "scale", reason: "c·s = \(clippingBound * scale) does not fit in the signed range of 2^\(modulusBits)")
        }
        self.modulusBits = modulusBits
        self.scale = scale
        self.clippingBound = clippingBound
    }

    /// The quantiser with the largest power-of-two scale s such that the sum of `parties`
    /// clipped, quantised vectors plus `noiseMargin` never leaves the centred range:
    /// parties · (c·s + 1) + noiseMargin ≤ 2^(k−1) − 1.
    ///
    /// - Parameters:
    ///   - noiseMargin: the largest magnitude the summed DP noise is allowed to reach (in
    ///     quantised steps), e.g. 12 standard deviations of the total noise.
    /// - Throws: ``SecureAggregationError/invalidParameter(name:reason:)`` when even s = 2^-30
    ///   does not fit.
    public static func fitting(parties: Int, clippingBound: Double, modulusBits: Int = 32,
                               noiseMargin: Double = 0) throws(SecureAggregationError) -> RingQuantiser {
        guard parties >= 1 else { throw .invalidParameter(name: "parties", reason: "must be at least 1, found \(parties)") }
        guard (1 ... 32).contains(modulusBits) else {
            throw .invalidParameter(name: "modulusBits", reason: "must be in 1...32, found \(modulusBits)")
        }
        let limit = Double(UInt64(1) << UInt64(modulusBits - 1)) - 1
        var exponent = 40
        while exponent >= -30 {
            let s = Double(sign: .plus, exponent: exponent, significand: 1)
            if Double(parties) * (clippingBound * s + 1) + noiseMargin <= limit {
                return try RingQuantiser(modulusBits: modulusBits, scale: s, clippingBound: clippingBound)
            }
            exponent -= 1
        }
        throw .invalidParameter(name: "modulusBits", reason: "2^\(modulusBits) is too small for \(parties) parties with clipping bound \(clippingBound)")
    }

    /// Clips `values` to L2 norm ≤ c, scales by s, rounds stochastically and embeds in ℤ/2^k.
    ///
    /// - Throws: ``SecureAggregationError/invalidParameter(name:reason:)`` for a non-finite
    ///   element (named by index).
    /// - Complexity: O(n), one 64-bit draw per element.
    public func encode(_ values: [Double], using generator: inout SecureRandomGenerator) throws(SecureAggregationError) -> [UInt32] {
        var squaredNorm = 0.0
        for (index, value) in values.enumerated() {
            guard value.isFinite else { throw .invalidParameter(name: "values", reason: "element \(index) is \(value), not finite") }
            squaredNorm += value * value
        }
        let norm = squaredNorm.squareRoot()
        let factor = norm > clippingBound ? clippingBound / norm : 1
        let mask = modulusBits == 32 ? UInt32.max : (UInt32(1) << UInt32(modulusBits)) - 1
        var result = [UInt32](repeating: 0, count: values.count)
        for index in values.indices {
            let scaled = values[index] * factor * scale
            let low = scaled.rounded(.down)
            let fraction = scaled - low
            let uniform = Double(generator.next() >> 11) * 0x1p-53
            let rounded = Int64(low) + (uniform < fraction ? 1 : 0)
            result[index] = UInt32(truncatingIfNeeded: rounded) & mask
        }
        return result
    }

    /// Lifts a sum in ℤ/2^k to the centred integers and divides by s.
    ///
    /// - Complexity: O(n).
    public func decode(_ sum: [UInt32]) -> [Double] {
        decodeIntegers(sum).map { Double($0) / scale }
    }

    /// The centred integer representatives of `sum` (in −2^(k−1) ..< 2^(k−1)).
    public func decodeIntegers(_ sum: [UInt32]) -> [Int64] {
        let modulus = Int64(1) << Int64(modulusBits)
        let half = modulus / 2
        let mask = UInt32(truncatingIfNeeded: modulus - 1)
        return sum.map { element in
            let value = Int64(element & mask)
            return value >= half ? value - modulus : value
        }
    }
}
