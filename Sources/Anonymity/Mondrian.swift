public import Tabular

/// The partitions found by Mondrian (``Anonymiser/mondrian(_:quasiIdentifiers:k:)``).
public struct MondrianResult: Sendable, Equatable {
    /// The quasi-identifiers, in the order given.
    public let quasiIdentifiers: [String]
    /// Row `i`'s partition.
    public let partitionOfRow: [UInt32]
    /// The number of rows per partition.
    public let sizes: [Int]
    /// `labels[d][p]`: partition `p`'s generalised value of quasi-identifier `d` — the value when
    /// the partition holds one, `lo-hi` for a numeric range, `{a|b|…}` for a set of categories.
    public let labels: [[String]]

    /// The number of partitions (equivalence classes of the output).
    public var partitionCount: Int { sizes.count }
    /// The smallest partition.
    public var minimumSize: Int { sizes.min() ?? 0 }

    /// The table with each quasi-identifier replaced by its partition's label (categorical).
    public func anonymisedTable(_ table: Table) throws(AnonymityError) -> Table {
        guard table.rowCount == partitionOfRow.count else {
            throw .invalidArgument(
                name: "table", reason: "has \(table.rowCount) rows, Mondrian ran on \(partitionOfRow.count)")
        }
        var columns = table.columns
        for (d, name) in quasiIdentifiers.enumerated() {
            guard let index = columns.firstIndex(where: { $0.name == name }) else {
                throw .unknownColumn(name: name, available: table.columnNames)
            }
            columns[index] = try! Column(name: name, values: .categorical(codes: partitionOfRow, dictionary: labels[d]))
        }
        do { return try Table(columns: columns) } catch { throw .invalidArgument(name: "table", reason: "\(error)") }
    }
}

extension Anonymiser {
    /// Mondrian multidimensional local recoding (LeFevre, DeWitt and Ramakrishnan 2006), strict
    /// partitioning: starting from the whole table, a partition is split at the median of the
    /// quasi-identifier with the widest normalised range (ties: the first) into values ≤ median
    /// and > median, when both halves keep at least k rows; otherwise the next widest is tried;
    /// a partition no dimension can split is final. Numeric columns are ordered by value,
    /// others by their text.
    /// - Throws: column errors, ``AnonymityError/invalidK(_:)``, and
    ///   ``AnonymityError/noSolution(reason:)`` when the table has fewer than k rows.
    /// - Complexity: O(n log n × q) expected.
    public static func mondrian(
        _ table: Table, quasiIdentifiers: [String], k: Int
    ) throws(AnonymityError) -> MondrianResult {
        if k < 2 { throw .invalidK(k) }
        let columns = try encode(table, quasiIdentifiers: quasiIdentifiers)
        let n = table.rowCount
        if n < k { throw .noSolution(reason: "the table has \(n) rows, fewer than k = \(k)") }
        let q = columns.count
        let ranks = columns.map { column -> [UInt32] in
            let r = column.orderRanks
            return column.codes.map { r[Int($0)] }
        }
        let spans = columns.map { Double(max($0.cardinality - 1, 1)) }
        var partitionOfRow = [UInt32](repeating: 0, count: n)
        var sizes: [Int] = []
        var final: [[Int32]] = []
        var stack: [[Int32]] = [(0..<n).map { Int32($0) }]
        var scratch: [UInt32] = []
        while let rows = stack.popLast() {
            // Dimensions by normalised width, widest first.
            var widths: [(Double, Int)] = []
            for d in 0..<q {
                var lo = UInt32.max, hi = UInt32.min
                for r in rows {
                    let v = ranks[d][Int(r)]
                    lo = min(lo, v)
                    hi = max(hi, v)
                }
                widths.append((Double(hi - lo) / spans[d], d))
            }
            widths.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
            var split: ([Int32], [Int32])? = nil
            for (width, d) in widths where width > 0 {
                scratch.removeAll(keepingCapacity: true)
                for r in rows { scratch.append(ranks[d][Int(r)]) }
                scratch.sort()
                let median = scratch[(scratch.count - 1) / 2]
                let left = rows.filter { ranks[d][Int($0)] <= median }
                if left.count >= k && rows.count - left.count >= k {
                    split = (left, rows.filter { ranks[d][Int($0)] > median })
                    break
                }
            }
            if let (left, right) = split {
                stack.append(right)
                stack.append(left)
            } else {
                final.append(rows)
            }
        }
        // Number partitions by their first row, so the output does not depend on traversal order.
        final.sort { ($0.min() ?? 0) < ($1.min() ?? 0) }
        var labels = [[String]](repeating: [], count: q)
        for (p, rows) in final.enumerated() {
            sizes.append(rows.count)
            for r in rows { partitionOfRow[Int(r)] = UInt32(p) }
            for d in 0..<q {
                let codes = Set(rows.map { columns[d].codes[Int($0)] })
                if codes.count == 1 {
                    labels[d].append(columns[d].dictionary[Int(codes.first!)])
                } else if let numeric = columns[d].numericValues {
                    let values = codes.map { numeric[Int($0)] }
                    let lo = values.min()!, hi = values.max()!
                    let text = { (v: Double) in v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v) }
                    labels[d].append("\(text(lo))-\(text(hi))")
                } else {
                    labels[d].append(
                        "{" + codes.map { columns[d].dictionary[Int($0)] }.sorted().joined(separator: "|") + "}")
                }
            }
        }
        return MondrianResult(
            quasiIdentifiers: quasiIdentifiers, partitionOfRow: partitionOfRow, sizes: sizes, labels: labels)
    }
}
