import Testing
@_spi(Testing) import SecureRandom

/// Pearson's chi-square statistic of `counts` against equal expected frequencies.
func chiSquare(_ counts: [Int]) -> Double {
    let total = Double(counts.reduce(0, +))
    let expected = total / Double(counts.count)
    return counts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
}

/// Upper 1e-6 quantiles of the chi-square distribution (scipy.stats.chi2.isf(1e-6, df)).
let chiSquareCritical1e6: [Int: Double] = [9: 44.81093787068782, 11: 48.86564276320364]
/// Two-sided normal quantile for p = 1e-6 (scipy.stats.norm.isf(5e-7)).
let zCritical1e6 = 4.891638475698

/// Counts of `sample()` (values < bound) in `bins` equal-width bins over `0..<bound`.
func binCounts(bins: Int, bound: UInt64, samples: Int, _ sample: () -> UInt64) -> [Int] {
    var counts = [Int](repeating: 0, count: bins)
    let width = bound / UInt64(bins)
    precondition(width * UInt64(bins) == bound)
    for _ in 0..<samples { counts[Int(sample() / width)] += 1 }
    return counts
}

@Suite("Distribution tests (fixed test seeds, thresholds at p = 1e-6)")
struct DistributionTests {
    static let samples = 1_000_000

    @Test("nextUniform(below: 10) passes chi-square (df 9)")
    func uniformSmallBound() {
        var generator = SecureRandomGenerator(testSeed: 2024)
        let counts = binCounts(bins: 10, bound: 10, samples: Self.samples) { generator.nextUniform(below: 10) }
        #expect(chiSquare(counts) < chiSquareCritical1e6[9]!, "counts \(counts)")
    }

    /// bound = 3·2^62: a plain `x % bound` maps 2^64 values onto 3·2^62 residues, hitting
    /// the first third twice as often; Lemire's method rejects 1/4 of draws to avoid it.
    static let largeBound: UInt64 = 3 << 62

    @Test("nextUniform(below: 3·2^62) passes chi-square over 12 bins (df 11)")
    func uniformLargeBound() {
        var generator = SecureRandomGenerator(testSeed: 2025)
        let counts = binCounts(bins: 12, bound: Self.largeBound, samples: Self.samples) {
            generator.nextUniform(below: Self.largeBound)
        }
        #expect(chiSquare(counts) < chiSquareCritical1e6[11]!, "counts \(counts)")
    }

    @Test("the same chi-square test rejects a biased x % bound reduction (the test has power)")
    func biasedReductionFails() {
        var generator = SecureRandomGenerator(testSeed: 2025)
        let counts = binCounts(bins: 12, bound: Self.largeBound, samples: Self.samples) {
            generator.next() % Self.largeBound
        }
        #expect(chiSquare(counts) > chiSquareCritical1e6[11]!, "counts \(counts)")
    }

    @Test(
        "bound 1 always returns 0; results stay below the bound",
        arguments: [1, 2, 3, 10, (1 << 32) + 1, .max] as [UInt64])
    func bounds(bound: UInt64) {
        var generator = SecureRandomGenerator(testSeed: bound)
        for _ in 0..<10_000 {
            let value = generator.nextUniform(below: bound)
            #expect(value < bound)
            if bound == 1 { #expect(value == 0) }
        }
    }

    @Test("nextBits(k) stays below 2^k; k = 0 is 0, k = 64 is a full word")
    func bits() {
        var generator = SecureRandomGenerator(testSeed: 3)
        var reference = SecureRandomGenerator(testSeed: 3)
        #expect(generator.nextBits(0) == 0)
        for k in 1...64 {
            let value = generator.nextBits(k)
            #expect(value == reference.next() >> UInt64(64 - k))
            if k < 64 { #expect(value < (1 << UInt64(k))) }
        }
    }

    @Test("nextBool is balanced")
    func bools() {
        var generator = SecureRandomGenerator(testSeed: 4)
        let n = Self.samples
        let trues = (0..<n).reduce(0) { count, _ in count + (generator.nextBool() ? 1 : 0) }
        let z = (Double(trues) - Double(n) / 2) / (Double(n).squareRoot() / 2)
        #expect(abs(z) < zCritical1e6, "trues \(trues) of \(n)")
    }

    @Test("bulk fill: every bit position, and the total, is balanced")
    func bitBalance() {
        var generator = SecureRandomGenerator(testSeed: 6)
        var words = [UInt64](repeating: 0, count: 1 << 17)  // 1 MiB
        generator.fill(&words)
        var perPosition = [Int](repeating: 0, count: 64)
        for word in words {
            for bit in 0..<64 where word >> UInt64(bit) & 1 == 1 { perPosition[bit] += 1 }
        }
        let n = Double(words.count)
        // 64 positions tested: per-position two-sided threshold at p = 1e-6 / 64 ≈ 1.6e-8.
        let perPositionCritical = 5.65
        for (bit, ones) in perPosition.enumerated() {
            let z = (Double(ones) - n / 2) / (n.squareRoot() / 2)
            #expect(abs(z) < perPositionCritical, "bit \(bit): \(ones) ones in \(words.count) words")
        }
        let totalBits = n * 64
        let totalOnes = Double(perPosition.reduce(0, +))
        #expect(abs((totalOnes - totalBits / 2) / (totalBits.squareRoot() / 2)) < zCritical1e6)
    }
}
