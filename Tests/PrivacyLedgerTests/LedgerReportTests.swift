import DifferentialPrivacy
import Foundation
@testable import PrivacyLedger
import ReportRendering
import Tabular
import Testing
import _TestSupport

/// The plan's reports generated from the ledger (issue 15 item 5; the refusal counts of issue
/// 14 item 5): an operator's semi-annual security report and the annual operation report.
@Suite("Ledger: security and operation reports")
struct LedgerReportTests {
    @Test("periods: a year and its halves, UTC, half-open; bad text is refused")
    func periods() throws {
        let year = try ReportPeriod(parsing: "2026")
        let first = try ReportPeriod(parsing: "2026H1"), second = try ReportPeriod(parsing: "2026h2")
        #expect(year.from == first.from && first.to == second.from && second.to == year.to)
        #expect(iso(first.to) == "2026-07-01T00:00:00Z" && iso(year.to) == "2027-01-01T00:00:00Z")
        for text in ["", "26H3", "2026H", "2026H3", "H1", "twenty"] {
            #expect(throws: PrivacyLedgerError.self, "\(text)") { _ = try ReportPeriod(parsing: text) }
        }
        #expect(throws: PrivacyLedgerError.self) { _ = try ReportPeriod(from: year.to, to: year.from) }
    }

    @Test(
        "the security report counts the operator's releases, exports, refusals by rule, status changes and incidents in its period",
        arguments: ledgerBackends)
    func securityReport(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        // 2026-05-28: inside 2026H1.
        let clock = TestClock(Date(timeIntervalSince1970: 1_779_950_000))
        let ledger = try makeLedger(directory, clock: clock, backend: backend)
        try declareTripRoles(ledger)
        let trips = try tripsTable(rows: 200)
        for _ in 0..<3 {
            _ = try ledger.release(
                .count(), over: trips, mechanism: .laplace, parameters: .pure(epsilon: 0.1), operator: "op-1",
                scenario: "transport", dataset: "trips")
        }
        _ = try? ledger.release(
            .count(of: "national_id"), over: trips, mechanism: .laplace, parameters: .pure(epsilon: 0.1),
            operator: "op-1", scenario: "transport", dataset: "trips")
        _ = try? ledger.release(
            .count(), over: trips, mechanism: .laplace, parameters: .pure(epsilon: 5), operator: "op-1",
            scenario: "transport", dataset: "trips")
        let districts = try Table(columns: [try Column("district", strings: (0..<20).map { ["A", "B"][$0 % 2] })])
        try ledger.export(
            districts, as: "districts.csv", check: .microdata(quasiIdentifiers: ["district"], k: 5), operator: "op-1",
            scenario: "transport", dataset: "trips")
        try ledger.suspend(operator: "op-1", scenario: "transport", reason: "late report")
        _ = try? ledger.release(
            .count(), over: trips, mechanism: .laplace, parameters: .pure(epsilon: 0.1), operator: "op-1",
            scenario: "transport", dataset: "trips")
        // Next half-year: one more refusal, not in H1.
        clock.advance(days: 40)
        _ = try? ledger.release(
            .count(), over: trips, mechanism: .laplace, parameters: .pure(epsilon: 0.1), operator: "op-1",
            scenario: "transport", dataset: "trips")
        let report = try ledger.securityReport(operator: "op-1", period: try ReportPeriod(parsing: "2026H1"))
        #expect(report.releases == 3)
        #expect(report.exports.count == 1 && report.exports[0].check.contains("k-anonymity k=5"))
        #expect(
            report.refusalsByRule == ["level-4-column": 1, "budget-exhausted": 1, "suspended": 1],
            "\(report.refusalsByRule)")
        #expect(report.refusals == 3)
        #expect(report.statusChanges.map(\.status) == ["active", "suspended"])
        #expect(report.incidents.isEmpty)
        #expect(report.authorisations.count == 1 && abs(report.authorisations[0].chargedInPeriod - 0.3) < 1e-9)
        #expect(report.authorisations[0].standing == "suspended")
        let later = try ledger.securityReport(operator: "op-1", period: try ReportPeriod(parsing: "2026H2"))
        #expect(later.refusals == 1 && later.releases == 0 && later.statusChanges.isEmpty)
        // The operation report of the year sees both halves.
        let year = try ledger.operationReport(period: try ReportPeriod(parsing: "2026"))
        #expect(year.releases == 3 && year.exports == 1 && year.refusals == 4)
        #expect(year.operators.map(\.operator) == ["op-1"] && year.rowsScanned == 620)  // 3 × 200 rows released, 20 exported
        #expect(year.bytesExported > 0 && year.datasets == 1 && year.authorisationsActive == 1)
        // The HTML pages are self-contained and escape what they show.
        let page = LedgerReportPages.html(report)
        #expect(page.contains("<svg") && page.contains("level-4-column"))
        #expect(!page.contains("<script") && !page.contains("src="))
        #expect(LedgerReportPages.html(year).contains("op-1"))
    }

    @Test("tampering and unauthenticated requests are listed as incidents", arguments: ledgerBackends)
    func incidents(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock(Date(timeIntervalSince1970: 1_779_950_000))
        let ledger = try makeLedger(directory, clock: clock, backend: backend)
        try tamper(ledger, "UPDATE authorisations SET spent = 0.5")
        _ = try? ledger.release(
            .count(), over: try tripsTable(rows: 50), mechanism: .laplace, parameters: .pure(epsilon: 0.1),
            operator: "op-1", scenario: "transport", dataset: "trips")
        let report = try ledger.securityReport(operator: "op-1", period: try ReportPeriod(parsing: "2026H1"))
        #expect(report.incidents.map(\.rule) == ["state-tampered"], "\(report.incidents)")
        #expect(LedgerReportPages.html(report).contains("class=warn>state-tampered"))
    }
}
