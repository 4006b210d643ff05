import Tabular

/// Column access and derived key columns for scenario views. Every helper names the scenario
/// and column when the input does not fit its mapping.
enum View {
    /// The column `name`, or ``ScenarioError/missingColumn(scenario:column:available:)``.
    static func column(_ table: Table, _ name: String, _ scenario: ScenarioKind) throws -> Column {
        guard let column = table[name] else {
            throw ScenarioError.missingColumn(scenario: scenario.rawValue, column: name, available: table.columnNames)
        }
        return column
    }

    /// Row texts of a categorical (or any) column: dictionary lookups for categorical columns. O(n).
    static func strings(_ table: Table, _ name: String, _ scenario: ScenarioKind) throws -> [String] {
        let column = try column(table, name, scenario)
        switch column.values {
        case let .categorical(codes, dictionary): return codes.map { dictionary[Int($0)] }
        case let .bool(values): return values.map { $0 ? "true" : "false" }
        default: return (0..<column.count).map { column.text(at: $0) ?? "" }
        }
    }

    /// The dictionary codes of a categorical column (the privacy unit's identity per row).
    static func codes(_ column: Column, _ scenario: ScenarioKind) throws -> [UInt32] {
        guard case let .categorical(codes, _) = column.values else {
            throw ScenarioError.wrongColumnType(
                scenario: scenario.rawValue, column: column.name, expected: "categorical", found: "\(column.type)")
        }
        return codes
    }

    /// Numeric values as doubles (float64, int64 or bool).
    static func doubles(_ table: Table, _ name: String, _ scenario: ScenarioKind) throws -> [Double] {
        let column = try column(table, name, scenario)
        guard let values = column.numericValues else {
            throw ScenarioError.wrongColumnType(
                scenario: scenario.rawValue, column: name, expected: "numeric", found: "\(column.type)")
        }
        return values
    }

    /// Seconds since 1970 of a timestamp column.
    static func timestamps(_ table: Table, _ name: String, _ scenario: ScenarioKind) throws -> [Int64] {
        let column = try column(table, name, scenario)
        guard case let .timestamp(v) = column.values else {
            throw ScenarioError.wrongColumnType(
                scenario: scenario.rawValue, column: name, expected: "timestamp", found: "\(column.type)")
        }
        return v
    }

    /// Days since 1970 of a date (or timestamp) column.
    static func days(_ table: Table, _ name: String, _ scenario: ScenarioKind) throws -> [Int32] {
        let column = try column(table, name, scenario)
        switch column.values {
        case let .date(v): return v
        case let .timestamp(v): return v.map { Int32(floorDivide($0, 86_400)) }
        default:
            throw ScenarioError.wrongColumnType(
                scenario: scenario.rawValue, column: name, expected: "date", found: "\(column.type)")
        }
    }

    /// Hour of day (0–23) of local civil timestamps stored without offset.
    static func hours(_ seconds: [Int64]) -> [Int] { seconds.map { Int(floorModulo($0, 86_400) / 3_600) } }

    /// Two-digit hour labels "00"…"23".
    static let hourLabels: [String] = (0..<24).map { $0 < 10 ? "0\($0)" : "\($0)" }

    /// `YYYY-MM-DD` of a day number.
    static func dateText(_ day: Int32) -> String { CalendarCodec.formatDate(days: day) }

    /// All combinations of `parts` joined by "|", first part varying slowest.
    static func product(_ parts: [[String]]) -> [String] {
        parts.reduce([""]) { acc, next in acc.flatMap { prefix in next.map { prefix.isEmpty ? $0 : prefix + "|" + $0 } }
        }
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
    private static func floorModulo(_ a: Int64, _ b: Int64) -> Int64 { a - floorDivide(a, b) * b }
}

/// Noise standard deviation of one released cell: √2·b for the Laplace family, σ for Gaussians.
func noiseStandardDeviation(mechanism: String, scale: Double?) -> Double {
    guard let scale else { return 0 }
    return mechanism.lowercased().contains("laplace") ? scale * 2.0.squareRoot() : scale
}

/// Sums released cells by a key derived from each cell; the 95% interval of a sum of m
/// independent cells is ±1.96·√m·sd (normal approximation; exact intervals are per cell).
func sumCells(_ released: Released, groupKey: (String) -> String?) -> [(key: String, value: Double, half: Double)] {
    let sd = noiseStandardDeviation(mechanism: released.mechanism, scale: released.noiseScale)
    var order: [String] = []
    var sums: [String: (Double, Int)] = [:]
    for row in released.rows {
        guard let key = groupKey(row.key) else { continue }
        if sums[key] == nil {
            order.append(key)
            sums[key] = (0, 0)
        }
        sums[key]!.0 += row.value
        sums[key]!.1 += 1
    }
    return order.map { key in
        let (value, m) = sums[key]!
        return (key, value, 1.96 * Double(m).squareRoot() * sd)
    }
}

/// A post-processing bar section over the `daily_counts` release, keyed `place|middle|day`: per place, the
/// sum of its cells whose middle part is `middle` over the whole period, largest first, with
/// the interval ±1.96·√m·sd over its m cells.
func wholePeriodTotals(
    _ daily: Released, middle: String, days: Int, id: String, title: String, place: String,
    cells: String, valueName: String
) -> ReportSection {
    let totals = sumCells(daily) { key in
        let parts = key.split(separator: "|")
        return parts.count == 3 && parts[1] == middle ? String(parts[0]) : nil
    }.sorted { $0.value > $1.value }
    return ReportSection(
        id: id, title: title,
        note:
            "Post-processing of daily_counts: sum of each \(place)'s \(days) daily \(cells) cells; interval ±1.96·√\(days)·sd.",
        chart: .bars, labelNames: [place], valueName: valueName,
        rows: totals.map {
            ReportRow(labels: [$0.key], value: $0.value, lower: $0.value - $0.half, upper: $0.value + $0.half)
        },
        epsilon: 0, delta: 0, mechanism: "post-processing", noiseScale: nil, ledgerEntries: [])
}
