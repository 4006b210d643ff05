import DifferentialPrivacy
import Foundation
import _TestSupport
import GRDB
@testable import PrivacyLedger
import Tabular
import Testing

/// Regression tests for crashes found by the `ledger` fuzz target (Fuzz/, docs/fuzzing.md): a
/// ledger file whose rows were edited outside the kernel so that a field holds a value of
/// another SQLite type made GRDB's `row[column]` trap (`try!` in GRDB/Row.swift: "could not
/// decode Double from database value Data(2 bytes) - column: "time"").
@Suite("Issue 13 fuzz: ledger")
struct Issue13LedgerFuzzTests {
    func populated(_ directory: TemporaryDirectory) throws -> SQLiteLedger {
        let ledger = try makeLedger(directory, clock: TestClock())
        _ = try ledger.release(
            DPQuery.count(), over: try tripsTable(rows: 50), mechanism: .laplace,
            parameters: NoiseParameters.pure(epsilon: 0.1), operator: "op-1", scenario: "transport", dataset: "trips")
        return ledger
    }

    func tamper(_ directory: TemporaryDirectory, _ sql: String) throws {
        let queue = try DatabaseQueue(path: directory.file("ledger.sqlite"))
        try queue.write { db in try db.execute(sql: sql) }
    }

    @Test(
        "Issue 13 fuzz: ledger audit-verify reports an audit field of the wrong type as a broken chain, not a trap",
        arguments: [
            "UPDATE audit SET time = x'0001' WHERE sequence = 1",  // the fuzz input: a blob in a REAL column
            "UPDATE audit SET time = 'yesterday' WHERE sequence = 2",
            "UPDATE audit SET previous_hash = x'00' WHERE sequence = 2",
            "UPDATE audit SET hash = x'00' WHERE sequence = 3",
        ])
    func auditFieldOfWrongType(sql: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try populated(directory)
        _ = try ledger.verifyAudit()
        try tamper(directory, sql)
        #expect { try ledger.verifyAudit() } throws: { error in
            // A blob in a text column reads as text and fails the hash check; a value that
            // cannot be read as the column's type is reported as an edit of its own.
            guard let error = error as? PrivacyLedgerError, case .auditChainBroken = error else { return false }
            return true
        }
    }

    @Test("Issue 13 fuzz: ledger reads of rows with a field of the wrong type throw a storage error naming the column")
    func rowsOfWrongType() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try populated(directory)
        try tamper(directory, "UPDATE authorisations SET valid_from = x'0001'")
        try tamper(directory, "UPDATE audit SET time = x'0001' WHERE sequence = 1")
        try tamper(directory, "UPDATE releases SET charged_at = 'noon'")
        for (read, column) in [
            ({ _ = try ledger.authorisations() }, "valid_from"),
            ({ _ = try ledger.auditEntries() }, "time"),
            ({ _ = try ledger.history() }, "charged_at"),
        ] as [(() throws -> Void, String)] {
            #expect { try read() } throws: { error in
                guard let error = error as? PrivacyLedgerError, case let .storage(reason) = error else { return false }
                return reason.contains("'\(column)'") && reason.contains("wrong type") && !reason.contains("0001")
            }
        }
    }
}
