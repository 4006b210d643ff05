/// A columnar table: named, typed columns of equal length.
///
/// Tables are immutable values that share storage on copy. Build them from columns, from a
/// CSV file (``CSVReader``) or from a dataset generator; every column is a contiguous buffer
/// that kernels scan without per-row allocation.
public struct Table: Sendable, Equatable {
    /// The columns in order.
    public let columns: [Column]
    /// The number of rows.
    public let rowCount: Int

    /// Creates a table, checking equal lengths and unique names.
    /// - Throws: ``TabularError/lengthMismatch(column:expected:found:)`` or
    ///   ``TabularError/duplicateColumnName(file:name:)`` (with `file` empty).
    /// - Complexity: O(columns).
    public init(columns: [Column]) throws {
        let rows = columns.first?.count ?? 0
        var seen = Set<String>()
        for column in columns {
            if column.count != rows {
                throw TabularError.lengthMismatch(column: column.name, expected: rows, found: column.count)
            }
            if !seen.insert(column.name).inserted {
                throw TabularError.duplicateColumnName(file: "", name: column.name)
            }
        }
        self.columns = columns
        self.rowCount = rows
    }

    /// Internal initialiser for builders that guarantee the invariants.
    init(uncheckedColumns columns: [Column], rowCount: Int) {
        self.columns = columns
        self.rowCount = rowCount
    }

    /// The schema: names, types and nullability (a column is nullable when it has missing values).
    public var schema: Schema {
        Schema(columns.map { Field($0.name, $0.type, nullable: $0.validity != nil) })
    }

    /// The number of columns.
    public var columnCount: Int { columns.count }

    /// The column names in order.
    public var columnNames: [String] { columns.map(\.name) }

    /// The column called `name`.
    /// - Throws: ``TabularError/columnNotFound(name:available:)``.
    public func column(_ name: String) throws -> Column {
        guard let column = columns.first(where: { $0.name == name }) else {
            throw TabularError.columnNotFound(name: name, available: columnNames)
        }
        return column
    }

    /// The column called `name`, or `nil`.
    public subscript(name: String) -> Column? { columns.first { $0.name == name } }

    /// A table with only the named columns, in the order given.
    /// - Throws: ``TabularError/columnNotFound(name:available:)``.
    public func selecting(_ names: [String]) throws -> Table {
        Table(uncheckedColumns: try names.map { try column($0) }, rowCount: rowCount)
    }
}
