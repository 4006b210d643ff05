import Foundation
import GRDB
import Testing
import _TestSupport

/// Issue 14, item 7, as the issue reproduced it: the read commands on a 0-byte file, a foreign
/// SQLite file and a copy of a ledger, and eight concurrent `ledger init` on a new file.
@Suite("Issue 14: ledger read commands never write", .enabled(if: privacyKernelBinary() != nil))
struct LedgerReadOnlyCLITests {
    @Test("status, history and audit-verify refuse a 0-byte or foreign file by name and leave it unchanged")
    func refuseNonLedgers() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let empty = directory.file("empty.sqlite")
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let foreign = directory.file("foreign.sqlite")
        let queue = try DatabaseQueue(path: foreign)
        try queue.write { db in try db.execute(sql: "CREATE TABLE t (x)") }
        try queue.close()
        let foreignBytes = try Data(contentsOf: URL(fileURLWithPath: foreign))
        for file in [empty, foreign] {
            for command in [["status"], ["history"], ["audit-verify"]] {
                let result = try run(binary, ["ledger"] + command + ["--ledger", file])
                #expect(result.status != 0, "\(command) accepted \(file): \(result.out)")
                #expect(result.err.contains("[not-a-ledger]"), "\(command) on \(file): \(result.err)")
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: empty)).isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: foreign)) == foreignBytes)
        let tables = try DatabaseQueue(path: foreign).read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master")
        }
        #expect(tables == ["t"], "the foreign file was migrated: \(tables)")
    }

    @Test("eight concurrent `ledger init` on a new file all succeed, five times over")
    func concurrentInit() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        for round in 0..<5 {
            let path = directory.file("ledger-\(round).sqlite")
            let processes = try (0..<8).map { _ -> Process in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: binary)
                process.arguments = ["ledger", "init", "--ledger", path]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                return process
            }
            for process in processes { process.waitUntilExit() }
            let failed = processes.filter { $0.terminationStatus != 0 }.count
            #expect(failed == 0, "round \(round): \(failed) of 8 inits failed")
            let verify = try run(binary, ["ledger", "audit-verify", "--ledger", path])
            #expect(verify.status == 0 && verify.out.contains("intact"), "\(verify.out) \(verify.err)")
        }
    }
}

/// Issue 14, item 4, as the issue reproduced it: edits of the SQLite file that
/// `ledger audit-verify` reported as "audit log intact", and the regulator's checkpoints.
@Suite("Issue 14: audit-verify sees edited state", .enabled(if: privacyKernelBinary() != nil))
struct AuditVerifyStateCLITests {
    @Test("a raised budget, a reset spent, a reactivated authorisation and a lowered level are each reported, exit 1")
    func editsReported() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let data = directory.file("trips.csv")
        try writeSmallTripsCSV(to: data)
        let ledger = directory.file("ledger.sqlite")
        #expect(try run(binary, ["ledger", "classify", "--ledger", ledger, "--data", data, "--level", "card_id=4"]).status == 0)
        #expect(
            try run(
                binary,
                ["ledger", "grant", "--ledger", ledger, "--operator", "o", "--scenario", "s", "--epsilon", "1", "--data", data]
            ).status == 0)
        let dp = ["dp", "count", "--data", data, "--epsilon", "0.5", "--ledger", ledger, "--operator", "o", "--scenario", "s"]
        #expect(try run(binary, dp).status == 0)
        #expect(try run(binary, ["ledger", "identity", "--name", "regulator", "--out", directory.file("regulator")]).status == 0)
        let signed = try run(binary, ["ledger", "checkpoint", "--ledger", ledger, "--identity", directory.file("regulator.key")])
        #expect(signed.status == 0 && signed.out.contains("checkpoint: entry"), "\(signed.err)")
        let clean = try run(
            binary, ["ledger", "audit-verify", "--ledger", ledger, "--public-key", directory.file("regulator.pub")])
        #expect(clean.status == 0 && clean.out.contains("state matches") && clean.out.contains("1 verified"), "\(clean.out)")
        let edits = [
            "UPDATE authorisations SET budget = replace(budget, '1', '100')",
            "UPDATE authorisations SET spent = 0",
            "UPDATE columns SET level = 3 WHERE name = 'card_id'",
        ]
        let queue = try DatabaseQueue(path: ledger)
        try queue.write { db in for sql in edits { try db.execute(sql: sql) } }
        try queue.close()
        let verify = try run(binary, ["ledger", "audit-verify", "--ledger", ledger, "--json"])
        #expect(verify.status == 1, "\(verify.out)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(verify.out.utf8)) as? [String: Any])
        let disagreements = try #require(object["disagreements"] as? [String])
        #expect(disagreements.count == 2 && object["ok"] as? Bool == false, "\(disagreements)")
        #expect(disagreements.contains { $0.hasPrefix("authorisation:1") }, "\(disagreements)")
        #expect(disagreements.contains { $0.hasPrefix("dataset:") }, "\(disagreements)")
        // The chain itself is intact, and says how long it is.
        #expect((object["entries"] as? Int ?? 0) > 0 && object["broken_at"] == nil, "\(verify.out)")
        let text = try run(binary, ["ledger", "audit-verify", "--ledger", ledger])
        #expect(text.status == 1 && text.out.contains("audit chain intact: ") && !text.out.contains("?"), "\(text.out)")
        #expect(text.out.contains("authorisation:1: differs from its state"), "\(text.out)")
        // The edited budget is not honoured: the next release is refused.
        let refused = try run(binary, dp)
        #expect(refused.status != 0 && refused.err.contains("[state-tampered]"), "\(refused.err)")
    }
}
