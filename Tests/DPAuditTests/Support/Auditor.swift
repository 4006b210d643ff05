import Foundation
import SecureRandom
import _TestSupport

// A black-box differential-privacy auditor in the spirit of StatDP (Ding et al., CCS 2018)
// and DP-Sniper (Bichsel et al., S&P 2021), written for this repository.
//
// For a release path M and neighbouring inputs D, D′ it draws N outputs of M(D) and N of
// M(D′) through the public API, splits each in halves, chooses candidate events E on the first
// halves (selection) and measures them on the second halves (measurement). For every measured
// event and direction, with Clopper–Pearson bounds at level α/(2K) (K events measured,
// Bonferroni over the 2K bounds), with probability ≥ 1 − α:
//
//     ε ≥ ε_lb = ln((p̂_lower(E | D) − δ) / p̂_upper(E | D′))
//
// because (ε, δ)-DP requires P(M(D) ∈ E) ≤ e^ε P(M(D′) ∈ E) + δ for every event E. A path
// fails when ε_lb exceeds its claimed ε.

/// One output of a release path, reduced to named real coordinates (a coordinate that is not
/// listed was not released: a key that is absent) and an optional discrete answer pattern.
struct AuditSample: Sendable {
    /// Named coordinates: `"value"` for a scalar, a key for grouped releases, `"k/q0"` for
    /// quantile levels, `"coef0"` for model coefficients. Names starting with `⟨` are derived
    /// indicators computed from the output by the path itself (they are events, not data).
    var values: [(String, Double)]
    /// A discrete answer pattern (sparse vector answers), or `nil`.
    var pattern: String?

    init(_ values: [(String, Double)] = [], pattern: String? = nil) {
        self.values = values
        self.pattern = pattern
    }

    /// A scalar output.
    static func scalar(_ value: Double) -> AuditSample { AuditSample([("value", value)]) }
}

/// A release path with a pair of neighbouring inputs and its claimed guarantee.
struct AuditPath: Sendable {
    /// A stable name: `gate/mean/selected/laplace/unit=on/fresh-key`, `mechanism/laplace`, …
    var name: String
    /// The ε the path claims.
    var claimedEpsilon: Double
    /// The δ the path claims (0 for pure DP).
    var delta: Double
    /// Draws one output on D.
    var sampleD: @Sendable (inout SecureRandomGenerator) throws -> AuditSample
    /// Draws one output on the neighbour D′.
    var sampleDPrime: @Sendable (inout SecureRandomGenerator) throws -> AuditSample
    /// Multiplies the short mode's sample count (expensive paths — quantiles over 16,384 bins,
    /// the discrete Gaussian, regressions, the CLI — use fewer samples in `swift test`).
    var sampleScale: Double = 1
    /// Samples per side in long mode (10⁶ unless a path costs a process per sample).
    var longSamples: Int = 1_000_000
}

/// Columnar store of audit samples (NaN marks an absent coordinate).
struct SampleSet {
    private(set) var count = 0
    var columns: [String: [Double]] = [:]
    var patterns: [String?] = []
    /// The column names in order of appearance (iterating `columns.keys` while mutating the
    /// dictionary would keep its storage shared and copy every column on every append).
    private var names: [String] = []

    mutating func append(_ sample: AuditSample) {
        for name in names { columns[name]!.append(.nan) }
        for (name, value) in sample.values {
            if columns[name] == nil {
                columns[name] = [Double](repeating: .nan, count: count + 1)
                names.append(name)
            }
            columns[name]![count] = value
        }
        patterns.append(sample.pattern)
        count += 1
    }

    /// The present values of `column`, sorted (for counting range events by binary search).
    func sortedValues(_ column: String) -> [Double] {
        (columns[column] ?? []).filter { !$0.isNaN }.sorted()
    }
}

/// An event on one output.
enum AuditEvent: Hashable, Sendable, CustomStringConvertible {
    /// The coordinate was released (a key is present).
    case present(String)
    /// The coordinate was not released.
    case absent(String)
    /// The coordinate was released with a value in [low, high).
    case range(String, Double, Double)
    /// The answer pattern equals this one.
    case pattern(String)

    var description: String {
        switch self {
        case let .present(c): "\(c) present"
        case let .absent(c): "\(c) absent"
        case let .range(c, low, high):
            if low == -.infinity {
                "\(c) < \(high)"
            } else if high == .infinity {
                "\(c) ≥ \(low)"
            } else if high == low.nextUp {
                "\(c) = \(low)"
            } else {
                "\(c) ∈ [\(low), \(high))"
            }
        case let .pattern(p): "pattern \(p)"
        }
    }
}

/// Counts events on a sample set (sorted columns cached).
struct EventCounter {
    let set: SampleSet
    private var sorted: [String: [Double]] = [:]
    private var patternCounts: [String: Int] = [:]

    init(_ set: SampleSet) {
        self.set = set
        for name in set.columns.keys { sorted[name] = set.sortedValues(name) }
        for case let p? in set.patterns { patternCounts[p, default: 0] += 1 }
    }

    func count(_ event: AuditEvent) -> Int {
        switch event {
        case let .present(c): return sorted[c]?.count ?? 0
        case let .absent(c): return set.count - (sorted[c]?.count ?? 0)
        case let .range(c, low, high):
            guard let values = sorted[c] else { return 0 }
            return Self.lowerBound(values, high) - Self.lowerBound(values, low)
        case let .pattern(p): return patternCounts[p] ?? 0
        }
    }

    var patterns: [String: Int] { patternCounts }

    /// The first index whose value is ≥ `x` (`.infinity` counts every finite value).
    static func lowerBound(_ values: [Double], _ x: Double) -> Int {
        var low = 0, high = values.count
        while low < high {
            let middle = (low + high) / 2
            if values[middle] < x { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// The outcome of auditing one path.
struct AuditResult: Sendable {
    var path: String
    var claimedEpsilon: Double
    var delta: Double
    var samplesPerSide: Int
    /// The lower bound on ε (confidence 1 − α); 0 when no event gave a positive bound.
    var epsilonLowerBound: Double
    /// The event that gave it, with its direction and measured counts.
    var bestEvent: String
    var seconds: Double
    /// Whether the measured event never occurred on the denominator side (a support
    /// difference: with more samples the bound grows without limit).
    var supportDifference: Bool

    /// The audit verdict: the lower bound does not exceed the claimed ε.
    var passed: Bool { epsilonLowerBound <= claimedEpsilon }

    /// A Markdown table row.
    var tableRow: String {
        let lb = String(format: "%.3f", epsilonLowerBound) + (supportDifference ? " (support)" : "")
        return
            "| \(path) | \(claimedEpsilon) | \(delta) | \(samplesPerSide) | \(lb) | \(bestEvent) | \(passed ? "pass" : "FAIL") | \(String(format: "%.1f", seconds)) |"
    }
}

/// The auditor.
enum DPAuditor {
    /// The per-path error probability α: each reported ε_lb holds with confidence 1 − α.
    static let alpha = 1e-5
    /// Events measured on the second halves (Bonferroni over 2 × this many bounds).
    static let measuredEvents = 4

    /// Audits `path` with `samplesPerSide` outputs on each of D and D′ (half for selection,
    /// half for measurement).
    static func audit(_ path: AuditPath, samplesPerSide: Int) throws -> AuditResult {
        let start = Date()
        var generator = try SecureRandomGenerator()
        let half = max(1, samplesPerSide / 2)
        var selectD = SampleSet(), selectDPrime = SampleSet(), measureD = SampleSet(), measureDPrime = SampleSet()
        for _ in 0..<half {
            selectD.append(try path.sampleD(&generator))
            selectDPrime.append(try path.sampleDPrime(&generator))
        }
        for _ in 0..<half {
            measureD.append(try path.sampleD(&generator))
            measureDPrime.append(try path.sampleDPrime(&generator))
        }
        // Derived coordinates, fixed by the selection halves only.
        var sets = [selectD, selectDPrime, measureD, measureDPrime]
        addGranularityColumns(&sets)
        addProjectionColumn(&sets)

        // Selection: rank every candidate event and direction on the first halves.
        let counterSD = EventCounter(sets[0]), counterSDP = EventCounter(sets[1])
        let candidates = candidateEvents(sets[0], sets[1], counterSD, counterSDP)
        var ranked: [(score: Double, event: AuditEvent, dOnTop: Bool)] = []
        for event in candidates {
            let a = counterSD.count(event), b = counterSDP.count(event)
            ranked.append((selectionScore(a, b, half, path.delta), event, true))
            ranked.append((selectionScore(b, a, half, path.delta), event, false))
        }
        ranked.sort { $0.score > $1.score }
        var chosen: [(AuditEvent, Bool)] = []
        for entry in ranked where chosen.count < measuredEvents {
            if !chosen.contains(where: { $0.0 == entry.event && $0.1 == entry.dOnTop }) {
                chosen.append((entry.event, entry.dOnTop))
            }
        }

        // Measurement on the second halves.
        let counterMD = EventCounter(sets[2]), counterMDP = EventCounter(sets[3])
        let level = alpha / Double(2 * max(1, chosen.count))
        var best = 0.0, bestDescription = "—", support = false
        for (event, dOnTop) in chosen {
            let cD = counterMD.count(event), cDP = counterMDP.count(event)
            let (top, bottom) = dOnTop ? (cD, cDP) : (cDP, cD)
            let lower = BinomialBounds.clopperPearsonLower(successes: top, trials: half, alpha: level) - path.delta
            let upper = BinomialBounds.clopperPearsonUpper(successes: bottom, trials: half, alpha: level)
            guard lower > 0, upper > 0 else { continue }
            let bound = log(lower / upper)
            if bound > best {
                best = bound
                support = bottom == 0
                bestDescription =
                    "\(event) (\(dOnTop ? "D" : "D′") \(top)/\(half) vs \(dOnTop ? "D′" : "D") \(bottom)/\(half))"
            }
        }
        return AuditResult(
            path: path.name, claimedEpsilon: path.claimedEpsilon, delta: path.delta,
            samplesPerSide: 2 * half, epsilonLowerBound: best, bestEvent: bestDescription,
            seconds: Date().timeIntervalSince(start), supportDifference: support)
    }

    /// A conservative estimate of ln((P(top) − δ)/P(bottom)) from selection counts (Wilson
    /// bounds at two standard deviations), used only to rank candidates.
    static func selectionScore(_ top: Int, _ bottom: Int, _ n: Int, _ delta: Double) -> Double {
        let lower = BinomialBounds.wilson(successes: top, trials: n, z: -2) - delta
        let upper = max(BinomialBounds.wilson(successes: bottom, trials: n, z: 2), 1e-300)
        return lower > 0 ? log(lower / upper) : -.infinity
    }

    /// Quantile levels for threshold events (tails included).
    static let thresholdLevels: [Double] = [
        0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5,
        0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995,
    ]
    /// Quantile levels whose pairs make interval events.
    static let intervalLevels: [Double] = [0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]

    /// The event family: presence of each coordinate (grouped outputs); for each coordinate
    /// equality events when it takes few values, otherwise threshold events at pooled quantiles
    /// and interval events between them; answer-pattern events.
    static func candidateEvents(
        _ d: SampleSet, _ dPrime: SampleSet, _ counterD: EventCounter, _ counterDPrime: EventCounter
    ) -> [AuditEvent] {
        var events: [AuditEvent] = []
        let names = Set(d.columns.keys).union(dPrime.columns.keys).sorted()
        for name in names {
            let presentD = counterD.count(.present(name)), presentDPrime = counterDPrime.count(.present(name))
            if presentD < d.count || presentDPrime < dPrime.count {
                events.append(.present(name))
                events.append(.absent(name))
            }
            let pooled = (d.sortedValues(name) + dPrime.sortedValues(name)).sorted()
            guard !pooled.isEmpty else { continue }
            var distinct: [Double] = []
            for value in pooled where distinct.last != value {
                distinct.append(value)
                if distinct.count > 64 { break }
            }
            if distinct.count <= 64 {
                for value in distinct {
                    events.append(.range(name, value, value.nextUp))
                    events.append(.range(name, -.infinity, value))
                    events.append(.range(name, value, .infinity))
                }
                continue
            }
            func quantile(_ level: Double) -> Double {
                pooled[min(pooled.count - 1, Int(level * Double(pooled.count)))]
            }
            for t in Set(thresholdLevels.map(quantile)) {
                events.append(.range(name, -.infinity, t))
                events.append(.range(name, t, .infinity))
            }
            let grid = Array(Set(intervalLevels.map(quantile))).sorted()
            for i in grid.indices {
                for j in grid.indices where j > i { events.append(.range(name, grid[i], grid[j])) }
            }
        }
        // Answer patterns: each pattern seen at least 5 times in the selection halves.
        var patternTotals = counterD.patterns
        for (p, c) in counterDPrime.patterns { patternTotals[p, default: 0] += c }
        for (p, c) in patternTotals where c >= 5 { events.append(.pattern(p)) }
        return events
    }

    /// Floating-point support: for each released coordinate, the binary exponent of its lowest
    /// set bit (`x = m · 2^e` with m odd) as a derived coordinate `c⟨lsb⟩`; outputs on
    /// different grids (a true value off the noise grid, noise drawn on doubles) differ there.
    static func addGranularityColumns(_ sets: inout [SampleSet]) {
        let names = Set(sets.flatMap { $0.columns.keys }).filter { !$0.hasPrefix("⟨") }
        for name in names {
            for index in sets.indices {
                guard let column = sets[index].columns[name] else { continue }
                sets[index].columns[name + "⟨lsb⟩"] = column.map { x in
                    guard x.isFinite, x != 0, x.isNormal else { return .nan }
                    let bits = x.significandBitPattern
                    return Double(Int(x.exponent) - (bits == 0 ? 0 : 52 - bits.trailingZeroBitCount))
                }
            }
        }
    }

    /// A linear projection learnt on the selection halves (diagonal discriminant: weight =
    /// difference of means over pooled variance, per coordinate value and presence), added as
    /// the coordinate `⟨proj⟩` when at least two features vary. Vector outputs (grouped
    /// releases, model coefficients, answer sets) get one scalar whose threshold events
    /// aggregate evidence over all coordinates.
    static func addProjectionColumn(_ sets: inout [SampleSet]) {
        var features: [(String, Bool)] = []  // (column, presence?)
        let names = Set(sets[0].columns.keys).union(sets[1].columns.keys).filter { !$0.contains("⟨lsb⟩") }.sorted()
        for name in names {
            features.append((name, false))
            features.append((name, true))
        }
        func feature(_ set: SampleSet, _ f: (String, Bool), _ i: Int) -> Double {
            guard let column = set.columns[f.0] else { return 0 }
            let x = column[i]
            return f.1 ? (x.isNaN ? 0 : 1) : (x.isNaN ? 0 : x)
        }
        var weights: [((String, Bool), Double, Double)] = []  // feature, weight, centre
        for f in features {
            var sums = [0.0, 0.0], squares = [0.0, 0.0]
            for side in 0..<2 {
                let set = sets[side]
                for i in 0..<set.count {
                    let x = feature(set, f, i)
                    sums[side] += x
                    squares[side] += x * x
                }
            }
            let n0 = Double(sets[0].count), n1 = Double(sets[1].count)
            let m0 = sums[0] / n0, m1 = sums[1] / n1
            let variance = (squares[0] - n0 * m0 * m0 + squares[1] - n1 * m1 * m1) / (n0 + n1)
            guard variance > 1e-12 * max(1, m0 * m0 + m1 * m1) else { continue }
            weights.append((f, (m0 - m1) / variance, (m0 + m1) / 2))
        }
        guard weights.count >= 2 else { return }
        for index in sets.indices {
            let set = sets[index]
            var projection = [Double](repeating: 0, count: set.count)
            for (f, w, centre) in weights {
                for i in 0..<set.count { projection[i] += w * (feature(set, f, i) - centre) }
            }
            sets[index].columns["⟨proj⟩"] = projection
        }
    }
}

/// Run configuration from the environment: `DP_AUDIT_LONG=1` (≥ 10⁶ samples per side),
/// `DP_AUDIT_SAMPLES=n` (explicit), `DP_AUDIT_FILTER=substring` (paths to run),
/// `DP_AUDIT_REPORT=file` (append one Markdown row per audited path).
enum AuditConfiguration {
    static let environment = ProcessInfo.processInfo.environment
    static var isLong: Bool { environment["DP_AUDIT_LONG"] == "1" }

    /// Samples per side for a path in this mode. A short run of a path that must pass is
    /// scaled by `PRIVACYKERNEL_REPETITION_SCALE` (0 < s ≤ 1; `scripts/sanitize.sh thread` sets
    /// 0.1: under TSan the point is interleavings, not statistics). Fewer samples only weaken
    /// the lower bound, so a scaled run cannot fail a correct path; planted variants, which must
    /// fail, are never scaled (`scaled: false`).
    static func samples(for path: AuditPath, short: Int, scaled: Bool = true) -> Int {
        if let explicit = environment["DP_AUDIT_SAMPLES"].flatMap(Int.init) { return max(2, explicit) }
        if isLong { return path.longSamples }
        let scale = scaled ? repetitionScale : 1
        return max(2, Int(Double(short) * path.sampleScale * scale))
    }

    /// `PRIVACYKERNEL_REPETITION_SCALE` (``_TestSupport/TestEnvironment/repetitionScale``).
    static var repetitionScale: Double { TestEnvironment.repetitionScale }

    /// Whether `name` is selected by `DP_AUDIT_FILTER` (comma-separated substrings).
    static func selects(_ name: String) -> Bool {
        guard let filter = environment["DP_AUDIT_FILTER"], !filter.isEmpty else { return true }
        return filter.split(separator: ",").contains { name.contains($0) }
    }

    /// Records a result: prints it and appends it to `DP_AUDIT_REPORT` when set.
    static func record(_ result: AuditResult) {
        print("DP-AUDIT " + result.tableRow)
        guard let file = environment["DP_AUDIT_REPORT"] else { return }
        let line = result.tableRow + "\n"
        let descriptor = open(file, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard descriptor >= 0 else { return }
        _ = line.withCString { write(descriptor, $0, strlen($0)) }
        close(descriptor)
    }
}
