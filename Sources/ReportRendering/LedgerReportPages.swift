public import PrivacyLedger
import Foundation

/// The ledger's reports as self-contained HTML pages (inline CSS and SVG, no external assets):
/// the semi-annual security report of an operator and the annual operation report. The figures
/// are governance records (counts of releases, refusals, bytes), exact by nature: they describe
/// what the platform did, not the data.
public enum LedgerReportPages {
    /// The security report as an HTML page.
    ///
    /// - Complexity: O(lines of the report).
    public static func html(_ report: SecurityReport) -> String {
        let e = ReportWriter.escape
        var body = "<h1>Security report: \(e(report.operator))</h1>\n"
        body += "<p class=cost>Period \(e(report.period.description)); generated \(e(iso(report.generatedAt))).</p>\n"
        body += "<h2>Authorisations</h2>\n"
        body += table(
            ["scenario", "standing", "budget", "spent", "remaining", "charged in period", "releases in period"],
            report.authorisations.map {
                [
                    $0.scenario, $0.standing, $0.budget, number($0.spent), number($0.remaining),
                    number($0.chargedInPeriod), "\($0.releasesInPeriod)",
                ]
            }, numeric: [3, 4, 5, 6])
        body +=
            "<p>\(report.releases) releases charged; \(report.exports.count) exports; \(report.refusals) refusals.</p>\n"
        body += "<h2>Refusals by rule</h2>\n"
        body += bars(
            report.refusalsByRule.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { ($0.key, Double($0.value)) })
        body += "<h2>Incidents</h2>\n"
        body += table(
            ["time", "rule", "scenario", "dataset", "request"],
            report.incidents.map { [iso($0.time), $0.rule, $0.scenario, $0.dataset, $0.request] }, warn: 1,
            none: "None: no tampered state, unauthenticated request, raw read or changed file was refused.")
        body += "<h2>Status changes</h2>\n"
        body += table(
            ["time", "scenario", "status", "reason", "by"],
            report.statusChanges.map { [iso($0.time), $0.scenario, $0.status, $0.reason, $0.actor] })
        body += "<h2>Exports</h2>\n"
        body += table(
            ["time", "scenario", "file", "checks passed", "bytes"],
            report.exports.map { [iso($0.time), $0.scenario, $0.path, $0.check, "\($0.bytes)"] }, numeric: [4])
        return ReportWriter.page(title: "Security report: \(report.operator)", body: body)
    }

    /// The operation report as an HTML page.
    ///
    /// - Complexity: O(operators).
    public static func html(_ report: OperationReport) -> String {
        let e = ReportWriter.escape
        var body = "<h1>Operation report</h1>\n"
        body += "<p class=cost>Period \(e(report.period.description)); generated \(e(iso(report.generatedAt))).</p>\n"
        body +=
            "<p>\(report.releases) releases and \(report.exports) data products (exports) by \(report.operators.count) "
        body +=
            "operators under \(report.authorisationsActive) authorisations over \(report.datasets) registered datasets; "
        body +=
            "\(report.rowsScanned) rows and \(report.bytesScanned) bytes scanned, \(number(report.cpuSeconds)) CPU seconds, \(report.bytesExported) bytes exported.</p>\n"
        body += "<h2>Per operator</h2>\n"
        body += table(
            ["operator", "releases", "exports", "rows scanned", "bytes scanned", "CPU s", "bytes exported", "refusals"],
            report.operators.map {
                [
                    $0.operator, "\($0.releases)", "\($0.exports)", "\($0.rowsScanned)", "\($0.bytesScanned)", number($0.cpuSeconds),
                    "\($0.bytesExported)", "\($0.refusals)",
                ]
            }, numeric: [1, 2, 3, 4, 5, 6, 7])
        body += "<h2>Releases per operator</h2>\n"
        body += bars(report.operators.map { ($0.operator, Double($0.releases)) })
        body += "<h2>CPU seconds per operator (borne by the operator)</h2>\n"
        body += bars(report.operators.map { ($0.operator, $0.cpuSeconds) })
        return ReportWriter.page(title: "Operation report", body: body)
    }

    /// An HTML table of escaped cells (`numeric` columns right-aligned, the `warn` column in
    /// red), or `none` as a paragraph when there are no rows.
    static func table(
        _ headers: [String], _ rows: [[String]], numeric: Set<Int> = [], warn: Int? = nil, none: String = "None."
    ) -> String {
        guard !rows.isEmpty else { return "<p>\(ReportWriter.escape(none))</p>\n" }
        var out = "<table><tr>" + headers.map { "<th>\(ReportWriter.escape($0))</th>" }.joined() + "</tr>\n"
        for row in rows {
            out += "<tr>"
            for (index, cell) in row.enumerated() {
                let style = numeric.contains(index) ? " class=n" : (index == warn ? " class=warn" : "")
                out += "<td\(style)>\(ReportWriter.escape(cell))</td>"
            }
            out += "</tr>\n"
        }
        return out + "</table>\n"
    }

    /// A horizontal bar chart of labelled non-negative values.
    static func bars(_ items: [(String, Double)]) -> String {
        guard !items.isEmpty else { return "<p>None.</p>\n" }
        let labelWidth = 240.0, width = 760.0, barHeight = 18.0
        let largest = max(items.map(\.1).max() ?? 1, 1e-9)
        let height = Double(items.count) * (barHeight + 4) + 10
        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">\n"
        for (index, (label, value)) in items.enumerated() {
            let y = 5 + Double(index) * (barHeight + 4)
            let w = max(0.5, value / largest * (width - labelWidth - 80))
            out +=
                "<text x=\"\(labelWidth - 6)\" y=\"\(ReportWriter.f(y + 13))\" font-size=\"12\" text-anchor=\"end\">\(ReportWriter.escape(label))</text>"
            out +=
                "<rect x=\"\(labelWidth)\" y=\"\(ReportWriter.f(y))\" width=\"\(ReportWriter.f(w))\" height=\"\(barHeight)\" fill=\"#4e79a7\"/>"
            out +=
                "<text x=\"\(ReportWriter.f(labelWidth + w + 6))\" y=\"\(ReportWriter.f(y + 13))\" font-size=\"11\">\(number(value))</text>\n"
        }
        return out + "</svg>\n"
    }

    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(format: "%.4g", x)
    }

    static func iso(_ date: Date) -> String { date.formatted(.iso8601) }
}
