/// Parses the records of one region of CSV bytes into column builders.
///
/// A region always starts at a record start; the reader chooses region boundaries outside
/// quoted fields (see ``CSVBoundaries``). Parsing is strict RFC 4180 with two liberties: LF
/// alone ends a record as well as CRLF, and empty lines are skipped when there is more than
/// one column. Errors carry the byte offset of the record or field at fault; the reader turns
/// offsets into line numbers only when an error is reported.
struct CSVChunkParser {
    /// A parse error at a byte offset of the whole input.
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
    /// Null tokens as byte arrays (the empty unquoted field is always null).
    let nullTokens: [[UInt8]]

    /// Parses records from `start` up to `end` (or until `maxRows` records), appending to
    /// `builders` (one per column). Returns the number of records and the offset reached.
    func parse(from start: Int, to end: Int, maxRows: Int = .max,
               into builders: inout [ColumnBuilder]) -> Result<(rows: Int, end: Int), Failure> {
        var byteClass = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        func mark(_ b: UInt8) {
            withUnsafeMutableBytes(of: &byteClass) { raw in
                let word = Int(b >> 6), bit = UInt64(b & 63)
                raw.storeBytes(of: raw.load(fromByteOffset: word * 8, as: UInt64.self) | (1 << bit), toByteOffset: word * 8, as: UInt64.self)
            }
        }
        mark(separator); mark(quote); mark(10); mark(13)
        let lowSpecial = byteClass.0  // every special byte is ASCII (< 64 for , ; \t " CR LF; checked below)
        let specialIsLow = separator < 64 && quote < 64
        // Unescaped copies of quoted fields that contain doubled quotes.
        var scratchCapacity = 256
        var scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: scratchCapacity)
        defer { scratch.deallocate() }
        var p = start
        var rows = 0
        let sep = separator, q = quote
        return builders.withUnsafeMutableBufferPointer { columns -> Result<(rows: Int, end: Int), Failure> in
            while p < end && rows < maxRows {
                let recordStart = p
                // Skip empty lines when there is more than one column.
                if columnCount > 1 {
                    if base[p] == 10 { p &+= 1; continue }
                    if base[p] == 13, p &+ 1 < end, base[p &+ 1] == 10 { p &+= 2; continue }
                }
                var column = 0
                while true {
                    var fieldStart = p
                    var fieldLength: Int
                    var isQuoted = false
                    var fieldPointer: UnsafePointer<UInt8>
                    if p < end, base[p] == q {
                        isQuoted = true
                        p &+= 1
                        fieldStart = p
                        var hasEscapes = false
                        while true {
                            while p < end, base[p] != q { p &+= 1 }
                            if p >= end {
                                return .failure(Failure(offset: fieldStart &- 1, column: column, kind: .unterminatedQuote))
                            }
                            if p &+ 1 < end, base[p &+ 1] == q { hasEscapes = true; p &+= 2; continue }
                            break
                        }
                        fieldLength = p &- fieldStart
                        p &+= 1  // closing quote
                        if p < end {
                            let c = base[p]
                            if !(c == sep || c == 10 || (c == 13 && (p &+ 1 == end || base[p &+ 1] == 10))) {
                                return .failure(Failure(offset: fieldStart &- 1, column: column, kind: .unexpectedQuote))
                            }
                        }
                        if hasEscapes {
                            if fieldLength > scratchCapacity {
                                scratch.deallocate()
                                scratchCapacity = fieldLength
                                scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: scratchCapacity)
                            }
                            var k = fieldStart, written = 0
                            let fieldEnd = fieldStart &+ fieldLength
                            while k < fieldEnd {
                                scratch[written] = base[k]
                                written &+= 1
                                k &+= base[k] == q ? 2 : 1
                            }
                            fieldLength = written
                            fieldPointer = UnsafePointer(scratch)
                        } else {
                            fieldPointer = base + fieldStart
                        }
                    } else {
                        if specialIsLow {
                            while p < end {
                                let c = base[p]
                                if c < 64, lowSpecial & (1 << UInt64(c)) != 0 {
                                    if c == 13, !(p &+ 1 == end || base[p &+ 1] == 10) { p &+= 1; continue }
                                    break
                                }
                                p &+= 1
                            }
                        } else {
                            while p < end {
                                let c = base[p]
                                if c == sep || c == q || c == 10 || (c == 13 && (p &+ 1 == end || base[p &+ 1] == 10)) { break }
                                p &+= 1
                            }
                        }
                        if p < end, base[p] == q {
                            return .failure(Failure(offset: p, column: column, kind: .unexpectedQuote))
                        }
                        fieldLength = p &- fieldStart
                        fieldPointer = base + fieldStart
                    }
                    if column < columnCount {
                        var isNull = false
                        if !isQuoted {
                            if fieldLength == 0 { isNull = true }
                            else if !nullTokens.isEmpty {
                                for token in nullTokens where token.count == fieldLength {
                                    if token.withUnsafeBufferPointer({ t in (0..<fieldLength).allSatisfy { t[$0] == fieldPointer[$0] } }) { isNull = true; break }
                                }
                            }
                        }
                        if let failure = columns[column].append(fieldPointer, fieldLength, isNull: isNull) {
                            let value = Array(UnsafeBufferPointer(start: fieldPointer, count: min(fieldLength, 200)))
                            return .failure(Failure(offset: isQuoted ? fieldStart &- 1 : fieldStart, column: column, kind: .field(failure, value: value)))
                        }
                    }
                    column &+= 1
                    if p >= end { break }
                    let c = base[p]
                    if c == sep { p &+= 1; continue }
                    p = min(p &+ (c == 13 ? 2 : 1), end)
                    break
                }
                if column != columnCount {
                    return .failure(Failure(offset: recordStart, column: min(column, columnCount) &- 1, kind: .ragged(found: column)))
                }
                rows &+= 1
            }
            return .success((rows, p))
        }
    }
}
