import Crypto
import DifferentialPrivacy
import Foundation
import _TestSupport
@testable import PrivacyLedger
import Tabular
import Testing

/// Issue 14, item 4, as an attacker with a copy of the SQLite file and a shell: every edit of
/// the governed state the issue reproduced is detected by `verifyAudit`/`stateDisagreements`
/// and refused by the release gate; a truncated chain and a re-signed forged chain are caught
/// by the regulator's signed checkpoints.
@Suite("Ledger: tamper-evident state", .serialized)
struct StateTamperingTests {
    /// A ledger with op-1/transport (ε = 1) over trips, two releases charged.
    func ledgerWithHistory(_ directory: TemporaryDirectory, _ backend: LedgerBackend) throws -> SQLiteLedger {
        let ledger = try makeLedger(directory, clock: TestClock(), backend: backend)
        let trips = try tripsTable(rows: 200)
        for _ in 0..<2 {
            _ = try ledger.release(
                .count(), over: trips, mechanism: .laplace, parameters: .pure(epsilon: 0.2), operator: "op-1",
                scenario: "transport", dataset: "trips")
        }
        return ledger
    }

    func edit(_ ledger: SQLiteLedger, _ sql: String) throws { try tamper(ledger, sql) }

    func releaseRule(_ ledger: SQLiteLedger) -> String? {
        do {
            _ = try ledger.release(
                .count(), over: try tripsTable(rows: 200), mechanism: .laplace, parameters: .pure(epsilon: 0.1),
                operator: "op-1", scenario: "transport", dataset: "trips")
            return nil
        } catch let error as PrivacyLedgerError { return error.rule } catch { return "\(error)" }
    }

    static let edits: [(name: String, sql: String, object: String)] = [
        (
            "budget raised from 1 to 100", "UPDATE authorisations SET budget = replace(budget, '1', '100')",
            "authorisation:1"
        ),
        ("spent reset to 0", "UPDATE authorisations SET spent = 0", "authorisation:1"),
        (
            "accountant reset",
            "UPDATE authorisations SET accountant = (SELECT accountant FROM authorisations) || ' '", "authorisation:1"
        ),
        ("validity extended", "UPDATE authorisations SET valid_to = valid_to + 1e8", "authorisation:1"),
        (
            "column added to the list", "INSERT INTO authorisation_columns VALUES (1, 'trips', 'national_id')",
            "authorisation:1"
        ),
        (
            "derived-data row planted",
            "INSERT INTO derived_data (authorisation_id, path, release_id, created_at) VALUES (1, '/etc/passwd', NULL, 0)",
            "authorisation:1"
        ),
        ("level-4 column lowered", "UPDATE columns SET level = 3 WHERE name = 'national_id'", "dataset:trips"),
        ("role removed", "UPDATE columns SET role = 'none' WHERE name = 'district'", "dataset:trips"),
        ("export policy weakened", "UPDATE settings SET value = '2' WHERE key = 'minimum_k'", "settings"),
    ]

    @Test(
        "each edit of the state is reported by audit-verify and refused by the release gate", arguments: ledgerBackends,
        0..<9)
    func editDetected(backend: LedgerBackend, _ index: Int) throws {
        let (name, sql, object) = Self.edits[index]
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try ledgerWithHistory(directory, backend)
        if object == "dataset:trips" && name == "role removed" { try declareTripRoles(ledger) }
        #expect(try ledger.stateDisagreements().isEmpty)
        let spentBefore = try ledger.authorisation(operator: "op-1", scenario: "transport")!.spent
        try edit(ledger, sql)
        let disagreements = try ledger.stateDisagreements()
        #expect(disagreements.map(\.object) == [object], "\(name): \(disagreements)")
        #expect(throws: PrivacyLedgerError.self, "\(name)") { try ledger.verifyAudit() }
        if object != "settings" {
            #expect(releaseRule(ledger) == "state-tampered", "\(name)")
            let after = try ledger.authorisation(operator: "op-1", scenario: "transport")!.spent
            #expect(name == "spent reset to 0" ? after == 0 : after == spentBefore, "\(name): charged after tampering")
        }
    }

    @Test(
        "a terminated authorisation set back to active is refused, and an inserted authorisation is reported",
        arguments: ledgerBackends)
    func statusAndInsertion(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try ledgerWithHistory(directory, backend)
        try ledger.terminate(operator: "op-1", scenario: "transport", reason: "ended")
        try edit(ledger, "UPDATE authorisations SET status = 'active'")
        #expect(releaseRule(ledger) == "state-tampered")
        try edit(
            ledger,
            """
            INSERT INTO authorisations (operator, scenario, budget, accounting, valid_from, trial_until, valid_to, status, accountant, spent, granted_at)
            SELECT 'op-2', 'free', budget, accounting, valid_from, trial_until, valid_to, 'active', accountant, 0, granted_at FROM authorisations
            """)
        let objects = try ledger.stateDisagreements().map(\.description)
        #expect(objects.count == 2)
        #expect(objects.contains { $0.hasPrefix("authorisation:2") && $0.contains("inserted") }, "\(objects)")
    }

    @Test("a purge keeps the state verifiable, and refuses to purge over an edited state", arguments: ledgerBackends)
    func purgeSnapshot(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock()
        let ledger = try makeLedger(directory, clock: clock, backend: backend)
        clock.advance(days: 400)
        try ledger.purgeAudit(before: ledger.earliestPurgeCutoff)
        #expect(try ledger.stateDisagreements().isEmpty)
        #expect(releaseRule(ledger) == "expired")  // 400 days on: the 365-day term is over, state intact
        try edit(ledger, "UPDATE authorisations SET valid_to = valid_to + 1e8")
        #expect(releaseRule(ledger) == "state-tampered")
        #expect(throws: PrivacyLedgerError.self) { try ledger.purgeAudit(before: ledger.earliestPurgeCutoff) }
    }

    @Test(
        "the regulator's checkpoints catch a truncated chain and a re-hashed forged chain; a forged signature fails",
        arguments: ledgerBackends)
    func checkpoints(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try ledgerWithHistory(directory, backend)
        let regulator = Curve25519.Signing.PrivateKey()
        let checkpoint = try ledger.checkpoint(signingWith: regulator)
        _ = try ledger.release(
            .count(), over: try tripsTable(rows: 200), mechanism: .laplace, parameters: .pure(epsilon: 0.1),
            operator: "op-1", scenario: "transport", dataset: "trips")
        #expect(try ledger.verifyCheckpoints(publicKey: regulator.publicKey).ok)
        // Another key's checkpoints are not the regulator's; none at all fails.
        #expect(!(try ledger.verifyCheckpoints(publicKey: Curve25519.Signing.PrivateKey().publicKey).ok))

        // A forged chain: the grant rewritten to ε = 100 with a matching state digest, the
        // authorisation row edited to match, and every later hash and the head recomputed — the
        // chain and the state verify, but the signed checkpoint does not.
        // (SQLite: on a copy of the file; PostgreSQL: in place, then the truncation on a second ledger.)
        let forged: SQLiteLedger
        if backend == .sqlite {
            let copy = directory.file("forged.sqlite")
            try FileManager.default.copyItem(atPath: ledger.path, toPath: copy)
            for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: ledger.path + suffix) {
                try FileManager.default.copyItem(atPath: ledger.path + suffix, toPath: copy + suffix)
            }
            forged = try SQLiteLedger(path: copy)
        } else {
            forged = ledger
        }
        try forged.storage.write(synced: true, exclusive: true) { db in
            _ = try db.execute(sql: "UPDATE authorisations SET budget = replace(budget, '1', '100')", arguments: [])
            try Self.rehash(db)
        }
        #expect(try forged.stateDisagreements().isEmpty)
        _ = try forged.verifyAudit()
        let result = try forged.verifyCheckpoints(publicKey: regulator.publicKey)
        #expect(!result.ok && result.failures.contains { $0.contains("rewritten") }, "\(result.failures)")
        // Re-signing with the attacker's key does not help: the stored signature fails.
        try forged.storage.write(synced: true, exclusive: true) { db in
            let attacker = Curve25519.Signing.PrivateKey()
            let row = try db.row(sql: "SELECT * FROM checkpoints", arguments: [])!
            let sequence: Int64 = try row.ledgerValue("sequence")
            let head = try db.value(
                String.self, sql: "SELECT hash FROM audit WHERE sequence = ?", arguments: [sequence])!
            let forgedCheckpoint = AuditCheckpoint(
                sequence: sequence, hash: head, time: Date(timeIntervalSince1970: try row.ledgerValue("time")),
                publicKey: regulator.publicKey.rawRepresentation.base64EncodedString(), signature: "")
            let signature = try attacker.signature(for: forgedCheckpoint.message).base64EncodedString()
            _ = try db.execute(sql: "UPDATE checkpoints SET hash = ?, signature = ?", arguments: [head, signature])
        }
        let resigned = try SQLiteLedger(path: forged.path).verifyCheckpoints(publicKey: regulator.publicKey)
        #expect(!resigned.ok && resigned.failures.contains { $0.contains("forged") }, "\(resigned.failures)")

        // Truncation: the last entries deleted and the head moved back below the checkpoint.
        let second = try ledgerWithHistory(try TemporaryDirectory(), backend)
        let secondCheckpoint = try second.checkpoint(signingWith: regulator)
        _ = try second.release(
            .count(), over: try tripsTable(rows: 200), mechanism: .laplace, parameters: .pure(epsilon: 0.1),
            operator: "op-1", scenario: "transport", dataset: "trips")
        try edit(second, "DELETE FROM audit WHERE sequence >= \(secondCheckpoint.sequence)")
        try edit(
            second,
            "UPDATE audit_head SET sequence = (SELECT MAX(sequence) FROM audit), hash = (SELECT hash FROM audit ORDER BY sequence DESC LIMIT 1)"
        )
        let truncated = try second.verifyCheckpoints(publicKey: regulator.publicKey)
        #expect(!truncated.ok && truncated.failures.contains { $0.contains("truncated") }, "\(truncated.failures)")
    }

    /// Rewrites the grant entry's state digest to the edited authorisation's and recomputes every
    /// hash from there on, as a forger with the file and this code would.
    static func rehash(_ db: any LedgerDatabase) throws {
        var previous = AuditLog.genesis
        for row in try db.rows(sql: "SELECT * FROM audit ORDER BY sequence", arguments: []) {
            let sequence: Int64 = try row.ledgerValue("sequence")
            var details: String = try row.ledgerValue("details")
            let action: String = try row.ledgerValue("action")
            if var object = try JSONSerialization.jsonObject(with: Data(details.utf8)) as? [String: String],
                object["state_of"] == "authorisation:1", action == "grant" || action == "release-charged"
            {
                object["state"] = try LedgerState.authorisationDigest(db, id: 1)
                details = AuditLog.canonicalJSON(object)
            }
            let hash = AuditLog.digest(
                sequence: sequence, time: try row.ledgerValue("time"), actor: try row.ledgerValue("actor"),
                action: action, details: details, previousHash: previous)
            _ = try db.execute(
                sql: "UPDATE audit SET details = ?, previous_hash = ?, hash = ? WHERE sequence = ?",
                arguments: [details, previous, hash, sequence])
            previous = hash
        }
        _ = try db.execute(
            sql: "UPDATE audit_head SET sequence = (SELECT MAX(sequence) FROM audit), hash = ?", arguments: [previous])
    }
}
