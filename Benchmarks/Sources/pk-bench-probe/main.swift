// pk-bench-probe — our side of the same-run peer comparison (peers/run-peers.sh).
//
// Prints one JSON line per operation on standard output, in the protocol of README.md:
//   {"impl":"privacykernel","op":"csv_load","bytes":N,"seconds":[...],"check":rows}
//   {"impl":"privacykernel","op":"f64_sum","bytes":80000000,"seconds":[...],"check":sum}
// Diagnostics go to standard error. Build and run in release:
//   swift run -c release pk-bench-probe --runs 5 --csv ../.build-bench-data/transport-10M.csv

import BenchSupport
import Tabular

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let usage = """
    usage: pk-bench-probe [--runs N] [--warmup N] [--csv PATH] [--ops csv_load,f64_sum] [--f64-count N]

      --runs N        timed repetitions per operation (default 5; f64_sum times 10 × N)
      --warmup N      untimed repetitions first (default 1)
      --csv PATH      CSV for csv_load (default $\(BenchData.transportCSVVariable), else
                      Benchmarks/\(BenchData.defaultTransportCSVRelativePath))
      --ops LIST      comma-separated operations: csv_load, f64_sum (default both)
      --f64-count N   doubles summed by f64_sum (default 10000000)
    """

struct Options {
    var runs = 5
    var warmup = 1
    var csvPath: String?
    var ops = ["csv_load", "f64_sum"]
    var f64Count = 10_000_000
}

func fail(_ message: String) -> Never { ProbeArguments.fail(tool: "pk-bench-probe", message) }

func parseOptions(_ arguments: [String]) -> Options {
    var options = Options()
    var parser = ProbeArguments(tool: "pk-bench-probe", usage: usage, arguments: arguments)
    while let flag = parser.nextFlag() {
        switch flag {
        case "--runs": options.runs = parser.positiveInt(after: flag)
        case "--warmup": options.warmup = parser.positiveInt(after: flag, allowZero: true)
        case "--csv": options.csvPath = parser.value(after: flag)
        case "--f64-count": options.f64Count = parser.positiveInt(after: flag)
        case "--ops": options.ops = parser.operations(after: flag, known: ["csv_load", "f64_sum"])
        default: parser.unknown(flag)
        }
    }
    return options
}

func measure<T>(warmup: Int, runs: Int, _ body: () throws -> T) rethrows -> (last: T, seconds: [Double]) {
    try measureRuns(warmup: warmup, runs: runs, body)
}

func emit(_ line: ProtocolLine) {
    printLineToStandardOutput(line.json)
}

let options = parseOptions(Array(CommandLine.arguments.dropFirst()))

for op in options.ops {
    switch op {
    case "csv_load":
        let path: String
        let bytes: Int
        do {
            if let explicit = options.csvPath {
                path = explicit
                bytes = try BenchData.requireFile(explicit, makeWith: "see Benchmarks/README.md (or pass another --csv)")
            } else {
                (path, bytes) = try BenchData.requireTransportCSV()
            }
        } catch {
            fail("\(error)")
        }
        do {
            // Like the Python peers (`len(pd.read_csv(path))`), each timed run loads the table and
            // drops it before the next run starts.
            let (shape, seconds) = try measure(warmup: options.warmup, runs: options.runs) { () -> (rows: Int, columns: Int) in
                let table = try CSVReader.load(file: path, schema: nil, options: CSVOptions()).table
                return (table.rowCount, table.columnCount)
            }
            printToStandardError("csv_load: \(shape.rows) rows × \(shape.columns) columns from \(path)")
            emit(ProtocolLine(impl: "privacykernel", op: "csv_load", bytes: bytes, seconds: seconds,
                              check: Double(shape.rows)))
        } catch {
            fail("CSVReader.load(file: \(path)) failed: \(error)")
        }
    case "f64_sum":
        let values = BenchData.doubles(count: options.f64Count)
        let (total, seconds) = values.withUnsafeBufferPointer { buffer in
            // One sum takes milliseconds: time ten times as many repetitions as for csv_load.
            measure(warmup: max(options.warmup, 3), runs: options.runs * 10) { Float64Kernels.sum(buffer) }
        }
        emit(ProtocolLine(impl: "privacykernel", op: "f64_sum", bytes: values.count * MemoryLayout<Double>.stride,
                          seconds: seconds, check: total))
    default:
        fail("unknown operation '\(op)'")
    }
}
