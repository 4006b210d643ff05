import Foundation
import Testing
@testable import DifferentialPrivacy
@_spi(Testing) import SecureRandom
import Tabular

/// A budget store that refuses every charge with its own typed error and counts what the
/// gate asked of it, to prove nothing is sampled or returned without a recorded charge.
final class RefusingStore: BudgetStore, @unchecked Sendable {
    enum Refusal: Error, Equatable { case refusedByStore, request(DifferentialPrivacyError) }
    private let lock = NSLock()
    private var requests = 0, outcomes = 0
    var counts: (requests: Int, outcomes: Int) { lock.withLock { (requests, outcomes) } }
    static func refusal(_ error: DifferentialPrivacyError) -> Refusal { .request(error) }
    func charge(_ request: ChargeRequest) throws(Refusal) -> PrivacyCharge {
        lock.withLock { requests += 1 }
        throw .refusedByStore
    }
    func recordOutcome(_ outcome: ReleaseOutcome) throws(Refusal) {
        lock.withLock { outcomes += 1 }
    }
}

@Suite("The release gate")
struct ReleaseGateTests {
    @Test("a release is charged before it is returned, and the ledger holds the charge")
    func chargesFirst() throws {
        let table = try sampleTable(rows: 10_000)
        let session = try PrivacySession(budget: .pure(epsilon: 1))
        let partial = try DPQuery.count().partial(over: table)
        let release = try session.release(partial, mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 0.4))
        #expect(session.charges.count == 1)
        #expect(session.charges[0].stated == .pureEpsilon(0.4))
        #expect(abs(session.spent - 0.4) < 1e-12)
        #expect(release.epsilon == 0.4 && release.delta == nil && release.mechanism == "laplace")
        #expect(abs(release.value! - 10_000) < 200)
        // Noise scale: b = 1/ε, rounded up by at most 2^-31 relative.
        #expect(release.noiseScale! >= 2.5 && release.noiseScale! < 2.5 * (1 + 1e-9))
        #expect(abs(release.rows[0].ci95![1] - release.value! - 2.5 * log(20)) < 2.5 * 0.01 + 1e-6)
    }

    @Test("a release that would exceed the budget is refused and nothing is charged")
    func budgetExceeded() throws {
        let table = try sampleTable(rows: 1_000)
        let session = try PrivacySession(budget: .pure(epsilon: 1))
        let partial = try DPQuery.count().partial(over: table)
        _ = try session.release(partial, mechanism: .discreteLaplace, parameters: NoiseParameters.pure(epsilon: 0.7))
        #expect(throws: DifferentialPrivacyError.self) {
            try session.release(partial, mechanism: .discreteLaplace, parameters: NoiseParameters.pure(epsilon: 0.31))
        }
        #expect(session.charges.count == 1)
        #expect(abs(session.spent - 0.7) < 1e-12)
        // Exactly the rest still fits (0.1 + 0.2 style rounding is absorbed).
        _ = try session.release(partial, mechanism: .discreteLaplace, parameters: NoiseParameters.pure(epsilon: 0.1))
        _ = try session.release(partial, mechanism: .discreteLaplace, parameters: NoiseParameters.pure(epsilon: 0.2))
        #expect(session.charges.count == 3)
    }

    @Test("a store's refusal reaches the caller as the store's own typed error; nothing is sampled or recorded")
    func storeRefusal() throws {
        let store = RefusingStore()
        let partial = try DPQuery.count().partial(over: try sampleTable(rows: 100))
        #expect(throws: RefusingStore.Refusal.refusedByStore) {
            try store.release(partial, mechanism: .laplace, parameters: .pure(epsilon: 0.5))
        }
        #expect(throws: RefusingStore.Refusal.refusedByStore) {
            try store.select(scores: [1, 2, 3], epsilon: 0.5, sensitivity: 1, description: "pick")
        }
        // A bad request is refused before the store is asked, as the store's error type.
        #expect(
            throws: RefusingStore.Refusal.request(
                .invalidParameter(name: "epsilon", value: "0.0", reason: "ε must be finite and > 0"))
        ) {
            try store.release(partial, mechanism: .laplace, parameters: .pure(epsilon: 0))
        }
        #expect(store.counts.requests == 2 && store.counts.outcomes == 0)
    }

    @Test(
        "bad parameters are refused before any charge",
        arguments: [
            NoiseParameters.pure(epsilon: 0), NoiseParameters.pure(epsilon: -1), NoiseParameters.pure(epsilon: .nan),
            NoiseParameters.pure(epsilon: .infinity), NoiseParameters.approximate(epsilon: 1, delta: 1),
            NoiseParameters.approximate(epsilon: 1, delta: 0),
            NoiseParameters.approximate(epsilon: 1, delta: -0.1),
        ])
    func badParameters(parameters: NoiseParameters) throws {
        let session = try PrivacySession(budget: .approximate(epsilon: 10, delta: 1e-3))
        let partial = try DPQuery.count().partial(over: try sampleTable(rows: 100))
        for mechanism in NoiseMechanism.allCases {
            #expect(throws: DifferentialPrivacyError.self) {
                try session.release(partial, mechanism: mechanism, parameters: parameters)
            }
        }
        #expect(session.charges.isEmpty)
    }

    @Test("bad budgets are refused")
    func badBudgets() {
        #expect(throws: DifferentialPrivacyError.self) { try PrivacySession(budget: .pure(epsilon: 0)) }
        #expect(throws: DifferentialPrivacyError.self) {
            try PrivacySession(budget: .approximate(epsilon: 1, delta: 2))
        }
        #expect(throws: DifferentialPrivacyError.self) { try PrivacySession(budget: .zCDP(rho: -1)) }
        #expect(throws: DifferentialPrivacyError.self) { try PrivacySession(budget: .zCDP(rho: 1), accounting: .pld) }
    }

    @Test("zCDP session: discrete Gaussian charges ρ; Laplace charges ε²/2")
    func zcdpSession() throws {
        let session = try PrivacySession(budget: .zCDP(rho: 0.5))
        let partial = try DPQuery.sum(of: "fare", clampedTo: 0...50).partial(over: try sampleTable(rows: 1_000))
        let release = try session.release(
            partial, mechanism: .discreteGaussian, parameters: NoiseParameters.zCDP(rho: 0.2))
        #expect(release.rho == 0.2)
        #expect(abs(session.spent - 0.2) < 0.2 * 1e-6)
        _ = try session.release(partial, mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 0.5))
        #expect(abs(session.spent - 0.325) < 1e-6)
        #expect(throws: DifferentialPrivacyError.self) {
            try session.release(partial, mechanism: .discreteGaussian, parameters: NoiseParameters.zCDP(rho: 0.2))
        }
    }

    @Test("PLD and RDP sessions compose Gaussian releases tighter than advanced composition")
    func tightAccounting() throws {
        let partial = try DPQuery.count().partial(over: try sampleTable(rows: 1_000))
        var accepted: [AccountingMethod: Int] = [:]
        for method in [AccountingMethod.advanced, .rdp, .pld] {
            let session = try PrivacySession(budget: .approximate(epsilon: 2, delta: 1e-5), accounting: method)
            var count = 0
            while count < 200,
                (try? session.release(
                    partial, mechanism: .gaussian, parameters: NoiseParameters.approximate(epsilon: 0.3, delta: 1e-7)))
                    != nil
            {
                count += 1
            }
            accepted[method] = count
        }
        #expect(accepted[.pld]! >= accepted[.rdp]!)
        #expect(accepted[.rdp]! > accepted[.advanced]!, "\(accepted)")
    }

    @Test("partition selection drops rare keys and needs δ and a Laplace-family mechanism")
    func partitionSelection() throws {
        var districts = [String](repeating: "Xihu", count: 5_000) + [String](repeating: "Binjiang", count: 3_000)
        districts += ["rare-1", "rare-2", "rare-3"]
        let table = try Table(columns: [Column("district", strings: districts)])
        let partial = try DPQuery.histogram(of: "district", keys: .selected).partial(over: table)
        let session = try PrivacySession(budget: .approximate(epsilon: 10, delta: 1e-3))
        var generator = SecureRandomGenerator(testSeed: 5)
        let release = try session.gatedRelease(
            partial, mechanism: .discreteLaplace, parameters: NoiseParameters.approximate(epsilon: 1, delta: 1e-6),
            generator: &generator
        ).release
        #expect(release.rows.map(\.key) == ["Binjiang", "Xihu"])
        #expect(release.selectionThreshold! > 10)
        #expect(throws: DifferentialPrivacyError.self) {
            try session.release(
                partial, mechanism: .gaussian, parameters: NoiseParameters.approximate(epsilon: 1, delta: 1e-6))
        }
        #expect(throws: DifferentialPrivacyError.self) {
            try session.release(partial, mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 1))
        }
    }

    @Test("declared keys are all released, in order, including absent ones")
    func declaredKeys() throws {
        let table = try sampleTable(rows: 20_000)
        let query = DPQuery.mean(of: "fare", clampedTo: 0...50).grouped(
            by: "district", keys: .declared(["Xihu", "Nowhere", "Gongshu"]))
        let session = try PrivacySession(budget: .pure(epsilon: 1))
        let release = try session.release(
            try query.partial(over: table), mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 1))
        #expect(release.rows.map(\.key) == ["Xihu", "Nowhere", "Gongshu"])
        for row in release.rows { #expect(row.value >= 0 && row.value <= 50) }
        #expect(abs(release.rows[0].value - 35) < 3)  // 5% clamped to 0, 45% to 50, 50% uniform on [0, 50]
    }

    @Test("DP median of 10^6 values: error ≤ 5·10⁻⁴ of the range at ε = 1")
    func medianAccuracy() throws {
        var state: UInt64 = 3
        let values = (0..<1_000_000).map { _ -> Double in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / 0x1p53 * 80 + 10  // uniform on [10, 90)
        }
        let table = try Table(columns: [Column("x", float64: values)])
        let exact = values.sorted()[500_000]
        let session = try PrivacySession(budget: .pure(epsilon: 100))
        let partial = try DPQuery.quantiles(of: "x", levels: [0.5], clampedTo: 0...100).partial(over: table)
        var generator = SecureRandomGenerator(testSeed: 77)
        for _ in 0..<20 {
            let release = try session.gatedRelease(
                partial, mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 1), generator: &generator
            ).release
            #expect(abs(release.value! - exact) <= 5e-4 * 100, "median \(release.value!) vs \(exact)")
            #expect(release.mechanism == "exponential")
        }
    }
}

@Suite("Selection and sparse vector through the gate")
struct SelectionGateTests {
    @Test("select charges pure ε before choosing, and refuses beyond the budget")
    func select() throws {
        let session = try PrivacySession(budget: .pure(epsilon: 1))
        let index = try session.select(
            scores: [0, -1000, -2000], epsilon: 0.6, sensitivity: 1, description: "best district")
        #expect(index == 0)  // the others are accepted with probability below e^-300
        #expect(session.charges.map(\.stated) == [.pureEpsilon(0.6)])
        #expect(throws: DifferentialPrivacyError.self) {
            try session.select(scores: [1, 2], epsilon: 0.5, sensitivity: 1, description: "again")
        }
        #expect(throws: DifferentialPrivacyError.self) {
            try session.select(scores: [], epsilon: 0.1, sensitivity: 1, description: "empty")
        }
        #expect(session.charges.count == 1)
    }

    @Test("aboveThreshold charges its ε once for the whole run")
    func aboveThreshold() throws {
        let session = try PrivacySession(budget: .pure(epsilon: 1))
        var generator = SecureRandomGenerator(testSeed: 3)
        var svt = try session.aboveThreshold(
            threshold: 500, epsilon: 1, sensitivity: 1, description: "first busy day", using: &generator)
        var asked = 0
        while try !svt.isAboveThreshold(asked < 3 ? 0 : 10_000, using: &generator) { asked += 1 }
        #expect(asked == 3)
        #expect(session.charges.count == 1)
        #expect(throws: DifferentialPrivacyError.self) {
            _ = try session.aboveThreshold(
                threshold: 1, epsilon: 0.1, sensitivity: 1, description: "over budget", using: &generator)
        }
        #expect(throws: DifferentialPrivacyError.self) {
            _ = try session.aboveThreshold(
                threshold: 1, epsilon: 0, sensitivity: 1, description: "bad ε", using: &generator)
        }
    }
}
