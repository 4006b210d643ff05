import Foundation
import Testing
@testable import DifferentialPrivacy
@_spi(Testing) import SecureRandom
import Tabular

/// Chi-square upper quantile at p = 1e-6 (Wilson–Hilferty).
func criticalChiSquare(df: Int) -> Double {
    let k = Double(df), z = 4.753424308822899
    let c = 1 - 2 / (9 * k) + z * (2 / (9 * k)).squareRoot()
    return k * c * c * c
}

@Suite("Mechanisms: output distributions and noise scales")
struct MechanismTests {
    /// Draws `count` releases of an ungrouped count and returns the noise (release − truth).
    static func noise(
        mechanism: NoiseMechanism, parameters: NoiseParameters, count: Int, seed: UInt64
    ) throws -> (noise: [Double], scale: Double) {
        let table = try sampleTable(rows: 1_000)
        let partial = try DPQuery.count().partial(over: table)
        let session = try PrivacySession(budget: .approximate(epsilon: 1e9, delta: 0.5))
        var generator = SecureRandomGenerator(testSeed: seed)
        let plan = try ReleasePlan(partial: partial, mechanism: mechanism, parameters: parameters)
        _ = session
        var noise: [Double] = []
        noise.reserveCapacity(count)
        for _ in 0..<count { noise.append(plan.sample(using: &generator).value! - 1_000) }
        return (noise, plan.components[0].scale)
    }

    @Test(
        "laplace and discrete-laplace noise: mean |Z| ≈ b and variance ≈ 2b²",
        arguments: [
            (NoiseMechanism.laplace, 0.5), (.laplace, 2.0), (.discreteLaplace, 0.25), (.discreteLaplace, 1.0),
        ])
    func laplaceScale(mechanism: NoiseMechanism, epsilon: Double) throws {
        let (noise, scale) = try Self.noise(
            mechanism: mechanism, parameters: NoiseParameters.pure(epsilon: epsilon), count: 200_000, seed: 1)
        #expect(abs(scale - 1 / epsilon) <= 1 / epsilon * 1e-9)
        let meanAbsolute = noise.reduce(0) { $0 + abs($1) } / Double(noise.count)
        let variance = noise.reduce(0) { $0 + $1 * $1 } / Double(noise.count)
        // Discrete Laplace of scale t on ℤ: E|Z| = 2q/(1 − q²), Var = 2q/(1 − q)², q = e^(−1/t).
        let q = exp(-1 / scale)
        let expectedAbsolute = mechanism == .laplace ? scale : 2 * q / (1 - q * q)
        let expectedVariance = mechanism == .laplace ? 2 * scale * scale : 2 * q / ((1 - q) * (1 - q))
        #expect(abs(meanAbsolute / expectedAbsolute - 1) < 0.015, "E|Z| \(meanAbsolute) vs \(expectedAbsolute)")
        #expect(abs(variance / expectedVariance - 1) < 0.04, "Var \(variance) vs \(expectedVariance)")
    }

    @Test(
        "gaussian (analytic) and discrete-gaussian noise: standard deviation σ",
        arguments: [
            (NoiseMechanism.gaussian, NoiseParameters.approximate(epsilon: 1, delta: 1e-6)),
            (.gaussian, NoiseParameters.approximate(epsilon: 0.5, delta: 1e-5, gaussianCalibration: .classic)),
            (.discreteGaussian, NoiseParameters.zCDP(rho: 0.125)),
            (.discreteGaussian, NoiseParameters.approximate(epsilon: 1, delta: 1e-6)),
        ])
    func gaussianScale(mechanism: NoiseMechanism, parameters: NoiseParameters) throws {
        let (noise, sigma) = try Self.noise(mechanism: mechanism, parameters: parameters, count: 200_000, seed: 2)
        let variance = noise.reduce(0) { $0 + $1 * $1 } / Double(noise.count)
        let mean = noise.reduce(0, +) / Double(noise.count)
        #expect(abs(variance.squareRoot() / sigma - 1) < 0.01, "sd \(variance.squareRoot()) vs σ \(sigma)")
        #expect(abs(mean) < 5 * sigma / Double(noise.count).squareRoot())
        switch (mechanism, parameters) {
        case (.gaussian, .approximate(_, _, .analytic)):
            let expected = try GaussianCalibration.analyticSigma(epsilon: 1, delta: 1e-6, l2Sensitivity: 1)
            #expect(sigma >= expected && sigma < expected * (1 + 1e-6))
        case (.gaussian, .approximate(_, _, .classic)):
            #expect(abs(sigma - (2 * log(1.25 / 1e-5)).squareRoot() / 0.5) < 1e-3)
        case (.discreteGaussian, .zCDP):
            #expect(abs(sigma - 2) < 1e-6)  // σ = 1/√(2ρ)
        default: break
        }
    }

    @Test("permute-and-flip matches its exact output distribution (enumerated over all orders)")
    func permuteAndFlipDistribution() throws {
        let scores: [Int64] = [0, -1, -3, -5]
        let epsilon = 1.0
        let accept = scores.map { exp(epsilon * Double($0) / 2) }
        // P(r) = average over permutations of Π_{j before r}(1 − p_j) · p_r, stopping at the first acceptance.
        var exact = [Double](repeating: 0, count: scores.count)
        func permutations(_ items: [Int]) -> [[Int]] {
            items.count <= 1
                ? [items]
                : items.indices.flatMap { i in
                    permutations(items.enumerated().filter { $0.offset != i }.map(\.element)).map { [items[i]] + $0 }
                }
        }
        let orders = permutations(Array(scores.indices))
        for order in orders {
            var reach = 1.0
            for r in order {
                exact[r] += reach * accept[r] / Double(orders.count)
                reach *= 1 - accept[r]
            }
        }
        var generator = SecureRandomGenerator(testSeed: 9)
        var counts = [Int](repeating: 0, count: scores.count)
        let n = 400_000
        for _ in 0..<n {
            counts[
                try ExponentialMechanism.permuteAndFlip(
                    scores: scores, epsilon: epsilon, sensitivity: 1, using: &generator)] += 1
        }
        let chi = zip(counts, exact).reduce(0.0) { $0 + pow(Double($1.0) - Double(n) * $1.1, 2) / (Double(n) * $1.1) }
        #expect(
            chi < criticalChiSquare(df: scores.count - 1), "counts \(counts), expected \(exact.map { $0 * Double(n) })")
        #expect(throws: DifferentialPrivacyError.self) {
            try ExponentialMechanism.permuteAndFlip(scores: [], epsilon: 1, sensitivity: 1, using: &generator)
        }
        #expect(throws: DifferentialPrivacyError.self) {
            try ExponentialMechanism.permuteAndFlip(scores: [1], epsilon: 0, sensitivity: 1, using: &generator)
        }
    }

    @Test("randomised response reports the truth with probability e^ε/(e^ε + k − 1) and estimates counts without bias")
    func randomizedResponse() throws {
        let rr = try RandomizedResponse(categories: 4, epsilon: 1)
        #expect(rr.epsilon <= 1 && rr.epsilon > 1 - 1e-9)
        var generator = SecureRandomGenerator(testSeed: 4)
        let n = 400_000
        var counts = [0, 0, 0, 0]
        var truthful = 0
        for i in 0..<n {
            let truth = i % 10 < 7 ? 0 : (i % 10 < 9 ? 1 : 2)  // 70% / 20% / 10% / 0%
            let reported = rr.randomize(truth, using: &generator)
            counts[reported] += 1
            if reported == truth { truthful += 1 }
        }
        let p = exp(1.0) / (exp(1.0) + 3)
        #expect(abs(Double(truthful) / Double(n) - p) < 5 * (p * (1 - p) / Double(n)).squareRoot())
        let estimate = rr.estimateCounts(counts)
        for (value, truth) in zip(estimate, [0.7, 0.2, 0.1, 0.0]) {
            #expect(abs(value / Double(n) - truth) < 0.01)
        }
        #expect(throws: DifferentialPrivacyError.self) { try RandomizedResponse(categories: 1, epsilon: 1) }
    }

    @Test("sparse vector: halts at the first query above the threshold and refuses afterwards")
    func sparseVector() throws {
        var generator = SecureRandomGenerator(testSeed: 6)
        var falsePositives = 0
        for _ in 0..<2_000 {
            var svt = try SparseVector(threshold: 1_000, epsilon: 1, sensitivity: 1, using: &generator)
            if try svt.isAboveThreshold(900, using: &generator) { falsePositives += 1 }
        }
        // Noise scales 2Δ/ε = 2 and 4Δ/ε = 4: a gap of 100 is ~25 scales away.
        #expect(falsePositives == 0)
        var svt = try SparseVector(threshold: 1_000, epsilon: 1, sensitivity: 1, using: &generator)
        var answered = 0
        while try !svt.isAboveThreshold(answered < 5 ? 0 : 2_000, using: &generator) { answered += 1 }
        #expect(answered == 5)
        #expect(throws: DifferentialPrivacyError.self) { try svt.isAboveThreshold(0, using: &generator) }
    }
}

@Suite("Utility: mean absolute error within 5% of theory (4,000 repetitions at ε = 1)")
struct UtilityTests {
    static let repetitions = 4_000

    /// E|X + Y| for independent Laplace X, Y of scales a, c: (a² + ac + c²)/(a + c).
    static func laplaceSumMAE(_ a: Double, _ c: Double) -> Double { (a * a + a * c + c * c) / (a + c) }

    @Test("sum, mean and per-bin histogram counts")
    func utility() throws {
        let table = try sampleTable(rows: 100_000)
        let session = try PrivacySession(budget: .pure(epsilon: 1e9))
        var generator = SecureRandomGenerator(testSeed: 12)
        let parameters = NoiseParameters.pure(epsilon: 1)

        // Sum over [0, 50]: Laplace b = 50/ε.
        let sumPartial = try DPQuery.sum(of: "fare", clampedTo: 0...50).partial(over: table)
        let trueSum = Double(sumPartial.cells[0].sum) * sumPartial.grid.step
        var sumError = 0.0
        for _ in 0..<Self.repetitions {
            sumError += abs(
                try session.gatedRelease(sumPartial, mechanism: .laplace, parameters: parameters, generator: &generator)
                    .release.value! - trueSum)
        }
        let sumMAE = sumError / Double(Self.repetitions)
        #expect(abs(sumMAE / 50 - 1) < 0.05, "sum MAE \(sumMAE) vs theory 50")

        // Mean: ε/2 each on count (b = 2) and sum (b = 100); first-order error (Z_S − μ Z_N)/N.
        let meanPartial = try DPQuery.mean(of: "fare", clampedTo: 0...50).partial(over: table)
        let n = Double(meanPartial.cells[0].count)
        let trueMean = Double(meanPartial.cells[0].sum) * meanPartial.grid.step / n
        var meanError = 0.0
        for _ in 0..<Self.repetitions {
            meanError += abs(
                try session.gatedRelease(
                    meanPartial, mechanism: .laplace, parameters: parameters, generator: &generator
                ).release.value! - trueMean)
        }
        let meanMAE = meanError / Double(Self.repetitions)
        let meanTheory = Self.laplaceSumMAE(100, trueMean * 2) / n
        #expect(abs(meanMAE / meanTheory - 1) < 0.05, "mean MAE \(meanMAE) vs theory \(meanTheory)")

        // Histogram of 10 public bins: each count gets Laplace b = 1/ε.
        let histogramPartial = try DPQuery.histogram(of: "fare", bins: 10, over: 0...50).partial(over: table)
        var binError = 0.0
        for _ in 0..<Self.repetitions / 10 {
            let release = try session.gatedRelease(
                histogramPartial, mechanism: .laplace, parameters: parameters, generator: &generator
            ).release
            for (row, cell) in zip(release.rows, histogramPartial.cells) {
                binError += abs(row.value - Double(cell.count))
            }
        }
        let binMAE = binError / Double(Self.repetitions)
        #expect(abs(binMAE - 1) < 0.05, "per-bin MAE \(binMAE) vs theory 1")
    }
}
