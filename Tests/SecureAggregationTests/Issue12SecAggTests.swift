import Testing
import Foundation
import Crypto
@_spi(Testing) import SecureRandom
@testable import SecureAggregation
import SecureAggregationTransport

/// Runs the built `privacy-kernel` (if present) and returns its exit status, stdout and stderr.
enum CLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        let seconds: Double
    }

    static var available: Bool { SecAggTransportTests.executable != nil }

    static func run(_ arguments: [String], in directory: URL? = nil, timeout: Double = 120) throws -> Result {
        let process = Process()
        process.executableURL = SecAggTransportTests.executable!
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        return try collect(process, timeout: timeout)
    }

    static func collect(_ process: Process, timeout: Double) throws -> Result {
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let started = Date()
        try process.run()
        // Drain both pipes while waiting (a full pipe would block the child).
        nonisolated(unsafe) var outData = Data(), errData = Data()
        let group = DispatchGroup()
        group.enter()
        Thread.detachNewThread {
            outData = out.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        group.enter()
        Thread.detachNewThread {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let pid = process.processIdentifier
        let killer = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        process.waitUntilExit()
        killer.cancel()
        group.wait()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self), seconds: Date().timeIntervalSince(started))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("secagg-issue12-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// The (name, reason) of the ``SecureAggregationError/invalidParameter(name:reason:)`` that
/// `body` throws; nil if it throws nothing (or something else).
func refusal(_ body: () throws -> Void) -> (name: String, reason: String)? {
    do {
        try body()
        return nil
    } catch {
        guard let typed = error as? SecureAggregationError, case let .invalidParameter(name, reason) = typed else {
            return nil
        }
        return (name, reason)
    }
}

@Suite("Issue 12 P4: malicious-server SecAgg thresholds and neighbourhood signatures")
struct Issue12P4Tests {
    static func session() -> [UInt8] { Array(repeating: 3, count: 16) }

    static func keys(_ n: Int) -> [PartyID: [UInt8]] {
        Dictionary(
            uniqueKeysWithValues: (1...n).map {
                (PartyID($0), Array(Curve25519.Signing.PrivateKey().publicKey.rawRepresentation))
            })
    }

    @Test("Issue 12 P4: the malicious-server variant refuses t with 2t ≤ m + n_C (t = 6 of 10)")
    func maliciousThresholdRule() throws {
        let ids = (1...10).map { PartyID($0) }
        let keys = Self.keys(10)
        // Default n_C = ⌊9/3⌋ = 3: 2t > 13 needs t ≥ 7.
        let refused = refusal {
            _ = try SecAggConfiguration(
                sessionID: Self.session(), partyIDs: ids, dimension: 4, threshold: 6, signingPublicKeys: keys)
        }
        #expect(refused?.name == "threshold")
        #expect(refused?.reason.contains("2t > m + n_C") == true)
        #expect(refused?.reason.contains("t ≥ 7") == true)
        let accepted = try SecAggConfiguration(
            sessionID: Self.session(), partyIDs: ids, dimension: 4, threshold: 7, signingPublicKeys: keys)
        #expect(accepted.corruptClients == 3)
        // A declared n_C = 1 allows t = 6 (12 > 11); n_C = 2 does not (12 > 12 fails).
        #expect(
            try SecAggConfiguration(
                sessionID: Self.session(), partyIDs: ids, dimension: 4, threshold: 6,
                signingPublicKeys: keys, corruptClients: 1
            ).corruptClients == 1)
        #expect(throws: SecureAggregationError.self) {
            try SecAggConfiguration(
                sessionID: Self.session(), partyIDs: ids, dimension: 4, threshold: 6, signingPublicKeys: keys,
                corruptClients: 2)
        }
        // The default malicious threshold is the smallest legal one.
        #expect(SecAggConfiguration.defaultThreshold(partyCount: 10, graph: .complete, maliciousServer: true) == 7)
        #expect(SecAggConfiguration.defaultThreshold(partyCount: 10, graph: .complete) == 6)
    }

    @Test("Issue 12 P4: the rule holds per neighbourhood for SecAgg+, and t must exceed n_C in every variant")
    func perNeighbourhoodAndCorruptClients() throws {
        let ids = (1...64).map { PartyID($0) }
        let graph = SecAggGraph.sparse(degree: 18, seed: Array(repeating: 5, count: 32))  // m = 19, n_C = 6
        let keys = Self.keys(64)
        #expect(throws: SecureAggregationError.self) {
            try SecAggConfiguration(
                sessionID: Self.session(), partyIDs: ids, dimension: 2, threshold: 12, graph: graph,
                signingPublicKeys: keys)
        }
        let ok = try SecAggConfiguration(
            sessionID: Self.session(), partyIDs: ids, dimension: 2, threshold: 13, graph: graph, signingPublicKeys: keys
        )
        #expect(ok.corruptClients == 6)
        #expect(SecAggConfiguration.defaultThreshold(partyCount: 64, graph: graph, maliciousServer: true) == 13)
        // Semi-honest: t = 5 with 5 declared colluders would let them reconstruct alone.
        #expect(throws: SecureAggregationError.self) {
            try SecAggConfiguration(
                sessionID: Self.session(), partyIDs: Array(ids.prefix(10)), dimension: 2, threshold: 5,
                corruptClients: 5)
        }
        #expect(throws: SecureAggregationError.self) {
            try SecAggConfiguration(
                sessionID: Self.session(), partyIDs: Array(ids.prefix(10)), dimension: 2, threshold: 5,
                corruptClients: 10)
        }
    }

    @Test("Issue 12 P4: sparse graphs below the even degree ≥ 3·log₂ n are refused")
    func sparseDegreeMinimum() throws {
        #expect(SecAggConfiguration.minimumSparseDegree(partyCount: 100) == 20)
        #expect(SecAggConfiguration.minimumSparseDegree(partyCount: 500) == 28)
        #expect(SecAggConfiguration.minimumSparseDegree(partyCount: 64) == 18)
        #expect(SecAggConfiguration.minimumSparseDegree(partyCount: 6) == 5)
        let ids = (1...100).map { PartyID($0) }
        for degree in [1, 2, 18, 19] {
            let refused = refusal {
                _ = try SecAggConfiguration(
                    sessionID: Self.session(), partyIDs: ids, dimension: 2, threshold: 2,
                    graph: .sparse(degree: degree, seed: Array(repeating: 1, count: 32)), corruptClients: 0)
            }
            #expect(refused?.name == "degree", "degree \(degree) of 100 parties")
            #expect(refused?.reason.contains("3·log₂ n = 20") == true)
        }
        _ = try SecAggConfiguration(
            sessionID: Self.session(), partyIDs: ids, dimension: 2, threshold: 11,
            graph: .sparse(degree: 20, seed: Array(repeating: 1, count: 32)))
        // A degree too large for the party count overflows nothing: it is the complete graph.
        #expect(SecAggConfiguration.neighbourhoodSize(partyCount: 100, graph: .sparse(degree: .max, seed: [])) == 100)
    }

    @Test("Issue 12 P4: a party counts only signatures from its own neighbourhood")
    func onlyNeighbourhoodSignaturesCount() throws {
        // 16 parties, degree 12 (the minimum): m = 13, n_C = 4, t = 9; each party has 3 non-neighbours.
        let keys = SecAggFixture.signingKeys(parties: 16)
        var session = try ManualSession(
            parties: 16, dimension: 4, signingKeys: keys,
            graph: .sparse(degree: 12, seed: Array(repeating: 7, count: 32)))
        #expect(session.configuration.threshold == 9)
        var out = try session.advertise()
        out = try session.deliver(out)  // shares forwarded
        out = try session.deliver(out)  // masked inputs → consistency requests
        out = try session.deliver(out)  // signatures → unmasking requests
        let request = try #require(out.first { $0.recipient == 1 })
        guard case let .unmaskingRequest(survivors, dropouts, signatures) = request.message else {
            Issue.record("expected an unmasking request")
            return
        }
        let graph = session.configuration.neighbours
        let outsiders = signatures.filter { $0.party != 1 && !graph.areNeighbours(1, $0.party) }
        let insiders = signatures.filter { $0.party == 1 || graph.areNeighbours(1, $0.party) }
        #expect(outsiders.count == 3)
        // 9 valid signatures of survivors, but only 6 from party 1's neighbourhood.
        let mixed = (outsiders + insiders.prefix(6)).sorted { $0.party < $1.party }
        #expect(mixed.count == session.configuration.threshold)
        var party = session.parties[1]!
        #expect(throws: SecureAggregationError.tooFewSurvivors(round: .consistencyCheck, survivors: 6, threshold: 9)) {
            try party.handle(.unmaskingRequest(survivors: survivors, dropouts: dropouts, signatures: mixed))
        }
        #expect(party.phase == .aborted)
        // The honest request (all 13 neighbourhood signatures) completes, even with an
        // outsider's signature garbled: outsiders are neither counted nor verified.
        var honest = session.parties[2]!
        let outsider = try #require(signatures.first { $0.party != 2 && !graph.areNeighbours(2, $0.party) })
        let garbled = signatures.map {
            $0.party == outsider.party ? PartySignature(party: $0.party, signature: Array(repeating: 1, count: 64)) : $0
        }
        _ = try honest.handle(.unmaskingRequest(survivors: survivors, dropouts: dropouts, signatures: garbled))
        #expect(honest.phase == .finished)
    }

    @Test(
        "Issue 12 P4: secagg simulate refuses --malicious --threshold 6 of 10 and --degree 1",
        .enabled(if: CLI.available, "needs the built privacy-kernel executable"))
    func cliRefusesUnsafeThresholds() throws {
        let refused = try CLI.run([
            "secagg", "simulate", "--parties", "10", "--dim", "10", "--malicious", "--threshold", "6",
        ])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("2t > m + n_C"))
        let degree = try CLI.run([
            "secagg", "simulate", "--parties", "100", "--dim", "10", "--graph", "sparse", "--degree", "1",
        ])
        #expect(degree.status != 0)
        #expect(degree.stderr.contains("3·log₂ n"))
        let declared = try CLI.run([
            "secagg", "simulate", "--parties", "10", "--dim", "10", "--malicious", "--threshold", "6",
            "--corrupt", "1", "--json",
        ])
        #expect(declared.status == 0)
        #expect(declared.stdout.contains("\"corrupt\":1"))
        let defaults = try CLI.run(["secagg", "simulate", "--parties", "10", "--dim", "10", "--malicious", "--json"])
        #expect(defaults.status == 0)
        #expect(defaults.stdout.contains("\"threshold\":7"))
    }
}

@Suite("Issue 12 P5: distributed discrete Gaussian accounting")
struct Issue12P5Tests {
    @Test("Issue 12 P5: conditional rounding keeps every encoded vector within the accounted L2 bound")
    func conditionalRoundingNormBound() throws {
        // Every element sits at a fractional part of ½ (the worst case): unconditioned rounding
        // has ‖q‖² ~ Binomial(400, ½), above Δ₂² = c²s² + d/4 + √(2 ln(1/β))(cs + √d/2) = 220
        // about 2.3% of the time; the conditioned rounding never.
        let d = 400
        let quantiser = try RingQuantiser(modulusBits: 24, scale: 1, clippingBound: 10)
        let bound = quantiser.l2Bound(dimension: d)
        #expect(abs(bound * bound - 220) < 1e-9)
        let values = [Double](repeating: 0.5, count: d)  // norm exactly c = 10
        var generator = SecureRandomGenerator(testSeed: 1201)
        var largest = 0.0
        var roundedUp = 0
        for _ in 0..<2_000 {
            let integers = quantiser.decodeIntegers(try quantiser.encode(values, using: &generator))
            let squared = integers.reduce(0.0) { $0 + Double($1 * $1) }
            #expect(squared <= bound * bound)
            largest = max(largest, squared)
            roundedUp += integers.filter { $0 == 1 }.count
        }
        #expect(largest > 200)  // conditioned, not truncated
        // Still close to unbiased: the mean element is within 2% of ½.
        #expect(abs(Double(roundedUp) / Double(2_000 * d) - 0.5) < 0.01)
        // The accounting uses this bound, which exceeds the c·s the old README passed.
        let plan = try DistributedDiscreteGaussian.Plan(
            rho: 0.5, parties: 10, honestContributors: 5, dimension: d,
            modulusBits: 32, clippingBound: 1)
        #expect(plan.l2Sensitivity == plan.quantiser.l2Bound(dimension: d))
        #expect(plan.l2Sensitivity > plan.quantiser.scale * plan.quantiser.clippingBound)
    }

    @Test("Issue 12 P5: the plan accounts with t − n_C honest contributors")
    func accountsWithHonestContributors() throws {
        let configuration = try SecAggFixture.configuration(parties: 20, dimension: 64, modulusBits: 32)
        #expect(configuration.threshold == 11)
        #expect(configuration.corruptClients == 6)
        let plan = try DistributedDiscreteGaussian.Plan(rho: 0.1, configuration: configuration, clippingBound: 1)
        #expect(plan.contributors == 5)
        let honest = DistributedDiscreteGaussian.rho(
            localSigma: plan.localSigma, contributors: 5, l2Sensitivity: plan.l2Sensitivity,
            l1Sensitivity: plan.l1Sensitivity, dimension: 64)
        #expect(plan.rho == honest)
        #expect(plan.rho <= 0.1 && plan.rho > 0.099)
        // Accounting with t = 11 would have claimed about half the ρ actually spent.
        let claimedWithT = DistributedDiscreteGaussian.rho(
            localSigma: plan.localSigma, contributors: 11, l2Sensitivity: plan.l2Sensitivity,
            l1Sensitivity: plan.l1Sensitivity, dimension: 64)
        #expect(claimedWithT < 0.5 * plan.rho)
    }

    @Test("Issue 12 P5: a configuration whose noisy sum can wrap the ring is refused")
    func noiseMarginAgainstWrapping() throws {
        let refused = refusal {
            _ = try DistributedDiscreteGaussian.Plan(
                rho: 0.001, parties: 100, honestContributors: 10, dimension: 1_000,
                modulusBits: 8, clippingBound: 1)
        }
        #expect(refused?.name == "modulusBits")
        #expect(refused?.reason.contains("can wrap") == true)
        for bits in [16, 24, 32] {
            let plan = try DistributedDiscreteGaussian.Plan(
                rho: 0.01, parties: 100, honestContributors: 10, dimension: 1_000,
                modulusBits: bits, clippingBound: 1)
            let width = 100 * (plan.quantiser.clippingBound * plan.quantiser.scale + 1) + 12 * 10 * plan.localSigma
            #expect(width <= Double(1 << (bits - 1)) - 1)
            #expect(plan.noiseMarginSigmas == 12)
        }
    }

    @Test("Issue 12 P5: χ² test — the released noise of a secure sum follows N_ℤ(0, N·σ²)")
    func chiSquaredOfTheReleasedNoise() throws {
        // 8 parties with real vectors on the quantisation grid (so rounding is exact and the
        // released total minus the clean total is exactly the summed noise).
        let parties = 8, d = 20_000
        let configuration = try SecAggFixture.configuration(parties: parties, dimension: d, modulusBits: 16)
        let plan = try DistributedDiscreteGaussian.Plan(rho: 1, configuration: configuration, clippingBound: 1)
        let s = plan.quantiser.scale
        var inputs: [PartyID: [UInt32]] = [:]
        var cleanSum = [Int64](repeating: 0, count: d)
        for id in configuration.partyIDs {
            var generator = SecureRandomGenerator(testSeed: 7_000 + UInt64(id))
            // One nonzero element per party, on the grid: x = k/s with |x| ≤ c.
            var values = [Double](repeating: 0, count: d)
            let k = Int64(id) - 4
            values[Int(id) * 10] = Double(k) / s
            cleanSum[Int(id) * 10] += k
            inputs[id] = try plan.encode(values, using: &generator)
        }
        let report = try SecAggSimulation.run(configuration: configuration, inputs: inputs)
        #expect(report.correct)
        let released = plan.quantiser.decodeIntegers(report.aggregate)
        let noise = zip(released, cleanSum).map { $0 - $1 }
        // Expected probabilities of N_ℤ(0, V), V = N·σ² with σ² as the sampler rounds it.
        let variance = Double(parties) * plan.localSigma * plan.localSigma
        let limit = Int64((12 * variance.squareRoot()).rounded(.up))
        var weights: [Double] = []
        for x in -limit...limit { weights.append(Foundation.exp(-Double(x * x) / (2 * variance))) }
        let total = weights.reduce(0, +)
        // About 30 bins of near-equal probability, by cumulative mass.
        var edges: [Int64] = []  // upper edges (inclusive) of each bin but the last
        var mass = 0.0, binMass: [Double] = []
        for (i, w) in weights.enumerated() {
            mass += w / total
            if mass >= 1.0 / 30 {
                edges.append(-limit + Int64(i))
                binMass.append(mass)
                mass = 0
            }
        }
        binMass[binMass.count - 1] += mass
        edges.removeLast()
        func chiSquared(_ values: [Int64], edges: [Int64], binMass: [Double]) -> Double {
            var observed = [Double](repeating: 0, count: binMass.count)
            for value in values {
                var bin = 0
                while bin < edges.count && value > edges[bin] { bin += 1 }
                observed[bin] += 1
            }
            var chi2 = 0.0
            for (o, p) in zip(observed, binMass) {
                let e = p * Double(values.count)
                chi2 += (o - e) * (o - e) / e
            }
            return chi2
        }
        // df = bins − 1 ≈ 29; the 0.1% critical value of χ²(29) is 58.3.
        #expect(binMass.count >= 25)
        let chi2 = chiSquared(noise, edges: edges, binMass: binMass)
        #expect(chi2 < 58.3, "χ² = \(chi2) over \(binMass.count) bins")
        // The test has power: noise from one party fewer (variance (N − 1)·σ², as if one share
        // were missing) is rejected with the same bins.
        let shrink = (Double(parties - 1) / Double(parties)).squareRoot()
        let fewer = noise.map { Int64((Double($0) * shrink).rounded()) }
        #expect(chiSquared(fewer, edges: edges, binMass: binMass) > 58.3)
    }

    @Test(
        "Issue 12 P5: secagg simulate refuses a ring the noisy sum can wrap and reports t − n_C",
        .enabled(if: CLI.available, "needs the built privacy-kernel executable"))
    func cliDistributedNoise() throws {
        let refused = try CLI.run([
            "secagg", "simulate", "--parties", "10", "--dim", "100", "--bits", "8", "--dp-rho", "0.001",
        ])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("can wrap"))
        let ran = try CLI.run([
            "secagg", "simulate", "--parties", "10", "--dim", "100", "--dp-rho", "0.5", "--dp-clip", "2", "--json",
        ])
        #expect(ran.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(ran.stdout.utf8)) as? [String: Any])
        #expect(json["dp_contributors_accounted"] as? Int == 3)  // t = 6, n_C = 3
        #expect((json["dp_rho"] as? Double ?? 1) <= 0.5)
        #expect(json["correct"] as? Bool == true)
    }
}

@Suite("Issue 12 C-secagg-size: limits and progress")
struct Issue12SizeTests {
    @Test("Issue 12 C-secagg-size: simulations beyond the documented limits are refused up front")
    func refusedUpFront() throws {
        #expect(throws: SecureAggregationError.self) {
            try SecAggSimulation.checkSize(parties: 100_000, neighbourhood: 100_000, dimension: 1)
        }
        #expect(throws: SecureAggregationError.self) {
            try SecAggSimulation.checkSize(parties: 2_000, neighbourhood: 2_000, dimension: 1)
        }
        #expect(throws: SecureAggregationError.self) {
            try SecAggSimulation.checkSize(parties: 1_000, neighbourhood: 31, dimension: 1 << 20)
        }
        try SecAggSimulation.checkSize(parties: 100, neighbourhood: 23, dimension: 100_000)
        try SecAggSimulation.checkSize(parties: 10_000, neighbourhood: 41, dimension: 1)
        // The configuration itself refuses an n² complete graph before building it.
        let started = Date()
        #expect(throws: SecureAggregationError.self) {
            try SecAggConfiguration(
                sessionID: Array(repeating: 1, count: 16), partyIDs: (1...100_000).map { PartyID($0) },
                dimension: 1, threshold: 50_001)
        }
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test(
        "Issue 12 C-secagg-size: secagg simulate --parties 100000 --dim 1 is refused at once",
        .enabled(if: CLI.available, "needs the built privacy-kernel executable"))
    func cliRefusesAtOnce() throws {
        let result = try CLI.run(["secagg", "simulate", "--parties", "100000", "--dim", "1"], timeout: 60)
        #expect(result.status != 0)
        #expect(result.seconds < 10)
        #expect(result.stderr.contains("at most 10000 parties"))
        let complete = try CLI.run(["secagg", "simulate", "--parties", "5000", "--dim", "1"], timeout: 60)
        #expect(complete.status != 0)
        #expect(complete.stderr.contains("complete-graph simulation takes at most 1000 parties"))
    }

    @Test("Issue 12 C-secagg-size: a run reports progress for every round")
    func progressLines() throws {
        let configuration = try SecAggFixture.configuration(parties: 12, dimension: 8)
        var generator = SecureRandomGenerator(testSeed: 1203)
        let inputs = SecAggSimulation.randomInputs(for: configuration, using: &generator)
        final class Lines: @unchecked Sendable {
            let lock = NSLock()
            var lines: [String] = []
        }
        let lines = Lines()
        let report = try SecAggSimulation.run(
            configuration: configuration, inputs: inputs,
            progress: { line in
                lines.lock.lock()
                lines.lines.append(line)
                lines.lock.unlock()
            })
        #expect(report.correct)
        for round in ["AdvertiseKeys", "ShareKeys", "MaskedInputCollection", "Unmasking"] {
            #expect(lines.lines.contains { $0.contains(round) && $0.contains("closed by the server") })
            #expect(lines.lines.contains { $0.contains(round) && $0.contains("12/12 parties") })
        }
        #expect(SecAggSimulation.isLongRun(parties: 10_000, neighbourhood: 41, dimension: 1))
        #expect(!SecAggSimulation.isLongRun(parties: 100, neighbourhood: 23, dimension: 1_000))
    }
}

@Suite("Issue 12 C-port and C-messages: transport errors", .serialized)
struct Issue12TransportTests {
    @Test("Issue 12 C-port: ports outside the valid range are refused before listening or connecting")
    func portRange() throws {
        let configuration = try SecAggFixture.configuration(parties: 3, dimension: 2)
        var options = SecAggTCPServer.Options()
        for port in [70_000, -1, 65_536] {
            options.port = port
            #expect(throws: SecAggTransportError.invalidPort(port, allowed: "0...65535 (0: any free port)")) {
                try SecAggTCPServer.run(configuration: configuration, options: options)
            }
        }
        let party = try SecAggParty(
            id: 1, configuration: configuration, input: [0, 0], generator: SecureRandomGenerator(testSeed: 1))
        for port in [0, 70_000] {
            #expect(throws: SecAggTransportError.invalidPort(port, allowed: "1...65535")) {
                try SecAggTCPParty.run(party: party, options: SecAggTCPParty.Options(port: port))
            }
        }
    }

    @Test("Issue 12 C-port: a port in use says address already in use (twice, no leaked promise)")
    func addressInUse() throws {
        let configuration = try SecAggFixture.configuration(parties: 3, dimension: 2)
        let first = SecAggTransportTests.ServerRun(configuration: configuration, roundTimeout: 1, joinTimeout: 3)
        var options = SecAggTCPServer.Options()
        options.port = first.port
        options.joinTimeout = 1
        for _ in 0..<2 {
            do {
                _ = try SecAggTCPServer.run(configuration: configuration, options: options)
                Issue.record("a second server listened on port \(first.port)")
            } catch {
                #expect(error == .addressInUse(host: "127.0.0.1", port: first.port))
                #expect(error.description.contains("address already in use"))
                #expect(!error.description.contains("cannot connect"))
            }
        }
        first.done.wait()  // the first server ends at its join deadline (no parties)
    }

    @Test(
        "Issue 12 C-port: secagg server --port 70000 is refused and a busy port is named",
        .enabled(if: CLI.available, "needs the built privacy-kernel executable"))
    func cliPorts() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let session = try CLI.run(
            ["secagg", "session", "--parties", "3", "--dim", "2", "--out", "s.json"], in: directory)
        #expect(session.status == 0)
        let bad = try CLI.run(
            ["secagg", "server", "--session", "s.json", "--port", "70000", "--join-timeout", "1"], in: directory,
            timeout: 30)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--port must be in 0...65535"))
        let badParty = try CLI.run(
            ["secagg", "party", "--session", "s.json", "--id", "1", "--port", "0", "--input", "x.txt", "--random"],
            in: directory)
        #expect(badParty.status != 0)
        #expect(badParty.stderr.contains("--port must be in 1...65535"))
        // A busy port: a first server on a free port, a second on the same one.
        let configuration = try SecAggFixture.configuration(parties: 3, dimension: 2)
        let first = SecAggTransportTests.ServerRun(configuration: configuration, roundTimeout: 1, joinTimeout: 3)
        let busy = try CLI.run(
            ["secagg", "server", "--session", "s.json", "--port", "\(first.port)", "--join-timeout", "1"],
            in: directory, timeout: 30)
        #expect(busy.status != 0)
        #expect(busy.stderr.contains("address already in use"))
        #expect(!busy.stderr.contains("cannot connect"))
        first.done.wait()
    }

    @Test("Issue 12 C-messages: party input files give typed errors naming the file and the problem")
    func inputFileErrors() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("in1.txt").path
        #expect(
            throws: SecAggTransportError.unusableFile(role: "party input file", path: missing, problem: "no such file")
        ) {
            try SecAggInputFile.read(path: missing, dimension: 3, modulusBits: 32)
        }
        #expect(
            throws: SecAggTransportError.unusableFile(
                role: "party input file", path: directory.path, problem: "is a directory, not a file")
        ) {
            try SecAggInputFile.read(path: directory.path, dimension: 3, modulusBits: 32)
        }
        let file = directory.appendingPathComponent("v.txt").path
        try "1\n2\nabc\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(
            throws: SecAggTransportError.unusableFile(
                role: "party input file", path: file,
                problem: "line 3 is not an integer in 0...255 (the session's ring is 2^8)")
        ) {
            try SecAggInputFile.read(path: file, dimension: 3, modulusBits: 8)
        }
        try "1\n2\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(
            throws: SecAggTransportError.unusableFile(
                role: "party input file", path: file, problem: "holds 2 values, the session needs 3")
        ) {
            try SecAggInputFile.read(path: file, dimension: 3, modulusBits: 8)
        }
        try SecAggInputFile.write([7, 0, 255], path: file)
        #expect(try SecAggInputFile.read(path: file, dimension: 3, modulusBits: 8) == [7, 0, 255])
        #expect(throws: SecAggTransportError.self) {
            try SecAggInputFile.read(path: file, dimension: 3, modulusBits: 7)
        }
    }

    @Test(
        "Issue 12 C-messages: secagg party with a missing input file names it, without a Foundation error",
        .enabled(if: CLI.available, "needs the built privacy-kernel executable"))
    func cliMissingInput() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(
            try CLI.run(["secagg", "session", "--parties", "3", "--dim", "2", "--out", "s.json"], in: directory).status
                == 0)
        let result = try CLI.run(
            [
                "secagg", "party", "--session", "s.json", "--id", "1", "--port", "7000", "--input", "in1.txt",
                "--connect-timeout", "1",
            ], in: directory)
        #expect(result.status != 0)
        #expect(result.stderr.contains("party input file in1.txt: no such file"))
        #expect(!result.stderr.contains("NSCocoaErrorDomain"))
        let session = try CLI.run(["secagg", "server", "--session", "nope.json"], in: directory)
        #expect(session.stderr.contains("session file nope.json: no such file"))
        #expect(!session.stderr.contains("NSCocoaErrorDomain"))
    }
}

@Suite("Issue 12 C-readme: the secagg examples of docs/secure-aggregation.md run as written", .serialized)
struct Issue12ReadmeTests {
    /// The ```sh block under "## CLI" of docs/secure-aggregation.md (until issue 17 the block under
    /// "### CLI" of the README's "## Secure aggregation" section).
    static func secaggCLIBlock() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let page = try String(contentsOf: root.appendingPathComponent("docs/secure-aggregation.md"), encoding: .utf8)
        let section = try #require(page.range(of: "# Secure aggregation\n"))
        let rest = page[section.upperBound...]
        let cli = try #require(rest.range(of: "\n## CLI\n"))
        let open = try #require(rest.range(of: "```sh\n", range: cli.upperBound..<rest.endIndex))
        let close = try #require(rest.range(of: "\n```", range: open.upperBound..<rest.endIndex))
        return String(rest[open.upperBound..<close.lowerBound])
    }

    @Test(
        "Issue 12 C-readme: every secagg CLI example of docs/secure-aggregation.md runs as written",
        .enabled(if: CLI.available, "needs the built privacy-kernel executable"))
    func readmeSecAggExamples() throws {
        let script = try Self.secaggCLIBlock()
        #expect(!script.contains("in$i.txt &") || script.contains("> in$i.txt"))  // inputs are created first
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-e", "-c", script]
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] =
            SecAggTransportTests.executable!.deletingLastPathComponent().path + ":"
            + (environment["PATH"] ?? "/usr/bin:/bin")
        process.environment = environment
        let result = try CLI.collect(process, timeout: 900)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        for file in ["total.txt", "total-signed.txt"] {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines.count == 1000)
            #expect(Array(lines.prefix(3)) == ["15000", "15005", "15010"])
        }
        #expect(result.stdout.contains("\"correct\":true"))
        #expect(!result.stdout.contains("WRONG"))
    }
}
