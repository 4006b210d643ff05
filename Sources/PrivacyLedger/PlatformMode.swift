import Foundation

// Platform mode: raw-data commands are steward tools.
extension SQLiteLedger {
    // MARK: Platform mode

    /// Whether the ledger is in **platform mode**: a registered dataset's raw rows are read only
    /// through an authorisation (the release and export gates) or by an authenticated steward
    /// (``authoriseRawRead(of:request:actor:)``); tools that print exact facts about raw data
    /// refuse it otherwise. Off by default; `ledger init --platform` turns it on.
    public func isPlatformMode() throws(PrivacyLedgerError) -> Bool {
        try read { db in try Self.isPlatformMode(db) }
    }

    static func isPlatformMode(_ db: any LedgerDatabase) throws -> Bool {
        try db.value(String.self, sql: "SELECT value FROM settings WHERE key = 'platform_mode'") == "on"
    }

    /// **A reviewer's action**: turns platform mode on or off (audited; the settings' state is
    /// recorded in the chain, so an edit of the setting is caught like any other). Platform
    /// mode needs a ledger of signed requests (its first reviewer registered): a platform's
    /// ledger never takes free-text names.
    public func setPlatformMode(_ on: Bool, actor: String) throws(PrivacyLedgerError) {
        try recordingRefusals(
            operator: actor, scenario: "", dataset: "", request: "platform mode \(on ? "on" : "off")"
        ) { () throws(PrivacyLedgerError) in
            try Self.requireText(actor, name: "actor")
            let time = now
            try write { db in
                if try db.value(String.self, sql: "SELECT value FROM settings WHERE key = 'throwaway'") != nil {
                    throw PrivacyLedgerError.invalidParameter(
                        name: "platform mode", value: on ? "on" : "off",
                        reason: "a throwaway ledger governs nothing; platform mode is for a platform's ledger")
                }
                // A platform's ledger knows who asks: free-text names stay with development
                // ledgers and the demo's throwaway ledger.
                if on, try Self.signedSince(db) == nil {
                    throw PrivacyLedgerError.invalidParameter(
                        name: "platform mode", value: "on",
                        reason:
                            "a platform's ledger takes signed requests: register its first reviewer first (ledger identity, ledger principal add --role reviewer)"
                    )
                }
                try db.execute(
                    sql:
                        "INSERT INTO settings VALUES ('platform_mode', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    arguments: [on ? "on" : "off"])
                try record(
                    db, time: time, actor: actor, action: "platform-mode",
                    details: try LedgerState.recording(
                        LedgerState.settingsKey, in: ["platform_mode": on ? "on" : "off"], db))
            }
        }
    }

    /// The registered dataset whose file `path` is — by its name (the absolute path) or, for a
    /// copy elsewhere, by its content (SHA-256 equal to a registered digest) — or `nil`.
    ///
    /// - Complexity: O(bytes of the file) when the ledger holds digests.
    public func registeredDataset(forFile path: String) throws(PrivacyLedgerError) -> String? {
        let name = Self.datasetName(forFile: path)
        let (byName, hasDigests) = try read { db in
            (
                try db.value(Int.self, sql: "SELECT count(*) FROM datasets WHERE name = ?", arguments: [name])!
                    > 0,
                try db.value(Int.self, sql: "SELECT count(*) FROM datasets WHERE content_digest IS NOT NULL")! > 0
            )
        }
        if byName { return name }
        guard hasDigests, FileManager.default.isReadableFile(atPath: path) else { return nil }
        let digest = try Self.fileDigest(path)
        return try read { db in
            try db.value(
                String.self, sql: "SELECT name FROM datasets WHERE content_digest = ? ORDER BY name LIMIT 1",
                arguments: [digest])
        }
    }

    /// Whether a raw-data tool (a description, an anonymity check or risk, an unaccounted DP
    /// run, a generalisation that prints its statistics) may read the file at `path`. Outside
    /// platform mode, or for a file that is not a registered dataset (nor a copy of one): yes.
    /// In platform mode, a registered dataset is read only by a steward — this connection's
    /// ``identity`` authenticated as a principal holding the steward role, in a ledger of
    /// signed requests — and the read is audited (`raw-read`); anyone else is refused with
    /// ``PrivacyLedgerError/platformMode(dataset:request:)`` (recorded).
    ///
    /// - Parameters:
    ///   - request: what the tool does, for the record (`describe`, `anonymity check`, …).
    ///   - actor: who asks (the identity's name when there is one).
    public func authoriseRawRead(of path: String, request: String, actor: String) throws(PrivacyLedgerError) {
        guard try isPlatformMode(), let dataset = try registeredDataset(forFile: path) else { return }
        try recordingRefusals(operator: actor, scenario: "", dataset: dataset, request: request) {
            () throws(PrivacyLedgerError) in
            let time = now
            try write { db in
                let steward =
                    try Self.signedSince(db) != nil
                    && (try? authenticate(db, actor: actor, role: .steward, action: "raw-read")) != nil
                guard steward else { throw PrivacyLedgerError.platformMode(dataset: dataset, request: request) }
                try record(
                    db, time: time, actor: actor, action: "raw-read",
                    details: ["dataset": dataset, "request": request, "file": Self.datasetName(forFile: path)])
            }
        }
    }
}
