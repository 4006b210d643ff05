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
// With PRIVACYKERNEL_BENCH_POSTGRES_LEDGER set to an empty PostgreSQL database
// (`scripts/postgres.sh newdb`), the same release also runs through a PostgreSQL ledger
// (synchronous commits; loopback to a server on the same cores).

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

    /// - Parameter signed: a ledger that takes signed requests (a reviewer, a steward and the
    ///   operator registered as principals; every audit entry signed with Ed25519 and each
    ///   request's principal checked against its recorded state).
    ///   - location: another ledger location (a `postgres://` URL of an empty database).
    init(durability: SQLiteLedger.Durability, signed: Bool = false, location: String? = nil) {
        directory = NSTemporaryDirectory() + "ledger-bench-\(durability.rawValue)-\(signed)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = location ?? directory + "/ledger.sqlite"
        if signed {
            let reviewer = try! LedgerIdentity(name: "rev-bench"), steward = try! LedgerIdentity(name: "stew-bench")
            let operatorIdentity = try! LedgerIdentity(name: "op-bench")
            let asReviewer = try! SQLiteLedger(path: path, durability: durability, identity: reviewer)
            try! asReviewer.registerPrincipal(reviewer.principalKey, roles: [.reviewer], actor: "rev-bench")
            try! asReviewer.registerPrincipal(steward.principalKey, roles: [.steward], actor: "rev-bench")
            try! asReviewer.registerPrincipal(operatorIdentity.principalKey, roles: [.operator], actor: "rev-bench")
            try! SQLiteLedger(path: path, durability: durability, identity: steward)
                .registerDataset("trips", columns: ["fare", "district"], actor: "stew-bench")
            try! asReviewer.grant(
                operator: "op-bench", scenario: "bench", budget: .pure(epsilon: 1e12), dataset: "trips", columns: ["fare"],
                actor: "rev-bench")
            ledger = try! SQLiteLedger(path: path, durability: durability, identity: operatorIdentity)
        } else {
            ledger = try! SQLiteLedger(path: path, durability: durability)
            try! ledger.registerDataset("trips", columns: ["fare", "district"])
            try! ledger.grant(operator: "op-bench", scenario: "bench", budget: .pure(epsilon: 1e12), dataset: "trips", columns: ["fare"])
        }
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
let signedNormalFixture = LedgerFixture(durability: .normal, signed: true)
let postgresFixture = ProcessInfo.processInfo.environment["PRIVACYKERNEL_BENCH_POSTGRES_LEDGER"].map {
    LedgerFixture(durability: .full, location: $0)
}

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

    Benchmark("release through SQLiteLedger, signed requests, WAL, synchronous=NORMAL") { _ in
        blackHole(try signedNormalFixture.release())
    }

    Benchmark("release through SQLiteLedger, WAL, synchronous=FULL") { _ in
        blackHole(try fullFixture.release())
    }

    if let postgresFixture {
        Benchmark("release through a PostgreSQL ledger (synchronous commit, loopback)") { _ in
            blackHole(try postgresFixture.release())
        }
        Benchmark("authorisation check only, PostgreSQL (read transaction)") { _ in
            blackHole(
                try postgresFixture.ledger.authorise(
                    operator: "op-bench", scenario: "bench", dataset: "trips", columns: ["fare"]))
        }
    }

    Benchmark("authorisation check only (read transaction)") { _ in
        blackHole(try normalFixture.ledger.authorise(operator: "op-bench", scenario: "bench", dataset: "trips", columns: ["fare"]))
    }
}
