@preconcurrency internal import Crypto
internal import Foundation
import Dispatch
import Tabular

/// The server (aggregator) of secure aggregation, as a sans-I/O state machine.
///
/// The driver (the in-process ``SecAggSimulation`` or the TCP transport) feeds it every
/// message it receives with ``receive(_:)`` and, when all expected parties have answered or
/// the round's deadline has passed, calls ``closeRound()``, which returns the messages to
/// send next. Parties that did not answer in time are dropouts of that round; their later
/// messages are rejected as ``SecureAggregationError/lateMessage(from:round:)``. Closing the
/// unmasking round reconstructs the dropouts' mask keys and the survivors' self-mask seeds
/// from the revealed Shamir shares, removes every mask, and leaves the sum of the
/// survivors' inputs in ``aggregate``.
///
/// The server learns only that sum: each y_u is masked by PRG(b_u) (whose seed it learns only
/// for survivors, whose pairwise masks cancel in the sum) and by pairwise masks (whose keys
/// it learns only for dropouts, whose self-mask seeds stay secret).
public struct SecAggServer {
    /// The session's public configuration.
    public let configuration: SecAggConfiguration
    /// The round currently open (accepting party messages).
    public private(set) var round: SecAggRound = .advertiseKeys
    /// Whether the unmasking round has been closed and ``aggregate`` is set.
    public private(set) var isFinished = false
    /// The sum of the surviving parties' inputs mod 2^k, after the unmasking round.
    public private(set) var aggregate: [UInt32]?

    /// U1…U5: the parties that answered each closed round (sorted).
    public private(set) var respondersByRound: [SecAggRound: [PartyID]] = [:]

    private var expected: Set<PartyID>
    private var received: Set<PartyID> = []
    private var keys: [PartyID: AdvertisedKeys] = [:]
    private var boxes: [PartyID: [EncryptedShare]] = [:]
    private var maskedInputs: [PartyID: [UInt32]] = [:]
    private var signatures: [PartyID: [UInt8]] = [:]
    private var revealed: [PartyID: (selfMask: [RevealedShare], key: [RevealedShare])] = [:]
    private var survivors: [PartyID] = []  // U3
    private var dropouts: [PartyID] = []  // U2 ∖ U3

    /// A message for one party.
    public struct Outgoing: Sendable, Equatable {
        /// The party to send it to.
        public let recipient: PartyID
        /// The message.
        public let message: SecAggMessage
    }

    /// Creates the server for `configuration`; round 0 is open and every party is expected.
    public init(configuration: SecAggConfiguration) {
        self.configuration = configuration
        self.expected = Set(configuration.partyIDs)
    }

    /// The parties whose message for the open round has not arrived yet.
    public var pendingParties: [PartyID] { expected.subtracting(received).sorted() }

    /// Whether every party expected in the open round has answered.
    public var roundComplete: Bool { received.count == expected.count }

    /// The parties whose inputs are in ``aggregate`` (U3), once known.
    public var contributors: [PartyID] { survivors }

    /// Validates and records one message from a party.
    ///
    /// Nothing is recorded unless the whole message is valid.
    ///
    /// - Throws: ``SecureAggregationError/unknownParty(_:)``, ``SecureAggregationError/lateMessage(from:round:)``
    ///   (a closed round), ``SecureAggregationError/unexpectedMessage(received:state:)`` (a
    ///   server-to-party kind or a future round), ``SecureAggregationError/duplicateMessage(from:round:)``
    ///   (a replay), ``SecureAggregationError/protocolViolation(reason:)`` (a party outside
    ///   this round's expected set, wrong recipients or owners),
    ///   ``SecureAggregationError/malformedMessage(reason:)`` (sizes, element ranges),
    ///   ``SecureAggregationError/invalidSignature(party:)``.
    /// - Complexity: O(message size), plus one signature check where signed.
    public mutating func receive(_ message: SecAggMessage) throws(SecureAggregationError) {
        guard let sender = message.sender else {
            throw .unexpectedMessage(received: message.kindName, state: "server, round \(round)")
        }
        guard configuration.neighbours.contains(sender) else { throw .unknownParty(sender) }
        guard !isFinished else { throw .lateMessage(from: sender, round: message.round) }
        guard message.round <= round else {
            throw .unexpectedMessage(received: message.kindName, state: "server, round \(round)")
        }
        guard message.round == round else { throw .lateMessage(from: sender, round: message.round) }
        guard expected.contains(sender) else {
            throw .protocolViolation(
                reason: "party \(sender) is not among the parties expected in round \(round) (it dropped out earlier)")
        }
        guard !received.contains(sender) else { throw .duplicateMessage(from: sender, round: round) }

        switch message {
        case let .advertiseKeys(entry):
            try validateKeys(entry)
            keys[sender] = entry
        case let .encryptedShares(_, shares):
            let required = configuration.neighbours.neighbours(of: sender).filter { keys[$0] != nil }
            let recipients = shares.map(\.peer)
            guard recipients == required else {
                throw .protocolViolation(
                    reason:
                        "party \(sender) must send one share to each neighbour in U1 (\(required.count), ascending), sent \(recipients.count)"
                )
            }
            guard shares.allSatisfy({ $0.ciphertext.count == SecAggWire.shareCiphertextByteCount }) else {
                throw .malformedMessage(reason: "a share ciphertext of party \(sender) has the wrong size")
            }
            boxes[sender] = shares
        case let .maskedInput(_, values):
            guard values.count == configuration.dimension else {
                throw .malformedMessage(
                    reason:
                        "masked input of party \(sender) has \(values.count) elements, the session's dimension is \(configuration.dimension)"
                )
            }
            let mask = configuration.elementMask
            if mask != .max {
                let union = values.withUnsafeBufferPointer { buffer in buffer.reduce(0, |) }
                guard union & ~mask == 0 else {
                    throw .malformedMessage(
                        reason: "masked input of party \(sender) has elements ≥ 2^\(configuration.modulusBits)")
                }
            }
            maskedInputs[sender] = values
        case let .consistencySignature(signature):
            let payload = SecAggSigning.survivorsPayload(sessionID: configuration.sessionID, survivors: survivors)
            guard let raw = configuration.signingPublicKeys?[sender],
                let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw),
                key.isValidSignature(signature.signature, for: payload)
            else {
                throw .invalidSignature(party: sender)
            }
            signatures[sender] = signature.signature
        case let .unmaskingResponse(_, selfMaskShares, keyShares):
            let survivorSet = Set(survivors), dropoutSet = Set(dropouts)
            var owners = Set<PartyID>()
            for (list, allowed, name) in [(selfMaskShares, survivorSet, "self-mask"), (keyShares, dropoutSet, "key")] {
                for share in list {
                    guard allowed.contains(share.owner) else {
                        throw .protocolViolation(
                            reason:
                                "party \(sender) revealed a \(name) share of party \(share.owner), which was not requested"
                        )
                    }
                    guard share.owner == sender || configuration.neighbours.areNeighbours(sender, share.owner) else {
                        throw .protocolViolation(
                            reason: "party \(sender) cannot hold a share of non-neighbour \(share.owner)")
                    }
                    guard owners.insert(share.owner).inserted else {
                        throw .protocolViolation(reason: "party \(sender) revealed two shares of party \(share.owner)")
                    }
                    guard share.values.count == SecAggWire.elementsPerSecret else {
                        throw .malformedMessage(
                            reason:
                                "a share from party \(sender) has \(share.values.count) values, expected \(SecAggWire.elementsPerSecret)"
                        )
                    }
                }
            }
            revealed[sender] = (selfMaskShares, keyShares)
        case .keyDirectory, .forwardedShares, .consistencyRequest, .unmaskingRequest:
            preconditionFailure("server-to-party messages were rejected above")
        }
        received.insert(sender)
    }

    /// Closes the open round (its deadline has passed, or everyone answered) and returns the
    /// messages for the next one; closing the unmasking round computes ``aggregate`` and
    /// returns no messages.
    ///
    /// - Throws: ``SecureAggregationError/tooFewSurvivors(round:survivors:threshold:)`` when
    ///   fewer than t parties answered (the session is then over), and for the unmasking
    ///   round ``SecureAggregationError/insufficientShares(owner:have:need:)`` or
    ///   ``SecureAggregationError/inconsistentShares(owner:)``.
    /// - Complexity: rounds 0–3: O(total message size). Unmasking: O(t²) per distinct holder
    ///   set for Lagrange coefficients, one X25519 per (dropout, surviving neighbour) pair, and
    ///   (|U3| + pairs) × dimension mask elements of AES-CTR, spread over all cores.
    public mutating func closeRound() throws(SecureAggregationError) -> [Outgoing] {
        guard !isFinished else { throw .unexpectedMessage(received: "closeRound", state: "server, finished") }
        let responders = received.sorted()
        guard responders.count >= configuration.threshold else {
            throw .tooFewSurvivors(round: round, survivors: responders.count, threshold: configuration.threshold)
        }
        var outgoing: [Outgoing] = []
        switch round {
        case .advertiseKeys:
            for party in responders {
                let visible = ([party] + configuration.neighbours.neighbours(of: party)).sorted().compactMap {
                    keys[$0]
                }
                outgoing.append(Outgoing(recipient: party, message: .keyDirectory(visible)))
            }
            advance(to: .shareKeys, responders: responders)
        case .shareKeys:
            var inbox: [PartyID: [EncryptedShare]] = [:]
            for sender in responders {
                for box in boxes[sender]! where received.contains(box.peer) {
                    inbox[box.peer, default: []].append(EncryptedShare(peer: sender, ciphertext: box.ciphertext))
                }
            }
            for party in responders {
                outgoing.append(
                    Outgoing(recipient: party, message: .forwardedShares(recipient: party, shares: inbox[party] ?? [])))
            }
            boxes = [:]
            advance(to: .maskedInputCollection, responders: responders)
        case .maskedInputCollection:
            survivors = responders
            let u2 = respondersByRound[.shareKeys]!
            dropouts = u2.filter { maskedInputs[$0] == nil }
            if configuration.isMaliciousServerVariant {
                for party in responders {
                    outgoing.append(Outgoing(recipient: party, message: .consistencyRequest(survivors: survivors)))
                }
                advance(to: .consistencyCheck, responders: responders)
            } else {
                for party in responders {
                    outgoing.append(
                        Outgoing(
                            recipient: party,
                            message: .unmaskingRequest(survivors: survivors, dropouts: dropouts, signatures: [])))
                }
                advance(to: .unmasking, responders: responders)
            }
        case .consistencyCheck:
            let signed = responders.map { PartySignature(party: $0, signature: signatures[$0]!) }
            for party in responders {
                outgoing.append(
                    Outgoing(
                        recipient: party,
                        message: .unmaskingRequest(survivors: survivors, dropouts: dropouts, signatures: signed)))
            }
            advance(to: .unmasking, responders: responders)
        case .unmasking:
            aggregate = try unmask(responders: responders)
            respondersByRound[.unmasking] = responders
            maskedInputs = [:]
            revealed = [:]
            isFinished = true
        }
        return outgoing
    }

    private mutating func advance(to next: SecAggRound, responders: [PartyID]) {
        respondersByRound[round] = responders
        round = next
        expected = Set(responders)
        received = []
    }

    private func validateKeys(_ entry: AdvertisedKeys) throws(SecureAggregationError) {
        guard entry.encryptionKey.count == 32, entry.maskingKey.count == 32,
            (try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: entry.encryptionKey)) != nil,
            (try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: entry.maskingKey)) != nil
        else {
            throw .malformedMessage(reason: "the public keys of party \(entry.party) are not 32-byte X25519 keys")
        }
        if let keys = configuration.signingPublicKeys {
            let payload = SecAggSigning.keysPayload(
                sessionID: configuration.sessionID, party: entry.party,
                encryptionKey: entry.encryptionKey, maskingKey: entry.maskingKey)
            guard let raw = keys[entry.party], let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw),
                key.isValidSignature(entry.signature, for: payload)
            else {
                throw .invalidSignature(party: entry.party)
            }
        } else if !entry.signature.isEmpty {
            throw .malformedMessage(reason: "party \(entry.party) signed its keys in the semi-honest variant")
        }
    }

    // MARK: - Unmasking

    /// One mask to remove: expand `key` and add (or subtract) it over the whole vector.
    private struct MaskJob {
        let key: SymmetricKey
        let negate: Bool
    }

    private func unmask(responders: [PartyID]) throws(SecureAggregationError) -> [UInt32] {
        let threshold = configuration.threshold
        // Collect the shares per owner, in ascending holder order.
        var selfMaskShares: [PartyID: [ShamirShare]] = [:]
        var keyShares: [PartyID: [ShamirShare]] = [:]
        for holder in responders {
            let (selfMask, key) = revealed[holder]!
            for share in selfMask {
                selfMaskShares[share.owner, default: []].append(ShamirShare(holder: holder, values: share.values))
            }
            for share in key {
                keyShares[share.owner, default: []].append(ShamirShare(holder: holder, values: share.values))
            }
        }
        var bases: [[PartyID]: LagrangeBasis] = [:]
        func reconstruct(_ shares: [ShamirShare]?, owner: PartyID) throws(SecureAggregationError) -> [UInt8] {
            let shares = shares ?? []
            guard shares.count >= threshold else {
                throw .insufficientShares(owner: owner, have: shares.count, need: threshold)
            }
            let used = Array(shares.prefix(threshold))
            let points = used.map(\.holder)
            let basis: LagrangeBasis
            if let cached = bases[points] {
                basis = cached
            } else {
                basis = try LagrangeBasis(points: points)
                bases[points] = basis
            }
            return try ShamirSecretSharing.reconstruct(used, basis: basis, byteCount: 32, owner: owner)
        }

        let session = configuration.sessionID
        var jobs: [MaskJob] = []
        jobs.reserveCapacity(survivors.count)
        for owner in survivors {
            let seed = try reconstruct(selfMaskShares[owner], owner: owner)
            jobs.append(
                MaskJob(key: SecAggKeys.selfMaskKey(seed: seed, sessionID: session, owner: owner), negate: true))
        }
        // Dropouts' mask keys, checked against the public key they advertised.
        var pairs: [(dropout: PartyID, survivor: PartyID, key: Curve25519.KeyAgreement.PrivateKey)] = []
        let survivorSet = Set(survivors)
        for owner in dropouts {
            let raw = try reconstruct(keyShares[owner], owner: owner)
            guard let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: raw),
                Array(key.publicKey.rawRepresentation) == keys[owner]!.maskingKey
            else {
                throw .inconsistentShares(owner: owner)
            }
            for peer in configuration.neighbours.neighbours(of: owner) where survivorSet.contains(peer) {
                pairs.append((owner, peer, key))
            }
        }
        // One X25519 per (dropout, surviving neighbour), in parallel.
        let publicKeys = keys
        let pairList = pairs
        let pairJobs: [MaskJob?] = ParallelChunks.map(pairList.count) { index in
            let (dropout, survivor, key) = pairList[index]
            guard
                let peer = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: publicKeys[survivor]!.maskingKey),
                let secret = try? key.sharedSecretFromKeyAgreement(with: peer)
            else {
                return nil  // reported below
            }
            // y_survivor holds +PRG when survivor < dropout, −PRG otherwise: undo it.
            return MaskJob(
                key: SecAggKeys.pairwiseMaskKey(secret, sessionID: session, survivor, dropout),
                negate: survivor < dropout)
        }
        if let failed = pairJobs.firstIndex(where: { $0 == nil }) {
            throw .protocolViolation(
                reason: "key agreement with the public key of party \(pairs[failed].survivor) failed")
        }
        jobs.append(contentsOf: pairJobs.map { $0! })

        // Sum the masked inputs and remove every mask, range by range across cores; ranges
        // start at multiples of 4 elements so results do not depend on the split.
        let dimension = configuration.dimension
        var total = [UInt32](repeating: 0, count: dimension)
        let inputs = survivors.map { maskedInputs[$0]! }
        let rangeLength = 32_768
        let rangeCount = (dimension + rangeLength - 1) / rangeLength
        let jobList = jobs
        total.withUnsafeMutableBufferPointer { totalBuffer in
            ParallelChunks.forEach(rangeCount) { rangeIndex in
                let start = rangeIndex * rangeLength
                let end = min(dimension, start + rangeLength)
                let slice = UnsafeMutableBufferPointer(rebasing: totalBuffer[start..<end])
                for input in inputs {
                    input.withUnsafeBufferPointer { source in
                        for i in 0..<slice.count { slice[i] &+= source[start + i] }
                    }
                }
                for job in jobList {
                    MaskExpander.accumulate(key: job.key, negate: job.negate, into: slice, firstElement: start)
                }
            }
        }
        let elementMask = configuration.elementMask
        if elementMask != .max {
            for i in total.indices { total[i] &= elementMask }
        }
        return total
    }
}
