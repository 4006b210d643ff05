// Privacy-ledger benchmarks: the per-release cost of going through the durable ledger.
//
// Run from the Benchmarks/ folder:
//   swift package --disable-sandbox benchmark --no-progress --target LedgerBenchmarks
//
// Each sample is one release of a DP count over a precomputed partial (the noise costs
// microseconds), so the difference between a ledger benchmark and the in-memory baseline is the
// ledger's overhead: the authorisation check, the BEGIN IMMEDIATE charge transaction (status,
// window, columns, accountant load/compose/save, release row, audit entry, commit) and the
// outcome transaction (digest, metering, audit entry, commit). Read p50 and p99 of wall clock.
// The ledger file lives in the system temporary directory (ext4 on this machine: commits
// really reach the disk with durability `full`).

import Benchmark
import DifferentialPrivacy
import Foundation
import PrivacyLedger
import Tabular

/// One ledger file per durability, created once and reused by every sample (as a platform
/// reuses its ledger), with an authorisation whose budget never runs out during the run.
final class LedgerFixture: Sendable {
    let ledger: SQLiteLedger
    let partial: QueryPartial
    let directory: String

    init(durability: SQLiteLedger.Durability) {
        directory = NSTemporaryDirectory() + "ledger-bench-\(durability.rawValue)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        ledger = try! SQLiteLedger(path: directory + "/ledger.sqlite", durability: durability)
        try! ledger.registerDataset("trips", columns: ["fare", "district"])
        try! ledger.grant(operator: "op-bench", scenario: "bench", budget: .pure(epsilon: 1e12), dataset: "trips", columns: ["fare"])
        let table = try! Table(columns: [try! Column("fare", float64: (0..<1_000).map { Double($0 % 50) }),
                                         try! Column("district", strings: (0..<1_000).map { "d\($0 % 4)" })])
        partial = try! DPQuery.count(of: "fare").partial(over: table)
    }

    func release() throws -> LedgeredRelease {
        try ledger.release(partial, mechanism: .discreteLaplace, parameters: NoiseParameters.pure(epsilon: 0.01),
                           operator: "op-bench", scenario: "bench", dataset: "trips", rowsScanned: 1_000)
    }
}

let fullFixture = LedgerFixture(durability: .full)
let normalFixture = LedgerFixture(durability: .normal)

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal],
        maxDuration: .seconds(5),
        maxIterations: 5_000
    )

    Benchmark("release, in-memory ledger (baseline)") { benchmark in
        let session = try PrivacySession(budget: .pure(epsilon: 1e12))
        let partial = fullFixture.partial
        benchmark.startMeasurement()
        blackHole(try session.release(partial, mechanism: .discreteLaplace, parameters: NoiseParameters.pure(epsilon: 0.01)))
        benchmark.stopMeasurement()
    }

    Benchmark("release through SQLiteLedger, WAL, synchronous=NORMAL") { _ in
        blackHole(try normalFixture.release())
    }

    Benchmark("release through SQLiteLedger, WAL, synchronous=FULL") { _ in
        blackHole(try fullFixture.release())
    }

    Benchmark("authorisation check only (read transaction)") { _ in
        blackHole(try normalFixture.ledger.authorise(operator: "op-bench", scenario: "bench", dataset: "trips", columns: ["fare"]))
    }
}
