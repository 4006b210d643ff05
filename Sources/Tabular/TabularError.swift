/// Every way loading, building or querying a table can fail, each naming the file, line,
/// column or parameter at fault so that the message alone tells a user what to fix.
///
/// Lines are 1-based physical lines of the input (the header is line 1 when present);
/// columns are reported by name when a header gives one, and by 1-based position otherwise.
/// A cell value quoted in a message is an ``excerpt(_:)``: at most 64 characters, the last an
/// ellipsis when cut, so a 5 MB field never floods a terminal or a log.
public enum TabularError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened, mapped or read; `reason` is the operating system's message.
    case io(file: String, reason: String)
    /// The input has no bytes at all (or only a byte-order mark).
    case emptyInput(file: String)
    /// The input has a header row but no data rows.
    case noDataRows(file: String)
    /// A byte sequence that is not valid UTF-8.
    case invalidUTF8(file: String, line: Int, column: String)
    /// A row whose number of fields differs from the header's.
    case raggedRow(file: String, line: Int, expected: Int, found: Int)
    /// A quoted field that is still open at the end of the input.
    case unterminatedQuote(file: String, line: Int, column: String)
    /// A quote character inside an unquoted field, or text after a closing quote.
    case unexpectedQuote(file: String, line: Int, column: String)
    /// A value that cannot be read as the column's type (`value` is an ``excerpt(_:)``).
    case unparsableValue(file: String, line: Int, column: String, value: String, expected: ColumnType)
    /// A numeric value that is NaN or infinite; tables never hold non-finite numbers (`value` is
    /// an ``excerpt(_:)``).
    case nonFiniteValue(file: String, line: Int, column: String, value: String)
    /// A missing value in a column that the declared schema marks as not nullable.
    case missingValue(file: String, line: Int, column: String)
    /// Two columns share a name.
    case duplicateColumnName(file: String, name: String)
    /// The header does not match the declared schema.
    case headerMismatch(file: String, expected: [String], found: [String])
    /// A column name that the table does not have.
    case columnNotFound(name: String, available: [String])
    /// A column accessed as a type it does not have.
    case typeMismatch(column: String, expected: ColumnType, actual: ColumnType)
    /// Columns of different lengths put into one table.
    case lengthMismatch(column: String, expected: Int, found: Int)
    /// An option or argument outside its valid range.
    case invalidArgument(name: String, reason: String)

    public var description: String {
        switch self {
        case let .io(file, reason): return "\(file): cannot read: \(reason)"
        case let .emptyInput(file): return "\(file): the input is empty"
        case let .noDataRows(file): return "\(file): the input has a header but no data rows"
        case let .invalidUTF8(file, line, column):
            return "\(file):\(line): column \(column): invalid UTF-8 byte sequence"
        case let .raggedRow(file, line, expected, found):
            return "\(file):\(line): row has \(found) fields, the header has \(expected)"
        case let .unterminatedQuote(file, line, column):
            return "\(file):\(line): column \(column): quoted field is never closed"
        case let .unexpectedQuote(file, line, column):
            return
                "\(file):\(line): column \(column): stray quote (a quote inside an unquoted field or text after a closing quote)"
        case let .unparsableValue(file, line, column, value, expected):
            return "\(file):\(line): column \(column): cannot read \"\(TabularError.excerpt(value))\" as \(expected)"
        case let .nonFiniteValue(file, line, column, value):
            return
                "\(file):\(line): column \(column): non-finite number \"\(TabularError.excerpt(value))\" (NaN and infinity are not accepted)"
        case let .missingValue(file, line, column):
            return "\(file):\(line): column \(column): missing value in a column declared not nullable"
        case let .duplicateColumnName(file, name): return "\(file): column name \"\(name)\" appears more than once"
        case let .headerMismatch(file, expected, found):
            return "\(file): header \(found) does not match the declared schema \(expected)"
        case let .columnNotFound(name, available):
            return "no column \"\(name)\"; the table has \(available.joined(separator: ", "))"
        case let .typeMismatch(column, expected, actual): return "column \"\(column)\" is \(actual), not \(expected)"
        case let .lengthMismatch(column, expected, found):
            return "column \"\(column)\" has \(found) values, the table has \(expected) rows"
        case let .invalidArgument(name, reason): return "invalid \(name): \(reason)"
        }
    }
}

extension TabularError {
    /// The longest cell value, in characters, that a message quotes in full.
    public static let excerptLength = 64

    /// `text` as quoted in a message: unchanged when it has at most ``excerptLength``
    /// characters, else its first 63 characters and "…" (64 in all). Idempotent.
    /// - Complexity: O(excerptLength).
    public static func excerpt(_ text: String) -> String {
        var index = text.startIndex
        var count = 0
        while index != text.endIndex {
            count += 1
            if count > excerptLength { return String(text.prefix(excerptLength - 1)) + "…" }
            index = text.index(after: index)
        }
        return text
    }

    /// The excerpt of a UTF-8 field, decoding only its first bytes (a multi-megabyte field costs
    /// no more than a short one).
    static func excerpt<Bytes: Collection<UInt8>>(utf8 bytes: Bytes) -> String {
        let limit = 4 * excerptLength  // enough bytes for 64 characters of up to 4 bytes
        let head = String(decoding: bytes.prefix(limit), as: UTF8.self)
        if bytes.count > limit && head.count <= excerptLength { return String(head.prefix(excerptLength - 1)) + "…" }
        return excerpt(head)
    }
}
