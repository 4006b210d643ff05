/// Basic (sequential) composition: k mechanisms that are (εᵢ, δᵢ)-DP together are
/// (Σεᵢ, Σδᵢ)-DP (Dwork, McSherry, Nissim & Smith 2006; Dwork & Roth 2014, Theorem 3.16).
///
/// Accepts pure events (`laplace` and `discreteLaplace` with ε = 1/m, `pureEpsilon`) and
/// `approximate(ε, δ)`; refuses Gaussian, discrete Gaussian and zCDP events, which have no
/// pure-ε guarantee (use ``ApproximateAccountant``, ``ZCDPAccountant``, ``RDPAccountant`` or
/// ``PLDAccountant``). The state is two numbers, so copies are free.
public struct PureAccountant: PrivacyAccountant, Codable, Hashable {
    /// Σεᵢ over everything composed so far.
    public private(set) var spentEpsilon: Double = 0
    /// Σδᵢ over everything composed so far (0 when only pure events were composed).
    public private(set) var spentDelta: Double = 0

    /// An accountant with nothing composed.
    public init() {}

    /// `"pure ε (basic composition)"`.
    public var name: String { "pure ε (basic composition)" }

    /// Adds the event's ε and δ to the sums.
    ///
    /// - Throws: `invalidParameter` for a malformed event; `unsupportedEvent` for Gaussian,
    ///   discrete Gaussian and zCDP events. On error nothing changes.
    /// - Complexity: O(nodes of the event).
    public mutating func compose(_ event: PrivacyEvent) throws(DifferentialPrivacyError) {
        try event.validate()
        var epsilon = spentEpsilon, delta = spentDelta
        try event.forEachLeaf { (leaf, count) throws(DifferentialPrivacyError) in
            let n = Double(count)
            switch leaf {
            case let .laplace(m), let .discreteLaplace(m): epsilon += n / m
            case let .pureEpsilon(e): epsilon += n * e
            case let .approximate(e, d):
                epsilon += n * e
                delta += n * d
            default: throw .unsupportedEvent(accountant: name, event: leaf.description)
            }
        }
        spentEpsilon = epsilon
        spentDelta = delta
    }

    /// Σεᵢ when `delta` ≥ Σδᵢ, otherwise +∞ (basic composition states nothing below Σδᵢ).
    ///
    /// - Parameter delta: in [0, 1).
    public func epsilon(delta: Double) throws(DifferentialPrivacyError) -> Double {
        guard delta.isFinite, delta >= 0, delta < 1 else {
            throw .invalidParameter(name: "delta", value: "\(delta)", reason: "must lie in [0, 1)")
        }
        return delta >= spentDelta ? spentEpsilon : .infinity
    }

    /// min(1, Σδᵢ) when `epsilon` ≥ Σεᵢ, otherwise 1.
    ///
    /// - Parameter epsilon: ≥ 0 and finite.
    public func delta(epsilon: Double) throws(DifferentialPrivacyError) -> Double {
        try validateQueryEpsilon(epsilon)
        return epsilon >= spentEpsilon ? min(1, spentDelta) : 1
    }
}

/// Checks the ε argument of a `delta(epsilon:)` query: finite and ≥ 0.
func validateQueryEpsilon(_ epsilon: Double) throws(DifferentialPrivacyError) {
    guard epsilon.isFinite, epsilon >= 0 else {
        throw .invalidParameter(name: "epsilon", value: "\(epsilon)", reason: "must be finite and ≥ 0")
    }
}

/// Checks the δ argument of an `epsilon(delta:)` query: in (0, 1).
func validateQueryDelta(_ delta: Double) throws(DifferentialPrivacyError) {
    guard delta.isFinite, delta > 0, delta < 1 else {
        throw .invalidParameter(name: "delta", value: "\(delta)", reason: "must lie in (0, 1)")
    }
}
