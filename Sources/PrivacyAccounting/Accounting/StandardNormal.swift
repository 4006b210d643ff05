import Foundation

/// The standard normal distribution's tails, accurate in relative terms far into the tails.
///
/// Φ(x) = ½·erfc(−x/√2) uses Foundation's `erfc`, which keeps full relative precision for the
/// small values of the upper tail; ``logCDF(_:)`` switches to the asymptotic series
/// (Abramowitz & Stegun 26.2.12) once `erfc` would underflow (x < −37).
enum StandardNormal {
    /// Φ(x) = P(Z ≤ x) for Z ~ N(0, 1).
    @inlinable
    static func cdf(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.0.squareRoot())
    }

    /// ln Φ(x), finite for every finite x (−x²/2 − ln(−x) − ½ln 2π + ln(1 − 1/x² + 3/x⁴ − …)
    /// below −30).
    @inlinable
    static func logCDF(_ x: Double) -> Double {
        if x > -30 { return log(cdf(x)) }
        let t = 1 / (x * x)
        // 1 − t + 3t² − 15t³ + 105t⁴: the asymptotic series of x·e^{x²/2}·√(2π)·Φ(x), |x| ≥ 30.
        let series = 1 - t * (1 - t * (3 - t * (15 - t * 105)))
        return -0.5 * x * x - log(-x) - 0.5 * log(2 * Double.pi) + log(series)
    }
}
