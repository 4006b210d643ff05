// pk-accounting-probe: our side of the accountant comparison with Google's dp-accounting
// (peers/accounting_peers.py, run together by peers/run-accounting-peers.sh). Prints one JSON
// line per operation (README.md's protocol). `bytes` is 10^6 per operation, so the aggregator's
// "MB/s" column reads as operations per second; `check` is the ε the operation computed.
//
//   swift run -c release pk-accounting-probe [--runs N] [--ops a,b]
import BenchSupport
import DifferentialPrivacy
import Foundation

/// Each operation composes from an empty accountant and asks one question, as a session would.
let operations: [(name: String, body: () throws -> Double)] = [
    ("pld_gaussian_100", {
        var accountant = PLDAccountant()
        try accountant.compose(.repeated(.gaussian(noiseMultiplier: 1), count: 100))
        return try accountant.epsilon(delta: 1e-6)
    }),
    ("pld_laplace_50", {
        var accountant = PLDAccountant()
        try accountant.compose(.repeated(.laplace(noiseMultiplier: 2), count: 50))
        return try accountant.epsilon(delta: 1e-6)
    }),
    ("pld_mixed_20_20", {
        var accountant = PLDAccountant()
        try accountant.compose(.repeated(.laplace(noiseMultiplier: 2), count: 20))
        try accountant.compose(.repeated(.gaussian(noiseMultiplier: 2), count: 20))
        return try accountant.epsilon(delta: 1e-6)
    }),
    // A session: 30 releases with distinct Laplace scales, each checked on a copy (compose,
    // then ask ε) before the copy becomes the session's accountant.
    ("pld_session_30_laplace", {
        var accountant = PLDAccountant()
        var epsilon = 0.0
        for i in 0..<30 {
            var copy = accountant
            try copy.compose(.laplace(noiseMultiplier: 2 + 0.01 * Double(i)))
            epsilon = try copy.epsilon(delta: 1e-6)
            accountant = copy
        }
        return epsilon
    }),
    ("rdp_mixed_100_100", {
        var accountant = RDPAccountant()
        try accountant.compose(.repeated(.laplace(noiseMultiplier: 2), count: 100))
        try accountant.compose(.repeated(.gaussian(noiseMultiplier: 2), count: 100))
        return try accountant.epsilon(delta: 1e-6)
    }),
    ("analytic_sigma", {
        try GaussianCalibration.analyticSigma(epsilon: 1, delta: 1e-5, l2Sensitivity: 1)
    }),
]

var runs = 5
var selected: Set<String>? = nil
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--runs": runs = Int(arguments.next() ?? "") ?? runs
    case "--ops": selected = Set((arguments.next() ?? "").split(separator: ",").map(String.init))
    default:
        printToStandardError("usage: pk-accounting-probe [--runs N] [--ops name,name]")
        exit(2)
    }
}

for (name, body) in operations where selected?.contains(name) ?? true {
    do {
        _ = try body()  // warm-up
        var seconds: [Double] = []
        var check = 0.0
        for _ in 0..<runs {
            let (value, elapsed) = try Stopwatch.time(body)
            seconds.append(elapsed)
            check = value
        }
        printLineToStandardOutput(ProtocolLine(impl: "privacykernel", op: name, bytes: 1_000_000, seconds: seconds, check: check).json)
    } catch {
        printToStandardError("\(name): \(error)")
        exit(1)
    }
}
