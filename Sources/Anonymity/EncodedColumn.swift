public import Tabular

/// One column as dense `UInt32` codes plus the text of each code, the form every kernel of this
/// module groups on.
///
/// Categorical columns are used as they are (their dictionary codes); integer, date and
/// timestamp columns are recoded so that code order is value order; doubles and booleans by
/// their text. Missing values become one extra code whose text is ``EncodedColumn/missingText``.
public struct EncodedColumn: Sendable, Equatable {
    /// The text that stands for a missing value (ARX's convention).
    public static let missingText = "NULL"
    /// The column name.
    public let name: String
    /// Row `i`'s code, an index into ``dictionary``.
    public let codes: [UInt32]
    /// The text of each code.
    public let dictionary: [String]
    /// The numeric value of each code when the column is numeric (int64, float64, date as days,
    /// timestamp as seconds), else `nil`. Used by ordered-distance t-closeness and Mondrian.
    public let numericValues: [Double]?

    /// Encodes `column`. O(n) for categorical columns, O(n log d) for the others (d distinct values).
    public init(_ column: Column) {
        name = column.name
        let n = column.count
        let hasNulls = column.nullCount > 0
        switch column.values {
        case let .categorical(codes, dictionary):
            if hasNulls {
                var out = codes
                let nullCode = UInt32(dictionary.count)
                for i in 0..<n where !column.isValid(i) { out[i] = nullCode }
                self.codes = out
                self.dictionary = dictionary + [Self.missingText]
            } else {
                self.codes = codes
                self.dictionary = dictionary
            }
            numericValues = nil
        case let .int64(values):
            (codes, dictionary, numericValues) = Self.encodeSorted(values, column: column) { String($0) }
        case let .date(values):
            (codes, dictionary, numericValues) = Self.encodeSorted(values.map { Int64($0) }, column: column) {
                Self.dateText(Int32($0))
            }
        case let .timestamp(values):
            (codes, dictionary, numericValues) = Self.encodeSorted(values, column: column) { String($0) }
        case let .float64(values):
            var seen: [Double: UInt32] = [:]
            var distinct: [Double] = []
            for i in 0..<n where column.isValid(i) && seen[values[i]] == nil {
                seen[values[i]] = 0
                distinct.append(values[i])
            }
            distinct.sort()
            for (c, v) in distinct.enumerated() { seen[v] = UInt32(c) }
            let nullCode = UInt32(distinct.count)
            codes = (0..<n).map { column.isValid($0) ? seen[values[$0]]! : nullCode }
            dictionary = distinct.map { CSVFormatting.format($0) } + (hasNulls ? [Self.missingText] : [])
            numericValues = distinct + (hasNulls ? [Double.nan] : [])
        case let .bool(values):
            codes = (0..<n).map { column.isValid($0) ? (values[$0] ? 1 : 0) : 2 }
            dictionary = ["false", "true"] + (hasNulls ? [Self.missingText] : [])
            numericValues = [0, 1] + (hasNulls ? [Double.nan] : [])
        }
    }

    /// Creates an encoding from parts (codes must be below `dictionary.count`).
    public init(name: String, codes: [UInt32], dictionary: [String], numericValues: [Double]? = nil) {
        self.name = name
        self.codes = codes
        self.dictionary = dictionary
        self.numericValues = numericValues
    }

    /// The text of a date (days since 1970-01-01), as the CSV reader writes it.
    static func dateText(_ days: Int32) -> String {
        let column = try! Column(name: "d", values: .date([days]))
        return column.text(at: 0)!
    }

    private static func encodeSorted(
        _ values: [Int64], column: Column, text: (Int64) -> String
    )
        -> ([UInt32], [String], [Double])
    {
        let n = values.count
        let hasNulls = column.nullCount > 0
        var lo = Int64.max, hi = Int64.min
        for i in 0..<n where column.isValid(i) {
            lo = min(lo, values[i])
            hi = max(hi, values[i])
        }
        var codes = [UInt32](repeating: 0, count: n)
        var distinct: [Int64] = []
        let (span, overflow) = hi.subtractingReportingOverflow(lo)
        if lo <= hi && !overflow && span < Int64(max(1 << 16, 2 * n)) {
            // Dense range: a direct code table instead of hashing (ages, years, small counts).
            let width = Int(span) + 1
            var codeOf = [UInt32](repeating: UInt32.max, count: width)
            values.withUnsafeBufferPointer { v in
                codeOf.withUnsafeMutableBufferPointer { table in
                    for i in 0..<n where column.isValid(i) { table[Int(v[i] &- lo)] = 0 }
                    var next: UInt32 = 0
                    for offset in 0..<width where table[offset] == 0 {
                        table[offset] = next
                        distinct.append(lo + Int64(offset))
                        next += 1
                    }
                    let nullCode = next
                    codes.withUnsafeMutableBufferPointer { out in
                        if hasNulls {
                            for i in 0..<n { out[i] = column.isValid(i) ? table[Int(v[i] &- lo)] : nullCode }
                        } else {
                            for i in 0..<n { out[i] = table[Int(v[i] &- lo)] }
                        }
                    }
                }
            }
        } else {
            var seen: [Int64: UInt32] = [:]
            for i in 0..<n where column.isValid(i) { seen[values[i]] = 0 }
            distinct = seen.keys.sorted()
            for (c, v) in distinct.enumerated() { seen[v] = UInt32(c) }
            let nullCode = UInt32(distinct.count)
            for i in 0..<n { codes[i] = column.isValid(i) ? seen[values[i]]! : nullCode }
        }
        let dictionary = distinct.map(text) + (hasNulls ? [missingText] : [])
        let numeric = distinct.map { Double($0) } + (hasNulls ? [Double.nan] : [])
        return (codes, dictionary, numeric)
    }

    /// The number of distinct codes.
    public var cardinality: Int { dictionary.count }

    /// Each code's rank in the column's natural order: numeric order for numeric columns,
    /// string order for the others.
    public var orderRanks: [UInt32] { Self.orderRanks(dictionary: dictionary, numericValues: numericValues) }

    /// Each code's rank in natural order: by `numericValues` when given (missing last), else by text.
    static func orderRanks(dictionary: [String], numericValues: [Double]?) -> [UInt32] {
        let order: [Int]
        if let numericValues {
            order = numericValues.indices.sorted {
                (numericValues[$0].isNaN ? .infinity : numericValues[$0])
                    < (numericValues[$1].isNaN ? .infinity : numericValues[$1])
            }
        } else {
            order = dictionary.indices.sorted { dictionary[$0] < dictionary[$1] }
        }
        var rank = [UInt32](repeating: 0, count: order.count)
        for (r, c) in order.enumerated() { rank[c] = UInt32(r) }
        return rank
    }
}

extension Table {
    /// The column called `name`, or ``AnonymityError/unknownColumn(name:available:)``.
    func anonymityColumn(_ name: String) throws(AnonymityError) -> Column {
        guard let column = self[name] else { throw .unknownColumn(name: name, available: columnNames) }
        return column
    }
}
