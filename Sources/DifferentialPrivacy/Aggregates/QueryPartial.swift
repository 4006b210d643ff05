/// The noise-free aggregate of one partition: the integer sums every statistic is built from.
///
/// All fields are integers on the query's grids, so merging is exact and associative.
public struct CellPartial: Sendable, Hashable, Codable {
    /// Rows (or non-missing values) that contributed, after contribution bounding.
    public var count: Int64 = 0
    /// Σ round(clamp(x) / step) on ``QueryPartial/grid`` (sum, mean, variance).
    public var sum: Int64 = 0
    /// Σ round((clamp(x) − center)² / step²) on ``QueryPartial/squareGrid`` (variance).
    public var squaredDeviations: Int64 = 0
    /// Counts of clamped values in ``QueryPartial/quantileBinCount`` equal-width bins over
    /// the bounds (quantiles); empty otherwise.
    public var quantileBins: [Int64] = []

    /// Creates an empty cell (with `bins` quantile bins).
    public init(bins: Int = 0) {
        quantileBins = bins == 0 ? [] : [Int64](repeating: 0, count: bins)
    }

    /// Adds `other` into this cell.
    ///
    /// Every field adds with saturation at ±(2^63 − 1) (``Swift/Int64/addingSaturated(_:)``):
    /// a merge never fails on the data's values, so no error can reveal how large a sum is,
    /// and saturation keeps each field 1-Lipschitz in every row (the sensitivity holds).
    ///
    /// - Throws: ``DifferentialPrivacyError/incompatiblePartials(reason:)`` when the cells
    ///   have different numbers of quantile bins (a property of the query, not of the data).
    public mutating func merge(_ other: CellPartial) throws(DifferentialPrivacyError) {
        if !quantileBins.isEmpty && !other.quantileBins.isEmpty && quantileBins.count != other.quantileBins.count {
            throw .incompatiblePartials(
                reason: "quantile bins differ (\(quantileBins.count) vs \(other.quantileBins.count))")
        }
        count = count.addingSaturated(other.count)
        sum = sum.addingSaturated(other.sum)
        squaredDeviations = squaredDeviations.addingSaturated(other.squaredDeviations)
        if quantileBins.isEmpty {
            quantileBins = other.quantileBins
            return
        }
        if other.quantileBins.isEmpty { return }
        for index in quantileBins.indices {
            quantileBins[index] = quantileBins[index].addingSaturated(other.quantileBins[index])
        }
    }
}

/// A mergeable, noise-free partial of a ``DPQuery``: per partition key, the integer sums the
/// statistic needs. Computed per chunk, per core, per party or per machine and merged
/// associatively; 1 chunk or N chunks give identical partials. It is **not** a release: only
/// ``BudgetStore/release(_:mechanism:parameters:)`` turns it into output.
///
/// `Codable`, so partials can travel between parties (and be summed by secure aggregation).
public struct QueryPartial: Sendable, Hashable, Codable {
    /// Quantile histograms have this many equal-width bins over the bounds (resolution
    /// (U − L)/16,384 ≈ 6·10⁻⁵ of the range).
    public static let quantileBinCount = 16_384

    /// The query this partial answers.
    public let query: DPQuery
    /// The fixed-point grid of ``CellPartial/sum``.
    public let grid: FixedPointGrid
    /// The fixed-point grid of ``CellPartial/squaredDeviations``.
    public let squareGrid: FixedPointGrid
    /// The variance's centre (the bounds' midpoint on ``grid``), in grid units.
    public let centerUnits: Int64
    /// Partition keys: `[""]` for an ungrouped query, the declared keys in order, or the keys
    /// seen in the data (sorted) for partition selection.
    public internal(set) var keys: [String]
    /// One cell per key.
    public internal(set) var cells: [CellPartial]

    init(query: DPQuery, keys: [String], cells: [CellPartial]) {
        self.query = query
        let lower = query.lower ?? 0, upper = query.upper ?? 0
        let grid = FixedPointGrid(bounds: lower, upper)
        self.grid = grid
        let centerUnits = grid.units((lower + upper) / 2)
        self.centerUnits = centerUnits
        let center = grid.value(centerUnits)
        let radius = max((lower - center).magnitude, (upper - center).magnitude)
        self.squareGrid = FixedPointGrid(bounds: 0, radius * radius)
        self.keys = keys
        self.cells = cells
    }

    /// Merges two partials of the same query.
    ///
    /// - Throws: ``DifferentialPrivacyError/incompatiblePartials(reason:)`` when the queries
    ///   differ or a sum overflows.
    /// - Complexity: O(keys + bins).
    public func merging(_ other: QueryPartial) throws(DifferentialPrivacyError) -> QueryPartial {
        guard query == other.query else {
            throw .incompatiblePartials(reason: "the partials answer different queries")
        }
        var result = self
        if keys == other.keys {
            for index in cells.indices { try result.cells[index].merge(other.cells[index]) }
            return result
        }
        // Selected keys: union by key, kept sorted.
        var position: [String: Int] = [:]
        for (index, key) in keys.enumerated() { position[key] = index }
        for (index, key) in other.keys.enumerated() {
            if let mine = position[key] {
                try result.cells[mine].merge(other.cells[index])
            } else {
                guard case .selected = query.keys else {
                    throw .incompatiblePartials(reason: "key '\(key)' is not among the declared keys")
                }
                position[key] = result.keys.count
                result.keys.append(key)
                result.cells.append(other.cells[index])
            }
        }
        let order = result.keys.indices.sorted { result.keys[$0] < result.keys[$1] }
        result.keys = order.map { result.keys[$0] }
        result.cells = order.map { result.cells[$0] }
        return result
    }
}

extension Sequence where Element == QueryPartial {
    /// All partials merged into one.
    ///
    /// - Throws: ``DifferentialPrivacyError/emptyInput(what:)`` for no partials,
    ///   ``DifferentialPrivacyError/incompatiblePartials(reason:)`` as ``QueryPartial/merging(_:)``.
    public func merged() throws(DifferentialPrivacyError) -> QueryPartial {
        var iterator = makeIterator()
        guard var result = iterator.next() else { throw .emptyInput(what: "no partials to merge") }
        while let next = iterator.next() { result = try result.merging(next) }
        return result
    }
}
