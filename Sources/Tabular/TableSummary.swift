/// Descriptive statistics of one column, as computed by ``Table/summary()``.
///
/// Fields that do not apply to the column's type are `nil`: numeric statistics for int64 and
/// float64, `distinct`/`top` for categorical, `trueCount` for bool, `minText`/`maxText` for
/// date and timestamp (and also for numbers, as text). Missing rows are excluded everywhere.
///
/// Every number held is finite: a statistic whose value is beyond the largest finite double
/// (the standard deviation of values near ±1.8e308) is `nil` and ``notes`` says why. In JSON
/// the numeric statistics of an int64/float64 column are always present, `null` when not
/// representable, so the output is valid JSON for any table.
public struct ColumnSummary: Sendable, Equatable, Codable {
    /// One value of a categorical column and how many rows hold it.
    public struct ValueCount: Sendable, Equatable, Codable {
        /// The value.
        public var value: String
        /// Rows holding it.
        public var count: Int
        /// A value and its count.
        public init(value: String, count: Int) {
            self.value = value
            self.count = count
        }
    }
    /// Column name.
    public var name: String
    /// Column type.
    public var type: ColumnType
    /// Number of rows (including missing ones).
    public var rows: Int
    /// Number of missing rows.
    public var missing: Int
    /// Smallest value (int64/float64; int64 beyond ±2⁵³ is rounded to the nearest double).
    public var min: Double?
    /// Largest value (int64/float64).
    public var max: Double?
    /// Arithmetic mean (int64/float64).
    public var mean: Double?
    /// Sample standard deviation with n − 1 in the denominator (int64/float64; 0 for one value).
    public var std: Double?
    /// Number of distinct values present (categorical).
    public var distinct: Int?
    /// The five most frequent values, by count descending then value ascending (categorical).
    public var top: [ValueCount]?
    /// Number of `true` rows (bool).
    public var trueCount: Int?
    /// Smallest value as text (`YYYY-MM-DD`, ISO timestamp, or number).
    public var minText: String?
    /// Largest value as text.
    public var maxText: String?
    /// Why a statistic that applies to the column is `nil` (e.g. a standard deviation beyond the
    /// largest finite double); `nil` when there is nothing to say.
    public var notes: [String]?

    enum CodingKeys: String, CodingKey {
        case name, type, rows, missing, min, max, mean, std, distinct, top, trueCount, minText, maxText, notes
    }

    /// Encodes every field; the numeric statistics of int64/float64 columns are written even
    /// when `nil` (as `null`), other absent fields are omitted.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(type, forKey: .type)
        try c.encode(rows, forKey: .rows)
        try c.encode(missing, forKey: .missing)
        if type == .int64 || type == .float64 {
            try c.encode(min, forKey: .min)
            try c.encode(max, forKey: .max)
            try c.encode(mean, forKey: .mean)
            try c.encode(std, forKey: .std)
        }
        try c.encodeIfPresent(distinct, forKey: .distinct)
        try c.encodeIfPresent(top, forKey: .top)
        try c.encodeIfPresent(trueCount, forKey: .trueCount)
        try c.encodeIfPresent(minText, forKey: .minText)
        try c.encodeIfPresent(maxText, forKey: .maxText)
        try c.encodeIfPresent(notes, forKey: .notes)
    }
}

/// The per-column summaries of a table.
public struct TableSummary: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Number of rows.
    public var rows: Int
    /// One summary per column, in column order.
    public var columns: [ColumnSummary]

    /// A human-readable, one-line-per-column rendering.
    public var description: String {
        var lines = ["\(rows) rows, \(columns.count) columns"]
        for c in columns {
            var line = "  \(c.name) (\(c.type))"
            if c.missing > 0 { line += " missing=\(c.missing)" }
            switch c.type {
            case .int64, .float64:
                if let mn = c.min, let mx = c.max {
                    line += " min=\(TableSummary.number(mn)) max=\(TableSummary.number(mx))"
                    line +=
                        " mean=\(c.mean.map(TableSummary.number) ?? "null") std=\(c.std.map(TableSummary.number) ?? "null")"
                }
            case .categorical:
                if let distinct = c.distinct { line += " distinct=\(distinct)" }
                if let top = c.top, !top.isEmpty {
                    line += " top: " + top.map { "\($0.value) (\($0.count))" }.joined(separator: ", ")
                }
            case .bool:
                line += " true=\(c.trueCount ?? 0)"
            case .date, .timestamp:
                if let mn = c.minText, let mx = c.maxText { line += " min=\(mn) max=\(mx)" }
            }
            if let notes = c.notes, !notes.isEmpty { line += " (" + notes.joined(separator: "; ") + ")" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// A number for display: integers below 10¹⁵ as integers, magnitudes of 10¹⁵ and more in
    /// Swift's shortest round-trip form (`1e+307`), the rest rounded to 4 decimals. Never
    /// overflows (rounding is done only where `x × 10⁴` is far from the double range).
    static func number(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        if !(abs(x) < 1e15) { return x.description }
        let scaled = (x * 10_000).rounded() / 10_000
        return scaled.description
    }
}

extension Table {
    /// Per-column descriptive statistics: missing counts, numeric min/max/mean/std, categorical
    /// distinct counts and top-5 values, boolean true counts, date/timestamp ranges.
    ///
    /// Numeric statistics are two-pass (mean, then squared deviations) over the contiguous
    /// buffers, skipping missing rows. They never overflow: when the plain sums would leave the
    /// double range (values near ±1.8e308), both passes are redone on values scaled by a power of
    /// two (exact) and the results scaled back; a standard deviation that is itself beyond the
    /// double range is `nil` with a note. Categorical counting is by code, never by string.
    /// - Complexity: O(rows × columns) time, O(dictionary size) extra memory per column.
    public func summary() -> TableSummary {
        TableSummary(rows: rowCount, columns: columns.map(Table.summarise))
    }

    /// One column's summary: the streamed accumulator (``ColumnAccumulator``) run over the
    /// whole column as one block, so a table and a file streamed block by block
    /// (``TableSummary/summarising(file:options:blockBytes:maximumDistinctBytes:progress:)``)
    /// share one implementation and give the same bits.
    static func summarise(_ column: Column) -> ColumnSummary {
        var accumulator = ColumnAccumulator(name: column.name, type: column.type)
        _ = accumulator.add(column)
        if accumulator.needsDeviationPass {
            accumulator.addSquares(column, scaled: false)
            accumulator.finishDeviation(scaled: false)
            if accumulator.needsScaledPasses {
                // The plain sums overflowed: the scaled mean, then the scaled squares.
                accumulator.addScaledValues(column)
                accumulator.finishScaledMean()
                accumulator.addSquares(column, scaled: true)
                accumulator.finishDeviation(scaled: true)
            }
        }
        return accumulator.finished()
    }
}
