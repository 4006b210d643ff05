@testable import Tabular

/// A short description of the first difference between two tables, or `nil` when they are
/// equal — so failing expectations print one line instead of whole tables.
func firstDifference(_ a: Table, _ b: Table) -> String? {
    if a == b { return nil }
    if a.columnNames != b.columnNames { return "columns \(a.columnNames) vs \(b.columnNames)" }
    if a.rowCount != b.rowCount { return "rows \(a.rowCount) vs \(b.rowCount)" }
    for (x, y) in zip(a.columns, b.columns) where x != y {
        if x.type != y.type { return "\(x.name): type \(x.type) vs \(y.type)" }
        if x.validity != y.validity { return "\(x.name): validity differs (nulls \(x.nullCount) vs \(y.nullCount))" }
        if case let .categorical(_, d1) = x.values, case let .categorical(_, d2) = y.values, d1 != d2 {
            return
                "\(x.name): dictionaries differ, first at \(zip(d1, d2).enumerated().first { $0.element.0 != $0.element.1 }.map { "\($0.offset): \($0.element)" } ?? "length \(d1.count) vs \(d2.count)")"
        }
        for row in 0..<a.rowCount where x.text(at: row) != y.text(at: row) {
            return "\(x.name) row \(row): \(x.text(at: row) ?? "nil") vs \(y.text(at: row) ?? "nil")"
        }
        return "\(x.name): differs"
    }
    return "differs"
}
