import Testing
@_spi(Testing) import SecureRandom
@testable import SecureAggregation

@Suite("Mersenne61 field")
struct ShamirFieldTests {
    let p = Mersenne61.modulus

    /// Reference: the 128-bit product reduced with the standard library's full-width division.
    func reference(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return p.dividingFullWidth((product.high, product.low)).remainder
    }

    @Test func multiplicationMatchesFullWidthDivision() {
        var generator = SecureRandomGenerator(testSeed: 61)
        let edges: [UInt64] = [0, 1, 2, p - 1, p - 2, 1 << 60, (1 << 60) + 1, p / 2]
        for a in edges { for b in edges { #expect((Mersenne61(a) * Mersenne61(b)).value == reference(a, b)) } }
        for _ in 0..<20_000 {
            let a = generator.nextUniform(below: p), b = generator.nextUniform(below: p)
            #expect((Mersenne61(a) * Mersenne61(b)).value == reference(a, b))
        }
    }

    @Test func reductionAdditionSubtractionAndInverse() {
        #expect(Mersenne61(p).value == 0)
        #expect(Mersenne61(UInt64.max).value == UInt64.max % p)
        #expect((Mersenne61(p - 1) + Mersenne61(5)).value == 4)
        #expect((Mersenne61(3) - Mersenne61(5)).value == p - 2)
        #expect((-Mersenne61(0)).value == 0)
        #expect(Mersenne61.zero.inverse() == nil)
        var generator = SecureRandomGenerator(testSeed: 7)
        for _ in 0..<200 {
            let a = Mersenne61(generator.nextUniform(below: p - 1) + 1)
            #expect(a * a.inverse()! == .one)
        }
    }
}

@Suite("Shamir secret sharing")
struct ShamirSecretSharingTests {
    @Test(arguments: [(2, 3), (3, 5), (7, 10), (34, 50)])
    func anyThresholdSubsetRecoversTheSecret(threshold: Int, holderCount: Int) throws {
        var generator = SecureRandomGenerator(testSeed: UInt64(threshold * 1000 + holderCount))
        var secret = [UInt8](repeating: 0, count: 32)
        secret.withUnsafeMutableBytes { generator.fill($0) }
        let holders = (1...holderCount).map { PartyID($0 * 7 + 3) }
        let shares = try ShamirSecretSharing.split(secret, threshold: threshold, holders: holders, using: &generator)
        #expect(shares.count == holderCount)
        #expect(shares.allSatisfy { $0.values.count == 5 })
        for _ in 0..<5 {
            var shuffled = shares
            for i in stride(from: shuffled.count - 1, to: 0, by: -1) {
                shuffled.swapAt(i, Int(generator.nextUniform(below: UInt64(i + 1))))
            }
            #expect(
                try ShamirSecretSharing.reconstruct(
                    Array(shuffled.prefix(threshold)), threshold: threshold, byteCount: 32) == secret)
        }
    }

    @Test func oddLengthsAndEmptySecrets() throws {
        var generator = SecureRandomGenerator(testSeed: 3)
        for length in [0, 1, 6, 7, 8, 13, 14, 15, 33] {
            let secret = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 255) }
            let shares = try ShamirSecretSharing.split(secret, threshold: 3, holders: [1, 2, 3, 4], using: &generator)
            #expect(
                try ShamirSecretSharing.reconstruct(Array(shares.suffix(3)), threshold: 3, byteCount: length) == secret)
        }
    }

    @Test func fewerThanThresholdSharesAreRefusedAndDoNotDetermineTheSecret() throws {
        var generator = SecureRandomGenerator(testSeed: 11)
        let secret = [UInt8](repeating: 0xAB, count: 32)
        let shares = try ShamirSecretSharing.split(secret, threshold: 4, holders: [1, 2, 3, 4, 5], using: &generator)
        #expect(throws: SecureAggregationError.insufficientShares(owner: 9, have: 3, need: 4)) {
            try ShamirSecretSharing.reconstruct(Array(shares.prefix(3)), threshold: 4, byteCount: 32, owner: 9)
        }
        // Interpolating 3 shares of a degree-3 polynomial gives garbage (caught by the 7-byte check
        // or simply a different value), never the secret.
        let wrong = try? ShamirSecretSharing.reconstruct(Array(shares.prefix(3)), threshold: 3, byteCount: 32)
        #expect(wrong != secret)
    }

    @Test func corruptedSharesAreDetected() throws {
        var generator = SecureRandomGenerator(testSeed: 12)
        let secret = [UInt8](repeating: 1, count: 32)
        var shares = try ShamirSecretSharing.split(secret, threshold: 3, holders: [1, 2, 3], using: &generator)
        // A random corruption of every value (2^-5 chance per chunk to go unnoticed; 5 chunks).
        shares[1] = ShamirShare(holder: 2, values: shares[1].values.map { $0 + Mersenne61((1 << 60) + 12_345) })
        #expect(throws: SecureAggregationError.inconsistentShares(owner: 5)) {
            try ShamirSecretSharing.reconstruct(shares, threshold: 3, byteCount: 32, owner: 5)
        }
    }

    @Test func invalidParametersAreTypedErrors() {
        var generator = SecureRandomGenerator(testSeed: 1)
        #expect(throws: SecureAggregationError.self) {
            try ShamirSecretSharing.split([1], threshold: 0, holders: [1, 2], using: &generator)
        }
        #expect(throws: SecureAggregationError.self) {
            try ShamirSecretSharing.split([1], threshold: 3, holders: [1, 2], using: &generator)
        }
        #expect(throws: SecureAggregationError.self) {
            try ShamirSecretSharing.split([1], threshold: 2, holders: [0, 2], using: &generator)
        }
        #expect(throws: SecureAggregationError.self) {
            try ShamirSecretSharing.split([1], threshold: 2, holders: [2, 2], using: &generator)
        }
        #expect(throws: SecureAggregationError.self) { try LagrangeBasis(points: [1, 1]) }
    }

    @Test func lagrangeBasisInterpolatesAKnownPolynomial() throws {
        // f(x) = 5 + 3x + 2x^2: f(1) = 10, f(2) = 19, f(4) = 49.
        let basis = try LagrangeBasis(points: [1, 2, 4])
        let values: [UInt64] = [10, 19, 49]
        var sum = Mersenne61.zero
        for i in 0..<3 { sum = sum + basis.coefficients[i] * Mersenne61(values[i]) }
        #expect(sum.value == 5)
    }
}
