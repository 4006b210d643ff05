public import Foundation

/// A half-open reporting period [``from``, ``to``), in UTC.
public struct ReportPeriod: Sendable, Hashable, Codable, CustomStringConvertible {
    /// First instant included.
    public let from: Date
    /// First instant after the period.
    public let to: Date

    /// A period; `from` must be before `to`.
    ///
    /// - Throws: ``PrivacyLedgerError/invalidParameter(name:value:reason:)`` otherwise.
    public init(from: Date, to: Date) throws(PrivacyLedgerError) {
        guard from < to else {
            throw .invalidParameter(
                name: "period", value: "\(iso(from)) … \(iso(to))", reason: "must end after it starts")
        }
        self.from = from
        self.to = to
    }

    /// A calendar year (`2026`) or half-year (`2026H1`: January–June, `2026H2`: July–December),
    /// the periods of the plan's annual operation report and semi-annual security report.
    ///
    /// - Throws: ``PrivacyLedgerError/invalidParameter(name:value:reason:)`` for other text.
    public init(parsing text: String) throws(PrivacyLedgerError) {
        let parts = text.uppercased().split(separator: "H", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let year = Int(parts[0]), (1970...9999).contains(year),
            parts.count == 1 || parts[1] == "1" || parts[1] == "2"
        else {
            throw .invalidParameter(
                name: "period", value: text, reason: "give a year (2026) or a half-year (2026H1, 2026H2)")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let startMonth = parts.count == 2 && parts[1] == "2" ? 7 : 1
        let months = parts.count == 1 ? 12 : 6
        let start = calendar.date(from: DateComponents(year: year, month: startMonth, day: 1))!
        try self.init(from: start, to: calendar.date(byAdding: .month, value: months, to: start)!)
    }

    /// `from … to` in ISO 8601.
    public var description: String { "\(iso(from)) … \(iso(to))" }

    func contains(_ time: Double) -> Bool { time >= from.timeIntervalSince1970 && time < to.timeIntervalSince1970 }
}

/// The semi-annual security report of one authorised operator, generated from the ledger
/// (``SQLiteLedger/securityReport(operator:period:)``): its authorisations and budgets, what it
/// released and exported, every refusal by rule, status changes, and the refusals that point at
/// an attack (tampered state, unauthenticated requests, raw reads in platform mode, changed files).
public struct SecurityReport: Sendable, Codable {
    /// One authorisation of the operator.
    public struct AuthorisationLine: Sendable, Codable {
        /// The scenario.
        public let scenario: String
        /// Its standing at the end of the period (or now, if earlier).
        public let standing: String
        /// The budget, in words.
        public let budget: String
        /// Spent in total, in the budget's terms.
        public let spent: Double
        /// Left.
        public let remaining: Double
        /// Stated ε of the releases charged in the period (ε-budgets), or ρ (zCDP budgets).
        public let chargedInPeriod: Double
        /// Releases charged in the period.
        public let releasesInPeriod: Int
    }

    /// One export in the period.
    public struct ExportLine: Sendable, Codable {
        /// When.
        public let time: Date
        /// The scenario.
        public let scenario: String
        /// The file written.
        public let path: String
        /// The checks it passed.
        public let check: String
        /// Bytes written.
        public let bytes: Int64
    }

    /// One status change in the period.
    public struct StatusChange: Sendable, Codable {
        /// When.
        public let time: Date
        /// The scenario.
        public let scenario: String
        /// The new status (active after a resume or a grant, suspended, terminated).
        public let status: String
        /// Why.
        public let reason: String
        /// Who decided.
        public let actor: String
    }

    /// The operator.
    public let `operator`: String
    /// The period.
    public let period: ReportPeriod
    /// When the report was generated.
    public let generatedAt: Date
    /// Its authorisations (granted before the period ended).
    public let authorisations: [AuthorisationLine]
    /// DP releases and computations charged in the period.
    public let releases: Int
    /// Exports in the period.
    public let exports: [ExportLine]
    /// Refusals in the period, by rule.
    public let refusalsByRule: [String: Int]
    /// Status changes in the period (grants, suspensions, resumptions, terminations).
    public let statusChanges: [StatusChange]
    /// Refusals that point at an attack rather than a mistake: `state-tampered`,
    /// `unauthenticated`, `role-not-held`, `platform-mode`, `dataset-changed`, `audit-chain-broken`.
    public let incidents: [RefusalRecord]

    /// All refusals in the period.
    public let refusals: Int

    /// The rules whose refusals are listed as incidents.
    public static let incidentRules: Set<String> = [
        "state-tampered", "unauthenticated", "role-not-held", "platform-mode", "dataset-changed", "audit-chain-broken",
    ]
}

/// The annual operation report of the platform, generated from the ledger
/// (``SQLiteLedger/operationReport(period:)``): per authorised operator, releases, data products
/// (exports) and metered costs (rows scanned, CPU seconds, bytes exported), and refusals.
public struct OperationReport: Sendable, Codable {
    /// One operator's year.
    public struct OperatorLine: Sendable, Codable {
        /// The operator.
        public let `operator`: String
        /// DP releases and computations charged.
        public let releases: Int
        /// Exports (data products).
        public let exports: Int
        /// Rows scanned by its releases.
        public let rowsScanned: Int64
        /// Bytes scanned by its releases (those over files).
        public let bytesScanned: Int64
        /// CPU seconds metered.
        public let cpuSeconds: Double
        /// Bytes exported.
        public let bytesExported: Int64
        /// Refused requests.
        public let refusals: Int
    }

    /// The period.
    public let period: ReportPeriod
    /// When the report was generated.
    public let generatedAt: Date
    /// One line per operator with activity in the period, by name.
    public let operators: [OperatorLine]
    /// Authorisations active at some time in the period.
    public let authorisationsActive: Int
    /// Registered datasets.
    public let datasets: Int

    /// Releases of all operators.
    public let releases: Int
    /// Exports of all operators.
    public let exports: Int
    /// Rows scanned by all operators.
    public let rowsScanned: Int64
    /// Bytes scanned by all operators.
    public let bytesScanned: Int64
    /// CPU seconds of all operators.
    public let cpuSeconds: Double
    /// Bytes exported by all operators.
    public let bytesExported: Int64
    /// Refusals of everyone.
    public let refusals: Int

    init(
        period: ReportPeriod, generatedAt: Date, operators: [OperatorLine], authorisationsActive: Int, datasets: Int,
        refusals: Int
    ) {
        self.period = period
        self.generatedAt = generatedAt
        self.operators = operators
        self.authorisationsActive = authorisationsActive
        self.datasets = datasets
        releases = operators.reduce(0) { $0 + $1.releases }
        exports = operators.reduce(0) { $0 + $1.exports }
        rowsScanned = operators.reduce(0) { $0 + $1.rowsScanned }
        bytesScanned = operators.reduce(0) { $0 + $1.bytesScanned }
        cpuSeconds = operators.reduce(0) { $0 + $1.cpuSeconds }
        bytesExported = operators.reduce(0) { $0 + $1.bytesExported }
        self.refusals = refusals
    }
}

extension SQLiteLedger {
    // MARK: Reports

    /// The semi-annual security report of `operator` for `period` (see ``SecurityReport``).
    /// Read-only; works on a read-only copy of the ledger. Refusals older than a purge are gone
    /// with it.
    ///
    /// - Complexity: O(releases + audit entries + status changes).
    public func securityReport(operator op: String, period: ReportPeriod) throws(PrivacyLedgerError) -> SecurityReport {
        let generated = now
        let end = min(period.to, generated)
        let refusals = try self.refusals(operator: op).filter { period.contains($0.time.timeIntervalSince1970) }
        return try read { db in
            var lines: [SecurityReport.AuthorisationLine] = []
            var releases = 0
            for id in try db.values(
                Int64.self, sql: "SELECT id FROM authorisations WHERE operator = ? AND granted_at < ? ORDER BY id",
                arguments: [op, period.to.timeIntervalSince1970])
            {
                guard let a = try Self.authorisation(db, id: id) else { continue }
                var charged = 0.0, count = 0
                for row in try db.rows(
                    sql:
                        "SELECT epsilon, rho FROM releases WHERE authorisation_id = ? AND kind = 'dp' AND charged_at >= ? AND charged_at < ?",
                    arguments: [id, period.from.timeIntervalSince1970, period.to.timeIntervalSince1970])
                {
                    count += 1
                    if case .zCDP = a.budget {
                        charged += (try row.ledgerValue("rho", as: Double?.self)) ?? 0
                    } else {
                        charged += (try row.ledgerValue("epsilon", as: Double?.self)) ?? 0
                    }
                }
                releases += count
                lines.append(
                    SecurityReport.AuthorisationLine(
                        scenario: a.scenario, standing: a.standing(at: end).rawValue, budget: a.budget.description,
                        spent: a.spent, remaining: a.remaining, chargedInPeriod: charged, releasesInPeriod: count))
            }
            let exports = try db.rows(
                sql: """
                    SELECT charged_at, scenario, query, parameters, bytes_exported FROM releases
                    WHERE operator = ? AND kind = 'export' AND charged_at >= ? AND charged_at < ? ORDER BY charged_at
                    """, arguments: [op, period.from.timeIntervalSince1970, period.to.timeIntervalSince1970]
            ).map { row in
                SecurityReport.ExportLine(
                    time: Date(timeIntervalSince1970: try row.ledgerValue("charged_at")),
                    scenario: try row.ledgerValue("scenario"), path: try row.ledgerValue("query"),
                    check: AuditLog.decodeDetails(try row.ledgerValue("parameters"))["check"] ?? "",
                    bytes: (try row.ledgerValue("bytes_exported", as: Int64?.self)) ?? 0)
            }
            let changes = try db.rows(
                sql: """
                    SELECT h.time, a.scenario, h.status, h.reason, h.actor FROM status_history h
                    JOIN authorisations a ON a.id = h.authorisation_id
                    WHERE a.operator = ? AND h.time >= ? AND h.time < ? ORDER BY h.time, h.rowid
                    """, arguments: [op, period.from.timeIntervalSince1970, period.to.timeIntervalSince1970]
            ).map { row in
                SecurityReport.StatusChange(
                    time: Date(timeIntervalSince1970: try row.ledgerValue("time")),
                    scenario: try row.ledgerValue("scenario"),
                    status: try row.ledgerValue("status"), reason: try row.ledgerValue("reason"),
                    actor: try row.ledgerValue("actor"))
            }
            var byRule: [String: Int] = [:]
            for refusal in refusals { byRule[refusal.rule, default: 0] += 1 }
            return SecurityReport(
                operator: op, period: period, generatedAt: generated, authorisations: lines, releases: releases,
                exports: exports, refusalsByRule: byRule, statusChanges: changes,
                incidents: refusals.filter { SecurityReport.incidentRules.contains($0.rule) }, refusals: refusals.count)
        }
    }

    /// The annual operation report for `period` (see ``OperationReport``). Read-only.
    ///
    /// - Complexity: O(releases + audit entries).
    public func operationReport(period: ReportPeriod) throws(PrivacyLedgerError) -> OperationReport {
        let generated = now
        let refusals = try self.refusals().filter { period.contains($0.time.timeIntervalSince1970) }
        return try read { db in
            var lines: [String: OperationReport.OperatorLine] = [:]
            for row in try db.rows(
                sql: """
                    SELECT operator, sum(CASE WHEN kind = 'dp' THEN 1 ELSE 0 END) AS releases, sum(CASE WHEN kind = 'export' THEN 1 ELSE 0 END) AS exports,
                           coalesce(sum(rows_scanned), 0) AS rows, coalesce(sum(bytes_scanned), 0) AS scanned,
                           coalesce(sum(cpu_seconds), 0) AS cpu,
                           coalesce(sum(bytes_exported), 0) AS bytes
                    FROM releases WHERE charged_at >= ? AND charged_at < ? GROUP BY operator
                    """, arguments: [period.from.timeIntervalSince1970, period.to.timeIntervalSince1970])
            {
                let name: String = try row.ledgerValue("operator")
                lines[name] = OperationReport.OperatorLine(
                    operator: name, releases: try row.ledgerValue("releases"), exports: try row.ledgerValue("exports"),
                    rowsScanned: try row.ledgerValue("rows"), bytesScanned: try row.ledgerValue("scanned"),
                    cpuSeconds: try row.ledgerValue("cpu"),
                    bytesExported: try row.ledgerValue("bytes"),
                    refusals: refusals.filter { $0.operator == name }.count)
            }
            // Operators with refusals only.
            for (name, count) in Dictionary(grouping: refusals, by: \.operator).mapValues(\.count)
            where lines[name] == nil {
                lines[name] = OperationReport.OperatorLine(
                    operator: name, releases: 0, exports: 0, rowsScanned: 0, bytesScanned: 0, cpuSeconds: 0, bytesExported: 0,
                    refusals: count)
            }
            let active =
                try db.value(
                    Int.self,
                    sql: """
                        SELECT count(*) FROM authorisations a WHERE a.valid_from < ? AND a.valid_to > ? AND (a.status != 'terminated'
                            OR (SELECT max(time) FROM status_history h WHERE h.authorisation_id = a.id AND h.status = 'terminated') >= ?)
                        """,
                    arguments: [
                        period.to.timeIntervalSince1970, period.from.timeIntervalSince1970,
                        period.from.timeIntervalSince1970,
                    ]) ?? 0
            let datasets = try db.value(Int.self, sql: "SELECT count(*) FROM datasets") ?? 0
            return OperationReport(
                period: period, generatedAt: generated, operators: lines.values.sorted { $0.operator < $1.operator },
                authorisationsActive: active, datasets: datasets, refusals: refusals.count)
        }
    }
}
