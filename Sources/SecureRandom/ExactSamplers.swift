// Exact samplers on integers and rationals (Canonne, Kamath & Steinke, "The Discrete Gaussian
// for Differential Privacy", NeurIPS 2020, https://arxiv.org/abs/2004.00010, Algorithms 1–3).
//
// Every sampler here uses only integer arithmetic on uniform draws from the CSPRNG, so the
// distribution it samples is exactly the one documented: no `log(uniform)` on doubles, whose
// rounding leaks the input through the low bits of the output (Mironov, "On significance of
// the least significant bits for differential privacy", CCS 2012).

extension SecureRandomGenerator {
    /// Returns `true` with probability exactly `numerator / denominator`.
    ///
    /// - Precondition: `denominator > 0`; `numerator > denominator` behaves as probability 1.
    /// - Complexity: O(1) expected: one exactly uniform draw below `denominator`.
    @inlinable
    public mutating func nextBernoulli(numerator: UInt64, denominator: UInt64) -> Bool {
        nextUniform(below: denominator) < numerator
    }

    /// Returns `true` with probability exactly `exp(−numerator / denominator)`.
    ///
    /// CKS20 Algorithm 1: for γ = n/d ≤ 1 draw Bernoulli(γ/k) for k = 1, 2, … until the first
    /// failure and return whether that k is odd (P = Σ (−γ)^j / j! = e^−γ); for γ > 1 that
    /// many Bernoulli(e^−1) trials for the whole part, then one for the fraction.
    ///
    /// - Precondition: `denominator > 0`.
    /// - Complexity: O(1 + γ) expected draws (fewer: it stops at the first failed whole part).
    @inlinable
    public mutating func nextBernoulliExpMinus(numerator: UInt64, denominator: UInt64) -> Bool {
        precondition(denominator > 0, "nextBernoulliExpMinus needs a positive denominator")
        var remainder = numerator
        if remainder >= denominator {
            var whole = remainder / denominator
            remainder -= whole * denominator
            while whole > 0 {
                if !nextBernoulliExpMinusOne() { return false }
                whole -= 1
            }
        }
        return nextBernoulliExpMinusFraction(remainder, denominator)
    }

    /// Returns `true` with probability exactly `exp(−1)` (CKS20 Algorithm 1 with γ = 1).
    ///
    /// - Complexity: e ≈ 2.72 small uniform draws on average.
    @inlinable
    public mutating func nextBernoulliExpMinusOne() -> Bool {
        // Bernoulli(1/1) always succeeds, so k starts at 2.
        var k: UInt64 = 2
        while nextUniform(below: k) == 0 { k &+= 1 }
        return k & 1 == 1
    }

    /// exp(−r/d) for 0 ≤ r < d.
    @inlinable
    mutating func nextBernoulliExpMinusFraction(_ remainder: UInt64, _ denominator: UInt64) -> Bool {
        if remainder == 0 { return true }
        var k: UInt64 = 1
        while true {
            // Bernoulli(r / (d·k)).
            let (scaled, overflow) = denominator.multipliedReportingOverflow(by: k)
            let success: Bool
            if _fastPath(!overflow) {
                success = nextUniform(below: scaled) < remainder
            } else {
                // Bernoulli(1/k) ∧ Bernoulli(r/d) has the same probability r/(d·k).
                success = nextUniform(below: k) == 0 && nextUniform(below: denominator) < remainder
            }
            if !success { return k & 1 == 1 }
            k &+= 1
        }
    }

    /// Returns a value exactly uniform on `0..<bound` for a 128-bit bound.
    ///
    /// Rejection sampling over the smallest power of two ≥ `bound` (fewer than 2 rounds
    /// expected); bounds below 2^64 use ``nextUniform(below:)``.
    ///
    /// - Precondition: `bound > 0`.
    @available(macOS 15.0, *)
    @inlinable
    public mutating func nextUniform128(below bound: UInt128) -> UInt128 {
        precondition(bound > 0, "nextUniform128(below:) needs a positive bound")
        if bound <= UInt128(UInt64.max) { return UInt128(nextUniform(below: UInt64(bound))) }
        let bits = 128 - bound.leadingZeroBitCount
        let highBits = bits - 64
        while true {
            let high = nextBits(highBits)
            let candidate = UInt128(high) << 64 | UInt128(next())
            if candidate < bound { return candidate }
        }
    }

    /// Returns `true` with probability exactly `exp(−numerator / denominator)` for 128-bit parts.
    ///
    /// As ``nextBernoulliExpMinus(numerator:denominator:)``; the Bernoulli(r/(d·k)) steps draw
    /// Bernoulli(1/k) ∧ Bernoulli(r/d), so nothing overflows.
    ///
    /// - Precondition: `denominator > 0`.
    @available(macOS 15.0, *)
    @inlinable
    public mutating func nextBernoulliExpMinus128(numerator: UInt128, denominator: UInt128) -> Bool {
        precondition(denominator > 0, "nextBernoulliExpMinus128 needs a positive denominator")
        if numerator <= UInt128(UInt64.max) && denominator <= UInt128(UInt64.max) {
            return nextBernoulliExpMinus(numerator: UInt64(numerator), denominator: UInt64(denominator))
        }
        var remainder = numerator
        if remainder >= denominator {
            var whole = remainder / denominator
            remainder -= whole * denominator
            while whole > 0 {
                if !nextBernoulliExpMinusOne() { return false }
                whole -= 1
            }
        }
        if remainder == 0 { return true }
        // k = 1: Bernoulli(r/d); a first failure leaves k = 1, which is odd.
        if !(nextUniform128(below: denominator) < remainder) { return true }
        var k: UInt64 = 2
        while nextUniform(below: k) == 0 && nextUniform128(below: denominator) < remainder { k &+= 1 }
        return k & 1 == 1
    }
}

/// Exact sampler of the geometric distribution on {0, 1, 2, …} with
/// `P(y) = (1 − q) q^y`, `q = exp(−1/scale)`, for a rational `scale`.
///
/// CKS20 Algorithm 2's inner part: with `scale = t/s`, draw `U` uniform on `0..<t` and accept it
/// with probability `exp(−U/t)`; count `V` successes of Bernoulli(e^−1); `X = U + t·V` is then
/// geometric with ratio `exp(−1/t)`, and `⌊X/s⌋` geometric with ratio `exp(−s/t)`. Expected
/// cost O(1) draws whatever the scale.
///
/// The scale is limited to `2^-62 ... 2^52` (as ``ExactRational``, with `t < 2^52`).
public struct GeometricSampler: Sendable, Hashable {
    /// The scale `t/s` actually sampled, in the unit of the output (1 = integer steps).
    public let scale: ExactRational
    @usableFromInline let t: UInt64
    @usableFromInline let s: UInt64

    /// Creates a sampler for `scale` (the mean of the continuous analogue, 1/(1 − q) − 1 ≈ scale).
    ///
    /// - Precondition: `scale.numerator < 2^52`.
    public init(scale: ExactRational) {
        precondition(scale.numerator < 1 << 52, "GeometricSampler: scale numerator must be < 2^52")
        self.scale = scale
        self.t = scale.numerator
        self.s = scale.denominator
    }

    /// Draws one value.
    ///
    /// - Complexity: O(1) expected: about 1.6 rounds of one uniform draw, one Bernoulli(e^−U/t)
    ///   and ~1.6 Bernoulli(e^−1) trials.
    @inlinable
    public func sample(using generator: inout SecureRandomGenerator) -> UInt64 {
        while true {
            let u = t == 1 ? 0 : generator.nextUniform(below: t)
            guard generator.nextBernoulliExpMinusFraction(u, t) else { continue }
            var v: UInt64 = 0
            while generator.nextBernoulliExpMinusOne() { v &+= 1 }
            // X = U + t·V; an overflow has probability below exp(−2^11) for t < 2^52 and is
            // resampled (documented departure of that size from exactness).
            let (tv, overflow1) = t.multipliedReportingOverflow(by: v)
            let (x, overflow2) = u.addingReportingOverflow(tv)
            if _slowPath(overflow1 || overflow2) { continue }
            return s == 1 ? x : x / s
        }
    }
}

/// Exact sampler of the discrete Laplace distribution on ℤ:
/// `P(y) = (1 − q)/(1 + q) · q^|y|`, `q = exp(−1/scale)`, for a rational `scale`.
///
/// CKS20 Algorithm 2: a geometric magnitude and a fair sign, rejecting "negative zero".
/// Adding discrete Laplace noise of scale Δ/ε to an integer query of L1 sensitivity Δ satisfies
/// pure ε-differential privacy (the geometric mechanism, Ghosh, Roughgarden & Sundararajan 2009).
///
/// Speed (release, one core, this repository's reference box): see docs/benchmarks.md (differential privacy).
public struct DiscreteLaplaceSampler: IntegerNoiseSampler {
    @usableFromInline let magnitude: GeometricSampler

    /// The scale actually sampled, in integer steps.
    public var scale: ExactRational { magnitude.scale }

    /// Creates a sampler of scale `scale` (the standard deviation is about `scale·√2`).
    ///
    /// - Precondition: `scale.numerator < 2^52`.
    public init(scale: ExactRational) {
        magnitude = GeometricSampler(scale: scale)
    }

    /// Draws one value.
    ///
    /// - Complexity: O(1) expected.
    @inlinable
    public func sample(using generator: inout SecureRandomGenerator) -> Int64 {
        while true {
            let y = magnitude.sample(using: &generator)
            let negative = generator.nextBool()
            if negative && y == 0 { continue }
            // |y| < 2^63 always: y ≤ (2^64 − 1)/s and overflow paths resample.
            guard y < 1 << 63 else { continue }
            return negative ? -Int64(y) : Int64(y)
        }
    }

}

/// Exact sampler of the discrete Gaussian distribution on ℤ:
/// `P(y) ∝ exp(−y² / (2σ²))`, for a rational variance parameter `σ²`.
///
/// CKS20 Algorithm 3: with `t = ⌊σ⌋ + 1`, draw `Y` from the discrete Laplace of scale `t` and
/// accept it with probability `exp(−(|Y| − σ²/t)² / (2σ²))`, evaluated exactly on 128-bit
/// rationals. Adding it to an integer query of L2 sensitivity Δ satisfies (Δ²/2σ²)-zCDP
/// (CKS20 Theorem 4) — the same as the continuous Gaussian.
///
/// σ² is limited to `2^-20 ... 2^48` (σ up to 1.6·10^7 steps). For |Y| beyond ~2^40 steps the
/// 128-bit products could overflow; such candidates (probability below exp(−2^15)) are
/// resampled, a departure from exactness of that size.
@available(macOS 15.0, *)
public struct DiscreteGaussianSampler: IntegerNoiseSampler {
    /// σ² actually sampled, in squared integer steps.
    public let variance: ExactRational
    @usableFromInline let proposal: DiscreteLaplaceSampler
    @usableFromInline let a: UInt128
    @usableFromInline let b: UInt128
    @usableFromInline let t: UInt128
    /// 2·a·b·t², the acceptance exponent's denominator.
    @usableFromInline let exponentDenominator: UInt128

    /// Creates a sampler with variance parameter `variance` = σ² (a rational a/b).
    ///
    /// - Precondition: `2^-20 ≤ σ² ≤ 2^48` and `a, b < 2^52`.
    public init(variance: ExactRational) {
        let value = variance.doubleValue
        precondition(value >= 0x1p-20 && value <= 0x1p48, "DiscreteGaussianSampler: σ² must be in 2^-20 ... 2^48")
        precondition(
            variance.numerator < 1 << 52 && variance.denominator < 1 << 52,
            "DiscreteGaussianSampler: σ² needs numerator and denominator below 2^52")
        self.variance = variance
        let a = variance.numerator, b = variance.denominator
        // t = ⌊√(a/b)⌋ + 1 = ⌊√⌊a/b⌋⌋ + 1, computed exactly.
        let floorSigma = DiscreteGaussianSampler.integerSquareRoot(a / b)
        let t = floorSigma + 1
        self.proposal = DiscreteLaplaceSampler(scale: ExactRational(numerator: t, denominator: 1)!)
        self.a = UInt128(a)
        self.b = UInt128(b)
        self.t = UInt128(t)
        self.exponentDenominator = 2 * UInt128(a) * UInt128(b) * UInt128(t) * UInt128(t)
    }

    /// Creates a sampler for standard deviation `sigma`, with σ² rounded **up** to a rational
    /// with 32 significant bits (slightly more noise, never less).
    ///
    /// - Returns: `nil` when σ² is not finite or outside `2^-20 ... 2^48`.
    public init?(sigma: Double) {
        guard sigma.isFinite, sigma > 0, let variance = ExactRational(roundingUp: sigma * sigma),
            variance.doubleValue >= 0x1p-20, variance.doubleValue <= 0x1p48,
            variance.numerator < 1 << 52, variance.denominator < 1 << 52
        else { return nil }
        self.init(variance: variance)
    }

    /// σ, the square root of ``variance`` (for reports).
    public var sigma: Double { variance.doubleValue.squareRoot() }

    /// Draws one value.
    ///
    /// - Complexity: O(1) expected: about 1.3–1.7 rounds of one discrete Laplace draw and one
    ///   Bernoulli(exp(−γ)) on 128-bit rationals.
    @inlinable
    public func sample(using generator: inout SecureRandomGenerator) -> Int64 {
        while true {
            let y = proposal.sample(using: &generator)
            let magnitude = UInt128(y.magnitude)
            // γ = (|Y| − σ²/t)² / (2σ²) = (|Y|·b·t − a)² / (2·a·b·t²).
            let (yb, o1) = magnitude.multipliedReportingOverflow(by: b)
            let (ybt, o2) = yb.multipliedReportingOverflow(by: t)
            if _slowPath(o1 || o2) { continue }
            let difference = ybt >= a ? ybt - a : a - ybt
            let (numerator, o3) = difference.multipliedReportingOverflow(by: difference)
            if _slowPath(o3) { continue }
            if generator.nextBernoulliExpMinus128(numerator: numerator, denominator: exponentDenominator) {
                return y
            }
        }
    }

    static func integerSquareRoot(_ n: UInt64) -> UInt64 {
        var root = min(UInt64(Double(n).squareRoot()), UInt64(UInt32.max))
        while root > 0 && root * root > n { root -= 1 }
        while root < UInt64(UInt32.max) && (root + 1) * (root + 1) <= n { root += 1 }
        return root
    }
}

/// An exact sampler of integer noise: ``DiscreteLaplaceSampler`` or ``DiscreteGaussianSampler``.
///
/// The bulk operations below draw exactly the same values, in the same order, as repeated
/// ``sample(using:)`` calls.
public protocol IntegerNoiseSampler: Sendable, Hashable {
    /// Draws one value.
    func sample(using generator: inout SecureRandomGenerator) -> Int64
}

extension IntegerNoiseSampler {
    /// Overwrites `buffer` with independent draws.
    ///
    /// - Complexity: O(`buffer.count`) expected.
    @inlinable
    public func fill(_ buffer: UnsafeMutableBufferPointer<Int64>, using generator: inout SecureRandomGenerator) {
        for index in buffer.indices { buffer[index] = sample(using: &generator) }
    }

    /// Returns `count` independent draws.
    ///
    /// - Complexity: O(`count`) expected.
    public func samples(_ count: Int, using generator: inout SecureRandomGenerator) -> [Int64] {
        [Int64](unsafeUninitializedCapacity: count) { buffer, initialised in
            fill(buffer, using: &generator)
            initialised = count
        }
    }
}
