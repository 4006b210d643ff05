public import PrivacyAccounting
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
/// Only the parties whose inputs reach the sum add noise, and corrupt clients know (and can
/// subtract) their own shares: account with the *smallest* number of **honest** contributors
/// the protocol can accept, t − n_C (SecAgg aborts below t survivors, of which up to n_C may
/// be corrupt; ``SecAggConfiguration/corruptClients``). ``Plan`` does all of this — conditional
/// rounding's Δ₂, n = t − n_C, and a ring that the noisy sum cannot wrap; prefer it to calling
/// ``localSigma(forRho:contributors:l2Sensitivity:l1Sensitivity:dimension:)`` by hand.
public enum DistributedDiscreteGaussian {
    /// τ = 10 · Σ_{k=1}^{n−1} exp(−2π²σ²·k/(k+1)).
    public static func tau(localSigma sigma: Double, contributors n: Int) -> Double {
        var sum = 0.0
        if n >= 2 {
            for k in 1..<n {
                sum += Foundation.exp(-2 * Double.pi * Double.pi * sigma * sigma * Double(k) / Double(k + 1))
            }
        }
        return 10 * sum
    }

    /// The ρ of ρ-zCDP of the sum of `contributors` parties' noise shares (see the type's
    /// overview); sensitivities are in quantisation steps (Δ₁ ≤ √d·Δ₂ if unknown).
    ///
    /// - Complexity: O(n).
    public static func rho(
        localSigma sigma: Double, contributors n: Int, l2Sensitivity: Double,
        l1Sensitivity: Double, dimension d: Int
    ) -> Double {
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
    public static func localSigma(
        forRho targetRho: Double, contributors n: Int, l2Sensitivity: Double,
        l1Sensitivity: Double, dimension d: Int
    ) throws(SecureAggregationError) -> Double {
        guard targetRho > 0, targetRho.isFinite else {
            throw .invalidParameter(name: "rho", reason: "must be positive and finite, found \(targetRho)")
        }
        guard n >= 1 else { throw .invalidParameter(name: "contributors", reason: "must be at least 1, found \(n)") }
        guard l2Sensitivity > 0, l1Sensitivity > 0 else {
            throw .invalidParameter(name: "sensitivity", reason: "Δ₂ and Δ₁ must be positive")
        }
        var low = 0.5, high = 0.5
        while rho(
            localSigma: high, contributors: n, l2Sensitivity: l2Sensitivity, l1Sensitivity: l1Sensitivity, dimension: d)
            > targetRho
        {
            high *= 2
            guard high < 1e12 else { throw .invalidParameter(name: "rho", reason: "\(targetRho) is unreachable") }
        }
        if high == 0.5 { return 0.5 }
        low = high / 2
        for _ in 0..<60 where (high - low) / high > 1e-3 {
            let mid = (low + high) / 2
            if rho(
                localSigma: mid, contributors: n, l2Sensitivity: l2Sensitivity, l1Sensitivity: l1Sensitivity,
                dimension: d) > targetRho
            {
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
    public static func addNoise<Source: NoiseShareSource>(
        to vector: inout [UInt32], modulusBits: Int, from source: inout Source
    ) {
        var noise = [Int64](repeating: 0, count: vector.count)
        noise.withUnsafeMutableBufferPointer { source.fill($0) }
        let mask = modulusBits >= 32 ? UInt32.max : (UInt32(1) << UInt32(modulusBits)) - 1
        for i in vector.indices {
            vector[i] = (vector[i] &+ UInt32(truncatingIfNeeded: noise[i])) & mask
        }
    }
}

extension DistributedDiscreteGaussian {
    /// Everything a distributed-DP secure sum needs, chosen together so that the accounting is
    /// sound: the quantiser (clip c, power-of-two scale s, conditional rounding), the L2/L1
    /// sensitivities of one party's quantised vector, the local σ of every party's noise
    /// share, and the ρ of ρ-zCDP that the released sum satisfies.
    ///
    /// - **Sensitivity.** Δ₂ = ``RingQuantiser/l2Bound(dimension:)`` — the bound conditional
    ///   randomised rounding enforces (not c·s, which unconditional rounding exceeds by up to
    ///   √d), Δ₁ = min(√d·Δ₂, Δ₂²) (an integer vector's L1 norm is at most its squared L2
    ///   norm). Neighbouring inputs add or remove one party's vector.
    /// - **Contributors.** n = t − n_C honest parties (see the type's overview).
    /// - **No wrap.** With N parties, every clipped element is at most c·s + 1 steps and the
    ///   summed noise of at most N shares is sub-Gaussian with variance N·σ², so the scale is
    ///   the largest power of two with N·(c·s + 1) + m·√N·σ ≤ 2^(k−1) − 1, m =
    ///   ``noiseMarginSigmas`` (default 12: the sum leaves the centred range with probability
    ///   ≤ 2·e^(−m²/2) ≈ 10^-31 per element). When no scale fits, the plan is refused.
    public struct Plan: Sendable, Equatable {
        /// The default noise margin, in standard deviations of the summed noise: 12.
        public static let defaultNoiseMarginSigmas = 12.0

        /// Clipping, scale and conditional rounding (its β).
        public let quantiser: RingQuantiser
        /// d: elements per vector.
        public let dimension: Int
        /// N: the most parties whose vectors and noise can be in the sum (the ring is sized
        /// for them).
        public let parties: Int
        /// t − n_C: the honest contributors the ρ is accounted with.
        public let contributors: Int
        /// Δ₂ of one party's quantised vector, integer steps.
        public let l2Sensitivity: Double
        /// Δ₁ of one party's quantised vector, integer steps.
        public let l1Sensitivity: Double
        /// σ of every party's discrete Gaussian noise share, integer steps.
        public let localSigma: Double
        /// The ρ of ρ-zCDP the released sum satisfies (≤ the requested ρ).
        public let rho: Double
        /// The noise margin m, standard deviations of the summed noise.
        public let noiseMarginSigmas: Double

        /// A plan for the session `configuration` (N = its party count, n = t − n_C, k and d
        /// from it).
        ///
        /// - Throws: see ``init(rho:parties:honestContributors:dimension:modulusBits:clippingBound:roundingBias:noiseMarginSigmas:)``.
        public init(
            rho: Double, configuration: SecAggConfiguration, clippingBound: Double,
            roundingBias: Double = RingQuantiser.defaultRoundingBias,
            noiseMarginSigmas: Double = Plan.defaultNoiseMarginSigmas
        ) throws(SecureAggregationError) {
            try self.init(
                rho: rho, parties: configuration.partyIDs.count,
                honestContributors: configuration.threshold - configuration.corruptClients,
                dimension: configuration.dimension, modulusBits: configuration.modulusBits,
                clippingBound: clippingBound, roundingBias: roundingBias, noiseMarginSigmas: noiseMarginSigmas)
        }

        /// A plan from its parts.
        ///
        /// - Parameters:
        ///   - rho: the target ρ of ρ-zCDP, positive.
        ///   - parties: N ≥ 1, the most parties in the sum.
        ///   - honestContributors: n = t − n_C, 1 ≤ n ≤ N.
        ///   - dimension: d ≥ 1.
        ///   - modulusBits: k in 1...32.
        ///   - clippingBound: c > 0, the L2 clip of every party's real vector.
        ///   - roundingBias: β in (0, 1) of the conditional rounding.
        ///   - noiseMarginSigmas: m ≥ 1 (default 12).
        /// - Throws: ``SecureAggregationError/invalidParameter(name:reason:)`` for an
        ///   out-of-range parameter, and (name `modulusBits`) when no scale lets the noisy sum
        ///   of N parties stay inside 2^(k−1) with the margin — the noise could wrap the ring.
        /// - Complexity: O(71 · N · 60) (scales × bisection × τ terms).
        public init(
            rho: Double, parties: Int, honestContributors: Int, dimension: Int, modulusBits: Int,
            clippingBound: Double, roundingBias: Double = RingQuantiser.defaultRoundingBias,
            noiseMarginSigmas: Double = Plan.defaultNoiseMarginSigmas
        ) throws(SecureAggregationError) {
            guard rho.isFinite, rho > 0 else {
                throw .invalidParameter(name: "rho", reason: "must be positive and finite, found \(rho)")
            }
            guard parties >= 1 else {
                throw .invalidParameter(name: "parties", reason: "must be at least 1, found \(parties)")
            }
            guard honestContributors >= 1, honestContributors <= parties else {
                throw .invalidParameter(
                    name: "contributors",
                    reason: "t − n_C honest contributors must be in 1...\(parties), found \(honestContributors)")
            }
            guard dimension >= 1 else {
                throw .invalidParameter(name: "dimension", reason: "must be at least 1, found \(dimension)")
            }
            guard (1...32).contains(modulusBits) else {
                throw .invalidParameter(name: "modulusBits", reason: "must be in 1...32, found \(modulusBits)")
            }
            guard clippingBound.isFinite, clippingBound > 0 else {
                throw .invalidParameter(
                    name: "clippingBound", reason: "must be positive and finite, found \(clippingBound)")
            }
            guard noiseMarginSigmas.isFinite, noiseMarginSigmas >= 1 else {
                throw .invalidParameter(
                    name: "noiseMarginSigmas", reason: "must be at least 1, found \(noiseMarginSigmas)")
            }
            let limit = Double(UInt64(1) << UInt64(modulusBits - 1)) - 1
            let root = Double(dimension).squareRoot()
            var smallestWidth = Double.infinity
            var exponent = 40
            while exponent >= -30 {
                defer { exponent -= 1 }
                let s = Double(sign: .plus, exponent: exponent, significand: 1)
                let signal = Double(parties) * (clippingBound * s + 1)
                guard signal < limit,
                    let quantiser = try? RingQuantiser(
                        modulusBits: modulusBits, scale: s, clippingBound: clippingBound,
                        roundingBias: roundingBias)
                else { continue }
                let l2 = quantiser.l2Bound(dimension: dimension)
                let l1 = min(root * l2, l2 * l2)
                guard
                    let sigma = try? DistributedDiscreteGaussian.localSigma(
                        forRho: rho, contributors: honestContributors,
                        l2Sensitivity: l2, l1Sensitivity: l1, dimension: dimension),
                    sigma * sigma <= 0x1p47
                else { continue }  // the exact sampler takes σ² ≤ 2^48 (rounded up)
                let width = signal + noiseMarginSigmas * Double(parties).squareRoot() * sigma
                smallestWidth = min(smallestWidth, width)
                guard width <= limit else { continue }
                self.quantiser = quantiser
                self.dimension = dimension
                self.parties = parties
                self.contributors = honestContributors
                self.l2Sensitivity = l2
                self.l1Sensitivity = l1
                self.localSigma = sigma
                self.rho = DistributedDiscreteGaussian.rho(
                    localSigma: sigma, contributors: honestContributors,
                    l2Sensitivity: l2, l1Sensitivity: l1, dimension: dimension)
                self.noiseMarginSigmas = noiseMarginSigmas
                return
            }
            let needed = smallestWidth.isFinite ? Int(Foundation.log2(smallestWidth + 1).rounded(.up)) + 1 : 64
            throw .invalidParameter(
                name: "modulusBits",
                reason:
                    "the noisy sum of \(parties) parties can wrap ℤ/2^\(modulusBits): no scale keeps N·(c·s + 1) + \(noiseMarginSigmas)·√N·σ below 2^\(modulusBits - 1) at ρ = \(rho) with \(honestContributors) honest contributors (about \(needed) bits needed)"
            )
        }

        /// One party's contribution: clip, scale, round conditionally on ‖q‖₂ ≤ Δ₂, add a
        /// fresh N_ℤ(0, σ²) share per element, reduce mod 2^k.
        ///
        /// - Throws: ``SecureAggregationError/invalidParameter(name:reason:)`` for a vector of
        ///   the wrong length or with a non-finite element.
        /// - Complexity: O(d) plus the exact sampler's O(1) expected draws per element.
        @available(macOS 15.0, *)
        public func encode(
            _ values: [Double], using generator: inout SecureRandomGenerator
        ) throws(SecureAggregationError) -> [UInt32] {
            guard values.count == dimension else {
                throw .invalidParameter(
                    name: "values",
                    reason: "must have \(dimension) elements (the plan's dimension), found \(values.count)")
            }
            var vector = try quantiser.encode(values, using: &generator)
            try addNoise(to: &vector, using: &generator)
            return vector
        }

        /// Adds one fresh N_ℤ(0, σ²) share per element to an already quantised vector, mod 2^k
        /// (the second half of ``encode(_:using:)``).
        ///
        /// - Throws: ``SecureAggregationError/invalidParameter(name:reason:)`` for a vector of
        ///   the wrong length.
        /// - Complexity: O(d) expected.
        @available(macOS 15.0, *)
        public func addNoise(
            to vector: inout [UInt32], using generator: inout SecureRandomGenerator
        ) throws(SecureAggregationError) {
            guard vector.count == dimension else {
                throw .invalidParameter(
                    name: "vector",
                    reason: "must have \(dimension) elements (the plan's dimension), found \(vector.count)")
            }
            guard let sampler = DiscreteGaussianSampler(sigma: localSigma) else {
                preconditionFailure("the plan checked σ = \(localSigma) against the sampler's range")
            }
            var noise = [Int64](repeating: 0, count: dimension)
            noise.withUnsafeMutableBufferPointer { sampler.fill($0, using: &generator) }
            let mask = quantiser.modulusBits >= 32 ? UInt32.max : (UInt32(1) << UInt32(quantiser.modulusBits)) - 1
            for i in vector.indices { vector[i] = (vector[i] &+ UInt32(truncatingIfNeeded: noise[i])) & mask }
        }

        /// The real-valued sum: the ring sum lifted to the centred range, divided by s.
        /// Package-internal: a noisy sum leaves through ``release(_:through:description:)``,
        /// which charges its ρ first.
        package func decode(_ sum: [UInt32]) -> [Double] { quantiser.decode(sum) }

        /// The privacy event of one release of a sum under this plan: ρ-zCDP with the plan's ρ
        /// (both the stated guarantee and the noise's event).
        public var privacyEvent: PrivacyEvent { .zCDP(rho: rho) }

        /// **The release door of a distributed-noise secure sum.** Charges `budget` for this
        /// plan's ρ-zCDP (one atomic step: compose, check, record — durably for a ledger),
        /// and only then decodes the ring sum to real values; the store records the outcome
        /// before the release is returned. Call it with the aggregate the SecAgg server
        /// unmasked (`SecAggServer`'s total of a session whose parties encoded with this plan)
        /// and publish nothing else of that session.
        ///
        /// - Parameters:
        ///   - aggregate: the unmasked ring sum, ``dimension`` elements mod 2^k.
        ///   - budget: the store that pays: a `PrivacySession` in memory or an authorisation's
        ///     budget in the ledger (`SQLiteLedger.budget(operator:scenario:dataset:columns:purpose:)`).
        ///     A pure-ε budget refuses (zCDP needs δ > 0 or a ρ budget).
        ///   - description: what is released, for the record.
        /// - Returns: the decoded sum with the guarantee it was charged for.
        /// - Throws: `Store.Refusal`: a wrong-length aggregate (nothing charged), or the
        ///   store's refusal (budget exhausted, authorisation not covering it).
        /// - Complexity: O(d) after the charge.
        public func release<Store: BudgetStore>(
            _ aggregate: [UInt32], through budget: Store, description: String
        ) throws(Store.Refusal) -> DistributedSumRelease {
            guard aggregate.count == dimension else {
                throw Store.refusal(
                    .invalidParameter(
                        name: "aggregate", value: "\(aggregate.count) elements",
                        reason: "must have \(dimension) elements (the plan's dimension)"))
            }
            let request: ChargeRequest
            do {
                request = try ChargeRequest(stated: privacyEvent, mechanism: privacyEvent, description: description)
            } catch { throw Store.refusal(error) }
            return try budget.recordedRelease(request, noiseScale: { $0.noiseScale }) { () -> DistributedSumRelease in
                DistributedSumRelease(
                    values: decode(aggregate), rho: rho, localSigma: localSigma / quantiser.scale,
                    contributorsAccounted: contributors)
            }.release
        }
    }
}

/// A distributed-noise secure sum as it leaves: the decoded real-valued sum and the guarantee
/// it was charged for. Built only by
/// ``DistributedDiscreteGaussian/Plan/release(_:through:description:)``.
public struct DistributedSumRelease: Sendable, Hashable, Codable {
    /// The noisy sum, one real value per element (the clipped inputs' sum plus the parties'
    /// noise), in the inputs' units.
    public let values: [Double]
    /// The ρ of ρ-zCDP charged for it.
    public let rho: Double
    /// σ of each party's noise share, in the inputs' units (σ in steps divided by the scale).
    public let localSigma: Double
    /// The honest contributors (t − n_C) the ρ was accounted with.
    public let contributorsAccounted: Int

    /// The standard deviation the sum's noise has at least (the accounted contributors'
    /// shares), in the inputs' units: √(t − n_C) · σ.
    public var noiseScale: Double { Double(contributorsAccounted).squareRoot() * localSigma }

    package init(values: [Double], rho: Double, localSigma: Double, contributorsAccounted: Int) {
        self.values = values
        self.rho = rho
        self.localSigma = localSigma
        self.contributorsAccounted = contributorsAccounted
    }
}
