/// A query as loose, flat options — what command-line flags, a JSON request body or a C caller
/// carry — and the one place that turns them into a ``DPQuery`` with the rules between them
/// (grouping needs public keys or partition selection, equal-width bins need bounds, and so
/// on), each refusal a typed error naming the option at fault.
///
/// ```swift
/// var options = DPQuerySpecification(statistic: .mean, column: "fare")
/// options.lower = 0; options.upper = 50
/// options.groupBy = "district"; options.selectPartitions = true
/// let query = try options.query()   // mean(fare) by district, keys chosen by DP selection
/// ```
///
/// Decoding from JSON accepts any subset of the fields; the defaults are those of the
/// initialiser.
public struct DPQuerySpecification: Sendable, Hashable, Codable {
    /// The statistic.
    public var statistic: DPStatistic
    /// The value column (for a count: count its non-missing values; `nil` counts rows).
    public var column: String?
    /// The lower clamping bound, in the column's unit (needed by sums, means, variances,
    /// quantiles and equal-width histograms).
    public var lower: Double?
    /// The upper clamping bound, in the column's unit.
    public var upper: Double?
    /// The grouping column, or `nil` for one ungrouped value.
    public var groupBy: String?
    /// Public partition keys declared by the caller (never read from the data); at most
    /// ``DPQuery/maximumDeclaredKeys``.
    public var keys: [String]?
    /// Choose the released keys by DP partition selection (needs δ at release).
    public var selectPartitions: Bool
    /// The column identifying a privacy unit (a person, a card), or `nil` when a row is one.
    public var privacyUnit: String?
    /// With a privacy unit: at most this many partitions per unit (≥ 1).
    public var maxPartitionsPerUnit: Int
    /// With a privacy unit: at most this many rows per unit and partition (≥ 1).
    public var maxContributionsPerPartition: Int
    /// Quantile levels in [0, 1] (quantiles only; default 0.5).
    public var quantileLevels: [Double]?
    /// Equal-width bins over [lower, upper] for a numeric histogram column.
    public var histogramBins: Int?
    /// What to do with NaN, ±infinity and out-of-range numbers in the value column.
    public var nonFiniteValues: NonFiniteValuePolicy

    /// Options for `statistic` over `column`, everything else at its default (no bounds, no
    /// grouping, one partition and one row per unit, non-finite values refused).
    public init(statistic: DPStatistic, column: String? = nil) {
        self.statistic = statistic
        self.column = column
        self.lower = nil
        self.upper = nil
        self.groupBy = nil
        self.keys = nil
        self.selectPartitions = false
        self.privacyUnit = nil
        self.maxPartitionsPerUnit = 1
        self.maxContributionsPerPartition = 1
        self.quantileLevels = nil
        self.histogramBins = nil
        self.nonFiniteValues = .refuse
    }

    private enum CodingKeys: String, CodingKey {
        case statistic, column, lower, upper, groupBy, keys, selectPartitions, privacyUnit
        case maxPartitionsPerUnit, maxContributionsPerPartition, quantileLevels, histogramBins, nonFiniteValues
    }

    /// Decodes options; every field but `statistic` may be absent (then it takes its default).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            statistic: try c.decode(DPStatistic.self, forKey: .statistic),
            column: try c.decodeIfPresent(String.self, forKey: .column))
        lower = try c.decodeIfPresent(Double.self, forKey: .lower)
        upper = try c.decodeIfPresent(Double.self, forKey: .upper)
        groupBy = try c.decodeIfPresent(String.self, forKey: .groupBy)
        keys = try c.decodeIfPresent([String].self, forKey: .keys)
        selectPartitions = try c.decodeIfPresent(Bool.self, forKey: .selectPartitions) ?? false
        privacyUnit = try c.decodeIfPresent(String.self, forKey: .privacyUnit)
        maxPartitionsPerUnit = try c.decodeIfPresent(Int.self, forKey: .maxPartitionsPerUnit) ?? 1
        maxContributionsPerPartition = try c.decodeIfPresent(Int.self, forKey: .maxContributionsPerPartition) ?? 1
        quantileLevels = try c.decodeIfPresent([Double].self, forKey: .quantileLevels)
        histogramBins = try c.decodeIfPresent(Int.self, forKey: .histogramBins)
        nonFiniteValues = try c.decodeIfPresent(NonFiniteValuePolicy.self, forKey: .nonFiniteValues) ?? .refuse
    }

    /// The query these options describe, validated (``DPQuery/validate()``).
    ///
    /// The rules, each refused by name: declared keys and partition selection exclude each
    /// other; either needs a grouping column (or the histogram statistic); a grouping column
    /// needs one of them (keys are never read from the data); a histogram needs a column and
    /// either equal-width bins (which need both bounds) or keys; levels belong to quantiles;
    /// bins belong to histograms.
    ///
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)`` naming the
    ///   option, or any error of ``DPQuery/validate()``.
    /// - Complexity: O(keys + levels).
    public func query() throws(DifferentialPrivacyError) -> DPQuery {
        if keys != nil && selectPartitions {
            throw .invalidParameter(
                name: "keys", value: "\(keys?.count ?? 0) keys",
                reason: "declared keys and partition selection exclude each other: give one")
        }
        var partitionKeys: PartitionKeys = .none
        if let keys {
            partitionKeys = .declared(keys)
        } else if selectPartitions {
            partitionKeys = .selected
        }
        if partitionKeys != .none && groupBy == nil && statistic != .histogram {
            throw .invalidParameter(
                name: "groupBy", value: "none",
                reason: "keys and partition selection need a grouping column (or the histogram statistic)")
        }
        if histogramBins != nil && statistic != .histogram {
            throw .invalidParameter(
                name: "histogramBins", value: "\(histogramBins!)", reason: "bins belong to the histogram statistic")
        }
        if quantileLevels != nil && statistic != .quantiles {
            throw .invalidParameter(
                name: "quantileLevels", value: "\(quantileLevels!.count) levels",
                reason: "levels belong to the quantiles statistic")
        }
        var query: DPQuery
        if statistic == .histogram {
            guard let column else {
                throw .invalidParameter(name: "column", value: "none", reason: "a histogram needs a column")
            }
            if let bins = histogramBins {
                guard (1...DPQuery.maximumHistogramBins).contains(bins) else {
                    throw .invalidParameter(
                        name: "histogramBins", value: "\(bins)",
                        reason: "must be in 1 … \(DPQuery.maximumHistogramBins)")
                }
                guard let lower, let upper else {
                    throw .invalidParameter(
                        name: "histogramBins", value: "\(bins)", reason: "equal-width bins need both bounds")
                }
                guard partitionKeys == .none else {
                    throw .invalidParameter(
                        name: "keys", value: "given",
                        reason: "equal-width bins are the histogram's public keys: give bins or keys, not both")
                }
                try Validate.bounds(lower, upper)
                query = .histogram(of: column, bins: bins, over: lower...upper)
            } else {
                guard partitionKeys != .none else {
                    throw .invalidParameter(
                        name: "keys", value: "none",
                        reason: "a categorical histogram needs declared keys or partition selection")
                }
                query = .histogram(of: column, keys: partitionKeys)
            }
        } else {
            query = DPQuery(statistic: statistic, column: column, lower: lower, upper: upper)
            if statistic == .quantiles { query.quantileLevels = quantileLevels ?? [0.5] }
            if let groupBy {
                guard partitionKeys != .none else {
                    throw .invalidParameter(
                        name: "keys", value: "none",
                        reason:
                            "grouping by '\(String(groupBy.prefix(64)))' needs declared keys or partition selection (keys are never read from the data)"
                    )
                }
                query = query.grouped(by: groupBy, keys: partitionKeys)
            }
        }
        query =
            query
            .boundingContributions(
                privacyUnit: privacyUnit, maxPartitionsPerUnit: maxPartitionsPerUnit,
                maxContributionsPerPartition: maxContributionsPerPartition
            )
            .handlingNonFiniteValues(nonFiniteValues)
        try query.validate()
        return query
    }
}
