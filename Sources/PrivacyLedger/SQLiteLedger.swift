import Crypto
public import DifferentialPrivacy
public import Foundation
import GRDB

/// The durable privacy ledger: one SQLite file (WAL, schema migrations) holding datasets and
/// their column classification, authorisations with their status history and durable budget
/// state, every release with its cost metering, and a hash-chained append-only audit log.
///
/// Several processes may share one file: every change runs in one `BEGIN IMMEDIATE`
/// transaction (one writer at a time, others wait up to ``busyTimeout``), and a charge
/// re-reads the authorisation's accountant inside its transaction, so no interleaving can
/// overspend. A charge is committed (and, with ``Durability/full``, synced) before the release's
/// noise is sampled, so a crash at any point never forgets spent budget.
///
/// Thread-safe: one serialised connection per instance.
public final class SQLiteLedger: Sendable {
    /// How far a commit reaches before it returns.
    public enum Durability: String, Sendable, Hashable, Codable, CaseIterable {
        /// `synchronous = FULL`: the WAL is synced at every commit; survives power loss.
        case full
        /// `synchronous = NORMAL`: survives any process crash (SIGKILL); the last commits may be
        /// lost on power loss. Faster.
        case normal
    }

    /// The file.
    public let path: String
    /// The durability of commits.
    public let durability: Durability
    /// How long a writer waits for another process's transaction, in seconds.
    public let busyTimeout: TimeInterval
    let database: DatabaseQueue
    let clock: @Sendable () -> Date

    /// Audit entries younger than this many months are never purged (network logs are kept at
    /// least 6 months).
    public static let retentionMonths = 6
    /// The longest term of an authorisation, after its trial: 2 years.
    public static let maximumTermYears = 2
    /// The longest trial operation: 6 months.
    public static let maximumTrialMonths = 6

    /// Opens (creating and migrating if needed) the ledger at `path`.
    ///
    /// - Parameters:
    ///   - path: the SQLite file; its directory must exist.
    ///   - durability: see ``Durability`` (default `.full`).
    ///   - busyTimeout: seconds to wait for another process's write transaction (default 30).
    ///   - clock: the time source (tests pass a fixed or shifted clock).
    /// - Throws: ``PrivacyLedgerError/storage(reason:)`` when the file cannot be opened or migrated.
    public init(
        path: String, durability: Durability = .full, busyTimeout: TimeInterval = 30,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) throws(PrivacyLedgerError) {
        self.path = path
        self.durability = durability
        self.busyTimeout = busyTimeout
        self.clock = clock
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "privacy-ledger"
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
            database = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(database)
            if try database.read({ db in try Row.fetchOne(db, sql: "SELECT 1 FROM audit_head") == nil }) {
                try database.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        if try Row.fetchOne(db, sql: "SELECT 1 FROM audit_head") == nil {
                            try AuditLog.append(
                                db, time: clock(), actor: "platform", action: "ledger-created",
                                details: ["schema": "v1"])
                        }
                        return .commit
                    }
                }
            }
        } catch {
            throw .storage(reason: "cannot open ledger '\(path)': \(error)")
        }
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
    func write<T>(synced: Bool = true, _ body: (Database) throws -> T) throws(PrivacyLedgerError) -> T {
        do {
            return try database.writeWithoutTransaction { db in
                let relax = !synced && durability == .full
                if relax { try db.executeCached(sql: "PRAGMA synchronous = NORMAL") }
                defer { if relax { try? db.executeCached(sql: "PRAGMA synchronous = FULL") } }
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch let error as PrivacyLedgerError {
            throw error
        } catch {
            throw .storage(reason: "\(error)")
        }
    }

    /// Runs `body` in a read transaction.
    func read<T>(_ body: (Database) throws -> T) throws(PrivacyLedgerError) -> T {
        do {
            return try database.read { db in try body(db) }
        } catch let error as PrivacyLedgerError {
            throw error
        } catch {
            throw .storage(reason: "\(error)")
        }
    }

    /// The current time of the ledger's clock.
    public var now: Date { clock() }

    // MARK: Policy

    /// The export policy (minimum k, minimum cell count).
    public func policy() throws(PrivacyLedgerError) -> ExportPolicy {
        try read { db in try Self.policy(db) }
    }

    static func policy(_ db: Database) throws -> ExportPolicy {
        let k =
            try db.cachedValue(String.self, sql: "SELECT value FROM settings WHERE key = 'minimum_k'").flatMap {
                Int($0)
            } ?? 5
        let cells =
            try db.cachedValue(String.self, sql: "SELECT value FROM settings WHERE key = 'minimum_cell_count'").flatMap
        { Int($0) } ?? 10
        return ExportPolicy(minimumK: k, minimumCellCount: cells)
    }

    /// Sets the export policy (audited).
    ///
    /// - Throws: ``PrivacyLedgerError/invalidParameter(name:value:reason:)`` for k < 2 or a
    ///   minimum cell count < 1.
    public func setPolicy(_ policy: ExportPolicy, actor: String) throws(PrivacyLedgerError) {
        try Self.requireText(actor, name: "actor")
        guard policy.minimumK >= 2 else {
            throw .invalidParameter(name: "minimum k", value: "\(policy.minimumK)", reason: "must be at least 2")
        }
        guard policy.minimumCellCount >= 1 else {
            throw .invalidParameter(
                name: "minimum cell count", value: "\(policy.minimumCellCount)", reason: "must be at least 1")
        }
        let time = now
        try write { db in
            try db.executeCached(
                sql: "UPDATE settings SET value = ? WHERE key = 'minimum_k'", arguments: ["\(policy.minimumK)"])
            try db.executeCached(
                sql: "UPDATE settings SET value = ? WHERE key = 'minimum_cell_count'",
                arguments: ["\(policy.minimumCellCount)"])
            try AuditLog.append(
                db, time: time, actor: actor, action: "policy",
                details: ["minimum_k": "\(policy.minimumK)", "minimum_cell_count": "\(policy.minimumCellCount)"])
        }
    }

    // MARK: Datasets and classification

    /// The ledger's name for a data file: its absolute, standardised path.
    public static func datasetName(forFile file: String) -> String {
        URL(fileURLWithPath: file).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Registers a dataset and its columns (idempotent: known columns keep their level; new
    /// columns get `defaultLevel`).
    ///
    /// - Returns: the dataset's columns with their levels.
    @discardableResult
    public func registerDataset(
        _ name: String, columns: [String], defaultLevel: ClassificationLevel = .internal,
        actor: String = "platform"
    ) throws(PrivacyLedgerError) -> [DatasetColumn] {
        try Self.requireText(name, name: "dataset")
        try Self.requireText(actor, name: "actor")
        for column in columns { try Self.requireText(column, name: "column name") }
        let time = now
        return try write { db in
            let known =
                try db.cachedValue(String.self, sql: "SELECT name FROM datasets WHERE name = ?", arguments: [name])
                != nil
            if !known {
                try db.executeCached(
                    sql: "INSERT INTO datasets (name, registered_at) VALUES (?, ?)",
                    arguments: [name, time.timeIntervalSince1970])
            }
            var added: [String] = []
            for column in columns {
                try db.executeCached(
                    sql: "INSERT OR IGNORE INTO columns VALUES (?, ?, ?)",
                    arguments: [name, column, defaultLevel.rawValue])
                if db.changesCount > 0 { added.append(column) }
            }
            if !known || !added.isEmpty {
                try AuditLog.append(
                    db, time: time, actor: actor, action: "dataset-registered",
                    details: [
                        "dataset": name, "columns": added.joined(separator: ","), "level": "\(defaultLevel.rawValue)",
                    ])
            }
            return try Self.datasetColumns(db, name)
        }
    }

    /// Sets a column's classification level (audited).
    ///
    /// - Throws: ``PrivacyLedgerError/unknownDataset(dataset:)``,
    ///   ``PrivacyLedgerError/unknownColumn(column:dataset:available:)``.
    public func classify(
        dataset: String, column: String, level: ClassificationLevel, actor: String = "platform"
    ) throws(PrivacyLedgerError) {
        try Self.requireText(actor, name: "actor")
        let time = now
        try write { db in
            let columns = try Self.datasetColumns(db, dataset)
            guard !columns.isEmpty else { throw PrivacyLedgerError.unknownDataset(dataset: dataset) }
            guard columns.contains(where: { $0.column == column }) else {
                throw PrivacyLedgerError.unknownColumn(
                    column: column, dataset: dataset, available: columns.map(\.column))
            }
            try db.executeCached(
                sql: "UPDATE columns SET level = ? WHERE dataset = ? AND name = ?",
                arguments: [level.rawValue, dataset, column])
            try AuditLog.append(
                db, time: time, actor: actor, action: "classify",
                details: ["dataset": dataset, "column": column, "level": "\(level.rawValue)"])
        }
    }

    /// Declares whether `dataset`'s row count is public metadata (audited). Only a dataset
    /// whose steward declared it so may have its exact row count published in a report;
    /// otherwise a report omits it (see `Scenarios.InputSize`). New datasets are not declared.
    ///
    /// - Parameters:
    ///   - isPublic: `true` to declare the size public, `false` to withdraw the declaration.
    ///   - actor: the steward (audited; not blank).
    /// - Throws: ``PrivacyLedgerError/unknownDataset(dataset:)``,
    ///   ``PrivacyLedgerError/invalidParameter(name:value:reason:)`` for a blank actor.
    public func declareRowCountPublic(
        dataset: String, _ isPublic: Bool, actor: String = "platform"
    ) throws(PrivacyLedgerError) {
        try Self.requireText(actor, name: "actor")
        let time = now
        try write { db in
            try db.executeCached(
                sql: "UPDATE datasets SET row_count_public = ? WHERE name = ?", arguments: [isPublic ? 1 : 0, dataset])
            guard db.changesCount == 1 else { throw PrivacyLedgerError.unknownDataset(dataset: dataset) }
            try AuditLog.append(
                db, time: time, actor: actor, action: "row-count-public",
                details: ["dataset": dataset, "public": isPublic ? "true" : "false"])
        }
    }

    /// Whether `dataset`'s steward declared its row count public (`false` for an unknown dataset).
    public func isRowCountPublic(dataset: String) throws(PrivacyLedgerError) -> Bool {
        try read { db in
            try db.cachedValue(
                Int.self, sql: "SELECT row_count_public FROM datasets WHERE name = ?", arguments: [dataset]) == 1
        }
    }

    /// The registered columns of `dataset` with their levels (empty if unknown).
    public func columns(of dataset: String) throws(PrivacyLedgerError) -> [DatasetColumn] {
        try read { db in try Self.datasetColumns(db, dataset) }
    }

    static func datasetColumns(_ db: Database, _ dataset: String) throws -> [DatasetColumn] {
        try db.cachedRows(sql: "SELECT name, level FROM columns WHERE dataset = ? ORDER BY name", arguments: [dataset])
            .map { row in
                DatasetColumn(
                    dataset: dataset, column: try row.ledgerValue("name"),
                    level: ClassificationLevel(rawValue: try row.ledgerValue("level")) ?? .restricted)
            }
    }

    // MARK: Authorisations

    /// Grants an authorisation: operator, scenario, the columns of one dataset, a budget, and a
    /// validity window of an optional trial (≤ 6 months) followed by a term (≤ 2 years).
    ///
    /// - Parameters:
    ///   - columns: the allowed columns; `nil` for every column of the dataset below level 4.
    ///   - validFrom: start of validity (default: now).
    ///   - trialDays: days of trial operation (0 to 6 months).
    ///   - validDays: days of the term after the trial (1 to 2 years).
    /// - Throws: ``PrivacyLedgerError/alreadyAuthorised(operator:scenario:)``,
    ///   ``PrivacyLedgerError/levelFourColumn(column:dataset:)``,
    ///   ``PrivacyLedgerError/unknownColumn(column:dataset:available:)``,
    ///   ``PrivacyLedgerError/invalidParameter(name:value:reason:)``.
    @discardableResult
    public func grant(
        operator op: String, scenario: String, budget: PrivacyBudget, accounting: AccountingMethod? = nil,
        dataset: String, columns: [String]? = nil, validFrom: Date? = nil, trialDays: Int = 0,
        validDays: Int = 365, actor: String = "reviewer"
    ) throws(PrivacyLedgerError) -> Authorisation {
        try Self.requireText(op, name: "operator")
        try Self.requireText(scenario, name: "scenario")
        try Self.requireText(actor, name: "actor")
        do { try budget.validate() } catch {
            throw .invalidParameter(name: "budget", value: budget.description, reason: error.description)
        }
        let method = accounting ?? .default(for: budget)
        guard method.canHold(budget) else {
            throw .invalidParameter(
                name: "accounting", value: method.rawValue, reason: "cannot hold a \(budget) budget")
        }
        let time = now
        let start = validFrom ?? time
        let calendar = Self.calendar
        guard trialDays >= 0 else {
            throw .invalidParameter(name: "trial days", value: "\(trialDays)", reason: "must be ≥ 0")
        }
        guard validDays >= 1 else {
            throw .invalidParameter(name: "valid days", value: "\(validDays)", reason: "must be ≥ 1")
        }
        let trialUntil = start.addingTimeInterval(Double(trialDays) * 86_400)
        guard trialUntil <= calendar.date(byAdding: .month, value: Self.maximumTrialMonths, to: start)! else {
            throw .invalidParameter(
                name: "trial days", value: "\(trialDays)",
                reason: "trial operation lasts at most \(Self.maximumTrialMonths) months")
        }
        let validTo = trialUntil.addingTimeInterval(Double(validDays) * 86_400)
        guard validTo <= calendar.date(byAdding: .year, value: Self.maximumTermYears, to: trialUntil)! else {
            throw .invalidParameter(
                name: "valid days", value: "\(validDays)",
                reason: "an authorisation's term is at most \(Self.maximumTermYears) years")
        }
        let accountantState = try Self.encode(method.makeAccountant())
        let budgetJSON = try Self.json(budget)
        return try write { db in
            let known = try Self.datasetColumns(db, dataset)
            guard !known.isEmpty else { throw PrivacyLedgerError.unknownDataset(dataset: dataset) }
            let allowed: [DatasetColumn]
            if let columns {
                guard !columns.isEmpty else {
                    throw PrivacyLedgerError.invalidParameter(
                        name: "columns", value: "''", reason: "list at least one column")
                }
                allowed = try columns.map { name throws(PrivacyLedgerError) in
                    guard let column = known.first(where: { $0.column == name }) else {
                        throw .unknownColumn(column: name, dataset: dataset, available: known.map(\.column))
                    }
                    guard column.level < .restricted else { throw .levelFourColumn(column: name, dataset: dataset) }
                    return column
                }
            } else {
                allowed = known.filter { $0.level < .restricted }
            }
            if try db.cachedValue(
                Int64.self,
                sql: "SELECT id FROM authorisations WHERE operator = ? AND scenario = ? AND status != 'terminated'",
                arguments: [op, scenario]) != nil
            {
                throw PrivacyLedgerError.alreadyAuthorised(operator: op, scenario: scenario)
            }
            try db.executeCached(
                sql: """
                    INSERT INTO authorisations (operator, scenario, budget, accounting, valid_from, trial_until, valid_to, status, accountant, spent, granted_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, 0, ?)
                    """,
                arguments: [
                    op, scenario, budgetJSON, method.rawValue, start.timeIntervalSince1970,
                    trialUntil.timeIntervalSince1970,
                    validTo.timeIntervalSince1970, accountantState, time.timeIntervalSince1970,
                ])
            let id = db.lastInsertedRowID
            for column in Set(allowed.map(\.column)).sorted() {
                try db.executeCached(
                    sql: "INSERT INTO authorisation_columns VALUES (?, ?, ?)", arguments: [id, dataset, column])
            }
            try db.executeCached(
                sql: "INSERT INTO status_history VALUES (?, ?, 'active', 'granted', ?)",
                arguments: [id, time.timeIntervalSince1970, actor])
            try AuditLog.append(
                db, time: time, actor: actor, action: "grant",
                details: [
                    "authorisation": "\(id)", "operator": op, "scenario": scenario, "budget": budget.description,
                    "accounting": method.rawValue, "dataset": dataset,
                    "columns": Set(allowed.map(\.column)).sorted().joined(separator: ","),
                    "valid_from": iso(start), "trial_until": iso(trialUntil), "valid_to": iso(validTo),
                ])
            return try Self.authorisation(db, id: id)!
        }
    }

    /// Suspends an active authorisation (the agreement was breached).
    @discardableResult
    public func suspend(
        operator op: String, scenario: String, reason: String, actor: String = "reviewer"
    ) throws(PrivacyLedgerError) -> Authorisation {
        try changeStatus(op, scenario, to: .suspended, allowedFrom: [.active], reason: reason, actor: actor)
            .authorisation
    }

    /// Resumes a suspended authorisation (the breach was corrected).
    @discardableResult
    public func resume(
        operator op: String, scenario: String, reason: String, actor: String = "reviewer"
    ) throws(PrivacyLedgerError) -> Authorisation {
        try changeStatus(op, scenario, to: .active, allowedFrom: [.suspended], reason: reason, actor: actor)
            .authorisation
    }

    /// Terminates an authorisation (final) and deletes the operator's derived data held by the
    /// platform for it (exported files registered by the export gate); the ledger and the audit
    /// log are kept.
    @discardableResult
    public func terminate(
        operator op: String, scenario: String, reason: String, actor: String = "reviewer"
    ) throws(PrivacyLedgerError) -> TerminationReport {
        try changeStatus(
            op, scenario, to: .terminated, allowedFrom: [.active, .suspended], reason: reason, actor: actor)
    }

    func changeStatus(
        _ op: String, _ scenario: String, to status: AuthorisationStatus, allowedFrom: Set<AuthorisationStatus>,
        reason: String, actor: String
    ) throws(PrivacyLedgerError) -> TerminationReport {
        try Self.requireText(reason, name: "reason")
        try Self.requireText(actor, name: "actor")
        let time = now
        return try write { db in
            guard let current = try Self.liveAuthorisation(db, operator: op, scenario: scenario) else {
                throw PrivacyLedgerError.noAuthorisation(operator: op, scenario: scenario)
            }
            guard allowedFrom.contains(current.status) else {
                throw PrivacyLedgerError.invalidTransition(
                    operator: op, scenario: scenario, from: current.status.rawValue, to: status.rawValue)
            }
            try db.executeCached(
                sql: "UPDATE authorisations SET status = ? WHERE id = ?", arguments: [status.rawValue, current.id])
            try db.executeCached(
                sql: "INSERT INTO status_history VALUES (?, ?, ?, ?, ?)",
                arguments: [current.id, time.timeIntervalSince1970, status.rawValue, reason, actor])
            var deleted: [String] = [], missing: [String] = []
            if status == .terminated {
                let files = try db.cachedRows(
                    sql: "SELECT id, path FROM derived_data WHERE authorisation_id = ? AND deleted_at IS NULL",
                    arguments: [current.id])
                for row in files {
                    let path: String = try row.ledgerValue("path")
                    if FileManager.default.fileExists(atPath: path) {
                        try FileManager.default.removeItem(atPath: path)
                        deleted.append(path)
                    } else {
                        missing.append(path)
                    }
                    try db.executeCached(
                        sql: "UPDATE derived_data SET deleted_at = ? WHERE id = ?",
                        arguments: [time.timeIntervalSince1970, (try row.ledgerValue("id", as: Int64.self))])
                }
            }
            var details = [
                "authorisation": "\(current.id)", "operator": op, "scenario": scenario, "reason": reason,
                "from": current.status.rawValue,
            ]
            if status == .terminated {
                details["deleted_files"] = deleted.joined(separator: "\n")
                details["missing_files"] = missing.joined(separator: "\n")
            }
            try AuditLog.append(
                db, time: time, actor: actor,
                action: status == .active ? "resume" : (status == .suspended ? "suspend" : "terminate"),
                details: details)
            return TerminationReport(
                authorisation: try Self.authorisation(db, id: current.id)!, deletedFiles: deleted, missingFiles: missing
            )
        }
    }

    /// The live (active or suspended) authorisation of `operator` for `scenario`, or else the
    /// latest terminated one, or `nil`.
    public func authorisation(operator op: String, scenario: String) throws(PrivacyLedgerError) -> Authorisation? {
        try read { db in try Self.liveAuthorisation(db, operator: op, scenario: scenario) }
    }

    /// Every authorisation, oldest first.
    public func authorisations() throws(PrivacyLedgerError) -> [Authorisation] {
        try read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM authorisations ORDER BY id").compactMap {
                try Self.authorisation(db, id: $0)
            }
        }
    }

    /// The status history of an authorisation, oldest first.
    public func statusHistory(of authorisationID: Int64) throws(PrivacyLedgerError) -> [StatusChange] {
        try read { db in
            try db.cachedRows(
                sql: "SELECT * FROM status_history WHERE authorisation_id = ? ORDER BY rowid",
                arguments: [authorisationID]
            ).map { row in
                StatusChange(
                    time: Date(timeIntervalSince1970: try row.ledgerValue("time")),
                    status: AuthorisationStatus(rawValue: try row.ledgerValue("status")) ?? .terminated,
                    reason: try row.ledgerValue("reason"), actor: try row.ledgerValue("actor"))
            }
        }
    }

    /// Releases recorded in the ledger, oldest first, optionally of one operator and/or scenario.
    public func history(
        operator op: String? = nil, scenario: String? = nil
    ) throws(PrivacyLedgerError) -> [ReleaseRecord] {
        try read { db in
            var sql = "SELECT * FROM releases WHERE 1"
            var arguments: StatementArguments = []
            if let op {
                sql += " AND operator = ?"
                arguments += [op]
            }
            if let scenario {
                sql += " AND scenario = ?"
                arguments += [scenario]
            }
            sql += " ORDER BY charged_at, rowid"
            return try db.cachedRows(sql: sql, arguments: arguments).map { row in try Self.releaseRecord(row) }
        }
    }

    static func releaseRecord(_ row: Row) throws(PrivacyLedgerError) -> ReleaseRecord {
        ReleaseRecord(
            id: try row.ledgerValue("id"), kind: try row.ledgerValue("kind"),
            authorisationID: try row.ledgerValue("authorisation_id"), operator: try row.ledgerValue("operator"),
            scenario: try row.ledgerValue("scenario"), dataset: try row.ledgerValue("dataset"),
            query: try row.ledgerValue("query"), parameters: try row.ledgerValue("parameters"),
            epsilon: try row.ledgerValue("epsilon"), delta: try row.ledgerValue("delta"),
            rho: try row.ledgerValue("rho"), noiseScale: try row.ledgerValue("noise_scale"),
            resultDigest: try row.ledgerValue("result_digest"), rowsScanned: try row.ledgerValue("rows_scanned"),
            cpuSeconds: try row.ledgerValue("cpu_seconds"),
            bytesExported: try row.ledgerValue("bytes_exported"),
            chargedAt: Date(timeIntervalSince1970: try row.ledgerValue("charged_at")),
            completedAt: (try row.ledgerValue("completed_at", as: Double?.self)).map(Date.init(timeIntervalSince1970:)))
    }

    /// The metered cost of an authorisation's releases and exports.
    public func costs(of authorisationID: Int64) throws(PrivacyLedgerError) -> CostSummary {
        try read { db in
            let row = try db.cachedRow(
                sql: """
                    SELECT SUM(kind = 'dp') AS releases, SUM(kind = 'export') AS exports, SUM(rows_scanned) AS rows_scanned,
                           SUM(cpu_seconds) AS cpu_seconds, SUM(bytes_exported) AS bytes_exported
                    FROM releases WHERE authorisation_id = ?
                    """, arguments: [authorisationID])
            return CostSummary(
                releases: row?["releases"] ?? 0, exports: row?["exports"] ?? 0, rowsScanned: row?["rows_scanned"] ?? 0,
                cpuSeconds: row?["cpu_seconds"] ?? 0, bytesExported: row?["bytes_exported"] ?? 0)
        }
    }

    /// Files of derived data held for an authorisation that have not been deleted.
    public func derivedFiles(of authorisationID: Int64) throws(PrivacyLedgerError) -> [String] {
        try read { db in
            try String.fetchAll(
                db, sql: "SELECT path FROM derived_data WHERE authorisation_id = ? AND deleted_at IS NULL ORDER BY id",
                arguments: [authorisationID])
        }
    }

    static func liveAuthorisation(_ db: Database, operator op: String, scenario: String) throws -> Authorisation? {
        let id = try db.cachedValue(
            Int64.self,
            sql: """
                SELECT id FROM authorisations WHERE operator = ? AND scenario = ?
                ORDER BY (status = 'terminated'), id DESC LIMIT 1
                """, arguments: [op, scenario])
        return try id.flatMap { try authorisation(db, id: $0) }
    }

    static func authorisation(_ db: Database, id: Int64) throws -> Authorisation? {
        guard let row = try db.cachedRow(sql: "SELECT * FROM authorisations WHERE id = ?", arguments: [id]) else {
            return nil
        }
        let columns = try db.cachedRows(
            sql: """
                SELECT a.dataset, a.name, c.level FROM authorisation_columns a JOIN columns c ON c.dataset = a.dataset AND c.name = a.name
                WHERE a.authorisation_id = ? ORDER BY a.dataset, a.name
                """, arguments: [id]
        ).map { r in
            DatasetColumn(
                dataset: try r.ledgerValue("dataset"), column: try r.ledgerValue("name"),
                level: ClassificationLevel(rawValue: try r.ledgerValue("level")) ?? .restricted)
        }
        let budget = try decodeBudget(try row.ledgerValue("budget"))
        return Authorisation(
            id: id, operator: try row.ledgerValue("operator"), scenario: try row.ledgerValue("scenario"),
            budget: budget,
            accounting: AccountingMethod(rawValue: try row.ledgerValue("accounting")) ?? .basic,
            validFrom: Date(timeIntervalSince1970: try row.ledgerValue("valid_from")),
            trialUntil: Date(timeIntervalSince1970: try row.ledgerValue("trial_until")),
            validTo: Date(timeIntervalSince1970: try row.ledgerValue("valid_to")),
            status: AuthorisationStatus(rawValue: try row.ledgerValue("status")) ?? .terminated, columns: columns,
            spent: try row.ledgerValue("spent"),
            grantedAt: Date(timeIntervalSince1970: try row.ledgerValue("granted_at")))
    }

    // MARK: Rules

    /// Checks that `authorisation` allows reading `columns` of `dataset` at `time`: status,
    /// validity window, dataset and column lists, and classification (level 4 never leaves).
    /// Current levels are read from `db` (a column reclassified to level 4 after the grant is
    /// refused).
    static func check(
        _ authorisation: Authorisation, at time: Date, dataset: String, columns: [String], db: Database
    ) throws {
        let op = authorisation.operator, scenario = authorisation.scenario
        switch authorisation.status {
        case .terminated: throw PrivacyLedgerError.terminated(operator: op, scenario: scenario)
        case .suspended:
            let reason =
                try db.cachedValue(
                    String.self,
                    sql: "SELECT reason FROM status_history WHERE authorisation_id = ? ORDER BY rowid DESC LIMIT 1",
                    arguments: [authorisation.id]) ?? "suspended"
            throw PrivacyLedgerError.suspended(operator: op, scenario: scenario, reason: reason)
        case .active: break
        }
        guard time >= authorisation.validFrom else {
            throw PrivacyLedgerError.notYetValid(operator: op, scenario: scenario, validFrom: authorisation.validFrom)
        }
        guard time < authorisation.validTo else {
            throw PrivacyLedgerError.expired(operator: op, scenario: scenario, validTo: authorisation.validTo)
        }
        guard authorisation.columns.contains(where: { $0.dataset == dataset }) else {
            throw PrivacyLedgerError.datasetNotAuthorised(dataset: dataset, operator: op, scenario: scenario)
        }
        let levels = Dictionary(
            try datasetColumns(db, dataset).map { ($0.column, $0.level) }, uniquingKeysWith: { a, _ in a })
        for column in columns {
            if levels[column] == .restricted {
                throw PrivacyLedgerError.levelFourColumn(column: column, dataset: dataset)
            }
            guard authorisation.columns.contains(where: { $0.dataset == dataset && $0.column == column }) else {
                throw PrivacyLedgerError.columnNotAuthorised(
                    column: column, dataset: dataset, operator: op, scenario: scenario)
            }
        }
    }

    /// Checks, without charging, that `operator` may read `columns` of `dataset` for `scenario`
    /// now.
    ///
    /// - Returns: the authorisation.
    /// - Throws: the ``PrivacyLedgerError`` naming the rule that refuses.
    @discardableResult
    public func authorise(
        operator op: String, scenario: String, dataset: String, columns: [String]
    ) throws(PrivacyLedgerError) -> Authorisation {
        let time = now
        return try read { db in
            guard let authorisation = try Self.liveAuthorisation(db, operator: op, scenario: scenario) else {
                throw PrivacyLedgerError.noAuthorisation(operator: op, scenario: scenario)
            }
            try Self.check(authorisation, at: time, dataset: dataset, columns: columns, db: db)
            return authorisation
        }
    }

    // MARK: Coding helpers

    /// Refuses a blank (empty or whitespace-only) audited text: a name, reason or actor that
    /// the audit log must be able to show.
    ///
    /// - Throws: ``PrivacyLedgerError/invalidParameter(name:value:reason:)`` naming `name`.
    static func requireText(_ value: String, name: String) throws(PrivacyLedgerError) {
        guard !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .invalidParameter(
                name: name, value: "'\(value)'", reason: "must not be blank (it is recorded in the audit log)")
        }
    }

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    static func json<T: Encodable>(_ value: T) throws(PrivacyLedgerError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { return String(decoding: try encoder.encode(value), as: UTF8.self) } catch {
            throw .storage(reason: "cannot encode: \(error)")
        }
    }

    /// Decoded budgets by their stored JSON: a budget never changes after the grant, and the
    /// release path reads it twice per release.
    static let budgetCache = BudgetCache()

    static func decodeBudget(_ text: String) throws -> PrivacyBudget {
        if let cached = budgetCache.lookup(text) { return cached }
        let budget = try JSONDecoder().decode(PrivacyBudget.self, from: Data(text.utf8))
        budgetCache.store(budget, for: text)
        return budget
    }

    static func encode(_ accountant: any PrivacyAccountant) throws(PrivacyLedgerError) -> String {
        guard let encodable = accountant as? any Encodable else {
            throw .storage(reason: "accountant \(accountant.name) is not encodable")
        }
        return try json(encodable)
    }

    static func decodeAccountant(_ method: AccountingMethod, _ text: String) throws -> any PrivacyAccountant {
        let data = Data(text.utf8)
        let decoder = JSONDecoder()
        switch method {
        case .basic: return try decoder.decode(PureAccountant.self, from: data)
        case .advanced: return try decoder.decode(ApproximateAccountant.self, from: data)
        case .zCDP: return try decoder.decode(ZCDPAccountant.self, from: data)
        case .rdp: return try decoder.decode(RDPAccountant.self, from: data)
        case .pld: return try decoder.decode(PLDAccountant.self, from: data)
        }
    }

    static func sha256Hex(_ data: some DataProtocol) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
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
