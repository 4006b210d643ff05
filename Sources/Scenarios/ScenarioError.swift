/// Errors of the `Scenarios` module. Lower layers' errors (ledger refusals, DP parameter errors,
/// anonymity failures) propagate unchanged; these name what a scenario itself checks.
public enum ScenarioError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A scenario name that is not one of ``ScenarioKind``.
    case unknownScenario(String)
    /// The input table lacks a column the scenario's column mapping needs.
    case missingColumn(scenario: String, column: String, available: [String])
    /// A column has a type the scenario cannot use.
    case wrongColumnType(scenario: String, column: String, expected: String, found: String)
    /// A parameter is out of range.
    case invalidParameter(name: String, value: String, reason: String)
    /// No embedded dataset was found and no file was given.
    case noData(scenario: String, reason: String)
    /// Writing the report failed.
    case output(path: String, reason: String)
    /// The run's authorisation is missing or does not cover the scenario's view (the ledger's
    /// refusal, with its rule, is `reason`; it is recorded in the ledger).
    case notAuthorised(
        scenario: String, authorisation: String, operator: String, dataset: String, columns: [String], reason: String)

    /// A message naming the scenario, column or parameter at fault.
    public var description: String {
        switch self {
        case let .unknownScenario(name):
            "unknown scenario '\(name)' (expected one of \(ScenarioKind.allCases.map(\.rawValue).joined(separator: ", ")))"
        case let .missingColumn(scenario, column, available):
            "scenario \(scenario): input has no column '\(column)' (available: \(available.joined(separator: ", ")))"
        case let .wrongColumnType(scenario, column, expected, found):
            "scenario \(scenario): column '\(column)' must be \(expected), found \(found)"
        case let .invalidParameter(name, value, reason):
            "invalid \(name) = \(value): \(reason)"
        case let .noData(scenario, reason):
            "scenario \(scenario): no data: \(reason)"
        case let .output(path, reason):
            "cannot write '\(path)': \(reason)"
        case let .notAuthorised(scenario, authorisation, op, dataset, columns, reason):
            "\(reason). The \(scenario) scenario needs authorisation '\(authorisation)' for operator '\(op)' over the view \(dataset) (columns \(columns.joined(separator: ","))): a steward registers the view (privacy-kernel scenario \(scenario) --register-view), a reviewer grants it (privacy-kernel ledger grant --dataset '\(dataset)')"
        }
    }
}
