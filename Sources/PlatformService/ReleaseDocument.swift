public import DifferentialPrivacy

/// A DP release as JSON: what `privacy-kernel dp … --json` prints and what the platform
/// service's `POST /v1/releases` returns (one document, so a script reads both alike). Keys in
/// snake_case; `epsilon`, `delta`, `noise_scale` always present (null when not applicable); an
/// ungrouped release has `value` and `ci95`, a grouped one `rows`.
public struct ReleaseDocument: Encodable, Sendable {
    /// One released key.
    public struct Row: Encodable, Sendable {
        /// The key (a declared or selected partition, or a histogram bin).
        public let key: String
        /// The statistic; for quantiles, present only when one level was asked (the levels
        /// are in `quantiles`).
        public let value: Double?
        /// The 95% confidence interval of the noisy value, `[low, high]`.
        public let ci95: [Double]?
        /// Each quantile level asked, with its value (quantiles only).
        public let quantiles: [QuantileValue]?

        enum CodingKeys: String, CodingKey { case key, value, ci95, quantiles }
        /// Encodes `value` and `ci95` as null when absent.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(key, forKey: .key)
            try container.encode(value, forKey: .value)
            try container.encode(ci95, forKey: .ci95)
            try container.encodeIfPresent(quantiles, forKey: .quantiles)
        }
    }
    /// A quantile level and its released value.
    public struct QuantileValue: Encodable, Sendable {
        /// The level in [0, 1].
        public let level: Double
        /// The released quantile.
        public let value: Double
    }
    /// The statistic (`count`, `sum`, `mean`, …).
    public let statistic: String
    /// The value column (`nil`: rows were counted).
    public let column: String?
    /// The grouping column, if grouped.
    public let groupBy: String?
    /// The noise mechanism.
    public let mechanism: String
    /// ε of the release (`nil` when stated in ρ).
    public let epsilon: Double?
    /// δ of the release (`nil` for pure ε).
    public let delta: Double?
    /// ρ (zCDP) of the release, when stated in ρ.
    public let rho: Double?
    /// The noise scale in the statistic's unit.
    public let noiseScale: Double?
    /// The ungrouped value.
    public let value: Double?
    /// The ungrouped value's 95% confidence interval.
    public let ci95: [Double]?
    /// The ungrouped quantiles.
    public let quantiles: [QuantileValue]?
    /// The released keys of a grouped release.
    public let rows: [Row]?
    /// The partition-selection threshold (selected keys only).
    public let selectionThreshold: Double?
    /// The ledger entry, for releases through the ledger.
    public var ledgerEntry: String?
    /// SHA-256 of the release as recorded in the ledger.
    public var resultDigest: String?

    /// The document of `release`; `levels` are the quantile levels asked (quantiles only).
    public init(release: DPRelease, levels: [Double]?) {
        statistic = release.statistic.rawValue
        column = release.column
        groupBy = release.groupBy
        mechanism = release.mechanism
        epsilon = release.epsilon
        delta = release.delta
        rho = release.rho
        noiseScale = release.noiseScale
        selectionThreshold = release.selectionThreshold
        // Every quantile level asked (and paid for) is printed, per row when grouped; a single
        // `value` stands only for a single level.
        func levelValues(_ row: DPRelease.Row) -> [QuantileValue]? {
            row.quantiles.map { values in
                zip((levels ?? []).sorted(), values).map { QuantileValue(level: $0.0, value: $0.1) }
            }
        }
        func singleValue(_ row: DPRelease.Row) -> Double? {
            guard let quantiles = row.quantiles else { return row.value }
            return quantiles.count == 1 ? quantiles[0] : nil
        }
        if release.groupBy == nil, let row = release.rows.first {
            value = singleValue(row)
            ci95 = row.ci95
            quantiles = levelValues(row)
            rows = nil
        } else {
            value = nil
            ci95 = nil
            quantiles = nil
            rows = release.rows.map {
                Row(key: $0.key ?? "", value: singleValue($0), ci95: $0.ci95, quantiles: levelValues($0))
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case statistic, column, mechanism, epsilon, delta, rho, value, ci95, quantiles, rows
        case groupBy = "group_by"
        case noiseScale = "noise_scale"
        case selectionThreshold = "selection_threshold"
        case ledgerEntry = "ledger_entry"
        case resultDigest = "result_digest"
    }

    /// Encodes the document (see the type's description for which keys are always present).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(statistic, forKey: .statistic)
        try container.encodeIfPresent(column, forKey: .column)
        try container.encodeIfPresent(groupBy, forKey: .groupBy)
        try container.encode(mechanism, forKey: .mechanism)
        // ε and δ are always present (null when the release is stated in ρ or is pure).
        try container.encode(epsilon, forKey: .epsilon)
        try container.encode(delta, forKey: .delta)
        try container.encodeIfPresent(rho, forKey: .rho)
        try container.encode(noiseScale, forKey: .noiseScale)
        try container.encodeIfPresent(value, forKey: .value)
        if rows == nil {
            if value == nil && quantiles == nil { try container.encodeNil(forKey: .value) }
            try container.encode(ci95, forKey: .ci95)
        }
        try container.encodeIfPresent(quantiles, forKey: .quantiles)
        try container.encodeIfPresent(rows, forKey: .rows)
        try container.encodeIfPresent(selectionThreshold, forKey: .selectionThreshold)
        try container.encodeIfPresent(ledgerEntry, forKey: .ledgerEntry)
        try container.encodeIfPresent(resultDigest, forKey: .resultDigest)
    }
}
