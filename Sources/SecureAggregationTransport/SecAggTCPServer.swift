public import SecureAggregation
internal import NIOCore
internal import NIOPosix
internal import Dispatch
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Runs the secure-aggregation server over TCP: accepts one connection per party, feeds
/// their frames to a ``SecAggServer`` state machine and sends its replies.
///
/// Round deadlines turn silent parties into dropouts: a round closes when every expected
/// party has answered or disconnected, or when ``Options/roundTimeout`` has passed since it
/// opened (round 0: ``Options/joinTimeout`` from the start). A killed party process closes its
/// socket, so the server usually notices at once; a hung one is dropped at the deadline.
/// Rejected messages (malformed, replayed, late, from a connection claiming another party's
/// id) are logged with their typed error and never change the state; a malformed frame also
/// closes that connection.
///
/// All protocol state lives on one event loop (one thread), so no locks are needed; the
/// unmasking itself spreads over all cores (``SecAggServer/closeRound()``).
public enum SecAggTCPServer {
    /// Tuning of the transport.
    public struct Options: Sendable {
        /// Address to listen on (default loopback).
        public var host: String = "127.0.0.1"
        /// Port, 0...65535; 0 picks a free one (reported through `onListening`).
        public var port: Int = 0
        /// How long round 0 waits for parties to connect and advertise, seconds.
        public var joinTimeout: Double = 30
        /// How long each later round waits, seconds.
        public var roundTimeout: Double = 10

        /// Defaults: loopback, a free port, 30 s to join, 10 s per round.
        public init() {}
    }

    /// What the server produced.
    public struct Outcome: Sendable {
        /// The sum of the contributors' inputs mod 2^k.
        public let aggregate: [UInt32]
        /// Parties whose inputs are in the sum (U3).
        public let contributors: [PartyID]
        /// Responders per round (U1…U5).
        public let respondersByRound: [SecAggRound: [PartyID]]
        /// One line per rejected message or dropped connection.
        public let events: [String]
        /// Milliseconds spent closing the unmasking round.
        public let unmaskingMilliseconds: Double
    }

    /// Runs one session to completion (blocking the calling thread).
    ///
    /// - Parameters:
    ///   - configuration: the session.
    ///   - options: address and timeouts.
    ///   - onListening: called once with the bound port, before any party can connect.
    ///   - log: receives one line per event (connections, rejections, round closures).
    /// - Throws: ``SecAggTransportError``: ``SecAggTransportError/invalidPort(_:allowed:)``
    ///   outside 0...65535 (before any socket is opened),
    ///   ``SecAggTransportError/addressInUse(host:port:)`` when another socket listens there,
    ///   ``SecAggTransportError/cannotListen(host:port:reason:)`` for other bind failures.
    public static func run(
        configuration: SecAggConfiguration, options: Options = Options(),
        onListening: @escaping @Sendable (Int) -> Void = { _ in },
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(SecAggTransportError) -> Outcome {
        guard (0...65535).contains(options.port) else {
            throw .invalidPort(options.port, allowed: "0...65535 (0: any free port)")
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let coordinator = ServerCoordinator(configuration: configuration, loop: loop, options: options, log: log)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(LengthPrefixedFrameDecoder(maximumFrameLength: secAggMaximumFrameLength)))
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(LengthPrefixedFrameEncoder()))
                    try channel.pipeline.syncOperations.addHandler(ServerConnectionHandler(coordinator: coordinator))
                }
            }
        let listener: Channel
        do {
            listener = try bootstrap.bind(host: options.host, port: options.port).wait()
        } catch {
            // The coordinator's promise would otherwise be dropped unfulfilled (SwiftNIO traps
            // on a leaked promise in debug builds).
            let failure: SecAggTransportError
            if let io = error as? IOError, io.errnoCode == EADDRINUSE {
                failure = .addressInUse(host: options.host, port: options.port)
            } else {
                failure = .cannotListen(host: options.host, port: options.port, reason: "\(error)")
            }
            coordinator.promise.fail(failure)
            throw failure
        }
        defer { try? listener.close().wait() }
        onListening(listener.localAddress?.port ?? options.port)
        loop.execute { coordinator.start() }
        do {
            return try coordinator.promise.futureResult.wait()
        } catch let error as SecAggTransportError {
            throw error
        } catch {
            throw .connectionClosed(reason: "\(error)")
        }
    }
}

/// The protocol state and the party connections; touched only on `loop`.
final class ServerCoordinator: @unchecked Sendable {
    let loop: EventLoop
    let options: SecAggTCPServer.Options
    let log: @Sendable (String) -> Void
    let promise: EventLoopPromise<SecAggTCPServer.Outcome>
    private var server: SecAggServer
    private var channels: [PartyID: Channel] = [:]
    private var disconnected: Set<PartyID> = []
    private var deadline: Scheduled<Void>?
    private var events: [String] = []
    private var unmaskingMilliseconds = 0.0
    private var done = false

    init(
        configuration: SecAggConfiguration, loop: EventLoop, options: SecAggTCPServer.Options,
        log: @escaping @Sendable (String) -> Void
    ) {
        self.loop = loop
        self.options = options
        self.log = log
        self.server = SecAggServer(configuration: configuration)
        self.promise = loop.makePromise(of: SecAggTCPServer.Outcome.self)
    }

    private func note(_ line: String) {
        events.append(line)
        log(line)
    }

    func start() {
        scheduleDeadline(seconds: options.joinTimeout)
    }

    private func scheduleDeadline(seconds: Double) {
        deadline?.cancel()
        let round = server.round
        deadline = loop.scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) { [self] in
            guard !done, server.round == round, !server.isFinished else { return }
            note("round \(round) deadline: \(server.pendingParties.count) parties silent, treated as dropouts")
            closeRound()
        }
    }

    /// A frame from `channel`, which is bound to `boundParty` once its first message arrived.
    func received(_ bytes: [UInt8], on channel: Channel, boundParty: PartyID?) -> PartyID? {
        guard !done else { return boundParty }
        let message: SecAggMessage
        do {
            message = try SecAggWire.decode(bytes, sessionID: server.configuration.sessionID)
        } catch {
            note(
                "rejected a frame from \(boundParty.map { "party \($0)" } ?? "an unbound connection"): \(error); closing it"
            )
            channel.close(promise: nil)
            return boundParty
        }
        guard let sender = message.sender else {
            note("rejected a \(message.kindName) message sent to the server")
            return boundParty
        }
        if let boundParty, boundParty != sender {
            note("rejected a message claiming to be from party \(sender) on party \(boundParty)'s connection")
            return boundParty
        }
        if boundParty == nil {
            if let existing = channels[sender], existing.isActive {
                note("rejected a second connection for party \(sender)")
                channel.close(promise: nil)
                return nil
            }
        }
        do {
            try server.receive(message)
        } catch {
            note("rejected \(message.kindName) from party \(sender): \(error)")
            return boundParty
        }
        if boundParty == nil { channels[sender] = channel }
        closeIfReady()
        return sender
    }

    func disconnected(_ party: PartyID?) {
        guard let party, !done else { return }
        disconnected.insert(party)
        if server.pendingParties.contains(party) {
            note("party \(party) disconnected during round \(server.round): a dropout")
        }
        closeIfReady()
    }

    private func closeIfReady() {
        guard !done, !server.isFinished else { return }
        // Round 0 also waits for parties that never connected, until the join deadline.
        if server.round == .advertiseKeys {
            guard server.roundComplete else { return }
        } else {
            guard server.pendingParties.allSatisfy({ disconnected.contains($0) }) else { return }
        }
        closeRound()
    }

    private func closeRound() {
        deadline?.cancel()
        let round = server.round
        let started = DispatchTime.now().uptimeNanoseconds
        let outgoing: [SecAggServer.Outgoing]
        do {
            outgoing = try server.closeRound()
        } catch {
            finish(.failure(SecAggTransportError.protocolFailure(error)))
            return
        }
        if round == .unmasking {
            unmaskingMilliseconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        }
        note("round \(round) closed with \(server.respondersByRound[round]?.count ?? 0) parties")
        if server.isFinished {
            finish(
                .success(
                    SecAggTCPServer.Outcome(
                        aggregate: server.aggregate!, contributors: server.contributors,
                        respondersByRound: server.respondersByRound, events: events,
                        unmaskingMilliseconds: unmaskingMilliseconds)))
            return
        }
        let session = server.configuration.sessionID
        for item in outgoing {
            guard let channel = channels[item.recipient], channel.isActive else { continue }
            channel.writeAndFlush(SecAggWire.encode(item.message, sessionID: session), promise: nil)
        }
        scheduleDeadline(seconds: options.roundTimeout)
        // Parties that disconnected already cannot answer: the round may be decided at once.
        if !server.pendingParties.isEmpty && server.pendingParties.allSatisfy({ disconnected.contains($0) }) {
            closeRound()
        }
    }

    private func finish(_ result: Result<SecAggTCPServer.Outcome, Error>) {
        guard !done else { return }
        done = true
        deadline?.cancel()
        for channel in channels.values { channel.close(promise: nil) }
        promise.completeWith(result)
    }
}

/// One party's connection: frames in, bound to the party id of its first valid message.
final class ServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let coordinator: ServerCoordinator
    private var party: PartyID?

    init(coordinator: ServerCoordinator) { self.coordinator = coordinator }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        party = coordinator.received(bytes, on: context.channel, boundParty: party)
    }

    func channelInactive(context: ChannelHandlerContext) {
        coordinator.disconnected(party)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
