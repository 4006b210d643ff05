import Datasets
import DifferentialPrivacy
import Tabular

extension ScenarioRunner {
    /// Market supervision: food and drug complaint hot spots by category × district, and by
    /// sub-category × district, with keys chosen by DP partition selection (rare combinations
    /// are never named).
    ///
    /// Column mapping: `record_type` (rows equal to `complaint` are used; a table without it is
    /// taken as all complaints), `category`, `sub_category`, `district`. Each complaint is its own
    /// privacy unit (the data holds no complainant id).
    ///
    /// Budget split: category × district 50% of ε, sub-category × district 50%; δ split evenly
    /// between the two selections.
    static func market(
        _ input: ScenarioInput, options: ScenarioOptions, context: ScenarioContext
    ) throws -> ScenarioReport {
        let kind = ScenarioKind.market
        let records = input.table
        var complaints = records
        if records["record_type"] != nil {
            let types = try View.strings(records, "record_type", kind)
            complaints = try records.gathering(rows: types.indices.filter { types[$0] == "complaint" })
        }
        let category = try View.strings(complaints, "category", kind)
        let sub = try View.strings(complaints, "sub_category", kind)
        let district = try View.strings(complaints, "district", kind)
        var viewColumns = [
            try Column("category_district", strings: zip(category, district).map { $0 + "|" + $1 }),
            try Column(
                "subcategory_district",
                strings: (0..<complaints.rowCount).map { category[$0] + ": " + sub[$0] + "|" + district[$0] }),
        ]
        // A privacy unit (real-data mappings: the establishment) is bounded to 3 cells × 3 records.
        if let unit = input.privacyUnit { viewColumns.append(try View.column(complaints, unit, kind)) }
        let view = try Table(columns: viewColumns)
        let grant = try ScenarioGrant(
            context: context, kind: kind, datasets: [(input.dataset, view, input.privacyUnit.map { [$0] } ?? [])],
            epsilon: options.epsilon, delta: options.delta)
        let e = options.epsilon, d = options.delta / 2
        let unitName = records["record_type"] != nil ? "complaints" : "records"
        var report = ScenarioReport(
            scenario: kind, dataSource: input.source,
            inputSizes: [
                try grant.inputSize("records", dataset: input.dataset, rows: input.datasetRowCount),
                .notPublished(unitName),
            ],
            budgetEpsilon: e, budgetDelta: options.delta,
            budgetSplit:
                "category × district 50%, sub-category × district 50% (ε); δ halved between the two partition selections",
            operator: context.operator, ledgerScenario: grant.scenario, exact: context.releaser.isExact)
        for (id, column, title, labels) in [
            (
                "hotspots_category_district", "category_district", "Complaints by category and district",
                ["category", "district"]
            ),
            (
                "hotspots_subcategory_district", "subcategory_district", "Complaints by sub-category and district",
                ["sub_category", "district"]
            ),
        ] {
            var query = DPQuery.count().grouped(by: column, keys: .selected)
            if let unit = input.privacyUnit {
                query = query.boundingContributions(
                    privacyUnit: unit, maxPartitionsPerUnit: options.partitions(3),
                    maxContributionsPerPartition: options.contributions(3))
            }
            let released = try grant.release(query, over: view, dataset: input.dataset, epsilon: e / 2, delta: d)
            var rows = released.reportRows()
            rows.sort { $0.value > $1.value }
            let threshold = released.thresholdText
            report.sections.append(
                ReportSection(
                    id: id, title: title + " (hot spots first)",
                    note: "DP count of complaints per cell"
                        + (input.privacyUnit.map {
                            " (each \($0) bounded to \(options.partitions(3)) cells × \(options.contributions(3)) records)"
                        } ?? "")
                        + "; keys chosen by DP partition selection (Laplace thresholding).\(threshold) Interval: exact 95% interval of the noise.",
                    chart: id == "hotspots_category_district" ? .heatmap : .bars, labelNames: labels,
                    valueName: unitName,
                    rows: rows, epsilon: released.epsilon, delta: released.delta, mechanism: released.mechanismText,
                    noiseScale: released.noiseScale, ledgerEntries: released.entries))
        }
        // The top 15 hot spots as bars (post-processing of the first release).
        if let first = report.sections.first {
            report.sections.insert(
                ReportSection(
                    id: "top_hotspots", title: "Top 15 complaint hot spots (category × district)",
                    note:
                        "Post-processing: the 15 largest released cells of hotspots_category_district (no extra budget).",
                    chart: .bars, labelNames: first.labelNames, valueName: unitName, rows: Array(first.rows.prefix(15)),
                    epsilon: 0, delta: 0, mechanism: "post-processing", noiseScale: nil, ledgerEntries: []), at: 0)
        }
        return report
    }

    /// Commerce: district footfall and sales as DP sums, and the monthly footfall series.
    ///
    /// Column mapping: `date`, `district`, `business_type`, `footfall` (visits/day, clamped to
    /// 0–250,000), `sales_yuan` (yuan/day, clamped to 0–30,000,000). The privacy unit is one
    /// sensor-day record (district × business type × day); districts and business types are
    /// public keys, months are chosen by partition selection.
    ///
    /// Budget split: footfall by district 40%, sales by business type 30%, monthly footfall 30% (with all of δ).
    static func commerce(
        _ input: ScenarioInput, options: ScenarioOptions, context: ScenarioContext
    ) throws -> ScenarioReport {
        let kind = ScenarioKind.commerce
        let table = input.table
        let days = try View.days(table, "date", kind)
        let month = days.map { String(View.dateText($0).prefix(7)) }
        let view = try Table(columns: [
            try View.column(table, "district", kind), try View.column(table, "business_type", kind),
            try Column("month", strings: month),
            try Column("footfall", float64: try View.doubles(table, "footfall", kind)),
            try Column("sales_yuan", float64: try View.doubles(table, "sales_yuan", kind)),
        ])
        let grant = try ScenarioGrant(
            context: context, kind: kind, datasets: [(input.dataset, view, [])],
            epsilon: options.epsilon, delta: options.delta)
        let e = options.epsilon
        var report = ScenarioReport(
            scenario: kind, dataSource: input.source,
            inputSizes: [try grant.inputSize("records", dataset: input.dataset, rows: input.datasetRowCount)],
            budgetEpsilon: e, budgetDelta: options.delta,
            budgetSplit:
                "footfall by district 40%, sales by business type 30%, monthly footfall 30% (ε); δ for the month selection",
            operator: context.operator, ledgerScenario: grant.scenario, exact: context.releaser.isExact)
        let types = ["catering", "retail", "supermarket", "shopping_mall", "entertainment", "services"]
        let footfall = try grant.release(
            DPQuery.sum(of: "footfall", clampedTo: 0...250_000)
                .grouped(by: "district", keys: .declared(Hangzhou.districtNames)), over: view, dataset: input.dataset,
            epsilon: 0.4 * e,
            mechanism: .laplace)
        report.sections.append(
            ReportSection(
                id: "footfall_by_district", title: "Footfall by district (visits, whole period)",
                note:
                    "DP sum of daily sensor footfall per district, each record clamped to 0–250,000 visits. Interval: exact 95% interval of the noise.",
                chart: .bars, labelNames: ["district"], valueName: "visits", rows: footfall.reportRows(),
                epsilon: footfall.epsilon, delta: footfall.delta, mechanism: footfall.mechanismText,
                noiseScale: footfall.noiseScale, ledgerEntries: footfall.entries))
        let sales = try grant.release(
            DPQuery.sum(of: "sales_yuan", clampedTo: 0...30_000_000)
                .grouped(by: "business_type", keys: .declared(types)), over: view, dataset: input.dataset,
            epsilon: 0.3 * e,
            mechanism: .laplace)
        report.sections.append(
            ReportSection(
                id: "sales_by_type", title: "Sales by business type (yuan, whole period)",
                note:
                    "DP sum of daily card and mobile-payment sales per business type, each record clamped to 0–30,000,000 yuan.",
                chart: .bars, labelNames: ["business_type"], valueName: "yuan", rows: sales.reportRows(),
                epsilon: sales.epsilon, delta: sales.delta, mechanism: sales.mechanismText,
                noiseScale: sales.noiseScale, ledgerEntries: sales.entries))
        let monthly = try grant.release(
            DPQuery.sum(of: "footfall", clampedTo: 0...250_000).grouped(by: "month", keys: .selected),
            over: view, dataset: input.dataset, epsilon: 0.3 * e, delta: options.delta, mechanism: .laplace)
        var monthlyRows = monthly.reportRows().map {
            ReportRow(labels: [$0.labels[0], "footfall"], value: $0.value, lower: $0.lower, upper: $0.upper)
        }
        monthlyRows.sort { $0.labels[0] < $1.labels[0] }
        report.sections.append(
            ReportSection(
                id: "footfall_by_month", title: "Footfall by month (all districts)",
                note: "DP sum per month; months chosen by DP partition selection." + monthly.thresholdText,
                chart: .timeSeries, labelNames: ["month", "series"], valueName: "visits", rows: monthlyRows,
                epsilon: monthly.epsilon, delta: monthly.delta, mechanism: monthly.mechanismText,
                noiseScale: monthly.noiseScale, ledgerEntries: monthly.entries))
        return report
    }
}
