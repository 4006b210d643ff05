import Testing
import Crypto
import Foundation
@_spi(Testing) import SecureRandom
@testable import SecureAggregation

/// Shared set-up: a configuration, random inputs and scripted dropouts.
enum SecAggFixture {
    static func session(_ seed: UInt8) -> [UInt8] { (0..<16).map { UInt8($0) &+ seed } }

    static func configuration(
        parties: Int, dimension: Int, modulusBits: Int = 32, graph: SecAggGraph = .complete,
        threshold: Int? = nil, signingKeys: [PartyID: Curve25519.Signing.PrivateKey]? = nil,
        corruptClients: Int? = nil
    ) throws -> SecAggConfiguration {
        let ids = (1...parties).map { PartyID($0) }
        let t =
            threshold
            ?? SecAggConfiguration.defaultThreshold(
                partyCount: parties, graph: graph, maliciousServer: signingKeys != nil,
                corruptClients: corruptClients)
        return try SecAggConfiguration(
            sessionID: session(UInt8(parties % 251)), partyIDs: ids, dimension: dimension,
            modulusBits: modulusBits, threshold: t, graph: graph,
            signingPublicKeys: signingKeys?.mapValues { Array($0.publicKey.rawRepresentation) },
            corruptClients: corruptClients)
    }

    static func signingKeys(parties: Int) -> [PartyID: Curve25519.Signing.PrivateKey] {
        Dictionary(uniqueKeysWithValues: (1...parties).map { (PartyID($0), Curve25519.Signing.PrivateKey()) })
    }

    static func run(
        _ configuration: SecAggConfiguration, dropoutFraction: Double, round: SecAggRound, seed: UInt64,
        signingKeys: [PartyID: Curve25519.Signing.PrivateKey] = [:]
    ) throws -> SecAggSimulation.Report {
        var generator = SecureRandomGenerator(testSeed: seed)
        let inputs = SecAggSimulation.randomInputs(for: configuration, using: &generator)
        let dropouts = SecAggSimulation.randomDropouts(
            of: configuration, fraction: dropoutFraction, in: round, using: &generator)
        return try SecAggSimulation.run(
            configuration: configuration, inputs: inputs, dropouts: dropouts, signingKeys: signingKeys)
    }
}

@Suite("SecAgg protocol: correct totals with dropouts")
struct SecAggProtocolTests {
    static let rounds: [SecAggRound] = [
        .advertiseKeys, .shareKeys, .maskedInputCollection, .consistencyCheck, .unmasking,
    ]

    @Test(arguments: [0.0, 0.1, 0.3], rounds)
    func completeGraphTwentyParties(fraction: Double, round: SecAggRound) throws {
        let configuration = try SecAggFixture.configuration(parties: 20, dimension: 37, modulusBits: 20)
        let report = try SecAggFixture.run(configuration, dropoutFraction: fraction, round: round, seed: 5)
        #expect(report.correct)
        #expect(report.dropped == Int((fraction * 20).rounded()))
        #expect(report.aggregate.count == 37)
    }

    @Test(arguments: [0.0, 0.1, 0.3], rounds)
    func maliciousServerVariantWithSignatures(fraction: Double, round: SecAggRound) throws {
        let keys = SecAggFixture.signingKeys(parties: 10)
        let configuration = try SecAggFixture.configuration(parties: 10, dimension: 9, signingKeys: keys)
        let report = try SecAggFixture.run(
            configuration, dropoutFraction: fraction, round: round, seed: 6, signingKeys: keys)
        #expect(report.correct)
        #expect(report.dropped == Int((fraction * 10).rounded()))
    }

    @Test func threeParties() throws {
        for round in Self.rounds {
            let configuration = try SecAggFixture.configuration(parties: 3, dimension: 5, threshold: 2)
            // One of three drops out (33%): the threshold 2 still holds.
            let report = try SecAggFixture.run(configuration, dropoutFraction: 0.34, round: round, seed: 7)
            #expect(report.correct)
            #expect(report.dropped == 1)
        }
    }

    /// X25519 in a debug build of BoringSSL costs ~10× its release time, so the 500-party runs
    /// use the smallest accepted degree here (28 = the even number ≥ 3·log₂ 500 ≈ 26.9).
    @Test(arguments: [0.0, 0.1, 0.3])
    func sparseGraphFiveHundredParties(fraction: Double) throws {
        let degree = 28
        let graph = SecAggGraph.sparse(degree: degree, seed: Array(repeating: 9, count: 32))
        // t = 8 of 29 with n_C = 5 declared: a dropout's 28 neighbours fall below 8 survivors
        // under 30% random dropouts with probability ≈ 10^-5 each (binomial tail), so every
        // secret is recoverable.
        let configuration = try SecAggFixture.configuration(
            parties: 500, dimension: 8, graph: graph, threshold: 8, corruptClients: 5)
        let report = try SecAggFixture.run(
            configuration, dropoutFraction: fraction, round: .maskedInputCollection, seed: 8)
        #expect(report.correct)
        #expect(report.dropped == Int(fraction * 500))
    }

    @Test(arguments: [SecAggRound.shareKeys, .unmasking])
    func sparseGraphDropoutsInOtherRounds(round: SecAggRound) throws {
        let graph = SecAggGraph.sparse(degree: 18, seed: Array(repeating: 4, count: 32))
        let configuration = try SecAggFixture.configuration(
            parties: 60, dimension: 20, graph: graph, threshold: 7, corruptClients: 3)
        let report = try SecAggFixture.run(configuration, dropoutFraction: 0.1, round: round, seed: 9)
        #expect(report.correct)
    }

    /// 500 parties × 499 neighbours: ~1M key agreements, minutes in a debug build; enabled with
    /// PK_SECAGG_LARGE=1 (the release benchmark runs it at 100,000 dimensions every time).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PK_SECAGG_LARGE"] == "1"))
    func completeGraphFiveHundredParties() throws {
        let configuration = try SecAggFixture.configuration(parties: 500, dimension: 4)
        let report = try SecAggFixture.run(configuration, dropoutFraction: 0.1, round: .maskedInputCollection, seed: 10)
        #expect(report.correct)
        #expect(report.dropped == 50)
    }

    @Test func tooManyDropoutsAbortInsteadOfRevealing() throws {
        let configuration = try SecAggFixture.configuration(parties: 10, dimension: 3)  // t = 6
        #expect(
            throws: SecureAggregationError.tooFewSurvivors(round: .maskedInputCollection, survivors: 5, threshold: 6)
        ) {
            try SecAggFixture.run(configuration, dropoutFraction: 0.5, round: .maskedInputCollection, seed: 11)
        }
    }
}

@Suite("SecAgg+ neighbour graph")
struct SecAggGraphTests {
    @Test func sparseGraphIsSymmetricRegularAndSeedDependent() throws {
        let graphA = try NeighbourGraph(
            partyIDs: (1...100).map { PartyID($0) }, graph: .sparse(degree: 20, seed: Array(repeating: 1, count: 32)))
        let graphB = try NeighbourGraph(
            partyIDs: (1...100).map { PartyID($0) }, graph: .sparse(degree: 20, seed: Array(repeating: 2, count: 32)))
        for id in graphA.partyIDs {
            let list = graphA.neighbours(of: id)
            #expect(list.count == 20)
            #expect(!list.contains(id))
            for peer in list { #expect(graphA.areNeighbours(peer, id)) }
        }
        #expect(graphA != graphB)
        let again = try NeighbourGraph(
            partyIDs: (1...100).map { PartyID($0) }, graph: .sparse(degree: 20, seed: Array(repeating: 1, count: 32)))
        #expect(graphA == again)
    }

    @Test func recommendedDegreeIsLogarithmic() {
        #expect(SecAggConfiguration.recommendedSparseDegree(partyCount: 100) == 22)
        #expect(SecAggConfiguration.recommendedSparseDegree(partyCount: 500) == 28)
        #expect(SecAggConfiguration.recommendedSparseDegree(partyCount: 10) == 9)
    }
}
