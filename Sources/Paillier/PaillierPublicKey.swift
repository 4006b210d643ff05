public import SecureRandom

/// A Paillier public key with generator g = n + 1 (Paillier, "Public-key cryptosystems based on
/// composite degree residuosity classes", EUROCRYPT 1999; the g = n + 1 simplification of
/// Damgård–Jurik, PKC 2001).
///
/// Encryption of m ∈ Zₙ with randomness r ∈ Z*ₙ is c = (1 + m·n) · rⁿ mod n², since
/// (n + 1)ᵐ ≡ 1 + m·n (mod n²). Ciphertexts multiply to add plaintexts:
/// E(a) · E(b) = E(a + b mod n), E(a)ᵏ = E(k·a mod n).
///
/// Security rests on the decisional composite residuosity (DCR) assumption; the key enforces
/// 2048 ≤ |n| ≤ 8192 bits (``minimumModulusBits``, about 112-bit security; ``maximumModulusBits``,
/// beyond which every operation would run for seconds to minutes).
///
/// JSON form: `{"n": "<decimal>"}`.
public struct PaillierPublicKey: Sendable, Hashable {
    /// The least modulus length accepted for real keys, in bits.
    public static let minimumModulusBits = 2048
    /// The longest modulus accepted, in bits (key generation, key import, ``init(n:)``).
    public static let maximumModulusBits = 8192
    /// The most decimal digits of a key's integers accepted before parsing: 2^8192 has 2,467
    /// digits; a few leading zeros are tolerated.
    static let maximumKeyDigits = 2_480

    /// The modulus n = p·q.
    public let n: BigInteger
    /// n², the ciphertext modulus (derived).
    public let nSquared: BigInteger
    /// The length of n in bits.
    public var modulusBits: Int { n.bitWidth }

    /// A public key for modulus `n`.
    ///
    /// - Throws: ``PaillierError/modulusTooSmall(bits:minimumBits:)`` when n has fewer than 2048
    ///   bits; ``PaillierError/modulusTooLarge(bits:maximumBits:)`` when it has more than 8192;
    ///   ``PaillierError/invalidKey(parameter:reason:)`` when n is even.
    public init(n: BigInteger) throws(PaillierError) {
        try self.init(n: n, minimumModulusBits: Self.minimumModulusBits)
    }

    /// Test seam: a key whose modulus may be shorter than 2048 bits (known-answer tests with small
    /// primes). Not public.
    init(n: BigInteger, minimumModulusBits: Int) throws(PaillierError) {
        guard n.bitWidth >= minimumModulusBits else {
            throw PaillierError.modulusTooSmall(bits: n.bitWidth, minimumBits: minimumModulusBits)
        }
        guard n.bitWidth <= Self.maximumModulusBits else {
            throw PaillierError.modulusTooLarge(bits: n.bitWidth, maximumBits: Self.maximumModulusBits)
        }
        guard n.signum > 0, n.isOdd else {
            throw PaillierError.invalidKey(
                parameter: "n", reason: "must be a positive odd integer (a product of two odd primes)")
        }
        self.n = n
        self.nSquared = n * n
    }

    // MARK: - Validity

    /// Checks that `value` is a ciphertext under this key, an element of Z*ₙ²: 0 < value < n² and
    /// gcd(value, n) = 1.
    ///
    /// - Parameter index: the position in a batch, for the error message.
    /// - Throws: ``PaillierError/invalidCiphertext(index:reason:)`` naming the failed condition.
    /// - Complexity: a comparison and a gcd of n-sized numbers.
    public func ciphertext(validating value: BigInteger, index: Int? = nil) throws(PaillierError) -> PaillierCiphertext
    {
        guard value.signum > 0 else {
            throw PaillierError.invalidCiphertext(
                index: index, reason: "must be positive, got \(value.signum == 0 ? "0" : "a negative number")")
        }
        guard value < nSquared else {
            throw PaillierError.invalidCiphertext(
                index: index, reason: "must be below n² (\(nSquared.bitWidth) bits), got \(value.bitWidth) bits")
        }
        guard BigInteger.gcd(value, n, variableTime: true) == .one else {  // c is public
            throw PaillierError.invalidCiphertext(index: index, reason: "shares a factor with n (not in Z*ₙ²)")
        }
        return PaillierCiphertext(value: value)
    }

    /// Checks that `plaintext` lies in 0..<n.
    func checkPlaintext(_ plaintext: BigInteger, index: Int?) throws(PaillierError) {
        guard plaintext.signum >= 0, plaintext < n else {
            throw PaillierError.plaintextOutOfRange(
                index: index,
                reason: "raw plaintexts lie in 0..<n (\(n.bitWidth) bits); use encodeSigned(_:) for negative values")
        }
    }

    // MARK: - Encryption (plain variant)

    /// Encrypts `plaintext` ∈ 0..<n with fresh randomness r uniform in Z*ₙ: c = (1 + m·n)·rⁿ mod n².
    ///
    /// This is the textbook variant: one full-length exponentiation rⁿ mod n² per ciphertext.
    /// ``PaillierFastEncryptor`` is several times faster.
    ///
    /// - Throws: ``PaillierError/plaintextOutOfRange(index:reason:)`` when `plaintext` ∉ 0..<n.
    /// - Complexity: one constant-time exponentiation (`mpz_powm_sec`: r is secret) with a |n|-bit
    ///   exponent modulo n².
    public func encrypt(
        _ plaintext: BigInteger, using generator: inout SecureRandomGenerator
    ) throws(PaillierError) -> PaillierCiphertext {
        try checkPlaintext(plaintext, index: nil)
        let r = BigInteger.randomUnit(modulo: n, using: &generator)
        let rToN = r.powerSecret(n, modulo: nSquared)  // r is secret: constant time
        return PaillierCiphertext(value: embed(plaintext, times: rToN))
    }

    /// Encrypts `plaintext` with the given randomness `r` (deterministic; for known-answer tests
    /// and interoperability checks — never reuse r for two encryptions).
    ///
    /// - Throws: ``PaillierError/plaintextOutOfRange(index:reason:)`` when `plaintext` ∉ 0..<n;
    ///   ``PaillierError/invalidArgument(parameter:reason:)`` when r ∉ Z*ₙ.
    public func encrypt(_ plaintext: BigInteger, randomness r: BigInteger) throws(PaillierError) -> PaillierCiphertext {
        try checkPlaintext(plaintext, index: nil)
        guard r.signum > 0, r < n, BigInteger.gcd(r, n, variableTime: true) == .one else {
            throw PaillierError.invalidArgument(
                parameter: "randomness", reason: "r must lie in Z*ₙ (0 < r < n, gcd(r, n) = 1)")
        }
        return PaillierCiphertext(value: embed(plaintext, times: r.powerSecret(n, modulo: nSquared)))
    }

    /// (1 + m·n)·u mod n² for u ∈ Z*ₙ² and m ∈ 0..<n, computed as u + n·((u mod n)·m mod n) mod n²:
    /// since m·n·u ≡ n·(m·u mod n) (mod n²), this needs products of n-sized numbers only.
    func embed(_ plaintext: BigInteger, times unit: BigInteger) -> BigInteger {
        BigInteger.embed(plaintext, times: unit, n: n, nSquared: nSquared)
    }

    // MARK: - Homomorphic operations

    /// E(a + b mod n) from E(a) and E(b): their product mod n².
    ///
    /// - Complexity: one multiplication and one reduction modulo n².
    public func add(_ lhs: PaillierCiphertext, _ rhs: PaillierCiphertext) -> PaillierCiphertext {
        PaillierCiphertext(
            value: BigInteger.multiplyNonNegative(lhs.value, rhs.value, modulo: nSquared, isPublic: true))
    }

    /// E(Σ aᵢ mod n) from E(aᵢ); the empty sum is the trivial encryption of zero, 1.
    ///
    /// - Complexity: `ciphertexts.count − 1` modular multiplications, in one reused GMP register.
    public func sum(_ ciphertexts: some Sequence<PaillierCiphertext>) -> PaillierCiphertext {
        PaillierCiphertext(value: BigInteger.product(of: ciphertexts.lazy.map(\.value), modulo: nSquared))
    }

    /// E(a + k mod n) from E(a) and a plaintext k ∈ 0..<n (no new randomness: the result is as
    /// random as the input).
    ///
    /// - Throws: ``PaillierError/plaintextOutOfRange(index:reason:)`` when k ∉ 0..<n.
    public func add(_ ciphertext: PaillierCiphertext, plaintext: BigInteger) throws(PaillierError) -> PaillierCiphertext
    {
        try checkPlaintext(plaintext, index: nil)
        return PaillierCiphertext(value: embed(plaintext, times: ciphertext.value))
    }

    /// E(k·a mod n) from E(a) and a public integer k of any sign: cᵏ mod n² (c⁻¹ raised to |k| for
    /// negative k). No new randomness; k = 0 gives the trivial encryption 1 — call
    /// ``rerandomize(_:using:)`` before publishing such results.
    ///
    /// - Complexity: one exponentiation with a bits(k)-bit exponent modulo n² (variable time in k).
    public func multiply(_ ciphertext: PaillierCiphertext, by scalar: BigInteger) -> PaillierCiphertext {
        if scalar.signum >= 0 {
            return PaillierCiphertext(value: ciphertext.value.power(scalar, modulo: nSquared, variableTime: true))
        }
        return multiply(negate(ciphertext), by: -scalar)
    }

    /// E(−a mod n) from E(a): the inverse of c modulo n².
    ///
    /// - Precondition: the ciphertext is in Z*ₙ² (as every validated or encrypted one is).
    public func negate(_ ciphertext: PaillierCiphertext) -> PaillierCiphertext {
        guard let inverse = ciphertext.value.inverse(modulo: nSquared, variableTime: true) else {
            preconditionFailure("negate(_:): the ciphertext is not in Z*ₙ²; validate it with ciphertext(validating:)")
        }
        return PaillierCiphertext(value: inverse)
    }

    /// E(a − b mod n) from E(a) and E(b).
    public func subtract(_ lhs: PaillierCiphertext, _ rhs: PaillierCiphertext) -> PaillierCiphertext {
        add(lhs, negate(rhs))
    }

    /// The same plaintext under fresh randomness: c · rⁿ mod n² for a fresh r ∈ Z*ₙ.
    public func rerandomize(
        _ ciphertext: PaillierCiphertext, using generator: inout SecureRandomGenerator
    ) -> PaillierCiphertext {
        let r = BigInteger.randomUnit(modulo: n, using: &generator)
        return PaillierCiphertext(
            value: ciphertext.value.multiplied(by: r.powerSecret(n, modulo: nSquared), modulo: nSquared))
    }
}

extension PaillierPublicKey: Codable {
    enum CodingKeys: String, CodingKey { case n }

    /// Decodes `{"n": "<decimal>"}` and validates it like ``init(n:)``; text longer than an
    /// 8192-bit number is refused before it is parsed.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(n: Self.decodeKeyInteger(container, .n))
    }

    /// Decodes one decimal-string integer of a key, refusing more than ``maximumKeyDigits``
    /// characters with ``PaillierError/modulusTooLarge(bits:maximumBits:)`` before parsing.
    static func decodeKeyInteger<Key: CodingKey>(
        _ container: KeyedDecodingContainer<Key>, _ key: Key
    ) throws -> BigInteger {
        let text = try container.decode(String.self, forKey: key)
        guard text.utf8.count <= maximumKeyDigits else {
            // d decimal digits hold about d·log₂10 bits.
            throw PaillierError.modulusTooLarge(
                bits: Int(Double(text.utf8.count) * 3.321928), maximumBits: maximumModulusBits)
        }
        return try BigInteger(decimal: text, parameter: key.stringValue)
    }

    /// Encodes `{"n": "<decimal>"}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(n, forKey: .n)
    }
}

/// A Paillier ciphertext: an element of Z*ₙ² for the key it was made under.
///
/// Values come from encryption, homomorphic operations or
/// ``PaillierPublicKey/ciphertext(validating:index:)``, which checks untrusted input. The text form
/// (``description``) is the decimal integer, as in the CLI's files and python-paillier's
/// `ciphertext()`.
public struct PaillierCiphertext: Sendable, Hashable, CustomStringConvertible, Encodable {
    /// The ciphertext c ∈ Z*ₙ².
    public let value: BigInteger

    init(value: BigInteger) {
        self.value = value
    }

    /// The decimal form of c.
    public var description: String { value.description }

    /// Encodes the decimal string of c.
    public func encode(to encoder: any Encoder) throws {
        try value.encode(to: encoder)
    }
}
