import Anonymity
package import DifferentialPrivacy
import Foundation
public import PrivacyLedger
import Tabular

/// Where a scenario's releases go: the durable ledger (authorisation checked, budget charged
/// before noise), the operator, the output directory for exports, and progress reporting.
///
/// Each scenario run registers its (derived) input table as a dataset, classifies the
/// pseudonymous identifiers as level 3 (sensitive: DP or k-anonymity-checked export only), and
/// is granted one authorisation — operator, scenario, the columns it reads, its ε/δ budget —
/// named `<scenario>-<runID>`, so reruns on the same ledger are new authorisations and the
/// history stays intact.
public final class ScenarioContext: Sendable {
    /// The ledger every release and export is charged to.
    public let ledger: SQLiteLedger
    /// The operator the authorisations are granted to.
    public let `operator`: String
    /// Appended to each scenario's name in the ledger (e.g. a UTC timestamp).
    public let runID: String
    /// Directory for exported microdata (CSV files written through the export gate).
    public let outputDirectory: String
    /// Whether each scenario writes into `outputDirectory/<scenario>/` (the demo) rather than
    /// `outputDirectory` itself (one scenario).
    public let perScenarioDirectories: Bool
    /// Progress messages (the CLI prints them on stderr).
    public let progress: @Sendable (String) -> Void
    /// How partials become released values: through the ledger's gate (``LedgerReleaser``),
    /// or, in this package's tests only, exactly. Library users and the CLI cannot choose
    /// another releaser (the initialiser that takes one is `package`).
    let releaser: any ScenarioReleaser

    /// A context writing exports to `outputDirectory` and charging `ledger`.
    ///
    /// - Parameters:
    ///   - ledger: the durable ledger.
    ///   - operator: who the authorisations are for.
    ///   - runID: suffix of the ledger scenario names (default: the current UTC time, `yyyyMMddTHHmmss`).
    ///   - outputDirectory: where reports and exports go (created when needed).
    ///   - perScenarioDirectories: write into `outputDirectory/<scenario>/`.
    ///   - progress: called with one-line progress messages.
    public convenience init(
        ledger: SQLiteLedger, `operator`: String = "demo-operator", runID: String? = nil,
        outputDirectory: String, perScenarioDirectories: Bool = false,
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.init(
            ledger: ledger, operator: `operator`, runID: runID, outputDirectory: outputDirectory,
            perScenarioDirectories: perScenarioDirectories, progress: progress, releaser: LedgerReleaser(ledger: ledger)
        )
    }

    /// A context with a given releaser (this package's tests inject an exact one).
    package init(
        ledger: SQLiteLedger, `operator`: String, runID: String?, outputDirectory: String, perScenarioDirectories: Bool,
        progress: @escaping @Sendable (String) -> Void, releaser: any ScenarioReleaser
    ) {
        self.perScenarioDirectories = perScenarioDirectories
        self.ledger = ledger
        self.`operator` = `operator`
        if let runID {
            self.runID = runID
        } else {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyyMMdd'T'HHmmss"
            self.runID = formatter.string(from: Date())
        }
        self.outputDirectory = outputDirectory
        self.progress = progress
        self.releaser = releaser
    }

    /// The ledger scenario name of `kind` in this run.
    public func ledgerScenario(_ kind: ScenarioKind) -> String { "\(kind.rawValue)-\(runID)" }

    /// The directory of `kind`'s report and exports.
    public func directory(for kind: ScenarioKind) -> String {
        perScenarioDirectories ? outputDirectory + "/" + kind.rawValue : outputDirectory
    }
}

/// One scenario's grant: dataset registered, identifiers classified, authorisation granted.
struct ScenarioGrant {
    let context: ScenarioContext
    let kind: ScenarioKind
    let scenario: String
    let budgetEpsilon: Double
    let budgetDelta: Double

    /// Registers each `(dataset, table)` and grants one authorisation over all their columns.
    init(
        context: ScenarioContext, kind: ScenarioKind, datasets: [(name: String, table: Table, identifiers: [String])],
        epsilon: Double, delta: Double
    ) throws {
        guard epsilon.isFinite, epsilon > 0 else {
            throw ScenarioError.invalidParameter(name: "epsilon", value: "\(epsilon)", reason: "must be finite and > 0")
        }
        self.context = context
        self.kind = kind
        self.scenario = context.ledgerScenario(kind)
        self.budgetEpsilon = epsilon
        self.budgetDelta = delta
        let ledger = context.ledger
        for (name, table, identifiers) in datasets {
            try ledger.registerDataset(name, columns: table.columnNames)
            for id in identifiers { try ledger.classify(dataset: name, column: id, level: .sensitive) }
        }
        // One authorisation per scenario; all its datasets' columns are in the list.
        // The ledger grants per (operator, scenario, dataset): the first dataset is the
        // authorisation's; further datasets get their own authorisation named "<scenario>/<n>".
        for (index, entry) in datasets.enumerated() {
            let name = index == 0 ? scenario : "\(scenario)/\(index)"
            try ledger.grant(
                operator: context.operator, scenario: name, budget: .approximate(epsilon: epsilon, delta: delta),
                dataset: entry.name, columns: entry.table.columnNames, trialDays: 0, validDays: 365)
        }
    }

    /// The size of input table `table` (dataset `dataset`, `rows` rows in the file the steward
    /// registered) as the report may show it: exact only when the steward declared the
    /// dataset's row count public in the ledger, else not published. `rows` is `nil` when the
    /// count is not the dataset's own (a mapped subset), which is never published.
    func inputSize(_ table: String, dataset: String, rows: Int?) throws -> InputSize {
        guard let rows, try context.ledger.isRowCountPublic(dataset: dataset) else { return .notPublished(table) }
        return .declaredPublic(table, rows: rows)
    }

    /// The ledger scenario name for dataset number `index` of the grant.
    func scenarioName(dataset index: Int) -> String { index == 0 ? scenario : "\(scenario)/\(index)" }

    /// Releases `query` over `table` (dataset number `datasetIndex` of the grant) through the
    /// context's releaser (the ledger's release gate outside this package's tests).
    func release(
        _ query: DPQuery, over table: Table, dataset: String, datasetIndex: Int = 0, epsilon: Double,
        delta: Double? = nil,
        mechanism: NoiseMechanism = .discreteLaplace
    ) throws -> Released {
        try release(
            partial: query.partial(over: table), dataset: dataset, datasetIndex: datasetIndex, epsilon: epsilon,
            delta: delta,
            mechanism: mechanism, rows: table.rowCount)
    }

    /// Releases a partial (computed here or merged from parties) through the gate.
    func release(
        partial: QueryPartial, dataset: String, datasetIndex: Int = 0, epsilon: Double, delta: Double? = nil,
        mechanism: NoiseMechanism = .discreteLaplace, rows: Int? = nil
    ) throws -> Released {
        let query = partial.query
        context.progress(
            "  [\(kind.rawValue)] release \(query.releaseDescription) ε=\(epsilon)" + (delta.map { " δ=\($0)" } ?? ""))
        return try context.releaser.release(
            partial, parameters: try NoiseParameters(epsilon: epsilon, delta: delta, rho: nil),
            mechanism: mechanism, operator: context.operator,
            scenario: scenarioName(dataset: datasetIndex), dataset: dataset, rowsScanned: rows)
    }

    /// Writes `table` as k-anonymous microdata through the ledger's export gate, as
    /// `<ledger scenario>/<file>` in the ledger's export area.
    ///
    /// - Returns: the ledger entry and the file's absolute path.
    func exportMicrodata(
        _ table: Table, file: String, quasiIdentifiers: [String], k: Int, dataset: String,
        datasetIndex: Int = 0
    ) throws -> (entry: String, path: String) {
        let scenario = scenarioName(dataset: datasetIndex)
        let name = scenario.replacingOccurrences(of: "/", with: "-") + "/" + file
        context.progress("  [\(kind.rawValue)] export \(file): k=\(k) over \(quasiIdentifiers.joined(separator: ","))")
        let record = try context.ledger.export(
            table, as: name, check: .microdata(quasiIdentifiers: quasiIdentifiers, k: k),
            operator: context.operator, scenario: scenario, dataset: dataset)
        return (record.id, record.query)
    }
}

/// A release as the scenarios use it: keyed values with intervals.
package struct Released {
    /// One released value.
    package struct Row {
        let key: String
        let value: Double
        let ci95: [Double]?
        let quantiles: [Double]?

        /// A row (releasers build these).
        package init(key: String, value: Double, ci95: [Double]?, quantiles: [Double]?) {
            self.key = key
            self.value = value
            self.ci95 = ci95
            self.quantiles = quantiles
        }
    }
    let rows: [Row]
    let epsilon: Double
    let delta: Double
    let mechanism: String
    let noiseScale: Double?
    let entry: String?
    /// The partition-selection threshold (count units), when keys were selected.
    let selectionThreshold: Double?

    init(release: DPRelease, entry: String) {
        selectionThreshold = release.selectionThreshold
        rows = release.rows.map { Row(key: $0.key ?? "", value: $0.value, ci95: $0.ci95, quantiles: $0.quantiles) }
        epsilon = release.epsilon ?? 0
        delta = release.delta ?? 0
        mechanism = release.mechanism
        noiseScale = release.noiseScale
        self.entry = entry
    }

    /// Released values produced by a releaser other than the gate (this package's tests).
    package init(rows: [Row], mechanism: String) {
        selectionThreshold = nil
        self.rows = rows
        epsilon = 0
        delta = 0
        self.mechanism = mechanism
        noiseScale = 0
        entry = nil
    }

    /// Report rows, splitting each key at `separator` into labels.
    func reportRows(separator: Character = "|") -> [ReportRow] {
        rows.map { row in
            ReportRow(
                labels: row.key.split(separator: separator, omittingEmptySubsequences: false).map(String.init),
                value: row.value, lower: row.ci95?[0], upper: row.ci95?[1])
        }
    }

    /// The mechanism in words with its scale.
    var mechanismText: String {
        if let noiseScale, noiseScale > 0 { return "\(mechanism), scale \(formatNumber(noiseScale))" }
        return mechanism
    }

    /// " Selection threshold: τ." when keys were selected, else "".
    var thresholdText: String {
        selectionThreshold.map {
            " Keys were released only where the noisy count reached the selection threshold τ = \(formatNumber($0))."
        } ?? ""
    }

    /// Ledger entries (none from an exact test releaser).
    var entries: [String] { entry.map { [$0] } ?? [] }
}

/// A compact number for text: up to 4 significant digits.
package func formatNumber(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return String(format: "%.4g", x)
}

/// How a scenario's partials become released values. The library has one conformer,
/// ``LedgerReleaser`` (the ledger's release gate); this package's tests add an exact one to
/// compare scenarios with direct computations. `package`: no library user can inject one.
package protocol ScenarioReleaser: Sendable {
    /// Whether the values are exact (a test releaser); reports then say so and models are skipped.
    var isExact: Bool { get }

    /// Releases `partial` charged to `operator`'s authorisation for `scenario` over `dataset`.
    func release(
        _ partial: QueryPartial, parameters: NoiseParameters, mechanism: NoiseMechanism, operator: String,
        scenario: String, dataset: String, rowsScanned: Int?
    ) throws -> Released
}

/// The production releaser: every partial goes through
/// ``PrivacyLedger/SQLiteLedger/release(_:mechanism:parameters:operator:scenario:dataset:rowsScanned:cpuStart:)``
/// (authorisation checked and budget charged durably before noise).
struct LedgerReleaser: ScenarioReleaser {
    let ledger: SQLiteLedger
    var isExact: Bool { false }

    func release(
        _ partial: QueryPartial, parameters: NoiseParameters, mechanism: NoiseMechanism, operator op: String,
        scenario: String, dataset: String, rowsScanned: Int?
    ) throws -> Released {
        let result = try ledger.release(
            partial, mechanism: mechanism, parameters: parameters, operator: op, scenario: scenario,
            dataset: dataset, rowsScanned: rowsScanned)
        return Released(release: result.release, entry: result.entryID)
    }
}
