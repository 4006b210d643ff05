/// Where one field of a tokenized batch lies.
///
/// `offset` is the field's first byte in the input (after an opening quote). `arena` is −1 for an
/// unquoted field, −2 for a quoted field read in place, and otherwise the position of the
/// field's unescaped copy in the batch's side arena (quoted fields with doubled quotes).
struct FieldSlot {
    var offset: Int
    var length: Int32
    var arena: Int32

    static let unquoted: Int32 = -1
    static let quotedInPlace: Int32 = -2
}

/// Splits CSV bytes into fields, a batch of records at a time, without converting anything.
///
/// The first pass of the reader: a byte loop that only finds separators, quotes and line ends
/// and writes one ``FieldSlot`` per field into a row-major slot buffer. Conversion to typed
/// values happens afterwards column by column (see ``ColumnBuilder``), so each conversion loop
/// is monomorphic and the tokenizer stays small. Strict RFC 4180, with two liberties: LF alone
/// ends a record as CRLF does, and empty lines are skipped when there are at least two columns.
struct CSVTokenizer {
    /// A parse error at a byte offset of the input.
    struct Failure: Error {
        enum Kind {
            case ragged(found: Int)
            case unterminatedQuote
            case unexpectedQuote
            case field(ColumnBuilder.Failure, value: [UInt8])
        }
        var offset: Int
        var column: Int
        var kind: Kind
    }

    let base: UnsafePointer<UInt8>
    let separator: UInt8
    let quote: UInt8
    let columnCount: Int
    /// Records per batch.
    let batchRows: Int
    /// `batchRows × columnCount` slots.
    let slots: UnsafeMutablePointer<FieldSlot>
    /// Unescaped copies of quoted fields with doubled quotes.
    var arena: [UInt8] = []

    /// The length of the whole input at `base` (fields never extend past it).
    let inputEnd: Int

    init(base: UnsafePointer<UInt8>, inputEnd: Int, separator: UInt8, quote: UInt8, columnCount: Int, batchRows: Int = 1_024) {
        self.base = base
        self.inputEnd = inputEnd
        self.separator = separator
        self.quote = quote
        self.columnCount = columnCount
        self.batchRows = batchRows
        slots = .allocate(capacity: batchRows * columnCount)
    }

    /// Frees the slot buffer.
    func deallocate() { slots.deallocate() }

    /// What one call of ``tokenize(from:to:maxRows:)`` found.
    struct Batch {
        /// Complete records tokenized (their slots are valid).
        var rows: Int
        /// The offset after the last complete record.
        var next: Int
        /// The error that stopped tokenizing, after `rows` good records.
        var failure: Failure?
    }

    /// Tokenizes up to `maxRows` (≤ `batchRows`) records from `start`, stopping at `end`.
    mutating func tokenize(from start: Int, to end: Int, maxRows: Int) -> Batch {
        var rows = 0
        func fail(_ failure: Failure) -> Batch { Batch(rows: rows, next: start, failure: failure) }
        let limit = min(maxRows, batchRows)
        arena.removeAll(keepingCapacity: true)
        let sep = separator, q = quote, columns = columnCount
        let raw = UnsafeRawPointer(base)
        let sepPattern = ByteScan.broadcast(sep), quotePattern = ByteScan.broadcast(q)
        let lfPattern = ByteScan.broadcast(10), crPattern = ByteScan.broadcast(13)
        var p = start
        var slot = slots
        while p < end && rows < limit {
            let recordStart = p
            if columns > 1 {
                if base[p] == 10 { p &+= 1; continue }
                if base[p] == 13, p &+ 1 < end, base[p &+ 1] == 10 { p &+= 2; continue }
            }
            var column = 0
            while true {
                let fieldStart: Int
                var length: Int
                var arenaPosition = FieldSlot.unquoted
                if p < end, base[p] == q {
                    p &+= 1
                    fieldStart = p
                    var hasEscapes = false
                    while true {
                        while p < end, base[p] != q { p &+= 1 }
                        if p >= end { return fail(Failure(offset: fieldStart &- 1, column: column, kind: .unterminatedQuote)) }
                        if p &+ 1 < end, base[p &+ 1] == q { hasEscapes = true; p &+= 2; continue }
                        break
                    }
                    length = p &- fieldStart
                    p &+= 1
                    if p < end {
                        let c = base[p]
                        if !(c == sep || c == 10 || (c == 13 && (p &+ 1 == end || base[p &+ 1] == 10))) {
                            return fail(Failure(offset: fieldStart &- 1, column: column, kind: .unexpectedQuote))
                        }
                    }
                    if hasEscapes {
                        arenaPosition = Int32(truncatingIfNeeded: arena.count)
                        var k = fieldStart
                        let fieldEnd = fieldStart &+ length
                        while k < fieldEnd {
                            arena.append(base[k])
                            k &+= base[k] == q ? 2 : 1
                        }
                        length = arena.count &- Int(arenaPosition)
                    } else {
                        arenaPosition = FieldSlot.quotedInPlace
                    }
                } else {
                    fieldStart = p
                    // Find the next separator, quote, LF or CR eight bytes at a time.
                    scan: while true {
                        while p &+ 8 <= end {
                            let word = raw.loadUnaligned(fromByteOffset: p, as: UInt64.self)
                            let hits = ByteScan.matches(word, sepPattern) | ByteScan.matches(word, quotePattern)
                                | ByteScan.matches(word, lfPattern) | ByteScan.matches(word, crPattern)
                            if hits != 0 { p &+= hits.trailingZeroBitCount >> 3; break }
                            p &+= 8
                        }
                        if p &+ 8 > end {
                            while p < end {
                                let c = base[p]
                                if c == sep || c == q || c == 10 || c == 13 { break }
                                p &+= 1
                            }
                        }
                        // A CR not followed by LF is data.
                        if p < end, base[p] == 13, p &+ 1 < end, base[p &+ 1] != 10 { p &+= 1; continue scan }
                        break
                    }
                    if p < end, base[p] == q { return fail(Failure(offset: p, column: column, kind: .unexpectedQuote)) }
                    length = p &- fieldStart
                }
                if column < columns {
                    slot.pointee = FieldSlot(offset: fieldStart, length: Int32(truncatingIfNeeded: length), arena: arenaPosition)
                    slot += 1
                }
                column &+= 1
                if p >= end { break }
                let c = base[p]
                if c == sep { p &+= 1; continue }
                p = min(p &+ (c == 13 ? 2 : 1), end)
                break
            }
            if column != columns {
                return fail(Failure(offset: recordStart, column: max(0, min(column, columns) &- 1), kind: .ragged(found: column)))
            }
            rows &+= 1
        }
        return Batch(rows: rows, next: p, failure: nil)
    }
}
