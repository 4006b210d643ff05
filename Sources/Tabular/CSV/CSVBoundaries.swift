import CSIMD

/// Byte scans used to split CSV input into independently parsable regions.
enum CSVBoundaries {
    /// The number of bytes equal to `byte` in `p[start..<end]`, 64 bytes at a time (SSE2). O(n).
    static func count(_ byte: UInt8, in p: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int {
        var i = start
        var total = 0
        while i &+ 64 <= end {
            total &+= pk_match_mask64(p + i, byte, byte, byte).nonzeroBitCount
            i &+= 64
        }
        let raw = UnsafeRawPointer(p)
        let pattern = ByteScan.broadcast(byte)
        while i &+ 8 <= end {
            total &+= ByteScan.matches(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self), pattern).nonzeroBitCount
            i &+= 8
        }
        while i < end { if p[i] == byte { total &+= 1 }; i &+= 1 }
        return total
    }

    /// The start of the first record at or after `target`, given that `p[regionStart]` starts a
    /// record: quote parity from the region start tells whether `target` is inside a quoted
    /// field. Returns `end` when no record starts in `target..<end`.
    static func nextRecordStart(in p: UnsafePointer<UInt8>, regionStart: Int, target: Int, end: Int, quote: UInt8) -> Int {
        var inQuotes = count(quote, in: p, from: regionStart, to: target) & 1 == 1
        var i = target
        while i < end {
            let c = p[i]
            if c == quote { inQuotes.toggle() }
            else if c == 10, !inQuotes { return i &+ 1 }
            i &+= 1
        }
        return end
    }

    /// The end of the last complete record in `p[start..<end]` (just after its LF), or `nil`
    /// when the region holds no complete record. `p[start]` must start a record.
    static func lastRecordEnd(in p: UnsafePointer<UInt8>, start: Int, end: Int, quote: UInt8) -> Int? {
        var line = end &- 1
        while line >= start, p[line] != 10 { line &-= 1 }
        guard line >= start else { return nil }
        var parity = count(quote, in: p, from: start, to: line) & 1
        while true {
            if parity == 0 { return line &+ 1 }
            var previous = line &- 1
            while previous >= start, p[previous] != 10 { previous &-= 1 }
            guard previous >= start else { return nil }
            parity ^= count(quote, in: p, from: previous, to: line) & 1
            line = previous
        }
    }
}
