import DifferentialPrivacy
import Foundation
import GRDB
import _TestSupport
@testable import PrivacyLedger
import Tabular
import Testing

/// Issue 14, item 2: exports go into the platform's export area only, never overwrite, and
/// `terminate` deletes only the files the gate wrote, identified by digest.
@Suite("Ledger: the export area")
struct ExportAreaTests {
    /// 40 rows in two districts of 20: k-anonymous for k ≤ 20 over district.
    func districts() throws -> Tabular.Table {
        try Table(columns: [
            try Column("district", strings: (0..<40).map { $0 % 2 == 0 ? "Xihu" : "Gongshu" }),
            try Column("fare", float64: (0..<40).map(Double.init)),
        ])
    }

    func export(_ ledger: SQLiteLedger, _ name: String) throws -> ReleaseRecord {
        try ledger.export(
            try districts(), as: name, check: .microdata(quasiIdentifiers: ["district"], k: 5),
            operator: "op-1", scenario: "transport", dataset: "trips")
    }

    func rule(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as PrivacyLedgerError { return error.rule } catch { return "\(error)" }
    }

    @Test("the default export area is beside the ledger, and a name inside it is where the file goes")
    func defaultArea() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try makeLedger(directory, clock: TestClock())
        try declareTripRoles(ledger)
        #expect(try ledger.exportArea() == directory.file("ledger-exports"))
        let record = try export(ledger, "census/k5.csv")
        #expect(record.query == directory.file("ledger-exports/census/k5.csv"))
        #expect(FileManager.default.fileExists(atPath: record.query))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.file("ledger-exports/census"))
        #expect(leftovers == ["k5.csv"])
    }

    @Test("absolute names, '..', hidden names, symbolic links and existing files are refused, and nothing is written")
    func refusedNames() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try makeLedger(directory, clock: TestClock())
        try declareTripRoles(ledger)
        let area = try ledger.exportArea()
        let ledgerBytes = try Data(contentsOf: URL(fileURLWithPath: ledger.path))
        // The reproduced attack: --out naming the ledger, the raw input, or a relative escape.
        #expect(rule { _ = try export(ledger, ledger.path) } == "export-area")
        #expect(rule { _ = try export(ledger, "../ledger.sqlite") } == "export-area")
        #expect(rule { _ = try export(ledger, "a/../../ledger.sqlite") } == "export-area")
        #expect(rule { _ = try export(ledger, "./k5.csv") } == "export-area")
        #expect(rule { _ = try export(ledger, ".hidden.csv") } == "export-area")
        #expect(rule { _ = try export(ledger, "") } == "export-area")
        #expect(rule { _ = try export(ledger, "a//b.csv") } == "export-area")
        #expect(rule { _ = try export(ledger, "line\nbreak.csv") } == "export-area")
        #expect(try Data(contentsOf: URL(fileURLWithPath: ledger.path)).count >= ledgerBytes.count)
        // A symbolic link inside the area pointing out of it, as a directory or as the target.
        try FileManager.default.createDirectory(atPath: directory.file("outside"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: area, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: area + "/escape", withDestinationPath: directory.file("outside"))
        #expect(rule { _ = try export(ledger, "escape/k5.csv") } == "export-area")
        try FileManager.default.createSymbolicLink(atPath: area + "/raw.csv", withDestinationPath: ledger.path)
        #expect(rule { _ = try export(ledger, "raw.csv") } == "export-exists")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("outside")).isEmpty)
        // No overwriting: a second export under the same name is refused and the first survives.
        let first = try export(ledger, "k5.csv")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: first.query))
        #expect(rule { _ = try export(ledger, "k5.csv") } == "export-exists")
        #expect(try Data(contentsOf: URL(fileURLWithPath: first.query)) == bytes)
        // Nothing half-written anywhere, and every refusal is on record.
        #expect(try FileManager.default.contentsOfDirectory(atPath: area).filter { $0.hasPrefix(".") }.isEmpty)
        let refused = try ledger.refusals().map(\.rule)
        #expect(refused.filter { $0 == "export-area" }.count == 9)
        #expect(refused.filter { $0 == "export-exists" }.count == 2)
        _ = try ledger.verifyAudit()
    }

    @Test("the export area may not contain the ledger or a registered dataset")
    func areaPlacement() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try makeLedger(directory, clock: TestClock())
        try declareTripRoles(ledger)
        #expect(rule { try ledger.setExportArea(directory.path, actor: "platform") } == "invalid-parameter")
        let data = directory.file("data/trips.csv")
        try FileManager.default.createDirectory(atPath: directory.file("data"), withIntermediateDirectories: true)
        try Data("fare\n1\n".utf8).write(to: URL(fileURLWithPath: data))
        try ledger.registerDataset(SQLiteLedger.datasetName(forFile: data), columns: ["fare"])
        #expect(rule { try ledger.setExportArea(directory.file("data"), actor: "platform") } == "invalid-parameter")
        try ledger.setExportArea(directory.file("published"), actor: "platform")
        #expect(try ledger.exportArea() == directory.file("published"))
        #expect(try export(ledger, "k5.csv").query == directory.file("published/k5.csv"))
        #expect(try ledger.auditEntries().contains { $0.action == "export-area" })
    }

    @Test("terminate deletes only unchanged files the gate wrote; edited files and planted rows are kept")
    func terminateByDigest() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try makeLedger(directory, clock: TestClock())
        try declareTripRoles(ledger)
        let kept = try export(ledger, "kept.csv").query
        let edited = try export(ledger, "edited.csv").query
        let gone = try export(ledger, "gone.csv").query
        try Data("district,fare\nXihu,1\n".utf8).write(to: URL(fileURLWithPath: edited))
        try FileManager.default.removeItem(atPath: gone)
        // An attacker with the SQLite file plants a derived-data row naming a file outside the
        // area, and one naming a copy of an export outside the area.
        let victim = directory.file("victim.csv")
        try Data("precious\n".utf8).write(to: URL(fileURLWithPath: victim))
        let copy = directory.file("copy.csv")
        try FileManager.default.copyItem(atPath: kept, toPath: copy)
        let queue = try DatabaseQueue(path: ledger.path)
        try queue.write { db in
            let authorisation = try Int64.fetchOne(db, sql: "SELECT id FROM authorisations LIMIT 1")!
            let release = try String.fetchOne(db, sql: "SELECT id FROM releases WHERE kind = 'export' LIMIT 1")!
            try db.execute(
                sql: "INSERT INTO derived_data (authorisation_id, path, release_id, created_at) VALUES (?, ?, NULL, 0)",
                arguments: [authorisation, victim])
            try db.execute(
                sql: "INSERT INTO derived_data (authorisation_id, path, release_id, created_at) VALUES (?, ?, ?, 0)",
                arguments: [authorisation, copy, release])
        }
        let report = try ledger.terminate(operator: "op-1", scenario: "transport", reason: "agreement ended")
        #expect(report.deletedFiles == [kept])
        #expect(report.missingFiles == [gone])
        #expect(report.keptFiles.count == 3)
        #expect(report.keptFiles.contains { $0.hasPrefix(edited) && $0.contains("bytes differ") })
        #expect(report.keptFiles.contains { $0.hasPrefix(victim) })
        #expect(report.keptFiles.contains { $0.hasPrefix(copy) && $0.contains("outside the export area") })
        #expect(!FileManager.default.fileExists(atPath: kept))
        #expect(FileManager.default.fileExists(atPath: edited))
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        #expect(FileManager.default.fileExists(atPath: copy))
    }
}
