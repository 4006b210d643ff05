public import Crypto
public import SecureRandom
internal import Foundation

/// One party (data holder) of secure aggregation, as a sans-I/O state machine: it consumes
/// the server's messages and returns its replies; it never touches a socket or a clock.
///
/// The protocol is Bonawitz et al., "Practical Secure Aggregation for Privacy-Preserving
/// Machine Learning" (CCS 2017), over the neighbourhoods of ``SecAggConfiguration/neighbours``
/// (all parties for SecAgg, O(log n) for SecAgg+, Bell et al. CCS 2020):
///
/// | round | the party receives | and replies with |
/// |---|---|---|
/// | 0 | — (``start()``) | two fresh X25519 public keys (signed in the malicious-server variant) |
/// | 1 | the key directory U1 | Shamir shares of its mask key s_sk and self-mask seed b, each encrypted (ChaCha20-Poly1305 under an X25519+HKDF key) for one neighbour |
/// | 2 | the shares addressed to it (U2) | y = x + PRG(b) + Σ_{v∈U2∩N} ±PRG(s_{u,v}) mod 2^k |
/// | 3 | (malicious server) the survivors U3 | an Ed25519 signature over U3 |
/// | 4 | the unmasking request (U3, U2∖U3, signatures) | b-shares of survivors, s_sk-shares of dropouts — never both for one party; in the malicious-server variant only after t valid signatures over U3 from its own neighbourhood |
///
/// Every incoming message is validated completely before the state changes: a rejected
/// message (malformed, replayed, out of round) leaves the party as it was. Requests that
/// reveal a dishonest server (both shares of one party, a survivor list that differs from the
/// signed one, bad signatures) abort the party for good.
///
/// - Note: Not `Sendable` (it owns a ``SecureRandomGenerator``); run each party on one task.
public struct SecAggParty {
    /// Where the party is in the protocol.
    public enum Phase: Sendable, Equatable, CustomStringConvertible {
        /// Created; ``SecAggParty/start()`` not yet called.
        case created
        /// Keys advertised; waiting for the key directory.
        case advertisedKeys
        /// Shares sent; waiting for the shares addressed to it.
        case sharedKeys
        /// Masked input sent; waiting for the consistency check or the unmasking request.
        case sentMaskedInput
        /// Survivor list signed; waiting for the unmasking request.
        case signedSurvivors
        /// Shares revealed: the party's part is done.
        case finished
        /// The party refused to continue (the error that caused it was thrown).
        case aborted

        /// The phase's name.
        public var description: String {
            switch self {
            case .created: return "created"
            case .advertisedKeys: return "advertised keys (round 0)"
            case .sharedKeys: return "shared keys (round 1)"
            case .sentMaskedInput: return "sent masked input (round 2)"
            case .signedSurvivors: return "signed survivors (round 3)"
            case .finished: return "finished"
            case .aborted: return "aborted"
            }
        }
    }

    /// This party's id.
    public let id: PartyID
    /// The session's public configuration.
    public let configuration: SecAggConfiguration
    /// Where the party is.
    public private(set) var phase: Phase = .created

    private var input: [UInt32]
    private var generator: SecureRandomGenerator
    private let encryptionKey = Curve25519.KeyAgreement.PrivateKey()
    private let maskingKey = Curve25519.KeyAgreement.PrivateKey()
    private let signingKey: Curve25519.Signing.PrivateKey?
    /// Keys of the neighbours in U1 (this party excluded).
    private var neighbourKeys: [PartyID: AdvertisedKeys] = [:]
    /// The share-encryption key per neighbour, agreed once in round 1 and reused to open the
    /// neighbour's shares in round 2 (saves one X25519 per neighbour).
    private var shareKeys: [PartyID: SymmetricKey] = [:]
    /// U2 ∩ N(u): neighbours whose shares this party received.
    private var shareSenders: [PartyID] = []
    /// owner → (key share, self-mask share) held by this party (its own included).
    private var heldShares: [PartyID: (key: [Mersenne61], selfMask: [Mersenne61])] = [:]
    private var signedSurvivors: [PartyID]?

    /// Creates a party holding `input`.
    ///
    /// - Parameters:
    ///   - id: this party's id, one of `configuration.partyIDs`.
    ///   - configuration: the session's configuration.
    ///   - input: the private vector, `configuration.dimension` elements each `< 2^k`
    ///     (quantise real vectors with ``RingQuantiser``; add distributed noise before).
    ///   - signingKey: this party's Ed25519 key, required exactly when the configuration is
    ///     the malicious-server variant (its public key must match the configuration's).
    ///   - generator: the CSPRNG for the self-mask seed and the Shamir coefficients.
    /// - Throws: ``SecureAggregationError/invalidParameter(name:reason:)`` or
    ///   ``SecureAggregationError/unknownParty(_:)``.
    public init(
        id: PartyID, configuration: SecAggConfiguration, input: [UInt32],
        signingKey: Curve25519.Signing.PrivateKey? = nil,
        generator: SecureRandomGenerator
    ) throws(SecureAggregationError) {
        guard configuration.neighbours.contains(id) else { throw .unknownParty(id) }
        guard input.count == configuration.dimension else {
            throw .invalidParameter(
                name: "input",
                reason: "must have \(configuration.dimension) elements (the session's dimension), found \(input.count)")
        }
        let mask = configuration.elementMask
        if mask != .max, let index = input.firstIndex(where: { $0 > mask }) {
            throw .invalidParameter(
                name: "input", reason: "element \(index) is \(input[index]), above 2^\(configuration.modulusBits) − 1")
        }
        if let keys = configuration.signingPublicKeys {
            guard let signingKey else {
                throw .invalidParameter(
                    name: "signingKey", reason: "the malicious-server variant needs this party's Ed25519 key")
            }
            guard keys[id] == Array(signingKey.publicKey.rawRepresentation) else {
                throw .invalidParameter(
                    name: "signingKey", reason: "does not match the configuration's public key for party \(id)")
            }
        } else if signingKey != nil {
            throw .invalidParameter(
                name: "signingKey", reason: "given, but the configuration has no signing keys (semi-honest variant)")
        }
        self.id = id
        self.configuration = configuration
        self.input = input
        self.signingKey = signingKey
        self.generator = generator
    }

    /// Round 0: advertises this party's public keys.
    ///
    /// - Throws: ``SecureAggregationError/unexpectedMessage(received:state:)`` if called twice.
    public mutating func start() throws(SecureAggregationError) -> SecAggMessage {
        guard phase == .created else { throw .unexpectedMessage(received: "start", state: phase.description) }
        let encryption = Array(encryptionKey.publicKey.rawRepresentation)
        let masking = Array(maskingKey.publicKey.rawRepresentation)
        var signature: [UInt8] = []
        if let signingKey {
            signature = try Self.sign(
                SecAggSigning.keysPayload(
                    sessionID: configuration.sessionID, party: id,
                    encryptionKey: encryption, maskingKey: masking),
                with: signingKey)
        }
        phase = .advertisedKeys
        return .advertiseKeys(
            AdvertisedKeys(party: id, encryptionKey: encryption, maskingKey: masking, signature: signature))
    }

    /// Consumes one message from the server and returns the reply.
    ///
    /// - Throws: a ``SecureAggregationError`` naming what is wrong; see the type's overview
    ///   for which errors abort the party.
    public mutating func handle(_ message: SecAggMessage) throws(SecureAggregationError) -> SecAggMessage {
        do throws(SecureAggregationError) {
            switch (message, phase) {
            case let (.keyDirectory(entries), .advertisedKeys):
                return try shareKeys(directory: entries)
            case let (.forwardedShares(recipient, shares), .sharedKeys):
                return try maskInput(recipient: recipient, shares: shares)
            case let (.consistencyRequest(survivors), .sentMaskedInput) where configuration.isMaliciousServerVariant:
                return try signSurvivors(survivors)
            case let (.unmaskingRequest(survivors, dropouts, signatures), .sentMaskedInput)
            where !configuration.isMaliciousServerVariant,
                let (.unmaskingRequest(survivors, dropouts, signatures), .signedSurvivors):
                return try unmask(survivors: survivors, dropouts: dropouts, signatures: signatures)
            default:
                throw SecAggError.unexpectedMessage(received: message.kindName, state: phase.description)
            }
        } catch {
            switch error {
            case .conflictingShareRequest, .invalidSignature, .protocolViolation, .tooFewSurvivors:
                abort()
            default:
                break
            }
            throw error
        }
    }

    // MARK: - Rounds

    private mutating func shareKeys(directory: [AdvertisedKeys]) throws(SecAggError) -> SecAggMessage {
        var seen = Set<PartyID>()
        var publicKeys = Set<[UInt8]>()
        var mine: AdvertisedKeys?
        var neighbours: [PartyID: AdvertisedKeys] = [:]
        for entry in directory {
            guard configuration.neighbours.contains(entry.party) else { throw .unknownParty(entry.party) }
            guard seen.insert(entry.party).inserted else {
                throw .protocolViolation(reason: "the key directory lists party \(entry.party) twice")
            }
            guard entry.encryptionKey.count == 32, entry.maskingKey.count == 32 else {
                throw .malformedMessage(reason: "the keys of party \(entry.party) are not 32 bytes each")
            }
            guard publicKeys.insert(entry.encryptionKey).inserted, publicKeys.insert(entry.maskingKey).inserted else {
                throw .protocolViolation(reason: "the key directory repeats a public key (party \(entry.party))")
            }
            try verifyKeys(entry)
            if entry.party == id {
                mine = entry
            } else if configuration.neighbours.areNeighbours(id, entry.party) {
                neighbours[entry.party] = entry
            }
        }
        guard let mine, mine.encryptionKey == Array(encryptionKey.publicKey.rawRepresentation),
            mine.maskingKey == Array(maskingKey.publicKey.rawRepresentation)
        else {
            throw .protocolViolation(reason: "the key directory omits or alters party \(id)'s own keys")
        }
        let holders = ([id] + neighbours.keys).sorted()
        guard holders.count >= configuration.threshold else {
            throw .tooFewSurvivors(round: .advertiseKeys, survivors: holders.count, threshold: configuration.threshold)
        }
        // Shares of the mask key and of a fresh self-mask seed, one per holder.
        var seed = [UInt8](repeating: 0, count: 32)
        seed.withUnsafeMutableBytes { generator.fill($0) }
        let keyShares = try ShamirSecretSharing.split(
            Array(maskingKey.rawRepresentation), threshold: configuration.threshold,
            holders: holders, using: &generator)
        let seedShares = try ShamirSecretSharing.split(
            seed, threshold: configuration.threshold,
            holders: holders, using: &generator)
        var boxes: [EncryptedShare] = []
        boxes.reserveCapacity(holders.count - 1)
        var ownShares: (key: [Mersenne61], selfMask: [Mersenne61])?
        var agreedKeys: [PartyID: SymmetricKey] = [:]
        for (index, holder) in holders.enumerated() {
            if holder == id {
                ownShares = (keyShares[index].values, seedShares[index].values)
                continue
            }
            let key = try shareKey(with: neighbours[holder]!)
            agreedKeys[holder] = key
            var plaintext = ByteWriter()
            plaintext.u32(id)
            plaintext.u32(holder)
            for value in keyShares[index].values { plaintext.u64(value.value) }
            for value in seedShares[index].values { plaintext.u64(value.value) }
            let box: [UInt8]
            do {
                box = Array(
                    try ChaChaPoly.seal(
                        plaintext.buffer, using: key,
                        authenticating: Self.shareAAD(configuration.sessionID, owner: id, holder: holder)
                    ).combined)
            } catch {
                preconditionFailure("ChaCha20-Poly1305 sealing failed with a 32-byte key: \(error)")
            }
            boxes.append(EncryptedShare(peer: holder, ciphertext: box))
        }
        neighbourKeys = neighbours
        shareKeys = agreedKeys
        heldShares = [id: ownShares!]
        selfMaskSeed = seed
        phase = .sharedKeys
        return .encryptedShares(party: id, shares: boxes)
    }

    private var selfMaskSeed: [UInt8] = []

    private mutating func maskInput(recipient: PartyID, shares: [EncryptedShare]) throws(SecAggError) -> SecAggMessage {
        guard recipient == id else {
            throw .protocolViolation(reason: "shares addressed to party \(recipient) were delivered to party \(id)")
        }
        var received: [PartyID: (key: [Mersenne61], selfMask: [Mersenne61])] = [:]
        for box in shares {
            guard let sender = neighbourKeys[box.peer] else {
                throw .protocolViolation(
                    reason: "shares from party \(box.peer), which is not a neighbour in the key directory")
            }
            guard received[box.peer] == nil else { throw .duplicateMessage(from: box.peer, round: .shareKeys) }
            received[box.peer] = try openShare(box, from: sender)
        }
        let senders = received.keys.sorted()
        guard senders.count + 1 >= configuration.threshold else {
            throw .tooFewSurvivors(round: .shareKeys, survivors: senders.count + 1, threshold: configuration.threshold)
        }
        // y = x + PRG(b) + Σ ±PRG(s_uv), mod 2^32, then reduced mod 2^k.
        var masked = input
        let session = configuration.sessionID
        masked.withUnsafeMutableBufferPointer { vector in
            MaskExpander.accumulate(
                key: SecAggKeys.selfMaskKey(seed: selfMaskSeed, sessionID: session, owner: id),
                negate: false, into: vector)
        }
        for peer in senders {
            let secret = try agree(maskingKey, with: neighbourKeys[peer]!.maskingKey, peer: peer)
            let key = SecAggKeys.pairwiseMaskKey(secret, sessionID: session, id, peer)
            masked.withUnsafeMutableBufferPointer { vector in
                MaskExpander.accumulate(key: key, negate: id > peer, into: vector)
            }
        }
        let elementMask = configuration.elementMask
        if elementMask != .max {
            masked.withUnsafeMutableBufferPointer { vector in
                for i in vector.indices { vector[i] &= elementMask }
            }
        }
        for (owner, pair) in received { heldShares[owner] = pair }
        shareSenders = senders
        shareKeys = [:]
        input = []
        selfMaskSeed = []
        phase = .sentMaskedInput
        return .maskedInput(party: id, values: masked)
    }

    private mutating func signSurvivors(_ survivors: [PartyID]) throws(SecAggError) -> SecAggMessage {
        try checkSurvivorList(survivors)
        guard let signingKey else { preconditionFailure("malicious-server variant without a signing key") }
        let signature = try Self.sign(
            SecAggSigning.survivorsPayload(sessionID: configuration.sessionID, survivors: survivors),
            with: signingKey)
        signedSurvivors = survivors
        phase = .signedSurvivors
        return .consistencySignature(PartySignature(party: id, signature: signature))
    }

    private mutating func unmask(
        survivors: [PartyID], dropouts: [PartyID],
        signatures: [PartySignature]
    ) throws(SecAggError) -> SecAggMessage {
        let survivorSet = Set(survivors)
        // The refusal at the heart of the protocol: never both shares of one party.
        if let both = dropouts.first(where: { survivorSet.contains($0) }) {
            throw .conflictingShareRequest(party: both)
        }
        try checkSurvivorList(survivors)
        try checkSortedIDs(dropouts, name: "dropouts")
        if configuration.isMaliciousServerVariant {
            guard survivors == signedSurvivors else {
                throw .protocolViolation(
                    reason: "the unmasking request's survivors differ from the list party \(id) signed")
            }
            let payload = SecAggSigning.survivorsPayload(sessionID: configuration.sessionID, survivors: survivors)
            var signers = Set<PartyID>()
            // Only signatures from this party's own closed neighbourhood count towards t: the
            // shares it is about to reveal are shares of its neighbours' secrets, and only
            // they can testify to the survivor list they were shown (Bonawitz et al. 2017 §6;
            // per neighbourhood for SecAgg+). Others are neither counted nor verified (which
            // keeps a SecAgg+ party's work O(degree), not O(n)).
            var neighbourhoodSigners = 0
            for signature in signatures {
                guard survivorSet.contains(signature.party), signers.insert(signature.party).inserted else {
                    throw .protocolViolation(
                        reason: "signature by party \(signature.party), which is not a distinct survivor")
                }
                guard signature.party == id || configuration.neighbours.areNeighbours(id, signature.party) else {
                    continue
                }
                guard let keyBytes = configuration.signingPublicKeys?[signature.party],
                    let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes),
                    key.isValidSignature(signature.signature, for: payload)
                else {
                    throw .invalidSignature(party: signature.party)
                }
                neighbourhoodSigners += 1
            }
            guard neighbourhoodSigners >= configuration.threshold else {
                throw .tooFewSurvivors(
                    round: .consistencyCheck, survivors: neighbourhoodSigners, threshold: configuration.threshold)
            }
        }
        var selfMaskShares: [RevealedShare] = []
        var keyShares: [RevealedShare] = []
        for owner in survivors {
            if let shares = heldShares[owner] {
                selfMaskShares.append(RevealedShare(owner: owner, values: shares.selfMask))
            }
        }
        for owner in dropouts where owner != id {
            if let shares = heldShares[owner] { keyShares.append(RevealedShare(owner: owner, values: shares.key)) }
        }
        heldShares = [:]
        phase = .finished
        return .unmaskingResponse(party: id, selfMaskShares: selfMaskShares, keyShares: keyShares)
    }

    // MARK: - Helpers

    private mutating func abort() {
        phase = .aborted
        input = []
        selfMaskSeed = []
        heldShares = [:]
        shareKeys = [:]
    }

    private func checkSortedIDs(_ ids: [PartyID], name: String) throws(SecAggError) {
        for (index, party) in ids.enumerated() {
            guard configuration.neighbours.contains(party) else { throw .unknownParty(party) }
            if index > 0, ids[index - 1] >= party {
                throw .malformedMessage(reason: "the \(name) list must be sorted and free of repeats")
            }
        }
    }

    /// U3 must be sorted, known, contain this party, only list neighbours that sent shares,
    /// and leave at least t holders of this party's neighbourhood.
    private func checkSurvivorList(_ survivors: [PartyID]) throws(SecAggError) {
        try checkSortedIDs(survivors, name: "survivors")
        var inNeighbourhood = 0
        var containsSelf = false
        for party in survivors {
            if party == id {
                containsSelf = true
                inNeighbourhood += 1
                continue
            }
            if configuration.neighbours.areNeighbours(id, party) {
                guard heldShares[party] != nil else {
                    throw .protocolViolation(reason: "survivor \(party) never sent its shares to party \(id)")
                }
                inNeighbourhood += 1
            }
        }
        guard containsSelf else {
            throw .protocolViolation(reason: "the survivor list omits party \(id), which sent its masked input")
        }
        guard inNeighbourhood >= configuration.threshold else {
            throw .tooFewSurvivors(
                round: .maskedInputCollection, survivors: inNeighbourhood, threshold: configuration.threshold)
        }
    }

    private func verifyKeys(_ entry: AdvertisedKeys) throws(SecAggError) {
        guard let keys = configuration.signingPublicKeys else {
            guard entry.signature.isEmpty else {
                throw .malformedMessage(reason: "a key signature from party \(entry.party) in the semi-honest variant")
            }
            return
        }
        let payload = SecAggSigning.keysPayload(
            sessionID: configuration.sessionID, party: entry.party,
            encryptionKey: entry.encryptionKey, maskingKey: entry.maskingKey)
        guard let raw = keys[entry.party], let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw),
            key.isValidSignature(entry.signature, for: payload)
        else {
            throw .invalidSignature(party: entry.party)
        }
    }

    private func shareKey(with peer: AdvertisedKeys) throws(SecAggError) -> SymmetricKey {
        let secret = try agree(encryptionKey, with: peer.encryptionKey, peer: peer.party)
        return SecAggKeys.shareEncryptionKey(secret, sessionID: configuration.sessionID, id, peer.party)
    }

    private func agree(
        _ key: Curve25519.KeyAgreement.PrivateKey, with publicKey: [UInt8],
        peer: PartyID
    ) throws(SecAggError) -> SharedSecret {
        do {
            return try key.sharedSecretFromKeyAgreement(
                with: Curve25519.KeyAgreement.PublicKey(rawRepresentation: publicKey))
        } catch {
            throw .protocolViolation(
                reason: "key agreement with party \(peer) failed (invalid or low-order public key)")
        }
    }

    private func openShare(
        _ box: EncryptedShare, from sender: AdvertisedKeys
    ) throws(SecAggError) -> (key: [Mersenne61], selfMask: [Mersenne61]) {
        let key: SymmetricKey
        if let agreed = shareKeys[sender.party] { key = agreed } else { key = try shareKey(with: sender) }
        let plaintext: [UInt8]
        do {
            let sealed = try ChaChaPoly.SealedBox(combined: box.ciphertext)
            plaintext = Array(
                try ChaChaPoly.open(
                    sealed, using: key,
                    authenticating: Self.shareAAD(configuration.sessionID, owner: sender.party, holder: id)))
        } catch {
            throw .decryptionFailed(from: sender.party)
        }
        guard plaintext.count == SecAggWire.sharePlaintextByteCount else { throw .decryptionFailed(from: sender.party) }
        var reader = ByteReader(plaintext)
        let owner = try reader.u32("owner"), holder = try reader.u32("holder")
        guard owner == sender.party, holder == id else {
            throw .protocolViolation(
                reason: "a share box from party \(sender.party) names owner \(owner) and holder \(holder)")
        }
        var lists: [[Mersenne61]] = []
        for _ in 0..<2 {
            var values: [Mersenne61] = []
            for _ in 0..<SecAggWire.elementsPerSecret {
                let raw = try reader.u64("share value")
                guard raw < Mersenne61.modulus else { throw .decryptionFailed(from: sender.party) }
                values.append(Mersenne61(canonical: raw))
            }
            lists.append(values)
        }
        return (lists[0], lists[1])
    }

    static func shareAAD(_ session: [UInt8], owner: PartyID, holder: PartyID) -> [UInt8] {
        var aad = Array("PrivacyKernel.SecAgg.v1.share".utf8) + session
        withUnsafeBytes(of: owner.bigEndian) { aad.append(contentsOf: $0) }
        withUnsafeBytes(of: holder.bigEndian) { aad.append(contentsOf: $0) }
        return aad
    }

    private static func sign(_ payload: [UInt8], with key: Curve25519.Signing.PrivateKey) throws(SecAggError) -> [UInt8]
    {
        do { return Array(try key.signature(for: payload)) } catch {
            preconditionFailure("Ed25519 signing failed: \(error)")
        }
    }
}

/// Shorter internal name for the module's error enum.
typealias SecAggError = SecureAggregationError

/// The byte strings parties sign in the malicious-server variant.
public enum SecAggSigning {
    /// (label ‖ session ‖ party ‖ c_pk ‖ s_pk): binds a party's advertised keys to it.
    public static func keysPayload(
        sessionID: [UInt8], party: PartyID, encryptionKey: [UInt8], maskingKey: [UInt8]
    ) -> [UInt8] {
        var payload = Array("PrivacyKernel.SecAgg.v1.keys".utf8) + sessionID
        withUnsafeBytes(of: party.bigEndian) { payload.append(contentsOf: $0) }
        return payload + encryptionKey + maskingKey
    }

    /// (label ‖ session ‖ count ‖ ids): the survivor list U3 of the consistency check.
    public static func survivorsPayload(sessionID: [UInt8], survivors: [PartyID]) -> [UInt8] {
        var payload = Array("PrivacyKernel.SecAgg.v1.survivors".utf8) + sessionID
        withUnsafeBytes(of: UInt32(survivors.count).bigEndian) { payload.append(contentsOf: $0) }
        for party in survivors { withUnsafeBytes(of: party.bigEndian) { payload.append(contentsOf: $0) } }
        return payload
    }
}
