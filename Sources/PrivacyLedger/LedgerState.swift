import Foundation

/// The ledger's governed state — each authorisation (with its budget, spent, accountant,
/// status, window, column list and derived data), each dataset (digest, row-count declaration,
/// columns with levels and roles) and the settings — as SHA-256 digests recorded in the
/// hash-chained audit log. Every audit entry that changes an object carries `state_of` (the
/// object's key) and `state` (its digest after the change); a purge and the migration that
/// introduced state digests carry a snapshot of every object (`states`). So the state is
/// derivable from the chain: ``SQLiteLedger/stateDisagreements()`` recomputes every object's
/// digest from the tables and reports each that the chain does not vouch for, and the release
/// gate refuses to charge an authorisation whose row does not match its last recorded state.
enum LedgerState {
    static func authorisationKey(_ id: Int64) -> String { "authorisation:\(id)" }
    static func datasetKey(_ name: String) -> String { "dataset:\(name)" }
    static func principalKey(_ name: String) -> String { "principal:\(name)" }
    static let settingsKey = "settings"

    /// Length-prefixed fields, hashed: the same digest for the same values, whatever they hold.
    static func digest(_ fields: [String]) -> String {
        var bytes: [UInt8] = []
        for field in fields {
            bytes.append(contentsOf: "\(field.utf8.count):".utf8)
            bytes.append(contentsOf: field.utf8)
        }
        return SQLiteLedger.sha256Hex(bytes)
    }

    /// The text of every column of `row`, in the order selected (`NULL` as `∅`).
    static func fields(_ row: LedgerRow) -> [String] {
        row.values.map(\.digestText)
    }

    /// The digest of authorisation `id`, or `nil` when there is no such row.
    static func authorisationDigest(_ db: any LedgerDatabase, id: Int64) throws -> String? {
        guard
            let row = try db.row(
                sql: """
                    SELECT id, operator, scenario, budget, accounting, valid_from, trial_until, valid_to, status, accountant,
                           spent, granted_at FROM authorisations WHERE id = ?
                    """, arguments: [id])
        else { return nil }
        var fields = fields(row)
        // The review's forms and export requirements (v6) count only when set, so the digests
        // of earlier authorisations are unchanged.
        // (The v4 migration's baseline snapshot runs before these columns exist.)
        // A cached statement, not a schema query per digest (this runs on every charge); it
        // fails to compile only inside that v4 baseline, where the columns are absent.
        if let review = try? db.row(
            sql: "SELECT release_forms, export_requirements FROM authorisations WHERE id = ?", arguments: [id]),
            !review.values.allSatisfy({ $0 == .null })
        {
            fields.append("review")
            fields += Self.fields(review)
        }
        for column in try db.rows(
            sql: "SELECT dataset, name FROM authorisation_columns WHERE authorisation_id = ? ORDER BY dataset, name",
            arguments: [id])
        {
            fields.append("column")
            fields += Self.fields(column)
        }
        for file in try db.rows(
            sql:
                "SELECT id, path, release_id, created_at, deleted_at FROM derived_data WHERE authorisation_id = ? ORDER BY id",
            arguments: [id])
        {
            fields.append("derived")
            fields += Self.fields(file)
        }
        return digest(fields)
    }

    /// The digest of dataset `name`, or `nil` when it is not registered.
    static func datasetDigest(_ db: any LedgerDatabase, name: String) throws -> String? {
        guard
            let row = try db.row(
                sql: "SELECT name, registered_at, row_count_public, content_digest FROM datasets WHERE name = ?",
                arguments: [name])
        else { return nil }
        var fields = fields(row)
        for column in try db.rows(
            sql: "SELECT name, level, role FROM columns WHERE dataset = ? ORDER BY name", arguments: [name])
        {
            fields.append("column")
            fields += Self.fields(column)
        }
        return digest(fields)
    }

    /// The digest of principal `name` (roles, key, status), or `nil` when it is not registered.
    static func principalDigest(_ db: any LedgerDatabase, name: String) throws -> String? {
        try db.row(
            sql: "SELECT name, roles, public_key, registered_at, status FROM principals WHERE name = ?",
            arguments: [name]
        ).map { digest(fields($0)) }
    }

    /// The digest of the settings (policy, export area, throwaway mark).
    static func settingsDigest(_ db: any LedgerDatabase) throws -> String {
        var fields: [String] = []
        for row in try db.rows(sql: "SELECT key, value FROM settings ORDER BY key") { fields += Self.fields(row) }
        return digest(fields)
    }

    /// The digest of the object `key`, or `nil` when it does not exist.
    static func digest(_ db: any LedgerDatabase, of key: String) throws -> String? {
        if key == settingsKey { return try settingsDigest(db) }
        if key.hasPrefix("authorisation:"), let id = Int64(key.dropFirst("authorisation:".count)) {
            return try authorisationDigest(db, id: id)
        }
        if key.hasPrefix("dataset:") { return try datasetDigest(db, name: String(key.dropFirst("dataset:".count))) }
        if key.hasPrefix("principal:") {
            return try principalDigest(db, name: String(key.dropFirst("principal:".count)))
        }
        return nil
    }

    /// Every object's digest now.
    static func snapshot(_ db: any LedgerDatabase) throws -> [String: String] {
        var states = [settingsKey: try settingsDigest(db)]
        for id in try db.values(Int64.self, sql: "SELECT id FROM authorisations") {
            states[authorisationKey(id)] = try authorisationDigest(db, id: id)
        }
        for name in try db.values(String.self, sql: "SELECT name FROM datasets") {
            states[datasetKey(name)] = try datasetDigest(db, name: name)
        }
        // (The v4 migration's baseline snapshot runs before the principals table exists.)
        for name in try db.tableExists("principals") ? db.values(String.self, sql: "SELECT name FROM principals") : [] {
            states[principalKey(name)] = try principalDigest(db, name: name)
        }
        return states
    }

    /// `details` with `state_of` and `state` (the object's digest now, inside the transaction
    /// that changed it).
    static func recording(
        _ key: String, in details: [String: String], _ db: any LedgerDatabase
    ) throws -> [String: String] {
        var details = details
        details["state_of"] = key
        details["state"] = try digest(db, of: key) ?? "∅"
        return details
    }

    /// `details` with `states`, a canonical JSON snapshot of every object.
    static func recordingSnapshot(in details: [String: String], _ db: any LedgerDatabase) throws -> [String: String] {
        var details = details
        details["states"] = AuditLog.canonicalJSON(try snapshot(db))
        return details
    }

    /// The state the chain records for `key` — its latest `state` entry, else the latest
    /// snapshot — with that entry's sequence, after checking the entry's own hash; `nil` when
    /// the chain records none. O(log entries) through the `audit_state` index.
    static func recorded(_ db: any LedgerDatabase, key: String) throws -> (sequence: Int64, digest: String)? {
        /// Checks the entry's own hash (an entry edited to vouch for an edited row is refused).
        func check(_ row: LedgerRow) throws {
            let sequence: Int64 = try row.ledgerValue("sequence")
            let hash = AuditLog.digest(
                sequence: sequence, time: try row.ledgerValue("time"), actor: try row.ledgerValue("actor"),
                action: try row.ledgerValue("action"), details: try row.ledgerValue("details"),
                previousHash: try row.ledgerValue("previous_hash"))
            guard hash == (try row.ledgerValue("hash", as: String.self)) else {
                throw PrivacyLedgerError.stateTampered(
                    object: key, reason: "audit entry \(sequence), which records its state, was edited")
            }
        }
        // The engine extracts the recorded digest (no JSON decoding on the release path).
        let latest = try db.row(
            sql: """
                SELECT *, \(db.dialect.jsonText("details", "state")) AS recorded_state FROM audit
                WHERE \(db.dialect.jsonText("details", "state_of")) = ? ORDER BY sequence DESC LIMIT 1
                """, arguments: [key])
        // Only the snapshot's sequence here: its details (a digest per object) are read only
        // when no later entry records `key`.
        let snapshotSequence = try db.value(
            Int64.self, sql: "SELECT max(sequence) FROM audit WHERE action IN ('purge', 'state-baseline')")
        let latestSequence: Int64? = try latest.map { try $0.ledgerValue("sequence") }
        if let latest, let latestSequence, latestSequence > (snapshotSequence ?? 0) {
            try check(latest)
            return (latestSequence, (try latest.ledgerValue("recorded_state", as: String?.self)) ?? "")
        }
        if let snapshotSequence,
            let snapshot = try db.row(
                sql: "SELECT * FROM audit WHERE sequence = ?", arguments: [snapshotSequence])
        {
            try check(snapshot)
            let details = AuditLog.decodeDetails(try snapshot.ledgerValue("details"))
            if let digest = AuditLog.decodeDetails(details["states"] ?? "{}")[key] { return (snapshotSequence, digest) }
        }
        return nil
    }
}

/// An object of the ledger's state whose row the audit chain does not vouch for
/// (``SQLiteLedger/stateDisagreements()``).
public struct StateDisagreement: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The object: `authorisation:<id>`, `dataset:<name>` or `settings`.
    public let object: String
    /// The audit entry whose recorded state it was compared with (`nil`: none records it).
    public let sequence: Int64?
    /// What disagrees: `edited` (the row differs from the recorded state), `inserted` (a row
    /// the chain never recorded), `deleted` (a recorded object whose row is gone).
    public let kind: String

    /// One line: the object, what disagrees and the entry.
    public var description: String {
        switch kind {
        case "inserted": "\(object): not recorded in the audit log (inserted outside the ledger)"
        case "deleted": "\(object): recorded at entry \(sequence ?? 0) but gone from the ledger (deleted)"
        default: "\(object): differs from its state recorded at entry \(sequence ?? 0) (edited)"
        }
    }
}

extension SQLiteLedger {
    /// Recomputes the governed state from the tables and compares it with the state the audit
    /// chain records (walking the whole chain): every authorisation, dataset and the settings
    /// whose row was edited, inserted or deleted outside the ledger.
    ///
    /// - Complexity: O(entries + objects).
    public func stateDisagreements() throws(PrivacyLedgerError) -> [StateDisagreement] {
        try read { db in try Self.stateDisagreements(db) }
    }

    static func stateDisagreements(_ db: any LedgerDatabase) throws -> [StateDisagreement] {
        var recorded: [String: (sequence: Int64, digest: String)] = [:]
        try db.forEachRow(
            sql: """
                SELECT sequence, details FROM audit
                WHERE \(db.dialect.jsonText("details", "state_of")) IS NOT NULL OR \(db.dialect.jsonText("details", "states")) IS NOT NULL
                ORDER BY sequence
                """, arguments: []
        ) { row in
            let sequence: Int64 = try row.ledgerValue("sequence")
            let details = AuditLog.decodeDetails(try row.ledgerValue("details", as: String.self))
            if let states = details["states"] {
                let map = AuditLog.decodeDetails(states)
                // A snapshot vouches for exactly the objects it lists.
                recorded = map.mapValues { (sequence, $0) }
            }
            if let key = details["state_of"], let digest = details["state"] { recorded[key] = (sequence, digest) }
        }
        let current = try LedgerState.snapshot(db)
        var disagreements: [StateDisagreement] = []
        for (key, digest) in current.sorted(by: { $0.key < $1.key }) {
            guard let entry = recorded[key] else {
                disagreements.append(StateDisagreement(object: key, sequence: nil, kind: "inserted"))
                continue
            }
            if entry.digest != digest {
                disagreements.append(StateDisagreement(object: key, sequence: entry.sequence, kind: "edited"))
            }
        }
        for (key, entry) in recorded.sorted(by: { $0.key < $1.key }) where current[key] == nil && entry.digest != "∅" {
            disagreements.append(StateDisagreement(object: key, sequence: entry.sequence, kind: "deleted"))
        }
        return disagreements
    }

    /// Refuses (``PrivacyLedgerError/stateTampered(object:reason:)``) unless authorisation
    /// `id`'s row and the row of the dataset it reads (levels, roles, digest) are the states
    /// their last audit entries recorded. Run inside the charge's transaction, before composing.
    static func requireRecordedState(_ db: any LedgerDatabase, authorisation id: Int64, dataset: String) throws {
        try requireRecordedState(db, key: LedgerState.authorisationKey(id))
        try requireRecordedState(db, key: LedgerState.datasetKey(dataset))
    }

    /// Refuses (``PrivacyLedgerError/stateTampered(object:reason:)``) unless object `key`'s
    /// row is the state its last audit entry recorded.
    static func requireRecordedState(_ db: any LedgerDatabase, key: String) throws {
        guard let recorded = try LedgerState.recorded(db, key: key) else {
            throw PrivacyLedgerError.stateTampered(object: key, reason: "the audit log records no state for it")
        }
        guard try LedgerState.digest(db, of: key) == recorded.digest else {
            throw PrivacyLedgerError.stateTampered(
                object: key, reason: "its row differs from the state recorded at audit entry \(recorded.sequence)")
        }
    }
}
