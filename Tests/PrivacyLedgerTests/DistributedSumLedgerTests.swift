import DifferentialPrivacy
import Foundation
@testable import PrivacyLedger
import SecureAggregation
@_spi(Testing) import SecureRandom
import Testing
import _TestSupport

/// Issue 17: a distributed-noise secure sum charges an authorisation in the durable ledger
/// through the same gate as a query: one ledger entry with the plan's ρ, the outcome's digest
/// and noise scale, and a refusal (nothing decoded) once the budget is spent.
@Suite("Distributed-noise secure sums charge the ledger")
struct DistributedSumLedgerTests {
    @Test(
        "the plan's release charges the authorisation durably, records its digest, and is refused when the ρ budget is spent"
    )
    func chargesTheLedger() throws {
        let directory = try TemporaryDirectory()
        let clock = TestClock()
        let ledger = try makeLedger(directory, clock: clock, budget: .zCDP(rho: 0.3))
        let plan = try DistributedDiscreteGaussian.Plan(
            rho: 0.2, parties: 4, honestContributors: 3, dimension: 16, modulusBits: 32, clippingBound: 10)
        var generator = SecureRandomGenerator(testSeed: 31)
        var aggregate = [UInt32](repeating: 0, count: 16)
        for _ in 0..<4 {
            let encoded = try plan.encode((0..<16).map { Double($0 % 3) }, using: &generator)
            for i in aggregate.indices { aggregate[i] &+= encoded[i] }
        }
        let budget = try ledger.budget(
            operator: "op-1", scenario: "transport", dataset: "trips", columns: ["fare"],
            purpose: "secure sum of fares by department")
        let released = try plan.release(aggregate, through: budget, description: "secure sum of fares")
        #expect(released.values.count == 16)

        let entries = try ledger.history(operator: "op-1", scenario: "transport")
        try #require(entries.count == 1)
        let entry = entries[0]
        #expect(entry.rho.map { abs($0 - plan.rho) <= 1e-12 } == true, "\(String(describing: entry.rho))")
        #expect(entry.resultDigest == (try SQLiteLedger.digest(of: released)))
        #expect(entry.noiseScale.map { abs($0 - released.noiseScale) <= 1e-12 } == true)
        #expect(try ledger.verifyAudit().entries > 0)

        do {
            _ = try plan.release(aggregate, through: budget, description: "the same sum again")
            Issue.record("a second ρ = \(plan.rho) fitted a budget of 0.3")
        } catch {
            guard case .budgetExhausted = error else { throw error }
        }
        #expect(try ledger.history(operator: "op-1", scenario: "transport").count == 1)
    }
}
