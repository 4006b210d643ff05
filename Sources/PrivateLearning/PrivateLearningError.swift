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
        }
    }
}

extension PrivateLearningError {
    /// A differential-privacy error as this module's error: parameter problems keep their own
    /// case (so `ε ≤ 0` reads as an invalid `epsilon`); refusals of the session, ledger or
    /// random source become ``privacy(_:)``.
    init(_ error: DifferentialPrivacyError) {
        switch error {
        case let .invalidParameter(name, value, reason): self = .invalidParameter(name: name, value: value, reason: reason)
        default: self = .privacy(error)
        }
    }
}

