import DifferentialPrivacy
package import SecureRandom

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
package struct StatisticNoise: Sendable {
    let noise: AdditiveNoise
    /// The statistic is handed to ``AdditiveNoise`` in units of `2^-shift` model units.
    let shift: Int
    /// The noise scale (Laplace b or Gaussian σ) in model units.
    var scale: Double { noise.scale * Double(sign: .plus, exponent: -shift, significand: 1) }

    /// - Parameters:
    ///   - l1, l2: the L1 and L2 sensitivity of the whole vector, in model units (real numbers;
    ///     rounded *up* to the statistic's grid here).
    ///   - gridBits: the design matrix's grid bits (statistics are multiples of 2^-2·gridBits).
    init(
        mechanism: NoiseMechanism, parameters: NoiseParameters, l1: Double, l2: Double,
        gridBits: Int
    ) throws(PrivateLearningError) {
        let inputExponent = -2 * gridBits
        let unitsPerModelUnit = Double(sign: .plus, exponent: 2 * gridBits, significand: 1)
        let sensitivityUnits = (mechanism.isLaplaceFamily ? l1 : l2) * unitsPerModelUnit
        guard sensitivityUnits.isFinite, sensitivityUnits < 0x1p62 else {
            throw .invalidParameter(
                name: "sensitivity", value: "\(sensitivityUnits)", reason: "too large for the fixed-point grid")
        }
        let units = Int64(sensitivityUnits.rounded(.up))
        var shift = 0
        do {
            try parameters.validate(for: mechanism)
            switch mechanism {
            case .laplace, .gaussian:
                shift = 0
            case .discreteLaplace, .discreteGaussian:
                let nominal =
                    mechanism == .discreteLaplace
                    ? l1 / (parameters.epsilon ?? .nan)
                    : l2 / (2 * (try parameters.zCDPRho())).squareRoot()
                // ≈ 2^20 integer steps per noise scale, never finer than the statistic's grid.
                shift = min(2 * gridBits, 20 - Int(nominal.exponent))
            }
            let sensitivity = try AdditiveNoise.Sensitivity(
                perPartition: units, partitions: 1,
                inputExponent: inputExponent + shift)
            noise = try AdditiveNoise.calibrate(mechanism: mechanism, parameters: parameters, sensitivity: sensitivity)
        } catch {
            throw PrivateLearningError(error)
        }
        self.shift = shift
    }

    /// Adds noise to an exact statistic `value` (a multiple of `2^-2·gridBits`, below 2^53
    /// units) and returns the released value in model units.
    func release(_ value: Double, gridBits: Int, using generator: inout SecureRandomGenerator) -> Double {
        let units = Int64(value * Double(sign: .plus, exponent: 2 * gridBits, significand: 1))
        return noise.release(units, using: &generator) * Double(sign: .plus, exponent: -shift, significand: 1)
    }

    /// The guarantee a fit states for `mechanism` at `parameters`
    /// (``DifferentialPrivacy/NoiseParameters/statedGuarantee(for:)``), as a typed error when
    /// they do not suit each other.
    static func stated(
        mechanism: NoiseMechanism, parameters: NoiseParameters
    ) throws(PrivateLearningError) -> PrivacyEvent {
        guard let stated = parameters.statedGuarantee(for: mechanism) else {
            throw .invalidParameter(
                name: "parameters", value: parameters.description, reason: "do not suit \(mechanism)")
        }
        return stated
    }

    /// A fresh generator from the OS, as a typed error.
    static func systemGenerator() throws(PrivateLearningError) -> SecureRandomGenerator {
        do { return try SecureRandomGenerator() } catch {
            throw .privacy(.randomSourceFailure(reason: "\(error)"))
        }
    }
}

/// How a fit turns its exact statistics into released ones, after the budget is charged. The
/// library's only conformer is ``SampledNoise``; this package's tests inject an exact one to
/// compare fits with exact solutions. `package`: no library user can fit without noise.
package protocol StatisticReleaser {
    /// Whether released statistics equal the exact ones (the fit then adds no ridge and no
    /// noise margin).
    var isExact: Bool { get }
    /// The released value, in model units, of the exact statistic `value` (a multiple of
    /// `2^-2·gridBits`) under `noise`.
    mutating func release(_ value: Double, gridBits: Int, under noise: StatisticNoise) -> Double
}

/// The production releaser: each statistic gets calibrated exact noise from a secure generator.
package struct SampledNoise: StatisticReleaser {
    /// The generator the noise is drawn from.
    package var generator: SecureRandomGenerator

    /// A releaser drawing from `generator` (tests pass seeded generators).
    package init(generator: SecureRandomGenerator) { self.generator = generator }

    package var isExact: Bool { false }

    package mutating func release(_ value: Double, gridBits: Int, under noise: StatisticNoise) -> Double {
        noise.release(value, gridBits: gridBits, using: &generator)
    }
}
