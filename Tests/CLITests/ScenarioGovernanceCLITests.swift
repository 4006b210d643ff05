import Foundation
import GRDB
import Testing
import _TestSupport

/// Issue 14, item 3, as the issue reproduced it: `scenario` granted itself ε = 1000 for a
/// terminated operator and lowered the steward's level-4 `card_id` to level 3. Now a run uses
/// only an authorisation a reviewer granted over a view a steward registered, and the demo
/// acts as steward and reviewer only on a throwaway ledger it created.
@Suite("Issue 14: no self-service governance in scenario and demo", .enabled(if: privacyKernelBinary() != nil))
struct ScenarioGovernanceCLITests {
    static let transport: String? = repositoryRoot + "/datasets/transport.csv"

    func authorisationCount(_ ledger: String) throws -> Int {
        try DatabaseQueue(path: ledger).read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM authorisations")! }
    }

    func level(_ ledger: String, dataset: String, column: String) throws -> Int? {
        try DatabaseQueue(path: ledger).read { db in
            try Int.fetchOne(
                db, sql: "SELECT level FROM columns WHERE dataset = ? AND name = ?", arguments: [dataset, column])
        }
    }

    @Test("a terminated operator's scenario run grants nothing, reclassifies nothing, and is refused on record")
    func noSelfGrant() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = directory.file("ledger.sqlite")
        let data = try #require(Self.transport)
        let dataset = URL(fileURLWithPath: data).standardizedFileURL.resolvingSymlinksInPath().path
        #expect(try run(binary, ["ledger", "classify", "--ledger", ledger, "--data", data, "--level", "card_id=4"]).status == 0)
        #expect(
            try run(
                binary,
                [
                    "ledger", "grant", "--ledger", ledger, "--operator", "op3", "--scenario", "t", "--epsilon", "1",
                    "--data", data, "--columns", "fare",
                ]
            ).status == 0)
        #expect(
            try run(
                binary,
                ["ledger", "terminate", "--ledger", ledger, "--operator", "op3", "--scenario", "t", "--reason", "end"]
            ).status == 0)
        let before = try authorisationCount(ledger)
        for authorisation in ["t", "transport-new"] {
            let result = try run(
                binary,
                [
                    "scenario", "transport", "--data", data, "--ledger", ledger, "--operator", "op3", "--authorisation", authorisation,
                    "--epsilon", "1000", "--out", directory.file("out"),
                ])
            #expect(result.status != 0, "\(result.out)")
            #expect(
                result.err.contains("[terminated]") || result.err.contains("[no-authorisation]")
                    || result.err.contains("[dataset-not-authorised]"), "\(result.err)")
            #expect(result.err.contains("ledger grant --dataset"), "\(result.err)")
        }
        // Without --authorisation there is nothing to run under.
        let bare = try run(binary, ["scenario", "transport", "--data", data, "--ledger", ledger, "--operator", "op3", "--out", "x"])
        #expect(bare.status != 0 && bare.err.contains("--authorisation"), "\(bare.err)")
        #expect(try authorisationCount(ledger) == before)
        #expect(try level(ledger, dataset: dataset, column: "card_id") == 4)
        let refusals = try run(binary, ["ledger", "history", "--ledger", ledger, "--refusals", "--json"])
        let array = try #require(try JSONSerialization.jsonObject(with: Data(refusals.out.utf8)) as? [[String: Any]])
        #expect(array.count >= 2, "\(refusals.out)")
    }

    @Test("steward registers the view (levels only raised), reviewer grants it, operator runs it")
    func stewardReviewerOperator() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = directory.file("ledger.sqlite")
        let data = try #require(Self.transport)
        let view = URL(fileURLWithPath: data).standardizedFileURL.resolvingSymlinksInPath().path + "#transport"
        #expect(try run(binary, ["ledger", "classify", "--ledger", ledger, "--data", data, "--level", "card_id=4"]).status == 0)
        let registered = try run(binary, ["scenario", "transport", "--data", data, "--ledger", ledger, "--register-view"])
        #expect(registered.status == 0 && registered.out.contains("view \(view)"), "\(registered.err)")
        // card_id inherits the file's level 4: the view cannot be granted with it.
        #expect(try level(ledger, dataset: view, column: "card_id") == 4)
        let refused = try run(
            binary,
            [
                "ledger", "grant", "--ledger", ledger, "--operator", "op", "--scenario", "od", "--epsilon", "2",
                "--delta", "1e-5", "--dataset", view, "--columns", "card_id,od",
            ])
        #expect(refused.status != 0 && refused.err.contains("[level-4-column]"), "\(refused.err)")
        // The steward lowers the file's card_id to 3 (a steward's decision, audited); registering
        // again raises nothing and lowers nothing: the view's card_id stays 4 until classified.
        #expect(try run(binary, ["ledger", "classify", "--ledger", ledger, "--data", data, "--level", "card_id=3"]).status == 0)
        #expect(try run(binary, ["scenario", "transport", "--data", data, "--ledger", ledger, "--register-view"]).status == 0)
        #expect(try level(ledger, dataset: view, column: "card_id") == 4)
        #expect(
            try run(binary, ["ledger", "classify", "--ledger", ledger, "--dataset", view, "--level", "card_id=3"]).status
                == 0)
        let grant = try run(
            binary,
            [
                "ledger", "grant", "--ledger", ledger, "--operator", "op", "--scenario", "od", "--epsilon", "2",
                "--delta", "1e-5", "--dataset", view,
            ])
        #expect(grant.status == 0, "\(grant.err)")
        let before = try authorisationCount(ledger)
        let result = try run(
            binary,
            [
                "scenario", "transport", "--data", data, "--ledger", ledger, "--operator", "op", "--authorisation", "od", "--out",
                directory.file("out"),
            ])
        #expect(result.status == 0, "\(result.err)")
        #expect(FileManager.default.fileExists(atPath: directory.file("out/report.json")))
        #expect(try authorisationCount(ledger) == before)
        let history = try run(binary, ["ledger", "history", "--ledger", ledger, "--scenario", "od", "--json"])
        let releases = try #require(try JSONSerialization.jsonObject(with: Data(history.out.utf8)) as? [[String: Any]])
        #expect(releases.count >= 3)
    }

    @Test("the demo refuses a platform's ledger and runs on its own throwaway ledger, saying so")
    func demoThrowaway() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = directory.file("ledger.sqlite")
        #expect(try run(binary, ["ledger", "init", "--ledger", ledger]).status == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: ledger))
        let refused = try run(binary, ["demo", "--out", directory.file("demo"), "--ledger", ledger])
        #expect(refused.status != 0 && refused.err.contains("not a throwaway ledger"), "\(refused.err)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: ledger)) == bytes)
        #expect(try authorisationCount(ledger) == 0)
    }
}
