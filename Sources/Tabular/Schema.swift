/// The logical type of a column and how its values are stored.
///
/// | type | storage | meaning |
/// |---|---|---|
/// | `float64` | `[Double]` | finite IEEE-754 doubles (never NaN or infinity) |
/// | `int64` | `[Int64]` | signed integers |
/// | `bool` | `[Bool]` | `true` / `false` |
/// | `categorical` | `[UInt32]` codes + `[String]` dictionary | strings, dictionary-encoded in first-appearance order |
/// | `date` | `[Int32]` | days since 1970-01-01 (proleptic Gregorian) |
/// | `timestamp` | `[Int64]` | seconds since 1970-01-01T00:00:00Z |
public enum ColumnType: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case float64, int64, bool, categorical, date, timestamp
    public var description: String { rawValue }
}

/// One column's declaration: its name, type and whether it may hold missing values.
public struct Field: Sendable, Equatable, Hashable, Codable {
    /// The column name, unique within a schema.
    public var name: String
    /// The column's type.
    public var type: ColumnType
    /// Whether missing values (nulls) are allowed.
    public var nullable: Bool

    /// Declares a column.
    public init(_ name: String, _ type: ColumnType, nullable: Bool = true) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }
}

/// The ordered list of a table's columns and their types.
///
/// A schema is either declared by the caller (values that do not fit are errors) or inferred
/// from the data by the CSV reader, which then also reports *how* it inferred each type
/// (see ``SchemaInference``).
public struct Schema: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// The fields in column order.
    public var fields: [Field]

    /// Creates a schema from fields in column order.
    public init(_ fields: [Field]) { self.fields = fields }

    /// The column names in order.
    public var names: [String] { fields.map(\.name) }

    /// The position of the column called `name`, or `nil`. O(columns).
    public func index(of name: String) -> Int? { fields.firstIndex { $0.name == name } }

    /// The field called `name`, or `nil`. O(columns).
    public subscript(name: String) -> Field? { index(of: name).map { fields[$0] } }

    public var description: String {
        fields.map { "\($0.name): \($0.type)\($0.nullable ? "?" : "")" }.joined(separator: ", ")
    }
}

/// What the CSV reader inferred for a schema, column by column, and from how much data.
public struct SchemaInference: Sendable, Equatable, Codable, CustomStringConvertible {
    /// How one column's type was chosen.
    public struct ColumnNote: Sendable, Equatable, Codable {
        /// Column name.
        public var name: String
        /// The inferred type.
        public var type: ColumnType
        /// Missing values seen in the sample.
        public var nullsInSample: Int
        /// Set when the sample suggested a narrower type that a later value contradicted,
        /// so the whole input was read again with the wider type (for example int64 → float64).
        public var widenedFrom: ColumnType?
    }

    /// The inferred schema.
    public var schema: Schema
    /// Data rows examined to choose the types (the sample), before any widening.
    public var sampleRows: Int
    /// One note per column, in column order.
    public var columns: [ColumnNote]

    public var description: String {
        var lines = ["inferred from a sample of \(sampleRows) rows:"]
        for note in columns {
            var line = "  \(note.name): \(note.type)"
            if note.nullsInSample > 0 { line += " (\(note.nullsInSample) missing in sample)" }
            if let from = note.widenedFrom { line += " (widened from \(from) after a later value did not fit)" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
