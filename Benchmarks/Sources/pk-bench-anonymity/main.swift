// pk-bench-anonymity — our side of the same-run anonymity comparison (peers/run-anonymity-peers.sh).
//
// Prints one JSON line per operation on standard output (protocol of ../../README.md; "bytes"
// holds the number of rows, so aggregate.py reports rows/s):
//   {"impl":"privacykernel","op":"adult_kanon","bytes":30162,"seconds":[...],"check":1}
// Operations (all on Adult already in memory, eight quasi-identifiers, salary-class sensitive):
//   adult_kanon      equivalence classes + k (smallest class)            check = k
//   adult100_kanon   the same on Adult × 100 (3,016,200 rows)           check = k
//   adult_ldiv       classes + distinct l-diversity                      check = l
//   adult_tclose     classes + equal-distance t-closeness                check = t
//   adult_flash0     optimal search, k = 5, 0% suppression, ARX Loss     check = loss
//   adult_flash5     optimal search, k = 5, 5% suppression, ARX Loss     check = loss
// Build and run in release:  swift run -c release pk-bench-anonymity --runs 5

import AnonymityBenchData
import Anonymity
import BenchSupport
import Tabular

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let allOps = ["adult_kanon", "adult100_kanon", "adult_ldiv", "adult_tclose", "adult_flash0", "adult_flash5"]
let usage = """
    usage: pk-bench-anonymity [--runs N] [--warmup N] [--ops \(allOps.joined(separator: ","))] [--threads N]
    Adult is read from $\(AdultBench.directoryVariable) (default ../../shared/datasets/adult from Benchmarks/).
    """

func fail(_ message: String) -> Never {
    printToStandardError("pk-bench-anonymity: \(message)")
    exit(2)
}

var runs = 5, warmup = 1
var ops = allOps
var arguments = Array(CommandLine.arguments.dropFirst())
while !arguments.isEmpty {
    let flag = arguments.removeFirst()
    func value() -> String { guard !arguments.isEmpty else { fail("\(flag) needs a value") }; return arguments.removeFirst() }
    switch flag {
    case "--runs": guard let v = Int(value()), v > 0 else { fail("--runs must be positive") }; runs = v
    case "--warmup": guard let v = Int(value()), v >= 0 else { fail("--warmup must be non-negative") }; warmup = v
    case "--ops":
        ops = value().split(separator: ",").map(String.init)
        for op in ops where !allOps.contains(op) { fail("unknown operation '\(op)'") }
    case "-h", "--help": print(usage); exit(0)
    default: fail("unknown argument '\(flag)'\n\(usage)")
    }
}

@MainActor func measure<T>(_ body: () throws -> T) rethrows -> (last: T, seconds: [Double]) {
    try measureRuns(warmup: warmup, runs: runs, body)
}

do {
    let adult = try AdultBench.table()
    let qi = AdultBench.quasiIdentifiers
    let hierarchies = try AdultBench.hierarchies()
    for op in ops {
        let line: ProtocolLine
        switch op {
        case "adult_kanon", "adult100_kanon":
            let table = op == "adult_kanon" ? adult : try AdultBench.repeated(adult, times: 100)
            let (k, seconds) = try measure { () -> Int in
                let (_, reports) = try Anonymiser.check(table, quasiIdentifiers: qi, requirements: [.kAnonymity(k: 2)])
                return Int(reports[0].achieved)
            }
            line = ProtocolLine(impl: "privacykernel", op: op, bytes: table.rowCount, seconds: seconds, check: Double(k))
        case "adult_ldiv":
            let (l, seconds) = try measure { () -> Double in
                try Anonymiser.check(adult, quasiIdentifiers: qi, sensitive: AdultBench.sensitive,
                                    requirements: [.distinctLDiversity(l: 2)]).reports[0].achieved
            }
            line = ProtocolLine(impl: "privacykernel", op: op, bytes: adult.rowCount, seconds: seconds, check: l)
        case "adult_tclose":
            let (t, seconds) = try measure { () -> Double in
                try Anonymiser.check(adult, quasiIdentifiers: qi, sensitive: AdultBench.sensitive,
                                    requirements: [.equalDistanceTCloseness(t: 0.5)]).reports[0].achieved
            }
            line = ProtocolLine(impl: "privacykernel", op: op, bytes: adult.rowCount, seconds: seconds,
                                check: (t * 100_000).rounded() / 100_000)
        default:
            let limit = op == "adult_flash0" ? 0.0 : 0.05
            let (result, seconds) = try measure {
                try Anonymiser.generalise(adult, quasiIdentifiers: qi, hierarchies: hierarchies, models: [.kAnonymity(k: 5)],
                                         suppressionLimit: limit, metric: .loss)
            }
            printToStandardError("\(op): levels \(result.levels), suppressed \(result.suppressedRows), evaluated \(result.nodesEvaluated) of \(result.latticeSize)")
            line = ProtocolLine(impl: "privacykernel", op: op, bytes: adult.rowCount, seconds: seconds,
                                check: (result.loss * 1_000_000).rounded() / 1_000_000,
                                note: "levels \(result.levels.map(String.init).joined(separator: ","))")
        }
        printLineToStandardOutput(line.json)
    }
} catch {
    fail("\(error)")
}
