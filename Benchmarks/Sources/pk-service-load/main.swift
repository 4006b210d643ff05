// pk-service-load: N concurrent operators hammer one authorisation of the platform service over
// loopback with signed `POST /v1/releases` requests for a fixed time, and report releases/s,
// p50/p99 latency and the answers by rule. Every ledger entry of a 200 answer is written to
// --entries, so that scripts/service-load.sh can check after a kill -9 that each answered
// release has its committed charge. Usage:
//   pk-service-load --server URL --identity OP.key --body JSON --clients 64 --seconds 15 [--entries FILE]
import Foundation
import PlatformService
import PrivacyLedger

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct Options {
    var server = "http://127.0.0.1:8723"
    var identity = ""
    var body = ""
    var clients = 64
    var seconds = 15.0
    var entries: String?
    var label = "load"

    init(_ arguments: [String]) throws {
        var index = 0
        func value() throws -> String {
            index += 1
            guard index < arguments.count else { throw Failure("\(arguments[index - 1]) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--server": server = try value()
            case "--identity": identity = try value()
            case "--body": body = try value()
            case "--clients": clients = Int(try value()) ?? 0
            case "--seconds": seconds = Double(try value()) ?? 0
            case "--entries": entries = try value()
            case "--label": label = try value()
            default: throw Failure("unknown option \(arguments[index])")
            }
            index += 1
        }
        guard !identity.isEmpty, !body.isEmpty, clients > 0, seconds > 0 else {
            throw Failure(
                "usage: pk-service-load --server URL --identity KEY --body JSON --clients N --seconds S [--entries FILE] [--label TEXT]"
            )
        }
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ text: String) { description = text }
}

/// What every client saw, merged at the end.
actor Tally {
    var latencies: [Double] = []
    var byRule: [String: Int] = [:]
    var entries: [String] = []
    var transportErrors = 0

    func add(latency: Double, status: Int, body: Data) {
        latencies.append(latency)
        if status == 200,
            let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let entry = object["ledger_entry"] as? String
        {
            byRule["ok", default: 0] += 1
            entries.append(entry)
        } else {
            let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
            byRule[(object?["error"] as? String) ?? "http-\(status)", default: 0] += 1
        }
    }

    func failed() { transportErrors += 1 }
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((p * Double(sorted.count - 1)).rounded()))]
}

let options: Options
do { options = try Options(Array(CommandLine.arguments.dropFirst())) } catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(2)
}
let identity = try LedgerIdentity(contentsOfFile: options.identity)
let configuration = URLSessionConfiguration.ephemeral
configuration.httpMaximumConnectionsPerHost = options.clients
configuration.timeoutIntervalForRequest = 60
let session = URLSession(configuration: configuration)
let client = ServiceClient(base: URL(string: options.server)!, identity: identity, session: session)
let body = Data(options.body.utf8)
let tally = Tally()
let clock = ContinuousClock()
let start = clock.now
let deadline = start.advanced(by: .milliseconds(Int(options.seconds * 1000)))
await withTaskGroup(of: Void.self) { group in
    for _ in 0..<options.clients {
        group.addTask {
            while clock.now < deadline {
                let sent = clock.now
                do {
                    let answer = try await client.send("POST", "/v1/releases", body: body)
                    let elapsed = sent.duration(to: clock.now)
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                    await tally.add(latency: seconds, status: answer.status, body: answer.body)
                } catch {
                    await tally.failed()
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
        }
    }
}
let wall = start.duration(to: clock.now)
let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18
let sorted = await tally.latencies.sorted()
let rules = await tally.byRule
let ok = rules["ok", default: 0]
let errors = await tally.transportErrors
if let path = options.entries {
    try (await tally.entries).joined(separator: "\n").appending("\n").write(
        toFile: path, atomically: true, encoding: .utf8)
}
let summary: [String: Any] = [
    "label": options.label, "clients": options.clients, "seconds": wallSeconds, "answers": sorted.count,
    "releases": ok, "releases_per_second": Double(ok) / wallSeconds,
    "p50_ms": percentile(sorted, 0.5) * 1000, "p99_ms": percentile(sorted, 0.99) * 1000,
    "by_rule": rules, "transport_errors": errors,
]
let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
