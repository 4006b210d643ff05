/// The binary encoding of ``SecAggMessage``: a fixed header, then the body; every length is
/// explicit and checked, so a truncated, padded or tampered frame is a typed error.
///
/// Layout (integers little-endian):
/// ```
/// "SA" (2 bytes) | version = 1 (1) | kind (1) | round (1) | session id (16) | body
/// ```
/// Bodies use `u32` counts followed by that many items; public keys are 32 bytes, signatures
/// 64, share ciphertexts ``SecAggWire/shareCiphertextByteCount``, field elements 8 bytes
/// (canonical, `< 2^61 − 1`), vectors 4 bytes per element. The decoder never allocates more
/// than the frame's own size.
public enum SecAggWire {
    /// The header's byte count.
    public static let headerByteCount = 21
    /// Wire format version.
    public static let version: UInt8 = 1
    /// Field elements per 32-byte secret (⌈32/7⌉).
    public static let elementsPerSecret = ShamirSecretSharing.elementCount(forByteCount: 32)
    /// Plaintext of one encrypted share: owner, holder, then the key share and the self-mask
    /// share (``elementsPerSecret`` elements each).
    public static let sharePlaintextByteCount = 8 + 2 * 8 * elementsPerSecret
    /// ChaCha20-Poly1305 combined box: 12-byte nonce + plaintext + 16-byte tag.
    public static let shareCiphertextByteCount = 12 + sharePlaintextByteCount + 16

    enum Kind: UInt8 {
        case advertiseKeys = 1, keyDirectory, encryptedShares, forwardedShares, maskedInput,
            consistencyRequest, consistencySignature, unmaskingRequest, unmaskingResponse
    }

    /// Encodes `message` for session `sessionID` (16 bytes).
    ///
    /// - Complexity: O(message size).
    public static func encode(_ message: SecAggMessage, sessionID: [UInt8]) -> [UInt8] {
        precondition(sessionID.count == 16, "session ids are 16 bytes")
        var writer = ByteWriter()
        writer.bytes([0x53, 0x41, version])
        let kind: Kind
        switch message {
        case .advertiseKeys: kind = .advertiseKeys
        case .keyDirectory: kind = .keyDirectory
        case .encryptedShares: kind = .encryptedShares
        case .forwardedShares: kind = .forwardedShares
        case .maskedInput: kind = .maskedInput
        case .consistencyRequest: kind = .consistencyRequest
        case .consistencySignature: kind = .consistencySignature
        case .unmaskingRequest: kind = .unmaskingRequest
        case .unmaskingResponse: kind = .unmaskingResponse
        }
        writer.u8(kind.rawValue)
        writer.u8(message.round.rawValue)
        writer.bytes(sessionID)
        switch message {
        case let .advertiseKeys(keys):
            writer.keys(keys)
        case let .keyDirectory(entries):
            writer.u32(UInt32(entries.count))
            for entry in entries { writer.keys(entry) }
        case let .encryptedShares(party, shares), let .forwardedShares(party, shares):
            writer.u32(party)
            writer.u32(UInt32(shares.count))
            for share in shares {
                writer.u32(share.peer)
                writer.bytes(share.ciphertext)
            }
        case let .maskedInput(party, values):
            writer.u32(party)
            writer.u32(UInt32(values.count))
            writer.vector(values)
        case let .consistencyRequest(survivors):
            writer.ids(survivors)
        case let .consistencySignature(signature):
            writer.u32(signature.party)
            writer.bytes(signature.signature)
        case let .unmaskingRequest(survivors, dropouts, signatures):
            writer.ids(survivors)
            writer.ids(dropouts)
            writer.u32(UInt32(signatures.count))
            for signature in signatures {
                writer.u32(signature.party)
                writer.bytes(signature.signature)
            }
        case let .unmaskingResponse(party, selfMaskShares, keyShares):
            writer.u32(party)
            for list in [selfMaskShares, keyShares] {
                writer.u32(UInt32(list.count))
                for share in list {
                    writer.u32(share.owner)
                    for value in share.values { writer.u64(value.value) }
                }
            }
        }
        return writer.buffer
    }

    /// Decodes one message and checks its header against `sessionID`.
    ///
    /// Checks made here (the state machines check the rest: party ids, rounds, sets): magic,
    /// version, a known kind whose round matches the header's round, the session id, every
    /// count against the bytes left, fixed sizes of keys, signatures and ciphertexts, field
    /// elements canonical, no trailing bytes.
    ///
    /// - Throws: ``SecureAggregationError/malformedMessage(reason:)`` or
    ///   ``SecureAggregationError/sessionMismatch``.
    /// - Complexity: O(`bytes.count`).
    public static func decode(_ bytes: [UInt8], sessionID: [UInt8]) throws(SecureAggregationError) -> SecAggMessage {
        var reader = ByteReader(bytes)
        let magic = try reader.bytes(2, "magic")
        guard magic == [0x53, 0x41] else {
            throw .malformedMessage(reason: "bad magic (not a secure-aggregation frame)")
        }
        let frameVersion = try reader.u8("version")
        guard frameVersion == version else {
            throw .malformedMessage(reason: "unsupported version \(frameVersion), expected \(version)")
        }
        let kindByte = try reader.u8("kind")
        guard let kind = Kind(rawValue: kindByte) else {
            throw .malformedMessage(reason: "unknown message kind \(kindByte)")
        }
        let roundByte = try reader.u8("round")
        guard let round = SecAggRound(rawValue: roundByte) else {
            throw .malformedMessage(reason: "unknown round \(roundByte)")
        }
        let session = try reader.bytes(16, "session id")
        guard session == sessionID else { throw .sessionMismatch }
        let message: SecAggMessage
        switch kind {
        case .advertiseKeys:
            message = .advertiseKeys(try reader.keys())
        case .keyDirectory:
            let count = try reader.count("key directory entries", itemByteCount: 4 + 32 + 32 + 4)
            var entries: [AdvertisedKeys] = []
            entries.reserveCapacity(count)
            for _ in 0..<count { entries.append(try reader.keys()) }
            message = .keyDirectory(entries)
        case .encryptedShares, .forwardedShares:
            let party = try reader.u32("party")
            let count = try reader.count("shares", itemByteCount: 4 + shareCiphertextByteCount)
            var shares: [EncryptedShare] = []
            shares.reserveCapacity(count)
            for _ in 0..<count {
                let peer = try reader.u32("peer")
                shares.append(
                    EncryptedShare(
                        peer: peer, ciphertext: try reader.bytes(shareCiphertextByteCount, "share ciphertext")))
            }
            message =
                kind == .encryptedShares
                ? .encryptedShares(party: party, shares: shares)
                : .forwardedShares(recipient: party, shares: shares)
        case .maskedInput:
            let party = try reader.u32("party")
            let count = try reader.count("vector elements", itemByteCount: 4)
            message = .maskedInput(party: party, values: try reader.vector(count))
        case .consistencyRequest:
            message = .consistencyRequest(survivors: try reader.ids("survivors"))
        case .consistencySignature:
            let party = try reader.u32("party")
            message = .consistencySignature(PartySignature(party: party, signature: try reader.bytes(64, "signature")))
        case .unmaskingRequest:
            let survivors = try reader.ids("survivors")
            let dropouts = try reader.ids("dropouts")
            let count = try reader.count("signatures", itemByteCount: 68)
            var signatures: [PartySignature] = []
            signatures.reserveCapacity(count)
            for _ in 0..<count {
                let party = try reader.u32("signer")
                signatures.append(PartySignature(party: party, signature: try reader.bytes(64, "signature")))
            }
            message = .unmaskingRequest(survivors: survivors, dropouts: dropouts, signatures: signatures)
        case .unmaskingResponse:
            let party = try reader.u32("party")
            var lists: [[RevealedShare]] = []
            for name in ["self-mask shares", "key shares"] {
                let count = try reader.count(name, itemByteCount: 4 + 8 * elementsPerSecret)
                var list: [RevealedShare] = []
                list.reserveCapacity(count)
                for _ in 0..<count {
                    let owner = try reader.u32("share owner")
                    var values: [Mersenne61] = []
                    values.reserveCapacity(elementsPerSecret)
                    for _ in 0..<elementsPerSecret {
                        let raw = try reader.u64("share value")
                        guard raw < Mersenne61.modulus else {
                            throw .malformedMessage(reason: "a share value of owner \(owner) is not a field element")
                        }
                        values.append(Mersenne61(canonical: raw))
                    }
                    list.append(RevealedShare(owner: owner, values: values))
                }
                lists.append(list)
            }
            message = .unmaskingResponse(party: party, selfMaskShares: lists[0], keyShares: lists[1])
        }
        guard message.round == round else {
            throw .malformedMessage(
                reason: "a \(message.kindName) message belongs to round \(message.round), the header says \(round)")
        }
        guard reader.isAtEnd else {
            throw .malformedMessage(reason: "\(reader.remaining) trailing bytes after a \(message.kindName) message")
        }
        return message
    }
}

/// Appends little-endian fields to a byte array.
struct ByteWriter {
    var buffer: [UInt8] = []

    mutating func u8(_ value: UInt8) { buffer.append(value) }
    mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) } }
    mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) } }
    mutating func bytes(_ value: [UInt8]) { buffer.append(contentsOf: value) }
    mutating func ids(_ ids: [PartyID]) {
        u32(UInt32(ids.count))
        for id in ids { u32(id) }
    }
    mutating func keys(_ keys: AdvertisedKeys) {
        u32(keys.party)
        bytes(keys.encryptionKey)
        bytes(keys.maskingKey)
        u32(UInt32(keys.signature.count))
        bytes(keys.signature)
    }
    mutating func vector(_ values: [UInt32]) {
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: values.count * 4))
        buffer.withUnsafeMutableBytes { raw in
            values.withUnsafeBytes { source in
                (raw.baseAddress! + start).copyMemory(from: source.baseAddress!, byteCount: source.count)
            }
        }
        #if _endian(big)
        preconditionFailure("big-endian hosts are not supported")
        #endif
    }
}

/// Reads little-endian fields with bounds checks that throw ``SecureAggregationError``.
struct ByteReader {
    let data: [UInt8]
    var offset = 0

    init(_ data: [UInt8]) { self.data = data }

    var remaining: Int { data.count - offset }
    var isAtEnd: Bool { offset == data.count }

    private mutating func need(_ count: Int, _ field: String) throws(SecureAggregationError) {
        guard count <= remaining else {
            throw .malformedMessage(reason: "truncated: \(field) needs \(count) bytes, \(remaining) left")
        }
    }
    mutating func u8(_ field: String) throws(SecureAggregationError) -> UInt8 {
        try need(1, field)
        defer { offset += 1 }
        return data[offset]
    }
    mutating func u32(_ field: String) throws(SecureAggregationError) -> UInt32 {
        try need(4, field)
        var value: UInt32 = 0
        for i in 0..<4 { value |= UInt32(data[offset + i]) << UInt32(8 * i) }
        offset += 4
        return value
    }
    mutating func u64(_ field: String) throws(SecureAggregationError) -> UInt64 {
        try need(8, field)
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(data[offset + i]) << UInt64(8 * i) }
        offset += 8
        return value
    }
    mutating func bytes(_ count: Int, _ field: String) throws(SecureAggregationError) -> [UInt8] {
        try need(count, field)
        defer { offset += count }
        return Array(data[offset..<offset + count])
    }
    /// A `u32` count whose items of at least `itemByteCount` bytes must fit in the rest.
    mutating func count(_ field: String, itemByteCount: Int) throws(SecureAggregationError) -> Int {
        let count = Int(try u32("\(field) count"))
        guard count <= remaining / max(1, itemByteCount) else {
            throw .malformedMessage(reason: "\(field) count \(count) exceeds the \(remaining) bytes left")
        }
        return count
    }
    mutating func ids(_ field: String) throws(SecureAggregationError) -> [PartyID] {
        let count = try self.count(field, itemByteCount: 4)
        var ids: [PartyID] = []
        ids.reserveCapacity(count)
        for _ in 0..<count { ids.append(try u32(field)) }
        return ids
    }
    mutating func keys() throws(SecureAggregationError) -> AdvertisedKeys {
        let party = try u32("party")
        let encryptionKey = try bytes(32, "encryption public key")
        let maskingKey = try bytes(32, "masking public key")
        let signatureLength = Int(try u32("signature length"))
        guard signatureLength == 0 || signatureLength == 64 else {
            throw .malformedMessage(reason: "a key signature is 0 or 64 bytes, found \(signatureLength)")
        }
        let signature = try bytes(signatureLength, "key signature")
        return AdvertisedKeys(party: party, encryptionKey: encryptionKey, maskingKey: maskingKey, signature: signature)
    }
    mutating func vector(_ count: Int) throws(SecureAggregationError) -> [UInt32] {
        try need(count * 4, "vector")
        var values = [UInt32](repeating: 0, count: count)
        let start = offset
        values.withUnsafeMutableBytes { target in
            data.withUnsafeBytes { source in
                target.baseAddress!.copyMemory(from: source.baseAddress! + start, byteCount: count * 4)
            }
        }
        offset += count * 4
        return values
    }
}
