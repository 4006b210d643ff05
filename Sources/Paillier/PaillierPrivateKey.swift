public import SecureRandom

/// A Paillier private key: the primes p and q of n = p·q, with the values CRT decryption needs.
///
/// Decryption works modulo p² and q² separately (Paillier 1999, §7) and recombines with the
/// Chinese remainder theorem:
///
///     m_p = L_p(c^(p−1) mod p²) · h_p mod p,   L_p(x) = (x − 1) / p,   h_p = L_p(g^(p−1) mod p²)⁻¹ mod p
///     m   = m_q + q · ((m_p − m_q) · q⁻¹ mod p)
///
/// The exponentiations with the secret exponents p − 1 and q − 1 use GMP's `mpz_powm_sec`
/// (running time independent of the exponent's value). About 4× cheaper than the textbook
/// c^λ mod n².
///
/// JSON form: `{"n": "<decimal>", "p": "<decimal>", "q": "<decimal>"}`.
public struct PaillierPrivateKey: Sendable {
    /// The matching public key.
    public let publicKey: PaillierPublicKey
    /// The first prime factor of n.
    public let p: BigInteger
    /// The second prime factor of n.
    public let q: BigInteger

    // CRT precomputation (all derived from p and q).
    let pSquared: BigInteger
    let qSquared: BigInteger
    let pMinusOne: BigInteger
    let qMinusOne: BigInteger
    let hp: BigInteger
    let hq: BigInteger
    let qInverseModP: BigInteger

    /// A private key from its primes, after checking them: n = p·q of 2048…8192 bits, balanced
    /// (see ``checkShape(p:q:minimumModulusBits:)``; checked first, before any primality test),
    /// both probable primes (Baillie–PSW plus random-base Miller–Rabin), distinct, and
    /// gcd(n, (p−1)(q−1)) = 1.
    ///
    /// - Throws: ``PaillierError/modulusTooSmall(bits:minimumBits:)``,
    ///   ``PaillierError/modulusTooLarge(bits:maximumBits:)``,
    ///   ``PaillierError/unbalancedKey(parameter:reason:)``,
    ///   ``PaillierError/invalidKey(parameter:reason:)`` naming `p` or `q`,
    ///   ``PaillierError/randomnessUnavailable(reason:)`` when no entropy is available for the
    ///   primality test.
    /// - Complexity: two probabilistic primality tests (≈ 20 exponentiations of |p| bits each).
    public init(p: BigInteger, q: BigInteger) throws(PaillierError) {
        try self.init(p: p, q: q, minimumModulusBits: PaillierPublicKey.minimumModulusBits)
    }

    /// Test seam: allows moduli below 2048 bits (known-answer tests with small primes). Not public.
    init(p: BigInteger, q: BigInteger, minimumModulusBits: Int) throws(PaillierError) {
        try Self.checkShape(p: p, q: q, minimumModulusBits: minimumModulusBits)
        var generator = try Self.makeGenerator()
        for (name, prime) in [("p", p), ("q", q)]
        where prime < BigInteger(3) || !prime.isProbablePrime(using: &generator, variableTime: true) {
            throw PaillierError.invalidKey(parameter: name, reason: "is not an odd prime")
        }
        try self.init(checkedPrimes: p, q, minimumModulusBits: minimumModulusBits)
    }

    /// The number of bits by which p or q may differ from ⌈k/2⌉ for a k-bit n.
    public static let primeLengthTolerance = 2
    /// |p − q| must be at least 2^(⌊k/2⌋ − fermatMargin) for a k-bit n (keys of more than 200 bits).
    public static let fermatMargin = 100

    /// Checks the shape of a key before any expensive test, in this order:
    /// 1. p, q positive and distinct;
    /// 2. n = p·q of `minimumModulusBits`…8192 bits (k bits);
    /// 3. balance: |p| and |q| each within ``primeLengthTolerance`` bits of ⌈k/2⌉ — a prime far
    ///    below √n is found by the elliptic-curve method in time depending on its size, not on n's
    ///    (a 20-bit p falls to trial division);
    /// 4. |p − q| ≥ 2^(⌊k/2⌋ − 100): otherwise Fermat's method finds p and q from √n
    ///    (skipped for k ≤ 200, the small keys of known-answer tests).
    ///
    /// - Throws: ``PaillierError/invalidKey(parameter:reason:)`` (1),
    ///   ``PaillierError/modulusTooSmall(bits:minimumBits:)`` /
    ///   ``PaillierError/modulusTooLarge(bits:maximumBits:)`` (2),
    ///   ``PaillierError/unbalancedKey(parameter:reason:)`` (3, 4).
    /// - Complexity: one multiplication and one subtraction.
    static func checkShape(p: BigInteger, q: BigInteger, minimumModulusBits: Int) throws(PaillierError) {
        for (name, prime) in [("p", p), ("q", q)] where prime.signum <= 0 {
            throw PaillierError.invalidKey(parameter: name, reason: "must be a positive odd prime")
        }
        guard p != q else { throw PaillierError.invalidKey(parameter: "q", reason: "must differ from p") }
        // Before multiplying: bits(p·q) ≥ bits(p) + bits(q) − 1.
        let lowerBound = p.bitWidth + q.bitWidth - 1
        guard lowerBound <= PaillierPublicKey.maximumModulusBits else {
            throw PaillierError.modulusTooLarge(bits: lowerBound, maximumBits: PaillierPublicKey.maximumModulusBits)
        }
        let k = (p * q).bitWidth
        guard k >= minimumModulusBits else {
            throw PaillierError.modulusTooSmall(bits: k, minimumBits: minimumModulusBits)
        }
        let half = (k + 1) / 2
        for (name, prime) in [("p", p), ("q", q)] where abs(prime.bitWidth - half) > primeLengthTolerance {
            throw PaillierError.unbalancedKey(
                parameter: name,
                reason:
                    "has \(prime.bitWidth) bits; each prime of a \(k)-bit n must have \(half - primeLengthTolerance)…\(half + primeLengthTolerance) bits (about √n)"
            )
        }
        let gapBits = k / 2 - fermatMargin
        if gapBits > 0, (p - q).magnitude.bitWidth <= gapBits {
            throw PaillierError.unbalancedKey(
                parameter: "p, q",
                reason: "|p − q| < 2^\(gapBits): p and q are so close that Fermat's method factors n")
        }
    }

    /// Builds the key from primes already known to be prime (checks the shape again).
    init(checkedPrimes p: BigInteger, _ q: BigInteger, minimumModulusBits: Int) throws(PaillierError) {
        try Self.checkShape(p: p, q: q, minimumModulusBits: minimumModulusBits)
        let n = p * q
        let publicKey = try PaillierPublicKey(n: n, minimumModulusBits: minimumModulusBits)
        let pMinusOne = p - .one
        let qMinusOne = q - .one
        guard BigInteger.gcd(n, pMinusOne * qMinusOne, variableTime: true) == .one else {
            throw PaillierError.invalidKey(parameter: "p, q", reason: "gcd(n, (p−1)(q−1)) ≠ 1")
        }
        self.publicKey = publicKey
        self.p = p
        self.q = q
        self.pMinusOne = pMinusOne
        self.qMinusOne = qMinusOne
        pSquared = p * p
        qSquared = q * q
        // h_p = L_p(g^(p−1) mod p²)⁻¹ mod p with g = n + 1; exists because gcd(n, φ(n)) = 1.
        let g = n + .one
        func h(
            _ prime: BigInteger, _ primeSquared: BigInteger, _ exponent: BigInteger
        ) throws(PaillierError) -> BigInteger {
            let lifted = (g.modulo(primeSquared).powerSecret(exponent, modulo: primeSquared) - .one).dividedExactly(
                by: prime)
            guard let inverse = lifted.inverse(modulo: prime, variableTime: true) else {
                throw PaillierError.invalidKey(parameter: "p, q", reason: "L(g^(p−1)) is not invertible")
            }
            return inverse
        }
        hp = try h(p, pSquared, pMinusOne)
        hq = try h(q, qSquared, qMinusOne)
        guard let qInverseModP = q.inverse(modulo: p, variableTime: true) else {
            throw PaillierError.invalidKey(parameter: "q", reason: "not invertible modulo p")
        }
        self.qInverseModP = qInverseModP
    }

    static func makeGenerator() throws(PaillierError) -> SecureRandomGenerator {
        do {
            return try SecureRandomGenerator()
        } catch {
            throw PaillierError.randomnessUnavailable(reason: error.description)
        }
    }

    // MARK: - Key generation

    /// Generates a key pair with a modulus of exactly `modulusBits` bits from two random primes
    /// of ⌈bits/2⌉ and ⌊bits/2⌋ bits (top two bits set) drawn from `generator`.
    ///
    /// Redraws q until |p − q| ≥ 2^(bits/2 − 100), so Fermat's method cannot factor n; the result
    /// passes ``checkShape(p:q:minimumModulusBits:)``.
    ///
    /// - Parameters:
    ///   - modulusBits: 2048…8192 (``PaillierPublicKey/minimumModulusBits``,
    ///     ``PaillierPublicKey/maximumModulusBits``).
    ///   - progress: called on the calling thread after every 64 prime candidates and when each
    ///     prime is found (for a progress line on a terminal; it must not block).
    /// - Throws: ``PaillierError/modulusTooSmall(bits:minimumBits:)`` below 2048 bits,
    ///   ``PaillierError/modulusTooLarge(bits:maximumBits:)`` above 8192 bits, before any work.
    /// - Complexity: dominated by the prime search, whose cost grows like k⁴: ≈ 0.1–1 s for 2048
    ///   bits, tens of seconds to minutes for 8192 bits, in release.
    public static func generate(
        modulusBits: Int = 2048, using generator: inout SecureRandomGenerator,
        progress: (PaillierKeyGenerationProgress) -> Void = { _ in }
    ) throws(PaillierError) -> PaillierPrivateKey {
        try generate(
            modulusBits: modulusBits, minimumModulusBits: PaillierPublicKey.minimumModulusBits, using: &generator,
            progress: progress)
    }

    /// Test seam for short keys. Not public.
    static func generate(
        modulusBits: Int, minimumModulusBits: Int, using generator: inout SecureRandomGenerator,
        progress: (PaillierKeyGenerationProgress) -> Void = { _ in }
    ) throws(PaillierError) -> PaillierPrivateKey {
        guard modulusBits >= minimumModulusBits else {
            throw PaillierError.modulusTooSmall(bits: modulusBits, minimumBits: minimumModulusBits)
        }
        guard modulusBits <= PaillierPublicKey.maximumModulusBits else {
            throw PaillierError.modulusTooLarge(bits: modulusBits, maximumBits: PaillierPublicKey.maximumModulusBits)
        }
        guard modulusBits >= 16 else {
            throw PaillierError.invalidArgument(
                parameter: "modulusBits", reason: "must be at least 16, got \(modulusBits)")
        }
        let pBits = (modulusBits + 1) / 2
        let qBits = modulusBits / 2
        let minimumGapBits = max(qBits - 100, 0)
        var candidates = 0
        while true {
            let p = BigInteger.randomPrime(
                bits: pBits, using: &generator,
                progress: { tested in
                    candidates += tested
                    progress(
                        PaillierKeyGenerationProgress(
                            modulusBits: modulusBits, candidatesTested: candidates, primesFound: 0))
                })
            progress(
                PaillierKeyGenerationProgress(modulusBits: modulusBits, candidatesTested: candidates, primesFound: 1))
            let q = BigInteger.randomPrime(
                bits: qBits, using: &generator,
                progress: { tested in
                    candidates += tested
                    progress(
                        PaillierKeyGenerationProgress(
                            modulusBits: modulusBits, candidatesTested: candidates, primesFound: 1))
                })
            progress(
                PaillierKeyGenerationProgress(modulusBits: modulusBits, candidatesTested: candidates, primesFound: 2))
            guard p != q, (p - q).magnitude.bitWidth > minimumGapBits else { continue }
            // gcd(n, φ(n)) = 1 holds for primes of (nearly) equal length; checked anyway.
            if let key = try? PaillierPrivateKey(checkedPrimes: p, q, minimumModulusBits: minimumModulusBits) {
                return key
            }
        }
    }

    // MARK: - Decryption

    /// Decrypts to the raw plaintext in 0..<n, after checking that the ciphertext is in Z*ₙ².
    ///
    /// - Throws: ``PaillierError/invalidCiphertext(index:reason:)`` for a value outside Z*ₙ²
    ///   (possible for ciphertexts that came from elsewhere without validation).
    /// - Complexity: two constant-time exponentiations with |p|-bit exponents modulo p² and q².
    public func decrypt(_ ciphertext: PaillierCiphertext, index: Int? = nil) throws(PaillierError) -> BigInteger {
        let c = ciphertext.value
        try validate(c, index: index)
        return decryptValidated(c)
    }

    /// The checks of ``PaillierPublicKey/ciphertext(validating:index:)`` with the factors known:
    /// 0 < c < n², and c mod p ≠ 0, c mod q ≠ 0 in place of gcd(c, n) = 1 (same condition,
    /// two short divisions instead of a gcd).
    func validate(_ c: BigInteger, index: Int?) throws(PaillierError) {
        guard c.signum > 0, c < publicKey.nSquared, !c.modulo(p).isZero, !c.modulo(q).isZero else {
            _ = try publicKey.ciphertext(validating: c, index: index)  // throws the precise reason
            preconditionFailure("validate(_:index:): the public check accepted what the private one refused")
        }
    }

    /// Decrypts and decodes a signed integer (see ``PaillierPublicKey/decodeSigned(_:index:)``).
    ///
    /// - Throws: as ``decrypt(_:index:)``, and ``PaillierError/decodingOverflow(index:)``.
    public func decryptSigned(_ ciphertext: PaillierCiphertext, index: Int? = nil) throws(PaillierError) -> BigInteger {
        try publicKey.decodeSigned(decrypt(ciphertext, index: index), index: index)
    }

    /// CRT decryption of a c already known to be in Z*ₙ².
    func decryptValidated(_ c: BigInteger) -> BigInteger {
        let mp = halfDecrypt(c, prime: p, primeSquared: pSquared, exponent: pMinusOne, h: hp)
        let mq = halfDecrypt(c, prime: q, primeSquared: qSquared, exponent: qMinusOne, h: hq)
        // m = m_q + q · ((m_p − m_q) · q⁻¹ mod p)
        return mq + q * (mp - mq).multiplied(by: qInverseModP, modulo: p)
    }

    /// m mod prime = L_prime(c^(prime−1) mod prime²) · h mod prime.
    func halfDecrypt(
        _ c: BigInteger, prime: BigInteger, primeSquared: BigInteger, exponent: BigInteger, h: BigInteger
    ) -> BigInteger {
        let lifted = c.modulo(primeSquared).powerSecret(exponent, modulo: primeSquared)
        return (lifted - .one).dividedExactly(by: prime).multiplied(by: h, modulo: prime)
    }
}

/// How far ``PaillierPrivateKey/generate(modulusBits:using:progress:)`` has come.
public struct PaillierKeyGenerationProgress: Sendable, Equatable {
    /// The modulus length being generated, in bits.
    public var modulusBits: Int
    /// Prime candidates drawn so far (most fail trial division); about k·ln2/2 per prime on average.
    public var candidatesTested: Int
    /// Primes found so far: 0, 1 or 2 (p, then q).
    public var primesFound: Int
}

extension PaillierPrivateKey: Codable {
    enum CodingKeys: String, CodingKey { case n, p, q }

    /// Decodes `{"n", "p", "q"}` (decimal strings; text longer than an 8192-bit number refused
    /// before parsing), checks the key like ``init(p:q:)`` (size, balance, primes) and that n = p·q.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let n = try PaillierPublicKey.decodeKeyInteger(container, .n)
        try self.init(
            p: PaillierPublicKey.decodeKeyInteger(container, .p), q: PaillierPublicKey.decodeKeyInteger(container, .q))
        guard publicKey.n == n else {
            throw PaillierError.invalidKey(parameter: "n", reason: "differs from p·q")
        }
    }

    /// Encodes `{"n", "p", "q"}` as decimal strings.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(publicKey.n, forKey: .n)
        try container.encode(p, forKey: .p)
        try container.encode(q, forKey: .q)
    }
}
