/// Documented post-processing of released values: non-negativity and integer rounding.
///
/// Any function of a differentially private release that does not look at the data again is
/// as private as the release (the post-processing theorem: Dwork & Roth 2014, Proposition 2.1),
/// so these spend no budget and need no charge. They are *not* neutral for accuracy: clamping
/// at 0 biases small counts upward (a true 0 is reported as max(0, noise) on average ≥ 0), so
/// consumers who sum many cells should use the raw noisy values (``DPRelease/Row/rawValue``),
/// which stay unbiased.
///
/// - ``nonNegative``: a value (and each end of its 95% interval) below 0 becomes 0. Suits counts
///   and sums of non-negative quantities.
/// - ``integer``: the value and interval ends are rounded to the nearest integer (ties away from
///   zero). Suits counts.
public struct PostProcessing: OptionSet, Sendable, Hashable, Codable {
    /// The option bits.
    public let rawValue: Int
    /// Options from bits.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Clamp below at 0.
    public static let nonNegative = PostProcessing(rawValue: 1 << 0)
    /// Round to the nearest integer.
    public static let integer = PostProcessing(rawValue: 1 << 1)
    /// Both: what counts get in scenario reports by default.
    public static let counts: PostProcessing = [.nonNegative, .integer]

    /// `x` post-processed: clamped at 0 if ``nonNegative``, then rounded if ``integer``.
    ///
    /// - Complexity: O(1).
    public func apply(_ x: Double) -> Double {
        var y = x
        if contains(.nonNegative) { y = Swift.max(0, y) }
        if contains(.integer) { y = y.rounded(.toNearestOrAwayFromZero) }
        return y == 0 ? 0 : y  // no −0 in reports
    }
}

extension DPRelease {
    /// The release with `processing` applied to every row's value, quantiles and 95% interval
    /// ends; each changed row keeps its noisy value as ``Row/rawValue``. Spends no budget (see
    /// ``PostProcessing``). With an empty option set the release is returned unchanged.
    ///
    /// - Complexity: O(rows × quantile levels).
    public func postProcessed(_ processing: PostProcessing) -> DPRelease {
        guard !processing.isEmpty else { return self }
        let processed = rows.map { row -> Row in
            let value = processing.apply(row.value)
            return Row(
                key: row.key, value: value, quantiles: row.quantiles?.map(processing.apply),
                ci95: row.ci95?.map(processing.apply),
                rawValue: value == row.value ? row.rawValue : (row.rawValue ?? row.value))
        }
        return DPRelease(
            statistic: statistic, column: column, groupBy: groupBy, mechanism: mechanism, epsilon: epsilon,
            delta: delta,
            rho: rho, noiseScale: noiseScale, rows: processed, stated: stated, mechanismEvent: mechanismEvent,
            selectionThreshold: selectionThreshold)
    }
}
