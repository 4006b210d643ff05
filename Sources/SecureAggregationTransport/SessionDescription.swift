internal import Foundation
public import SecureAggregation
internal import SecureRandom

/// The public description of a session that the server and every party read from the same
/// JSON file (`privacy-kernel secagg session` writes it): ids, sizes, threshold, graph and
/// the random session id and graph seed, as hexadecimal strings.
public struct SecAggSessionDescription: Codable, Sendable, Equatable {
    /// 16 bytes, hex.
    public var sessionID: String
    /// Party ids.
    public var partyIDs: [UInt32]
    /// Vector length.
    public var dimension: Int
    /// k of ℤ/2^k.
    public var modulusBits: Int
    /// t.
    public var threshold: Int
    /// "complete" or "sparse".
    public var graph: String
    /// Neighbours per party when sparse.
    public var degree: Int?
    /// 32 bytes, hex, when sparse.
    public var graphSeed: String?
    /// Malicious-server variant: each party's Ed25519 public key (party id as a decimal
    /// string → 32 bytes, hex); absent for the semi-honest variant.
    public var signingPublicKeys: [String: String]?
    /// n_C, the declared corrupt clients per neighbourhood; absent: the default ⌊(m − 1)/3⌋.
    public var corruptClients: Int?

    /// Creates a description.
    public init(
        sessionID: [UInt8], partyIDs: [UInt32], dimension: Int, modulusBits: Int, threshold: Int,
        sparseDegree: Int?, graphSeed: [UInt8]?, signingPublicKeys: [UInt32: [UInt8]]? = nil,
        corruptClients: Int? = nil
    ) {
        self.corruptClients = corruptClients
        self.sessionID = Hexadecimal.encode(sessionID)
        self.partyIDs = partyIDs
        self.dimension = dimension
        self.modulusBits = modulusBits
        self.threshold = threshold
        self.graph = sparseDegree == nil ? "complete" : "sparse"
        self.degree = sparseDegree
        self.graphSeed = graphSeed.map(Hexadecimal.encode)
        if let signingPublicKeys {
            var keys: [String: String] = [:]
            for (party, key) in signingPublicKeys { keys[String(party)] = Hexadecimal.encode(key) }
            self.signingPublicKeys = keys
        }
    }

    /// The validated configuration.
    ///
    /// - Throws: ``SecAggTransportError/invalidSession(reason:)`` or the configuration's
    ///   ``SecureAggregationError`` wrapped in ``SecAggTransportError/protocolFailure(_:)``.
    public func configuration() throws(SecAggTransportError) -> SecAggConfiguration {
        guard let session = Hexadecimal.decode(sessionID) else {
            throw .invalidSession(reason: "sessionID is not hexadecimal")
        }
        let graphValue: SecAggGraph
        switch graph {
        case "complete": graphValue = .complete
        case "sparse":
            guard let degree, let seedHex = graphSeed, let seed = Hexadecimal.decode(seedHex) else {
                throw .invalidSession(reason: "a sparse graph needs degree and a hexadecimal graphSeed")
            }
            graphValue = .sparse(degree: degree, seed: seed)
        default: throw .invalidSession(reason: "graph must be complete or sparse, found \(graph)")
        }
        var signing: [PartyID: [UInt8]]?
        if let signingPublicKeys {
            var keys: [PartyID: [UInt8]] = [:]
            for (party, hexKey) in signingPublicKeys {
                guard let id = PartyID(party), let key = Hexadecimal.decode(hexKey) else {
                    throw .invalidSession(
                        reason: "signingPublicKeys entry \(party) is not a party id with a hexadecimal key")
                }
                keys[id] = key
            }
            signing = keys
        }
        do {
            return try SecAggConfiguration(
                sessionID: session, partyIDs: partyIDs, dimension: dimension,
                modulusBits: modulusBits, threshold: threshold, graph: graphValue,
                signingPublicKeys: signing, corruptClients: corruptClients)
        } catch { throw .protocolFailure(error) }
    }

    /// Reads a description from a JSON file.
    public static func load(path: String) throws(SecAggTransportError) -> SecAggSessionDescription {
        let text = try SecAggInputFile.readText(path: path, role: "session file")
        do {
            return try JSONDecoder().decode(SecAggSessionDescription.self, from: Data(text.utf8))
        } catch {
            throw .invalidSession(
                reason:
                    "\(path) is not a session description written by `secagg session` (invalid JSON or missing fields)")
        }
    }

    /// Writes the description as JSON.
    public func write(path: String) throws(SecAggTransportError) {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .unusableFile(
                role: "session file", path: path,
                problem: "cannot be written (\(SecAggInputFile.describe(error, path: path)))")
        }
    }
}
