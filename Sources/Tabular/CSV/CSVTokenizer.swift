import CSIMD

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
    /// `batchRows × columnCount` slots, column-major (see ``slot(row:column:)``).
    let slots: UnsafeMutablePointer<FieldSlot>
    /// Unescaped copies of quoted fields with doubled quotes.
    var arena: [UInt8] = []

    /// The length of the whole input at `base` (fields never extend past it).
    let inputEnd: Int

    /// Whether 16 bytes starting at `p` (a field start) lie inside the input, so that
    /// ``ByteDictionary/head(overreading:_:)`` may read past a shorter field: the input holds at
    /// least 16 bytes and `p` is at least 16 bytes before its end. Fields in the arena (unescaped
    /// quoted fields) are never over-read. O(1).
    @inline(__always)
    func canOverread(from p: UnsafePointer<UInt8>) -> Bool {
        inputEnd >= 16 && p >= base && p <= base + (inputEnd &- 16)
    }

    init(
        base: UnsafePointer<UInt8>, inputEnd: Int, separator: UInt8, quote: UInt8, columnCount: Int,
        batchRows: Int = 1_024
    ) {
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

    /// The slot of field `column` of batch row `row` (slots are stored column by column, so
    /// that converting a column reads them sequentially).
    @inline(__always) func slot(row: Int, column: Int) -> FieldSlot { slots[column &* batchRows &+ row] }

    /// Tokenizes up to `maxRows` (≤ `batchRows`) records from `start`, stopping at `end`.
    ///
    /// Finds separators, quotes and line feeds 64 bytes at a time as a bit mask and walks its set
    /// bits, so a field costs a bit scan rather than a byte loop. A CR directly before an
    /// LF belongs to the line ending; any other CR is data. Quoted fields are read byte by byte.
    mutating func tokenize(from start: Int, to end: Int, maxRows: Int) -> Batch {
        var rows = 0
        var recordStart = start
        func fail(_ failure: Failure) -> Batch { Batch(rows: rows, next: recordStart, failure: failure) }
        let limit = min(maxRows, batchRows)
        arena.removeAll(keepingCapacity: true)
        let sep = separator, q = quote, columns = columnCount, stride = batchRows
        let slots = self.slots
        var column = 0
        var fieldStart = start
        var scan = start  // the next byte not yet examined for boundaries
        var pending: UInt64 = 0  // matches of the block at `pendingBase` not yet handled
        var pendingBase = start
        guard start < end, limit > 0 else { return Batch(rows: 0, next: start, failure: nil) }

        /// Ends the field `fieldStart..<boundary` (unquoted) at a separator or line feed.
        @inline(__always) func storeUnquoted(_ boundary: Int, endsRecord: Bool) {
            var length = boundary &- fieldStart
            if endsRecord, length > 0, base[boundary &- 1] == 13 { length &-= 1 }
            if column < columns {
                slots[column &* stride &+ rows] = FieldSlot(
                    offset: fieldStart, length: Int32(truncatingIfNeeded: length), arena: FieldSlot.unquoted)
            }
            column &+= 1
        }

        /// Finishes a record at the line feed at `boundary` (or at the end of input).
        /// Returns false when the record is ragged.
        @inline(__always) func endRecord(_ next: Int) -> Bool {
            if column != columns { return false }
            rows &+= 1
            column = 0
            fieldStart = next
            recordStart = next
            return true
        }

        while true {
            // The next boundary byte: the next match left in the current 64-byte block, else
            // the first match of the following blocks (one bit per byte, from SSE2 compares).
            var boundary = end
            if pending != 0 {
                boundary = pendingBase &+ pending.trailingZeroBitCount
                pending &= pending &- 1
            } else {
                while scan &+ 64 <= end {
                    let hits = pk_match_mask64(base + scan, sep, q, 10)
                    if hits != 0 {
                        boundary = scan &+ hits.trailingZeroBitCount
                        pending = hits & (hits &- 1)
                        pendingBase = scan
                        scan &+= 64
                        break
                    }
                    scan &+= 64
                }
                if boundary == end {
                    while scan < end {
                        let c = base[scan]
                        scan &+= 1
                        if c == sep || c == q || c == 10 {
                            boundary = scan &- 1
                            break
                        }
                    }
                }
            }
            if boundary == end {
                // The last record has no line feed.
                if fieldStart == end && column == 0 { return Batch(rows: rows, next: end, failure: nil) }
                storeUnquoted(end, endsRecord: true)
                if !endRecord(end) {
                    return fail(
                        Failure(
                            offset: recordStart, column: max(0, min(column, columns) &- 1), kind: .ragged(found: column)
                        ))
                }
                return Batch(rows: rows, next: end, failure: nil)
            }
            let c = base[boundary]
            if c == sep {
                storeUnquoted(boundary, endsRecord: false)
                fieldStart = boundary &+ 1
                continue
            }
            if c == 10 {
                let next = boundary &+ 1
                // An empty line (LF or CRLF alone) is skipped when there are several columns.
                if column == 0, columns > 1,
                    boundary == fieldStart || (boundary == fieldStart &+ 1 && base[fieldStart] == 13)
                {
                    fieldStart = next
                    recordStart = next
                    continue
                }
                storeUnquoted(boundary, endsRecord: true)
                if !endRecord(next) {
                    return fail(
                        Failure(
                            offset: recordStart, column: max(0, min(column, columns) &- 1), kind: .ragged(found: column)
                        ))
                }
                if rows == limit { return Batch(rows: rows, next: next, failure: nil) }
                continue
            }
            pending = 0
            // A quote: it must open the field.
            if boundary != fieldStart { return fail(Failure(offset: boundary, column: column, kind: .unexpectedQuote)) }
            let contentStart = boundary &+ 1
            var p = contentStart
            var hasEscapes = false
            while true {
                while p < end, base[p] != q { p &+= 1 }
                if p >= end { return fail(Failure(offset: boundary, column: column, kind: .unterminatedQuote)) }
                if p &+ 1 < end, base[p &+ 1] == q {
                    hasEscapes = true
                    p &+= 2
                    continue
                }
                break
            }
            var length = p &- contentStart
            var arenaPosition = FieldSlot.quotedInPlace
            if hasEscapes {
                arenaPosition = Int32(truncatingIfNeeded: arena.count)
                var k = contentStart
                let contentEnd = contentStart &+ length
                while k < contentEnd {
                    arena.append(base[k])
                    k &+= base[k] == q ? 2 : 1
                }
                length = arena.count &- Int(arenaPosition)
            }
            if column < columns {
                slots[column &* stride &+ rows] = FieldSlot(
                    offset: contentStart, length: Int32(truncatingIfNeeded: length), arena: arenaPosition)
            }
            column &+= 1
            // After the closing quote: a separator, a line ending, or the end of input.
            let after = p &+ 1
            if after >= end {
                if !endRecord(end) {
                    return fail(
                        Failure(
                            offset: recordStart, column: max(0, min(column, columns) &- 1), kind: .ragged(found: column)
                        ))
                }
                return Batch(rows: rows, next: end, failure: nil)
            }
            let next = base[after]
            var lineEnd = -1
            if next == sep {
                fieldStart = after &+ 1
                scan = fieldStart
                pending = 0
                continue
            } else if next == 10 {
                lineEnd = after &+ 1
            } else if next == 13, after &+ 1 < end, base[after &+ 1] == 10 {
                lineEnd = after &+ 2
            } else if next == 13, after &+ 1 == end {
                lineEnd = end
            } else {
                return fail(Failure(offset: boundary, column: column &- 1, kind: .unexpectedQuote))
            }
            if !endRecord(lineEnd) {
                return fail(
                    Failure(
                        offset: recordStart, column: max(0, min(column, columns) &- 1), kind: .ragged(found: column)))
            }
            scan = lineEnd
            if rows == limit || lineEnd >= end { return Batch(rows: rows, next: lineEnd, failure: nil) }
        }
    }
}
