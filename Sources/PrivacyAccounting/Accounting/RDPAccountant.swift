import Foundation

/// Rényi differential privacy (Mironov 2017, "Rényi Differential Privacy"): for each order α
/// on a fixed grid the accountant keeps r(α), and RDP at a fixed α adds up under composition
/// (Prop. 1).
///
/// | event | r(α) |
/// |---|---|
/// | `gaussian(m)` | α/(2m²) (Mironov 2017, Prop. 7) |
/// | `discreteGaussian(m)` | ≤ α/(2m²) (Canonne, Kamath & Steinke 2020, Prop. 5 / Thm 4) |
/// | `laplace(m)` | ε + ln(1 + (α−1)(e^{(1−2α)ε} − 1)/(2α−1))/(α−1), ε = 1/m (Mironov 2017, Prop. 6) |
/// | `pureEpsilon(ε)`, `discreteLaplace(m)` | the RDP of ε-randomised response, ε + [ln(1 + e^{(1−2α)ε}) − ln(1 + e^{−ε})]/(α−1) |
/// | `zCDP(ρ)` | ρα |
/// | `approximate(ε, δ)` | refused |
///
/// Randomised response with parameter ε dominates every ε-DP mechanism (its privacy region
/// contains all others', Kairouz, Oh & Viswanath 2015, Thm 2.1), so by the data-processing
/// inequality its Rényi divergence bounds theirs; this is ≤ min(ε, αε²/2) and exact for the
/// discrete Laplace mechanism on a sensitivity-1 integer query.
///
/// Conversion to (ε, δ) follows Google dp-accounting's `RdpAccountant`: the improved bound of
/// Canonne, Kamath & Steinke 2020, Prop. 12, minimised over the grid (see
/// ``RenyiConversion``). The default grid is dp-accounting's `DEFAULT_RDP_ORDERS`.
public struct RDPAccountant: PrivacyAccountant, Codable, Hashable {
    /// dp-accounting's default orders: 1.1, 1.2, …, 10.9, then 11, 12, …, 63, then 128, 256,
    /// 512, 1024 (156 orders).
    public static let defaultOrders: [Double] = {
        var orders: [Double] = (1...99).map { (k: Int) -> Double in 1 + Double(k) / 10 }
        orders += (11...63).map { (k: Int) -> Double in Double(k) }
        orders += [128, 256, 512, 1024]
        return orders
    }()

    /// The Rényi orders α (each > 1), in the order given.
    public let orders: [Double]
    /// r(α) for each order, of everything composed so far.
    public private(set) var rdp: [Double]

    /// An accountant on the given orders with nothing composed.
    ///
    /// - Parameter orders: finite orders > 1, at least one.
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)``.
    public init(orders: [Double] = RDPAccountant.defaultOrders) throws(DifferentialPrivacyError) {
        guard !orders.isEmpty else {
            throw .invalidParameter(name: "orders", value: "[]", reason: "at least one Rényi order is needed")
        }
        for alpha in orders where !(alpha.isFinite && alpha > 1) {
            throw .invalidParameter(
                name: "orders", value: "\(alpha)", reason: "every Rényi order must be finite and > 1")
        }
        self.orders = orders
        self.rdp = Array(repeating: 0, count: orders.count)
    }

    /// An accountant on ``defaultOrders``.
    public init() {
        orders = Self.defaultOrders
        rdp = Array(repeating: 0, count: orders.count)
    }

    /// `"RDP"`.
    public var name: String { "RDP" }

    /// Adds the event's RDP curve (table above) at every order.
    ///
    /// - Throws: `invalidParameter` for a malformed event, `unsupportedEvent` for
    ///   `approximate(ε, δ)`. On error nothing changes.
    /// - Complexity: O(nodes × orders).
    public mutating func compose(_ event: PrivacyEvent) throws(DifferentialPrivacyError) {
        try event.validate()
        var total = rdp
        let orders = self.orders
        try event.forEachLeaf { (leaf, count) throws(DifferentialPrivacyError) in
            let n = Double(count)
            switch leaf {
            case let .gaussian(m), let .discreteGaussian(m):
                for i in orders.indices { total[i] += n * orders[i] / (2 * m * m) }
            case let .laplace(m):
                for i in orders.indices { total[i] += n * Self.laplaceRDP(epsilon: 1 / m, alpha: orders[i]) }
            case let .discreteLaplace(m):
                for i in orders.indices { total[i] += n * Self.randomizedResponseRDP(epsilon: 1 / m, alpha: orders[i]) }
            case let .pureEpsilon(e):
                for i in orders.indices { total[i] += n * Self.randomizedResponseRDP(epsilon: e, alpha: orders[i]) }
            case let .zCDP(r):
                for i in orders.indices { total[i] += n * r * orders[i] }
            default:
                throw .unsupportedEvent(accountant: name, event: leaf.description)
            }
        }
        rdp = total
    }

    /// The Laplace mechanism's RDP at order α > 1 for ε = Δ₁/b (Mironov 2017, Prop. 6), in the
    /// cancellation-free form ε + log1p((α−1)·expm1((1−2α)ε)/(2α−1))/(α−1).
    public static func laplaceRDP(epsilon: Double, alpha: Double) -> Double {
        epsilon + log1p((alpha - 1) * expm1((1 - 2 * alpha) * epsilon) / (2 * alpha - 1)) / (alpha - 1)
    }

    /// ε-randomised response's RDP at order α > 1 — an upper bound for every ε-DP mechanism:
    /// (1/(α−1))·ln((e^{αε} + e^{(1−α)ε})/(1 + e^ε)).
    public static func randomizedResponseRDP(epsilon: Double, alpha: Double) -> Double {
        epsilon + (log1p(exp((1 - 2 * alpha) * epsilon)) - log1p(exp(-epsilon))) / (alpha - 1)
    }

    /// The smallest ε over the grid with (ε, δ)-DP (dp-accounting's `compute_epsilon`).
    ///
    /// - Parameter delta: in (0, 1).
    /// - Complexity: O(orders).
    public func epsilon(delta: Double) throws(DifferentialPrivacyError) -> Double {
        try validateQueryDelta(delta)
        return RenyiConversion.epsilon(orders: orders, rdp: rdp, delta: delta)
    }

    /// The smallest δ over the grid with (ε, δ)-DP (dp-accounting's `compute_delta`).
    ///
    /// - Parameter epsilon: ≥ 0 and finite.
    /// - Complexity: O(orders).
    public func delta(epsilon: Double) throws(DifferentialPrivacyError) -> Double {
        try validateQueryEpsilon(epsilon)
        return RenyiConversion.delta(orders: orders, rdp: rdp, epsilon: epsilon)
    }
}
