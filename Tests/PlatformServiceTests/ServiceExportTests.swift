import Foundation
import PlatformService
import PrivacyLedger
import SecureAggregation
import SecureAggregationTransport
import SecureRandom
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
        return
            #"{"scenario": "cohort", "dataset": "trips", "name": "\#(name)", "quasi_identifiers": ["district"], "hierarchies": {"district": "\#(hierarchy)"}, "k": \#(k)}"#
    }

    func prepare(_ running: RunningService) async throws {
        #expect(
            try await running.send(running.steward, "PUT", "/v1/datasets/trips", body: RunningService.tripsCSV()).status
                == 201)
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

/// Model fits over the service: DP linear and logistic regression charged to the operator's
/// authorisation (the computation form) before the noise; the answer is the coefficients.
@Suite("Platform service: DP model fits", .serialized)
struct ServiceModelTests {
    @Test("a linear and a logistic fit return coefficients and charge the authorisation")
    func fits() async throws {
        let running = try await RunningService.start()
        defer { Task { await running.stop() } }
        let rows = (0..<400).map { i -> String in
            let x = Double(i % 20) / 2
            return "\(x),\(2 * x + 1 + Double(i % 3) / 10),\(x > 5 ? 1 : 0)"
        }
        let csv = Data((["x,y,flag"] + rows).joined(separator: "\n").utf8 + [UInt8(ascii: "\n")])
        #expect(try await running.send(running.steward, "PUT", "/v1/datasets/points", body: csv).status == 201)
        let grant = try await running.send(
            running.reviewer, "POST", "/v1/authorisations",
            json: #"{"operator": "op", "scenario": "model", "dataset": "points", "epsilon": 20, "delta": 1e-5}"#)
        #expect(grant.status == 201, "\(grant.text)")
        let linear = try await running.send(
            running.op, "POST", "/v1/models",
            json:
                #"{"scenario": "model", "dataset": "points", "kind": "linear", "features": ["x"], "label": "y", "feature_bounds": [[0, 10]], "label_bounds": [0, 25], "epsilon": 5, "delta": 1e-6}"#
        )
        #expect(linear.status == 200, "\(linear.text)")
        let model = RunningService.object(linear.text)
        let slope = try #require((model["coefficients"] as? [Double])?.first)
        #expect(abs(slope - 2) < 1, "slope \(slope) far from 2")
        #expect(model["ledger_entry"] is String)
        let logistic = try await running.send(
            running.op, "POST", "/v1/models",
            json:
                #"{"scenario": "model", "dataset": "points", "kind": "logistic", "features": ["x"], "label": "flag", "feature_bounds": [[0, 10]], "epsilon": 5, "delta": 1e-6}"#
        )
        #expect(logistic.status == 200, "\(logistic.text)")
        #expect((RunningService.object(logistic.text)["coefficients"] as? [Double])?.count == 1)
        let spent = try #require(try running.ledger.authorisation(operator: "op", scenario: "model")?.spent)
        #expect(spent > 0)
        // Another operator: the same 404 as a missing dataset, nothing charged.
        let stranger = try await running.send(
            running.op2, "POST", "/v1/models",
            json:
                #"{"scenario": "model", "dataset": "points", "kind": "linear", "features": ["x"], "label": "y", "feature_bounds": [[0, 10]], "label_bounds": [0, 25], "epsilon": 1, "delta": 1e-6}"#
        )
        #expect(stranger.status == 404)
        // A missing label bound is a typed 400 before anything is charged.
        let before = try running.ledger.history(operator: "op").count
        let bad = try await running.send(
            running.op, "POST", "/v1/models",
            json:
                #"{"scenario": "model", "dataset": "points", "kind": "linear", "features": ["x"], "label": "y", "feature_bounds": [[0, 10]], "epsilon": 1, "delta": 1e-6}"#
        )
        #expect(bad.status == 400)
        #expect(try running.ledger.history(operator: "op").count == before)
    }
}

/// Scenario runs over the service: the steward registers the transport scenario's view of the
/// embedded transport file, the reviewer grants the view, the operator runs the model.
@Suite("Platform service: scenario runs", .serialized)
struct ServiceScenarioTests {
    @Test("register the view, grant it, run the transport model; the report has released sections")
    func transportRun() async throws {
        let running = try await RunningService.start()
        defer { Task { await running.stop() } }
        let file = try #require(FileManager.default.contents(atPath: repositoryRoot + "/datasets/transport.csv"))
        #expect(try await running.send(running.steward, "PUT", "/v1/datasets/transport", body: file).status == 201)
        let views = try await running.send(
            running.steward, "POST", "/v1/scenarios/transport/views", json: #"{"dataset": "transport"}"#)
        #expect(views.status == 201, "\(views.text)")
        #expect(views.text.contains("\"transport#transport\""))
        let grant = try await running.send(
            running.reviewer, "POST", "/v1/authorisations",
            json:
                #"{"operator": "op", "scenario": "od", "dataset": "transport#transport", "epsilon": 2, "delta": 1e-5}"#)
        #expect(grant.status == 201, "\(grant.text)")
        // Another operator cannot run under op's authorisation: the 404 of a missing one.
        let stranger = try await running.send(
            running.op2, "POST", "/v1/scenarios/transport/runs",
            json: #"{"dataset": "transport", "authorisation": "od", "epsilon": 2}"#)
        #expect(stranger.status == 404)
        // Under its own authorisation, another registered dataset answers as a missing one.
        #expect(try await running.send(running.steward, "PUT", "/v1/datasets/other", body: file).status == 201)
        let unauthorised = try await running.send(
            running.op, "POST", "/v1/scenarios/transport/runs",
            json: #"{"dataset": "other", "authorisation": "od", "epsilon": 2}"#)
        let missing = try await running.send(
            running.op, "POST", "/v1/scenarios/transport/runs",
            json: #"{"dataset": "nowhere", "authorisation": "od", "epsilon": 2}"#)
        #expect(unauthorised.status == 404)
        #expect(unauthorised == missing, "\(unauthorised.text) vs \(missing.text)")
        #expect(try running.ledger.authorisation(operator: "op", scenario: "od")?.spent == 0)
        let run = try await running.send(
            running.op, "POST", "/v1/scenarios/transport/runs",
            json: #"{"dataset": "transport", "authorisation": "od", "epsilon": 2}"#)
        #expect(run.status == 200, "\(run.text.prefix(500))")
        let report = RunningService.object(run.text)
        #expect(report["scenario"] as? String == "transport")
        #expect(((report["sections"] as? [Any])?.count ?? 0) > 0)
        #expect(try running.ledger.authorisation(operator: "op", scenario: "od")?.spent ?? 0 > 0)
        #expect(try running.ledger.verifySignatures().failures.isEmpty)
    }
}

/// Secure aggregation between departments, with the service as the server of the TCP protocol.
@Suite("Platform service: secure-aggregation sessions", .serialized)
struct ServiceSecAggTests {
    @Test("a steward starts a session, three parties connect, the steward reads the total; others do not")
    func threeParties() async throws {
        let running = try await RunningService.start()
        defer { Task { await running.stop() } }
        let description = SecAggSessionDescription(
            sessionID: Array(UUID().uuidString.utf8.prefix(16)), partyIDs: [1, 2, 3], dimension: 4, modulusBits: 32,
            threshold: 2, sparseDegree: nil, graphSeed: nil)
        let sessionJSON = String(decoding: try JSONEncoder().encode(description), as: UTF8.self)
        // Only a steward starts one.
        #expect(
            try await running.send(running.op, "POST", "/v1/secagg/sessions", json: #"{"session": \#(sessionJSON)}"#)
                .status == 403)
        let started = try await running.send(
            running.steward, "POST", "/v1/secagg/sessions", json: #"{"session": \#(sessionJSON), "join_timeout": 300, "round_timeout": 300}"#)
        #expect(started.status == 201, "\(started.text)")
        let port = try #require(RunningService.object(started.text)["port"] as? Int)
        let early = try await running.send(running.steward, "GET", "/v1/secagg/sessions/\(description.sessionID)")
        #expect(early.text.contains("\"running\""), "\(early.text)")
        let configuration = try description.configuration()
        let inputs: [[UInt32]] = [[1, 2, 3, 4], [10, 20, 30, 40], [100, 200, 300, UInt32.max]]
        // Each party blocks its own thread (as its own process would): never the cooperative
        // pool, which has one thread per core and would starve the third party.
        let failures = Counts()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let group = DispatchGroup()
            for (index, input) in inputs.enumerated() {
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    do {
                        let party = try SecAggParty(
                            id: UInt32(index + 1), configuration: configuration, input: input,
                            generator: try SecureRandomGenerator())
                        _ = try SecAggTCPParty.run(party: party, options: SecAggTCPParty.Options(port: port))
                        failures.add(ok: true)
                    } catch {
                        failures.add(ok: false, other: "\(error)")
                    }
                }
            }
            group.notify(queue: .global()) { done.resume() }
        }
        #expect(failures.ok == 3, "\(failures.others)")
        var status: [String: Any] = [:]
        for _ in 0..<600 {  // up to 30 s: the server records the outcome after the parties finish
            status = RunningService.object(
                try await running.send(running.steward, "GET", "/v1/secagg/sessions/\(description.sessionID)").text)
            if status["state"] as? String != "running" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status["state"] as? String == "finished", "\(status)")
        let expected = (0..<4).map { i in inputs.reduce(UInt32(0)) { $0 &+ $1[i] } }
        #expect((status["aggregate"] as? [Int])?.map(UInt32.init) == expected)
        // An operator does not see it; the reviewer sees the state but not the total.
        #expect(try await running.send(running.op, "GET", "/v1/secagg/sessions/\(description.sessionID)").status == 404)
        let overseen = RunningService.object(
            try await running.send(running.reviewer, "GET", "/v1/secagg/sessions/\(description.sessionID)").text)
        #expect(overseen["state"] as? String == "finished" && overseen["aggregate"] == nil)
        // The same session twice is refused; the start is on record, signed.
        #expect(
            try await running.send(
                running.steward, "POST", "/v1/secagg/sessions", json: #"{"session": \#(sessionJSON)}"#
            ).status == 409)
        #expect(try running.ledger.auditEntries().contains { $0.action == "secagg-session" && $0.actor == "stew" })
        #expect(try running.ledger.verifySignatures().failures.isEmpty)
    }
}
