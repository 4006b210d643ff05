import DifferentialPrivacy
import Foundation
@testable import PrivacyLedger
import Testing
import _TestSupport

@Suite("Ledger: real processes through the CLI", .serialized)
struct CLIProcessTests {
    @Test(
        "two concurrent processes spending one authorisation never exceed its budget",
        .enabled(if: privacyKernelBinary() != nil))
    func twoProcesses() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledgerPath = directory.file("ledger.sqlite"), data = directory.file("trips.csv")
        try ("fare,district\n" + (0..<500).map { "\(Double($0 % 50)),d\($0 % 3)" }.joined(separator: "\n") + "\n")
            .write(toFile: data, atomically: true, encoding: .utf8)
        try run(binary, ["ledger", "init", "--ledger", ledgerPath])
        let grant = try run(
            binary,
            [
                "ledger", "grant", "--ledger", ledgerPath, "--operator", "op-a", "--scenario", "s",
                "--epsilon", "1", "--data", data, "--columns", "fare",
            ])
        #expect(grant.status == 0, "\(grant.err)")
        // Each process tries 15 releases of ε = 0.05: 30 attempts for a budget of 20.
        let script = """
            ok=0; for i in $(seq 15); do "$0" dp mean --data "$1" --column fare --bounds 0:50 --epsilon 0.05 \
              --ledger "$2" --operator op-a --scenario s --json >> "$3" 2>> "$3.err" && ok=$((ok+1)); done; echo $ok
            """
        let outputs = [directory.file("a.jsonl"), directory.file("b.jsonl")]
        let successes = Counts()
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            if let result = try? run("/bin/sh", ["-c", script, binary, data, ledgerPath, outputs[index]]),
                let count = Int(result.out.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                for _ in 0..<count { successes.add(ok: true) }
            }
        }
        #expect(successes.ok == 20)
        let ledger = try SQLiteLedger(path: ledgerPath)
        let authorisation = try #require(try ledger.authorisation(operator: "op-a", scenario: "s"))
        #expect(authorisation.spent <= 1 + 1e-9 && authorisation.remaining >= 0)
        let history = try ledger.history()
        #expect(history.count == 20)
        // Every printed value has its ledger entry with the same digest.
        let printed = try outputs.flatMap { try String(contentsOfFile: $0, encoding: .utf8).split(separator: "\n") }
        #expect(printed.count == 20)
        for line in printed {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let entry = try #require(history.first { $0.id == object["ledger_entry"] as? String })
            #expect(entry.resultDigest == object["result_digest"] as? String)
        }
        let refusals = try outputs.map { try String(contentsOfFile: $0 + ".err", encoding: .utf8) }.joined()
        #expect(refusals.components(separatedBy: "[budget-exhausted]").count - 1 == 10)
        _ = try ledger.verifyAudit()
    }

    @Test(
        "crash test, short: 20 SIGKILLs at random moments lose no printed value and never overspend",
        .enabled(if: privacyKernelBinary() != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func crashShort() throws {
        let binary = try #require(privacyKernelBinary())
        let result = try run(
            "/bin/bash",
            [repositoryRoot + "/scripts/ledger-crash-test.sh", "--kills", "20", "--workers", "2", "--binary", binary])
        #expect(result.status == 0, "\(result.out)\n\(result.err)")
        #expect(result.out.contains("crash test passed"))
    }

    @Test(
        "crash test on a PostgreSQL ledger, short: 20 SIGKILLs of clients lose no printed value and never overspend",
        .enabled(
            if: privacyKernelBinary() != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
                && ledgerBackends.contains(.postgres)))
    func crashShortPostgres() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try newLedgerLocation(.postgres, directory)
        let result = try run(
            "/bin/bash",
            [
                repositoryRoot + "/scripts/ledger-crash-test.sh", "--kills", "20", "--workers", "2", "--binary", binary,
                "--ledger", ledger,
            ])
        #expect(result.status == 0, "\(result.out)\n\(result.err)")
        #expect(result.out.contains("crash test passed") && result.out.contains("engine: PostgreSQL"))
    }

    @Test("the CLI refuses with the rule's name and exit status 1", .enabled(if: privacyKernelBinary() != nil))
    func refusals() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledgerPath = directory.file("ledger.sqlite"), data = directory.file("people.csv")
        try
            ("age,district,national_id\n" + (0..<60).map { "\(20 + $0 % 3),d\($0 % 2),id\($0)" }.joined(separator: "\n")
            + "\n")
            .write(toFile: data, atomically: true, encoding: .utf8)
        try run(binary, ["ledger", "classify", "--ledger", ledgerPath, "--data", data, "--level", "national_id=4"])
        try run(
            binary,
            [
                "ledger", "grant", "--ledger", ledgerPath, "--operator", "op", "--scenario", "s", "--epsilon", "1",
                "--data", data, "--columns", "age",
            ])
        let outside = try run(
            binary,
            [
                "dp", "count", "--data", data, "--column", "district", "--epsilon", "0.1",
                "--ledger", ledgerPath, "--operator", "op", "--scenario", "s",
            ])
        #expect(outside.status != 0 && outside.err.contains("[column-not-authorised]"))
        let restricted = try run(
            binary,
            [
                "dp", "count", "--data", data, "--column", "national_id", "--epsilon", "0.1",
                "--ledger", ledgerPath, "--operator", "op", "--scenario", "s",
            ])
        #expect(restricted.status != 0 && restricted.err.contains("[level-4-column]"))
        try run(
            binary,
            ["ledger", "suspend", "--ledger", ledgerPath, "--operator", "op", "--scenario", "s", "--reason", "breach"])
        let suspended = try run(
            binary,
            [
                "dp", "count", "--data", data, "--column", "age", "--epsilon", "0.1",
                "--ledger", ledgerPath, "--operator", "op", "--scenario", "s",
            ])
        #expect(suspended.status != 0 && suspended.err.contains("[suspended]"))
        let status = try run(binary, ["ledger", "status", "--ledger", ledgerPath, "--json"])
        let array = try #require(try JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [[String: Any]])
        #expect(
            array.count == 1 && array[0]["status"] as? String == "suspended" && array[0]["spent"] as? Double == 0
                && array[0]["remaining"] as? Double == 1)
        let verify = try run(binary, ["ledger", "audit-verify", "--ledger", ledgerPath])
        #expect(verify.status == 0 && verify.out.contains("intact"))
        let purge = try run(binary, ["ledger", "purge", "--ledger", ledgerPath, "--older-than-days", "30"])
        #expect(purge.status != 0 && purge.err.contains("[purge-too-young]"))
        // generalise --out needs the export gate.
        let ungated = try run(
            binary,
            ["anonymity", "generalise", "--data", data, "--qi", "age", "--k", "5", "--out", directory.file("o.csv")])
        #expect(ungated.status != 0 && !FileManager.default.fileExists(atPath: directory.file("o.csv")))
    }
}
