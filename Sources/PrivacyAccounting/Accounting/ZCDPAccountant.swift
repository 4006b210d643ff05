import Foundation

/// Zero-concentrated differential privacy (Bun & Steinke 2016, "Concentrated Differential
/// Privacy: Simplifications, Extensions, and Lower Bounds"): ρ adds up under composition
/// (Lemma 2.3).
///
/// | event | ρ |
/// |---|---|
/// | `gaussian(m)` | 1/(2m²) (Bun & Steinke 2016, Prop. 1.6) |
/// | `discreteGaussian(m)` | 1/(2m²) (Canonne, Kamath & Steinke 2020, Thm 4) |
/// | `laplace(m)`, `discreteLaplace(m)` | ε²/2 with ε = 1/m (Bun & Steinke 2016, Prop. 1.4) |
/// | `pureEpsilon(ε)` | ε²/2 (same) |
/// | `zCDP(ρ)` | ρ |
/// | `approximate(ε, δ)` | refused: (ε, δ)-DP implies no zCDP bound |
///
/// Conversion to (ε, δ): ρ-zCDP is (α, ρα)-RDP for every α > 1, and the conversion of
/// Canonne, Kamath & Steinke 2020, Prop. 12 (see ``RenyiConversion``) is minimised over
/// continuous α numerically (grid in ln(α − 1) and golden-section refinement); the result is
/// never above Bun & Steinke's ρ + 2√(ρ ln(1/δ)).
public struct ZCDPAccountant: PrivacyAccountant, Codable, Hashable {
    /// Σρ over everything composed so far.
    public private(set) var rho: Double = 0

    /// An accountant with nothing composed.
    public init() {}

    /// `"zCDP"`.
    public var name: String { "zCDP" }

    /// Adds the event's ρ (table above).
    ///
    /// - Throws: `invalidParameter` for a malformed event, `unsupportedEvent` for
    ///   `approximate(ε, δ)`. On error nothing changes.
    /// - Complexity: O(nodes of the event).
    public mutating func compose(_ event: PrivacyEvent) throws(DifferentialPrivacyError) {
        try event.validate()
        var total = rho
        try event.forEachLeaf { (leaf, count) throws(DifferentialPrivacyError) in
            total += Double(count) * (try Self.rho(of: leaf, accountant: name))
        }
        rho = total
    }

    /// ρ of one leaf event.
    static func rho(of leaf: PrivacyEvent, accountant: String) throws(DifferentialPrivacyError) -> Double {
        switch leaf {
        case let .gaussian(m), let .discreteGaussian(m): return 1 / (2 * m * m)
        case let .laplace(m), let .discreteLaplace(m): return 1 / (2 * m * m)
        case let .pureEpsilon(e): return e * e / 2
        case let .zCDP(r): return r
        default: throw .unsupportedEvent(accountant: accountant, event: leaf.description)
        }
    }

    /// The smallest ε with (ε, δ)-DP from ρ-zCDP (Canonne, Kamath & Steinke 2020, Prop. 12,
    /// optimised over α). 0 when nothing has been composed.
    ///
    /// - Parameter delta: in (0, 1).
    /// - Complexity: about 560 evaluations of the bound.
    public func epsilon(delta: Double) throws(DifferentialPrivacyError) -> Double {
        try validateQueryDelta(delta)
        return RenyiConversion.zcdpEpsilon(rho: rho, delta: delta)
    }

    /// The smallest δ with (ε, δ)-DP from ρ-zCDP, optimised over α. 0 when nothing has been
    /// composed.
    ///
    /// - Parameter epsilon: ≥ 0 and finite.
    public func delta(epsilon: Double) throws(DifferentialPrivacyError) -> Double {
        try validateQueryEpsilon(epsilon)
        return RenyiConversion.zcdpDelta(rho: rho, epsilon: epsilon)
    }
}
