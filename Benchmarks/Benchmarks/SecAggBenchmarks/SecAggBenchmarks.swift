// Secure-aggregation benchmarks: the kernels behind SecAgg / SecAgg+.
//
// Run from the Benchmarks/ folder:
//   swift package --disable-sandbox benchmark --no-progress --target SecAggBenchmarks
//
// For whole sessions (per-party and server times) and the same-run comparison with Flower's
// SecAgg+ primitives, use pk-bench-secagg and peers/run-secagg-peers.sh.

import Benchmark
import Crypto
import SecureAggregation
import SecureRandom

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(5), maxIterations: 1_000
    )

    // One AES-256-CTR mask of 100,000 u32 added to a vector (400 kB of keystream).
    Benchmark("mask expansion 100k u32") { benchmark, state in
        for _ in benchmark.scaledIterations {
            state.vector.withUnsafeMutableBufferPointer { buffer in
                MaskExpander.accumulate(key: state.key, negate: false, into: buffer)
            }
            blackHole(state.vector[0])
        }
    } setup: {
        MaskState()
    }

    // Shamir: split a 32-byte secret among 100 holders with threshold 51, then reconstruct.
    Benchmark("shamir split 32 B, 100 holders, t=51") { benchmark in
        var generator = try SecureRandomGenerator()
        let secret = [UInt8](repeating: 7, count: 32)
        let holders = (1 ... 100).map { PartyID($0) }
        for _ in benchmark.scaledIterations {
            blackHole(try ShamirSecretSharing.split(secret, threshold: 51, holders: holders, using: &generator))
        }
    }

    // X25519 key agreement (one per pair and purpose in the protocol).
    Benchmark("x25519 key agreement") { benchmark in
        let a = Curve25519.KeyAgreement.PrivateKey(), b = Curve25519.KeyAgreement.PrivateKey()
        for _ in benchmark.scaledIterations {
            blackHole(try a.sharedSecretFromKeyAgreement(with: b.publicKey))
        }
    }

    // A whole SecAgg+ session: 100 parties x 100,000, 10% dropouts before the masked input.
    Benchmark("secagg+ session 100 x 100k, 10% dropouts", configuration: .init(maxDuration: .seconds(30), maxIterations: 5)) { benchmark in
        var generator = try SecureRandomGenerator()
        let ids = (1 ... 100).map { PartyID($0) }
        let graph = SecAggGraph.sparse(degree: SecAggConfiguration.recommendedSparseDegree(partyCount: 100),
                                       seed: try SystemEntropy.bytes(count: 32))
        let configuration = try SecAggConfiguration(sessionID: try SystemEntropy.bytes(count: 16), partyIDs: ids, dimension: 100_000,
                                                    threshold: SecAggConfiguration.defaultThreshold(partyCount: 100, graph: graph), graph: graph)
        let inputs = SecAggSimulation.randomInputs(for: configuration, using: &generator)
        let dropouts = SecAggSimulation.randomDropouts(of: configuration, fraction: 0.1, in: .maskedInputCollection, using: &generator)
        for _ in benchmark.scaledIterations {
            let report = try SecAggSimulation.run(configuration: configuration, inputs: inputs, dropouts: dropouts)
            precondition(report.correct)
            blackHole(report)
        }
    }
}

/// A vector and a key for the mask benchmark.
final class MaskState: @unchecked Sendable {
    var vector = [UInt32](repeating: 0, count: 100_000)
    let key = SymmetricKey(size: .bits256)
}
