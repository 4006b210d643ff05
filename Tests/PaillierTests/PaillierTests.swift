import Foundation
import Testing
@_spi(Testing) import SecureRandom
@testable import Paillier

/// Keys shared by the Paillier suites: generated once per test process (2048-bit key generation
/// is the slow part of a debug run).
enum PaillierTestKeys {
    /// A 2048-bit key from a deterministic test stream.
    static let key2048: PaillierPrivateKey = {
        var generator = SecureRandomGenerator(testSeed: 2048)
        return try! PaillierPrivateKey.generate(modulusBits: 2048, using: &generator)
    }()

    /// A 512-bit key through the internal seam (fast; for property tests only).
    static let key512: PaillierPrivateKey = {
        var generator = SecureRandomGenerator(testSeed: 512)
        return try! PaillierPrivateKey.generate(modulusBits: 512, minimumModulusBits: 256, using: &generator)
    }()

    /// The fast encryptor for ``key2048`` (ℓ = 1024, w = 5).
    static let encryptor2048: PaillierFastEncryptor = {
        var generator = SecureRandomGenerator(testSeed: 4096)
        return try! PaillierFastEncryptor(publicKey: key2048.publicKey, using: &generator)
    }()
}

@Suite("Paillier")
struct PaillierTests {
    // MARK: Known answers

    @Test("known answer with p = 17, q = 19: E(42; r = 5) = 84326 and it decrypts to 42")
    func knownAnswerTiny() throws {
        // Python: n = 323; (1 + 42 n) * pow(5, n, n*n) % (n*n) == 84326.
        let key = try PaillierPrivateKey(p: BigInteger(17), q: BigInteger(19), minimumModulusBits: 8)
        #expect(key.publicKey.n == BigInteger(323))
        #expect(key.publicKey.nSquared == BigInteger(104_329))
        let c = try key.publicKey.encrypt(BigInteger(42), randomness: BigInteger(5))
        #expect(c.value == BigInteger(84326))
        #expect(try key.decrypt(c) == BigInteger(42))
    }

    @Test("known answer with p = 1000003, q = 1000033")
    func knownAnswerSmall() throws {
        let key = try PaillierPrivateKey(p: BigInteger(1_000_003), q: BigInteger(1_000_033), minimumModulusBits: 32)
        let m = BigInteger(123_456_789_012)
        let c = try key.publicKey.encrypt(m, randomness: BigInteger(987_654_321))
        #expect(c.description == "179614727947363981497072")
        #expect(try key.decrypt(c) == m)
        // Every plaintext of a tiny key round-trips, with the textbook λ-decryption as a witness.
        let tiny = try PaillierPrivateKey(p: BigInteger(11), q: BigInteger(13), minimumModulusBits: 4)
        let n = tiny.publicKey.n
        let lambda = BigInteger(120)
        let mu = try #require(
            ((BigInteger(144).power(lambda, modulo: tiny.publicKey.nSquared, variableTime: true) - .one) / n).inverse(
                modulo: n, variableTime: true))
        for plaintext in 0..<143 {
            let cipher = try tiny.publicKey.encrypt(
                BigInteger(plaintext), randomness: BigInteger(2 + plaintext % 5 == 13 ? 3 : 2 + plaintext % 5))
            #expect(try tiny.decrypt(cipher) == BigInteger(plaintext))
            let textbook =
                ((cipher.value.power(lambda, modulo: tiny.publicKey.nSquared, variableTime: true) - .one) / n)
                .multiplied(by: mu, modulo: n)
            #expect(textbook == BigInteger(plaintext))
        }
    }

    // MARK: Round trips

    @Test("2048-bit key: plain and fast encryptions decrypt to the plaintext, and differ each time")
    func roundTrip2048() throws {
        let key = PaillierTestKeys.key2048
        let encryptor = PaillierTestKeys.encryptor2048
        #expect(key.publicKey.modulusBits == 2048)
        var generator = SecureRandomGenerator(testSeed: 99)
        let n = key.publicKey.n
        for m in [
            BigInteger.zero, .one, BigInteger(123_456_789), n - .one, BigInteger.random(below: n, using: &generator),
        ] {
            let plain = try key.publicKey.encrypt(m, using: &generator)
            let fast = try encryptor.encrypt(m, using: &generator)
            #expect(try key.decrypt(plain) == m)
            #expect(try key.decrypt(fast) == m)
            #expect(plain != fast)
            #expect(try encryptor.encrypt(m, using: &generator) != fast)
        }
        #expect(throws: PaillierError.self) { try key.publicKey.encrypt(n, using: &generator) }
        #expect(throws: PaillierError.self) { try encryptor.encrypt(BigInteger(-1), using: &generator) }
    }

    @Test("the fast randomizer is an n-th residue: it decrypts to 0")
    func randomizerIsResidue() throws {
        let key = PaillierTestKeys.key2048
        var generator = SecureRandomGenerator(testSeed: 17)
        for _ in 0..<3 {
            let rho = PaillierTestKeys.encryptor2048.randomizer(using: &generator)
            let c = try key.publicKey.ciphertext(validating: rho)
            #expect(try key.decrypt(c) == .zero)
        }
        // hₛ^a computed by the table equals hₛ^a by exponentiation for a known small-window key.
        let small = PaillierTestKeys.key512
        let encryptor = try PaillierFastEncryptor(
            publicKey: small.publicKey, exponentBits: 300, windowBits: 5, using: &generator)
        #expect(encryptor.windowCount == 60)
        #expect(
            encryptor.powers.entry(window: 1, digit: 3)
                == encryptor.base.power(BigInteger(3 << 5), modulo: small.publicKey.nSquared, variableTime: true))
        #expect(encryptor.powers.entry(window: 7, digit: 0) == .one)
    }

    @Test("fast-encryptor parameters out of range are refused")
    func fastEncryptorParameters() {
        var generator = SecureRandomGenerator(testSeed: 1)
        let publicKey = PaillierTestKeys.key512.publicKey
        #expect(
            throws: PaillierError.invalidArgument(
                parameter: "exponentBits", reason: "must lie in 256...512 (the modulus length), got 128")
        ) {
            try PaillierFastEncryptor(publicKey: publicKey, exponentBits: 128, using: &generator)
        }
        #expect(throws: PaillierError.self) {
            try PaillierFastEncryptor(publicKey: publicKey, windowBits: 13, using: &generator)
        }
    }

    // MARK: Homomorphism

    @Test("E(a)·E(b) = E(a+b), E(a)^k = E(ka), negation, subtraction, plaintext addition, sums")
    func homomorphism() throws {
        let key = PaillierTestKeys.key512
        let publicKey = key.publicKey
        let n = publicKey.n
        var generator = SecureRandomGenerator(testSeed: 23)
        for _ in 0..<10 {
            let a = BigInteger.random(below: n, using: &generator)
            let b = BigInteger.random(below: n, using: &generator)
            let k = BigInteger.random(bits: 100, using: &generator) - BigInteger(1).shiftedLeft(by: 99)
            let ca = try publicKey.encrypt(a, using: &generator)
            let cb = try publicKey.encrypt(b, using: &generator)
            #expect(try key.decrypt(publicKey.add(ca, cb)) == (a + b).modulo(n))
            #expect(try key.decrypt(publicKey.subtract(ca, cb)) == (a - b).modulo(n))
            #expect(try key.decrypt(publicKey.negate(ca)) == (-a).modulo(n))
            #expect(try key.decrypt(publicKey.multiply(ca, by: k)) == (a * k).modulo(n))
            #expect(try key.decrypt(publicKey.add(ca, plaintext: b)) == (a + b).modulo(n))
            let rerandomized = publicKey.rerandomize(ca, using: &generator)
            #expect(rerandomized != ca)
            #expect(try key.decrypt(rerandomized) == a)
        }
        let values = (0..<50).map { BigInteger($0 * 1000 - 7) }
        let ciphertexts = try values.map { try publicKey.encrypt(publicKey.encodeSigned($0), using: &generator) }
        #expect(try key.decryptSigned(publicKey.sum(ciphertexts)) == values.reduce(BigInteger.zero, +))
        #expect(try key.decrypt(publicKey.sum([])) == .zero)
        #expect(try key.decrypt(publicKey.multiply(ciphertexts[3], by: .zero)) == .zero)
    }

    @Test("fast and plain ciphertexts mix under homomorphic addition (2048 bits)")
    func mixedHomomorphism2048() throws {
        let key = PaillierTestKeys.key2048
        var generator = SecureRandomGenerator(testSeed: 31)
        let a = try PaillierTestKeys.encryptor2048.encryptSigned(BigInteger(-1_000_000), using: &generator)
        let b = try key.publicKey.encryptSigned(BigInteger(999_999), using: &generator)
        #expect(try key.decryptSigned(key.publicKey.add(a, b)) == BigInteger(-1))
        #expect(try key.decryptSigned(key.publicKey.multiply(a, by: BigInteger(-3))) == BigInteger(3_000_000))
    }

    // MARK: Encodings

    @Test("signed encoding: negatives round-trip; overflow past n/3 is detected")
    func signedEncoding() throws {
        let key = PaillierTestKeys.key512
        let publicKey = key.publicKey
        let max = publicKey.maxSignedMagnitude
        #expect(max == publicKey.n / BigInteger(3) - .one)
        var generator = SecureRandomGenerator(testSeed: 41)
        for value in [BigInteger(-1), BigInteger(-123_456), .zero, max, -max] {
            let c = try publicKey.encryptSigned(value, using: &generator)
            #expect(try key.decryptSigned(c) == value)
        }
        #expect(try publicKey.encodeSigned(BigInteger(-5)) == publicKey.n - BigInteger(5))
        #expect(throws: PaillierError.self) { try publicKey.encodeSigned(max + .one) }
        #expect(throws: PaillierError.self) { try publicKey.encodeSigned(-max - .one) }
        // max + max lands in the overflow band.
        let c = try publicKey.encryptSigned(max, using: &generator)
        #expect(throws: PaillierError.decodingOverflow(index: nil)) { try key.decryptSigned(publicKey.add(c, c)) }
    }

    @Test("fixed-point reals: sums and scalar products decode within the rounding error")
    func fixedPoint() throws {
        let key = PaillierTestKeys.key512
        let publicKey = key.publicKey
        let encoding = try PaillierFixedPointEncoding(fractionBits: 40)
        var generator = SecureRandomGenerator(testSeed: 43)
        let values = [3.25, -1.125, 1e-6, -123456.789, 0.1, 7e9]
        var ciphertexts: [PaillierCiphertext] = []
        for value in values {
            let c = try encoding.encrypt(value, with: publicKey, using: &generator)
            #expect(abs(try encoding.decrypt(c, with: key) - value) <= 0x1p-41 * 1.0001 + abs(value) * 0x1p-52)
            ciphertexts.append(c)
        }
        let total = try encoding.decrypt(publicKey.sum(ciphertexts), with: key)
        #expect(abs(total - values.reduce(0, +)) < 1e-5)
        // Multiply E(−1.125) by the encoded scalar 2.5: the fractional bits double.
        let product = publicKey.multiply(ciphertexts[1], by: try encoding.encodeScalar(2.5))
        #expect(try encoding.decrypt(product, with: key, scaleCount: 2) == -2.8125)
        #expect(throws: PaillierError.self) { try encoding.encode(.nan, for: publicKey) }
        #expect(throws: PaillierError.self) { try encoding.encode(1e300, for: publicKey) }  // beyond n/3
        #expect(throws: PaillierError.self) { try PaillierFixedPointEncoding(fractionBits: -1) }
        // Exact at extreme exponents: 2^1000 with 100 fractional bits.
        #expect(PaillierFixedPointEncoding.roundScaled(0x1p1000, exponent: 100) == BigInteger(1).shiftedLeft(by: 1100))
    }

    // MARK: Validity

    @Test("ciphertext validity: 0, negatives, n², values above n² and multiples of p or q are rejected")
    func validity() throws {
        let key = PaillierTestKeys.key2048
        let publicKey = key.publicKey
        let nSquared = publicKey.nSquared
        for (value, reasonStart) in [
            (BigInteger.zero, "must be positive"), (BigInteger(-3), "must be positive"),
            (nSquared, "must be below n²"), (nSquared + .one, "must be below n²"),
            (key.p, "shares a factor"), (key.q * BigInteger(5), "shares a factor"),
            (publicKey.n, "shares a factor"),
        ] {
            do {
                _ = try publicKey.ciphertext(validating: value, index: 4)
                Issue.record("accepted an invalid ciphertext")
            } catch {
                guard case let .invalidCiphertext(index, reason) = error else {
                    Issue.record("unexpected error \(error)")
                    continue
                }
                #expect(index == 4)
                #expect(reason.hasPrefix(reasonStart), "\(reason)")
            }
            #expect(throws: PaillierError.self) { try key.decrypt(PaillierCiphertext(value: value)) }
        }
        #expect(try publicKey.ciphertext(validating: .one).value == .one)
        #expect(try publicKey.ciphertext(validating: nSquared - .one).value == nSquared - .one)
    }

    // MARK: Keys

    @Test("keys below 2048 bits are refused by generation, by n and by p, q")
    func minimumKeySize() {
        var generator = SecureRandomGenerator(testSeed: 53)
        #expect(throws: PaillierError.modulusTooSmall(bits: 1024, minimumBits: 2048)) {
            try PaillierPrivateKey.generate(modulusBits: 1024, using: &generator)
        }
        let small = PaillierTestKeys.key512
        #expect(throws: PaillierError.modulusTooSmall(bits: 512, minimumBits: 2048)) {
            try PaillierPublicKey(n: small.publicKey.n)
        }
        #expect(throws: PaillierError.modulusTooSmall(bits: 512, minimumBits: 2048)) {
            try PaillierPrivateKey(p: small.p, q: small.q)
        }
    }

    @Test("key generation: exactly 2048 bits, primes of 1024 bits, far apart")
    func keyGeneration() throws {
        let key = PaillierTestKeys.key2048
        #expect(key.publicKey.n.bitWidth == 2048)
        #expect(key.p.bitWidth == 1024 && key.q.bitWidth == 1024)
        #expect(key.p * key.q == key.publicKey.n)
        #expect((key.p - key.q).magnitude.bitWidth > 924)
        var generator = SecureRandomGenerator(testSeed: 59)
        #expect(
            key.p.isProbablePrime(using: &generator, variableTime: true)
                && key.q.isProbablePrime(using: &generator, variableTime: true))
        // An odd modulus length splits into ⌈k/2⌉- and ⌊k/2⌋-bit primes.
        let odd = try PaillierPrivateKey.generate(modulusBits: 515, minimumModulusBits: 256, using: &generator)
        #expect(odd.publicKey.modulusBits == 515)
    }

    @Test("inconsistent private keys are refused with the field at fault")
    func invalidPrivateKeys() {
        let key = PaillierTestKeys.key2048
        #expect(throws: PaillierError.invalidKey(parameter: "p", reason: "is not an odd prime")) {
            try PaillierPrivateKey(p: key.p + BigInteger(2) * BigInteger(3), q: key.q)
        }
        #expect(throws: PaillierError.invalidKey(parameter: "q", reason: "must differ from p")) {
            try PaillierPrivateKey(p: key.p, q: key.p)
        }
        #expect(throws: PaillierError.self) { try PaillierPublicKey(n: key.publicKey.n + .one) }  // even
    }

    // MARK: Serialisation

    @Test("JSON keys use decimal strings and round-trip; a wrong n is refused")
    func serialisation() throws {
        let key = PaillierTestKeys.key2048
        let publicJSON = try JSONEncoder().encode(key.publicKey)
        #expect(String(decoding: publicJSON, as: UTF8.self) == #"{"n":"\#(key.publicKey.n)"}"#)
        #expect(try JSONDecoder().decode(PaillierPublicKey.self, from: publicJSON) == key.publicKey)
        let privateJSON = try JSONEncoder().encode(key)
        let decoded = try JSONDecoder().decode(PaillierPrivateKey.self, from: privateJSON)
        #expect(decoded.p == key.p && decoded.q == key.q && decoded.publicKey == key.publicKey)
        var generator = SecureRandomGenerator(testSeed: 61)
        let c = try key.publicKey.encrypt(BigInteger(77), using: &generator)
        #expect(try decoded.decrypt(c) == BigInteger(77))
        let wrongN = #"{"n":"\#(key.publicKey.n + BigInteger(2))","p":"\#(key.p)","q":"\#(key.q)"}"#
        #expect(throws: PaillierError.invalidKey(parameter: "n", reason: "differs from p·q")) {
            try JSONDecoder().decode(PaillierPrivateKey.self, from: Data(wrongN.utf8))
        }
        #expect(throws: PaillierError.self) {
            try JSONDecoder().decode(PaillierPublicKey.self, from: Data(#"{"n":"323"}"#.utf8))
        }
        #expect(String(decoding: try JSONEncoder().encode([c]), as: UTF8.self) == #"["\#(c.value)"]"#)
    }

    // MARK: Batches and text

    @Test("batch encryption and decryption agree with the element-wise operations for any thread count")
    func batches() throws {
        let key = PaillierTestKeys.key512
        var generator = SecureRandomGenerator(testSeed: 67)
        let encryptor = try PaillierFastEncryptor(publicKey: key.publicKey, exponentBits: 256, using: &generator)
        let values: [BigInteger] = (0..<37).map { (index: Int) -> BigInteger in
            let value: Int = index % 2 == 0 ? index * 31 : -index * 1_000_003
            return BigInteger(value)
        }
        for threads in [1, 2, 5] {
            let fast = try PaillierBatch.encryptSigned(values, with: encryptor, threads: threads)
            let plain = try PaillierBatch.encryptSignedPlain(values, with: key.publicKey, threads: threads)
            #expect(try PaillierBatch.decryptSigned(fast, with: key, threads: threads) == values)
            let sums = try PaillierBatch.add([fast, plain, fast], publicKey: key.publicKey, threads: threads)
            #expect(
                try PaillierBatch.decryptSigned(sums, with: key, threads: threads) == values.map { $0 * BigInteger(3) })
        }
        #expect(throws: PaillierError.self) {
            try PaillierBatch.add([[PaillierCiphertext(value: .one)], []], publicKey: key.publicKey)
        }
        do {
            _ = try PaillierBatch.encryptSigned([.zero, key.publicKey.n], with: encryptor)
            Issue.record("accepted an out-of-range plaintext")
        } catch {
            guard case let .plaintextOutOfRange(index, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(index == 1)
        }
    }

    @Test("text format: one decimal per line, CRLF tolerated, bad lines named")
    func textFormat() throws {
        #expect(try PaillierText.parseIntegers("1\n-2\r\n30\n", source: "f.txt") == [1, -2, 30])
        #expect(try PaillierText.parseIntegers("", source: "f.txt") == [])
        #expect(PaillierText.format([BigInteger(5), BigInteger(-6)]) == "5\n-6\n")
        #expect(throws: PaillierError.invalidInteger(parameter: "f.txt line 2", text: "")) {
            try PaillierText.parseIntegers("1\n\n3\n", source: "f.txt")
        }
        #expect(throws: PaillierError.invalidInteger(parameter: "f.txt line 3", text: "4.5")) {
            try PaillierText.parseIntegers("1\n2\n4.5", source: "f.txt")
        }
    }
}
