import DifferentialPrivacy
import Foundation
import _TestSupport
import PrivacyLedger
@testable import ReportRendering
@testable import Scenarios
import Tabular
import Testing

@Suite("Issue 12: scenario defects", .serialized)
struct Issue12ScenarioTests {
    @Test(
        "Issue 12 C-scenario-k: every scenario parameter is validated before anything is granted or charged",
        arguments: [
            ScenarioOptions(k: 1), ScenarioOptions(k: 4), ScenarioOptions(k: 1_000_000), ScenarioOptions(epsilon: 0),
            ScenarioOptions(epsilon: .infinity), ScenarioOptions(delta: 0), ScenarioOptions(delta: 1),
            ScenarioOptions(maxPartitionsPerUnit: 0), ScenarioOptions(maxContributionsPerPartition: -1),
        ])
    func validatedUpFront(options: ScenarioOptions) throws {
        for kind in [ScenarioKind.health, .tourism] {
            let (directory, ledger) = try scratch("k")
            let context = ScenarioContext(throwawayLedger: ledger, operator: "tester", runID: "k", outputDirectory: directory)
            #expect(throws: ScenarioError.self) {
                try ScenarioRunner.run(
                    kind, input: try ScenarioRunner.embeddedInput(kind), options: options, context: context)
            }
            #expect(try ledger.history().isEmpty, "\(kind): nothing charged")
            #expect(try ledger.authorisations().isEmpty, "\(kind): nothing granted")
        }
    }

    @Test("Issue 12 C-scenario-k: k below the ledger's export minimum is refused by name, before the first charge")
    func kBelowLedgerMinimum() throws {
        let (directory, ledger) = try scratch("kmin")
        try ledger.setPolicy(ExportPolicy(minimumK: 8, minimumCellCount: 10), actor: "platform")
        let context = ScenarioContext(throwawayLedger: ledger, operator: "tester", runID: "k", outputDirectory: directory)
        do {
            _ = try ScenarioRunner.run(
                .health, input: try ScenarioRunner.embeddedInput(.health), options: ScenarioOptions(k: 5),
                context: context)
            Issue.record("k = 5 passed a ledger whose minimum is 8")
        } catch let error as ScenarioError {
            guard case let .invalidParameter(name, value, _) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(name == "k" && value == "5")
        }
        #expect(try ledger.history().isEmpty)
    }

    @Test("Issue 12 P7: report.json and index.html publish an input row count only when the steward declared it public")
    func inputSizesDeclaredOnly() throws {
        let (directory, ledger) = try scratch("p7")
        let input = try ScenarioRunner.embeddedInput(.transport)
        let rows = input.table.rowCount
        let context = ScenarioContext(
            throwawayLedger: ledger, operator: "tester", runID: "a", outputDirectory: directory, perScenarioDirectories: true)
        let hidden = try ScenarioRunner.run(.transport, input: input, context: context)
        #expect(hidden.inputSizes == [.notPublished("trips")])
        try ReportWriter.write(hidden, to: context.directory(for: .transport))
        try ReportWriter.writeIndex([hidden], ledgerPath: "ledger", to: directory, seconds: 1)
        let json = try String(contentsOfFile: context.directory(for: .transport) + "/report.json", encoding: .utf8)
        let html = try String(contentsOfFile: context.directory(for: .transport) + "/report.html", encoding: .utf8)
        let index = try String(contentsOfFile: directory + "/index.html", encoding: .utf8)
        for text in [json, html, index] {
            #expect(!text.contains("\(rows)"), "the exact row count \(rows) is published")
            #expect(text.contains("not published"))
        }
        #expect(!json.contains("inputRows"))

        // The steward declares the size public: the report publishes it and says on whose word.
        try ledger.registerDataset(input.dataset, columns: input.table.columnNames, actor: "steward")
        try ledger.declareRowCountPublic(dataset: input.dataset, true, actor: "steward")
        let shown = try ScenarioRunner.run(
            .transport, input: input,
            context: ScenarioContext(throwawayLedger: ledger, operator: "tester", runID: "b", outputDirectory: directory))
        #expect(shown.inputSizes == [.declaredPublic("trips", rows: rows)])
        let encoded = String(decoding: try JSONEncoder().encode(shown), as: UTF8.self)
        #expect(encoded.contains("\"rows\":\(rows)") && encoded.contains("declared public by steward"))
        // A subset's count (market complaints among records) is never published.
        let market = try ScenarioRunner.run(
            .market, input: try ScenarioRunner.embeddedInput(.market),
            context: ScenarioContext(throwawayLedger: ledger, operator: "tester", runID: "c", outputDirectory: directory))
        #expect(market.inputSizes.allSatisfy { $0.rows == nil })
    }

    @Test(
        "Issue 12 P7: real-data mapping descriptions state no exact counts",
        .enabled(
            if: FileManager.default.fileExists(atPath: SharedData.covid)
                && FileManager.default.fileExists(atPath: SharedData.nhanes)))
    func mappingDescriptionsHaveNoCounts() throws {
        for (mapping, file) in [
            (RealDataMapping.covidTesting, SharedData.covid), (.nhanes2017, SharedData.nhanes),
            (.lendingClubLoans, SharedData.loans),
        ] {
            guard FileManager.default.fileExists(atPath: file) else { continue }
            let input = try mapping.input(file: file)
            let described = input.source.replacingOccurrences(of: file, with: "")
            #expect(!described.contains("\(input.table.rowCount)"), "\(mapping): \(described)")
            #expect(!described.contains(where: { $0.isNumber }) || mapping == .nhanes2017, "\(mapping): \(described)")
        }
    }

    @Test(
        "Issue 12 Also-1: scenario reports show counts as non-negative integers by default, keeping the noisy value as rawValue"
    )
    func postProcessingOnByDefault() throws {
        let (directory, ledger) = try scratch("pp")
        let input = try ScenarioRunner.embeddedInput(.transport)
        // A small ε makes many small cells noisy enough to go negative.
        let processed = try ScenarioRunner.run(
            .transport, input: input, options: ScenarioOptions(epsilon: 0.05),
            context: ScenarioContext(throwawayLedger: ledger, operator: "t", runID: "a", outputDirectory: directory))
        #expect(processed.postProcessed)
        let cells = try #require(processed.section("od_by_hour")).rows
        #expect(cells.allSatisfy { $0.value >= 0 && $0.value == $0.value.rounded() })
        #expect(cells.allSatisfy { ($0.lower ?? 0) >= 0 })
        let clamped = cells.filter { ($0.rawValue ?? 0) < 0 }
        #expect(!clamped.isEmpty, "some noisy cells were negative before post-processing")
        #expect(clamped.allSatisfy { $0.value == 0 })
        let json = String(decoding: try JSONEncoder().encode(processed), as: UTF8.self)
        #expect(json.contains("\"rawValue\":-"))
        let csv = ReportWriter.csv(try #require(processed.section("od_by_hour")))
        #expect(
            csv.hasPrefix("origin_district,destination_district,hour,trips,ci95_lower,ci95_upper,alert,raw_value\n")
                || csv.contains(",raw_value\n"))
        #expect(
            !csv.split(separator: "\n").dropFirst().contains {
                $0.split(separator: ",", omittingEmptySubsequences: false)[3].hasPrefix("-")
            })

        var options = ScenarioOptions(epsilon: 0.05)
        options.postProcessing = false
        let raw = try ScenarioRunner.run(
            .transport, input: input, options: options,
            context: ScenarioContext(throwawayLedger: ledger, operator: "t", runID: "b", outputDirectory: directory))
        #expect(!raw.postProcessed)
        #expect(try #require(raw.section("od_by_hour")).rows.contains { $0.value < 0 })
        #expect(raw.sections.allSatisfy { $0.rows.allSatisfy { $0.rawValue == nil } })
    }

    @Test("Issue 12 Also-1: DPRelease.postProcessed clamps and rounds without a charge, keeping rawValue")
    func libraryPostProcessing() throws {
        let session = try PrivacySession(budget: .pure(epsilon: 10))
        let table = try Table(columns: [try Column("k", strings: (0..<40).map { "k\($0 % 20)" })])
        let query = DPQuery.count().grouped(by: "k", keys: .declared((0..<20).map { "k\($0)" }))
        let release = try session.release(
            try query.partial(over: table), mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 0.05))
        let spent = session.spent
        let processed = release.postProcessed(.counts)
        #expect(session.spent == spent)
        for (before, after) in zip(release.rows, processed.rows) {
            #expect(after.value == max(0, before.value).rounded(.toNearestOrAwayFromZero) + 0)
            #expect(after.rawValue == (after.value == before.value ? nil : before.value))
        }
        #expect(release.rows.contains { $0.value < 0 } ? processed.rows.contains { $0.rawValue != nil } : true)
        #expect(
            PostProcessing.counts.apply(-3.4) == 0 && PostProcessing.counts.apply(2.5) == 3
                && PostProcessing.nonNegative.apply(2.5) == 2.5)
        #expect(release.postProcessed([]) == release)
    }
}
