/// Namespace of the secure-aggregation module: Shamir sharing and the pairwise-masking protocol
/// (SecAgg, SecAgg+) as sans-I/O state machines. Paillier encryption on GMP is its own module,
/// `Paillier`.
///
/// The masking protocol lives in `Protocol/` (``SecAggParty``, ``SecAggServer``, the typed
/// ``SecAggMessage``s and their binary ``SecAggWire`` encoding), secret sharing in `Shamir/`
/// (``ShamirSecretSharing`` over the prime field ``Mersenne61`` of `Field/`). Nothing in this
/// module performs I/O: the `SecureAggregationTransport` module moves the messages over TCP.
public enum SecureAggregation {}
