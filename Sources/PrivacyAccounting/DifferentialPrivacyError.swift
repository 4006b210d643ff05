/// Every way a differential-privacy computation can refuse to run, each naming the parameter,
/// column or budget at fault so that the message alone tells a user what to fix.
///
/// When one of these is thrown, nothing has been released and no budget has been charged
/// (the release gate validates before it charges, and charges before it samples).
/// Programmer errors (violated preconditions of internal helpers) are `precondition`s.
public enum DifferentialPrivacyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A privacy or query parameter is out of its domain: ε ≤ 0 or not finite, δ outside
    /// (0, 1), ρ ≤ 0, a non-finite noise scale, a count below 1, and so on.
    ///
    /// - `name`: the parameter (for example `"epsilon"`); `value`: what was given, as text;
    ///   `reason`: what was expected.
    case invalidParameter(name: String, value: String, reason: String)
    /// Clamping bounds with `lower > upper`, or a bound that is NaN or infinite.
    case invalidBounds(lower: Double, upper: Double, reason: String)
    /// The table has no rows (or no rows survive the documented filtering), where the
    /// query needs at least one.
    case emptyInput(what: String)
    /// A column named by the query does not exist; `available` lists the columns that do.
    case unknownColumn(name: String, available: [String])
    /// A column exists but its type does not suit the query (a sum over a categorical
    /// column, say).
    case columnTypeMismatch(column: String, expected: String, found: String)
    /// A value the documented policy rejects (NaN or ±∞ under the `reject` policy), with
    /// the row at fault (0-based, data rows only).
    case invalidValue(column: String, row: Int, value: String)
    /// The release would take the session's spent privacy loss beyond its budget.
    /// Nothing was released or charged.
    ///
    /// - `requested`: the release's cost, as text; `spent`: what the session has already
    ///   spent; `budget`: the session's total budget.
    case budgetExceeded(requested: String, spent: String, budget: String)
    /// An accountant cannot account for this kind of event (a pure-ε accountant asked to
    /// compose a Gaussian mechanism, say). `accountant` names the accountant, `event` the
    /// event.
    case unsupportedEvent(accountant: String, event: String)
    /// Two partials that cannot be merged (different bounds, grids, keys or query kinds).
    case incompatiblePartials(reason: String)
    /// The random source failed (the OS refused entropy); nothing was released.
    case randomSourceFailure(reason: String)
    /// The budget's type cannot pay for this kind of release: a pure-ε budget asked for a
    /// release that needs δ > 0 (an (ε, δ) statement, Gaussian noise, or a zCDP event).
    /// Raised before anything is charged; it is not exhaustion — no amount of remaining ε helps.
    ///
    /// - `budget`: the session's budget, as text; `requested`: the release's guarantee.
    case budgetTypeMismatch(budget: String, requested: String)
    /// The computation's state would not fit the declared memory limit (`limit`, bytes): a
    /// group-by key set too large to hold, say. Raised before anything is charged; `what` says
    /// which state, and how to proceed (raise the limit, declare fewer keys).
    case memoryLimitExceeded(what: String, limit: Int)

    /// A one-line, human-readable message naming the problem.
    public var description: String {
        switch self {
        case let .invalidParameter(name, value, reason):
            return "invalid \(name) = \(value): \(reason)"
        case let .invalidBounds(lower, upper, reason):
            return "invalid clamping bounds [\(lower), \(upper)]: \(reason)"
        case let .emptyInput(what):
            return "empty input: \(what)"
        case let .unknownColumn(name, available):
            return "unknown column '\(name)'; the table has: \(available.joined(separator: ", "))"
        case let .columnTypeMismatch(column, expected, found):
            return "column '\(column)' has type \(found), but the query needs \(expected)"
        case let .invalidValue(column, row, value):
            return "column '\(column)', data row \(row + 1): value \(value) is not allowed"
        case let .budgetExceeded(requested, spent, budget):
            return
                "privacy budget exceeded: this release costs \(requested), the session has spent \(spent) of \(budget); nothing was released"
        case let .unsupportedEvent(accountant, event):
            return "the \(accountant) accountant cannot account for \(event)"
        case let .incompatiblePartials(reason):
            return "cannot merge partials: \(reason)"
        case let .randomSourceFailure(reason):
            return "the secure random source failed: \(reason); nothing was released"
        case let .budgetTypeMismatch(budget, requested):
            return
                "the budget \(budget) is pure ε-DP and does not allow δ: this release asks for \(requested); grant an (ε, δ) or ρ budget for it, or release with pure ε; nothing was released or charged"
        case let .memoryLimitExceeded(what, limit):
            return
                "\(what) would not fit the memory limit of \(limit >> 20) MiB; raise the limit (--memory-limit) or narrow the query; nothing was released or charged"
        }
    }
}
