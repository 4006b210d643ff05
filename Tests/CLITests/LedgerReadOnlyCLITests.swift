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
