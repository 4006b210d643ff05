import DifferentialPrivacy
import SecureRandom

/// Calibrated noise for a vector of exact fixed-point statistics of a ``DesignMatrix``
/// (entries of XᵀX, Xᵀy or Xᵀr, integers in units of `2^-2·gridBits`).
///
/// A thin adapter over ``AdditiveNoise`` — the one noise path of the package — that only
/// chooses the unit the statistic is expressed in:
/// - `laplace` / `gaussian`: the statistic's own grid; ``AdditiveNoise`` picks a power-of-two
///   release grid about 2^-20 of the noise scale (adding one step of sensitivity when it
///   re-rounds to a coarser grid).
/// - `discreteLaplace` / `discreteGaussian`: these release on the integers of the unit they are
///   given, so the statistic is expressed in units of `2^-shift` with `shift` chosen (from the
///   public noise scale only) to put about 2^20 grid steps in one noise scale. Multiplying a
///   statistic by a public power of two changes nothing about privacy.
struct StatisticNoise: Sendable {
    let noise: AdditiveNoise
    /// The statistic is handed to ``AdditiveNoise`` in units of `2^-shift` model units.
    let shift: Int
    /// The noise scale (Laplace b or Gaussian σ) in model units.
    var scale: Double { noise.scale * Double(sign: .plus, exponent: -shift, significand: 1) }

    /// - Parameters:
    ///   - l1, l2: the L1 and L2 sensitivity of the whole vector, in model units (real numbers;
    ///     rounded *up* to the statistic's grid here).
    ///   - gridBits: the design matrix's grid bits (statistics are multiples of 2^-2·gridBits).
    init(mechanism: NoiseMechanism, parameters: NoiseParameters, l1: Double, l2: Double,
         gridBits: Int) throws(PrivateLearningError) {
        let inputExponent = -2 * gridBits
        let unitsPerModelUnit = Double(sign: .plus, exponent: 2 * gridBits, significand: 1)
        let sensitivityUnits = (mechanism.isLaplaceFamily ? l1 : l2) * unitsPerModelUnit
        guard sensitivityUnits.isFinite, sensitivityUnits < 0x1p62 else {
            throw .invalidParameter(name: "sensitivity", value: "\(sensitivityUnits)", reason: "too large for the fixed-point grid")
        }
        let units = Int64(sensitivityUnits.rounded(.up))
        var shift = 0
        do {
            try parameters.validate(for: mechanism)
            switch mechanism {
            case .laplace, .gaussian:
                shift = 0
            case .discreteLaplace, .discreteGaussian:
                let nominal = mechanism == .discreteLaplace
                    ? l1 / parameters.epsilon!
                    : l2 / (2 * (try Self.zCDPRho(parameters))).squareRoot()
                // ≈ 2^20 integer steps per noise scale, never finer than the statistic's grid.
                shift = min(2 * gridBits, 20 - Int(nominal.exponent))
            }
            let sensitivity = try AdditiveNoise.Sensitivity(perPartition: units, partitions: 1,
                                                        inputExponent: inputExponent + shift)
            noise = try AdditiveNoise.calibrate(mechanism: mechanism, parameters: parameters, sensitivity: sensitivity)
        } catch {
            throw PrivateLearningError(error)
        }
        self.shift = shift
    }

    /// Adds noise to an exact statistic `value` (a multiple of `2^-2·gridBits`, below 2^53
    /// units) and returns the released value in model units. With `noiseFree` (tests only) the
    /// value is returned unchanged.
    func release(_ value: Double, gridBits: Int, noiseFree: Bool, using generator: inout SecureRandomGenerator) -> Double {
        if noiseFree { return value }
        let units = Int64(value * Double(sign: .plus, exponent: 2 * gridBits, significand: 1))
        return noise.release(units, using: &generator) * Double(sign: .plus, exponent: -shift, significand: 1)
    }

    /// ρ of a zCDP parameter set: as given, or the largest ρ whose conversion (the zCDP
    /// accountant's) gives at most (ε, δ), by bisection.
    static func zCDPRho(_ parameters: NoiseParameters) throws(DifferentialPrivacyError) -> Double {
        if let rho = parameters.rho { return rho }
        guard let epsilon = parameters.epsilon, let delta = parameters.delta else {
            throw .invalidParameter(name: "rho", value: "missing", reason: "give ρ, or ε and δ")
        }
        var low = 0.0, high = epsilon * epsilon
        for _ in 0..<100 {
            let middle = (low + high) / 2
            var accountant = ZCDPAccountant()
            try accountant.compose(.zCDP(rho: middle))
            if try accountant.epsilon(delta: delta) <= epsilon { low = middle } else { high = middle }
        }
        guard low > 0 else {
            throw .invalidParameter(name: "epsilon", value: "\(epsilon)", reason: "no ρ > 0 reaches (ε, δ) = (\(epsilon), \(delta))")
        }
        return low
    }

    /// The guarantee a fit states for `mechanism` at `parameters`: pure ε for the Laplace
    /// family, (ε, δ) for the Gaussian, ρ-zCDP (or the (ε, δ) it was derived from) for the
    /// discrete Gaussian.
    static func stated(mechanism: NoiseMechanism, parameters: NoiseParameters) -> PrivacyEvent {
        switch mechanism {
        case .laplace, .discreteLaplace: return .pureEpsilon(parameters.epsilon!)
        case .gaussian: return .approximate(epsilon: parameters.epsilon!, delta: parameters.delta!)
        case .discreteGaussian:
            if let rho = parameters.rho { return .zCDP(rho: rho) }
            return .approximate(epsilon: parameters.epsilon!, delta: parameters.delta!)
        }
    }

    /// A fresh generator from the OS, as a typed error.
    static func systemGenerator() throws(PrivateLearningError) -> SecureRandomGenerator {
        do { return try SecureRandomGenerator() } catch {
            throw .privacy(.randomSourceFailure(reason: "\(error)"))
        }
    }
}
