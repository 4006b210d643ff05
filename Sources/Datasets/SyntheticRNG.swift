#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SplitMix64 (Steele, Lea & Flood 2014): a fast, seedable, **non-cryptographic** generator.
///
/// For synthetic data only. It is predictable from its output and must never be used for
/// privacy-relevant noise, keys or anything a party could exploit; that is the job of the
/// `SecureRandom` module. Floating-point samplers here are plain textbook ones (Box–Muller,
/// Knuth's Poisson), which is fine for generating plausible microdata and nothing else.
struct SyntheticRNG {
    /// The generator state; every output advances it by the golden-ratio increment.
    var state: UInt64

    /// A generator started at `seed`.
    init(seed: UInt64) { state = seed }

    /// A generator for an independent stream identified by a list of keys (seed, domain,
    /// row index, …): the keys are hashed together with ``mix(_:_:)``.
    init(keys: UInt64...) {
        var h: UInt64 = 0x243F_6A88_85A3_08D3
        for key in keys { h = SyntheticRNG.mix(h, key) }
        state = h
    }

    /// The SplitMix64 finaliser of `a` combined with `b`: a good 64-bit hash of the pair.
    @inline(__always) static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var z = a &+ 0x9E37_79B9_7F4A_7C15 &* (b &+ 1)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    @inline(__always) mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1) with 53 random bits.
    @inline(__always) mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A uniform double in (0, 1): never 0, so its logarithm is finite.
    @inline(__always) mutating func uniformOpen() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }

    /// A uniform integer in 0..<n (n ≥ 1), by Lemire's multiply-shift (bias below 2⁻³²·n, negligible here).
    @inline(__always) mutating func int(below n: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// A uniform integer in `range`.
    @inline(__always) mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + int(below: range.upperBound - range.lowerBound + 1)
    }

    /// `true` with probability `p`.
    @inline(__always) mutating func bernoulli(_ p: Double) -> Bool { uniform() < p }

    /// A standard normal deviate (Box–Muller, one of the pair).
    mutating func normal() -> Double {
        let u1 = uniformOpen(), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A normal deviate with mean `mean` and standard deviation `sd`.
    mutating func normal(mean: Double, sd: Double) -> Double { mean + sd * normal() }

    /// A log-normal deviate: `exp(N(mu, sigma²))`; its median is `exp(mu)`.
    mutating func logNormal(mu: Double, sigma: Double) -> Double { exp(mu + sigma * normal()) }

    /// An exponential deviate with the given mean.
    mutating func exponential(mean: Double) -> Double { -mean * log(uniformOpen()) }

    /// A Poisson deviate: Knuth's product method for λ < 30, a rounded normal approximation above.
    mutating func poisson(_ lambda: Double) -> Int {
        if lambda <= 0 { return 0 }
        if lambda >= 30 { return max(0, Int((lambda + lambda.squareRoot() * normal()).rounded())) }
        let limit = exp(-lambda)
        var product = uniform()
        var k = 0
        while product > limit {
            product *= uniform()
            k += 1
        }
        return k
    }

    /// The logistic function 1 / (1 + e^(−x)).
    static func logistic(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
}

/// A categorical distribution over 0..<weights.count, sampled by binary search on the
/// cumulative weights. O(log k) per draw, no allocation.
struct WeightedChoice: Sendable {
    /// Cumulative weights normalised so the last is 1.
    let cumulative: [Double]

    /// A distribution proportional to `weights` (non-negative, not all zero).
    init(_ weights: [Double]) {
        precondition(!weights.isEmpty && weights.allSatisfy { $0 >= 0 })
        var running = 0.0
        var c: [Double] = []
        c.reserveCapacity(weights.count)
        for w in weights {
            running += w
            c.append(running)
        }
        precondition(running > 0, "weights must not all be zero")
        cumulative = c.map { $0 / running }
    }

    /// The number of outcomes.
    var count: Int { cumulative.count }

    /// One draw.
    @inline(__always) func sample(_ rng: inout SyntheticRNG) -> Int { index(for: rng.uniform()) }

    /// The outcome for a uniform number `u` in [0, 1).
    @inline(__always) func index(for u: Double) -> Int {
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) >> 1
            if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}

/// Fast text for pseudonymous identifiers.
enum SyntheticID {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `prefix` followed by the low `digits` hexadecimal digits of `value` (lower case).
    static func hex(_ prefix: String, _ value: UInt64, digits: Int) -> String {
        var bytes = Array(prefix.utf8)
        for i in stride(from: digits - 1, through: 0, by: -1) {
            bytes.append(hexDigits[Int((value >> UInt64(4 * i)) & 0xF)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
