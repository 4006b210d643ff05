public import SecureAggregation
internal import NIOCore
internal import NIOPosix
internal import Dispatch

/// Runs one party over TCP: connects to the server, sends its key advertisement and answers
/// every server message through its ``SecAggParty`` state machine until it has revealed its
/// shares.
public enum SecAggTCPParty {
    /// Transport options.
    public struct Options: Sendable {
        /// Server address.
        public var host: String = "127.0.0.1"
        /// Server port, 1...65535.
        public var port: Int
        /// Connection attempts are retried for this long, seconds (the server may start later).
        public var connectTimeout: Double = 30
        /// The whole session must finish within this time, seconds.
        public var sessionTimeout: Double = 600
        /// Testing aid: stop answering (but keep the connection open) instead of sending the
        /// message of this round, to be killed or time out mid-round.
        public var stallAt: SecAggRound?

        /// Options for a server on `port`.
        public init(port: Int) { self.port = port }
    }

    /// Runs the party to completion (blocking the calling thread).
    ///
    /// - Returns: the party's compute time over all rounds, milliseconds.
    /// - Throws: ``SecAggTransportError``: connection failures, the server closing early, a
    ///   rejected server message (``SecAggTransportError/protocolFailure(_:)``), timeouts.
    public static func run(
        party: SecAggParty, options: Options,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(SecAggTransportError) -> Double {
        guard (1...65535).contains(options.port) else { throw .invalidPort(options.port, allowed: "1...65535") }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let promise = loop.makePromise(of: Double.self)
        nonisolated(unsafe) let initial = party
        let bootstrap = ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(LengthPrefixedFrameDecoder(maximumFrameLength: secAggMaximumFrameLength)))
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(LengthPrefixedFrameEncoder()))
                    try channel.pipeline.syncOperations.addHandler(
                        PartyConnectionHandler(
                            party: initial, stallAt: options.stallAt,
                            promise: promise, log: log))
                }
            }
        // Retry until the server listens or the connect timeout passes.
        let started = DispatchTime.now().uptimeNanoseconds
        var channel: Channel?
        var lastError = ""
        while channel == nil {
            do {
                channel = try bootstrap.connect(host: options.host, port: options.port).wait()
            } catch {
                lastError = "\(error)"
                if Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 > options.connectTimeout {
                    let failure = SecAggTransportError.connectionFailed(
                        host: options.host, port: options.port, reason: lastError)
                    promise.fail(failure)  // never leave the promise unfulfilled
                    throw failure
                }
                usleepMilliseconds(100)
            }
        }
        let timeout = loop.scheduleTask(in: .nanoseconds(Int64(options.sessionTimeout * 1e9))) {
            promise.fail(SecAggTransportError.timedOut(what: "the session", seconds: options.sessionTimeout))
        }
        defer {
            timeout.cancel()
            channel?.close(promise: nil)
        }
        do {
            return try promise.futureResult.wait()
        } catch let error as SecAggTransportError {
            throw error
        } catch {
            throw .connectionClosed(reason: "\(error)")
        }
    }

    private static func usleepMilliseconds(_ ms: Int) {
        let deadline = DispatchTime.now() + .milliseconds(ms)
        let semaphore = DispatchSemaphore(value: 0)
        _ = semaphore.wait(timeout: deadline)
    }
}

/// Drives the party state machine from the server's frames.
final class PartyConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = [UInt8]
    private var party: SecAggParty
    private let stallAt: SecAggRound?
    private let promise: EventLoopPromise<Double>
    private let log: @Sendable (String) -> Void
    private var computeMilliseconds = 0.0
    private var stalled = false
    private var finished = false

    init(
        party: SecAggParty, stallAt: SecAggRound?, promise: EventLoopPromise<Double>,
        log: @escaping @Sendable (String) -> Void
    ) {
        self.party = party
        self.stallAt = stallAt
        self.promise = promise
        self.log = log
    }

    private var session: [UInt8] { party.configuration.sessionID }

    func channelActive(context: ChannelHandlerContext) {
        if stallAt == .advertiseKeys {
            stall(.advertiseKeys)
            return
        }
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let bytes = SecAggWire.encode(try party.start(), sessionID: session)
            computeMilliseconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
            context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        } catch {
            fail(context: context, .protocolFailure(error))
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !stalled, !finished else { return }
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let message = try SecAggWire.decode(bytes, sessionID: session)
            let replyRound = Self.replyRound(to: message)
            if let stallAt, replyRound == stallAt || (stallAt == .consistencyCheck && replyRound == .unmasking) {
                stall(replyRound)
                return
            }
            let reply = try party.handle(message)
            let encoded = SecAggWire.encode(reply, sessionID: session)
            computeMilliseconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
            context.writeAndFlush(wrapOutboundOut(encoded), promise: nil)
            if party.phase == .finished {
                finished = true
                log("party \(party.id): shares revealed, done")
                promise.succeed(computeMilliseconds)
            }
        } catch {
            log("party \(party.id): rejected a server message: \(error)")
            if party.phase == .aborted { fail(context: context, .protocolFailure(error)) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !finished {
            promise.fail(
                SecAggTransportError.connectionClosed(
                    reason: "the server closed the connection in phase \(party.phase)"))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(context: context, .connectionClosed(reason: "\(error)"))
    }

    private func stall(_ round: SecAggRound) {
        stalled = true
        log("party \(party.id): stalled at round \(round)")
    }

    private func fail(context: ChannelHandlerContext, _ error: SecAggTransportError) {
        finished = true
        promise.fail(error)
        context.close(promise: nil)
    }

    /// The round of the party's reply to `message`.
    static func replyRound(to message: SecAggMessage) -> SecAggRound {
        switch message {
        case .keyDirectory: return .shareKeys
        case .forwardedShares: return .maskedInputCollection
        case .consistencyRequest: return .consistencyCheck
        default: return .unmasking
        }
    }
}
