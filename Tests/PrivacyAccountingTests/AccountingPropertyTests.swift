import Foundation
import Testing
@testable import PrivacyAccounting

/// Events every accountant of the module accepts.
private let pureEvents: [PrivacyEvent] = [
    .laplace(noiseMultiplier: 2), .pureEpsilon(0.3), .discreteLaplace(noiseMultiplier: 4),
]

@Suite struct AccountingPropertyTests {
    // MARK: Pure

    @Test func pureAccountantSumsEpsilonAndDelta() throws {
        var accountant = PureAccountant()
        #expect(try accountant.epsilon(delta: 0) == 0)
        try accountant.compose(.composed(pureEvents))
        #expect(abs(accountant.spentEpsilon - (0.5 + 0.3 + 0.25)) < 1e-15)
        #expect(try accountant.epsilon(delta: 0) == accountant.spentEpsilon)
        try accountant.compose(.repeated(.approximate(epsilon: 0.1, delta: 1e-6), count: 3))
        #expect(abs(accountant.spentDelta - 3e-6) < 1e-18)
        #expect(try accountant.epsilon(delta: 1e-6) == .infinity)
        #expect(abs(try accountant.epsilon(delta: 3e-6) - 1.35) < 1e-12)
        #expect(try accountant.delta(epsilon: 1.0) == 1)
        #expect(try accountant.delta(epsilon: 2.0) == accountant.spentDelta)
    }

    @Test func pureAccountantRefusesGaussianEventsAndStaysUnchanged() throws {
        var accountant = PureAccountant()
        try accountant.compose(.pureEpsilon(1))
        let before = accountant
        #expect(
            throws: DifferentialPrivacyError.unsupportedEvent(
                accountant: accountant.name, event: PrivacyEvent.gaussian(noiseMultiplier: 1).description)
        ) {
            try accountant.compose(.composed([.pureEpsilon(1), .gaussian(noiseMultiplier: 1)]))
        }
        #expect(accountant == before)
        #expect(throws: DifferentialPrivacyError.self) { try accountant.compose(.zCDP(rho: 0.1)) }
        #expect(throws: DifferentialPrivacyError.self) { try accountant.compose(.discreteGaussian(noiseMultiplier: 1)) }
        #expect(accountant == before)
    }

    // MARK: Approximate (advanced composition)

    @Test func advancedCompositionBeatsBasicForManySmallEvents() throws {
        var accountant = ApproximateAccountant()
        let k = 1000, epsilon = 0.01, delta = 1e-6
        try accountant.compose(.repeated(.pureEpsilon(epsilon), count: k))
        let advanced = try accountant.epsilon(delta: delta)
        // Dwork–Rothblum–Vadhan 2010 (Dwork & Roth Thm 3.20) is an upper bound on KOV's.
        let drv = (2 * Double(k) * log(1 / delta)).squareRoot() * epsilon + Double(k) * epsilon * expm1(epsilon)
        #expect(advanced <= drv)
        // KOV Theorem 3.5 computed by hand (δ̃ = δ since every event is pure).
        let s = Double(k) * epsilon * epsilon, mean = Double(k) * epsilon * tanh(epsilon / 2)
        let kov = min(
            mean + (2 * s * log(M_E + s.squareRoot() / delta)).squareRoot(),
            mean + (2 * s * log(1 / delta)).squareRoot())
        #expect(abs(advanced - kov) < 1e-12)
        #expect(advanced < 0.2 * Double(k) * epsilon)
        // δ = 0: basic composition.
        #expect(abs(try accountant.epsilon(delta: 0) - Double(k) * epsilon) < 1e-9)
        // Round trip: δ(ε(δ)) ≤ δ.
        let back = try accountant.delta(epsilon: advanced)
        #expect(back <= delta * (1 + 1e-9))
        #expect(back >= delta * 0.999)
    }

    @Test func advancedCompositionReportsBasicWhenBetter() throws {
        var accountant = ApproximateAccountant()
        try accountant.compose(.repeated(.approximate(epsilon: 1, delta: 1e-7), count: 2))
        let basic = 2.0
        #expect(try accountant.epsilon(delta: 1e-5) == basic)
        // Below 1 − (1 − 1e-7)², nothing can be said.
        #expect(try accountant.epsilon(delta: 1e-7) == .infinity)
        #expect(close(try accountant.delta(epsilon: 2), 2e-7 - 1e-14, relative: 1e-9))
    }

    @Test func approximateAccountantChargesGaussianOnItsExactCurve() throws {
        var accountant = try ApproximateAccountant(gaussianEventDelta: 1e-6)
        try accountant.compose(.gaussian(noiseMultiplier: 3))
        let epsilon = try GaussianCalibration.epsilon(forNoiseMultiplier: 3, delta: 1e-6)
        #expect(accountant.sumEpsilon == epsilon)
        #expect(try accountant.epsilon(delta: 1e-6) == epsilon)
        let exactDelta = try GaussianCalibration.delta(forSigma: 3, epsilon: epsilon, l2Sensitivity: 1)
        #expect(exactDelta <= 1e-6 && exactDelta > 0.999e-6)
        #expect(throws: DifferentialPrivacyError.self) { try ApproximateAccountant(gaussianEventDelta: 0) }
    }

    // MARK: zCDP

    @Test func zcdpRhoOfEachEvent() throws {
        var accountant = ZCDPAccountant()
        try accountant.compose(.gaussian(noiseMultiplier: 2))
        #expect(accountant.rho == 1.0 / 8)
        try accountant.compose(.discreteGaussian(noiseMultiplier: 1))
        #expect(accountant.rho == 1.0 / 8 + 0.5)
        try accountant.compose(.pureEpsilon(0.2))
        #expect(abs(accountant.rho - (0.625 + 0.02)) < 1e-15)
        let before = accountant
        #expect(throws: DifferentialPrivacyError.self) { try accountant.compose(.approximate(epsilon: 1, delta: 1e-5)) }
        #expect(accountant == before)
    }

    /// Pure ε composed k times: zCDP (ρ = kε²/2) is within Bun–Steinke's bound, and below basic
    /// composition for large k; for one event the pure accountant is tighter.
    @Test func pureAndZCDPAccountantsAreConsistent() throws {
        for (epsilon, k) in [(0.1, 100), (0.5, 20), (1.0, 1)] {
            var pure = PureAccountant(), zcdp = ZCDPAccountant()
            try pure.compose(.repeated(.pureEpsilon(epsilon), count: k))
            try zcdp.compose(.repeated(.pureEpsilon(epsilon), count: k))
            #expect(abs(zcdp.rho - Double(k) * epsilon * epsilon / 2) < 1e-12)
            let delta = 1e-6
            let converted = try zcdp.epsilon(delta: delta)
            let classic = zcdp.rho + 2 * (zcdp.rho * log(1 / delta)).squareRoot()
            #expect(converted <= classic)
            #expect(converted >= zcdp.rho)  // ε ≥ ρ for every conversion (the loss has mean ρ)
            if epsilon <= 0.1 {
                let basic = try pure.epsilon(delta: 0)
                #expect(converted < basic)
            }
        }
    }

    @Test func zcdpConversionRoundTrips() throws {
        var accountant = ZCDPAccountant()
        try accountant.compose(.zCDP(rho: 0.3))
        for delta in [1e-3, 1e-6, 1e-10] {
            let epsilon = try accountant.epsilon(delta: delta)
            let back = try accountant.delta(epsilon: epsilon)
            #expect(back <= delta * (1 + 1e-6))
            #expect(back >= delta * 0.99)
        }
    }

    // MARK: RDP

    @Test func rdpOfLaplaceMatchesMironovProposition6() throws {
        // (1/(α−1))·ln(α/(2α−1)·e^{(α−1)ε} + (α−1)/(2α−1)·e^{−αε}) in the textbook form.
        for (epsilon, alpha) in [(1.0, 2.0), (0.5, 10.0), (2.0, 1.5), (0.1, 64.0)] {
            let textbook =
                log(
                    alpha / (2 * alpha - 1) * exp((alpha - 1) * epsilon)
                        + (alpha - 1) / (2 * alpha - 1) * exp(-alpha * epsilon)) / (alpha - 1)
            #expect(abs(RDPAccountant.laplaceRDP(epsilon: epsilon, alpha: alpha) - textbook) < 1e-12)
            // Randomised response dominates; both are ≤ min(ε, αε²/2).
            let rr = RDPAccountant.randomizedResponseRDP(epsilon: epsilon, alpha: alpha)
            #expect(rr >= textbook - 1e-12)
            #expect(rr <= min(epsilon, alpha * epsilon * epsilon / 2) + 1e-12)
        }
    }

    @Test func rdpRejectsBadOrdersAndUnsupportedEvents() throws {
        #expect(throws: DifferentialPrivacyError.self) { try RDPAccountant(orders: []) }
        #expect(throws: DifferentialPrivacyError.self) { try RDPAccountant(orders: [2, 1]) }
        #expect(throws: DifferentialPrivacyError.self) { try RDPAccountant(orders: [.infinity]) }
        var accountant = RDPAccountant()
        try accountant.compose(.gaussian(noiseMultiplier: 1))
        let before = accountant
        #expect(throws: DifferentialPrivacyError.self) {
            try accountant.compose(.composed([.gaussian(noiseMultiplier: 1), .approximate(epsilon: 1, delta: 1e-6)]))
        }
        #expect(accountant == before)
    }

    // MARK: PLD

    @Test func pldOfOneGaussianIsTheExactCurveRoundedUp() throws {
        var accountant = PLDAccountant()
        try accountant.compose(.gaussian(noiseMultiplier: 1.5))
        let distribution = accountant.privacyLossDistribution()
        for epsilon in [0.1, 0.5, 1.0, 2.0, 3.0] {
            let exact = try GaussianCalibration.delta(forSigma: 1.5, epsilon: epsilon, l2Sensitivity: 1)
            let pld = try distribution.delta(epsilon: epsilon)
            #expect(pld >= exact * (1 - 1e-9))
            #expect(pld <= exact * 1.001 + 1e-14, "ε=\(epsilon): \(pld) vs exact \(exact)")
        }
    }

    @Test func pldOfOneLaplaceIsPureAtItsEpsilon() throws {
        var accountant = PLDAccountant()
        try accountant.compose(.laplace(noiseMultiplier: 1))
        // Loss ≤ ε₀ = 1 (rounded up by at most h): δ(1 + h) = 0, ε(δ) ≤ 1 + h for every δ.
        #expect(try accountant.delta(epsilon: 1 + 2e-4) == 0)
        #expect(try accountant.epsilon(delta: 1e-12) <= 1 + 1e-4 + 1e-12)
        // The Laplace mechanism's exact curve below ε₀ is δ(ε) = 1 − e^{−(ε₀−ε)/2}.
        for epsilon in [0.0, 0.3, 0.8] {
            let exact = -expm1(-(1 - epsilon) / 2)
            let pld = try accountant.delta(epsilon: epsilon)
            #expect(pld >= exact - 1e-12)
            #expect(pld <= exact + 1e-4, "ε=\(epsilon): \(pld) vs \(exact)")
        }
    }

    /// A near-non-private composition (losses in the thousands) coarsens the grid instead of
    /// allocating gigabytes, and stays an upper bound: the Gaussian part's exact ε is known.
    @Test func pldCoarsensTheGridForHugeLosses() throws {
        var accountant = PLDAccountant()
        try accountant.compose(.repeated(.gaussian(noiseMultiplier: 0.01), count: 1000))
        #expect(accountant.effectiveDiscretizationInterval > accountant.valueDiscretizationInterval)
        let epsilon = try accountant.epsilon(delta: 1e-6)
        // 1000 Gaussians with m = 0.01 are one Gaussian with m = 0.01/√1000.
        let exact = try GaussianCalibration.epsilon(forNoiseMultiplier: 0.01 / 1000.0.squareRoot(), delta: 1e-6)
        #expect(epsilon >= exact * (1 - 1e-9))
        #expect(epsilon <= exact + 1000 * accountant.effectiveDiscretizationInterval)
        var small = PLDAccountant()
        try small.compose(.repeated(.laplace(noiseMultiplier: 1), count: 100))
        #expect(small.effectiveDiscretizationInterval == small.valueDiscretizationInterval)
    }

    @Test func pldRefusesDiscreteGaussianAndZCDP() throws {
        var accountant = PLDAccountant()
        try accountant.compose(.laplace(noiseMultiplier: 1))
        let before = accountant
        #expect(throws: DifferentialPrivacyError.self) { try accountant.compose(.discreteGaussian(noiseMultiplier: 1)) }
        #expect(throws: DifferentialPrivacyError.self) {
            try accountant.compose(.composed([.gaussian(noiseMultiplier: 1), .zCDP(rho: 1)]))
        }
        #expect(accountant == before)
        #expect(throws: DifferentialPrivacyError.self) { try PLDAccountant(valueDiscretizationInterval: 0) }
        #expect(throws: DifferentialPrivacyError.self) { try PLDAccountant(tailMassTruncation: 0.5) }
    }

    @Test func pldIsTighterThanRDPAndAdvancedComposition() throws {
        let event = PrivacyEvent.composed([
            .repeated(.laplace(noiseMultiplier: 3), count: 10), .repeated(.gaussian(noiseMultiplier: 2), count: 10),
        ])
        var pld = PLDAccountant(), rdp = RDPAccountant()
        try pld.compose(event)
        try rdp.compose(event)
        for delta in [1e-5, 1e-9] {
            #expect(try pld.epsilon(delta: delta) < rdp.epsilon(delta: delta))
        }
        var pldPure = PLDAccountant(), approximate = ApproximateAccountant(), pure = PureAccountant()
        let pureEvent = PrivacyEvent.repeated(.pureEpsilon(0.1), count: 50)
        try pldPure.compose(pureEvent)
        try approximate.compose(pureEvent)
        try pure.compose(pureEvent)
        let delta = 1e-6
        #expect(try pldPure.epsilon(delta: delta) <= approximate.epsilon(delta: delta))
        #expect(try approximate.epsilon(delta: delta) <= pure.epsilon(delta: delta))
    }

    // MARK: Every accountant

    /// Builds each accountant kind empty.
    static func allAccountants() -> [any PrivacyAccountant] {
        [PureAccountant(), ApproximateAccountant(), ZCDPAccountant(), RDPAccountant(), PLDAccountant()]
    }

    @Test func nothingComposedCostsNothing() throws {
        for accountant in Self.allAccountants() {
            #expect(try accountant.epsilon(delta: 1e-6) == 0, "\(accountant.name)")
            #expect(try accountant.delta(epsilon: 0.5) == 0, "\(accountant.name)")
        }
    }

    /// More events never cost less; ε(δ) falls as δ grows; δ(ε) falls as ε grows.
    @Test func monotonicity() throws {
        for var accountant in Self.allAccountants() {
            var previous = 0.0
            for event in pureEvents {
                try accountant.compose(event)
                let epsilon = try accountant.epsilon(delta: 1e-6)
                #expect(epsilon >= previous - 1e-12, "\(accountant.name)")
                previous = epsilon
            }
            let epsilons = try [1e-9, 1e-6, 1e-3, 0.1].map { try accountant.epsilon(delta: $0) }
            #expect(
                zip(epsilons, epsilons.dropFirst()).allSatisfy { $0 >= $1 - 1e-12 }, "\(accountant.name): \(epsilons)")
            let deltas = try [0.0, 0.2, 0.5, 1.0, 2.0].map { try accountant.delta(epsilon: $0) }
            #expect(zip(deltas, deltas.dropFirst()).allSatisfy { $0 >= $1 - 1e-15 }, "\(accountant.name): \(deltas)")
        }
    }

    /// Composing an event n times one by one equals composing `.repeated(event, n)`, and
    /// `.composed([a, b])` equals composing a then b.
    @Test func repeatedEqualsSequentialComposition() throws {
        for empty in Self.allAccountants() {
            for event in pureEvents {
                var sequential = empty, repeated = empty
                for _ in 0..<7 { try sequential.compose(event) }
                try repeated.compose(.repeated(event, count: 7))
                for delta in [1e-8, 1e-4] {
                    let a = try sequential.epsilon(delta: delta), b = try repeated.epsilon(delta: delta)
                    #expect(close(a, b, relative: 1e-12, absolute: 1e-12), "\(empty.name) \(event): \(a) vs \(b)")
                }
            }
            var pairwise = empty, grouped = empty
            try pairwise.compose(pureEvents[0])
            try pairwise.compose(pureEvents[1])
            try grouped.compose(.composed([pureEvents[0], pureEvents[1]]))
            #expect(
                close(try pairwise.epsilon(delta: 1e-6), try grouped.epsilon(delta: 1e-6), relative: 1e-12),
                "\(empty.name)")
        }
    }

    @Test func invalidEventsAndQueriesAreRejectedWithoutChange() throws {
        for var accountant in Self.allAccountants() {
            try accountant.compose(.laplace(noiseMultiplier: 1))
            let epsilonBefore = try accountant.epsilon(delta: 1e-6)
            for bad in [
                PrivacyEvent.laplace(noiseMultiplier: 0), .pureEpsilon(.nan), .repeated(.pureEpsilon(1), count: 0),
                .composed([.pureEpsilon(1), .laplace(noiseMultiplier: -1)]),
            ] {
                #expect(throws: DifferentialPrivacyError.self, "\(accountant.name) \(bad)") {
                    try accountant.compose(bad)
                }
            }
            #expect(try accountant.epsilon(delta: 1e-6) == epsilonBefore, "\(accountant.name)")
            for delta in [-0.1, 1, .nan] {
                #expect(throws: DifferentialPrivacyError.self, "\(accountant.name) δ=\(delta)") {
                    try accountant.epsilon(delta: delta)
                }
            }
            for epsilon in [-1, Double.infinity, .nan] {
                #expect(throws: DifferentialPrivacyError.self, "\(accountant.name) ε=\(epsilon)") {
                    try accountant.delta(epsilon: epsilon)
                }
            }
        }
    }

    @Test func countOverflowIsATypedError() throws {
        var accountant = ZCDPAccountant()
        #expect(throws: DifferentialPrivacyError.self) {
            try accountant.compose(.repeated(.repeated(.pureEpsilon(1), count: Int.max / 2), count: 3))
        }
        #expect(accountant.rho == 0)
    }

    @Test func accountantsSurviveACodableRoundTrip() throws {
        let event = PrivacyEvent.composed([.laplace(noiseMultiplier: 2), .repeated(.pureEpsilon(0.2), count: 3)])
        var pure = PureAccountant(), approximate = ApproximateAccountant(), zcdp = ZCDPAccountant()
        var rdp = RDPAccountant(), pld = PLDAccountant()
        try pure.compose(event)
        try approximate.compose(event)
        try zcdp.compose(event)
        try rdp.compose(event)
        try pld.compose(event)
        try pld.compose(.gaussian(noiseMultiplier: 3))
        func roundTrip<A: Codable & Equatable>(_ value: A) throws -> Bool {
            try JSONDecoder().decode(A.self, from: JSONEncoder().encode(value)) == value
        }
        #expect(try roundTrip(pure))
        #expect(try roundTrip(approximate))
        #expect(try roundTrip(zcdp))
        #expect(try roundTrip(rdp))
        #expect(try roundTrip(pld))
        #expect(try roundTrip(pld.privacyLossDistribution()))
    }

    /// Prints PLD timings (debug build; see the report for release figures).
    @Test func pldTimings() throws {
        let clock = ContinuousClock()
        var gaussians = PLDAccountant()
        for _ in 0..<100 { try gaussians.compose(.gaussian(noiseMultiplier: 1)) }
        var epsilon = 0.0
        let gaussianTime = try clock.measure { epsilon = try gaussians.epsilon(delta: 1e-6) }
        var mixedEpsilon = 0.0
        let mixedTime = try clock.measure {
            var mixed = PLDAccountant()
            for _ in 0..<20 {
                try mixed.compose(.laplace(noiseMultiplier: 2))
                try mixed.compose(.gaussian(noiseMultiplier: 2))
            }
            mixedEpsilon = try mixed.epsilon(delta: 1e-6)
        }
        print(
            "PLD (debug build): 100 × gaussian(m=1): ε(1e-6) = \(epsilon), query \(gaussianTime); 20 × (laplace(m=2), gaussian(m=2)) one by one: ε = \(mixedEpsilon), composes + query \(mixedTime)"
        )
        #expect(epsilon.isFinite && mixedEpsilon.isFinite)
    }
}
