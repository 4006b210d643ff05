import Testing
import Foundation
@_spi(Testing) import SecureRandom
@testable import SecureAggregation

@Suite("SecAgg quantisation into the ring")
struct SecAggQuantisationTests {
    @Test func sumOfQuantisedVectorsDecodesToTheRealSum() throws {
        let parties = 50, dimension = 64
        let quantiser = try RingQuantiser.fitting(parties: parties, clippingBound: 10, modulusBits: 32)
        // The chosen scale is the largest power of two that cannot wrap.
        let limit = Double(UInt64(1) << 31) - 1
        #expect(Double(parties) * (10 * quantiser.scale + 1) <= limit)
        #expect(Double(parties) * (10 * quantiser.scale * 2 + 1) > limit)
        var generator = SecureRandomGenerator(testSeed: 21)
        var sum = [UInt32](repeating: 0, count: dimension)
        var exact = [Double](repeating: 0, count: dimension)
        for p in 0..<parties {
            // Norm ≤ 10: no clipping; values of both signs.
            let values = (0..<dimension).map { i in Double((p * 31 + i * 17) % 200 - 100) / 100.0 }
            let encoded = try quantiser.encode(values, using: &generator)
            for i in 0..<dimension {
                sum[i] &+= encoded[i]
                exact[i] += values[i]
            }
        }
        let decoded = quantiser.decode(sum)
        for i in 0..<dimension {
            #expect(abs(decoded[i] - exact[i]) <= Double(parties) / quantiser.scale)
        }
    }

    @Test func clippingScalesVectorsToTheBound() throws {
        let quantiser = try RingQuantiser(modulusBits: 32, scale: 1024, clippingBound: 1)
        var generator = SecureRandomGenerator(testSeed: 22)
        let decoded = quantiser.decode(try quantiser.encode([3, 4], using: &generator))  // norm 5 → (0.6, 0.8)
        #expect(abs(decoded[0] - 0.6) <= 1.0 / 1024)
        #expect(abs(decoded[1] - 0.8) <= 1.0 / 1024)
    }

    @Test func stochasticRoundingIsUnbiased() throws {
        let quantiser = try RingQuantiser(modulusBits: 16, scale: 1, clippingBound: 200)  // norm ≈ 134: no clipping
        var generator = SecureRandomGenerator(testSeed: 23)
        let values = [Double](repeating: -0.3, count: 200_000)
        let integers = quantiser.decodeIntegers(try quantiser.encode(values, using: &generator))
        #expect(Set(integers) == [-1, 0])
        let mean = Double(integers.reduce(0, +)) / Double(integers.count)
        #expect(abs(mean + 0.3) < 0.005)  // 4.6 standard errors
    }

    @Test func invalidInputsAreTypedErrors() throws {
        var generator = SecureRandomGenerator(testSeed: 24)
        let quantiser = try RingQuantiser(modulusBits: 8, scale: 4, clippingBound: 2)
        #expect(throws: SecureAggregationError.self) { try quantiser.encode([1, .nan], using: &generator) }
        #expect(throws: SecureAggregationError.self) { try RingQuantiser(modulusBits: 33, scale: 1, clippingBound: 1) }
        #expect(throws: SecureAggregationError.self) { try RingQuantiser(modulusBits: 8, scale: 100, clippingBound: 2) }
        #expect(throws: SecureAggregationError.self) {
            try RingQuantiser.fitting(parties: 1_000, clippingBound: 1e9, modulusBits: 8)
        }
    }
}

@Suite("SecAgg distributed discrete Gaussian noise")
struct SecAggDistributedNoiseTests {
    @Test func largeSigmaApproachesTheCentralGaussian() {
        // τ vanishes: ρ → Δ²/(2nσ²).
        let rho = DistributedDiscreteGaussian.rho(
            localSigma: 20, contributors: 100, l2Sensitivity: 100,
            l1Sensitivity: 1000, dimension: 100)
        let central = 100.0 * 100.0 / (2 * 100 * 400)
        #expect(abs(rho - central) / central < 1e-6)
        // Small σ: τ is not negligible and ρ is larger than the central value.
        let small = DistributedDiscreteGaussian.rho(
            localSigma: 0.5, contributors: 100, l2Sensitivity: 1,
            l1Sensitivity: 1, dimension: 1000)
        #expect(small > 1.0 / (2 * 100 * 0.25))
    }

    @Test func localSigmaMeetsTheTargetRho() throws {
        for target in [0.01, 0.1, 1.0] {
            let sigma = try DistributedDiscreteGaussian.localSigma(
                forRho: target, contributors: 50, l2Sensitivity: 64,
                l1Sensitivity: 512, dimension: 64)
            let achieved = DistributedDiscreteGaussian.rho(
                localSigma: sigma, contributors: 50, l2Sensitivity: 64,
                l1Sensitivity: 512, dimension: 64)
            #expect(achieved <= target)
            #expect(achieved > target * 0.99)
        }
    }

    @Test func noisySecureSumCarriesTheSumOfTheNoiseShares() throws {
        let parties = 12, dimension = 4_000, sigma = 3.0
        let configuration = try SecAggFixture.configuration(parties: parties, dimension: dimension, modulusBits: 24)
        var generator = SecureRandomGenerator(testSeed: 31)
        let clean = SecAggSimulation.randomInputs(for: configuration, using: &generator).mapValues {
            $0.map { $0 & 0xFFFF }
        }
        var noisy: [PartyID: [UInt32]] = [:]
        for (id, vector) in clean {
            var source = try DiscreteGaussianNoiseShares(
                sigma: sigma, generator: SecureRandomGenerator(testSeed: 100 + UInt64(id)))
            var copy = vector
            DistributedDiscreteGaussian.addNoise(to: &copy, modulusBits: 24, from: &source)
            noisy[id] = copy
        }
        let report = try SecAggSimulation.run(configuration: configuration, inputs: noisy)
        #expect(report.correct)
        // aggregate − clean sum = Σ noise, variance ≈ n·σ² (discrete Gaussian variance ≈ σ² for σ ≥ 1).
        let quantiser = try RingQuantiser(modulusBits: 24, scale: 1, clippingBound: 1)
        var cleanSum = [UInt32](repeating: 0, count: dimension)
        for vector in clean.values { for i in 0..<dimension { cleanSum[i] &+= vector[i] } }
        let difference = zip(report.aggregate, cleanSum).map { ($0 &- $1) & 0xFF_FFFF }
        let noise = quantiser.decodeIntegers(difference).map(Double.init)
        let mean = noise.reduce(0, +) / Double(dimension)
        let variance = noise.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(dimension - 1)
        let expected = Double(parties) * sigma * sigma
        #expect(abs(mean) < 4 * (expected / Double(dimension)).squareRoot())
        #expect(abs(variance - expected) / expected < 0.1)  // ≈ 4.5 standard errors at d = 4,000
    }
}
