import Crypto
import DifferentialPrivacy
import Foundation
import GRDB
@testable import PrivacyLedger
import Testing
import _TestSupport

/// Issue 14, item 7 (read-only verification): `status`, `history` and `audit-verify` open the
/// ledger read-only — they never create, migrate or write it, refuse a file that is not a
/// ledger by a typed error, and work on a copy — and `init` is safe when several processes
/// open a new file at once.
@Suite("Issue 14: read-only verification and concurrent creation of a ledger")
struct ReadOnlyLedgerTests {
    static func digest(_ path: String) throws -> String {
        SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: path))).map { String(format: "%02x", $0) }.joined()
    }

    static func expectNotALedger(_ path: String, reasonContains text: String) {
        do {
            _ = try SQLiteLedger(path: path, access: .readOnly)
            Issue.record("\(path) was opened as a ledger")
        } catch {
            guard case let .notALedger(_, reason) = error else {
                Issue.record("expected notALedger, got \(error)")
                return
            }
            #expect(reason.contains(text), "\(reason)")
            #expect(error.rule == "not-a-ledger")
        }
    }

    @Test("a missing, empty, non-SQLite or foreign SQLite file is refused by name and left byte for byte as it was")
    func refusesWhatIsNotALedger() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        Self.expectNotALedger(directory.file("missing.sqlite"), reasonContains: "no such file")
        #expect(!FileManager.default.fileExists(atPath: directory.file("missing.sqlite")))

        let empty = directory.file("empty.sqlite")
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        Self.expectNotALedger(empty, reasonContains: "empty")
        #expect(try FileManager.default.attributesOfItem(atPath: empty)[.size] as? NSNumber == 0)

        Self.expectNotALedger(directory.path, reasonContains: "not a regular file")

        let junk = directory.file("junk.sqlite")
        try Data(repeating: 0x41, count: 4_096).write(to: URL(fileURLWithPath: junk))
        Self.expectNotALedger(junk, reasonContains: "not a readable SQLite database")

        let foreign = directory.file("foreign.sqlite")
        let queue = try DatabaseQueue(path: foreign)
        try queue.write { db in try db.execute(sql: "CREATE TABLE t (x); INSERT INTO t VALUES (1)") }
        try queue.close()
        let before = try Self.digest(foreign)
        Self.expectNotALedger(foreign, reasonContains: "without the ledger's schema")
        #expect(try Self.digest(foreign) == before, "a read-only open changed a foreign file")
    }

    @Test("a ledger whose schema is older or newer than this version's is refused, not migrated")
    func refusesOtherSchemas() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("ledger.sqlite")
        _ = try makeLedger(directory, clock: TestClock())
        let older = directory.file("older.sqlite")
        let newer = directory.file("newer.sqlite")
        for (copy, edit) in [
            (older, "DELETE FROM grdb_migrations WHERE identifier = 'v3-digests-and-roles'"),
            (newer, "INSERT INTO grdb_migrations VALUES ('v99-future')"),
        ] {
            let queue = try DatabaseQueue(path: path)
            try queue.backup(to: try DatabaseQueue(path: copy))
            try queue.close()
            let edited = try DatabaseQueue(path: copy)
            try edited.write { db in try db.execute(sql: edit) }
            try edited.close()
        }
        let olderDigest = try Self.digest(older)
        Self.expectNotALedger(older, reasonContains: "not applied")
        Self.expectNotALedger(newer, reasonContains: "not one of this version's")
        #expect(try Self.digest(older) == olderDigest, "the older ledger was migrated by a read-only open")
    }

    @Test("a copy of a ledger is verified and read without a byte of it changing, and a write through it fails")
    func readsACopy() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock()
        let ledger = try makeLedger(directory, clock: clock)
        _ = try ledger.release(
            DPQuery.count(), over: try tripsTable(rows: 200), mechanism: .laplace, parameters: .pure(epsilon: 0.1),
            operator: "op-1", scenario: "transport", dataset: "trips")
        let copy = directory.file("copy.sqlite")
        let source = try DatabaseQueue(path: directory.file("ledger.sqlite"))
        try source.backup(to: try DatabaseQueue(path: copy))
        try source.close()
        let before = try Self.digest(copy)

        let reader = try SQLiteLedger(path: copy, access: .readOnly)
        let (entries, _) = try reader.verifyAudit()
        #expect(entries >= 4)
        #expect(try reader.authorisations().count == 1)
        #expect(try reader.history(operator: "op-1").count == 1)
        do {
            _ = try reader.suspend(operator: "op-1", scenario: "transport", reason: "test", actor: "regulator")
            Issue.record("a read-only ledger accepted a status change")
        } catch {
            guard case .storage = error else { throw error }
        }
        #expect(try Self.digest(copy) == before, "reading the copy changed it")
    }

    @Test("eight connections creating one new ledger at once all succeed, ten times over")
    func concurrentCreation() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        for round in 0..<10 {
            let path = directory.file("ledger-\(round).sqlite")
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                do { _ = try SQLiteLedger(path: path, durability: .normal) } catch { failures.append("\(error)") }
            }
            #expect(failures.all.isEmpty, "round \(round): \(failures.all)")
            let (entries, _) = try SQLiteLedger(path: path, access: .readOnly).verifyAudit()
            #expect(entries == 1, "round \(round): \(entries) creation entries")
        }
    }

    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var messages: [String] = []
        func append(_ message: String) { lock.withLock { messages.append(message) } }
        var all: [String] { lock.withLock { messages } }
    }
}
