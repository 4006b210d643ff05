import DifferentialPrivacy
import Foundation
@testable import PrivacyLedger
import Tabular
import Testing
import _TestSupport

/// Issue 14, item 5: every refused request is on record — who asked, for what, which rule
/// refused, when — once, in the hash-chained audit log, and `refusals(…)` (`ledger history`)
/// shows them. The issue's reproduction: about 40 refused attempts left no audit entry.
@Suite("Issue 14: refusals are on record")
struct RefusalAuditTests {
    @Test(
        "each kind of refused release, fit, selection and export leaves exactly one audit entry naming its rule",
        arguments: ledgerBackends)
    func everyRefusalIsRecorded(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock()
        let ledger = try makeLedger(directory, clock: clock, backend: backend)
        let trips = try tripsTable(rows: 300)
        func release(
            _ query: DPQuery, epsilon: Double = 0.5, operator op: String = "op-1", dataset: String = "trips"
        )
            -> String?
        {
            do {
                _ = try ledger.release(
                    query, over: trips, mechanism: .laplace, parameters: .pure(epsilon: epsilon), operator: op,
                    scenario: "transport", dataset: dataset)
                return nil
            } catch { return error.rule }
        }
        var expected: [String] = []
        #expect(release(.count()) == nil)  // a release, not a refusal: no entry
        expected.append(release(.count(), operator: "op-unknown")!)
        expected.append(release(.count(of: "national_id"))!)
        expected.append(release(.count(), dataset: "other")!)
        expected.append(release(.count(), epsilon: -1)!)
        expected.append(release(.count(), epsilon: 0.6)!)  // 0.5 + 0.6 > 1
        // A fit's budget for an unlisted column, and a selection beyond the budget through a
        // budget handed out for a computation (its charge records its own refusal, once).
        do {
            _ = try ledger.budget(
                operator: "op-1", scenario: "transport", dataset: "trips", columns: ["national_id"],
                purpose: "model")
            Issue.record("a budget over a level-4 column was handed out")
        } catch { expected.append(error.rule) }
        let budget = try ledger.budget(
            operator: "op-1", scenario: "transport", dataset: "trips", columns: ["fare"], purpose: "selection")
        do {
            _ = try budget.select(scores: [1, 2, 3], epsilon: 0.9, sensitivity: 1, description: "best district")
            Issue.record("a selection beyond the budget was charged")
        } catch { expected.append(error.rule) }
        let districts = try trips.selecting(["district"])
        do {
            try ledger.export(
                districts, as: "export.csv",
                check: .microdata(quasiIdentifiers: ["district"], k: 2), operator: "op-1", scenario: "transport",
                dataset: "trips")
            Issue.record("an export with k below the minimum was written")
        } catch { expected.append(error.rule) }
        _ = try ledger.suspend(operator: "op-1", scenario: "transport", reason: "review")
        expected.append(release(.count(), epsilon: 0.01)!)
        do {
            try ledger.authorise(operator: "op-1", scenario: "transport", dataset: "trips", columns: ["fare"])
            Issue.record("a suspended authorisation authorised a read")
        } catch { expected.append(error.rule) }

        #expect(
            expected == [
                "no-authorisation", "level-4-column", "dataset-not-authorised", "release-refused",
                "budget-exhausted", "level-4-column", "budget-exhausted", "export-k-below-minimum", "suspended",
                "suspended",
            ])
        let recorded = try ledger.refusals()
        #expect(recorded.map(\.rule) == expected, "\(recorded.map(\.rule))")
        #expect(recorded.first?.operator == "op-unknown")
        #expect(recorded.dropFirst().allSatisfy { $0.operator == "op-1" && $0.scenario == "transport" })
        #expect(recorded.contains { $0.request == "count(*)" && $0.rule == "budget-exhausted" })
        #expect(recorded.contains { $0.request == "best district" && $0.rule == "budget-exhausted" })
        // Refused computations and exports keep only their rule (their messages could quote data).
        for record in recorded where record.rule.hasPrefix("release-") || record.rule.hasPrefix("export-") {
            #expect(record.message.isEmpty, "\(record)")
        }
        #expect(recorded.first { $0.rule == "suspended" }?.message.contains("suspended") == true)
        #expect(try ledger.refusals(operator: "op-unknown").count == 1)
        _ = try ledger.verifyAudit()
    }

    @Test(
        "refused governance actions are on record too: a second grant, an invalid transition, a bad classification, a young purge",
        arguments: ledgerBackends)
    func governanceRefusalsAreRecorded(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock()
        let ledger = try makeLedger(directory, clock: clock, backend: backend)
        let before = try ledger.refusals().count
        func rule(_ body: () throws -> Void) -> String? {
            do {
                try body()
                return nil
            } catch let error as PrivacyLedgerError { return error.rule } catch { return "\(error)" }
        }
        #expect(
            rule {
                try ledger.grant(
                    operator: "op-1", scenario: "transport", budget: .pure(epsilon: 1000), dataset: "trips",
                    actor: "rev-9")
            } == "already-authorised")
        #expect(
            rule { try ledger.resume(operator: "op-1", scenario: "transport", reason: "why not", actor: "rev-9") }
                == "invalid-transition")
        #expect(
            rule { try ledger.classify(dataset: "trips", column: "no_such_column", level: .open, actor: "stew-9") }
                == "unknown-column")
        #expect(
            rule { try ledger.setRole(dataset: "nowhere", column: "x", role: .identifier, actor: "stew-9") }
                == "unknown-dataset")
        #expect(rule { _ = try ledger.purgeAudit(before: clock.now, actor: "admin-9") } == "purge-too-young")
        let recorded = Array(try ledger.refusals().dropFirst(before))
        #expect(
            recorded.map(\.rule) == [
                "already-authorised", "invalid-transition", "unknown-column", "unknown-dataset", "purge-too-young",
            ], "\(recorded)")
        #expect(recorded.map(\.operator) == ["rev-9", "rev-9", "stew-9", "stew-9", "admin-9"])
        #expect(recorded[0].request.hasPrefix("grant op-1/transport") && recorded[0].scenario == "transport")
        #expect(recorded[1].request == "resume op-1/transport")
        #expect(recorded[2].dataset == "trips" && recorded[2].request == "classify no_such_column level 1")
        _ = try ledger.verifyAudit()
    }

    @Test(
        "a NUL in a name is refused alike on both engines; a refusal quoting one is on record; the chain verifies",
        arguments: ledgerBackends)
    func nulInRefusedRequest(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = try makeLedger(directory, clock: TestClock(), backend: backend)
        let before = try ledger.refusals().count
        // A NUL in a name is refused alike on both engines (PostgreSQL's text cannot hold one).
        #expect {
            try ledger.release(
                .count(), over: try tripsTable(rows: 50), mechanism: .laplace, parameters: .pure(epsilon: 0.1),
                operator: "op-1", scenario: "trans\u{0}port", dataset: "trips")
        } throws: { ($0 as? PrivacyLedgerError)?.rule == "invalid-parameter" }
        #expect(try ledger.history().isEmpty)
        // Both refusals quoting one — that one, and a service request's path — are recorded:
        // audit details are JSON.
        ledger.recordRefusal(
            .unauthenticated(actor: "op-1", reason: "test"), operator: "op-1", scenario: "transport", dataset: "trips",
            request: "GET /v1/x\u{0}y")
        let recorded = Array(try ledger.refusals().dropFirst(before))
        #expect(recorded.map(\.rule) == ["invalid-parameter", "unauthenticated"], "\(recorded)")
        #expect(recorded.first?.scenario == "trans\u{0}port" && recorded.last?.request == "GET /v1/x\u{0}y")
        _ = try ledger.verifyAudit()
        #expect(try ledger.stateDisagreements().isEmpty)
    }
}

@Suite("Ledger: a location holds a ledger or not, on both engines")
struct LedgerExistenceTests {
    @Test("an empty location holds no ledger until a read-write open creates one", arguments: ledgerBackends)
    func existence(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let location = try newLedgerLocation(backend, directory)
        #expect(try !SQLiteLedger.exists(at: location))
        _ = try SQLiteLedger(path: location)
        #expect(try SQLiteLedger.exists(at: location))
    }
}
