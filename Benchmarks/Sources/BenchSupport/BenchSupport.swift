// Helpers shared by the package-benchmark suites and the `pk-bench-probe` executable:
// where the benchmark data lives, a monotonic stopwatch, medians, and the JSON-lines protocol
// documented in ../../README.md.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Benchmark input files and how to make them.
public enum BenchData {
    /// Environment variable that overrides the path of the 10M-row transport CSV.
    public static let transportCSVVariable = "PK_BENCH_TRANSPORT_CSV"

    /// The default location of the 10M-row transport CSV, relative to the `Benchmarks/` folder.
    public static let defaultTransportCSVRelativePath = "../.build-bench-data/transport-10M.csv"

    /// The command that makes the 10M-row transport CSV (run from the repository root).
    public static func transportCSVCommand(out path: String) -> String {
        "swift run -c release privacy-kernel datasets generate transport --rows 10000000 --seed 42 --out \(path)"
    }

    /// The `Benchmarks/` package folder, found from this source file's location so that the default
    /// path does not depend on the working directory the benchmark runner happens to use.
    public static var benchmarksPackageDirectory: String {
        // <Benchmarks>/Sources/BenchSupport/BenchSupport.swift
        var components = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)
        let directory = components.joined(separator: "/")
        return directory.isEmpty ? "/" : directory
    }

    /// The path of the 10M-row transport CSV: `$PK_BENCH_TRANSPORT_CSV` if set (relative to the
    /// current directory), otherwise ``defaultTransportCSVRelativePath`` under the `Benchmarks/` folder.
    public static var transportCSVPath: String {
        if let value = getenv(transportCSVVariable), let path = String(validatingCString: value), !path.isEmpty {
            return path
        }
        return benchmarksPackageDirectory + "/" + defaultTransportCSVRelativePath
    }

    /// The size of the file at `path` in bytes.
    /// - Throws: ``BenchDataError/missingFile(path:hint:)`` with a message naming `command`
    ///   when the file does not exist or is not a regular file.
    public static func requireFile(_ path: String, makeWith command: String) throws(BenchDataError) -> Int {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw BenchDataError.missingFile(path: path, hint: command)
        }
        return Int(info.st_size)
    }

    /// The size of the transport CSV in bytes, or a clear error that says how to make it.
    public static func requireTransportCSV() throws(BenchDataError) -> (path: String, bytes: Int) {
        let path = transportCSVPath
        let bytes = try requireFile(
            path,
            makeWith: "(from the repository root) " + transportCSVCommand(out: ".build-bench-data/transport-10M.csv")
                + "  — or set \(transportCSVVariable) to an existing transport CSV"
        )
        return (path, bytes)
    }

    /// `count` deterministic doubles in [0, 1000): a simple LCG, so every run and every peer
    /// (peers/peers.py uses numpy's generator; the values differ but the layout and size match)
    /// sums 8 × `count` bytes of ordinary finite values.
    public static func doubles(count: Int, seed: UInt64 = 42) -> [Double] {
        var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                buffer[index] = Double(state >> 11) * (1000.0 / 9_007_199_254_740_992.0)
            }
            initialized = count
        }
    }
}

/// Errors about benchmark inputs.
public enum BenchDataError: Error, CustomStringConvertible {
    /// The input file is missing; `hint` says how to make it.
    case missingFile(path: String, hint: String)

    public var description: String {
        switch self {
        case let .missingFile(path, hint):
            return "benchmark input \(path) is missing; make it with: \(hint)"
        }
    }
}

/// A monotonic stopwatch (CLOCK_MONOTONIC via ContinuousClock).
/// Times `body` `warmup + runs` times and keeps the last `runs` timings (seconds) and the last
/// value (so that the work cannot be optimised away and can be checked).
public func measureRuns<T>(warmup: Int, runs: Int, _ body: () throws -> T) rethrows -> (last: T, seconds: [Double]) {
    var seconds: [Double] = []
    var last: T?
    for iteration in 0..<(warmup + runs) {
        let (value, elapsed) = try Stopwatch.time(body)
        if iteration >= warmup { seconds.append(elapsed) }
        last = value
    }
    return (last!, seconds)
}

public enum Stopwatch {
    /// Runs `body` once and returns its result with the elapsed wall time in seconds.
    @inlinable
    public static func time<T>(_ body: () throws -> T) rethrows -> (value: T, seconds: Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let value = try body()
        let elapsed = start.duration(to: clock.now)
        let (seconds, attoseconds) = elapsed.components
        return (value, Double(seconds) + Double(attoseconds) * 1e-18)
    }
}

/// Small statistics used in reports.
public enum Stats {
    /// The median of `values` (mean of the two middle values for an even count); NaN when empty.
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

/// Writes `message` and a newline to standard error, unbuffered (standard output is reserved
/// for the benchmark runner's report and the JSON-lines protocol).
public func printToStandardError(_ message: String) {
    writeLine(message, to: 2)
}

/// Writes `message` and a newline to standard output at once, unbuffered, so that JSON lines
/// reach a pipe whole and in order even if the process exits abruptly afterwards.
public func printLineToStandardOutput(_ message: String) {
    writeLine(message, to: 1)
}

private func writeLine(_ message: String, to descriptor: Int32) {
    var line = message
    line.append("\n")
    var utf8 = Array(line.utf8)
    var offset = 0
    while offset < utf8.count {
        let written = utf8.withUnsafeMutableBytes { bytes in
            write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
        }
        if written < 0 {
            if errno == EINTR { continue }
            return
        }
        offset += written
    }
}

/// One JSON line of the peer-comparison protocol (see README.md):
/// `{"impl":"…","op":"…","bytes":N,"seconds":[…],"check":X}`.
public struct ProtocolLine {
    public var impl: String
    public var op: String
    public var bytes: Int
    public var seconds: [Double]
    public var check: Double?
    public var note: String?

    public init(impl: String, op: String, bytes: Int, seconds: [Double], check: Double? = nil, note: String? = nil) {
        self.impl = impl
        self.op = op
        self.bytes = bytes
        self.seconds = seconds
        self.check = check
        self.note = note
    }

    /// The line as compact JSON (no trailing newline).
    public var json: String {
        var fields = [
            "\"impl\":\(quoted(impl))",
            "\"op\":\(quoted(op))",
            "\"bytes\":\(bytes)",
            "\"seconds\":[\(seconds.map { number($0) }.joined(separator: ","))]",
        ]
        if let check { fields.append("\"check\":\(number(check))") }
        if let note { fields.append("\"note\":\(quoted(note))") }
        return "{" + fields.joined(separator: ",") + "}"
    }

    private func number(_ value: Double) -> String {
        value.isFinite ? "\(value)" : "null"
    }

    private func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// Command-line parsing shared by the probes (`pk-bench-probe`, `pk-bench-dp`,
/// `pk-bench-paillier`, …): flags with values, positive integers and operation lists. A bad
/// argument prints the tool's name, the problem and its usage to standard error and exits with
/// status 2; `-h`/`--help` prints the usage and exits with 0.
public struct ProbeArguments {
    /// The probe's name, prefixed to every error.
    public let tool: String
    /// The usage text.
    public let usage: String
    private let arguments: [String]
    private var index = -1

    /// Parses `arguments` (default: the process's, without the program name).
    public init(tool: String, usage: String, arguments: [String] = Array(CommandLine.arguments.dropFirst())) {
        self.tool = tool
        self.usage = usage
        self.arguments = arguments
    }

    /// The next flag, or `nil` when all arguments are consumed.
    public mutating func nextFlag() -> String? {
        index += 1
        return index < arguments.count ? arguments[index] : nil
    }

    /// The value following `flag`.
    public mutating func value(after flag: String) -> String {
        index += 1
        guard index < arguments.count else { fail("\(flag) needs a value\n\(usage)") }
        return arguments[index]
    }

    /// The positive (or, with `allowZero`, non-negative) integer following `flag`.
    public mutating func positiveInt(after flag: String, allowZero: Bool = false) -> Int {
        let text = value(after: flag)
        guard let number = Int(text), number > 0 || (allowZero && number == 0) else {
            fail("\(flag) must be a \(allowZero ? "non-negative" : "positive") integer, got '\(text)'")
        }
        return number
    }

    /// The comma-separated operations following `flag`, each one of `known`.
    public mutating func operations(after flag: String, known: [String]) -> [String] {
        let operations = value(after: flag).split(separator: ",").map(String.init)
        for operation in operations where !known.contains(operation) {
            fail("unknown operation '\(operation)' (known: \(known.joined(separator: ", ")))")
        }
        return operations
    }

    /// Handles a flag the probe does not know: prints the usage for `-h`/`--help`, fails otherwise.
    public func unknown(_ flag: String) -> Never {
        if flag == "-h" || flag == "--help" {
            print(usage)
            exit(0)
        }
        fail("unknown argument '\(flag)'\n\(usage)")
    }

    /// Prints `tool: message` to standard error and exits with status 2.
    public func fail(_ message: String) -> Never { ProbeArguments.fail(tool: tool, message) }

    /// Prints `tool: message` to standard error and exits with status 2.
    public static func fail(tool: String, _ message: String) -> Never {
        printToStandardError("\(tool): \(message)")
        exit(2)
    }
}
