/// ``TableSummary`` of a CSV file of any size, read as a stream.
extension TableSummary {
    /// What ``summarising(file:options:blockBytes:maximumDistinctBytes:progress:)`` returns.
    public struct FileSummary: Sendable {
        /// The file's schema (types as ``CSVReader/load(file:schema:options:columns:)`` infers
        /// them; a column is nullable when it has a missing value).
        public var schema: Schema
        /// The statistics, equal to those of ``Table/summary()`` over the whole file loaded
        /// (except `distinct` and `top` of a column with too many distinct values for the bound).
        public var summary: TableSummary
        /// Passes over the file: one, one more when a column was widened, and one (rarely three)
        /// more for the standard deviations of numeric columns.
        public var passes: Int
    }

    /// Summarises a CSV file of any size in bounded memory: the same statistics, bit for bit,
    /// as ``Table/summary()`` over the file loaded whole.
    ///
    /// The file is streamed in blocks (``CSVReader/stream(file:schema:options:columns:blockBytes:restart:progress:onRead:_:)``)
    /// and every statistic is accumulated across blocks in file order, so each floating-point
    /// sum adds the same values in the same order as the whole-file summary. The standard
    /// deviation needs the mean first: a second pass sums the squared deviations (two more
    /// passes, scaled, in the rare case where the plain sums overflow).
    ///
    /// Memory: one block, plus the distinct values of the categorical columns with their counts
    /// (needed for `distinct` and `top`).
    ///
    /// - Parameters:
    ///   - blockBytes: the read buffer.
    ///   - maximumDistinctBytes: the distinct values may take at most this many bytes (estimated:
    ///     64 per value, plus its UTF-8 bytes + 32 when longer than 15). Beyond it, the column
    ///     with the most distinct values stops counting them: its `distinct` and `top` are
    ///     `nil` and its `notes` say why (the other statistics are unaffected).
    ///   - progress: as for ``CSVReader/stream(file:schema:options:columns:blockBytes:restart:progress:onRead:_:)``.
    /// - Throws: ``TabularError`` as the reader's.
    /// - Complexity: O(bytes × passes); memory O(blockBytes + distinct values).
    public static func summarising(
        file: String, options: CSVOptions = CSVOptions(), blockBytes: Int = 32 << 20,
        maximumDistinctBytes: Int = .max, progress: ((CSVProgress) -> Void)? = nil
    ) throws -> FileSummary {
        var passes = 0
        var accumulators: [ColumnAccumulator] = []
        var distinctBytes = 0
        let rows = try CSVReader.stream(
            file: file, options: options, blockBytes: blockBytes,
            restart: {
                accumulators = []
                distinctBytes = 0
            },
            progress: { report in
                passes = max(passes, report.pass)
                progress?(report)
            }
        ) { block in
            if accumulators.isEmpty { accumulators = block.columns.map { ColumnAccumulator(name: $0.name, type: $0.type) } }
            for (j, column) in block.columns.enumerated() {
                distinctBytes += accumulators[j].add(column)
            }
            // Beyond the bound, the column with the most distinct values stops counting them
            // (its `distinct` and `top` become nil, with a note), until the rest fits.
            while distinctBytes > maximumDistinctBytes,
                let j = accumulators.indices.filter({ !accumulators[$0].distinctDropped })
                    .max(by: { accumulators[$0].distinctBytes < accumulators[$1].distinctBytes }),
                accumulators[j].distinctBytes > 0
            {
                distinctBytes -= accumulators[j].distinctBytes
                accumulators[j].dropDistinct(limit: maximumDistinctBytes)
            }
        }
        let schema = Schema(accumulators.map { Field($0.summary.name, $0.summary.type, nullable: $0.summary.missing > 0) })
        // The numeric columns' deviations: one more pass with the types now declared.
        var numeric = accumulators.indices.filter { accumulators[$0].needsDeviationPass }
        for scaled in [false, true] where !numeric.isEmpty {
            if scaled {
                // The plain sums overflowed: the scaled mean first, then the scaled squares.
                try CSVReader.stream(file: file, schema: schema, options: options, blockBytes: blockBytes) { block in
                    for j in numeric { accumulators[j].addScaledValues(block.columns[j]) }
                }
                passes += 1
                for j in numeric { accumulators[j].finishScaledMean() }
            }
            try CSVReader.stream(file: file, schema: schema, options: options, blockBytes: blockBytes) { block in
                for j in numeric { accumulators[j].addSquares(block.columns[j], scaled: scaled) }
            }
            passes += 1
            for j in numeric { accumulators[j].finishDeviation(scaled: scaled) }
            numeric = numeric.filter { accumulators[$0].needsScaledPasses && !scaled }
        }
        return FileSummary(
            schema: schema, summary: TableSummary(rows: rows, columns: accumulators.map { $0.finished() }),
            passes: passes)
    }
}

/// One column's statistics accumulated over blocks in file order: the one implementation of
/// the summary, for a whole table (`Table.summarise`, one block) and a streamed file.
///
/// Numeric columns take two passes — min/max/sum, then squared deviations from the mean — and,
/// when the plain sums leave the double range (values near ±1.8e308), two more on values scaled
/// by the power of two of the largest magnitude (exact), with every term at most 4; a standard
/// deviation that is itself beyond the double range is `nil` with a note. Categorical columns
/// are tallied by code per block, then by text.
struct ColumnAccumulator {
    var summary: ColumnSummary
    // Numeric: first pass.
    var n = 0
    var sum = 0.0
    var lo = Double.infinity
    var hi = -Double.infinity
    var intLo = Int64.max
    var intHi = Int64.min
    // Numeric: deviation passes.
    var mean = 0.0
    var squares = 0.0
    var exponent = 0
    var scaledSum = 0.0
    var scaledMean = 0.0
    var needsScaledPasses = false
    // Bool, categorical, dates.
    var trueCount = 0
    var counts: [String: Int] = [:]
    /// Estimated bytes held by `counts`.
    var distinctBytes = 0
    /// Whether `counts` was dropped to stay within the memory bound.
    var distinctDropped = false
    var dateLo = Int32.max
    var dateHi = Int32.min
    var timeLo = Int64.max
    var timeHi = Int64.min
    var anyDate = false

    init(name: String, type: ColumnType) {
        summary = ColumnSummary(name: name, type: type, rows: 0, missing: 0)
    }

    /// Whether a second pass must sum squared deviations (a numeric column with values).
    var needsDeviationPass: Bool { n > 0 }

    /// Adds one block's column; returns the bytes of distinct values it added (categorical).
    mutating func add(_ column: Column) -> Int {
        summary.rows += column.count
        summary.missing += column.nullCount
        let validity = column.validity
        @inline(__always) func valid(_ i: Int) -> Bool { validity?.isValid(i) ?? true }
        var added = 0
        switch column.values {
        case let .float64(values):
            for i in values.indices where valid(i) { observe(values[i]) }
        case let .int64(values):
            for i in values.indices where valid(i) {
                intLo = Swift.min(intLo, values[i])
                intHi = Swift.max(intHi, values[i])
                observe(Double(values[i]))
            }
        case let .bool(values):
            for i in values.indices where values[i] && valid(i) { trueCount += 1 }
        case let .categorical(codes, dictionary):
            guard !distinctDropped else { break }
            var tally = [Int](repeating: 0, count: dictionary.count)
            for i in codes.indices where valid(i) { tally[Int(codes[i])] &+= 1 }
            for (code, count) in tally.enumerated() where count > 0 {
                let text = dictionary[code]
                if let previous = counts[text] {
                    counts[text] = previous + count
                } else {
                    counts[text] = count
                    // A dictionary slot (string, count, hash-table slack) and the text's heap
                    // storage when it is too long to be stored inline (15 bytes).
                    let length = text.utf8.count
                    added += 64 + (length > 15 ? length + 32 : 0)
                }
            }
        case let .date(values):
            for i in values.indices where valid(i) {
                dateLo = Swift.min(dateLo, values[i])
                dateHi = Swift.max(dateHi, values[i])
                anyDate = true
            }
        case let .timestamp(values):
            for i in values.indices where valid(i) {
                timeLo = Swift.min(timeLo, values[i])
                timeHi = Swift.max(timeHi, values[i])
                anyDate = true
            }
        }
        distinctBytes += added
        return added
    }

    /// Stops counting distinct values (they would not fit `limit` bytes).
    mutating func dropDistinct(limit: Int) {
        counts = [:]
        distinctBytes = 0
        distinctDropped = true
        summary.notes =
            (summary.notes ?? []) + [
                "too many distinct values to count within the memory limit (\(limit >> 20) MiB for all text columns); distinct and top are not reported: raise --memory-limit"
            ]
    }

    @inline(__always) private mutating func observe(_ x: Double) {
        n += 1
        sum += x
        lo = Swift.min(lo, x)
        hi = Swift.max(hi, x)
    }

    @inline(__always) private func forEachValue(_ column: Column, _ body: (Double) -> Void) {
        let validity = column.validity
        switch column.values {
        case let .float64(values):
            for i in values.indices where validity?.isValid(i) ?? true { body(values[i]) }
        case let .int64(values):
            for i in values.indices where validity?.isValid(i) ?? true { body(Double(values[i])) }
        default: break
        }
    }

    mutating func addSquares(_ column: Column, scaled: Bool) {
        if !scaled {
            mean = sum / Double(n)
            guard mean.isFinite else { return }
            let m = mean
            var s = squares
            forEachValue(column) { x in
                let d = x - m
                s += d * d
            }
            squares = s
        } else {
            let e = exponent, m = scaledMean
            var s = squares
            forEachValue(column) { x in
                let d = Double(sign: .plus, exponent: -e, significand: x) - m
                s += d * d
            }
            squares = s
        }
    }

    mutating func addScaledValues(_ column: Column) {
        let e = exponent
        var s = scaledSum
        forEachValue(column) { s += Double(sign: .plus, exponent: -e, significand: $0) }
        scaledSum = s
    }

    mutating func finishScaledMean() {
        scaledMean = scaledSum / Double(n)
        mean = Double(sign: .plus, exponent: exponent, significand: scaledMean)
    }

    mutating func finishDeviation(scaled: Bool) {
        if !scaled {
            mean = sum / Double(n)
            if mean.isFinite && squares.isFinite {
                summary.mean = mean
                summary.std = n > 1 ? (squares / Double(n - 1)).squareRoot() : 0
                return
            }
            needsScaledPasses = true
            exponent = Swift.max(Swift.abs(lo), Swift.abs(hi)).exponent
            squares = 0
            return
        }
        summary.mean = Swift.min(Swift.max(mean, lo), hi)
        let std =
            n > 1 ? Double(sign: .plus, exponent: exponent, significand: (squares / Double(n - 1)).squareRoot()) : 0
        if std.isFinite {
            summary.std = std
        } else {
            summary.std = nil
            summary.notes =
                (summary.notes ?? []) + ["std is beyond the largest finite double (≈1.8e308) and is reported as null"]
        }
    }

    /// The summary, as `Table.summarise` reports it.
    func finished() -> ColumnSummary {
        var s = summary
        switch s.type {
        case .float64:
            if n > 0 {
                s.min = lo
                s.max = hi
                s.minText = CSVFormatting.format(lo)
                s.maxText = CSVFormatting.format(hi)
            }
        case .int64:
            if n > 0 {
                s.min = lo
                s.max = hi
                s.minText = String(intLo)
                s.maxText = String(intHi)
            }
        case .bool:
            s.trueCount = trueCount
        case .categorical:
            guard !distinctDropped else { break }
            let present = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            s.distinct = present.count
            s.top = present.prefix(5).map { ColumnSummary.ValueCount(value: $0.key, count: $0.value) }
        case .date:
            if anyDate {
                s.minText = CalendarCodec.formatDate(days: dateLo)
                s.maxText = CalendarCodec.formatDate(days: dateHi)
            }
        case .timestamp:
            if anyDate {
                s.minText = CalendarCodec.formatTimestamp(seconds: timeLo)
                s.maxText = CalendarCodec.formatTimestamp(seconds: timeHi)
            }
        }
        return s
    }
}
