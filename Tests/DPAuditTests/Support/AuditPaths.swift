import Foundation
import DifferentialPrivacy
import PrivateLearning
import SecureAggregation
import SecureRandom
import Tabular

/// A named, lazily built audit path (the name is the test argument).
struct AuditPathEntry: Sendable {
    let name: String
    let make: @Sendable () throws -> AuditPath
}

/// The release paths of the library and their neighbouring inputs.
enum AuditPaths {
    // MARK: Tables

    /// One row of an audit table.
    struct Row {
        var key: String
        var value: Double
        var unit: String
    }

    /// The base table D: 14 rows, keys `a` (8 rows) and `b` (6 rows), values in 10…90 inside
    /// the bounds 0…100, two rows per privacy unit.
    static let baseRows: [Row] = (0..<14).map { index in
        Row(key: index < 8 ? "a" : "b", value: [10, 50, 90, 30, 70, 20, 60][index % 7], unit: "u\(index / 2)")
    }

    /// How D′ differs from D (one row, or one privacy unit, added).
    enum Neighbour: String, CaseIterable, Sendable {
        /// Rows beyond the upper clamping bound (10⁹ with bounds 0…100) under an existing key;
        /// with a privacy unit, one new unit with 3 rows in `a` and 2 in `b` (beyond its
        /// contribution limits of 1 partition × 2 rows).
        case extremeHigh = "extreme-high"
        /// The same with −10⁹ (beyond the lower bound).
        case extremeLow = "extreme-low"
        /// Rows beyond the upper bound under a fresh key `zz-fresh` (3 rows for one unit).
        case freshKey = "fresh-key"
    }

    static func rows(_ neighbour: Neighbour?, unit: Bool) -> [Row] {
        guard let neighbour else { return baseRows }
        let value = neighbour == .extremeLow ? -1e9 : 1e9
        var added: [Row]
        switch neighbour {
        case .extremeHigh, .extremeLow:
            added =
                unit
                ? Array(repeating: Row(key: "a", value: value, unit: "x"), count: 3)
                    + Array(repeating: Row(key: "b", value: value, unit: "x"), count: 2)
                : [Row(key: "a", value: value, unit: "x")]
        case .freshKey:
            added = Array(repeating: Row(key: "zz-fresh", value: value, unit: "x"), count: unit ? 3 : 1)
        }
        return baseRows + added
    }

    static func table(_ rows: [Row]) throws -> Table {
        try Table(columns: [
            try Column("grp", strings: rows.map(\.key)), try Column("val", float64: rows.map(\.value)),
            try Column("unit", strings: rows.map(\.unit)),
        ])
    }

    static func csv(_ rows: [Row]) -> String {
        "grp,val,unit\n" + rows.map { "\($0.key),\($0.value),\($0.unit)" }.joined(separator: "\n") + "\n"
    }

    // MARK: The release gate

    enum KeyMode: String, CaseIterable, Sendable { case declared, selected, none }

    static let epsilon = 1.0
    static let delta = 1e-5
    static let declaredKeys = ["a", "b"]

    /// The query of a gate path, or `nil` when the combination does not exist. `bins`: a
    /// numeric histogram of `val` in 4 equal-width bins over the bounds (its bins are declared keys).
    static func query(_ statistic: DPStatistic, _ mode: KeyMode, unit: Bool, bins: Bool = false) -> DPQuery? {
        var query: DPQuery
        if bins {
            guard statistic == .histogram, mode == .declared else { return nil }
            query = .histogram(of: "val", bins: 4, over: 0...100)
            if unit {
                query = query.boundingContributions(
                    privacyUnit: "unit", maxPartitionsPerUnit: 1, maxContributionsPerPartition: 2)
            }
            return query
        }
        switch statistic {
        case .count: query = .count()
        case .sum: query = .sum(of: "val", clampedTo: 0...100)
        case .mean: query = .mean(of: "val", clampedTo: 0...100)
        case .variance: query = .variance(of: "val", clampedTo: 0...100)
        case .standardDeviation: query = .standardDeviation(of: "val", clampedTo: 0...100)
        case .quantiles:
            if mode == .selected { return nil }
            query = .quantiles(of: "val", levels: [0.5], clampedTo: 0...100)
        case .histogram:
            if mode == .none { return nil }
            query = .histogram(of: "grp", keys: mode == .declared ? .declared(declaredKeys) : .selected)
        }
        if statistic != .histogram {
            switch mode {
            case .declared: query = query.grouped(by: "grp", keys: .declared(declaredKeys))
            case .selected: query = query.grouped(by: "grp", keys: .selected)
            case .none: break
            }
        }
        if unit {
            query = query.boundingContributions(
                privacyUnit: "unit", maxPartitionsPerUnit: 1, maxContributionsPerPartition: 2)
        }
        return query
    }

    /// ρ for the discrete Gaussian gate paths: ρ-zCDP implies (ρ + 2√(ρ ln(1/δ)), δ)-DP
    /// (Bun & Steinke 2016, Proposition 1.3), which is (1, 10⁻⁵) for this ρ.
    static let rho: Double = {
        let x = (-2 * log(1 / delta).squareRoot() + (4 * log(1 / delta) + 4 * epsilon).squareRoot()) / 2
        return x * x
    }()

    /// The parameters and claimed (ε, δ) of a gate path. The discrete Gaussian is asked for ρ
    /// (stated as ρ-zCDP, claimed at its (ε, δ) conversion): asked for (ε, δ) it converts by a
    /// bisection on every release, ~8 ms in a debug build, so a few `(ε,δ)` paths cover that
    /// form with fewer samples.
    static func parameters(
        _ mechanism: NoiseMechanism, _ mode: KeyMode, epsilonDelta: Bool = false,
        delta: Double = delta
    ) -> (NoiseParameters, PrivacyBudget, Double) {
        if mechanism == .discreteGaussian && !epsilonDelta {
            return (NoiseParameters.zCDP(rho: rho), .zCDP(rho: rho), delta)
        }
        let needsDelta = mode == .selected || mechanism == .gaussian || mechanism == .discreteGaussian
        if needsDelta {
            return (
                NoiseParameters.approximate(epsilon: epsilon, delta: delta),
                .approximate(epsilon: epsilon, delta: delta), delta
            )
        }
        return (NoiseParameters.pure(epsilon: epsilon), .pure(epsilon: epsilon), 0)
    }

    /// A release's coordinates: one per released key (quantile levels as `key/qi`).
    static func sample(of release: DPRelease) -> AuditSample {
        var values: [(String, Double)] = []
        for row in release.rows {
            let key = row.key ?? "value"
            if let quantiles = row.quantiles, quantiles.count > 1 {
                for (index, q) in quantiles.enumerated() { values.append(("\(key)/q\(index)", q)) }
            } else {
                values.append((key, row.value))
            }
        }
        return AuditSample(values)
    }

    /// A sampler releasing `query` over `table` through `PrivacySession.release` (a fresh
    /// session per release; with a privacy unit the partial is recomputed per release, since
    /// contribution bounding draws its own randomness).
    static func gateSampler(
        _ query: DPQuery, _ table: Table, _ mechanism: NoiseMechanism,
        _ parameters: NoiseParameters, _ budget: PrivacyBudget
    ) throws -> @Sendable (inout SecureRandomGenerator) throws -> AuditSample {
        let fixed: QueryPartial? = query.contribution.privacyUnit == nil ? try query.partial(over: table) : nil
        return { _ in
            let partial = try fixed ?? query.partial(over: table)
            let session = try PrivacySession(budget: budget)
            return sample(of: try session.release(partial, mechanism: mechanism, parameters: parameters))
        }
    }

    static func gatePath(
        _ statistic: DPStatistic, _ mode: KeyMode, _ mechanism: NoiseMechanism, unit: Bool, _ neighbour: Neighbour,
        epsilonDelta: Bool = false, largeDelta: Bool = false, bins: Bool = false
    ) throws -> AuditPath {
        let query = try require(query(statistic, mode, unit: unit, bins: bins))
        let (parameters, budget, delta) = self.parameters(
            mechanism, mode, epsilonDelta: epsilonDelta, delta: largeDelta ? 0.1 : delta)
        let name =
            gateName(statistic, mode, mechanism, unit, neighbour, epsilonDelta: epsilonDelta, bins: bins)
            + (largeDelta ? "/δ=0.1" : "")
        return AuditPath(
            name: name, claimedEpsilon: epsilon, delta: delta,
            sampleD: try gateSampler(query, try table(rows(nil, unit: unit)), mechanism, parameters, budget),
            sampleDPrime: try gateSampler(query, try table(rows(neighbour, unit: unit)), mechanism, parameters, budget),
            sampleScale: epsilonDelta ? 0.2 : statistic == .quantiles ? 0.1 : mechanism == .discreteGaussian ? 0.5 : 1)
    }

    static func gateName(
        _ statistic: DPStatistic, _ mode: KeyMode, _ mechanism: NoiseMechanism, _ unit: Bool, _ neighbour: Neighbour,
        epsilonDelta: Bool = false, bins: Bool = false
    ) -> String {
        let mechanismName =
            statistic == .quantiles
            ? "exponential"
            : mechanism == .discreteGaussian
                ? mechanism.rawValue + (epsilonDelta ? "(ε,δ)" : "(ρ)") : mechanism.rawValue
        let modeName = bins ? "bins" : mode.rawValue
        return
            "gate/\(statistic.rawValue)/\(modeName)/\(mechanismName)/unit=\(unit ? "on" : "off")/\(neighbour.rawValue)"
    }

    /// Every statistic × key mode × mechanism × privacy unit × neighbour that the gate accepts
    /// (selected keys need a Laplace-family mechanism; quantiles use the exponential mechanism
    /// and refuse selected keys; a categorical histogram always has keys). Grouped paths use
    /// the extreme-high and fresh-key neighbours, ungrouped ones extreme-high and extreme-low.
    static let gateEntries: [AuditPathEntry] = {
        var entries: [AuditPathEntry] = []
        for statistic in DPStatistic.allCases {
            for mode in KeyMode.allCases {
                let mechanisms: [NoiseMechanism] =
                    statistic == .quantiles
                    ? [.laplace]
                    : mode == .selected ? [.laplace, .discreteLaplace] : NoiseMechanism.allCases
                for mechanism in mechanisms {
                    for unit in [false, true] {
                        guard query(statistic, mode, unit: unit) != nil else { continue }
                        let neighbours: [Neighbour] =
                            mode == .none ? [.extremeHigh, .extremeLow] : [.extremeHigh, .freshKey]
                        for neighbour in neighbours {
                            entries.append(
                                AuditPathEntry(name: gateName(statistic, mode, mechanism, unit, neighbour)) {
                                    try gatePath(statistic, mode, mechanism, unit: unit, neighbour)
                                })
                        }
                    }
                }
            }
        }
        // The discrete Gaussian asked for (ε, δ) instead of ρ, on a few paths.
        for (statistic, mode, unit) in [
            (DPStatistic.count, KeyMode.none, false), (.mean, .declared, true), (.histogram, .declared, false),
        ] {
            entries.append(
                AuditPathEntry(
                    name: gateName(statistic, mode, .discreteGaussian, unit, .extremeHigh, epsilonDelta: true)
                ) {
                    try gatePath(statistic, mode, .discreteGaussian, unit: unit, .extremeHigh, epsilonDelta: true)
                })
        }
        // Numeric histograms (4 public bins over the bounds): extreme rows land in the end bins.
        for mechanism in NoiseMechanism.allCases {
            for unit in [false, true] {
                for neighbour in [Neighbour.extremeHigh, .extremeLow] {
                    entries.append(
                        AuditPathEntry(name: gateName(.histogram, .declared, mechanism, unit, neighbour, bins: true)) {
                            try gatePath(.histogram, .declared, mechanism, unit: unit, neighbour, bins: true)
                        })
                }
            }
        }
        // Partition selection at δ = 0.1: a fresh key then appears often enough (≈ δ/2) that a
        // threshold too low by one row or a wrong δ share shows as P(key present) > δ.
        for statistic in [DPStatistic.count, .sum, .mean, .histogram] {
            for mechanism in [NoiseMechanism.laplace, .discreteLaplace] {
                for unit in [false, true] {
                    entries.append(
                        AuditPathEntry(name: gateName(statistic, .selected, mechanism, unit, .freshKey) + "/δ=0.1") {
                            try gatePath(statistic, .selected, mechanism, unit: unit, .freshKey, largeDelta: true)
                        })
                }
            }
        }
        return entries
    }()

    // MARK: Mechanisms, selection, sparse vector, randomised response, regressions

    /// Additive noise on a count-like statistic: true values 0 on D and Δ = 1 on D′.
    static func mechanismPath(_ mechanism: NoiseMechanism) throws -> AuditPath {
        let needsDelta = mechanism == .gaussian || mechanism == .discreteGaussian
        let parameters = try NoiseParameters(epsilon: epsilon, delta: needsDelta ? delta : nil, rho: nil)
        let noise = try AdditiveNoise.calibrate(
            mechanism: mechanism, parameters: parameters,
            sensitivity: try .init(perPartition: 1, partitions: 1, inputExponent: 0, maximumRefinement: 24))
        return AuditPath(
            name: "mechanism/\(mechanism.rawValue)", claimedEpsilon: epsilon, delta: needsDelta ? delta : 0,
            sampleD: { .scalar(noise.release(0, using: &$0)) },
            sampleDPrime: { .scalar(noise.release(1, using: &$0)) })
    }

    /// Scores of sensitivity 1 that differ in every coordinate.
    static let scoresD: [Int64] = [2, 1, 0, 0]
    static let scoresDPrime: [Int64] = [1, 2, 1, 1]

    static func selectionPath(_ kind: String) -> AuditPath {
        @Sendable func pick(_ scores: [Int64], _ generator: inout SecureRandomGenerator) throws -> AuditSample {
            switch kind {
            case "permute-and-flip":
                return .scalar(
                    Double(
                        try ExponentialMechanism.permuteAndFlip(
                            scores: scores, epsilon: epsilon, sensitivity: 1, using: &generator)))
            case "report-noisy-max":
                return .scalar(
                    Double(
                        try ExponentialMechanism.reportNoisyMax(
                            scores: scores, epsilon: epsilon, sensitivity: 1, using: &generator)))
            default:  // through the gate
                let session = try PrivacySession(budget: .pure(epsilon: epsilon))
                return .scalar(
                    Double(try session.select(scores: scores, epsilon: epsilon, sensitivity: 1, description: "audit")))
            }
        }
        return AuditPath(
            name: "selection/\(kind)", claimedEpsilon: epsilon, delta: 0,
            sampleD: { try pick(scoresD, &$0) }, sampleDPrime: { try pick(scoresDPrime, &$0) })
    }

    /// Sparse-vector queries (threshold 0, sensitivity 1): all at the threshold on D; on D′
    /// the first half one below and the second half one above (the neighbour that defeats a
    /// sparse vector that does not halt).
    static let sparseQueryCount = 40
    static let sparseEpsilon = 2.0
    static var sparseQueriesD: [Int64] { [Int64](repeating: 0, count: sparseQueryCount) }
    static var sparseQueriesDPrime: [Int64] {
        (0..<sparseQueryCount).map { $0 < sparseQueryCount / 2 ? -1 : 1 }
    }

    /// Encodes answers as a pattern and as coordinates (1 above, 0 below; absent after a halt).
    static func sparseSample(_ answers: [Bool]) -> AuditSample {
        let pattern = answers.map { $0 ? "⊤" : "⊥" }.joined()
        var values: [(String, Double)] = answers.enumerated().map { ("q\($0.offset)", $0.element ? 1 : 0) }
        values.append(("first-above", Double(answers.firstIndex(of: true) ?? answers.count)))
        return AuditSample(values, pattern: pattern)
    }

    static func sparseVectorPath() -> AuditPath {
        @Sendable func run(_ queries: [Int64], _ generator: inout SecureRandomGenerator) throws -> AuditSample {
            let session = try PrivacySession(budget: .pure(epsilon: sparseEpsilon))
            var vector = try session.aboveThreshold(
                threshold: 0, epsilon: sparseEpsilon, sensitivity: 1, description: "audit", using: &generator)
            var answers: [Bool] = []
            for query in queries {
                let above = try vector.isAboveThreshold(query, using: &generator)
                answers.append(above)
                if above { break }
            }
            return sparseSample(answers)
        }
        return AuditPath(
            name: "sparse-vector/above-threshold", claimedEpsilon: sparseEpsilon, delta: 0,
            sampleD: { try run(sparseQueriesD, &$0) }, sampleDPrime: { try run(sparseQueriesDPrime, &$0) })
    }

    static func randomizedResponsePath() throws -> AuditPath {
        let mechanism = try RandomizedResponse(categories: 4, epsilon: epsilon)
        return AuditPath(
            name: "randomised-response/k=4", claimedEpsilon: epsilon, delta: 0,
            sampleD: { .scalar(Double(mechanism.randomize(0, using: &$0))) },
            sampleDPrime: { .scalar(Double(mechanism.randomize(1, using: &$0))) })
    }

    /// Regression tables: 20 rows of (x, y) in [0, 1]²; D′ adds a row far beyond both bounds.
    static func regressionTable(extra: Bool, logistic: Bool) throws -> Table {
        var x = (0..<20).map { Double($0) / 19 }
        var y = logistic ? x.map { $0 > 0.5 ? 1.0 : 0.0 } : x.map { 0.2 + 0.5 * $0 }
        if extra {
            x.append(1e9)
            y.append(logistic ? 0 : -1e9)
        }
        return try Table(columns: [try Column("x", float64: x), try Column("y", float64: y)])
    }

    static func linearRegressionPath(_ mechanism: NoiseMechanism) throws -> AuditPath {
        let model = PrivateLinearRegression(
            features: ["x"], label: "y", featureBounds: .perColumn([0...1]), labelBounds: 0...1,
            mechanism: mechanism, maximumRows: 1 << 10)
        let needsDelta = mechanism == .gaussian || mechanism == .discreteGaussian
        let parameters = try NoiseParameters(epsilon: epsilon, delta: needsDelta ? delta : nil, rho: nil)
        let budget: PrivacyBudget = needsDelta ? .approximate(epsilon: epsilon, delta: delta) : .pure(epsilon: epsilon)
        let d = try regressionTable(extra: false, logistic: false),
            dPrime = try regressionTable(extra: true, logistic: false)
        @Sendable func fit(_ table: Table) throws -> AuditSample {
            let fitted = try model.fit(table, parameters: parameters, budget: try PrivacySession(budget: budget))
            return AuditSample([("coef0", fitted.coefficients[0]), ("intercept", fitted.intercept)])
        }
        return AuditPath(
            name: "regression/linear/\(mechanism.rawValue)", claimedEpsilon: epsilon, delta: needsDelta ? delta : 0,
            sampleD: { _ in try fit(d) }, sampleDPrime: { _ in try fit(dPrime) },
            sampleScale: mechanism == .discreteGaussian ? 0.1 : 0.5)
    }

    static func logisticRegressionPath(_ mechanism: NoiseMechanism) throws -> AuditPath {
        let model = PrivateLogisticRegression(
            features: ["x"], label: "y", featureBounds: .perColumn([0...1]), iterations: 3,
            maximumRows: 1 << 10, mechanism: mechanism)
        let needsDelta = mechanism == .discreteGaussian
        let parameters = try NoiseParameters(epsilon: epsilon, delta: needsDelta ? delta : nil, rho: nil)
        let budget: PrivacyBudget = needsDelta ? .approximate(epsilon: epsilon, delta: delta) : .pure(epsilon: epsilon)
        let d = try regressionTable(extra: false, logistic: true),
            dPrime = try regressionTable(extra: true, logistic: true)
        @Sendable func fit(_ table: Table) throws -> AuditSample {
            let fitted = try model.fit(table, parameters: parameters, budget: try PrivacySession(budget: budget))
            return AuditSample([("coef0", fitted.coefficients[0]), ("intercept", fitted.intercept)])
        }
        return AuditPath(
            name: "regression/logistic/\(mechanism.rawValue)", claimedEpsilon: epsilon, delta: needsDelta ? delta : 0,
            sampleD: { _ in try fit(d) }, sampleDPrime: { _ in try fit(dPrime) },
            sampleScale: mechanism == .discreteGaussian ? 0.2 : 0.5)
    }

    /// The distributed discrete Gaussian of the secure sum (Kairouz, Liu & Steinke 2021): 3
    /// parties each add a noise share with the local σ that ``DistributedDiscreteGaussian``
    /// computes for ρ over 3 contributors (Δ₁ = Δ₂ = 4 steps, d = 1), summed in the 32-bit ring
    /// by its `addNoise`. The pairwise masks cancel exactly in the sum, so they are left out:
    /// the released sum is the inputs' sum plus the three shares. D: inputs (0, 0, 0);
    /// D′: (4, 0, 0).
    static func distributedNoisePath() throws -> AuditPath {
        let parties = 3
        let sigma = try DistributedDiscreteGaussian.localSigma(
            forRho: rho, contributors: parties, l2Sensitivity: 4,
            l1Sensitivity: 4, dimension: 1)
        @Sendable func sum(_ inputs: [UInt32]) throws -> AuditSample {
            var total: UInt32 = 0
            for input in inputs {
                var vector = [input]
                // Each party has its own generator (a copied generator would repeat its noise).
                var shares = try DiscreteGaussianNoiseShares(sigma: sigma, generator: try SecureRandomGenerator())
                DistributedDiscreteGaussian.addNoise(to: &vector, modulusBits: 32, from: &shares)
                total = total &+ vector[0]
            }
            return .scalar(Double(Int32(bitPattern: total)))
        }
        return AuditPath(
            name: "secagg/distributed-discrete-gaussian/3-parties", claimedEpsilon: epsilon, delta: delta,
            sampleD: { _ in try sum([0, 0, 0]) }, sampleDPrime: { _ in try sum([4, 0, 0]) }, sampleScale: 0.5)
    }

    static let otherEntries: [AuditPathEntry] =
        NoiseMechanism.allCases.map { m in AuditPathEntry(name: "mechanism/\(m.rawValue)") { try mechanismPath(m) } }
        + ["permute-and-flip", "report-noisy-max", "session-select"].map { k in
            AuditPathEntry(name: "selection/\(k)") { selectionPath(k) }
        }
        + [
            AuditPathEntry(name: "sparse-vector/above-threshold") { sparseVectorPath() },
            AuditPathEntry(name: "randomised-response/k=4") { try randomizedResponsePath() },
        ]
        + NoiseMechanism.allCases.map { m in
            AuditPathEntry(name: "regression/linear/\(m.rawValue)") { try linearRegressionPath(m) }
        }
        + [NoiseMechanism.laplace, .discreteGaussian].map { m in
            AuditPathEntry(name: "regression/logistic/\(m.rawValue)") { try logisticRegressionPath(m) }
        }
        + [AuditPathEntry(name: "secagg/distributed-discrete-gaussian/3-parties") { try distributedNoisePath() }]

    static let all: [AuditPathEntry] = gateEntries + otherEntries + ScenarioAuditPaths.entries
    static func entry(_ name: String) -> AuditPathEntry? { all.first { $0.name == name } }
}

/// `try #require` without Testing in support code: unwraps or throws.
func require<T>(_ value: T?, _ message: String = "missing value") throws -> T {
    guard let value else { throw AuditError(message) }
    return value
}

struct AuditError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
