// Anonymity benchmarks on Adult (30,162 rows, eight quasi-identifiers, salary-class sensitive).
//
// Run from the Benchmarks/ folder:
//   swift package --disable-sandbox benchmark --no-progress --target AnonymityBenchmarks
//
// Goals (issue 4): k-anonymity ≤ 2 ms on Adult and ≤ 0.15 s on Adult × 100; l-diversity and
// t-closeness ≤ 5 ms; optimal search ≤ 25 ms at 0% and ≤ 200 ms at 5% suppression.
// For ratios against pandas and pycanon measured in the same run, use peers/run-anonymity-peers.sh.

import Anonymity
import AnonymityBenchData
import Benchmark
import Tabular

/// Adult, Adult × 100 and the hierarchies, loaded once.
struct Inputs: Sendable {
    let adult: Table
    let adult100: Table
    let hierarchies: [String: Hierarchy]
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .microseconds,
        warmupIterations: 2,
        maxDuration: .seconds(5),
        maxIterations: 200
    )
    let qi = AdultBench.quasiIdentifiers

    func load() throws -> Inputs {
        let adult = try AdultBench.table()
        return Inputs(adult: adult, adult100: try AdultBench.repeated(adult, times: 100), hierarchies: try AdultBench.hierarchies())
    }

    Benchmark("k-anonymity Adult") { (benchmark: Benchmark, inputs: Inputs) in
        for _ in benchmark.scaledIterations {
            blackHole(try Anonymiser.check(inputs.adult, quasiIdentifiers: qi, requirements: [.kAnonymity(k: 5)]))
        }
    } setup: { try load() }

    Benchmark("k-anonymity Adult x100", configuration: .init(timeUnits: .milliseconds, maxIterations: 30)) { (benchmark: Benchmark, inputs: Inputs) in
        for _ in benchmark.scaledIterations {
            blackHole(try Anonymiser.check(inputs.adult100, quasiIdentifiers: qi, requirements: [.kAnonymity(k: 5)]))
        }
    } setup: { try load() }

    Benchmark("distinct l-diversity Adult") { (benchmark: Benchmark, inputs: Inputs) in
        for _ in benchmark.scaledIterations {
            blackHole(try Anonymiser.check(inputs.adult, quasiIdentifiers: qi, sensitive: AdultBench.sensitive,
                                          requirements: [.distinctLDiversity(l: 2)]))
        }
    } setup: { try load() }

    Benchmark("equal-distance t-closeness Adult") { (benchmark: Benchmark, inputs: Inputs) in
        for _ in benchmark.scaledIterations {
            blackHole(try Anonymiser.check(inputs.adult, quasiIdentifiers: qi, sensitive: AdultBench.sensitive,
                                          requirements: [.equalDistanceTCloseness(t: 0.2)]))
        }
    } setup: { try load() }

    for limit in [0.0, 0.05] {
        Benchmark("optimal search k=5 suppression \(Int(limit * 100))% Adult",
                  configuration: .init(timeUnits: .milliseconds, maxIterations: 50)) { (benchmark: Benchmark, inputs: Inputs) in
            for _ in benchmark.scaledIterations {
                blackHole(try Anonymiser.generalise(inputs.adult, quasiIdentifiers: qi, hierarchies: inputs.hierarchies,
                                                   models: [.kAnonymity(k: 5)], suppressionLimit: limit, metric: .loss))
            }
        } setup: { try load() }
    }
}
