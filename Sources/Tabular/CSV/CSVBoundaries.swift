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
        while i < end {
            if p[i] == byte { total &+= 1 }
            i &+= 1
        }
        return total
    }

    /// Quotes and line feeds in `p[start..<end]`, 64 bytes at a time. O(n), one pass.
    static func countQuotesAndLineFeeds(
        in p: UnsafePointer<UInt8>, from start: Int, to end: Int, quote: UInt8
    ) -> (quotes: Int, lineFeeds: Int) {
        var i = start
        var quotes = 0, lineFeeds = 0
        while i &+ 64 <= end {
            quotes &+= pk_match_mask64(p + i, quote, quote, quote).nonzeroBitCount
            lineFeeds &+= pk_match_mask64(p + i, 10, 10, 10).nonzeroBitCount
            i &+= 64
        }
        while i < end {
            if p[i] == quote { quotes &+= 1 } else if p[i] == 10 { lineFeeds &+= 1 }
            i &+= 1
        }
        return (quotes, lineFeeds)
    }

    /// The first record start at or after `target` (just after a line feed outside quotes), given
    /// whether `target` is inside a quoted field, and the line feeds passed on the way.
    /// Returns `end` when no record starts in `target..<end`.
    static func recordStart(
        in p: UnsafePointer<UInt8>, from target: Int, end: Int, quote: UInt8,
        insideQuotes: Bool
    ) -> (start: Int, lineFeeds: Int) {
        var inQuotes = insideQuotes
        var lineFeeds = 0
        var i = target
        while i < end {
            let c = p[i]
            if c == quote {
                inQuotes.toggle()
            } else if c == 10 {
                lineFeeds &+= 1
                if !inQuotes { return (i &+ 1, lineFeeds) }
            }
            i &+= 1
        }
        return (end, lineFeeds)
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
