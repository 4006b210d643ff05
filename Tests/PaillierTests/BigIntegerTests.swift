import Foundation
import Testing
@_spi(Testing) import SecureRandom
@testable import Paillier

@Suite("BigInteger")
struct BigIntegerTests {
    @Test("decimal text round-trips, including negatives and numbers beyond 64 bits")
    func decimalRoundTrip() throws {
        for text in [
            "0", "1", "-1", "18446744073709551616", "-340282366920938463463374607431768211457",
            String(repeating: "9", count: 700),
        ] {
            #expect(try BigInteger(decimal: text).description == text)
        }
        #expect(try BigInteger(decimal: "000123").description == "123")
        #expect(try BigInteger(decimal: "-0").description == "0")
    }

    @Test(
        "malformed decimal text is rejected with an error naming the parameter",
        arguments: ["", "-", "+5", "1 2", " 12", "12a", "0x10", "1_000", "١٢"])
    func malformedDecimal(text: String) {
        #expect(throws: PaillierError.invalidInteger(parameter: "n", text: text)) {
            try BigInteger(decimal: text, parameter: "n")
        }
    }

    @Test("arithmetic agrees with Int on small values")
    func arithmeticMatchesInt() {
        let values = [-1_000_003, -97, -1, 0, 1, 2, 45, 1_000_000_007]
        for a in values {
            for b in values {
                let (x, y) = (BigInteger(a), BigInteger(b))
                #expect((x + y).intValue == a + b)
                #expect((x - y).intValue == a - b)
                #expect((x * y).intValue == a * b)
                if b != 0 {
                    #expect((x / y).intValue == a / b)
                    #expect((x % y).intValue == a % b)
                    let residue = x.modulo(y).intValue!
                    #expect(residue >= 0 && residue < abs(b) && (a - residue) % b == 0)
                }
                #expect((x < y) == (a < b))
                #expect((x == y) == (a == b))
            }
        }
        #expect((-BigInteger(5)).intValue == -5)
        #expect(BigInteger(-5).magnitude == BigInteger(5))
    }

    @Test("big-endian bytes round-trip and match the known encoding")
    func bytes() {
        let value = BigInteger(0x0102_0304_0506)
        #expect(value.bigEndianMagnitude == [1, 2, 3, 4, 5, 6])
        #expect(BigInteger(bigEndianMagnitude: [0, 0, 1, 2, 3, 4, 5, 6]) == value)
        #expect(value.bigEndianMagnitude(paddedTo: 8) == [0, 0, 1, 2, 3, 4, 5, 6])
        #expect(BigInteger.zero.bigEndianMagnitude == [])
        let big = BigInteger(1).shiftedLeft(by: 1000) - .one
        #expect(BigInteger(bigEndianMagnitude: big.bigEndianMagnitude) == big)
        #expect(big.bitWidth == 1000)
        #expect(big.bigEndianMagnitude.count == 125)
    }

    @Test("modular exponentiation, its constant-time twin, inverse and gcd give known answers")
    func modularArithmetic() throws {
        // 3^200 mod 1000000007 = 136318165 (Python: pow(3, 200, 10**9 + 7)).
        let modulus = BigInteger(1_000_000_007)
        #expect(BigInteger(3).power(BigInteger(200), modulo: modulus, variableTime: true) == BigInteger(136_318_165))
        #expect(BigInteger(3).powerSecret(BigInteger(200), modulo: modulus) == BigInteger(136_318_165))
        #expect(BigInteger(3).power(.zero, modulo: modulus, variableTime: true) == .one)
        // A 2048-bit exponent: both routines agree.
        var generator = SecureRandomGenerator(testSeed: 7)
        let m = BigInteger.random(bits: 2048, using: &generator) * BigInteger(2) + .one
        let base = BigInteger.random(below: m, using: &generator)
        let exponent = BigInteger.random(bits: 1024, using: &generator) + .one
        #expect(base.power(exponent, modulo: m, variableTime: true) == base.powerSecret(exponent, modulo: m))
        // Inverses.
        #expect(BigInteger(3).inverse(modulo: BigInteger(11), variableTime: true) == BigInteger(4))
        #expect(BigInteger(6).inverse(modulo: BigInteger(9), variableTime: true) == nil)
        let inverse = try #require(base.inverse(modulo: m, variableTime: true))
        #expect(base.multiplied(by: inverse, modulo: m) == .one || BigInteger.gcd(base, m, variableTime: true) != .one)
        #expect(BigInteger.gcd(BigInteger(84), BigInteger(-36), variableTime: true) == BigInteger(12))
        #expect(BigInteger.gcd(.zero, .zero, variableTime: true) == .zero)
    }

    @Test("the mpn-level modular product agrees with the mpz one at every size")
    func mpnModularProduct() {
        var generator = SecureRandomGenerator(testSeed: 13)
        for (aBits, bBits, mBits) in [
            (4096, 4096, 4096), (4000, 4096, 4096), (10, 20, 4096), (64, 64, 64),
            (128, 1, 127), (2048, 2048, 4096), (0, 100, 50), (3000, 3000, 65),
        ] {
            for _ in 0..<5 {
                let a = BigInteger.random(bits: aBits, using: &generator)
                let b = BigInteger.random(bits: bBits, using: &generator)
                let m = BigInteger.random(bits: mBits, using: &generator) + .one
                #expect(BigInteger.multiplyNonNegative(a, b, modulo: m) == a.multiplied(by: b, modulo: m))
            }
        }
    }

    @Test("primality: known primes, composites and a Carmichael number")
    func primality() throws {
        var generator = SecureRandomGenerator(testSeed: 11)
        let mersenne127 = BigInteger(1).shiftedLeft(by: 127) - .one
        let fermat7 = BigInteger(1).shiftedLeft(by: 128) + .one  // composite (F7)
        #expect(mersenne127.isProbablePrime(using: &generator, variableTime: true))
        #expect(!fermat7.isProbablePrime(using: &generator, variableTime: true))
        #expect(!BigInteger(561).isProbablePrime(using: &generator, variableTime: true))  // Carmichael
        #expect(!BigInteger(1).isProbablePrime(using: &generator, variableTime: true))
        #expect(!BigInteger(-7).isProbablePrime(using: &generator, variableTime: true))
        #expect(BigInteger(2).isProbablePrime(using: &generator, variableTime: true))
        #expect(BigInteger(1_000_000_007).isProbablePrime(using: &generator, variableTime: true))
        #expect(!(mersenne127 * BigInteger(1_000_000_007)).isProbablePrime(using: &generator, variableTime: true))
    }

    @Test("random primes have exactly the requested bits, the top two set, and are prime")
    func randomPrimes() {
        var generator = SecureRandomGenerator(testSeed: 3)
        for bits in [16, 64, 257, 512] {
            let prime = BigInteger.randomPrime(bits: bits, using: &generator)
            #expect(prime.bitWidth == bits)
            #expect(prime.testBit(bits - 2))
            #expect(prime.isProbablePrime(using: &generator, variableTime: true))
        }
        let a = BigInteger.randomPrime(bits: 256, using: &generator)
        let b = BigInteger.randomPrime(bits: 256, using: &generator)
        #expect(a != b)
        #expect((a * b).bitWidth == 512)
    }

    @Test("random(below:) stays below the bound and reaches every residue of a small bound")
    func randomBelow() {
        var generator = SecureRandomGenerator(testSeed: 5)
        var seen = Set<Int>()
        for _ in 0..<2000 {
            let value = BigInteger.random(below: BigInteger(13), using: &generator).intValue!
            #expect(value >= 0 && value < 13)
            seen.insert(value)
        }
        #expect(seen.count == 13)
        let bound = BigInteger(1).shiftedLeft(by: 2047) + BigInteger(12345)
        for _ in 0..<50 {
            #expect(BigInteger.random(below: bound, using: &generator) < bound)
        }
        let unit = BigInteger.randomUnit(modulo: BigInteger(15), using: &generator)
        #expect(BigInteger.gcd(unit, BigInteger(15), variableTime: true) == .one)
    }

    @Test("doubles: exact integers in, truncated doubles out, NaN refused")
    func doubles() {
        #expect(BigInteger(rounding: 2.5) == BigInteger(2))
        #expect(BigInteger(rounding: -3.5) == BigInteger(-4))
        #expect(BigInteger(rounding: 1e300)!.bitWidth == 997)
        #expect(BigInteger(rounding: .nan) == nil)
        #expect(BigInteger(rounding: .infinity) == nil)
        #expect(BigInteger(-12345).doubleValue == -12345)
        #expect(BigInteger(1).shiftedLeft(by: 1100).doubleValue == .infinity)
        #expect(BigInteger(1).shiftedLeft(by: 1000).doubleValue == 0x1p1000)
    }

    @Test("JSON coding uses decimal strings and names the field of a bad one")
    func codable() throws {
        struct Box: Codable, Equatable { var value: BigInteger }
        let box = Box(value: try BigInteger(decimal: "-123456789012345678901234567890"))
        let data = try JSONEncoder().encode(box)
        #expect(String(decoding: data, as: UTF8.self) == #"{"value":"-123456789012345678901234567890"}"#)
        #expect(try JSONDecoder().decode(Box.self, from: data) == box)
        #expect(throws: PaillierError.invalidInteger(parameter: "value", text: "12x")) {
            try JSONDecoder().decode(Box.self, from: Data(#"{"value":"12x"}"#.utf8))
        }
    }

    @Test("equal values hash equally; strings convert both ways")
    func hashingAndStrings() throws {
        let a = try BigInteger(decimal: "98765432109876543210")
        let b = BigInteger(bigEndianMagnitude: a.bigEndianMagnitude)
        #expect(Set([a, b]).count == 1)
        #expect(BigInteger("42") == BigInteger(42))
        #expect(BigInteger("4 2") == nil)
        let literal: BigInteger = 77
        #expect(literal == BigInteger(77))
    }
}
