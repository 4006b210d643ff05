import Foundation
import PlatformService
import PrivacyLedger
import Testing
import _TestSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Issue 15's acceptance: the service on a free loopback port; a steward registers a dataset,
/// a reviewer grants, an operator releases; unsigned, forged, stale and replayed requests are
/// 401; another operator's dataset is refused with nothing revealed; over budget is refused and
/// audited; a suspension mid-load refuses every request from the next one on.
@Suite("Platform service: acceptance over loopback, on both ledger engines", .serialized)
struct ServiceAcceptanceTests {
    @Test(
        "steward registers, reviewer grants, operator releases; every entry is the principal's, signed",
        arguments: ledgerBackends)
    func registerGrantRelease(backend: LedgerBackend) async throws {
        let running = try await RunningService.start(backend: backend)
        defer { Task { await running.stop() } }
        try await running.registerAndGrant()
        let release = try await running.send(running.op, "POST", "/v1/releases", json: RunningService.countRequest)
        #expect(release.status == 200, "\(release.text)")
        let document = RunningService.object(release.text)
        #expect(document["statistic"] as? String == "count")
        #expect(document["epsilon"] as? Double == 0.1)
        #expect(document["value"] is Double)
        #expect(document["ledger_entry"] is String)
        // A grouped mean by declared keys: the same JSON as `dp --json`, with rows.
        let grouped = try await running.send(
            running.op, "POST", "/v1/releases",
            json:
                #"{"scenario": "fares", "dataset": "trips", "statistic": "mean", "column": "fare", "lower": 0, "upper": 20, "group_by": "district", "keys": ["Xihu", "Binjiang"], "epsilon": 0.2}"#
        )
        #expect(grouped.status == 200, "\(grouped.text)")
        #expect((RunningService.object(grouped.text)["rows"] as? [Any])?.count == 2)

        let mine = try await running.send(running.op, "GET", "/v1/authorisations")
        let list = (try JSONSerialization.jsonObject(with: Data(mine.text.utf8))) as? [[String: Any]] ?? []
        #expect(list.count == 1)
        #expect(abs((list.first?["spent"] as? Double ?? 0) - 0.3) < 1e-9)
        #expect(list.first?["dataset"] as? String == "trips")

        // The steward sees digest and schema; nobody sees a row.
        let datasets = try await running.send(running.steward, "GET", "/v1/datasets")
        #expect(datasets.text.contains("\"sha256\""))
        #expect(!datasets.text.contains("Xihu"))

        // The audit log: the chain verifies and every entry the service wrote carries the
        // principal's request signature, counter-signed by the platform.
        let audit = RunningService.object(try await running.send(running.reviewer, "GET", "/v1/audit").text)
        #expect(audit["chain_verifies"] as? Bool == true)
        #expect((audit["signature_failures"] as? [Any])?.isEmpty == true)
        let entries = try running.ledger.auditEntries()
        let released = entries.filter { $0.action == "release-charged" }
        #expect(released.count == 2)
        #expect(released.allSatisfy { $0.actor == "op" && $0.details.contains("request_signature") })
        #expect(try running.ledger.verifySignatures().failures.isEmpty)
    }

    @Test(
        "no signature, a forged one, a stale one and a replay are 401; signed refusals are on record",
        arguments: ledgerBackends)
    func unauthenticated(backend: LedgerBackend) async throws {
        let running = try await RunningService.start(backend: backend)
        defer { Task { await running.stop() } }
        // No Authorization header.
        var bare = URLRequest(url: running.base.appendingPathComponent("v1/whoami"))
        bare.httpMethod = "GET"
        #expect(try await ServiceClient.send(bare).status == 401)
        // The operator's name with another key.
        let impostor = try LedgerIdentity(name: "op")
        let forged = try await running.send(impostor, "GET", "/v1/whoami")
        #expect(forged.status == 401)
        #expect(RunningService.object(forged.text)["error"] as? String == "unauthenticated")
        // A request signed 20 minutes ago.
        let stale = running.client(running.op).request("GET", "/v1/whoami", at: Date().addingTimeInterval(-1200))
        #expect(try await ServiceClient.send(stale).status == 401)
        // The same signed request twice: the second is a replay.
        let once = running.client(running.op).request("GET", "/v1/whoami")
        #expect(try await ServiceClient.send(once).status == 200)
        #expect(try await ServiceClient.send(once).status == 401)
        // A signature over another body.
        var swapped = running.client(running.op).request("POST", "/v1/releases", body: Data("{}".utf8))
        swapped.httpBody = Data(RunningService.countRequest.utf8)
        #expect(try await ServiceClient.send(swapped).status == 401)
        let refusals = try running.ledger.refusals().filter { $0.rule == "unauthenticated" }
        #expect(refusals.count >= 4)
    }

    @Test(
        "another operator's dataset and a missing one get the same 404; lists show only one's own",
        arguments: ledgerBackends)
    func existenceHidden(backend: LedgerBackend) async throws {
        let running = try await RunningService.start(backend: backend)
        defer { Task { await running.stop() } }
        try await running.registerAndGrant()
        let other = try await running.send(
            running.steward, "PUT", "/v1/datasets/other", body: RunningService.tripsCSV(rows: 20))
        #expect(other.status == 201)
        let theirs = try await running.send(running.op2, "POST", "/v1/releases", json: RunningService.countRequest)
        let missing = try await running.send(
            running.op2, "POST", "/v1/releases",
            json: #"{"scenario": "fares", "dataset": "nowhere", "statistic": "count", "epsilon": 0.1}"#)
        let unauthorisedDataset = try await running.send(
            running.op, "POST", "/v1/releases",
            json: #"{"scenario": "fares", "dataset": "other", "statistic": "count", "epsilon": 0.1}"#)
        let missingForOp = try await running.send(
            running.op, "POST", "/v1/releases",
            json: #"{"scenario": "fares", "dataset": "nowhere", "statistic": "count", "epsilon": 0.1}"#)
        #expect(theirs.status == 404)
        #expect(theirs == missing)
        #expect(unauthorisedDataset == missingForOp)
        #expect(theirs.text == unauthorisedDataset.text)
        // op2 sees no dataset and no authorisation; op sees trips only.
        #expect(try await running.send(running.op2, "GET", "/v1/datasets").text == "[]")
        #expect(try await running.send(running.op2, "GET", "/v1/authorisations").text == "[]")
        let visible = try await running.send(running.op, "GET", "/v1/datasets").text
        #expect(visible.contains("\"trips\"") && !visible.contains("\"other\""))
        // Each refusal is on record.
        #expect(try running.ledger.refusals(operator: "op2").count >= 2)
    }

    @Test("over budget: refused with the rule, audited, nothing charged", arguments: ledgerBackends)
    func overBudget(backend: LedgerBackend) async throws {
        let running = try await RunningService.start(backend: backend)
        defer { Task { await running.stop() } }
        try await running.registerAndGrant(epsilon: 0.3)
        for _ in 0..<3 {
            #expect(
                try await running.send(running.op, "POST", "/v1/releases", json: RunningService.countRequest).status
                    == 200)
        }
        let refused = try await running.send(running.op, "POST", "/v1/releases", json: RunningService.countRequest)
        #expect(refused.status == 403)
        #expect(RunningService.object(refused.text)["error"] as? String == "budget-exhausted")
        #expect(try running.ledger.refusals(operator: "op").contains { $0.rule == "budget-exhausted" })
        #expect(try running.ledger.history(operator: "op").count == 3)
    }

    @Test(
        "suspended mid-load: every request sent after the suspension is refused; no charge lost or doubled",
        arguments: ledgerBackends)
    func suspendedMidLoad(backend: LedgerBackend) async throws {
        let running = try await RunningService.start(backend: backend)
        defer { Task { await running.stop() } }
        try await running.registerAndGrant(epsilon: 100)
        let request = #"{"scenario": "fares", "dataset": "trips", "statistic": "count", "epsilon": 0.01}"#
        let suspendedAt = Counts()  // one success marks "the suspension was answered"
        actor Outcomes {
            var ok = 0
            var lateSuccesses = 0
            var lateRefusals: [String] = []
            func record(status: Int, text: String, sentAfterSuspension: Bool) {
                if status == 200 { ok += 1 }
                if sentAfterSuspension {
                    if status == 200 { lateSuccesses += 1 } else { lateRefusals.append(text) }
                }
            }
        }
        let outcomes = Outcomes()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<30 {
                        let after = suspendedAt.ok > 0
                        let answer = try await running.send(running.op, "POST", "/v1/releases", json: request)
                        await outcomes.record(status: answer.status, text: answer.text, sentAfterSuspension: after)
                    }
                }
            }
            group.addTask {
                while await outcomes.ok < 40 { try await Task.sleep(for: .milliseconds(5)) }
                let suspension = try await running.send(
                    running.reviewer, "POST", "/v1/authorisations/1/suspend", json: #"{"reason": "breach under test"}"#)
                #expect(suspension.status == 200, "\(suspension.text)")
                suspendedAt.add(ok: true)
            }
            try await group.waitForAll()
        }
        #expect(await outcomes.lateSuccesses == 0)
        let late = await outcomes.lateRefusals
        #expect(!late.isEmpty)
        #expect(late.allSatisfy { $0.contains("\"suspended\"") })
        // Every success was charged once, and only successes.
        let ok = await outcomes.ok
        let history = try running.ledger.history(operator: "op")
        #expect(history.count == ok)
        let spent = try running.ledger.authorisation(operator: "op", scenario: "fares")?.spent ?? -1
        #expect(abs(spent - Double(ok) * 0.01) < 1e-9)
    }

    @Test("roles and bad requests: typed refusals, nothing stored", arguments: ledgerBackends)
    func rolesAndBadRequests(backend: LedgerBackend) async throws {
        let running = try await RunningService.start(backend: backend)
        defer { Task { await running.stop() } }
        try await running.registerAndGrant()
        func rule(_ answer: (status: Int, text: String)) -> String? {
            RunningService.object(answer.text)["error"] as? String
        }
        let upload = try await running.send(running.op, "PUT", "/v1/datasets/mine", body: RunningService.tripsCSV())
        #expect(upload.status == 403 && rule(upload) == "role-not-held")
        let grant = try await running.send(
            running.op, "POST", "/v1/authorisations",
            json: #"{"operator": "op", "scenario": "more", "dataset": "trips", "epsilon": 10}"#)
        #expect(grant.status == 403 && rule(grant) == "role-not-held")
        // A ragged CSV: refused, not stored, not registered.
        let ragged = try await running.send(
            running.steward, "PUT", "/v1/datasets/ragged", body: Data("a,b\n1,2\n3\n".utf8))
        #expect(ragged.status == 422 && rule(ragged) == "bad-table")
        #expect(!FileManager.default.fileExists(atPath: running.dataRoot + "/ragged"))
        // A path in the name, an unknown field, a body too large.
        #expect(
            try await running.send(running.steward, "PUT", "/v1/datasets/..hidden", body: Data("a\n1\n".utf8)).status
                == 400)
        let unknown = try await running.send(
            running.op, "POST", "/v1/releases",
            json: #"{"scenario": "fares", "dataset": "trips", "statistic": "count", "epsilon": 0.1, "epsilonn": 1}"#)
        #expect(unknown.status == 400 && unknown.text.contains("epsilonn"))
        let large = try await running.send(
            running.steward, "PUT", "/v1/datasets/large", body: Data(repeating: UInt8(ascii: "a"), count: 9 << 20))
        #expect(large.status == 413)
        // Bad parameters are the release's typed error; nothing is charged.
        let negative = try await running.send(
            running.op, "POST", "/v1/releases",
            json: #"{"scenario": "fares", "dataset": "trips", "statistic": "count", "epsilon": -1}"#)
        #expect(negative.status == 422)
        #expect(try running.ledger.history(operator: "op").isEmpty)
    }
}
