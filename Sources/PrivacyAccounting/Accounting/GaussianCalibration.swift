import Foundation

/// Noise calibration for the Gaussian mechanism: the standard deviation σ that makes adding
/// N(0, σ²) to a query of L2 sensitivity Δ₂ satisfy (ε, δ)-DP, and the exact δ of a given σ.
///
/// Two calibrations:
/// - ``classicSigma(epsilon:delta:l2Sensitivity:)`` — σ = Δ₂·√(2 ln(1.25/δ))/ε, valid only for
///   ε < 1 (Dwork & Roth 2014, *The Algorithmic Foundations of Differential Privacy*, Thm A.1).
/// - ``analyticSigma(epsilon:delta:l2Sensitivity:)`` — the smallest σ for which the exact
///   privacy curve stays below δ (Balle & Wang 2018, *Improving the Gaussian Mechanism for
///   Differential Privacy: Analytical Calibration and Optimal Denoising*, Thm 8 and Alg. 1);
///   valid for every ε > 0 and never larger than the classic σ.
///
/// The exact curve (Balle & Wang 2018, Thm 8) is
/// δ(ε; σ) = Φ(Δ₂/(2σ) − εσ/Δ₂) − e^ε · Φ(−Δ₂/(2σ) − εσ/Δ₂), with Φ the standard normal CDF.
public enum GaussianCalibration {
    /// The classic Gaussian-mechanism calibration σ = Δ₂ · √(2 ln(1.25/δ)) / ε
    /// (Dwork & Roth 2014, Theorem A.1).
    ///
    /// - Parameters:
    ///   - epsilon: ε in (0, 1) — the theorem does not hold for ε ≥ 1.
    ///   - delta: δ in (0, 1).
    ///   - l2Sensitivity: Δ₂ > 0, in the query's units.
    /// - Returns: σ in the query's units.
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)`` naming the
    ///   parameter at fault (including ε ≥ 1).
    /// - Complexity: O(1).
    public static func classicSigma(
        epsilon: Double, delta: Double, l2Sensitivity: Double
    ) throws(DifferentialPrivacyError) -> Double {
        try validate(epsilon: epsilon, delta: delta, l2Sensitivity: l2Sensitivity)
        guard epsilon < 1 else {
            throw .invalidParameter(
                name: "epsilon", value: "\(epsilon)",
                reason:
                    "the classic Gaussian calibration (Dwork & Roth 2014, Thm A.1) holds only for ε < 1; use the analytic calibration"
            )
        }
        return l2Sensitivity * (2 * log(1.25 / delta)).squareRoot() / epsilon
    }

    /// The analytic Gaussian calibration: the smallest σ (to a relative 1e-12) with
    /// δ(ε; σ) ≤ `delta` on the exact curve (Balle & Wang 2018, Theorem 8, Algorithm 1).
    ///
    /// Algorithm 1 bisects on a reparametrisation of σ; this bisects on log σ directly with an
    /// accurate normal CDF (`erfc`), which is equivalent since δ(ε; σ) decreases strictly in σ.
    /// The returned σ is the *upper* end of the final bracket, so δ(ε; σ) ≤ `delta` holds.
    ///
    /// - Parameters:
    ///   - epsilon: ε > 0 and finite.
    ///   - delta: δ in (0, 1).
    ///   - l2Sensitivity: Δ₂ > 0, in the query's units.
    /// - Returns: σ in the query's units.
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)``, also when σ
    ///   would not be a finite `Double` (a sensitivity near `Double.greatestFiniteMagnitude`).
    /// - Complexity: about 100 evaluations of the curve.
    public static func analyticSigma(
        epsilon: Double, delta: Double, l2Sensitivity: Double
    ) throws(DifferentialPrivacyError) -> Double {
        try validate(epsilon: epsilon, delta: delta, l2Sensitivity: l2Sensitivity)
        // Work with unit sensitivity; σ scales linearly with Δ₂.
        var low = 1e-3, high = 1.0
        while exactDelta(sigma: low, epsilon: epsilon) <= delta {
            high = low
            low /= 2
        }
        while exactDelta(sigma: high, epsilon: epsilon) > delta {
            low = high
            high *= 2
            guard high * l2Sensitivity < .greatestFiniteMagnitude else {
                throw .invalidParameter(
                    name: "l2Sensitivity", value: "\(l2Sensitivity)",
                    reason: "too large for ε = \(epsilon), δ = \(delta): the noise scale would overflow")
            }
        }
        while high - low > 1e-12 * high {
            let mid = (low * high).squareRoot()
            if exactDelta(sigma: mid, epsilon: epsilon) > delta { low = mid } else { high = mid }
        }
        return high * l2Sensitivity
    }

    /// The exact δ of the Gaussian mechanism with standard deviation σ at ε (Balle & Wang 2018,
    /// Theorem 8): δ = Φ(Δ₂/(2σ) − εσ/Δ₂) − e^ε · Φ(−Δ₂/(2σ) − εσ/Δ₂).
    ///
    /// - Parameters:
    ///   - sigma: σ > 0 in the query's units.
    ///   - epsilon: ε ≥ 0 and finite.
    ///   - l2Sensitivity: Δ₂ > 0.
    /// - Returns: δ in [0, 1].
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)``.
    /// - Complexity: O(1).
    public static func delta(
        forSigma sigma: Double, epsilon: Double, l2Sensitivity: Double
    ) throws(DifferentialPrivacyError) -> Double {
        guard sigma.isFinite, sigma > 0 else {
            throw .invalidParameter(name: "sigma", value: "\(sigma)", reason: "must be finite and > 0")
        }
        guard epsilon.isFinite, epsilon >= 0 else {
            throw .invalidParameter(name: "epsilon", value: "\(epsilon)", reason: "must be finite and ≥ 0")
        }
        try validateSensitivity(l2Sensitivity)
        return exactDelta(sigma: sigma / l2Sensitivity, epsilon: epsilon)
    }

    /// The smallest ε (to 1e-12 absolute, rounded up) at which the Gaussian mechanism with
    /// noise multiplier `noiseMultiplier` = σ/Δ₂ is (ε, δ)-DP on the exact curve — the inverse of
    /// ``delta(forSigma:epsilon:l2Sensitivity:)`` in ε.
    ///
    /// - Parameters:
    ///   - noiseMultiplier: σ/Δ₂ > 0.
    ///   - delta: δ in (0, 1).
    /// - Returns: ε ≥ 0 (0 when the curve is already below δ at ε = 0).
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)``.
    /// - Complexity: about 100 evaluations of the curve.
    public static func epsilon(
        forNoiseMultiplier noiseMultiplier: Double, delta: Double
    ) throws(DifferentialPrivacyError) -> Double {
        guard noiseMultiplier.isFinite, noiseMultiplier > 0 else {
            throw .invalidParameter(
                name: "noise multiplier", value: "\(noiseMultiplier)", reason: "must be finite and > 0")
        }
        try validateDelta(delta)
        return exactEpsilon(sigma: noiseMultiplier, delta: delta)
    }

    // MARK: - Curve on unit sensitivity

    /// δ(ε; σ) for Δ₂ = 1, clamped to [0, 1].
    static func exactDelta(sigma: Double, epsilon: Double) -> Double {
        let a = 1 / (2 * sigma), b = epsilon * sigma
        let first = StandardNormal.cdf(a - b)
        let second = exp(epsilon + StandardNormal.logCDF(-a - b))
        return min(1, max(0, first - second))
    }

    /// ε(δ; σ) for Δ₂ = 1 by bisection on the decreasing curve; returns the upper bracket end.
    static func exactEpsilon(sigma: Double, delta: Double) -> Double {
        if exactDelta(sigma: sigma, epsilon: 0) <= delta { return 0 }
        var low = 0.0, high = 1.0
        while exactDelta(sigma: sigma, epsilon: high) > delta {
            low = high
            high *= 2
        }
        while high - low > 1e-12 * max(1, high) {
            let mid = 0.5 * (low + high)
            if exactDelta(sigma: sigma, epsilon: mid) > delta { low = mid } else { high = mid }
        }
        return high
    }

    // MARK: - Validation

    static func validate(epsilon: Double, delta: Double, l2Sensitivity: Double) throws(DifferentialPrivacyError) {
        guard epsilon.isFinite, epsilon > 0 else {
            throw .invalidParameter(name: "epsilon", value: "\(epsilon)", reason: "must be finite and > 0")
        }
        try validateDelta(delta)
        try validateSensitivity(l2Sensitivity)
    }

    static func validateDelta(_ delta: Double) throws(DifferentialPrivacyError) {
        guard delta.isFinite, delta > 0, delta < 1 else {
            throw .invalidParameter(name: "delta", value: "\(delta)", reason: "must lie in (0, 1)")
        }
    }

    static func validateSensitivity(_ sensitivity: Double) throws(DifferentialPrivacyError) {
        guard sensitivity.isFinite, sensitivity > 0 else {
            throw .invalidParameter(name: "l2Sensitivity", value: "\(sensitivity)", reason: "must be finite and > 0")
        }
    }
}
