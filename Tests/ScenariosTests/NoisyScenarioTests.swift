import Foundation
import PrivacyLedger
@testable import ReportRendering
@testable import Scenarios
import Tabular
import Testing
import _TestSupport

@Suite("Scenarios with noise")
struct NoisyScenarioTests {
    @Test("market: the stated 95% intervals cover the true counts at about the stated rate")
    func intervalCoverage() throws {
        let (directory, ledger) = try scratch("coverage")
        let input = try ScenarioRunner.embeddedInput(.market)
        let t = input.table
        let type = try View.strings(t, "record_type", .market)
        let category = try View.strings(t, "category", .market)
        let district = try View.strings(t, "district", .market)
        var truth: [String: Double] = [:]
        for i in 0..<t.rowCount where type[i] == "complaint" { truth[category[i] + "|" + district[i], default: 0] += 1 }
        var covered = 0, total = 0
        for run in 0..<4 {
            let context = ScenarioContext(
                throwawayLedger: ledger, operator: "tester", runID: "r\(run)", outputDirectory: directory)
            let report = try ScenarioRunner.run(
                .market, input: input, options: ScenarioOptions(epsilon: 0.5), context: context)
            let section = try #require(report.section("hotspots_category_district"))
            #expect(section.epsilon == 0.25)
            for row in section.rows {
                let value = try #require(
                    truth[row.labels.joined(separator: "|")], "a released key must exist in the data")
                total += 1
                if let l = row.lower, let u = row.upper, l <= value, value <= u { covered += 1 }
            }
        }
        // 95% nominal; with ≈200 cells the rate is ≥ 0.88 except with probability < 1e-4.
        #expect(total > 100)
        #expect(Double(covered) / Double(total) >= 0.88, "coverage \(covered)/\(total)")
    }

    @Test("every release is in the ledger, and a second run beyond the budget is refused")
    func ledgerCharged() throws {
        let (directory, ledger) = try scratch("ledger")
        let context = ScenarioContext(throwawayLedger: ledger, operator: "tester", runID: "x", outputDirectory: directory)
        let report = try ScenarioRunner.run(
            .commerce, input: try ScenarioRunner.embeddedInput(.commerce), context: context)
        let history = try ledger.history(operator: "tester", scenario: report.ledgerScenario)
        #expect(history.count == 3)
        #expect(Set(history.map(\.id)) == Set(report.sections.flatMap(\.ledgerEntries)))
        #expect(abs(report.spentEpsilon - 2) < 1e-9)
        // Running again under the same authorisation needs a new grant: refused as already authorised.
        #expect(throws: PrivacyLedgerError.self) {
            try ScenarioRunner.run(.commerce, input: try ScenarioRunner.embeddedInput(.commerce), context: context)
        }
    }

    @Test("an input without a mapped column is refused naming the column, before any release")
    func missingColumn() throws {
        let (directory, ledger) = try scratch("missing")
        let input = try ScenarioRunner.embeddedInput(.transport)
        let broken = ScenarioInput(
            table: try input.table.selecting(["card_id", "origin_district"]), dataset: input.dataset, source: "broken")
        let context = ScenarioContext(throwawayLedger: ledger, operator: "tester", runID: "m", outputDirectory: directory)
        #expect(throws: ScenarioError.self) { try ScenarioRunner.run(.transport, input: broken, context: context) }
        #expect(try ledger.history().isEmpty)
    }
}

@Suite("Interval coverage of DP sums")
struct SumCoverageTests {
    @Test("commerce: 95% intervals of footfall per district cover the exact clamped sums at about the stated rate")
    func footfallCoverage() throws {
        let (directory, ledger) = try scratch("sum-coverage")
        let input = try ScenarioRunner.embeddedInput(.commerce)
        let district = try View.strings(input.table, "district", .commerce)
        let footfall = try View.doubles(input.table, "footfall", .commerce)
        var truth: [String: Double] = [:]
        for i in 0..<input.table.rowCount { truth[district[i], default: 0] += min(footfall[i], 250_000) }
        var covered = 0, total = 0
        for run in 0..<8 {
            let context = ScenarioContext(
                throwawayLedger: ledger, operator: "tester", runID: "c\(run)", outputDirectory: directory)
            let report = try ScenarioRunner.run(
                .commerce, input: input, options: ScenarioOptions(epsilon: 0.5), context: context)
            for row in try #require(report.section("footfall_by_district")).rows {
                total += 1
                let value = try #require(truth[row.labels[0]])
                if let l = row.lower, let u = row.upper, l <= value, value <= u { covered += 1 }
                #expect(row.value != value, "noise must have been added")
            }
        }
        // 104 cells at 95%: below 0.86 with probability < 1e-3.
        #expect(Double(covered) / Double(total) >= 0.86, "coverage \(covered)/\(total)")
    }
}
