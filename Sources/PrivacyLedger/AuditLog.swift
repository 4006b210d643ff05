public import Foundation

/// The hash-chained, append-only audit log inside the ledger file.
///
/// Entry n stores `hash = SHA-256(n, time, actor, action, details, previous_hash)` with
/// length-prefixed fields and `previous_hash` the hash of entry n − 1 (64 zeros for the first
/// entry, or the anchor after a purge). A single-row head table holds the last sequence and
/// hash. Verification recomputes the chain, so an edited field, an inserted, deleted or
/// reordered entry, or a truncated tail shows, unless the editor also rewrites every later
/// hash and the head — which an external copy of the head (printed by `ledger audit-verify`)
/// exposes.
enum AuditLog {
    static let genesis = String(repeating: "0", count: 64)

    /// Appends one entry; must run inside a write transaction.
    @discardableResult
    static func append(
        _ db: any LedgerDatabase, time: Date, actor: String, action: String, details: [String: String]
    ) throws -> (sequence: Int64, hash: String) {
        let (lastSequence, lastHash) = try head(db)
        let sequence = lastSequence + 1
        let detailsText = canonicalJSON(details)
        let hash = digest(
            sequence: sequence, time: time.timeIntervalSince1970, actor: actor, action: action,
            details: detailsText, previousHash: lastHash)
        try db.executeLater(
            sql: "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [sequence, time.timeIntervalSince1970, actor, action, detailsText, lastHash, hash])
        try db.executeLater(
            sql:
                "INSERT INTO audit_head VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET sequence = excluded.sequence, hash = excluded.hash",
            arguments: [sequence, hash])
        return (sequence, hash)
    }

    /// The last entry's sequence and hash (from the head table; the anchor or genesis when empty).
    static func head(_ db: any LedgerDatabase) throws -> (Int64, String) {
        if let row = try db.row(sql: "SELECT sequence, hash FROM audit_head WHERE id = 1") {
            return (try row.ledgerValue("sequence"), try row.ledgerValue("hash"))
        }
        return try anchor(db)
    }

    static func anchor(_ db: any LedgerDatabase) throws -> (Int64, String) {
        if let row = try db.row(sql: "SELECT sequence, hash FROM audit_anchor WHERE id = 1") {
            return (try row.ledgerValue("sequence"), try row.ledgerValue("hash"))
        }
        return (0, genesis)
    }

    /// An entry's details as a dictionary (empty when they are not a JSON object of strings).
    static func decodeDetails(_ text: String) -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }

    /// A JSON object of strings with keys sorted by their UTF-8 bytes, the same text for the
    /// same dictionary (quotes, backslashes and control characters escaped).
    static func canonicalJSON(_ object: [String: String]) -> String {
        var out = "{"
        for (index, key) in object.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if index > 0 { out += "," }
            appendQuoted(key, to: &out)
            out += ":"
            appendQuoted(object[key]!, to: &out)
        }
        return out + "}"
    }

    static func appendQuoted(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u00" + String(scalar.value >> 4, radix: 16) + String(scalar.value & 15, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    static func digest(
        sequence: Int64, time: Double, actor: String, action: String, details: String, previousHash: String
    ) -> String {
        var bytes: [UInt8] = []
        func field(_ text: String) {
            bytes.append(contentsOf: "\(text.utf8.count):".utf8)
            bytes.append(contentsOf: text.utf8)
        }
        field(String(sequence))
        field(String(time.bitPattern, radix: 16))
        field(actor)
        field(action)
        field(details)
        field(previousHash)
        return SQLiteLedger.sha256Hex(bytes)
    }

    /// Verifies the whole chain from the anchor to the head.
    static func verify(_ db: any LedgerDatabase) throws -> (entries: Int, head: String) {
        var (expectedSequence, previous) = try anchor(db)
        var count = 0
        try db.forEachRow(sql: "SELECT * FROM audit ORDER BY sequence", arguments: []) { row in
            let sequence: Int64 = try row.ledgerValue("sequence")
            expectedSequence += 1
            guard sequence == expectedSequence else {
                throw PrivacyLedgerError.auditChainBroken(
                    sequence: expectedSequence, reason: "entry \(expectedSequence) is missing (next is \(sequence))")
            }
            let stored: String
            do throws(PrivacyLedgerError) { stored = try row.ledgerValue("previous_hash") } catch {
                throw PrivacyLedgerError.auditChainBroken(
                    sequence: sequence, reason: "a field holds a value of the wrong type (edited)")
            }
            guard stored == previous else {
                throw PrivacyLedgerError.auditChainBroken(
                    sequence: sequence, reason: "its previous hash does not match entry \(sequence - 1)")
            }
            // A field of another type than the schema's was written outside the kernel: the
            // entry is edited, like one whose hash does not match.
            let hash: String, storedHash: String
            do throws(PrivacyLedgerError) {
                hash = digest(
                    sequence: sequence, time: try row.ledgerValue("time"), actor: try row.ledgerValue("actor"),
                    action: try row.ledgerValue("action"),
                    details: try row.ledgerValue("details"), previousHash: stored)
                storedHash = try row.ledgerValue("hash")
            } catch {
                throw PrivacyLedgerError.auditChainBroken(
                    sequence: sequence, reason: "a field holds a value of the wrong type (edited)")
            }
            guard hash == storedHash else {
                throw PrivacyLedgerError.auditChainBroken(
                    sequence: sequence, reason: "its contents do not match its hash (edited)")
            }
            previous = hash
            count += 1
        }
        let (headSequence, headHash) = try head(db)
        guard headSequence == expectedSequence, headHash == previous else {
            throw PrivacyLedgerError.auditChainBroken(
                sequence: expectedSequence + 1,
                reason:
                    "the head records entry \(headSequence), the log ends at \(expectedSequence) (entries deleted from the end)"
            )
        }
        try crossCheckReleases(db)
        return (count, previous)
    }

    /// Checks the ledger's `releases` table against the (verified) audit entries that recorded
    /// each release: a release the log names must exist, with the guarantee and digest the log
    /// recorded. So an edited or deleted ledger row shows too, as long as its audit entries
    /// have not been purged.
    static func crossCheckReleases(_ db: any LedgerDatabase) throws {
        struct Recorded {
            var sequence: Int64
            var guarantee: [String: String] = [:]
            var digest: String?
        }
        var recorded: [String: Recorded] = [:]
        try db.forEachRow(
            sql: """
                SELECT sequence, action, details FROM audit WHERE action IN ('release-charged', 'release-completed', 'export') ORDER BY sequence
                """, arguments: []
        ) { row in
            let details = decodeDetails(try row.ledgerValue("details", as: String.self))
            guard let id = details["release"] else { return }
            var entry = try recorded[id] ?? Recorded(sequence: row.ledgerValue("sequence"))
            switch try row.ledgerValue("action", as: String.self) {
            case "release-charged":
                // An empty value records "none"; a missing key records nothing to compare.
                for key in ["epsilon", "delta", "rho"] { if let value = details[key] { entry.guarantee[key] = value } }
            default:
                entry.digest = details["result_digest"]
            }
            recorded[id] = entry
        }
        guard !recorded.isEmpty else { return }
        var rows: [String: LedgerRow] = [:]
        for row in try db.rows(sql: "SELECT id, epsilon, delta, rho, result_digest FROM releases") {
            rows[try row.ledgerValue("id")] = row
        }
        for (id, entry) in recorded.sorted(by: { $0.value.sequence < $1.value.sequence }) {
            guard let row = rows[id] else {
                throw PrivacyLedgerError.auditChainBroken(
                    sequence: entry.sequence, reason: "release \(id) recorded here is missing from the ledger (deleted)"
                )
            }
            for (key, text) in entry.guarantee {
                let stored = (try row.ledgerValue(key, as: Double?.self)).map { "\($0)" } ?? ""
                guard stored == text else {
                    throw PrivacyLedgerError.auditChainBroken(
                        sequence: entry.sequence,
                        reason:
                            "release \(id): the ledger's \(key) \(stored) differs from the recorded \(text) (edited)")
                }
            }
            if let digest = entry.digest, digest != (try row.ledgerValue("result_digest", as: String?.self)) {
                throw PrivacyLedgerError.auditChainBroken(
                    sequence: entry.sequence,
                    reason: "release \(id): the ledger's result digest differs from the recorded one (edited)")
            }
        }
    }
}

extension SQLiteLedger {
    /// Verifies the audit log's hash chain, and that the ledger's state (authorisations,
    /// datasets, settings) is the one the chain records (``stateDisagreements()``).
    ///
    /// - Returns: the number of entries checked and the head hash (keep it outside the
    ///   platform: a later head that does not extend it shows a rewritten log).
    /// - Throws: ``PrivacyLedgerError/auditChainBroken(sequence:reason:)`` at the first entry
    ///   that does not verify; ``PrivacyLedgerError/stateTampered(object:reason:)`` for the
    ///   first object whose row the chain does not vouch for.
    /// - Complexity: O(entries + objects).
    public func verifyAudit() throws(PrivacyLedgerError) -> (entries: Int, head: String) {
        try read { db in
            let result = try AuditLog.verify(db)
            if let first = try Self.stateDisagreements(db).first {
                throw PrivacyLedgerError.stateTampered(object: first.object, reason: first.description)
            }
            return result
        }
    }

    /// Verifies the audit log's hash chain and its cross-check with the releases table only,
    /// not the state (``verifyAudit()`` does both; ``stateDisagreements()`` lists every object
    /// that disagrees).
    ///
    /// - Returns: the number of entries checked and the head hash.
    /// - Throws: ``PrivacyLedgerError/auditChainBroken(sequence:reason:)`` at the first entry
    ///   that does not verify.
    /// - Complexity: O(entries).
    public func verifyAuditChain() throws(PrivacyLedgerError) -> (entries: Int, head: String) {
        try read { db in try AuditLog.verify(db) }
    }

    /// Audit entries, oldest first (optionally only the last `limit`).
    public func auditEntries(limit: Int? = nil) throws(PrivacyLedgerError) -> [AuditEntry] {
        try read { db in
            var sql = "SELECT * FROM audit ORDER BY sequence"
            if let limit {
                sql =
                    "SELECT * FROM (SELECT * FROM audit ORDER BY sequence DESC LIMIT \(max(0, limit))) ORDER BY sequence"
            }
            return try db.rows(sql: sql).map { row in
                AuditEntry(
                    sequence: try row.ledgerValue("sequence"),
                    time: Date(timeIntervalSince1970: try row.ledgerValue("time")), actor: try row.ledgerValue("actor"),
                    action: try row.ledgerValue("action"), details: try row.ledgerValue("details"),
                    previousHash: try row.ledgerValue("previous_hash"), hash: try row.ledgerValue("hash"))
            }
        }
    }

    /// The latest cutoff a purge accepts now: the retention period (6 months) before now.
    public var earliestPurgeCutoff: Date {
        Self.calendar.date(byAdding: .month, value: -Self.retentionMonths, to: now)!
    }

    /// Deletes the audit entries older than `cutoff` (a prefix of the chain) after verifying the
    /// chain, keeps the last deleted entry's hash as the new anchor, and appends a `purge` entry.
    ///
    /// - Returns: the number of entries deleted.
    /// - Throws: ``PrivacyLedgerError/purgeTooYoung(cutoff:earliestAllowed:)`` when `cutoff` is
    ///   later than ``earliestPurgeCutoff`` (entries younger than 6 months are never deleted);
    ///   ``PrivacyLedgerError/auditChainBroken(sequence:reason:)`` when the chain does not
    ///   verify (a purge never hides tampering).
    @discardableResult
    public func purgeAudit(before cutoff: Date, actor: String = "platform") throws(PrivacyLedgerError) -> Int {
        return try recordingRefusals(
            operator: actor, scenario: "", dataset: "", request: "purge entries before \(iso(cutoff))"
        ) { () throws(PrivacyLedgerError) in
            try Self.requireText(actor, name: "actor")
            let time = now
            let earliest = Self.calendar.date(byAdding: .month, value: -Self.retentionMonths, to: time)!
            guard cutoff <= earliest else { throw .purgeTooYoung(cutoff: cutoff, earliestAllowed: earliest) }
            return try write { db in
                _ = try AuditLog.verify(db)
                // A purge never launders an edited state either: the state must match the chain.
                if let first = try Self.stateDisagreements(db).first {
                    throw PrivacyLedgerError.stateTampered(object: first.object, reason: first.description)
                }
                // The prefix of entries before the first entry at or after the cutoff.
                let firstKept = try db.value(
                    Int64.self, sql: "SELECT MIN(sequence) FROM audit WHERE time >= ?",
                    arguments: [cutoff.timeIntervalSince1970])
                let (headSequence, _) = try AuditLog.head(db)
                let lastPurged = (firstKept ?? headSequence + 1) - 1
                let (anchorSequence, _) = try AuditLog.anchor(db)
                let signed = try Self.signedSince(db) != nil
                // Authenticated before anything is deleted.
                try authenticate(db, actor: actor, role: .reviewer, action: "purge")
                guard lastPurged > anchorSequence else {
                    try record(
                        db, time: time, actor: actor, action: "purge",
                        details: try LedgerState.recordingSnapshot(in: ["cutoff": iso(cutoff), "deleted": "0"], db))
                    return 0
                }
                let hash = try db.value(
                    String.self, sql: "SELECT hash FROM audit WHERE sequence = ?", arguments: [lastPurged])!
                let deleted = try db.execute(sql: "DELETE FROM audit WHERE sequence <= ?", arguments: [lastPurged])
                try db.execute(
                    sql:
                        "INSERT INTO audit_anchor VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET sequence = excluded.sequence, hash = excluded.hash",
                    arguments: [lastPurged, hash])
                try db.execute(sql: "DELETE FROM audit_signatures WHERE sequence <= ?", arguments: [lastPurged])
                var details = [
                    "cutoff": iso(cutoff), "deleted": "\(deleted)", "anchor_sequence": "\(lastPurged)",
                    "anchor_hash": hash,
                ]
                if signed {
                    // The entries that registered the principals may be among those deleted.
                    details["identities"] = "signed"
                    details["principals"] = try Self.principalsRecord(db)
                }
                try record(
                    db, time: time, actor: actor, action: "purge",
                    // The purge entry vouches for every object's state: the entries that recorded it
                    // may be among those deleted.
                    details: try LedgerState.recordingSnapshot(in: details, db), signed: signed)
                return deleted
            }
        }
    }
}
