import DifferentialPrivacy
import Foundation
import _TestSupport
@testable import PrivacyLedger
import Tabular
import Testing

@Suite("Ledger: hash-chained audit log and retention purge")
struct AuditTests {
    /// A ledger with a few audited actions.
    func populated(_ directory: TemporaryDirectory, _ clock: TestClock, _ backend: LedgerBackend) throws -> SQLiteLedger
    {
        let ledger = try makeLedger(directory, clock: clock, backend: backend, exportArea: false)
        let table = try tripsTable(rows: 100)
        for _ in 0..<3 {
            _ = try ledger.release(
                DPQuery.count(), over: table, mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 0.1),
                operator: "op-1", scenario: "transport", dataset: "trips")
        }
        return ledger
    }

    @Test("an intact chain verifies and lists every action", arguments: ledgerBackends)
    func intact(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try populated(directory, TestClock(), backend)
        let (count, head) = try ledger.verifyAudit()
        let entries = try ledger.auditEntries()
        #expect(count == entries.count && head == entries.last!.hash)
        // created, registered, 2 classifications, grant, 3 × (charged, completed)
        #expect(
            entries.map(\.action) == ["ledger-created", "dataset-registered", "classify", "classify", "grant"]
                + Array(repeating: ["release-charged", "release-completed"], count: 3).flatMap { $0 })
        #expect(entries.map(\.sequence) == Array(1...Int64(entries.count)))
    }

    @Test(
        "an edited, deleted or truncated entry breaks the chain",
        arguments: ledgerBackends,
        [
            (
                "UPDATE audit SET details = replace(details, '0.1', '0.01') WHERE action = 'release-charged' AND sequence = 6",
                "edited"
            ),
            ("UPDATE audit SET actor = 'someone-else' WHERE sequence = 3", "edited"),
            ("DELETE FROM audit WHERE sequence = 7", "missing"),
            ("DELETE FROM audit WHERE sequence = (SELECT MAX(sequence) FROM audit)", "head"),
            ("UPDATE audit SET time = time + 1 WHERE sequence = 2", "edited"),
            // The ledger's own rows are checked against the entries that recorded them.
            ("UPDATE releases SET epsilon = 0.01 WHERE rowid = 2", "differs"),
            ("UPDATE releases SET result_digest = '00' WHERE rowid = 3", "digest differs"),
            ("DELETE FROM releases WHERE rowid = 1", "missing from the ledger"),
        ])
    func tampering(backend: LedgerBackend, tampering: (sql: String, expected: String)) throws {
        let (sql, expected) = tampering
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try populated(directory, TestClock(), backend)
        _ = try ledger.verifyAudit()
        try tamper(ledger, sql)
        #expect { try ledger.verifyAudit() } throws: { error in
            guard let error = error as? PrivacyLedgerError, case let .auditChainBroken(_, reason) = error else {
                return false
            }
            return error.rule == "audit-chain-broken" && reason.contains(expected)
        }
    }

    @Test(
        "purge refuses entries younger than 6 months, deletes older ones, and the chain still verifies",
        arguments: ledgerBackends)
    func purge(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock()
        let ledger = try populated(directory, clock, backend)
        let before = try ledger.auditEntries().count
        // Now: every entry is younger than 6 months.
        #expect { try ledger.purgeAudit(before: clock.now) } throws: {
            ($0 as? PrivacyLedgerError)?.rule == "purge-too-young"
        }
        #expect { try ledger.purgeAudit(before: clock.now.addingTimeInterval(-150 * 86_400)) } throws: {
            ($0 as? PrivacyLedgerError)?.rule == "purge-too-young"
        }
        // Nothing was deleted; the two refused purges are on record.
        let afterRefusals = try ledger.auditEntries()
        #expect(afterRefusals.count == before + 2)
        #expect(afterRefusals.suffix(2).map(\.action) == ["refused", "refused"])
        // Seven months later, more actions; purging before "6 months ago" deletes the old ones only.
        clock.advance(days: 7 * 31)
        let cutoff = ledger.earliestPurgeCutoff
        try ledger.suspend(operator: "op-1", scenario: "transport", reason: "late audit")
        let deleted = try ledger.purgeAudit(before: cutoff)
        #expect(deleted == before + 2)
        let remaining = try ledger.auditEntries()
        #expect(remaining.map(\.action) == ["suspend", "purge"])
        #expect(remaining.first!.sequence == Int64(before) + 3)
        _ = try ledger.verifyAudit()
        // Deleting the first kept entry after a purge still shows.
        try tamper(ledger, "DELETE FROM audit WHERE action = 'suspend'")
        #expect(throws: PrivacyLedgerError.self) { try ledger.verifyAudit() }
    }

    @Test("audit details are canonical JSON that JSONDecoder reads back")
    func canonicalDetails() throws {
        let details = ["b": "quote \" backslash \\ newline \n tab \t bell \u{7} 杭州", "a": "", "a2": "x"]
        let text = AuditLog.canonicalJSON(details)
        #expect(text.hasPrefix("{\"a\":\"\",\"a2\":\"x\",\"b\":"))
        #expect(try JSONDecoder().decode([String: String].self, from: Data(text.utf8)) == details)
        #expect(AuditLog.canonicalJSON(details) == text)
    }

    @Test("purge refuses to run over a broken chain", arguments: ledgerBackends)
    func purgeBroken(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock()
        let ledger = try populated(directory, clock, backend)
        clock.advance(days: 400)
        try tamper(ledger, "UPDATE audit SET action = 'nothing' WHERE sequence = 5")
        #expect { try ledger.purgeAudit(before: ledger.earliestPurgeCutoff) } throws: {
            ($0 as? PrivacyLedgerError)?.rule == "audit-chain-broken"
        }
    }
}
