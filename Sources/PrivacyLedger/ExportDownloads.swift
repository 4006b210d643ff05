import Crypto
public import Foundation
import SecureRandom

// The platform service's one-time hand-over of an export to the operator that made it.
extension SQLiteLedger {
    /// The release identifiers of the exports handed over to their operators
    /// (``downloadExport(_:operator:)``), as the audit log records them.
    ///
    /// - Complexity: O(hand-overs).
    public func handedOverExports() throws(PrivacyLedgerError) -> Set<String> {
        try read { db in try Self.handedOverExports(db) }
    }

    static func handedOverExports(_ db: any LedgerDatabase) throws -> Set<String> {
        Set(
            try db.values(String.self, sql: "SELECT details FROM audit WHERE action = 'export-downloaded'").compactMap {
                AuditLog.decodeDetails($0)["release"]
            })
    }

    /// **An operator's action**: hands the export file `name` (relative to the export area, as
    /// it was exported) over to `op`, once. The file must be an export of `op`'s, still with
    /// the SHA-256 the export gate recorded; the hand-over is recorded in the audit log
    /// (`export-downloaded`, the operator's role) before the bytes are returned, and a second
    /// request for the same export is refused — the audit log, not a mutable flag, is what says
    /// it was handed over, so the record cannot be reset unnoticed.
    ///
    /// - Returns: the file's bytes.
    /// - Throws: ``PrivacyLedgerError/exportRefused(rule:detail:)`` with rule `not-found` (no
    ///   export of `op`'s by that name — whether or not another operator has one), `downloaded`
    ///   (handed over before) or `changed` (the file no longer has its recorded digest);
    ///   refusals are recorded.
    /// - Complexity: O(downloads so far) to find an earlier hand-over, plus reading the file.
    public func downloadExport(_ name: String, operator op: String) throws(PrivacyLedgerError) -> Data {
        try recordingRefusals(operator: op, scenario: "", dataset: "", request: "download export \(name)") {
            () throws(PrivacyLedgerError) -> Data in
            let area = try exportArea()
            let target = URL(fileURLWithPath: area + "/" + name).standardizedFileURL.path
            let time = now
            return try write { db in
                guard target.hasPrefix(area + "/"),
                    let row = try db.row(
                        sql:
                            "SELECT id, scenario, result_digest FROM releases WHERE kind = 'export' AND operator = ? AND query = ?",
                        arguments: [op, target])
                else {
                    throw PrivacyLedgerError.exportRefused(
                        rule: "not-found", detail: "no export of yours is called '\(name)'")
                }
                let release: String = try row.ledgerValue("id")
                let digest: String = try row.ledgerValue("result_digest")
                if try Self.handedOverExports(db).contains(release) {
                    throw PrivacyLedgerError.exportRefused(
                        rule: "downloaded", detail: "the export '\(name)' was handed over once already")
                }
                guard let data = FileManager.default.contents(atPath: target),
                    Hexadecimal.encode(SHA256.hash(data: data)) == digest
                else {
                    throw PrivacyLedgerError.exportRefused(
                        rule: "changed", detail: "the export '\(name)' no longer has the content the gate recorded")
                }
                try record(
                    db, time: time, actor: op, action: "export-downloaded",
                    details: [
                        "release": release, "path": target, "sha256": digest,
                        "scenario": try row.ledgerValue("scenario", as: String.self),
                    ])
                return data
            }
        }
    }
}

// Secure-aggregation sessions the platform service runs between departments.
extension SQLiteLedger {
    /// **A steward's action** (a department's): records that the platform service starts the
    /// server of secure-aggregation session `id` (`secagg-session`, with its parties, dimension
    /// and the SHA-256 of its description), before any party connects.
    ///
    /// - Throws: ``PrivacyLedgerError/invalidParameter(name:value:reason:)`` for a blank id;
    ///   the authentication and role refusals of a ledger of signed requests (recorded).
    public func recordSecAggSession(
        id: String, parties: Int, dimension: Int, descriptionSHA256: String, actor: String
    ) throws(PrivacyLedgerError) {
        try recordingRefusals(operator: actor, scenario: "", dataset: "", request: "secagg session \(id)") {
            () throws(PrivacyLedgerError) in
            try Self.requireText(id, name: "session id")
            let time = now
            _ = try write { db in
                try record(
                    db, time: time, actor: actor, action: "secagg-session",
                    details: [
                        "session": id, "parties": "\(parties)", "dimension": "\(dimension)",
                        "description_sha256": descriptionSHA256,
                    ])
            }
        }
    }
}
