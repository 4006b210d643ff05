/// Every way the secure-aggregation protocol (field, Shamir sharing, SecAgg state machines,
/// quantisation, distributed noise) can fail at run time, each naming the parameter, party,
/// round or message at fault.
///
/// Programmer errors that cannot come from input (an out-of-range index computed by the
/// module itself) are `precondition`s; everything a peer, a file or a caller can get wrong is
/// a case here, thrown before any state changes ("nothing half-written": a rejected message
/// leaves the state machine exactly as it was).
public enum SecureAggregationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A configuration or call parameter is out of range: `name` is the parameter, `reason`
    /// what was expected and what was found.
    case invalidParameter(name: String, reason: String)
    /// Bytes that do not decode as a message of the protocol (truncated, wrong magic or
    /// version, a length that does not match, trailing bytes, an out-of-range field).
    case malformedMessage(reason: String)
    /// A message carrying another session's identifier.
    case sessionMismatch
    /// A message names a party that is not in the session's configuration.
    case unknownParty(PartyID)
    /// A message arrived that the receiver does not expect in its current round: `received`
    /// is the message's kind, `state` the receiver's round or phase.
    case unexpectedMessage(received: String, state: String)
    /// A message for a round the receiver has already closed (it arrived after the deadline;
    /// the sender is treated as a dropout of that round).
    case lateMessage(from: PartyID, round: SecAggRound)
    /// A second message from the same party in the same round (a replay or a duplicate).
    case duplicateMessage(from: PartyID, round: SecAggRound)
    /// Fewer parties than the threshold are left: secure aggregation must abort rather than
    /// reveal a sum of too few inputs. `survivors` is how many remain, `threshold` the
    /// minimum, `round` where it happened.
    case tooFewSurvivors(round: SecAggRound, survivors: Int, threshold: Int)
    /// The server asked this party for both the self-mask share and the key share of the
    /// same `party` (which would let it unmask that party's input); the honest party refuses.
    case conflictingShareRequest(party: PartyID)
    /// A signature by `party` did not verify (malicious-server variant).
    case invalidSignature(party: PartyID)
    /// An encrypted share from `from` failed authentication or decryption.
    case decryptionFailed(from: PartyID)
    /// Fewer than `need` shares of `owner`'s secret were available (`have`).
    case insufficientShares(owner: PartyID, have: Int, need: Int)
    /// Shares of `owner`'s secret do not reconstruct a well-formed secret (they were
    /// corrupted or come from different polynomials).
    case inconsistentShares(owner: PartyID)
    /// The server's messages contradict each other or the protocol (a key directory that
    /// omits this party, a survivor list that differs from the one signed, …).
    case protocolViolation(reason: String)

    /// A one-line, human-readable message naming the problem.
    public var description: String {
        switch self {
        case let .invalidParameter(name, reason): return "invalid \(name): \(reason)"
        case let .malformedMessage(reason): return "malformed secure-aggregation message: \(reason)"
        case .sessionMismatch: return "the message belongs to another secure-aggregation session"
        case let .unknownParty(id): return "party \(id) is not part of this session"
        case let .unexpectedMessage(received, state):
            return "unexpected \(received) message while in \(state)"
        case let .lateMessage(from, round):
            return "late message from party \(from): round \(round) is already closed"
        case let .duplicateMessage(from, round):
            return "duplicate (replayed) message from party \(from) in round \(round)"
        case let .tooFewSurvivors(round, survivors, threshold):
            return "only \(survivors) parties left in round \(round), below the threshold \(threshold): aborting"
        case let .conflictingShareRequest(party):
            return "refused: the server asked for both the self-mask share and the key share of party \(party)"
        case let .invalidSignature(party): return "the signature of party \(party) does not verify"
        case let .decryptionFailed(from): return "the encrypted shares from party \(from) failed authentication"
        case let .insufficientShares(owner, have, need):
            return "cannot reconstruct the secret of party \(owner): \(have) shares, \(need) needed"
        case let .inconsistentShares(owner):
            return "the shares of party \(owner) are inconsistent (corrupted or mixed)"
        case let .protocolViolation(reason): return "protocol violation: \(reason)"
        }
    }
}
