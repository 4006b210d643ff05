/// Composes privacy events and converts their total into a differential-privacy guarantee.
///
/// An accountant is a value: ``compose(_:)`` adds an event to what it has seen; the
/// conversions report the guarantee of everything composed so far. A ``PrivacySession``
/// checks a release by composing its event into a *copy* and comparing the copy's guarantee
/// with the budget, so an accountant must be cheap to copy and composing must never fail
/// half-way (validate first, then change state).
///
/// Conforming types: ``PureAccountant`` (basic composition), ``ApproximateAccountant``
/// (advanced composition), ``ZCDPAccountant``, ``RDPAccountant`` and ``PLDAccountant``.
public protocol PrivacyAccountant: Sendable {
    /// A short name for messages, such as `"zCDP"`.
    var name: String { get }

    /// Adds `event` to the composition.
    ///
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)`` for a
    ///   malformed event, ``DifferentialPrivacyError/unsupportedEvent(accountant:event:)`` when
    ///   this accountant cannot express the event. On error the accountant is unchanged.
    mutating func compose(_ event: PrivacyEvent) throws(DifferentialPrivacyError)

    /// The smallest ε such that everything composed so far is (ε, δ)-DP, by this accountant's
    /// analysis (an upper bound on the true ε). Zero when nothing has been composed.
    ///
    /// - Parameter delta: in (0, 1) — or exactly 0 for accountants that can state pure ε.
    /// - Returns: ε ≥ 0, possibly `.infinity` when no finite ε holds at this δ.
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)`` for δ
    ///   outside the accepted range.
    func epsilon(delta: Double) throws(DifferentialPrivacyError) -> Double

    /// The smallest δ such that everything composed so far is (ε, δ)-DP, by this accountant's
    /// analysis (an upper bound on the true δ).
    ///
    /// - Parameter epsilon: ≥ 0 and finite.
    /// - Returns: δ in [0, 1].
    func delta(epsilon: Double) throws(DifferentialPrivacyError) -> Double
}
