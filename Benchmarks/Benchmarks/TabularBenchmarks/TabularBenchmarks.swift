// Tabular benchmarks: CSV load throughput and the float64 sum kernel.
//
// Run from the Benchmarks/ folder:
//   swift package --disable-sandbox benchmark --no-progress --target TabularBenchmarks
//
// Each benchmark also prints its own median and the derived rate (MB/s, GB/s) to standard error
// at teardown, because package-benchmark's `.throughput` counts iterations per second, not bytes.
// For ratios against numpy / pandas / polars measured in the same run, use peers/run-peers.sh.

import Benchmark
import BenchSupport
import Synchronization
import Tabular

/// Per-iteration wall times of one benchmark, reported as a median and a byte rate at teardown.
/// Iterations run one after another; the mutex only satisfies Sendable checking.
final class RateRecorder: Sendable {
    let name: String
    let unitName: String
    let unitBytes: Double
    private let state: Mutex<(bytes: Int, seconds: [Double])>

    init(name: String, unitName: String, unitBytes: Double, capacity: Int) {
        self.name = name
        self.unitName = unitName
        self.unitBytes = unitBytes
        // Reserved up front so that recording does not allocate inside the measured region.
        var seconds: [Double] = []
        seconds.reserveCapacity(capacity)
        self.state = Mutex((0, seconds))
    }

    func setBytes(_ bytes: Int) { state.withLock { $0.bytes = bytes } }

    func record(_ seconds: Double) { state.withLock { $0.seconds.append(seconds) } }

    func report() {
        let (bytes, seconds) = state.withLock { ($0.bytes, $0.seconds) }
        guard !seconds.isEmpty, bytes > 0 else { return }
        let median = Stats.median(seconds)
        let rate = Double(bytes) / median / unitBytes
        printToStandardError(
            "\(name): \(seconds.count) timed runs (warm-up included), median \(formatted(median)) s, "
                + "\(formatted(rate)) \(unitName) over \(bytes) bytes"
        )
    }

    private func formatted(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        return "\(rounded)"
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .cpuTotal, .mallocCountTotal, .peakMemoryResident]
    )

    // MARK: CSV load

    // One iteration parses the whole 10M-row transport file (about a gigabyte) into a typed Table.
    // Throughput is loads per second; MB/s = file bytes / median wall time (printed at teardown).
    let csvRecorder = RateRecorder(name: "CSV load transport 10M", unitName: "MB/s", unitBytes: 1e6, capacity: 16)
    Benchmark(
        "CSV load transport 10M",
        configuration: .init(timeUnits: .milliseconds, warmupIterations: 1, maxDuration: .seconds(60), maxIterations: 5)
    ) { (benchmark: Benchmark, input: (path: String, bytes: Int)) in
        do {
            let (result, seconds) = try Stopwatch.time {
                try CSVReader.load(file: input.path, schema: nil, options: CSVOptions())
            }
            csvRecorder.record(seconds)
            blackHole(result.table.rowCount)
            blackHole(result)
        } catch {
            benchmark.error("CSVReader.load(file: \(input.path)) failed: \(error)")
        }
    } setup: { () async throws -> (path: String, bytes: Int) in
        do {
            let input = try BenchData.requireTransportCSV()
            csvRecorder.setBytes(input.bytes)
            return input
        } catch {
            printToStandardError("CSV load transport 10M: \(error)")
            throw error
        }
    } teardown: {
        csvRecorder.report()
    }

    // MARK: Float64 sum

    // One iteration sums 10M contiguous doubles (80 MB): memory-bound, so GB/s is the figure
    // to compare with numpy.sum. GB/s = 0.08 × throughput (sums/s); printed at teardown.
    let sumCount = 10_000_000
    let sumRecorder = RateRecorder(name: "float64 sum 10M", unitName: "GB/s", unitBytes: 1e9, capacity: 1024)
    Benchmark(
        "float64 sum 10M",
        configuration: .init(timeUnits: .microseconds, warmupIterations: 3, maxDuration: .seconds(5), maxIterations: 1000)
    ) { (_: Benchmark, values: [Double]) in
        let (total, seconds) = values.withUnsafeBufferPointer { buffer in
            Stopwatch.time { Float64Kernels.sum(buffer) }
        }
        sumRecorder.record(seconds)
        blackHole(total)
    } setup: { () async throws -> [Double] in
        sumRecorder.setBytes(sumCount * MemoryLayout<Double>.stride)
        return BenchData.doubles(count: sumCount)
    } teardown: {
        sumRecorder.report()
    }
}
