import Tabular

/// The statistic a ``DPQuery`` computes.
public enum DPStatistic: String, Sendable, Hashable, Codable, CaseIterable {
    /// The number of rows (or of non-missing values of a column).
    case count
    /// The sum of a numeric column's values clamped to the query's bounds.
    case sum
    /// The mean of clamped values: a noisy sum over a noisy count (budget split in half).
    case mean
    /// The variance of clamped values, from noisy count, sum and sum of squared deviations
    /// (budget split in thirds).
    case variance
    /// The square root of ``variance``.
    case standardDeviation = "standard-deviation"
    /// One or more quantiles of clamped values, each by the exponential mechanism over a
    /// 16,384-bin histogram of the bounds (budget split evenly between the levels).
    case quantiles = "quantile"
    /// Counts per category of a column (its values are the partition keys), or per
    /// equal-width bin of a numeric column over the bounds.
    case histogram
}

/// Which partition keys a grouped query releases.
public enum PartitionKeys: Sendable, Hashable, Codable {
    /// No grouping: one statistic over all rows.
    case none
    /// Public keys declared with the query: exactly these are released, in this order, whether
    /// or not they occur in the data (rows with other keys are dropped). No privacy cost for
    /// the keys themselves.
    case declared([String])
    /// Keys read from the data and kept only if their noisy count passes a threshold set by δ
    /// (DP partition selection, Korolova et al. 2009; Google's Laplace thresholding): the
    /// release is (ε, δ)-DP and needs a Laplace-family mechanism.
    case selected
}

/// What a query does with values of its numeric column that are not finite numbers: NaN,
/// ±∞, numbers beyond the double range (`1e400`) or other text.
///
/// A `Table` keeps such a column as categorical text (its float64 columns are always
/// finite). The policy is declared with the query, so the outcome never depends on where such
/// values are: no error names a value or a row.
public enum NonFiniteValuePolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Refuse a column that is not numeric in the table's schema (the default): the error
    /// names the column and its type only.
    case refuse
    /// Read the column's text as numbers: +∞ (and positive overflow) becomes the upper bound,
    /// −∞ the lower bound; NaN and text that is not a number are missing.
    case clamp
    /// Read the column's text as numbers: every value that is not a finite number is missing.
    case drop
}

/// How much one privacy unit may contribute (Wilson et al. 2020, "Differentially Private SQL
/// with Bounded User Contribution").
///
/// Without a privacy-unit column every row is its own unit (one partition, one contribution).
/// With one, each unit keeps at most `maxPartitionsPerUnit` partitions and at most
/// `maxContributionsPerPartition` rows in each, chosen by visiting the unit's rows in a
/// uniformly random order (CSPRNG); the rest are dropped before aggregation. Sensitivities then
/// scale with these limits, which are parameters of the query, never read off the data.
public struct ContributionBounds: Sendable, Hashable, Codable {
    /// The column identifying the privacy unit (a person, a card), or `nil`.
    public var privacyUnit: String?
    /// At most this many partitions per unit (≥ 1).
    public var maxPartitionsPerUnit: Int
    /// At most this many rows per unit in each partition (≥ 1).
    public var maxContributionsPerPartition: Int

    /// Creates contribution bounds.
    public init(privacyUnit: String? = nil, maxPartitionsPerUnit: Int = 1, maxContributionsPerPartition: Int = 1) {
        self.privacyUnit = privacyUnit
        self.maxPartitionsPerUnit = maxPartitionsPerUnit
        self.maxContributionsPerPartition = maxContributionsPerPartition
    }
}

/// A differentially private aggregate query: what to compute, over which column, clamped to
/// which bounds, grouped how, with which contribution limits.
///
/// A query is evaluated in two steps, as DESIGN.md prescribes: ``partial(over:chunkCount:)``
/// computes a mergeable, noise-free ``QueryPartial`` (on all cores, or per party), and
/// ``BudgetStore/release(_:mechanism:parameters:)`` — the one release gate — charges the
/// budget and adds noise.
///
/// Clamping bounds are parameters of the query and never read off the data. Missing values
/// (validity bitmap) are skipped; float64 columns of a `Table` are always finite (the reader and
/// `Column` reject NaN and ±∞), and a column kept as text because of such values follows the
/// query's ``NonFiniteValuePolicy``. Errors raised while querying name the column, its type
/// and the rule, never a value, a data row or a data-dependent count; an empty table is not
/// refused (its release is noise around zero).
public struct DPQuery: Sendable, Hashable, Codable {
    /// The statistic.
    public var statistic: DPStatistic
    /// The value column; `nil` for a count of rows.
    public var column: String?
    /// The clamping lower bound, in the column's unit (required for sum, mean, variance,
    /// standard deviation, quantiles and numeric histograms).
    public var lower: Double?
    /// The clamping upper bound.
    public var upper: Double?
    /// Quantile levels in [0, 1], for ``DPStatistic/quantiles``.
    public var quantileLevels: [Double]
    /// Equal-width bins over the bounds for a numeric ``DPStatistic/histogram``.
    public var histogramBins: Int?
    /// The grouping column (for a histogram, the column itself).
    public var groupBy: String?
    /// Which keys are released.
    public var keys: PartitionKeys
    /// Contribution bounding.
    public var contribution: ContributionBounds
    /// What to do with a value column whose text holds non-finite numbers (default: refuse it
    /// by its type).
    public var nonFiniteValues: NonFiniteValuePolicy = .refuse

    /// Creates a query; ``validate()`` checks it.
    public init(
        statistic: DPStatistic, column: String? = nil, lower: Double? = nil, upper: Double? = nil,
        quantileLevels: [Double] = [], histogramBins: Int? = nil, groupBy: String? = nil,
        keys: PartitionKeys = .none, contribution: ContributionBounds = ContributionBounds()
    ) {
        self.statistic = statistic
        self.column = column
        self.lower = lower
        self.upper = upper
        self.quantileLevels = quantileLevels
        self.histogramBins = histogramBins
        self.groupBy = groupBy
        self.keys = keys
        self.contribution = contribution
    }

    /// A count of rows, or of the non-missing values of `column`.
    public static func count(of column: String? = nil) -> DPQuery { DPQuery(statistic: .count, column: column) }
    /// The sum of `column` clamped to `bounds`.
    public static func sum(of column: String, clampedTo bounds: ClosedRange<Double>) -> DPQuery {
        DPQuery(statistic: .sum, column: column, lower: bounds.lowerBound, upper: bounds.upperBound)
    }
    /// The mean of `column` clamped to `bounds`.
    public static func mean(of column: String, clampedTo bounds: ClosedRange<Double>) -> DPQuery {
        DPQuery(statistic: .mean, column: column, lower: bounds.lowerBound, upper: bounds.upperBound)
    }
    /// The variance of `column` clamped to `bounds`.
    public static func variance(of column: String, clampedTo bounds: ClosedRange<Double>) -> DPQuery {
        DPQuery(statistic: .variance, column: column, lower: bounds.lowerBound, upper: bounds.upperBound)
    }
    /// The standard deviation of `column` clamped to `bounds`.
    public static func standardDeviation(of column: String, clampedTo bounds: ClosedRange<Double>) -> DPQuery {
        DPQuery(statistic: .standardDeviation, column: column, lower: bounds.lowerBound, upper: bounds.upperBound)
    }
    /// Quantiles of `column` clamped to `bounds` at `levels` (each in [0, 1]).
    public static func quantiles(of column: String, levels: [Double], clampedTo bounds: ClosedRange<Double>) -> DPQuery
    {
        DPQuery(
            statistic: .quantiles, column: column, lower: bounds.lowerBound, upper: bounds.upperBound,
            quantileLevels: levels)
    }
    /// Counts per value of a categorical (or integer, boolean) column.
    public static func histogram(of column: String, keys: PartitionKeys) -> DPQuery {
        DPQuery(statistic: .histogram, column: column, groupBy: column, keys: keys)
    }
    /// Counts per equal-width bin of a numeric column over `bounds` (values outside are clamped
    /// into the first or last bin). The bins are public keys.
    ///
    /// A bin count outside 1 … ``maximumHistogramBins`` builds no labels (nothing is allocated);
    /// ``validate()`` then refuses the query.
    public static func histogram(of column: String, bins: Int, over bounds: ClosedRange<Double>) -> DPQuery {
        let labels =
            (1...maximumHistogramBins).contains(bins)
            ? binLabels(bins: bins, lower: bounds.lowerBound, upper: bounds.upperBound) : []
        return DPQuery(
            statistic: .histogram, column: column, lower: bounds.lowerBound, upper: bounds.upperBound,
            histogramBins: bins, groupBy: column, keys: .declared(labels))
    }

    /// The most equal-width bins a numeric histogram may have: 2^20.
    public static let maximumHistogramBins = 1 << 20

    /// The most declared keys a grouped query may release: 2^20 (each is one output row and one
    /// partial cell per chunk). Checked by ``validate()`` before any partial is allocated.
    public static let maximumDeclaredKeys = 1 << 20

    /// The most quantile levels one query may ask for: 1,000 (each level costs a share of ε
    /// and a pass over the value grid).
    public static let maximumQuantileLevels = 1_000

    /// The same query grouped by `column`, releasing `keys`.
    public func grouped(by column: String, keys: PartitionKeys) -> DPQuery {
        var copy = self
        copy.groupBy = column
        copy.keys = keys
        return copy
    }

    /// The same query with contribution bounding per privacy unit.
    public func boundingContributions(
        privacyUnit: String?, maxPartitionsPerUnit: Int = 1,
        maxContributionsPerPartition: Int = 1
    ) -> DPQuery {
        var copy = self
        copy.contribution = ContributionBounds(
            privacyUnit: privacyUnit, maxPartitionsPerUnit: maxPartitionsPerUnit,
            maxContributionsPerPartition: maxContributionsPerPartition)
        return copy
    }

    /// The same query with `policy` for a value column that holds non-finite numbers.
    public func handlingNonFiniteValues(_ policy: NonFiniteValuePolicy) -> DPQuery {
        var copy = self
        copy.nonFiniteValues = policy
        return copy
    }

    /// Whether the statistic needs clamping bounds.
    public var needsBounds: Bool {
        switch statistic {
        case .count: false
        case .histogram: histogramBins != nil
        case .sum, .mean, .variance, .standardDeviation, .quantiles: true
        }
    }

    /// Checks the query's own parameters (not yet the table): bounds, levels, limits, keys.
    ///
    /// - Throws: ``DifferentialPrivacyError/invalidBounds(lower:upper:reason:)``,
    ///   ``DifferentialPrivacyError/invalidParameter(name:value:reason:)``.
    public func validate() throws(DifferentialPrivacyError) {
        if needsBounds {
            guard let lower, let upper else {
                throw .invalidParameter(
                    name: "bounds", value: "missing", reason: "\(statistic.rawValue) needs clamping bounds L:U")
            }
            try Validate.bounds(lower, upper)
            if statistic == .quantiles || histogramBins != nil, lower == upper {
                throw .invalidBounds(lower: lower, upper: upper, reason: "\(statistic.rawValue) needs lower < upper")
            }
        }
        if statistic != .count {
            guard column != nil else {
                throw .invalidParameter(
                    name: "column", value: "missing", reason: "\(statistic.rawValue) needs a column")
            }
        }
        if statistic == .quantiles {
            guard !quantileLevels.isEmpty else {
                throw .invalidParameter(
                    name: "quantile levels", value: "[]", reason: "give at least one level in [0, 1]")
            }
            guard quantileLevels.count <= Self.maximumQuantileLevels else {
                throw .invalidParameter(
                    name: "quantile levels", value: "\(quantileLevels.count) levels",
                    reason: "at most 1,000 levels per query")
            }
            for level in quantileLevels where !(level >= 0 && level <= 1) {
                throw .invalidParameter(name: "quantile level", value: "\(level)", reason: "must lie in [0, 1]")
            }
        }
        if let bins = histogramBins {
            guard bins >= 1, bins <= Self.maximumHistogramBins else {
                throw .invalidParameter(name: "bins", value: "\(bins)", reason: "must be in 1 … 2^20 (1,048,576)")
            }
        }
        try Validate.positiveCount(contribution.maxPartitionsPerUnit, name: "max partitions per unit")
        try Validate.positiveCount(contribution.maxContributionsPerPartition, name: "max contributions per partition")
        guard contribution.maxPartitionsPerUnit <= 1 << 20, contribution.maxContributionsPerPartition <= 1 << 20 else {
            throw .invalidParameter(
                name: "contribution bounds",
                value: "\(contribution.maxPartitionsPerUnit)×\(contribution.maxContributionsPerPartition)",
                reason: "limits above 2^20 are not supported")
        }
        switch keys {
        case .none:
            if groupBy != nil {
                throw .invalidParameter(
                    name: "keys", value: "none", reason: "a grouped query needs declared keys or partition selection")
            }
        case let .declared(list):
            guard groupBy != nil else {
                throw .invalidParameter(name: "keys", value: "declared", reason: "declared keys need a grouping column")
            }
            guard !list.isEmpty else {
                throw .invalidParameter(name: "keys", value: "[]", reason: "declare at least one key")
            }
            guard list.count <= Self.maximumDeclaredKeys else {
                throw .invalidParameter(
                    name: "keys", value: "\(list.count) keys",
                    reason: "at most 2^20 (1,048,576) declared keys per query")
            }
            guard Set(list).count == list.count else {
                throw .invalidParameter(
                    name: "keys", value: "\(list.count) keys", reason: "declared keys must be distinct")
            }
        case .selected:
            guard groupBy != nil else {
                throw .invalidParameter(
                    name: "keys", value: "selected", reason: "partition selection needs a grouping column")
            }
            if histogramBins != nil {
                throw .invalidParameter(
                    name: "keys", value: "selected", reason: "numeric histogram bins are public; do not select them")
            }
        }
    }

    /// Labels `[a, b)` of `bins` equal-width bins over `[lower, upper]` (the last one closed).
    /// Returns no labels for a bin count outside 1 … ``maximumHistogramBins``.
    public static func binLabels(bins: Int, lower: Double, upper: Double) -> [String] {
        guard (1...maximumHistogramBins).contains(bins) else { return [] }
        let width = (upper - lower) / Double(bins)
        return (0..<bins).map { index in
            let a = lower + Double(index) * width
            let b = index == bins - 1 ? upper : lower + Double(index + 1) * width
            return index == bins - 1 ? "[\(a), \(b)]" : "[\(a), \(b))"
        }
    }
}

extension DPQuery {
    /// The columns the query reads: value column, grouping column and privacy-unit column.
    public var columnsRead: [String] {
        var names: [String] = []
        for name in [column, groupBy, contribution.privacyUnit] {
            if let name, !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// The columns whose values a release may show: the value column and the key column (never
    /// the privacy unit, which only bounds contributions). Identifiers may not be among them.
    public var columnsPublished: [String] {
        var names: [String] = []
        for name in [column, groupBy] {
            if let name, !names.contains(name) { names.append(name) }
        }
        return names
    }
}
