import Foundation
import PlatformService
import PrivacyLedger
import Testing
import _TestSupport

/// Exports over the service: generalised with ARX hierarchies, checked by the export gate over
/// the steward's declared quasi-identifiers, written into the export area, handed over once to
/// the operator that made it, and to nobody else.
@Suite("Platform service: exports, downloaded once by their operator", .serialized)
struct ServiceExportTests {
    static let districtHierarchy = "Xihu;West\nGongshu;West\nBinjiang;East\nShangcheng;East\n"

    func exportBody(name: String = "cohort.csv", k: Int = 5) -> String {
        let hierarchy = Self.districtHierarchy.replacingOccurrences(of: "\n", with: "\\n")
        return #"{"scenario": "cohort", "dataset": "trips", "name": "\#(name)", "quasi_identifiers": ["district"], "hierarchies": {"district": "\#(hierarchy)"}, "k": \#(k)}"#
    }

    func prepare(_ running: RunningService) async throws {
        #expect(try await running.send(running.steward, "PUT", "/v1/datasets/trips", body: RunningService.tripsCSV()).status == 201)
        let role = try await running.send(
            running.steward, "PATCH", "/v1/datasets/trips/columns/district", json: #"{"role": "quasi-identifier"}"#)
        #expect(role.status == 200, "\(role.text)")
        let grant = try await running.send(
            running.reviewer, "POST", "/v1/authorisations",
            json: #"{"operator": "op", "scenario": "cohort", "dataset": "trips", "epsilon": 1}"#)
        #expect(grant.status == 201, "\(grant.text)")
    }

    @Test("export, download once, 410 after; another operator gets the 404 of a missing file")
    func exportAndDownloadOnce() async throws {
        let running = try await RunningService.start()
        defer { Task { await running.stop() } }
        try await prepare(running)
        let exported = try await running.send(running.op, "POST", "/v1/exports", json: exportBody())
        #expect(exported.status == 201, "\(exported.text)")
        let document = RunningService.object(exported.text)
        #expect((document["levels"] as? [String: Int])?["district"] == 0)
        #expect(document["download"] as? String == "/v1/exports/cohort.csv")
        // Nothing about the raw rows in the answer: no counts of rows or suppressed rows.
        #expect(document["suppressed"] == nil && document["rows"] == nil)

        let stranger = try await running.send(running.op2, "GET", "/v1/exports/cohort.csv")
        let missing = try await running.send(running.op2, "GET", "/v1/exports/nothing.csv")
        #expect(stranger.status == 404)
        #expect(stranger == missing)

        let first = try await running.send(running.op, "GET", "/v1/exports/cohort.csv")
        #expect(first.status == 200)
        #expect(first.text.hasPrefix("card_id,fare,district\n"))
        #expect(first.text.split(separator: "\n").count == 201)
        let second = try await running.send(running.op, "GET", "/v1/exports/cohort.csv")
        #expect(second.status == 410)
        #expect(RunningService.object(second.text)["error"] as? String == "export-downloaded")

        let entries = try running.ledger.auditEntries()
        #expect(entries.filter { $0.action == "export-downloaded" && $0.actor == "op" }.count == 1)
        #expect(try running.ledger.verifySignatures().failures.isEmpty)
    }

    @Test("the gate refuses a k below the platform's minimum and an export by an unauthorised operator")
    func refusals() async throws {
        let running = try await RunningService.start()
        defer { Task { await running.stop() } }
        try await prepare(running)
        let low = try await running.send(running.op, "POST", "/v1/exports", json: exportBody(k: 2))
        #expect(low.status == 403, "\(low.text)")
        #expect((RunningService.object(low.text)["error"] as? String)?.hasPrefix("export-") == true)
        let stranger = try await running.send(running.op2, "POST", "/v1/exports", json: exportBody())
        #expect(stranger.status == 404)
        #expect(!FileManager.default.fileExists(atPath: try running.ledger.exportArea() + "/cohort.csv"))
    }
}
