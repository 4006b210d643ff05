import Foundation
import Logging
import PlatformService
import PrivacyLedger
import Testing
import _TestSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A platform service running in this process on a free loopback port, over a fresh signed
/// ledger with a cast of principals: `rev` (reviewer, regulator), `stew` (steward), `op` and
/// `op2` (operators) and `plat` (the service's platform identity).
final class RunningService: @unchecked Sendable {
    let directory: TemporaryDirectory
    let ledger: SQLiteLedger
    let service: PlatformService
    let base: URL
    let task: Task<Void, any Error>
    let reviewer, steward, op, op2, platform: LedgerIdentity

    var dataRoot: String { service.configuration.dataRoot }

    /// - Parameters:
    ///   - backend: the ledger's engine (a fresh database on the conformance server for PostgreSQL).
    ///   - tls: HTTPS with these files (the base URL is then `https://127.0.0.1:PORT`).
    static func start(
        backend: LedgerBackend = .sqlite, tls: TLSFiles? = nil, memoryLimit: Int? = nil
    ) async throws -> RunningService {
        let directory = try TemporaryDirectory()
        let reviewer = try LedgerIdentity(name: "rev"), steward = try LedgerIdentity(name: "stew")
        let op = try LedgerIdentity(name: "op"), op2 = try LedgerIdentity(name: "op2")
        let platform = try LedgerIdentity(name: "plat")
        let path = try newLedgerLocation(backend, directory)
        let bootstrap = try SQLiteLedger(path: path, durability: .normal, identity: reviewer)
        if backend == .postgres { try bootstrap.setExportArea(directory.file("exports"), actor: "platform") }
        try bootstrap.registerPrincipal(reviewer.principalKey, roles: [.reviewer, .regulator], actor: "rev")
        try bootstrap.registerPrincipal(steward.principalKey, roles: [.steward], actor: "rev")
        try bootstrap.registerPrincipal(op.principalKey, roles: [.operator], actor: "rev")
        try bootstrap.registerPrincipal(op2.principalKey, roles: [.operator], actor: "rev")
        try bootstrap.registerPrincipal(platform.principalKey, roles: [.platform], actor: "rev")
        try bootstrap.setPlatformMode(true, actor: "rev")
        let ledger = try SQLiteLedger(path: path, durability: .normal, identity: platform)
        try FileManager.default.createDirectory(atPath: directory.file("data"), withIntermediateDirectories: true)
        var configuration = ServiceConfiguration(dataRoot: directory.file("data"))
        configuration.port = 0
        configuration.maximumUpload = 8 << 20
        configuration.tls = tls
        if let memoryLimit { configuration.memoryLimit = memoryLimit }
        var logger = Logger(label: "privacy-kernel.serve.test")
        logger.logLevel = .critical
        let service = try PlatformService(ledger: ledger, configuration: configuration, logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task { try await service.run { port in continuation.yield(port) } }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return RunningService(
            directory: directory, ledger: ledger, service: service,
            base: URL(string: "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)")!,
            task: task, identities: (reviewer, steward, op, op2, platform))
    }

    private init(
        directory: TemporaryDirectory, ledger: SQLiteLedger, service: PlatformService, base: URL,
        task: Task<Void, any Error>,
        identities: (LedgerIdentity, LedgerIdentity, LedgerIdentity, LedgerIdentity, LedgerIdentity)
    ) {
        self.directory = directory
        self.ledger = ledger
        self.service = service
        self.base = base
        self.task = task
        (reviewer, steward, op, op2, platform) = identities
    }

    /// Stops the service (gracefully) and removes its files.
    func stop() async {
        task.cancel()
        _ = await task.result
        directory.cleanup()
    }

    func client(_ identity: LedgerIdentity) -> ServiceClient { ServiceClient(base: base, identity: identity) }

    /// Sends a signed request; returns the status and the body as text. Every answer is checked
    /// never to name the data root.
    @discardableResult
    func send(
        _ identity: LedgerIdentity, _ method: String, _ path: String, json: String? = nil, body: Data? = nil
    ) async throws -> (status: Int, text: String) {
        let (status, data) = try await client(identity).send(method, path, body: body ?? Data((json ?? "").utf8))
        let text = String(decoding: data, as: UTF8.self)
        #expect(!text.contains(service.configuration.dataRoot), "an answer names the data root: \(text)")
        let exportArea = try ledger.exportArea()
        #expect(!text.contains(exportArea), "an answer names the export area: \(text)")
        return (status, text)
    }

    /// The JSON object of an answer.
    static func object(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// A small trips table: `card_id,fare,district`, `rows` rows.
    static func tripsCSV(rows: Int = 200) -> Data {
        let districts = ["Xihu", "Binjiang", "Gongshu", "Shangcheng"]
        let lines =
            ["card_id,fare,district"] + (0..<rows).map { "C\($0 % 50),\(Double($0 % 30) / 2),\(districts[$0 % 4])" }
        return Data((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// The steward uploads trips; the reviewer grants `op` the scenario `fares` on it.
    func registerAndGrant(epsilon: Double = 1, scenario: String = "fares", operator op: String = "op") async throws {
        let upload = try await send(steward, "PUT", "/v1/datasets/trips", body: Self.tripsCSV())
        guard upload.status == 201 else { throw Unexpected(answer: upload.text) }
        let grant = try await send(
            reviewer, "POST", "/v1/authorisations",
            json:
                #"{"operator": "\#(op)", "scenario": "\#(scenario)", "dataset": "trips", "columns": ["fare", "district"], "epsilon": \#(epsilon)}"#
        )
        guard grant.status == 201 else { throw Unexpected(answer: grant.text) }
    }

    static let countRequest = #"{"scenario": "fares", "dataset": "trips", "statistic": "count", "epsilon": 0.1}"#
}

/// An answer a test's set-up did not expect.
struct Unexpected: Error, CustomStringConvertible {
    let answer: String
    var description: String { "unexpected answer: \(answer)" }
}
