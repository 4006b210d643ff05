// pk-bench-learning — our side of the same-run private-learning comparison
// (peers/run-learning-peers.sh, against diffprivlib).
//
// Reads the data file written once by `learning_peers.py generate` (raw little-endian float64,
// row-major: features f0 … f{d−1}, then the linear label `y`, then the 0/1 label `label`; the
// first `rows` rows train, the next `test_rows` test; sizes in the `.json` sidecar), fits each
// model at each ε, and prints one JSON line per (model, ε):
//   {"impl":"privacykernel","op":"linreg_laplace_eps1","bytes":…,"seconds":[…],"cpu":[…],
//    "metric":"r2","values":[…]}
// `seconds` is wall time of `fit` on an in-memory Table (design matrix + BLAS + noise + solve;
// loading excluded), `cpu` the process CPU time (user + sys) of the same interval, `values` the
// test-set R² or AUC of each run's model. Run in release with OPENBLAS_NUM_THREADS=1.

import BenchSupport
import DifferentialPrivacy
import Foundation
import PrivateLearning
import Tabular

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let usage = """
    usage: pk-bench-learning --data FILE [--runs N] [--warmup N] [--epsilons 0.5,1,4] [--ops LIST]
                             [--feature-bound B] [--label-bound B] [--data-norm R] [--iterations T]

      --data FILE        the raw float64 file written by learning_peers.py generate (FILE.json beside it)
      --runs N           timed fits per (model, ε) (default 3)
      --warmup N         untimed fits first (default 1)
      --ops LIST         comma-separated: linreg_laplace, linreg_gaussian, logreg_laplace, logreg_zcdp,
                         logreg_onepass-laplace, logreg_onepass-zcdp (one step: the functional mechanism)
      --feature-bound B  per-column feature bounds [−B, B] for linear regression (default 4)
      --label-bound B    label bounds [−B, B] for linear regression (default 11)
      --data-norm R      row-norm bound for logistic regression (default 6)
      --iterations T     logistic gradient steps of logreg_laplace / logreg_zcdp (default 12)
      --hessian-share H  the logistic fits' share of the budget for XᵀX (default: the library's)
    """

func fail(_ message: String) -> Never {
    printToStandardError("pk-bench-learning: \(message)")
    exit(2)
}

var dataPath = ""
var runs = 3, warmup = 1, iterations = 12
var epsilons = [0.5, 1, 4]
var ops = ["linreg_laplace", "linreg_gaussian", "logreg_laplace", "logreg_zcdp", "logreg_onepass-laplace", "logreg_onepass-zcdp"]
var featureBound = 4.0, labelBound = 11.0, dataNorm = 6.0
var hessianShare: Double? = nil
do {
    var arguments = Array(CommandLine.arguments.dropFirst())
    func value(_ flag: String) -> String {
        guard !arguments.isEmpty else { fail("\(flag) needs a value") }
        return arguments.removeFirst()
    }
    func integer(_ flag: String) -> Int {
        guard let v = Int(value(flag)) else { fail("bad \(flag)") }
        return v
    }
    func real(_ text: String, _ flag: String) -> Double {
        guard let v = Double(text) else { fail("bad \(flag) \(text)") }
        return v
    }
    while !arguments.isEmpty {
        let flag = arguments.removeFirst()
        switch flag {
        case "--data": dataPath = value(flag)
        case "--runs": runs = integer(flag)
        case "--warmup": warmup = integer(flag)
        case "--iterations": iterations = integer(flag)
        case "--epsilons": epsilons = value(flag).split(separator: ",").map { real(String($0), flag) }
        case "--ops": ops = value(flag).split(separator: ",").map(String.init)
        case "--feature-bound": featureBound = real(value(flag), flag)
        case "--label-bound": labelBound = real(value(flag), flag)
        case "--data-norm": dataNorm = real(value(flag), flag)
        case "--hessian-share": hessianShare = real(value(flag), flag)
        case "-h", "--help": print(usage); exit(0)
        default: fail("unknown option \(flag)\n\(usage)")
        }
    }
}
guard !dataPath.isEmpty else { fail("--data is required\n\(usage)") }

// The sidecar: {"rows": …, "test_rows": …, "features": …}.
guard let sidecar = FileManager.default.contents(atPath: dataPath + ".json"),
      let meta = try? JSONSerialization.jsonObject(with: sidecar) as? [String: Any],
      let rows = meta["rows"] as? Int, let testRows = meta["test_rows"] as? Int, let d = meta["features"] as? Int
else { fail("cannot read \(dataPath).json") }
guard let raw = FileManager.default.contents(atPath: dataPath) else { fail("cannot read \(dataPath)") }
let width = d + 2
guard raw.count == (rows + testRows) * width * 8 else { fail("\(dataPath): size does not match its sidecar") }

/// Columns of rows `range` as a Table.
func table(_ range: Range<Int>) throws -> Table {
    var columns = [[Double]](repeating: [], count: width)
    raw.withUnsafeBytes { bytes in
        let values = bytes.bindMemory(to: Double.self)
        for j in 0..<width {
            columns[j] = [Double](unsafeUninitializedCapacity: range.count) { buffer, count in
                for (k, i) in range.enumerated() { buffer[k] = values[i * width + j] }
                count = range.count
            }
        }
    }
    let names = (0..<d).map { "f\($0)" } + ["y", "label"]
    return try Table(columns: zip(names, columns).map { try Column($0, float64: $1) })
}

let train: Table, test: Table
do {
    train = try table(0..<rows)
    test = try table(rows..<(rows + testRows))
} catch { fail("building tables: \(error)") }
let features = (0..<d).map { "f\($0)" }

func cpuSeconds() -> Double {
    // CPU time of every thread of the process (user + system).
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

for epsilon in epsilons {
    let tag = epsilon == epsilon.rounded() ? "\(Int(epsilon))" : "\(epsilon)"
    for op in ops {
        // A fresh session per fit, with exactly the fit's budget.
        switch op {
        case "linreg_laplace", "linreg_gaussian":
            let gaussian = op == "linreg_gaussian"
            let regression = PrivateLinearRegression(
                features: features, label: "y",
                featureBounds: .perColumn(Array(repeating: -featureBound...featureBound, count: d)),
                labelBounds: -labelBound...labelBound, mechanism: gaussian ? .gaussian : .laplace)
            let parameters = gaussian ? NoiseParameters.approximate(epsilon: epsilon, delta: 1e-6) : NoiseParameters.pure(epsilon: epsilon)
            let budget: PrivacyBudget = gaussian ? .approximate(epsilon: epsilon, delta: 1e-6) : .pure(epsilon: epsilon)
            var scores: [Double] = []
            measureWithScore(op: "\(op)_eps\(tag)", metric: "r2", scores: &scores) {
                try regression.fit(train, parameters: parameters, budget: try PrivacySession(budget: budget))
            } score: { try $0.rSquared(on: test) }
        case "logreg_laplace", "logreg_zcdp", "logreg_onepass-laplace", "logreg_onepass-zcdp":
            let zcdp = op.hasSuffix("zcdp")
            let logistic = PrivateLogisticRegression(
                features: features, label: "label", featureBounds: .rowNorm(dataNorm),
                iterations: op.contains("onepass") ? 1 : iterations, hessianShare: hessianShare,
                mechanism: zcdp ? .discreteGaussian : .laplace)
            let parameters = zcdp ? NoiseParameters.approximate(epsilon: epsilon, delta: 1e-6) : NoiseParameters.pure(epsilon: epsilon)
            let budget: PrivacyBudget = zcdp ? .approximate(epsilon: epsilon, delta: 1e-6) : .pure(epsilon: epsilon)
            var scores: [Double] = []
            measureWithScore(op: "\(op)_eps\(tag)", metric: "auc", scores: &scores) {
                try logistic.fit(train, parameters: parameters, budget: try PrivacySession(budget: budget))
            } score: { try $0.auc(on: test) } secondary: { try $0.logLoss(on: test) }
        default:
            fail("unknown op \(op)")
        }
    }
}

/// Times `fit` (warm-up, then `runs` timed fits) and scores each timed model outside the timer.
@MainActor
func measureWithScore<Model>(op: String, metric: String, scores: inout [Double], _ fit: () throws -> Model,
                             score: (Model) throws -> Double, secondary: ((Model) throws -> Double)? = nil) {
    var seconds: [Double] = [], cpu: [Double] = [], losses: [Double] = []
    do {
        for _ in 0..<warmup { _ = try fit() }
        for _ in 0..<runs {
            let c0 = cpuSeconds()
            let timed = try Stopwatch.time { try fit() }
            cpu.append(cpuSeconds() - c0)
            seconds.append(timed.seconds)
            scores.append(try score(timed.value))
            if let secondary { losses.append(try secondary(timed.value)) }
        }
    } catch { fail("\(op): \(error)") }
    func list(_ xs: [Double]) -> String { "[" + xs.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ",") + "]" }
    printLineToStandardOutput(
        "{\"impl\":\"privacykernel\",\"op\":\"\(op)\",\"bytes\":\(rows * d * 8),\"seconds\":\(list(seconds)),"
            + "\"cpu\":\(list(cpu)),\"metric\":\"\(metric)\",\"values\":\(list(scores))"
            + (secondary == nil ? "" : ",\"logloss\":\(list(losses))") + "}")
}
