import DifferentialPrivacy
import Foundation
@testable import PrivacyLedger
import Tabular
import Testing
import _TestSupport

/// Issue 14, item 1: the review fixes the forms of release and export an authorisation allows,
/// and for microdata exports a larger k, l-diversity / t-closeness of a sensitive attribute and
/// the hierarchies whose levels the exported values must come from.
@Suite("Ledger: a review fixes forms and export requirements")
struct ReviewFormsTests {
    func rule(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as PrivacyLedgerError { return error.rule } catch { return "\(error)" }
    }

    static let districtHierarchy = "Shangcheng;core;*\nGongshu;core;*\nXihu;outer;*\nBinjiang;outer;*\n"

    /// `rows` rows of (district, fare).
    func microdata(_ rows: [(String, Double)]) throws -> Table {
        try Table(columns: [
            try Column("district", strings: rows.map(\.0)), try Column("fare", float64: rows.map(\.1)),
        ])
    }

    @Test(
        "a statistic, a computation or an export outside the review's forms is refused and recorded; listed ones pass",
        arguments: ledgerBackends)
    func formsAreFixed(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try makeLedger(directory, clock: TestClock(), backend: backend)
        try declareTripRoles(ledger)
        let authorisation = try ledger.grant(
            operator: "op-2", scenario: "counts", budget: .pure(epsilon: 2), dataset: "trips",
            columns: ["fare", "district"], releaseForms: [.count, .sum])
        #expect(authorisation.releaseForms == [.count, .sum])
        let trips = try tripsTable(rows: 200)
        func release(_ query: DPQuery) throws {
            _ = try ledger.release(
                query, over: trips, mechanism: .laplace, parameters: .pure(epsilon: 0.1), operator: "op-2",
                scenario: "counts", dataset: "trips")
        }
        try release(.count())
        try release(.sum(of: "fare", clampedTo: 0...50))
        #expect(rule { try release(.mean(of: "fare", clampedTo: 0...50)) } == "form-not-authorised")
        #expect(rule { try release(.quantiles(of: "fare", levels: [0.5], clampedTo: 0...50)) } == "form-not-authorised")
        #expect(
            rule {
                _ = try ledger.budget(
                    operator: "op-2", scenario: "counts", dataset: "trips", columns: ["fare"], purpose: "fit")
            } == "form-not-authorised")
        #expect(
            rule {
                try ledger.export(
                    try microdata((0..<20).map { ("core", Double($0)) }), as: "x.csv",
                    check: .microdata(quasiIdentifiers: ["district"], k: 5), operator: "op-2", scenario: "counts",
                    dataset: "trips")
            } == "form-not-authorised")
        #expect(try ledger.authorisation(operator: "op-2", scenario: "counts")!.spent == 0.2)
        let refused = try ledger.refusals(operator: "op-2").map(\.rule)
        #expect(refused == Array(repeating: "form-not-authorised", count: 4), "\(refused)")
        // The forms are part of the recorded state: editing them is caught.
        #expect(try ledger.stateDisagreements().isEmpty)
        #expect(
            rule {
                _ = try ledger.grant(
                    operator: "op-3", scenario: "x", budget: .pure(epsilon: 1), dataset: "trips", releaseForms: [])
            } == "invalid-parameter")
    }

    @Test(
        "microdata exports meet the review's k, l-diversity, t-closeness and hierarchies, or nothing is written",
        arguments: ledgerBackends)
    func exportRequirementsAreChecked(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try makeLedger(directory, clock: TestClock(), backend: backend)
        try declareTripRoles(ledger)
        #expect(
            rule {
                _ = try ledger.grant(
                    operator: "op-2", scenario: "bad", budget: .pure(epsilon: 1), dataset: "trips",
                    exportRequirements: ExportRequirements(l: 2))
            } == "invalid-parameter")
        #expect(
            rule {
                _ = try ledger.grant(
                    operator: "op-2", scenario: "bad", budget: .pure(epsilon: 1), dataset: "trips",
                    exportRequirements: ExportRequirements(hierarchies: ["no_such": "a;*\n"]))
            } == "unknown-column")
        try ledger.grant(
            operator: "op-2", scenario: "microdata", budget: .pure(epsilon: 1), dataset: "trips",
            columns: ["fare", "district"], releaseForms: [.microdataExport],
            exportRequirements: ExportRequirements(
                minimumK: 6, sensitive: "fare", l: 2, t: 0.9, hierarchies: ["district": Self.districtHierarchy]))
        func export(_ table: Table, k: Int, as name: String) throws {
            try ledger.export(
                table, as: name, check: .microdata(quasiIdentifiers: ["district"], k: k), operator: "op-2",
                scenario: "microdata", dataset: "trips")
        }
        let goodRows: [(String, Double)] = (0..<24).map { (i: Int) -> (String, Double) in
            (i % 2 == 0 ? "core" : "outer", Double(i % 7))
        }
        let good = try microdata(goodRows)
        #expect(rule { try export(good, k: 5, as: "k5.csv") } == "export-k-below-review")
        // Values from two levels of the hierarchy (a raw district beside generalised ones).
        var mixed = goodRows
        for i in 0..<6 { mixed[i * 2] = ("Xihu", Double(i)) }
        #expect(rule { try export(try microdata(mixed), k: 6, as: "mixed.csv") } == "export-hierarchy")
        // A value the hierarchy does not know.
        let unknownRows: [(String, Double)] = goodRows.map { ($0.0 == "outer" ? "elsewhere" : $0.0, $0.1) }
        #expect(rule { try export(try microdata(unknownRows), k: 6, as: "u.csv") } == "export-hierarchy")
        // One class with a single fare: not 2-diverse.
        let uniformRows: [(String, Double)] = (0..<24).map { (i: Int) -> (String, Double) in
            i % 2 == 0 ? ("core", 3) : ("outer", Double(i % 7))
        }
        let uniform = try microdata(uniformRows)
        #expect(rule { try export(uniform, k: 6, as: "l.csv") } == "export-l-diversity")
        for name in ["k5.csv", "mixed.csv", "u.csv", "l.csv"] {
            #expect(!FileManager.default.fileExists(atPath: try ledger.exportArea() + "/" + name))
        }
        let record = try ledger.export(
            good, as: "good.csv", check: .microdata(quasiIdentifiers: ["district"], k: 6), operator: "op-2",
            scenario: "microdata", dataset: "trips")
        #expect(FileManager.default.fileExists(atPath: record.query))
        #expect(
            record.parameters.contains("2-diversity of fare") && record.parameters.contains("hierarchies of district"))
        #expect(try ledger.stateDisagreements().isEmpty)
    }
}
