import Foundation
import PlatformService
import PrivacyLedger
import Testing
import _TestSupport

/// Hostile bodies against every route that takes one: malformed, deeply nested or invalid
/// UTF-8 JSON, wrong types, extreme and non-finite numbers, huge arrays, paths in names. Each
/// must be a 4xx with a JSON `{error, message}` answer, the service must stay up, and nothing
/// may be charged or stored.
@Suite("Platform service: hostile request bodies", .serialized)
struct ServiceRobustnessTests {
    static let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)

    static let bodies: [String] = [
        "", "null", "[]", "{", "{\"scenario\":", "\"text\"", "1e999", deep,
        #"{"scenario": "fares", "dataset": "trips", "statistic": "count", "epsilon": 1e999}"#,
        #"{"scenario": "fares", "dataset": "trips", "statistic": "count", "epsilon": -0.0}"#,
        #"{"scenario": "fares", "dataset": "trips", "statistic": "count", "epsilon": "1"}"#,
        #"{"scenario": "fares", "dataset": "trips", "statistic": "histogram", "column": "district", "histogram_bins": 9223372036854775807, "lower": 0, "upper": 1, "epsilon": 0.1}"#,
        #"{"scenario": "fares", "dataset": "trips", "statistic": "sum", "column": "fare", "lower": 5, "upper": 1, "epsilon": 0.1}"#,
        #"{"scenario": "fares", "dataset": "trips", "statistic": "quantiles", "column": "fare", "lower": 0, "upper": 20, "quantile_levels": [2, -1], "epsilon": 0.1}"#,
        #"{"scenario": "fares", "dataset": "trips", "statistic": "count", "group_by": "district", "keys": [], "epsilon": 0.1, "privacy_unit": "card_id", "max_partitions_per_unit": -5}"#,
        #"{"scenario": "fares", "dataset": "../../etc/passwd", "statistic": "count", "epsilon": 0.1}"#,
        #"{"scenario": "fares", "dataset": "trips#nonsense", "statistic": "count", "epsilon": 0.1}"#,
        #"{"scenario": "fares", "dataset": "trips", "statistic": "count", "epsilon": 0.1, "delta": 1}"#,
        #"{"scenario": "fares", "dataset": "trips", "statistic": "count", "rho": 0.1, "mechanism": "laplace"}"#,
        #"{"scenario": "fares", "dataset": "trips", "statistic": "nonsense", "epsilon": 0.1}"#,
        #"{"scenario": "fares", "dataset": "trips", "kind": "linear", "features": ["fare"], "label": "fare", "feature_bounds": [[0, 1]], "label_bounds": [0, 1], "epsilon": 1, "delta": 1e-6}"#,
        #"{"scenario": "fares", "dataset": "trips", "kind": "logistic", "features": ["fare"], "label": "district", "feature_bounds": [[1, 0]], "epsilon": 1, "delta": 1e-6, "iterations": 100000000}"#,
        #"{"scenario": "fares", "dataset": "trips", "name": "../escape.csv", "quasi_identifiers": ["district"], "hierarchies": {}, "k": 0}"#,
        #"{"operator": "op", "scenario": "x", "dataset": "trips", "epsilon": 1e308, "valid_days": -1}"#,
        #"{"operator": "", "scenario": "", "dataset": "", "epsilon": 0}"#,
        #"{"reason": 5}"#,
        #"{"session": {"sessionID": "zz", "partyIDs": [], "dimension": 0, "modulusBits": 99, "threshold": 0, "graph": "complete"}}"#,
        #"{"session": {"sessionID": "00", "partyIDs": [1, 2, 3], "dimension": 268435456, "modulusBits": 32, "threshold": 2, "graph": "complete"}}"#,
        #"{"dataset": "trips", "authorisation": "fares", "epsilon": -1}"#,
        #"{"level": 9, "role": "king"}"#,
    ]

    static let routes: [(String, String)] = [
        ("POST", "/v1/releases"), ("POST", "/v1/models"), ("POST", "/v1/exports"), ("POST", "/v1/authorisations"),
        ("POST", "/v1/authorisations/1/suspend"), ("POST", "/v1/secagg/sessions"),
        ("POST", "/v1/scenarios/transport/runs"), ("POST", "/v1/scenarios/transport/views"),
        ("PATCH", "/v1/datasets/trips/columns/fare"), ("PUT", "/v1/datasets/..%2F..%2Fx"),
    ]

    @Test("every hostile body is a typed 4xx; the service stays up; nothing is charged or stored")
    func hostileBodies() async throws {
        let running = try await RunningService.start()
        defer { Task { await running.stop() } }
        try await running.registerAndGrant()
        let before = try running.ledger.authorisations().map(\.spent)
        let files = try FileManager.default.contentsOfDirectory(atPath: running.dataRoot).sorted()
        var invalidUTF8 = Data(#"{"scenario": "fares", "dataset": ""#.utf8)
        invalidUTF8.append(contentsOf: [0xFF, 0xFE, 0xC0])
        invalidUTF8.append(contentsOf: Array(#"", "statistic": "count", "epsilon": 0.1}"#.utf8))
        let bodies = Self.bodies.map { Data($0.utf8) } + [invalidUTF8]
        for (method, path) in Self.routes {
            for identity in [running.op, running.reviewer, running.steward] {
                for body in bodies {
                    let answer = try await running.send(identity, method, path, body: body)
                    let object = RunningService.object(answer.text)
                    #expect(
                        (400..<500).contains(answer.status) && object["error"] is String && object["message"] is String,
                        "\(method) \(path) as \(identity.name) with \(String(decoding: body.prefix(120), as: UTF8.self)): \(answer.status) \(answer.text.prefix(300))"
                    )
                }
            }
        }
        // Still up, nothing charged, nothing stored.
        #expect(try await running.send(running.op, "GET", "/v1/whoami").status == 200)
        #expect(try running.ledger.authorisations().map(\.spent) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: running.dataRoot).sorted() == files)
        #expect(try running.ledger.verifySignatures().failures.isEmpty)
        // No refused secure-aggregation session was recorded as started.
        #expect(try !running.ledger.auditEntries().contains { $0.action == "secagg-session" })
    }

    @Test("forged requests cannot flood the audit log; unknown principals are not recorded; uploads only for stewards")
    func refusalFlood() async throws {
        let running = try await RunningService.start()
        defer { Task { await running.stop() } }
        let before = try running.ledger.refusals().count
        let impostor = try LedgerIdentity(name: "op")
        for _ in 0..<80 {
            #expect(try await running.send(impostor, "GET", "/v1/whoami").status == 401)
        }
        let stranger = try LedgerIdentity(name: "nobody")
        for _ in 0..<20 {
            #expect(try await running.send(stranger, "GET", "/v1/whoami").status == 401)
        }
        let recorded = try running.ledger.refusals().count - before
        #expect(recorded == PlatformService.refusalsRecordedPerMinute, "\(recorded) refusals recorded")
        // The real operator is unaffected.
        #expect(try await running.send(running.op, "GET", "/v1/whoami").status == 200)
        // A body above the JSON limit is read only for a steward: an operator's is refused at 1 MiB.
        let big = Data(repeating: UInt8(ascii: "a"), count: 2 << 20)
        #expect(try await running.send(running.op, "PUT", "/v1/datasets/big", body: big).status == 413)
    }
}
