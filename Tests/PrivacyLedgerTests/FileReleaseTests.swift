@testable import DifferentialPrivacy
import Foundation
import _TestSupport
@testable import PrivacyLedger
import Tabular
import Testing

/// Issue 18 behind the gate: a release over a file streams within the memory limit, and never
/// refuses on what the data hold (a refusal that depends on the number of keys would be an
/// output without noise).
@Suite("Ledger: releases over files within a memory limit")
struct FileReleaseTests {
    /// Mean fare per card by partition selection: 20,000 cards in the file, more keys than a
    /// 16 MiB limit holds (16,384 on two cores).
    static let perCard = DPQuery.mean(of: "fare", clampedTo: 0...50).grouped(by: "card", keys: .selected)

    @Test("keys found by partition selection may outgrow the limit behind the gate; declared keys are refused before any charge")
    func noDataDependentRefusal() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try makeLedger(
            directory, clock: TestClock(), budget: .approximate(epsilon: 5, delta: 1e-5))
        let file = directory.file("trips.csv")
        var lines = ["fare,district,card,national_id"]
        for row in 0..<20_000 { lines.append("\(row % 50),Xihu,\(row),3301\(100_000 + row)") }
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let options = FileScanOptions(memoryLimit: 16 << 20)
        // A steward's own scan refuses: the keys in the data do not fit.
        #expect(throws: DifferentialPrivacyError.self) { try Self.perCard.partial(overFile: file, options: options) }
        // Behind the gate it is released, charged and recorded, whatever the keys.
        let released = try ledger.release(
            Self.perCard, overFile: file, options: options, mechanism: .laplace,
            parameters: .approximate(epsilon: 1, delta: 1e-6), operator: "op-1", scenario: "transport", dataset: "trips")
        let history = try ledger.history()
        #expect(history.count == 1 && history[0].rowsScanned == 20_000)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        #expect(history[0].bytesScanned == Int64(size))
        // Declared keys: their number is the query's, so the refusal tells nothing about the data.
        let declared = DPQuery.quantiles(of: "fare", levels: [0.5], clampedTo: 0...50)
            .grouped(by: "card", keys: .declared((0..<1_000).map(String.init)))
        let refused = Result { () throws(PrivacyLedgerError) in
            try ledger.release(
                declared, overFile: file, options: options, mechanism: .laplace, parameters: .pure(epsilon: 1),
                operator: "op-1", scenario: "transport", dataset: "trips")
        }
        switch refused {
        case .failure(.release(.memoryLimitExceeded)): break
        case let .failure(error): Issue.record("unexpected \(error)")
        case .success: Issue.record("expected a refusal")
        }
        #expect(try ledger.history().count == 1)
        let authorisation = try #require(try ledger.authorisation(operator: "op-1", scenario: "transport"))
        #expect(abs(authorisation.spent - released.release.epsilon!) < 1e-9)
    }

    @Test("bytes scanned: recorded per release and summed in the costs; a ledger from before schema v9 gains the column and still verifies",
          arguments: ledgerBackends)
    func bytesScannedAndMigration(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock()
        var ledger = try makeLedger(directory, clock: clock, budget: .pure(epsilon: 5), backend: backend)
        let file = directory.file("trips.csv")
        try (["fare,district,card"] + (0..<500).map { "\($0 % 40),Xihu,\($0)" }).joined(separator: "\n")
            .appending("\n").write(toFile: file, atomically: true, encoding: .utf8)
        let size = Int64(try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int))
        let mean = DPQuery.mean(of: "fare", clampedTo: 0...50)
        _ = try ledger.release(
            mean, overFile: file, options: FileScanOptions(), mechanism: .laplace, parameters: .pure(epsilon: 1),
            operator: "op-1", scenario: "transport", dataset: "trips")
        // Over a table: the caller says how many bytes it came from, or nothing.
        let table = try Table(csv: file)
        _ = try ledger.release(
            mean, over: table, mechanism: .laplace, parameters: .pure(epsilon: 1), operator: "op-1",
            scenario: "transport", dataset: "trips", bytesScanned: 1_234)
        _ = try ledger.release(
            mean, over: table, mechanism: .laplace, parameters: .pure(epsilon: 1), operator: "op-1",
            scenario: "transport", dataset: "trips")
        #expect(try ledger.history().map(\.bytesScanned) == [size, 1_234, nil])
        let authorisation = try #require(try ledger.authorisation(operator: "op-1", scenario: "transport"))
        #expect(try ledger.costs(of: authorisation.id).bytesScanned == size + 1_234)

        // The ledger as the previous version left it: no bytes_scanned column.
        switch backend {
        case .sqlite:
            try tamper(ledger, "ALTER TABLE releases DROP COLUMN bytes_scanned")
            try tamper(ledger, "DELETE FROM grdb_migrations WHERE identifier = 'v9-bytes-scanned'")
        case .postgres:
            try tamper(ledger, "ALTER TABLE releases DROP COLUMN bytes_scanned")
            try tamper(ledger, "UPDATE ledger_schema SET version = 'postgres-v1 (sqlite v1…v8)'")
        }
        let location = ledger.path
        // Read-only, an older ledger is refused (it is not migrated without write access).
        let readOnly = Result { () throws(PrivacyLedgerError) in try SQLiteLedger(path: location, access: .readOnly) }
        if case .success = readOnly { Issue.record("a read-only open of an older ledger should be refused") }
        ledger = try SQLiteLedger(path: location, clock: { clock.now })
        #expect(try ledger.history().map(\.bytesScanned) == [nil, nil, nil])
        _ = try ledger.verifyAudit()
        _ = try ledger.release(
            mean, overFile: file, options: FileScanOptions(), mechanism: .laplace, parameters: .pure(epsilon: 1),
            operator: "op-1", scenario: "transport", dataset: "trips")
        #expect(try ledger.history().last?.bytesScanned == size)
        _ = try ledger.verifyAudit()
    }

    @Test("the bytes parsed are checked against the registered digest before the charge: one read, no window",
          arguments: ledgerBackends)
    func digestCheckedWhileScanning(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try makeLedger(directory, clock: TestClock(), budget: .pure(epsilon: 5), backend: backend)
        let file = directory.file("cards.csv")
        // card_id looks like integers until the last rows: a small-block scan widens it and
        // starts again, and the digest must start again with it.
        var lines = ["fare,card_id"] + (0..<3_000).map { "\($0 % 40),\($0)" }
        lines.append("7,C-1")
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        try ledger.registerFile(file, columns: ["fare", "card_id"], actor: "steward")
        let name = SQLiteLedger.datasetName(forFile: file)
        try ledger.grant(
            operator: "op-2", scenario: "cards", budget: .pure(epsilon: 5), dataset: name, columns: ["fare", "card_id"],
            validDays: 30)
        var small = FileScanOptions()
        small.blockBytesForTesting = 4 << 10
        let queries = [
            DPQuery.count().grouped(by: "card_id", keys: .declared(["1", "2"])),  // widens: two passes
            DPQuery.sum(of: "fare", clampedTo: 0...40).boundingContributions(privacyUnit: "card_id", maxContributionsPerPartition: 2),  // whole load
        ]
        for query in queries {
            _ = try ledger.release(
                query, overFile: file, options: small, mechanism: .laplace, parameters: .pure(epsilon: 1),
                operator: "op-2", scenario: "cards", dataset: name, requiresDigest: true)
        }
        #expect(try ledger.history(operator: "op-2").count == 2)
        // A changed file is refused before any charge, and the refusal is on record.
        lines[1] = "39,0"
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let changed = Result { () throws(PrivacyLedgerError) in
            try ledger.release(
                queries[0], overFile: file, options: small, mechanism: .laplace, parameters: .pure(epsilon: 1),
                operator: "op-2", scenario: "cards", dataset: name, requiresDigest: true)
        }
        switch changed {
        case .failure(.datasetChanged): break
        case let .failure(error): Issue.record("unexpected \(error)")
        case .success: Issue.record("a changed file was released")
        }
        #expect(try ledger.history(operator: "op-2").count == 2)
        #expect(try ledger.refusals(operator: "op-2").last?.rule == "dataset-changed")
        // A dataset registered without a file digest: refused when the caller requires one.
        let unregistered = Result { () throws(PrivacyLedgerError) in
            try ledger.release(
                DPQuery.count(), overFile: file, options: small, mechanism: .laplace, parameters: .pure(epsilon: 1),
                operator: "op-1", scenario: "transport", dataset: "trips", requiresDigest: true)
        }
        switch unregistered {
        case .failure(.unknownDataset): break
        case let .failure(error): Issue.record("unexpected \(error)")
        case .success: Issue.record("released without a registered digest")
        }
    }
}
