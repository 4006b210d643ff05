public import SecureRandom
internal import Foundation

/// Maps real vectors into ℤ/2^k for secure aggregation and the aggregate back to reals:
/// L2-norm clipping, scaling by a fixed factor, *conditional* randomised rounding with the
/// CSPRNG, and two's-complement embedding; decoding lifts the sum to the centred range
/// [−2^(k−1), 2^(k−1)) and divides by the scale.
///
/// Decoding is exact (no wrap-around) as long as the true integer sum stays inside the centred
/// range; ``fitting(parties:clippingBound:modulusBits:noiseMargin:)`` picks the largest
/// power-of-two scale that guarantees it for n parties (each element of a clipped vector has
/// |x_i| ≤ c, so its quantised value has magnitude ≤ c·s + 1).
///
/// Conditional randomised rounding (Kairouz, Liu & Steinke, "The Distributed Discrete Gaussian
/// Mechanism for Federated Learning with Secure Aggregation", ICML 2021, §4.1): each element
/// x·s = ⌊x·s⌋ + f rounds up with probability f (from 53 uniform bits), and the whole vector
/// is rounded again until its L2 norm is at most ``l2Bound(dimension:)``,
/// Δ₂ = min{ c·s + √d, √(c²s² + d/4 + √(2 ln(1/β))·(c·s + √d/2)) }.
/// Unconditional rounding can reach ‖q‖₂ = c·s + √d; the conditioned vector never exceeds
/// Δ₂, so Δ₂ is the L2 sensitivity (in integer steps) to account with. A single rounding
/// is accepted with probability ≥ 1 − β, so the expected number of rounds is ≤ 1/(1 − β);
/// the conditioning biases the rounding by at most a factor β/(1 − β) of its variance
/// (their Lemma 23), a utility cost, not a privacy one.
public struct RingQuantiser: Sendable, Equatable {
    /// k: the ring is ℤ/2^k, 1...32.
    public let modulusBits: Int
    /// s: quantisation steps per unit of the input (the grid is 1/s).
    public let scale: Double
    /// c: every party's vector is scaled down to L2 norm ≤ c before quantisation.
    public let clippingBound: Double
    /// β in (0, 1): the conditional rounding's bound is exceeded by one unconditioned
    /// rounding with probability at most β (Kairouz et al. use e^{−1/2}, the default).
    public let roundingBias: Double

    /// The default β = e^{−1/2} ≈ 0.61 of Kairouz, Liu & Steinke's experiments.
    public static let defaultRoundingBias = Foundation.exp(-0.5)

    /// The most times ``encode(_:using:)`` re-rounds a vector before giving up (the chance of
    /// reaching it is at most β^1000 < 10^-200 at the default β).
    public static let maximumRoundingAttempts = 1_000

    /// Creates a quantiser.
    ///
    /// - Throws: ``SecureAggregationError/invalidParameter(name:reason:)`` for k outside 1...32,
    ///   a non-positive or non-finite scale or clipping bound, c·s ≥ 2^(k−1), or β outside (0, 1).
    public init(
        modulusBits: Int, scale: Double, clippingBound: Double,
        roundingBias: Double = RingQuantiser.defaultRoundingBias
    ) throws(SecureAggregationError) {
        guard (1...32).contains(modulusBits) else {
            throw .invalidParameter(name: "modulusBits", reason: "must be in 1...32, found \(modulusBits)")
        }
        guard scale.isFinite, scale > 0 else {
            throw .invalidParameter(name: "scale", reason: "must be positive and finite, found \(scale)")
        }
        guard clippingBound.isFinite, clippingBound > 0 else {
            throw .invalidParameter(
                name: "clippingBound", reason: "must be positive and finite, found \(clippingBound)")
        }
        guard clippingBound * scale + 1 < Double(UInt64(1) << UInt64(modulusBits - 1)) else {
            throw .invalidParameter(
                name: "scale",
                reason: "c·s = \(clippingBound * scale) does not fit in the signed range of 2^\(modulusBits)")
        }
        guard roundingBias > 0, roundingBias < 1 else {
            throw .invalidParameter(name: "roundingBias", reason: "β must be in (0, 1), found \(roundingBias)")
        }
        self.modulusBits = modulusBits
        self.scale = scale
        self.clippingBound = clippingBound
        self.roundingBias = roundingBias
    }

    /// Δ₂: the L2 norm every encoded vector of `dimension` elements stays within, in integer
    /// steps — the L2 sensitivity of one party's contribution to account with:
    /// min{ c·s + √d, √(c²s² + d/4 + √(2 ln(1/β))·(c·s + √d/2)) } (Kairouz et al. 2021, eq. (5)).
    ///
    /// - Complexity: O(1).
    public func l2Bound(dimension d: Int) -> Double {
        let cs = clippingBound * scale
        let root = Double(d).squareRoot()
        let deterministic = cs + root
        let conditional =
            (cs * cs + Double(d) / 4 + (2 * Foundation.log(1 / roundingBias)).squareRoot() * (cs + root / 2))
            .squareRoot()
        return min(deterministic, conditional)
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
    public static func fitting(
        parties: Int, clippingBound: Double, modulusBits: Int = 32,
        noiseMargin: Double = 0
    ) throws(SecureAggregationError) -> RingQuantiser {
        guard parties >= 1 else {
            throw .invalidParameter(name: "parties", reason: "must be at least 1, found \(parties)")
        }
        guard (1...32).contains(modulusBits) else {
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
        throw .invalidParameter(
            name: "modulusBits",
            reason: "2^\(modulusBits) is too small for \(parties) parties with clipping bound \(clippingBound)")
    }

    /// Clips `values` to L2 norm ≤ c, scales by s, rounds randomly *conditioned on* the
    /// rounded vector's L2 norm being ≤ ``l2Bound(dimension:)`` (re-rounding the whole
    /// vector until it is), and embeds it in ℤ/2^k.
    ///
    /// - Throws: ``SecureAggregationError/invalidParameter(name:reason:)`` for a non-finite
    ///   element (named by index), or when ``maximumRoundingAttempts`` roundings all exceed
    ///   the bound (probability ≤ β^1000).
    /// - Complexity: O(d) per attempt, one 64-bit draw per element; expected attempts
    ///   ≤ 1/(1 − β) (≈ 2.5 at the default β; usually 1).
    public func encode(
        _ values: [Double], using generator: inout SecureRandomGenerator
    ) throws(SecureAggregationError) -> [UInt32] {
        var squaredNorm = 0.0
        for (index, value) in values.enumerated() {
            guard value.isFinite else {
                throw .invalidParameter(name: "values", reason: "element \(index) is \(value), not finite")
            }
            squaredNorm += value * value
        }
        let norm = squaredNorm.squareRoot()
        let factor = norm > clippingBound ? clippingBound / norm : 1
        let bound = l2Bound(dimension: values.count)
        let squaredBound = bound * bound
        let scaled = values.map { $0 * factor * scale }
        var rounded = [Int64](repeating: 0, count: values.count)
        for _ in 0..<Self.maximumRoundingAttempts {
            var roundedSquares = 0.0
            for index in scaled.indices {
                let low = scaled[index].rounded(.down)
                let fraction = scaled[index] - low
                let uniform = Double(generator.next() >> 11) * 0x1p-53
                let value = Int64(low) + (uniform < fraction ? 1 : 0)
                rounded[index] = value
                roundedSquares += Double(value) * Double(value)
            }
            if roundedSquares <= squaredBound {
                let mask = modulusBits == 32 ? UInt32.max : (UInt32(1) << UInt32(modulusBits)) - 1
                return rounded.map { UInt32(truncatingIfNeeded: $0) & mask }
            }
        }
        throw .invalidParameter(
            name: "roundingBias",
            reason: "\(Self.maximumRoundingAttempts) randomised roundings all exceeded the L2 bound \(bound); raise β")
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
