import Foundation

/// (ε, δ)-DP with advanced composition, reporting the better of basic composition and the
/// heterogeneous advanced-composition bound of Kairouz, Oh & Viswanath 2015 ("The Composition
/// Theorem for Differential Privacy", Theorem 3.5):
///
/// k mechanisms that are (εᵢ, δᵢ)-DP compose, for every δ̃ ∈ [0, 1], to
/// (ε̃, 1 − (1 − δ̃)·Π(1 − δᵢ))-DP with
///
///   ε̃ = min{ Σεᵢ,
///            Σεᵢ·tanh(εᵢ/2) + √(2 Σεᵢ² · ln(e + √(Σεᵢ²)/δ̃)),
///            Σεᵢ·tanh(εᵢ/2) + √(2 Σεᵢ² · ln(1/δ̃)) },
///
/// where εᵢ·tanh(εᵢ/2) = εᵢ(e^{εᵢ} − 1)/(e^{εᵢ} + 1). For k equal events this is never worse than
/// Dwork, Rothblum & Vadhan 2010's ε√(2k ln(1/δ̃)) + kε(e^ε − 1) (Dwork & Roth 2014, Thm 3.20),
/// since tanh(ε/2) ≤ e^ε − 1; with δ̃ = 0 it is basic composition (Σεᵢ, 1 − Π(1 − δᵢ)), and
/// 1 − Π(1 − δᵢ) ≤ Σδᵢ.
///
/// Events: `laplace(m)` and `discreteLaplace(m)` are (1/m, 0); `pureEpsilon(ε)` is (ε, 0);
/// `approximate(ε, δ)` as given. A Gaussian event is charged at the fixed per-event δ
/// ``gaussianEventDelta`` and the ε of the exact Gaussian curve at that δ (Balle & Wang 2018,
/// Thm 8; ``GaussianCalibration/epsilon(forNoiseMultiplier:delta:)``). Discrete Gaussian and
/// `zCDP(ρ)` events are charged at the same δ with the ε of the ρ-zCDP conversion
/// (Canonne, Kamath & Steinke 2020, Prop. 12; ρ = 1/(2m²) for the discrete Gaussian).
///
/// The state is five sums, so copies are free and the result does not depend on event order.
public struct ApproximateAccountant: PrivacyAccountant, Codable, Hashable {
    /// The δ each Gaussian, discrete Gaussian or zCDP event is charged (its ε then follows from
    /// its exact curve). Default 10⁻⁸.
    public let gaussianEventDelta: Double
    /// Σεᵢ.
    public private(set) var sumEpsilon: Double = 0
    /// Σεᵢ².
    public private(set) var sumSquaredEpsilon: Double = 0
    /// Σεᵢ·tanh(εᵢ/2), the expected privacy loss term of the advanced bound.
    public private(set) var sumExpectedLoss: Double = 0
    /// Σ ln(1 − δᵢ), so that Π(1 − δᵢ) = exp of it.
    public private(set) var sumLogOneMinusDelta: Double = 0
    /// Number of events composed (leaves times repetitions).
    public private(set) var eventCount: Int = 0

    /// An accountant with nothing composed.
    ///
    /// - Parameter gaussianEventDelta: δ charged per Gaussian-type event, in (0, 1).
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)``.
    public init(gaussianEventDelta: Double = 1e-8) throws(DifferentialPrivacyError) {
        guard gaussianEventDelta.isFinite, gaussianEventDelta > 0, gaussianEventDelta < 1 else {
            throw .invalidParameter(
                name: "gaussianEventDelta", value: "\(gaussianEventDelta)", reason: "must lie in (0, 1)")
        }
        self.gaussianEventDelta = gaussianEventDelta
    }

    /// An accountant charging Gaussian-type events δ = 10⁻⁸ each.
    public init() { gaussianEventDelta = 1e-8 }

    /// `"(ε, δ) advanced composition"`.
    public var name: String { "(ε, δ) advanced composition" }

    /// The (ε, δ) one leaf event is charged.
    func charge(of leaf: PrivacyEvent) throws(DifferentialPrivacyError) -> (epsilon: Double, delta: Double) {
        switch leaf {
        case let .laplace(m), let .discreteLaplace(m): return (1 / m, 0)
        case let .pureEpsilon(e): return (e, 0)
        case let .approximate(e, d): return (e, d)
        case let .gaussian(m):
            return (GaussianCalibration.exactEpsilon(sigma: m, delta: gaussianEventDelta), gaussianEventDelta)
        case let .discreteGaussian(m):
            return (RenyiConversion.zcdpEpsilon(rho: 1 / (2 * m * m), delta: gaussianEventDelta), gaussianEventDelta)
        case let .zCDP(r):
            return (RenyiConversion.zcdpEpsilon(rho: r, delta: gaussianEventDelta), gaussianEventDelta)
        default:
            throw .unsupportedEvent(accountant: name, event: leaf.description)
        }
    }

    /// Adds the event's charges to the sums.
    ///
    /// - Throws: `invalidParameter` for a malformed event. On error nothing changes.
    /// - Complexity: O(nodes), plus one curve inversion per Gaussian-type leaf.
    public mutating func compose(_ event: PrivacyEvent) throws(DifferentialPrivacyError) {
        try event.validate()
        var copy = self
        try event.forEachLeaf { (leaf, count) throws(DifferentialPrivacyError) in
            let (e, d) = try charge(of: leaf)
            let n = Double(count)
            copy.sumEpsilon += n * e
            copy.sumSquaredEpsilon += n * e * e
            copy.sumExpectedLoss += n * e * tanh(e / 2)
            copy.sumLogOneMinusDelta += n * log1p(-d)
            copy.eventCount += count
        }
        self = copy
    }

    /// The smallest ε by the bound above such that the composition is (ε, `delta`)-DP: solves
    /// 1 − (1 − δ̃)Π(1 − δᵢ) = `delta` for δ̃ and returns ε̃(δ̃); +∞ when `delta` is below
    /// 1 − Π(1 − δᵢ).
    ///
    /// - Parameter delta: in [0, 1) (δ = 0 gives Σεᵢ when every event is pure).
    /// - Complexity: O(1).
    public func epsilon(delta: Double) throws(DifferentialPrivacyError) -> Double {
        guard delta.isFinite, delta >= 0, delta < 1 else {
            throw .invalidParameter(name: "delta", value: "\(delta)", reason: "must lie in [0, 1)")
        }
        // δ̃ = 1 − (1 − δ)/Π(1 − δᵢ)
        let slack = -expm1(log1p(-delta) - sumLogOneMinusDelta)
        if slack < 0 { return .infinity }
        if slack == 0 || sumSquaredEpsilon == 0 { return sumEpsilon }
        let root = sumSquaredEpsilon.squareRoot()
        let first = sumExpectedLoss + (2 * sumSquaredEpsilon * log(M_E + root / slack)).squareRoot()
        let second = sumExpectedLoss + (2 * sumSquaredEpsilon * -log(slack)).squareRoot()
        return min(sumEpsilon, first, second)
    }

    /// The smallest δ by the bound above such that the composition is (`epsilon`, δ)-DP.
    ///
    /// - Parameter epsilon: ≥ 0 and finite.
    /// - Complexity: O(1).
    public func delta(epsilon: Double) throws(DifferentialPrivacyError) -> Double {
        try validateQueryEpsilon(epsilon)
        let slack: Double
        if epsilon >= sumEpsilon {
            slack = 0
        } else if epsilon <= sumExpectedLoss {
            return 1
        } else {
            let exponent = (epsilon - sumExpectedLoss) * (epsilon - sumExpectedLoss) / (2 * sumSquaredEpsilon)
            var best = exp(-exponent)
            let denominator = exp(exponent) - M_E
            if denominator > 0 { best = min(best, sumSquaredEpsilon.squareRoot() / denominator) }
            slack = min(1, best)
        }
        if slack >= 1 { return 1 }
        return min(1, max(0, -expm1(log1p(-slack) + sumLogOneMinusDelta)))
    }
}
