// Differential-privacy benchmarks: exact samplers and the release path of the DP aggregates.
//
// Run from the Benchmarks/ folder:
//   swift package --disable-sandbox benchmark --no-progress --target DPBenchmarks
//
// `.throughput` counts iterations per second; each iteration's item count is in its name.
// For ratios against numpy, diffprivlib, OpenDP and python-dp in the same run, use
// peers/run-dp-peers.sh.

import Benchmark
import BenchSupport
import DifferentialPrivacy
import SecureRandom
import Tabular

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(5)
    )

    // MARK: Exact samplers (one core)

    Benchmark("discrete Laplace, scale 100: 1M samples") { benchmark in
        var generator = try SecureRandomGenerator()
        let sampler = DiscreteLaplaceSampler(scale: ExactRational(numerator: 100, denominator: 1)!)
        var buffer = [Int64](repeating: 0, count: 1_000_000)
        benchmark.startMeasurement()
        buffer.withUnsafeMutableBufferPointer { sampler.fill($0, using: &generator) }
        benchmark.stopMeasurement()
        blackHole(buffer)
    }

    Benchmark("discrete Gaussian, sigma 100: 1M samples") { benchmark in
        var generator = try SecureRandomGenerator()
        let sampler = DiscreteGaussianSampler(sigma: 100)!
        var buffer = [Int64](repeating: 0, count: 1_000_000)
        benchmark.startMeasurement()
        buffer.withUnsafeMutableBufferPointer { sampler.fill($0, using: &generator) }
        benchmark.stopMeasurement()
        blackHole(buffer)
    }

    // MARK: Release path (partial on all cores + charge + noise)

    let values = BenchData.doubles(count: 10_000_000)
    let valueTable = try! Table(columns: [Column("x", float64: values)])

    Benchmark("DP sum of 10M float64, clamp [0, 1000], epsilon 1") { benchmark in
        let session = try PrivacySession(budget: .pure(epsilon: 1))
        let partial = try DPQuery.sum(of: "x", clampedTo: 0...1000).partial(over: valueTable)
        blackHole(try session.release(partial, mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 1)))
    }

    Benchmark("DP mean of 10M float64, clamp [0, 1000], epsilon 1") { benchmark in
        let session = try PrivacySession(budget: .pure(epsilon: 1))
        let partial = try DPQuery.mean(of: "x", clampedTo: 0...1000).partial(over: valueTable)
        blackHole(try session.release(partial, mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 1)))
    }

    var state: UInt64 = 7
    let codes = (0..<10_000_000).map { _ -> UInt32 in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt32((state >> 33) % 1_000)
    }
    let keys = (0..<1_000).map { "k\($0)" }
    let keyTable = try! Table(columns: [Column(name: "key", values: .categorical(codes: codes, dictionary: keys))])

    Benchmark("DP count per key, 10M rows x 1,000 declared keys, epsilon 1") { benchmark in
        let session = try PrivacySession(budget: .pure(epsilon: 1))
        let partial = try DPQuery.histogram(of: "key", keys: .declared(keys)).partial(over: keyTable)
        blackHole(try session.release(partial, mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 1)))
    }

    let medianTable = try! Table(columns: [Column("x", float64: Array(values.prefix(1_000_000)))])

    Benchmark("DP median of 1M float64, bounds [0, 1000], epsilon 1") { benchmark in
        let session = try PrivacySession(budget: .pure(epsilon: 1))
        let partial = try DPQuery.quantiles(of: "x", levels: [0.5], clampedTo: 0...1000).partial(over: medianTable)
        blackHole(try session.release(partial, mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 1)))
    }
}
