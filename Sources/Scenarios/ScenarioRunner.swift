import Datasets
public import PrivacyLedger
import Foundation
public import Tabular

/// Parameters shared by every scenario. Contribution limits are public parameters of the
/// queries, never read off the data.
public struct ScenarioOptions: Sendable, Hashable {
    /// Total ε of the scenario's authorisation (split between its releases as each scenario documents).
    public var epsilon: Double
    /// Total δ (spent only by DP partition selection).
    public var delta: Double
    /// Overrides every per-unit partition limit (tests set it high so that nothing is dropped).
    public var maxPartitionsPerUnit: Int?
    /// Overrides every per-partition contribution limit.
    public var maxContributionsPerPartition: Int?
    /// k for the k-anonymous exports (≥ the ledger's minimum, 5 by default).
    public var k: Int
    /// Whether reports apply the documented post-processing (non-negative integer counts,
    /// non-negative money and rates; ``ReportSection/defaultPostProcessing``), keeping each
    /// noisy value as ``ReportRow/rawValue``. On by default; it spends no budget.
    public var postProcessing: Bool = true

    /// Options with the default budget ε = 2, δ = 10⁻⁶, k = 5.
    public init(
        epsilon: Double = 2, delta: Double = 1e-6, maxPartitionsPerUnit: Int? = nil,
        maxContributionsPerPartition: Int? = nil, k: Int = 5
    ) {
        self.epsilon = epsilon
        self.delta = delta
        self.maxPartitionsPerUnit = maxPartitionsPerUnit
        self.maxContributionsPerPartition = maxContributionsPerPartition
        self.k = k
    }

    /// Largest k accepted (a k above the input's size would suppress everything).
    public static let maximumK = 1_000

    /// Checks every parameter of every scenario, before anything is granted, released or
    /// exported: ε finite and > 0; δ in (0, 1) (the authorisation is an (ε, δ) budget);
    /// contribution limits ≥ 1 when set; `minimumK` ≤ k ≤ ``maximumK``, where `minimumK` is the
    /// ledger's export policy (at least 2).
    ///
    /// - Throws: ``ScenarioError/invalidParameter(name:value:reason:)`` naming the parameter.
    /// - Complexity: O(1).
    public func validate(minimumK: Int = ExportPolicy.standard.minimumK) throws {
        guard epsilon.isFinite, epsilon > 0 else {
            throw ScenarioError.invalidParameter(name: "epsilon", value: "\(epsilon)", reason: "must be finite and > 0")
        }
        guard delta.isFinite, delta > 0, delta < 1 else {
            throw ScenarioError.invalidParameter(
                name: "delta", value: "\(delta)",
                reason: "must lie in (0, 1) (the scenario's authorisation is an (ε, δ) budget)")
        }
        if let p = maxPartitionsPerUnit, p < 1 {
            throw ScenarioError.invalidParameter(
                name: "maxPartitionsPerUnit", value: "\(p)", reason: "must be at least 1")
        }
        if let c = maxContributionsPerPartition, c < 1 {
            throw ScenarioError.invalidParameter(
                name: "maxContributionsPerPartition", value: "\(c)", reason: "must be at least 1")
        }
        let floor = max(2, minimumK)
        guard k >= floor, k <= Self.maximumK else {
            throw ScenarioError.invalidParameter(
                name: "k", value: "\(k)",
                reason: "must lie in \(floor)…\(Self.maximumK) (the ledger's export policy needs k ≥ \(minimumK))")
        }
    }

    func partitions(_ fallback: Int) -> Int { maxPartitionsPerUnit ?? fallback }
    func contributions(_ fallback: Int) -> Int { maxContributionsPerPartition ?? fallback }
}

/// The input of a scenario: its tables and where they came from.
public struct ScenarioInput: Sendable {
    /// The main table.
    public var table: Table
    /// The ledger dataset name of the main table (``PrivacyLedger/SQLiteLedger/datasetName(forFile:)``).
    public var dataset: String
    /// Rows of the dataset file as registered (before any mapping filtered it): what a report
    /// publishes as the input size when the steward declared the dataset's row count public.
    public var datasetRowCount: Int?
    /// A second table (tourism: hotel stays), if the scenario has one.
    public var second: Table?
    /// Its dataset name.
    public var secondDataset: String?
    /// Rows of the second dataset's file.
    public var secondDatasetRowCount: Int?
    /// Human description of the source ("datasets/transport.csv (embedded)").
    public var source: String
    /// Public keys of the main place dimension (districts), declared with the queries; `nil`
    /// makes the scenario choose keys by DP partition selection (real-data mappings).
    public var placeKeys: [String]? = Hangzhou.districtNames
    /// Public keys of the groups released with quantiles (transport: boarding districts or
    /// origin airports); `nil` means ``placeKeys``.
    public var groupKeys: [String]?
    /// Transport: the public upper clamp of travel times in minutes (quantile range 0…bound).
    public var travelMinutesBound: Double = 180
    /// Tourism: when set, ``second`` is an already-mapped hotel table exported as it is,
    /// k-anonymised over these quasi-identifiers (real-data mappings); `nil` uses the synthetic
    /// hotel schema and its five quasi-identifiers.
    public var hotelQuasiIdentifiers: [String]?
    /// The privacy-unit column, if the data has one.
    public var privacyUnit: String?
    /// Health: set when the table is person-level survey data (one row per person, no visit
    /// dates or districts; real-data mappings) instead of the synthetic visit records.
    var healthSurvey: HealthSurveyMapping?
    /// Health: set when the table is dated test records without districts or diagnoses
    /// (covid_testing), watched by test site and result instead.
    var healthTesting: HealthTestingMapping?
    /// Finance: set when the parties, segments and unit differ from the synthetic enterprise
    /// schema (real-data mappings).
    var financeMapping: FinanceMapping?

    /// An input.
    public init(
        table: Table, dataset: String, second: Table? = nil, secondDataset: String? = nil, source: String,
        privacyUnit: String? = nil
    ) {
        self.privacyUnit = privacyUnit
        self.table = table
        self.dataset = dataset
        self.second = second
        self.secondDataset = secondDataset
        self.source = source
        self.datasetRowCount = table.rowCount
        self.secondDatasetRowCount = second?.rowCount
    }
}

/// The plan's domain models, each a plain function: tables + context → report.
public enum ScenarioRunner {
    /// Runs scenario `kind` on `input`.
    ///
    /// - Throws: ``ScenarioError`` for inputs that do not fit, `PrivacyLedgerError` for
    ///   refusals of the gate (nothing is released then), `AnonymityError` for exports.
    public static func run(
        _ kind: ScenarioKind, input: ScenarioInput, options: ScenarioOptions = ScenarioOptions(),
        context: ScenarioContext
    ) throws -> ScenarioReport {
        let start = Date()
        // Every parameter is checked before anything is granted or charged.
        try options.validate(minimumK: try context.ledger.policy().minimumK)
        context.progress("[\(kind.rawValue)] input from \(input.source)")
        var report: ScenarioReport
        switch kind {
        case .transport: report = try transport(input, options: options, context: context)
        case .health: report = try health(input, options: options, context: context)
        case .finance: report = try finance(input, options: options, context: context)
        case .commerce: report = try commerce(input, options: options, context: context)
        case .market: report = try market(input, options: options, context: context)
        case .tourism: report = try tourism(input, options: options, context: context)
        }
        if options.postProcessing { report.applyPostProcessing() }
        report.seconds = Date().timeIntervalSince(start)
        context.progress(
            "[\(kind.rawValue)] done in \(String(format: "%.2f", report.seconds)) s, ε spent \(formatNumber(report.spentEpsilon)) of \(formatNumber(report.budgetEpsilon))"
        )
        return report
    }

    /// Loads the embedded dataset(s) of `kind` from `datasets/`.
    ///
    /// - Throws: ``ScenarioError/noData(scenario:reason:)`` when `datasets/` cannot be found;
    ///   CSV errors otherwise.
    public static func embeddedInput(_ kind: ScenarioKind) throws -> ScenarioInput {
        func load(_ domain: Domain) throws -> (Table, String) {
            guard let path = EmbeddedDatasets.path(for: domain) else {
                throw ScenarioError.noData(
                    scenario: kind.rawValue,
                    reason:
                        "datasets/\(EmbeddedDatasets.fileName(for: domain)) not found from the current directory; pass --data FILE"
                )
            }
            return (try CSVReader.load(file: path, schema: domain.schema).table, path)
        }
        let domain = Domain(rawValue: kind.rawValue)!
        let (table, path) = try load(domain)
        var input = ScenarioInput(
            table: table, dataset: datasetName(path),
            source: "datasets/\(EmbeddedDatasets.fileName(for: domain)) (embedded)",
            privacyUnit: defaultPrivacyUnit[kind])
        if kind == .tourism {
            let (hotels, hotelPath) = try load(.tourismHotels)
            input.second = hotels
            input.secondDataset = datasetName(hotelPath)
            input.secondDatasetRowCount = hotels.rowCount
        }
        return input
    }

    /// Loads `file` as the input of `kind` (types inferred; the scenario's column mapping is
    /// checked when it runs). Tourism's hotel table is the embedded one unless `second` is given.
    public static func fileInput(_ kind: ScenarioKind, file: String, second: String? = nil) throws -> ScenarioInput {
        let table = try CSVReader.load(file: file).table
        var input = ScenarioInput(
            table: table, dataset: datasetName(file), source: file, privacyUnit: defaultPrivacyUnit[kind])
        if kind == .tourism {
            let hotelPath = second ?? EmbeddedDatasets.path(for: .tourismHotels)
            if let hotelPath {
                input.second = try CSVReader.load(
                    file: hotelPath, schema: second == nil ? Domain.tourismHotels.schema : nil
                ).table
                input.secondDataset = datasetName(hotelPath)
                input.secondDatasetRowCount = input.second?.rowCount
            }
        }
        return input
    }

    /// The privacy unit of each scenario's synthetic schema.
    static let defaultPrivacyUnit: [ScenarioKind: String] = [
        .transport: "card_id", .health: "person_id", .tourism: "visitor_id",
    ]

    /// The ledger dataset of scenario `kind`'s view of file dataset `dataset`: `<dataset>#<kind>`.
    public static func viewDataset(of dataset: String, for kind: ScenarioKind) -> String {
        dataset + "#" + kind.rawValue
    }

    /// **A steward's action**: registers the views scenario `kind` reads from `input` as
    /// datasets of their own (``viewDataset(of:for:)``), so a reviewer can grant an
    /// authorisation over them. Levels are only ever raised: a view column named like a
    /// column of the registered source file takes at least that level, the pseudonymous
    /// identifiers at least level 3; a level-4 column stays level 4 (and can then never be
    /// granted). Nothing is released or charged.
    ///
    /// - Returns: each view with its columns and levels and the authorisation-name suffix.
    public static func registerViews(
        _ kind: ScenarioKind, input: ScenarioInput, ledger: SQLiteLedger, actor: String
    ) throws -> [ScenarioView] {
        let context = ScenarioContext(
            ledger: ledger, operator: actor, authority: .registering(actor: actor), outputDirectory: "",
            perScenarioDirectories: false, progress: { _ in }, releaser: LedgerReleaser(ledger: ledger))
        do {
            _ = try run(kind, input: input, context: context)
        } catch let registered as ViewsRegistered {
            return registered.views
        }
        throw ScenarioError.invalidParameter(
            name: "scenario", value: kind.rawValue, reason: "ran without registering a view")
    }

    static func datasetName(_ file: String) -> String {
        URL(fileURLWithPath: file).standardizedFileURL.resolvingSymlinksInPath().path
    }
}
