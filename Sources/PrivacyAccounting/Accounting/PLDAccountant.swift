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
/// randomised-response parameter, a repetition count — plus the discretised PLD of the
/// non-Gaussian part, kept up to date by ``compose(_:)``: an event's components are each
/// self-composed (one FFT power, or repeated squaring for very long supports) and convolved
/// into it, one FFT convolution per compose. Copies share that array (copy-on-write), and
/// `Codable` stores only the multiset (decoding rebuilds the PLD). A query convolves the
/// maintained part with the Gaussian part, discretised once at its exact composed μ. Tails of
/// at most ``tailMassTruncation`` per side are cut after each convolution (lower tail moved
/// up, upper tail to infinite loss). Results of one composition reached by different compose
/// sequences agree to round-off (≈10⁻¹²), not bit for bit.
///
/// Call ``privacyLossDistribution()`` once to ask several questions of the same composition.
/// Compositions whose losses span more than ``maximumGridPoints`` grid steps (tiny noise
/// multipliers) are computed on a coarser grid (``effectiveDiscretizationInterval``), so memory
/// stays bounded (a few hundred MiB at most, in the FFTs) and results remain upper bounds.
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
    /// The PLD of `components` on the effective grid, maintained by ``compose(_:)`` (each
    /// compose convolves in only what it adds), so that an online session pays one convolution
    /// per release. Derived state: not encoded, not compared.
    private var componentsPLD: PrivacyLossDistribution? = nil

    /// An accountant with nothing composed.
    ///
    /// - Parameters:
    ///   - valueDiscretizationInterval: h in (0, 1]; the PLD's size grows as 1/h and the error
    ///     of the reported ε is at most about (number of events)·h.
    ///   - tailMassTruncation: in [0, 10⁻³].
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)``.
    public init(
        valueDiscretizationInterval: Double = 1e-4, tailMassTruncation: Double = 1e-15
    ) throws(DifferentialPrivacyError) {
        guard valueDiscretizationInterval.isFinite, valueDiscretizationInterval > 0, valueDiscretizationInterval <= 1
        else {
            throw .invalidParameter(
                name: "valueDiscretizationInterval", value: "\(valueDiscretizationInterval)",
                reason: "must lie in (0, 1]")
        }
        guard tailMassTruncation.isFinite, tailMassTruncation >= 0, tailMassTruncation <= 1e-3 else {
            throw .invalidParameter(
                name: "tailMassTruncation", value: "\(tailMassTruncation)", reason: "must lie in [0, 1e-3]")
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
    /// - Complexity: O(nodes × distinct components) plus one FFT convolution of the maintained
    ///   PLD with the event's (skipped for Gaussian-only events).
    public mutating func compose(_ event: PrivacyEvent) throws(DifferentialPrivacyError) {
        try event.validate()
        var copy = self
        var added = PLDAccountant()  // this event's components alone, grouped
        try event.forEachLeaf { (leaf, count) throws(DifferentialPrivacyError) in
            let component: Component
            switch leaf {
            case let .gaussian(m):
                copy.gaussianMu += Double(count) / (2 * m * m)
                return
            case let .laplace(m): component = Component(kind: 0, parameter: m, delta: 0, count: count)
            case let .discreteLaplace(m): component = Component(kind: 1, parameter: 1 / m, delta: 0, count: count)
            case let .pureEpsilon(e): component = Component(kind: 1, parameter: e, delta: 0, count: count)
            case let .approximate(e, d): component = Component(kind: 1, parameter: e, delta: d, count: count)
            default: throw .unsupportedEvent(accountant: name, event: leaf.description)
            }
            try copy.add(component)
            try added.add(component)
        }
        // Keep the non-Gaussian PLD up to date: convolve in what was added, or rebuild when the
        // grid had to be coarsened.
        let h = copy.effectiveDiscretizationInterval
        if let cached = copy.componentsPLD, cached.valueDiscretizationInterval == h {
            if !added.components.isEmpty {
                let addition = added.buildComponentsPLD(
                    valueDiscretizationInterval: h, tailMassTruncation: tailMassTruncation)
                copy.componentsPLD = cached.composed(with: addition, tailMassTruncation: tailMassTruncation)
            }
        } else {
            copy.componentsPLD = copy.buildComponentsPLD(
                valueDiscretizationInterval: h, tailMassTruncation: tailMassTruncation)
        }
        self = copy
    }

    private mutating func add(_ component: Component) throws(DifferentialPrivacyError) {
        if let k = components.firstIndex(where: {
            $0.kind == component.kind && $0.parameter == component.parameter && $0.delta == component.delta
        }) {
            let (sum, overflow) = components[k].count.addingReportingOverflow(component.count)
            guard !overflow else {
                throw .invalidParameter(
                    name: "count", value: "\(components[k].count) + \(component.count)",
                    reason: "the number of repetitions overflows")
            }
            components[k].count = sum
        } else {
            components.append(component)
            components.sort()
        }
    }

    /// The PLD of the non-Gaussian components on grid `h`: each distinct component
    /// self-composed (one FFT power or repeated squaring), then all convolved; identity when
    /// there are none.
    func buildComponentsPLD(
        valueDiscretizationInterval h: Double, tailMassTruncation tau: Double
    ) -> PrivacyLossDistribution {
        var result: PrivacyLossDistribution? = nil
        for component in components {
            let single =
                component.kind == 0
                ? PrivacyLossDistribution.laplace(noiseMultiplier: component.parameter, valueDiscretizationInterval: h)
                : PrivacyLossDistribution.epsilonDelta(
                    epsilon: component.parameter, delta: component.delta, valueDiscretizationInterval: h)
            let composed = single.selfComposed(component.count, tailMassTruncation: tau)
            result = result.map { $0.composed(with: composed, tailMassTruncation: tau) } ?? composed
        }
        return result ?? .identity(valueDiscretizationInterval: h)
    }

    /// The discretised PLD of everything composed so far (identity when nothing was): the
    /// maintained non-Gaussian part convolved with the Gaussian part, discretised once at its
    /// exact μ.
    ///
    /// - Complexity: one FFT convolution when both parts are present; the Gaussian part costs
    ///   one `erfc` per grid point of μ ± 8.3·√(2μ).
    public func privacyLossDistribution() -> PrivacyLossDistribution {
        let h = effectiveDiscretizationInterval, tau = tailMassTruncation
        let nonGaussian =
            (componentsPLD?.valueDiscretizationInterval == h ? componentsPLD : nil)
            ?? buildComponentsPLD(valueDiscretizationInterval: h, tailMassTruncation: tau)
        guard gaussianMu > 0 else { return nonGaussian }
        let gaussian = PrivacyLossDistribution.gaussian(
            mu: gaussianMu, valueDiscretizationInterval: h, tailMassTruncation: max(tau, 1e-300))
        return components.isEmpty ? gaussian : nonGaussian.composed(with: gaussian, tailMassTruncation: tau)
    }

    // MARK: Codable and Hashable: the multiset only (the maintained PLD is derived from it)

    private enum CodingKeys: String, CodingKey {
        case valueDiscretizationInterval, tailMassTruncation, gaussianMu, components
    }

    /// Decodes the composed multiset and rebuilds the maintained PLD from it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        valueDiscretizationInterval = try container.decode(Double.self, forKey: .valueDiscretizationInterval)
        tailMassTruncation = try container.decode(Double.self, forKey: .tailMassTruncation)
        gaussianMu = try container.decode(Double.self, forKey: .gaussianMu)
        components = try container.decode([Component].self, forKey: .components)
        guard valueDiscretizationInterval.isFinite, valueDiscretizationInterval > 0, valueDiscretizationInterval <= 1,
            tailMassTruncation.isFinite, tailMassTruncation >= 0, tailMassTruncation <= 1e-3,
            gaussianMu.isFinite, gaussianMu >= 0,
            components.allSatisfy({
                $0.parameter.isFinite && $0.parameter > 0 && $0.delta >= 0 && $0.delta < 1 && $0.count >= 1
            })
        else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "invalid PLD accountant state"))
        }
        componentsPLD = buildComponentsPLD(
            valueDiscretizationInterval: effectiveDiscretizationInterval, tailMassTruncation: tailMassTruncation)
    }

    /// Encodes the grid, the Gaussian μ and the component multiset (not the derived PLD).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(valueDiscretizationInterval, forKey: .valueDiscretizationInterval)
        try container.encode(tailMassTruncation, forKey: .tailMassTruncation)
        try container.encode(gaussianMu, forKey: .gaussianMu)
        try container.encode(components, forKey: .components)
    }

    /// Equal when the grid, the Gaussian μ and the component multiset are equal.
    public static func == (lhs: PLDAccountant, rhs: PLDAccountant) -> Bool {
        lhs.valueDiscretizationInterval == rhs.valueDiscretizationInterval
            && lhs.tailMassTruncation == rhs.tailMassTruncation
            && lhs.gaussianMu == rhs.gaussianMu && lhs.components == rhs.components
    }

    /// Hashes what ``==(_:_:)`` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(valueDiscretizationInterval)
        hasher.combine(tailMassTruncation)
        hasher.combine(gaussianMu)
        hasher.combine(components)
    }

    /// The most grid points a query's PLD may span (2²², 32 MiB of masses) before the grid is
    /// coarsened.
    public static let maximumGridPoints = 1 << 22

    /// The grid spacing queries use: ``valueDiscretizationInterval``, doubled as often as needed
    /// to keep the composed loss range within ``maximumGridPoints`` (compositions with tiny
    /// noise multipliers have losses in the thousands; a coarser grid is still pessimistic, so
    /// results remain upper bounds, with an error of at most about one grid step per event).
    ///
    /// The range is estimated as the smaller of the untruncated support (Σ countᵢ·2εᵢ plus the
    /// Gaussian's μ ± z·√(2μ)) and the mean ± z standard deviations of the total loss (each
    /// loss of a pure-εᵢ component has variance ≤ εᵢ², the Gaussian's 2μ), z = √(2 ln(1/τ)),
    /// plus the widest single component.
    public var effectiveDiscretizationInterval: Double {
        let z = (2 * log(1 / max(tailMassTruncation, 1e-300))).squareRoot()
        var untruncated = 0.0, variance = 2 * gaussianMu, widest = 0.0
        for component in components {
            let epsilon = component.kind == 0 ? 1 / component.parameter : component.parameter
            untruncated += Double(component.count) * 2 * epsilon
            variance += Double(component.count) * epsilon * epsilon
            widest = max(widest, 2 * epsilon)
        }
        let gaussianWidth = 2 * z * (2 * gaussianMu).squareRoot()
        let span = min(untruncated + gaussianWidth, 2 * z * variance.squareRoot() + widest) + 1
        var h = valueDiscretizationInterval
        while span / h > Double(Self.maximumGridPoints) { h *= 2 }
        return h
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
