import DifferentialPrivacy
import Foundation
import SecureAggregation
import SecureRandom
import Tabular

extension ScenarioRunner {
    /// One department's risk flag on an enterprise (a public rule on the department's own column).
    struct DepartmentFlag: Sendable {
        let party: PartyID
        let department: String
        let column: String
        let rule: String
        let flag: @Sendable (Double) -> Bool
    }

    /// The four departments of the synthetic enterprise schema and their public flag rules.
    static let departmentFlags: [DepartmentFlag] = [
        DepartmentFlag(
            party: 1, department: "tax", column: "tax_paid_10k_yuan", rule: "no tax paid in the year", flag: { $0 <= 0 }
        ),
        DepartmentFlag(
            party: 2, department: "electricity", column: "electricity_kwh", rule: "< 10,000 kWh in the year",
            flag: { $0 < 10_000 }),
        DepartmentFlag(
            party: 3, department: "courts", column: "court_cases", rule: "≥ 1 court case as defendant",
            flag: { $0 >= 1 }),
        DepartmentFlag(
            party: 4, department: "logistics", column: "logistics_volume", rule: "< 100 shipments in the year",
            flag: { $0 < 100 }),
    ]

    /// Finance & insurance: an enterprise risk score built across four departments — tax,
    /// electricity, courts, logistics — as separate parties, validated against loan defaults.
    ///
    /// Each department holds one column about every registered enterprise (rows in the public
    /// registry order) and turns it into a 0/1 risk flag by a public rule. The departments run
    /// SecAgg (Bonawitz et al. 2017, `SecAggSimulation`, 4 parties, threshold 3, ℤ/2⁸): the
    /// platform learns only each enterprise's *number* of flags (0–4), never which department
    /// raised it, and no department's records leave it. Inside the platform the score is joined
    /// with the lender's `default_flag` and the enterprise's `industry`, and only DP aggregates
    /// leave, through the ledger's release gate: enterprises per (industry, score) and per
    /// (score, default), from which the default rate per score — the scorecard's calibration — is
    /// post-processed.
    ///
    /// Budget split: industry × score 50% of ε, score × default 50%; δ unused (declared keys).
    /// Each enterprise is its own privacy unit (one row).
    static func finance(
        _ input: ScenarioInput, options: ScenarioOptions, context: ScenarioContext
    ) throws -> ScenarioReport {
        let kind = ScenarioKind.finance
        let table = input.table
        let n = table.rowCount
        let mapping = input.financeMapping ?? .enterprises
        let departmentFlags = mapping.departments
        let unit = mapping.unit
        guard n > 0 else { throw ScenarioError.noData(scenario: kind.rawValue, reason: "the table has no rows") }
        // Each department's input vector: its flags, computed where its column lives.
        var inputs: [PartyID: [UInt32]] = [:]
        for department in departmentFlags {
            let values = try View.doubles(table, department.column, kind)
            let flags = values.map { department.flag($0) ? UInt32(1) : 0 }
            inputs[department.party] = flags
        }
        context.progress(
            "  [finance] SecAgg: \(departmentFlags.count) departments, one element per \(mapping.unitSingular)")
        var sessionID = [UInt8](repeating: 0, count: 16)
        var generator = try SecureRandomGenerator()
        for i in 0..<16 { sessionID[i] = UInt8(truncatingIfNeeded: generator.next()) }
        let configuration = try SecAggConfiguration(
            sessionID: sessionID, partyIDs: departmentFlags.map(\.party), dimension: n,
            modulusBits: 8, threshold: 3)
        let secagg = try SecAggSimulation.run(configuration: configuration, inputs: inputs)
        guard secagg.contributors.count == departmentFlags.count else {
            throw ScenarioError.invalidParameter(
                name: "secure aggregation", value: "\(secagg.contributors.count) contributors",
                reason: "all \(departmentFlags.count) departments must contribute")
        }
        let score = secagg.aggregate.map { String($0) }
        let industry = try View.strings(table, "industry", kind)
        let defaulted = try View.doubles(table, "default_flag", kind).map { $0 != 0 ? "default" : "no_default" }
        let view = try Table(columns: [
            try Column("industry_score", strings: (0..<n).map { industry[$0] + "|" + score[$0] }),
            try Column("score_default", strings: (0..<n).map { score[$0] + "|" + defaulted[$0] }),
        ])
        let grant = try ScenarioGrant(
            context: context, kind: kind, datasets: [(input.dataset, view, [])],
            epsilon: options.epsilon, delta: options.delta)
        let e = options.epsilon
        let inputSize = try grant.inputSize(unit, dataset: input.dataset, rows: input.datasetRowCount)
        var report = ScenarioReport(
            scenario: kind, dataSource: input.source, inputSizes: [inputSize],
            budgetEpsilon: e, budgetDelta: options.delta,
            budgetSplit:
                "\(mapping.segmentName) × risk score 50%, risk score × default 50% (ε); δ unused (declared keys)",
            operator: context.operator, ledgerScenario: grant.scenario, exact: context.releaser.isExact)
        // The protocol's costs grow with the vector length, which is the row count: they are
        // published only when the steward declared that count public (as the input size is),
        // else they would release it exactly (found by the DP auditor's scenario paths).
        let costsArePublic = inputSize.rows == n
        var costRows = [ReportRow(labels: ["parties"], value: Double(secagg.parties))]
        if costsArePublic {
            costRows += [
                ReportRow(labels: ["vector length (\(unit))"], value: Double(n)),
                ReportRow(labels: ["median party ms"], value: secagg.medianPartyMilliseconds),
                ReportRow(labels: ["server ms"], value: secagg.serverTotalMilliseconds),
                ReportRow(labels: ["bytes from parties"], value: Double(secagg.bytesFromParties)),
                ReportRow(labels: ["bytes from server"], value: Double(secagg.bytesFromServer)),
            ]
        }
        let costNote =
            costsArePublic
            ? " The figures below are protocol costs, not data."
            : " Protocol costs (vector length, bytes, times) are not published: they grow with the number of \(unit), which the steward has not declared public."
        report.sections.append(
            ReportSection(
                id: "secure_aggregation", title: "Secure aggregation of the departments' risk flags",
                note:
                    "Each department's flag vector (one element per \(mapping.unitSingular)) was masked and summed with SecAgg (4 parties, threshold 3, ℤ/2⁸, complete graph); the platform saw only the per-\(mapping.unitSingular) sums. Flag rules: "
                    + departmentFlags.map { "\($0.department): \($0.rule)" }.joined(separator: "; ") + "." + costNote,
                chart: .table, labelNames: ["measure"], valueName: "value", rows: costRows,
                epsilon: 0, delta: 0, mechanism: "secure aggregation (no release)", noiseScale: nil, ledgerEntries: []))

        let industries = mapping.segments
        let scores = (0...departmentFlags.count).map(String.init)
        let byIndustry = try grant.release(
            DPQuery.count().grouped(by: "industry_score", keys: .declared(View.product([industries, scores]))),
            over: view, dataset: input.dataset, epsilon: 0.5 * e)
        report.sections.append(
            ReportSection(
                id: "industry_risk_score",
                title:
                    "\(unit.prefix(1).uppercased() + unit.dropFirst()) by \(mapping.segmentName) and cross-department risk score",
                note:
                    "DP count of \(unit) per (\(mapping.segmentName), number of department flags). Interval: exact 95% interval of the noise.",
                chart: .heatmap, labelNames: [mapping.segmentName, "risk_score"], valueName: unit,
                rows: byIndustry.reportRows(),
                epsilon: byIndustry.epsilon, delta: byIndustry.delta, mechanism: byIndustry.mechanismText,
                noiseScale: byIndustry.noiseScale, ledgerEntries: byIndustry.entries))
        let byDefault = try grant.release(
            DPQuery.count().grouped(
                by: "score_default", keys: .declared(View.product([scores, ["default", "no_default"]]))),
            over: view, dataset: input.dataset, epsilon: 0.5 * e)
        report.sections.append(
            ReportSection(
                id: "score_default",
                title: "\(unit.prefix(1).uppercased() + unit.dropFirst()) by risk score and loan default",
                note: "DP count per (risk score, \(mapping.outcome)).",
                chart: .table, labelNames: ["risk_score", "default"], valueName: unit, rows: byDefault.reportRows(),
                epsilon: byDefault.epsilon, delta: byDefault.delta, mechanism: byDefault.mechanismText,
                noiseScale: byDefault.noiseScale, ledgerEntries: byDefault.entries))
        // Default rate per score (post-processing), interval by the delta method on the two noisy counts.
        let sd = noiseStandardDeviation(mechanism: byDefault.mechanism, scale: byDefault.noiseScale)
        var value: [String: Double] = [:]
        for row in byDefault.rows { value[row.key] = row.value }
        var rateRows: [ReportRow] = []
        for s in scores {
            let d = max(value[s + "|default"] ?? 0, 0), total = d + max(value[s + "|no_default"] ?? 0, 0)
            guard total >= 1 else { continue }
            let rate = min(1, d / total)
            // Var(d/T) ≈ sd² (1 − r)² / T² + sd² r² / T²  (d and the non-defaults are independent).
            let half = 1.96 * sd * ((1 - rate) * (1 - rate) + rate * rate).squareRoot() / total
            rateRows.append(
                ReportRow(
                    labels: ["score \(s)"], value: rate * 100, lower: max(0, rate - half) * 100,
                    upper: min(1, rate + half) * 100))
        }
        report.sections.insert(
            ReportSection(
                id: "default_rate_by_score", title: "Default rate by cross-department risk score (%)",
                note:
                    "Post-processing of score_default: noisy defaults / noisy total per score (no extra budget); 95% interval by the delta method. A rising rate validates the score as a risk model.",
                chart: .bars, labelNames: ["risk_score"], valueName: "default rate %", rows: rateRows,
                epsilon: 0, delta: 0, mechanism: "post-processing", noiseScale: nil, ledgerEntries: []), at: 0)
        return report
    }
}

/// How a table's rows feed the finance scenario: the departments (parties) with their flag
/// rules on their own columns, the public keys of the segment column `industry`, and what a
/// row and `default_flag` are.
struct FinanceMapping: Sendable {
    /// The parties (exactly 4: SecAgg runs with threshold 3) and their public flag rules.
    var departments: [ScenarioRunner.DepartmentFlag]
    /// Report name of the segment dimension held in column `industry`.
    var segmentName: String
    /// Public keys of the segment column.
    var segments: [String]
    /// Plural and singular noun of one row.
    var unit: String
    var unitSingular: String
    /// What `default_flag` = 1 means.
    var outcome: String

    /// The synthetic enterprise schema (`datasets/finance.csv`).
    static let enterprises = FinanceMapping(
        departments: ScenarioRunner.departmentFlags, segmentName: "industry",
        segments: [
            "manufacturing", "wholesale_retail", "information_technology", "construction", "real_estate",
            "transport_logistics", "accommodation_catering", "finance", "leasing_business_services", "agriculture",
        ],
        unit: "enterprises", unitSingular: "enterprise", outcome: "default within 12 months")
}
