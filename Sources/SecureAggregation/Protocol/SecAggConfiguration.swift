internal import Crypto
internal import Foundation

/// A party's identifier in a secure-aggregation session: a nonzero 32-bit integer, also the
/// party's Shamir evaluation point.
public typealias PartyID = UInt32

/// The five rounds of the protocol of Bonawitz et al., "Practical Secure Aggregation for
/// Privacy-Preserving Machine Learning" (CCS 2017), numbered as on the wire.
public enum SecAggRound: UInt8, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Round 0: parties advertise two X25519 public keys (share encryption, mask agreement).
    case advertiseKeys = 0
    /// Round 1: parties send encrypted Shamir shares of their self-mask seed and mask key.
    case shareKeys = 1
    /// Round 2: parties send their masked input vectors.
    case maskedInputCollection = 2
    /// Round 3 (malicious-server variant only): parties sign the list of surviving parties.
    case consistencyCheck = 3
    /// Round 4: parties reveal the shares that let the server remove the masks.
    case unmasking = 4

    /// Rounds order by number.
    public static func < (lhs: SecAggRound, rhs: SecAggRound) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The round's name as in the paper.
    public var description: String {
        switch self {
        case .advertiseKeys: return "AdvertiseKeys"
        case .shareKeys: return "ShareKeys"
        case .maskedInputCollection: return "MaskedInputCollection"
        case .consistencyCheck: return "ConsistencyCheck"
        case .unmasking: return "Unmasking"
        }
    }
}

/// Which pairs of parties agree on pairwise masks and hold each other's shares.
public enum SecAggGraph: Sendable, Equatable {
    /// Every party with every other: SecAgg (Bonawitz et al. 2017). O(n) work per party,
    /// O(n²) for the server's dropout recovery.
    case complete
    /// SecAgg+ (Bell et al., "Secure Single-Server Aggregation with (Poly)Logarithmic
    /// Overhead", CCS 2020): a random `degree`-regular graph (a Harary graph on a random
    /// permutation of the parties) drawn from the public `seed`, so every party and the
    /// server derive the same graph without talking. `degree` must be at least
    /// ``SecAggConfiguration/minimumSparseDegree(partyCount:)`` (the even number ≥ 3·log₂ n;
    /// an odd degree is rounded up to the next even one); see
    /// ``SecAggConfiguration/recommendedSparseDegree(partyCount:)``.
    case sparse(degree: Int, seed: [UInt8])
}

/// Everything the parties and the server agree on before a session starts.
///
/// The configuration is public: it contains no secret. Its ``sessionID`` binds every message
/// and every derived key to this session, so messages and keys of one session are useless in
/// another.
public struct SecAggConfiguration: Sendable, Equatable {
    /// 16 bytes identifying the session (random per session).
    public let sessionID: [UInt8]
    /// The parties that may take part, sorted ascending, distinct and nonzero.
    public let partyIDs: [PartyID]
    /// The length of every input vector (elements).
    public let dimension: Int
    /// k: inputs, masks and the sum live in ℤ/2^k, 1 ≤ k ≤ 32 (elements are `UInt32`).
    public let modulusBits: Int
    /// t: the number of shares needed to reconstruct a secret, and the minimum number of
    /// parties that must survive each round (within each party's neighbourhood for SecAgg+).
    public let threshold: Int
    /// n_C: the number of corrupt (colluding) clients the session must tolerate within any one
    /// neighbourhood (the whole session for the complete graph; for SecAgg+ the per-
    /// neighbourhood bound of Bell et al., CCS 2020). Always n_C < t; in the malicious-server
    /// variant also 2t > m + n_C (Bonawitz et al., CCS 2017, §6), m the neighbourhood size.
    /// Distributed DP accounts with t − n_C honest contributors. Default ⌊(m − 1)/3⌋.
    public let corruptClients: Int
    /// The communication graph (complete for SecAgg, sparse for SecAgg+).
    public let graph: SecAggGraph
    /// Ed25519 public keys (raw 32 bytes) per party for the malicious-server variant (a PKI
    /// known to all); `nil` runs the semi-honest variant without signatures and without the
    /// consistency-check round.
    public let signingPublicKeys: [PartyID: [UInt8]]?

    /// The neighbour lists this configuration implies (derived once).
    public let neighbours: NeighbourGraph

    /// Validates and freezes a configuration.
    ///
    /// - Parameters:
    ///   - sessionID: exactly 16 bytes.
    ///   - partyIDs: at least 2 distinct nonzero ids (any order; stored sorted).
    ///   - dimension: at least 1 element.
    ///   - modulusBits: 1...32.
    ///   - threshold: t with max(2, n_C + 1) ≤ t ≤ m, m the smallest neighbourhood (neighbours
    ///     plus the party itself); in the malicious-server variant also 2t > m + n_C.
    ///   - graph: complete (at most ``maximumCompleteGraphParties`` parties) or sparse (degree
    ///     at least ``minimumSparseDegree(partyCount:)``).
    ///   - signingPublicKeys: for the malicious-server variant, one 32-byte key per party.
    ///   - corruptClients: n_C, the declared number of corrupt clients per neighbourhood,
    ///     0 ≤ n_C < m; `nil` takes ``defaultCorruptClients(neighbourhood:)`` = ⌊(m − 1)/3⌋.
    /// - Throws: ``SecureAggregationError/invalidParameter(name:reason:)`` naming the field and
    ///   the rule it breaks. All sizes are checked before the neighbour lists are built.
    /// - Complexity: O(n · degree) to build the neighbour lists.
    public init(
        sessionID: [UInt8], partyIDs: [PartyID], dimension: Int, modulusBits: Int = 32,
        threshold: Int, graph: SecAggGraph = .complete,
        signingPublicKeys: [PartyID: [UInt8]]? = nil,
        corruptClients: Int? = nil
    ) throws(SecureAggregationError) {
        guard sessionID.count == 16 else {
            throw .invalidParameter(name: "sessionID", reason: "must be 16 bytes, found \(sessionID.count)")
        }
        let sorted = partyIDs.sorted()
        guard sorted.count >= 2 else {
            throw .invalidParameter(
                name: "partyIDs", reason: "secure aggregation needs at least 2 parties, found \(sorted.count)")
        }
        guard sorted.first! != 0 else { throw .invalidParameter(name: "partyIDs", reason: "party id 0 is reserved") }
        for i in 1..<sorted.count where sorted[i] == sorted[i - 1] {
            throw .invalidParameter(name: "partyIDs", reason: "party id \(sorted[i]) appears twice")
        }
        guard dimension >= 1, dimension <= 1 << 28 else {
            throw .invalidParameter(name: "dimension", reason: "must be in 1...2^28, found \(dimension)")
        }
        guard (1...32).contains(modulusBits) else {
            throw .invalidParameter(name: "modulusBits", reason: "must be in 1...32, found \(modulusBits)")
        }
        guard sorted.count <= Self.maximumParties else {
            throw .invalidParameter(
                name: "partyIDs", reason: "at most \(Self.maximumParties) parties per session, found \(sorted.count)")
        }
        switch graph {
        case .complete:
            guard sorted.count <= Self.maximumCompleteGraphParties else {
                throw .invalidParameter(
                    name: "graph",
                    reason:
                        "the complete graph (SecAgg) takes at most \(Self.maximumCompleteGraphParties) parties (O(n²) key agreements and neighbour lists), found \(sorted.count); use the sparse graph (SecAgg+)"
                )
            }
        case let .sparse(degree, _):
            let minimum = Self.minimumSparseDegree(partyCount: sorted.count)
            guard degree >= minimum else {
                throw .invalidParameter(
                    name: "degree",
                    reason:
                        "a SecAgg+ graph of \(sorted.count) parties needs an even degree ≥ 3·log₂ n = \(minimum) (capped at n − 1), found \(degree): smaller neighbourhoods let dropouts and colluders isolate a party (Bell et al., CCS 2020)"
                )
            }
            guard Self.neighbourhoodSize(partyCount: sorted.count, graph: graph) <= Self.maximumCompleteGraphParties
            else {
                throw .invalidParameter(
                    name: "degree",
                    reason:
                        "neighbourhoods above \(Self.maximumCompleteGraphParties) parties are refused (O(n·d) key agreements), found degree \(degree)"
                )
            }
        }
        let neighbours = try NeighbourGraph(partyIDs: sorted, graph: graph)
        let smallest = neighbours.smallestNeighbourhood
        let corrupt = corruptClients ?? Self.defaultCorruptClients(neighbourhood: smallest)
        guard corrupt >= 0, corrupt < smallest else {
            throw .invalidParameter(
                name: "corruptClients",
                reason: "must be in 0...\(smallest - 1) (fewer than the neighbourhood of \(smallest)), found \(corrupt)"
            )
        }
        guard threshold >= 2, threshold <= smallest else {
            throw .invalidParameter(
                name: "threshold",
                reason:
                    "must be in 2...\(smallest) (the smallest neighbourhood, the party included), found \(threshold)")
        }
        guard threshold > corrupt else {
            throw .invalidParameter(
                name: "threshold",
                reason:
                    "must exceed the \(corrupt) declared corrupt clients (t > n_C), or the colluders alone hold t shares of every secret; found \(threshold)"
            )
        }
        if signingPublicKeys != nil {
            guard 2 * threshold > smallest + corrupt else {
                throw .invalidParameter(
                    name: "threshold",
                    reason:
                        "the malicious-server variant needs 2t > m + n_C (Bonawitz et al., CCS 2017): with neighbourhood m = \(smallest) and n_C = \(corrupt) corrupt clients, t ≥ \((smallest + corrupt) / 2 + 1); found \(threshold). A smaller t lets a server that shows different survivor lists to two halves of the honest parties obtain both the self-mask seed and the mask key of one party"
                )
            }
        }
        if let keys = signingPublicKeys {
            for id in sorted {
                guard let key = keys[id] else {
                    throw .invalidParameter(name: "signingPublicKeys", reason: "no key for party \(id)")
                }
                guard (try? Curve25519.Signing.PublicKey(rawRepresentation: key)) != nil else {
                    throw .invalidParameter(
                        name: "signingPublicKeys", reason: "the key of party \(id) is not a 32-byte Ed25519 public key")
                }
            }
            guard keys.count == sorted.count else {
                throw .invalidParameter(name: "signingPublicKeys", reason: "has keys for parties outside partyIDs")
            }
        }
        self.sessionID = sessionID
        self.partyIDs = sorted
        self.dimension = dimension
        self.modulusBits = modulusBits
        self.threshold = threshold
        self.corruptClients = corrupt
        self.graph = graph
        self.signingPublicKeys = signingPublicKeys
        self.neighbours = neighbours
    }

    /// Whether the malicious-server variant (signatures, consistency check) is on.
    public var isMaliciousServerVariant: Bool { signingPublicKeys != nil }

    /// The mask applied to every element: 2^k − 1.
    public var elementMask: UInt32 { modulusBits == 32 ? .max : (1 << UInt32(modulusBits)) - 1 }

    /// The most parties one session accepts (sparse graph): 1,000,000.
    public static let maximumParties = 1_000_000
    /// The most parties a complete-graph session accepts: 5,000 (its neighbour lists hold n²
    /// ids and its parties run n² key agreements).
    public static let maximumCompleteGraphParties = 5_000

    /// The smallest SecAgg+ degree accepted for `partyCount` parties: the smallest even
    /// integer ≥ 3·log₂ n, capped at n − 1 (then the graph is complete).
    ///
    /// - Complexity: O(1).
    public static func minimumSparseDegree(partyCount: Int) -> Int {
        guard partyCount > 2 else { return max(1, partyCount - 1) }
        var degree = Int((3 * Foundation.log2(Double(partyCount))).rounded(.up))
        if degree % 2 == 1 { degree += 1 }
        return min(degree, partyCount - 1)
    }

    /// The default number of corrupt clients for a neighbourhood of `neighbourhood` parties
    /// (the party included): ⌊(m − 1)/3⌋, a third of the others.
    public static func defaultCorruptClients(neighbourhood m: Int) -> Int { max(0, (m - 1) / 3) }

    /// The neighbourhood size m (the party included) that `graph` gives `partyCount` parties.
    public static func neighbourhoodSize(partyCount: Int, graph: SecAggGraph) -> Int {
        switch graph {
        case .complete: return partyCount
        case let .sparse(degree, _):
            guard degree < partyCount - 1 else { return partyCount }
            let even = degree % 2 == 1 ? degree + 1 : degree
            return min(partyCount, even + 1)
        }
    }

    /// A SecAgg+ degree for `partyCount` parties: 3·⌈log₂ n⌉ rounded up to even, capped at
    /// n − 1 (then the graph is complete); never below ``minimumSparseDegree(partyCount:)``.
    ///
    /// With a neighbourhood of d + 1 ≈ 3 log₂ n parties and the default threshold (a strict
    /// majority of it), a neighbourhood fails only if more than half of it drops out; Bell
    /// et al. (CCS 2020, §4) size the degree as Θ(log n) for the same reason.
    public static func recommendedSparseDegree(partyCount: Int) -> Int {
        guard partyCount > 2 else { return max(1, partyCount - 1) }
        var log2n = 0
        while (1 << log2n) < partyCount { log2n += 1 }
        var degree = 3 * log2n
        if degree % 2 == 1 { degree += 1 }
        return min(degree, partyCount - 1)
    }

    /// The default threshold for m = the neighbourhood size and n_C = `corruptClients`
    /// (default ⌊(m − 1)/3⌋): semi-honest, max(⌊m/2⌋ + 1, n_C + 1) — a strict majority of the
    /// neighbourhood, which tolerates any dropout of fewer than half of it; malicious server,
    /// ⌊(m + n_C)/2⌋ + 1, the smallest t with 2t > m + n_C. Both are at least 2 and at most m
    /// (a configuration may still refuse it when m is too small for n_C).
    public static func defaultThreshold(
        partyCount: Int, graph: SecAggGraph, maliciousServer: Bool = false,
        corruptClients: Int? = nil
    ) -> Int {
        let neighbourhood = neighbourhoodSize(partyCount: partyCount, graph: graph)
        let corrupt = corruptClients ?? defaultCorruptClients(neighbourhood: neighbourhood)
        let t = maliciousServer ? (neighbourhood + corrupt) / 2 + 1 : max(neighbourhood / 2 + 1, corrupt + 1)
        return max(2, min(t, neighbourhood))
    }
}
