import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// The ledger in a PostgreSQL database (through postgres-nio), for a platform whose service runs
/// as several instances sharing one database, or whose operators want the ledger in the
/// database they already back up and replicate.
///
/// The schema is the SQLite ledger's, in PostgreSQL's types (``PostgresSchema``). Every write
/// transaction first locks the ledger's one lock row (`SELECT … FROM ledger_lock FOR UPDATE`),
/// so writers are serialised across every process and instance sharing the database, exactly as
/// SQLite's `BEGIN IMMEDIATE` serialises them on one file; a charge re-reads the accountant
/// after taking the lock, so no interleaving can overspend. Reads run in `REPEATABLE READ READ
/// ONLY` transactions (one consistent snapshot, never blocking the writer). Commits are
/// synchronous (`synchronous_commit = on`) unless the caller asks for an unsynced one.
///
/// Connections are opened on demand and kept (up to ``maximumIdleConnections``) for reuse; a
/// connection that failed is dropped. The calls block the calling thread (they are the ledger's
/// synchronous API): call them from a thread that may block — never an event loop.
final class PostgresStorage: LedgerStorage, @unchecked Sendable {
    /// The URL without its password (for messages and ``SQLiteLedger/path``).
    let location: String
    /// Whether every transaction is read-only (``SQLiteLedger/Access/readOnly``).
    let readOnly: Bool
    /// Idle connections kept for reuse.
    static let maximumIdleConnections = 32

    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let lock = NSLock()
    private var idle: [PostgresConnection] = []
    private var nextID = 0

    var dialect: LedgerDialect { .postgres }

    /// Connects to the database named by `url` and makes sure it holds this version's ledger
    /// schema, creating it in an empty database (unless `readOnly`).
    ///
    /// - Parameter url: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]`
    ///   (also `postgresql://`); the password may instead come from the `PGPASSWORD` environment
    ///   variable. Default port 5432, `sslmode=prefer` off loopback and `disable` on it.
    /// - Throws: ``PrivacyLedgerError/invalidParameter(name:value:reason:)`` for a malformed URL,
    ///   ``PrivacyLedgerError/storage(reason:)`` when the server cannot be reached or the
    ///   schema cannot be created, ``PrivacyLedgerError/notALedger(path:reason:)`` when the
    ///   database holds something else.
    init(url: String, readOnly: Bool) throws(PrivacyLedgerError) {
        let parsed = try Self.parse(url)
        configuration = parsed.configuration
        location = parsed.location
        self.readOnly = readOnly
        var logger = Logger(label: "privacy-ledger.postgres")
        logger.logLevel = .critical
        self.logger = logger
        try PostgresSchema.prepare(self, readOnly: readOnly)
    }

    deinit {
        for connection in idle { Self.close(connection) }
    }

    /// Whether `location` names a PostgreSQL ledger (`postgres://` or `postgresql://`).
    static func isPostgresURL(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    // MARK: Transactions

    func write<T>(synced: Bool, exclusive: Bool, _ body: (any LedgerDatabase) throws -> T) throws -> T {
        guard !readOnly else {
            throw PrivacyLedgerError.storage(reason: "the ledger '\(location)' is open read-only")
        }
        return try transaction(
            begin: synced ? ["BEGIN"] : ["BEGIN", "SET LOCAL synchronous_commit = off"], lock: exclusive, body)
    }

    func read<T>(_ body: (any LedgerDatabase) throws -> T) throws -> T {
        try transaction(begin: ["BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"], lock: false, body)
    }

    /// Runs `body` in one transaction on a pooled connection: the statements of `begin`, the
    /// lock row when `lock`, `body`, then `COMMIT` (or `ROLLBACK` when anything throws).
    private func transaction<T>(
        begin: [String], lock: Bool, _ body: (any LedgerDatabase) throws -> T
    ) throws -> T {
        let connection = try checkOut()
        let database = PostgresLedgerConnection(connection: connection, logger: logger)
        do {
            // BEGIN travels with the first statement (no wait of its own); the first statement
            // waits for it, so nothing runs outside the transaction.
            for statement in begin { try database.executeLater(sql: statement, arguments: []) }
            if lock { try database.execute(sql: "SELECT id FROM ledger_lock WHERE id = 1 FOR UPDATE", arguments: []) }
            let result = try body(database)
            try database.execute(sql: "COMMIT", arguments: [])
            checkIn(connection)
            return result
        } catch {
            if (try? database.execute(sql: "ROLLBACK", arguments: [])) != nil {
                checkIn(connection)
            } else {
                Self.close(connection)
            }
            throw error
        }
    }

    /// Runs `body` on a pooled connection outside any transaction (schema preparation).
    func withConnection<T>(_ body: (PostgresLedgerConnection) throws -> T) throws -> T {
        let connection = try checkOut()
        do {
            let result = try body(PostgresLedgerConnection(connection: connection, logger: logger))
            checkIn(connection)
            return result
        } catch {
            Self.close(connection)
            throw error
        }
    }

    private func checkOut() throws -> PostgresConnection {
        let reused: PostgresConnection? = lock.withLock {
            while let connection = idle.popLast() {
                if !connection.isClosed { return connection }
                Self.close(connection)
            }
            return nil
        }
        if let reused { return reused }
        let id = lock.withLock {
            nextID += 1
            return nextID
        }
        do {
            return try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: id,
                logger: logger
            ).wait()
        } catch {
            throw PrivacyLedgerError.storage(
                reason:
                    "cannot connect to the ledger database '\(location)': \(PostgresLedgerConnection.describe(error))")
        }
    }

    private func checkIn(_ connection: PostgresConnection) {
        let keep = lock.withLock {
            guard idle.count < Self.maximumIdleConnections, !connection.isClosed else { return false }
            idle.append(connection)
            return true
        }
        if !keep { Self.close(connection) }
    }

    /// Closes `connection`, waiting for it unless on its own event loop (where waiting would
    /// deadlock; the close then completes in the background).
    private static func close(_ connection: PostgresConnection) {
        let closed: EventLoopFuture<Void> = connection.close()
        if connection.eventLoop.inEventLoop {
            Unclosed.keep(connection)
        } else {
            try? closed.wait()
        }
    }

    /// Connections closed from their own event loop, kept alive until their close completes
    /// (postgres-nio asserts that a connection is closed when it is released).
    private enum Unclosed {
        nonisolated(unsafe) static var connections: [PostgresConnection] = []
        static let lock = NSLock()
        static func keep(_ connection: PostgresConnection) {
            lock.withLock { connections.append(connection) }
        }
    }

    /// Creates the empty database `name` on the server `url` names (connecting to `url`'s own
    /// database) and returns `url` naming the new database. For throwaway ledgers (tests,
    /// benchmarks); a platform's DBA creates its ledger's database.
    /// - Throws: ``PrivacyLedgerError/invalidParameter(name:value:reason:)`` unless `name` is
    ///   lowercase letters, digits and `_`; ``PrivacyLedgerError/storage(reason:)`` on a server error.
    static func createDatabase(named name: String, onServer url: String) throws(PrivacyLedgerError) -> String {
        guard !name.isEmpty,
            name.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F })
        else {
            throw .invalidParameter(name: "database", value: name, reason: "use lowercase letters, digits and _")
        }
        let parsed = try parse(url)
        do {
            let connection = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: parsed.configuration, id: 0,
                logger: Logger(label: "privacy-ledger.postgres")
            ).wait()
            defer { close(connection) }
            _ = try PostgresLedgerConnection(connection: connection, logger: Logger(label: "privacy-ledger.postgres"))
                .run("CREATE DATABASE \(name)", [])
        } catch let error as PrivacyLedgerError {
            throw error
        } catch {
            throw .storage(reason: "cannot create the database '\(name)': \(PostgresLedgerConnection.describe(error))")
        }
        guard var components = URLComponents(string: url) else { throw .storage(reason: "unreachable") }
        components.path = "/" + name
        return components.string ?? url
    }

    // MARK: URL

    struct ParsedURL {
        var configuration: PostgresConnection.Configuration
        var location: String
    }

    static func parse(_ url: String) throws(PrivacyLedgerError) -> ParsedURL {
        func invalid(_ reason: String) -> PrivacyLedgerError {
            .invalidParameter(name: "ledger", value: redacted(url), reason: reason)
        }
        guard isPostgresURL(url), let components = URLComponents(string: url) else {
            throw invalid("not a postgres://USER@HOST[:PORT]/DATABASE URL")
        }
        guard let host = components.host, !host.isEmpty else { throw invalid("the URL names no host") }
        guard let user = components.user, !user.isEmpty else { throw invalid("the URL names no user") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw invalid("the URL names no database") }
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw invalid("the port must be between 1 and 65535") }
        let password = components.password ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
        let loopback = host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
        var mode = loopback ? "disable" : "prefer"
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, ["disable", "prefer", "require"].contains(value) else {
                    throw invalid("sslmode must be disable, prefer or require")
                }
                mode = value
            default:
                throw invalid("unknown URL parameter '\(item.name)' (only sslmode)")
            }
        }
        let tls: PostgresConnection.Configuration.TLS
        if mode == "disable" {
            tls = .disable
        } else {
            do {
                let context = try NIOSSLContext(configuration: .makeClientConfiguration())
                tls = mode == "require" ? .require(context) : .prefer(context)
            } catch {
                throw .storage(reason: "cannot set up TLS for the ledger database: \(error)")
            }
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        return ParsedURL(configuration: configuration, location: redacted(url))
    }

    /// `url` without its password.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = nil
        return components.string ?? "postgres://…"
    }
}

/// A PostgreSQL connection inside one transaction, as a ``LedgerDatabase``: `?` placeholders
/// become `$1…$n`; values are bound in binary with their own types (bigint, double precision,
/// text, bytea) and results decoded by their columns' types.
final class PostgresLedgerConnection: LedgerDatabase {
    let connection: PostgresConnection
    let logger: Logger
    /// Statements sent without waiting (``executeLater(sql:arguments:)``), oldest first; every
    /// waited statement first waits for these, so their errors surface before it returns.
    private var pending: [EventLoopFuture<PostgresQueryResult>] = []

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    var dialect: LedgerDialect { .postgres }

    @discardableResult
    func execute(sql: String, arguments: LedgerArguments) throws -> Int {
        try run(sql, arguments).metadata.rows ?? 0
    }

    func rows(sql: String, arguments: LedgerArguments) throws -> [LedgerRow] {
        let result = try run(sql, arguments)
        guard let first = result.rows.first else { return [] }
        let columns = first.map(\.columnName)
        return try result.rows.map { row in LedgerRow(columns: columns, values: try row.map(Self.value)) }
    }

    func row(sql: String, arguments: LedgerArguments) throws -> LedgerRow? {
        try rows(sql: sql, arguments: arguments).first
    }

    func forEachRow(sql: String, arguments: LedgerArguments, _ body: (LedgerRow) throws -> Void) throws {
        for row in try rows(sql: sql, arguments: arguments) { try body(row) }
    }

    /// Sends one statement without waiting for it: the connection runs statements in order, so
    /// the next waited statement (at the latest the transaction's `COMMIT`) sees its effect and
    /// throws its error. Saves a round trip's wait for statements whose result nobody reads.
    func executeLater(sql: String, arguments: LedgerArguments) throws {
        pending.append(try send(sql, arguments))
    }

    func tableExists(_ name: String) throws -> Bool {
        try row(
            sql: "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?",
            arguments: [name]) != nil
    }

    /// Runs one statement after the pending ones; throws the first error among them.
    func run(_ sql: String, _ arguments: LedgerArguments) throws -> PostgresQueryResult {
        let future = try send(sql, arguments)
        var earlier: (any Error)?
        for statement in pending {
            do { _ = try statement.wait() } catch { earlier = earlier ?? error }
        }
        pending.removeAll()
        let result: PostgresQueryResult
        do { result = try future.wait() } catch {
            throw PrivacyLedgerError.storage(reason: Self.describe(earlier ?? error))
        }
        if let earlier { throw PrivacyLedgerError.storage(reason: Self.describe(earlier)) }
        return result
    }

    /// Sends one statement: `?` → `$n`, binary binds by the values' own types.
    private func send(_ sql: String, _ arguments: LedgerArguments) throws -> EventLoopFuture<PostgresQueryResult> {
        var bindings = PostgresBindings(capacity: arguments.values.count)
        for value in try arguments.checked() {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let integer): bindings.append(integer)
            case .real(let real): bindings.append(real)
            case .text(let text): bindings.append(text)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            }
        }
        return connection.query(
            PostgresQuery(unsafeSQL: Self.numberedPlaceholders(sql), binds: bindings), logger: logger)
    }

    /// `sql` with each `?` outside quotes replaced by `$1`, `$2`, ….
    static func numberedPlaceholders(_ sql: String) -> String {
        guard sql.utf8.contains(UInt8(ascii: "?")) else { return sql }
        var out = ""
        out.reserveCapacity(sql.utf8.count + 8)
        var number = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                out.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                out.append(character)
            } else if character == "?" {
                number += 1
                out += "$\(number)"
            } else {
                out.append(character)
            }
        }
        return out
    }

    /// A stored value from one result cell, by the column's type.
    static func value(_ cell: PostgresCell) throws -> LedgerValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .numeric:
            // sum() over bigint columns: an integer when whole and in range.
            let text = try cell.decode(Decimal.self).description
            if let integer = Int64(text) { return .integer(integer) }
            guard let real = Double(text) else {
                throw PrivacyLedgerError.storage(reason: "the ledger database returned the number '\(text)'")
            }
            return .real(real)
        case .bytea: return .blob(Array(buffer: cell.bytes!))
        default: return .text(try cell.decode(String.self))
        }
    }

    /// The server's message for an error (never the statement's bound values).
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let code = error.serverInfo?[.sqlState].map { " [\($0)]" } ?? ""
                return "PostgreSQL: \(message)\(code)"
            }
            return "PostgreSQL: \(error.code)"
        }
        return "\(error)"
    }
}

extension SQLiteLedger {
    /// Whether `location` holds a ledger: an existing file, or a PostgreSQL database (a
    /// `postgres://` URL) with this version's ledger schema. Commands that must not create a
    /// ledger check this first, so a mistyped location is an error rather than a new ledger.
    /// - Throws: ``PrivacyLedgerError/storage(reason:)`` when the server cannot be reached;
    ///   ``PrivacyLedgerError/notALedger(path:reason:)`` when the database holds another schema
    ///   version; ``PrivacyLedgerError/invalidParameter(name:value:reason:)`` for a malformed URL.
    public static func exists(at location: String) throws(PrivacyLedgerError) -> Bool {
        guard PostgresStorage.isPostgresURL(location) else { return FileManager.default.fileExists(atPath: location) }
        do {
            _ = try PostgresStorage(url: location, readOnly: true)
            return true
        } catch {
            if case .notALedger(_, let reason) = error, reason == PostgresSchema.noSchemaReason { return false }
            throw error
        }
    }

    /// `location` fit to print: a PostgreSQL URL without its password; a path as it is.
    public static func displayLocation(_ location: String) -> String {
        PostgresStorage.isPostgresURL(location) ? PostgresStorage.redacted(location) : location
    }

    /// Whether the ledger lives in PostgreSQL (its ``path`` is then the URL without password).
    public var isPostgres: Bool { storage.dialect == .postgres }
}
