public import Foundation

/// A session's total privacy budget.
public enum PrivacyBudget: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Pure ε-DP.
    case pure(epsilon: Double)
    /// (ε, δ)-DP.
    case approximate(epsilon: Double, delta: Double)
    /// ρ-zCDP.
    case zCDP(rho: Double)

    /// `"ε=1.0"`, `"(ε=1.0, δ=1e-06)"` or `"ρ=0.5"`.
    public var description: String {
        switch self {
        case let .pure(e): "ε=\(e)"
        case let .approximate(e, d): "(ε=\(e), δ=\(d))"
        case let .zCDP(r): "ρ=\(r)"
        }
    }

    /// The budget's size in its own terms: ε for pure and approximate budgets, ρ for zCDP.
    public var total: Double {
        switch self {
        case let .pure(e), let .approximate(e, _): e
        case let .zCDP(r): r
        }
    }

    /// Checks ε > 0, δ in (0, 1), ρ > 0, all finite.
    public func validate() throws(DifferentialPrivacyError) {
        switch self {
        case let .pure(e): try Validate.epsilon(e)
        case let .approximate(e, d):
            try Validate.epsilon(e)
            try Validate.delta(d)
        case let .zCDP(r): try Validate.rho(r)
        }
    }
}

/// How a session composes its releases.
public enum AccountingMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// Each release at its stated guarantee, summed: Σε (and Σδ). ``PureAccountant``.
    case basic
    /// Each release at its stated (ε, δ), with advanced composition (``ApproximateAccountant``).
    case advanced
    /// ρ-zCDP: ρ adds up (``ZCDPAccountant``).
    case zCDP
    /// Rényi DP over a grid of orders, converted to (ε, δ) (``RDPAccountant``).
    case rdp
    /// Privacy-loss distributions of the actual noise, composed numerically (``PLDAccountant``).
    case pld

    /// The method that suits `budget` best by default: basic composition for a pure budget,
    /// advanced composition of stated guarantees for (ε, δ), zCDP for ρ.
    public static func `default`(for budget: PrivacyBudget) -> AccountingMethod {
        switch budget {
        case .pure: .basic
        case .approximate: .advanced
        case .zCDP: .zCDP
        }
    }

    /// Whether the accountant composes each release's *stated* guarantee (ε or (ε, δ)) rather
    /// than the event describing its noise.
    public var composesStatedGuarantee: Bool { self == .basic || self == .advanced }

    /// Whether this method can hold `budget` (zCDP budgets need `.zCDP`; pure budgets need
    /// `.basic`; approximate budgets suit every method).
    public func canHold(_ budget: PrivacyBudget) -> Bool {
        switch (budget, self) {
        case (.zCDP, .zCDP), (.pure, .basic), (.approximate, _): true
        default: false
        }
    }

    /// A fresh accountant of this method (nothing composed).
    public func makeAccountant() -> any PrivacyAccountant {
        switch self {
        case .basic: PureAccountant()
        case .advanced: ApproximateAccountant()
        case .zCDP: ZCDPAccountant()
        case .rdp: RDPAccountant()
        case .pld: PLDAccountant()
        }
    }
}

/// One charge against a budget, as a ``BudgetStore`` records it *before* the release is
/// sampled.
public struct PrivacyCharge: Sendable, Hashable, Codable {
    /// A fresh identifier.
    public let id: UUID
    /// When the charge was made.
    public let time: Date
    /// The budget's holder: a session's name, or `operator/scenario` in the ledger.
    public let session: String
    /// What was released (statistic, column, grouping).
    public let description: String
    /// The guarantee the release states (what the user asked for).
    public let stated: PrivacyEvent
    /// The event describing the noise actually added (for tight accountants).
    public let mechanism: PrivacyEvent
    /// The spent budget after this charge, in the budget's terms (ε, (ε, δ) or ρ).
    public let spentAfter: String

    /// A charge of `request`, made now with a fresh identifier (stores build these).
    package init(request: ChargeRequest, session: String, spentAfter: String, time: Date = Date(), id: UUID = UUID()) {
        self.id = id
        self.time = time
        self.session = session
        self.description = request.description
        self.stated = request.stated
        self.mechanism = request.mechanism
        self.spentAfter = spentAfter
    }
}

/// A privacy odometer in memory: holds a budget under an accountant and refuses any release
/// that would exceed it. The ``BudgetStore`` for one process (tests, notebooks, one-shot
/// command-line runs); the durable store is the `PrivacyLedger` module's `AuthorisedBudget`.
///
/// Thread-safe: charges are serialised by a lock, so concurrent releases cannot overspend.
public final class PrivacySession: BudgetStore, @unchecked Sendable {
    /// The session's name, recorded with each charge.
    public let name: String
    /// The total budget.
    public let budget: PrivacyBudget
    /// How releases are composed.
    public let accounting: AccountingMethod

    private let lock = NSLock()
    private var accountant: any PrivacyAccountant
    private var recorded: [PrivacyCharge] = []

    /// Relative slack when comparing spent with budget, to absorb floating-point rounding of
    /// sums such as 0.1 + 0.2 (10⁻⁹ of the budget).
    public static let comparisonSlack = 1e-9

    /// Opens a session.
    ///
    /// - Parameters:
    ///   - budget: the total budget (validated).
    ///   - accounting: the composition method (default: ``AccountingMethod/default(for:)``).
    ///   - name: a name for the charges.
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)`` for a bad
    ///   budget, or an accounting method that cannot state it (zCDP budgets need `.zCDP`;
    ///   pure budgets need `.basic`).
    public init(
        budget: PrivacyBudget, accounting: AccountingMethod? = nil, name: String = "session"
    ) throws(DifferentialPrivacyError) {
        try budget.validate()
        let method = accounting ?? .default(for: budget)
        guard method.canHold(budget) else {
            throw .invalidParameter(
                name: "accounting", value: method.rawValue,
                reason: "cannot hold a \(budget) budget (use zCDP accounting for ρ, basic for pure ε)")
        }
        self.name = name
        self.budget = budget
        self.accounting = method
        self.accountant = method.makeAccountant()
    }

    /// What has been spent, in the budget's terms: ε for a pure budget, ε at the budget's δ for
    /// an approximate one, ρ for zCDP.
    public var spent: Double {
        lock.withLock { (try? budget.spent(by: accountant)) ?? .infinity }
    }

    /// What is left (never negative).
    public var remaining: Double { max(0, budget.total - spent) }

    /// Every charge made so far, oldest first.
    public var charges: [PrivacyCharge] { lock.withLock { recorded } }

    /// A refusal of the request itself is this session's own error type.
    public static func refusal(_ error: DifferentialPrivacyError) -> DifferentialPrivacyError { error }

    /// Charges the session for one release: composes the request's event into a copy of the
    /// accountant, refuses if the copy exceeds the budget, and commits the new state and the
    /// charge.
    ///
    /// - Throws: ``DifferentialPrivacyError/budgetExceeded(requested:spent:budget:)``,
    ///   ``DifferentialPrivacyError/unsupportedEvent(accountant:event:)``,
    ///   ``DifferentialPrivacyError/budgetTypeMismatch(budget:requested:)`` (a pure-ε budget
    ///   asked for δ > 0). On error nothing is charged.
    /// - Complexity: one composition and two conversions of the accountant, under the lock.
    public func charge(_ request: ChargeRequest) throws(DifferentialPrivacyError) -> PrivacyCharge {
        lock.lock()
        defer { lock.unlock() }
        let composed = try budget.composing(request.event(for: accounting), stated: request.stated, into: accountant)
        let charge = PrivacyCharge(request: request, session: name, spentAfter: "\(composed.spentAfter) of \(budget)")
        accountant = composed.accountant
        recorded.append(charge)
        return charge
    }

    /// Nothing to record in memory: the charge is the record.
    public func recordOutcome(_ outcome: ReleaseOutcome) throws(DifferentialPrivacyError) {}
}
