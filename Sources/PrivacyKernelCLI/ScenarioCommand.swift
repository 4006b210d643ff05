import ArgumentParser
import Foundation
import PrivacyLedger
import ReportRendering
import Scenarios

/// Progress lines on stderr.
@Sendable func printProgress(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// `privacy-kernel scenario <name> [--data FILE] --operator OP --authorisation NAME --out DIR`, or
/// `--register-view` (a steward's action).
struct ScenarioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract:
            "Run one scenario model under a granted authorisation and write report.json, CSV tables and report.html.",
        discussion: """
            Governance is not self-service. A steward registers the scenario's view of the data \
            (--register-view: the dataset FILE#SCENARIO with its columns and levels, levels only raised), \
            a reviewer grants an authorisation over it (ledger grant --dataset FILE#SCENARIO; tourism's hotel \
            stays need a second one named NAME/1), and the operator runs the scenario with --authorisation NAME. \
            Every release goes through the ledger's release gate; microdata exports go through its export gate \
            into the ledger's export area.
            """
    )

    @Argument(help: "transport, health, finance, commerce, market or tourism.")
    var name: String

    @Option(help: "Input CSV with the scenario's columns (default: the embedded datasets/<scenario>.csv).")
    var data: String?

    @Option(
        help:
            "Map a real public dataset onto the scenario's columns: nyc_flights (transport), hotel_bookings (tourism hotel stays), restaurant_inspections (market), nhanes_2017 or covid_testing (health), lendingclub_loans (finance). Needs --data (a file named after one of these is recognised without it)."
    )
    var mapping: String?

    @Option(help: "Tourism only: the hotel-stay CSV (default: the embedded datasets/tourism_hotels.csv).")
    var hotels: String?

    @Option(parsing: .unconditional, help: "Total ε of the scenario (split as the report states).")
    var epsilon: Double = 2

    @Option(parsing: .unconditional, help: "Total δ (spent by DP partition selection and the health model).")
    var delta: Double = 1e-6

    @Option(parsing: .unconditional, help: "k of the k-anonymous exports.")
    var k: Int = 5

    @Option(help: "Output directory of the report.")
    var out: String?

    @OptionGroup var location: LedgerLocation

    @Option(help: "The operator running the scenario (whose authorisation it is).")
    var `operator`: String?

    @Option(help: "The authorisation (scenario name) a reviewer granted for this run.")
    var authorisation: String?

    @Flag(
        help:
            "A steward's action: register the scenario's view of the data in the ledger (dataset FILE#SCENARIO), print its columns and levels, and release nothing."
    )
    var registerView = false

    @Option(help: "With --register-view: the steward (audited; default: the identity's name, else steward).")
    var actor: String?

    @Option(
        help:
            "Try the scenario on a new throwaway ledger at FILE instead (a developer's or steward's tool, like the demo): the run registers its view and grants itself its authorisation there, and says so. A file there that is not a throwaway ledger is refused."
    )
    var throwawayLedger: String?

    @Flag(
        help:
            "Report the raw noisy values (negative counts and fractions included) instead of non-negative integer counts and non-negative sums and rates. Either way report.json keeps each noisy value as rawValue."
    )
    var noPostProcessing = false

    /// The options, as the library validates them.
    var options: ScenarioOptions {
        var options = ScenarioOptions(epsilon: epsilon, delta: delta, k: k)
        options.postProcessing = !noPostProcessing
        return options
    }

    func validate() throws {
        guard ScenarioKind(rawValue: name) != nil else {
            throw ValidationError(ScenarioError.unknownScenario(name).description)
        }
        // Every parameter is checked before the ledger is opened or anything is charged.
        do { try options.validate() } catch let error as ScenarioError { throw ValidationError(error.description) }
        if let mapping {
            guard let m = RealDataMapping(rawValue: mapping) else {
                throw ValidationError(
                    "--mapping must be one of \(RealDataMapping.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard m.scenario.rawValue == name else {
                throw ValidationError("--mapping \(mapping) feeds the \(m.scenario.rawValue) scenario, not \(name)")
            }
            guard data != nil else { throw ValidationError("--mapping needs --data FILE") }
        }
        if let throwawayLedger {
            guard !registerView, authorisation == nil, location.ledger == nil, out != nil else {
                throw ValidationError(
                    "--throwaway-ledger \(throwawayLedger) needs --out DIR and excludes --ledger, --authorisation and --register-view"
                )
            }
        } else if !registerView {
            guard out != nil, `operator` != nil, authorisation != nil else {
                throw ValidationError(
                    "a run needs --out DIR, --operator and --authorisation (the name a reviewer granted); a steward registers the view with --register-view"
                )
            }
        }
    }

    func run() throws {
        let kind = ScenarioKind(rawValue: name)!
        if throwawayLedger != nil {
            // A throwaway ledger grants itself budgets: on a platform's registered data that is
            // a raw-data tool, for the steward only (platform mode); checked before reading.
            for file in [data, hotels].compactMap({ $0 }) {
                try location.requireRawAccess(to: file, request: "scenario \(name) on a throwaway ledger")
            }
        }
        let input: ScenarioInput
        // An explicit --mapping, or the public dataset the file is named after.
        let recognised = mapping == nil ? data.flatMap { RealDataMapping.recognising(file: $0, for: kind) } : nil
        if let recognised, let file = data {
            printProgress(
                "recognised \(file) as \(recognised.rawValue): loading it through that mapping (--mapping chooses explicitly)"
            )
            input = try recognised.input(file: file)
        } else if let mapping, let file = data {
            printProgress("loading \(file) through the \(mapping) mapping")
            input = try RealDataMapping(rawValue: mapping)!.input(file: file)
        } else {
            input =
                try data.map { try ScenarioRunner.fileInput(kind, file: $0, second: hotels) }
                ?? ScenarioRunner.embeddedInput(kind)
        }
        if registerView {
            let ledgerHandle = try location.open(create: true)
            let views = try ScenarioRunner.registerViews(
                kind, input: input, ledger: ledgerHandle, actor: location.actor(actor, otherwise: "steward"))
            for view in views {
                print("view \(view.dataset) (from \(view.source)); grant it as <name>\(view.authorisationSuffix):")
                for column in view.columns { print("  \(column.column): level \(column.level)") }
            }
            return
        }
        let out = self.out!
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let context: ScenarioContext
        if let throwawayLedger {
            context = try ScenarioContext.throwaway(
                ledgerAt: throwawayLedger, operator: `operator` ?? "demo-operator", outputDirectory: out,
                progress: printProgress)
            printProgress(
                "scenario: a throwaway ledger at \(throwawayLedger); the run registers its view and grants itself its authorisation on it (as demo-steward and demo-reviewer, audited)"
            )
        } else {
            context = ScenarioContext(
                ledger: try location.open(), operator: `operator`!, authorisation: authorisation!, outputDirectory: out,
                progress: printProgress)
        }
        let report: ScenarioReport
        do {
            report = try ScenarioRunner.run(kind, input: input, options: options, context: context)
        } catch let error as ScenarioError {
            // A file without the scenario's columns may be one of the mapped public datasets.
            guard case .missingColumn = error, mapping == nil, recognised == nil, data != nil,
                !RealDataMapping.feeding(kind).isEmpty
            else { throw error }
            let names = RealDataMapping.feeding(kind).map(\.rawValue).joined(separator: ", ")
            throw MessageError(
                "\(error.description). If the file is a public dataset, map it with --mapping (\(names)).")
        }
        try ReportWriter.write(report, to: out)
        printProgress("wrote \(out)/report.html, report.json and \(report.sections.count) CSV tables")
    }
}

/// `privacy-kernel demo --out DIR`: all six scenarios on the embedded data, one ledger, index.html.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run all six scenarios on the embedded data and write DIR/index.html plus one report per scenario."
    )

    @Option(help: "Output directory.")
    var out: String

    @Option(parsing: .unconditional, help: "ε per scenario.")
    var epsilon: Double = 2

    @Option(
        help:
            "Where to create the demo's throwaway ledger (default: <out>/demo-ledger.sqlite); a file there that is not a throwaway ledger is refused."
    )
    var ledger: String?

    @Flag(help: "Report raw noisy values instead of post-processed non-negative (integer) counts, sums and rates.")
    var noPostProcessing = false

    var options: ScenarioOptions {
        var options = ScenarioOptions(epsilon: epsilon)
        options.postProcessing = !noPostProcessing
        return options
    }

    func validate() throws {
        do { try options.validate() } catch let error as ScenarioError { throw ValidationError(error.description) }
    }

    func run() throws {
        let start = Date()
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let ledgerPath = ledger ?? out + "/demo-ledger.sqlite"
        let context = try ScenarioContext.throwaway(
            ledgerAt: ledgerPath, outputDirectory: out, perScenarioDirectories: true, progress: printProgress)
        printProgress(
            "demo: a throwaway ledger at \(ledgerPath); the demo registers its views and grants itself its authorisations on it (as demo-steward and demo-reviewer, audited). A platform's ledger is never used: there, a steward registers (scenario --register-view) and a reviewer grants (ledger grant)."
        )
        var reports: [ScenarioReport] = []
        for kind in ScenarioKind.allCases {
            let report = try ScenarioRunner.run(
                kind, input: try ScenarioRunner.embeddedInput(kind), options: options, context: context)
            try ReportWriter.write(report, to: context.directory(for: kind))
            reports.append(report)
        }
        let seconds = Date().timeIntervalSince(start)
        try ReportWriter.writeIndex(reports, ledgerPath: ledgerPath, to: out, seconds: seconds)
        printProgress(
            String(format: "demo: 6 scenarios in %.1f s; open %@/index.html (ledger: %@)", seconds, out, ledgerPath))
    }
}

/// A run-time failure reported as its message alone (`Error: …`, no usage text: the arguments
/// were valid).
struct MessageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
