import Anonymity
package import DifferentialPrivacy
import Foundation
public import PrivacyLedger
import Tabular

/// Where a scenario's releases go: the durable ledger (authorisation checked, budget charged
/// before noise), the operator, the authority the run acts under, the output directory for
/// reports, and progress reporting.
///
/// A scenario reads a *view* of its input file (the columns its model needs, some derived),
/// registered in the ledger as its own dataset, `<file>#<scenario>`
/// (``ScenarioRunner/viewDataset(of:for:)``). Governance is never self-service: a steward
/// registers the view (``ScenarioRunner/registerViews(_:input:ledger:actor:)``, levels only
/// ever raised), a reviewer grants an authorisation over it (`ledger grant --dataset`), and a
/// run uses that authorisation (``init(ledger:operator:authorisation:outputDirectory:progress:)``).
/// Only a demonstration on a throwaway ledger it created itself
/// (``throwaway(ledgerAt:operator:runID:outputDirectory:perScenarioDirectories:progress:)``)
/// plays steward and reviewer, and says so.
public final class ScenarioContext: Sendable {
    /// How a run comes by its authorisations.
    package enum Authority: Sendable, Hashable {
        /// The reviewer's: authorisation `name` (and `name/1` for a second dataset).
        case granted(authorisation: String)
        /// A throwaway ledger's: the run registers its views and grants itself `<kind>-<runID>`.
        case throwaway(runID: String)
        /// A steward's registration of the views; nothing is released.
        case registering(actor: String)
    }

    /// The ledger every release and export is charged to.
    public let ledger: SQLiteLedger
    /// The operator whose authorisations the run uses.
    public let `operator`: String
    /// Directory of the reports (exports go to the ledger's export area).
    public let outputDirectory: String
    /// Whether each scenario writes into `outputDirectory/<scenario>/` (the demo) rather than
    /// `outputDirectory` itself (one scenario).
    public let perScenarioDirectories: Bool
    /// Progress messages (the CLI prints them on stderr).
    public let progress: @Sendable (String) -> Void
    /// How the run comes by its authorisations.
    package let authority: Authority
    /// How partials become released values: through the ledger's gate (``LedgerReleaser``),
    /// or, in this package's tests only, exactly. Library users and the CLI cannot choose
    /// another releaser (the initialiser that takes one is `package`).
    let releaser: any ScenarioReleaser

    /// A run under the authorisation a reviewer granted: `authorisation` names it (with
    /// `authorisation/1` for a scenario's second dataset, tourism's hotel stays). Nothing is
    /// registered, classified or granted; a missing or insufficient authorisation is refused
    /// (and recorded in the ledger) before anything is computed.
    ///
    /// - Parameters:
    ///   - ledger: the durable ledger.
    ///   - operator: whose authorisation it is.
    ///   - authorisation: the scenario name the reviewer granted.
    ///   - outputDirectory: where the report goes.
    ///   - progress: called with one-line progress messages.
    public convenience init(
        ledger: SQLiteLedger, `operator`: String, authorisation: String, outputDirectory: String,
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.init(
            ledger: ledger, operator: `operator`, authority: .granted(authorisation: authorisation),
            outputDirectory: outputDirectory, perScenarioDirectories: false, progress: progress,
            releaser: LedgerReleaser(ledger: ledger))
    }

    /// A demonstration's context: creates a throwaway ledger at `ledgerAt`
    /// (``PrivacyLedger/SQLiteLedger/createThrowaway(at:purpose:clock:)``; a file there that is
    /// not one is refused) on which each run registers its views as steward `demo-steward` and
    /// grants itself `<scenario>-<runID>` as reviewer `demo-reviewer`, all audited.
    ///
    /// - Parameters:
    ///   - runID: suffix of the authorisation names (default: the UTC time and 6 random hex
    ///     digits, so names never collide).
    ///   - perScenarioDirectories: write each report into `outputDirectory/<scenario>/`.
    public static func throwaway(
        ledgerAt path: String, `operator`: String = "demo-operator", runID: String? = nil,
        outputDirectory: String, perScenarioDirectories: Bool = false,
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) throws -> ScenarioContext {
        let ledger = try SQLiteLedger.createThrowaway(at: path, purpose: "demo")
        return ScenarioContext(
            ledger: ledger, operator: `operator`, authority: .throwaway(runID: runID ?? uniqueRunID()),
            outputDirectory: outputDirectory, perScenarioDirectories: perScenarioDirectories, progress: progress,
            releaser: LedgerReleaser(ledger: ledger))
    }

    /// A context on a throwaway ledger the caller created (``PrivacyLedger/SQLiteLedger/createThrowaway(at:purpose:clock:)``),
    /// releasing through the gate: this package's tests run many scenarios on one.
    package convenience init(
        throwawayLedger ledger: SQLiteLedger, `operator`: String, runID: String, outputDirectory: String,
        perScenarioDirectories: Bool = false
    ) {
        self.init(
            ledger: ledger, operator: `operator`, authority: .throwaway(runID: runID), outputDirectory: outputDirectory,
            perScenarioDirectories: perScenarioDirectories, progress: { _ in }, releaser: LedgerReleaser(ledger: ledger))
    }

    /// A context with a given authority and releaser (this package's tests inject an exact one).
    package init(
        ledger: SQLiteLedger, `operator`: String, authority: Authority, outputDirectory: String,
        perScenarioDirectories: Bool, progress: @escaping @Sendable (String) -> Void, releaser: any ScenarioReleaser
    ) {
        self.perScenarioDirectories = perScenarioDirectories
        self.ledger = ledger
        self.`operator` = `operator`
        self.authority = authority
        self.outputDirectory = outputDirectory
        self.progress = progress
        self.releaser = releaser
    }

    /// `yyyyMMddTHHmmss-xxxxxx`: the UTC time and 6 random hex digits.
    static func uniqueRunID() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss"
        return formatter.string(from: Date()) + "-" + String(UUID().uuidString.prefix(6)).lowercased()
    }

    /// The ledger scenario (authorisation) name of `kind` in this run.
    public func ledgerScenario(_ kind: ScenarioKind) -> String {
        switch authority {
        case let .granted(name): name
        case let .throwaway(runID): "\(kind.rawValue)-\(runID)"
        case .registering: kind.rawValue
        }
    }

    /// The directory of `kind`'s report.
    public func directory(for kind: ScenarioKind) -> String {
        perScenarioDirectories ? outputDirectory + "/" + kind.rawValue : outputDirectory
    }
}

/// A steward's registration of one scenario view (``ScenarioRunner/registerViews(_:input:ledger:actor:)``).
public struct ScenarioView: Sendable, Hashable {
    /// The view's dataset name in the ledger, `<file>#<scenario>`.
    public let dataset: String
    /// The file it is derived from.
    public let source: String
    /// Its columns with their levels after the registration.
    public let columns: [DatasetColumn]
    /// The authorisation name suffix a reviewer grants it under: `""` for the first dataset,
    /// `"/1"` for the second (tourism's hotel stays).
    public let authorisationSuffix: String
}

/// Thrown by a registering run once its views are registered (caught by the runner).
struct ViewsRegistered: Error {
    let views: [ScenarioView]
}

/// One scenario's authorisation: its views checked against (or, on a throwaway ledger,
/// registered and granted in) the ledger.
struct ScenarioGrant {
    let context: ScenarioContext
    let kind: ScenarioKind
    let scenario: String
    let budgetEpsilon: Double
    let budgetDelta: Double

    /// Checks (or on a throwaway ledger, sets up) the authorisation of each `(dataset, table)`:
    /// `table` is the view the scenario reads from file `dataset`; `identifiers` are its
    /// pseudonymous identifier columns (at least level 3, role identifier); `quasiIdentifiers`
    /// maps a dataset to the quasi-identifiers of its microdata export.
    init(
        context: ScenarioContext, kind: ScenarioKind, datasets: [(name: String, table: Table, identifiers: [String])],
        quasiIdentifiers: [String: [String]] = [:], epsilon: Double, delta: Double
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
        switch context.authority {
        case let .registering(actor):
            throw ViewsRegistered(
                views: try Self.register(
                    datasets, quasiIdentifiers: quasiIdentifiers, kind: kind, ledger: ledger, actor: actor))
        case .throwaway:
            guard try ledger.isThrowaway() else {
                throw ScenarioError.invalidParameter(
                    name: "ledger", value: ledger.path,
                    reason: "a scenario grants itself authorisations only on a throwaway ledger (the demo's)")
            }
            context.progress(
                "  [\(kind.rawValue)] throwaway ledger: registering the view as demo-steward, granting \(scenario) as demo-reviewer"
            )
            _ = try Self.register(
                datasets, quasiIdentifiers: quasiIdentifiers, kind: kind, ledger: ledger, actor: "demo-steward")
            for (index, entry) in datasets.enumerated() {
                try ledger.grant(
                    operator: context.operator, scenario: scenarioName(dataset: index),
                    budget: .approximate(epsilon: epsilon, delta: delta),
                    dataset: ScenarioRunner.viewDataset(of: entry.name, for: kind), columns: entry.table.columnNames,
                    trialDays: 0, validDays: 365, actor: "demo-reviewer")
            }
        case .granted:
            for (index, entry) in datasets.enumerated() {
                let view = ScenarioRunner.viewDataset(of: entry.name, for: kind)
                do {
                    try ledger.authorise(
                        operator: context.operator, scenario: scenarioName(dataset: index), dataset: view,
                        columns: entry.table.columnNames)
                    // The view is only as reviewed as the file it is computed from.
                    try ledger.verifyFile(entry.name, operator: context.operator, scenario: scenarioName(dataset: index))
                } catch {
                    throw ScenarioError.notAuthorised(
                        scenario: kind.rawValue, authorisation: scenarioName(dataset: index),
                        operator: context.operator, dataset: view, columns: entry.table.columnNames,
                        reason: error.description)
                }
            }
        }
    }

    /// Registers each view as a dataset of its own, raising (never lowering) levels: a column
    /// named like a column of the source file takes at least that column's level and its
    /// role, an identifier at least level 3 and role identifier, the export's
    /// quasi-identifiers role quasi-identifier (a role the steward set is kept).
    static func register(
        _ datasets: [(name: String, table: Table, identifiers: [String])], quasiIdentifiers: [String: [String]],
        kind: ScenarioKind, ledger: SQLiteLedger, actor: String
    ) throws -> [ScenarioView] {
        try datasets.enumerated().map { index, entry in
            let view = ScenarioRunner.viewDataset(of: entry.name, for: kind)
            // The file's content is part of what the steward reviewed: keep its digest (a changed
            // file is accepted by registering again).
            if FileManager.default.fileExists(atPath: entry.name) {
                try ledger.registerFile(entry.name, columns: [], actor: actor)
            }
            let source = try ledger.columns(of: entry.name)
            let registered = try ledger.registerDataset(view, columns: entry.table.columnNames, actor: actor)
            for column in registered {
                var level = column.level
                if entry.identifiers.contains(column.column) { level = max(level, .sensitive) }
                if let inherited = source.first(where: { $0.column == column.column })?.level {
                    level = max(level, inherited)
                }
                if level > column.level { try ledger.classify(dataset: view, column: column.column, level: level, actor: actor) }
                var role = source.first(where: { $0.column == column.column })?.role ?? .none
                if entry.identifiers.contains(column.column) { role = .identifier }
                if role == .none, quasiIdentifiers[entry.name]?.contains(column.column) == true { role = .quasiIdentifier }
                if column.role == .none, role != .none {
                    try ledger.setRole(dataset: view, column: column.column, role: role, actor: actor)
                }
            }
            return ScenarioView(
                dataset: view, source: entry.name, columns: try ledger.columns(of: view),
                authorisationSuffix: index == 0 ? "" : "/\(index)")
        }
    }

    /// The ledger dataset (the view) a release over file `dataset` is charged to.
    func viewDataset(_ dataset: String) -> String { ScenarioRunner.viewDataset(of: dataset, for: kind) }

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
            scenario: scenarioName(dataset: datasetIndex), dataset: viewDataset(dataset), rowsScanned: rows)
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
            operator: context.operator, scenario: scenario, dataset: viewDataset(dataset))
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
/// ``PrivacyLedger/SQLiteLedger/release(_:mechanism:parameters:operator:scenario:dataset:rowsScanned:bytesScanned:cpuStart:)``
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
