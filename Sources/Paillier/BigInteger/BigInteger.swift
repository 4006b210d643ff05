import CGMP
public import SecureRandom
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An immutable arbitrary-precision signed integer backed by GMP (`mpz_t`).
///
/// A value type: copies share one GMP integer, which is never modified after construction, so
/// copies are O(1) and the type is `Sendable`. Every operation returns a new integer; the GMP
/// memory is released (and its limbs wiped) when the last copy goes away.
///
/// All arithmetic is GMP's; nothing here implements big-integer arithmetic by hand.
///
/// Constant time: ``powerSecret(_:modulo:)`` (`mpz_powm_sec`) and the primitives of
/// `ConstantTime.swift` (fixed-base exponentiation, table selection, products modulo a fixed
/// modulus). Functions whose running time depends on their operands' *values* in a way an attacker
/// can exploit (`mpz_powm`'s exponent scan, `mpz_invert`, `mpz_gcd`, GMP's probable-prime test)
/// carry a `variableTime: Bool` argument that must be `true` (the convention of Apple's
/// swift-homomorphic-encryption): a call site that writes it states that the leaked operands are
/// public. The arithmetic operators (`+`, `*`, `/`, `%`, ``modulo(_:)``) take time that depends on
/// their operands' limb counts.
///
/// Textual form: decimal, with a leading `-` for negatives (``description``,
/// ``init(decimal:parameter:)``); `Codable` as a JSON string in the same form, so that integers of
/// any size survive JSON parsers that read numbers as doubles.
public struct BigInteger: Sendable {
    /// The GMP integer; never written after `init`.
    let storage: GMPInteger

    /// Wraps a freshly built GMP integer.
    init(storage: GMPInteger) {
        self.storage = storage
    }

    /// Builds a new integer by letting `body` write the result into a fresh GMP integer.
    @inline(__always)
    static func build(_ body: (UnsafeMutablePointer<__mpz_struct>) -> Void) -> BigInteger {
        let result = GMPInteger()
        body(result.pointer)
        return BigInteger(storage: result)
    }

    /// The GMP integer, read-only.
    var pointer: UnsafePointer<__mpz_struct> { UnsafePointer(storage.pointer) }

    // MARK: - Construction

    /// Zero.
    public static let zero = BigInteger(0)
    /// One.
    public static let one = BigInteger(1)

    /// The integer equal to `value`.
    ///
    /// - Complexity: O(1).
    public init(_ value: Int) {
        let result = GMPInteger()
        __gmpz_set_si(result.pointer, value)
        self.init(storage: result)
    }

    /// The integer equal to `value`.
    ///
    /// - Complexity: O(1).
    public init(_ value: UInt64) {
        let result = GMPInteger()
        __gmpz_set_ui(result.pointer, UInt(value))
        self.init(storage: result)
    }

    /// Parses a decimal integer: an optional `-`, then one or more ASCII digits and nothing else
    /// (no `+`, no spaces, no underscores — GMP alone would silently skip spaces).
    ///
    /// - Parameters:
    ///   - text: the decimal text; leading zeros are allowed.
    ///   - parameter: what is being parsed, for the error message (a field name, "line 7").
    /// - Throws: ``PaillierError/invalidInteger(parameter:text:)`` when `text` is not of that form;
    ///   the error holds at most the first ``PaillierError/echoLimit`` characters of `text`.
    /// - Complexity: O(d²) for d digits (GMP's subquadratic conversion for large d).
    public init(decimal text: some StringProtocol, parameter: String = "integer") throws(PaillierError) {
        var utf8 = Array(text.utf8)
        let digitsStart = utf8.first == UInt8(ascii: "-") ? 1 : 0
        guard utf8.count > digitsStart,
            utf8[digitsStart...].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else {
            throw PaillierError.invalidInteger(parameter: parameter, text: PaillierError.echo(text))
        }
        utf8.append(0)
        let result = GMPInteger()
        let status = utf8.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                __gmpz_set_str(result.pointer, $0, 10)
            }
        }
        guard status == 0 else {
            throw PaillierError.invalidInteger(parameter: parameter, text: PaillierError.echo(text))
        }
        self.init(storage: result)
    }

    /// The non-negative integer whose big-endian magnitude is `bytes` (empty means zero).
    ///
    /// - Complexity: O(`bytes.count`).
    public init(bigEndianMagnitude bytes: some Collection<UInt8>) {
        let array = Array(bytes)
        let result = GMPInteger(capacityBits: array.count * 8)
        array.withUnsafeBytes { raw in
            if let base = raw.baseAddress, raw.count > 0 {
                __gmpz_import(result.pointer, raw.count, 1, 1, 1, 0, base)
            }
        }
        self.init(storage: result)
    }

    /// The exact integer value of a finite `Double` after rounding it to the nearest integer
    /// (ties to even), or `nil` for NaN and infinities.
    ///
    /// - Complexity: O(1) for the double's 53 bits, O(exponent) to shift them into place.
    public init?(rounding value: Double) {
        guard value.isFinite else { return nil }
        let rounded = value.rounded(.toNearestOrEven)
        let result = GMPInteger()
        __gmpz_set_d(result.pointer, rounded)  // exact: `rounded` is an integer
        self.init(storage: result)
    }

    // MARK: - Inspection

    /// −1, 0 or 1 as the integer is negative, zero or positive.
    public var signum: Int { Int(pk_mpz_sgn(pointer)) }

    /// Whether the integer is zero.
    public var isZero: Bool { signum == 0 }

    /// Whether the integer is odd.
    public var isOdd: Bool { pk_mpz_odd_p(pointer) != 0 }

    /// The number of bits of `|self|` (0 for zero): `⌊log₂|self|⌋ + 1`.
    public var bitWidth: Int { isZero ? 0 : Int(__gmpz_sizeinbase(pointer, 2)) }

    /// Whether bit `index` (0 = least significant) of `|self|` is set.
    public func testBit(_ index: Int) -> Bool {
        precondition(index >= 0, "testBit(_:) needs a non-negative index")
        return __gmpz_tstbit(pointer, mp_bitcnt_t(index)) != 0
    }

    /// The value as an `Int`, or `nil` when it does not fit.
    public var intValue: Int? {
        __gmpz_fits_slong_p(pointer) != 0 ? __gmpz_get_si(pointer) : nil
    }

    /// The value as a `Double`, truncated toward zero to 53 significant bits
    /// (±infinity beyond the double range).
    public var doubleValue: Double {
        let (mantissa, exponent) = doubleMantissaAndExponent
        return Double(sign: .plus, exponent: exponent, significand: mantissa)
    }

    /// `(d, e)` with `self ≈ d · 2^e`, 0.5 ≤ |d| < 1 (truncated to 53 bits; `(0, 0)` for zero):
    /// a double view of integers of any size.
    public var doubleMantissaAndExponent: (mantissa: Double, exponent: Int) {
        var exponent = 0
        let mantissa = __gmpz_get_d_2exp(&exponent, pointer)
        return (mantissa, exponent)
    }

    /// The big-endian bytes of `|self|`, without leading zero bytes (empty for zero).
    ///
    /// - Complexity: O(size).
    public var bigEndianMagnitude: [UInt8] {
        let count = (bitWidth + 7) / 8
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        var written = 0
        bytes.withUnsafeMutableBytes { raw in
            _ = __gmpz_export(raw.baseAddress, &written, 1, 1, 1, 0, pointer)
        }
        precondition(written == count, "mpz_export wrote \(written) bytes, expected \(count)")
        return bytes
    }

    /// The big-endian bytes of `|self|` left-padded with zeros to exactly `length` bytes.
    ///
    /// - Precondition: `|self|` fits in `length` bytes.
    public func bigEndianMagnitude(paddedTo length: Int) -> [UInt8] {
        let bytes = bigEndianMagnitude
        precondition(bytes.count <= length, "\(bytes.count) bytes do not fit in \(length)")
        return [UInt8](repeating: 0, count: length - bytes.count) + bytes
    }

    // MARK: - Arithmetic

    /// The sum.
    public static func + (lhs: BigInteger, rhs: BigInteger) -> BigInteger {
        build { __gmpz_add($0, lhs.pointer, rhs.pointer) }
    }

    /// The difference.
    public static func - (lhs: BigInteger, rhs: BigInteger) -> BigInteger {
        build { __gmpz_sub($0, lhs.pointer, rhs.pointer) }
    }

    /// The product.
    public static func * (lhs: BigInteger, rhs: BigInteger) -> BigInteger {
        build { __gmpz_mul($0, lhs.pointer, rhs.pointer) }
    }

    /// The negation.
    public static prefix func - (operand: BigInteger) -> BigInteger {
        build { __gmpz_neg($0, operand.pointer) }
    }

    /// The absolute value.
    public var magnitude: BigInteger { signum >= 0 ? self : -self }

    /// The quotient rounded toward zero (like Swift's `/` on `Int`).
    ///
    /// - Precondition: `rhs` is not zero.
    public static func / (lhs: BigInteger, rhs: BigInteger) -> BigInteger {
        precondition(!rhs.isZero, "division by zero")
        return build { __gmpz_tdiv_q($0, lhs.pointer, rhs.pointer) }
    }

    /// The remainder of truncating division: same sign as `lhs` (like Swift's `%` on `Int`).
    ///
    /// - Precondition: `rhs` is not zero.
    public static func % (lhs: BigInteger, rhs: BigInteger) -> BigInteger {
        precondition(!rhs.isZero, "division by zero")
        return build { __gmpz_tdiv_r($0, lhs.pointer, rhs.pointer) }
    }

    /// `self mod modulus` in `0..<|modulus|` (the mathematical residue, never negative).
    ///
    /// - Precondition: `modulus` is not zero.
    public func modulo(_ modulus: BigInteger) -> BigInteger {
        precondition(!modulus.isZero, "modulo zero")
        return BigInteger.build { __gmpz_mod($0, pointer, modulus.pointer) }
    }

    /// `self / divisor` for a `divisor` known to divide `self` exactly (faster than `/`).
    ///
    /// - Precondition: `divisor` is not zero. The result is meaningless if it does not divide.
    public func dividedExactly(by divisor: BigInteger) -> BigInteger {
        precondition(!divisor.isZero, "division by zero")
        return BigInteger.build { __gmpz_divexact($0, pointer, divisor.pointer) }
    }

    /// `self · 2^count`.
    public func shiftedLeft(by count: Int) -> BigInteger {
        precondition(count >= 0, "shift count must be non-negative")
        return BigInteger.build { __gmpz_mul_2exp($0, pointer, mp_bitcnt_t(count)) }
    }

    /// `(self · other) mod modulus`, in `0..<|modulus|`.
    ///
    /// - Precondition: `modulus` is not zero.
    /// - Complexity: one GMP multiplication and one division.
    public func multiplied(by other: BigInteger, modulo modulus: BigInteger) -> BigInteger {
        precondition(!modulus.isZero, "modulo zero")
        return BigInteger.build {
            __gmpz_mul($0, pointer, other.pointer)
            __gmpz_mod($0, $0, modulus.pointer)
        }
    }

    /// `(a · b) mod modulus` for non-negative `a`, `b` and a positive modulus, at GMP's `mpn` level:
    /// the double-length product and the quotient live in one stack buffer, and the remainder is
    /// written straight into the result's limbs (one allocation, no aliasing copies). The hot path of
    /// homomorphic addition.
    ///
    /// - Parameter isPublic: the result is public (a ciphertext): its limbs are not wiped on release.
    static func multiplyNonNegative(
        _ a: BigInteger, _ b: BigInteger, modulo modulus: BigInteger, isPublic: Bool = false
    ) -> BigInteger {
        precondition(
            a.signum >= 0 && b.signum >= 0 && modulus.signum > 0, "multiplyNonNegative needs non-negative operands")
        let (large, small) = pk_mpz_size(a.pointer) >= pk_mpz_size(b.pointer) ? (a, b) : (b, a)
        let largeCount = pk_mpz_size(large.pointer)
        let smallCount = pk_mpz_size(small.pointer)
        let modulusCount = pk_mpz_size(modulus.pointer)
        let productCount = largeCount + smallCount
        if smallCount == 0 { return .zero }
        if productCount < modulusCount {
            // The product may still exceed a modulus of the same limb count: let mpz handle it.
            return a.multiplied(by: b, modulo: modulus)
        }
        let result = GMPInteger(
            capacityBits: modulusCount * MemoryLayout<mp_limb_t>.size * 8, wipesOnRelease: !isPublic)
        withUnsafeTemporaryAllocation(of: mp_limb_t.self, capacity: productCount + (productCount - modulusCount + 1)) {
            scratch in
            let product = scratch.baseAddress!
            let quotient = product + productCount
            __gmpn_mul(
                product, __gmpz_limbs_read(large.pointer), mp_size_t(largeCount),
                __gmpz_limbs_read(small.pointer), mp_size_t(smallCount))
            let remainder = __gmpz_limbs_write(result.pointer, mp_size_t(modulusCount))!
            __gmpn_tdiv_qr(
                quotient, remainder, 0, product, mp_size_t(productCount),
                __gmpz_limbs_read(modulus.pointer), mp_size_t(modulusCount))
            __gmpz_limbs_finish(result.pointer, mp_size_t(modulusCount))
        }
        return BigInteger(storage: result)
    }

    /// `self^exponent mod modulus` by GMP's `mpz_powm`: **variable time** in the exponent (sliding
    /// windows) and the base; for public operands only.
    ///
    /// - Parameters:
    ///   - exponent: a non-negative exponent (public).
    ///   - modulus: a positive modulus.
    ///   - variableTime: must be `true`: the caller states that `self` and `exponent` are public.
    /// - Returns: the residue in `0..<modulus`.
    /// - Complexity: O(bits(exponent) · M(bits(modulus))) with sliding windows.
    public func power(_ exponent: BigInteger, modulo modulus: BigInteger, variableTime: Bool) -> BigInteger {
        precondition(
            variableTime, "power(_:modulo:variableTime:) is variable time; pass true or use powerSecret(_:modulo:)")
        precondition(modulus.signum > 0, "power(_:modulo:) needs a positive modulus")
        precondition(exponent.signum >= 0, "power(_:modulo:) needs a non-negative exponent; invert first")
        return BigInteger.build { __gmpz_powm($0, pointer, exponent.pointer, modulus.pointer) }
    }

    /// `self^exponent mod modulus` by GMP's `mpz_powm_sec`, whose running time and memory-access
    /// pattern depend only on the sizes of the operands, not their values: use it whenever the
    /// exponent is secret (Paillier decryption, key generation).
    ///
    /// - Parameters:
    ///   - exponent: a positive exponent.
    ///   - modulus: an odd modulus (GMP's requirement for `mpz_powm_sec`).
    /// - Returns: the residue in `0..<modulus`.
    public func powerSecret(_ exponent: BigInteger, modulo modulus: BigInteger) -> BigInteger {
        precondition(modulus.signum > 0 && modulus.isOdd, "powerSecret(_:modulo:) needs an odd positive modulus")
        precondition(exponent.signum > 0, "powerSecret(_:modulo:) needs a positive exponent")
        return BigInteger.build { __gmpz_powm_sec($0, pointer, exponent.pointer, modulus.pointer) }
    }

    /// The inverse of `self` modulo `modulus` in `0..<|modulus|`, or `nil` when
    /// `gcd(self, modulus) ≠ 1`. **Variable time** (`mpz_invert`).
    ///
    /// - Parameter variableTime: must be `true`: the caller accepts that timing depends on the values.
    /// - Precondition: `modulus` is not zero.
    public func inverse(modulo modulus: BigInteger, variableTime: Bool) -> BigInteger? {
        precondition(variableTime, "inverse(modulo:variableTime:) is variable time; pass true")
        precondition(!modulus.isZero, "inverse(modulo:) needs a non-zero modulus")
        let result = GMPInteger()
        guard __gmpz_invert(result.pointer, pointer, modulus.pointer) != 0 else { return nil }
        return BigInteger(storage: result)
    }

    /// The greatest common divisor (non-negative; `gcd(0, 0) = 0`). **Variable time** (`mpz_gcd`).
    ///
    /// - Parameter variableTime: must be `true`: the caller accepts that timing depends on the values.
    public static func gcd(_ a: BigInteger, _ b: BigInteger, variableTime: Bool) -> BigInteger {
        precondition(variableTime, "gcd(_:_:variableTime:) is variable time; pass true")
        return build { __gmpz_gcd($0, a.pointer, b.pointer) }
    }

    // MARK: - Primes and randomness

    /// Whether `self` is probably prime: GMP's Baillie–PSW test (trial division, a base-2
    /// Miller–Rabin test and a strong Lucas test) followed by `randomRounds` Miller–Rabin rounds
    /// whose bases are drawn from `generator` (not from GMP's internal Mersenne twister).
    ///
    /// No composite is known to pass Baillie–PSW; each extra round lets a composite through with
    /// probability at most 1/4.
    ///
    /// **Variable time**: GMP's Baillie–PSW (trial division, `mpz_powm`, the Lucas sequence) takes
    /// time that depends on the candidate; the Miller–Rabin rounds use ``powerSecret(_:modulo:)``.
    /// For a secret prime this leaks timing of one accepted candidate.
    ///
    /// - Parameter variableTime: must be `true`: the caller accepts that timing depends on `self`.
    /// - Complexity: O(`randomRounds` + 2) modular exponentiations of `bitWidth` bits.
    public func isProbablePrime(
        randomRounds: Int = 16, using generator: inout SecureRandomGenerator, variableTime: Bool
    ) -> Bool {
        precondition(variableTime, "isProbablePrime(randomRounds:using:variableTime:) is variable time; pass true")
        if signum <= 0 { return false }
        // reps ≤ 24: GMP 6.2 runs Baillie–PSW only (its extra rounds would use its own generator).
        let verdict = __gmpz_probab_prime_p(pointer, 24)
        if verdict == 0 { return false }
        if verdict == 2 || self < BigInteger(5) { return true }  // proven prime (small)
        // Miller–Rabin with CSPRNG bases in [2, self − 2].
        let minusOne = self - .one
        var d = minusOne
        var s = 0
        while !d.isOdd {
            d = BigInteger.build { __gmpz_fdiv_q_2exp($0, d.pointer, 1) }
            s += 1
        }
        let three = BigInteger(3)
        for _ in 0..<randomRounds {
            let base = BigInteger.random(below: self - three, using: &generator) + BigInteger(2)
            var x = base.powerSecret(d, modulo: self)  // self is odd (≥ 5), d ≥ 1
            if x == .one || x == minusOne { continue }
            var witnessed = true
            for _ in 1..<max(s, 1) {
                x = x.multiplied(by: x, modulo: self)
                if x == minusOne {
                    witnessed = false
                    break
                }
            }
            if witnessed { return false }
        }
        return true
    }

    /// A uniformly random integer in `0..<bound`, by rejection sampling on `bitWidth(bound)`
    /// random bits from `generator` (expected fewer than two draws).
    ///
    /// - Precondition: `bound > 0`.
    /// - Complexity: O(bits(bound)) expected.
    public static func random(below bound: BigInteger, using generator: inout SecureRandomGenerator) -> BigInteger {
        precondition(bound.signum > 0, "random(below:) needs a positive bound")
        let bits = bound.bitWidth
        while true {
            let candidate = random(bits: bits, using: &generator)
            if candidate < bound { return candidate }
        }
    }

    /// A uniformly random integer in `0..<2^bits` from `generator`.
    ///
    /// - Precondition: `bits >= 0`.
    public static func random(bits: Int, using generator: inout SecureRandomGenerator) -> BigInteger {
        precondition(bits >= 0, "random(bits:) needs a non-negative bit count")
        guard bits > 0 else { return .zero }
        let byteCount = (bits + 7) / 8
        var bytes = [UInt8](repeating: 0, count: byteCount)
        bytes.withUnsafeMutableBytes { generator.fill($0) }
        let excess = byteCount * 8 - bits
        bytes[0] &= UInt8(truncatingIfNeeded: 0xFF >> excess)
        let value = BigInteger(bigEndianMagnitude: bytes)
        wipe(&bytes)
        return value
    }

    /// A uniformly random element of Z*_modulus (in `1..<modulus`, coprime to it).
    ///
    /// For an odd modulus the coprimality test is constant time (`mpn_sec_invert`), so the draw
    /// leaks nothing through timing; for an even modulus it is `mpz_gcd` (variable time).
    ///
    /// - Precondition: `modulus > 1`.
    public static func randomUnit(
        modulo modulus: BigInteger, using generator: inout SecureRandomGenerator
    ) -> BigInteger {
        precondition(modulus > .one, "randomUnit(modulo:) needs a modulus above 1")
        while true {
            let candidate = random(below: modulus, using: &generator)
            let isUnit =
                modulus.isOdd
                ? ConstantTime.isUnit(candidate, modulo: modulus)
                : gcd(candidate, modulus, variableTime: true) == .one
            if !candidate.isZero && isUnit { return candidate }
        }
    }

    /// A random probable prime of exactly `bits` bits whose two top bits are set (so the product
    /// of two such primes has exactly `2·bits` bits).
    ///
    /// Each candidate is a fresh draw of `bits` bits from `generator` with the top two bits and the
    /// low bit forced to one, tested by ``isProbablePrime(randomRounds:using:)``; so the result is
    /// uniform over the primes of that form.
    ///
    /// - Parameter progress: called with 64 after every 64 candidates, and with the remainder when
    ///   the prime is found (so the calls add up to the candidates tested).
    /// - Precondition: `bits >= 3`.
    /// - Complexity: about `bits · ln 2 / 2` candidates are tested on average; most fail trial division.
    public static func randomPrime(
        bits: Int, using generator: inout SecureRandomGenerator,
        progress: (Int) -> Void = { _ in }
    ) -> BigInteger {
        precondition(bits >= 3, "randomPrime(bits:) needs at least 3 bits")
        var tested = 0
        while true {
            tested += 1
            if tested == 64 {
                progress(tested)
                tested = 0
            }
            let raw = random(bits: bits, using: &generator)
            let candidate = build {
                __gmpz_set($0, raw.pointer)
                __gmpz_setbit($0, mp_bitcnt_t(bits - 1))
                __gmpz_setbit($0, mp_bitcnt_t(bits - 2))
                __gmpz_setbit($0, 0)
            }
            if candidate.isProbablePrime(using: &generator, variableTime: true) {
                if tested > 0 { progress(tested) }
                return candidate
            }
        }
    }

    /// Overwrites `bytes` with zeros in a way the optimiser does not remove.
    static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            #if canImport(Glibc)
            explicit_bzero(base, raw.count)
            #else
            _ = memset_s(base, raw.count, 0, raw.count)
            #endif
        }
    }
}

// MARK: - Standard protocols

extension BigInteger: Comparable, Hashable {
    /// Whether both integers are equal (`mpz_cmp`).
    public static func == (lhs: BigInteger, rhs: BigInteger) -> Bool {
        __gmpz_cmp(lhs.pointer, rhs.pointer) == 0
    }

    /// Whether `lhs < rhs` (`mpz_cmp`).
    public static func < (lhs: BigInteger, rhs: BigInteger) -> Bool {
        __gmpz_cmp(lhs.pointer, rhs.pointer) < 0
    }

    /// Hashes the sign and the limbs.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(signum)
        let limbs = pk_mpz_size(pointer)
        for index in 0..<limbs {
            hasher.combine(__gmpz_getlimbn(pointer, mp_size_t(index)))
        }
    }
}

extension BigInteger: CustomStringConvertible, LosslessStringConvertible {
    /// The decimal form, with a leading `-` for negatives.
    ///
    /// - Complexity: O(d²) for d digits (subquadratic in GMP for large d).
    public var description: String {
        let capacity = Int(__gmpz_sizeinbase(pointer, 10)) + 2
        var buffer = [CChar](repeating: 0, count: capacity)
        buffer.withUnsafeMutableBufferPointer { _ = __gmpz_get_str($0.baseAddress, 10, pointer) }
        let end = buffer.firstIndex(of: 0) ?? buffer.count
        return String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Parses the decimal form (see ``init(decimal:parameter:)``); `nil` when it is not one.
    public init?(_ description: String) {
        guard let value = try? BigInteger(decimal: description) else { return nil }
        self = value
    }
}

extension BigInteger: ExpressibleByIntegerLiteral {
    /// The integer equal to the literal.
    public init(integerLiteral value: Int) {
        self.init(value)
    }
}

extension BigInteger: Codable {
    /// Decodes a JSON string holding a decimal integer.
    ///
    /// - Throws: ``PaillierError/invalidInteger(parameter:text:)`` naming the coding path when
    ///   the string is not a decimal integer; `DecodingError` when the value is not a string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        let path = decoder.codingPath.map(\.stringValue).joined(separator: ".")
        self = try BigInteger(decimal: text, parameter: path.isEmpty ? "integer" : path)
    }

    /// Encodes as a JSON string holding the decimal form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
