/// A cryptographically secure pseudo-random number generator (CSPRNG): AES-256 in counter
/// mode, keyed from the operating system, re-keyed from the operating system every 2^32
/// bytes of output.
///
/// This is the generator every noise sampler in PrivacyKernel draws from. Its output is
/// computationally indistinguishable from uniform random bits to anyone who does not know
/// the current key, which makes it suitable for differential-privacy noise: an adversary
/// who sees released values learns nothing about the noise beyond what the mechanism's
/// distribution itself reveals.
///
/// ## Security argument
/// - **Key source.** Each 256-bit AES key and its 128-bit initial counter block are read
///   from ``SystemEntropy`` (`getrandom(2)`). No non-cryptographic generator is involved
///   anywhere.
/// - **Keystream.** Output bytes are AES-256-CTR applied to zeros: AES_k(c), AES_k(c+1), …
///   (NIST SP 800-38A, checked against its F.5.5 test vector). Under the standard
///   assumption that AES-256 is a pseudo-random permutation, this is a PRG; the
///   PRP/PRF switching distance after q blocks is at most q²/2^129.
/// - **Re-keying.** After 2^32 bytes (2^28 blocks) under one key the generator draws a fresh
///   key and counter block from the OS, so the switching bound per key is at most 2^-73
///   and a (key, counter block) pair is never reused (the counter cannot wrap within one
///   key; keys are independent 256-bit values).
/// - **Copies never replay output.** The struct is a thin handle on one keystream
///   (buffer, read position, key schedule); a copy is another handle on the *same*
///   stream, so `var b = a` followed by draws from both interleaves one stream and never
///   yields the same values twice (unlike a plain value-type seeded generator).
/// - **Limits.** A process that `fork(2)`s while holding a generator gives the child a
///   copy of its key and buffer, so parent and child would produce the same values:
///   create generators after forking (Swift's `Process` spawns with `posix_spawn` and is
///   unaffected). Words already drawn stay in the buffer until the next refill (at most
///   16 KiB), so a memory dump can reveal recently drawn values, not future ones.
/// - **Hygiene.** Buffered keystream is wiped (`explicit_bzero`) when the storage is freed
///   and after each copy out of swift-crypto's result.
///
/// ## Speed
/// Output is generated 16 KiB at a time into a reused buffer, so ``next()`` is a load and
/// an index increment on all but one call in 2048. Measured on the 2-core reference box
/// (AES-NI, release, one core, million `UInt64` per second): ``next()`` ≈ 650,
/// ``fill(_:)-(inout [UInt64])`` ≈ 700–780, ``nextUniform(below:)`` ≈ 550 for bound 10 and
/// ≈ 205 for 3·2^62 (a quarter of draws rejected); `SystemRandomNumberGenerator` ≈ 3.9.
///
/// ## Thread safety
/// Not `Sendable`, deliberately: copies share one stream, and two threads drawing from it
/// at once would race on its read position. The compiler therefore rejects sending a
/// generator to another task; create one per task instead (one system call each).
///
/// Deterministic streams for tests are available only through
/// `@_spi(Testing) import SecureRandom` (see ``init(testSeed:)``).
public struct SecureRandomGenerator: RandomNumberGenerator {
    /// Owns the buffer, the cursor and the key schedule; kept alive by every copy.
    @usableFromInline let storage: KeystreamStorage
    /// `storage.words`, cached so the hot path does not load through the class.
    @usableFromInline let words: UnsafeMutablePointer<UInt64>
    /// `storage.cursor`: index of the next unread word, shared by all copies.
    @usableFromInline let cursor: UnsafeMutablePointer<Int>
    /// `storage.wordCount`: the buffer's length in words (2048 for 16 KiB).
    @usableFromInline let wordCount: Int

    init(storage: KeystreamStorage) {
        self.storage = storage
        self.words = storage.words
        self.cursor = storage.cursor
        self.wordCount = storage.wordCount
    }

    /// Creates a generator keyed from the operating system's entropy source.
    ///
    /// Reads 48 bytes (a 256-bit AES key and a 128-bit counter block) from
    /// ``SystemEntropy``; no keystream is produced until the first draw.
    ///
    /// - Throws: ``SecureRandomError/systemEntropyUnavailable(errno:requestedBytes:)`` when
    ///   the operating system cannot provide entropy.
    /// - Complexity: O(1): one system call and two 16 KiB allocations.
    public init() throws(SecureRandomError) {
        self.init(storage: try KeystreamStorage())
    }

    // MARK: - Scalar draws

    /// Returns the next 64 uniformly random bits.
    ///
    /// - Returns: a value uniform over all of `UInt64`.
    /// - Complexity: O(1) amortised: one AES-CTR refill of 16 KiB every 2048 calls.
    @inlinable
    public mutating func next() -> UInt64 {
        var index = cursor.pointee
        if _slowPath(index == wordCount) {
            storage.refill()
            index = 0
        }
        cursor.pointee = index &+ 1
        return words[index]
    }

    /// Returns a value exactly uniform on `0..<bound`.
    ///
    /// Uses Lemire's nearly-divisionless method ("Fast random integer generation in an
    /// interval", ACM TOMACS 2019, https://arxiv.org/abs/1805.10941): the high word of
    /// `x · bound` for a uniform 64-bit `x`, rejecting the `2^64 mod bound` values of the low
    /// word that would bias it. There is no modulo bias; the expected number of 64-bit
    /// draws is `2^64 / (2^64 − (2^64 mod bound)) < 2`, and the division happens only when
    /// the first low word falls below `bound` (never for `bound > 2^63`).
    ///
    /// - Parameter bound: the exclusive upper bound; `bound == 1` always returns 0.
    /// - Precondition: `bound > 0` (an empty range is a programmer error and traps).
    /// - Complexity: O(1) expected.
    @inlinable
    public mutating func nextUniform(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "nextUniform(below:) needs a positive bound")
        var product = next().multipliedFullWidth(by: bound)
        if _slowPath(product.low < bound) {
            // 2^64 mod bound; for bound > 2^63 that is simply 2^64 − bound (no division).
            let threshold = bound > 1 << 63 ? 0 &- bound : (0 &- bound) % bound
            while product.low < threshold {
                product = next().multipliedFullWidth(by: bound)
            }
        }
        return product.high
    }

    /// Returns `k` uniformly random bits in the low bits of the result (the rest zero).
    ///
    /// - Parameter k: the number of bits, in `0...64`; `k == 0` returns 0 without drawing.
    /// - Returns: a value uniform on `0..<2^k`.
    /// - Complexity: O(1) amortised; one 64-bit draw.
    @inlinable
    public mutating func nextBits(_ k: Int) -> UInt64 {
        precondition(k >= 0 && k <= 64, "nextBits(_:) takes 0...64 bits")
        if k == 0 { return 0 }
        return next() >> UInt64(64 - k)
    }

    /// Returns `true` or `false` with probability exactly 1/2 each.
    ///
    /// - Complexity: O(1) amortised; one 64-bit draw.
    @inlinable
    public mutating func nextBool() -> Bool {
        next() >> 63 == 1
    }

    // MARK: - Bulk draws

    /// Overwrites every byte of `buffer` with keystream.
    ///
    /// Bytes come in keystream order: a fill continues where the previous draw stopped.
    /// The keystream is consumed in whole 8-byte words, so a fill whose length is not a
    /// multiple of 8 discards the unused tail of its last word. Whole 16 KiB chunks are
    /// written straight from the cipher to `buffer`.
    ///
    /// - Parameter buffer: the bytes to overwrite (any alignment).
    /// - Complexity: O(`buffer.count`).
    public mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard var destination = buffer.baseAddress, buffer.count > 0 else { return }
        var remaining = buffer.count
        // 1. Whatever is left in the buffer.
        let index = cursor.pointee
        let buffered = (wordCount - index) * 8
        if buffered > 0 {
            let take = min(buffered, remaining)
            destination.copyMemory(from: UnsafeRawPointer(words + index), byteCount: take)
            cursor.pointee = index + (take + 7) / 8
            destination += take
            remaining -= take
        }
        // 2. Whole chunks straight from the cipher (the buffer is empty here if any).
        let chunk = storage.bufferByteCount
        while remaining >= chunk {
            storage.generate(into: destination, byteCount: chunk)
            destination += chunk
            remaining -= chunk
        }
        // 3. The tail through the buffer.
        if remaining > 0 {
            storage.refill()
            destination.copyMemory(from: UnsafeRawPointer(words), byteCount: remaining)
            cursor.pointee = (remaining + 7) / 8
        }
    }

    /// Overwrites every element of `array` with a uniformly random `UInt64`.
    ///
    /// Equivalent to `array.count` calls of ``next()`` (same values, same order), faster.
    ///
    /// - Parameter array: the words to overwrite.
    /// - Complexity: O(`array.count`).
    public mutating func fill(_ array: inout [UInt64]) {
        array.withUnsafeMutableBytes { fill($0) }
    }
}
