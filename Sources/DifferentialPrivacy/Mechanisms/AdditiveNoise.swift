import Foundation
package import SecureRandom

/// The additive noise a release uses.
///
/// Every variant samples *exactly* on integers from the CSPRNG (``DiscreteLaplaceSampler``,
/// ``DiscreteGaussianSampler``); the variants differ in the grid the integers live on and in
/// how the scale is calibrated:
///
/// | mechanism | grid | calibration | guarantee |
/// |---|---|---|---|
/// | `laplace` | power of two ≈ scale/2^20 (real-valued output) | b = Δ₁/ε | pure ε-DP |
/// | `gaussian` | power of two ≈ σ/2^20 (real-valued output) | analytic (Balle & Wang 2018) or classic σ for (ε, δ) | (ε, δ)-DP |
/// | `discreteLaplace` | integers | t = Δ₁/ε | pure ε-DP |
/// | `discreteGaussian` | integers | σ = Δ₂/√(2ρ), ρ from ρ or from (ε, δ) | ρ-zCDP |
///
/// The continuous mechanisms are realised as discrete noise on a fine power-of-two grid, the
/// approach of Google's secure noise: no output depends on `log(uniform)` on doubles (Mironov
/// 2012). Rounding a value to a coarser grid adds one step to its sensitivity, which the
/// calibration includes.
public enum NoiseMechanism: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Laplace noise of scale Δ₁/ε on a fine grid: pure ε-DP.
    case laplace
    /// Gaussian noise on a fine grid, σ calibrated to (ε, δ) by Balle & Wang's analytic method
    /// (or the classic σ = Δ₂√(2 ln(1.25/δ))/ε with ``GaussianCalibrationMethod/classic``).
    case gaussian
    /// Discrete Laplace (geometric) noise on integers: pure ε-DP.
    case discreteLaplace = "discrete-laplace"
    /// Discrete Gaussian noise on integers: ρ-zCDP (Canonne, Kamath & Steinke 2020).
    case discreteGaussian = "discrete-gaussian"

    /// The name used on the command line and in JSON (`discrete-laplace`, …).
    public var description: String { rawValue }

    /// Whether the noise is Laplace-shaped (calibrated on L1 sensitivity, pure ε).
    public var isLaplaceFamily: Bool { self == .laplace || self == .discreteLaplace }
}

/// How the `gaussian` mechanism turns (ε, δ) into σ.
public enum GaussianCalibrationMethod: String, Sendable, Hashable, Codable {
    /// Balle & Wang 2018 ("Improving the Gaussian Mechanism for Differential Privacy",
    /// Algorithm 1): the smallest σ whose exact privacy profile meets (ε, δ). Any ε > 0.
    case analytic
    /// Dwork & Roth 2014, Theorem A.1: σ = Δ₂ √(2 ln(1.25/δ)) / ε, valid for ε < 1 only.
    case classic
}

/// What a release asks to spend: pure ε, (ε, δ), or ρ-zCDP.
///
/// Which case suits which mechanism:
///
/// | parameters | `laplace`, `discreteLaplace` | `gaussian` | `discreteGaussian` | quantiles |
/// |---|---|---|---|---|
/// | ``pure(epsilon:)`` | ε-DP | refused (needs δ) | refused (needs ρ or δ) | ε-DP |
/// | ``approximate(epsilon:delta:gaussianCalibration:)`` | ε-DP; δ pays for partition selection only | (ε, δ)-DP | the largest ρ whose zCDP implies (ε, δ) | ε-DP |
/// | ``zCDP(rho:)`` | refused (needs ε) | refused (needs ε, δ) | ρ-zCDP | ε = √(2ρ), stated as ρ-zCDP |
public enum NoiseParameters: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Pure ε (> 0, finite).
    case pure(epsilon: Double)
    /// ε (> 0, finite) and δ in (0, 1); `gaussianCalibration` is how the `gaussian` mechanism
    /// turns them into σ (ignored by the other mechanisms).
    case approximate(epsilon: Double, delta: Double, gaussianCalibration: GaussianCalibrationMethod = .analytic)
    /// ρ (> 0, finite) of zero-concentrated DP.
    case zCDP(rho: Double)

    /// Builds the parameters from loosely typed options (command-line flags, JSON fields):
    /// ε alone is ``pure(epsilon:)``, ε with δ is ``approximate(epsilon:delta:gaussianCalibration:)``,
    /// ρ alone is ``zCDP(rho:)``. Each value is checked (ε, ρ finite and > 0; δ in (0, 1)).
    ///
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)`` naming the
    ///   parameter: none given, ρ together with ε or δ, δ without ε, or a value out of range.
    public init(
        epsilon: Double?, delta: Double?, rho: Double?,
        gaussianCalibration: GaussianCalibrationMethod = .analytic
    ) throws(DifferentialPrivacyError) {
        switch (epsilon, delta, rho) {
        case let (e?, nil, nil): self = .pure(epsilon: e)
        case let (e?, d?, nil): self = .approximate(epsilon: e, delta: d, gaussianCalibration: gaussianCalibration)
        case let (nil, nil, r?): self = .zCDP(rho: r)
        case (nil, nil, nil):
            throw .invalidParameter(name: "epsilon", value: "missing", reason: "give ε, ε and δ, or ρ")
        case let (nil, d?, nil):
            throw .invalidParameter(name: "delta", value: "\(d)", reason: "δ needs ε")
        case let (_, _, r?):
            throw .invalidParameter(name: "rho", value: "\(r)", reason: "give ρ alone, or ε (and δ), not both")
        }
        try validateValues()
    }

    /// ε, when the parameters state one (for records and reports).
    public var epsilon: Double? {
        switch self {
        case let .pure(e), let .approximate(e, _, _): e
        case .zCDP: nil
        }
    }

    /// δ, when the parameters state one (for records and reports).
    public var delta: Double? {
        if case let .approximate(_, d, _) = self { return d }
        return nil
    }

    /// ρ, when the parameters are zCDP (for records and reports).
    public var rho: Double? {
        if case let .zCDP(r) = self { return r }
        return nil
    }

    /// `"ε=1.0"`, `"(ε=1.0, δ=1e-06)"` or `"ρ=0.5"`, as ``PrivacyBudget`` writes budgets.
    public var description: String {
        switch self {
        case let .pure(e): "ε=\(e)"
        case let .approximate(e, d, _): "(ε=\(e), δ=\(d))"
        case let .zCDP(r): "ρ=\(r)"
        }
    }

    /// Checks the values alone: ε and ρ finite and > 0, δ in (0, 1).
    ///
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)`` naming it.
    public func validateValues() throws(DifferentialPrivacyError) {
        switch self {
        case let .pure(e): try Validate.epsilon(e)
        case let .approximate(e, d, _):
            try Validate.epsilon(e)
            try Validate.delta(d)
        case let .zCDP(r): try Validate.rho(r)
        }
    }

    /// Checks that the parameters suit `mechanism` (the table above) and that their values are
    /// in range.
    ///
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)`` naming the
    ///   parameter at fault.
    public func validate(for mechanism: NoiseMechanism) throws(DifferentialPrivacyError) {
        try validateValues()
        switch (mechanism, self) {
        case (.laplace, .zCDP), (.discreteLaplace, .zCDP):
            throw .invalidParameter(name: "epsilon", value: "missing", reason: "\(mechanism) needs ε")
        case (.gaussian, .pure):
            throw .invalidParameter(name: "delta", value: "missing", reason: "the gaussian mechanism needs ε and δ")
        case (.gaussian, .zCDP):
            throw .invalidParameter(name: "epsilon", value: "missing", reason: "the gaussian mechanism needs ε and δ")
        case let (.gaussian, .approximate(e, _, calibration)):
            if calibration == .classic, e >= 1 {
                throw .invalidParameter(
                    name: "epsilon", value: "\(e)",
                    reason: "the classic Gaussian calibration holds only for ε < 1; use the analytic calibration")
            }
        case (.discreteGaussian, .pure):
            throw .invalidParameter(
                name: "rho", value: "missing", reason: "the discrete gaussian mechanism needs ρ, or ε and δ")
        default:
            break
        }
    }

    /// The guarantee a release with `mechanism` states: pure ε for the Laplace family, (ε, δ)
    /// for the Gaussian, ρ-zCDP (or the (ε, δ) it was derived from) for the discrete Gaussian.
    /// Call after ``validate(for:)``; `nil` for a combination it refuses.
    package func statedGuarantee(for mechanism: NoiseMechanism) -> PrivacyEvent? {
        switch (mechanism, self) {
        case let (.laplace, .pure(e)), let (.discreteLaplace, .pure(e)),
            let (.laplace, .approximate(e, _, _)), let (.discreteLaplace, .approximate(e, _, _)):
            .pureEpsilon(e)
        case let (.gaussian, .approximate(e, d, _)), let (.discreteGaussian, .approximate(e, d, _)):
            .approximate(epsilon: e, delta: d)
        case let (.discreteGaussian, .zCDP(r)):
            .zCDP(rho: r)
        default:
            nil
        }
    }

    /// The same kind of parameters with every value divided by `parts` (basic composition of
    /// `parts` equal shares).
    package func divided(by parts: Int) -> NoiseParameters {
        let n = Double(parts)
        switch self {
        case let .pure(e): return .pure(epsilon: e / n)
        case let .approximate(e, d, c): return .approximate(epsilon: e / n, delta: d / n, gaussianCalibration: c)
        case let .zCDP(r): return .zCDP(rho: r / n)
        }
    }

    /// ρ for the discrete Gaussian: as given, or the largest ρ whose zCDP guarantee implies
    /// (ε, δ) by the zCDP accountant's conversion (bisection, 100 steps; O(100) conversions).
    ///
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)`` for pure ε,
    ///   or when no ρ > 0 reaches (ε, δ).
    package func zCDPRho() throws(DifferentialPrivacyError) -> Double {
        switch self {
        case let .zCDP(rho):
            return rho
        case .pure:
            throw .invalidParameter(name: "rho", value: "missing", reason: "give ρ, or ε and δ")
        case let .approximate(epsilon, delta, _):
            var low = 0.0, high = epsilon * epsilon  // ρ = ε² is never enough
            for _ in 0..<100 {
                let middle = (low + high) / 2
                var accountant = ZCDPAccountant()
                try accountant.compose(.zCDP(rho: middle))
                if try accountant.epsilon(delta: delta) <= epsilon { low = middle } else { high = middle }
            }
            guard low > 0 else {
                throw .invalidParameter(
                    name: "epsilon", value: "\(epsilon)", reason: "no ρ > 0 reaches (ε, δ) = (\(epsilon), \(delta))")
            }
            return low
        }
    }
}

/// Additive noise for one vector of integer-valued statistics, calibrated and ready to sample.
///
/// `package`, not public: noise is added to data only behind the release gate
/// (``BudgetStore/release(_:mechanism:parameters:)``), which charges the budget first.
///
/// Built by ``AdditiveNoise/calibrate(mechanism:parameters:sensitivity:)``: the statistics
/// are integers in units of `inputStep` (a power of two); the noise lives on `releaseStep`
/// (another power of two), and the sensitivities already include the extra step that
/// re-rounding to a coarser grid costs.
package struct AdditiveNoise: Sendable, Hashable {
    /// The mechanism.
    package let mechanism: NoiseMechanism
    /// The grid step of the released values, `2^releaseExponent`, in the statistic's unit.
    package let releaseExponent: Int
    /// The grid step of the statistic's input integers.
    package let inputExponent: Int
    /// L1 (Laplace) or L2 (Gaussian) sensitivity in release steps, after re-rounding.
    package let sensitivity: Double
    /// The noise scale actually sampled, in the statistic's unit: the Laplace scale b, or the
    /// Gaussian σ.
    package let scale: Double
    /// The privacy event this noise represents, for the accountant.
    package let event: PrivacyEvent
    /// Half-width of the central 95% interval of the noise, in the statistic's unit.
    package let ci95HalfWidth: Double

    enum Sampler: Sendable, Hashable {
        case laplace(DiscreteLaplaceSampler)
        case gaussian(DiscreteGaussianSampler)
    }
    let sampler: Sampler

    /// Sensitivity of a statistic vector: how far one privacy unit can move it.
    package struct Sensitivity: Sendable, Hashable {
        /// L1 sensitivity, in input steps (integer).
        package var l1: Int64
        /// L2 sensitivity: `√partitions × perPartition`, in input steps.
        package var perPartition: Int64
        /// The number of partitions one unit can touch (L2 = √partitions · perPartition).
        package var partitions: Int64
        /// The exponent of the input grid step.
        package var inputExponent: Int
        /// How many binary digits finer than the input grid the release grid may be (values are
        /// shifted left by that much, so it must leave room in 64 bits): 24 for counts, 0 for
        /// fixed-point sums, whose grid is already 2^-32 of the bounds.
        package var maximumRefinement: Int

        /// Creates a sensitivity of `perPartition` input steps in each of `partitions` cells.
        ///
        /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)`` when
        ///   `perPartition` is negative or `partitions` below 1, or when the L1 sensitivity
        ///   `perPartition × partitions` does not fit in 63 bits (it would otherwise wrap or trap).
        package init(
            perPartition: Int64, partitions: Int64, inputExponent: Int, maximumRefinement: Int = 0
        ) throws(DifferentialPrivacyError) {
            guard perPartition >= 0, partitions >= 1 else {
                throw .invalidParameter(
                    name: "sensitivity", value: "\(perPartition) × \(partitions)",
                    reason: "the per-partition sensitivity must be ≥ 0 and the number of partitions ≥ 1")
            }
            let (l1, overflow) = perPartition.multipliedReportingOverflow(by: partitions)
            guard !overflow else {
                throw .invalidParameter(
                    name: "sensitivity", value: "\(perPartition) × \(partitions)",
                    reason:
                        "the L1 sensitivity exceeds 2^63 grid steps; lower the contribution bounds or the clamping bounds"
                )
            }
            self.perPartition = perPartition
            self.partitions = partitions
            self.l1 = l1
            self.inputExponent = inputExponent
            self.maximumRefinement = maximumRefinement
        }
    }

    /// Calibrates noise for a statistic vector of the given sensitivity.
    ///
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)`` for
    ///   parameters that do not suit the mechanism or a scale outside the samplers' range.
    package static func calibrate(
        mechanism: NoiseMechanism, parameters: NoiseParameters, sensitivity: Sensitivity
    ) throws(DifferentialPrivacyError) -> AdditiveNoise {
        try parameters.validate(for: mechanism)
        let inputStep = Double(sign: .plus, exponent: sensitivity.inputExponent, significand: 1)
        let perPartitionReal = Double(sensitivity.perPartition) * inputStep
        let partitions = Double(sensitivity.partitions)
        // 1. The scale in the statistic's unit, from the real-valued sensitivity (before
        //    re-rounding), to choose the release grid.
        // ε of the Laplace family (validated above: `.pure` or `.approximate` for these).
        let laplaceEpsilon = parameters.epsilon ?? .nan
        let nominalScale: Double
        switch mechanism {
        case .laplace, .discreteLaplace:
            nominalScale = perPartitionReal * partitions / laplaceEpsilon
        case .gaussian:
            nominalScale = try gaussianSigma(parameters, l2: perPartitionReal * partitions.squareRoot())
        case .discreteGaussian:
            let rho = try parameters.zCDPRho()
            nominalScale = perPartitionReal * partitions.squareRoot() / (2 * rho).squareRoot()
        }
        guard nominalScale.isFinite, nominalScale > 0 else {
            throw .invalidParameter(name: "noise scale", value: "\(nominalScale)", reason: "must be finite and > 0")
        }
        // 2. The release grid: integers for the discrete mechanisms (or the input grid when it
        //    is coarser), ~2^20 steps per scale unit for the continuous ones.
        let releaseExponent: Int
        switch mechanism {
        case .discreteLaplace, .discreteGaussian:
            releaseExponent = max(0, sensitivity.inputExponent)
        case .laplace, .gaussian:
            let natural = Int(nominalScale.exponent) - 20
            let inputStepsPerScale = nominalScale / inputStep
            if natural < sensitivity.inputExponent {
                // Refine (exactly) as far as the caller allows.
                releaseExponent = max(natural, sensitivity.inputExponent - sensitivity.maximumRefinement)
            } else if mechanism == .laplace && inputStepsPerScale < 0x1p50 {
                // The input grid is fine enough and the sampler takes the scale: no re-rounding.
                releaseExponent = sensitivity.inputExponent
            } else {
                // Coarsen (one extra step of sensitivity) so that σ fits the Gaussian sampler.
                releaseExponent = natural
            }
        }
        // 3. Sensitivity per partition in release steps: exact when refining, +1 when
        //    re-rounding to a coarser grid.
        let shift = releaseExponent - sensitivity.inputExponent
        let perPartitionSteps: Double
        if shift <= 0 {
            perPartitionSteps = Double(sensitivity.perPartition) * Double(sign: .plus, exponent: -shift, significand: 1)
        } else {
            perPartitionSteps =
                (Double(sensitivity.perPartition) / Double(sign: .plus, exponent: shift, significand: 1)).rounded(.down)
                + 1
        }
        let releaseStep = Double(sign: .plus, exponent: releaseExponent, significand: 1)
        // 4. Calibrate on the release grid and build the exact sampler.
        switch mechanism {
        case .laplace, .discreteLaplace:
            let l1 = perPartitionSteps * partitions
            let scaleSteps = l1 / laplaceEpsilon
            guard let rational = ExactRational(roundingUp: scaleSteps), rational.numerator < 1 << 52 else {
                throw .invalidParameter(
                    name: "epsilon", value: "\(laplaceEpsilon)",
                    reason: "gives a noise scale of \(scaleSteps) grid steps, outside the sampler's range 2^-62 … 2^52")
            }
            let sampler = DiscreteLaplaceSampler(scale: rational)
            let b = rational.doubleValue
            let multiplier = b / l1
            let event: PrivacyEvent =
                mechanism == .laplace
                ? .laplace(noiseMultiplier: multiplier) : .discreteLaplace(noiseMultiplier: multiplier)
            return AdditiveNoise(
                mechanism: mechanism, releaseExponent: releaseExponent, inputExponent: sensitivity.inputExponent,
                sensitivity: l1, scale: b * releaseStep, event: event,
                ci95HalfWidth: discreteLaplaceHalfWidth(scaleSteps: b) * releaseStep,
                sampler: .laplace(sampler))
        case .gaussian, .discreteGaussian:
            let l2 = perPartitionSteps * partitions.squareRoot()
            let sigmaSteps: Double
            if mechanism == .gaussian {
                sigmaSteps = try gaussianSigma(parameters, l2: l2)
            } else {
                sigmaSteps = l2 / (2 * (try parameters.zCDPRho())).squareRoot()
            }
            guard let sampler = DiscreteGaussianSampler(sigma: sigmaSteps) else {
                throw .invalidParameter(
                    name: mechanism == .gaussian ? "epsilon" : "rho",
                    value: "\(parameters.epsilon ?? parameters.rho ?? 0)",
                    reason: "gives σ = \(sigmaSteps) grid steps, outside the sampler's range 2^-10 … 2^24")
            }
            let sigma = sampler.sigma
            let multiplier = sigma / l2
            let event: PrivacyEvent =
                mechanism == .gaussian
                ? .gaussian(noiseMultiplier: multiplier) : .discreteGaussian(noiseMultiplier: multiplier)
            return AdditiveNoise(
                mechanism: mechanism, releaseExponent: releaseExponent, inputExponent: sensitivity.inputExponent,
                sensitivity: l2, scale: sigma * releaseStep, event: event,
                ci95HalfWidth: discreteGaussianHalfWidth(sigmaSteps: sigma) * releaseStep,
                sampler: .gaussian(sampler))
        }
    }

    /// Adds noise to `units` (an integer in input steps) and returns the noisy value in release
    /// steps: `units` moved to the release grid (exactly when it is finer, rounding to nearest,
    /// ties to even, when it is coarser) plus an exact noise sample.
    ///
    /// - Complexity: O(1) expected.
    package func releaseSteps(_ units: Int64, using generator: inout SecureRandomGenerator) -> Int64 {
        let shift = releaseExponent - inputExponent
        let base: Int64
        if shift <= 0 {
            // Saturates instead of trapping (only counts are refined, by at most 24 bits, so
            // this needs more than 2^39 rows); saturation is 1-Lipschitz, the sensitivity holds.
            base = units.multipliedSaturated(by: Int64(1) << Int64(-shift))
        } else {
            let divisor = Int64(1) << Int64(shift)
            let quotient = units >> Int64(shift)  // floor
            let remainder = units - quotient * divisor
            let half = divisor / 2
            if remainder > half || (remainder == half && quotient & 1 == 1) {
                base = quotient + 1
            } else {
                base = quotient
            }
        }
        let noise: Int64
        switch sampler {
        case let .laplace(s): noise = s.sample(using: &generator)
        case let .gaussian(s): noise = s.sample(using: &generator)
        }
        return base.addingSaturated(noise)
    }

    /// Adds noise to `units` and returns the released value in the statistic's unit.
    package func release(_ units: Int64, using generator: inout SecureRandomGenerator) -> Double {
        value(ofSteps: releaseSteps(units, using: &generator))
    }

    /// A number of release steps in the statistic's unit.
    package func value(ofSteps steps: Int64) -> Double {
        Double(steps) * Double(sign: .plus, exponent: releaseExponent, significand: 1)
    }

    /// σ of the `gaussian` mechanism for (ε, δ) parameters by their calibration method.
    static func gaussianSigma(_ parameters: NoiseParameters, l2: Double) throws(DifferentialPrivacyError) -> Double {
        guard case let .approximate(epsilon, delta, calibration) = parameters else {
            throw .invalidParameter(name: "delta", value: "missing", reason: "the gaussian mechanism needs ε and δ")
        }
        switch calibration {
        case .analytic: return try GaussianCalibration.analyticSigma(epsilon: epsilon, delta: delta, l2Sensitivity: l2)
        case .classic: return try GaussianCalibration.classicSigma(epsilon: epsilon, delta: delta, l2Sensitivity: l2)
        }
    }

    /// The smallest k with P(|Z| ≤ k) ≥ 0.95 for Z discrete Laplace of scale b steps:
    /// P(|Z| > k) = 2 q^(k+1) / (1 + q), q = e^(−1/b).
    static func discreteLaplaceHalfWidth(scaleSteps b: Double) -> Double {
        let logQ = -1 / b
        let q = exp(logQ)
        // 2 q^(k+1)/(1+q) ≤ 0.05  ⇔  k + 1 ≥ ln(0.025 (1 + q)) / ln q
        let k = (log(0.025 * (1 + q)) / logQ).rounded(.up) - 1
        return max(0, k)
    }

    /// The smallest k with P(|Z| ≤ k) ≥ 0.95 for Z discrete Gaussian of parameter σ steps:
    /// summed exactly for σ ≤ 4096, 1.96·σ (the continuous value, within one step) beyond.
    static func discreteGaussianHalfWidth(sigmaSteps sigma: Double) -> Double {
        guard sigma <= 4096 else { return (1.959963984540054 * sigma).rounded(.up) }
        let reach = Int(12 * sigma) + 2
        var total = 0.0
        for y in -reach...reach { total += exp(-Double(y * y) / (2 * sigma * sigma)) }
        var inside = 1 / total  // y = 0
        var k = 0
        while inside < 0.95 {
            k += 1
            inside += 2 * exp(-Double(k * k) / (2 * sigma * sigma)) / total
        }
        return Double(k)
    }
}
