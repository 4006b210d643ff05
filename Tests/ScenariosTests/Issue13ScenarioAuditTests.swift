import Datasets
import Foundation
import PrivacyLedger
@testable import Scenarios
import Testing

/// Findings of the DP auditor's scenario paths (issue 13), pinned where they were fixed.
@Suite("Issue 13: scenario findings of the DP auditor", .serialized)
struct Issue13ScenarioAuditTests {
    @Test(
        "Issue 13 audit finding: finance publishes SecAgg costs (vector length, bytes, times) only when the row count is declared public"
    )
    func financeCostsFollowTheRowCountDeclaration() throws {
        let (directory, ledger) = try scratch("finance-costs")
        // The embedded registry cut to 200 enterprises (SecAgg over 10,000 is slow in debug).
        let embedded = try #require(EmbeddedDatasets.path(for: .finance))
        let lines = try String(contentsOfFile: embedded, encoding: .utf8).split(separator: "\n").prefix(201)
        let file = directory + "/finance-200.csv"
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let input = try ScenarioRunner.fileInput(.finance, file: file)
        let rows = input.table.rowCount
        #expect(rows == 200)
        let hidden = try ScenarioRunner.run(
            .finance, input: input,
            context: ScenarioContext(throwawayLedger: ledger, operator: "tester", runID: "a", outputDirectory: directory))
        let hiddenSection = try #require(hidden.section("secure_aggregation"))
        #expect(hiddenSection.rows.map(\.labels) == [["parties"]], "only the public party count: \(hiddenSection.rows)")
        #expect(!hiddenSection.rows.contains { $0.value == Double(rows) })
        #expect(hiddenSection.note.contains("not published"))

        try ledger.registerDataset(input.dataset, columns: input.table.columnNames, actor: "steward")
        try ledger.declareRowCountPublic(dataset: input.dataset, true, actor: "steward")
        let shown = try ScenarioRunner.run(
            .finance, input: input,
            context: ScenarioContext(throwawayLedger: ledger, operator: "tester", runID: "b", outputDirectory: directory))
        let shownSection = try #require(shown.section("secure_aggregation"))
        #expect(shownSection.rows.count == 6)
        #expect(shownSection.rows.contains { $0.labels == ["vector length (enterprises)"] && $0.value == Double(rows) })
    }
}
