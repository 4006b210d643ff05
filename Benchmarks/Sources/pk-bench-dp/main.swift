// pk-bench-dp — our side of the same-run differential-privacy comparison (peers/run-dp-peers.sh).
//
// Prints one JSON line per operation on standard output (protocol: ../../README.md):
//   {"impl":"privacykernel","op":"dlap_samples","bytes":N,"seconds":[...],"check":...}
// `bytes` is the number of items processed (samples or input values × 8), so aggregate.py's
// rates compare like with like. Build and run in release:
//   swift run -c release pk-bench-dp --runs 5 --ops dlap_samples,dgauss_samples

import BenchSupport
import DifferentialPrivacy
import SecureRandom
import Tabular

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let knownOps = ["dlap_samples", "dgauss_samples", "dp_sum", "dp_mean", "dp_count_by_key", "dp_median"]
let usage = """
    usage: pk-bench-dp [--runs N] [--warmup N] [--ops LIST] [--samples N] [--count N] [--keys K]

      --runs N      timed repetitions per operation (default 5)
      --warmup N    untimed repetitions first (default 1)
      --ops LIST    comma-separated: \(knownOps.joined(separator: ", "))
      --samples N   samples drawn per run by dlap_samples / dgauss_samples (default 1000000)
      --count N     input values for dp_sum, dp_mean, dp_count_by_key (default 10000000);
                    dp_median uses N/10
      --keys K      public keys for dp_count_by_key (default 1000)
    """

struct Options {
    var runs = 5
    var warmup = 1
    var ops = knownOps
    var samples = 1_000_000
    var count = 10_000_000
    var keys = 1_000
}

func fail(_ message: String) -> Never { ProbeArguments.fail(tool: "pk-bench-dp", message) }

func parseOptions(_ arguments: [String]) -> Options {
    var options = Options()
    var parser = ProbeArguments(tool: "pk-bench-dp", usage: usage, arguments: arguments)
    while let flag = parser.nextFlag() {
        switch flag {
        case "--runs": options.runs = parser.positiveInt(after: flag)
        case "--warmup": options.warmup = parser.positiveInt(after: flag, allowZero: true)
        case "--samples": options.samples = parser.positiveInt(after: flag)
        case "--count": options.count = parser.positiveInt(after: flag)
        case "--keys": options.keys = parser.positiveInt(after: flag)
        case "--ops": options.ops = parser.operations(after: flag, known: knownOps)
        default: parser.unknown(flag)
        }
    }
    return options
}

func measure<T>(warmup: Int, runs: Int, _ body: () throws -> T) rethrows -> (last: T, seconds: [Double]) {
    try measureRuns(warmup: warmup, runs: runs, body)
}

func emit(_ line: ProtocolLine) { printLineToStandardOutput(line.json) }

let options = parseOptions(Array(CommandLine.arguments.dropFirst()))
var generator: SecureRandomGenerator
do { generator = try SecureRandomGenerator() } catch { fail("\(error)") }

for op in options.ops {
    switch op {
    case "dlap_samples":
        // Scale 100 (ε = 0.01 on a count): the scale OpenDP's peer uses too.
        let sampler = DiscreteLaplaceSampler(scale: ExactRational(numerator: 100, denominator: 1)!)
        var buffer = [Int64](repeating: 0, count: options.samples)
        let (check, seconds) = measure(warmup: options.warmup, runs: options.runs) { () -> Double in
            buffer.withUnsafeMutableBufferPointer { sampler.fill($0, using: &generator) }
            return Double(buffer.reduce(0, &+)) / Double(buffer.count)
        }
        emit(ProtocolLine(impl: "privacykernel", op: op, bytes: options.samples, seconds: seconds, check: check,
                          note: "exact discrete Laplace, scale 100, one core"))
    case "dgauss_samples":
        let sampler = DiscreteGaussianSampler(sigma: 100)!
        var buffer = [Int64](repeating: 0, count: options.samples)
        let (check, seconds) = measure(warmup: options.warmup, runs: options.runs) { () -> Double in
            buffer.withUnsafeMutableBufferPointer { sampler.fill($0, using: &generator) }
            return Double(buffer.reduce(0, &+)) / Double(buffer.count)
        }
        emit(ProtocolLine(impl: "privacykernel", op: op, bytes: options.samples, seconds: seconds, check: check,
                          note: "exact discrete Gaussian, sigma 100, one core"))
    case "dp_sum", "dp_mean":
        // 10M doubles in [0, 1000), clamped to [0, 1000]; ε = 1, Laplace. Timed: the partial on
        // all cores, the session charge and the noise (the whole release path).
        let values = BenchData.doubles(count: options.count)
        let table: Table
        do { table = try Table(columns: [Column("x", float64: values)]) } catch { fail("\(error)") }
        let query: DPQuery = op == "dp_sum" ? .sum(of: "x", clampedTo: 0...1000) : .mean(of: "x", clampedTo: 0...1000)
        do {
            let (check, seconds) = try measure(warmup: max(options.warmup, 3), runs: options.runs) { () -> Double in
                let session = try PrivacySession(budget: .pure(epsilon: 1))
                let partial = try query.partial(over: table)
                return try session.release(partial, mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 1)).value!
            }
            emit(ProtocolLine(impl: "privacykernel", op: op, bytes: values.count * 8, seconds: seconds, check: check,
                              note: "clamp [0, 1000], epsilon 1, laplace on a 2^-22 grid; all cores"))
        } catch { fail("\(op): \(error)") }
    case "dp_count_by_key":
        // 10M rows, keys uniform over 1,000 public keys (a categorical column); ε = 1, Laplace.
        var state: UInt64 = 7
        let codes = (0..<options.count).map { _ -> UInt32 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt32((state >> 33) % UInt64(options.keys))
        }
        let dictionary = (0..<options.keys).map { "k\($0)" }
        let table: Table
        do {
            table = try Table(columns: [Column(name: "key", values: .categorical(codes: codes, dictionary: dictionary))])
        } catch { fail("\(error)") }
        let query = DPQuery.histogram(of: "key", keys: .declared(dictionary))
        do {
            let (check, seconds) = try measure(warmup: max(options.warmup, 3), runs: options.runs) { () -> Double in
                let session = try PrivacySession(budget: .pure(epsilon: 1))
                let partial = try query.partial(over: table)
                let release = try session.release(partial, mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 1))
                return release.rows.reduce(0) { $0 + $1.value }
            }
            emit(ProtocolLine(impl: "privacykernel", op: op, bytes: options.count * 8, seconds: seconds, check: check,
                              note: "\(options.keys) declared keys, epsilon 1, laplace; all cores"))
        } catch { fail("\(op): \(error)") }
    case "dp_median":
        let values = BenchData.doubles(count: options.count / 10)
        let table: Table
        do { table = try Table(columns: [Column("x", float64: values)]) } catch { fail("\(error)") }
        let query = DPQuery.quantiles(of: "x", levels: [0.5], clampedTo: 0...1000)
        do {
            let (check, seconds) = try measure(warmup: max(options.warmup, 3), runs: options.runs) { () -> Double in
                let session = try PrivacySession(budget: .pure(epsilon: 1))
                let partial = try query.partial(over: table)
                return try session.release(partial, mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 1)).value!
            }
            emit(ProtocolLine(impl: "privacykernel", op: op, bytes: values.count * 8, seconds: seconds, check: check,
                              note: "bounds [0, 1000], epsilon 1, permute-and-flip over 16384 bins; all cores"))
        } catch { fail("\(op): \(error)") }
    default:
        fail("unknown operation '\(op)'")
    }
}
