/// What one release costs in privacy, described precisely enough for every accountant.
///
/// A mechanism reports the event it performed; an accountant (``PrivacyAccountant``)
/// composes events and converts their total into a guarantee. The description is in terms of
/// the *noise multiplier*, the noise scale divided by the query's sensitivity, because that is
/// what the privacy loss depends on.
///
/// | case | guarantee of one event |
/// |---|---|
/// | `laplace(noiseMultiplier: m)` | pure ε = 1/m (scale b = m·Δ₁) |
/// | `discreteLaplace(noiseMultiplier: m)` | pure ε = 1/m on an integer query (scale t = m·Δ₁) |
/// | `gaussian(noiseMultiplier: m)` | ρ-zCDP with ρ = 1/(2m²) (σ = m·Δ₂); exact (ε,δ) by Balle & Wang 2018 |
/// | `discreteGaussian(noiseMultiplier: m)` | ρ-zCDP with ρ = 1/(2m²) (Canonne, Kamath & Steinke 2020, Thm 4) |
/// | `pureEpsilon(ε)` | any ε-DP mechanism (exponential, randomised response, sparse vector) |
/// | `approximate(ε, δ)` | any (ε,δ)-DP mechanism (partition selection, say) |
/// | `zCDP(ρ)` | any ρ-zCDP mechanism |
/// | `composed(events)` | the events applied one after another (adaptive composition) |
/// | `repeated(event, count)` | `count` independent copies of one event |
///
/// All parameters must be finite and positive (δ in (0, 1), count ≥ 1); ``validate()`` checks.
public indirect enum PrivacyEvent: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Continuous Laplace noise of scale `noiseMultiplier · Δ₁` on a query of L1 sensitivity Δ₁.
    case laplace(noiseMultiplier: Double)
    /// Discrete Laplace noise of scale `noiseMultiplier · Δ₁` on an integer query of L1
    /// sensitivity Δ₁ (pmf ∝ exp(−|x|/t)).
    case discreteLaplace(noiseMultiplier: Double)
    /// Continuous Gaussian noise of standard deviation `noiseMultiplier · Δ₂` on a query of L2
    /// sensitivity Δ₂.
    case gaussian(noiseMultiplier: Double)
    /// Discrete Gaussian noise of scale σ = `noiseMultiplier · Δ₂` on an integer query of L2
    /// sensitivity Δ₂ (pmf ∝ exp(−x²/2σ²)).
    case discreteGaussian(noiseMultiplier: Double)
    /// A mechanism that satisfies pure ε-DP and nothing sharper is known to the accountant.
    case pureEpsilon(Double)
    /// A mechanism that satisfies (ε, δ)-DP.
    case approximate(epsilon: Double, delta: Double)
    /// A mechanism that satisfies ρ-zCDP.
    case zCDP(rho: Double)
    /// Several events in sequence.
    case composed([PrivacyEvent])
    /// `count` independent repetitions of the same event.
    case repeated(PrivacyEvent, count: Int)

    /// A compact description such as `laplace(m=2.0)` or `3 × gaussian(m=1.5)`.
    public var description: String {
        switch self {
        case let .laplace(m): return "laplace(noise multiplier \(m))"
        case let .discreteLaplace(m): return "discrete laplace(noise multiplier \(m))"
        case let .gaussian(m): return "gaussian(noise multiplier \(m))"
        case let .discreteGaussian(m): return "discrete gaussian(noise multiplier \(m))"
        case let .pureEpsilon(e): return "pure ε=\(e)"
        case let .approximate(e, d): return "(ε=\(e), δ=\(d))"
        case let .zCDP(r): return "ρ=\(r)-zCDP"
        case let .composed(events): return "[" + events.map(\.description).joined(separator: ", ") + "]"
        case let .repeated(event, count): return "\(count) × \(event)"
        }
    }

    /// Checks every parameter: multipliers, ε and ρ finite and > 0, δ in (0, 1), counts ≥ 1.
    ///
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)`` naming the
    ///   first parameter at fault.
    /// - Complexity: O(number of nested events).
    public func validate() throws(DifferentialPrivacyError) {
        func positive(_ value: Double, _ name: String) throws(DifferentialPrivacyError) {
            guard value.isFinite, value > 0 else {
                throw .invalidParameter(name: name, value: "\(value)", reason: "must be finite and > 0")
            }
        }
        switch self {
        case let .laplace(m), let .discreteLaplace(m), let .gaussian(m), let .discreteGaussian(m):
            try positive(m, "noise multiplier")
        case let .pureEpsilon(e):
            try positive(e, "epsilon")
        case let .approximate(e, d):
            try positive(e, "epsilon")
            guard d.isFinite, d > 0, d < 1 else {
                throw .invalidParameter(name: "delta", value: "\(d)", reason: "must lie in (0, 1)")
            }
        case let .zCDP(r):
            try positive(r, "rho")
        case let .composed(events):
            for event in events { try event.validate() }
        case let .repeated(event, count):
            guard count >= 1 else {
                throw .invalidParameter(name: "count", value: "\(count)", reason: "must be ≥ 1")
            }
            try event.validate()
        }
    }
}

extension PrivacyEvent {
    /// ε, δ and ρ of a stated guarantee, as releases and ledger entries report them: ε for
    /// ``pureEpsilon(_:)``, ε and δ for ``approximate(epsilon:delta:)``, ρ for ``zCDP(rho:)``;
    /// all `nil` for the other events (which describe noise, not a statement).
    public var guaranteeValues: (epsilon: Double?, delta: Double?, rho: Double?) {
        switch self {
        case let .pureEpsilon(e): (e, nil, nil)
        case let .approximate(e, d): (e, d, nil)
        case let .zCDP(r): (nil, nil, r)
        default: (nil, nil, nil)
        }
    }
}
