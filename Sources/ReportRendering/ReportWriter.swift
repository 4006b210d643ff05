import Foundation
public import Scenarios

/// Writes a scenario's report as `report.json`, one CSV per section and a self-contained
/// `report.html` (inline SVG charts, no scripts), and the demo's `index.html`.
public enum ReportWriter {
    /// Writes `report` into `directory` (created if missing). Files are written to temporary
    /// names and renamed, so a failed run leaves no half-written report.
    ///
    /// - Returns: the paths written.
    @discardableResult
    public static func write(_ report: ScenarioReport, to directory: String) throws -> [String] {
        try OutputFiles.createDirectory(directory)
        var files: [(String, Data)] = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { files.append(("report.json", try encoder.encode(report))) } catch {
            throw ScenarioError.output(path: directory + "/report.json", reason: "\(error)")
        }
        for section in report.sections { files.append((section.id + ".csv", Data(csv(section).utf8))) }
        files.append(("report.html", Data(html(report).utf8)))
        var written: [String] = []
        for (name, data) in files {
            let path = directory + "/" + name
            try OutputFiles.atomicWrite(data, to: path)
            written.append(path)
        }
        return written
    }

    /// Writes the demo's `index.html` linking each scenario's report.
    public static func writeIndex(
        _ reports: [ScenarioReport], ledgerPath: String, to directory: String, seconds: Double
    ) throws {
        try OutputFiles.createDirectory(directory)
        var body = "<h1>PrivacyKernel demo: six scenarios on the embedded data</h1>\n"
        body +=
            "<p>Every number below was released through the ledger's release gate (authorisation checked, budget charged to <code>\(escape(ledgerPath))</code> before noise was sampled) or written through its export gate (k-anonymity checked). Total time \(String(format: "%.1f", seconds)) s.</p>\n"
        body +=
            "<table><tr><th>scenario</th><th>input sizes</th><th>ε spent / budget</th><th>δ spent</th><th>sections</th><th>seconds</th></tr>\n"
        for r in reports {
            let rows = escape(r.inputSizes.map(\.text).joined(separator: ", "))
            body +=
                "<tr><td><a href=\"\(r.scenario.rawValue)/report.html\">\(escape(r.title))</a></td><td>\(rows)</td><td>\(formatNumber(r.spentEpsilon)) / \(formatNumber(r.budgetEpsilon))</td><td>\(String(format: "%.2g", r.spentDelta))</td><td>\(r.sections.count)</td><td>\(String(format: "%.2f", r.seconds))</td></tr>\n"
        }
        body += "</table>\n"
        for r in reports {
            if let chart = r.sections.first(where: { $0.chart != .table }) {
                body +=
                    "<h2><a href=\"\(r.scenario.rawValue)/report.html\">\(escape(r.title))</a></h2>\n<h3>\(escape(chart.title))</h3>\n"
                    + svg(chart)
            }
        }
        try OutputFiles.atomicWrite(Data(page(title: "PrivacyKernel demo", body: body).utf8), to: directory + "/index.html")
    }

    // MARK: CSV

    /// The section as CSV: label columns, value, ci95_lower, ci95_upper, alert, raw_value (the
    /// noisy value before post-processing, empty when unchanged).
    static func csv(_ section: ReportSection) -> String {
        var out =
            (section.labelNames + [section.valueName, "ci95_lower", "ci95_upper", "alert", "raw_value"]).map(csvField)
            .joined(separator: ",") + "\n"
        for row in section.rows {
            var fields = row.labels.map(csvField)
            while fields.count < section.labelNames.count { fields.append("") }
            fields.append(number(row.value))
            fields.append(row.lower.map(number) ?? "")
            fields.append(row.upper.map(number) ?? "")
            fields.append(row.alert ? "true" : "false")
            fields.append(row.rawValue.map(number) ?? "")
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(format: "%.6g", x)
    }

    // MARK: HTML

    static func html(_ report: ScenarioReport) -> String {
        var body = "<p><a href=\"../index.html\">← all scenarios</a></p>\n<h1>\(escape(report.title))</h1>\n"
        if report.exact { body += "<p class=warn>EXACT TEST RELEASER: these numbers are exact and not private.</p>\n" }
        let rows = report.inputSizes.map(\.text).joined(separator: ", ")
        body += "<table class=meta><tr><th>data</th><td>\(escape(report.dataSource)) (rows: \(escape(rows)))</td></tr>"
        body +=
            "<tr><th>authorisation</th><td>operator <code>\(escape(report.operator))</code>, scenario <code>\(escape(report.ledgerScenario))</code></td></tr>"
        body +=
            "<tr><th>budget</th><td>ε = \(formatNumber(report.budgetEpsilon)), δ = \(String(format: "%.2g", report.budgetDelta)); split: \(escape(report.budgetSplit))</td></tr>"
        body +=
            "<tr><th>spent</th><td>ε = \(formatNumber(report.spentEpsilon)), δ = \(String(format: "%.2g", report.spentDelta)) (basic composition of the sections below)</td></tr>"
        if !report.exports.isEmpty {
            body +=
                "<tr><th>exports</th><td>"
                + report.exports.map {
                    "<a href=\"\(escape(URL(fileURLWithPath: $0).absoluteString))\">\(escape($0))</a>"
                }.joined(separator: ", ")
                + "</td></tr>"
        }
        body += "</table>\n"
        for section in report.sections {
            body += "<section><h2>\(escape(section.title))</h2>\n"
            body +=
                "<p class=cost>ε \(formatNumber(section.epsilon)), δ \(String(format: "%.2g", section.delta)) · \(escape(section.mechanism))"
            if let scale = section.noiseScale, scale > 0 {
                body += " · noise scale \(formatNumber(scale)) \(escape(section.valueName))"
            }
            body += " · <a href=\"\(section.id).csv\">\(section.id).csv</a> (\(section.rows.count) rows)</p>\n"
            body += "<p>\(escape(section.note))</p>\n"
            body += section.chart == .table ? tableHTML(section, limit: 40) : svg(section)
            if section.chart != .table && section.chart != .heatmap { body += tableHTML(section, limit: 30) }
            body += "</section>\n"
        }
        return page(title: report.title, body: body)
    }

    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
        h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
        table{border-collapse:collapse;font-size:.85em;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left}
        td.n{text-align:right;font-variant-numeric:tabular-nums}.cost{color:#555;font-size:.9em}.warn{color:#b00;font-weight:bold}.ok{color:#2a7d2a;font-weight:bold}
        svg{display:block;margin:.5em 0;max-width:100%}svg text{font-family:system-ui,sans-serif}
        </style></head><body>
        \(body)
        </body></html>

        """
    }

    static func tableHTML(_ section: ReportSection, limit: Int) -> String {
        var out = "<table><tr>" + section.labelNames.map { "<th>\(escape($0))</th>" }.joined()
        out += "<th>\(escape(section.valueName))</th><th>95% interval</th></tr>\n"
        for row in section.rows.prefix(limit) {
            out += "<tr>" + row.labels.map { "<td>\(escape($0))</td>" }.joined()
            out += "<td class=n>\(display(row.value))\(row.alert ? " ⚠" : "")</td><td class=n>"
            if let l = row.lower, let u = row.upper { out += "[\(display(l)), \(display(u))]" } else { out += "—" }
            out += "</td></tr>\n"
        }
        if section.rows.count > limit {
            out +=
                "<tr><td colspan=\(section.labelNames.count + 2)>… \(section.rows.count - limit) more rows in \(section.id).csv</td></tr>\n"
        }
        return out + "</table>\n"
    }

    static func display(_ x: Double) -> String {
        abs(x) >= 100 ? String(format: "%.0f", x) : String(format: "%.3g", x)
    }

    static func svg(_ section: ReportSection) -> String {
        switch section.chart {
        case .bars: return barsSVG(section)
        case .heatmap: return heatmapSVG(section)
        case .timeSeries: return timeSeriesSVG(section)
        case .table: return ""
        }
    }

    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"]

    static func barsSVG(_ section: ReportSection) -> String {
        let rows = Array(section.rows.prefix(40))
        guard !rows.isEmpty else { return "<p>(no rows released)</p>" }
        let labelWidth = 260.0, width = 900.0, barHeight = 18.0, top = 10.0
        let maxValue = max(rows.map { max($0.value, $0.upper ?? $0.value) }.max() ?? 1, 1e-9)
        let minValue = min(0, rows.map { min($0.value, $0.lower ?? $0.value) }.min() ?? 0)
        let scale = (width - labelWidth - 80) / (maxValue - minValue)
        let x0 = labelWidth + (-minValue) * scale
        let height = top + Double(rows.count) * (barHeight + 4) + 10
        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">\n"
        for (i, row) in rows.enumerated() {
            let y = top + Double(i) * (barHeight + 4)
            let x1 = labelWidth + (row.value - minValue) * scale
            let (a, b) = (min(x0, x1), abs(x1 - x0))
            out +=
                "<text x=\"\(labelWidth - 6)\" y=\"\(y + 13)\" font-size=\"12\" text-anchor=\"end\">\(escape(row.labels.joined(separator: " · ")))</text>"
            out +=
                "<rect x=\"\(f(a))\" y=\"\(f(y))\" width=\"\(f(max(b, 0.5)))\" height=\"\(barHeight)\" fill=\"\(row.alert ? "#d62728" : "#4e79a7")\"><title>\(escape(row.labels.joined(separator: " · "))): \(display(row.value))</title></rect>"
            if let l = row.lower, let u = row.upper {
                let xl = labelWidth + (l - minValue) * scale, xu = labelWidth + (u - minValue) * scale,
                    ym = y + barHeight / 2
                out +=
                    "<line x1=\"\(f(xl))\" x2=\"\(f(xu))\" y1=\"\(f(ym))\" y2=\"\(f(ym))\" stroke=\"#111\" stroke-width=\"1.5\"/>"
                out +=
                    "<line x1=\"\(f(xl))\" x2=\"\(f(xl))\" y1=\"\(f(ym - 4))\" y2=\"\(f(ym + 4))\" stroke=\"#111\"/><line x1=\"\(f(xu))\" x2=\"\(f(xu))\" y1=\"\(f(ym - 4))\" y2=\"\(f(ym + 4))\" stroke=\"#111\"/>"
            }
            out +=
                "<text x=\"\(f(max(x1, row.upper.map { labelWidth + ($0 - minValue) * scale } ?? x1) + 6))\" y=\"\(y + 13)\" font-size=\"11\" fill=\"#333\">\(display(row.value))</text>\n"
        }
        return out
            + "</svg>\n<p class=cost>Bars: released values; whiskers: 95% noise interval.\(section.rows.count > rows.count ? " First \(rows.count) of \(section.rows.count) rows." : "")</p>\n"
    }

    static func heatmapSVG(_ section: ReportSection) -> String {
        var rowKeys: [String] = [], colKeys: [String] = []
        var cells: [String: ReportRow] = [:]
        for row in section.rows where row.labels.count >= 2 {
            if !rowKeys.contains(row.labels[0]) { rowKeys.append(row.labels[0]) }
            if !colKeys.contains(row.labels[1]) { colKeys.append(row.labels[1]) }
            cells[row.labels[0] + "\u{1}" + row.labels[1]] = row
        }
        guard !rowKeys.isEmpty else { return "<p>(no cells released)</p>" }
        rowKeys.sort()
        colKeys.sort()
        let cell = 46.0, left = 230.0, top = 120.0
        let width = left + Double(colKeys.count) * cell + 20, height = top + Double(rowKeys.count) * cell + 30
        let maxValue = max(section.rows.map(\.value).max() ?? 1, 1e-9)
        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">\n"
        out +=
            "<text x=\"4\" y=\"14\" font-size=\"11\" fill=\"#555\">rows: \(escape(section.labelNames[0])) · columns: \(escape(section.labelNames.count > 1 ? section.labelNames[1] : "")) · blank: not released</text>\n"
        for (j, c) in colKeys.enumerated() {
            let x = left + Double(j) * cell + cell / 2
            out +=
                "<text transform=\"translate(\(f(x)),\(f(top - 6))) rotate(-55)\" font-size=\"11\">\(escape(c))</text>\n"
        }
        for (i, r) in rowKeys.enumerated() {
            let y = top + Double(i) * cell
            out +=
                "<text x=\"\(f(left - 6))\" y=\"\(f(y + cell / 2 + 4))\" font-size=\"11\" text-anchor=\"end\">\(escape(r))</text>"
            for (j, c) in colKeys.enumerated() {
                guard let row = cells[r + "\u{1}" + c] else { continue }
                let t = max(0, min(1, row.value / maxValue)).squareRoot()
                let x = left + Double(j) * cell
                let interval = row.lower.map { l in " (95% [\(display(l)), \(display(row.upper ?? l))])" } ?? ""
                out +=
                    "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell - 1))\" height=\"\(f(cell - 1))\" fill=\"\(heat(t))\"><title>\(escape(r)) → \(escape(c)): \(display(row.value))\(interval)</title></rect>"
                out +=
                    "<text x=\"\(f(x + cell / 2))\" y=\"\(f(y + cell / 2 + 4))\" font-size=\"10\" text-anchor=\"middle\" fill=\"\(t > 0.6 ? "#fff" : "#000")\">\(compact(row.value))</text>"
            }
            out += "\n"
        }
        let scaleText = section.noiseScale.map { " Noise scale per cell: \(formatNumber($0))." } ?? ""
        return out
            + "</svg>\n<p class=cost>Colour: √(value / max). Hover a cell for its 95% interval.\(scaleText)</p>\n"
    }

    static func timeSeriesSVG(_ section: ReportSection) -> String {
        var xs: [String] = [], series: [String] = []
        for row in section.rows {
            if !xs.contains(row.labels[0]) { xs.append(row.labels[0]) }
            let s = row.labels.count > 1 ? row.labels[1] : section.valueName
            if !series.contains(s) { series.append(s) }
        }
        xs.sort()
        guard xs.count >= 1 else { return "<p>(no points released)</p>" }
        let width = 900.0, height = 300.0, left = 70.0, right = 20.0, top = 20.0, bottom = 50.0
        let values = section.rows.flatMap { [$0.value, $0.lower ?? $0.value, $0.upper ?? $0.value] }
        let lo = min(0, values.min() ?? 0), hi = max(values.max() ?? 1, lo + 1e-9)
        func px(_ i: Int) -> Double {
            left + (xs.count == 1 ? 0.5 : Double(i) / Double(xs.count - 1)) * (width - left - right)
        }
        func py(_ v: Double) -> Double { top + (1 - (v - lo) / (hi - lo)) * (height - top - bottom) }
        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">\n"
        out +=
            "<line x1=\"\(left)\" x2=\"\(left)\" y1=\"\(top)\" y2=\"\(height - bottom)\" stroke=\"#888\"/><line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(f(py(lo)))\" y2=\"\(f(py(lo)))\" stroke=\"#888\"/>\n"
        for k in 0...4 {
            let v = lo + (hi - lo) * Double(k) / 4
            out +=
                "<text x=\"\(left - 4)\" y=\"\(f(py(v) + 4))\" font-size=\"10\" text-anchor=\"end\">\(compact(v))</text><line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(f(py(v)))\" y2=\"\(f(py(v)))\" stroke=\"#eee\"/>\n"
        }
        let step = max(1, xs.count / 12)
        for (i, x) in xs.enumerated() where i % step == 0 {
            out +=
                "<text transform=\"translate(\(f(px(i))),\(f(height - bottom + 14))) rotate(30)\" font-size=\"10\">\(escape(x))</text>\n"
        }
        let index = Dictionary(uniqueKeysWithValues: xs.enumerated().map { ($1, $0) })
        for (s, name) in series.enumerated() {
            let colour = palette[s % palette.count]
            let points = section.rows.filter { ($0.labels.count > 1 ? $0.labels[1] : section.valueName) == name }
                .sorted { $0.labels[0] < $1.labels[0] }
            // 95% band.
            let banded = points.filter { $0.lower != nil && $0.upper != nil }
            if banded.count > 1 {
                let upper = banded.map { "\(f(px(index[$0.labels[0]]!))),\(f(py($0.upper!)))" }
                let lower = banded.reversed().map { "\(f(px(index[$0.labels[0]]!))),\(f(py($0.lower!)))" }
                out +=
                    "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(colour)\" fill-opacity=\"0.15\" stroke=\"none\"/>\n"
            }
            out +=
                "<polyline points=\"\(points.map { "\(f(px(index[$0.labels[0]]!))),\(f(py($0.value)))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.8\"/>\n"
            for p in points where p.alert {
                let x = px(index[p.labels[0]]!), y = py(p.value)
                out +=
                    "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"5\" fill=\"#d62728\" stroke=\"#fff\"><title>ALERT \(escape(name)) \(escape(p.labels[0])): \(display(p.value))</title></circle>\n"
            }
            out +=
                "<rect x=\"\(f(left + 10 + Double(s) * 180))\" y=\"\(top - 14)\" width=\"12\" height=\"4\" fill=\"\(colour)\"/><text x=\"\(f(left + 26 + Double(s) * 180))\" y=\"\(top - 9)\" font-size=\"11\">\(escape(name))</text>\n"
        }
        let alerts = section.rows.filter(\.alert).count
        return out
            + "</svg>\n<p class=cost>Lines: released values; bands: 95% noise interval\(alerts > 0 ? "; red dots: \(alerts) alerts" : "").</p>\n"
    }

    static func heat(_ t: Double) -> String {
        // White → dark blue.
        let r = Int(247 - t * (247 - 8)), g = Int(251 - t * (251 - 48)), b = Int(255 - t * (255 - 107))
        func hex(_ v: Int) -> String {
            let h = String(max(0, min(255, v)), radix: 16)
            return h.count == 1 ? "0" + h : h
        }
        return "#" + hex(r) + hex(g) + hex(b)
    }

    static func compact(_ x: Double) -> String {
        let a = abs(x)
        if a >= 1e9 { return String(format: "%.1fG", x / 1e9) }
        if a >= 1e6 { return String(format: "%.1fM", x / 1e6) }
        if a >= 1e4 { return String(format: "%.0fk", x / 1e3) }
        return String(format: "%.0f", x)
    }

    static func f(_ x: Double) -> String { String(format: "%.1f", x) }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
