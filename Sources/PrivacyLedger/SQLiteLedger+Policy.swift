import DifferentialPrivacy
import Foundation

// The export policy of the ledger.
extension SQLiteLedger {
    // MARK: Policy

    /// The export policy (minimum k, minimum cell count).
    public func policy() throws(PrivacyLedgerError) -> ExportPolicy {
        try read { db in try Self.policy(db) }
    }

    static func policy(_ db: any LedgerDatabase) throws -> ExportPolicy {
        let k =
            try db.value(String.self, sql: "SELECT value FROM settings WHERE key = 'minimum_k'").flatMap {
                Int($0)
            } ?? 5
        let cells =
            try db.value(String.self, sql: "SELECT value FROM settings WHERE key = 'minimum_cell_count'").flatMap {
                Int($0)
            } ?? 10
        return ExportPolicy(minimumK: k, minimumCellCount: cells)
    }

    /// Sets the export policy (audited).
    ///
    /// - Throws: ``PrivacyLedgerError/invalidParameter(name:value:reason:)`` for k < 2 or a
    ///   minimum cell count < 1.
    public func setPolicy(_ policy: ExportPolicy, actor: String) throws(PrivacyLedgerError) {
        try recordingRefusals(
            operator: actor, scenario: "", dataset: "",
            request: "set export policy k ≥ \(policy.minimumK), cells ≥ \(policy.minimumCellCount)"
        ) { () throws(PrivacyLedgerError) in
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
                try db.execute(
                    sql: "UPDATE settings SET value = ? WHERE key = 'minimum_k'", arguments: ["\(policy.minimumK)"])
                try db.execute(
                    sql: "UPDATE settings SET value = ? WHERE key = 'minimum_cell_count'",
                    arguments: ["\(policy.minimumCellCount)"])
                try record(
                    db, time: time, actor: actor, action: "policy",
                    details: try LedgerState.recording(
                        LedgerState.settingsKey,
                        in: ["minimum_k": "\(policy.minimumK)", "minimum_cell_count": "\(policy.minimumCellCount)"], db)
                )
            }
        }
    }
}
