// Our side of the same-run secure-aggregation comparison (peers/run-secagg-peers.sh).
//
//   pk-bench-secagg [--runs N] [--parties 100] [--dim 100000] [--dropout 0.1] [--graph sparse|complete]
//                   [--op NAME]
//
// Runs N whole sessions (SecAggSimulation: every message through the wire format, dropouts stop
// before sending their masked input — the case that makes the server recover pairwise masks)
// and prints JSON lines of the peer protocol: op "<NAME>_party" with the median per-party
// compute time of each run, "<NAME>_server" with the server's unmasking wall time of each run,
// and "<NAME>_server_cpu" with its CPU time over all threads.
// Every run's total is checked against the plain sum; a wrong total exits with status 1.

import BenchSupport
import Foundation
import SecureAggregation
import SecureRandom

var runs = 3
var parties = 100
var dimension = 100_000
var dropout = 0.1
var sparse = true
var op: String?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--runs": runs = Int(arguments.popFirst()!)!
    case "--parties": parties = Int(arguments.popFirst()!)!
    case "--dim": dimension = Int(arguments.popFirst()!)!
    case "--dropout": dropout = Double(arguments.popFirst()!)!
    case "--graph": sparse = arguments.popFirst()! == "sparse"
    case "--op": op = arguments.popFirst()!
    default:
        printToStandardError("pk-bench-secagg: unknown argument \(argument)")
        exit(2)
    }
}
let name = op ?? "\(sparse ? "secaggplus" : "secagg")_\(parties)x\(dimension)_drop\(Int(dropout * 100))"

var generator = try SecureRandomGenerator()
var partySeconds: [Double] = []
var serverSeconds: [Double] = []
var serverCPUSeconds: [Double] = []
for run in 0 ..< runs {
    let ids = (1 ... parties).map { PartyID($0) }
    let graph: SecAggGraph = sparse
        ? .sparse(degree: SecAggConfiguration.recommendedSparseDegree(partyCount: parties), seed: try SystemEntropy.bytes(count: 32))
        : .complete
    let configuration = try SecAggConfiguration(
        sessionID: try SystemEntropy.bytes(count: 16), partyIDs: ids, dimension: dimension, modulusBits: 32,
        threshold: SecAggConfiguration.defaultThreshold(partyCount: parties, graph: graph), graph: graph)
    let inputs = SecAggSimulation.randomInputs(for: configuration, using: &generator)
    let dropouts = SecAggSimulation.randomDropouts(of: configuration, fraction: dropout, in: .maskedInputCollection, using: &generator)
    let report = try SecAggSimulation.run(configuration: configuration, inputs: inputs, dropouts: dropouts)
    guard report.correct else {
        printToStandardError("pk-bench-secagg: run \(run): the total is WRONG")
        exit(1)
    }
    partySeconds.append(report.medianPartyMilliseconds / 1000)
    serverSeconds.append(report.serverUnmaskingMilliseconds / 1000)
    serverCPUSeconds.append(report.serverUnmaskingCPUMilliseconds / 1000)
    printToStandardError("pk-bench-secagg: \(name) run \(run): party median \(report.medianPartyMilliseconds) ms, server unmasking \(report.serverUnmaskingMilliseconds) ms wall, \(report.serverUnmaskingCPUMilliseconds) ms CPU, \(report.dropped) dropped, correct")
}
let note = "\(parties) parties, \(dimension) x u32, \(Int(dropout * 100))% dropouts before masked input, \(sparse ? "SecAgg+ degree \(SecAggConfiguration.recommendedSparseDegree(partyCount: parties))" : "complete graph")"
printLineToStandardOutput(ProtocolLine(impl: "privacykernel", op: name + "_party", bytes: dimension * 4, seconds: partySeconds, check: 1, note: note).json)
printLineToStandardOutput(ProtocolLine(impl: "privacykernel", op: name + "_server", bytes: dimension * 4, seconds: serverSeconds, check: 1, note: note).json)
// CPU seconds of the unmasking over all threads (not wall time): / cores ≈ wall time when idle.
printLineToStandardOutput(ProtocolLine(impl: "privacykernel", op: name + "_server_cpu", bytes: dimension * 4, seconds: serverCPUSeconds, check: 1, note: note + "; process CPU seconds, all threads").json)
