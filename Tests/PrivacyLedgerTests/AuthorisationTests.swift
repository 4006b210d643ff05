import DifferentialPrivacy
import Foundation
import _TestSupport
@testable import PrivacyLedger
import Tabular
import Testing

@Suite("Ledger: authorisations and the release gate")
struct AuthorisationTests {
    @Test(
        "a release is charged durably, recorded with its digest and metering, and reopening keeps the spend",
        arguments: ledgerBackends)
    func durableCharge(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock()
        let ledger = try makeLedger(directory, clock: clock, backend: backend)
        let table = try tripsTable()
        let result = try ledger.release(
            DPQuery.mean(of: "fare", clampedTo: 0...50), over: table, mechanism: .laplace,
            parameters: NoiseParameters.pure(epsilon: 0.25), operator: "op-1", scenario: "transport", dataset: "trips")
        #expect(abs(result.release.value! - 25) < 5)
        let history = try ledger.history()
        #expect(history.count == 1)
        let entry = history[0]
        #expect(entry.id == result.entryID && entry.resultDigest == result.resultDigest)
        #expect(entry.resultDigest == (try SQLiteLedger.digest(of: result.release)))
        #expect(entry.epsilon == 0.25 && entry.delta == nil && entry.rowsScanned == 2_000)
        #expect((entry.cpuSeconds ?? -1) >= 0 && (entry.bytesExported ?? 0) > 0 && entry.noiseScale != nil)
        #expect(entry.query == "mean(fare)")
        // A second process (here: a second connection) sees the spend.
        let reopened = try SQLiteLedger(path: ledger.path, clock: { clock.now })
        let authorisation = try #require(try reopened.authorisation(operator: "op-1", scenario: "transport"))
        #expect(abs(authorisation.spent - 0.25) < 1e-12)
        #expect(abs(authorisation.remaining - 0.75) < 1e-12)
        let cost = try reopened.costs(of: authorisation.id)
        #expect(
            cost.releases == 1 && cost.exports == 0 && cost.rowsScanned == 2_000
                && cost.bytesExported == entry.bytesExported!)
    }

    @Test(
        "the budget is durable across sessions and a release beyond it is refused with budget-exhausted",
        arguments: ledgerBackends)
    func budgetExhausted(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock()
        let ledger = try makeLedger(directory, clock: clock, budget: .pure(epsilon: 1), backend: backend)
        let table = try tripsTable(rows: 200)
        for _ in 0..<4 {
            _ = try ledger.release(
                DPQuery.count(), over: table, mechanism: .discreteLaplace,
                parameters: NoiseParameters.pure(epsilon: 0.25),
                operator: "op-1", scenario: "transport", dataset: "trips")
        }
        #expect {
            try ledger.release(
                DPQuery.count(), over: table, mechanism: .discreteLaplace,
                parameters: NoiseParameters.pure(epsilon: 0.01),
                operator: "op-1", scenario: "transport", dataset: "trips")
        } throws: { error in
            guard let error = error as? PrivacyLedgerError, case .budgetExhausted = error else { return false }
            return error.rule == "budget-exhausted"
        }
        // A single request above the whole budget is refused the same way.
        let other = try SQLiteLedger(path: ledger.path, clock: { clock.now })
        #expect(throws: PrivacyLedgerError.self) {
            try other.release(
                DPQuery.count(), over: table, mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 2),
                operator: "op-1", scenario: "transport", dataset: "trips")
        }
        #expect(try ledger.history().count == 4)
        #expect(try ledger.authorisation(operator: "op-1", scenario: "transport")!.remaining < 1e-9)
    }

    @Test("zCDP authorisations compose ρ durably", arguments: ledgerBackends)
    func zcdp(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock()
        let ledger = try makeLedger(directory, clock: clock, budget: .zCDP(rho: 0.1), backend: backend)
        let table = try tripsTable(rows: 300)
        _ = try ledger.release(
            DPQuery.count(), over: table, mechanism: .discreteGaussian, parameters: NoiseParameters.zCDP(rho: 0.06),
            operator: "op-1", scenario: "transport", dataset: "trips")
        #expect(throws: PrivacyLedgerError.self) {
            try ledger.release(
                DPQuery.count(), over: table, mechanism: .discreteGaussian, parameters: NoiseParameters.zCDP(rho: 0.05),
                operator: "op-1", scenario: "transport", dataset: "trips")
        }
        // zCDP accounting composes the noise actually added: σ is rounded up, so ρ spent ≤ 0.06.
        let spent = try ledger.authorisation(operator: "op-1", scenario: "transport")!.spent
        #expect(spent <= 0.06 && spent > 0.0599)
    }

    /// Expects `body` to throw a `PrivacyLedgerError` with `rule`, and nothing to be charged.
    func expectRefusal(_ rule: String, _ ledger: SQLiteLedger, _ body: () throws -> Void) throws {
        let before = try ledger.history().count
        #expect { try body() } throws: { error in (error as? PrivacyLedgerError)?.rule == rule }
        #expect(try ledger.history().count == before)
    }

    @Test(
        "suspended, terminated, expired and not-yet-valid authorisations are refused with the rule's error",
        arguments: ledgerBackends)
    func lifeCycle(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock()
        let ledger = try makeLedger(directory, clock: clock, backend: backend)
        let table = try tripsTable(rows: 100)
        func release() throws {
            _ = try ledger.release(
                DPQuery.count(), over: table, mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 0.01),
                operator: "op-1", scenario: "transport", dataset: "trips")
        }
        try release()
        try ledger.suspend(operator: "op-1", scenario: "transport", reason: "clause 7 breached")
        try expectRefusal("suspended", ledger, release)
        #expect(throws: PrivacyLedgerError.self) {
            try ledger.suspend(operator: "op-1", scenario: "transport", reason: "again")
        }
        try ledger.resume(operator: "op-1", scenario: "transport", reason: "corrected")
        try release()
        // Validity: 365 days from the grant.
        clock.advance(days: 366)
        try expectRefusal("expired", ledger, release)
        clock.advance(days: -366)
        try ledger.terminate(operator: "op-1", scenario: "transport", reason: "not corrected")
        try expectRefusal("terminated", ledger, release)
        #expect(throws: PrivacyLedgerError.self) {
            try ledger.resume(operator: "op-1", scenario: "transport", reason: "too late")
        }
        let id = try ledger.authorisation(operator: "op-1", scenario: "transport")!.id
        #expect(try ledger.statusHistory(of: id).map(\.status) == [.active, .suspended, .active, .terminated])
        // A grant that starts in the future.
        try ledger.grant(
            operator: "op-2", scenario: "transport", budget: .pure(epsilon: 1), dataset: "trips", columns: ["fare"],
            validFrom: clock.now.addingTimeInterval(86_400 * 10), validDays: 30)
        try expectRefusal("not-yet-valid", ledger) {
            _ = try ledger.release(
                DPQuery.count(), over: table, mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 0.01),
                operator: "op-2", scenario: "transport", dataset: "trips")
        }
        try expectRefusal("no-authorisation", ledger) {
            _ = try ledger.release(
                DPQuery.count(), over: table, mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 0.01),
                operator: "op-3", scenario: "transport", dataset: "trips")
        }
    }

    @Test("columns outside the list, level-4 columns and other datasets are refused", arguments: ledgerBackends)
    func columnsAndLevels(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock()
        let ledger = try makeLedger(directory, clock: clock, columns: ["fare"], backend: backend)
        let table = try tripsTable(rows: 100)
        try expectRefusal("column-not-authorised", ledger) {
            _ = try ledger.release(
                DPQuery.mean(of: "fare", clampedTo: 0...50).grouped(by: "district", keys: .declared(["Xihu"])),
                over: table, mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 0.1),
                operator: "op-1", scenario: "transport", dataset: "trips")
        }
        try expectRefusal("level-4-column", ledger) {
            _ = try ledger.release(
                DPQuery.count(of: "national_id"), over: table, mechanism: .laplace,
                parameters: NoiseParameters.pure(epsilon: 0.1),
                operator: "op-1", scenario: "transport", dataset: "trips")
        }
        try expectRefusal("dataset-not-authorised", ledger) {
            _ = try ledger.release(
                DPQuery.count(), over: table, mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 0.1),
                operator: "op-1", scenario: "transport", dataset: "health")
        }
        // A level-4 column can never be granted; a column reclassified to 4 after the grant is refused.
        #expect {
            try ledger.grant(
                operator: "op-9", scenario: "x", budget: .pure(epsilon: 1), dataset: "trips", columns: ["national_id"])
        } throws: { ($0 as? PrivacyLedgerError)?.rule == "level-4-column" }
        try ledger.classify(dataset: "trips", column: "fare", level: .restricted)
        try expectRefusal("level-4-column", ledger) {
            _ = try ledger.release(
                DPQuery.sum(of: "fare", clampedTo: 0...50), over: table, mechanism: .laplace,
                parameters: NoiseParameters.pure(epsilon: 0.1),
                operator: "op-1", scenario: "transport", dataset: "trips")
        }
        // Without a list, every column below level 4 is granted.
        let all = try ledger.grant(operator: "op-4", scenario: "s", budget: .pure(epsilon: 1), dataset: "trips")
        #expect(all.columns.map(\.column) == ["card", "district"])
    }

    @Test(
        "grants: one live authorisation per operator and scenario, term ≤ 2 years, trial ≤ 6 months",
        arguments: ledgerBackends)
    func grantRules(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock()
        let ledger = try makeLedger(directory, clock: clock, backend: backend)
        #expect {
            try ledger.grant(operator: "op-1", scenario: "transport", budget: .pure(epsilon: 1), dataset: "trips")
        } throws: { ($0 as? PrivacyLedgerError)?.rule == "already-authorised" }
        #expect {
            try ledger.grant(
                operator: "op-5", scenario: "t", budget: .pure(epsilon: 1), dataset: "trips", validDays: 800)
        } throws: { ($0 as? PrivacyLedgerError)?.rule == "invalid-parameter" }
        #expect {
            try ledger.grant(
                operator: "op-5", scenario: "t", budget: .pure(epsilon: 1), dataset: "trips", trialDays: 200)
        } throws: { ($0 as? PrivacyLedgerError)?.rule == "invalid-parameter" }
        #expect {
            try ledger.grant(
                operator: "op-5", scenario: "t", budget: .pure(epsilon: 1), dataset: "trips", columns: ["nope"])
        } throws: { ($0 as? PrivacyLedgerError)?.rule == "unknown-column" }
        #expect {
            try ledger.grant(operator: "op-5", scenario: "t", budget: .pure(epsilon: -1), dataset: "trips")
        } throws: { $0 is PrivacyLedgerError }
        let granted = try ledger.grant(
            operator: "op-5", scenario: "t", budget: .approximate(epsilon: 1, delta: 1e-6), dataset: "trips",
            trialDays: 180, validDays: 730)
        #expect(granted.accounting == .advanced)
        #expect(granted.validTo.timeIntervalSince(granted.trialUntil) == 730 * 86_400)
        // After termination, the same operator may be granted the scenario again (a new review).
        try ledger.terminate(operator: "op-5", scenario: "t", reason: "end")
        let again = try ledger.grant(operator: "op-5", scenario: "t", budget: .pure(epsilon: 1), dataset: "trips")
        #expect(again.id != granted.id && again.status == .active && again.spent == 0)
    }
}
