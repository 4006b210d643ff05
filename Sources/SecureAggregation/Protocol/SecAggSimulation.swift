@preconcurrency public import Crypto
public import SecureRandom
internal import Foundation
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Runs a whole secure-aggregation session in one process: n ``SecAggParty`` state machines
/// and one ``SecAggServer``, every message going through the binary ``SecAggWire`` encoding,
/// with scripted dropouts. Used by `privacy-kernel secagg simulate`, the benchmarks and the
/// tests.
///
/// A party scheduled to drop out in round r computes nothing for round r and sends nothing
/// more; the server closes each round with the messages it has (as after a deadline).
/// Parties' work runs in parallel across cores; each party's compute time is measured on its
/// own (encode included), the server's per round (decode included).
public enum SecAggSimulation {
    /// What one run produced.
    public struct Report: Sendable {
        /// The server's unmasked sum (mod 2^k).
        public let aggregate: [UInt32]
        /// The plain sum of the contributors' inputs (mod 2^k), computed directly.
        public let expected: [UInt32]
        /// The parties whose inputs are in the sum (U3).
        public let contributors: [PartyID]
        /// How many parties took part at the start.
        public let parties: Int
        /// How many parties dropped out at some round (did not answer the last round).
        public let dropped: Int
        /// Each party's total compute time over all rounds, milliseconds, in party-id order
        /// (parties that dropped included with the time they spent).
        public let partyMilliseconds: [Double]
        /// The server's compute time for closing the unmasking round (reconstruction and mask
        /// removal), milliseconds.
        public let serverUnmaskingMilliseconds: Double
        /// Process CPU time (all threads) spent closing the unmasking round, milliseconds:
        /// divided by the core count it estimates the unmasking time on an otherwise idle
        /// machine (parties are idle while the server unmasks).
        public let serverUnmaskingCPUMilliseconds: Double
        /// The server's compute time over all rounds (decoding, validation, routing,
        /// unmasking), milliseconds.
        public let serverTotalMilliseconds: Double
        /// Bytes each party sent, summed over parties and rounds.
        public let bytesFromParties: Int
        /// Bytes the server sent, summed.
        public let bytesFromServer: Int

        /// Whether the aggregate equals the plain sum.
        public var correct: Bool { aggregate == expected }

        /// The median of ``partyMilliseconds``.
        public var medianPartyMilliseconds: Double {
            let sorted = partyMilliseconds.sorted()
            guard !sorted.isEmpty else { return 0 }
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }
    }

    /// Runs one session.
    ///
    /// - Parameters:
    ///   - configuration: the session (its ``SecAggConfiguration/signingPublicKeys`` decide
    ///     the variant; pass the matching `signingKeys`).
    ///   - inputs: one vector per party id of the configuration.
    ///   - dropouts: party → the round in which it stops (sends nothing from that round on).
    ///     In the semi-honest variant a dropout at ``SecAggRound/consistencyCheck`` counts as
    ///     one at ``SecAggRound/unmasking``.
    ///   - signingKeys: Ed25519 keys per party for the malicious-server variant.
    /// - Throws: any ``SecureAggregationError`` of the parties or the server (for instance
    ///   ``SecureAggregationError/tooFewSurvivors(round:survivors:threshold:)``).
    /// - Complexity: the protocol's: O(n · d · (degree + 1)) mask elements for the parties,
    ///   O((|U3| + dropout pairs) · d) for the server.
    public static func run(configuration: SecAggConfiguration, inputs: [PartyID: [UInt32]],
                           dropouts: [PartyID: SecAggRound] = [:],
                           signingKeys: [PartyID: Curve25519.Signing.PrivateKey] = [:]) throws(SecureAggregationError) -> Report {
        let ids = configuration.partyIDs
        var parties: [SecAggParty] = []
        parties.reserveCapacity(ids.count)
        for id in ids {
            guard let input = inputs[id] else { throw .invalidParameter(name: "inputs", reason: "no input for party \(id)") }
            let generator: SecureRandomGenerator
            do { generator = try SecureRandomGenerator() } catch {
                throw .invalidParameter(name: "generator", reason: "the OS entropy source failed: \(error)")
            }
            parties.append(try SecAggParty(id: id, configuration: configuration, input: input,
                                           signingKey: signingKeys[id], generator: generator))
        }
        func stops(_ id: PartyID, at round: SecAggRound) -> Bool {
            guard var stop = dropouts[id] else { return false }
            if stop == .consistencyCheck && !configuration.isMaliciousServerVariant { stop = .unmasking }
            return stop <= round
        }
        let session = configuration.sessionID
        var partyTime = [Double](repeating: 0, count: ids.count)
        var server = SecAggServer(configuration: configuration)
        var serverTime = 0.0
        var unmaskingTime = 0.0
        var unmaskingCPUTime = 0.0
        var bytesFromParties = 0, bytesFromServer = 0

        // Inbox per party index: the encoded message from the server (nil: nothing to do).
        var inbox = [[UInt8]?](repeating: nil, count: ids.count)
        var round = SecAggRound.advertiseKeys
        while true {
            // Parties compute their messages for `round`, in parallel.
            var outbox = [[UInt8]?](repeating: nil, count: ids.count)
            var errors = [SecureAggregationError?](repeating: nil, count: ids.count)
            let isFirst = round == .advertiseKeys
            let currentRound = round
            let stopping = ids.map { stops($0, at: currentRound) }
            parties.withUnsafeMutableBufferPointer { partyBuffer in
                nonisolated(unsafe) let partyBuffer = partyBuffer
                let inboxList = inbox
                outbox.withUnsafeMutableBufferPointer { outBuffer in
                    nonisolated(unsafe) let outBuffer = outBuffer
                    errors.withUnsafeMutableBufferPointer { errorBuffer in
                        nonisolated(unsafe) let errorBuffer = errorBuffer
                        partyTime.withUnsafeMutableBufferPointer { timeBuffer in
                            nonisolated(unsafe) let timeBuffer = timeBuffer
                            DispatchQueue.concurrentPerform(iterations: ids.count) { index in
                                guard !stopping[index] else { return }
                                let started = DispatchTime.now().uptimeNanoseconds
                                do throws(SecureAggregationError) {
                                    let reply: SecAggMessage
                                    if isFirst {
                                        reply = try partyBuffer[index].start()
                                    } else {
                                        guard let bytes = inboxList[index] else { return }
                                        reply = try partyBuffer[index].handle(try SecAggWire.decode(bytes, sessionID: session))
                                    }
                                    outBuffer[index] = SecAggWire.encode(reply, sessionID: session)
                                } catch {
                                    errorBuffer[index] = error
                                }
                                timeBuffer[index] += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
                            }
                        }
                    }
                }
            }
            if let error = errors.compactMap({ $0 }).first { throw error }
            // The server takes what arrived and closes the round.
            let started = DispatchTime.now().uptimeNanoseconds
            for case let bytes? in outbox {
                bytesFromParties += bytes.count
                try server.receive(try SecAggWire.decode(bytes, sessionID: session))
            }
            let closingRound = server.round
            let closeStarted = DispatchTime.now().uptimeNanoseconds
            let cpuStarted = processCPUMilliseconds()
            let outgoing = try server.closeRound()
            let finished = DispatchTime.now().uptimeNanoseconds
            if closingRound == .unmasking {
                unmaskingTime = Double(finished - closeStarted) / 1e6
                unmaskingCPUTime = processCPUMilliseconds() - cpuStarted
            }
            inbox = [[UInt8]?](repeating: nil, count: ids.count)
            let indexOf = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
            for item in outgoing {
                let bytes = SecAggWire.encode(item.message, sessionID: session)
                bytesFromServer += bytes.count
                inbox[indexOf[item.recipient]!] = bytes
            }
            serverTime += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
            if server.isFinished { break }
            round = server.round
        }

        let contributors = server.contributors
        let mask = configuration.elementMask
        var expected = [UInt32](repeating: 0, count: configuration.dimension)
        for id in contributors {
            let input = inputs[id]!
            for i in expected.indices { expected[i] &+= input[i] }
        }
        for i in expected.indices { expected[i] &= mask }
        return Report(aggregate: server.aggregate!, expected: expected, contributors: contributors,
                      parties: ids.count, dropped: ids.count - (server.respondersByRound[.unmasking]?.count ?? 0),
                      partyMilliseconds: partyTime, serverUnmaskingMilliseconds: unmaskingTime,
                      serverUnmaskingCPUMilliseconds: unmaskingCPUTime,
                      serverTotalMilliseconds: serverTime,
                      bytesFromParties: bytesFromParties, bytesFromServer: bytesFromServer)
    }

    /// CPU time of the whole process (all threads), milliseconds.
    static func processCPUMilliseconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1e6
    }

    /// Uniformly random inputs mod 2^k for every party of `configuration` (for benchmarks and
    /// tests).
    public static func randomInputs(for configuration: SecAggConfiguration,
                                    using generator: inout SecureRandomGenerator) -> [PartyID: [UInt32]] {
        var inputs: [PartyID: [UInt32]] = [:]
        let mask = configuration.elementMask
        for id in configuration.partyIDs {
            var vector = [UInt32](repeating: 0, count: configuration.dimension)
            vector.withUnsafeMutableBytes { generator.fill($0) }
            if mask != .max { for i in vector.indices { vector[i] &= mask } }
            inputs[id] = vector
        }
        return inputs
    }

    /// Picks `round(fraction · n)` parties uniformly at random (exactly, with the CSPRNG) to
    /// drop out in `round`.
    public static func randomDropouts(of configuration: SecAggConfiguration, fraction: Double, in round: SecAggRound,
                                      using generator: inout SecureRandomGenerator) -> [PartyID: SecAggRound] {
        var ids = configuration.partyIDs
        let count = min(ids.count, Int((fraction * Double(ids.count)).rounded()))
        var result: [PartyID: SecAggRound] = [:]
        for i in 0 ..< count {
            let j = i + Int(generator.nextUniform(below: UInt64(ids.count - i)))
            ids.swapAt(i, j)
            result[ids[i]] = round
        }
        return result
    }
}
