import Foundation
import PrivacyLedger
@testable import ReportRendering
@testable import Scenarios
import Tabular
import Testing
import _TestSupport

@Suite("Demo end to end")
struct DemoSmokeTests {
    @Test("all six scenarios write report.json, CSVs, report.html with SVG and index.html")
    func demo() throws {
        let (directory, ledger) = try scratch("demo")
        let context = ScenarioContext(
            throwawayLedger: ledger, operator: "demo", runID: "d", outputDirectory: directory, perScenarioDirectories: true)
        var reports: [ScenarioReport] = []
        for kind in ScenarioKind.allCases {
            let report = try ScenarioRunner.run(kind, input: try ScenarioRunner.embeddedInput(kind), context: context)
            try ReportWriter.write(report, to: context.directory(for: kind))
            reports.append(report)
            #expect(report.spentEpsilon <= report.budgetEpsilon + 1e-9)
            let html = try String(contentsOfFile: context.directory(for: kind) + "/report.html", encoding: .utf8)
            #expect(html.contains("<svg"))
            #expect(!html.contains("<script"))
            let json = try Data(contentsOf: URL(fileURLWithPath: context.directory(for: kind) + "/report.json"))
            #expect(try JSONDecoder().decode(ScenarioReport.self, from: json) == report)
            for section in report.sections {
                #expect(FileManager.default.fileExists(atPath: context.directory(for: kind) + "/\(section.id).csv"))
            }
            for file in report.exports {
                #expect(file.hasPrefix(try ledger.exportArea() + "/") && FileManager.default.fileExists(atPath: file))
            }
        }
        try ReportWriter.writeIndex(reports, ledgerPath: directory + "/ledger.sqlite", to: directory, seconds: 1)
        #expect(FileManager.default.fileExists(atPath: directory + "/index.html"))
        #expect(try ledger.history(operator: "demo").count >= 12)
        _ = try ledger.verifyAudit()
    }
}
