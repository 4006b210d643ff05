import Crypto
import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import PrivacyLedger
import SecureAggregation
import SecureAggregationTransport
import SecureRandom

/// The secure-aggregation sessions the service runs as the server of the existing TCP protocol
/// (`privacy-kernel secagg party` connects to them): departments add up their vectors without
/// any of them, or the platform, seeing another's input.
final class SecAggSessions: Sendable {
    enum State: Sendable {
        case running
        case finished(SecAggTCPServer.Outcome)
        case failed(String)
    }
    struct Session: Sendable {
        let owner: String
        let port: Int
        let parties: Int
        let dimension: Int
        var state: State
    }
    private let sessions = NIOLockedValueBox<[String: Session]>([:])
    /// The most elements of a session the service runs.
    static let maximumDimension = 1 << 22
    /// The most parties of a session the service runs.
    static let maximumParties = 10_000
    /// The most sessions running at once (each holds a port and a thread).
    static let maximumRunning = 16

    /// Starts the server of `description` on `host` (a free port), returning the port once it
    /// listens. Refused while a session of the same id runs or ran.
    func start(
        _ description: SecAggSessionDescription, owner: String, host: String, joinTimeout: Double,
        roundTimeout: Double
    ) throws -> Int {
        let configuration = try description.configuration()
        let id = description.sessionID
        let running = sessions.withLockedValue { all in
            all.values.filter { if case .running = $0.state { return true } else { return false } }.count
        }
        guard running < Self.maximumRunning else {
            throw ServiceError(
                .tooManyRequests, rule: "secagg-busy",
                "\(Self.maximumRunning) secure-aggregation sessions are running; try again when one ends")
        }
        let claimed = sessions.withLockedValue { all -> Bool in
            guard all[id] == nil else { return false }
            all[id] = Session(
                owner: owner, port: 0, parties: description.partyIDs.count, dimension: description.dimension,
                state: .running)
            return true
        }
        guard claimed else {
            throw ServiceError(.conflict, rule: "secagg-session-exists", "a session with this id was started before")
        }
        var options = SecAggTCPServer.Options()
        options.host = host
        options.port = 0
        options.joinTimeout = joinTimeout
        options.roundTimeout = roundTimeout
        let serverOptions = options
        let listening = NIOLockedValueBox<Int?>(nil)
        let ready = DispatchSemaphore(value: 0)
        let sessions = self.sessions
        Thread.detachNewThread {
            let result = Result { () throws(SecAggTransportError) in
                try SecAggTCPServer.run(
                    configuration: configuration, options: serverOptions,
                    onListening: { port in
                        listening.withLockedValue { $0 = port }
                        ready.signal()
                    })
            }
            sessions.withLockedValue { all in
                switch result {
                case let .success(outcome): all[id]?.state = .finished(outcome)
                case let .failure(error): all[id]?.state = .failed("\(error)")
                }
            }
            ready.signal()
        }
        _ = ready.wait(timeout: .now() + 10)
        guard let port = listening.withLockedValue({ $0 }) else {
            let reason = sessions.withLockedValue { all -> String in
                if case let .failed(text) = all[id]?.state { return text }
                return "the server did not start"
            }
            throw ServiceError(.internalServerError, rule: "secagg-server", reason)
        }
        sessions.withLockedValue {
            $0[id] = Session(
                owner: owner, port: port, parties: description.partyIDs.count, dimension: description.dimension,
                state: $0[id]?.state ?? .running)
        }
        return port
    }

    /// The session `id`, if any.
    func session(_ id: String) -> Session? { sessions.withLockedValue { $0[id] } }
}

// Secure aggregation between departments over the service.
extension PlatformService {
    func addSecAggRoutes(to router: Router<BasicRequestContext>) {
        let jsonLimit = configuration.maximumRequest
        router.post("/v1/secagg/sessions") { request, _ in
            await self.signed(request, limit: jsonLimit) { caller in try self.startSecAgg(caller) }
        }
        router.get("/v1/secagg/sessions/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return await self.signed(request, limit: jsonLimit) { caller in try self.secAggStatus(id, caller: caller) }
        }
    }

    struct SecAggStart: Decodable {
        let session: SecAggSessionDescription
        let joinTimeout: Double?
        let roundTimeout: Double?
    }

    struct SecAggDocument: Encodable {
        let id: String
        let host: String
        let port: Int
        let parties: Int
        let dimension: Int
        let state: String
        let contributors: [UInt32]?
        let respondersByRound: [String: Int]?
        let aggregate: [UInt32]?
        let aggregateSha256: String?
        let error: String?
    }

    /// **A steward's action** (a department's): starts the aggregation server of a session
    /// description (as `privacy-kernel secagg session` writes it); the parties connect to the
    /// port answered. Recorded (`secagg-session`: id, parties, dimension, the description's
    /// SHA-256).
    func startSecAgg(_ caller: Caller) throws -> Response {
        try requireRole(caller, .steward, action: "secagg-session")
        let start = try Self.decode(
            SecAggStart.self, from: caller.body, allowed: ["session", "join_timeout", "round_timeout"])
        // The service's own limits on a session it runs (the protocol allows more): it holds
        // the vectors of every round in memory.
        guard start.session.dimension <= SecAggSessions.maximumDimension,
            start.session.partyIDs.count <= SecAggSessions.maximumParties
        else {
            throw ServiceError(
                .unprocessableContent, rule: "secagg-limits",
                "a session the service runs has at most \(SecAggSessions.maximumParties) parties and \(SecAggSessions.maximumDimension) elements"
            )
        }
        for timeout in [start.joinTimeout, start.roundTimeout].compactMap({ $0 }) where !(timeout > 0 && timeout <= 600)
        {
            throw ServiceError(.badRequest, rule: "bad-request", "timeouts lie in (0, 600] seconds")
        }
        // Validated before anything is recorded or started.
        do { _ = try start.session.configuration() } catch {
            throw ServiceError(.unprocessableContent, rule: "secagg-session-invalid", "\(error)")
        }
        let description = try JSONEncoder().encode(start.session)
        try caller.ledger.recordSecAggSession(
            id: start.session.sessionID, parties: start.session.partyIDs.count, dimension: start.session.dimension,
            descriptionSHA256: Hexadecimal.encode(SHA256.hash(data: description)), actor: caller.name)
        let port = try secAgg.start(
            start.session, owner: caller.name, host: configuration.host, joinTimeout: start.joinTimeout ?? 30,
            roundTimeout: start.roundTimeout ?? 10)
        return json(
            SecAggDocument(
                id: start.session.sessionID, host: configuration.host, port: port,
                parties: start.session.partyIDs.count,
                dimension: start.session.dimension, state: "running", contributors: nil, respondersByRound: nil,
                aggregate: nil, aggregateSha256: nil, error: nil), status: .created)
    }

    /// A session's state; its total only to the steward that started it.
    func secAggStatus(_ id: String, caller: Caller) throws -> Response {
        guard let session = secAgg.session(id),
            session.owner == caller.name || caller.holds(.reviewer) || caller.holds(.regulator)
        else { throw ServiceError.notFound("no secure-aggregation session of yours with that id") }
        let owner = session.owner == caller.name
        var state = "running", contributors: [UInt32]?, byRound: [String: Int]?, aggregate: [UInt32]?
        var digest: String?, error: String?
        switch session.state {
        case .running: break
        case let .finished(outcome):
            state = "finished"
            contributors = outcome.contributors
            byRound = Dictionary(uniqueKeysWithValues: outcome.respondersByRound.map { ("\($0.key)", $0.value.count) })
            aggregate = owner ? outcome.aggregate : nil
            let bytes = outcome.aggregate.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
            digest = Hexadecimal.encode(SHA256.hash(data: bytes))
        case let .failed(text):
            state = "failed"
            error = text
        }
        return json(
            SecAggDocument(
                id: id, host: configuration.host, port: session.port, parties: session.parties,
                dimension: session.dimension, state: state, contributors: contributors, respondersByRound: byRound,
                aggregate: aggregate, aggregateSha256: digest, error: error))
    }
}
