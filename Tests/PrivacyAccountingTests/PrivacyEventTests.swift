import Testing
@testable import PrivacyAccounting

@Suite struct PrivacyEventTests {
    @Test func validationNamesTheParameter() {
        #expect(throws: DifferentialPrivacyError.self) { try PrivacyEvent.pureEpsilon(0).validate() }
        #expect(throws: DifferentialPrivacyError.self) { try PrivacyEvent.approximate(epsilon: 1, delta: 1).validate() }
        #expect(throws: DifferentialPrivacyError.self) {
            try PrivacyEvent.repeated(.laplace(noiseMultiplier: 1), count: 0).validate()
        }
        #expect(throws: DifferentialPrivacyError.self) { try PrivacyEvent.gaussian(noiseMultiplier: .nan).validate() }
        #expect(throws: Never.self) {
            try PrivacyEvent.composed([.zCDP(rho: 0.1), .laplace(noiseMultiplier: 2)]).validate()
        }
    }
}
