/// Every way preparing a synthetic dataset can fail, each naming the parameter at fault.
public enum DatasetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A row count outside `0...DatasetGenerator.maximumRows`.
    case rowsOutOfRange(requested: Int, maximum: Int)

    /// A one-line message naming the parameter, the value asked and the documented limit.
    public var description: String {
        switch self {
        case let .rowsOutOfRange(requested, maximum):
            return requested < 0
                ? "invalid row count \(requested): it must not be negative"
                : "invalid row count \(requested): at most \(maximum) rows can be generated (DatasetGenerator.maximumRows)"
        }
    }
}
