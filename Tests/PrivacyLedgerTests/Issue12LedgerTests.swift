import DifferentialPrivacy
import Foundation
import _TestSupport
@testable import PrivacyLedger
import Testing

/// Runs the CLI and parses its stdout as JSON.
private func cliJSON(_ binary: String, _ arguments: [String]) throws -> Any {
    let result = try run(binary, arguments)
    #expect(result.status == 0, "\(arguments): \(result.err)")
    return try JSONSerialization.jsonObject(with: Data(result.out.utf8))
}

@Suite("Issue 12: ledger defects", .serialized)
struct Issue12LedgerTests {
    @Test(
        "Issue 12 C-pure-delta: a pure-ε budget asked for a δ release says the budget type does not allow δ, charging nothing"
    )
    func pureBudgetRefusesDelta() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock()
        let ledger = try makeLedger(directory, clock: clock, budget: .pure(epsilon: 1))
        let table = try tripsTable(rows: 200)
        let refusal = #expect(throws: PrivacyLedgerError.self) {
            _ = try ledger.release(
                .count(), over: table, mechanism: .gaussian,
                parameters: NoiseParameters.approximate(epsilon: 0.1, delta: 1e-6),
                operator: "op-1", scenario: "transport", dataset: "trips")
        }
        #expect(refusal?.rule == "budget-type-mismatch", "\(String(describing: refusal))")
        #expect(refusal?.description.contains("does not allow δ") == true)
        #expect(try ledger.history().isEmpty)
        #expect(try ledger.authorisation(operator: "op-1", scenario: "transport")?.spent == 0)
        // The session refuses it the same way, and pure releases still pass.
        let session = try PrivacySession(budget: .pure(epsilon: 1))
        #expect(throws: DifferentialPrivacyError.budgetTypeMismatch(budget: "ε=1.0", requested: "(ε=0.1, δ=1e-06)")) {
            try session.charge(
                ChargeRequest(
                    stated: .approximate(epsilon: 0.1, delta: 1e-6), mechanism: .approximate(epsilon: 0.1, delta: 1e-6),
                    description: "x"))
        }
        _ = try session.charge(
            ChargeRequest(stated: .pureEpsilon(0.1), mechanism: .pureEpsilon(0.1), description: "pure"))
        #expect(abs(session.spent - 0.1) < 1e-12)
    }

    @Test(
        "Issue 12 C-expired: an authorisation past its end stands expired, in the library and in `ledger status`",
        .enabled(if: privacyKernelBinary() != nil))
    func expiredShowsExpired() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("ledger.sqlite")
        let ledger = try SQLiteLedger(path: path)
        try ledger.registerDataset("trips", columns: ["fare"])
        let start = Date().addingTimeInterval(-400 * 86_400)
        let old = try ledger.grant(
            operator: "op-1", scenario: "old", budget: .pure(epsilon: 1), dataset: "trips", validFrom: start,
            validDays: 365)
        let future = try ledger.grant(
            operator: "op-1", scenario: "later", budget: .pure(epsilon: 1), dataset: "trips",
            validFrom: Date().addingTimeInterval(86_400), validDays: 30)
        #expect(old.status == .active)
        #expect(old.standing(at: Date()) == .expired)
        #expect(old.standing(at: start.addingTimeInterval(86_400)) == .active)
        #expect(old.standing(at: old.validTo) == .expired)  // half-open window, as the gate checks it
        #expect(future.standing(at: Date()) == .notYetValid)
        let listing = try #require(
            try cliJSON(binary, ["ledger", "status", "--json", "--ledger", path]) as? [[String: Any]])
        #expect(listing.first { $0["scenario"] as? String == "old" }?["status"] as? String == "expired")
        #expect(listing.first { $0["scenario"] as? String == "old" }?["lifecycle"] as? String == "active")
        #expect(listing.first { $0["scenario"] as? String == "later" }?["status"] as? String == "not-yet-valid")
        let text = try run(binary, ["ledger", "status", "--ledger", path])
        #expect(text.out.contains("op-1/old: expired"), "\(text.out)")
    }

    @Test(
        "Issue 12 C-messages: blank reasons, names and actors are refused, in the library and the CLI",
        .enabled(if: privacyKernelBinary() != nil))
    func blankTextsRefused() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock()
        let ledger = try makeLedger(directory, clock: clock)
        for reason in ["", "   ", "\n"] {
            #expect(throws: PrivacyLedgerError.self) {
                try ledger.suspend(operator: "op-1", scenario: "transport", reason: reason)
            }
            #expect(throws: PrivacyLedgerError.self) {
                try ledger.terminate(operator: "op-1", scenario: "transport", reason: reason)
            }
        }
        #expect(throws: PrivacyLedgerError.self) {
            try ledger.suspend(operator: "op-1", scenario: "transport", reason: "ok", actor: " ")
        }
        #expect(throws: PrivacyLedgerError.self) {
            try ledger.grant(operator: " ", scenario: "x", budget: .pure(epsilon: 1), dataset: "trips")
        }
        #expect(throws: PrivacyLedgerError.self) { try ledger.registerDataset("trips2", columns: ["a", " "]) }
        let blank = #expect(throws: PrivacyLedgerError.self) {
            try ledger.suspend(operator: "op-1", scenario: "transport", reason: "")
        }
        #expect(blank?.rule == "invalid-parameter" && blank?.description.contains("reason") == true)
        #expect(try ledger.authorisation(operator: "op-1", scenario: "transport")?.status == .active)
        let result = try run(
            binary,
            [
                "ledger", "suspend", "--ledger", directory.file("ledger.sqlite"), "--operator", "op-1",
                "--scenario", "transport", "--reason", "",
            ])
        #expect(result.status != 0)
        #expect(result.err.contains("--reason must not be blank"), "\(result.err)")
        #expect(try ledger.authorisation(operator: "op-1", scenario: "transport")?.status == .active)
    }

    @Test(
        "Issue 12 C-ledger-csv: `ledger classify|grant --data` read through CSVReader and fail with its errors",
        .enabled(if: privacyKernelBinary() != nil))
    func ledgerReadsCSVThroughReader() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("ledger.sqlite")
        let cases: [(String, [UInt8], String)] = [
            ("junk.csv", [0x00, 0x01, 0xFF, 0xFE, 0x2C, 0x61, 0x0A, 0x31, 0x2C, 0x32, 0x0A], "invalid UTF-8"),
            ("latin1.csv", Array("caf".utf8) + [0xE9] + Array(",b\n1,2\n".utf8), "invalid UTF-8"),
            ("duplicate.csv", Array("a,b,a\n1,2,3\n".utf8), "appears more than once"),
            ("ragged.csv", Array("a,b\n1,2,3\n".utf8), "row has 3 fields"),
        ]
        for (name, bytes, message) in cases {
            let file = directory.file(name)
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            let classify = try run(binary, ["ledger", "classify", "--ledger", path, "--data", file])
            #expect(classify.status != 0, "\(name) was accepted")
            #expect(classify.err.contains(message) && classify.err.contains(name), "\(name): \(classify.err)")
            let grant = try run(
                binary,
                [
                    "ledger", "grant", "--ledger", path, "--data", file, "--operator", "o", "--scenario", "s",
                    "--epsilon", "1",
                ])
            #expect(grant.status != 0 && grant.err.contains(message), "\(name): \(grant.err)")
        }
        #expect(
            !FileManager.default.fileExists(atPath: path), "nothing is registered (no ledger created) from a bad file")
        let semicolons = directory.file("semi.csv"), tabs = directory.file("tabs.tsv")
        try "x;y\n1;2\n".write(toFile: semicolons, atomically: true, encoding: .utf8)
        try "p\tq\n1\t2\n".write(toFile: tabs, atomically: true, encoding: .utf8)
        #expect(
            try run(binary, ["ledger", "classify", "--ledger", path, "--data", semicolons, "--separator", ";"]).status
                == 0)
        #expect(
            try run(binary, ["ledger", "classify", "--ledger", path, "--data", tabs, "--separator", "\\t"]).status == 0)
        let ledger = try SQLiteLedger(path: path)
        #expect(try ledger.columns(of: SQLiteLedger.datasetName(forFile: semicolons)).map(\.column) == ["x", "y"])
        #expect(try ledger.columns(of: SQLiteLedger.datasetName(forFile: tabs)).map(\.column) == ["p", "q"])
    }

    @Test(
        "Issue 12 Also-2: `ledger status --json` and `audit-verify --json` give numbers, booleans and column names; 0 remaining, not 1.1e-16",
        .enabled(if: privacyKernelBinary() != nil))
    func jsonShapes() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("ledger.sqlite")
        let ledger = try SQLiteLedger(path: path)
        try ledger.registerDataset("trips", columns: ["fare", "district", "card", "national_id"])
        try ledger.grant(
            operator: "op-1", scenario: "transport", budget: .pure(epsilon: 1), dataset: "trips",
            columns: ["fare", "district"])
        let table = try tripsTable(rows: 100)
        for _ in 0..<10 {
            _ = try ledger.release(
                .count(), over: table, mechanism: .discreteLaplace, parameters: NoiseParameters.pure(epsilon: 0.1),
                operator: "op-1", scenario: "transport", dataset: "trips")
        }
        let raw = try #require(try ledger.authorisation(operator: "op-1", scenario: "transport"))
        #expect(
            raw.remaining > 0 && raw.remaining < 1e-12,
            "the floating-point residue this test is about: \(raw.remaining)")
        let status = try #require(
            (try cliJSON(binary, ["ledger", "status", "--json", "--ledger", path]) as? [[String: Any]])?.first)
        #expect(status["remaining"] as? Double == 0)
        let budget = try #require(status["budget"] as? [String: Any])
        #expect(budget["type"] as? String == "pure")
        #expect(budget["epsilon"] as? Double == 1)
        #expect(status["columns"] as? [String] == ["district", "fare"])
        let verify = try #require(
            try cliJSON(binary, ["ledger", "audit-verify", "--json", "--ledger", path]) as? [String: Any])
        #expect(verify["ok"] as? Bool == true)
        #expect(verify["entries"] as? Int == (try ledger.verifyAudit().entries))
        #expect(!(verify["entries"] is String))
        #expect(verify["head"] as? String == (try ledger.verifyAudit().head))
    }

    @Test(
        "Issue 12 P7: a steward declares a dataset's row count public in the ledger (migration v2, `ledger classify --public-rows`)",
        .enabled(if: privacyKernelBinary() != nil))
    func rowCountDeclaration() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("ledger.sqlite")
        let ledger = try SQLiteLedger(path: path)
        try ledger.registerDataset("trips", columns: ["fare"])
        #expect(try ledger.isRowCountPublic(dataset: "trips") == false)
        try ledger.declareRowCountPublic(dataset: "trips", true, actor: "steward")
        #expect(try ledger.isRowCountPublic(dataset: "trips"))
        #expect(throws: PrivacyLedgerError.unknownDataset(dataset: "nope")) {
            try ledger.declareRowCountPublic(dataset: "nope", true)
        }
        #expect(try ledger.auditEntries().contains { $0.action == "row-count-public" && $0.actor == "steward" })
        let file = directory.file("d.csv")
        try "a,b\n1,2\n".write(toFile: file, atomically: true, encoding: .utf8)
        let dataset = SQLiteLedger.datasetName(forFile: file)
        let declared = try run(binary, ["ledger", "classify", "--ledger", path, "--data", file, "--public-rows"])
        #expect(
            declared.status == 0 && declared.out.contains("row count: declared public by steward"), "\(declared.err)")
        #expect(try ledger.isRowCountPublic(dataset: dataset))
        let withdrawn = try run(binary, ["ledger", "classify", "--ledger", path, "--data", file, "--no-public-rows"])
        #expect(withdrawn.status == 0 && withdrawn.out.contains("row count: not published"))
        #expect(try ledger.isRowCountPublic(dataset: dataset) == false)
    }
}
