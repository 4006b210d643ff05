@preconcurrency public import Crypto
public import SecureRandom
internal import Foundation
import Dispatch
#if canImport(Glibc)
import Glibc
import Tabular
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
///
/// ## Limits
/// One process does every party's work, so sizes are bounded up front
/// (``checkSize(parties:neighbourhood:dimension:)``, called by ``run(configuration:inputs:dropouts:signingKeys:progress:)``
/// and by `secagg simulate` before anything is allocated): at most ``maximumParties``
/// parties, ``maximumCompleteGraphParties`` with the complete graph, N·d ≤
/// ``maximumInputElements`` input elements and N·m·d ≤ ``maximumMaskElements`` mask
/// elements (m the neighbourhood). Runs with N·m ≥ ``longRunKeyAgreements`` or N·m·d ≥
/// ``longRunMaskElements`` report progress.
public enum SecAggSimulation {
    /// The most parties one simulation runs: 10,000.
    public static let maximumParties = 10_000
    /// The most parties one complete-graph simulation runs: 1,000 (≈10^6 key agreements).
    public static let maximumCompleteGraphParties = 1_000
    /// The most input elements N·d (each held several times: input, masked copy, message): 2^27.
    public static let maximumInputElements = 1 << 27
    /// The most mask elements N·m·d the parties expand: 2^35 (≈ 3.4·10^10, minutes of AES-CTR).
    public static let maximumMaskElements = 1 << 35
    /// From this many pairwise key agreements N·m on, a run reports progress.
    public static let longRunKeyAgreements = 50_000
    /// From this many mask elements N·m·d on, a run reports progress.
    public static let longRunMaskElements = 1 << 30

    /// Refuses a simulation too large for one process, before anything is allocated.
    ///
    /// - Parameters:
    ///   - parties: N.
    ///   - neighbourhood: m, neighbours plus the party (N for the complete graph).
    ///   - dimension: d.
    /// - Throws: ``SecureAggregationError/invalidParameter(name:reason:)`` naming the limit.
    /// - Complexity: O(1).
    public static func checkSize(parties: Int, neighbourhood: Int, dimension: Int) throws(SecureAggregationError) {
        guard parties <= maximumParties else {
            throw .invalidParameter(
                name: "parties",
                reason:
                    "a simulation runs every party in this process: at most \(maximumParties) parties, found \(parties)"
            )
        }
        if neighbourhood >= parties {
            guard parties <= maximumCompleteGraphParties else {
                throw .invalidParameter(
                    name: "parties",
                    reason:
                        "a complete-graph simulation takes at most \(maximumCompleteGraphParties) parties (N² key agreements), found \(parties); use the sparse graph (SecAgg+)"
                )
            }
        }
        let (inputs, inputOverflow) = parties.multipliedReportingOverflow(by: dimension)
        guard !inputOverflow, inputs <= maximumInputElements else {
            throw .invalidParameter(
                name: "dim",
                reason:
                    "parties × dimension must be at most 2^27 = \(maximumInputElements) elements in one simulation, found \(parties) × \(dimension)"
            )
        }
        let (masks, maskOverflow) = inputs.multipliedReportingOverflow(by: max(1, neighbourhood))
        guard !maskOverflow, masks <= maximumMaskElements else {
            throw .invalidParameter(
                name: "dim",
                reason:
                    "parties × neighbourhood × dimension must be at most 2^35 mask elements in one simulation, found \(parties) × \(neighbourhood) × \(dimension)"
            )
        }
    }

    /// Whether a run of this size is long enough to report progress.
    public static func isLongRun(parties: Int, neighbourhood: Int, dimension: Int) -> Bool {
        let pairs = parties.multipliedReportingOverflow(by: neighbourhood)
        let masks = pairs.partialValue.multipliedReportingOverflow(by: dimension)
        return pairs.overflow || masks.overflow || pairs.partialValue >= longRunKeyAgreements
            || masks.partialValue >= longRunMaskElements
    }

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
    ///   - progress: called (from the calling thread and from worker threads) with one line
    ///     per tenth of the parties done in each round and one per round the server closes.
    /// - Throws: any ``SecureAggregationError`` of the parties or the server (for instance
    ///   ``SecureAggregationError/tooFewSurvivors(round:survivors:threshold:)``), and
    ///   ``SecureAggregationError/invalidParameter(name:reason:)`` beyond the limits of
    ///   ``checkSize(parties:neighbourhood:dimension:)``.
    /// - Complexity: the protocol's: O(n · d · (degree + 1)) mask elements for the parties,
    ///   O((|U3| + dropout pairs) · d) for the server.
    public static func run(
        configuration: SecAggConfiguration, inputs: [PartyID: [UInt32]],
        dropouts: [PartyID: SecAggRound] = [:],
        signingKeys: [PartyID: Curve25519.Signing.PrivateKey] = [:],
        progress: (@Sendable (String) -> Void)? = nil
    ) throws(SecureAggregationError) -> Report {
        let ids = configuration.partyIDs
        try checkSize(
            parties: ids.count, neighbourhood: configuration.neighbours.smallestNeighbourhood,
            dimension: configuration.dimension)
        let runStarted = DispatchTime.now().uptimeNanoseconds
        let elapsed: @Sendable () -> String = {
            String(format: "%.1f s", Double(DispatchTime.now().uptimeNanoseconds - runStarted) / 1e9)
        }
        var parties: [SecAggParty] = []
        parties.reserveCapacity(ids.count)
        for id in ids {
            guard let input = inputs[id] else {
                throw .invalidParameter(name: "inputs", reason: "no input for party \(id)")
            }
            let generator: SecureRandomGenerator
            do { generator = try SecureRandomGenerator() } catch {
                throw .invalidParameter(name: "generator", reason: "the OS entropy source failed: \(error)")
            }
            parties.append(
                try SecAggParty(
                    id: id, configuration: configuration, input: input,
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
            let done = DoneCounter()
            let partyCount = ids.count
            let tenth = max(1, partyCount / 10)
            let inboxList = inbox
            // Each index touches only its own party, outbox, error and time slots.
            parties.withUnsafeMutableBufferPointer { partyBuffer in
                outbox.withUnsafeMutableBufferPointer { outBuffer in
                    errors.withUnsafeMutableBufferPointer { errorBuffer in
                        partyTime.withUnsafeMutableBufferPointer { timeBuffer in
                            ParallelChunks.forEach(ids.count) { index in
                                guard !stopping[index] else { return }
                                let started = DispatchTime.now().uptimeNanoseconds
                                do throws(SecureAggregationError) {
                                    let reply: SecAggMessage
                                    if isFirst {
                                        reply = try partyBuffer[index].start()
                                    } else {
                                        guard let bytes = inboxList[index] else { return }
                                        reply = try partyBuffer[index].handle(
                                            try SecAggWire.decode(bytes, sessionID: session))
                                    }
                                    outBuffer[index] = SecAggWire.encode(reply, sessionID: session)
                                } catch {
                                    errorBuffer[index] = error
                                }
                                timeBuffer[index] += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
                                if let progress {
                                    let count = done.increment()
                                    if count % tenth == 0 || count == partyCount {
                                        progress(
                                            "round \(currentRound.rawValue) \(currentRound): \(count)/\(partyCount) parties (\(elapsed()))"
                                        )
                                    }
                                }
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
            progress?("round \(closingRound.rawValue) \(closingRound): closed by the server (\(elapsed()))")
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
        return Report(
            aggregate: server.aggregate!, expected: expected, contributors: contributors,
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
    public static func randomInputs(
        for configuration: SecAggConfiguration,
        using generator: inout SecureRandomGenerator
    ) -> [PartyID: [UInt32]] {
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
    public static func randomDropouts(
        of configuration: SecAggConfiguration, fraction: Double, in round: SecAggRound,
        using generator: inout SecureRandomGenerator
    ) -> [PartyID: SecAggRound] {
        var ids = configuration.partyIDs
        let count = min(ids.count, Int((fraction * Double(ids.count)).rounded()))
        var result: [PartyID: SecAggRound] = [:]
        for i in 0..<count {
            let j = i + Int(generator.nextUniform(below: UInt64(ids.count - i)))
            ids.swapAt(i, j)
            result[ids[i]] = round
        }
        return result
    }
}

/// A thread-safe counter of finished parties, for progress lines.
private final class DoneCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
