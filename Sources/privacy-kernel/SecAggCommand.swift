import ArgumentParser
import Crypto
import Foundation
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

    /// `secagg simulate --parties N --dim D --dropout F [--graph complete|sparse] [--threshold T] [--json]`.
    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one secure-aggregation session in this process and check the total.",
            discussion: """
            Every party gets a uniformly random vector mod 2^k; a fraction of them (chosen at random) \
            stops answering at --dropout-round. Messages go through the binary wire format. \
            party_ms is the median compute time per party over all rounds; server_ms the server's \
            unmasking (reconstruction + mask removal); server_total_ms all its rounds.
            """
        )

        @Option(help: "Number of parties.") var parties: Int = 100
        @Option(help: "Vector length (elements).") var dim: Int = 1_000
        @Option(help: "Fraction of parties that drop out, in [0, 1).") var dropout: Double = 0
        @Option(help: "Round in which dropouts stop answering: \(DropoutRound.allCases.map(\.rawValue).joined(separator: ", ")).")
        var dropoutRound: DropoutRound = .masked
        @Option(help: "complete (SecAgg) or sparse (SecAgg+, O(log n) neighbours).") var graph: GraphKind = .complete
        @Option(help: "Neighbours per party for --graph sparse (default: the even number ≥ 3·log2 n).") var degree: Int?
        @Option(help: "Shares needed to reconstruct (default: a strict majority of a neighbourhood).") var threshold: Int?
        @Option(help: "Ring bits k: elements mod 2^k, 1...32.") var bits: Int = 32
        @Flag(help: "Malicious-server variant: signed keys and the consistency-check round.") var malicious = false
        @Option(help: "Distributed DP: every party adds discrete Gaussian noise shares so that the sum satisfies this rho-zCDP (accounted with n = threshold contributors; Kairouz, Liu & Steinke 2021).")
        var dpRho: Double?
        @Option(help: "L2 sensitivity of the summed vector in ring units, for --dp-rho (L1 is taken as min(√dim·Δ₂, Δ₂²)).")
        var dpL2Sensitivity: Double = 1
        @Flag(help: "Print one JSON object instead of text.") var json = false

        func validate() throws {
            guard parties >= 2 else { throw ValidationError("--parties must be at least 2") }
            guard dim >= 1 else { throw ValidationError("--dim must be at least 1") }
            guard dropout >= 0, dropout < 1 else { throw ValidationError("--dropout must be in [0, 1)") }
            guard (1 ... 32).contains(bits) else { throw ValidationError("--bits must be in 1...32") }
        }

        func run() throws {
            var generator = try SecureRandomGenerator()
            let ids = (1 ... parties).map { PartyID($0) }
            let graphChoice: SecAggGraph
            switch graph {
            case .complete: graphChoice = .complete
            case .sparse:
                graphChoice = .sparse(degree: degree ?? SecAggConfiguration.recommendedSparseDegree(partyCount: parties),
                                      seed: try SystemEntropy.bytes(count: 32))
            }
            let t = threshold ?? SecAggConfiguration.defaultThreshold(partyCount: parties, graph: graphChoice)
            var signingKeys: [PartyID: Curve25519.Signing.PrivateKey] = [:]
            if malicious { for id in ids { signingKeys[id] = Curve25519.Signing.PrivateKey() } }
            let configuration = try SecAggConfiguration(
                sessionID: try SystemEntropy.bytes(count: 16), partyIDs: ids, dimension: dim, modulusBits: bits,
                threshold: t, graph: graphChoice,
                signingPublicKeys: malicious ? signingKeys.mapValues { Array($0.publicKey.rawRepresentation) } : nil)
            var inputs = SecAggSimulation.randomInputs(for: configuration, using: &generator)
            let clean = inputs
            var sigma: Double?
            var achievedRho: Double?
            if let dpRho {
                let l1 = min(Double(dim).squareRoot() * dpL2Sensitivity, dpL2Sensitivity * dpL2Sensitivity)
                let local = try DistributedDiscreteGaussian.localSigma(forRho: dpRho, contributors: t, l2Sensitivity: dpL2Sensitivity,
                                                                       l1Sensitivity: l1, dimension: dim)
                for id in ids {
                    var source = try DiscreteGaussianNoiseShares(sigma: local, generator: try SecureRandomGenerator())
                    DistributedDiscreteGaussian.addNoise(to: &inputs[id]!, modulusBits: bits, from: &source)
                }
                sigma = local
                achievedRho = DistributedDiscreteGaussian.rho(localSigma: local, contributors: t, l2Sensitivity: dpL2Sensitivity,
                                                              l1Sensitivity: l1, dimension: dim)
            }
            let dropouts = SecAggSimulation.randomDropouts(of: configuration, fraction: dropout, in: dropoutRound.round, using: &generator)
            let started = Date()
            let report = try SecAggSimulation.run(configuration: configuration, inputs: inputs, dropouts: dropouts, signingKeys: signingKeys)
            let wall = Date().timeIntervalSince(started) * 1000
            // With noise: the RMS of (total − clean sum of the contributors), i.e. the noise that
            // reached the release, against its expectation √|U3|·σ.
            var noiseRMS: Double?
            if sigma != nil {
                let modulus = Int64(1) << Int64(bits)
                var squares = 0.0
                for i in 0 ..< dim {
                    var cleanSum: UInt32 = 0
                    for id in report.contributors { cleanSum &+= clean[id]![i] }
                    var difference = Int64((report.aggregate[i] &- cleanSum) & configuration.elementMask)
                    if difference >= modulus / 2 { difference -= modulus }
                    squares += Double(difference * difference)
                }
                noiseRMS = (squares / Double(dim)).squareRoot()
            }
            let degreeValue: Int
            if case let .sparse(d, _) = graphChoice { degreeValue = min(d, parties - 1) } else { degreeValue = parties - 1 }
            if json {
                var object: [String: Any] = [
                    "correct": report.correct, "parties": report.parties, "dropped": report.dropped,
                    "contributors": report.contributors.count, "dim": dim, "bits": bits,
                    "graph": graph.rawValue, "degree": degreeValue, "threshold": t, "malicious": malicious,
                    "dropout_round": dropoutRound.rawValue,
                    "party_ms": report.medianPartyMilliseconds, "party_ms_max": report.partyMilliseconds.max() ?? 0,
                    "server_ms": report.serverUnmaskingMilliseconds, "server_cpu_ms": report.serverUnmaskingCPUMilliseconds,
                    "server_total_ms": report.serverTotalMilliseconds,
                    "bytes_from_parties": report.bytesFromParties, "bytes_from_server": report.bytesFromServer,
                    "wall_ms": wall,
                ]
                if let sigma, let achievedRho, let noiseRMS {
                    object["dp_rho"] = achievedRho
                    object["dp_local_sigma"] = sigma
                    object["dp_noise_rms"] = noiseRMS
                    object["dp_noise_rms_expected"] = Double(report.contributors.count).squareRoot() * sigma
                }
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("""
                secure aggregation (\(graph == .complete ? "SecAgg, complete graph" : "SecAgg+, \(degreeValue) neighbours")\(malicious ? ", malicious-server variant" : ""))
                parties \(report.parties), dropped \(report.dropped) (at \(dropoutRound.rawValue)), threshold \(t), \(dim) elements mod 2^\(bits)
                total \(report.correct ? "correct" : "WRONG") (equals the plain sum of the \(report.contributors.count) contributors)
                party compute: median \(String(format: "%.2f", report.medianPartyMilliseconds)) ms, max \(String(format: "%.2f", report.partyMilliseconds.max() ?? 0)) ms
                server: unmasking \(String(format: "%.2f", report.serverUnmaskingMilliseconds)) ms (\(String(format: "%.0f", report.serverUnmaskingCPUMilliseconds)) ms CPU over all threads), all rounds \(String(format: "%.2f", report.serverTotalMilliseconds)) ms
                traffic: \(report.bytesFromParties) bytes from parties, \(report.bytesFromServer) from the server; wall \(String(format: "%.0f", wall)) ms
                """)
                if let sigma, let achievedRho, let noiseRMS {
                    print("distributed DP: local σ \(String(format: "%.3f", sigma)) per party, \(String(format: "%.4g", achievedRho))-zCDP with ≥ \(t) contributors; noise in the total: RMS \(String(format: "%.2f", noiseRMS)) (expected \(String(format: "%.2f", Double(report.contributors.count).squareRoot() * sigma)))")
                }
            }
            if !report.correct { throw ExitCode(2) }
        }
    }

    /// `secagg session --parties N --dim D [--graph …] --out FILE`: the shared session file.
    struct Session: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new session description (random session id and graph seed) for server and parties.")

        @Option(help: "Number of parties (ids 1...N).") var parties: Int
        @Option(help: "Vector length (elements).") var dim: Int
        @Option(help: "complete (SecAgg) or sparse (SecAgg+).") var graph: GraphKind = .complete
        @Option(help: "Neighbours per party for --graph sparse (default: the even number ≥ 3·log2 n).") var degree: Int?
        @Option(help: "Shares needed to reconstruct (default: a strict majority of a neighbourhood).") var threshold: Int?
        @Option(help: "Ring bits k (1...32).") var bits: Int = 32
        @Option(help: "Where to write the JSON session file.") var out: String
        @Option(help: "Malicious-server variant: write each party's Ed25519 key to DIR/party-<id>.ed25519 (hex) and the public keys into the session.")
        var signingKeysDir: String?

        func run() throws {
            guard parties >= 2 else { throw ValidationError("--parties must be at least 2") }
            var publicKeys: [UInt32: [UInt8]]?
            if let signingKeysDir {
                try FileManager.default.createDirectory(atPath: signingKeysDir, withIntermediateDirectories: true)
                var keys: [UInt32: [UInt8]] = [:]
                for id in 1 ... UInt32(parties) {
                    let key = Curve25519.Signing.PrivateKey()
                    keys[id] = Array(key.publicKey.rawRepresentation)
                    let path = "\(signingKeysDir)/party-\(id).ed25519"
                    guard FileManager.default.createFile(atPath: path, contents: Data((SecAggSessionDescription.hex(Array(key.rawRepresentation)) + "\n").utf8),
                                                         attributes: [.posixPermissions: 0o600]) else {
                        throw ValidationError("cannot write the signing key file \(path)")
                    }
                }
                publicKeys = keys
            }
            let sparseDegree = graph == .sparse ? (degree ?? SecAggConfiguration.recommendedSparseDegree(partyCount: parties)) : nil
            let seed = graph == .sparse ? try SystemEntropy.bytes(count: 32) : nil
            let graphValue: SecAggGraph = sparseDegree.map { .sparse(degree: $0, seed: seed!) } ?? .complete
            let t = threshold ?? SecAggConfiguration.defaultThreshold(partyCount: parties, graph: graphValue)
            let description = SecAggSessionDescription(sessionID: try SystemEntropy.bytes(count: 16),
                                                       partyIDs: (1 ... parties).map { UInt32($0) }, dimension: dim,
                                                       modulusBits: bits, threshold: t, sparseDegree: sparseDegree, graphSeed: seed,
                                                       signingPublicKeys: publicKeys)
            _ = try description.configuration()      // validate before writing
            try description.write(path: out)
            print("wrote \(out): \(parties) parties, \(dim) elements mod 2^\(bits), threshold \(t), \(description.graph) graph")
        }
    }

    /// `secagg server --session FILE [--port P] …`: the aggregator as its own process.
    struct Server: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the aggregation server over TCP until the session ends; print the total.",
            discussion: "Prints 'listening on HOST:PORT' first (with --port 0 a free port is chosen). Parties that stay silent past a deadline or disconnect are dropouts.")

        @Option(help: "Session file from `secagg session`.") var session: String
        @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
        @Option(help: "TCP port (0: any free port).") var port: Int = 0
        @Option(help: "Seconds round 0 waits for parties to join.") var joinTimeout: Double = 30
        @Option(help: "Seconds each later round waits.") var roundTimeout: Double = 10
        @Option(help: "Write the total here, one decimal integer per line.") var output: String?
        @Flag(help: "Print a JSON summary instead of text.") var json = false
        @Flag(help: "Log protocol events on standard error.") var verbose = false

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
            let outcome = try SecAggTCPServer.run(configuration: configuration, options: options, onListening: { port in
                FileHandle.standardOutput.write(Data("listening on \(listenHost):\(port)\n".utf8))
            }, log: { line in
                if verbose { FileHandle.standardError.write(Data(("server: " + line + "\n").utf8)) }
            })
            let wall = Date().timeIntervalSince(started) * 1000
            if let output {
                let text = outcome.aggregate.map(String.init).joined(separator: "\n") + "\n"
                try text.write(toFile: output, atomically: true, encoding: .utf8)
            }
            let rounds = outcome.respondersByRound.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.count)" }.joined(separator: ", ")
            if json {
                var byRound: [String: Int] = [:]
                for (round, ids) in outcome.respondersByRound { byRound["\(round)"] = ids.count }
                let object: [String: Any] = [
                    "parties": configuration.partyIDs.count, "contributors": outcome.contributors,
                    "dropped": configuration.partyIDs.count - (outcome.respondersByRound[.unmasking]?.count ?? 0),
                    "responders_by_round": byRound, "server_ms": outcome.unmaskingMilliseconds, "wall_ms": wall,
                    "rejected_or_dropped_events": outcome.events.filter { $0.hasPrefix("rejected") || $0.contains("dropout") },
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("total of \(outcome.contributors.count) parties' inputs computed (unmasking \(String(format: "%.1f", outcome.unmaskingMilliseconds)) ms, wall \(String(format: "%.0f", wall)) ms)")
                print("responders per round: \(rounds)")
                if output == nil { print(outcome.aggregate.prefix(10).map(String.init).joined(separator: " ") + (outcome.aggregate.count > 10 ? " …" : "")) }
            }
        }
    }

    /// `secagg party --session FILE --id I --port P --input FILE`: one data holder as its own process.
    struct Party: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one party over TCP: contribute a vector to the secure sum.",
            discussion: "The input file holds one decimal integer per line (the session's dimension many, each below 2^k). --random writes a random input to --input instead of reading it.")

        @Option(help: "Session file from `secagg session`.") var session: String
        @Option(help: "This party's id.") var id: UInt32
        @Option(help: "Server address.") var host: String = "127.0.0.1"
        @Option(help: "Server port.") var port: Int
        @Option(help: "Input vector file (one integer per line).") var input: String
        @Flag(help: "Generate a uniformly random input and write it to --input first.") var random = false
        @Option(help: "Testing: stop answering at this round (advertise, share, masked, consistency, unmask) and wait to be killed.")
        var stallAt: DropoutRound?
        @Option(help: "Seconds to keep retrying the connection.") var connectTimeout: Double = 30
        @Option(help: "This party's Ed25519 key file (hex), for a malicious-server-variant session.") var signingKey: String?
        @Flag(help: "Log on standard error.") var verbose = false

        func run() throws {
            let configuration = try SecAggSessionDescription.load(path: session).configuration()
            var generator = try SecureRandomGenerator()
            let vector: [UInt32]
            if random {
                var values = [UInt32](repeating: 0, count: configuration.dimension)
                values.withUnsafeMutableBytes { generator.fill($0) }
                vector = values.map { $0 & configuration.elementMask }
                try (vector.map(String.init).joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
            } else {
                let text = try String(contentsOfFile: input, encoding: .utf8)
                var values: [UInt32] = []
                for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
                    guard let value = UInt32(line.trimmingCharacters(in: .whitespaces)) else {
                        throw ValidationError("\(input) line \(index + 1): \"\(line)\" is not an unsigned 32-bit integer")
                    }
                    values.append(value)
                }
                vector = values
            }
            var key: Curve25519.Signing.PrivateKey?
            if let signingKey {
                let text = try String(contentsOfFile: signingKey, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                guard let raw = SecAggSessionDescription.bytes(hex: text), raw.count == 32 else {
                    throw ValidationError("\(signingKey) does not hold a 32-byte hexadecimal Ed25519 key")
                }
                key = try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
            }
            let party = try SecAggParty(id: id, configuration: configuration, input: vector, signingKey: key, generator: generator)
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
