import Anonymity
import Datasets
import DifferentialPrivacy
import Foundation
import PrivateLearning
import Tabular

extension ScenarioRunner {
    /// Syndrome groups watched by the outbreak early warning, from ICD-10 chapters.
    static let syndromeGroups: [(name: String, prefixes: [String])] = [
        ("respiratory", ["J"]),
        ("gastrointestinal_infectious", ["A", "B", "K"]),
    ]

    /// The public reporting period of the health series (the embedded data's year).
    static let healthPeriod = (
        first: Int32(CalendarCodec.days(year: 2024, month: 1, day: 1)),
        last: Int32(CalendarCodec.days(year: 2024, month: 12, day: 31))
    )

    /// Health: outbreak early warning (DP daily visits per district × syndrome group with an
    /// alert rule on the noisy weekly series), a DP logistic-regression risk model for diabetes,
    /// and a k-anonymous cohort export of diabetic patients.
    ///
    /// Column mapping: `person_id` (privacy unit), `district`, `visit_date`, `icd_chapter`
    /// (first letter decides the syndrome group: J respiratory; A, B, K gastrointestinal/
    /// infectious), `age`, `sex`, `insurance`, `hypertension`, `diabetes`.
    ///
    /// Budget split: daily counts 40% of ε (each person bounded to 4 district-day-syndrome cells,
    /// 1 visit each), weekly city-wide counts per syndrome group 20% (4 weeks × 1 visit per
    /// person); risk model 40% of ε and all of δ. The alert rule is post-processing: a week
    /// alerts when its noisy city-wide count exceeds the mean of the previous 4 weeks by more
    /// than 2·max(their standard deviation, the weekly total's noise sd). The cohort export is
    /// checked for k-anonymity over (age, sex, district) by the export gate and spends no ε.
    static func health(
        _ input: ScenarioInput, options: ScenarioOptions, context: ScenarioContext
    ) throws -> ScenarioReport {
        if let survey = input.healthSurvey {
            return try healthSurvey(input, survey: survey, options: options, context: context)
        }
        if let testing = input.healthTesting {
            return try healthTesting(input, testing: testing, options: options, context: context)
        }
        let kind = ScenarioKind.health
        let visits = input.table
        let person = try View.column(visits, "person_id", kind)
        let district = try View.strings(visits, "district", kind)
        let day = try View.days(visits, "visit_date", kind)
        let chapter = try View.strings(visits, "icd_chapter", kind)
        let syndrome = chapter.map { c -> String in
            let first = c.first.map(String.init) ?? ""
            return syndromeGroups.first { $0.prefixes.contains(first) }?.name ?? "other"
        }
        let key = (0..<visits.rowCount).map { district[$0] + "|" + syndrome[$0] + "|" + View.dateText(day[$0]) }
        let firstOfPeriod = Int(healthPeriod.first)
        let weekKey = (0..<visits.rowCount).map { i -> String in
            let week = firstOfPeriod + ((Int(day[i]) - firstOfPeriod) / 7) * 7
            return syndrome[i] + "|" + View.dateText(Int32(week))
        }
        var columns = [
            person, try Column("district_syndrome_day", strings: key), try Column("syndrome_week", strings: weekKey),
        ]
        for name in ["age", "sex", "district", "insurance", "hypertension", "diabetes"] {
            columns.append(try View.column(visits, name, kind))
        }
        let view = try Table(columns: columns)
        let grant = try ScenarioGrant(
            context: context, kind: kind, datasets: [(input.dataset, view, ["person_id"])],
            quasiIdentifiers: [input.dataset: ["age", "sex", "district"]], epsilon: options.epsilon,
            delta: options.delta)
        let e = options.epsilon
        var report = ScenarioReport(
            scenario: kind, dataSource: input.source,
            inputSizes: [try grant.inputSize("visits", dataset: input.dataset, rows: input.datasetRowCount)],
            budgetEpsilon: e, budgetDelta: options.delta,
            budgetSplit:
                "daily counts per district × syndrome 40% of ε; weekly city-wide counts per syndrome 20%; logistic risk model 40% of ε and all of δ; cohort export: k-anonymity check, no ε",
            operator: context.operator, ledgerScenario: grant.scenario, exact: context.releaser.isExact)

        // 1. Daily counts per district × syndrome group over the public period.
        let days = (healthPeriod.first...healthPeriod.last).map(View.dateText)
        let groups = syndromeGroups.map(\.name)
        let countQuery = DPQuery.count().grouped(
            by: "district_syndrome_day", keys: .declared(View.product([Hangzhou.districtNames, groups, days]))
        )
        .boundingContributions(
            privacyUnit: "person_id", maxPartitionsPerUnit: options.partitions(4),
            maxContributionsPerPartition: options.contributions(1))
        let daily = try grant.release(countQuery, over: view, dataset: input.dataset, epsilon: 0.4 * e)
        report.sections.append(
            ReportSection(
                id: "daily_counts", title: "Daily visits per district and syndrome group",
                note:
                    "DP count per (district, syndrome group, day) of \(days.first!)…\(days.last!); each person bounded to \(options.partitions(4)) cells × \(options.contributions(1)) visit. Full table in daily_counts.csv.",
                chart: .table, labelNames: ["district", "syndrome", "date"], valueName: "visits",
                rows: daily.reportRows(),
                epsilon: daily.epsilon, delta: daily.delta, mechanism: daily.mechanismText,
                noiseScale: daily.noiseScale,
                ledgerEntries: daily.entries))

        // 2. Weekly city-wide series per syndrome group (its own release: summing 91 daily cells
        // would carry √91 times the daily noise), with the alert rule as post-processing.
        let firstDay = Int(healthPeriod.first)
        let weekStarts = stride(from: firstDay, through: Int(healthPeriod.last), by: 7).map { View.dateText(Int32($0)) }
        let weeklyQuery = DPQuery.count().grouped(
            by: "syndrome_week", keys: .declared(View.product([groups, weekStarts]))
        )
        .boundingContributions(
            privacyUnit: "person_id", maxPartitionsPerUnit: options.partitions(4),
            maxContributionsPerPartition: options.contributions(1))
        let weeklyRelease = try grant.release(weeklyQuery, over: view, dataset: input.dataset, epsilon: 0.2 * e)
        let weekly = weeklyRelease.rows.map { row -> (key: String, value: Double, half: Double) in
            let parts = row.key.split(separator: "|").map(String.init)
            let half = row.ci95.map { ($0[1] - $0[0]) / 2 } ?? 0
            return (parts[1] + "|" + parts[0], row.value, half)
        }
        let weekNoiseSD = noiseStandardDeviation(mechanism: weeklyRelease.mechanism, scale: weeklyRelease.noiseScale)
        var seriesRows: [ReportRow] = []
        var alerts = 0
        for group in groups {
            let points = weekly.filter { $0.key.hasSuffix("|" + group) }.sorted { $0.key < $1.key }
            let flags = earlyWarningAlerts(points.map(\.value), noiseSD: weekNoiseSD)
            for (i, p) in points.enumerated() {
                let alert = flags[i]
                if alert { alerts += 1 }
                let week = String(p.key.split(separator: "|")[0])
                seriesRows.append(
                    ReportRow(
                        labels: [week, group], value: p.value, lower: p.value - p.half, upper: p.value + p.half,
                        alert: alert))
            }
        }
        report.sections.append(
            ReportSection(
                id: "weekly_alerts", title: "Weekly visits by syndrome group (city-wide) with early-warning alerts",
                note:
                    "DP count per (syndrome group, week starting on the date shown), city-wide; each person bounded to \(options.partitions(4)) weeks × \(options.contributions(1)) visit; exact 95% noise interval. Alert rule (post-processing (EARS-C2-like): a week alerts when it exceeds the mean of the previous 4 weeks by more than 2·max(their sd, the noise sd \(formatNumber(weekNoiseSD)))). \(alerts) alert(s).",
                chart: .timeSeries, labelNames: ["week", "syndrome"], valueName: "visits", rows: seriesRows,
                epsilon: weeklyRelease.epsilon, delta: weeklyRelease.delta, mechanism: weeklyRelease.mechanismText,
                noiseScale: weeklyRelease.noiseScale, ledgerEntries: weeklyRelease.entries))
        report.sections.append(
            wholePeriodTotals(
                daily, middle: "respiratory", days: days.count, id: "respiratory_by_district",
                title: "Respiratory visits per district (whole period)", place: "district",
                cells: "respiratory", valueName: "visits"))

        // Person-level table (first visit of each person) for the model and the cohort.
        let personCodes = try View.codes(person, kind)
        var seen = Set<UInt32>()
        let firstVisits = personCodes.indices.filter { seen.insert(personCodes[$0]).inserted }
        let persons = try view.selecting(["age", "sex", "district", "insurance", "hypertension", "diabetes"])
            .gathering(rows: firstVisits)

        try appendRiskModelAndCohort(
            persons: persons, quasiIdentifiers: ["age", "sex", "district"], kept: ["insurance", "hypertension"],
            modelEpsilon: 0.4 * e, unitNote: "one row per person (first visit)",
            truthNote: " The data's generating model is logit P = −6.0 + 0.055·age + 1.1·hypertension (no sex effect).",
            input: input, options: options, context: context, grant: grant, report: &report)
        return report
    }

    /// Sections 3 and 4 of the health scenario over a person-level table (`age`, `sex`, the
    /// spec's binary feature and label, the quasi-identifiers and `kept`): the DP
    /// logistic-regression risk model (skipped with the exact test releaser; charged to the
    /// scenario's authorisation in the ledger before any noise) and the k-anonymous export of the
    /// persons with the outcome, through the export gate.
    static func appendRiskModelAndCohort(
        persons: Table, risk: HealthRiskSpec = .diabetes, quasiIdentifiers qi: [String],
        kept: [String], modelEpsilon: Double, unitNote: String, truthNote: String,
        input: ScenarioInput, options: ScenarioOptions, context: ScenarioContext,
        grant: ScenarioGrant, report: inout ScenarioReport
    ) throws {
        let kind = ScenarioKind.health
        let flag = risk.binaryFeature
        // 3. DP logistic-regression risk model (outcome ~ age + male + the binary feature).
        if !context.releaser.isExact {
            let sex = try View.strings(persons, "sex", kind)
            let modelTable = try Table(columns: [
                try Column("age", float64: try View.doubles(persons, "age", kind)),
                try Column("male", float64: sex.map { $0 == "M" ? 1 : 0 }),
                try Column(flag, float64: try View.doubles(persons, flag, kind)),
                try Column(risk.label, float64: try View.doubles(persons, risk.label, kind)),
            ])
            context.progress(
                "  [health] DP logistic regression (one row per person), ε=\(formatNumber(modelEpsilon)) δ=\(options.delta)"
            )
            // The fit charges the scenario's authorisation in the durable ledger before any noise.
            let budget = try context.ledger.budget(
                operator: context.operator, scenario: grant.scenario, dataset: grant.viewDataset(input.dataset),
                columns: [input.privacyUnit ?? "person_id", "age", "sex", flag, risk.label],
                purpose: "logistic regression \(risk.label) ~ age + male + \(flag)")
            let model = try PrivateLogisticRegression(
                features: ["age", "male", flag], label: risk.label,
                featureBounds: .perColumn([0...100, 0...1, 0...1]), iterations: 12
            )
            .fit(
                modelTable, parameters: try NoiseParameters(epsilon: modelEpsilon, delta: options.delta, rho: nil),
                budget: budget)
            var rows = [ReportRow(labels: ["intercept"], value: model.intercept)]
            for (name, c) in zip(model.features, model.coefficients) {
                rows.append(ReportRow(labels: [name], value: c))
            }
            for (age, hyp) in risk.examples {
                rows.append(
                    ReportRow(
                        labels: ["P(\(risk.label) | age \(Int(age)), male, \(flag) \(hyp == 1 ? "yes" : "no"))"],
                        value: model.probability([age, 1, hyp])))
            }
            report.sections.append(
                ReportSection(
                    id: "risk_model",
                    title:
                        "\(risk.outcome.prefix(1).uppercased() + risk.outcome.dropFirst()) risk model (DP logistic regression)",
                    note:
                        "Noisy preconditioned gradient descent (\(model.iterations) steps, zCDP ρ = \(formatNumber(model.rho))), features clamped to age 0–100, male 0/1, \(flag) 0/1, \(unitNote). Coefficients are per unit of the raw feature (log-odds).\(truthNote) Charged to the scenario's authorisation in the ledger (ε = \(formatNumber(modelEpsilon)), δ = \(options.delta)) before the noise was drawn.",
                    chart: .table, labelNames: ["term"], valueName: "log-odds / probability", rows: rows,
                    epsilon: modelEpsilon, delta: options.delta,
                    mechanism: "\(model.stated) (gradient noise σ \(formatNumber(model.gradientNoiseScale)))",
                    noiseScale: nil, ledgerEntries: []))
        }

        // 4. k-anonymous cohort export: the persons with the outcome.
        let outcome = try View.doubles(persons, risk.label, kind)
        let cohort = try persons.selecting(qi + kept).gathering(rows: outcome.indices.filter { outcome[$0] != 0 })
        context.progress(
            "  [health] Mondrian k=\(options.k) over \(qi.joined(separator: ",")) for the \(risk.cohortNoun)")
        let mondrian = try Anonymiser.mondrian(cohort, quasiIdentifiers: qi, k: options.k)
        let anonymised = try mondrian.anonymisedTable(cohort)
        let file = "\(risk.cohortFile)_k\(options.k).csv"
        let (entry, exportPath) = try grant.exportMicrodata(
            anonymised, file: file, quasiIdentifiers: qi, k: options.k, dataset: input.dataset)
        report.exports.append(exportPath)
        let sizes = mondrian.sizes.sorted()
        report.sections.append(
            ReportSection(
                id: "cohort_export", title: "k-anonymous cohort export: \(risk.cohortNoun)",
                note:
                    "One row per person among the \(risk.cohortNoun) (\(unitNote)): \(qi.joined(separator: ", ")) generalised by Mondrian until every class has ≥ \(options.k) persons; \(kept.joined(separator: " and ")) kept. The export gate re-checks k and records the file in the ledger.",
                chart: .table, labelNames: ["measure"], valueName: "value",
                rows: [
                    ReportRow(labels: ["persons exported"], value: Double(anonymised.rowCount)),
                    ReportRow(labels: ["equivalence classes"], value: Double(mondrian.partitionCount)),
                    ReportRow(labels: ["smallest class"], value: Double(sizes.first ?? 0)),
                    ReportRow(labels: ["median class"], value: Double(sizes.isEmpty ? 0 : sizes[sizes.count / 2])),
                ],
                epsilon: 0, delta: 0, mechanism: "k-anonymity (k = \(options.k)) via Mondrian, export gate",
                noiseScale: nil, ledgerEntries: [entry]))
    }

    /// The early-warning rule on a noisy weekly series (post-processing, EARS-C2-like): week
    /// `i ≥ 4` alerts when its value exceeds the mean of the previous 4 weeks by more than
    /// 2·max(their standard deviation, the noise sd of one week, 1).
    static func earlyWarningAlerts(_ values: [Double], noiseSD: Double) -> [Bool] {
        values.indices.map { i in
            guard i >= 4 else { return false }
            let base = values[(i - 4)..<i]
            let mean = base.reduce(0, +) / 4
            let sd = (base.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3).squareRoot()
            return values[i] > mean + 2 * max(sd, noiseSD, 1)
        }
    }

    /// Day number of `YYYY-MM-DD`, or nil.
    static func parseDate(_ text: String) -> Int? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        return CalendarCodec.days(year: parts[0], month: parts[1], day: parts[2])
    }
}

/// What the health scenario's risk model predicts and which persons its cohort export holds.
struct HealthRiskSpec: Sendable {
    /// The 0/1 outcome column of the person table (the model's label; 1 selects the cohort).
    var label: String
    /// The outcome in words, for titles ("diabetes").
    var outcome: String
    /// The 0/1 risk-factor column used beside age and sex.
    var binaryFeature: String
    /// The export's file name stem.
    var cohortFile: String
    /// The cohort in words ("diabetic patients").
    var cohortNoun: String
    /// (age, binary feature) pairs whose predicted probability the report shows (male).
    var examples: [(Double, Double)]

    /// Diabetes ~ age + male + hypertension; cohort of diabetic patients.
    static let diabetes = HealthRiskSpec(
        label: "diabetes", outcome: "diabetes", binaryFeature: "hypertension",
        cohortFile: "diabetes_cohort", cohortNoun: "diabetic patients",
        examples: [(40, 0), (60, 0), (60, 1), (80, 1)])
}

/// How person-level survey data (one row per person, no visit dates or places) feeds the health
/// scenario. The mapped table holds `person_id`, `age`, `age_band`, `sex` ("M"/"F"),
/// `hypertension` and `diabetes` (0/1), and the cohort's quasi-identifiers and kept columns.
struct HealthSurveyMapping: Sendable {
    /// The public age bands of `age_band`, in order.
    var ageBands: [String]
    /// Quasi-identifiers of the k-anonymous cohort export.
    var cohortQuasiIdentifiers: [String]
    /// Further columns kept in the cohort export.
    var cohortKept: [String]
    /// How `hypertension` and `diabetes` were derived (shown in the report).
    var definitions: String
}

extension ScenarioRunner {
    /// Health on person-level survey data: DP counts of persons per (age band, sex,
    /// hypertension, diabetes) with the diabetes prevalence per (age band, hypertension) by
    /// post-processing, the DP logistic-regression risk model and the k-anonymous cohort export.
    /// The outbreak early warning needs dated, placed visit records and is not run.
    ///
    /// Budget split: counts 50% of ε (each person one row, declared keys), risk model 50% of ε
    /// and all of δ; the cohort export spends no ε.
    static func healthSurvey(
        _ input: ScenarioInput, survey: HealthSurveyMapping, options: ScenarioOptions,
        context: ScenarioContext
    ) throws -> ScenarioReport {
        let kind = ScenarioKind.health
        let persons = input.table
        let n = persons.rowCount
        guard n > 0 else { throw ScenarioError.noData(scenario: kind.rawValue, reason: "the survey table has no rows") }
        let band = try View.strings(persons, "age_band", kind), sex = try View.strings(persons, "sex", kind)
        let hypertension = try View.doubles(persons, "hypertension", kind),
            diabetes = try View.doubles(persons, "diabetes", kind)
        let yesNo = { (v: Double) in v != 0 ? "yes" : "no" }
        var columns = persons.columns
        columns.append(
            try Column(
                "prevalence_cell",
                strings: (0..<n).map {
                    band[$0] + "|" + sex[$0] + "|" + yesNo(hypertension[$0]) + "|" + yesNo(diabetes[$0])
                }))
        let view = try Table(columns: columns)
        let grant = try ScenarioGrant(
            context: context, kind: kind, datasets: [(input.dataset, view, ["person_id"])],
            quasiIdentifiers: [input.dataset: survey.cohortQuasiIdentifiers], epsilon: options.epsilon,
            delta: options.delta)
        let e = options.epsilon
        var report = ScenarioReport(
            scenario: kind, dataSource: input.source,
            inputSizes: [try grant.inputSize("persons", dataset: input.dataset, rows: input.datasetRowCount)],
            budgetEpsilon: e, budgetDelta: options.delta,
            budgetSplit:
                "persons per age band × sex × hypertension × diabetes 50% of ε; logistic risk model 50% of ε and all of δ; cohort export: k-anonymity check, no ε; outbreak early warning not run (survey data has no visit dates or districts)",
            operator: context.operator, ledgerScenario: grant.scenario, exact: context.releaser.isExact)

        // 1. Persons per (age band, sex, hypertension, diabetes); one row per person.
        let query = DPQuery.count().grouped(
            by: "prevalence_cell",
            keys: .declared(View.product([survey.ageBands, ["F", "M"], ["no", "yes"], ["no", "yes"]]))
        )
        .boundingContributions(privacyUnit: "person_id", maxPartitionsPerUnit: 1, maxContributionsPerPartition: 1)
        let counts = try grant.release(query, over: view, dataset: input.dataset, epsilon: 0.5 * e)
        report.sections.append(
            ReportSection(
                id: "persons_by_risk_factors", title: "Persons by age band, sex, hypertension and diabetes",
                note:
                    "DP count of persons per (age band, sex, hypertension, diabetes); each person is one row. \(survey.definitions)",
                chart: .table, labelNames: ["age_band", "sex", "hypertension", "diabetes"], valueName: "persons",
                rows: counts.reportRows(),
                epsilon: counts.epsilon, delta: counts.delta, mechanism: counts.mechanismText,
                noiseScale: counts.noiseScale,
                ledgerEntries: counts.entries))

        // 2. Diabetes prevalence per (age band, hypertension): post-processing over both sexes.
        let sd = noiseStandardDeviation(mechanism: counts.mechanism, scale: counts.noiseScale)
        var value: [String: Double] = [:]
        for row in counts.rows { value[row.key] = row.value }
        var rateRows: [ReportRow] = []
        for b in survey.ageBands {
            for h in ["no", "yes"] {
                let cells = { (d: String) in
                    ["F", "M"].map { max(value[b + "|" + $0 + "|" + h + "|" + d] ?? 0, 0) }.reduce(0, +)
                }
                let ill = cells("yes"), total = ill + cells("no")
                guard total >= 1 else { continue }
                let rate = min(1, ill / total)
                // Each of the two noisy sums is over 2 cells: Var ≈ 2·sd²((1 − r)² + r²)/T².
                let half = 1.96 * sd * (2 * ((1 - rate) * (1 - rate) + rate * rate)).squareRoot() / total
                rateRows.append(
                    ReportRow(
                        labels: [b, "hypertension " + h], value: rate * 100,
                        lower: max(0, rate - half) * 100, upper: min(1, rate + half) * 100))
            }
        }
        report.sections.insert(
            ReportSection(
                id: "diabetes_prevalence", title: "Diabetes prevalence by age band and hypertension (%)",
                note:
                    "Post-processing of persons_by_risk_factors (no extra budget): noisy diabetics / noisy persons per (age band, hypertension), both sexes; 95% interval by the delta method.",
                chart: .bars, labelNames: ["age_band", "hypertension"], valueName: "diabetes %", rows: rateRows,
                epsilon: 0, delta: 0, mechanism: "post-processing", noiseScale: nil, ledgerEntries: []), at: 0)

        // 3–4. Risk model and cohort export on the same persons.
        try appendRiskModelAndCohort(
            persons: persons, quasiIdentifiers: survey.cohortQuasiIdentifiers, kept: survey.cohortKept,
            modelEpsilon: 0.5 * e, unitNote: "one row per survey participant", truthNote: "",
            input: input, options: options, context: context, grant: grant, report: &report)
        return report
    }
}
