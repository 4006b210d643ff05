import Foundation

/// Privacy-loss-distribution accounting (Koskela, Jälkö & Honkela 2020; Doroshenko et al. 2022;
/// Google dp-accounting's `PLDAccountant`): the numerically tight (ε, δ) of a composition of
/// Laplace, Gaussian, discrete Laplace, pure-ε and (ε, δ) mechanisms, up to the pessimistic
/// discretisation of the losses on the grid h·ℤ (every reported ε or δ is an upper bound).
///
/// | event | privacy-loss distribution |
/// |---|---|
/// | `laplace(m)` | exact Laplace PLD, ε₀ = 1/m (see ``PrivacyLossDistribution``) |
/// | `gaussian(m)` | N(μ, 2μ), μ = 1/(2m²); Gaussians compose exactly by adding μ |
/// | `discreteLaplace(m)`, `pureEpsilon(ε)` | ε-randomised response (exact for the discrete Laplace mechanism on sensitivity 1; dominates every ε-DP mechanism) |
/// | `approximate(ε, δ)` | the dominating pair of (ε, δ)-DP |
/// | `discreteGaussian`, `zCDP` | refused: the discrete Gaussian's PLD depends on the integer sensitivity, which the event does not carry, and ρ-zCDP has no PLD; use ``RDPAccountant`` or ``ZCDPAccountant`` |
///
/// The state is a small multiset — the total Gaussian μ and, per distinct Laplace or
/// randomised-response parameter, a repetition count — so copies and `Codable` are cheap and
/// composing is O(1). Each query builds the PLD: each distinct component is self-composed by
/// repeated squaring with FFT convolutions, the components are convolved, and the Gaussian
/// part is discretised once at its exact composed μ. Tails of at most ``tailMassTruncation``
/// per side are cut after each convolution (lower tail moved up, upper tail to infinite loss).
///
/// Call ``privacyLossDistribution()`` once to ask several questions of the same composition.
public struct PLDAccountant: PrivacyAccountant, Codable, Hashable {
    /// One distinct non-Gaussian component and how many times it was composed.
    struct Component: Codable, Hashable, Comparable {
        /// 0 for a Laplace mechanism with noise multiplier `parameter`; 1 for (ε, δ) with
        /// ε = `parameter`, δ = `delta` (δ = 0: randomised response).
        var kind: Int
        var parameter: Double
        var delta: Double
        var count: Int

        static func < (lhs: Component, rhs: Component) -> Bool {
            (lhs.kind, lhs.parameter, lhs.delta) < (rhs.kind, rhs.parameter, rhs.delta)
        }
    }

    /// The grid spacing h of privacy losses (nats); dp-accounting's default is 10⁻⁴.
    public let valueDiscretizationInterval: Double
    /// The largest probability mass cut from each tail after each convolution (moved
    /// pessimistically); dp-accounting's default is 10⁻¹⁵.
    public let tailMassTruncation: Double
    /// μ = Σ 1/(2mᵢ²) over the Gaussian events composed so far.
    public private(set) var gaussianMu: Double = 0
    /// Distinct non-Gaussian components with their counts, sorted.
    private(set) var components: [Component] = []

    /// An accountant with nothing composed.
    ///
    /// - Parameters:
    ///   - valueDiscretizationInterval: h in (0, 1]; the PLD's size grows as 1/h and the error
    ///     of the reported ε is at most about (number of events)·h.
    ///   - tailMassTruncation: in [0, 10⁻³].
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)``.
    public init(valueDiscretizationInterval: Double = 1e-4, tailMassTruncation: Double = 1e-15) throws(DifferentialPrivacyError) {
        guard valueDiscretizationInterval.isFinite, valueDiscretizationInterval > 0, valueDiscretizationInterval <= 1 else {
            throw .invalidParameter(name: "valueDiscretizationInterval", value: "\(valueDiscretizationInterval)", reason: "must lie in (0, 1]")
        }
        guard tailMassTruncation.isFinite, tailMassTruncation >= 0, tailMassTruncation <= 1e-3 else {
            throw .invalidParameter(name: "tailMassTruncation", value: "\(tailMassTruncation)", reason: "must lie in [0, 1e-3]")
        }
        self.valueDiscretizationInterval = valueDiscretizationInterval
        self.tailMassTruncation = tailMassTruncation
    }

    /// An accountant with dp-accounting's defaults (h = 10⁻⁴, tail truncation 10⁻¹⁵).
    public init() {
        valueDiscretizationInterval = 1e-4
        tailMassTruncation = 1e-15
    }

    /// `"PLD"`.
    public var name: String { "PLD" }

    /// Records the event (table above).
    ///
    /// - Throws: `invalidParameter` for a malformed event; `unsupportedEvent` for discrete
    ///   Gaussian and zCDP events. On error nothing changes.
    /// - Complexity: O(nodes × distinct components).
    public mutating func compose(_ event: PrivacyEvent) throws(DifferentialPrivacyError) {
        try event.validate()
        var copy = self
        try event.forEachLeaf { (leaf, count) throws(DifferentialPrivacyError) in
            switch leaf {
            case let .gaussian(m): copy.gaussianMu += Double(count) / (2 * m * m)
            case let .laplace(m): try copy.add(Component(kind: 0, parameter: m, delta: 0, count: count))
            case let .discreteLaplace(m): try copy.add(Component(kind: 1, parameter: 1 / m, delta: 0, count: count))
            case let .pureEpsilon(e): try copy.add(Component(kind: 1, parameter: e, delta: 0, count: count))
            case let .approximate(e, d): try copy.add(Component(kind: 1, parameter: e, delta: d, count: count))
            default: throw .unsupportedEvent(accountant: name, event: leaf.description)
            }
        }
        self = copy
    }

    private mutating func add(_ component: Component) throws(DifferentialPrivacyError) {
        if let k = components.firstIndex(where: { $0.kind == component.kind && $0.parameter == component.parameter && $0.delta == component.delta }) {
            let (sum, overflow) = components[k].count.addingReportingOverflow(component.count)
            guard !overflow else {
                throw .invalidParameter(name: "count", value: "\(components[k].count) + \(component.count)", reason: "the number of repetitions overflows")
            }
            components[k].count = sum
        } else {
            components.append(component)
            components.sort()
        }
    }

    /// The discretised PLD of everything composed so far (identity when nothing was).
    ///
    /// - Complexity: for each distinct component, O(log count) FFT convolutions of sizes up to
    ///   the composed support / h; the Gaussian part costs one `erfc` per grid point of
    ///   μ ± 8.3·√(2μ).
    public func privacyLossDistribution() -> PrivacyLossDistribution {
        let h = valueDiscretizationInterval, tau = tailMassTruncation
        var result: PrivacyLossDistribution? = nil
        func include(_ part: PrivacyLossDistribution) {
            result = result.map { $0.composed(with: part, tailMassTruncation: tau) } ?? part
        }
        for component in components {
            let single = component.kind == 0
                ? PrivacyLossDistribution.laplace(noiseMultiplier: component.parameter, valueDiscretizationInterval: h)
                : PrivacyLossDistribution.epsilonDelta(epsilon: component.parameter, delta: component.delta, valueDiscretizationInterval: h)
            include(single.selfComposed(component.count, tailMassTruncation: tau))
        }
        if gaussianMu > 0 {
            include(PrivacyLossDistribution.gaussian(mu: gaussianMu, valueDiscretizationInterval: h, tailMassTruncation: max(tau, 1e-300)))
        }
        return result ?? .identity(valueDiscretizationInterval: h)
    }

    /// The smallest ε with (ε, δ)-DP by the pessimistic PLD (see
    /// ``PrivacyLossDistribution/epsilon(delta:)``).
    ///
    /// - Parameter delta: in [0, 1); at δ = 0 the truncated tail mass usually makes ε = +∞.
    public func epsilon(delta: Double) throws(DifferentialPrivacyError) -> Double {
        guard delta.isFinite, delta >= 0, delta < 1 else {
            throw .invalidParameter(name: "delta", value: "\(delta)", reason: "must lie in [0, 1)")
        }
        return try privacyLossDistribution().epsilon(delta: delta)
    }

    /// The smallest δ with (ε, δ)-DP by the pessimistic PLD (see
    /// ``PrivacyLossDistribution/delta(epsilon:)``).
    ///
    /// - Parameter epsilon: ≥ 0 and finite.
    public func delta(epsilon: Double) throws(DifferentialPrivacyError) -> Double {
        try validateQueryEpsilon(epsilon)
        return try privacyLossDistribution().delta(epsilon: epsilon)
    }
}
