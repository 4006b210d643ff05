import DifferentialPrivacy
import Foundation
import Tabular

/// How dated test records (one row per test; a person may be tested several times; no districts
/// or diagnoses) feed the health scenario. The mapped table holds `person_id`, `day` (an integer
/// day of the public period), `site`, `result`, and per test `age`, `sex` ("M"/"F"), the 0/1
/// columns `positive` and `drive_thru`, and the cohort's quasi-identifiers and kept columns.
struct HealthTestingMapping: Sendable {
    /// The public period: its first and last day numbers (weeks start on `firstDay`).
    var firstDay: Int
    var lastDay: Int
    /// The public test-site keys of `site`.
    var sites: [String]
    /// The public result keys of `result`; `positive` is the one the alert rule watches.
    var results: [String]
    /// Quasi-identifiers of the k-anonymous cohort export.
    var cohortQuasiIdentifiers: [String]
    /// Further columns kept in the cohort export.
    var cohortKept: [String]
    /// What the data is and how its columns were derived (shown in the report).
    var definitions: String
}

extension HealthRiskSpec {
    /// Ever tested positive ~ age + male + tested at a drive-thru site; cohort of persons who
    /// tested positive.
    static let positiveTest = HealthRiskSpec(
        label: "positive", outcome: "test positivity", binaryFeature: "drive_thru",
        cohortFile: "positive_cohort", cohortNoun: "persons who tested positive",
        examples: [(10, 0), (10, 1), (40, 0), (40, 1)])
}

extension ScenarioRunner {
    /// Health on dated test records: early warning on the noisy weekly count of positive tests
    /// (with the weekly positivity by post-processing), DP daily tests per site × result, the DP
    /// logistic-regression positivity model and the k-anonymous export of persons who tested
    /// positive.
    ///
    /// Budget split: daily tests per site × result 40% of ε, weekly tests per result 20% (each
    /// person bounded to 4 cells × 1 test in each), risk model 40% of ε and all of δ; the export
    /// spends no ε. The model and the cohort are person-level: one row per person (age, sex and
    /// site of the first test; `positive` when any test was).
    static func healthTesting(
        _ input: ScenarioInput, testing: HealthTestingMapping, options: ScenarioOptions,
        context: ScenarioContext
    ) throws -> ScenarioReport {
        let kind = ScenarioKind.health
        let tests = input.table
        guard tests.rowCount > 0 else {
            throw ScenarioError.noData(scenario: kind.rawValue, reason: "the test table has no rows")
        }
        let unit = input.privacyUnit ?? "person_id"
        let person = try View.column(tests, unit, kind)
        let day = try View.doubles(tests, "day", kind)
        let site = try View.strings(tests, "site", kind), result = try View.strings(tests, "result", kind)
        let dayLabel = { (d: Int) in "day " + String(repeating: "0", count: max(0, 3 - String(d).count)) + String(d) }
        let weekIndex = { (d: Int) in (d - testing.firstDay) / 7 }
        let weekLabel = { (w: Int) in "week " + (w + 1 < 10 ? "0" : "") + String(w + 1) }
        // Days outside the public period get no key (the declared keys drop them).
        let cell = (0..<tests.rowCount).map { site[$0] + "|" + result[$0] + "|" + dayLabel(Int(day[$0])) }
        let weekCell = (0..<tests.rowCount).map { result[$0] + "|" + weekLabel(weekIndex(Int(day[$0]))) }
        var columns = tests.columns
        columns.append(try Column("site_result_day", strings: cell))
        columns.append(try Column("result_week", strings: weekCell))
        let view = try Table(columns: columns)
        let grant = try ScenarioGrant(
            context: context, kind: kind, datasets: [(input.dataset, view, [unit])],
            quasiIdentifiers: [input.dataset: testing.cohortQuasiIdentifiers], epsilon: options.epsilon,
            delta: options.delta)
        let e = options.epsilon
        var report = ScenarioReport(
            scenario: kind, dataSource: input.source,
            inputSizes: [try grant.inputSize("tests", dataset: input.dataset, rows: input.datasetRowCount)],
            budgetEpsilon: e, budgetDelta: options.delta,
            budgetSplit:
                "daily tests per site × result 40% of ε; weekly tests per result 20%; logistic positivity model 40% of ε and all of δ; cohort export: k-anonymity check, no ε",
            operator: context.operator, ledgerScenario: grant.scenario, exact: context.releaser.isExact)

        // 1. Weekly tests per result, city-wide, with the early warning on positives.
        let weeks = (0...weekIndex(testing.lastDay)).map(weekLabel)
        let weeklyQuery = DPQuery.count().grouped(
            by: "result_week", keys: .declared(View.product([testing.results, weeks]))
        )
        .boundingContributions(
            privacyUnit: unit, maxPartitionsPerUnit: options.partitions(4),
            maxContributionsPerPartition: options.contributions(1))
        let weekly = try grant.release(weeklyQuery, over: view, dataset: input.dataset, epsilon: 0.2 * e)
        let weekNoiseSD = noiseStandardDeviation(mechanism: weekly.mechanism, scale: weekly.noiseScale)
        var byKey: [String: (value: Double, half: Double)] = [:]
        for row in weekly.rows { byKey[row.key] = (row.value, row.ci95.map { ($0[1] - $0[0]) / 2 } ?? 0) }
        let positives = weeks.map { byKey["positive|" + $0] ?? (0, 0) }
        let flags = earlyWarningAlerts(positives.map(\.value), noiseSD: weekNoiseSD)
        func row(_ week: String, _ r: String, alert: Bool = false) -> ReportRow {
            let point = byKey[r + "|" + week] ?? (0, 0)
            return ReportRow(
                labels: [week, r], value: point.value, lower: point.value - point.half, upper: point.value + point.half,
                alert: alert)
        }
        report.sections.append(
            ReportSection(
                id: "weekly_alerts", title: "Weekly positive tests with early-warning alerts",
                note:
                    "DP count of tests per (result, week; week 01 starts on day \(testing.firstDay)), the positive series shown; each person bounded to \(options.partitions(4)) cells × \(options.contributions(1)) test; exact 95% noise interval. Alert rule (post-processing, EARS-C2-like): a week alerts when it exceeds the mean of the previous 4 weeks by more than 2·max(their sd, the noise sd \(formatNumber(weekNoiseSD))). \(flags.filter { $0 }.count) alert(s). \(testing.definitions)",
                chart: .timeSeries, labelNames: ["week", "result"], valueName: "tests",
                rows: weeks.enumerated().map { row($1, "positive", alert: flags[$0]) },
                epsilon: weekly.epsilon, delta: weekly.delta, mechanism: weekly.mechanismText,
                noiseScale: weekly.noiseScale,
                ledgerEntries: weekly.entries))
        report.sections.append(
            ReportSection(
                id: "weekly_tests", title: "Weekly tests by result",
                note: "The same release as weekly_alerts (no extra budget), every result; exact 95% noise interval.",
                chart: .timeSeries, labelNames: ["week", "result"], valueName: "tests",
                rows: weeks.flatMap { week in testing.results.map { row(week, $0) } },
                epsilon: 0, delta: 0, mechanism: weekly.mechanismText, noiseScale: weekly.noiseScale, ledgerEntries: [])
        )

        // Weekly positivity (post-processing): noisy positives / noisy tests of all results.
        var rateRows: [ReportRow] = []
        for week in weeks {
            let p = max(byKey["positive|" + week]?.value ?? 0, 0)
            let total = testing.results.map { max(byKey[$0 + "|" + week]?.value ?? 0, 0) }.reduce(0, +)
            guard total >= 1 else { continue }
            let rate = min(1, p / total)
            // Var ≈ sd²((1 − r)² + (R − 1)·r²)/T² over the R result cells (delta method).
            let others = Double(testing.results.count - 1)
            let half = 1.96 * weekNoiseSD * ((1 - rate) * (1 - rate) + others * rate * rate).squareRoot() / total
            rateRows.append(
                ReportRow(
                    labels: [week, "positivity"], value: rate * 100,
                    lower: max(0, rate - half) * 100, upper: min(1, rate + half) * 100))
        }
        report.sections.append(
            ReportSection(
                id: "weekly_positivity", title: "Weekly test positivity (%)",
                note:
                    "Post-processing of weekly_tests (no extra budget): noisy positive tests / noisy tests of every result per week; 95% interval by the delta method.",
                chart: .timeSeries, labelNames: ["week", "series"], valueName: "positive %", rows: rateRows,
                epsilon: 0, delta: 0, mechanism: "post-processing", noiseScale: nil, ledgerEntries: []))

        // 2. Daily tests per site × result over the public period.
        let days = (testing.firstDay...testing.lastDay).map(dayLabel)
        let dailyQuery = DPQuery.count().grouped(
            by: "site_result_day", keys: .declared(View.product([testing.sites, testing.results, days]))
        )
        .boundingContributions(
            privacyUnit: unit, maxPartitionsPerUnit: options.partitions(4),
            maxContributionsPerPartition: options.contributions(1))
        let daily = try grant.release(dailyQuery, over: view, dataset: input.dataset, epsilon: 0.4 * e)
        report.sections.append(
            ReportSection(
                id: "daily_counts", title: "Daily tests per site and result",
                note:
                    "DP count per (site, result, day) of days \(testing.firstDay)–\(testing.lastDay); each person bounded to \(options.partitions(4)) cells × \(options.contributions(1)) test. Full table in daily_counts.csv.",
                chart: .table, labelNames: ["site", "result", "day"], valueName: "tests", rows: daily.reportRows(),
                epsilon: daily.epsilon, delta: daily.delta, mechanism: daily.mechanismText,
                noiseScale: daily.noiseScale,
                ledgerEntries: daily.entries))
        report.sections.append(
            wholePeriodTotals(
                daily, middle: "positive", days: days.count, id: "positives_by_site",
                title: "Positive tests per site (whole period)", place: "site",
                cells: "positive", valueName: "tests"))

        // 3–4. Person-level: first test's age, sex and site; positive when any test was.
        let codes = try View.codes(person, kind)
        let positive = try View.doubles(tests, "positive", kind)
        var first: [UInt32: Int] = [:], everPositive: [UInt32: Bool] = [:]
        var order: [Int] = []
        for i in 0..<tests.rowCount {
            if first[codes[i]] == nil {
                first[codes[i]] = i
                order.append(i)
            }
            if positive[i] != 0 { everPositive[codes[i]] = true }
        }
        var personColumns: [String] = []
        for name in ["age", "sex", "drive_thru"] + testing.cohortQuasiIdentifiers + testing.cohortKept
        where !personColumns.contains(name) { personColumns.append(name) }
        let firstTests = try tests.selecting(personColumns).gathering(rows: order)
        let persons = try Table(
            columns: firstTests.columns
                + [try Column("positive", int64: order.map { everPositive[codes[$0]] == true ? 1 : 0 })])
        try appendRiskModelAndCohort(
            persons: persons, risk: .positiveTest, quasiIdentifiers: testing.cohortQuasiIdentifiers,
            kept: testing.cohortKept, modelEpsilon: 0.4 * e,
            unitNote: "one row per person (first test; positive if any test was)", truthNote: "",
            input: input, options: options, context: context, grant: grant, report: &report)
        return report
    }
}
