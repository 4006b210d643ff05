public import Foundation

// Throwaway ledgers: created fresh for a demonstration, marked as such, never a platform's ledger.
extension SQLiteLedger {
    // MARK: Throwaway ledgers

    /// Creates a **throwaway ledger** at `path` for a demonstration (the `demo` command, the
    /// scenario tests): a new ledger file marked as throwaway in its settings and audit log,
    /// on which a demonstration may act as its own steward and reviewer. A throwaway ledger
    /// from an earlier run at `path` is replaced; any other file is refused, so a platform's
    /// ledger can never be used (or erased) this way.
    ///
    /// - Parameters:
    ///   - path: the file to create.
    ///   - purpose: why (audited), e.g. `"demo"`.
    /// - Throws: ``PrivacyLedgerError/invalidParameter(name:value:reason:)`` when a file that is
    ///   not a throwaway ledger exists at `path`; ``PrivacyLedgerError/storage(reason:)``.
    public static func createThrowaway(
        at path: String, purpose: String, clock: @escaping @Sendable () -> Date = { Date() }
    ) throws(PrivacyLedgerError) -> SQLiteLedger {
        try requireText(purpose, name: "purpose")
        if FileManager.default.fileExists(atPath: path) {
            let existing: Bool
            do { existing = try SQLiteLedger(path: path, access: .readOnly).isThrowaway() } catch {
                existing = false
            }
            guard existing else {
                throw .invalidParameter(
                    name: "throwaway ledger", value: path,
                    reason: "a file that is not a throwaway ledger exists there; a demonstration never reuses it")
            }
            for file in [path, path + "-wal", path + "-shm", path + "-journal"] {
                try? FileManager.default.removeItem(atPath: file)
            }
        }
        let ledger = try SQLiteLedger(path: path, durability: .normal, clock: clock)
        let time = ledger.now
        try ledger.write { db in
            try db.execute(sql: "INSERT INTO settings VALUES ('throwaway', ?)", arguments: [purpose])
            try AuditLog.append(
                db, time: time, actor: "platform", action: "throwaway-ledger",
                details: try LedgerState.recording(LedgerState.settingsKey, in: ["purpose": purpose], db))
        }
        return ledger
    }

    /// Whether this ledger was created by ``createThrowaway(at:purpose:clock:)``: a
    /// demonstration's, never a platform's.
    public func isThrowaway() throws(PrivacyLedgerError) -> Bool {
        try read { db in
            try db.value(String.self, sql: "SELECT value FROM settings WHERE key = 'throwaway'") != nil
        }
    }
}
