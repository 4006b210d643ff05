public import Tabular

// The scan that computes a query partial over a table: column look-up, numeric values, group
// codes, and the per-chunk scan plan.

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
