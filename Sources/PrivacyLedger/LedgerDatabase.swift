import Foundation

// The ledger's one seam to its storage: every statement the ledger runs goes through
// ``LedgerDatabase`` (a connection inside one transaction), so the same ledger code runs on
// SQLite (``SQLiteStorage``, the embedded default) and on PostgreSQL (``PostgresStorage``).
// SQL is written once, in the subset both engines understand (`?` placeholders, `ON CONFLICT`,
// `RETURNING`); the few fragments that differ come from ``LedgerDialect``.

/// One value stored in a ledger table: SQLite's storage classes, onto which PostgreSQL's column
/// types map (bigint → integer, double precision → real, text → text, bytea → blob).
enum LedgerValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    /// The value's text in state digests (``LedgerState/fields(_:)``): fixed forever, because
    /// ledgers written by earlier versions carry digests computed with it (it is the text GRDB
    /// gave a stored value: integers and reals in Swift's shortest form, text quoted and
    /// escaped as Swift's `String(reflecting:)`). `NULL` is `∅`.
    var digestText: String {
        switch self {
        case .null: "∅"
        case .integer(let value): String(value)
        case .real(let value): String(value)
        case .text(let value): String(reflecting: value)
        case .blob(let bytes): "Data(\(Data(bytes).description))"
        }
    }
}

/// A Swift value the ledger stores in or reads from a column.
protocol LedgerValueConvertible {
    /// The value as stored.
    var storedValue: LedgerValue { get }
    /// The Swift value of a stored value, or `nil` when the stored value has another type.
    init?(storedValue: LedgerValue)
}

extension Int64: LedgerValueConvertible {
    var storedValue: LedgerValue { .integer(self) }
    init?(storedValue: LedgerValue) {
        switch storedValue {
        case .integer(let value): self = value
        case .real(let value):
            guard let exact = Int64(exactly: value) else { return nil }
            self = exact
        default: return nil
        }
    }
}

extension Int: LedgerValueConvertible {
    var storedValue: LedgerValue { .integer(Int64(self)) }
    init?(storedValue: LedgerValue) {
        guard let value = Int64(storedValue: storedValue), let exact = Int(exactly: value) else { return nil }
        self = exact
    }
}

extension Double: LedgerValueConvertible {
    var storedValue: LedgerValue { .real(self) }
    init?(storedValue: LedgerValue) {
        switch storedValue {
        case .real(let value): self = value
        case .integer(let value): self = Double(value)
        default: return nil
        }
    }
}

extension String: LedgerValueConvertible {
    var storedValue: LedgerValue { .text(self) }
    init?(storedValue: LedgerValue) {
        guard case .text(let value) = storedValue else { return nil }
        self = value
    }
}

extension Bool: LedgerValueConvertible {
    /// Stored as the integer 0 or 1 (both engines' columns are integers).
    var storedValue: LedgerValue { .integer(self ? 1 : 0) }
    init?(storedValue: LedgerValue) {
        switch storedValue {
        case .integer(let value): self = value != 0
        case .real(let value): self = value != 0
        default: return nil
        }
    }
}

extension Optional: LedgerValueConvertible where Wrapped: LedgerValueConvertible {
    var storedValue: LedgerValue { self?.storedValue ?? .null }
    init?(storedValue: LedgerValue) {
        if storedValue == .null {
            self = .none
        } else if let value = Wrapped(storedValue: storedValue) {
            self = .some(value)
        } else {
            return nil
        }
    }
}

/// The values bound to a statement's `?` placeholders, in order.
struct LedgerArguments: ExpressibleByArrayLiteral, Sendable {
    /// The stored values.
    private(set) var values: [LedgerValue]

    init(arrayLiteral elements: (any LedgerValueConvertible)?...) {
        values = elements.map { $0?.storedValue ?? .null }
    }

    /// Appends one value.
    mutating func append(_ value: (any LedgerValueConvertible)?) { values.append(value?.storedValue ?? .null) }

    /// The values, refusing text with a NUL character on every engine (PostgreSQL's text cannot
    /// hold one; the same rule on SQLite keeps the engines' answers alike). Audit details are
    /// JSON, where a NUL is the escape `\u0000`, so a refused request quoting one is recorded.
    /// - Throws: ``PrivacyLedgerError/invalidParameter(name:value:reason:)``.
    func checked() throws(PrivacyLedgerError) -> [LedgerValue] {
        for case .text(let text) in values where text.utf8.contains(0) {
            throw .invalidParameter(
                name: "text", value: "(a value with a NUL character)",
                reason: "the ledger does not store NUL characters")
        }
        return values
    }
}

/// One row of a result: its columns' names and values, in the order selected.
struct LedgerRow: Sendable {
    /// The column names, in order (shared by every row of one result).
    let columns: [String]
    /// The values, in order.
    let values: [LedgerValue]

    /// The value of `column` (case-insensitive), or `nil` when the result has no such column.
    subscript(column: String) -> LedgerValue? {
        if let index = columns.firstIndex(of: column) { return values[index] }
        let lowered = column.lowercased()
        return columns.firstIndex { $0.lowercased() == lowered }.map { values[$0] }
    }

    /// The value of `column` as `Value`. The ledger's tables can be edited or damaged outside
    /// the kernel (the `ledger` fuzz target stored a blob in `audit.time`), so every ledger read
    /// goes through here and such a value is a typed error naming the column, never a crash.
    /// The message does not quote the stored value.
    /// - Throws: ``PrivacyLedgerError/storage(reason:)``.
    /// - Complexity: O(columns) plus the conversion.
    func ledgerValue<Value: LedgerValueConvertible>(
        _ column: String, as type: Value.Type = Value.self
    ) throws(PrivacyLedgerError) -> Value {
        guard let value = Value(storedValue: self[column] ?? .null) else {
            throw .storage(
                reason:
                    "the ledger column '\(column)' holds a value of the wrong type (the ledger was edited or is damaged; run `privacy-kernel ledger audit-verify`)"
            )
        }
        return value
    }
}

/// The SQL fragments in which the ledger's two engines differ.
enum LedgerDialect: Sendable {
    case sqlite
    case postgres

    /// The text of the string member `key` of the JSON object in column `column` (`NULL` when
    /// absent). The expression matches the one the engine's index on it was built with.
    func jsonText(_ column: String, _ key: String) -> String {
        switch self {
        case .sqlite: "json_extract(\(column), '$.\(key)')"
        // PostgreSQL's JSON parser refuses the escape `\u0000` anywhere in the text (it cannot
        // hold a NUL), and an audit entry may quote a refused request that held one — it must
        // still be recorded. Such entries read as having no member `key` (they are refusals,
        // which record no state; a state entry misread so would fail the state check closed).
        case .postgres: "(CASE WHEN strpos(\(column), '\\u0000') = 0 THEN \(column)::json ->> '\(key)' END)"
        }
    }
}

/// A connection inside one transaction of the ledger's storage. Statements use `?`
/// placeholders; each engine's implementation binds ``LedgerArguments`` and returns
/// ``LedgerRow``s. Errors other than ``PrivacyLedgerError`` are the engine's and become
/// ``PrivacyLedgerError/storage(reason:)`` at the transaction's boundary.
protocol LedgerDatabase: AnyObject {
    /// The engine.
    var dialect: LedgerDialect { get }

    /// Runs one statement and returns the number of rows it inserted, updated or deleted.
    @discardableResult
    func execute(sql: String, arguments: LedgerArguments) throws -> Int

    /// Every row of one query.
    func rows(sql: String, arguments: LedgerArguments) throws -> [LedgerRow]

    /// The first row of one query, or `nil`.
    func row(sql: String, arguments: LedgerArguments) throws -> LedgerRow?

    /// Calls `body` with each row of one query in turn (SQLite streams them; PostgreSQL
    /// collects the result first).
    func forEachRow(sql: String, arguments: LedgerArguments, _ body: (LedgerRow) throws -> Void) throws

    /// Whether the table `name` exists.
    func tableExists(_ name: String) throws -> Bool

    /// Runs one statement whose result nobody reads, possibly later: an engine may send it
    /// without waiting (PostgreSQL), in which case its error surfaces at the transaction's next
    /// statement or commit — never after the transaction commits.
    func executeLater(sql: String, arguments: LedgerArguments) throws
}

extension LedgerDatabase {
    /// Runs one statement without arguments.
    @discardableResult
    func execute(sql: String) throws -> Int { try execute(sql: sql, arguments: []) }

    /// Every row of one query without arguments.
    func rows(sql: String) throws -> [LedgerRow] { try rows(sql: sql, arguments: []) }

    /// The first row of one query without arguments, or `nil`.
    func row(sql: String) throws -> LedgerRow? { try row(sql: sql, arguments: []) }

    /// The first column of the first row of one query, or `nil` (no row, or `NULL`).
    /// - Throws: ``PrivacyLedgerError/storage(reason:)`` when the value has another type.
    func value<Value: LedgerValueConvertible>(
        _ type: Value.Type, sql: String, arguments: LedgerArguments = []
    ) throws -> Value? {
        guard let row = try row(sql: sql, arguments: arguments), let first = row.values.first, first != .null else {
            return nil
        }
        return try row.ledgerValue(row.columns[0], as: Value.self)
    }

    /// The first column of every row of one query (a `NULL` is an error unless `Value` is optional).
    func values<Value: LedgerValueConvertible>(
        _ type: Value.Type, sql: String, arguments: LedgerArguments = []
    ) throws -> [Value] {
        try rows(sql: sql, arguments: arguments).map { row throws(PrivacyLedgerError) in
            try row.ledgerValue(row.columns[0], as: Value.self)
        }
    }
}

/// Where a ledger's storage lives and how it runs transactions: one implementation per engine.
protocol LedgerStorage: Sendable {
    /// The engine.
    var dialect: LedgerDialect { get }

    /// Runs `body` in one write transaction that excludes every other writer of the same
    /// ledger (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: the ledger's lock row `FOR UPDATE`, so
    /// also across service instances sharing one database). Commits when `body` returns,
    /// rolls back when it throws. `synced: false` lets the commit skip waiting for stable
    /// storage (it still survives any process crash). `exclusive: false` lets an engine that can
    /// (PostgreSQL) skip excluding other writers, for writes whose table constraints alone keep
    /// them right.
    func write<T>(synced: Bool, exclusive: Bool, _ body: (any LedgerDatabase) throws -> T) throws -> T

    /// Runs `body` in one read transaction on a consistent snapshot.
    func read<T>(_ body: (any LedgerDatabase) throws -> T) throws -> T
}
