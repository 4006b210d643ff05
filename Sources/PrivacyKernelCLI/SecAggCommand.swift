import ArgumentParser
import Crypto
import Foundation
import PrivacyAccounting
import SecureAggregation
import SecureAggregationTransport
import SecureRandom

/// `privacy-kernel secagg …`: secure aggregation (SecAgg, SecAgg+) in one process or as
/// separate server and party processes over TCP.
struct SecAggCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secagg",
        abstract: "Sum vectors of many parties so that only the total is revealed (SecAgg / SecAgg+).",
        subcommands: [Simulate.self, Session.self, Server.self, Party.self]
    )

    /// Where in the protocol simulated dropouts stop answering.
    enum DropoutRound: String, ExpressibleByArgument, CaseIterable {
        case advertise, share, masked, consistency, unmask

        var round: SecAggRound {
            switch self {
            case .advertise: return .advertiseKeys
            case .share: return .shareKeys
            case .masked: return .maskedInputCollection
            case .consistency: return .consistencyCheck
            case .unmask: return .unmasking
            }
        }
    }

    enum GraphKind: String, ExpressibleByArgument, CaseIterable { case complete, sparse }

    /// Checks a TCP port option: 1...65535, or also 0 (any free port) where `allowZero`.
    static func checkPort(_ port: Int, allowZero: Bool) throws {
        let low = allowZero ? 0 : 1
        guard (low...65535).contains(port) else {
            throw ValidationError(
                "--port must be in \(low)...65535\(allowZero ? " (0: any free port)" : ""), found \(port)")
        }
    }

    /// The graph the options describe (a fresh public seed for the sparse graph).
    static func makeGraph(_ kind: GraphKind, degree: Int?, parties: Int) throws -> SecAggGraph {
        switch kind {
        case .complete: return .complete
        case .sparse:
            return .sparse(
                degree: degree ?? SecAggConfiguration.recommendedSparseDegree(partyCount: parties),
                seed: try SystemEntropy.bytes(count: 32))
        }
    }

    /// `secagg simulate --parties N --dim D --dropout F [--graph complete|sparse] [--threshold T] [--corrupt C] [--json]`.
    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one secure-aggregation session in this process and check the total.",
            discussion: """
                Every party gets a uniformly random vector mod 2^k (with --dp-rho: a random real vector, \
                clipped to --dp-clip, quantised by conditional randomised rounding and noised); a fraction \
                of them (chosen at random) stops answering at --dropout-round. Messages go through the \
                binary wire format. party_ms is the median compute time per party over all rounds; \
                server_ms the server's unmasking (reconstruction + mask removal); server_total_ms all its \
                rounds. Limits (one process runs every party): at most 10,000 parties, 1,000 with the \
                complete graph, parties × dim ≤ 2^27 and parties × neighbourhood × dim ≤ 2^35; larger \
                runs are refused up front, long ones report progress on standard error.
                """
        )

        @Option(help: "Number of parties.") var parties: Int = 100
        @Option(help: "Vector length (elements).") var dim: Int = 1_000
        @Option(help: "Fraction of parties that drop out, in [0, 1).") var dropout: Double = 0
        @Option(
            help:
                "Round in which dropouts stop answering: \(DropoutRound.allCases.map(\.rawValue).joined(separator: ", "))."
        )
        var dropoutRound: DropoutRound = .masked
        @Option(help: "complete (SecAgg) or sparse (SecAgg+, O(log n) neighbours).") var graph: GraphKind = .complete
        @Option(
            help:
                "Neighbours per party for --graph sparse: at least the even number ≥ 3·log2 n (the default is 3·⌈log2 n⌉, made even)."
        ) var degree: Int?
        @Option(
            help:
                "Shares needed to reconstruct (default: a strict majority of a neighbourhood; with --malicious the smallest t with 2t > m + corrupt)."
        ) var threshold: Int?
        @Option(
            name: .customLong("corrupt"),
            help:
                "Corrupt clients to tolerate per neighbourhood, n_C (default ⌊(m − 1)/3⌋, m the neighbourhood size). Needs t > n_C, and 2t > m + n_C with --malicious."
        )
        var corrupt: Int?
        @Option(help: "Ring bits k: elements mod 2^k, 1...32.") var bits: Int = 32
        @Flag(help: "Malicious-server variant: signed keys and the consistency-check round.") var malicious = false
        @Option(
            help:
                "Distributed DP: every party adds discrete Gaussian noise shares so that the sum satisfies this rho-zCDP, accounted with t − n_C honest contributors and the conditional-rounding L2 bound (Kairouz, Liu & Steinke 2021)."
        )
        var dpRho: Double?
        @Option(help: "With --dp-rho: the L2 clipping bound c of every party's real vector.")
        var dpClip: Double = 1
        @Flag(help: "Print one JSON object instead of text.") var json = false

        func validate() throws {
            guard parties >= 2 else { throw ValidationError("--parties must be at least 2") }
            guard dim >= 1 else { throw ValidationError("--dim must be at least 1") }
            guard dropout >= 0, dropout < 1 else { throw ValidationError("--dropout must be in [0, 1)") }
            guard (1...32).contains(bits) else { throw ValidationError("--bits must be in 1...32") }
            if let degree, graph == .complete { throw ValidationError("--degree \(degree) needs --graph sparse") }
            if let corrupt, corrupt < 0 { throw ValidationError("--corrupt must be at least 0, found \(corrupt)") }
            if let dpRho, !(dpRho.isFinite && dpRho > 0) {
                throw ValidationError("--dp-rho must be positive and finite, found \(dpRho)")
            }
            guard dpClip.isFinite, dpClip > 0 else {
                throw ValidationError("--dp-clip must be positive and finite, found \(dpClip)")
            }
            // Sizes first, before anything is allocated.
            let sizeGraph: SecAggGraph =
                graph == .complete
                ? .complete
                : .sparse(degree: degree ?? SecAggConfiguration.recommendedSparseDegree(partyCount: parties), seed: [])
            do {
                try SecAggSimulation.checkSize(
                    parties: parties,
                    neighbourhood: SecAggConfiguration.neighbourhoodSize(partyCount: parties, graph: sizeGraph),
                    dimension: dim)
            } catch { throw ValidationError("\(error)") }
        }

        func run() throws {
            var generator = try SecureRandomGenerator()
            let ids = (1...parties).map { PartyID($0) }
            let graphChoice = try SecAggCommand.makeGraph(graph, degree: degree, parties: parties)
            let t =
                threshold
                ?? SecAggConfiguration.defaultThreshold(
                    partyCount: parties, graph: graphChoice,
                    maliciousServer: malicious, corruptClients: corrupt)
            var signingKeys: [PartyID: Curve25519.Signing.PrivateKey] = [:]
            if malicious { for id in ids { signingKeys[id] = Curve25519.Signing.PrivateKey() } }
            let configuration = try SecAggConfiguration(
                sessionID: try SystemEntropy.bytes(count: 16), partyIDs: ids, dimension: dim, modulusBits: bits,
                threshold: t, graph: graphChoice,
                signingPublicKeys: malicious ? signingKeys.mapValues { Array($0.publicKey.rawRepresentation) } : nil,
                corruptClients: corrupt)
            let neighbourhood = configuration.neighbours.smallestNeighbourhood
            let long = SecAggSimulation.isLongRun(parties: parties, neighbourhood: neighbourhood, dimension: dim)
            var progress: (@Sendable (String) -> Void)?
            if long {
                progress = { @Sendable (line: String) in
                    FileHandle.standardError.write(Data("secagg simulate: \(line)\n".utf8))
                }
            }
            progress?(
                "\(parties) parties × \(neighbourhood)-party neighbourhoods × \(dim) elements: a long run, progress follows"
            )
            var inputs: [PartyID: [UInt32]]
            var clean: [PartyID: [UInt32]]
            var plan: DistributedDiscreteGaussian.Plan?
            var realInputs: [PartyID: [Double]] = [:]
            if let dpRho {
                let chosen = try DistributedDiscreteGaussian.Plan(
                    rho: dpRho, configuration: configuration, clippingBound: dpClip)
                inputs = [:]
                clean = [:]
                for id in ids {
                    // A random real vector, each element uniform in [−c, c] (clipped to norm c).
                    let values = (0..<dim).map { _ in (Double(generator.next() >> 11) * 0x1p-53 * 2 - 1) * dpClip }
                    let quantised = try chosen.quantiser.encode(values, using: &generator)
                    var noisy = quantised
                    try chosen.addNoise(to: &noisy, using: &generator)
                    realInputs[id] = values
                    clean[id] = quantised
                    inputs[id] = noisy
                }
                plan = chosen
            } else {
                inputs = SecAggSimulation.randomInputs(for: configuration, using: &generator)
                clean = inputs
            }
            let dropouts = SecAggSimulation.randomDropouts(
                of: configuration, fraction: dropout, in: dropoutRound.round, using: &generator)
            let started = Date()
            let report = try SecAggSimulation.run(
                configuration: configuration, inputs: inputs, dropouts: dropouts,
                signingKeys: signingKeys, progress: progress)
            let wall = Date().timeIntervalSince(started) * 1000
            // With noise: the RMS of (total − clean quantised sum of the contributors), i.e. the
            // noise that reached the release, against its expectation √|U3|·σ; and the RMS
            // error of the decoded real total against the clipped real sum.
            var noiseRMS: Double?
            var errorRMS: Double?
            var chargedRho: Double?
            if let plan, let dpRho {
                // The noisy sum leaves through the plan's release door, which charges its ρ
                // first: here an in-memory budget of the requested ρ (the inputs are synthetic).
                let budget = try PrivacySession(budget: .zCDP(rho: dpRho), name: "secagg simulate")
                let released = try plan.release(
                    report.aggregate, through: budget,
                    description: "secure sum of \(dim) elements over \(report.contributors.count) parties")
                chargedRho = budget.spent
                let modulus = Int64(1) << Int64(bits)
                var squares = 0.0
                var errors = 0.0
                let decoded = released.values
                for i in 0..<dim {
                    var cleanSum: UInt32 = 0
                    var realSum = 0.0
                    for id in report.contributors {
                        cleanSum &+= clean[id]![i]
                        let values = realInputs[id]!
                        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
                        realSum += values[i] * (norm > dpClip ? dpClip / norm : 1)
                    }
                    var difference = Int64((report.aggregate[i] &- cleanSum) & configuration.elementMask)
                    if difference >= modulus / 2 { difference -= modulus }
                    squares += Double(difference * difference)
                    errors += (decoded[i] - realSum) * (decoded[i] - realSum)
                }
                noiseRMS = (squares / Double(dim)).squareRoot()
                errorRMS = (errors / Double(dim)).squareRoot()
            }
            let degreeValue = neighbourhood - 1
            if json {
                var object: [String: Any] = [
                    "correct": report.correct, "parties": report.parties, "dropped": report.dropped,
                    "contributors": report.contributors.count, "dim": dim, "bits": bits,
                    "graph": graph.rawValue, "degree": degreeValue, "threshold": t,
                    "corrupt": configuration.corruptClients,
                    "malicious": malicious,
                    "dropout_round": dropoutRound.rawValue,
                    "party_ms": report.medianPartyMilliseconds, "party_ms_max": report.partyMilliseconds.max() ?? 0,
                    "server_ms": report.serverUnmaskingMilliseconds,
                    "server_cpu_ms": report.serverUnmaskingCPUMilliseconds,
                    "server_total_ms": report.serverTotalMilliseconds,
                    "bytes_from_parties": report.bytesFromParties, "bytes_from_server": report.bytesFromServer,
                    "wall_ms": wall,
                ]
                if let plan, let noiseRMS, let errorRMS, let chargedRho {
                    object["dp_rho"] = plan.rho
                    object["dp_rho_charged"] = chargedRho
                    object["dp_local_sigma"] = plan.localSigma
                    object["dp_contributors_accounted"] = plan.contributors
                    object["dp_l2_sensitivity"] = plan.l2Sensitivity
                    object["dp_scale"] = plan.quantiser.scale
                    object["dp_clip"] = dpClip
                    object["dp_noise_rms"] = noiseRMS
                    object["dp_noise_rms_expected"] = Double(report.contributors.count).squareRoot() * plan.localSigma
                    object["dp_error_rms"] = errorRMS
                }
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(
                    """
                    secure aggregation (\(graph == .complete ? "SecAgg, complete graph" : "SecAgg+, \(degreeValue) neighbours")\(malicious ? ", malicious-server variant" : ""))
                    parties \(report.parties), dropped \(report.dropped) (at \(dropoutRound.rawValue)), threshold \(t), corrupt clients tolerated \(configuration.corruptClients), \(dim) elements mod 2^\(bits)
                    total \(report.correct ? "correct" : "WRONG") (equals the plain sum of the \(report.contributors.count) contributors)
                    party compute: median \(String(format: "%.2f", report.medianPartyMilliseconds)) ms, max \(String(format: "%.2f", report.partyMilliseconds.max() ?? 0)) ms
                    server: unmasking \(String(format: "%.2f", report.serverUnmaskingMilliseconds)) ms (\(String(format: "%.0f", report.serverUnmaskingCPUMilliseconds)) ms CPU over all threads), all rounds \(String(format: "%.2f", report.serverTotalMilliseconds)) ms
                    traffic: \(report.bytesFromParties) bytes from parties, \(report.bytesFromServer) from the server; wall \(String(format: "%.0f", wall)) ms
                    """)
                if let plan, let noiseRMS, let errorRMS, let chargedRho {
                    print(
                        "distributed DP (released through the plan's door, charged ρ = \(String(format: "%.4g", chargedRho)) to an in-memory budget of \(String(format: "%.4g", dpRho ?? 0))): clip \(dpClip), scale \(plan.quantiser.scale), Δ₂ \(String(format: "%.1f", plan.l2Sensitivity)) steps; local σ \(String(format: "%.3f", plan.localSigma)) per party, \(String(format: "%.4g", plan.rho))-zCDP with ≥ \(plan.contributors) honest contributors (t − n_C); noise in the total: RMS \(String(format: "%.2f", noiseRMS)) steps (expected \(String(format: "%.2f", Double(report.contributors.count).squareRoot() * plan.localSigma))); error of the real total: RMS \(String(format: "%.4g", errorRMS))"
                    )
                }
            }
            if !report.correct { throw ExitCode(2) }
        }
    }

    /// `secagg session --parties N --dim D [--graph …] [--corrupt C] --out FILE`: the shared session file.
    struct Session: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new session description (random session id and graph seed) for server and parties.")

        @Option(help: "Number of parties (ids 1...N).") var parties: Int
        @Option(help: "Vector length (elements).") var dim: Int
        @Option(help: "complete (SecAgg) or sparse (SecAgg+).") var graph: GraphKind = .complete
        @Option(
            help:
                "Neighbours per party for --graph sparse: at least the even number ≥ 3·log2 n (the default is 3·⌈log2 n⌉, made even)."
        ) var degree: Int?
        @Option(
            help:
                "Shares needed to reconstruct (default: a strict majority of a neighbourhood; with --signing-keys-dir the smallest t with 2t > m + corrupt)."
        ) var threshold: Int?
        @Option(
            name: .customLong("corrupt"),
            help:
                "Corrupt clients to tolerate per neighbourhood, n_C (default ⌊(m − 1)/3⌋). Needs t > n_C, and 2t > m + n_C in the malicious-server variant."
        )
        var corrupt: Int?
        @Option(help: "Ring bits k (1...32).") var bits: Int = 32
        @Option(help: "Where to write the JSON session file.") var out: String
        @Option(
            help:
                "Malicious-server variant: write each party's Ed25519 key to DIR/party-<id>.ed25519 (hex) and the public keys into the session."
        )
        var signingKeysDir: String?

        func validate() throws {
            guard parties >= 2 else { throw ValidationError("--parties must be at least 2") }
            guard parties <= SecAggConfiguration.maximumParties else {
                throw ValidationError(
                    "--parties must be at most \(SecAggConfiguration.maximumParties), found \(parties)")
            }
            guard dim >= 1 else { throw ValidationError("--dim must be at least 1") }
            guard (1...32).contains(bits) else { throw ValidationError("--bits must be in 1...32") }
            if let degree, graph == .complete { throw ValidationError("--degree \(degree) needs --graph sparse") }
            if let corrupt, corrupt < 0 { throw ValidationError("--corrupt must be at least 0, found \(corrupt)") }
        }

        func run() throws {
            let graphValue = try SecAggCommand.makeGraph(graph, degree: degree, parties: parties)
            let malicious = signingKeysDir != nil
            let t =
                threshold
                ?? SecAggConfiguration.defaultThreshold(
                    partyCount: parties, graph: graphValue,
                    maliciousServer: malicious, corruptClients: corrupt)
            // Keys in memory first: the configuration is validated before any file is written.
            var privateKeys: [UInt32: Curve25519.Signing.PrivateKey] = [:]
            if malicious { for id in 1...UInt32(parties) { privateKeys[id] = Curve25519.Signing.PrivateKey() } }
            let publicKeys = malicious ? privateKeys.mapValues { Array($0.publicKey.rawRepresentation) } : nil
            var sparseDegree: Int?
            var seed: [UInt8]?
            if case let .sparse(d, s) = graphValue {
                sparseDegree = d
                seed = s
            }
            let description = SecAggSessionDescription(
                sessionID: try SystemEntropy.bytes(count: 16),
                partyIDs: (1...parties).map { UInt32($0) }, dimension: dim,
                modulusBits: bits, threshold: t, sparseDegree: sparseDegree, graphSeed: seed,
                signingPublicKeys: publicKeys, corruptClients: corrupt)
            let checked = try description.configuration()  // validate before writing
            if let signingKeysDir {
                try FileManager.default.createDirectory(atPath: signingKeysDir, withIntermediateDirectories: true)
                for (id, key) in privateKeys.sorted(by: { $0.key < $1.key }) {
                    let path = "\(signingKeysDir)/party-\(id).ed25519"
                    guard
                        FileManager.default.createFile(
                            atPath: path,
                            contents: Data((Hexadecimal.encode(Array(key.rawRepresentation)) + "\n").utf8),
                            attributes: [.posixPermissions: 0o600])
                    else {
                        throw ValidationError("cannot write the signing key file \(path)")
                    }
                }
            }
            try description.write(path: out)
            print(
                "wrote \(out): \(parties) parties, \(dim) elements mod 2^\(bits), threshold \(t), \(checked.corruptClients) corrupt clients tolerated, \(description.graph) graph"
            )
        }
    }

    /// `secagg server --session FILE [--port P] …`: the aggregator as its own process.
    struct Server: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the aggregation server over TCP until the session ends; print the total.",
            discussion:
                "Prints 'listening on HOST:PORT' first (with --port 0 a free port is chosen). Parties that stay silent past a deadline or disconnect are dropouts."
        )

        @Option(help: "Session file from `secagg session`.") var session: String
        @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
        @Option(help: "TCP port (0: any free port).") var port: Int = 0
        @Option(help: "Seconds round 0 waits for parties to join.") var joinTimeout: Double = 30
        @Option(help: "Seconds each later round waits.") var roundTimeout: Double = 10
        @Option(help: "Write the total here, one decimal integer per line.") var output: String?
        @Flag(help: "Print a JSON summary instead of text.") var json = false
        @Flag(help: "Log protocol events on standard error.") var verbose = false

        func validate() throws {
            try SecAggCommand.checkPort(port, allowZero: true)
        }

        func run() throws {
            let configuration = try SecAggSessionDescription.load(path: session).configuration()
            var options = SecAggTCPServer.Options()
            options.host = host
            options.port = port
            options.joinTimeout = joinTimeout
            options.roundTimeout = roundTimeout
            let verbose = self.verbose
            let started = Date()
            let listenHost = host
            let outcome = try SecAggTCPServer.run(
                configuration: configuration, options: options,
                onListening: { port in
                    FileHandle.standardOutput.write(Data("listening on \(listenHost):\(port)\n".utf8))
                },
                log: { line in
                    if verbose { FileHandle.standardError.write(Data(("server: " + line + "\n").utf8)) }
                })
            let wall = Date().timeIntervalSince(started) * 1000
            if let output {
                let text = outcome.aggregate.map(String.init).joined(separator: "\n") + "\n"
                try text.write(toFile: output, atomically: true, encoding: .utf8)
            }
            let rounds = outcome.respondersByRound.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.count)" }
                .joined(separator: ", ")
            if json {
                var byRound: [String: Int] = [:]
                for (round, ids) in outcome.respondersByRound { byRound["\(round)"] = ids.count }
                let object: [String: Any] = [
                    "parties": configuration.partyIDs.count, "contributors": outcome.contributors,
                    "dropped": configuration.partyIDs.count - (outcome.respondersByRound[.unmasking]?.count ?? 0),
                    "responders_by_round": byRound, "server_ms": outcome.unmaskingMilliseconds, "wall_ms": wall,
                    "rejected_or_dropped_events": outcome.events.filter {
                        $0.hasPrefix("rejected") || $0.contains("dropout")
                    },
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(
                    "total of \(outcome.contributors.count) parties' inputs computed (unmasking \(String(format: "%.1f", outcome.unmaskingMilliseconds)) ms, wall \(String(format: "%.0f", wall)) ms)"
                )
                print("responders per round: \(rounds)")
                if output == nil {
                    print(
                        outcome.aggregate.prefix(10).map(String.init).joined(separator: " ")
                            + (outcome.aggregate.count > 10 ? " …" : ""))
                }
            }
        }
    }

    /// `secagg party --session FILE --id I --port P --input FILE`: one data holder as its own process.
    struct Party: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one party over TCP: contribute a vector to the secure sum.",
            discussion:
                "The input file holds one decimal integer per line (the session's dimension many, each below 2^k). --random writes a random input to --input instead of reading it."
        )

        @Option(help: "Session file from `secagg session`.") var session: String
        @Option(help: "This party's id.") var id: UInt32
        @Option(help: "Server address.") var host: String = "127.0.0.1"
        @Option(help: "Server port.") var port: Int
        @Option(help: "Input vector file (one integer per line).") var input: String
        @Flag(help: "Generate a uniformly random input and write it to --input first.") var random = false
        @Option(
            help:
                "Testing: stop answering at this round (advertise, share, masked, consistency, unmask) and wait to be killed."
        )
        var stallAt: DropoutRound?
        @Option(help: "Seconds to keep retrying the connection.") var connectTimeout: Double = 30
        @Option(help: "This party's Ed25519 key file (hex), for a malicious-server-variant session.") var signingKey:
            String?
        @Flag(help: "Log on standard error.") var verbose = false

        func validate() throws {
            try SecAggCommand.checkPort(port, allowZero: false)
        }

        func run() throws {
            let configuration = try SecAggSessionDescription.load(path: session).configuration()
            var generator = try SecureRandomGenerator()
            let vector: [UInt32]
            if random {
                var values = [UInt32](repeating: 0, count: configuration.dimension)
                values.withUnsafeMutableBytes { generator.fill($0) }
                vector = values.map { $0 & configuration.elementMask }
                try SecAggInputFile.write(vector, path: input)
            } else {
                vector = try SecAggInputFile.read(
                    path: input, dimension: configuration.dimension, modulusBits: configuration.modulusBits)
            }
            var key: Curve25519.Signing.PrivateKey?
            if let signingKey {
                let text = try SecAggInputFile.readText(path: signingKey, role: "signing key file").trimmingCharacters(
                    in: .whitespacesAndNewlines)
                guard let raw = Hexadecimal.decode(text), raw.count == 32 else {
                    throw ValidationError("\(signingKey) does not hold a 32-byte hexadecimal Ed25519 key")
                }
                key = try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
            }
            let party = try SecAggParty(
                id: id, configuration: configuration, input: vector, signingKey: key, generator: generator)
            var options = SecAggTCPParty.Options(port: port)
            options.host = host
            options.connectTimeout = connectTimeout
            options.stallAt = stallAt?.round
            let verbose = self.verbose
            let stalling = stallAt != nil
            let computeMs = try SecAggTCPParty.run(party: party, options: options) { line in
                if stalling && line.contains("stalled") { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
                if verbose { FileHandle.standardError.write(Data((line + "\n").utf8)) }
            }
            print("party \(id): done, compute \(String(format: "%.1f", computeMs)) ms")
        }
    }
}
