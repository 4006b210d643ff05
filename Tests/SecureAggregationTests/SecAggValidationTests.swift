import Testing
import Crypto
@_spi(Testing) import SecureRandom
@testable import SecureAggregation

/// Drives parties and a server by hand, so tests can tamper with messages between them.
struct ManualSession {
    var configuration: SecAggConfiguration
    var parties: [PartyID: SecAggParty] = [:]
    var server: SecAggServer
    var inputs: [PartyID: [UInt32]] = [:]

    init(
        parties count: Int, dimension: Int = 6, signingKeys: [PartyID: Curve25519.Signing.PrivateKey]? = nil,
        graph: SecAggGraph = .complete
    ) throws {
        configuration = try SecAggFixture.configuration(
            parties: count, dimension: dimension, graph: graph, signingKeys: signingKeys)
        server = SecAggServer(configuration: configuration)
        var generator = SecureRandomGenerator(testSeed: 99)
        inputs = SecAggSimulation.randomInputs(for: configuration, using: &generator)
        for id in configuration.partyIDs {
            parties[id] = try SecAggParty(
                id: id, configuration: configuration, input: inputs[id]!,
                signingKey: signingKeys?[id], generator: SecureRandomGenerator(testSeed: UInt64(id)))
        }
    }

    /// Round 0 up to the server's closing of round `until` (exclusive of its replies' handling).
    /// Returns the server's outgoing messages of the last closed round.
    mutating func advertise() throws -> [SecAggServer.Outgoing] {
        for id in configuration.partyIDs { try server.receive(try parties[id]!.start()) }
        return try server.closeRound()
    }

    mutating func deliver(
        _ outgoing: [SecAggServer.Outgoing], skipping: Set<PartyID> = []
    ) throws -> [SecAggServer.Outgoing] {
        for item in outgoing where !skipping.contains(item.recipient) {
            try server.receive(try parties[item.recipient]!.handle(item.message))
        }
        return try server.closeRound()
    }
}

@Suite("SecAgg validation: refusals, replays, late and malformed messages")
struct SecAggValidationTests {
    @Test func partyRefusesToRevealBothSharesOfOneParty() throws {
        var session = try ManualSession(parties: 5)
        var out = try session.advertise()
        out = try session.deliver(out)  // shares forwarded
        out = try session.deliver(out, skipping: [5])  // party 5 drops before its masked input
        // The honest request: survivors 1…4, dropout 5.
        guard case let .unmaskingRequest(survivors, dropouts, _) = out[0].message else {
            Issue.record("expected an unmasking request")
            return
        }
        #expect(survivors == [1, 2, 3, 4])
        #expect(dropouts == [5])
        // A cheating server also lists survivor 2 as a dropout.
        var party = session.parties[1]!
        #expect(throws: SecureAggregationError.conflictingShareRequest(party: 2)) {
            try party.handle(.unmaskingRequest(survivors: [1, 2, 3, 4], dropouts: [2, 5], signatures: []))
        }
        #expect(party.phase == .aborted)
        // …and the aborted party answers nothing afterwards, not even the honest request.
        #expect(throws: SecureAggregationError.self) { try party.handle(out[0].message) }
    }

    @Test func partyAnswersOnlyOneUnmaskingRequest() throws {
        var session = try ManualSession(parties: 4)
        var out = try session.advertise()
        out = try session.deliver(out)
        out = try session.deliver(out)
        var party = session.parties[1]!
        _ = try party.handle(out[0].message)
        // A second request naming party 2 as a dropout (after its self-mask share was revealed).
        #expect(throws: SecureAggregationError.unexpectedMessage(received: "UnmaskingRequest", state: "finished")) {
            try party.handle(.unmaskingRequest(survivors: [1, 3, 4], dropouts: [2], signatures: []))
        }
    }

    @Test func maliciousVariantRejectsAlteredSurvivorListsAndForgedSignatures() throws {
        let keys = SecAggFixture.signingKeys(parties: 5)
        var session = try ManualSession(parties: 5, signingKeys: keys)
        var out = try session.advertise()
        out = try session.deliver(out)
        out = try session.deliver(out, skipping: [5])  // consistency requests for 1…4
        out = try session.deliver(out)  // signatures → unmasking requests
        guard case let .unmaskingRequest(survivors, dropouts, signatures) = out[0].message else {
            Issue.record("expected an unmasking request")
            return
        }
        // A different survivor list than the one signed.
        var party = session.parties[1]!
        #expect(throws: SecureAggregationError.self) {
            try party.handle(.unmaskingRequest(survivors: [1, 2, 3], dropouts: [4, 5], signatures: signatures))
        }
        #expect(party.phase == .aborted)
        // A forged signature.
        var other = session.parties[2]!
        var forged = signatures
        forged[0] = PartySignature(party: forged[0].party, signature: Array(repeating: 7, count: 64))
        #expect(throws: SecureAggregationError.invalidSignature(party: forged[0].party)) {
            try other.handle(.unmaskingRequest(survivors: survivors, dropouts: dropouts, signatures: forged))
        }
        // The honest request still completes for the untouched parties.
        var third = session.parties[3]!
        _ = try third.handle(out[2].message)
        #expect(third.phase == .finished)
    }

    @Test func serverRejectsReplayedLateUnknownAndOutOfRoundMessages() throws {
        var session = try ManualSession(parties: 4)
        var party1 = session.parties[1]!
        let advert = try party1.start()
        try session.server.receive(advert)
        #expect(throws: SecureAggregationError.duplicateMessage(from: 1, round: .advertiseKeys)) {
            try session.server.receive(advert)
        }
        for id: PartyID in [2, 3] { try session.server.receive(try session.parties[id]!.start()) }
        // An unknown party.
        #expect(throws: SecureAggregationError.unknownParty(77)) {
            try session.server.receive(
                .advertiseKeys(
                    AdvertisedKeys(
                        party: 77, encryptionKey: advert.keysOrEmpty.encryptionKey,
                        maskingKey: advert.keysOrEmpty.maskingKey)))
        }
        // A message of a future round.
        #expect(throws: SecureAggregationError.self) {
            try session.server.receive(.maskedInput(party: 2, values: [0, 0, 0, 0, 0, 0]))
        }
        // A server-to-party kind sent to the server.
        #expect(throws: SecureAggregationError.self) { try session.server.receive(.consistencyRequest(survivors: [1])) }
        let out = try session.server.closeRound()  // party 4 missed the deadline
        var party4 = session.parties[4]!
        #expect(throws: SecureAggregationError.lateMessage(from: 4, round: .advertiseKeys)) {
            try session.server.receive(try party4.start())
        }
        #expect(!out.contains { $0.recipient == 4 })
        // Party 4, now a dropout, is not expected in round 1 either.
        #expect(throws: SecureAggregationError.self) {
            try session.server.receive(.encryptedShares(party: 4, shares: []))
        }
    }

    @Test func serverRejectsWrongDimensionAndOutOfRangeElements() throws {
        var session = try ManualSession(parties: 3, dimension: 6)
        var out = try session.advertise()
        out = try session.deliver(out)
        #expect(throws: SecureAggregationError.self) {
            try session.server.receive(.maskedInput(party: 1, values: [1, 2, 3]))
        }
        // Shares sent to the wrong set of recipients.
        var fresh = try ManualSession(parties: 3)
        let directory = try fresh.advertise()
        var party = fresh.parties[1]!
        guard case let .encryptedShares(id, shares) = try party.handle(directory[0].message) else {
            Issue.record("expected shares")
            return
        }
        #expect(throws: SecureAggregationError.self) {
            try fresh.server.receive(.encryptedShares(party: id, shares: Array(shares.dropLast())))
        }
        try fresh.server.receive(.encryptedShares(party: id, shares: shares))
        _ = out
    }

    @Test func partyRejectsTamperedSharesAndReplayedRounds() throws {
        var session = try ManualSession(parties: 4)
        var out = try session.advertise()
        var party = session.parties[1]!
        let directory = out.first { $0.recipient == 1 }!.message
        _ = try party.handle(directory)
        // Replaying the key directory is refused without changing state.
        #expect(
            throws: SecureAggregationError.unexpectedMessage(received: "KeyDirectory", state: "shared keys (round 1)")
        ) { try party.handle(directory) }
        session.parties[1] = party
        for id: PartyID in [1, 2, 3, 4] where id != 1 {
            _ = id
        }
        // Build the forwarded shares for party 1 through the real server.
        var server = SecAggServer(configuration: session.configuration)
        var fresh = try ManualSession(parties: 4)
        out = try fresh.advertise()
        for item in out { try fresh.server.receive(try fresh.parties[item.recipient]!.handle(item.message)) }
        let forwarded = try fresh.server.closeRound()
        let mine = forwarded.first { $0.recipient == 1 }!.message
        guard case let .forwardedShares(recipient, shares) = mine else {
            Issue.record("expected forwarded shares")
            return
        }
        var tampered = shares
        var bytes = tampered[0].ciphertext
        bytes[20] ^= 1
        tampered[0] = EncryptedShare(peer: tampered[0].peer, ciphertext: bytes)
        var target = fresh.parties[1]!
        #expect(throws: SecureAggregationError.decryptionFailed(from: tampered[0].peer)) {
            try target.handle(.forwardedShares(recipient: recipient, shares: tampered))
        }
        #expect(target.phase == .sharedKeys)  // unchanged: the honest message still works
        _ = try target.handle(mine)
        #expect(target.phase == .sentMaskedInput)
        _ = server
        server = fresh.server
    }
}

@Suite("SecAgg wire format")
struct SecAggWireTests {
    let session: [UInt8] = Array(0..<16)

    var samples: [SecAggMessage] {
        let keys = AdvertisedKeys(
            party: 3, encryptionKey: Array(repeating: 1, count: 32), maskingKey: Array(repeating: 2, count: 32))
        let box = EncryptedShare(peer: 4, ciphertext: Array(repeating: 9, count: SecAggWire.shareCiphertextByteCount))
        let share = RevealedShare(owner: 5, values: (0..<5).map { Mersenne61(UInt64($0) * 1_000_000_007) })
        return [
            .advertiseKeys(keys),
            .advertiseKeys(
                AdvertisedKeys(
                    party: 3, encryptionKey: keys.encryptionKey, maskingKey: keys.maskingKey,
                    signature: Array(repeating: 5, count: 64))),
            .keyDirectory([keys, keys]),
            .encryptedShares(party: 3, shares: [box, box]),
            .forwardedShares(recipient: 4, shares: [box]),
            .maskedInput(party: 3, values: [0, 1, .max, 12345]),
            .consistencyRequest(survivors: [1, 2, 3]),
            .consistencySignature(PartySignature(party: 2, signature: Array(repeating: 8, count: 64))),
            .unmaskingRequest(
                survivors: [1, 2], dropouts: [3],
                signatures: [PartySignature(party: 1, signature: Array(repeating: 6, count: 64))]),
            .unmaskingResponse(party: 1, selfMaskShares: [share], keyShares: [share, share]),
        ]
    }

    @Test func everyMessageRoundTrips() throws {
        for message in samples {
            #expect(
                try SecAggWire.decode(SecAggWire.encode(message, sessionID: session), sessionID: session) == message)
        }
    }

    @Test func truncatedPaddedAndForeignFramesAreTypedErrors() throws {
        for message in samples {
            let bytes = SecAggWire.encode(message, sessionID: session)
            for cut in [0, 1, 5, SecAggWire.headerByteCount, bytes.count - 1] where cut < bytes.count {
                #expect(throws: SecureAggregationError.self) {
                    try SecAggWire.decode(Array(bytes.prefix(cut)), sessionID: session)
                }
            }
            #expect(throws: SecureAggregationError.self) { try SecAggWire.decode(bytes + [0], sessionID: session) }
            #expect(throws: SecureAggregationError.sessionMismatch) {
                try SecAggWire.decode(bytes, sessionID: Array(repeating: 0, count: 16))
            }
            var wrongRound = bytes
            wrongRound[4] = (wrongRound[4] + 1) % 5
            #expect(throws: SecureAggregationError.self) { try SecAggWire.decode(wrongRound, sessionID: session) }
        }
        // A count that claims more items than bytes left does not allocate; it throws.
        var huge = SecAggWire.encode(.consistencyRequest(survivors: [1]), sessionID: session)
        huge.replaceSubrange(21..<25, with: [0xFF, 0xFF, 0xFF, 0x7F])
        #expect(throws: SecureAggregationError.self) { try SecAggWire.decode(huge, sessionID: session) }
        // A share value that is not a field element.
        let response = SecAggMessage.unmaskingResponse(
            party: 1, selfMaskShares: [RevealedShare(owner: 2, values: Array(repeating: .zero, count: 5))],
            keyShares: [])
        var bad = SecAggWire.encode(response, sessionID: session)
        let valueStart = 21 + 4 + 4 + 4
        for i in 0..<8 { bad[valueStart + i] = 0xFF }
        #expect(throws: SecureAggregationError.self) { try SecAggWire.decode(bad, sessionID: session) }
    }
}

extension SecAggMessage {
    var keysOrEmpty: AdvertisedKeys {
        if case let .advertiseKeys(keys) = self { return keys }
        return AdvertisedKeys(party: 0, encryptionKey: [], maskingKey: [])
    }
}
