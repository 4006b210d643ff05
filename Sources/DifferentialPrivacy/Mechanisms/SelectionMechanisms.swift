import Foundation
public import SecureRandom

/// The exponential mechanism realised exactly as **permute-and-flip** (McKenna & Sheldon,
/// NeurIPS 2020, "Permute-and-Flip: A new mechanism for differentially private selection").
///
/// Candidates are visited in a uniformly random order; candidate r is accepted with probability
/// `exp(ε (u(r) − u*) / (2Δ))`, where u* is the best score. The first accepted candidate is the
/// output (the best one is always accepted, so the loop ends). This satisfies pure ε-DP when the
/// scores have sensitivity Δ, and its expected error is never worse than the exponential
/// mechanism's. Report-noisy-max with exponential noise has the same output distribution
/// (Ding et al. 2021), so `reportNoisyMax(scores:epsilon:sensitivity:using:)` uses it too.
///
/// These are the mechanisms themselves; they charge nothing, so they are `package`, not public. Data-dependent selections leave
/// the kernel through ``BudgetStore/select(scores:epsilon:sensitivity:description:)``, which
/// charges the session first.
///
/// Exactness: scores are integers (callers put real scores on a grid), ε is rounded **down** to
/// a rational with 32 significant bits (a smaller ε is a stronger guarantee), and each
/// acceptance is an exact Bernoulli(exp(−γ)) on 128-bit rationals.
public enum ExponentialMechanism {
    /// Selects an index of `scores` with pure ε-DP.
    ///
    /// - Parameters:
    ///   - scores: integer utilities, higher is better; not empty.
    ///   - epsilon: > 0, finite.
    ///   - sensitivity: how much one privacy unit can change any score (> 0).
    ///   - generator: the CSPRNG.
    /// - Returns: the selected index.
    /// - Throws: ``DifferentialPrivacyError`` for an empty candidate list or bad parameters.
    /// - Complexity: O(k) expected draws for k candidates (fewer when scores are spread out).
    package static func permuteAndFlip(
        scores: [Int64], epsilon: Double, sensitivity: Int64, using generator: inout SecureRandomGenerator
    ) throws(DifferentialPrivacyError) -> Int {
        let rational = try validatedEpsilon(scores: scores, epsilon: epsilon, sensitivity: sensitivity)
        let best = scores.max()!
        // Fisher–Yates, drawn lazily: position i takes a uniformly random remaining candidate.
        var order = Array(scores.indices)
        let denominator = 2 * UInt128(rational.denominator) * UInt128(sensitivity)
        for position in order.indices {
            let pick = position + Int(generator.nextUniform(below: UInt64(order.count - position)))
            order.swapAt(position, pick)
            let candidate = order[position]
            // best ≥ score, so the true gap lies in 0 … 2^64 − 1: the wrapping difference read
            // as unsigned is exact even when the scores span the whole Int64 range.
            let gap = UInt128(UInt64(bitPattern: best &- scores[candidate]))
            // γ = ε (u* − u) / (2Δ) = a·gap / (2·b·Δ)
            let (numerator, overflow) = UInt128(rational.numerator).multipliedReportingOverflow(by: gap)
            if overflow { continue }  // acceptance probability below e^-(2^60): never accepted
            if generator.nextBernoulliExpMinus128(numerator: numerator, denominator: denominator) { return candidate }
        }
        // Unreachable: the best candidate has γ = 0 and is always accepted.
        preconditionFailure("permute-and-flip accepted no candidate")
    }

    /// Checks the candidates, ε and the sensitivity; returns ε rounded down to an exact rational.
    static func validatedEpsilon(
        scores: [Int64], epsilon: Double, sensitivity: Int64
    ) throws(DifferentialPrivacyError) -> ExactRational {
        guard !scores.isEmpty else { throw .emptyInput(what: "the exponential mechanism needs at least one candidate") }
        try Validate.epsilon(epsilon)
        guard sensitivity >= 1 else {
            throw .invalidParameter(name: "sensitivity", value: "\(sensitivity)", reason: "must be ≥ 1")
        }
        guard let rational = roundedDown(epsilon) else {
            throw .invalidParameter(name: "epsilon", value: "\(epsilon)", reason: "outside 2^-30 … 2^60")
        }
        return rational
    }

    /// Report-noisy-max: the index of the largest `score + noise`, with the same output
    /// distribution as permute-and-flip (exponential noise, Ding et al. 2021). Pure ε-DP.
    ///
    /// - Complexity: O(k) expected.
    package static func reportNoisyMax(
        scores: [Int64], epsilon: Double, sensitivity: Int64, using generator: inout SecureRandomGenerator
    ) throws(DifferentialPrivacyError) -> Int {
        try permuteAndFlip(scores: scores, epsilon: epsilon, sensitivity: sensitivity, using: &generator)
    }

    /// The largest rational with 32 significant bits that is ≤ `value` (truncation of the
    /// binary mantissa), for `value` in 2^-30 … 2^60.
    static func roundedDown(_ value: Double) -> ExactRational? {
        guard value.isFinite, value >= 0x1p-30, value <= 0x1p60 else { return nil }
        var mantissa = value.significandBitPattern | (1 << 52)
        var exponent = Int(value.exponent) - 52
        mantissa >>= 21
        exponent += 21
        let zeros = mantissa.trailingZeroBitCount
        mantissa >>= UInt64(zeros)
        exponent += zeros
        if exponent >= 0 { return ExactRational(numerator: mantissa << UInt64(exponent), denominator: 1) }
        return ExactRational(numerator: mantissa, denominator: 1 << UInt64(-exponent))
    }
}

/// AboveThreshold, the sparse vector technique (Dwork & Roth 2014, Algorithm 1; Lyu, Su & Li,
/// VLDB 2017, "Understanding the Sparse Vector Technique for Differential Privacy",
/// Algorithm 1 with c = 1): answers "is query i above the threshold?" for a stream of
/// sensitivity-Δ queries and halts at the first "yes". Pure ε-DP for the whole stream,
/// whatever its length, with ε₁ = ε/2 on the threshold and ε₂ = ε/2 on the queries: noise of
/// scale Δ/ε₁ = 2Δ/ε on the threshold and 2Δ/ε₂ = 4Δ/ε on each query.
///
/// Proof sketch (Lyu et al., Theorem 2): fix the answers ⊥…⊥⊤ for neighbouring inputs D, D′.
/// Shifting the threshold noise by Δ costs a factor e^{ε₁} and makes every "below" answer at
/// least as likely on D′ as on D (each query moves by at most Δ); the single "above" answer
/// needs its query noise shifted by at most 2Δ (Δ for the threshold shift, Δ for the query),
/// a factor e^{ε₂}. Together e^{ε₁+ε₂} = e^ε, independently of the number of "below" answers.
/// The argument holds for the discrete Laplace noise used here (its probability ratio for an
/// integer shift k is at most e^{k/t}), and it needs the mechanism to **halt** after the
/// first "above": a copy that kept answering would be the non-private variant Lyu et al.
/// analyse. So this type is `~Copyable`: its noisy threshold cannot be duplicated, and once it
/// has answered "above" every later query is refused.
///
/// Noise is exact discrete Laplace on the queries' integer grid (callers scale real queries).
/// Over private data, obtain one through
/// ``BudgetStore/aboveThreshold(threshold:epsilon:sensitivity:description:using:)``, which
/// charges the session before the threshold noise is drawn.
public struct SparseVector: ~Copyable, Sendable {
    let threshold: Int64
    let noisyThreshold: Int64
    let querySampler: DiscreteLaplaceSampler
    /// Whether a query has been answered "above"; later queries are refused.
    public private(set) var halted = false

    /// Prepares AboveThreshold with a threshold and ε, drawing the threshold's noise now.
    ///
    /// - Parameters:
    ///   - threshold: in the queries' integer units.
    ///   - epsilon: total ε (> 0), split in half between threshold and queries.
    ///   - sensitivity: each query's sensitivity in the same units (≥ 1).
    package init(
        threshold: Int64, epsilon: Double, sensitivity: Int64,
        using generator: inout SecureRandomGenerator
    ) throws(DifferentialPrivacyError) {
        let (thresholdScale, queryScale) = try Self.scales(epsilon: epsilon, sensitivity: sensitivity)
        self.threshold = threshold
        self.noisyThreshold = threshold.addingSaturated(
            DiscreteLaplaceSampler(scale: thresholdScale).sample(using: &generator))
        self.querySampler = DiscreteLaplaceSampler(scale: queryScale)
    }

    /// Checks ε and the sensitivity and returns the noise scales: Δ/(ε/2) = 2Δ/ε on the
    /// threshold and 2Δ/(ε/2) = 4Δ/ε on each query, as exact rationals rounded up.
    static func scales(
        epsilon: Double, sensitivity: Int64
    ) throws(DifferentialPrivacyError) -> (threshold: ExactRational, query: ExactRational) {
        try Validate.epsilon(epsilon)
        guard sensitivity >= 1 else {
            throw .invalidParameter(name: "sensitivity", value: "\(sensitivity)", reason: "must be ≥ 1")
        }
        guard let thresholdScale = ExactRational(roundingUp: 2 * Double(sensitivity) / epsilon),
            let queryScale = ExactRational(roundingUp: 4 * Double(sensitivity) / epsilon),
            queryScale.numerator < 1 << 52
        else {
            throw .invalidParameter(name: "epsilon", value: "\(epsilon)", reason: "noise scale out of range")
        }
        return (thresholdScale, queryScale)
    }

    /// The privacy event of the whole run (pure ε, however many queries are asked).
    public static func event(epsilon: Double) -> PrivacyEvent { .pureEpsilon(epsilon) }

    /// Answers one query: `true` when its noisy value reaches the noisy threshold (then the
    /// mechanism halts).
    ///
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)`` after the
    ///   mechanism has halted: a new run needs new budget.
    public mutating func isAboveThreshold(
        _ query: Int64, using generator: inout SecureRandomGenerator
    ) throws(DifferentialPrivacyError) -> Bool {
        guard !halted else {
            throw .invalidParameter(
                name: "query", value: "next", reason: "AboveThreshold has halted after its first positive answer")
        }
        let above = query.addingSaturated(querySampler.sample(using: &generator)) >= noisyThreshold
        if above { halted = true }
        return above
    }
}

/// k-ary randomised response (Warner 1965; Kairouz et al. 2016): report the true category with
/// probability p = e^ε / (e^ε + k − 1), otherwise one of the other k − 1 uniformly. Pure ε-DP
/// for each respondent (local DP).
///
/// Exactness: p is rounded **down** to a multiple of 2^-62 and the ε actually achieved,
/// `ln(p (k − 1) / (1 − p))`, is reported (≤ the requested ε).
public struct RandomizedResponse: Sendable, Hashable {
    /// The number of categories, ≥ 2.
    public let categories: Int
    /// Numerator of the truth probability over 2^62.
    let truthNumerator: UInt64
    /// The ε this instance achieves (≤ the requested one).
    public let epsilon: Double

    /// Creates k-ary randomised response.
    ///
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)`` for k < 2 or bad ε.
    public init(categories: Int, epsilon: Double) throws(DifferentialPrivacyError) {
        guard categories >= 2 else {
            throw .invalidParameter(name: "categories", value: "\(categories)", reason: "need at least 2")
        }
        try Validate.epsilon(epsilon)
        let k = Double(categories)
        let expEpsilon = exp(min(epsilon, 700))
        let p = expEpsilon / (expEpsilon + k - 1)
        // Round down (less truthful = more private), keeping a margin for exp's rounding.
        var numerator = UInt64(max(0, (p * 0x1p62 * (1 - 0x1p-40)).rounded(.down)))
        numerator = max(numerator, UInt64((0x1p62 / k).rounded(.up)))  // p ≥ 1/k keeps ε ≥ 0
        let achievedP = Double(numerator) / 0x1p62
        self.categories = categories
        self.truthNumerator = numerator
        self.epsilon = log(achievedP * (k - 1) / (1 - achievedP))
    }

    /// The probability of reporting the true category.
    public var truthProbability: Double { Double(truthNumerator) / 0x1p62 }

    /// Randomises one category index in `0..<categories`.
    ///
    /// `package`: randomising records held by the platform is a release, and releases leave
    /// only through the gate; the public surface keeps the estimator (``estimateCounts(_:)``),
    /// which post-processes reports randomised elsewhere.
    package func randomize(_ category: Int, using generator: inout SecureRandomGenerator) -> Int {
        precondition((0..<categories).contains(category), "category out of range")
        if generator.nextUniform(below: 1 << 62) < truthNumerator { return category }
        let other = Int(generator.nextUniform(below: UInt64(categories - 1)))
        return other >= category ? other + 1 : other
    }

    /// Unbiased estimate of the true counts from randomised counts:
    /// `(observed − n(1 − p)/(k − 1)) / (p − (1 − p)/(k − 1))`.
    public func estimateCounts(_ observed: [Int]) -> [Double] {
        let n = Double(observed.reduce(0, +))
        let p = truthProbability, q = (1 - p) / Double(categories - 1)
        return observed.map { (Double($0) - n * q) / (p - q) }
    }
}
