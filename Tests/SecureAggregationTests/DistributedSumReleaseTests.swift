import Foundation
import PrivacyAccounting
import SecureAggregation
@_spi(Testing) import SecureRandom
import Testing

/// Issue 17: a distributed-noise secure sum states its privacy event (ρ-zCDP of the plan) and
/// leaves only through `DistributedDiscreteGaussian.Plan.release(_:through:description:)`,
/// which charges a budget store before it decodes.
@Suite("Distributed-noise secure sums are charged through the gate")
struct DistributedSumReleaseTests {
    static func configuration(parties: Int, dimension: Int) throws -> SecAggConfiguration {
        var session = [UInt8](repeating: 0, count: 16)
        session[0] = 29
        return try SecAggConfiguration(
            sessionID: session, partyIDs: (1...parties).map { PartyID($0) }, dimension: dimension,
            modulusBits: 32, threshold: parties / 2 + 1)
    }

    /// Five parties' real vectors (each element in [-1, 1], clipped to norm `clip`), encoded
    /// with the plan's noise and summed by SecAgg with one dropout.
    static func noisySession(
        plan: DistributedDiscreteGaussian.Plan, configuration: SecAggConfiguration
    ) throws -> (
        report: SecAggSimulation.Report, clippedSum: [Double]
    ) {
        var generator = SecureRandomGenerator(testSeed: 2026)
        var inputs: [PartyID: [UInt32]] = [:]
        var realInputs: [PartyID: [Double]] = [:]
        for id in configuration.partyIDs {
            let values = (0..<plan.dimension).map { _ in Double(generator.next() % 2_001) / 1_000 - 1 }
            realInputs[id] = values
            var partyGenerator = SecureRandomGenerator(testSeed: 7_000 + UInt64(id))
            inputs[id] = try plan.encode(values, using: &partyGenerator)
        }
        let report = try SecAggSimulation.run(
            configuration: configuration, inputs: inputs, dropouts: [PartyID(2): .maskedInputCollection])
        var clippedSum = [Double](repeating: 0, count: plan.dimension)
        for id in report.contributors {
            let values = realInputs[id]!
            let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let factor = norm > plan.quantiser.clippingBound ? plan.quantiser.clippingBound / norm : 1
            for i in values.indices { clippedSum[i] += values[i] * factor }
        }
        return (report, clippedSum)
    }

    @Test(
        "the release charges the plan's ρ once, decodes the noisy sum within its noise, and a second release over budget is refused"
    )
    func chargesThenDecodes() throws {
        let configuration = try Self.configuration(parties: 5, dimension: 64)
        let plan = try DistributedDiscreteGaussian.Plan(rho: 0.5, configuration: configuration, clippingBound: 4)
        #expect(plan.privacyEvent == .zCDP(rho: plan.rho))
        let (report, clippedSum) = try Self.noisySession(plan: plan, configuration: configuration)
        #expect(report.correct)

        let budget = try PrivacySession(budget: .zCDP(rho: 0.75), name: "departments")
        let released = try plan.release(report.aggregate, through: budget, description: "sum of 64 elements")
        #expect(budget.charges.count == 1)
        #expect(budget.charges.first?.stated == .zCDP(rho: plan.rho))
        #expect(budget.charges.first?.description == "sum of 64 elements")
        #expect(abs(budget.spent - plan.rho) <= 1e-12)
        #expect(released.rho == plan.rho && released.contributorsAccounted == plan.contributors)
        // Every element is within 8 standard deviations of the clipped sum (noise of the four
        // contributors plus the rounding of at most one step per party).
        let sigma = Double(report.contributors.count).squareRoot() * plan.localSigma / plan.quantiser.scale
        let rounding = Double(report.contributors.count) / plan.quantiser.scale
        for i in 0..<plan.dimension {
            #expect(abs(released.values[i] - clippedSum[i]) <= 8 * sigma + rounding, "element \(i)")
        }
        // The noise is really there: the RMS error is at least half the accounted σ.
        let rms = (zip(released.values, clippedSum).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 64).squareRoot()
        #expect(rms >= 0.5 * released.noiseScale, "RMS \(rms) against σ \(released.noiseScale)")

        #expect(throws: DifferentialPrivacyError.self) {
            _ = try plan.release(report.aggregate, through: budget, description: "the same sum again")
        }
        #expect(budget.charges.count == 1, "a refused release charged the budget")
    }

    @Test("a pure-ε budget and a wrong-length aggregate are refused before anything is charged")
    func refusals() throws {
        let configuration = try Self.configuration(parties: 5, dimension: 8)
        let plan = try DistributedDiscreteGaussian.Plan(rho: 0.1, configuration: configuration, clippingBound: 1)
        let pure = try PrivacySession(budget: .pure(epsilon: 100))
        do {
            _ = try plan.release([UInt32](repeating: 0, count: 8), through: pure, description: "sum")
            Issue.record("a pure-ε budget paid for ρ-zCDP")
        } catch {
            guard case .budgetTypeMismatch = error else { throw error }
        }
        #expect(pure.charges.isEmpty)

        let zcdp = try PrivacySession(budget: .zCDP(rho: 1))
        do {
            _ = try plan.release([UInt32](repeating: 0, count: 7), through: zcdp, description: "sum")
            Issue.record("a 7-element aggregate was released under an 8-element plan")
        } catch {
            guard case .invalidParameter(name: "aggregate", _, _) = error else { throw error }
        }
        #expect(zcdp.charges.isEmpty)
    }
}
