import Foundation
import SecureRandom

/// A differentially private result: the only kind of output the release gate produces.
///
/// Every release carries the guarantee it spent, the mechanism and noise scale, and for
/// additive noise a 95% confidence interval that accounts for the noise (not for sampling
/// error or clamping bias).
public struct DPRelease: Sendable, Hashable, Codable {
    /// One released value (one per partition key; one row with `key == nil` when ungrouped).
    public struct Row: Sendable, Hashable, Codable {
        /// The partition key, or `nil` for an ungrouped query.
        public let key: String?
        /// The released value (the first quantile for quantile queries).
        public let value: Double
        /// All released quantiles, in the order of the query's levels (quantile queries only).
        public let quantiles: [Double]?
        /// The central 95% interval of the noise around ``value``, `[lower, upper]`; `nil` for
        /// the exponential mechanism. Exact for count, sum and histogram; a delta-method
        /// approximation for mean; `nil` for variance and standard deviation.
        public let ci95: [Double]?
        /// The noisy value as sampled, when ``value`` is post-processed
        /// (``DPRelease/postProcessed(_:)``); `nil` (and absent from the JSON) otherwise.
        public var rawValue: Double? = nil
    }

    /// The statistic.
    public let statistic: DPStatistic
    /// The value column, if any.
    public let column: String?
    /// The grouping column, if any.
    public let groupBy: String?
    /// The mechanism: a ``NoiseMechanism`` name, or `"exponential"` for quantiles.
    public let mechanism: String
    /// ε spent (the stated guarantee), if the release is stated in ε.
    public let epsilon: Double?
    /// δ spent, if any.
    public let delta: Double?
    /// ρ spent, if the release is stated in zCDP.
    public let rho: Double?
    /// The noise scale of the main statistic in its unit (Laplace b or Gaussian σ); for a mean,
    /// the sum's scale; `nil` for the exponential mechanism.
    public let noiseScale: Double?
    /// The released rows.
    public let rows: [Row]
    /// The guarantee as an event, for accountants.
    public let stated: PrivacyEvent
    /// The event describing the noise actually added.
    public let mechanismEvent: PrivacyEvent
    /// Keys dropped by partition selection are not listed and not counted; this is the
    /// selection threshold (in the statistic's unit) when selection ran.
    public let selectionThreshold: Double?

    /// The single value of an ungrouped release.
    public var value: Double? { rows.count == 1 && rows[0].key == nil ? rows[0].value : nil }
}

/// Everything about a release that does not need randomness: validated parameters, the noise
/// of each component, the events. Built before charging so that a bad request is refused
/// without spending budget.
struct ReleasePlan {
    let partial: QueryPartial
    let mechanism: NoiseMechanism
    let parameters: NoiseParameters
    let stated: PrivacyEvent
    let mechanismEvent: PrivacyEvent
    /// Noise per component (count, sum, squared deviations), as the statistic needs.
    let components: [AdditiveNoise]
    /// ε per quantile level and partition, for quantile queries.
    let quantileEpsilon: Double?
    /// Selection threshold in release steps of the count noise, for selected keys.
    let selectionThresholdSteps: Int64?

    init(partial: QueryPartial, mechanism: NoiseMechanism, parameters: NoiseParameters) throws(DifferentialPrivacyError)
    {
        self.partial = partial
        self.mechanism = mechanism
        self.parameters = parameters
        let query = partial.query
        let bounds = query.contribution
        let grouped = query.groupBy != nil
        let partitions = Int64(grouped ? bounds.maxPartitionsPerUnit : 1)
        let perPartitionRows = Int64(bounds.maxContributionsPerPartition)
        var selecting = false
        if case .selected = query.keys { selecting = true }

        // Quantiles: the exponential mechanism, pure ε.
        if query.statistic == .quantiles {
            try parameters.validateValues()
            let epsilon: Double
            switch parameters {
            case let .pure(e), let .approximate(e, _, _): epsilon = e
            case let .zCDP(r): epsilon = (2 * r).squareRoot()
            }
            if selecting {
                throw .invalidParameter(
                    name: "keys", value: "selected", reason: "quantiles need declared keys or no grouping")
            }
            let perQuantile = epsilon / Double(query.quantileLevels.count) / Double(partitions)
            guard perQuantile >= 0x1p-30 else {
                throw .invalidParameter(
                    name: "epsilon", value: "\(epsilon)",
                    reason: "leaves \(perQuantile) per quantile and partition, below the supported 2^-30")
            }
            self.quantileEpsilon = perQuantile
            self.components = []
            self.selectionThresholdSteps = nil
            if case let .zCDP(r) = parameters {
                self.stated = .zCDP(rho: r)
            } else {
                self.stated = .pureEpsilon(epsilon)
            }
            self.mechanismEvent = .pureEpsilon(epsilon)
            return
        }
        self.quantileEpsilon = nil
        try parameters.validate(for: mechanism)

        // Split the budget between the components the statistic needs.
        let parts: Int
        switch query.statistic {
        case .count, .histogram, .sum: parts = 1
        case .mean: parts = 2
        case .variance, .standardDeviation: parts = 3
        case .quantiles: parts = 1
        }
        var share = parameters.divided(by: parts)
        if selecting {
            guard mechanism.isLaplaceFamily else {
                throw .invalidParameter(
                    name: "mechanism", value: mechanism.rawValue,
                    reason: "partition selection needs laplace or discrete-laplace")
            }
            guard case let .approximate(epsilon, _, _) = parameters else {
                throw .invalidParameter(name: "delta", value: "missing", reason: "partition selection needs δ")
            }
            // δ pays for the selection (below); the noise is pure ε.
            share = .pure(epsilon: epsilon / Double(parts))
        }
        let grid = partial.grid
        let lower = query.lower ?? 0, upper = query.upper ?? 0
        var components: [AdditiveNoise] = []
        // Count (every statistic but sum needs it; a sum with selection needs it too).
        let countSensitivity = try AdditiveNoise.Sensitivity(
            perPartition: perPartitionRows, partitions: partitions, inputExponent: 0, maximumRefinement: 24)
        // A row moves the fixed-point sum by at most its rounded bound.
        let sumSensitivity = try AdditiveNoise.Sensitivity(
            perPartition: Int64(max(grid.units(lower).magnitude, grid.units(upper).magnitude)) * perPartitionRows,
            partitions: partitions, inputExponent: grid.exponent)
        switch query.statistic {
        case .count, .histogram:
            components.append(
                try AdditiveNoise.calibrate(mechanism: mechanism, parameters: share, sensitivity: countSensitivity))
        case .sum:
            if selecting {
                // Half for the selection count, half for the sum.
                share = share.divided(by: 2)
                components.append(
                    try AdditiveNoise.calibrate(mechanism: mechanism, parameters: share, sensitivity: countSensitivity))
            }
            components.append(
                try AdditiveNoise.calibrate(mechanism: mechanism, parameters: share, sensitivity: sumSensitivity))
        case .mean, .variance, .standardDeviation:
            components.append(
                try AdditiveNoise.calibrate(mechanism: mechanism, parameters: share, sensitivity: countSensitivity))
            if query.statistic == .mean {
                components.append(
                    try AdditiveNoise.calibrate(mechanism: mechanism, parameters: share, sensitivity: sumSensitivity))
            } else {
                // Centred sum: each row adds round(clamp(x)/q) − c ∈ [round(L/q) − c, round(U/q) − c].
                let c = partial.centerUnits
                let perRow = max((grid.units(lower) - c).magnitude, (grid.units(upper) - c).magnitude)
                components.append(
                    try AdditiveNoise.calibrate(
                        mechanism: mechanism, parameters: share,
                        sensitivity:
                            try AdditiveNoise.Sensitivity(
                                perPartition: Int64(perRow) * perPartitionRows, partitions: partitions,
                                inputExponent: grid.exponent)))
                let center = grid.value(c)
                let radiusSquared = max((lower - center) * (lower - center), (upper - center) * (upper - center))
                let perRowSquare = partial.squareGrid.units(radiusSquared)
                components.append(
                    try AdditiveNoise.calibrate(
                        mechanism: mechanism, parameters: share,
                        sensitivity:
                            try AdditiveNoise.Sensitivity(
                                perPartition: perRowSquare * perPartitionRows, partitions: partitions,
                                inputExponent: partial.squareGrid.exponent)))
            }
        case .quantiles:
            preconditionFailure("handled above")
        }
        self.components = components
        // Guarantee.
        let events = components.map(\.event)
        if selecting, case let .approximate(epsilon, delta, _) = parameters, let countNoise = components.first {
            // Laplace thresholding: a key held by one unit (≤ P partitions of ≤ C rows each)
            // passes with probability ≤ P · P(Z ≥ k) ≤ P · e^(−k/b) ≤ δ for k = ⌈b ln(P/δ)⌉.
            let b = countNoise.scale / Double(sign: .plus, exponent: countNoise.releaseExponent, significand: 1)
            let k = (b * log(Double(partitions) / delta)).rounded(.up)
            let rowSteps =
                Double(perPartitionRows) * Double(sign: .plus, exponent: -countNoise.releaseExponent, significand: 1)
            guard (rowSteps + k).isFinite, rowSteps + k < 0x1p62 else {
                throw .invalidParameter(
                    name: "delta", value: "\(delta)", reason: "gives a selection threshold out of range")
            }
            self.selectionThresholdSteps = Int64(rowSteps + k)
            self.stated = .approximate(epsilon: epsilon, delta: delta)
            self.mechanismEvent = .approximate(epsilon: epsilon, delta: delta)
            return
        }
        self.selectionThresholdSteps = nil
        guard let stated = parameters.statedGuarantee(for: mechanism) else {
            throw .invalidParameter(
                name: "parameters", value: parameters.description, reason: "do not suit \(mechanism)")
        }
        self.stated = stated
        self.mechanismEvent = events.count == 1 ? events[0] : .composed(events)
    }

    func sample(using generator: inout SecureRandomGenerator) -> DPRelease {
        let query = partial.query
        let grouped = query.groupBy != nil
        var rows: [DPRelease.Row] = []
        let lower = query.lower ?? 0, upper = query.upper ?? 0
        // Partition selection (Laplace thresholding) applies to every statistic that accepts
        // selected keys: a key is released only when the noisy count of components[0] — the
        // count every such plan starts with, part of this same accounted release — reaches the
        // threshold. Quantiles refuse selected keys when the plan is built.
        let threshold = selectionThresholdSteps.map { components[0].value(ofSteps: $0) }
        for (index, cell) in partial.cells.enumerated() {
            let key = grouped ? partial.keys[index] : nil
            var selectedCountSteps: Int64? = nil
            if let limit = selectionThresholdSteps {
                let steps = components[0].releaseSteps(cell.count, using: &generator)
                if steps < limit { continue }
                selectedCountSteps = steps
            }
            /// The noisy count of this cell: the selection's draw when there was one (the same
            /// release, so no second draw), otherwise a fresh one.
            func noisyCount(_ noise: AdditiveNoise, using generator: inout SecureRandomGenerator) -> Double {
                noise.value(ofSteps: selectedCountSteps ?? noise.releaseSteps(cell.count, using: &generator))
            }
            switch query.statistic {
            case .count, .histogram:
                let noise = components[0]
                let value = noisyCount(noise, using: &generator)
                rows.append(
                    .init(
                        key: key, value: value, quantiles: nil,
                        ci95: [value - noise.ci95HalfWidth, value + noise.ci95HalfWidth]))
            case .sum:
                let noise = components[components.count - 1]
                let value = noise.value(ofSteps: noise.releaseSteps(cell.sum, using: &generator))
                rows.append(
                    .init(
                        key: key, value: value, quantiles: nil,
                        ci95: [value - noise.ci95HalfWidth, value + noise.ci95HalfWidth]))
            case .mean:
                let countNoise = components[0], sumNoise = components[1]
                let count = max(1, noisyCount(countNoise, using: &generator))
                let sum = sumNoise.value(ofSteps: sumNoise.releaseSteps(cell.sum, using: &generator))
                let mean = min(max(sum / count, lower), upper)
                // Delta method: Var(S/N) ≈ (Var S + mean² Var N) / N², with the 95% half-widths.
                let half =
                    (sumNoise.ci95HalfWidth * sumNoise.ci95HalfWidth + mean * mean * countNoise.ci95HalfWidth
                    * countNoise.ci95HalfWidth).squareRoot() / count
                rows.append(
                    .init(
                        key: key, value: mean, quantiles: nil, ci95: [max(lower, mean - half), min(upper, mean + half)])
                )
            case .variance, .standardDeviation:
                let countNoise = components[0], sumNoise = components[1], squareNoise = components[2]
                let count = max(1, noisyCount(countNoise, using: &generator))
                let centred = cell.sum.subtractingSaturated(cell.count.multipliedSaturated(by: partial.centerUnits))
                let sum = sumNoise.value(ofSteps: sumNoise.releaseSteps(centred, using: &generator))
                let squares = squareNoise.value(
                    ofSteps: squareNoise.releaseSteps(cell.squaredDeviations, using: &generator))
                let center = partial.grid.value(partial.centerUnits)
                let radiusSquared = max((lower - center) * (lower - center), (upper - center) * (upper - center))
                let meanDeviation = sum / count
                let rawVariance = squares / count - meanDeviation * meanDeviation
                let variance = min(max(0, rawVariance), radiusSquared)
                // Delta method on v = S₂/N − (S₁/N)² with independent noises on S₂, S₁ and N:
                // ∂v/∂S₂ = 1/N, ∂v/∂S₁ = −2m/N, ∂v/∂N = (2m² − S₂/N)/N, m = S₁/N.
                let h2 = squareNoise.ci95HalfWidth / count
                let h1 = 2 * meanDeviation.magnitude * sumNoise.ci95HalfWidth / count
                let hN =
                    (2 * meanDeviation * meanDeviation - squares / count).magnitude * countNoise.ci95HalfWidth / count
                let half = (h2 * h2 + h1 * h1 + hN * hN).squareRoot()
                let low = min(max(0, rawVariance - half), radiusSquared),
                    high = min(max(0, rawVariance + half), radiusSquared)
                if query.statistic == .variance {
                    rows.append(.init(key: key, value: variance, quantiles: nil, ci95: [low, high]))
                } else {
                    // The square root is monotone: the interval maps through it.
                    rows.append(
                        .init(
                            key: key, value: variance.squareRoot(), quantiles: nil,
                            ci95: [low.squareRoot(), high.squareRoot()]))
                }
            case .quantiles:
                let values = QuantileRelease.quantiles(
                    bins: cell.quantileBins, count: cell.count, levels: query.quantileLevels,
                    lower: lower, upper: upper, epsilon: quantileEpsilon!,
                    sensitivity: Int64(query.contribution.maxContributionsPerPartition), using: &generator)
                rows.append(.init(key: key, value: values[0], quantiles: values, ci95: nil))
            }
        }
        let (epsilon, delta, rho) = stated.guaranteeValues
        let mainNoise: AdditiveNoise? =
            components.isEmpty
            ? nil
            : (query.statistic == .count || query.statistic == .histogram
                ? components[0] : components[1 < components.count ? 1 : 0])
        return DPRelease(
            statistic: query.statistic, column: query.column, groupBy: query.groupBy,
            mechanism: query.statistic == .quantiles ? "exponential" : mechanism.rawValue,
            epsilon: epsilon, delta: delta, rho: rho, noiseScale: mainNoise?.scale, rows: rows,
            stated: stated, mechanismEvent: mechanismEvent, selectionThreshold: threshold)
    }
}

/// DP quantiles by the exponential mechanism (permute-and-flip) over a histogram of bins.
enum QuantileRelease {
    /// Score unit: utilities are integers in units of 2^-20 rows (levels are rounded to
    /// multiples of 2^-20).
    static let scoreShift: Int64 = 20

    /// One value per level, each chosen with ε by permute-and-flip among the bins, with utility
    /// −distance(level·n, [rows before bin, rows up to bin]) (sensitivity `sensitivity` rows);
    /// released as bin midpoints, sorted so that quantiles never cross.
    static func quantiles(
        bins: [Int64], count: Int64, levels: [Double], lower: Double, upper: Double,
        epsilon: Double, sensitivity: Int64, using generator: inout SecureRandomGenerator
    ) -> [Double] {
        let width = (upper - lower) / Double(bins.count)
        var cumulative = [Int64](repeating: 0, count: bins.count + 1)
        // Saturating arithmetic: no data can make these scores trap (counts beyond 2^43 rows
        // saturate, which keeps every score 1-Lipschitz in each row).
        for index in bins.indices { cumulative[index + 1] = cumulative[index].addingSaturated(bins[index]) }
        var results: [Double] = []
        var scores = [Int64](repeating: 0, count: bins.count)
        for level in levels {
            let levelUnits = Int64((level * Double(1 << scoreShift)).rounded())
            let target = levelUnits.multipliedSaturated(by: count)
            for index in bins.indices {
                let before = cumulative[index].multipliedSaturated(by: 1 << scoreShift)
                let through = cumulative[index + 1].multipliedSaturated(by: 1 << scoreShift)
                let distance = max(0, before.subtractingSaturated(target), target.subtractingSaturated(through))
                scores[index] = -distance
            }
            // Parameters were validated when the plan was built; ε per quantile is ≥ 2^-30 there.
            let chosen =
                (try? ExponentialMechanism.permuteAndFlip(
                    scores: scores, epsilon: epsilon,
                    sensitivity: sensitivity << scoreShift, using: &generator)) ?? 0
            results.append(lower + (Double(chosen) + 0.5) * width)
        }
        return results.sorted()
    }
}
