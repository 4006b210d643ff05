import DifferentialPrivacy
import Foundation
import _TestSupport
@testable import PrivacyLedger
import Tabular
import Testing

/// Issue 14, item 1: authority comes from the steward's registration — the file's digest,
/// its quasi-identifiers and identifiers — not from what the operator names.
@Suite("Ledger: dataset digests and column roles")
struct DatasetIntegrityTests {
    func rule(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as PrivacyLedgerError { return error.rule } catch { return "\(error)" }
    }

    @Test(
        "a registered file that changes is refused (on record) until the steward registers it again",
        arguments: ledgerBackends)
    func changedFileRefused(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try makeLedger(directory, clock: TestClock(), backend: backend)
        let file = directory.file("cards.csv")
        try "card_id,district\n1,Xihu\n2,Gongshu\n".write(toFile: file, atomically: true, encoding: .utf8)
        try ledger.registerFile(file, columns: ["card_id", "district"], actor: "steward")
        let name = SQLiteLedger.datasetName(forFile: file)
        #expect(try ledger.registeredDigest(of: name)?.count == 64)
        #expect(rule { try ledger.verifyFile(file, operator: "op-1", scenario: "transport") } == nil)
        // Card IDs swapped in under the same column names.
        try "card_id,district\n3301001,Xihu\n3301002,Gongshu\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(rule { try ledger.verifyFile(file, operator: "op-1", scenario: "transport") } == "dataset-changed")
        #expect(try ledger.refusals(operator: "op-1").last?.rule == "dataset-changed")
        // A file never registered with a digest is unknown.
        let other = directory.file("other.csv")
        try "a\n1\n".write(toFile: other, atomically: true, encoding: .utf8)
        #expect(rule { try ledger.verifyFile(other, operator: "op-1", scenario: "transport") } == "unknown-dataset")
        // The steward accepts the new content: audited with the previous digest.
        try ledger.registerFile(file, columns: ["card_id", "district"], actor: "steward")
        #expect(rule { try ledger.verifyFile(file, operator: "op-1", scenario: "transport") } == nil)
        let digests = try ledger.auditEntries().filter { $0.action == "dataset-digest" }
        func field(_ json: String, _ key: String) throws -> String? {
            (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String])?[key]
        }
        #expect(digests.count == 2)
        #expect(try field(digests[1].details, "previous_sha256") == field(digests[0].details, "sha256"))
        _ = try ledger.verifyAudit()
    }

    @Test(
        "microdata is k-checked over every declared quasi-identifier, not the set the operator names",
        arguments: ledgerBackends)
    func declaredQuasiIdentifiers(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try makeLedger(directory, clock: TestClock(), backend: backend)
        try ledger.registerDataset("a4", columns: ["sex", "age", "race", "marital"])
        for column in ["sex", "age", "race", "marital"] {
            try ledger.setRole(dataset: "a4", column: column, role: .quasiIdentifier)
        }
        try ledger.grant(operator: "o", scenario: "a4", budget: .pure(epsilon: 1), dataset: "a4")
        // The reproduction: the operator names only `sex`, on which k = 5 holds, and
        // the table is the raw input (every age distinct).
        let raw = try Tabular.Table(columns: [
            try Column("sex", strings: (0..<40).map { $0 % 2 == 0 ? "Male" : "Female" }),
            try Column("age", strings: (0..<40).map { "\(20 + $0)" }),
            try Column("race", strings: Array(repeating: "White", count: 40)),
            try Column("marital", strings: Array(repeating: "Never-married", count: 40)),
        ])
        #expect(
            rule {
                try ledger.export(
                    raw, as: "a4.csv", check: .microdata(quasiIdentifiers: ["sex"], k: 5), operator: "o",
                    scenario: "a4", dataset: "a4")
            } == "export-k-anonymity")
        #expect(!FileManager.default.fileExists(atPath: try ledger.exportArea() + "/a4.csv"))
        // Dropping the quasi-identifiers the operator cannot generalise is allowed: k over the rest.
        let reduced = try raw.selecting(["sex", "race", "marital"])
        let record = try ledger.export(
            reduced, as: "a4.csv", check: .microdata(quasiIdentifiers: [], k: 5), operator: "o", scenario: "a4",
            dataset: "a4")
        #expect(record.parameters.contains("over marital,race,sex"))
        // A dataset without declared quasi-identifiers cannot export microdata at all.
        try ledger.registerDataset("plain", columns: ["x"])
        try ledger.grant(operator: "o", scenario: "plain", budget: .pure(epsilon: 1), dataset: "plain")
        let plain = try Tabular.Table(columns: [try Column("x", strings: Array(repeating: "a", count: 10))])
        #expect(
            rule {
                try ledger.export(
                    plain, as: "plain.csv", check: .microdata(quasiIdentifiers: ["x"], k: 5), operator: "o",
                    scenario: "plain", dataset: "plain")
            } == "export-no-quasi-identifiers")
    }

    @Test(
        "identifiers never leave: not as a key, a value or an exported column, only as the privacy unit",
        arguments: ledgerBackends)
    func identifiersNeverLeave(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try makeLedger(
            directory, clock: TestClock(), budget: .approximate(epsilon: 5, delta: 1e-5), backend: backend)
        try declareTripRoles(ledger)
        try ledger.setRole(dataset: "trips", column: "card", role: .identifier)
        let trips = try tripsTable(rows: 300)
        func release(_ query: DPQuery) -> String? {
            rule {
                _ = try ledger.release(
                    query, over: trips, mechanism: .laplace, parameters: .approximate(epsilon: 0.5, delta: 1e-6),
                    operator: "op-1", scenario: "transport", dataset: "trips")
            }
        }
        #expect(release(DPQuery.count().grouped(by: "card", keys: .selected)) == "identifier-column")
        #expect(release(DPQuery.histogram(of: "card", keys: .selected)) == "identifier-column")
        #expect(release(DPQuery.sum(of: "card", clampedTo: 0...500)) == "identifier-column")
        // As the privacy unit it only bounds contributions.
        #expect(
            release(
                DPQuery.count().grouped(by: "district", keys: .declared(["Xihu", "Gongshu"]))
                    .boundingContributions(privacyUnit: "card", maxPartitionsPerUnit: 2)) == nil)
        let withCard = try trips.selecting(["district", "card"])
        #expect(
            rule {
                try ledger.export(
                    withCard, as: "cards.csv", check: .microdata(quasiIdentifiers: ["district"], k: 5),
                    operator: "op-1", scenario: "transport", dataset: "trips")
            } == "identifier-column")
        let refused = try ledger.refusals(operator: "op-1").map(\.rule)
        #expect(refused.filter { $0 == "identifier-column" }.count == 4)
    }
}
