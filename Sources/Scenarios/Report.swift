public import DifferentialPrivacy
import Foundation

/// The six scenarios of the plan's priority domains.
public enum ScenarioKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Transit OD flows and travel times (`datasets/transport.csv`).
    case transport
    /// Syndromic surveillance, risk model, cohort export (`datasets/health.csv`).
    case health
    /// Cross-department enterprise risk by secure aggregation (`datasets/finance.csv`).
    case finance
    /// District footfall and sales (`datasets/commerce.csv`).
    case commerce
    /// Complaint hot spots (`datasets/market.csv`).
    case market
    /// Scenic-spot visits and hotel stays (`datasets/tourism.csv`, `datasets/tourism_hotels.csv`).
    case tourism

    /// A human title.
    public var title: String {
        switch self {
        case .transport: "Transport: origin–destination flows and travel times"
        case .health: "Health: outbreak early warning, risk model, cohort export"
        case .finance: "Finance & insurance: cross-department enterprise risk"
        case .commerce: "Commerce: district footfall and sales"
        case .market: "Market supervision: complaint hot spots"
        case .tourism: "Culture & tourism: scenic-spot visitors and hotel stays"
        }
    }
}

/// How a section is drawn in report.html.
public enum SectionChart: String, Sendable, Hashable, Codable {
    /// Horizontal bars with 95% interval whiskers (`labels[0]` is the bar).
    case bars
    /// A heat map: `labels[0]` is the row, `labels[1]` the column.
    case heatmap
    /// A time series: `labels[0]` is the x value (sortable text, e.g. a date); alert rows are marked.
    case timeSeries
    /// A plain table.
    case table
}

/// The size of one input table of a scenario, as a report may show it.
///
/// A row count is data: a report publishes the exact count only when the dataset's steward
/// declared it public metadata in the ledger (`privacy-kernel ledger classify --data FILE
/// --public-rows`, ``PrivacyLedger/SQLiteLedger/declareRowCountPublic(dataset:_:actor:)``);
/// otherwise the count is omitted and the report says so. Counts of subsets of a dataset (the
/// complaints among market records, say) are never published.
public struct InputSize: Sendable, Hashable, Codable {
    /// Whether and why the row count is published.
    public enum Disclosure: String, Sendable, Hashable, Codable {
        /// The steward declared the dataset's size public in the ledger: ``InputSize/rows`` is exact.
        case declaredPublic = "declared public by steward"
        /// Not declared public (or a subset of a dataset): ``InputSize/rows`` is omitted.
        case notPublished = "not published"
    }

    /// The table's role in the scenario ("visits", "hotel_stays").
    public var table: String
    /// The exact row count, present only when ``disclosure`` is ``Disclosure/declaredPublic``.
    public var rows: Int?
    /// Whether the count is published, and on whose declaration.
    public var disclosure: Disclosure

    /// A published size (the steward declared it public).
    public static func declaredPublic(_ table: String, rows: Int) -> InputSize {
        InputSize(table: table, rows: rows, disclosure: .declaredPublic)
    }

    /// A size that is not published.
    public static func notPublished(_ table: String) -> InputSize {
        InputSize(table: table, rows: nil, disclosure: .notPublished)
    }

    /// `"visits: 12000 (declared public by steward)"` or `"visits: not published"`.
    public var text: String {
        rows.map { "\(table): \($0) (\(disclosure.rawValue))" } ?? "\(table): \(disclosure.rawValue)"
    }

    enum CodingKeys: String, CodingKey { case table, rows, disclosure }

    /// Encodes `rows` as `null` when not published, so the field is always present.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(table, forKey: .table)
        try c.encode(rows, forKey: .rows)
        try c.encode(disclosure, forKey: .disclosure)
    }

    /// Decodes what ``encode(to:)`` wrote.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        table = try c.decode(String.self, forKey: .table)
        rows = try c.decodeIfPresent(Int.self, forKey: .rows)
        disclosure = try c.decode(Disclosure.self, forKey: .disclosure)
    }

    init(table: String, rows: Int?, disclosure: Disclosure) {
        self.table = table
        self.rows = disclosure == .declaredPublic ? rows : nil
        self.disclosure = disclosure
    }
}

/// One released (or checked) number with its uncertainty.
public struct ReportRow: Sendable, Hashable, Codable {
    /// The row's key parts (e.g. `[origin, destination]`).
    public var labels: [String]
    /// The released value (post-processed values, e.g. sums of released cells, are marked in the section note).
    public var value: Double
    /// Lower end of the 95% noise interval, if the mechanism has one.
    public var lower: Double?
    /// Upper end of the 95% noise interval.
    public var upper: Double?
    /// Whether an alert rule fired on this row (time series).
    public var alert: Bool
    /// The noisy value before post-processing (non-negativity, integer rounding), when
    /// post-processing changed ``value``; `nil` (absent from the JSON) otherwise. Sums of many
    /// cells should use it: it is unbiased, the post-processed value is not.
    public var rawValue: Double?

    /// A row.
    public init(
        labels: [String], value: Double, lower: Double? = nil, upper: Double? = nil, alert: Bool = false,
        rawValue: Double? = nil
    ) {
        self.labels = labels
        self.value = value
        self.lower = lower
        self.upper = upper
        self.alert = alert
        self.rawValue = rawValue
    }

    /// The row with `processing` applied to its value and interval ends, keeping the noisy value
    /// in ``rawValue`` when it changed. Spends no budget.
    public func postProcessed(_ processing: PostProcessing) -> ReportRow {
        var row = self
        row.value = processing.apply(value)
        row.lower = lower.map(processing.apply)
        row.upper = upper.map(processing.apply)
        if row.value != value { row.rawValue = rawValue ?? value }
        return row
    }
}

/// One part of a scenario's report: a release (or a derived result, or an export) with its cost.
public struct ReportSection: Sendable, Hashable, Codable {
    /// Short identifier, used for the CSV file name (`<id>.csv`).
    public var id: String
    /// Title.
    public var title: String
    /// What the numbers mean, how they were computed, and what is post-processing.
    public var note: String
    /// The chart.
    public var chart: SectionChart
    /// Names of the label parts, then the value's name (CSV header).
    public var labelNames: [String]
    /// The value's name and unit.
    public var valueName: String
    /// The rows.
    public var rows: [ReportRow]
    /// ε spent by this section (0 for post-processing and anonymity-checked exports).
    public var epsilon: Double
    /// δ spent by this section.
    public var delta: Double
    /// The mechanism and its noise scale in words (e.g. "discrete Laplace, b = 8").
    public var mechanism: String
    /// Noise scale (Laplace b or Gaussian σ) in the value's unit, if additive.
    public var noiseScale: Double?
    /// Ledger entry ids of the releases or exports behind this section.
    public var ledgerEntries: [String]

    /// Value units that are counts (of persons, visits, records…): post-processed to
    /// non-negative integers in scenario reports.
    public static let countUnits: Set<String> = [
        "visits", "trips", "tests", "persons", "complaints", "records", "enterprises", "loans",
    ]

    /// The post-processing a scenario report applies to this section by default: non-negative
    /// integers for counts (``countUnits``), non-negative values for money (`yuan`) and
    /// percentages; nothing for other values (model coefficients, export measures, minutes
    /// released by the exponential mechanism, which are already within their range).
    public var defaultPostProcessing: PostProcessing {
        if Self.countUnits.contains(valueName) { return .counts }
        if valueName == "yuan" || valueName.hasSuffix("%") { return .nonNegative }
        return []
    }

    /// A section.
    public init(
        id: String, title: String, note: String, chart: SectionChart, labelNames: [String], valueName: String,
        rows: [ReportRow], epsilon: Double, delta: Double, mechanism: String, noiseScale: Double?,
        ledgerEntries: [String]
    ) {
        self.id = id
        self.title = title
        self.note = note
        self.chart = chart
        self.labelNames = labelNames
        self.valueName = valueName
        self.rows = rows
        self.epsilon = epsilon
        self.delta = delta
        self.mechanism = mechanism
        self.noiseScale = noiseScale
        self.ledgerEntries = ledgerEntries
    }
}

/// What a scenario returns: its sections, its budget and what it spent.
public struct ScenarioReport: Sendable, Hashable, Codable {
    /// The scenario.
    public var scenario: ScenarioKind
    /// Title.
    public var title: String
    /// The input file (or "embedded").
    public var dataSource: String
    /// Each input table's size: exact only where the steward declared it public (see ``InputSize``).
    public var inputSizes: [InputSize]
    /// The ε budget granted to the scenario's authorisation.
    public var budgetEpsilon: Double
    /// The δ budget.
    public var budgetDelta: Double
    /// How the budget is split, in words (e.g. "OD 30%, OD by hour 30%, quantiles 40%").
    public var budgetSplit: String
    /// ε spent by all sections (basic composition; the ledger's accountant may state less).
    public var spentEpsilon: Double { sections.reduce(0) { $0 + $1.epsilon } }
    /// δ spent by all sections.
    public var spentDelta: Double { sections.reduce(0) { $0 + $1.delta } }
    /// The authorisation the releases were charged to.
    public var `operator`: String
    /// The authorisation's scenario name in the ledger.
    public var ledgerScenario: String
    /// Whether the numbers are exact: released by this package's test releaser, never by the
    /// library's own (``LedgerReleaser``). The HTML report warns in red when set.
    public var exact: Bool
    /// The sections.
    public var sections: [ReportSection]
    /// Files written by exports (microdata): absolute paths in the ledger's export area.
    public var exports: [String]
    /// Wall-clock seconds the scenario took.
    public var seconds: Double
    /// Whether the documented post-processing (``ReportSection/defaultPostProcessing``) was
    /// applied to the released values; each changed row keeps its noisy value as ``ReportRow/rawValue``.
    public var postProcessed: Bool = false

    /// Applies each section's ``ReportSection/defaultPostProcessing`` to its rows (no budget:
    /// a function of released values only) and sets ``postProcessed``.
    public mutating func applyPostProcessing() {
        for index in sections.indices {
            let processing = sections[index].defaultPostProcessing
            guard !processing.isEmpty else { continue }
            sections[index].rows = sections[index].rows.map { $0.postProcessed(processing) }
            let what =
                processing == .counts
                ? "negative values shown as 0 and values rounded to integers" : "negative values shown as 0"
            sections[index].note +=
                " Post-processing (no budget): \(what); the noisy value is kept as rawValue in report.json."
        }
        postProcessed = true
    }

    /// The section with `id`, if any.
    public func section(_ id: String) -> ReportSection? { sections.first { $0.id == id } }

    enum CodingKeys: String, CodingKey {
        case scenario, title, dataSource, inputSizes, budgetEpsilon, budgetDelta, budgetSplit, `operator`,
            ledgerScenario
        case exact, sections, exports, seconds, spentEpsilon, spentDelta, postProcessed
    }

    /// Encodes every stored field plus the derived `spentEpsilon` / `spentDelta`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(scenario, forKey: .scenario)
        try c.encode(title, forKey: .title)
        try c.encode(dataSource, forKey: .dataSource)
        try c.encode(inputSizes, forKey: .inputSizes)
        try c.encode(budgetEpsilon, forKey: .budgetEpsilon)
        try c.encode(budgetDelta, forKey: .budgetDelta)
        try c.encode(budgetSplit, forKey: .budgetSplit)
        try c.encode(spentEpsilon, forKey: .spentEpsilon)
        try c.encode(spentDelta, forKey: .spentDelta)
        try c.encode(`operator`, forKey: .operator)
        try c.encode(ledgerScenario, forKey: .ledgerScenario)
        try c.encode(exact, forKey: .exact)
        try c.encode(sections, forKey: .sections)
        try c.encode(exports, forKey: .exports)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(postProcessed, forKey: .postProcessed)
    }

    /// Decodes a report written by ``encode(to:)``.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        scenario = try c.decode(ScenarioKind.self, forKey: .scenario)
        title = try c.decode(String.self, forKey: .title)
        dataSource = try c.decode(String.self, forKey: .dataSource)
        inputSizes = try c.decode([InputSize].self, forKey: .inputSizes)
        budgetEpsilon = try c.decode(Double.self, forKey: .budgetEpsilon)
        budgetDelta = try c.decode(Double.self, forKey: .budgetDelta)
        budgetSplit = try c.decode(String.self, forKey: .budgetSplit)
        `operator` = try c.decode(String.self, forKey: .operator)
        ledgerScenario = try c.decode(String.self, forKey: .ledgerScenario)
        exact = try c.decode(Bool.self, forKey: .exact)
        sections = try c.decode([ReportSection].self, forKey: .sections)
        exports = try c.decode([String].self, forKey: .exports)
        seconds = try c.decode(Double.self, forKey: .seconds)
        postProcessed = try c.decodeIfPresent(Bool.self, forKey: .postProcessed) ?? false
    }

    /// A report.
    public init(
        scenario: ScenarioKind, dataSource: String, inputSizes: [InputSize], budgetEpsilon: Double, budgetDelta: Double,
        budgetSplit: String, operator: String, ledgerScenario: String, exact: Bool,
        sections: [ReportSection] = [], exports: [String] = [], seconds: Double = 0
    ) {
        self.scenario = scenario
        self.title = scenario.title
        self.dataSource = dataSource
        self.inputSizes = inputSizes
        self.budgetEpsilon = budgetEpsilon
        self.budgetDelta = budgetDelta
        self.budgetSplit = budgetSplit
        self.`operator` = `operator`
        self.ledgerScenario = ledgerScenario
        self.exact = exact
        self.sections = sections
        self.exports = exports
        self.seconds = seconds
    }
}
