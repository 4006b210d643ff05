/// Conversions between civil dates/times and the integers stored in date and timestamp columns.
///
/// Dates are days since 1970-01-01 in the proleptic Gregorian calendar; timestamps are seconds
/// since 1970-01-01T00:00:00Z. The algorithms are Howard Hinnant's `days_from_civil` /
/// `civil_from_days`, exact for every representable year. No time zones: timestamps without an
/// offset are taken as UTC, and a trailing `Z` or `+00:00` is accepted.
public enum CalendarCodec {
    /// Days since 1970-01-01 of the civil date `year-month-day` (month 1…12, day 1…31). O(1).
    @inlinable @inline(__always) public static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day count since 1970-01-01. O(1).
    @inlinable public static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Whether `day` exists in `month` of `year`.
    @inlinable public static func isValid(year: Int, month: Int, day: Int) -> Bool {
        guard month >= 1, month <= 12, day >= 1 else { return false }
        switch month {
        case 2:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return day <= (leap ? 29 : 28)
        case 4, 6, 9, 11: return day <= 30
        default: return day <= 31
        }
    }

    /// `YYYY-MM-DD` for a day count.
    public static func formatDate(days: Int32) -> String {
        let (y, m, d) = civil(days: Int(days))
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the epoch.
    public static func formatTimestamp(seconds: Int64) -> String {
        let s = Int(seconds)
        let dayCount = s >= 0 ? s / 86_400 : (s - 86_399) / 86_400
        let rest = s - dayCount * 86_400
        let (y, m, d) = civil(days: dayCount)
        return
            "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rest / 3600, 2)):\(pad(rest / 60 % 60, 2)):\(pad(rest % 60, 2))Z"
    }

    /// Parses `YYYY-MM-DD` from raw bytes; `nil` when the text is not such a date.
    @inlinable public static func parseDate(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let y = digits(bytes, 0, 4), let m = digits(bytes, 5, 2), let d = digits(bytes, 8, 2),
            isValid(year: y, month: m, day: d)
        else { return nil }
        return Int32(days(year: y, month: m, day: d))
    }

    /// Parses `YYYY-MM-DDTHH:MM[:SS][Z|+00:00]` (or with a space instead of `T`) from raw bytes;
    /// `nil` when the text is not such a timestamp. Only UTC offsets are accepted.
    @inlinable public static func parseTimestamp(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard bytes.count >= 16, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "), bytes[13] == UInt8(ascii: ":"),
            let y = digits(bytes, 0, 4), let mo = digits(bytes, 5, 2), let d = digits(bytes, 8, 2),
            let h = digits(bytes, 11, 2), let mi = digits(bytes, 14, 2),
            isValid(year: y, month: mo, day: d), h < 24, mi < 60
        else { return nil }
        var second = 0
        var cursor = 16
        if cursor < bytes.count, bytes[cursor] == UInt8(ascii: ":") {
            guard bytes.count >= 19, let s = digits(bytes, 17, 2), s < 60 else { return nil }
            second = s
            cursor = 19
        }
        let tail = bytes.count - cursor
        if tail == 1 {
            guard bytes[cursor] == UInt8(ascii: "Z") else { return nil }
        } else if tail == 6 {
            let zero: [UInt8] = Array("+00:00".utf8)
            for i in 0..<6 where bytes[cursor + i] != zero[i] { return nil }
        } else if tail != 0 {
            return nil
        }
        return Int64(days(year: y, month: mo, day: d)) * 86_400 + Int64(h * 3600 + mi * 60 + second)
    }

    @inlinable @inline(__always) static func digits(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int
    ) -> Int? {
        var value = 0
        for i in start..<(start + length) {
            let digit = Int(bytes[i]) &- 48
            guard digit >= 0, digit <= 9 else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
