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

    static func summarise(_ column: Column) -> ColumnSummary {
        var s = ColumnSummary(name: column.name, type: column.type, rows: column.count, missing: column.nullCount)
        let validity = column.validity
        @inline(__always) func valid(_ i: Int) -> Bool { validity?.isValid(i) ?? true }
        switch column.values {
        case let .float64(values):
            values.withUnsafeBufferPointer { buffer in
                numeric(buffer.count, valid: valid, value: { buffer[$0] }, into: &s)
            }
            if let mn = s.min, let mx = s.max {
                s.minText = CSVFormatting.format(mn)
                s.maxText = CSVFormatting.format(mx)
            }
        case let .int64(values):
            var lo = Int64.max, hi = Int64.min
            values.withUnsafeBufferPointer { buffer in
                for i in 0..<buffer.count where valid(i) {
                    lo = Swift.min(lo, buffer[i])
                    hi = Swift.max(hi, buffer[i])
                }
                numeric(buffer.count, valid: valid, value: { Double(buffer[$0]) }, into: &s)
            }
            if s.min != nil {
                s.minText = String(lo)
                s.maxText = String(hi)
            }
        case let .bool(values):
            var count = 0
            values.withUnsafeBufferPointer { buffer in
                for i in 0..<buffer.count where buffer[i] && valid(i) { count += 1 }
            }
            s.trueCount = count
        case let .categorical(codes, dictionary):
            var counts = [Int](repeating: 0, count: dictionary.count)
            codes.withUnsafeBufferPointer { buffer in
                counts.withUnsafeMutableBufferPointer { tally in
                    if validity == nil {
                        for code in buffer { tally[Int(code)] &+= 1 }
                    } else {
                        for i in 0..<buffer.count where valid(i) { tally[Int(buffer[i])] &+= 1 }
                    }
                }
            }
            var present: [(String, Int)] = []
            for (code, n) in counts.enumerated() where n > 0 { present.append((dictionary[code], n)) }
            // Equal strings can only appear once in a well-formed dictionary; merge defensively.
            s.distinct = Set(present.map(\.0)).count
            present.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            s.top = present.prefix(5).map { ColumnSummary.ValueCount(value: $0.0, count: $0.1) }
        case let .date(values):
            var lo = Int32.max, hi = Int32.min, any = false
            values.withUnsafeBufferPointer { buffer in
                for i in 0..<buffer.count where valid(i) {
                    lo = Swift.min(lo, buffer[i])
                    hi = Swift.max(hi, buffer[i])
                    any = true
                }
            }
            if any {
                s.minText = CalendarCodec.formatDate(days: lo)
                s.maxText = CalendarCodec.formatDate(days: hi)
            }
        case let .timestamp(values):
            var lo = Int64.max, hi = Int64.min, any = false
            values.withUnsafeBufferPointer { buffer in
                for i in 0..<buffer.count where valid(i) {
                    lo = Swift.min(lo, buffer[i])
                    hi = Swift.max(hi, buffer[i])
                    any = true
                }
            }
            if any {
                s.minText = CalendarCodec.formatTimestamp(seconds: lo)
                s.maxText = CalendarCodec.formatTimestamp(seconds: hi)
            }
        }
        return s
    }

    /// Two-pass min/max/mean/std over the valid rows of a numeric buffer (finite values).
    ///
    /// The plain passes are kept whenever they stay finite (so ordinary data gives the same bits
    /// as always); otherwise the mean and the squared deviations are computed on x · 2^−e, with
    /// 2^e the power of two of the largest magnitude, where every term is at most 4 and the sums
    /// at most 4n, and scaled back by 2^e.
    @inline(__always)
    static func numeric(_ count: Int, valid: (Int) -> Bool, value: (Int) -> Double, into s: inout ColumnSummary) {
        var n = 0, sum = 0.0, lo = Double.infinity, hi = -Double.infinity
        for i in 0..<count where valid(i) {
            let x = value(i)
            n += 1
            sum += x
            lo = Swift.min(lo, x)
            hi = Swift.max(hi, x)
        }
        guard n > 0 else { return }
        s.min = lo
        s.max = hi
        var mean = sum / Double(n)
        var squares = 0.0
        if mean.isFinite {
            for i in 0..<count where valid(i) {
                let d = value(i) - mean
                squares += d * d
            }
        }
        if mean.isFinite && squares.isFinite {
            s.mean = mean
            s.std = n > 1 ? (squares / Double(n - 1)).squareRoot() : 0
            return
        }
        // Scaled passes: y = x · 2^−e with |y| < 2.
        let e = Swift.max(Swift.abs(lo), Swift.abs(hi)).exponent
        @inline(__always) func scaled(_ x: Double) -> Double { Double(sign: .plus, exponent: -e, significand: x) }
        var scaledSum = 0.0
        for i in 0..<count where valid(i) { scaledSum += scaled(value(i)) }
        let scaledMean = scaledSum / Double(n)
        mean = Double(sign: .plus, exponent: e, significand: scaledMean)
        s.mean = Swift.min(Swift.max(mean, lo), hi)  // rounding can never push a mean outside [min, max]
        squares = 0
        for i in 0..<count where valid(i) {
            let d = scaled(value(i)) - scaledMean
            squares += d * d
        }
        let std = n > 1 ? Double(sign: .plus, exponent: e, significand: (squares / Double(n - 1)).squareRoot()) : 0
        if std.isFinite {
            s.std = std
        } else {
            s.std = nil
            s.notes = (s.notes ?? []) + ["std is beyond the largest finite double (≈1.8e308) and is reported as null"]
        }
    }
}
