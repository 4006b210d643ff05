import Anonymity
import DifferentialPrivacy
import Tabular

extension ScenarioRunner {
    /// Culture & tourism: visitors per scenic spot per hour of arrival (DP), and a k-anonymous
    /// hotel-stay microdata export.
    ///
    /// Column mapping, visits: `visitor_id` (privacy unit), `scenic_spot`, `arrival_time`
    /// (timestamp). Spot × hour cells are chosen by DP partition selection. Hotel stays:
    /// `hotel_district`, `hotel_class`, `check_in_date`, `nights`, `guests`, `room_rate_yuan`,
    /// `purpose`, `origin_province`, `age_band`, `sex` (`guest_id` is never exported).
    ///
    /// Budget split: all of ε and δ to the spot × hour counts (each visitor bounded to 2 cells,
    /// 1 visit each); the export spends no ε — it passes the export gate's k-anonymity check
    /// over the quasi-identifiers (district, age band, sex, origin province, check-in month),
    /// generalised by Mondrian.
    static func tourism(
        _ input: ScenarioInput, options: ScenarioOptions, context: ScenarioContext
    ) throws -> ScenarioReport {
        let kind = ScenarioKind.tourism
        let visits = input.table
        let spot = try View.strings(visits, "scenic_spot", kind)
        let hours = View.hours(try View.timestamps(visits, "arrival_time", kind))
        let view = try Table(columns: [
            try View.column(visits, "visitor_id", kind),
            try Column("spot_hour", strings: (0..<visits.rowCount).map { spot[$0] + "|" + View.hourLabels[hours[$0]] }),
        ])
        var datasets: [(name: String, table: Table, identifiers: [String])] = [(input.dataset, view, ["visitor_id"])]
        var stays: Table?
        var qi = ["hotel_district", "age_band", "sex", "origin_province", "check_in_month"]
        if let hotels = input.second, let hotelDataset = input.secondDataset {
            let table: Table
            if let mappedQI = input.hotelQuasiIdentifiers {
                qi = mappedQI
                table = hotels
            } else {
                let checkIn = try View.days(hotels, "check_in_date", kind)
                var columns: [Column] = []
                for name in ["hotel_district", "age_band", "sex", "origin_province"] {
                    columns.append(try View.column(hotels, name, kind))
                }
                columns.append(
                    try Column("check_in_month", strings: checkIn.map { String(View.dateText($0).prefix(7)) }))
                for name in ["hotel_class", "nights", "guests", "room_rate_yuan", "purpose"] {
                    columns.append(try View.column(hotels, name, kind))
                }
                table = try Table(columns: columns)
            }
            stays = table
            datasets.append((hotelDataset, table, []))
        }
        let grant = try ScenarioGrant(
            context: context, kind: kind, datasets: datasets,
            quasiIdentifiers: input.secondDataset.map { [$0: qi] } ?? [:], epsilon: options.epsilon,
            delta: options.delta)
        var report = ScenarioReport(
            scenario: kind, dataSource: input.source,
            inputSizes: [try grant.inputSize("visits", dataset: input.dataset, rows: input.datasetRowCount)]
                + (try input.secondDataset.map {
                    [try grant.inputSize("hotel_stays", dataset: $0, rows: input.secondDatasetRowCount)]
                } ?? []),
            budgetEpsilon: options.epsilon, budgetDelta: options.delta,
            budgetSplit: "spot × hour counts 100% of ε and δ; hotel export: k-anonymity check, no ε",
            operator: context.operator, ledgerScenario: grant.scenario, exact: context.releaser.isExact)
        let query = DPQuery.count().grouped(by: "spot_hour", keys: .selected)
            .boundingContributions(
                privacyUnit: "visitor_id", maxPartitionsPerUnit: options.partitions(2),
                maxContributionsPerPartition: options.contributions(1))
        let released = try grant.release(
            query, over: view, dataset: input.dataset, epsilon: options.epsilon, delta: options.delta)
        let perSpot = sumCells(released) { key in key.split(separator: "|").first.map(String.init) }.sorted {
            $0.value > $1.value
        }
        report.sections.append(
            ReportSection(
                id: "visitors_by_spot", title: "Visitors per scenic spot (all hours)",
                note:
                    "Post-processing of visitors_by_spot_hour: the sum of each spot's released hourly cells; interval ±1.96·√m·sd over its m cells.",
                chart: .bars, labelNames: ["scenic_spot"], valueName: "visits",
                rows: perSpot.map {
                    ReportRow(labels: [$0.key], value: $0.value, lower: $0.value - $0.half, upper: $0.value + $0.half)
                },
                epsilon: 0, delta: 0, mechanism: "post-processing", noiseScale: nil, ledgerEntries: []))
        report.sections.append(
            ReportSection(
                id: "visitors_by_spot_hour", title: "Visitors per scenic spot and hour of arrival",
                note:
                    "DP count per (spot, hour) cell, cells chosen by DP partition selection; each visitor bounded to \(options.partitions(2)) cells × \(options.contributions(1)) visit. Interval: exact 95% interval of the noise."
                    + released.thresholdText,
                chart: .heatmap, labelNames: ["scenic_spot", "hour"], valueName: "visits", rows: released.reportRows(),
                epsilon: released.epsilon, delta: released.delta, mechanism: released.mechanismText,
                noiseScale: released.noiseScale, ledgerEntries: released.entries))

        if let stays, let hotelDataset = input.secondDataset {
            context.progress("  [tourism] Mondrian k=\(options.k) over \(qi.joined(separator: ","))")
            let mondrian = try Anonymiser.mondrian(stays, quasiIdentifiers: qi, k: options.k)
            let anonymised = try mondrian.anonymisedTable(stays)
            let file = "hotel_stays_k\(options.k).csv"
            let (entry, exportPath) = try grant.exportMicrodata(
                anonymised, file: file, quasiIdentifiers: qi, k: options.k, dataset: hotelDataset, datasetIndex: 1)
            report.exports.append(exportPath)
            let sizes = mondrian.sizes.sorted()
            report.sections.append(
                ReportSection(
                    id: "hotel_export", title: "k-anonymous hotel-stay microdata export",
                    note:
                        "Mondrian (strict, LeFevre et al. 2006) generalises \(qi.joined(separator: ", ")) until every equivalence class has ≥ \(options.k) stays; the export gate re-checks k before the file is written and records it in the ledger. guest_id is not exported.",
                    chart: .table, labelNames: ["measure"], valueName: "value",
                    rows: [
                        ReportRow(labels: ["rows exported"], value: Double(anonymised.rowCount)),
                        ReportRow(labels: ["equivalence classes"], value: Double(mondrian.partitionCount)),
                        ReportRow(labels: ["smallest class"], value: Double(sizes.first ?? 0)),
                        ReportRow(labels: ["median class"], value: Double(sizes.isEmpty ? 0 : sizes[sizes.count / 2])),
                    ],
                    epsilon: 0, delta: 0, mechanism: "k-anonymity (k = \(options.k)) via Mondrian, export gate",
                    noiseScale: nil, ledgerEntries: [entry]))
        }
        return report
    }
}
