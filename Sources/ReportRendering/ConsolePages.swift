public import Foundation
public import PrivacyLedger

/// The regulator's web console (served by the platform service under `/console`): plain HTML
/// and SVG, no script, no external asset. Each page is rendered from the ledger on request;
/// every figure is a governance record (budgets, refusals, exports, the audit chain), never a
/// value of the data.
public enum ConsolePages {
    /// One authorisation as the console shows it.
    public struct AuthorisationLine: Sendable {
        /// The ledger's identifier.
        public let id: Int64
        /// The operator.
        public let `operator`: String
        /// The scenario.
        public let scenario: String
        /// The dataset's API name.
        public let dataset: String
        /// The budget as text (`ε=1.0`).
        public let budget: String
        /// The budget's total and what was spent, in its unit.
        public let total: Double, spent: Double
        /// `active`, `suspended` or `terminated` (or `expired`, `not yet valid`).
        public let standing: String
        /// The end of the validity window.
        public let validTo: Date

        /// A line of the overview.
        public init(
            id: Int64, operator op: String, scenario: String, dataset: String, budget: String, total: Double,
            spent: Double, standing: String, validTo: Date
        ) {
            self.id = id
            self.operator = op
            self.scenario = scenario
            self.dataset = dataset
            self.budget = budget
            self.total = total
            self.spent = spent
            self.standing = standing
            self.validTo = validTo
        }
    }

    /// The audit log's verification as the console shows it.
    public struct AuditSummary: Sendable {
        /// Entries in the chain and the head hash.
        public let entries: Int, head: String
        /// `nil` when the chain verifies, else what breaks it.
        public let chainProblem: String?
        /// Signatures verified and the failures.
        public let signaturesVerified: Int, signatureFailures: [String]
        /// Objects whose row differs from the recorded state.
        public let stateDisagreements: [String]

        /// A summary.
        public init(
            entries: Int, head: String, chainProblem: String?, signaturesVerified: Int, signatureFailures: [String],
            stateDisagreements: [String]
        ) {
            self.entries = entries
            self.head = head
            self.chainProblem = chainProblem
            self.signaturesVerified = signaturesVerified
            self.signatureFailures = signatureFailures
            self.stateDisagreements = stateDisagreements
        }
    }

    /// The console's pages, in navigation order.
    static let sections = [
        ("", "Authorisations"), ("audit", "Audit chain"), ("refusals", "Refusals"), ("exports", "Exports"),
        ("reports", "Reports"),
    ]

    /// A console page: the navigation, who is logged in, and `body`.
    static func page(_ title: String, principal: String, current: String, body: String) -> String {
        let e = ReportWriter.escape
        var nav = "<nav class=cost>"
        nav += sections.map { path, label in
            let href = path.isEmpty ? "/console" : "/console/\(path)"
            return path == current ? "<b>\(e(label))</b>" : "<a href=\"\(href)\">\(e(label))</a>"
        }.joined(separator: " · ")
        nav += " — logged in as <b id=principal>\(e(principal))</b></nav>\n"
        return ReportWriter.page(title: "Console: \(title)", body: nav + "<h1>\(e(title))</h1>\n" + body)
    }

    /// The overview: every authorisation with a budget gauge and its standing.
    ///
    /// - Complexity: O(authorisations).
    public static func authorisations(_ lines: [AuthorisationLine], principal: String) -> String {
        let e = ReportWriter.escape
        guard !lines.isEmpty else {
            return page("Authorisations", principal: principal, current: "", body: "<p>No authorisation.</p>\n")
        }
        var body = "<table><tr><th>id</th><th>operator</th><th>scenario</th><th>dataset</th><th>budget</th>"
        body += "<th>spent</th><th>standing</th><th>valid to</th></tr>\n"
        for line in lines {
            let share = line.total > 0 ? min(1, max(0, line.spent / line.total)) : 0
            let colour = share >= 0.9 ? "#e15759" : (share >= 0.6 ? "#f28e2b" : "#59a14f")
            let gauge =
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"160\" height=\"14\" role=\"img\" aria-label=\"\(Int((share * 100).rounded()))% spent\">"
                + "<rect width=\"160\" height=\"14\" fill=\"#eee\"/><rect width=\"\(ReportWriter.f(160 * share))\" height=\"14\" fill=\"\(colour)\"/></svg>"
            let standing = line.standing == "active" ? e(line.standing) : "<span class=warn>\(e(line.standing))</span>"
            body += "<tr class=authorisation><td class=n>\(line.id)</td><td>\(e(line.operator))</td>"
            body += "<td>\(e(line.scenario))</td><td>\(e(line.dataset))</td><td>\(e(line.budget))</td>"
            body +=
                "<td>\(gauge) \(LedgerReportPages.number(line.spent)) of \(LedgerReportPages.number(line.total))</td>"
            body += "<td class=standing>\(standing)</td><td>\(e(LedgerReportPages.iso(line.validTo)))</td></tr>\n"
        }
        return page("Authorisations", principal: principal, current: "", body: body + "</table>\n")
    }

    /// The audit chain: its verification and the latest entries.
    ///
    /// - Complexity: O(entries shown).
    public static func audit(_ summary: AuditSummary, latest: [AuditEntry], principal: String) -> String {
        let e = ReportWriter.escape
        let verifies =
            summary.chainProblem == nil && summary.signatureFailures.isEmpty
            && summary.stateDisagreements.isEmpty
        var body =
            verifies
            ? "<p id=verdict class=ok>The audit chain verifies: \(summary.entries) entries, \(summary.signaturesVerified) signatures, recorded state unchanged. Head <code>\(e(summary.head))</code>.</p>\n"
            : "<p id=verdict class=warn>The audit chain does NOT verify.</p>\n"
        if let problem = summary.chainProblem { body += "<p class=warn>\(e(problem))</p>\n" }
        for failure in summary.signatureFailures + summary.stateDisagreements {
            body += "<p class=warn>\(e(failure))</p>\n"
        }
        body += "<h2>Latest entries</h2>\n"
        body += LedgerReportPages.table(
            ["#", "time", "actor", "action", "hash"],
            latest.reversed().map {
                ["\($0.sequence)", LedgerReportPages.iso($0.time), $0.actor, $0.action, String($0.hash.prefix(16))]
            },
            numeric: [0])
        return page("Audit chain", principal: principal, current: "audit", body: body)
    }

    /// Refusals over time (per UTC day), by rule, and the latest ones.
    ///
    /// - Complexity: O(refusals).
    public static func refusals(_ records: [RefusalRecord], principal: String) -> String {
        var body = "<p>\(records.count) refusals on record.</p>\n<h2>Per day</h2>\n"
        var perDay: [String: Int] = [:], perRule: [String: Int] = [:]
        for record in records {
            perDay[String(LedgerReportPages.iso(record.time).prefix(10)), default: 0] += 1
            perRule[record.rule, default: 0] += 1
        }
        body += LedgerReportPages.bars(perDay.sorted { $0.key < $1.key }.map { ($0.key, Double($0.value)) })
        body += "<h2>By rule</h2>\n"
        body += LedgerReportPages.bars(
            perRule.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { ($0.key, Double($0.value)) })
        body += "<h2>Latest</h2>\n"
        body += LedgerReportPages.table(
            ["time", "operator", "scenario", "rule", "request"],
            records.suffix(100).reversed().map {
                [LedgerReportPages.iso($0.time), $0.operator, $0.scenario, $0.rule, $0.request]
            }, warn: 3)
        return page("Refusals", principal: principal, current: "refusals", body: body)
    }

    /// The exports: file, operator, digest, size, and whether the operator downloaded it.
    ///
    /// - Complexity: O(exports).
    public static func exports(_ records: [ReleaseRecord], downloaded: Set<String>, principal: String) -> String {
        let body = LedgerReportPages.table(
            ["time", "operator", "scenario", "file", "SHA-256", "bytes", "downloaded"],
            records.reversed().map {
                [
                    LedgerReportPages.iso($0.chargedAt), $0.operator, $0.scenario,
                    URL(fileURLWithPath: $0.query).lastPathComponent, String(($0.resultDigest ?? "").prefix(16)),
                    "\($0.bytesExported ?? 0)", downloaded.contains($0.id) ? "yes" : "no",
                ]
            }, numeric: [5], none: "No export.")
        return page("Exports", principal: principal, current: "exports", body: body)
    }

    /// Links to the two reports of the seed: each operator's security report for `half` and the
    /// operation report for `year`.
    public static func reports(operators: [String], half: String, year: String, principal: String) -> String {
        let e = ReportWriter.escape
        var body = "<h2>Security reports (\(e(half)))</h2>\n<ul>\n"
        for op in operators {
            let query =
                "operator=\(op.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? op)&period=\(half)"
            body += "<li><a class=report href=\"/console/reports/security?\(e(query))\">\(e(op))</a></li>\n"
        }
        if operators.isEmpty { body += "<li>No operator holds an authorisation.</li>\n" }
        body += "</ul>\n<h2>Operation report</h2>\n"
        body +=
            "<p><a class=report href=\"/console/reports/operation?period=\(e(year))\">Operation report \(e(year))</a></p>\n"
        return page("Reports", principal: principal, current: "reports", body: body)
    }

    /// The page a request without a valid console session gets.
    public static func loggedOut() -> String {
        ReportWriter.page(
            title: "Console: log in",
            body: """
                <h1>Log in</h1>
                <p>The console is for the regulator. Ask the service for a one-time login link with your identity:</p>
                <pre>privacy-kernel client --identity REGULATOR.key POST /v1/console/sessions</pre>
                <p>and open the link it prints within 60 seconds.</p>
                """)
    }
}
