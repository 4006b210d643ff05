/// The values of one column, stored contiguously in the representation of its ``ColumnType``.
public enum ColumnValues: Sendable, Equatable {
    /// Finite doubles.
    case float64([Double])
    /// Signed 64-bit integers.
    case int64([Int64])
    /// Booleans, one byte each.
    case bool([Bool])
    /// Dictionary-encoded strings: `dictionary[Int(codes[i])]` is row `i`'s value.
    case categorical(codes: [UInt32], dictionary: [String])
    /// Days since 1970-01-01.
    case date([Int32])
    /// Seconds since 1970-01-01T00:00:00Z.
    case timestamp([Int64])

    /// The type these values represent.
    public var type: ColumnType {
        switch self {
        case .float64: .float64
        case .int64: .int64
        case .bool: .bool
        case .categorical: .categorical
        case .date: .date
        case .timestamp: .timestamp
        }
    }

    /// The number of rows.
    public var count: Int {
        switch self {
        case let .float64(v): v.count
        case let .int64(v): v.count
        case let .bool(v): v.count
        case let .categorical(codes, _): codes.count
        case let .date(v): v.count
        case let .timestamp(v): v.count
        }
    }
}

/// A named, typed column with optional missing values.
///
/// Values are contiguous arrays (see ``ColumnValues``); missing values are tracked in a
/// ``ValidityBitmap`` and their slots hold zero, so NaN never stands for "missing".
public struct Column: Sendable, Equatable {
    /// The column name.
    public var name: String
    /// The stored values.
    public private(set) var values: ColumnValues
    /// Which rows are present; `nil` when every row is.
    public private(set) var validity: ValidityBitmap?

    /// Creates a column, checking that a bitmap (if any) covers exactly the values and that
    /// doubles are finite and categorical codes are inside the dictionary.
    /// - Throws: ``TabularError/lengthMismatch(column:expected:found:)``,
    ///   ``TabularError/invalidArgument(name:reason:)`` for non-finite doubles or bad codes.
    /// - Complexity: O(n) for validation.
    public init(name: String, values: ColumnValues, validity: ValidityBitmap? = nil) throws {
        if let validity, validity.count != values.count {
            throw TabularError.lengthMismatch(column: name, expected: values.count, found: validity.count)
        }
        switch values {
        case let .float64(v):
            if let bad = v.firstIndex(where: { !$0.isFinite }) {
                throw TabularError.invalidArgument(
                    name: "column \(name)", reason: "row \(bad) holds the non-finite value \(v[bad])")
            }
        case let .categorical(codes, dictionary):
            let limit = UInt32(truncatingIfNeeded: dictionary.count)
            if let bad = codes.firstIndex(where: { $0 >= limit }) {
                throw TabularError.invalidArgument(
                    name: "column \(name)",
                    reason: "row \(bad) has code \(codes[bad]) outside the dictionary of \(dictionary.count) values")
            }
        default: break
        }
        self.name = name
        self.values = values
        self.validity = (validity?.nullCount ?? 0) == 0 ? nil : validity
    }

    /// Internal initialiser for builders that have already validated their output.
    init(uncheckedName name: String, values: ColumnValues, validity: ValidityBitmap?) {
        self.name = name
        self.values = values
        self.validity = (validity?.nullCount ?? 0) == 0 ? nil : validity
    }

    /// A float64 column with no missing values.
    public init(_ name: String, float64 values: [Double]) throws { try self.init(name: name, values: .float64(values)) }
    /// An int64 column with no missing values.
    public init(_ name: String, int64 values: [Int64]) throws { try self.init(name: name, values: .int64(values)) }
    /// A boolean column with no missing values.
    public init(_ name: String, bool values: [Bool]) throws { try self.init(name: name, values: .bool(values)) }
    /// A categorical column built from strings; the dictionary is in first-appearance order. O(n).
    public init(_ name: String, strings: [String]) throws {
        var lookup: [String: UInt32] = [:]
        var dictionary: [String] = []
        var codes: [UInt32] = []
        codes.reserveCapacity(strings.count)
        for s in strings {
            if let code = lookup[s] {
                codes.append(code)
                continue
            }
            let code = UInt32(dictionary.count)
            lookup[s] = code
            dictionary.append(s)
            codes.append(code)
        }
        try self.init(name: name, values: .categorical(codes: codes, dictionary: dictionary))
    }

    /// The column's type.
    public var type: ColumnType { values.type }
    /// The number of rows.
    public var count: Int { values.count }
    /// The number of missing rows. O(n / 64).
    public var nullCount: Int { validity?.nullCount ?? 0 }
    /// Whether row `index` holds a value. O(1).
    @inlinable public func isValid(_ index: Int) -> Bool { validity?.isValid(index) ?? true }

    /// A numeric column's values as doubles: float64 as stored (no copy), int64 converted
    /// (exact below 2^53), bool as 0 or 1; `nil` for the other types. The one "numeric column as
    /// `[Double]`" conversion of the package (queries, models and scenario views use it).
    ///
    /// - Complexity: O(1) for float64, O(n) otherwise.
    public var numericValues: [Double]? {
        switch values {
        case let .float64(v): v
        case let .int64(v): v.map { Double($0) }
        case let .bool(v): v.map { $0 ? 1 : 0 }
        case .categorical, .date, .timestamp: nil
        }
    }

    /// The doubles, or a ``TabularError/typeMismatch(column:expected:actual:)``.
    public func float64Values() throws -> [Double] {
        guard case let .float64(v) = values else {
            throw TabularError.typeMismatch(column: name, expected: .float64, actual: type)
        }
        return v
    }
    /// The integers, or a type mismatch.
    public func int64Values() throws -> [Int64] {
        guard case let .int64(v) = values else {
            throw TabularError.typeMismatch(column: name, expected: .int64, actual: type)
        }
        return v
    }
    /// The booleans, or a type mismatch.
    public func boolValues() throws -> [Bool] {
        guard case let .bool(v) = values else {
            throw TabularError.typeMismatch(column: name, expected: .bool, actual: type)
        }
        return v
    }
    /// The codes and dictionary of a categorical column, or a type mismatch.
    public func categoricalValues() throws -> (codes: [UInt32], dictionary: [String]) {
        guard case let .categorical(codes, dictionary) = values else {
            throw TabularError.typeMismatch(column: name, expected: .categorical, actual: type)
        }
        return (codes, dictionary)
    }
    /// Days since 1970-01-01 of a date column, or a type mismatch.
    public func dateValues() throws -> [Int32] {
        guard case let .date(v) = values else {
            throw TabularError.typeMismatch(column: name, expected: .date, actual: type)
        }
        return v
    }
    /// Seconds since the Unix epoch of a timestamp column, or a type mismatch.
    public func timestampValues() throws -> [Int64] {
        guard case let .timestamp(v) = values else {
            throw TabularError.typeMismatch(column: name, expected: .timestamp, actual: type)
        }
        return v
    }

    /// Row `index` as text, as the CSV writer prints it (`nil` when missing).
    public func text(at index: Int) -> String? {
        guard isValid(index) else { return nil }
        switch values {
        case let .float64(v): return CSVFormatting.format(v[index])
        case let .int64(v): return String(v[index])
        case let .bool(v): return v[index] ? "true" : "false"
        case let .categorical(codes, dictionary): return dictionary[Int(codes[index])]
        case let .date(v): return CalendarCodec.formatDate(days: v[index])
        case let .timestamp(v): return CalendarCodec.formatTimestamp(seconds: v[index])
        }
    }
}
