import Foundation
import GRDB

/// The ledger's embedded engine: one SQLite file in WAL mode through GRDB — a pool (one writer
/// connection, concurrent readers on their own snapshots) for a read-write ledger, a queue for a
/// read-only one. Writes run in `BEGIN IMMEDIATE` transactions, so several processes may share
/// one file.
struct SQLiteStorage: LedgerStorage {
    let database: any DatabaseWriter
    let durability: SQLiteLedger.Durability

    var dialect: LedgerDialect { .sqlite }

    func write<T>(synced: Bool, exclusive: Bool, _ body: (any LedgerDatabase) throws -> T) throws -> T {
        try database.writeWithoutTransaction { db in
            let relax = !synced && durability == .full
            if relax { try db.cachedStatement(sql: "PRAGMA synchronous = NORMAL").execute() }
            defer { if relax { try? db.cachedStatement(sql: "PRAGMA synchronous = FULL").execute() } }
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(SQLiteConnection(db))
                return .commit
            }
            return result!
        }
    }

    func read<T>(_ body: (any LedgerDatabase) throws -> T) throws -> T {
        try database.read { db in try body(SQLiteConnection(db)) }
    }
}

/// A GRDB connection inside one transaction, as a ``LedgerDatabase``: every statement through
/// the connection's statement cache (the release path runs the same dozen statements for every
/// release, so each is compiled once per connection).
final class SQLiteConnection: LedgerDatabase {
    let db: Database

    init(_ db: Database) { self.db = db }

    var dialect: LedgerDialect { .sqlite }

    @discardableResult
    func execute(sql: String, arguments: LedgerArguments) throws -> Int {
        try db.cachedStatement(sql: sql).execute(arguments: try Self.bind(arguments))
        return db.changesCount
    }

    func rows(sql: String, arguments: LedgerArguments) throws -> [LedgerRow] {
        var rows: [LedgerRow] = []
        try forEachRow(sql: sql, arguments: arguments) { rows.append($0) }
        return rows
    }

    func row(sql: String, arguments: LedgerArguments) throws -> LedgerRow? {
        try Row.fetchOne(db.cachedStatement(sql: sql), arguments: try Self.bind(arguments)).map(Self.row)
    }

    func forEachRow(sql: String, arguments: LedgerArguments, _ body: (LedgerRow) throws -> Void) throws {
        let statement = try db.cachedStatement(sql: sql)
        let columns = statement.columnNames
        let cursor = try Row.fetchCursor(statement, arguments: try Self.bind(arguments))
        while let row = try cursor.next() {
            try body(LedgerRow(columns: columns, values: row.databaseValues.map(Self.value)))
        }
    }

    func tableExists(_ name: String) throws -> Bool { try db.tableExists(name) }

    func executeLater(sql: String, arguments: LedgerArguments) throws { try execute(sql: sql, arguments: arguments) }

    static func bind(_ arguments: LedgerArguments) throws -> StatementArguments {
        StatementArguments(
            try arguments.checked().map { value -> DatabaseValue in
                switch value {
                case .null: .null
                case .integer(let integer): integer.databaseValue
                case .real(let real): real.databaseValue
                case .text(let text): text.databaseValue
                case .blob(let bytes): Data(bytes).databaseValue
                }
            })
    }

    static func value(_ value: DatabaseValue) -> LedgerValue {
        switch value.storage {
        case .null: .null
        case .int64(let integer): .integer(integer)
        case .double(let real): .real(real)
        case .string(let text): .text(text)
        case .blob(let data): .blob([UInt8](data))
        }
    }

    static func row(_ row: Row) -> LedgerRow {
        LedgerRow(columns: Array(row.columnNames), values: row.databaseValues.map(value))
    }
}
