import Foundation

/// Conversions from Rényi-DP curves to (ε, δ)-DP, shared by ``RDPAccountant`` and
/// ``ZCDPAccountant``.
///
/// For a mechanism that is (α, r(α))-RDP, Canonne, Kamath & Steinke 2020 ("The Discrete
/// Gaussian for Differential Privacy", Prop. 12; also Asoodeh et al. 2021, eq. 20) give, for
/// every α > 1,
///
///   ε(δ) = r(α) + ln(1 − 1/α) − (ln δ + ln α)/(α − 1),
///   ln δ(ε) = (α − 1)(r(α) − ε + ln(1 − 1/α)) − ln α,
///
/// which improves on Mironov 2017's ε = r(α) + ln(1/δ)/(α − 1). In addition, the KL divergence
/// r(1) bounds the total variation (Pinsker–Bretagnolle–Huber): δ ≤ √(1 − e^{−r}), so ε = 0 is
/// reported when δ ≥ √(1 − e^{−r(α)}) for some α ≥ 1 (r is nondecreasing in α). This follows
/// Google dp-accounting's `rdp_privacy_accountant.compute_epsilon` / `compute_delta`, including
/// its rule of skipping the improved bound for α ≤ 1.01, where it is numerically unstable.
enum RenyiConversion {
    /// ε(δ) minimised over a grid of orders (dp-accounting's `compute_epsilon`).
    static func epsilon(orders: [Double], rdp: [Double], delta: Double) -> Double {
        var best = Double.infinity
        for (alpha, r) in zip(orders, rdp) {
            best = min(best, epsilon(alpha: alpha, rdp: r, delta: delta))
        }
        return max(0, best)
    }

    /// ε(δ) at one order; +∞ when nothing can be said at this order.
    static func epsilon(alpha: Double, rdp r: Double, delta: Double) -> Double {
        if r < 0 || delta * delta + expm1(-r) > 0 { return 0 }
        guard alpha > 1.01, r.isFinite else { return .infinity }
        return r + log1p(-1 / alpha) - log(delta * alpha) / (alpha - 1)
    }

    /// δ(ε) minimised over a grid of orders (dp-accounting's `compute_delta`).
    static func delta(orders: [Double], rdp: [Double], epsilon: Double) -> Double {
        var best = Double.infinity
        for (alpha, r) in zip(orders, rdp) {
            best = min(best, logDelta(alpha: alpha, rdp: r, epsilon: epsilon))
        }
        return min(1, exp(best))
    }

    /// ln δ(ε) at one order.
    static func logDelta(alpha: Double, rdp r: Double, epsilon: Double) -> Double {
        if r <= 0 { return -.infinity }
        var result = r.isFinite ? 0.5 * log(-expm1(-r)) : 0
        if alpha > 1.01, r.isFinite {
            result = min(result, (alpha - 1) * (r - epsilon + log1p(-1 / alpha)) - log(alpha))
        }
        return result
    }

    /// Minimises `f(α)` over α ∈ [1.0001, 1 + 10⁶]: a 400-point grid in ln(α − 1), then a
    /// golden-section search between the best grid point's neighbours.
    static func minimiseOverOrder(_ f: (Double) -> Double) -> Double {
        let lowT = log(1e-4), highT = log(1e6), steps = 400
        let stepT = (highT - lowT) / Double(steps)
        var bestIndex = 0, bestValue = Double.infinity
        for k in 0...steps {
            let value = f(1 + exp(lowT + Double(k) * stepT))
            if value < bestValue {
                bestValue = value
                bestIndex = k
            }
        }
        guard bestValue.isFinite else { return bestValue }
        var a = lowT + Double(max(0, bestIndex - 1)) * stepT
        var b = lowT + Double(min(steps, bestIndex + 1)) * stepT
        let ratio = (5.0.squareRoot() - 1) / 2
        var c = b - ratio * (b - a), d = a + ratio * (b - a)
        var fc = f(1 + exp(c)), fd = f(1 + exp(d))
        for _ in 0..<80 {
            if fc < fd {
                b = d
                d = c
                fd = fc
                c = b - ratio * (b - a)
                fc = f(1 + exp(c))
            } else {
                a = c
                c = d
                fc = fd
                d = a + ratio * (b - a)
                fd = f(1 + exp(d))
            }
        }
        return min(bestValue, fc, fd)
    }

    /// The tightest ε(δ) of ρ-zCDP (r(α) = ρα) over continuous α, by the conversion above,
    /// never above Bun & Steinke 2016's ρ + 2√(ρ ln(1/δ)) (Prop. 1.3).
    static func zcdpEpsilon(rho: Double, delta: Double) -> Double {
        if rho == 0 { return 0 }
        if delta * delta + expm1(-rho) > 0 { return 0 }
        let logDelta = log(delta)
        let optimised = minimiseOverOrder { alpha in
            rho * alpha + log1p(-1 / alpha) - (logDelta + log(alpha)) / (alpha - 1)
        }
        let classic = rho + 2 * (rho * -logDelta).squareRoot()
        return max(0, min(optimised, classic))
    }

    /// The tightest δ(ε) of ρ-zCDP over continuous α (and the KL bound √(1 − e^{−ρ})).
    static func zcdpDelta(rho: Double, epsilon: Double) -> Double {
        if rho == 0 { return 0 }
        let optimised = minimiseOverOrder { alpha in
            (alpha - 1) * (rho * alpha - epsilon + log1p(-1 / alpha)) - log(alpha)
        }
        let kl = 0.5 * log(-expm1(-rho))
        return min(1, exp(min(optimised, kl)))
    }
}
