/// Namespace of the secure-aggregation module: Paillier on GMP, Shamir sharing and the
/// pairwise-masking protocol (SecAgg, SecAgg+) as sans-I/O state machines.
public enum SecureAggregation {}
