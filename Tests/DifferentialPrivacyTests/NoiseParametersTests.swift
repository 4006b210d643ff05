import Testing
@testable import DifferentialPrivacy

/// `NoiseParameters` is one of three cases; loose options map onto them or are refused by name,
/// and each mechanism accepts only the cases it can state a guarantee for.
@Suite("Noise parameters")
struct NoiseParametersTests {
    @Test("loose options map to pure, approximate or zCDP")
    func looseOptions() throws {
        #expect(try NoiseParameters(epsilon: 1, delta: nil, rho: nil) == .pure(epsilon: 1))
        #expect(try NoiseParameters(epsilon: 1, delta: 1e-6, rho: nil) == .approximate(epsilon: 1, delta: 1e-6))
        #expect(
            try NoiseParameters(epsilon: 0.5, delta: 1e-6, rho: nil, gaussianCalibration: .classic)
                == .approximate(epsilon: 0.5, delta: 1e-6, gaussianCalibration: .classic))
        #expect(try NoiseParameters(epsilon: nil, delta: nil, rho: 0.5) == .zCDP(rho: 0.5))
    }

    @Test(
        "loose options that name no case, or two, are refused naming the parameter",
        arguments: [
            (nil, nil, nil, "epsilon"), (nil, 1e-6, nil, "delta"), (1.0, nil, 0.5, "rho"), (1.0, 1e-6, 0.5, "rho"),
            (0.0, nil, nil, "epsilon"), (-1.0, nil, nil, "epsilon"), (Double.nan, nil, nil, "epsilon"),
            (1.0, 1.0, nil, "delta"), (1.0, 0.0, nil, "delta"), (nil, nil, Double.infinity, "rho"),
        ] as [(Double?, Double?, Double?, String)])
    func refusedOptions(epsilon: Double?, delta: Double?, rho: Double?, name: String) {
        #expect {
            _ = try NoiseParameters(epsilon: epsilon, delta: delta, rho: rho)
        } throws: { error in
            guard case let DifferentialPrivacyError.invalidParameter(named, _, _) = error else { return false }
            return named == name
        }
    }

    @Test("each mechanism accepts the cases it can state a guarantee for, and states it")
    func mechanismCompatibility() throws {
        let pure = NoiseParameters.pure(epsilon: 1), approximate = NoiseParameters.approximate(epsilon: 1, delta: 1e-6)
        let zCDP = NoiseParameters.zCDP(rho: 0.5)
        let expected: [(NoiseMechanism, NoiseParameters, PrivacyEvent?)] = [
            (.laplace, pure, .pureEpsilon(1)), (.laplace, approximate, .pureEpsilon(1)), (.laplace, zCDP, nil),
            (.discreteLaplace, pure, .pureEpsilon(1)), (.discreteLaplace, approximate, .pureEpsilon(1)),
            (.discreteLaplace, zCDP, nil),
            (.gaussian, pure, nil), (.gaussian, approximate, .approximate(epsilon: 1, delta: 1e-6)),
            (.gaussian, zCDP, nil),
            (.discreteGaussian, pure, nil), (.discreteGaussian, approximate, .approximate(epsilon: 1, delta: 1e-6)),
            (.discreteGaussian, zCDP, .zCDP(rho: 0.5)),
        ]
        for (mechanism, parameters, stated) in expected {
            #expect(parameters.statedGuarantee(for: mechanism) == stated, "\(mechanism) with \(parameters)")
            if stated == nil {
                #expect(throws: DifferentialPrivacyError.self) { try parameters.validate(for: mechanism) }
            } else {
                try parameters.validate(for: mechanism)
            }
        }
        #expect(throws: DifferentialPrivacyError.self) {
            try NoiseParameters.approximate(epsilon: 1, delta: 1e-6, gaussianCalibration: .classic).validate(
                for: .gaussian)
        }
    }

    @Test("shares divide every value; ρ from (ε, δ) converts back to at most (ε, δ)")
    func sharesAndConversion() throws {
        #expect(
            NoiseParameters.approximate(epsilon: 1, delta: 1e-6).divided(by: 4)
                == .approximate(epsilon: 0.25, delta: 2.5e-7))
        #expect(NoiseParameters.zCDP(rho: 0.5).divided(by: 2) == .zCDP(rho: 0.25))
        let rho = try NoiseParameters.approximate(epsilon: 1, delta: 1e-6).zCDPRho()
        var accountant = ZCDPAccountant()
        try accountant.compose(.zCDP(rho: rho))
        let epsilon = try accountant.epsilon(delta: 1e-6)
        #expect(epsilon <= 1 && epsilon > 0.999, "ε(ρ=\(rho)) = \(epsilon)")
        #expect(throws: DifferentialPrivacyError.self) { try NoiseParameters.pure(epsilon: 1).zCDPRho() }
    }
}
