public import DifferentialPrivacy

/// Every way a private model fit can refuse to run, each naming the parameter or column at
/// fault.
///
/// When one of these is thrown, no model has been returned; budget is charged only by a fit
/// that got past validation (``privacy(_:)`` wraps a refusal of the session itself, in which
/// case nothing was charged either).
public enum PrivateLearningError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A fit parameter is out of its domain (ε ≤ 0, δ outside (0, 1), a non-positive iteration
    /// count, a negative ridge, …). `name` is the parameter, `value` what was given, `reason`
    /// what was expected.
    case invalidParameter(name: String, value: String, reason: String)
    /// Clamping bounds of a feature or of the label that are not finite, empty (`lower ≥ upper`),
    /// or a row-norm bound that is not finite and > 0. `column` names the column (or
    /// `"feature rows"` for the row-norm bound).
    case invalidBounds(column: String, lower: Double, upper: Double, reason: String)
    /// The table has no rows (a fit's table size is public metadata; how many rows are
    /// complete is not, and never causes an error), or an evaluation helper has no row to score.
    case emptyTable(what: String)
    /// A column named by the fit does not exist; `available` lists the columns that do.
    case unknownColumn(name: String, available: [String])
    /// A column exists but is not numeric (float64, int64 or bool); `found` is its type.
    case nonNumericColumn(column: String, found: String)
    /// The privacy session refused the charge (budget exceeded, unsupported event, ledger
    /// failure) or the noise could not be calibrated; nothing was released.
    case privacy(DifferentialPrivacyError)
    /// A budget store other than an in-memory session refused the charge — the ledger's
    /// `PrivacyLedgerError` naming the rule, say (cast to read it); nothing was released.
    case refused(any Error)

    /// A one-line, human-readable message naming the problem.
    public var description: String {
        switch self {
        case let .invalidParameter(name, value, reason):
            return "invalid \(name) = \(value): \(reason)"
        case let .invalidBounds(column, lower, upper, reason):
            return "invalid bounds [\(lower), \(upper)] for '\(column)': \(reason)"
        case let .emptyTable(what):
            return "empty input: \(what)"
        case let .unknownColumn(name, available):
            return "unknown column '\(name)'; the table has: \(available.joined(separator: ", "))"
        case let .nonNumericColumn(column, found):
            return "column '\(column)' has type \(found), but a model needs a numeric column (float64, int64 or bool)"
        case let .privacy(error):
            return error.description
        case let .refused(error):
            return "\(error)"
        }
    }

    /// Equal cases with equal values; two ``refused(_:)`` are equal when their errors read the same.
    public static func == (a: PrivateLearningError, b: PrivateLearningError) -> Bool {
        switch (a, b) {
        case let (.invalidParameter(n1, v1, r1), .invalidParameter(n2, v2, r2)): n1 == n2 && v1 == v2 && r1 == r2
        case let (.invalidBounds(c1, l1, u1, r1), .invalidBounds(c2, l2, u2, r2)):
            c1 == c2 && l1 == l2 && u1 == u2 && r1 == r2
        case let (.emptyTable(w1), .emptyTable(w2)): w1 == w2
        case let (.unknownColumn(n1, a1), .unknownColumn(n2, a2)): n1 == n2 && a1 == a2
        case let (.nonNumericColumn(c1, f1), .nonNumericColumn(c2, f2)): c1 == c2 && f1 == f2
        case let (.privacy(e1), .privacy(e2)): e1 == e2
        case let (.refused(e1), .refused(e2)): "\(e1)" == "\(e2)"
        default: false
        }
    }
}

extension PrivateLearningError {
    /// A differential-privacy error as this module's error: parameter problems keep their own
    /// case (so `ε ≤ 0` reads as an invalid `epsilon`); refusals of the session, ledger or
    /// random source become ``privacy(_:)``.
    init(_ error: DifferentialPrivacyError) {
        switch error {
        case let .invalidParameter(name, value, reason):
            self = .invalidParameter(name: name, value: value, reason: reason)
        default: self = .privacy(error)
        }
    }
}

extension PrivateLearningError {
    /// A budget store's refusal as this module's error: a session's
    /// ``DifferentialPrivacy/DifferentialPrivacyError`` as ``privacy(_:)``, any other store's
    /// typed error (the ledger's) unchanged inside ``refused(_:)``.
    init(refusal: any Error) {
        if let error = refusal as? DifferentialPrivacyError { self = .privacy(error) } else { self = .refused(refusal) }
    }
}
