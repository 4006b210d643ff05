public import SecureRandom
internal import Foundation

/// A source of integer noise shares for distributed differential privacy: every party adds
/// one independent draw per element to its quantised input before masking, so the server's
/// sum carries the sum of n draws and no party (nor the server) sees any other noise.
///
/// The seam lets tests and alternative mechanisms plug in; the production source is
/// ``DiscreteGaussianNoiseShares`` over `SecureRandom`'s exact sampler.
public protocol NoiseShareSource {
    /// Overwrites `buffer` with independent noise draws (integers, in quantisation steps).
    mutating func fill(_ buffer: UnsafeMutableBufferPointer<Int64>)
}

/// Discrete Gaussian noise shares N_ℤ(0, σ²) from `SecureRandom`'s exact sampler
/// (Canonne, Kamath & Steinke 2020), drawn from a ``SecureRandomGenerator``.
@available(macOS 15.0, *)
public struct DiscreteGaussianNoiseShares: NoiseShareSource {
    /// The exact sampler (σ² rounded up to a 32-bit rational, never less noise).
    public let sampler: DiscreteGaussianSampler
    private var generator: SecureRandomGenerator

    /// A source with local standard deviation `sigma` (quantisation steps).
    ///
    /// - Throws: ``SecureAggregationError/invalidParameter(name:reason:)`` unless
    ///   2^-10 ≤ σ ≤ 2^24.
    public init(sigma: Double, generator: SecureRandomGenerator) throws(SecureAggregationError) {
        guard let sampler = DiscreteGaussianSampler(sigma: sigma) else {
            throw .invalidParameter(name: "sigma", reason: "must be finite with σ² in 2^-20...2^48, found \(sigma)")
        }
        self.sampler = sampler
        self.generator = generator
    }

    /// Fills `buffer` with exact discrete Gaussian draws.
    public mutating func fill(_ buffer: UnsafeMutableBufferPointer<Int64>) {
        sampler.fill(buffer, using: &generator)
    }
}

/// The distributed discrete Gaussian mechanism (DDGauss) of Kairouz, Liu & Steinke, "The
/// Distributed Discrete Gaussian Mechanism for Federated Learning with Secure Aggregation"
/// (ICML 2021, arXiv:2102.06387): each of n parties adds N_ℤ(0, σ²)^d to its quantised
/// vector; the sum of n discrete Gaussians is *not* a discrete Gaussian, and their
/// Proposition 14 bounds how far it is from one.
///
/// ## The guarantee (what ``rho(localSigma:contributors:l2Sensitivity:l1Sensitivity:dimension:)`` computes)
/// With σ ≥ 1/2, n parties, τ = 10 · Σ_{k=1}^{n−1} exp(−2π²σ² · k/(k+1)), and the
/// sensitivities Δ₂, Δ₁ of the quantised sum (in integer steps), the released sum satisfies
/// Rényi DP of every order α with ε(α) ≤ α/2 · min{ Δ₂²/(nσ²) + 2τΔ₁/(√n σ) + τ²d,
/// (Δ₂/(√n σ) + τ√d)² }; both terms are linear in α, hence ρ-zCDP with
/// ρ = ½ · min{ Δ₂²/(nσ²) + 2τΔ₁/(√n σ) + τ²d, (Δ₂/(√n σ) + τ√d)² }.
/// (The third bound of Proposition 14, α/2·Δ₂²/(nσ²) + τd, is not of the pure zCDP form and is
/// not used.) As σ grows τ vanishes and ρ → Δ₂²/(2nσ²), the central Gaussian's value.
///
/// ## Who counts in n
/// Only the parties whose inputs reach the sum add noise, so account with the *smallest*
/// number of contributors the protocol can accept: the threshold t (SecAgg aborts below it).
/// ``localSigma(forRho:contributors:l2Sensitivity:l1Sensitivity:dimension:)`` does so when
/// passed t. The noise must also fit the ring: see ``RingQuantiser/fitting(parties:clippingBound:modulusBits:noiseMargin:)``.
public enum DistributedDiscreteGaussian {
    /// τ = 10 · Σ_{k=1}^{n−1} exp(−2π²σ²·k/(k+1)).
    public static func tau(localSigma sigma: Double, contributors n: Int) -> Double {
        var sum = 0.0
        if n >= 2 {
            for k in 1 ..< n { sum += Foundation.exp(-2 * Double.pi * Double.pi * sigma * sigma * Double(k) / Double(k + 1)) }
        }
        return 10 * sum
    }

    /// The ρ of ρ-zCDP of the sum of `contributors` parties' noise shares (see the type's
    /// overview); sensitivities are in quantisation steps (Δ₁ ≤ √d·Δ₂ if unknown).
    ///
    /// - Complexity: O(n).
    public static func rho(localSigma sigma: Double, contributors n: Int, l2Sensitivity: Double,
                           l1Sensitivity: Double, dimension d: Int) -> Double {
        let tau = tau(localSigma: sigma, contributors: n)
        let scale = Double(n).squareRoot() * sigma
        let l2 = l2Sensitivity / scale, l1 = l1Sensitivity / scale
        let first = l2 * l2 + 2 * tau * l1 + tau * tau * Double(d)
        let second = (l2 + Double(d).squareRoot() * tau) * (l2 + Double(d).squareRoot() * tau)
        return 0.5 * min(first, second)
    }

    /// The smallest local σ (to 0.1%) whose sum over `contributors` parties satisfies ρ-zCDP.
    ///
    /// - Throws: ``SecureAggregationError/invalidParameter(name:reason:)`` for non-positive
    ///   inputs.
    /// - Complexity: O(n · 60) (bisection).
    public static func localSigma(forRho targetRho: Double, contributors n: Int, l2Sensitivity: Double,
                                  l1Sensitivity: Double, dimension d: Int) throws(SecureAggregationError) -> Double {
        guard targetRho > 0, targetRho.isFinite else { throw .invalidParameter(name: "rho", reason: "must be positive and finite, found \(targetRho)") }
        guard n >= 1 else { throw .invalidParameter(name: "contributors", reason: "must be at least 1, found \(n)") }
        guard l2Sensitivity > 0, l1Sensitivity > 0 else {
            throw .invalidParameter(name: "sensitivity", reason: "Δ₂ and Δ₁ must be positive")
        }
        var low = 0.5, high = 0.5
        while rho(localSigma: high, contributors: n, l2Sensitivity: l2Sensitivity, l1Sensitivity: l1Sensitivity, dimension: d) > targetRho {
            high *= 2
            guard high < 1e12 else { throw .invalidParameter(name: "rho", reason: "\(targetRho) is unreachable") }
        }
        if high == 0.5 { return 0.5 }
        low = high / 2
        for _ in 0 ..< 60 where (high - low) / high > 1e-3 {
            let mid = (low + high) / 2
            if rho(localSigma: mid, contributors: n, l2Sensitivity: l2Sensitivity, l1Sensitivity: l1Sensitivity, dimension: d) > targetRho {
                low = mid
            } else {
                high = mid
            }
        }
        return high
    }

    /// Adds one noise draw per element to a quantised vector, mod 2^k.
    ///
    /// - Complexity: O(n).
    public static func addNoise<Source: NoiseShareSource>(to vector: inout [UInt32], modulusBits: Int, from source: inout Source) {
        var noise = [Int64](repeating: 0, count: vector.count)
        noise.withUnsafeMutableBufferPointer { source.fill($0) }
        let mask = modulusBits >= 32 ? UInt32.max : (UInt32(1) << UInt32(modulusBits)) - 1
        for i in vector.indices {
            vector[i] = (vector[i] &+ UInt32(truncatingIfNeeded: noise[i])) & mask
        }
    }
}
