import Foundation
import Testing
@testable import PrivacyAccounting

@Suite struct CalibrationTests {
    @Test func classicSigmaIsDworkRothTheoremA1() throws {
        let sigma = try GaussianCalibration.classicSigma(epsilon: 0.5, delta: 1e-5, l2Sensitivity: 2)
        #expect(abs(sigma - 2 * (2 * log(1.25e5)).squareRoot() / 0.5) < 1e-12)
        #expect(throws: DifferentialPrivacyError.self) {
            try GaussianCalibration.classicSigma(epsilon: 1, delta: 1e-5, l2Sensitivity: 1)
        }
    }

    /// The analytic σ sits exactly on the curve: δ(σ) ≤ δ, and a σ smaller by 1e-9 relative
    /// exceeds δ. It is never larger than the classic σ, and scales linearly with Δ₂.
    @Test func analyticSigmaIsTight() throws {
        for epsilon in [0.01, 0.3, 0.99, 3, 20] {
            for delta in [1e-2, 1e-6, 1e-12] {
                let sigma = try GaussianCalibration.analyticSigma(epsilon: epsilon, delta: delta, l2Sensitivity: 1)
                let atSigma = try GaussianCalibration.delta(forSigma: sigma, epsilon: epsilon, l2Sensitivity: 1)
                let below = try GaussianCalibration.delta(
                    forSigma: sigma * (1 - 1e-9), epsilon: epsilon, l2Sensitivity: 1)
                #expect(atSigma <= delta, "ε=\(epsilon) δ=\(delta)")
                #expect(below > delta * (1 - 1e-6), "ε=\(epsilon) δ=\(delta)")
                if epsilon < 1 {
                    let classic = try GaussianCalibration.classicSigma(epsilon: epsilon, delta: delta, l2Sensitivity: 1)
                    #expect(sigma <= classic)
                }
                let scaled = try GaussianCalibration.analyticSigma(epsilon: epsilon, delta: delta, l2Sensitivity: 7)
                #expect(abs(scaled - 7 * sigma) <= 1e-11 * scaled)
            }
        }
    }

    @Test func exactCurveProperties() throws {
        // δ falls with ε and with σ; at ε = 0 it is the total variation 2Φ(Δ/2σ) − 1.
        let d0 = try GaussianCalibration.delta(forSigma: 2, epsilon: 0, l2Sensitivity: 1)
        #expect(abs(d0 - (2 * StandardNormal.cdf(0.25) - 1)) < 1e-15)
        #expect(try GaussianCalibration.delta(forSigma: 2, epsilon: 1, l2Sensitivity: 1) < d0)
        #expect(
            try GaussianCalibration.delta(forSigma: 3, epsilon: 1, l2Sensitivity: 1)
                < GaussianCalibration.delta(forSigma: 2, epsilon: 1, l2Sensitivity: 1))
        // Far tail stays positive and finite (log-space second term).
        let tiny = try GaussianCalibration.delta(forSigma: 2, epsilon: 10, l2Sensitivity: 1)
        #expect(tiny > 0 && tiny < 1e-80)
        // ε(δ) inverts δ(ε).
        let epsilon = try GaussianCalibration.epsilon(forNoiseMultiplier: 1.3, delta: 1e-7)
        let back = try GaussianCalibration.delta(forSigma: 1.3, epsilon: epsilon, l2Sensitivity: 1)
        #expect(back <= 1e-7 && back > 1e-7 * (1 - 1e-9))
    }

    @Test func badParametersAreTypedErrors() throws {
        let cases: [(Double, Double, Double, String)] = [
            (0, 1e-5, 1, "epsilon"), (-1, 1e-5, 1, "epsilon"), (.nan, 1e-5, 1, "epsilon"),
            (.infinity, 1e-5, 1, "epsilon"),
            (1, 0, 1, "delta"), (1, 1, 1, "delta"), (1, -1e-5, 1, "delta"), (1, .nan, 1, "delta"),
            (1, 1e-5, 0, "l2Sensitivity"), (1, 1e-5, -2, "l2Sensitivity"), (1, 1e-5, .infinity, "l2Sensitivity"),
        ]
        for (epsilon, delta, sensitivity, name) in cases {
            do {
                _ = try GaussianCalibration.analyticSigma(epsilon: epsilon, delta: delta, l2Sensitivity: sensitivity)
                Issue.record("accepted ε=\(epsilon) δ=\(delta) Δ=\(sensitivity)")
            } catch let .invalidParameter(parameter, _, _) {
                #expect(parameter == name)
            } catch {
                Issue.record("unexpected \(error)")
            }
            #expect(throws: DifferentialPrivacyError.self) {
                try GaussianCalibration.classicSigma(
                    epsilon: epsilon.isFinite ? min(epsilon, 0.5) : epsilon, delta: delta, l2Sensitivity: sensitivity)
            }
        }
        #expect(throws: DifferentialPrivacyError.self) {
            try GaussianCalibration.analyticSigma(epsilon: 1e-3, delta: 1e-10, l2Sensitivity: 1e306)
        }
        // As ε → 0 the curve tends to the total variation 2Φ(Δ/2σ) − 1, so σ stays finite.
        let nearZero = try GaussianCalibration.analyticSigma(epsilon: 1e-300, delta: 1e-5, l2Sensitivity: 1)
        #expect(abs(2 * StandardNormal.cdf(1 / (2 * nearZero)) - 1 - 1e-5) < 1e-12)
        #expect(throws: DifferentialPrivacyError.self) {
            try GaussianCalibration.delta(forSigma: 0, epsilon: 1, l2Sensitivity: 1)
        }
        #expect(throws: DifferentialPrivacyError.self) {
            try GaussianCalibration.delta(forSigma: 1, epsilon: -1, l2Sensitivity: 1)
        }
        #expect(throws: DifferentialPrivacyError.self) {
            try GaussianCalibration.epsilon(forNoiseMultiplier: 1, delta: 0)
        }
    }
}
