import Foundation

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
        case let .approximate(e, d): try Validate.epsilon(e); try Validate.delta(d)
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

/// One charge against a session's budget, as written to the ledger *before* the release is
/// sampled.
public struct PrivacyCharge: Sendable, Hashable, Codable {
    /// A fresh identifier.
    public let id: UUID
    /// When the charge was made.
    public let time: Date
    /// The session's name.
    public let session: String
    /// What was released (statistic, column, grouping).
    public let description: String
    /// The guarantee the release states (what the user asked for).
    public let stated: PrivacyEvent
    /// The event describing the noise actually added (for tight accountants).
    public let mechanism: PrivacyEvent
    /// The session's spent budget after this charge, in its budget's terms (ε, (ε, δ) or ρ).
    public let spentAfter: String
}

/// The seam to the durable ledger (issue "Privacy ledger"): a session calls ``record(_:)``
/// after its accountant has accepted a charge and before any noise is sampled; if recording
/// throws, nothing is released and the in-memory state is not changed.
///
/// Implementations must make the record durable (committed to stable storage) before
/// returning, so that a crash after a release never forgets spent budget.
///
/// A ledger may hold budgets of its own (a durable ledger shared by several processes does:
/// see the `PrivacyLedger` module's `SQLiteLedger`). Its ``record(_:)`` then checks and
/// commits the charge against that durable budget atomically, and may refuse it by throwing; a
/// thrown ``DifferentialPrivacyError`` reaches the caller unchanged, any other error as
/// ``DifferentialPrivacyError/ledgerFailure(reason:)``.
///
/// After the noise is sampled and before the release is returned, the gate calls
/// ``recordOutcome(of:release:)`` so that the ledger can store what left (a digest of the
/// result, its size); if that throws, the release is not returned (the budget stays spent).
public protocol PrivacyLedger: Sendable {
    /// Durably records `charge`, or throws (nothing is released then).
    func record(_ charge: PrivacyCharge) throws

    /// Records what a charged release produced, before it is returned to the caller. The
    /// default does nothing.
    ///
    /// - Parameters:
    ///   - charge: the charge ``record(_:)`` accepted for this release.
    ///   - release: the sampled release.
    func recordOutcome(of charge: PrivacyCharge, release: DPRelease) throws
}

extension PrivacyLedger {
    /// Does nothing: ledgers that only record charges need no outcome.
    public func recordOutcome(of charge: PrivacyCharge, release: DPRelease) throws {}
}

/// A ledger that keeps charges in memory: for tests and one-shot command-line runs. Not
/// durable.
public final class InMemoryPrivacyLedger: PrivacyLedger, @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [PrivacyCharge] = []

    /// An empty ledger.
    public init() {}

    /// Appends `charge`.
    public func record(_ charge: PrivacyCharge) throws {
        lock.lock()
        defer { lock.unlock() }
        storage.append(charge)
    }

    /// Every charge recorded so far, oldest first.
    public var charges: [PrivacyCharge] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}

/// A privacy odometer: holds a budget under an accountant and refuses any release that would
/// exceed it. The one release gate, ``release(_:mechanism:parameters:)``, runs here.
///
/// Thread-safe: charges are serialised by a lock, so concurrent releases cannot overspend.
public final class PrivacySession: @unchecked Sendable {
    /// The session's name, recorded with each charge.
    public let name: String
    /// The total budget.
    public let budget: PrivacyBudget
    /// How releases are composed.
    public let accounting: AccountingMethod
    /// Where charges are recorded before release.
    public let ledger: any PrivacyLedger

    private let lock = NSLock()
    private var accountant: any PrivacyAccountant

    /// Relative slack when comparing spent with budget, to absorb floating-point rounding of
    /// sums such as 0.1 + 0.2 (10⁻⁹ of the budget).
    public static let comparisonSlack = 1e-9

    /// Opens a session.
    ///
    /// - Parameters:
    ///   - budget: the total budget (validated).
    ///   - accounting: the composition method (default: ``AccountingMethod/default(for:)``).
    ///   - ledger: where charges are recorded (default: in memory).
    ///   - name: a name for the ledger.
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)`` for a bad
    ///   budget, or an accounting method that cannot state it (zCDP budgets need `.zCDP`;
    ///   pure budgets need `.basic`).
    public init(budget: PrivacyBudget, accounting: AccountingMethod? = nil,
                ledger: any PrivacyLedger = InMemoryPrivacyLedger(), name: String = "session") throws(DifferentialPrivacyError) {
        try budget.validate()
        let method = accounting ?? .default(for: budget)
        guard method.canHold(budget) else {
            throw .invalidParameter(name: "accounting", value: method.rawValue,
                                    reason: "cannot hold a \(budget) budget (use zCDP accounting for ρ, basic for pure ε)")
        }
        self.name = name
        self.budget = budget
        self.accounting = method
        self.ledger = ledger
        self.accountant = method.makeAccountant()
    }

    /// What has been spent, in the budget's terms: ε for a pure budget, ε at the budget's δ for
    /// an approximate one, ρ for zCDP.
    public var spent: Double {
        lock.lock()
        defer { lock.unlock() }
        return (try? Self.spent(by: accountant, in: budget)) ?? .infinity
    }

    /// What is left (never negative).
    public var remaining: Double {
        let total: Double
        switch budget {
        case let .pure(e), let .approximate(e, _): total = e
        case let .zCDP(r): total = r
        }
        return max(0, total - spent)
    }

    /// What `accountant` has spent, in `budget`'s terms: ε at δ = 0 for a pure budget, ε at the
    /// budget's δ for an approximate one, ρ for zCDP (which needs a ``ZCDPAccountant``).
    public static func spent(by accountant: any PrivacyAccountant, in budget: PrivacyBudget) throws(DifferentialPrivacyError) -> Double {
        switch budget {
        case .pure: return try accountant.epsilon(delta: 0)
        case let .approximate(_, delta): return try accountant.epsilon(delta: delta)
        case .zCDP:
            guard let zcdp = accountant as? ZCDPAccountant else {
                throw .unsupportedEvent(accountant: accountant.name, event: "a ρ budget")
            }
            return zcdp.rho
        }
    }

    /// Checks that `budget`'s type can pay for a release stating `stated`: a pure-ε budget
    /// cannot pay for δ > 0 (an (ε, δ) statement with δ > 0, Gaussian or discrete Gaussian
    /// noise, or a zCDP event). Approximate and zCDP budgets accept any event their accountant
    /// can compose.
    ///
    /// - Throws: ``DifferentialPrivacyError/budgetTypeMismatch(budget:requested:)``.
    /// - Complexity: O(nodes of `stated`).
    public static func checkBudgetType(_ budget: PrivacyBudget, allows stated: PrivacyEvent) throws(DifferentialPrivacyError) {
        guard case .pure = budget else { return }
        var needsDelta = false
        try stated.forEachLeaf { (leaf, _) throws(DifferentialPrivacyError) in
            switch leaf {
            case .laplace, .discreteLaplace, .pureEpsilon: break
            case let .approximate(_, d): if d > 0 { needsDelta = true }
            default: needsDelta = true
            }
        }
        if needsDelta { throw .budgetTypeMismatch(budget: budget.description, requested: stated.description) }
    }

    /// Charges the session for one release: composes the event into a copy of the accountant,
    /// refuses if the copy exceeds the budget, records the charge in the ledger, and only then
    /// commits the new state.
    ///
    /// - Parameters:
    ///   - stated: the guarantee the release states (used by basic and advanced accounting).
    ///   - mechanism: the event describing the noise (used by zCDP, RDP and PLD accounting).
    ///   - description: what is being released, for the ledger.
    /// - Returns: the recorded charge.
    /// - Throws: ``DifferentialPrivacyError/budgetExceeded(requested:spent:budget:)``,
    ///   ``DifferentialPrivacyError/unsupportedEvent(accountant:event:)``,
    ///   ``DifferentialPrivacyError/budgetTypeMismatch(budget:requested:)`` (a pure-ε budget
    ///   asked for δ > 0), ``DifferentialPrivacyError/ledgerFailure(reason:)``. On error nothing
    ///   is charged.
    @discardableResult
    public func charge(stated: PrivacyEvent, mechanism: PrivacyEvent, description: String) throws(DifferentialPrivacyError) -> PrivacyCharge {
        try stated.validate()
        try mechanism.validate()
        let event = accounting.composesStatedGuarantee ? stated : mechanism
        try Self.checkBudgetType(budget, allows: stated)
        lock.lock()
        defer { lock.unlock() }
        var candidate = accountant
        try candidate.compose(event)
        let before = try Self.spent(by: accountant, in: budget)
        let after = try Self.spent(by: candidate, in: budget)
        let total: Double
        switch budget {
        case let .pure(e), let .approximate(e, _): total = e
        case let .zCDP(r): total = r
        }
        guard after <= total * (1 + Self.comparisonSlack) else {
            throw .budgetExceeded(requested: event.description, spent: "\(before)", budget: budget.description)
        }
        let charge = PrivacyCharge(id: UUID(), time: Date(), session: name, description: description,
                                   stated: stated, mechanism: mechanism, spentAfter: "\(after) of \(budget)")
        do { try ledger.record(charge) }
        catch let refusal as DifferentialPrivacyError { throw refusal }
        catch { throw .ledgerFailure(reason: "\(error)") }
        accountant = candidate
        return charge
    }
}
