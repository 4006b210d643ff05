import Foundation

/// A discretised privacy-loss distribution (PLD): the distribution of the privacy loss
/// L = ln(P(o)/Q(o)) for o ~ P, where (P, Q) is a dominating pair of output distributions on
/// neighbouring data sets (Meiser & Mohammadi 2018; Koskela, Jälkö & Honkela 2020; Doroshenko,
/// Ghazi, Kamath, Kumar & Manurangsi 2022 "Connect the Dots", Google dp-accounting).
///
/// Losses live on the grid h·ℤ, h = ``valueDiscretizationInterval``: ``masses``[k] is the
/// probability of loss (``lowestIndex`` + k)·h, and ``infinityMass`` the probability of an
/// infinite loss. Discretisation is *pessimistic*: a loss in ((i−1)h, ih] is rounded up to ih,
/// and tail mass cut off for speed is moved up (lower tail) or to ``infinityMass`` (upper
/// tail), so every δ(ε) and ε(δ) this reports is an upper bound on the true one — up to the
/// floating-point round-off of the FFT convolutions (about 10⁻¹⁶ of the largest mass per grid
/// point; negative round-off is clamped to 0).
///
/// The hockey-stick divergence gives δ(ε) = P(L = ∞) + Σ_{ℓ > ε} P(L = ℓ)·(1 − e^{ε − ℓ})
/// (Sommer, Meiser & Mohammadi 2019, Thm 1); composition of mechanisms convolves their PLDs.
/// All events this module builds PLDs for are symmetric (the add and remove directions have
/// the same PLD), so one distribution describes both.
public struct PrivacyLossDistribution: Sendable, Codable, Hashable {
    /// The grid spacing h of the losses (nats).
    public let valueDiscretizationInterval: Double
    /// The grid index of `masses[0]`: its loss is `lowestIndex · h`.
    public private(set) var lowestIndex: Int
    /// Probabilities of the losses `(lowestIndex + k) · h`, k = 0, 1, ….
    public private(set) var masses: [Double]
    /// Probability of an infinite privacy loss (δ(ε) ≥ this for every ε).
    public private(set) var infinityMass: Double

    init(valueDiscretizationInterval: Double, lowestIndex: Int, masses: [Double], infinityMass: Double) {
        self.valueDiscretizationInterval = valueDiscretizationInterval
        self.lowestIndex = lowestIndex
        self.masses = masses
        self.infinityMass = infinityMass
    }

    /// The PLD of the mechanism that releases nothing: loss 0 with probability 1.
    static func identity(valueDiscretizationInterval h: Double) -> Self {
        Self(valueDiscretizationInterval: h, lowestIndex: 0, masses: [1], infinityMass: 0)
    }

    /// The grid index a loss is rounded up to.
    private static func index(roundingUp loss: Double, h: Double) -> Int { Int((loss / h).rounded(.up)) }

    /// The PLD of the Laplace mechanism with noise multiplier m (scale b = m·Δ₁), ε₀ = 1/m.
    ///
    /// With P = Lap(0, b), Q = Lap(Δ₁, b): L = ε₀ with probability ½, L = −ε₀ with probability
    /// ½e^{−ε₀}, and between them L has the CDF G(ℓ) = ½·e^{−(ε₀ − ℓ)/2} (derived from
    /// L = (Δ₁ − 2x)/b on 0 < x < Δ₁).
    static func laplace(noiseMultiplier m: Double, valueDiscretizationInterval h: Double) -> Self {
        let e0 = 1 / m
        func cdf(_ loss: Double) -> Double {
            if loss < -e0 { return 0 }
            if loss >= e0 { return 1 }
            return 0.5 * exp(-(e0 - loss) / 2)
        }
        let low = index(roundingUp: -e0, h: h), high = index(roundingUp: e0, h: h)
        let interiorFactor = -expm1(-h / 2)
        let masses = (low...high).map { i -> Double in
            let top = Double(i) * h, bottom = Double(i - 1) * h
            if bottom >= -e0 && top < e0 { return 0.5 * exp(-(e0 - top) / 2) * interiorFactor }
            return cdf(top) - cdf(bottom)
        }
        return Self(valueDiscretizationInterval: h, lowestIndex: low, masses: masses, infinityMass: 0)
    }

    /// The PLD of the dominating pair of (ε, δ)-DP (Kairouz, Oh & Viswanath 2015; dp-accounting's
    /// `from_privacy_parameters`): L = ∞ with probability δ, L = ε with probability
    /// (1 − δ)e^ε/(1 + e^ε), L = −ε with probability (1 − δ)/(1 + e^ε). With δ = 0 this is
    /// ε-randomised response, which dominates every ε-DP mechanism and is exactly the discrete
    /// Laplace mechanism on a sensitivity-1 integer query.
    static func epsilonDelta(epsilon: Double, delta: Double, valueDiscretizationInterval h: Double) -> Self {
        let low = index(roundingUp: -epsilon, h: h), high = index(roundingUp: epsilon, h: h)
        var masses = [Double](repeating: 0, count: high - low + 1)
        let upper = (1 - delta) / (1 + exp(-epsilon))
        masses[high - low] += upper
        masses[0] += (1 - delta) - upper
        return Self(valueDiscretizationInterval: h, lowestIndex: low, masses: masses, infinityMass: delta)
    }

    /// The PLD of the Gaussian mechanism with noise multiplier m (σ = m·Δ₂): L ~ N(μ, 2μ) with
    /// μ = 1/(2m²). Composing Gaussian mechanisms gives μ = Σ 1/(2mᵢ²) exactly, so one call
    /// covers any number of them. Tails beyond μ ± z·√(2μ), z = √(2 ln(1/τ)) (each ≤ τ/2 by
    /// the Chernoff bound), are moved up (lower) or to infinity (upper).
    static func gaussian(mu: Double, valueDiscretizationInterval h: Double, tailMassTruncation tau: Double) -> Self {
        let s = (2 * mu).squareRoot()
        let z = (2 * log(1 / tau)).squareRoot()
        let low = index(roundingUp: mu - z * s, h: h), high = index(roundingUp: mu + z * s, h: h)
        // cdf below the mean, survival above it, so that differences keep relative precision.
        @inline(__always) func cdf(_ loss: Double) -> Double { StandardNormal.cdf((loss - mu) / s) }
        @inline(__always) func survival(_ loss: Double) -> Double { StandardNormal.cdf((mu - loss) / s) }
        let count = high - low + 1
        let masses = [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            // One normal tail per grid point: below μ, masses are differences of the CDF,
            // above it, of the survival function (each boundary value is reused).
            var previous = cdf(Double(low) * h)
            buffer[0] = previous  // everything below the first grid point, moved up
            var usingSurvival = false
            for k in 1..<max(1, count) {
                let top = Double(low + k) * h
                if !usingSurvival && top <= mu {
                    let value = cdf(top)
                    buffer[k] = value - previous
                    previous = value
                } else {
                    if !usingSurvival {
                        usingSurvival = true
                        previous = survival(top - h)
                    }
                    let value = survival(top)
                    buffer[k] = previous - value
                    previous = value
                }
            }
            initialized = count
        }
        return Self(
            valueDiscretizationInterval: h, lowestIndex: low, masses: masses,
            infinityMass: survival(Double(high) * h))
    }

    /// The PLD of running both mechanisms (convolution of the finite parts; infinite loss when
    /// either loss is infinite), then truncated with ``truncated(tailMass:)``.
    ///
    /// - Complexity: O((n₁ + n₂) log(n₁ + n₂)) by FFT.
    func composed(with other: Self, tailMassTruncation tau: Double) -> Self {
        precondition(valueDiscretizationInterval == other.valueDiscretizationInterval)
        let masses = RealConvolution.convolve(self.masses, other.masses)
        let infinity = infinityMass + other.infinityMass - infinityMass * other.infinityMass
        return Self(
            valueDiscretizationInterval: valueDiscretizationInterval,
            lowestIndex: lowestIndex + other.lowestIndex, masses: masses,
            infinityMass: infinity
        ).truncated(tailMass: tau)
    }

    /// Self-compositions whose untruncated support has at most this many grid points use one
    /// FFT power; longer ones use repeated squaring, which truncates after each step.
    static let fftPowerLimit = 1 << 22

    /// `count`-fold composition with itself: by one FFT power when the untruncated result has at
    /// most ``fftPowerLimit`` points, otherwise by repeated squaring (truncating after each step).
    func selfComposed(_ count: Int, tailMassTruncation tau: Double) -> Self {
        precondition(count >= 1)
        if count == 1 { return self }
        let (product, overflow) = count.multipliedReportingOverflow(by: masses.count - 1)
        if !overflow, product < Self.fftPowerLimit {
            let infinity = -expm1(Double(count) * log1p(-infinityMass))
            return Self(
                valueDiscretizationInterval: valueDiscretizationInterval,
                lowestIndex: lowestIndex * count,
                masses: RealConvolution.selfConvolve(masses, count: count),
                infinityMass: min(1, infinity)
            ).truncated(tailMass: tau)
        }
        var result: Self? = nil
        var power = self, remaining = count
        while true {
            if remaining & 1 == 1 {
                result = result.map { $0.composed(with: power, tailMassTruncation: tau) } ?? power
            }
            remaining >>= 1
            if remaining == 0 { break }
            power = power.composed(with: power, tailMassTruncation: tau)
        }
        return result!
    }

    /// Clamps round-off negatives to 0, then cuts at most `tailMass` from each end: the upper
    /// cut goes to ``infinityMass`` and the lower cut is added to the lowest kept loss (both
    /// pessimistic).
    func truncated(tailMass tau: Double) -> Self {
        var masses = self.masses
        for k in masses.indices where masses[k] < 0 { masses[k] = 0 }
        var top = masses.count - 1, upperCut = 0.0
        while top > 0, upperCut + masses[top] <= tau {
            upperCut += masses[top]
            top -= 1
        }
        var bottom = 0, lowerCut = 0.0
        while bottom < top, lowerCut + masses[bottom] <= tau {
            lowerCut += masses[bottom]
            bottom += 1
        }
        var kept = Array(masses[bottom...top])
        kept[0] += lowerCut
        return Self(
            valueDiscretizationInterval: valueDiscretizationInterval,
            lowestIndex: lowestIndex + bottom, masses: kept,
            infinityMass: min(1, infinityMass + upperCut))
    }

    /// δ(ε) = P(L = ∞) + Σ_{ℓ > ε} P(L = ℓ)(1 − e^{ε − ℓ}), the smallest δ for which the
    /// mechanism(s) are (ε, δ)-DP according to this (pessimistic) distribution.
    ///
    /// - Parameter epsilon: ≥ 0 and finite.
    /// - Returns: δ in [0, 1].
    /// - Complexity: O(number of grid points).
    public func delta(epsilon: Double) throws(DifferentialPrivacyError) -> Double {
        try validateQueryEpsilon(epsilon)
        let h = valueDiscretizationInterval
        var sum = 0.0
        masses.withUnsafeBufferPointer { p in
            for k in stride(from: p.count - 1, through: 0, by: -1) {
                let loss = Double(lowestIndex + k) * h
                if loss <= epsilon { break }
                sum += p[k] * -expm1(epsilon - loss)
            }
        }
        return min(1, max(0, infinityMass + sum))
    }

    /// The smallest ε ≥ 0 with δ(ε) ≤ `delta`, solved exactly on the discrete distribution:
    /// between consecutive grid losses δ(ε) = A − e^ε·B, so ε = ln((A − δ)/B) in the right
    /// interval. +∞ when ``infinityMass`` > δ.
    ///
    /// - Parameter delta: in [0, 1).
    /// - Complexity: O(number of grid points).
    public func epsilon(delta: Double) throws(DifferentialPrivacyError) -> Double {
        guard delta.isFinite, delta >= 0, delta < 1 else {
            throw .invalidParameter(name: "delta", value: "\(delta)", reason: "must lie in [0, 1)")
        }
        if infinityMass > delta { return .infinity }
        let h = valueDiscretizationInterval
        // Scanning grid indices i from the top: A = P(L = ∞) + Σ_{j ≥ i} p_j and
        // C = Σ_{j ≥ i} p_j e^{((i−1) − j)h}, so δ((i−1)h) = A − C (only losses > (i−1)h count).
        var a = infinityMass, c = 0.0
        let decay = exp(-h)
        var result = 0.0
        masses.withUnsafeBufferPointer { p in
            var previousIndex = lowestIndex + p.count  // one above the top
            for k in stride(from: p.count - 1, through: 0, by: -1) {
                let i = lowestIndex + k
                if i < 1 { break }
                // Move C from index previousIndex down to i (empty grid points in between decay it).
                c *= pow(decay, Double(previousIndex - i))
                a += p[k]
                c += p[k] * decay
                previousIndex = i
                let deltaAtBottom = a - c  // δ((i − 1)h)
                if deltaAtBottom > delta {
                    result = Double(i - 1) * h + log((a - delta) / c)
                    return
                }
            }
        }
        return max(0, result)
    }
}
