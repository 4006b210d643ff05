import Crypto
import NIOCore
import NIOEmbedded
import SecureAggregation
import SecureAggregationTransport
@_spi(Testing) import SecureRandom  // deterministic seeds: test tooling only (Fuzz/ is not Sources/)

/// Fuzzes the secure-aggregation wire: the TCP framing
/// (``SecureAggregationTransport/LengthPrefixedFrameDecoder``), ``SecureAggregation/SecAggWire``
/// decoding of every message kind, and the decoded messages fed to the real party and server
/// state machines at every round of a live session.
///
/// At start-up the target runs two honest 3-party sessions (semi-honest, and the
/// malicious-server variant with Ed25519 signatures) and keeps a copy of the server and of each
/// party before every round, with the honest frames of that round. Each input then picks:
/// - byte 0, bits 0–1: the surface: 0 framing (the rest is a TCP byte stream whose frames are
///   decoded and given to the server), 1 the server, 2 or 3 a party; bit 2: the variant;
/// - byte 1: the round; byte 2: which party's frame is replaced (server side) or which party
///   receives (party side);
/// - byte 3, bit 0: the frame is the rest of the input as is (0) or the honest frame patched by
///   the rest read as (u16 offset, byte) pairs, where offset 0xFFFF truncates at the byte's value
///   and 0xFFFE appends it (1).
///
/// Keys are fresh per process, so a patched frame is valid up to the bytes the fuzzer changed;
/// crash inputs still replay because the checks they reach do not depend on key values.
enum SecAggWireFuzz {
    static let sessionID: [UInt8] = Array(0..<16)

    /// One session's recorded rounds.
    struct Recording {
        /// Before each round: the server and the frames the parties sent in that round.
        var server: [(SecAggServer, [PartyID: [UInt8]])] = []
        /// Before each server → party delivery: the parties and the frames they received.
        var parties: [([SecAggParty], [PartyID: [UInt8]])] = []
        var ids: [PartyID] = []
    }

    nonisolated(unsafe) static var recordings: [Recording] = [record(malicious: false), record(malicious: true)]

    static func record(malicious: Bool) -> Recording {
        do {
            let ids: [PartyID] = [1, 2, 3]
            var signing: [PartyID: Curve25519.Signing.PrivateKey] = [:]
            if malicious { for id in ids { signing[id] = Curve25519.Signing.PrivateKey() } }
            let configuration = try SecAggConfiguration(
                sessionID: sessionID, partyIDs: ids, dimension: 4, modulusBits: 16, threshold: 2,
                signingPublicKeys: malicious ? signing.mapValues { Array($0.publicKey.rawRepresentation) } : nil)
            var parties = try ids.map { id throws(SecureAggregationError) in
                try SecAggParty(
                    id: id, configuration: configuration, input: [UInt32(id), 2, 3, 4],
                    signingKey: signing[id], generator: SecureRandomGenerator(testSeed: UInt64(id)))
            }
            var server = SecAggServer(configuration: configuration)
            var recording = Recording(ids: ids)
            var sent: [PartyID: [UInt8]] = [:]
            for i in parties.indices { sent[ids[i]] = SecAggWire.encode(try parties[i].start(), sessionID: sessionID) }
            while true {
                recording.server.append((server, sent))
                for id in ids { try server.receive(SecAggWire.decode(sent[id]!, sessionID: sessionID)) }
                let outgoing = try server.closeRound()
                if server.isFinished { break }
                var delivered: [PartyID: [UInt8]] = [:]
                for out in outgoing { delivered[out.recipient] = SecAggWire.encode(out.message, sessionID: sessionID) }
                recording.parties.append((parties, delivered))
                sent = [:]
                for i in parties.indices {
                    guard let frame = delivered[ids[i]] else { continue }
                    sent[ids[i]] = SecAggWire.encode(
                        try parties[i].handle(SecAggWire.decode(frame, sessionID: sessionID)), sessionID: sessionID)
                }
            }
            return recording
        } catch {
            fatalError("the honest session failed: \(error)")
        }
    }

    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzBytes(data)
        let b0 = input.byte(), b1 = input.byte(), b2 = input.byte(), b3 = input.byte()
        let recording = recordings[Int((b0 >> 2) & 1)]
        let surface = b0 & 3
        if surface == 0 {
            for frame in frames(input.rest) {
                guard let message = decode(frame) else { continue }
                var (server, _) = recording.server[Int(b1) % recording.server.count]
                try? server.receive(message)
            }
            return
        }
        let party = recording.ids[Int(b2) % recording.ids.count]
        if surface == 1 {
            var (server, honest) = recording.server[Int(b1) % recording.server.count]
            guard let frame = b3 & 1 == 0 ? input.restArray : patch(honest[party] ?? [], with: input.rest),
                let message = decode(frame)
            else { return }
            for id in recording.ids where id != party {
                if let other = honest[id], let otherMessage = try? SecAggWire.decode(other, sessionID: sessionID) {
                    try? server.receive(otherMessage)
                }
            }
            try? server.receive(message)
            _ = try? server.closeRound()
        } else {
            var (parties, delivered) = recording.parties[Int(b1) % recording.parties.count]
            guard let index = recording.ids.firstIndex(of: party),
                let frame = b3 & 1 == 0 ? input.restArray : patch(delivered[party] ?? [], with: input.rest),
                let message = decode(frame)
            else { return }
            _ = try? parties[index].handle(message)
        }
    }

    /// Decodes a frame; a decoded message must encode back to the same bytes (the format has
    /// one encoding per message).
    static func decode(_ frame: [UInt8]) -> SecAggMessage? {
        guard let message = try? SecAggWire.decode(frame, sessionID: sessionID) else { return nil }
        let again = SecAggWire.encode(message, sessionID: sessionID)
        precondition(
            again == frame, "SecAggWire: a decoded \(message.kindName) frame does not encode back to its bytes")
        return message
    }

    /// Applies (u16 offset, byte) edits; offset 0xFFFF truncates to the byte's value, 0xFFFE appends it.
    static func patch(_ honest: [UInt8], with edits: UnsafeRawBufferPointer) -> [UInt8]? {
        guard !honest.isEmpty else { return nil }
        var frame = honest
        var reader = FuzzBytes(edits)
        while reader.offset + 3 <= edits.count {
            let offset = reader.u16(), value = reader.byte()
            switch offset {
            case 0xFFFF: frame.removeLast(frame.count - min(frame.count, Int(value)))
            case 0xFFFE: frame.append(value)
            default: if !frame.isEmpty { frame[offset % frame.count] = value }
            }
        }
        return frame
    }

    /// Splits `stream` into frames with the transport's decoder (a small frame limit so that
    /// the too-large path is reached too).
    static func frames(_ stream: UnsafeRawBufferPointer) -> [[UInt8]] {
        let channel = EmbeddedChannel(
            handler: ByteToMessageHandler(LengthPrefixedFrameDecoder(maximumFrameLength: 1 << 16)))
        var frames: [[UInt8]] = []
        var buffer = channel.allocator.buffer(capacity: stream.count)
        buffer.writeBytes(stream)
        do {
            try channel.writeInbound(buffer)
            while let frame = try channel.readInbound(as: ByteBuffer.self) {
                frames.append(Array(frame.readableBytesView))
            }
        } catch {}
        _ = try? channel.finish()
        return frames
    }
}
