import DifferentialPrivacy
public import Foundation
import GRDB

/// The durable privacy ledger: one SQLite file (WAL, schema migrations) — or, when `path` is a
/// `postgres://` URL, a PostgreSQL database (the same tables; see docs/ledger.md) — holding datasets and
/// their column classification, authorisations with their status history and durable budget
/// state, every release with its cost metering, and a hash-chained append-only audit log.
///
/// Several processes may share one file: every change runs in one `BEGIN IMMEDIATE`
/// transaction (one writer at a time, others wait up to ``busyTimeout``), and a charge
/// re-reads the authorisation's accountant inside its transaction, so no interleaving can
/// overspend. A charge is committed (and, with ``Durability/full``, synced) before the release's
/// noise is sampled, so a crash at any point never forgets spent budget.
///
/// Thread-safe: SQLite through one writer connection and a pool of readers; PostgreSQL
/// through a pool of connections, every write transaction holding the ledger's lock row.
public final class SQLiteLedger: Sendable {
    /// How far a commit reaches before it returns.
    public enum Durability: String, Sendable, Hashable, Codable, CaseIterable {
        /// `synchronous = FULL`: the WAL is synced at every commit; survives power loss.
        case full
        /// `synchronous = NORMAL`: survives any process crash (SIGKILL); the last commits may be
        /// lost on power loss. Faster.
        case normal
    }

    /// The SQLite file, or the PostgreSQL URL without its password.
    public let path: String
    /// The durability of commits.
    public let durability: Durability
    /// How long a writer waits for another process's transaction, in seconds.
    public let busyTimeout: TimeInterval
    /// The principal this connection acts for, when the ledger takes signed requests: each
    /// audit entry its requests write is signed with the identity's key, and refused unless the
    /// identity is a registered, active principal holding the role the action needs
    /// (``registerPrincipal(_:roles:actor:)``). `nil`: no identity (names only; refused by a
    /// ledger that takes signed requests).
    public let identity: LedgerIdentity?
    /// The verified request this connection acts for, when it is the platform service's
    /// connection acting for a remote principal (``acting(for:)``): entries are then the
    /// request principal's, signed by the service's ``identity`` (a `platform` principal) and
    /// carrying the principal's own request signature. `nil` otherwise.
    public let delegation: VerifiedRequest?
    /// The engine the ledger's tables live in (``SQLiteStorage`` or ``PostgresStorage``).
    let storage: any LedgerStorage
    let clock: @Sendable () -> Date

    /// Audit entries younger than this many months are never purged (network logs are kept at
    /// least 6 months).
    public static let retentionMonths = 6
    /// The longest term of an authorisation, after its trial: 2 years.
    public static let maximumTermYears = 2
    /// The longest trial operation: 6 months.
    public static let maximumTrialMonths = 6

    /// How a ledger file is opened.
    public enum Access: String, Sendable, Hashable, CaseIterable {
        /// Create the file if missing, migrate its schema, and allow every operation.
        case readWrite
        /// For verification and reporting (`status`, `history`, `audit-verify`): the file is
        /// opened read-only, never created or migrated, and refused with
        /// ``PrivacyLedgerError/notALedger(path:reason:)`` unless it holds exactly this version's
        /// schema; any write fails. Works on a read-only copy of a ledger.
        case readOnly
    }

    /// Opens the ledger at `path`: with ``Access/readWrite`` (the default) creating and migrating
    /// it if needed — safe when several processes open a new file at once — or, with
    /// ``Access/readOnly``, reading an existing ledger without changing a byte of it.
    ///
    /// - Parameters:
    ///   - path: the SQLite file; its directory must exist.
    ///   - durability: see ``Durability`` (default `.full`).
    ///   - busyTimeout: seconds to wait for another process's write transaction (default 30).
    ///   - access: see ``Access`` (default `.readWrite`).
    ///   - identity: the principal this connection acts for (see ``identity``).
    ///   - clock: the time source (tests pass a fixed or shifted clock).
    /// - Throws: ``PrivacyLedgerError/storage(reason:)`` when the file cannot be opened or
    ///   migrated; ``PrivacyLedgerError/notALedger(path:reason:)`` for a read-only open of a file
    ///   that is not a ledger of this version.
    public init(
        path: String, durability: Durability = .full, busyTimeout: TimeInterval = 30,
        access: Access = .readWrite, identity: LedgerIdentity? = nil,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) throws(PrivacyLedgerError) {
        self.identity = identity
        self.delegation = nil
        self.durability = durability
        self.busyTimeout = busyTimeout
        self.clock = clock
        if PostgresStorage.isPostgresURL(path) {
            let postgres = try PostgresStorage(url: path, readOnly: access == .readOnly)
            self.path = postgres.location
            storage = postgres
            if access == .readWrite {
                do { try Self.createAuditHead(storage, time: clock()) } catch let error as PrivacyLedgerError {
                    throw error
                } catch {
                    throw .storage(reason: "cannot open ledger '\(postgres.location)': \(error)")
                }
            }
            return
        }
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "privacy-ledger"
        if access == .readOnly {
            storage = SQLiteStorage(
                database: try Self.openForReading(path: path, configuration: configuration), durability: durability)
            return
        }
        let synchronous = durability == .full ? "FULL" : "NORMAL"
        configuration.prepareDatabase { db in
            // WAL: readers never block the writer; commits append to the log.
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            guard mode == "wal" else {
                throw DatabaseError(message: "could not activate WAL mode (got \(mode ?? "nil"))")
            }
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        do {
            let database = try Self.openRetryingWhileBusy(path: path, configuration: configuration)
            try Self.migrate(database)
            storage = SQLiteStorage(database: database, durability: durability)
            try Self.createAuditHead(storage, time: clock())
        } catch {
            throw .storage(reason: "cannot open ledger '\(path)': \(error)")
        }
    }

    /// A connection sharing `base`'s database and clock, acting for `delegation`.
    init(sharing base: SQLiteLedger, delegation: VerifiedRequest) {
        path = base.path
        identity = base.identity
        self.delegation = delegation
        durability = base.durability
        busyTimeout = base.busyTimeout
        storage = base.storage
        clock = base.clock
    }

    /// Writes the ledger's first audit entry (`ledger-created`) unless the log has a head:
    /// a new ledger's first writer does, once, whichever process or instance that is.
    static func createAuditHead(_ storage: any LedgerStorage, time: @autoclosure () -> Date) throws {
        guard try storage.read({ db in try db.row(sql: "SELECT 1 FROM audit_head") == nil }) else { return }
        try storage.write(synced: true, exclusive: true) { db in
            if try db.row(sql: "SELECT 1 FROM audit_head") == nil {
                try AuditLog.append(
                    db, time: time(), actor: "platform", action: "ledger-created",
                    details: try LedgerState.recording(LedgerState.settingsKey, in: ["schema": "v1"], db))
            }
        }
    }

    /// Opens the connection, retrying (up to 20 times, 10–200 ms apart) while another process
    /// holds the lock that switching a new file to WAL needs: SQLite answers that pragma with
    /// `SQLITE_BUSY` at once instead of waiting for the busy timeout.
    static func openRetryingWhileBusy(path: String, configuration: Configuration) throws -> DatabasePool {
        var attempt = 0
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError
                where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED) && attempt < 20
            {
                attempt += 1
                usleep(UInt32(10_000 * min(attempt, 20)))
            }
        }
    }

    /// Migrates `database`, tolerating other processes that migrate the same new file at the
    /// same moment: GRDB checks which migrations are applied before it takes the write lock, so
    /// two processes may both try the first one; the loser's transaction rolls back and it
    /// retries (up to 8 times), finding the migration applied.
    static func migrate(_ database: any DatabaseWriter) throws {
        var attempt = 0
        while true {
            do {
                try migrator.migrate(database)
                return
            } catch {
                attempt += 1
                if try database.read({ db in try migrator.hasCompletedMigrations(db) }) { return }
                guard attempt < 8 else { throw error }
                usleep(UInt32(10_000 * attempt))
            }
        }
    }

    /// Opens an existing ledger read-only after checking that it is one: a non-empty SQLite
    /// file whose applied migrations are exactly this version's and that has an audit head.
    static func openForReading(
        path: String, configuration base: Configuration
    ) throws(PrivacyLedgerError)
        -> DatabaseQueue
    {
        var attributes: [FileAttributeKey: Any] = [:]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw .notALedger(path: path, reason: "no such file")
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw .notALedger(path: path, reason: "not a regular file")
        }
        guard (attributes[.size] as? NSNumber)?.intValue ?? 0 > 0 else {
            throw .notALedger(path: path, reason: "the file is empty")
        }
        var configuration = base
        configuration.readonly = true
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA foreign_keys = ON") }
        let database: DatabaseQueue
        let applied: [String]
        let hasHead: Bool
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
            (applied, hasHead) = try database.read { db in
                guard try db.tableExists("grdb_migrations") else { return ([], false) }
                let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
                let hasHead =
                    try db.tableExists("audit_head") && Row.fetchOne(db, sql: "SELECT 1 FROM audit_head") != nil
                return (applied, hasHead)
            }
        } catch {
            throw .notALedger(path: path, reason: "not a readable SQLite database (\(error))")
        }
        let known = migrator.migrations
        guard !applied.isEmpty else {
            throw .notALedger(path: path, reason: "an SQLite file without the ledger's schema")
        }
        if let unknown = applied.first(where: { !known.contains($0) }) {
            throw .notALedger(
                path: path, reason: "schema migration '\(unknown)' is not one of this version's (a newer ledger?)")
        }
        if let missing = known.first(where: { !applied.contains($0) }) {
            throw .notALedger(
                path: path,
                reason: "schema migration '\(missing)' is not applied (an older ledger: open it read-write once)")
        }
        guard hasHead else { throw .notALedger(path: path, reason: "the audit log has no head") }
        return database
    }

    /// The schema, as ordered migrations (never edit a shipped migration; add one).
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    INSERT INTO settings VALUES ('minimum_k', '5'), ('minimum_cell_count', '10');
                    CREATE TABLE datasets (name TEXT PRIMARY KEY, registered_at REAL NOT NULL);
                    CREATE TABLE columns (
                        dataset TEXT NOT NULL REFERENCES datasets(name),
                        name TEXT NOT NULL,
                        level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
                        PRIMARY KEY (dataset, name));
                    CREATE TABLE authorisations (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        operator TEXT NOT NULL,
                        scenario TEXT NOT NULL,
                        budget TEXT NOT NULL,
                        accounting TEXT NOT NULL,
                        valid_from REAL NOT NULL,
                        trial_until REAL NOT NULL,
                        valid_to REAL NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'terminated')),
                        accountant TEXT NOT NULL,
                        spent REAL NOT NULL,
                        granted_at REAL NOT NULL);
                    CREATE UNIQUE INDEX one_live_authorisation ON authorisations(operator, scenario) WHERE status != 'terminated';
                    CREATE TABLE authorisation_columns (
                        authorisation_id INTEGER NOT NULL REFERENCES authorisations(id),
                        dataset TEXT NOT NULL,
                        name TEXT NOT NULL,
                        PRIMARY KEY (authorisation_id, dataset, name),
                        FOREIGN KEY (dataset, name) REFERENCES columns(dataset, name));
                    CREATE TABLE status_history (
                        authorisation_id INTEGER NOT NULL REFERENCES authorisations(id),
                        time REAL NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL, actor TEXT NOT NULL);
                    CREATE TABLE releases (
                        id TEXT PRIMARY KEY,
                        kind TEXT NOT NULL,
                        authorisation_id INTEGER NOT NULL REFERENCES authorisations(id),
                        operator TEXT NOT NULL, scenario TEXT NOT NULL, dataset TEXT NOT NULL,
                        query TEXT NOT NULL, parameters TEXT NOT NULL,
                        epsilon REAL, delta REAL, rho REAL, noise_scale REAL,
                        result_digest TEXT, rows_scanned INTEGER, cpu_seconds REAL, bytes_exported INTEGER,
                        charged_at REAL NOT NULL, completed_at REAL);
                    CREATE INDEX releases_by_authorisation ON releases(authorisation_id, charged_at);
                    CREATE TABLE derived_data (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        authorisation_id INTEGER NOT NULL REFERENCES authorisations(id),
                        path TEXT NOT NULL, release_id TEXT, created_at REAL NOT NULL, deleted_at REAL);
                    CREATE TABLE audit (
                        sequence INTEGER PRIMARY KEY,
                        time REAL NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, details TEXT NOT NULL,
                        previous_hash TEXT NOT NULL, hash TEXT NOT NULL);
                    CREATE TABLE audit_anchor (id INTEGER PRIMARY KEY CHECK (id = 1), sequence INTEGER NOT NULL, hash TEXT NOT NULL);
                    CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), sequence INTEGER NOT NULL, hash TEXT NOT NULL);
                    """)
        }
        // v2: a steward may declare a dataset's row count public metadata (0 = not declared:
        // reports must not publish it).
        migrator.registerMigration("v2-public-row-count") { db in
            try db.execute(
                sql:
                    "ALTER TABLE datasets ADD COLUMN row_count_public INTEGER NOT NULL DEFAULT 0 CHECK (row_count_public IN (0, 1))"
            )
        }
        // v3: a dataset registered from a file keeps the file's SHA-256 (checked on every use),
        // and each column a role (quasi-identifier, sensitive attribute, identifier).
        migrator.registerMigration("v3-digests-and-roles") { db in
            try db.execute(sql: "ALTER TABLE datasets ADD COLUMN content_digest TEXT")
            try db.execute(
                sql: """
                    ALTER TABLE columns ADD COLUMN role TEXT NOT NULL DEFAULT 'none'
                        CHECK (role IN ('none', 'quasi-identifier', 'sensitive', 'identifier'))
                    """)
        }
        // v4: the governed state is recorded in the audit chain (``LedgerState``). Indexes find an
        // object's last recorded state; a ledger with history gets a baseline snapshot entry.
        migrator.registerMigration("v4-state-in-audit") { db in
            try db.execute(
                sql:
                    "CREATE INDEX audit_state ON audit(\(LedgerDialect.sqlite.jsonText("details", "state_of")), sequence)"
            )
            try db.execute(sql: "CREATE INDEX audit_action ON audit(action, sequence)")
            try db.execute(
                sql: """
                    CREATE TABLE checkpoints (sequence INTEGER NOT NULL, hash TEXT NOT NULL, time REAL NOT NULL,
                                              public_key TEXT NOT NULL, signature TEXT NOT NULL)
                    """)
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM audit")! > 0 {
                let connection = SQLiteConnection(db)
                try AuditLog.append(
                    connection, time: Date(), actor: "platform", action: "state-baseline",
                    details: try LedgerState.recordingSnapshot(
                        in: ["note": "state digests start here; earlier changes are vouched for by the chain only"],
                        connection)
                )
            }
        }
        // v5: principals with Ed25519 keys; the signatures of the audit entries their requests
        // wrote (a signature is over the entry's hash, so the chain's hashes are unchanged).
        migrator.registerMigration("v5-principals") { db in
            try db.execute(
                sql: """
                    CREATE TABLE principals (
                        name TEXT PRIMARY KEY, roles TEXT NOT NULL, public_key TEXT NOT NULL UNIQUE,
                        registered_at REAL NOT NULL,
                        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')));
                    CREATE TABLE audit_signatures (sequence INTEGER PRIMARY KEY, signer TEXT NOT NULL, signature TEXT NOT NULL);
                    """)
        }
        // v6: a review fixes the forms of release and export an authorisation allows, and what
        // its microdata exports must satisfy (NULL: any form; the platform's policy alone).
        migrator.registerMigration("v6-review-forms") { db in
            try db.execute(sql: "ALTER TABLE authorisations ADD COLUMN release_forms TEXT")
            try db.execute(sql: "ALTER TABLE authorisations ADD COLUMN export_requirements TEXT")
        }
        // v7: the nonces of signed service requests, so that a replay is refused
        // (``verifyRequest(_:method:path:body:)``).
        migrator.registerMigration("v7-request-nonces") { db in
            try db.execute(
                sql: "CREATE TABLE request_nonces (nonce TEXT PRIMARY KEY, principal TEXT NOT NULL, time REAL NOT NULL)"
            )
        }
        // v8: the expired nonces are deleted by time at every verified request; without an index
        // that was a scan of every nonce of the last ten minutes per request.
        migrator.registerMigration("v8-request-nonce-time") { db in
            try db.execute(sql: "CREATE INDEX request_nonces_time ON request_nonces (time)")
        }
        // v9: the bytes a release read (the size of the file scanned), for cost metering beside
        // rows_scanned; NULL for older entries and for releases over data given as a table.
        migrator.registerMigration("v9-bytes-scanned") { db in
            try db.execute(sql: "ALTER TABLE releases ADD COLUMN bytes_scanned INTEGER")
        }
        return migrator
    }

    // MARK: Transactions

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction; typed errors pass through, anything
    /// else becomes ``PrivacyLedgerError/storage(reason:)``. On error nothing is committed.
    ///
    /// - Parameter synced: whether this commit must reach stable storage before returning under
    ///   ``Durability/full``. Charges, grants and status changes are synced; a release's outcome
    ///   (its digest and cost) is committed without a sync of its own — it survives any process
    ///   crash and reaches the disk with the next synced commit, so a release costs one sync.
    ///   - exclusive: whether the transaction must exclude every other writer (the default;
    ///     anything that appends to the audit chain or reads state to change it). `false` only
    ///     for a write whose table constraints alone keep it right (a request's nonce); SQLite
    ///     excludes other writers regardless.
    func write<T>(
        synced: Bool = true, exclusive: Bool = true, _ body: (any LedgerDatabase) throws -> T
    ) throws(PrivacyLedgerError) -> T {
        do {
            return try storage.write(synced: synced, exclusive: exclusive, body)
        } catch let error as PrivacyLedgerError {
            throw error
        } catch {
            throw .storage(reason: "\(error)")
        }
    }

    /// Runs `body` in a read transaction.
    func read<T>(_ body: (any LedgerDatabase) throws -> T) throws(PrivacyLedgerError) -> T {
        do {
            return try storage.read(body)
        } catch let error as PrivacyLedgerError {
            throw error
        } catch {
            throw .storage(reason: "\(error)")
        }
    }

    /// The current time of the ledger's clock.
    public var now: Date { clock() }

}

/// A small lock-protected map from stored budget JSON to the decoded budget (cleared beyond
/// 1,024 entries).
final class BudgetCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: PrivacyBudget] = [:]

    func lookup(_ text: String) -> PrivacyBudget? { lock.withLock { entries[text] } }

    func store(_ budget: PrivacyBudget, for text: String) {
        lock.withLock {
            if entries.count > 1_024 { entries.removeAll() }
            entries[text] = budget
        }
    }
}
