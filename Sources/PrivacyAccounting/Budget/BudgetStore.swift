import Foundation
package import SecureRandom

/// What one release asks a ``BudgetStore`` to charge: the guarantee it states, the event
/// describing its noise, and a description for the record.
///
/// Only the release gate of this package builds requests (the initialiser is `package`), so a
/// store's ``BudgetStore/charge(_:)`` cannot be called with a request the gate did not plan:
/// nothing outside the package can charge a budget by hand.
public struct ChargeRequest: Sendable, Hashable {
    /// The guarantee the release states (composed by basic and advanced accounting).
    public let stated: PrivacyEvent
    /// The event describing the noise actually added (composed by zCDP, RDP and PLD accounting).
    public let mechanism: PrivacyEvent
    /// What is released (statistic, column, grouping), for the record.
    public let description: String

    /// A request; both events are validated here.
    ///
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)`` for a
    ///   malformed event.
    package init(stated: PrivacyEvent, mechanism: PrivacyEvent, description: String) throws(DifferentialPrivacyError) {
        try stated.validate()
        try mechanism.validate()
        self.stated = stated
        self.mechanism = mechanism
        self.description = description
    }

    /// The event an accountant of `method` composes: the stated guarantee for basic and
    /// advanced composition, the noise's event otherwise.
    public func event(for method: AccountingMethod) -> PrivacyEvent {
        method.composesStatedGuarantee ? stated : mechanism
    }
}

/// **The seam between the release gate and a budget**: where a release is charged.
///
/// A store holds a budget under an accountant. ``charge(_:)`` must, as one atomic step,
/// compose the request's event into the accountant, refuse it when the result would exceed
/// the budget (``PrivacyBudget/composing(_:stated:into:)`` does both), and record the charge —
/// durably, committed to stable storage, for a store that outlives the process — before it
/// returns. Only then does the gate sample noise. After sampling, the gate calls
/// ``recordOutcome(_:)`` so that the store can keep what left (a digest, a size)
/// before the release is returned.
///
/// Conforming types: ``PrivacySession`` (in memory, for one process) and, in the
/// `PrivacyLedger` module, `AuthorisedBudget` (an operator's authorisation in the durable
/// SQLite ledger, whose refusals name the rule that refused).
///
/// The gate itself is this protocol's extension. Its public doors live with the mechanisms
/// they sample: in `DifferentialPrivacy`, `release(_:mechanism:parameters:)`,
/// `select(scores:epsilon:sensitivity:description:)` and
/// `aboveThreshold(threshold:epsilon:sensitivity:description:using:)`; in
/// `SecureAggregation`, `DistributedDiscreteGaussian.Plan.release(_:through:description:)`
/// for a distributed-noise secure sum. Each builds its ``ChargeRequest`` and calls this
/// module's package-internal gate, which charges before anything is sampled or decoded.
public protocol BudgetStore: Sendable {
    /// Why this store refuses: its own typed error.
    associatedtype Refusal: Error
    /// What recording an outcome returns (the ledger's digest of the release; nothing in memory).
    associatedtype OutcomeReceipt = Void

    /// A refusal of the request itself — invalid parameters, an event the accountant cannot
    /// compose, a failed random source — as this store's error.
    static func refusal(_ error: DifferentialPrivacyError) -> Refusal

    /// Charges `request` atomically (compose, check against the budget, record) or throws
    /// and charges nothing.
    ///
    /// - Returns: the recorded charge.
    func charge(_ request: ChargeRequest) throws(Refusal) -> PrivacyCharge

    /// Records what a charged release produced, before it is returned; if this throws, the
    /// release is not returned (the budget stays spent).
    func recordOutcome(_ outcome: ReleaseOutcome) throws(Refusal) -> OutcomeReceipt
}

/// A charged release and the charge that paid for it, as the gate hands it to
/// ``BudgetStore/recordOutcome(_:)``. Only the gate builds outcomes (the initialiser is
/// `package`), so no caller can record a forged outcome against an open ledger entry.
public struct ReleaseOutcome: Sendable {
    /// The charge the store recorded.
    public let charge: PrivacyCharge
    /// The release it paid for, as sampled: a `DPRelease` for a query, the decoded sum for a
    /// distributed-noise secure sum. A durable store digests its canonical JSON.
    public let release: any Encodable & Sendable
    /// The scale of the noise the release carries, in the released values' units (Laplace b,
    /// Gaussian σ), or `nil` when it has no single scale.
    public let noiseScale: Double?

    @usableFromInline
    package init(charge: PrivacyCharge, release: any Encodable & Sendable, noiseScale: Double?) {
        self.charge = charge
        self.release = release
        self.noiseScale = noiseScale
    }
}

/// A release as the gate returns it inside the package: the output, its charge and the
/// store's receipt for its outcome.
@usableFromInline
package struct GatedRelease<Output, Receipt> {
    /// The released output.
    package let release: Output
    /// The charge the store recorded for it.
    package let charge: PrivacyCharge
    /// The store's receipt for the outcome.
    package let receipt: Receipt

    @usableFromInline
    package init(release: Output, charge: PrivacyCharge, receipt: Receipt) {
        self.release = release
        self.charge = charge
        self.receipt = receipt
    }
}

extension BudgetStore {
    /// The gate for computations other than a query partial (model fits, selections): runs
    /// `validate`, charges the request, and only then runs `sample`, whose noise the charge
    /// pays for. No outcome is recorded (the record shows the charge).
    ///
    /// - Throws: ``BudgetStore/Refusal``: `validate`'s or `sample`'s error (as ``refusal(_:)``), a
    ///   malformed event, or the store's refusal. `sample` runs only after the charge.
    package func charged<Output: ~Copyable>(
        stated: PrivacyEvent, mechanism: PrivacyEvent, description: String,
        validate: () throws(DifferentialPrivacyError) -> Void = {},
        sample: () throws(DifferentialPrivacyError) -> Output
    ) throws(Refusal) -> Output {
        let request: ChargeRequest
        do {
            try validate()
            request = try ChargeRequest(stated: stated, mechanism: mechanism, description: description)
        } catch { throw Self.refusal(error) }
        _ = try charge(request)
        do { return try sample() } catch { throw Self.refusal(error) }
    }

    /// The gate for a release that leaves with a record: charges `request` (one atomic step,
    /// see ``charge(_:)``), only then runs `sample`, and has the store record the outcome
    /// before returning it. The doors of `DifferentialPrivacy` and `SecureAggregation` build
    /// their requests and call this.
    ///
    /// - Parameters:
    ///   - request: the planned charge (validated when it was built).
    ///   - noiseScale: the scale of the noise in the output, for the record.
    ///   - sample: draws the noise (or decodes the noisy sum); runs only after the charge.
    /// - Throws: ``BudgetStore/Refusal``: the store's refusal (nothing sampled), `sample`'s error
    ///   or a failure to record the outcome (in both, the budget stays spent and nothing is
    ///   returned).
    ///
    /// `@inlinable` so that each door's module specialises it for its own output type (the
    /// in-memory gate is a few microseconds; an unspecialised call across modules costs more).
    @inlinable
    package func recordedRelease<Output: Encodable & Sendable>(
        _ request: ChargeRequest, noiseScale: (Output) -> Double?,
        sample: () throws(DifferentialPrivacyError) -> Output
    ) throws(Refusal) -> GatedRelease<Output, OutcomeReceipt> {
        let charged = try charge(request)
        let output: Output
        do { output = try sample() } catch { throw Self.refusal(error) }
        let receipt = try recordOutcome(
            ReleaseOutcome(charge: charged, release: output, noiseScale: noiseScale(output)))
        return GatedRelease(release: output, charge: charged, receipt: receipt)
    }

    /// A generator seeded from the operating system, or the store's refusal naming the failure.
    package static func systemGenerator() throws(Refusal) -> SecureRandomGenerator {
        do { return try SecureRandomGenerator() } catch { throw refusal(.randomSourceFailure(reason: "\(error)")) }
    }
}

extension PrivacyBudget {
    /// Composes `event` into a copy of `accountant` and checks the result against this budget
    /// (allowing ``PrivacySession/comparisonSlack`` of relative rounding), without changing
    /// `accountant`: the one budget check every ``BudgetStore`` uses.
    ///
    /// - Parameters:
    ///   - event: the event to compose (``ChargeRequest/event(for:)``).
    ///   - accountant: the accountant as it stands.
    ///   - stated: the guarantee the release states, checked against the budget's type (a pure
    ///     ε budget cannot pay for δ > 0).
    /// - Returns: the accountant with `event` composed, and what is spent before and after,
    ///   in this budget's terms.
    /// - Throws: ``DifferentialPrivacyError/budgetExceeded(requested:spent:budget:)``,
    ///   ``DifferentialPrivacyError/budgetTypeMismatch(budget:requested:)``,
    ///   ``DifferentialPrivacyError/unsupportedEvent(accountant:event:)``.
    /// - Complexity: one composition and two conversions of the accountant.
    public func composing(
        _ event: PrivacyEvent, stated: PrivacyEvent, into accountant: any PrivacyAccountant
    )
        throws(DifferentialPrivacyError) -> (accountant: any PrivacyAccountant, spentBefore: Double, spentAfter: Double)
    {
        try checkType(allows: stated)
        var candidate = accountant
        try candidate.compose(event)
        let before = try spent(by: accountant)
        let after = try spent(by: candidate)
        guard after <= total * (1 + PrivacySession.comparisonSlack) else {
            throw .budgetExceeded(requested: event.description, spent: "\(before)", budget: description)
        }
        return (candidate, before, after)
    }

    /// What `accountant` has spent, in this budget's terms: ε at δ = 0 for a pure budget, ε at
    /// the budget's δ for an approximate one, ρ for zCDP (which needs a ``ZCDPAccountant``).
    public func spent(by accountant: any PrivacyAccountant) throws(DifferentialPrivacyError) -> Double {
        switch self {
        case .pure: return try accountant.epsilon(delta: 0)
        case let .approximate(_, delta): return try accountant.epsilon(delta: delta)
        case .zCDP:
            guard let zcdp = accountant as? ZCDPAccountant else {
                throw .unsupportedEvent(accountant: accountant.name, event: "a ρ budget")
            }
            return zcdp.rho
        }
    }

    /// Checks that this budget's type can pay for a release stating `stated`: a pure-ε budget
    /// cannot pay for δ > 0 (an (ε, δ) statement with δ > 0, Gaussian or discrete Gaussian
    /// noise, or a zCDP event). Approximate and zCDP budgets accept any event their accountant
    /// can compose.
    ///
    /// - Throws: ``DifferentialPrivacyError/budgetTypeMismatch(budget:requested:)``.
    /// - Complexity: O(nodes of `stated`).
    public func checkType(allows stated: PrivacyEvent) throws(DifferentialPrivacyError) {
        guard case .pure = self else { return }
        var needsDelta = false
        try stated.forEachLeaf { (leaf, _) throws(DifferentialPrivacyError) in
            switch leaf {
            case .laplace, .discreteLaplace, .pureEpsilon: break
            case let .approximate(_, d): if d > 0 { needsDelta = true }
            default: needsDelta = true
            }
        }
        if needsDelta { throw .budgetTypeMismatch(budget: description, requested: stated.description) }
    }
}
