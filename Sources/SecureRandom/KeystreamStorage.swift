internal import Crypto
internal import _CryptoExtras
internal import Foundation
#if canImport(Glibc)
internal import Glibc
#endif

/// The cold half of ``SecureRandomGenerator``: the AES-256 key, the 128-bit counter block,
/// the re-keying schedule and the keystream buffer the hot path reads from.
///
/// Keystream = AES-256-CTR encryption of zeros, i.e. AES_k(c), AES_k(c+1), … with `c` a
/// 128-bit big-endian counter that wraps modulo 2^128 (the convention of
/// NIST SP 800-38A and BoringSSL's `AES_ctr128_encrypt`). Within one key at most
/// `rekeyIntervalBytes / 16` blocks are produced, far fewer than 2^128, so no
/// (key, counter block) pair is ever used twice; the next key is drawn fresh (from the OS,
/// or derived from the test seed), independently of everything output so far.
///
/// Memory: `bufferByteCount` bytes of keystream plus as many zero bytes (the plaintext),
/// allocated once; a refill reuses them. `AES._CTR.encrypt` returns its ciphertext as a
/// fresh `Data`, which is copied out and wiped before it is freed (one allocation inside
/// swift-crypto per refill, i.e. per `bufferByteCount` bytes; its public API offers no
/// in-place variant).
@usableFromInline
final class KeystreamStorage {
    /// Where keys come from.
    enum KeySource {
        /// Every key (and initial counter block) is read from ``SystemEntropy``.
        case system
        /// Test-only: key number `epoch` is SHA-256(domain ‖ "key" ‖ seed ‖ epoch) and its
        /// counter block the first 16 bytes of SHA-256(domain ‖ "ctr" ‖ seed ‖ epoch).
        case deterministic(seed: [UInt8])
    }

    /// 16 KiB: large enough to amortise the per-call cost of swift-crypto, small enough
    /// to stay in L1/L2.
    static let defaultBufferByteCount = 16 * 1024
    /// 2^32 bytes (4 GiB, 2^28 AES blocks) per key.
    static let defaultRekeyIntervalBytes: UInt64 = 1 << 32
    private static let domain = Array("PrivacyKernel.SecureRandom.testSeed.v1".utf8)

    let bufferByteCount: Int
    let rekeyIntervalBytes: UInt64
    /// The keystream buffer, `bufferByteCount / 8` words, 16-byte aligned.
    @usableFromInline let words: UnsafeMutablePointer<UInt64>
    /// Index of the next unread word of `words`, shared by every copy of a generator
    /// (`wordCount` means "empty, refill first"). Kept behind a pointer so the hot path
    /// reads and writes it without the class's exclusivity checks or reference counting.
    @usableFromInline let cursor: UnsafeMutablePointer<Int>
    private let zeros: UnsafeMutableRawPointer
    private var key: SymmetricKey
    private var counterHigh: UInt64
    private var counterLow: UInt64
    private var bytesUnderCurrentKey: UInt64 = 0
    private let keySource: KeySource
    /// How many keys this storage has used so far minus one (0 before the first re-key).
    private(set) var rekeyCount: UInt64 = 0

    /// The number of `UInt64` words in the buffer.
    @usableFromInline let wordCount: Int

    /// Creates storage keyed from the operating system.
    convenience init(
        bufferByteCount: Int = defaultBufferByteCount,
        rekeyIntervalBytes: UInt64 = defaultRekeyIntervalBytes
    ) throws(SecureRandomError) {
        let (key, high, low) = try Self.systemKeyMaterial()
        self.init(
            key: key, counterHigh: high, counterLow: low, source: .system,
            bufferByteCount: bufferByteCount, rekeyIntervalBytes: rekeyIntervalBytes)
    }

    /// Creates deterministic storage from a test seed (epoch 0 derived from the seed).
    convenience init(
        deterministicSeed seed: [UInt8], bufferByteCount: Int = defaultBufferByteCount,
        rekeyIntervalBytes: UInt64 = defaultRekeyIntervalBytes
    ) {
        let (key, high, low) = Self.derivedKeyMaterial(seed: seed, epoch: 0)
        self.init(
            key: key, counterHigh: high, counterLow: low, source: .deterministic(seed: seed),
            bufferByteCount: bufferByteCount, rekeyIntervalBytes: rekeyIntervalBytes)
    }

    init(
        key: SymmetricKey, counterHigh: UInt64, counterLow: UInt64, source: KeySource,
        bufferByteCount: Int, rekeyIntervalBytes: UInt64
    ) {
        precondition(key.bitCount == 256, "SecureRandom uses AES-256: the key must be 32 bytes")
        precondition(
            bufferByteCount >= 16 && bufferByteCount % 16 == 0,
            "the keystream buffer must be a positive multiple of 16 bytes")
        precondition(
            rekeyIntervalBytes >= UInt64(bufferByteCount) && rekeyIntervalBytes % UInt64(bufferByteCount) == 0
                && rekeyIntervalBytes <= (1 << 36),
            "the re-key interval must be a multiple of the buffer size, at most 2^36 bytes")
        self.key = key
        self.counterHigh = counterHigh
        self.counterLow = counterLow
        self.keySource = source
        self.bufferByteCount = bufferByteCount
        self.rekeyIntervalBytes = rekeyIntervalBytes
        self.words = UnsafeMutablePointer<UInt64>.allocate(capacity: bufferByteCount / 8)
        self.words.initialize(repeating: 0, count: bufferByteCount / 8)
        self.zeros = UnsafeMutableRawPointer.allocate(byteCount: bufferByteCount, alignment: 16)
        self.zeros.initializeMemory(as: UInt8.self, repeating: 0, count: bufferByteCount)
        self.wordCount = bufferByteCount / 8
        self.cursor = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        self.cursor.initialize(to: bufferByteCount / 8)
    }

    deinit {
        // Wipe unread keystream so it does not linger in freed heap memory.
        Self.wipe(UnsafeMutableRawPointer(words), byteCount: bufferByteCount)
        words.deallocate()
        cursor.deallocate()
        zeros.deallocate()
    }

    /// Overwrites the whole keystream buffer with the next `bufferByteCount` bytes and
    /// rewinds the cursor to its start.
    @usableFromInline
    func refill() {
        generate(into: UnsafeMutableRawPointer(words), byteCount: bufferByteCount)
        cursor.pointee = 0
    }

    /// Writes the next `byteCount` keystream bytes to `destination`, re-keying first if
    /// this key's budget would be exceeded.
    ///
    /// - Precondition: `byteCount` is a multiple of 16 and at most `bufferByteCount`.
    func generate(into destination: UnsafeMutableRawPointer, byteCount: Int) {
        precondition(byteCount > 0 && byteCount % 16 == 0 && byteCount <= bufferByteCount)
        if bytesUnderCurrentKey + UInt64(byteCount) > rekeyIntervalBytes {
            rekey()
        }
        var counterBlock = (counterHigh.bigEndian, counterLow.bigEndian)
        let nonce: AES._CTR.Nonce
        do {
            nonce = try withUnsafeBytes(of: &counterBlock) { try AES._CTR.Nonce(nonceBytes: $0) }
        } catch {
            preconditionFailure("AES._CTR.Nonce rejected a 16-byte counter block: \(error)")
        }
        let plaintext = UnsafeRawBufferPointer(start: zeros, count: byteCount)
        var ciphertext: Data
        do {
            ciphertext = try AES._CTR.encrypt(plaintext, using: key, nonce: nonce)
        } catch {
            preconditionFailure("AES-256-CTR failed with a 256-bit key: \(error)")
        }
        precondition(ciphertext.count == byteCount)
        ciphertext.withUnsafeMutableBytes { bytes in
            destination.copyMemory(from: bytes.baseAddress!, byteCount: byteCount)
            Self.wipe(bytes.baseAddress!, byteCount: byteCount)
        }
        // Advance the 128-bit counter by the number of blocks used (wrapping mod 2^128,
        // exactly like the cipher's own increment).
        let blocks = UInt64(byteCount / 16)
        let (low, carry) = counterLow.addingReportingOverflow(blocks)
        counterLow = low
        if carry { counterHigh &+= 1 }
        bytesUnderCurrentKey += UInt64(byteCount)
    }

    /// Replaces the key and counter block with fresh ones.
    ///
    /// A system-keyed generator that cannot read the OS entropy source here stops the
    /// process: continuing with the old key would break the re-keying bound, and
    /// `RandomNumberGenerator.next()` cannot throw. `getrandom(2)` does not fail after the
    /// pool is initialised (which the first, throwing, key read already waited for).
    private func rekey() {
        rekeyCount += 1
        switch keySource {
        case .system:
            do {
                (key, counterHigh, counterLow) = try Self.systemKeyMaterial()
            } catch {
                fatalError("SecureRandomGenerator cannot re-key: \(error)")
            }
        case let .deterministic(seed):
            (key, counterHigh, counterLow) = Self.derivedKeyMaterial(seed: seed, epoch: rekeyCount)
        }
        bytesUnderCurrentKey = 0
    }

    private static func systemKeyMaterial() throws(SecureRandomError) -> (SymmetricKey, UInt64, UInt64) {
        var material = [UInt8](repeating: 0, count: 48)
        defer { material.withUnsafeMutableBytes { wipe($0.baseAddress!, byteCount: 48) } }
        var failure: SecureRandomError?
        material.withUnsafeMutableBytes { raw in
            do throws(SecureRandomError) { try SystemEntropy.fill(raw) } catch { failure = error }
        }
        if let failure { throw failure }
        let key = SymmetricKey(data: material[0..<32])
        let (high, low) = counter(fromBigEndian: material[32..<48])
        return (key, high, low)
    }

    private static func derivedKeyMaterial(seed: [UInt8], epoch: UInt64) -> (SymmetricKey, UInt64, UInt64) {
        func digest(_ label: String) -> [UInt8] {
            var hasher = SHA256()
            hasher.update(data: domain)
            hasher.update(data: Array(label.utf8))
            hasher.update(data: seed)
            withUnsafeBytes(of: epoch.littleEndian) { hasher.update(bufferPointer: $0) }
            return Array(hasher.finalize())
        }
        let key = SymmetricKey(data: digest("key"))
        let (high, low) = counter(fromBigEndian: digest("ctr")[0..<16])
        return (key, high, low)
    }

    static func counter(fromBigEndian bytes: ArraySlice<UInt8>) -> (UInt64, UInt64) {
        precondition(bytes.count == 16)
        var high: UInt64 = 0, low: UInt64 = 0
        for (offset, byte) in bytes.enumerated() {
            if offset < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        return (high, low)
    }

    /// Zeroes `byteCount` bytes in a way the optimiser does not remove (glibc's
    /// `explicit_bzero`; plain `memset` elsewhere).
    static func wipe(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
        #if canImport(Glibc)
        explicit_bzero(pointer, byteCount)
        #else
        memset(pointer, 0, byteCount)
        #endif
    }
}
