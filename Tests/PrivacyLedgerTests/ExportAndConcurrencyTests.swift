import DifferentialPrivacy
import Foundation
import _TestSupport
@testable import PrivacyLedger
import Tabular
import Testing

@Suite("Ledger: export gate, termination, concurrency")
struct ExportAndConcurrencyTests {
    /// Microdata with district (QI) and fare; `small` rows in a class of their own.
    func microdata(small: Int) throws -> Table {
        var districts: [String] = [], fares: [Double] = []
        for i in 0..<40 {
            districts.append(i % 2 == 0 ? "Xihu" : "Gongshu")
            fares.append(Double(i))
        }
        for i in 0..<small {
            districts.append("Binjiang")
            fares.append(Double(i))
        }
        return try Table(columns: [try Column("district", strings: districts), try Column("fare", float64: fares)])
    }

    @Test(
        "the export gate writes only k-anonymous microdata, records it, and termination deletes it but keeps the logs",
        arguments: ledgerBackends)
    func exportAndTerminate(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try makeLedger(directory, clock: TestClock(), backend: backend)
        try declareTripRoles(ledger)
        let out = try ledger.exportArea() + "/export.csv"
        // A class of 2 rows fails k = 5: refused, nothing written.
        #expect {
            try ledger.export(
                try microdata(small: 2), as: "export.csv", check: .microdata(quasiIdentifiers: ["district"], k: 5),
                operator: "op-1", scenario: "transport", dataset: "trips")
        } throws: { ($0 as? PrivacyLedgerError)?.rule == "export-k-anonymity" }
        #expect(!FileManager.default.fileExists(atPath: out))
        // k below the platform minimum: refused.
        #expect {
            try ledger.export(
                try microdata(small: 0), as: "export.csv", check: .microdata(quasiIdentifiers: ["district"], k: 2),
                operator: "op-1", scenario: "transport", dataset: "trips")
        } throws: { ($0 as? PrivacyLedgerError)?.rule == "export-k-below-minimum" }
        // Fully suppressed rows ('*') are exempt.
        let suppressed = try Table(columns: [
            try Column("district", strings: (0..<40).map { $0 % 2 == 0 ? "Xihu" : "Gongshu" } + ["*", "*"]),
            try Column("fare", float64: (0..<42).map(Double.init)),
        ])
        let record = try ledger.export(
            suppressed, as: "export.csv", check: .microdata(quasiIdentifiers: ["district"], k: 5),
            operator: "op-1", scenario: "transport", dataset: "trips")
        #expect(FileManager.default.fileExists(atPath: out))
        let written = try Data(contentsOf: URL(fileURLWithPath: out))
        #expect(record.kind == "export" && record.bytesExported == Int64(written.count))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: try ledger.exportArea()).filter {
                $0.contains("pending")
            }
            .isEmpty)
        // A level-4 column in the export is refused.
        let withID = try Table(columns: [
            try Column("district", strings: Array(repeating: "Xihu", count: 10)),
            try Column("national_id", strings: (0..<10).map { "id\($0)" }),
        ])
        #expect {
            try ledger.export(
                withID, as: "ids.csv", check: .microdata(quasiIdentifiers: ["district"], k: 5),
                operator: "op-1", scenario: "transport", dataset: "trips")
        } throws: { ($0 as? PrivacyLedgerError)?.rule == "level-4-column" }
        // Aggregates: minimum cell counts.
        let counts = try Table(columns: [
            try Column("district", strings: ["Xihu", "Gongshu"]), try Column("fare", int64: [25, 3]),
        ])
        #expect {
            try ledger.export(
                counts, as: "agg.csv", check: .aggregate(countColumn: "fare"),
                operator: "op-1", scenario: "transport", dataset: "trips")
        } throws: { ($0 as? PrivacyLedgerError)?.rule == "export-minimum-cell-count" }
        // Termination deletes the export and keeps the ledger and the audit log.
        let auditBefore = try ledger.auditEntries().count
        let report = try ledger.terminate(operator: "op-1", scenario: "transport", reason: "not corrected")
        #expect(report.deletedFiles == [URL(fileURLWithPath: out).standardizedFileURL.path])
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try ledger.history().count == 1)
        #expect(try ledger.auditEntries().count == auditBefore + 1)
        #expect(try ledger.derivedFiles(of: report.authorisation.id).isEmpty)
        _ = try ledger.verifyAudit()
    }

    @Test("many threads with their own connections never overspend one authorisation", arguments: ledgerBackends)
    func concurrentConnections(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock()
        let location = try makeLedger(directory, clock: clock, budget: .pure(epsilon: 1), backend: backend).path
        let table = try tripsTable(rows: 50)
        let workers = 4, attempts = 15
        let successes = Counts()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            guard
                let ledger = try? SQLiteLedger(path: location, durability: .normal, clock: { clock.now })
            else { return }
            for _ in 0..<attempts {
                do {
                    _ = try ledger.release(
                        DPQuery.count(), over: table, mechanism: .laplace,
                        parameters: NoiseParameters.pure(epsilon: 0.05),
                        operator: "op-1", scenario: "transport", dataset: "trips")
                    successes.add(ok: true)
                } catch let error as PrivacyLedgerError where error.rule == "budget-exhausted" {
                    successes.add(ok: false)
                } catch {
                    successes.add(ok: false, other: "\(error)")
                }
            }
        }
        let ledger = try SQLiteLedger(path: location, clock: { clock.now })
        #expect(successes.others.isEmpty, "\(successes.others)")
        #expect(successes.ok == 20)
        #expect(try ledger.history().count == 20)
        #expect(try ledger.authorisation(operator: "op-1", scenario: "transport")!.spent <= 1 + 1e-9)
        _ = try ledger.verifyAudit()
    }
}
