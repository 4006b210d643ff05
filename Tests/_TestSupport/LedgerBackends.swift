public import Foundation
@testable public import PrivacyLedger

// The ledger's engines for the conformance suites of every test target (the ledger's own, the
// CLI's crash test, the service's acceptance test).

/// The engines the ledger's conformance tests run on.
public enum LedgerBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres
    public var description: String { rawValue }
}

/// The PostgreSQL server of the conformance suite (`scripts/test.sh` starts a throwaway one with
/// `scripts/postgres.sh` and exports its URL), or `nil`.
public let postgresServerURL: String? = {
    guard let url = ProcessInfo.processInfo.environment["PRIVACYKERNEL_POSTGRES_URL"], !url.isEmpty else {
        return nil
    }
    // Ledgers report their location without the password; reopening one by that location finds
    // the password here, as a platform's service would.
    if let password = URLComponents(string: url)?.password { setenv("PGPASSWORD", password, 1) }
    return url
}()

/// SQLite always; PostgreSQL when a server is configured — or required
/// (`PRIVACYKERNEL_REQUIRE_POSTGRES=1`, set by scripts/test.sh: the PostgreSQL cases then fail
/// instead of being left out when the server is missing).
public let ledgerBackends: [LedgerBackend] =
    postgresServerURL != nil || ProcessInfo.processInfo.environment["PRIVACYKERNEL_REQUIRE_POSTGRES"] == "1"
    ? [.sqlite, .postgres] : [.sqlite]

/// A new, empty ledger location on `backend`: a file in `directory`, or a new database on the
/// conformance suite's PostgreSQL server.
public func newLedgerLocation(
    _ backend: LedgerBackend, _ directory: TemporaryDirectory, file: String = "ledger.sqlite"
)
    throws -> String
{
    switch backend {
    case .sqlite:
        return directory.file(file)
    case .postgres:
        guard let server = postgresServerURL else {
            throw PrivacyLedgerError.storage(
                reason: "PRIVACYKERNEL_REQUIRE_POSTGRES=1 but PRIVACYKERNEL_POSTGRES_URL names no server")
        }
        let name = "pk_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        return try PostgresStorage.createDatabase(named: String(name), onServer: server)
    }
}

/// Runs `sql` on `ledger`'s tables directly, as someone with write access to the database (or
/// the file) and no key would: the tamper tests' editor, on either engine.
public func tamper(_ ledger: SQLiteLedger, _ sql: String) throws {
    try ledger.storage.write(synced: true, exclusive: true) { db in _ = try db.execute(sql: sql, arguments: []) }
}
