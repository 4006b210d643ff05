import Datasets
import DifferentialPrivacy
import Tabular

extension ScenarioRunner {
    /// Transport: DP origin–destination matrix between districts, OD by hour of day, and DP
    /// travel-time quantiles per station group (the boarding district), as input to signal
    /// timing and road-flow planning.
    ///
    /// Column mapping: `card_id` (privacy unit; ``ScenarioInput/privacyUnit``), `origin_district`, `destination_district`,
    /// `boarding_time`, `alighting_time` (timestamps). District keys are Hangzhou's 13 public
    /// district names (declared; trips elsewhere are dropped).
    ///
    /// Budget split (ε): OD matrix 30%, OD × hour 30%, travel-time quantiles 40%. Each card
    /// contributes to at most 4 OD cells with ≤ 2 trips each (OD), 4 OD-hour cells with 1 trip
    /// each, and 2 station groups with ≤ 2 trips each (quantiles).
    static func transport(
        _ input: ScenarioInput, options: ScenarioOptions, context: ScenarioContext
    ) throws -> ScenarioReport {
        let kind = ScenarioKind.transport
        let trips = input.table
        let origin = try View.strings(trips, "origin_district", kind)
        let destination = try View.strings(trips, "destination_district", kind)
        let boarding = try View.timestamps(trips, "boarding_time", kind)
        let alighting = try View.timestamps(trips, "alighting_time", kind)
        let unit = input.privacyUnit ?? "card_id"
        let card = try View.column(trips, unit, kind)
        let hours = View.hours(boarding)
        let od = zip(origin, destination).map { $0 + "|" + $1 }
        let odHour = (0..<trips.rowCount).map { od[$0] + "|" + View.hourLabels[hours[$0]] }
        let minutes = zip(boarding, alighting).map { Double($1 - $0) / 60 }
        let view = try Table(columns: [
            card, try Column("origin_district", strings: origin), try Column("od", strings: od),
            try Column("od_hour", strings: odHour), try Column("travel_minutes", float64: minutes),
        ])
        let grant = try ScenarioGrant(
            context: context, kind: kind, datasets: [(input.dataset, view, [unit])],
            epsilon: options.epsilon, delta: options.delta)
        // Declared keys for the synthetic schema (Hangzhou's districts); for real-data mappings
        // without a public key list, DP partition selection picks the OD pairs (spending δ),
        // and OD × hour is then keyed on the released pairs × 24 hours: the released pairs are
        // public output, so using them as declared keys costs nothing more (adaptive
        // composition), and a thin OD × hour table no longer has to clear a selection
        // threshold cell by cell.
        let districts = input.placeKeys
        let odKeys: PartitionKeys = districts.map { .declared(View.product([$0, $0])) } ?? .selected
        let odDelta: Double? = districts == nil ? options.delta : nil
        guard let groups = input.groupKeys ?? districts else {
            throw ScenarioError.invalidParameter(
                name: "groupKeys", value: "nil", reason: "travel-time quantiles need declared groups")
        }
        let e = options.epsilon
        var report = ScenarioReport(
            scenario: kind, dataSource: input.source,
            inputSizes: [try grant.inputSize("trips", dataset: input.dataset, rows: input.datasetRowCount)],
            budgetEpsilon: e, budgetDelta: options.delta,
            budgetSplit: "OD matrix 30%, OD × hour 30%, travel-time quantiles 40% (ε); "
                + (districts == nil
                    ? "δ spent by the OD partition selection (OD × hour is keyed on the released pairs)"
                    : "δ unused (declared keys)"),
            operator: context.operator, ledgerScenario: grant.scenario, exact: context.releaser.isExact)

        // 1. OD matrix.
        let odQuery = DPQuery.count().grouped(by: "od", keys: odKeys)
            .boundingContributions(
                privacyUnit: unit, maxPartitionsPerUnit: options.partitions(4),
                maxContributionsPerPartition: options.contributions(2))
        let odRelease = try grant.release(odQuery, over: view, dataset: input.dataset, epsilon: 0.3 * e, delta: odDelta)
        report.sections.append(
            ReportSection(
                id: "od_matrix", title: "Trips between districts (origin → destination)",
                note:
                    "DP count per (origin, destination) district pair over the whole period; each card bounded to \(options.partitions(4)) pairs × \(options.contributions(2)) trips. Interval: exact 95% interval of the noise per cell."
                    + odRelease.thresholdText,
                chart: odRelease.rows.count <= 400 ? .heatmap : .table,
                labelNames: ["origin_district", "destination_district"], valueName: "trips",
                rows: odRelease.reportRows(), epsilon: odRelease.epsilon, delta: odRelease.delta,
                mechanism: odRelease.mechanismText, noiseScale: odRelease.noiseScale, ledgerEntries: odRelease.entries))

        // 2. OD by hour of day, and the hourly profile derived from it (post-processing).
        let odHourPairs = districts.map { View.product([$0, $0]) } ?? odRelease.rows.map(\.key)
        guard !odHourPairs.isEmpty else {
            report.sections.append(
                ReportSection(
                    id: "od_by_hour", title: "Trips by origin, destination and boarding hour",
                    note:
                        "Not released: the OD partition selection released no pair, so there is nothing to break down by hour (this share of ε was not spent).",
                    chart: .table, labelNames: ["origin_district", "destination_district", "hour"], valueName: "trips",
                    rows: [], epsilon: 0, delta: 0, mechanism: "none", noiseScale: nil, ledgerEntries: []))
            return try transportQuantiles(
                report, input: input, view: view, unit: unit, groups: groups, options: options, grant: grant)
        }
        let odHourQuery = DPQuery.count().grouped(
            by: "od_hour", keys: .declared(View.product([odHourPairs, View.hourLabels]))
        )
        .boundingContributions(
            privacyUnit: unit, maxPartitionsPerUnit: options.partitions(4),
            maxContributionsPerPartition: options.contributions(1))
        let odHourRelease = try grant.release(odHourQuery, over: view, dataset: input.dataset, epsilon: 0.3 * e)
        let keyNote =
            districts == nil
            ? " Keys: the \(odHourPairs.count) released OD pairs × 24 hours (public after the OD release); trips on other pairs are not counted."
            : ""
        report.sections.append(
            ReportSection(
                id: "od_by_hour", title: "Trips by origin, destination and boarding hour",
                note:
                    "DP count per (origin, destination, hour) cell; each card bounded to \(options.partitions(4)) cells × \(options.contributions(1)) trip. Full table in od_by_hour.csv."
                    + keyNote + odHourRelease.thresholdText,
                chart: .table, labelNames: ["origin_district", "destination_district", "hour"], valueName: "trips",
                rows: odHourRelease.reportRows(), epsilon: odHourRelease.epsilon, delta: odHourRelease.delta,
                mechanism: odHourRelease.mechanismText, noiseScale: odHourRelease.noiseScale,
                ledgerEntries: odHourRelease.entries))
        let hourly = sumCells(odHourRelease) { key in key.split(separator: "|").last.map(String.init) }
        report.sections.append(
            ReportSection(
                id: "trips_by_hour", title: "Trips by boarding hour (all districts)",
                note:
                    "Post-processing of od_by_hour: the sum of the released cells of each hour (no extra budget); interval ±1.96·√m·sd over its m cells (normal approximation).",
                chart: .timeSeries, labelNames: ["hour", "series"], valueName: "trips",
                rows: hourly.map {
                    ReportRow(
                        labels: [$0.key, "trips"], value: $0.value, lower: $0.value - $0.half, upper: $0.value + $0.half
                    )
                },
                epsilon: 0, delta: 0, mechanism: "post-processing", noiseScale: nil, ledgerEntries: []))

        return try transportQuantiles(
            report, input: input, view: view, unit: unit, groups: groups, options: options, grant: grant)
    }

    /// Section 3 of ``transport(_:options:context:)``: travel-time quantiles per station group
    /// (40% of ε).
    private static func transportQuantiles(
        _ report: ScenarioReport, input: ScenarioInput, view: Table, unit: String, groups: [String],
        options: ScenarioOptions, grant: ScenarioGrant
    ) throws -> ScenarioReport {
        var report = report
        let e = options.epsilon
        // 3. Travel-time quantiles per station group.
        let levels = [0.5, 0.9]
        let quantileQuery = DPQuery.quantiles(
            of: "travel_minutes", levels: levels, clampedTo: 0...input.travelMinutesBound
        )
        .grouped(by: "origin_district", keys: .declared(groups))
        .boundingContributions(
            privacyUnit: unit, maxPartitionsPerUnit: options.partitions(2),
            maxContributionsPerPartition: options.contributions(2))
        let quantiles = try grant.release(quantileQuery, over: view, dataset: input.dataset, epsilon: 0.4 * e)
        report.sections.append(
            ReportSection(
                id: "travel_time_quantiles", title: "Travel time by boarding district (median and 90th percentile)",
                note:
                    "DP quantiles (exponential mechanism over 16,384 bins of 0–\(formatNumber(input.travelMinutesBound)) min; ε split over 2 levels and \(options.partitions(2)) groups per card). No additive noise, so no interval: the error is the mechanism's rank error.",
                chart: .bars, labelNames: ["origin_district", "quantile"], valueName: "minutes",
                rows: quantiles.rows.flatMap { row in
                    zip(levels, row.quantiles ?? [row.value]).map {
                        ReportRow(labels: [row.key, "p\(Int($0 * 100))"], value: $1)
                    }
                },
                epsilon: quantiles.epsilon, delta: quantiles.delta, mechanism: quantiles.mechanism, noiseScale: nil,
                ledgerEntries: quantiles.entries))
        return report
    }
}
