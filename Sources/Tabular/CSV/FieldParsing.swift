#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parsers from raw field bytes to typed values, shared by the CSV reader and its type inference.
///
/// All parsers take a pointer and a length into the input (no copies, no `String`s) and accept
/// surrounding ASCII spaces. Numbers follow the plain decimal grammar
/// `[+-]digits[.digits][(e|E)[+-]digits]` (also `.5` and `5.`); `nan`, `inf` and hexadecimal
/// floats are *not* numbers here, so non-finite values can never enter a table by accident.
enum FieldParsing {
    /// Result of reading a decimal as a double.
    enum DoubleResult: Equatable {
        case value(Double)
        /// Grammatically a number, but it overflows to infinity (e.g. `1e999`).
        case nonFinite
        case invalid
    }

    @inline(__always)
    static func trimmed(_ p: UnsafePointer<UInt8>, _ n: Int) -> (UnsafePointer<UInt8>, Int) {
        var start = 0, end = n
        while start < end, p[start] == 32 { start &+= 1 }
        while end > start, p[end &- 1] == 32 { end &-= 1 }
        return (p + start, end &- start)
    }

    /// An optional sign followed by 1…19 decimal digits, within Int64's range.
    @inline(__always)
    static func int64(_ p0: UnsafePointer<UInt8>, _ n0: Int) -> Int64? {
        let (p, n) = trimmed(p0, n0)
        guard n > 0 else { return nil }
        var i = 0
        var negative = false
        if p[0] == UInt8(ascii: "-") {
            negative = true
            i = 1
        } else if p[0] == UInt8(ascii: "+") {
            i = 1
        }
        guard i < n, n &- i <= 19 else { return nil }
        var magnitude: UInt64 = 0
        while i < n {
            let digit = UInt64(p[i]) &- 48
            guard digit <= 9 else { return nil }
            magnitude = magnitude &* 10 &+ digit
            i &+= 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) &+ 1 else { return nil }
            return Int64(bitPattern: 0 &- magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// Exact powers of ten representable as doubles (Clinger's fast path).
    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// A decimal number, correctly rounded to the nearest double: Clinger's exact fast path when
    /// the significand has at most 19 digits, is ≤ 2^53 and the decimal exponent is within ±22;
    /// otherwise the C library's `strtod` (correctly rounded in glibc) on a checked copy.
    @inline(__always)
    static func float64(_ p0: UnsafePointer<UInt8>, _ n0: Int) -> DoubleResult {
        let (p, n) = trimmed(p0, n0)
        guard n > 0 else { return .invalid }
        var i = 0
        var negative = false
        if p[0] == UInt8(ascii: "-") {
            negative = true
            i = 1
        } else if p[0] == UInt8(ascii: "+") {
            i = 1
        }
        var significand: UInt64 = 0
        var significantDigits = 0
        var digitsSeen = 0
        var exponent = 0
        var truncated = false
        // Accumulates up to 19 significant digits; integer digits beyond them scale the
        // exponent, fraction digits within them lower it, and anything dropped forces strtod.
        @inline(__always) func digits(fraction: Bool) {
            while i < n {
                let digit = UInt64(p[i]) &- 48
                guard digit <= 9 else { break }
                digitsSeen &+= 1
                if significantDigits < 19 {
                    if significand != 0 || digit != 0 {
                        significand = significand &* 10 &+ digit
                        significantDigits &+= 1
                    }
                    if fraction { exponent &-= 1 }
                } else if !fraction {
                    exponent &+= 1
                    truncated = true
                } else if digit != 0 {
                    truncated = true
                }
                i &+= 1
            }
        }
        digits(fraction: false)
        if i < n, p[i] == UInt8(ascii: ".") {
            i &+= 1
            digits(fraction: true)
        }
        guard digitsSeen > 0 else { return .invalid }
        if i < n, p[i] | 0x20 == UInt8(ascii: "e") {
            i &+= 1
            var exponentNegative = false
            if i < n, p[i] == UInt8(ascii: "-") {
                exponentNegative = true
                i &+= 1
            } else if i < n, p[i] == UInt8(ascii: "+") {
                i &+= 1
            }
            var written = 0
            var exponentDigits = 0
            while i < n {
                let digit = Int(p[i]) &- 48
                guard digit >= 0, digit <= 9 else { break }
                if written < 100_000 { written = written &* 10 &+ digit }
                exponentDigits &+= 1
                i &+= 1
            }
            guard exponentDigits > 0 else { return .invalid }
            exponent &+= exponentNegative ? -written : written
        }
        guard i == n else { return .invalid }
        if significand == 0 { return .value(negative ? -0.0 : 0.0) }
        if !truncated, significand <= 1 << 53, exponent >= -22, exponent <= 22 {
            var value = Double(significand)
            value = exponent >= 0 ? value * powersOfTen[exponent] : value / powersOfTen[-exponent]
            return .value(negative ? -value : value)
        }
        // Slow path: the grammar is checked above, so strtod sees only a plain decimal.
        let value: Double = withUnsafeTemporaryAllocation(of: CChar.self, capacity: n &+ 1) { buffer in
            for k in 0..<n { buffer[k] = CChar(bitPattern: p[k]) }
            buffer[n] = 0
            return strtod(buffer.baseAddress!, nil)
        }
        return value.isFinite ? .value(value) : .nonFinite
    }

    /// `true` / `false` in any letter case.
    @inline(__always)
    static func bool(_ p0: UnsafePointer<UInt8>, _ n0: Int) -> Bool? {
        let (p, n) = trimmed(p0, n0)
        if n == 4, p[0] | 0x20 == UInt8(ascii: "t"), p[1] | 0x20 == UInt8(ascii: "r"), p[2] | 0x20 == UInt8(ascii: "u"),
            p[3] | 0x20 == UInt8(ascii: "e")
        {
            return true
        }
        if n == 5, p[0] | 0x20 == UInt8(ascii: "f"), p[1] | 0x20 == UInt8(ascii: "a"), p[2] | 0x20 == UInt8(ascii: "l"),
            p[3] | 0x20 == UInt8(ascii: "s"), p[4] | 0x20 == UInt8(ascii: "e")
        {
            return false
        }
        return nil
    }

    @inline(__always)
    static func date(_ p0: UnsafePointer<UInt8>, _ n0: Int) -> Int32? {
        let (p, n) = trimmed(p0, n0)
        return CalendarCodec.parseDate(UnsafeBufferPointer(start: p, count: n))
    }

    @inline(__always)
    static func timestamp(_ p0: UnsafePointer<UInt8>, _ n0: Int) -> Int64? {
        let (p, n) = trimmed(p0, n0)
        return CalendarCodec.parseTimestamp(UnsafeBufferPointer(start: p, count: n))
    }

    /// Whether `p[0..<n]` is well-formed UTF-8 (with an ASCII fast path, 8 bytes at a time).
    static func isValidUTF8(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i &+ 8 <= n, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
            i &+= 8
        }
        while i < n {
            let b0 = p[i]
            if b0 < 0x80 {
                i &+= 1
                continue
            }
            let length: Int
            var minimum: UInt32
            var scalar: UInt32
            if b0 & 0xE0 == 0xC0 {
                length = 2
                minimum = 0x80
                scalar = UInt32(b0 & 0x1F)
            } else if b0 & 0xF0 == 0xE0 {
                length = 3
                minimum = 0x800
                scalar = UInt32(b0 & 0x0F)
            } else if b0 & 0xF8 == 0xF0 {
                length = 4
                minimum = 0x10000
                scalar = UInt32(b0 & 0x07)
            } else {
                return false
            }
            guard i &+ length <= n else { return false }
            for k in 1..<length {
                let b = p[i &+ k]
                guard b & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(b & 0x3F)
            }
            guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return false }
            minimum = 0
            i &+= length
        }
        return true
    }
}

/// Parses timestamps and dates while remembering recent calendar dates: a direct-mapped cache
/// of 8,192 date prefixes (`YYYY-MM-DD` → days), so that a column whose values span a few years
/// converts each distinct date about once instead of once per row.
struct CachedCalendarParser {
    private static let entries = 8_192
    /// An empty parser without storage, to stand in while a builder's parser is moved out.
    static let placeholder = CachedCalendarParser(empty: ())
    private init(empty: ()) {
        keys = []
        tails = []
        values = []
    }
    init() {
        keys = [UInt64](repeating: 0, count: CachedCalendarParser.entries)
        tails = [UInt16](repeating: 0, count: CachedCalendarParser.entries)
        values = [Int64](repeating: 0, count: CachedCalendarParser.entries)
    }
    /// The cached prefixes (first 8 bytes, next 2 bytes) and their day numbers; a key of zero
    /// means empty (no valid date starts with eight zero bytes).
    private var keys: [UInt64]
    private var tails: [UInt16]
    private var values: [Int64]

    /// Days since the epoch of the `YYYY-MM-DD` at `p` (10 bytes available), or `nil`.
    @inline(__always)
    private mutating func days(_ p: UnsafePointer<UInt8>) -> Int64? {
        let raw = UnsafeRawPointer(p)
        let key = raw.loadUnaligned(as: UInt64.self), tail = raw.loadUnaligned(fromByteOffset: 8, as: UInt16.self)
        let slot = Int(
            truncatingIfNeeded: (((key &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(tail)) &* 0xFF51_AFD7_ED55_8CCD) >> 51)
        if keys[slot] == key, tails[slot] == tail { return values[slot] }
        guard let day = CalendarCodec.parseDate(UnsafeBufferPointer(start: p, count: 10)) else { return nil }
        keys[slot] = key
        tails[slot] = tail
        values[slot] = Int64(day)
        return Int64(day)
    }

    /// A timestamp (see ``CalendarCodec/parseTimestamp(_:)``); `YYYY-MM-DDTHH:MM:SS[Z]` takes a
    /// fast path.
    @inline(__always)
    mutating func timestamp(_ p0: UnsafePointer<UInt8>, _ n0: Int) -> Int64? {
        let (p, n) = FieldParsing.trimmed(p0, n0)
        if n == 20 || n == 19, n == 19 || p[19] == UInt8(ascii: "Z"),
            p[10] == UInt8(ascii: "T") || p[10] == UInt8(ascii: " "),
            p[13] == UInt8(ascii: ":"), p[16] == UInt8(ascii: ":")
        {
            @inline(__always) func two(_ i: Int) -> Int? {
                let a = Int(p[i]) &- 48, b = Int(p[i &+ 1]) &- 48
                return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a &* 10 &+ b : nil
            }
            if let h = two(11), let m = two(14), let s = two(17), h < 24, m < 60, s < 60, let day = days(p) {
                return day &* 86_400 &+ Int64(h &* 3600 &+ m &* 60 &+ s)
            }
            return nil
        }
        return CalendarCodec.parseTimestamp(UnsafeBufferPointer(start: p, count: n))
    }

    /// A `YYYY-MM-DD` date.
    @inline(__always)
    mutating func date(_ p0: UnsafePointer<UInt8>, _ n0: Int) -> Int32? {
        let (p, n) = FieldParsing.trimmed(p0, n0)
        guard n == 10 else { return nil }
        return days(p).map { Int32(truncatingIfNeeded: $0) }
    }
}
