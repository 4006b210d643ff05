/// A party's two X25519 public keys for one session (round 0), optionally signed.
public struct AdvertisedKeys: Sendable, Equatable {
    /// The advertising party.
    public let party: PartyID
    /// c_pk: the X25519 public key for encrypting shares (32 bytes).
    public let encryptionKey: [UInt8]
    /// s_pk: the X25519 public key for agreeing pairwise masks (32 bytes).
    public let maskingKey: [UInt8]
    /// Ed25519 signature over (session ‖ party ‖ c_pk ‖ s_pk) in the malicious-server
    /// variant (64 bytes), empty otherwise.
    public let signature: [UInt8]

    /// Creates the record (sizes are checked by the receivers).
    public init(party: PartyID, encryptionKey: [UInt8], maskingKey: [UInt8], signature: [UInt8] = []) {
        self.party = party
        self.encryptionKey = encryptionKey
        self.maskingKey = maskingKey
        self.signature = signature
    }
}

/// An encrypted share addressed between two parties; `peer` is the recipient in
/// ``EncryptedShares`` and the sender in ``ForwardedShares``.
public struct EncryptedShare: Sendable, Equatable {
    /// The other party.
    public let peer: PartyID
    /// ChaCha20-Poly1305 `combined` box (12-byte nonce ‖ ciphertext ‖ 16-byte tag) of
    /// (owner ‖ holder ‖ key-share values ‖ self-mask-share values).
    public let ciphertext: [UInt8]

    /// Creates the record.
    public init(peer: PartyID, ciphertext: [UInt8]) {
        self.peer = peer
        self.ciphertext = ciphertext
    }
}

/// A party's signature in the consistency check.
public struct PartySignature: Sendable, Equatable {
    /// The signer.
    public let party: PartyID
    /// Ed25519 signature (64 bytes).
    public let signature: [UInt8]

    /// Creates the record.
    public init(party: PartyID, signature: [UInt8]) {
        self.party = party
        self.signature = signature
    }
}

/// One Shamir share revealed to the server in the unmasking round.
public struct RevealedShare: Sendable, Equatable {
    /// Whose secret the share belongs to.
    public let owner: PartyID
    /// The share's field elements (one per 7-byte chunk of the 32-byte secret).
    public let values: [Mersenne61]

    /// Creates the record.
    public init(owner: PartyID, values: [Mersenne61]) {
        self.owner = owner
        self.values = values
    }
}

/// Every message of the protocol, party → server or server → party.
///
/// Messages are plain values; ``SecAggWire`` turns them into length-checked bytes and back.
/// Each names the round it belongs to (``round``), and messages from parties name their sender
/// (``sender``), which the server checks against the connection it came from.
public enum SecAggMessage: Sendable, Equatable {
    /// Round 0, party → server: the party's public keys.
    case advertiseKeys(AdvertisedKeys)
    /// End of round 0, server → party: the keys of every party that advertised (U1).
    case keyDirectory([AdvertisedKeys])
    /// Round 1, party → server: `party`'s shares, one ciphertext per neighbour in U1.
    case encryptedShares(party: PartyID, shares: [EncryptedShare])
    /// End of round 1, server → party: the ciphertexts addressed to `recipient`, from U2.
    case forwardedShares(recipient: PartyID, shares: [EncryptedShare])
    /// Round 2, party → server: the masked input vector y_u (elements mod 2^k).
    case maskedInput(party: PartyID, values: [UInt32])
    /// End of round 2, server → party (malicious-server variant): the survivors U3 to sign.
    case consistencyRequest(survivors: [PartyID])
    /// Round 3, party → server: the party's signature over U3.
    case consistencySignature(PartySignature)
    /// End of round 2 (or 3), server → party: whose self-mask shares (survivors) and whose
    /// key shares (dropouts) to reveal, with the signatures over the survivors in the
    /// malicious-server variant.
    case unmaskingRequest(survivors: [PartyID], dropouts: [PartyID], signatures: [PartySignature])
    /// Round 4, party → server: the requested shares.
    case unmaskingResponse(party: PartyID, selfMaskShares: [RevealedShare], keyShares: [RevealedShare])

    /// The round this message belongs to.
    public var round: SecAggRound {
        switch self {
        case .advertiseKeys, .keyDirectory: return .advertiseKeys
        case .encryptedShares, .forwardedShares: return .shareKeys
        case .maskedInput, .consistencyRequest: return .maskedInputCollection
        case .consistencySignature: return .consistencyCheck
        case .unmaskingRequest, .unmaskingResponse: return .unmasking
        }
    }

    /// The sending party for party → server messages; `nil` for server → party messages.
    public var sender: PartyID? {
        switch self {
        case let .advertiseKeys(keys): return keys.party
        case let .encryptedShares(party, _): return party
        case let .maskedInput(party, _): return party
        case let .consistencySignature(signature): return signature.party
        case let .unmaskingResponse(party, _, _): return party
        case .keyDirectory, .forwardedShares, .consistencyRequest, .unmaskingRequest: return nil
        }
    }

    /// A short name of the message kind, for errors and logs.
    public var kindName: String {
        switch self {
        case .advertiseKeys: return "AdvertiseKeys"
        case .keyDirectory: return "KeyDirectory"
        case .encryptedShares: return "EncryptedShares"
        case .forwardedShares: return "ForwardedShares"
        case .maskedInput: return "MaskedInput"
        case .consistencyRequest: return "ConsistencyRequest"
        case .consistencySignature: return "ConsistencySignature"
        case .unmaskingRequest: return "UnmaskingRequest"
        case .unmaskingResponse: return "UnmaskingResponse"
        }
    }
}
