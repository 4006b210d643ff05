import Dispatch
import Foundation
import SecureRandom
public import Tabular

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

extension DPQuery {
    /// Computes this query's noise-free partial over `table`, on all cores.
    ///
    /// - Parameters:
    ///   - table: the data.
    ///   - chunkCount: how many chunks to scan (default: about four per core); the result does
    ///     not depend on it.
    /// - Throws: ``DifferentialPrivacyError`` for an invalid query, an empty table, an unknown
    ///   column or a column of the wrong type, and when the random source fails (contribution
    ///   bounding draws a random order).
    /// - Complexity: O(n) for the scan (memory-bound on ungrouped sums); O(n) more with a
    ///   privacy unit (a counting sort by unit and a shuffle per unit).
    public func partial(over table: Table, chunkCount: Int? = nil) throws(DifferentialPrivacyError) -> QueryPartial {
        try validate()
        // An empty table is not refused: a refusal would tell that it is empty. Its partial is
        // all zeros, and the release adds noise to it like to any other.
        let rowCount = table.rowCount

        // 1. Columns.
        let valueColumn = try column.map { name throws(DifferentialPrivacyError) in try Self.lookUp(name, in: table) }
        var values: [Double] = []
        var valuesPresent: ValidityBitmap? = nil
        let needsValues = [.sum, .mean, .variance, .standardDeviation, .quantiles].contains(statistic)
        if needsValues, let valueColumn { (values, valuesPresent) = try numericValues(valueColumn) }

        var grouping: Grouping? = nil
        var keys = [""]
        var groupPresent: ValidityBitmap? = nil
        if let groupBy {
            let groupColumn = try Self.lookUp(groupBy, in: table)
            let (codes, dictionary, present) = try groupCodes(groupColumn)
            groupPresent = present
            var partitionOfCode: [UInt32]
            switch self.keys {
            case let .declared(list):
                var index: [String: UInt32] = [:]
                for (position, key) in list.enumerated() { index[key] = UInt32(position) }
                partitionOfCode = dictionary.map { index[$0] ?? UInt32(list.count) }
                keys = list
            case .selected:
                partitionOfCode = dictionary.indices.map { UInt32($0) }
                keys = dictionary
            case .none:
                preconditionFailure("validated: a grouped query has keys")
            }
            grouping = Grouping(codes: codes, partitionOfCode: partitionOfCode, partitionCount: keys.count)
        }

        // 2. Rows that take part: present values, present keys, contribution bounding.
        var mask: [UInt64]? = nil
        func intersect(_ bitmap: ValidityBitmap?) {
            guard let bitmap else { return }
            if mask == nil {
                mask = bitmap.words
            } else {
                for index in mask!.indices { mask![index] &= bitmap.words[index] }
            }
        }
        if let valueColumn { intersect(valuesPresent ?? valueColumn.validity) }
        if let groupBy, let groupColumn = table[groupBy] { intersect(groupPresent ?? groupColumn.validity) }
        if let unit = contribution.privacyUnit {
            let unitColumn = try Self.lookUp(unit, in: table)
            intersect(unitColumn.validity)
            mask = try contributionMask(unitColumn: unitColumn, grouping: grouping, rowMask: mask, rowCount: rowCount)
        }

        // 3. Chunked scan, merged in chunk order (integer sums: the order does not matter).
        let partitionCount = keys.count
        let prototype = QueryPartial(query: self, keys: keys, cells: [])
        // At most BoundedKernels.exactBlockRows rows per chunk: within a chunk, integer sums are
        // exact (no wrap); chunks merge with saturation.
        let blockLimited = (rowCount + BoundedKernels.exactBlockRows - 1) / BoundedKernels.exactBlockRows
        let chunks = max(1, blockLimited, min(chunkCount ?? (ProcessorInfo.activeCores * 4), (rowCount + 63) / 64))
        let chunkRows = ((rowCount + chunks - 1) / chunks + 63) & ~63
        let bins = statistic == .quantiles ? QueryPartial.quantileBinCount : 0
        let lower = self.lower ?? 0, upper = self.upper ?? 0
        let plan = ScanPlan(
            statistic: statistic, lower: lower, upper: upper, grid: prototype.grid,
            squareGrid: prototype.squareGrid, center: prototype.grid.value(prototype.centerUnits),
            bins: bins, partitions: partitionCount)
        let results: [[CellPartial]] = values.withUnsafeBufferPointer { values in
            ParallelChunks.map(chunks) { chunk in
                let start = chunk * chunkRows
                let end = min(rowCount, start + chunkRows)
                guard start < end else { return [] }
                return mask.withOptionalBuffer { maskWords in
                    plan.scan(rows: start..<end, values: values, mask: maskWords, grouping: grouping)
                }
            }
        }
        var cells = [CellPartial](repeating: CellPartial(bins: bins), count: partitionCount)
        for chunkCells in results where !chunkCells.isEmpty {
            for index in cells.indices { try cells[index].merge(chunkCells[index]) }
        }
        var partial = prototype
        if case .selected = self.keys {
            // Keys never seen after bounding carry nothing; drop them and sort the rest.
            let seen = cells.indices.filter { cells[$0].count > 0 }.sorted { keys[$0] < keys[$1] }
            partial.keys = seen.map { keys[$0] }
            partial.cells = seen.map { cells[$0] }
        } else {
            partial.cells = cells
        }
        return partial
    }

    static func lookUp(_ name: String, in table: Table) throws(DifferentialPrivacyError) -> Column {
        guard let column = table[name] else { throw .unknownColumn(name: name, available: table.columnNames) }
        return column
    }

    /// A numeric column's values as doubles (int64 converted; exact below 2^53), with the rows
    /// that the query's ``NonFiniteValuePolicy`` turns into missing values.
    ///
    /// A `Table` never holds NaN or ±∞ in a float64 column: the CSV reader keeps a column with
    /// such tokens (or with numbers beyond the double range, such as `1e400`) as categorical
    /// text. Such a column is handled by the policy alone, never by an error that depends on
    /// its values: ``NonFiniteValuePolicy/refuse`` refuses it by its type (the schema),
    /// ``NonFiniteValuePolicy/clamp`` and ``NonFiniteValuePolicy/drop`` read every entry and
    /// treat what is not a number as missing. No error here names a value or a row.
    func numericValues(
        _ column: Column
    ) throws(DifferentialPrivacyError) -> (values: [Double], present: ValidityBitmap?) {
        if let values = column.numericValues { return (values, nil) }
        switch column.values {
        case let .categorical(codes, dictionary):
            guard nonFiniteValues != .refuse else {
                throw .columnTypeMismatch(
                    column: column.name, expected: "a numeric column (float64, int64 or bool)",
                    found:
                        "categorical (text); if it holds numbers with NaN, ±inf or out-of-range values, choose a non-finite policy (clamp or drop)"
                )
            }
            // One decision per dictionary entry: its value, or missing.
            let lower = self.lower ?? 0, upper = self.upper ?? 0
            var entryValue = [Double](repeating: 0, count: dictionary.count)
            var entryKept = [Bool](repeating: false, count: dictionary.count)
            for (index, text) in dictionary.enumerated() {
                guard let number = Double(text.trimmingCharacters(in: .whitespaces)), !number.isNaN else { continue }
                if number.isFinite {
                    entryValue[index] = number
                    entryKept[index] = true
                } else if nonFiniteValues == .clamp {
                    entryValue[index] = number > 0 ? upper : lower
                    entryKept[index] = true
                }
            }
            var present = column.validity ?? ValidityBitmap(count: codes.count, allValid: true)
            var values = [Double](repeating: 0, count: codes.count)
            for (row, code) in codes.enumerated() {
                let entry = Int(code)
                if entry < entryKept.count, entryKept[entry] {
                    values[row] = entryValue[entry]
                } else {
                    present.set(row, valid: false)
                }
            }
            return (values, present)
        default:
            throw .columnTypeMismatch(
                column: column.name, expected: "a numeric column (float64, int64 or bool)", found: "\(column.type)")
        }
    }

    /// Codes and dictionary of a grouping column: categorical as stored, integers and booleans
    /// by value, a numeric histogram's column by bin.
    ///
    /// - Returns: the codes, the dictionary, and for a numeric histogram's column the rows its
    ///   non-finite policy keeps (others: `nil`, the column's own validity applies).
    func groupCodes(
        _ column: Column
    ) throws(DifferentialPrivacyError) -> (codes: [UInt32], dictionary: [String], present: ValidityBitmap?) {
        if let bins = histogramBins, let lower, let upper {
            let (values, present) = try numericValues(column)
            let labels = Self.binLabels(bins: bins, lower: lower, upper: upper)
            let scale = Double(bins) / (upper - lower)
            let codes = values.map { value -> UInt32 in
                let position = ((min(max(value, lower), upper) - lower) * scale).rounded(.down)
                return UInt32(min(Double(bins - 1), max(0, position)))
            }
            return (codes, labels, present)
        }
        switch column.values {
        case let .categorical(codes, dictionary):
            return (codes, dictionary, nil)
        case let .bool(v):
            return (v.map { $0 ? 1 : 0 }, ["false", "true"], nil)
        case let .int64(v):
            var index: [Int64: UInt32] = [:]
            var dictionary: [String] = []
            let codes = v.map { value -> UInt32 in
                if let code = index[value] { return code }
                let code = UInt32(dictionary.count)
                index[value] = code
                dictionary.append(String(value))
                return code
            }
            return (codes, dictionary, nil)
        default:
            throw .columnTypeMismatch(
                column: column.name, expected: "a categorical, int64 or bool grouping column", found: "\(column.type)")
        }
    }

    /// The rows kept by contribution bounding: each unit's rows in a uniformly random order
    /// (counting sort by unit, then a Fisher–Yates shuffle per unit with the CSPRNG), keeping a
    /// row if its partition is among the unit's first `maxPartitionsPerUnit` partitions and the
    /// unit has fewer than `maxContributionsPerPartition` kept rows there.
    func contributionMask(
        unitColumn: Column, grouping: Grouping?, rowMask: [UInt64]?, rowCount: Int
    ) throws(DifferentialPrivacyError) -> [UInt64] {
        let units: [UInt32]
        var unitCount = 0
        switch unitColumn.values {
        case let .categorical(codes, dictionary):
            units = codes
            unitCount = dictionary.count
        case let .int64(v):
            var index: [Int64: UInt32] = [:]
            units = v.map { value in
                if let code = index[value] { return code }
                let code = UInt32(index.count)
                index[value] = code
                return code
            }
            unitCount = index.count
        default:
            throw .columnTypeMismatch(
                column: unitColumn.name, expected: "a categorical or int64 privacy-unit column",
                found: "\(unitColumn.type)")
        }
        var generator: SecureRandomGenerator
        do { generator = try SecureRandomGenerator() } catch { throw .randomSourceFailure(reason: "\(error)") }
        func present(_ row: Int) -> Bool {
            guard let rowMask else { return true }
            return rowMask[row >> 6] & (1 << UInt64(row & 63)) != 0
        }
        // Counting sort of the present rows by unit.
        var offsets = [Int](repeating: 0, count: unitCount + 1)
        for row in 0..<rowCount where present(row) && (grouping?.isKept(row) ?? true) {
            offsets[Int(units[row]) + 1] += 1
        }
        for unit in 0..<unitCount { offsets[unit + 1] += offsets[unit] }
        // Row indices as Int: any table size (Int32 would trap beyond 2^31 rows).
        var order = [Int](repeating: 0, count: offsets[unitCount])
        var fill = offsets
        for row in 0..<rowCount where present(row) && (grouping?.isKept(row) ?? true) {
            let unit = Int(units[row])
            order[fill[unit]] = row
            fill[unit] += 1
        }
        var keep = [UInt64](repeating: 0, count: (rowCount + 63) / 64)
        let maxPartitions = contribution.maxPartitionsPerUnit
        let maxPerPartition = Int64(contribution.maxContributionsPerPartition)
        var chosen: [(partition: Int, rows: Int64)] = []
        for unit in 0..<unitCount {
            let start = offsets[unit], end = offsets[unit + 1]
            guard start < end else { continue }
            // Fisher–Yates over this unit's rows.
            for position in start..<(end - 1) {
                let pick = position + Int(generator.nextUniform(below: UInt64(end - position)))
                order.swapAt(position, pick)
            }
            chosen.removeAll(keepingCapacity: true)
            for position in start..<end {
                let row = order[position]
                let partition = grouping?.partition(of: row) ?? 0
                if let slot = chosen.firstIndex(where: { $0.partition == partition }) {
                    guard chosen[slot].rows < maxPerPartition else { continue }
                    chosen[slot].rows += 1
                } else {
                    guard chosen.count < maxPartitions else { continue }
                    chosen.append((partition, 1))
                }
                keep[row >> 6] |= 1 << UInt64(row & 63)
            }
        }
        return keep
    }
}

extension Optional where Wrapped == [UInt64] {
    func withOptionalBuffer<R>(_ body: (UnsafeBufferPointer<UInt64>?) -> R) -> R {
        switch self {
        case .none: return body(nil)
        case let .some(array): return array.withUnsafeBufferPointer { body($0) }
        }
    }
}

/// Row → partition: the grouping column's codes and a code → partition map in which dropped
/// codes (keys not declared) map to the sentinel `partitionCount`.
struct Grouping: Sendable {
    let codes: [UInt32]
    let partitionOfCode: [UInt32]
    let partitionCount: Int

    func partition(of row: Int) -> Int { Int(partitionOfCode[Int(codes[row])]) }
    func isKept(_ row: Int) -> Bool { partition(of: row) < partitionCount }
}

/// The per-chunk scan: fast paths for ungrouped sums and grouped counts, a per-row loop
/// otherwise. Everything it adds is an integer.
struct ScanPlan: Sendable {
    let statistic: DPStatistic
    let lower: Double
    let upper: Double
    let grid: FixedPointGrid
    let squareGrid: FixedPointGrid
    let center: Double
    let bins: Int
    let partitions: Int

    func scan(
        rows: Range<Int>, values: UnsafeBufferPointer<Double>, mask: UnsafeBufferPointer<UInt64>?,
        grouping: Grouping?
    ) -> [CellPartial] {
        var cells = [CellPartial](repeating: CellPartial(bins: bins), count: partitions)
        // Mask words of this chunk (chunks start on a multiple of 64 rows).
        let maskSlice = mask.map {
            UnsafeBufferPointer(rebasing: $0[(rows.lowerBound >> 6)..<((rows.upperBound + 63) >> 6)])
        }
        @inline(__always) func present(_ row: Int) -> Bool {
            guard let mask else { return true }
            return mask[row >> 6] & (1 << UInt64(row & 63)) != 0
        }
        let needsValues =
            statistic == .sum || statistic == .mean || statistic == .variance
            || statistic == .standardDeviation || statistic == .quantiles
        if grouping == nil {
            // Ungrouped.
            if needsValues && statistic != .quantiles {
                let slice = UnsafeBufferPointer(rebasing: values[rows])
                let (units, count) = BoundedKernels.clampedSum(
                    slice, lower: lower, upper: upper, grid: grid, validity: maskSlice)
                cells[0].sum = units
                cells[0].count = count
                if statistic == .variance || statistic == .standardDeviation {
                    cells[0].squaredDeviations = BoundedKernels.clampedSquaredDeviationSum(
                        slice, lower: lower, upper: upper, center: center, grid: squareGrid, validity: maskSlice)
                }
                return cells
            }
            if !needsValues {
                if let maskSlice {
                    var count = 0
                    for (offset, word) in maskSlice.enumerated() {
                        let first = rows.lowerBound + offset * 64
                        let valid = min(64, rows.upperBound - first)
                        let bits = valid == 64 ? word : word & ((1 << UInt64(valid)) - 1)
                        count &+= bits.nonzeroBitCount
                    }
                    cells[0].count = Int64(count)
                } else {
                    cells[0].count = Int64(rows.count)
                }
                return cells
            }
        }
        if !needsValues, let grouping {
            // Grouped counts (histograms): one increment per row, into four interleaved count
            // arrays (no store-to-load dependency between neighbouring rows); dropped keys land
            // in the sentinel slot `partitions`.
            let stride = partitions + 1
            var counts = [Int64](repeating: 0, count: 4 * stride)
            grouping.codes.withUnsafeBufferPointer { codes in
                grouping.partitionOfCode.withUnsafeBufferPointer { map in
                    counts.withUnsafeMutableBufferPointer { counts in
                        let c = counts.baseAddress!
                        if mask == nil {
                            var row = rows.lowerBound
                            while row &+ 4 <= rows.upperBound {
                                c[Int(map[Int(codes[row])])] &+= 1
                                c[stride &+ Int(map[Int(codes[row &+ 1])])] &+= 1
                                c[2 &* stride &+ Int(map[Int(codes[row &+ 2])])] &+= 1
                                c[3 &* stride &+ Int(map[Int(codes[row &+ 3])])] &+= 1
                                row &+= 4
                            }
                            while row < rows.upperBound {
                                c[Int(map[Int(codes[row])])] &+= 1
                                row &+= 1
                            }
                        } else {
                            for row in rows where present(row) { c[Int(map[Int(codes[row])])] &+= 1 }
                        }
                    }
                }
            }
            for index in cells.indices {
                cells[index].count =
                    counts[index] + counts[stride + index] + counts[2 * stride + index] + counts[3 * stride + index]
            }
            return cells
        }
        if grouping == nil && statistic == .quantiles {
            // Ungrouped quantile histogram: one bin increment per present row.
            let scale = Double(bins) / (upper - lower)
            let last = Double(bins - 1)
            var count: Int64 = 0
            cells[0].quantileBins.withUnsafeMutableBufferPointer { counts in
                @inline(__always) func add(_ value: Double) {
                    let position = (min(max(value, lower), upper) - lower) * scale
                    counts[Int(min(last, position))] &+= 1
                }
                if mask == nil {
                    for row in rows { add(values[row]) }
                    count = Int64(rows.count)
                } else {
                    for row in rows where present(row) {
                        add(values[row])
                        count &+= 1
                    }
                }
            }
            cells[0].count = count
            return cells
        }
        // General per-row path.
        let scale = Double(bins) / (upper - lower)
        let squareScale = Double(sign: .plus, exponent: -squareGrid.exponent, significand: 1)
        for row in rows where present(row) {
            let p = grouping?.partition(of: row) ?? 0
            if p >= partitions { continue }
            let x = min(max(values[row], lower), upper)
            cells[p].count &+= 1
            switch statistic {
            case .quantiles:
                let position = Int(min(Double(bins - 1), max(0, ((x - lower) * scale).rounded(.down))))
                cells[p].quantileBins[position] &+= 1
            default:
                cells[p].sum &+= grid.units(x)
                if statistic == .variance || statistic == .standardDeviation {
                    let d = x - center
                    cells[p].squaredDeviations &+= Int64((d * d * squareScale).rounded(.toNearestOrEven))
                }
            }
        }
        return cells
    }
}
