import Tabular

/// The codes of one column met block by block: each distinct value gets a *stream code* the
/// first time a row holds it, so codes follow first appearance in the file whatever the block
/// size. A missing value has the stream code ``StreamedValueCodes/missing``.
///
/// ``finalEncoding()`` turns stream codes into the codes ``EncodedColumn`` gives the whole
/// column (categorical values in order of first appearance, numbers in value order, booleans
/// `false`, `true`; the missing value last), so everything computed from them is the same, bit
/// for bit, as over the whole file.
struct StreamedValueCodes {
    /// The stream code of a missing value.
    static let missing = UInt32.max
    /// The column's type, fixed by the first block.
    private var kind: ColumnKind?
    /// Text values (categorical columns) → stream code.
    private var textCodes: [String: UInt32] = [:]
    /// The text of each stream code (categorical columns).
    private var texts: [String] = []
    /// Numeric values by bit pattern (integers as themselves, doubles with −0 as +0) → stream code.
    private var numberCodes = GroupTable(expected: 64)
    /// The first double met for each stream code (float64 columns).
    private var doubles: [Double] = []
    /// Whether a missing value was met.
    private(set) var hasMissing = false
    /// Scratch: a block's dictionary code → stream code (`UInt32.max - 1`: not met yet).
    private var blockMap: [UInt32] = []

    enum ColumnKind: Equatable { case text, integer, date, timestamp, float, bool }

    /// The number of distinct non-missing values met.
    var distinctCount: Int {
        switch kind {
        case .text?: texts.count
        case .bool?: 2
        case nil: 0
        default: numberCodes.count
        }
    }

    /// Approximate bytes held (for the memory limit).
    var bytes: Int { texts.reduce(0) { $0 + $1.utf8.count + 48 } + numberCodes.count * 28 + doubles.count * 8 }

    /// Writes the stream code of each row of `column` to `out[i]`.
    /// - Throws: ``AnonymityError/invalidArgument(name:reason:)`` when the column's type differs
    ///   from the earlier blocks' (the streaming reader widens and restarts instead, so this is a
    ///   misuse).
    mutating func encode(_ column: Column, into out: UnsafeMutablePointer<UInt32>) throws(AnonymityError) {
        let n = column.count
        let blockKind: ColumnKind
        switch column.values {
        case .categorical: blockKind = .text
        case .int64: blockKind = .integer
        case .date: blockKind = .date
        case .timestamp: blockKind = .timestamp
        case .float64: blockKind = .float
        case .bool: blockKind = .bool
        }
        if let kind, kind != blockKind {
            throw .invalidArgument(
                name: column.name, reason: "its type changed between blocks (\(kind) then \(blockKind))")
        }
        kind = blockKind
        let hasNulls = column.nullCount > 0
        if hasNulls { hasMissing = true }
        switch column.values {
        case let .categorical(codes, dictionary):
            let unmet = UInt32.max - 1
            blockMap.removeAll(keepingCapacity: true)
            blockMap.append(contentsOf: repeatElement(unmet, count: dictionary.count))
            for i in 0..<n {
                if hasNulls && !column.isValid(i) {
                    out[i] = Self.missing
                    continue
                }
                let local = Int(codes[i])
                var code = blockMap[local]
                if code == unmet {
                    let text = dictionary[local]
                    if let known = textCodes[text] {
                        code = known
                    } else {
                        code = UInt32(texts.count)
                        textCodes[text] = code
                        texts.append(text)
                    }
                    blockMap[local] = code
                }
                out[i] = code
            }
        case let .int64(values), let .timestamp(values):
            encodeNumbers(n, column: column, hasNulls: hasNulls, out: out) {
                UInt64(bitPattern: values[$0])
            }
        case let .date(values):
            encodeNumbers(n, column: column, hasNulls: hasNulls, out: out) {
                UInt64(bitPattern: Int64(values[$0]))
            }
        case let .float64(values):
            for i in 0..<n {
                if hasNulls && !column.isValid(i) {
                    out[i] = Self.missing
                    continue
                }
                let v = values[i]
                let (code, inserted) = numberCodes.insert((v == 0 ? 0.0 : v).bitPattern)
                if inserted { doubles.append(v) }
                out[i] = code
            }
        case let .bool(values):
            for i in 0..<n {
                out[i] = hasNulls && !column.isValid(i) ? Self.missing : (values[i] ? 1 : 0)
            }
        }
    }

    private mutating func encodeNumbers(
        _ n: Int, column: Column, hasNulls: Bool, out: UnsafeMutablePointer<UInt32>, key: (Int) -> UInt64
    ) {
        for i in 0..<n {
            if hasNulls && !column.isValid(i) {
                out[i] = Self.missing
                continue
            }
            out[i] = numberCodes.insert(key(i)).id
        }
    }

    /// The whole-column encoding: `codeOf[streamCode]` (the missing value's final code is
    /// ``FinalEncoding/missingCode``), the dictionary and the numeric values, as
    /// ``EncodedColumn/init(_:)`` gives them for the whole column.
    func finalEncoding() -> FinalEncoding {
        var codeOf: [UInt32]
        var dictionary: [String]
        var numeric: [Double]?
        switch kind {
        case .text?, nil:
            codeOf = (0..<texts.count).map { UInt32($0) }
            dictionary = texts
            numeric = nil
        case .bool?:
            codeOf = [0, 1]
            dictionary = ["false", "true"]
            numeric = [0, 1]
        case .float?:
            let order = doubles.indices.sorted { doubles[$0] < doubles[$1] }
            codeOf = [UInt32](repeating: 0, count: doubles.count)
            for (rank, code) in order.enumerated() { codeOf[code] = UInt32(rank) }
            dictionary = order.map { text(ofStreamCode: UInt32($0)) }
            numeric = order.map { doubles[$0] }
        case .integer?, .date?, .timestamp?:
            let values = numberCodes.keyOfId.map { Int64(bitPattern: $0) }
            let order = values.indices.sorted { values[$0] < values[$1] }
            codeOf = [UInt32](repeating: 0, count: values.count)
            for (rank, code) in order.enumerated() { codeOf[code] = UInt32(rank) }
            dictionary = order.map { text(ofStreamCode: UInt32($0)) }
            numeric = order.map { Double(values[$0]) }
        }
        let missingCode = UInt32(dictionary.count)
        if hasMissing {
            dictionary.append(EncodedColumn.missingText)
            numeric?.append(.nan)
        }
        return FinalEncoding(codeOf: codeOf, missingCode: missingCode, dictionary: dictionary, numericValues: numeric)
    }

    /// The text ``EncodedColumn`` gives the value of a stream code (``EncodedColumn/missingText``
    /// for the missing value).
    func text(ofStreamCode code: UInt32) -> String {
        if code == Self.missing { return EncodedColumn.missingText }
        switch kind {
        case .text?, nil: return texts[Int(code)]
        case .bool?: return code == 1 ? "true" : "false"
        case .float?: return CSVFormatting.format(doubles[Int(code)])
        case .date?: return EncodedColumn.dateText(Int32(truncatingIfNeeded: Int64(bitPattern: numberCodes.keyOfId[Int(code)])))
        case .integer?, .timestamp?: return String(Int64(bitPattern: numberCodes.keyOfId[Int(code)]))
        }
    }

    /// Stream codes mapped to whole-column codes (see ``finalEncoding()``).
    struct FinalEncoding {
        var codeOf: [UInt32]
        var missingCode: UInt32
        var dictionary: [String]
        var numericValues: [Double]?

        /// The final code of a stream code.
        func code(_ stream: UInt32) -> UInt32 { stream == StreamedValueCodes.missing ? missingCode : codeOf[Int(stream)] }
        /// The text of a stream code.
        func text(_ stream: UInt32) -> String { dictionary[Int(code(stream))] }
    }
}

/// An open-addressing table from tuples of `width` codes to dense ids in insertion order. The
/// tuples are stored flat (`tuples[id × width ..< (id + 1) × width]`); linear probing, load
/// factor at most 1/2.
struct TupleTable {
    let width: Int
    private(set) var tuples: [UInt32] = []
    private var slots: [UInt32]
    private var mask: Int
    private var shift: UInt64

    init(width: Int, expected: Int = 1024) {
        self.width = width
        var capacity = 16
        while capacity < expected * 2 { capacity <<= 1 }
        slots = [UInt32](repeating: 0, count: capacity)
        mask = capacity - 1
        shift = UInt64(64 - capacity.trailingZeroBitCount)
    }

    /// The number of distinct tuples.
    var count: Int { width == 0 ? 0 : tuples.count / width }
    /// Approximate bytes held.
    var bytes: Int { tuples.capacity * 4 + slots.count * 4 }

    @inline(__always) private static func hash(_ tuple: UnsafePointer<UInt32>, width: Int) -> UInt64 {
        var h: UInt64 = 0x243F_6A88_85A3_08D3
        for i in 0..<width { h = (h ^ UInt64(tuple[i])) &* 0x9E37_79B9_7F4A_7C15 }
        return h ^ (h >> 31)
    }

    @inline(__always) private func matches(_ id: Int, _ tuple: UnsafePointer<UInt32>) -> Bool {
        tuples.withUnsafeBufferPointer { stored in
            let base = id * width
            for i in 0..<width where stored[base + i] != tuple[i] { return false }
            return true
        }
    }

    /// The id of `tuple` (`width` codes), inserting it when absent; `inserted` tells which.
    @inline(__always) mutating func insert(_ tuple: UnsafePointer<UInt32>) -> (id: Int, inserted: Bool) {
        if (count + 1) * 2 > slots.count { grow() }
        var i = Int(truncatingIfNeeded: Self.hash(tuple, width: width) >> shift)
        while true {
            let s = slots[i]
            if s == 0 {
                let id = count
                slots[i] = UInt32(id + 1)
                tuples.append(contentsOf: UnsafeBufferPointer(start: tuple, count: width))
                return (id, true)
            }
            if matches(Int(s - 1), tuple) { return (Int(s - 1), false) }
            i = (i + 1) & mask
        }
    }

    /// The id of `tuple`, or `nil`.
    @inline(__always) func find(_ tuple: UnsafePointer<UInt32>) -> Int? {
        var i = Int(truncatingIfNeeded: Self.hash(tuple, width: width) >> shift)
        while true {
            let s = slots[i]
            if s == 0 { return nil }
            if matches(Int(s - 1), tuple) { return Int(s - 1) }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let capacity = slots.count * 2
        slots = [UInt32](repeating: 0, count: capacity)
        mask = capacity - 1
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        let n = count
        tuples.withUnsafeBufferPointer { stored in
            for id in 0..<n {
                var i = Int(truncatingIfNeeded: Self.hash(stored.baseAddress! + id * width, width: width) >> shift)
                while slots[i] != 0 { i = (i + 1) & mask }
                slots[i] = UInt32(id + 1)
            }
        }
    }
}

extension StreamedValueCodes {
    /// Encodes the columns `names` of `block` with `codecs` (one per name, in order), columns on
    /// all cores: one stream-code array per column.
    static func encode(
        _ block: Table, columns names: [String], with codecs: inout [StreamedValueCodes]
    ) throws(AnonymityError) -> [[UInt32]] {
        let n = block.rowCount
        let columns = try names.map { (name) throws(AnonymityError) in try block.anonymityColumn(name) }
        var outputs = [[UInt32]](repeating: [], count: names.count)
        var failures = [AnonymityError?](repeating: nil, count: names.count)
        codecs.withUnsafeMutableBufferPointer { codecs in
            outputs.withUnsafeMutableBufferPointer { outputs in
                failures.withUnsafeMutableBufferPointer { failures in
                    ParallelChunks.forEach(names.count, parallel: n >= 16_384) { i in
                        var out = [UInt32](repeating: 0, count: n)
                        do throws(AnonymityError) {
                            try out.withUnsafeMutableBufferPointer { (buffer) throws(AnonymityError) in
                                try codecs[i].encode(columns[i], into: buffer.baseAddress!)
                            }
                        } catch {
                            failures[i] = error
                        }
                        outputs[i] = out
                    }
                }
            }
        }
        if let failure = failures.lazy.compactMap({ $0 }).first { throw failure }
        return outputs
    }
}

/// Equivalence classes counted block by block, without one entry per row: for each class its
/// quasi-identifier tuple, size and first row, and (with a sensitive attribute) the count of each
/// sensitive value in it. Memory grows with the classes and distinct values, not the rows.
///
/// Each block is grouped on all cores as a table is (``EquivalenceClasses``), and its classes
/// are merged into the running ones by their tuples of stream codes. Classes are numbered by
/// their first row, as ``EquivalenceClasses`` numbers them, so the sizes, the sensitive counts
/// and every report built on them equal the whole-table ones.
struct StreamedClassCounter {
    let quasiIdentifiers: [String]
    let sensitive: String?
    /// One codec per quasi-identifier, then the sensitive attribute's (when there is one).
    private var codecs: [StreamedValueCodes]
    private(set) var classes: TupleTable
    private(set) var sizes: [Int] = []
    private(set) var firstRow: [Int] = []
    /// (class << 32 | sensitive stream code) → id; `pairCounts[id]` rows.
    private var pairs = GroupTable(expected: 1024)
    private var pairCounts: [Int] = []
    private(set) var rows = 0

    init(quasiIdentifiers: [String], sensitive: String?) {
        self.quasiIdentifiers = quasiIdentifiers
        self.sensitive = sensitive
        codecs = Array(repeating: StreamedValueCodes(), count: quasiIdentifiers.count + (sensitive == nil ? 0 : 1))
        classes = TupleTable(width: quasiIdentifiers.count)
    }

    /// The quasi-identifiers' codecs.
    var columns: ArraySlice<StreamedValueCodes> { codecs[..<quasiIdentifiers.count] }
    /// The sensitive attribute's codec.
    private var sensitiveCodes: StreamedValueCodes { codecs[quasiIdentifiers.count] }

    /// Approximate bytes of the state (for the memory limit).
    var bytes: Int {
        classes.bytes + sizes.capacity * 16 + pairCounts.capacity * 8 + pairs.count * 28
            + codecs.reduce(0) { $0 + $1.bytes }
    }

    /// Counts the rows of `block` (which holds the quasi-identifiers and the sensitive column).
    mutating func add(_ block: Table) throws(AnonymityError) {
        let n = block.rowCount
        let q = quasiIdentifiers.count
        if n == 0 { return }
        var codes = try StreamedValueCodes.encode(
            block, columns: quasiIdentifiers + (sensitive.map { [$0] } ?? []), with: &codecs)
        // The block's classes on all cores: the missing value takes the slot after the values.
        var cardinalities: [Int] = []
        for i in 0..<q {
            let missingSlot = UInt32(codecs[i].distinctCount)
            codes[i].withUnsafeMutableBufferPointer { column in
                for r in 0..<n where column[r] == StreamedValueCodes.missing { column[r] = missingSlot }
            }
            cardinalities.append(Int(missingSlot) + 1)
        }
        let local = EquivalenceClasses(
            names: quasiIdentifiers, codes: Array(codes[..<q]), cardinalities: cardinalities,
            threads: ProcessorInfo.activeCores)
        // Merge: each block class by its tuple of stream codes (the missing value as such).
        var globalOf = [Int](repeating: 0, count: local.count)
        var tuple = [UInt32](repeating: 0, count: q)
        for b in 0..<local.count {
            let row = local.firstRow[b]
            for i in 0..<q {
                let code = codes[i][row]
                tuple[i] = Int(code) == cardinalities[i] - 1 ? StreamedValueCodes.missing : code
            }
            let (g, inserted) = tuple.withUnsafeBufferPointer { classes.insert($0.baseAddress!) }
            if inserted {
                sizes.append(0)
                firstRow.append(rows + row)
            }
            sizes[g] += local.sizes[b]
            globalOf[b] = g
        }
        if sensitive != nil { countSensitive(codes[q], classOfRow: local.classOfRow, globalOf: globalOf) }
        rows += n
    }

    /// Adds the block's (class, sensitive value) counts: through a dense per-block histogram
    /// when classes × values is at most the block's rows (no more memory than the codes), else
    /// row by row.
    private mutating func countSensitive(_ values: [UInt32], classOfRow: [UInt32], globalOf: [Int]) {
        let m = codecs[quasiIdentifiers.count].distinctCount + 1
        let missingSlot = m - 1
        let n = values.count
        if globalOf.count * m <= n {
            var histogram = [Int32](repeating: 0, count: globalOf.count * m)
            histogram.withUnsafeMutableBufferPointer { h in
                values.withUnsafeBufferPointer { v in
                    classOfRow.withUnsafeBufferPointer { c in
                        for r in 0..<n {
                            let value = v[r] == StreamedValueCodes.missing ? missingSlot : Int(v[r])
                            h[Int(c[r]) * m + value] &+= 1
                        }
                    }
                }
            }
            for b in 0..<globalOf.count {
                for value in 0..<m where histogram[b * m + value] != 0 {
                    let code = value == missingSlot ? StreamedValueCodes.missing : UInt32(value)
                    add(pair: UInt64(globalOf[b]) << 32 | UInt64(code), count: Int(histogram[b * m + value]))
                }
            }
        } else {
            for r in 0..<n { add(pair: UInt64(globalOf[Int(classOfRow[r])]) << 32 | UInt64(values[r]), count: 1) }
        }
    }

    private mutating func add(pair key: UInt64, count: Int) {
        let (p, new) = pairs.insert(key)
        if new { pairCounts.append(0) }
        pairCounts[Int(p)] += count
    }

    /// The sensitive attribute's whole-column encoding and per-class counts (codes ascending
    /// within a class), as ``EquivalenceClasses/sensitiveCounts(_:)`` gives them.
    func sensitiveDistribution() -> (attribute: SensitiveAttribute, counts: SensitiveCounts)? {
        guard let sensitive else { return nil }
        let encoding = sensitiveCodes.finalEncoding()
        let classCount = sizes.count
        var offsets = [Int](repeating: 0, count: classCount + 1)
        for key in pairs.keyOfId { offsets[Int(key >> 32) + 1] += 1 }
        for c in 0..<classCount { offsets[c + 1] += offsets[c] }
        var cursor = offsets
        var entries = [(code: UInt32, count: Int)](repeating: (0, 0), count: pairs.count)
        var totals = [Int](repeating: 0, count: encoding.dictionary.count)
        for (id, key) in pairs.keyOfId.enumerated() {
            let c = Int(key >> 32)
            let code = encoding.code(UInt32(truncatingIfNeeded: key))
            entries[cursor[c]] = (code, pairCounts[id])
            cursor[c] += 1
            totals[Int(code)] += pairCounts[id]
        }
        for c in 0..<classCount { entries[offsets[c]..<offsets[c + 1]].sort { $0.code < $1.code } }
        let counts = SensitiveCounts(
            offsets: offsets, codes: entries.map(\.code), counts: entries.map { Int32($0.count) },
            cardinality: encoding.dictionary.count)
        let attribute = SensitiveAttribute(
            name: sensitive, dictionary: encoding.dictionary, numericValues: encoding.numericValues,
            valueCounts: totals)
        return (attribute, counts)
    }
}
