import DifferentialPrivacy
@testable import Scenarios
import Testing

/// The test releaser: a partial's exact values, no noise and no charge, so scenarios can be
/// compared with direct computations. It lives in the test target; the library has only the
/// ledger's releaser and cannot be given another from outside the package.
struct ExactReleaser: ScenarioReleaser {
    var isExact: Bool { true }

    /// Counts, sums and means of each cell; quantiles read off the partial's bins (the smallest
    /// bin upper edge whose cumulative count reaches the level).
    func release(
        _ partial: QueryPartial, parameters: NoiseParameters, mechanism: NoiseMechanism, operator: String,
        scenario: String, dataset: String, rowsScanned: Int?
    ) throws -> Released {
        let query = partial.query
        var rows: [Released.Row] = []
        for (key, cell) in zip(partial.keys, partial.cells) {
            switch query.statistic {
            case .count, .histogram:
                let v = Double(cell.count)
                rows.append(Released.Row(key: key, value: v, ci95: [v, v], quantiles: nil))
            case .sum:
                let v = partial.grid.value(cell.sum)
                rows.append(Released.Row(key: key, value: v, ci95: [v, v], quantiles: nil))
            case .mean:
                let v = cell.count == 0 ? 0 : partial.grid.value(cell.sum) / Double(cell.count)
                rows.append(Released.Row(key: key, value: v, ci95: [v, v], quantiles: nil))
            case .quantiles:
                let lower = query.lower ?? 0, upper = query.upper ?? 0
                let bins = cell.quantileBins
                let total = bins.reduce(0, +)
                let width = (upper - lower) / Double(max(bins.count, 1))
                let levels = query.quantileLevels.map { level -> Double in
                    var cumulative: Int64 = 0
                    for (index, count) in bins.enumerated() {
                        cumulative += count
                        if Double(cumulative) >= level * Double(total) && total > 0 {
                            return lower + Double(index + 1) * width
                        }
                    }
                    return upper
                }
                rows.append(Released.Row(key: key, value: levels.first ?? 0, ci95: nil, quantiles: levels))
            case .variance, .standardDeviation:
                Issue.record("the exact releaser has no \(query.statistic) (no scenario releases one)")
                rows.append(Released.Row(key: key, value: .nan, ci95: nil, quantiles: nil))
            }
        }
        return Released(rows: rows, mechanism: "none (exact test releaser)")
    }
}
