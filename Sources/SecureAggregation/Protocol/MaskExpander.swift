public import Crypto
internal import _CryptoExtras
internal import Foundation

/// Expands mask keys into pseudo-random vectors over ℤ/2^32 with AES-CTR (AES-128 for the
/// protocol's 16-byte mask keys; any AES key size works) and adds them to (or subtracts them
/// from) an accumulator in bulk.
///
/// Element `i` of the mask of key K is the little-endian `UInt32` at bytes 4i ..< 4i + 4 of
/// the keystream AES_K(0), AES_K(1), … (128-bit big-endian counter blocks starting at zero),
/// so any aligned range of elements can be expanded on its own: element ranges starting at a
/// multiple of 4 begin exactly at a block boundary. The server splits its work into ranges
/// across cores and gets bit-identical results for any split.
///
/// Security: under the PRF assumption on AES the mask is computationally indistinguishable
/// from uniform (PRP/PRF switching costs q²/2^129 for q ≤ 2^26 blocks per vector); each key
/// expands one vector only. Keys come from HKDF-SHA256 (``SecAggKeys``), never from a
/// non-cryptographic generator. AES-128 (128-bit security, as in Bonawitz et al.) is ≈1.4×
/// faster than AES-256 (10 rounds instead of 14), and the server expands up to
/// |dropouts| × |survivors| masks.
public enum MaskExpander {
    /// Keystream bytes per cipher call: 32 KiB (8,192 elements) stays in L1/L2 while it is
    /// added and amortises swift-crypto's per-call cost.
    public static let chunkByteCount = 64 * 1024

    /// 32 KiB of zeros, the plaintext of every keystream call (read-only, shared by threads).
    nonisolated(unsafe) static let zeros: UnsafeRawBufferPointer = {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkByteCount, alignment: 64)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        return UnsafeRawBufferPointer(buffer)
    }()

    /// Writes keystream bytes starting at counter block `firstBlock` into `destination`
    /// (any length; a partial last block is truncated).
    ///
    /// - Complexity: O(`destination.count`).
    static func keystream(key: SymmetricKey, firstBlock: UInt64, into destination: UnsafeMutableRawBufferPointer) {
        var offset = 0
        var block = firstBlock
        while offset < destination.count {
            let take = min(chunkByteCount, destination.count - offset)
            let padded = (take + 15) & ~15
            let data = encryptZeros(key: key, firstBlock: block, byteCount: padded)
            data.withUnsafeBytes { bytes in
                (destination.baseAddress! + offset).copyMemory(from: bytes.baseAddress!, byteCount: take)
            }
            offset += take
            block &+= UInt64(padded / 16)
        }
    }

    /// `accumulator[i] += sign · mask_K[firstElement + i]` (mod 2^32) for every `i`.
    ///
    /// - Parameters:
    ///   - key: the mask key (16 bytes in the protocol).
    ///   - negate: subtract the mask instead of adding it.
    ///   - accumulator: the range of the vector to update.
    ///   - firstElement: the vector index of `accumulator[0]`; a multiple of 4.
    /// - Complexity: O(`accumulator.count`): one AES-CTR pass and one vectorised add per
    ///   32 KiB, no allocation other than swift-crypto's result buffer per call.
    public static func accumulate(
        key: SymmetricKey, negate: Bool,
        into accumulator: UnsafeMutableBufferPointer<UInt32>, firstElement: Int = 0
    ) {
        precondition(firstElement % 4 == 0, "mask ranges start at a multiple of 4 elements (a block boundary)")
        guard let base = accumulator.baseAddress, accumulator.count > 0 else { return }
        let elementsPerChunk = chunkByteCount / 4
        var done = 0
        var block = UInt64(firstElement / 4)
        while done < accumulator.count {
            let take = min(elementsPerChunk, accumulator.count - done)
            let padded = (take * 4 + 15) & ~15
            let data = encryptZeros(key: key, firstBlock: block, byteCount: padded)
            data.withUnsafeBytes { bytes in
                let mask = bytes.baseAddress!.assumingMemoryBound(to: UInt32.self)
                let target = base + done
                if negate {
                    for i in 0..<take { target[i] &-= UInt32(littleEndian: mask[i]) }
                } else {
                    for i in 0..<take { target[i] &+= UInt32(littleEndian: mask[i]) }
                }
            }
            done += take
            block &+= UInt64(padded / 16)
        }
    }

    private static func encryptZeros(key: SymmetricKey, firstBlock: UInt64, byteCount: Int) -> Data {
        var counterBlock = (UInt64(0).bigEndian, firstBlock.bigEndian)
        do {
            let nonce = try withUnsafeBytes(of: &counterBlock) { try AES._CTR.Nonce(nonceBytes: $0) }
            let plaintext = UnsafeRawBufferPointer(rebasing: zeros[0..<byteCount])
            return try AES._CTR.encrypt(plaintext, using: key, nonce: nonce)
        } catch {
            preconditionFailure("AES-CTR failed with a \(key.bitCount)-bit key and a 16-byte counter block: \(error)")
        }
    }
}

/// Key derivation for the protocol: every symmetric key is HKDF-SHA256 of a Diffie–Hellman
/// shared secret or a random seed, salted with the session id and labelled with its purpose
/// and the party ids, so keys of different purposes, pairs or sessions are independent.
public enum SecAggKeys {
    static let pairwiseMaskLabel = Array("PrivacyKernel.SecAgg.v1.pairwise-mask".utf8)
    static let shareEncryptionLabel = Array("PrivacyKernel.SecAgg.v1.share-encryption".utf8)
    static let selfMaskLabel = Array("PrivacyKernel.SecAgg.v1.self-mask".utf8)

    /// Bytes of a mask key: AES-128.
    public static let maskKeyByteCount = 16

    /// The AES-128 key of the pairwise mask between `a` and `b` (symmetric in a, b).
    public static func pairwiseMaskKey(
        _ secret: SharedSecret, sessionID: [UInt8], _ a: PartyID, _ b: PartyID
    ) -> SymmetricKey {
        secret.hkdfDerivedSymmetricKey(
            using: SHA256.self, salt: sessionID,
            sharedInfo: pairLabel(pairwiseMaskLabel, a, b), outputByteCount: maskKeyByteCount)
    }

    /// The ChaCha20-Poly1305 key that encrypts the shares exchanged by `a` and `b`.
    public static func shareEncryptionKey(
        _ secret: SharedSecret, sessionID: [UInt8], _ a: PartyID, _ b: PartyID
    ) -> SymmetricKey {
        secret.hkdfDerivedSymmetricKey(
            using: SHA256.self, salt: sessionID,
            sharedInfo: pairLabel(shareEncryptionLabel, a, b), outputByteCount: 32)
    }

    /// The AES-128 key of `owner`'s self-mask, from its 32-byte seed b_u.
    public static func selfMaskKey(seed: [UInt8], sessionID: [UInt8], owner: PartyID) -> SymmetricKey {
        var info = selfMaskLabel
        withUnsafeBytes(of: owner.bigEndian) { info.append(contentsOf: $0) }
        return HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: seed), salt: sessionID,
            info: info, outputByteCount: maskKeyByteCount)
    }

    private static func pairLabel(_ label: [UInt8], _ a: PartyID, _ b: PartyID) -> [UInt8] {
        var info = label
        withUnsafeBytes(of: min(a, b).bigEndian) { info.append(contentsOf: $0) }
        withUnsafeBytes(of: max(a, b).bigEndian) { info.append(contentsOf: $0) }
        return info
    }
}
