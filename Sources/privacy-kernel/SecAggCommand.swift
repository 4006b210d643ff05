import ArgumentParser
import Crypto
import Foundation
import SecureAggregation
import SecureRandom

/// `privacy-kernel secagg …`: secure aggregation (SecAgg, SecAgg+) in one process or as
/// separate server and party processes over TCP.
struct SecAggCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secagg",
        abstract: "Sum vectors of many parties so that only the total is revealed (SecAgg / SecAgg+).",
        subcommands: [Simulate.self]
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
            let inputs = SecAggSimulation.randomInputs(for: configuration, using: &generator)
            let dropouts = SecAggSimulation.randomDropouts(of: configuration, fraction: dropout, in: dropoutRound.round, using: &generator)
            let started = Date()
            let report = try SecAggSimulation.run(configuration: configuration, inputs: inputs, dropouts: dropouts, signingKeys: signingKeys)
            let wall = Date().timeIntervalSince(started) * 1000
            let degreeValue: Int
            if case let .sparse(d, _) = graphChoice { degreeValue = min(d, parties - 1) } else { degreeValue = parties - 1 }
            if json {
                let object: [String: Any] = [
                    "correct": report.correct, "parties": report.parties, "dropped": report.dropped,
                    "contributors": report.contributors.count, "dim": dim, "bits": bits,
                    "graph": graph.rawValue, "degree": degreeValue, "threshold": t, "malicious": malicious,
                    "dropout_round": dropoutRound.rawValue,
                    "party_ms": report.medianPartyMilliseconds, "party_ms_max": report.partyMilliseconds.max() ?? 0,
                    "server_ms": report.serverUnmaskingMilliseconds, "server_total_ms": report.serverTotalMilliseconds,
                    "bytes_from_parties": report.bytesFromParties, "bytes_from_server": report.bytesFromServer,
                    "wall_ms": wall,
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("""
                secure aggregation (\(graph == .complete ? "SecAgg, complete graph" : "SecAgg+, \(degreeValue) neighbours")\(malicious ? ", malicious-server variant" : ""))
                parties \(report.parties), dropped \(report.dropped) (at \(dropoutRound.rawValue)), threshold \(t), \(dim) elements mod 2^\(bits)
                total \(report.correct ? "correct" : "WRONG") (equals the plain sum of the \(report.contributors.count) contributors)
                party compute: median \(String(format: "%.2f", report.medianPartyMilliseconds)) ms, max \(String(format: "%.2f", report.partyMilliseconds.max() ?? 0)) ms
                server: unmasking \(String(format: "%.2f", report.serverUnmaskingMilliseconds)) ms, all rounds \(String(format: "%.2f", report.serverTotalMilliseconds)) ms
                traffic: \(report.bytesFromParties) bytes from parties, \(report.bytesFromServer) from the server; wall \(String(format: "%.0f", wall)) ms
                """)
            }
            if !report.correct { throw ExitCode(2) }
        }
    }
}
