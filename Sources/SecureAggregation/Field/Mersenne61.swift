/// An element of the prime field 𝔽_p with p = 2^61 − 1 (a Mersenne prime), the field of
/// ``ShamirSecretSharing``.
///
/// ## Why 2^61 − 1
/// A product of two elements fits in 122 bits, so one `multipliedFullWidth` (a single
/// 64×64→128-bit `mul` on x86-64 and arm64) gives it exactly, and because 2^61 ≡ 1 (mod p)
/// the reduction is two shifts, a mask and one conditional subtraction: no division and no
/// Montgomery form. 2^127 − 1 would need three or four multiplications per product for
/// 15 bytes of secret per element instead of 7; the secrets shared here are 32-byte keys and
/// seeds (5 elements each), so the smaller field is the faster one, and it leaves ample room
/// for party ids (any `UInt32` is a valid, distinct evaluation point).
///
/// Values are kept canonical (`0 ..< p`) at all times, so `==` is plain integer equality.
/// Arithmetic is constant-time except ``inverse()`` (a fixed-length exponentiation, so also
/// data-independent) and construction from an arbitrary `UInt64` (a conditional reduction).
public struct Mersenne61: Hashable, Sendable, CustomStringConvertible {
    /// The modulus p = 2^61 − 1 = 2,305,843,009,213,693,951.
    public static let modulus: UInt64 = (1 << 61) - 1

    /// The canonical representative in `0 ..< p`.
    public let value: UInt64

    /// The element `value mod p`.
    ///
    /// - Complexity: O(1).
    @inlinable
    public init(_ value: UInt64) {
        // Fold twice: value < 2^64 → < 2^61 + 8 → canonical after one conditional subtraction.
        let folded = (value & Self.modulus) &+ (value >> 61)
        self.value = folded >= Self.modulus ? folded &- Self.modulus : folded
    }

    /// Wraps a value already known to be canonical (`< p`); no reduction.
    @inlinable
    init(canonical value: UInt64) {
        self.value = value
    }

    /// The additive identity.
    public static let zero = Mersenne61(canonical: 0)
    /// The multiplicative identity.
    public static let one = Mersenne61(canonical: 1)

    /// `lhs + rhs mod p`.
    @inlinable
    public static func + (lhs: Mersenne61, rhs: Mersenne61) -> Mersenne61 {
        let sum = lhs.value &+ rhs.value  // < 2^62, no overflow
        return Mersenne61(canonical: sum >= modulus ? sum &- modulus : sum)
    }

    /// `lhs − rhs mod p`.
    @inlinable
    public static func - (lhs: Mersenne61, rhs: Mersenne61) -> Mersenne61 {
        let difference = lhs.value &+ (modulus &- rhs.value)
        return Mersenne61(canonical: difference >= modulus ? difference &- modulus : difference)
    }

    /// `−x mod p`.
    @inlinable
    public static prefix func - (x: Mersenne61) -> Mersenne61 {
        Mersenne61(canonical: x.value == 0 ? 0 : modulus &- x.value)
    }

    /// `lhs · rhs mod p`: one 64×64→128-bit multiplication and a Mersenne fold.
    ///
    /// With a, b < 2^61 the product is h·2^64 + l < 2^122, and since 2^61 ≡ 1,
    /// h·2^64 + l ≡ (l mod 2^61) + (l >> 61) + 8h with 8h < 2^61, so the sum is below 2^62 + 8.
    @inlinable
    public static func * (lhs: Mersenne61, rhs: Mersenne61) -> Mersenne61 {
        let product = lhs.value.multipliedFullWidth(by: rhs.value)
        let folded = (product.low & modulus) &+ (product.low >> 61) &+ (product.high << 3)
        return Mersenne61(folded)
    }

    /// `self^exponent mod p` by square-and-multiply over all 64 bits of the exponent.
    ///
    /// - Complexity: O(64) multiplications, independent of the exponent's value.
    @inlinable
    public func power(_ exponent: UInt64) -> Mersenne61 {
        var result = Mersenne61.one
        var base = self
        var e = exponent
        for _ in 0..<64 {
            let multiplied = result * base
            result = (e & 1) == 1 ? multiplied : result
            base = base * base
            e >>= 1
        }
        return result
    }

    /// The multiplicative inverse by Fermat's little theorem, `self^(p−2)`; `nil` for zero.
    ///
    /// - Complexity: O(64) multiplications.
    @inlinable
    public func inverse() -> Mersenne61? {
        value == 0 ? nil : power(Self.modulus - 2)
    }

    /// An element drawn exactly uniformly from 𝔽_p with the CSPRNG (Lemire's unbiased bounded
    /// draw: no modulo bias).
    ///
    /// - Complexity: O(1) expected.
    @inlinable
    public static func random<Generator: RandomNumberGenerator>(using generator: inout Generator) -> Mersenne61 {
        Mersenne61(canonical: generator.next(upperBound: modulus))
    }

    /// The decimal value.
    public var description: String { String(value) }
}
