import Foundation
import DifferentialPrivacy
import SecureRandom
import Tabular

/// Known-bad variants of the library's mechanisms, kept in test code only, that the auditor
/// must catch (each claims a guarantee it does not have).
enum PlantedVariants {
    static let epsilon = 1.0

    /// Laplace noise with half the scale the claimed ε needs (calibrated for 2ε, claimed ε).
    static func halfNoiseLaplace() throws -> AuditPath {
        let noise = try AdditiveNoise.calibrate(
            mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 2 * epsilon),
            sensitivity: try .init(perPartition: 1, partitions: 1, inputExponent: 0, maximumRefinement: 24))
        return AuditPath(
            name: "planted/laplace-half-scale", claimedEpsilon: epsilon, delta: 0,
            sampleD: { .scalar(noise.release(0, using: &$0)) },
            sampleDPrime: { .scalar(noise.release(1, using: &$0)) })
    }

    /// A grouped mean without partition selection: the keys observed in the data are released
    /// as if they had been declared, while the release claims the (ε, δ) of a selected one.
    static func meanWithoutPartitionSelection() throws -> AuditPath {
        func sampler(_ rows: [AuditPaths.Row]) throws -> @Sendable (inout SecureRandomGenerator) throws -> AuditSample {
            let table = try AuditPaths.table(rows)
            var observed: [String] = []
            for row in rows where !observed.contains(row.key) { observed.append(row.key) }
            let query = DPQuery.mean(of: "val", clampedTo: 0...100).grouped(by: "grp", keys: .declared(observed))
            return try AuditPaths.gateSampler(
                query, table, .laplace, NoiseParameters.pure(epsilon: epsilon), .pure(epsilon: epsilon))
        }
        return AuditPath(
            name: "planted/mean-without-partition-selection", claimedEpsilon: epsilon, delta: AuditPaths.delta,
            sampleD: try sampler(AuditPaths.rows(nil, unit: false)),
            sampleDPrime: try sampler(AuditPaths.rows(.freshKey, unit: false)))
    }

    /// A sparse vector that does not halt: every query is answered against one noisy threshold,
    /// with the library's scales (2Δ/ε on the threshold, 4Δ/ε on each query).
    static func nonHaltingSparseVector() throws -> AuditPath {
        let e = AuditPaths.sparseEpsilon
        let thresholdNoise = DiscreteLaplaceSampler(scale: try require(ExactRational(roundingUp: 2 / e)))
        let queryNoise = DiscreteLaplaceSampler(scale: try require(ExactRational(roundingUp: 4 / e)))
        @Sendable func run(_ queries: [Int64], _ generator: inout SecureRandomGenerator) -> AuditSample {
            let threshold = thresholdNoise.sample(using: &generator)
            return AuditPaths.sparseSample(queries.map { $0 + queryNoise.sample(using: &generator) >= threshold })
        }
        return AuditPath(
            name: "planted/sparse-vector-non-halting", claimedEpsilon: e, delta: 0,
            sampleD: { run(AuditPaths.sparseQueriesD, &$0) },
            sampleDPrime: { run(AuditPaths.sparseQueriesDPrime, &$0) })
    }

    // MARK: Textbook Laplace on doubles (Mironov 2012)

    /// The textbook sampler: u uniform on the 53-bit grid of (0, 1], noise ±b·(−ln u).
    static func textbookNoise(_ k: UInt64, negative: Bool, scale b: Double) -> Double {
        let u = (Double(k) + 1) * 0x1p-53
        let magnitude = b * -log(u)
        return negative ? -magnitude : magnitude
    }

    /// Whether `y` is an output of `f + textbookNoise` for some grid point u and sign: the
    /// floating-point support of the textbook mechanism at true value `f`. Searches the grid
    /// points whose noise lands within a few ulps of y − f; answers `true` (reachable) when
    /// the window would be too wide to search, so "unreachable" is always exact.
    static func isReachable(_ y: Double, from f: Double, scale b: Double) -> Bool {
        let slack = 8 * (max(abs(y), abs(f)).ulp + abs(y - f).ulp)
        for negative in [false, true] {
            let e = max(0, (negative ? f - y : y - f) / b)
            let centre = exp(-e) * 0x1p53 - 1
            let width = slack * (centre + 1) / b + 8
            guard width < 200_000 else { return true }
            let low = UInt64(max(0, (centre - width).rounded(.down)))
            let high = UInt64(min(0x1p53 - 1, (centre + width).rounded(.up)))
            guard low <= high else { continue }
            for k in low...high where f + textbookNoise(k, negative: negative, scale: b) == y { return true }
        }
        return false
    }

    /// Textbook Laplace noise (−b ln u on doubles) claimed as ε-DP for sensitivity 1; the true
    /// values are 0 on D and 1 on D′. The output carries two derived indicators — whether it
    /// is outside the textbook support of f_D and of f_D′ — the event family that finds
    /// support differences (ε = ∞ in the limit).
    static func textbookLaplace() -> AuditPath {
        let b = 1 / epsilon
        @Sendable func run(_ f: Double, _ generator: inout SecureRandomGenerator) -> AuditSample {
            let bits = generator.next()
            let y = f + textbookNoise(bits >> 11, negative: bits & 1 == 1, scale: b)
            return supportSample(y, scale: b)
        }
        return AuditPath(
            name: "planted/laplace-textbook-log-uniform", claimedEpsilon: epsilon, delta: 0,
            sampleD: { run(0, &$0) }, sampleDPrime: { run(1, &$0) })
    }

    /// An output with the textbook-support indicators for true values 0 (D) and 1 (D′).
    static func supportSample(_ y: Double, scale b: Double) -> AuditSample {
        AuditSample([
            ("value", y),
            ("⟨outside textbook support of f_D⟩", isReachable(y, from: 0, scale: b) ? 0 : 1),
            ("⟨outside textbook support of f_D′⟩", isReachable(y, from: 1, scale: b) ? 0 : 1),
        ])
    }

    /// Control: the library's Laplace mechanism under the same support events must pass.
    static func libraryLaplaceWithSupportEvents() throws -> AuditPath {
        let noise = try AdditiveNoise.calibrate(
            mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: epsilon),
            sensitivity: try .init(perPartition: 1, partitions: 1, inputExponent: 0, maximumRefinement: 24))
        return AuditPath(
            name: "mechanism/laplace+textbook-support-events", claimedEpsilon: epsilon, delta: 0,
            sampleD: { supportSample(noise.release(0, using: &$0), scale: 1 / epsilon) },
            sampleDPrime: { supportSample(noise.release(1, using: &$0), scale: 1 / epsilon) })
    }
}
