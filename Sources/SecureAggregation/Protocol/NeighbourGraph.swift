internal import Crypto
internal import _CryptoExtras
internal import Foundation

/// Each party's neighbours: the parties it agrees pairwise masks with and whose secrets it
/// holds shares of (SecAgg+: Bell et al., CCS 2020; SecAgg: everyone).
///
/// The sparse graph is a Harary graph H(d, n) laid over a uniformly random permutation of the
/// parties: the party at position i is adjacent to positions i ± 1, …, i ± d/2 (mod n). The
/// permutation is a Fisher–Yates shuffle driven by AES-256-CTR keyed with
/// HKDF-SHA256(seed), so every participant derives the same graph from the public seed,
/// and the graph is unpredictable before the seed is fixed.
public struct NeighbourGraph: Sendable, Equatable {
    /// All party ids, sorted.
    public let partyIDs: [PartyID]
    /// Neighbours of `partyIDs[i]`, sorted, the party itself excluded.
    private let lists: [[PartyID]]
    /// id → index into `partyIDs`.
    private let index: [PartyID: Int]

    init(partyIDs: [PartyID], graph: SecAggGraph) throws(SecureAggregationError) {
        let n = partyIDs.count
        self.partyIDs = partyIDs
        var index: [PartyID: Int] = [:]
        index.reserveCapacity(n)
        for (i, id) in partyIDs.enumerated() { index[id] = i }
        self.index = index
        switch graph {
        case .complete:
            lists = partyIDs.map { id in partyIDs.filter { $0 != id } }
        case let .sparse(degree, seed):
            guard degree >= 1 else {
                throw .invalidParameter(name: "degree", reason: "must be at least 1, found \(degree)")
            }
            guard seed.count >= 16 else {
                throw .invalidParameter(
                    name: "seed", reason: "the public graph seed must be at least 16 bytes, found \(seed.count)")
            }
            let half = degree / 2 + degree % 2  // an odd degree is rounded up to the next even one (no overflow at Int.max)
            if half >= n / 2 {  // 2·half ≥ n − 1, without overflow
                lists = partyIDs.map { id in partyIDs.filter { $0 != id } }
            } else {
                let order = Self.permutation(of: partyIDs, seed: seed)
                var position = [PartyID: Int]()
                for (p, id) in order.enumerated() { position[id] = p }
                lists = partyIDs.map { id in
                    let p = position[id]!
                    var result: [PartyID] = []
                    result.reserveCapacity(2 * half)
                    for offset in 1...half {
                        result.append(order[(p + offset) % n])
                        result.append(order[(p - offset + n) % n])
                    }
                    return result.sorted()
                }
            }
        }
    }

    /// Whether `id` is a party of the session.
    public func contains(_ id: PartyID) -> Bool { index[id] != nil }

    /// The sorted neighbours of `id` (the party itself excluded); empty for an unknown id.
    ///
    /// - Complexity: O(1).
    public func neighbours(of id: PartyID) -> [PartyID] {
        guard let i = index[id] else { return [] }
        return lists[i]
    }

    /// Whether `a` and `b` are neighbours (symmetric).
    ///
    /// - Complexity: O(log d).
    public func areNeighbours(_ a: PartyID, _ b: PartyID) -> Bool {
        guard let i = index[a] else { return false }
        let list = lists[i]
        var low = 0, high = list.count
        while low < high {
            let mid = (low + high) / 2
            if list[mid] < b { low = mid + 1 } else { high = mid }
        }
        return low < list.count && list[low] == b
    }

    /// The size of the smallest closed neighbourhood (neighbours + the party itself).
    public var smallestNeighbourhood: Int { (lists.map(\.count).min() ?? 0) + 1 }

    public static func == (lhs: NeighbourGraph, rhs: NeighbourGraph) -> Bool {
        lhs.partyIDs == rhs.partyIDs && lhs.lists == rhs.lists
    }

    /// A uniformly random permutation of `ids` (Fisher–Yates with unbiased bounded draws from
    /// an AES-CTR keystream keyed by the public seed).
    static func permutation(of ids: [PartyID], seed: [UInt8]) -> [PartyID] {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: seed),
            info: Array("PrivacyKernel.SecAgg+.graph.v1".utf8),
            outputByteCount: 32)
        var stream = KeystreamWords(key: key)
        var order = ids
        var i = order.count - 1
        while i > 0 {
            let j = Int(stream.uniform(below: UInt64(i + 1)))
            order.swapAt(i, j)
            i -= 1
        }
        return order
    }
}

/// A deterministic stream of 64-bit words from AES-256-CTR (zero counter start), used for
/// public randomness (the SecAgg+ graph) — never for secrets.
struct KeystreamWords {
    private let key: SymmetricKey
    private var buffer: [UInt64] = []
    private var position = 0
    private var blockCounter: UInt64 = 0

    init(key: SymmetricKey) { self.key = key }

    mutating func next() -> UInt64 {
        if position == buffer.count {
            buffer = [UInt64](repeating: 0, count: 512)
            buffer.withUnsafeMutableBytes { bytes in
                MaskExpander.keystream(key: key, firstBlock: blockCounter, into: bytes)
            }
            blockCounter += UInt64(512 * 8 / 16)
            position = 0
        }
        defer { position += 1 }
        return buffer[position]
    }

    /// Exactly uniform on 0..<bound (Lemire's rejection method).
    mutating func uniform(below bound: UInt64) -> UInt64 {
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return product.high
    }
}
