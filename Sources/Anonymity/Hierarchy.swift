import Foundation
import Tabular

/// A generalisation hierarchy of one attribute, in ARX's materialised form: one row per original
/// value, `rows[i][0]` the value and `rows[i][level]` its generalisation at `level`.
///
/// Invariants checked at construction: every row has the same number of levels, no value is
/// listed twice at level 0, and every value at a level has exactly one parent at the next level
/// (so the levels form a tree). The top level is usually `*` (fully suppressed) but need not be.
public struct Hierarchy: Sendable, Equatable {
    /// The attribute (column) this hierarchy generalises.
    public let attribute: String
    /// One row per original value; `rows[i][level]`.
    public let rows: [[String]]

    /// The number of levels, including level 0 (the original values).
    public var levelCount: Int { rows.first?.count ?? 0 }
    /// The highest level (`levelCount - 1`).
    public var height: Int { levelCount - 1 }
    /// The original values (level 0) in row order.
    public var values: [String] { rows.map { $0[0] } }

    /// Creates a hierarchy from its rows, checking the invariants. O(rows × levels).
    /// - Throws: ``AnonymityError/emptyHierarchy(attribute:)``,
    ///   ``AnonymityError/raggedHierarchy(attribute:row:expected:found:)``,
    ///   ``AnonymityError/duplicateHierarchyValue(attribute:value:)``,
    ///   ``AnonymityError/inconsistentHierarchy(attribute:value:level:parents:)``.
    public init(attribute: String, rows: [[String]]) throws(AnonymityError) {
        guard let first = rows.first, !first.isEmpty else { throw .emptyHierarchy(attribute: attribute) }
        let levels = first.count
        var seen = Set<String>()
        for (i, row) in rows.enumerated() {
            if row.count != levels {
                throw .raggedHierarchy(attribute: attribute, row: i + 1, expected: levels, found: row.count)
            }
            if !seen.insert(row[0]).inserted { throw .duplicateHierarchyValue(attribute: attribute, value: row[0]) }
        }
        if levels > 1 {
            for level in 0..<(levels - 1) {
                var parent: [String: String] = [:]
                for row in rows {
                    if let p = parent[row[level]] {
                        if p != row[level + 1] {
                            throw .inconsistentHierarchy(
                                attribute: attribute, value: row[level], level: level, parents: [p, row[level + 1]])
                        }
                    } else {
                        parent[row[level]] = row[level + 1]
                    }
                }
            }
        }
        self.attribute = attribute
        self.rows = rows
    }

    /// Parses ARX's CSV hierarchy format: one row per value, one field per level, no header,
    /// no quoting; LF or CRLF line ends; empty lines ignored.
    /// - Parameters:
    ///   - text: the file contents.
    ///   - separator: the field separator (ARX uses `;`).
    public init(arxCSV text: String, attribute: String, separator: Character = ";") throws(AnonymityError) {
        var rows: [[String]] = []
        for line in text.split(
            omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        {
            let trimmed = line.hasSuffix("\r") ? line.dropLast() : line[...]
            if trimmed.isEmpty { continue }
            rows.append(trimmed.split(separator: separator, omittingEmptySubsequences: false).map(String.init))
        }
        try self.init(attribute: attribute, rows: rows)
    }

    /// Reads an ARX CSV hierarchy file (see ``init(arxCSV:attribute:separator:)``).
    /// - Throws: ``AnonymityError/io(file:reason:)`` when the file cannot be read, then the
    ///   validation errors of ``init(attribute:rows:)``.
    public init(contentsOf path: String, attribute: String, separator: Character = ";") throws(AnonymityError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .io(file: path, reason: "cannot read the hierarchy: \(error.localizedDescription)")
        }
        try self.init(arxCSV: text, attribute: attribute, separator: separator)
    }

    /// The hierarchy in ARX's CSV format (LF line ends, final newline).
    public func arxCSV(separator: Character = ";") -> String {
        var out = ""
        for row in rows {
            out += row.joined(separator: String(separator))
            out += "\n"
        }
        return out
    }

    /// Writes ``arxCSV(separator:)`` to `path` (atomically: nothing is half-written).
    public func write(to path: String, separator: Character = ";") throws(AnonymityError) {
        do {
            try arxCSV(separator: separator).write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw .io(file: path, reason: "cannot write the hierarchy: \(error.localizedDescription)")
        }
    }

    // MARK: Builders

    /// An interval hierarchy for integer values: level `i` (1 ≤ i ≤ widths.count) puts `v` into
    /// the band `[lo, lo + widths[i-1] - 1]` with `lo = origin + ⌊(v - origin) / width⌋ · width`,
    /// written `lo-hi`; the top level is `*`.
    /// - Parameters:
    ///   - values: the original values (duplicates are ignored; rows come out in ascending order).
    ///   - widths: band widths per level, each a positive multiple of the previous one (so that
    ///     bands nest).
    ///   - origin: where bands start (e.g. 0).
    /// - Throws: ``AnonymityError/invalidArgument(name:reason:)`` for non-nesting widths.
    /// - Complexity: O(d log d × levels) for d distinct values.
    public static func intervals(
        attribute: String, values: [Int64], widths: [Int64], origin: Int64 = 0
    ) throws(AnonymityError) -> Hierarchy {
        guard !values.isEmpty else { throw .emptyHierarchy(attribute: attribute) }
        for (i, w) in widths.enumerated() {
            if w <= 0 { throw .invalidArgument(name: "widths[\(i)]", reason: "band width \(w) is not positive") }
            if i > 0 && w % widths[i - 1] != 0 {
                throw .invalidArgument(
                    name: "widths[\(i)]",
                    reason:
                        "band width \(w) is not a multiple of the previous width \(widths[i - 1]), so bands would not nest"
                )
            }
        }
        let distinct = Array(Set(values)).sorted()
        let rows = distinct.map { v -> [String] in
            var row = [String(v)]
            for w in widths {
                let offset = v - origin
                let band = offset >= 0 ? offset / w : -((-offset + w - 1) / w)
                let lo = origin + band * w
                row.append("\(lo)-\(lo + w - 1)")
            }
            row.append("*")
            return row
        }
        return try Hierarchy(attribute: attribute, rows: rows)
    }

    /// A masking hierarchy for codes such as postcodes: level `i` replaces the last `i`
    /// characters by `mask` (all of them once `i` reaches the value's length); the top level is
    /// `*`. With `levels` = nil the hierarchy has one level per character of the longest value.
    /// - Complexity: O(d × levels × length).
    public static func masking(
        attribute: String, values: [String], levels: Int? = nil, mask: Character = "*"
    ) throws(AnonymityError) -> Hierarchy {
        let distinct = Array(Set(values)).sorted()
        guard !distinct.isEmpty else { throw .emptyHierarchy(attribute: attribute) }
        let longest = distinct.map(\.count).max() ?? 0
        let steps = levels ?? longest
        if steps < 0 { throw .invalidArgument(name: "levels", reason: "\(steps) is negative") }
        let rows = distinct.map { value -> [String] in
            let characters = Array(value)
            var row = [value]
            for i in 1...max(steps, 1) where steps > 0 {
                let keep = max(0, characters.count - i)
                row.append(String(characters[0..<keep]) + String(repeating: mask, count: characters.count - keep))
            }
            row.append("*")
            return row
        }
        return try Hierarchy(attribute: attribute, rows: rows)
    }

    /// The calendar granularities of ``dates(attribute:days:levels:)``.
    public enum DateGranularity: String, Sendable, CaseIterable {
        /// `YYYY-MM`.
        case month
        /// `YYYY-Qn`.
        case quarter
        /// `YYYY`.
        case year
        /// `YYY0-YYY9`.
        case decade
    }

    /// A date hierarchy: level 0 is the date (`YYYY-MM-DD`), then one level per granularity in
    /// the order given (each coarser than the previous), then `*`.
    /// - Parameter days: dates as days since 1970-01-01 (the `date` column representation).
    /// - Complexity: O(d log d × levels).
    public static func dates(
        attribute: String, days: [Int32], levels: [DateGranularity] = [.month, .year, .decade]
    ) throws(AnonymityError) -> Hierarchy {
        let distinct = Array(Set(days)).sorted()
        guard !distinct.isEmpty else { throw .emptyHierarchy(attribute: attribute) }
        let rank: [DateGranularity: Int] = [.month: 0, .quarter: 1, .year: 2, .decade: 3]
        for i in levels.indices.dropFirst() where rank[levels[i]]! <= rank[levels[i - 1]]! {
            throw .invalidArgument(
                name: "levels", reason: "\(levels[i].rawValue) is not coarser than \(levels[i - 1].rawValue)")
        }
        let rows = distinct.map { d -> [String] in
            let (y, m, day) = civil(fromDays: Int64(d))
            var row = [String(format: "%04lld-%02lld-%02lld", y, m, day)]
            for g in levels {
                switch g {
                case .month: row.append(String(format: "%04lld-%02lld", y, m))
                case .quarter: row.append(String(format: "%04lld-Q%lld", y, (m - 1) / 3 + 1))
                case .year: row.append(String(format: "%04lld", y))
                case .decade:
                    let lo = y >= 0 ? y / 10 * 10 : -((-y + 9) / 10) * 10
                    row.append("\(lo)-\(lo + 9)")
                }
            }
            row.append("*")
            return row
        }
        return try Hierarchy(attribute: attribute, rows: rows)
    }

    /// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01 (Hinnant's algorithm).
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
