import Foundation
public import Tabular

/// The equivalence classes of a table over its quasi-identifiers: rows with equal codes in
/// every quasi-identifier share a class.
///
/// Classes are numbered by the first row that falls into them, so the numbering (and every
/// report built on it) does not depend on how many cores computed it.
public struct EquivalenceClasses: Sendable, Equatable {
    /// The quasi-identifier names, in the order given.
    public let quasiIdentifiers: [String]
    /// The number of rows.
    public let rowCount: Int
    /// Row `i`'s class.
    public let classOfRow: [UInt32]
    /// The number of rows in each class.
    public let sizes: [Int]
    /// The first row of each class (a representative).
    public let firstRow: [Int]

    /// The number of classes.
    public var count: Int { sizes.count }
    /// The smallest class size (0 for an empty table).
    public var minimumSize: Int { sizes.min() ?? 0 }

    /// Groups rows by the codes of `columns`. Uses all cores for large inputs.
    /// - Parameters:
    ///   - columns: the encoded quasi-identifiers (equal lengths).
    ///   - threads: the number of cores to use (default: all active cores).
    /// - Complexity: O(n × q) expected time, O(n) extra memory.
    public init(columns: [EncodedColumn], threads: Int = ProcessorInfo.activeCores) {
        self.init(
            names: columns.map(\.name), codes: columns.map(\.codes), cardinalities: columns.map(\.cardinality),
            threads: threads)
    }

    /// Groups rows by `codes` (one array per quasi-identifier, equal lengths, each code below its
    /// column's cardinality).
    init(names: [String], codes columns: [[UInt32]], cardinalities: [Int], threads: Int) {
        quasiIdentifiers = names
        let n = columns.first?.count ?? 0
        rowCount = n
        if columns.isEmpty || n == 0 {
            classOfRow = [UInt32](repeating: 0, count: n)
            sizes = n == 0 ? [] : [n]
            firstRow = n == 0 ? [] : [0]
            return
        }
        // Fold as many columns as fit into one 64-bit mixed-radix key, densify, repeat.
        var current: [UInt32]? = nil
        var currentCardinality = 1
        var result: (ids: [UInt32], sizes: [Int], firstRow: [Int]) = ([], [], [])
        var next = 0
        while next < columns.count {
            var parts: [(codes: [UInt32], cardinality: Int)] = []
            var product: UInt64 = UInt64(max(currentCardinality, 1))
            while next < columns.count {
                let card = UInt64(max(cardinalities[next], 1))
                let (p, overflow) = product.multipliedReportingOverflow(by: card)
                if overflow || p >= (1 << 62) { break }
                product = p
                parts.append((columns[next], Int(card)))
                next += 1
            }
            // The dense ids so far and the next column do not fit a mixed-radix key: pack them
            // as two 32-bit halves (both are below 2^32).
            let packPair = parts.isEmpty
            if packPair {
                parts.append((columns[next], cardinalities[next]))
                next += 1
            }
            var keys = [UInt64](repeating: 0, count: n)
            keys.withUnsafeMutableBufferPointer { k in
                if packPair, let current {
                    current.withUnsafeBufferPointer { c in
                        parts[0].codes.withUnsafeBufferPointer { p in
                            for i in 0..<n { k[i] = UInt64(c[i]) << 32 | UInt64(p[i]) }
                        }
                    }
                    return
                }
                if let current {
                    current.withUnsafeBufferPointer { c in for i in 0..<n { k[i] = UInt64(c[i]) } }
                }
                for part in parts {
                    let radix = UInt64(part.cardinality)
                    part.codes.withUnsafeBufferPointer { c in
                        for i in 0..<n { k[i] = k[i] &* radix &+ UInt64(c[i]) }
                    }
                }
            }
            result = groupKeys(keys, threads: threads)
            current = result.ids
            currentCardinality = result.sizes.count
        }
        classOfRow = result.ids
        sizes = result.sizes
        firstRow = result.firstRow
    }

    /// Groups `table` by the named quasi-identifiers.
    /// - Throws: ``AnonymityError/unknownColumn(name:available:)``,
    ///   ``AnonymityError/duplicateColumn(name:)``, ``AnonymityError/noQuasiIdentifiers``.
    public init(
        table: Table, quasiIdentifiers: [String], threads: Int = ProcessorInfo.activeCores
    ) throws(AnonymityError) {
        let columns = try Anonymiser.encode(table, quasiIdentifiers: quasiIdentifiers)
        self.init(columns: columns, threads: threads)
    }

    /// Rows sorted by class: the rows of class `c` are `rows[offsets[c]..<offsets[c + 1]]`, in
    /// ascending order. O(n) (a counting sort).
    public func rowsByClass() -> (offsets: [Int], rows: [Int32]) {
        var offsets = [Int](repeating: 0, count: count + 1)
        for c in 0..<count { offsets[c + 1] = offsets[c] + sizes[c] }
        var cursor = offsets
        var rows = [Int32](repeating: 0, count: rowCount)
        classOfRow.withUnsafeBufferPointer { cls in
            rows.withUnsafeMutableBufferPointer { out in
                for i in 0..<rowCount {
                    let c = Int(cls[i])
                    out[cursor[c]] = Int32(i)
                    cursor[c] += 1
                }
            }
        }
        return (offsets, rows)
    }

    /// The distribution of a sensitive attribute in each class, as sparse counts:
    /// class `c` holds `(codes[j], counts[j])` for `j` in `offsets[c]..<offsets[c + 1]`, codes
    /// ascending. O(n + classes + distinct sensitive values).
    public func sensitiveCounts(_ sensitive: EncodedColumn) -> SensitiveCounts {
        let (rowOffsets, rows) = rowsByClass()
        var offsets = [Int](repeating: 0, count: count + 1)
        var codes: [UInt32] = []
        var counts: [Int32] = []
        codes.reserveCapacity(count * 2)
        counts.reserveCapacity(count * 2)
        var scratch = [Int32](repeating: 0, count: sensitive.cardinality)
        var touched: [UInt32] = []
        sensitive.codes.withUnsafeBufferPointer { s in
            for c in 0..<count {
                touched.removeAll(keepingCapacity: true)
                for j in rowOffsets[c]..<rowOffsets[c + 1] {
                    let v = s[Int(rows[j])]
                    if scratch[Int(v)] == 0 { touched.append(v) }
                    scratch[Int(v)] += 1
                }
                touched.sort()
                for v in touched {
                    codes.append(v)
                    counts.append(scratch[Int(v)])
                    scratch[Int(v)] = 0
                }
                offsets[c + 1] = codes.count
            }
        }
        return SensitiveCounts(offsets: offsets, codes: codes, counts: counts, cardinality: sensitive.cardinality)
    }
}

/// Sparse per-class counts of a sensitive attribute (see ``EquivalenceClasses/sensitiveCounts(_:)``).
public struct SensitiveCounts: Sendable, Equatable {
    /// Class `c`'s entries are `offsets[c]..<offsets[c + 1]`.
    public let offsets: [Int]
    /// Sensitive codes, ascending within a class.
    public let codes: [UInt32]
    /// How many rows of the class hold the code.
    public let counts: [Int32]
    /// The number of distinct sensitive codes in the whole table's dictionary.
    public let cardinality: Int
}

extension Anonymiser {
    /// Encodes the named columns, checking that they exist and are distinct.
    /// - Throws: ``AnonymityError/noQuasiIdentifiers``, ``AnonymityError/unknownColumn(name:available:)``,
    ///   ``AnonymityError/duplicateColumn(name:)``.
    public static func encode(_ table: Table, quasiIdentifiers: [String]) throws(AnonymityError) -> [EncodedColumn] {
        if quasiIdentifiers.isEmpty { throw .noQuasiIdentifiers }
        var seen = Set<String>()
        for name in quasiIdentifiers where !seen.insert(name).inserted { throw .duplicateColumn(name: name) }
        return try quasiIdentifiers.map { (name) throws(AnonymityError) in
            EncodedColumn(try table.anonymityColumn(name))
        }
    }
}
