import Foundation

/// Exact binomial confidence bounds (Clopper & Pearson 1934) through the regularised incomplete
/// beta function, and fast Wilson bounds for ranking events in the selection phase.
///
/// Clopper–Pearson: for k successes out of n, the one-sided lower bound at level α is the
/// α-quantile of Beta(k, n − k + 1) (0 when k = 0), the upper bound the (1 − α)-quantile of
/// Beta(k + 1, n − k) (1 when k = n). Each holds with probability ≥ 1 − α whatever p is.
enum BinomialBounds {
    /// One-sided lower bound on p with confidence 1 − `alpha`.
    static func clopperPearsonLower(successes k: Int, trials n: Int, alpha: Double) -> Double {
        precondition(n > 0 && k >= 0 && k <= n)
        if k == 0 { return 0 }
        if k == n { return pow(alpha, 1 / Double(n)) }
        return RegularizedBeta.quantile(alpha, a: Double(k), b: Double(n - k + 1))
    }

    /// One-sided upper bound on p with confidence 1 − `alpha`.
    static func clopperPearsonUpper(successes k: Int, trials n: Int, alpha: Double) -> Double {
        precondition(n > 0 && k >= 0 && k <= n)
        if k == n { return 1 }
        if k == 0 { return 1 - pow(alpha, 1 / Double(n)) }
        return RegularizedBeta.quantile(1 - alpha, a: Double(k + 1), b: Double(n - k))
    }

    /// Wilson score bound (z standard deviations; lower when `z` < 0): cheap, for ranking only.
    static func wilson(successes k: Int, trials n: Int, z: Double) -> Double {
        let nn = Double(n), p = Double(k) / nn, z2 = z * z
        let center = p + z2 / (2 * nn)
        let margin = z.magnitude * (p * (1 - p) / nn + z2 / (4 * nn * nn)).squareRoot()
        let bound = (z < 0 ? center - margin : center + margin) / (1 + z2 / nn)
        return min(1, max(0, bound))
    }
}

/// The regularised incomplete beta function I_x(a, b) by its continued fraction (modified
/// Lentz), and its inverse in x by bisection.
enum RegularizedBeta {
    /// I_x(a, b) for a, b > 0.
    static func value(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * continuedFraction(1 - x, a: b, b: a) / b
    }

    /// The continued fraction of I_x(a, b) (valid and fast for x < (a + 1)/(a + b + 2)).
    static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for step in 1...1_000_000 {
            let m = Double(step), m2 = 2 * m
            // Even term.
            var coefficient = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + coefficient * d
            if abs(d) < tiny { d = tiny }
            c = 1 + coefficient / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            // Odd term.
            coefficient = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + coefficient * d
            if abs(d) < tiny { d = tiny }
            c = 1 + coefficient / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return h
    }

    /// The x with I_x(a, b) = p (bisection to 2^-200 absolute precision, enough for tiny p).
    static func quantile(_ p: Double, a: Double, b: Double) -> Double {
        var low = 0.0, high = 1.0
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if middle == low || middle == high { break }
            if value(middle, a: a, b: b) < p { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }
}
