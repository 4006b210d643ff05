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
        body += "<h2>Authorisations</h2>\n<table><tr><th>scenario</th><th>standing</th><th>budget</th>"
        body += "<th>spent</th><th>remaining</th><th>charged in period</th><th>releases in period</th></tr>\n"
        for a in report.authorisations {
            body += "<tr><td>\(e(a.scenario))</td><td>\(e(a.standing))</td><td>\(e(a.budget))</td>"
            body += "<td class=n>\(number(a.spent))</td><td class=n>\(number(a.remaining))</td>"
            body += "<td class=n>\(number(a.chargedInPeriod))</td><td class=n>\(a.releasesInPeriod)</td></tr>\n"
        }
        body +=
            "</table>\n<p>\(report.releases) releases charged; \(report.exports.count) exports; \(report.refusals) refusals.</p>\n"
        body += "<h2>Refusals by rule</h2>\n"
        body += bars(
            report.refusalsByRule.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { ($0.key, Double($0.value)) })
        body += "<h2>Incidents</h2>\n"
        if report.incidents.isEmpty {
            body += "<p>None: no tampered state, unauthenticated request, raw read or changed file was refused.</p>\n"
        } else {
            body += "<table><tr><th>time</th><th>rule</th><th>scenario</th><th>dataset</th><th>request</th></tr>\n"
            for r in report.incidents {
                body += "<tr><td>\(e(iso(r.time)))</td><td class=warn>\(e(r.rule))</td><td>\(e(r.scenario))</td>"
                body += "<td>\(e(r.dataset))</td><td>\(e(r.request))</td></tr>\n"
            }
            body += "</table>\n"
        }
        body += "<h2>Status changes</h2>\n"
        if report.statusChanges.isEmpty {
            body += "<p>None.</p>\n"
        } else {
            body += "<table><tr><th>time</th><th>scenario</th><th>status</th><th>reason</th><th>by</th></tr>\n"
            for c in report.statusChanges {
                body += "<tr><td>\(e(iso(c.time)))</td><td>\(e(c.scenario))</td><td>\(e(c.status))</td>"
                body += "<td>\(e(c.reason))</td><td>\(e(c.actor))</td></tr>\n"
            }
            body += "</table>\n"
        }
        body += "<h2>Exports</h2>\n"
        if report.exports.isEmpty {
            body += "<p>None.</p>\n"
        } else {
            body += "<table><tr><th>time</th><th>scenario</th><th>file</th><th>checks passed</th><th>bytes</th></tr>\n"
            for x in report.exports {
                body += "<tr><td>\(e(iso(x.time)))</td><td>\(e(x.scenario))</td><td>\(e(x.path))</td>"
                body += "<td>\(e(x.check))</td><td class=n>\(x.bytes)</td></tr>\n"
            }
            body += "</table>\n"
        }
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
            "\(report.rowsScanned) rows scanned, \(number(report.cpuSeconds)) CPU seconds, \(report.bytesExported) bytes exported.</p>\n"
        body +=
            "<h2>Per operator</h2>\n<table><tr><th>operator</th><th>releases</th><th>exports</th><th>rows scanned</th>"
        body += "<th>CPU s</th><th>bytes exported</th><th>refusals</th></tr>\n"
        for o in report.operators {
            body += "<tr><td>\(e(o.operator))</td><td class=n>\(o.releases)</td><td class=n>\(o.exports)</td>"
            body += "<td class=n>\(o.rowsScanned)</td><td class=n>\(number(o.cpuSeconds))</td>"
            body += "<td class=n>\(o.bytesExported)</td><td class=n>\(o.refusals)</td></tr>\n"
        }
        body += "</table>\n<h2>Releases per operator</h2>\n"
        body += bars(report.operators.map { ($0.operator, Double($0.releases)) })
        body += "<h2>CPU seconds per operator (borne by the operator)</h2>\n"
        body += bars(report.operators.map { ($0.operator, $0.cpuSeconds) })
        return ReportWriter.page(title: "Operation report", body: body)
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
