public import SecureRandom

/// One party's share of a byte-string secret: the secret's polynomials evaluated at the
/// holder's point.
///
/// A secret of `b` bytes is cut into ⌈b/7⌉ chunks of 7 bytes (56 bits, little-endian), each
/// an element of ``Mersenne61`` below 2^56; chunk `c` is the constant term of its own random
/// polynomial f_c of degree `threshold − 1`, and `values[c] = f_c(holder)`.
public struct ShamirShare: Hashable, Sendable {
    /// The evaluation point: the holding party's id (never 0, which is where the secret sits).
    public let holder: PartyID
    /// One field element per 7-byte chunk of the secret, in chunk order.
    public let values: [Mersenne61]

    /// A share as received (e.g. decoded from a message).
    ///
    /// - Parameters:
    ///   - holder: the evaluation point, nonzero.
    ///   - values: the evaluations, one per chunk.
    public init(holder: PartyID, values: [Mersenne61]) {
        self.holder = holder
        self.values = values
    }
}

/// Shamir's (t, m) threshold secret sharing of byte strings over 𝔽_{2^61−1}
/// (Shamir, "How to share a secret", CACM 1979).
///
/// Any `threshold` shares determine the secret (Lagrange interpolation at zero); any
/// `threshold − 1` shares are jointly uniform and independent of it (information-theoretic
/// secrecy), provided the polynomial coefficients are uniform — they are drawn from
/// ``SecureRandomGenerator`` with an exactly uniform bounded draw.
public enum ShamirSecretSharing {
    /// Bytes of secret per field element: 7 bytes = 56 bits < 61 bits.
    public static let bytesPerElement = 7

    /// The number of field elements a secret of `byteCount` bytes takes.
    ///
    /// - Complexity: O(1).
    @inlinable
    public static func elementCount(forByteCount byteCount: Int) -> Int {
        (byteCount + bytesPerElement - 1) / bytesPerElement
    }

    /// Splits `secret` into one share per holder such that any `threshold` of them recover it.
    ///
    /// - Parameters:
    ///   - secret: the bytes to share (e.g. a 32-byte key or seed); may be empty.
    ///   - threshold: t, with `1 ≤ t ≤ holders.count`.
    ///   - holders: distinct, nonzero evaluation points (party ids), one share each.
    ///   - generator: the CSPRNG the t − 1 random coefficients per chunk are drawn from.
    /// - Returns: the shares, in the order of `holders`.
    /// - Throws: ``SecureAggregationError/invalidParameter(name:reason:)`` for a threshold out
    ///   of range, a zero or duplicated holder.
    /// - Complexity: O(m · t · ⌈b/7⌉) field operations (Horner's rule per share and chunk).
    public static func split(
        _ secret: [UInt8], threshold: Int, holders: [PartyID],
        using generator: inout SecureRandomGenerator
    ) throws(SecureAggregationError) -> [ShamirShare] {
        guard threshold >= 1, threshold <= holders.count else {
            throw .invalidParameter(
                name: "threshold",
                reason: "must be in 1...\(holders.count) (the number of holders), found \(threshold)")
        }
        guard !holders.contains(0) else {
            throw .invalidParameter(name: "holders", reason: "0 is the secret's own point and cannot hold a share")
        }
        guard Set(holders).count == holders.count else {
            throw .invalidParameter(name: "holders", reason: "every holder must be distinct")
        }
        let chunks = elements(of: secret)
        // coefficients[c * threshold + j] is the x^j coefficient of chunk c's polynomial.
        var coefficients = [Mersenne61](repeating: .zero, count: chunks.count * threshold)
        for c in 0..<chunks.count {
            coefficients[c * threshold] = chunks[c]
            for j in 1..<threshold {
                coefficients[c * threshold + j] =
                    Mersenne61(canonical: generator.nextUniform(below: Mersenne61.modulus))
            }
        }
        var shares: [ShamirShare] = []
        shares.reserveCapacity(holders.count)
        for holder in holders {
            let x = Mersenne61(UInt64(holder))
            var values = [Mersenne61](repeating: .zero, count: chunks.count)
            for c in 0..<chunks.count {
                var accumulator = Mersenne61.zero
                var j = threshold - 1
                while j >= 0 {
                    accumulator = accumulator * x + coefficients[c * threshold + j]
                    j -= 1
                }
                values[c] = accumulator
            }
            shares.append(ShamirShare(holder: holder, values: values))
        }
        // Wipe the polynomial (it contains the secret) before the array is freed.
        for i in coefficients.indices { coefficients[i] = .zero }
        return shares
    }

    /// Recovers a `byteCount`-byte secret from at least `threshold` shares.
    ///
    /// Uses the first `threshold` shares in the order given.
    ///
    /// - Parameters:
    ///   - shares: shares from distinct holders, each with ⌈byteCount/7⌉ values.
    ///   - threshold: t, the number of shares used (the polynomial degree plus one).
    ///   - byteCount: the secret's length in bytes.
    ///   - owner: whose secret it is, for error messages (0 when not applicable).
    /// - Throws: ``SecureAggregationError/insufficientShares(owner:have:need:)`` with fewer than
    ///   `threshold` shares; ``SecureAggregationError/invalidParameter(name:reason:)`` for
    ///   duplicate holders or wrong value counts;
    ///   ``SecureAggregationError/inconsistentShares(owner:)`` when a chunk does not
    ///   interpolate to a 7-byte value (corrupted shares, detected with probability
    ///   ≥ 1 − 2^−5 per chunk for random corruption).
    /// - Complexity: O(t²) for the Lagrange coefficients plus O(t · ⌈b/7⌉).
    public static func reconstruct(
        _ shares: [ShamirShare], threshold: Int, byteCount: Int, owner: PartyID = 0
    ) throws(SecureAggregationError) -> [UInt8] {
        guard threshold >= 1 else {
            throw .invalidParameter(name: "threshold", reason: "must be at least 1, found \(threshold)")
        }
        guard shares.count >= threshold else {
            throw .insufficientShares(owner: owner, have: shares.count, need: threshold)
        }
        let used = Array(shares.prefix(threshold))
        let basis = try LagrangeBasis(points: used.map(\.holder))
        return try reconstruct(used, basis: basis, byteCount: byteCount, owner: owner)
    }

    /// Recovers a secret from exactly the shares whose holders `basis` was built for, in the
    /// same order (lets a caller reuse one basis for many secrets held by the same parties).
    ///
    /// - Throws: as ``reconstruct(_:threshold:byteCount:owner:)``.
    /// - Complexity: O(t · ⌈b/7⌉).
    public static func reconstruct(
        _ shares: [ShamirShare], basis: LagrangeBasis, byteCount: Int, owner: PartyID = 0
    ) throws(SecureAggregationError) -> [UInt8] {
        let chunkCount = elementCount(forByteCount: byteCount)
        guard shares.count == basis.points.count else {
            throw .invalidParameter(
                name: "shares", reason: "expected \(basis.points.count) shares for this basis, found \(shares.count)")
        }
        var chunks = [Mersenne61](repeating: .zero, count: chunkCount)
        for (index, share) in shares.enumerated() {
            guard share.holder == basis.points[index] else {
                throw .invalidParameter(
                    name: "shares",
                    reason: "share \(index) is held by \(share.holder), the basis expects \(basis.points[index])")
            }
            guard share.values.count == chunkCount else {
                throw .invalidParameter(
                    name: "shares",
                    reason:
                        "share of holder \(share.holder) has \(share.values.count) values, a \(byteCount)-byte secret needs \(chunkCount)"
                )
            }
            let coefficient = basis.coefficients[index]
            for c in 0..<chunkCount {
                chunks[c] = chunks[c] + coefficient * share.values[c]
            }
        }
        var secret = [UInt8](repeating: 0, count: byteCount)
        for c in 0..<chunkCount {
            let value = chunks[c].value
            let width = min(bytesPerElement, byteCount - c * bytesPerElement)
            guard value >> UInt64(8 * width) == 0 else { throw .inconsistentShares(owner: owner) }
            for b in 0..<width {
                secret[c * bytesPerElement + b] = UInt8(truncatingIfNeeded: value >> UInt64(8 * b))
            }
        }
        return secret
    }

    /// The secret's bytes as field elements, 7 little-endian bytes each.
    static func elements(of secret: [UInt8]) -> [Mersenne61] {
        let count = elementCount(forByteCount: secret.count)
        var result = [Mersenne61](repeating: .zero, count: count)
        for c in 0..<count {
            var value: UInt64 = 0
            let start = c * bytesPerElement
            for b in start..<min(start + bytesPerElement, secret.count) {
                value |= UInt64(secret[b]) << UInt64(8 * (b - start))
            }
            result[c] = Mersenne61(canonical: value)
        }
        return result
    }
}

/// The Lagrange coefficients λ_i = ∏_{j≠i} x_j / (x_j − x_i) that interpolate a polynomial at
/// zero from its values at the distinct points x_i: f(0) = Σ λ_i · f(x_i).
///
/// Build it once per set of share holders and reuse it for every secret those holders share.
public struct LagrangeBasis: Sendable, Equatable {
    /// The interpolation points (share holders), in the order of ``coefficients``.
    public let points: [PartyID]
    /// λ_i for each point.
    public let coefficients: [Mersenne61]

    /// Computes the coefficients for `points`.
    ///
    /// - Throws: ``SecureAggregationError/invalidParameter(name:reason:)`` for an empty list, a
    ///   zero point or a repeated point.
    /// - Complexity: O(t²) multiplications and one inversion (Montgomery's batch trick).
    public init(points: [PartyID]) throws(SecureAggregationError) {
        guard !points.isEmpty else { throw .invalidParameter(name: "points", reason: "at least one point is needed") }
        guard !points.contains(0) else {
            throw .invalidParameter(name: "points", reason: "0 cannot be an interpolation point")
        }
        guard Set(points).count == points.count else {
            throw .invalidParameter(name: "points", reason: "interpolation points must be distinct")
        }
        let xs = points.map { Mersenne61(UInt64($0)) }
        var numerators = [Mersenne61](repeating: .one, count: xs.count)
        var denominators = [Mersenne61](repeating: .one, count: xs.count)
        for i in xs.indices {
            for j in xs.indices where j != i {
                numerators[i] = numerators[i] * xs[j]
                denominators[i] = denominators[i] * (xs[j] - xs[i])
            }
        }
        // Batch inversion: one Fermat inverse for all denominators.
        var prefix = [Mersenne61](repeating: .one, count: xs.count)
        var running = Mersenne61.one
        for i in xs.indices {
            prefix[i] = running
            running = running * denominators[i]
        }
        var inverse = running.inverse()!  // nonzero: distinct points < p, product of nonzeros
        var coefficients = [Mersenne61](repeating: .zero, count: xs.count)
        for i in xs.indices.reversed() {
            coefficients[i] = numerators[i] * inverse * prefix[i]
            inverse = inverse * denominators[i]
        }
        self.points = points
        self.coefficients = coefficients
    }
}
