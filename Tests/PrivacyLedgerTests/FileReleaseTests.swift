import DifferentialPrivacy
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
}
