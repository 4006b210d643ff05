import Foundation
import Testing
@_spi(Testing) import SecureRandom

/// Upper quantile of the chi-square distribution with `df` degrees of freedom at p = 1e-6, by
/// the Wilson–Hilferty approximation (accurate to ~1% for df ≥ 3, ample for a 1e-6 threshold).
func chiSquareCritical(df: Int) -> Double {
    let k = Double(df)
    let z = 4.753424308822899  // one-sided normal quantile at 1e-6
    let c = 1 - 2 / (9 * k) + z * (2 / (9 * k)).squareRoot()
    return k * c * c * c
}

/// Pearson's chi-square of integer samples against an exact pmf, pooling values whose expected
/// count is below 5 into two tail bins. Returns (statistic, degrees of freedom).
func chiSquareAgainst(pmf: (Int64) -> Double, support: ClosedRange<Int64>, samples: [Int64]) -> (Double, Int) {
    var counts: [Int64: Int] = [:]
    for value in samples { counts[value, default: 0] += 1 }
    let n = Double(samples.count)
    var statistic = 0.0, bins = 0
    var lowTailExpected = 0.0, lowTailObserved = 0, highTailExpected = 0.0, highTailObserved = 0
    var insideMass = 0.0
    for value in support {
        let expected = n * pmf(value)
        insideMass += pmf(value)
        let observed = counts[value, default: 0]
        if expected < 5 {
            if value < 0 {
                lowTailExpected += expected
                lowTailObserved += observed
            } else {
                highTailExpected += expected
                highTailObserved += observed
            }
            continue
        }
        statistic += (Double(observed) - expected) * (Double(observed) - expected) / expected
        bins += 1
    }
    // Mass outside `support` goes to the tails (split evenly: symmetric distributions).
    let outside = max(0, 1 - insideMass) * n / 2
    lowTailExpected += outside
    highTailExpected += outside
    lowTailObserved += samples.filter { $0 < support.lowerBound }.count
    highTailObserved += samples.filter { $0 > support.upperBound }.count
    for (observed, expected) in [(lowTailObserved, lowTailExpected), (highTailObserved, highTailExpected)]
    where expected > 0 {
        statistic += (Double(observed) - expected) * (Double(observed) - expected) / expected
        bins += 1
    }
    return (statistic, bins - 1)
}

func discreteLaplacePMF(scale: Double) -> (Int64) -> Double {
    let q = exp(-1 / scale)
    return { y in (1 - q) / (1 + q) * pow(q, Double(y.magnitude)) }
}

func discreteGaussianPMF(sigma: Double) -> (Int64) -> Double {
    let variance = sigma * sigma
    let reach = Int64(40 * sigma + 20)
    var total = 0.0
    for y in -reach...reach { total += exp(-Double(y * y) / (2 * variance)) }
    return { y in exp(-Double(y * y) / (2 * variance)) / total }
}

@Suite("Exact samplers: empirical distributions match the exact pmf (10^6 samples, p = 1e-6)")
struct ExactSamplerTests {
    static let sampleCount = 1_000_000

    @Test("Bernoulli(n/d) frequency", arguments: [(1, 3), (7, 10), (1, 1_000)] as [(UInt64, UInt64)])
    func bernoulli(numerator: UInt64, denominator: UInt64) {
        var generator = SecureRandomGenerator(testSeed: 11 &+ numerator)
        var hits = 0
        for _ in 0..<Self.sampleCount where generator.nextBernoulli(numerator: numerator, denominator: denominator) {
            hits += 1
        }
        let p = Double(numerator) / Double(denominator)
        let z = (Double(hits) - Double(Self.sampleCount) * p) / (Double(Self.sampleCount) * p * (1 - p)).squareRoot()
        #expect(abs(z) < 4.89, "hits \(hits), z \(z)")
    }

    @Test(
        "Bernoulli(exp(−γ)) frequency",
        arguments: [(0, 1), (1, 3), (1, 1), (5, 2), (7, 1), (123_456_789, 100_000_000)] as [(UInt64, UInt64)])
    func bernoulliExp(numerator: UInt64, denominator: UInt64) {
        var generator = SecureRandomGenerator(testSeed: 99 &+ numerator)
        var hits = 0
        for _ in 0..<Self.sampleCount
        where generator.nextBernoulliExpMinus(numerator: numerator, denominator: denominator) { hits += 1 }
        let p = exp(-Double(numerator) / Double(denominator))
        if p == 1 {
            #expect(hits == Self.sampleCount)
            return
        }
        let z = (Double(hits) - Double(Self.sampleCount) * p) / (Double(Self.sampleCount) * p * (1 - p)).squareRoot()
        #expect(abs(z) < 4.89, "hits \(hits), expected \(Double(Self.sampleCount) * p), z \(z)")
    }

    @Test("128-bit Bernoulli(exp(−γ)) agrees with exp(−γ) for parts beyond 2^64")
    func bernoulliExp128() {
        var generator = SecureRandomGenerator(testSeed: 128)
        let denominator = UInt128(3) << 70, numerator = UInt128(5) << 69  // γ = 5/6
        var hits = 0
        for _ in 0..<Self.sampleCount
        where generator.nextBernoulliExpMinus128(numerator: numerator, denominator: denominator) { hits += 1 }
        let p = exp(-5.0 / 6.0)
        let z = (Double(hits) - Double(Self.sampleCount) * p) / (Double(Self.sampleCount) * p * (1 - p)).squareRoot()
        #expect(abs(z) < 4.89, "hits \(hits), z \(z)")
    }

    @Test("discrete Laplace matches its pmf", arguments: [0.5, 1.0, 3.7, 100.0])
    func discreteLaplace(scale: Double) {
        let rational = ExactRational(roundingUp: scale)!
        let sampler = DiscreteLaplaceSampler(scale: rational)
        var generator = SecureRandomGenerator(testSeed: UInt64(scale * 1000))
        let samples = sampler.samples(Self.sampleCount, using: &generator)
        let reach = Int64(scale * 30 + 10)
        let (statistic, df) = chiSquareAgainst(
            pmf: discreteLaplacePMF(scale: rational.doubleValue), support: -reach...reach, samples: samples)
        #expect(statistic < chiSquareCritical(df: df), "χ² = \(statistic), df = \(df)")
    }

    @Test("the discrete Laplace test has power: scale 3.7 samples fail against scale 3.85")
    func discreteLaplacePower() {
        let sampler = DiscreteLaplaceSampler(scale: ExactRational(roundingUp: 3.7)!)
        var generator = SecureRandomGenerator(testSeed: 37)
        let samples = sampler.samples(Self.sampleCount, using: &generator)
        let (statistic, df) = chiSquareAgainst(
            pmf: discreteLaplacePMF(scale: 3.85), support: -120...120, samples: samples)
        #expect(statistic > chiSquareCritical(df: df), "χ² = \(statistic), df = \(df)")
    }

    @Test("geometric matches (1 − q) q^y", arguments: [0.25, 2.0, 40.0])
    func geometric(scale: Double) {
        let rational = ExactRational(roundingUp: scale)!
        let sampler = GeometricSampler(scale: rational)
        var generator = SecureRandomGenerator(testSeed: 7 &+ UInt64(scale * 100))
        let samples = (0..<Self.sampleCount).map { _ in Int64(sampler.sample(using: &generator)) }
        let q = exp(-1 / rational.doubleValue)
        let (statistic, df) = chiSquareAgainst(
            pmf: { y in y < 0 ? 0 : (1 - q) * pow(q, Double(y)) },
            support: 0...Int64(scale * 40 + 10), samples: samples)
        #expect(statistic < chiSquareCritical(df: df), "χ² = \(statistic), df = \(df)")
    }

    @Test("discrete Gaussian matches its pmf", arguments: [0.8, 2.0, 10.0, 150.0])
    func discreteGaussian(sigma: Double) {
        let sampler = DiscreteGaussianSampler(sigma: sigma)!
        var generator = SecureRandomGenerator(testSeed: 1000 &+ UInt64(sigma * 10))
        let samples = sampler.samples(Self.sampleCount, using: &generator)
        let reach = Int64(sigma * 8 + 5)
        let (statistic, df) = chiSquareAgainst(
            pmf: discreteGaussianPMF(sigma: sampler.sigma), support: -reach...reach, samples: samples)
        #expect(statistic < chiSquareCritical(df: df), "χ² = \(statistic), df = \(df)")
    }

    @Test("the discrete Gaussian test has power: σ = 10 samples fail against σ = 10.3")
    func discreteGaussianPower() {
        let sampler = DiscreteGaussianSampler(sigma: 10)!
        var generator = SecureRandomGenerator(testSeed: 10)
        let samples = sampler.samples(Self.sampleCount, using: &generator)
        let (statistic, df) = chiSquareAgainst(
            pmf: discreteGaussianPMF(sigma: 10.3), support: -90...90, samples: samples)
        #expect(statistic > chiSquareCritical(df: df), "χ² = \(statistic), df = \(df)")
    }

    @Test("large scales: moments of discrete Laplace (scale 2^30) and discrete Gaussian (σ = 2^22)")
    func largeScales() {
        var generator = SecureRandomGenerator(testSeed: 31)
        let laplace = DiscreteLaplaceSampler(scale: ExactRational(numerator: 1 << 30, denominator: 1)!)
        let gaussian = DiscreteGaussianSampler(sigma: 0x1p22)!
        let n = 200_000
        var sumSquaresL = 0.0, sumSquaresG = 0.0, sumL = 0.0, sumG = 0.0
        for _ in 0..<n {
            let l = Double(laplace.sample(using: &generator)), g = Double(gaussian.sample(using: &generator))
            sumL += l
            sumG += g
            sumSquaresL += l * l
            sumSquaresG += g * g
        }
        // Var(DLap(b)) ≈ 2b², Var(DGauss(σ)) ≈ σ² for large scales; SE of a variance estimate ≈ √(κ/n).
        let varianceL = sumSquaresL / Double(n) / (2 * 0x1p60)
        let varianceG = sumSquaresG / Double(n) / 0x1p44
        #expect(abs(varianceL - 1) < 0.05, "DLap variance ratio \(varianceL)")
        #expect(abs(varianceG - 1) < 0.02, "DGauss variance ratio \(varianceG)")
        #expect(abs(sumL / Double(n)) < 5 * (2 * 0x1p60 / Double(n)).squareRoot())
        #expect(abs(sumG / Double(n)) < 5 * (0x1p44 / Double(n)).squareRoot())
    }

    @Test("ExactRational rounds up, keeps 32 significant bits, rejects bad values")
    func rationalRounding() {
        let third = ExactRational(roundingUp: 1.0 / 3.0)!
        #expect(third.doubleValue >= 1.0 / 3.0)
        #expect(third.doubleValue - 1.0 / 3.0 < 1.0 / 3.0 * 0x1p-31)
        #expect(ExactRational(roundingUp: 0.5) == ExactRational(numerator: 1, denominator: 2))
        #expect(ExactRational(roundingUp: 1024) == ExactRational(numerator: 1024, denominator: 1))
        #expect(ExactRational(roundingUp: .nan) == nil)
        #expect(ExactRational(roundingUp: -1) == nil)
        #expect(ExactRational(roundingUp: 0) == nil)
        #expect(ExactRational(roundingUp: .infinity) == nil)
        #expect(ExactRational(numerator: 6, denominator: 4) == ExactRational(numerator: 3, denominator: 2))
        #expect(DiscreteGaussianSampler(sigma: 1e9) == nil)
    }
}
