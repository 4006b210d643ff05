public import NIOCore
public import SecureAggregation

/// Everything that can go wrong in the TCP transport of secure aggregation, naming the
/// party, address or limit at fault.
public enum SecAggTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A frame announced more bytes than the limit (a malformed or hostile peer).
    case frameTooLarge(length: Int, limit: Int)
    /// The TCP connection could not be made or broke (`reason` from the OS / SwiftNIO).
    case connectionFailed(host: String, port: Int, reason: String)
    /// The peer closed the connection before the protocol finished.
    case connectionClosed(reason: String)
    /// No progress within the allowed time.
    case timedOut(what: String, seconds: Double)
    /// The protocol state machine rejected a message or aborted.
    case protocolFailure(SecureAggregationError)
    /// A session file or parameter is invalid.
    case invalidSession(reason: String)
    /// A TCP port outside the accepted range (`allowed`, e.g. "1...65535").
    case invalidPort(Int, allowed: String)
    /// Another socket already listens on `host:port`.
    case addressInUse(host: String, port: Int)
    /// The server could not listen on `host:port` for another reason (from the OS / SwiftNIO).
    case cannotListen(host: String, port: Int, reason: String)
    /// A file the command needs cannot be used: `role` names it ("party input file",
    /// "signing key file", "session file"), `problem` says why (missing, a directory,
    /// unreadable, a line that is not a number, the wrong count).
    case unusableFile(role: String, path: String, problem: String)

    /// A one-line, human-readable message.
    public var description: String {
        switch self {
        case let .frameTooLarge(length, limit): return "frame of \(length) bytes exceeds the limit of \(limit) bytes"
        case let .connectionFailed(host, port, reason): return "cannot connect to \(host):\(port): \(reason)"
        case let .connectionClosed(reason): return "connection closed: \(reason)"
        case let .timedOut(what, seconds): return "\(what) timed out after \(seconds) s"
        case let .protocolFailure(error): return error.description
        case let .invalidSession(reason): return "invalid session: \(reason)"
        case let .invalidPort(port, allowed): return "invalid port \(port): must be in \(allowed)"
        case let .addressInUse(host, port):
            return
                "cannot listen on \(host):\(port): address already in use (another process listens there; choose another --port)"
        case let .cannotListen(host, port, reason): return "cannot listen on \(host):\(port): \(reason)"
        case let .unusableFile(role, path, problem): return "\(role) \(path): \(problem)"
        }
    }
}

/// Splits a TCP byte stream into frames: a 4-byte big-endian length, then that many bytes
/// (one ``SecAggWire`` message). Lengths above `maximumFrameLength` are an error that closes
/// the connection before any buffering.
public struct LengthPrefixedFrameDecoder: ByteToMessageDecoder {
    /// Each frame's payload.
    public typealias InboundOut = ByteBuffer
    /// The largest accepted payload, bytes.
    public let maximumFrameLength: Int

    /// A decoder accepting payloads up to `maximumFrameLength` bytes.
    public init(maximumFrameLength: Int) { self.maximumFrameLength = maximumFrameLength }

    /// Emits every complete frame in `buffer`.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self) else {
            return .needMoreData
        }
        guard Int(length) <= maximumFrameLength else {
            throw SecAggTransportError.frameTooLarge(length: Int(length), limit: maximumFrameLength)
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        let frame = buffer.readSlice(length: Int(length))!
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    /// Drops a partial frame at end of stream.
    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// Writes each message as a 4-byte big-endian length followed by its bytes.
public struct LengthPrefixedFrameEncoder: MessageToByteEncoder {
    /// Encoded message bytes.
    public typealias OutboundIn = [UInt8]

    /// Creates the encoder.
    public init() {}

    /// Writes one frame.
    public func encode(data: [UInt8], out: inout ByteBuffer) throws {
        out.writeInteger(UInt32(data.count), endianness: .big)
        out.writeBytes(data)
    }
}

/// The largest frame either side accepts: a masked input of 2^24 elements plus headers (the
/// configuration's dimension bounds the real size; this is only a guard against garbage).
public let secAggMaximumFrameLength = 64 << 20
