internal import Crypto

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
    /// server derive the same graph without talking. `degree` should be O(log n); see
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
    ///   - threshold: 2 ≤ t ≤ the smallest neighbourhood (neighbours plus the party itself).
    ///   - graph: complete or sparse.
    ///   - signingPublicKeys: for the malicious-server variant, one 32-byte key per party.
    /// - Throws: ``SecureAggregationError/invalidParameter(name:reason:)`` naming the field.
    /// - Complexity: O(n · degree) to build the neighbour lists.
    public init(sessionID: [UInt8], partyIDs: [PartyID], dimension: Int, modulusBits: Int = 32,
                threshold: Int, graph: SecAggGraph = .complete,
                signingPublicKeys: [PartyID: [UInt8]]? = nil) throws(SecureAggregationError) {
        guard sessionID.count == 16 else {
            throw .invalidParameter(name: "sessionID", reason: "must be 16 bytes, found \(sessionID.count)")
        }
        let sorted = partyIDs.sorted()
        guard sorted.count >= 2 else {
            throw .invalidParameter(name: "partyIDs", reason: "secure aggregation needs at least 2 parties, found \(sorted.count)")
        }
        guard sorted.first! != 0 else { throw .invalidParameter(name: "partyIDs", reason: "party id 0 is reserved") }
        for i in 1 ..< sorted.count where sorted[i] == sorted[i - 1] {
            throw .invalidParameter(name: "partyIDs", reason: "party id \(sorted[i]) appears twice")
        }
        guard dimension >= 1, dimension <= 1 << 28 else {
            throw .invalidParameter(name: "dimension", reason: "must be in 1...2^28, found \(dimension)")
        }
        guard (1 ... 32).contains(modulusBits) else {
            throw .invalidParameter(name: "modulusBits", reason: "must be in 1...32, found \(modulusBits)")
        }
        let neighbours = try NeighbourGraph(partyIDs: sorted, graph: graph)
        let smallest = neighbours.smallestNeighbourhood
        guard threshold >= 2, threshold <= smallest else {
            throw .invalidParameter(name: "threshold",
                                    reason: "must be in 2...\(smallest) (the smallest neighbourhood, the party included), found \(threshold)")
        }
        if let keys = signingPublicKeys {
            for id in sorted {
                guard let key = keys[id] else {
                    throw .invalidParameter(name: "signingPublicKeys", reason: "no key for party \(id)")
                }
                guard (try? Curve25519.Signing.PublicKey(rawRepresentation: key)) != nil else {
                    throw .invalidParameter(name: "signingPublicKeys", reason: "the key of party \(id) is not a 32-byte Ed25519 public key")
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
        self.graph = graph
        self.signingPublicKeys = signingPublicKeys
        self.neighbours = neighbours
    }

    /// Whether the malicious-server variant (signatures, consistency check) is on.
    public var isMaliciousServerVariant: Bool { signingPublicKeys != nil }

    /// The mask applied to every element: 2^k − 1.
    public var elementMask: UInt32 { modulusBits == 32 ? .max : (1 << UInt32(modulusBits)) - 1 }

    /// A SecAgg+ degree for `partyCount` parties: the even number ≥ 3·log₂ n, capped at
    /// n − 1 (then the graph is complete).
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

    /// The default threshold: a strict majority of the smallest neighbourhood
    /// (⌊m/2⌋ + 1, m = degree + 1), which tolerates any dropout of fewer than half of a
    /// neighbourhood and needs a majority of colluders to reconstruct any secret.
    public static func defaultThreshold(partyCount: Int, graph: SecAggGraph) -> Int {
        let neighbourhood: Int
        switch graph {
        case .complete: neighbourhood = partyCount
        case let .sparse(degree, _): neighbourhood = min(partyCount, degree + 1)
        }
        return max(2, neighbourhood / 2 + 1)
    }
}
