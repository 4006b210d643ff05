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

func fail(_ message: String) -> Never {
    printToStandardError("pk-bench-dp: \(message)")
    exit(2)
}

func parseOptions(_ arguments: [String]) -> Options {
    var options = Options()
    var index = 0
    func value(after flag: String) -> String {
        index += 1
        guard index < arguments.count else { fail("\(flag) needs a value\n\(usage)") }
        return arguments[index]
    }
    func positiveInt(after flag: String, allowZero: Bool = false) -> Int {
        let text = value(after: flag)
        guard let number = Int(text), number > 0 || (allowZero && number == 0) else {
            fail("\(flag) must be a positive integer, got '\(text)'")
        }
        return number
    }
    while index < arguments.count {
        let flag = arguments[index]
        switch flag {
        case "--runs": options.runs = positiveInt(after: flag)
        case "--warmup": options.warmup = positiveInt(after: flag, allowZero: true)
        case "--samples": options.samples = positiveInt(after: flag)
        case "--count": options.count = positiveInt(after: flag)
        case "--keys": options.keys = positiveInt(after: flag)
        case "--ops":
            options.ops = value(after: flag).split(separator: ",").map(String.init)
            for op in options.ops where !knownOps.contains(op) {
                fail("unknown operation '\(op)' (known: \(knownOps.joined(separator: ", ")))")
            }
        case "-h", "--help":
            print(usage)
            exit(0)
        default:
            fail("unknown argument '\(flag)'\n\(usage)")
        }
        index += 1
    }
    return options
}

func measure<T>(warmup: Int, runs: Int, _ body: () throws -> T) rethrows -> (last: T, seconds: [Double]) {
    var seconds: [Double] = []
    var last: T?
    for iteration in 0..<(warmup + runs) {
        let (value, elapsed) = try Stopwatch.time(body)
        if iteration >= warmup { seconds.append(elapsed) }
        last = value
    }
    return (last!, seconds)
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
    default:
        fail("operation '\(op)' is not implemented yet")
    }
}
