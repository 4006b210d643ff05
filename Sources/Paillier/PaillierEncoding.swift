public import SecureRandom

/// Signed integers in Zₙ: v ≥ 0 is encoded as v, v < 0 as n + v (= n − |v|), for
/// |v| ≤ ``maxSignedMagnitude`` = ⌊n/3⌋ − 1 (python-paillier's `max_int`, so both libraries read
/// each other's encodings).
///
/// Decoding maps m ≤ max to m, m ≥ n − max to m − n, and anything in the band between to
/// ``PaillierError/decodingOverflow(index:)``: a homomorphic sum or product whose true value left
/// the range lands there (or wraps past it — keep |results| ≤ max to be sure).
extension PaillierPublicKey {
    /// The largest magnitude a signed encoding represents: ⌊n/3⌋ − 1.
    public var maxSignedMagnitude: BigInteger { n / BigInteger(3) - .one }

    /// The plaintext in 0..<n that encodes the signed integer `value`.
    ///
    /// - Parameter index: the position in a batch, for the error message.
    /// - Throws: ``PaillierError/plaintextOutOfRange(index:reason:)`` when |value| > ``maxSignedMagnitude``.
    public func encodeSigned(_ value: BigInteger, index: Int? = nil) throws(PaillierError) -> BigInteger {
        guard value.magnitude <= maxSignedMagnitude else {
            throw PaillierError.plaintextOutOfRange(
                index: index,
                reason:
                    "|value| has \(value.bitWidth) bits; signed plaintexts need |value| ≤ ⌊n/3⌋ − 1 (\(maxSignedMagnitude.bitWidth) bits)"
            )
        }
        return value.signum >= 0 ? value : n + value
    }

    /// The signed integer a plaintext in 0..<n encodes.
    ///
    /// - Throws: ``PaillierError/decodingOverflow(index:)`` when the plaintext lies in the band
    ///   between the positive and the negative ranges; ``PaillierError/plaintextOutOfRange(index:reason:)``
    ///   when it is not in 0..<n at all.
    public func decodeSigned(_ plaintext: BigInteger, index: Int? = nil) throws(PaillierError) -> BigInteger {
        try checkPlaintext(plaintext, index: index)
        let max = maxSignedMagnitude
        if plaintext <= max { return plaintext }
        if plaintext >= n - max { return plaintext - n }
        throw PaillierError.decodingOverflow(index: index)
    }

    /// Encrypts a signed integer (``encodeSigned(_:index:)`` then the plain-variant encryption).
    public func encryptSigned(
        _ value: BigInteger, using generator: inout SecureRandomGenerator
    ) throws(PaillierError) -> PaillierCiphertext {
        try encrypt(encodeSigned(value), using: &generator)
    }
}

/// Fixed-point reals as signed Paillier plaintexts: x ↦ round(x · 2^f) for a fixed number f of
/// fractional bits, then the signed encoding.
///
/// Homomorphic addition of two encodings with the same f gives the encoding of the sum (same f).
/// Multiplying a ciphertext by an encoded real (``encodeScalar(_:)``) doubles the fractional bits:
/// decode such a product with `scaleCount: 2`. The rounding error of one encoding is at most
/// 2^−(f+1) in absolute value; decoding keeps 53 significant bits.
public struct PaillierFixedPointEncoding: Sendable, Hashable {
    /// The number of fractional bits f (the resolution is 2^−f).
    public let fractionBits: Int

    /// An encoding with `fractionBits` fractional bits.
    ///
    /// - Throws: ``PaillierError/invalidArgument(parameter:reason:)`` unless 0 ≤ f ≤ 1000.
    public init(fractionBits: Int = 32) throws(PaillierError) {
        guard (0...1000).contains(fractionBits) else {
            throw PaillierError.invalidArgument(
                parameter: "fractionBits", reason: "must lie in 0...1000, got \(fractionBits)")
        }
        self.fractionBits = fractionBits
    }

    /// round(x · 2^f) as an integer (ties to even).
    ///
    /// - Throws: ``PaillierError/invalidArgument(parameter:reason:)`` for NaN or infinite x.
    public func encodeScalar(_ value: Double, index: Int? = nil) throws(PaillierError) -> BigInteger {
        guard value.isFinite else {
            throw PaillierError.invalidArgument(
                parameter: index.map { "value at index \($0)" } ?? "value", reason: "must be finite, got \(value)")
        }
        // x · 2^f is exact in binary floating point unless it overflows (|x| · 2^f > 1.8e308).
        return Self.roundScaled(value, exponent: fractionBits)
    }

    /// round(x · 2^e) for finite x, exact even when x · 2^e exceeds the double range.
    static func roundScaled(_ value: Double, exponent: Int) -> BigInteger {
        let scaled = Double(sign: .plus, exponent: exponent, significand: value)
        if scaled.isFinite { return BigInteger(rounding: scaled)! }
        // Too large for a double: x is then an integer multiple of a power of two already, so
        // shift its exact integer value instead of scaling the double.
        return BigInteger(rounding: value)!.shiftedLeft(by: exponent)
    }

    /// The plaintext (in 0..<n) encoding x under `publicKey`.
    ///
    /// - Throws: ``PaillierError/invalidArgument(parameter:reason:)`` for non-finite x,
    ///   ``PaillierError/plaintextOutOfRange(index:reason:)`` when round(x · 2^f) exceeds the
    ///   signed range.
    public func encode(
        _ value: Double, for publicKey: PaillierPublicKey, index: Int? = nil
    ) throws(PaillierError) -> BigInteger {
        try publicKey.encodeSigned(encodeScalar(value, index: index), index: index)
    }

    /// The real a plaintext encodes: decodeSigned(m) · 2^(−f · scaleCount).
    ///
    /// - Parameter scaleCount: how many encodings were multiplied together (1 for sums of
    ///   encodings, 2 for a ciphertext multiplied by ``encodeScalar(_:index:)``).
    /// - Throws: as ``PaillierPublicKey/decodeSigned(_:index:)``.
    public func decode(
        _ plaintext: BigInteger, for publicKey: PaillierPublicKey, scaleCount: Int = 1, index: Int? = nil
    ) throws(PaillierError) -> Double {
        precondition(scaleCount >= 0, "scaleCount must be non-negative")
        let signed = try publicKey.decodeSigned(plaintext, index: index)
        return Self.scaledDown(signed, exponent: fractionBits * scaleCount)
    }

    /// v · 2^(−e) as the nearest-below double of 53 significant bits.
    static func scaledDown(_ value: BigInteger, exponent: Int) -> Double {
        let (mantissa, binaryExponent) = value.doubleMantissaAndExponent
        return Double(sign: .plus, exponent: binaryExponent - exponent, significand: mantissa)
    }

    /// Encrypts x (``encode(_:for:index:)`` then plain-variant encryption).
    public func encrypt(
        _ value: Double, with publicKey: PaillierPublicKey, using generator: inout SecureRandomGenerator
    ) throws(PaillierError) -> PaillierCiphertext {
        try publicKey.encrypt(encode(value, for: publicKey), using: &generator)
    }

    /// Decrypts and decodes a real.
    public func decrypt(
        _ ciphertext: PaillierCiphertext, with privateKey: PaillierPrivateKey, scaleCount: Int = 1
    ) throws(PaillierError) -> Double {
        try decode(privateKey.decrypt(ciphertext), for: privateKey.publicKey, scaleCount: scaleCount)
    }
}
