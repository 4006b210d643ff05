internal import Crypto

// Deterministic generators, for tests only.
//
// Why SPI: a generator whose output is a function of a small, guessable seed destroys
// every privacy guarantee of the noise drawn from it (an attacker who guesses the seed
// subtracts the noise). Keeping these initialisers behind `@_spi(Testing)` means library
// code and users cannot reach them by accident: a call site must write
// `@_spi(Testing) import SecureRandom`, which is easy to forbid in review and by grep
// (`grep -rnE '^\s*@_spi\(Testing\) import' Sources/` must find nothing; only Tests/ may
// import it).
extension SecureRandomGenerator {
    /// Test only: a generator whose whole stream, re-keys included, is a deterministic
    /// function of `testSeed`. **Never use for real noise.**
    ///
    /// Key number `e` (e = 0, 1, …) is SHA-256("PrivacyKernel.SecureRandom.testSeed.v1" ‖
    /// "key" ‖ seed ‖ e) and its counter block the first 16 bytes of the same hash with
    /// label "ctr"; the seed and `e` are encoded as 8 little-endian bytes. Two generators
    /// with the same seed produce identical streams; different seeds give unrelated
    /// streams. (A copy shares its original's stream, as for OS-keyed generators.)
    ///
    /// - Parameters:
    ///   - testSeed: any 64-bit value.
    ///   - rekeyIntervalBytes: bytes per key, a multiple of 16 KiB up to 2^36 (default
    ///     2^32); small values let tests exercise re-keying.
    /// - Complexity: O(1).
    @_spi(Testing)
    public init(testSeed: UInt64, rekeyIntervalBytes: UInt64 = 1 << 32) {
        let seed = withUnsafeBytes(of: testSeed.littleEndian) { Array($0) }
        self.init(storage: KeystreamStorage(deterministicSeed: seed, rekeyIntervalBytes: rekeyIntervalBytes))
    }

    /// Test only: a generator whose first key and counter block are given exactly, so its
    /// keystream can be checked against published AES-256-CTR test vectors (e.g.
    /// NIST SP 800-38A F.5.5). Re-keys, if ever reached, derive from the key as a test
    /// seed. **Never use for real noise.**
    ///
    /// - Parameters:
    ///   - testKey: exactly 32 bytes (AES-256).
    ///   - initialCounterBlock: exactly 16 bytes, the first counter block, big-endian.
    /// - Throws: ``SecureRandomError/invalidArgument(name:reason:)`` for wrong sizes.
    /// - Complexity: O(1).
    @_spi(Testing)
    public init(testKey: [UInt8], initialCounterBlock: [UInt8]) throws(SecureRandomError) {
        guard testKey.count == 32 else {
            throw .invalidArgument(name: "testKey", reason: "AES-256 needs 32 bytes, found \(testKey.count)")
        }
        guard initialCounterBlock.count == 16 else {
            throw .invalidArgument(
                name: "initialCounterBlock",
                reason: "an AES counter block is 16 bytes, found \(initialCounterBlock.count)")
        }
        let (high, low) = KeystreamStorage.counter(fromBigEndian: initialCounterBlock[...])
        self.init(
            storage: KeystreamStorage(
                key: SymmetricKey(data: testKey), counterHigh: high, counterLow: low,
                source: .deterministic(seed: testKey),
                bufferByteCount: KeystreamStorage.defaultBufferByteCount,
                rekeyIntervalBytes: KeystreamStorage.defaultRekeyIntervalBytes))
    }

    /// Test only: how many times this generator's current storage has re-keyed.
    @_spi(Testing)
    public var rekeyCount: UInt64 { storage.rekeyCount }
}
