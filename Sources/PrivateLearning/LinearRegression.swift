import Foundation
public import DifferentialPrivacy
import SecureRandom
public import Tabular

/// Differentially private linear regression by **sufficient-statistics perturbation**
/// (Vu & Slavkovic 2009; Dwork et al. 2014; Wang 2018, "Revisiting differentially private
/// linear regression"): one release of the noisy XᵀX and Xᵀy, then a regularised solve.
///
/// The fit:
/// 1. validates the parameters, the columns and the bounds (typed errors, nothing charged);
/// 2. maps each row into the model's unit — features clamped to their ranges and mapped onto
///    [−1, 1] (``FeatureBounds/perColumn(_:)``) or scaled by 1/R and clipped to norm ≤ 1
///    (``FeatureBounds/rowNorm(_:)``); the label clamped to ``labelBounds`` and mapped onto
///    [−1, 1]; an intercept column of ones — and quantises every value to the grid
///    2^-k (k = 11 for the default 2^31 ``maximumRows``);
/// 3. computes Z̃ᵀZ̃ and Z̃ᵀy with one `cblas_dsyrk` of the augmented block [Z̃ | y] —
///    **exactly**: on this grid every product and partial sum is representable (see
///    `DesignMatrix`), so floating point cannot underestimate the sensitivity (Casacuberta et
///    al., CCS 2022). Z̃ is never materialised: blocks of 4,096 rows are built in cache and
///    accumulated, one pass over the columns;
/// 4. charges the session, then adds one draw of exact noise (``AdditiveNoise``) to each entry
///    of the upper triangle of Z̃ᵀZ̃ and of Z̃ᵀy, calibrated on the sensitivity of that whole
///    vector under adding or removing one row:
///    L2² ≤ (c² + c)/2 + c and L1 ≤ (s² + c)/2 + s, where c bounds ‖z̃‖² (features + 1 per
///    column, 2 for a row-norm bound) and s bounds Σ|z̃ⱼ| (features + 1, or √features + 1);
///    the noisy matrix is mirrored, so the noise is symmetric;
/// 5. solves (Â + λI) θ = b̂ through the eigen-decomposition of Â + λI (LAPACK `dsyev`),
///    raising eigenvalues below max(λ, 2√p·σ) to that floor (``FlooredSymmetricSolver``):
///    noise can make Â indefinite, and an eigenvalue floor keeps the solution finite and stable
///    even with a ridge the caller set to 0. The automatic
///    ridge λ = 2√p · (noise standard deviation per entry), p = features + 1, is the spectral
///    norm a symmetric noise matrix reaches with high probability (Wigner's semicircle edge):
///    it lifts the noisy matrix back to positive definite without looking at the data;
/// 6. maps θ back to the original units of the features and the label.
///
/// **Guarantee.** The release of (Â, b̂) is pure ε-DP (`laplace`, `discreteLaplace`),
/// (ε, δ)-DP (`gaussian`) or ρ-zCDP (`discreteGaussian`) for adding or removing one row; the
/// model is post-processing. The number of rows enters only through the noisy intercept entry.
/// Rows with a missing feature or label are dropped before the fit (the drop is a per-row
/// rule, so it does not change the sensitivity).
public struct PrivateLinearRegression: Sendable, Hashable {
    /// Feature column names, in the order of the model's coefficients.
    public var features: [String]
    /// The label column.
    public var label: String
    /// How feature values are bounded (parameters, never read off the data).
    public var featureBounds: FeatureBounds
    /// The label's clamping range.
    public var labelBounds: ClosedRange<Double>
    /// The noise: `gaussian` (default, (ε, δ)), `laplace` (pure ε), `discreteGaussian` (ρ or
    /// (ε, δ) through zCDP), `discreteLaplace` (pure ε).
    public var mechanism: NoiseMechanism
    /// The ridge λ in the model's unit (rows of norm ≤ √c), or `nil` for the automatic
    /// λ = 2√p·σ_noise described above. Must be ≥ 0 and finite.
    public var ridge: Double?
    /// A public upper bound on the table's row count: it sets the quantisation grid
    /// (k = ⌊(53 − ⌈log₂ maximumRows⌉)/2⌋ bits; 2^31 rows give k = 11).
    public var maximumRows: Int

    /// Describes a fit; ``fit(_:parameters:budget:)`` runs it.
    public init(
        features: [String], label: String, featureBounds: FeatureBounds, labelBounds: ClosedRange<Double>,
        mechanism: NoiseMechanism = .gaussian, ridge: Double? = nil, maximumRows: Int = 1 << 31
    ) {
        self.features = features
        self.label = label
        self.featureBounds = featureBounds
        self.labelBounds = labelBounds
        self.mechanism = mechanism
        self.ridge = ridge
        self.maximumRows = maximumRows
    }

    /// Fits the model on `table`, charging `session` before any noise is sampled.
    ///
    /// - Parameters:
    ///   - parameters: ε (and δ for `gaussian`), or ρ for `discreteGaussian`.
    ///   - session: charged once with the stated guarantee and the noise's event.
    /// - Returns: the model, with the guarantee it spent.
    /// - Throws: ``PrivateLearningError``: bad parameters or bounds, unknown or non-numeric
    ///   columns, an empty table, fewer rows than parameters, or the session's refusal
    ///   (``PrivateLearningError/privacy(_:)``). On error no model is returned and nothing is
    ///   charged.
    /// - Complexity: O(rows · p²) flops in BLAS (p = features + 1), one streamed pass over the
    ///   columns; O(p³) for the solve; memory O(p · 4,096) doubles per core (the matrix is never
    ///   materialised), plus a gathered copy of the rows when some values are missing.
    public func fit(
        _ table: Table, parameters: NoiseParameters, budget: some BudgetStore
    ) throws(PrivateLearningError) -> LinearRegressionModel {
        var releaser = SampledNoise(generator: try StatisticNoise.systemGenerator())
        return try fit(table, parameters: parameters, budget: budget, releaser: &releaser)
    }

    /// The fit with a given releaser: ``SampledNoise`` in production; this package's tests inject
    /// an exact one (the fit still validates, quantises, charges and solves).
    func fit(
        _ table: Table, parameters: NoiseParameters, budget: some BudgetStore,
        releaser: inout some StatisticReleaser
    ) throws(PrivateLearningError) -> LinearRegressionModel {
        try validate(parameters)
        let statistics = try sufficientStatistics(of: table)
        return try release(statistics, parameters: parameters, budget: budget, releaser: &releaser)
    }

    /// Fits the model on a CSV file of any size, reading only the features and the label, block
    /// by block within `options.memoryLimit`: the same model, bit for bit, as
    /// ``fit(_:parameters:budget:)`` over the whole file loaded with the same noise — the
    /// statistics are sums on the quantisation grid, exact in any order, so the blocks' sums
    /// add up to the whole table's.
    ///
    /// The charge comes after the scan (a file that cannot be read, or a column that is not
    /// numeric, costs nothing) and before any noise is drawn. The file's row count, checked
    /// against ``maximumRows``, is public metadata of the dataset, as for a table.
    ///
    /// - Throws: as ``fit(_:parameters:budget:)``; ``PrivateLearningError/invalidParameter(name:value:reason:)``
    ///   naming `data` for a file that cannot be read (the reader's typed error in the reason).
    /// - Complexity: one streaming pass over the file (more if a column's type widens);
    ///   memory O(limit + p²).
    public func fit(
        file: String, options: FileScanOptions = FileScanOptions(), parameters: NoiseParameters,
        budget: some BudgetStore
    ) throws(PrivateLearningError) -> LinearRegressionModel {
        var releaser = SampledNoise(generator: try StatisticNoise.systemGenerator())
        return try fit(file: file, options: options, parameters: parameters, budget: budget, releaser: &releaser)
    }

    /// ``fit(file:options:parameters:budget:)`` with a given releaser (tests inject an exact one).
    func fit(
        file: String, options: FileScanOptions, parameters: NoiseParameters, budget: some BudgetStore,
        releaser: inout some StatisticReleaser
    ) throws(PrivateLearningError) -> LinearRegressionModel {
        try validate(parameters)
        let rows = try FileRows(
            file: file, options: options, features: features, label: label, bounds: featureBounds,
            labelKind: .bounded(labelBounds), maximumRows: maximumRows)
        let scan = try rows.statistics()
        let statistics = LinearSufficientStatistics(gram: scan.gram, moment: scan.moment, design: scan.shape)
        return try release(statistics, parameters: parameters, budget: budget, releaser: &releaser)
    }

    /// The checks on the parameters made before any data is read.
    private func validate(_ parameters: NoiseParameters) throws(PrivateLearningError) {
        do { try parameters.validate(for: mechanism) } catch { throw PrivateLearningError(error) }
        if let ridge, !(ridge.isFinite && ridge >= 0) {
            throw .invalidParameter(name: "ridge", value: "\(ridge)", reason: "must be finite and ≥ 0")
        }
    }

    /// Validates the columns and bounds of `table` and computes its exact statistics.
    func sufficientStatistics(of table: Table) throws(PrivateLearningError) -> LinearSufficientStatistics {
        let matrix = try DesignMatrix.prepare(
            table: table, features: features, label: label, bounds: featureBounds,
            labelKind: .bounded(labelBounds), maximumRows: maximumRows)
        let (gram, moment) = BLASKernels.streamedStatistics(matrix)
        return LinearSufficientStatistics(gram: gram, moment: moment, design: matrix)
    }

    /// Charges `budget`, then releases the noisy statistics and solves: steps 4 to 6 above.
    private func release(
        _ statistics: LinearSufficientStatistics, parameters: NoiseParameters, budget: some BudgetStore,
        releaser: inout some StatisticReleaser
    ) throws(PrivateLearningError) -> LinearRegressionModel {
        let p = statistics.parameters, c = statistics.squaredNormBound, s = statistics.absoluteSumBound
        let gridBits = statistics.gridBits
        let l2 = ((c * c + c) / 2 + c).squareRoot()
        let l1 = (s * s + c) / 2 + s
        let noise = try StatisticNoise(
            mechanism: mechanism, parameters: parameters, l1: l1, l2: l2, gridBits: gridBits)
        let stated = try StatisticNoise.stated(mechanism: mechanism, parameters: parameters)
        // The gate's order: the charge is committed before any noise is drawn.
        let request: ChargeRequest
        do {
            request = try ChargeRequest(
                stated: stated, mechanism: noise.noise.event,
                description:
                    "linear regression of '\(label)' on \(features.joined(separator: ", ")) (\(mechanism), sufficient statistics)"
            )
        } catch { throw PrivateLearningError(error) }
        do { _ = try budget.charge(request) } catch { throw PrivateLearningError(refusal: error) }

        // Noise on the upper triangle of the exact XᵀX and on Xᵀy.
        let gram = statistics.gram, moment = statistics.moment
        var noisyGram = [Double](repeating: 0, count: p * p)
        for column in 0..<p {
            for row in 0...column {
                let value = releaser.release(gram[column * p + row], gridBits: gridBits, under: noise)
                noisyGram[column * p + row] = value
                noisyGram[row * p + column] = value
            }
        }
        let noisyMoment = moment.map {
            releaser.release($0, gridBits: gridBits, under: noise)
        }

        // Regularised solve with an eigenvalue floor.
        let entrySD = mechanism.isLaplaceFamily ? noise.scale * 2.0.squareRoot() : noise.scale
        let lambda = ridge ?? (releaser.isExact ? 0 : 2 * Double(p).squareRoot() * entrySD)
        for j in 0..<p { noisyGram[j * p + j] += lambda }
        // Eigenvalues below the noise's spectral reach are not information: raise them to at
        // least that level even when the caller chose a smaller ridge (a tiny relative floor in
        // the noise-free test mode).
        let largest = noisyGram.map(\.magnitude).max() ?? 1
        let noiseReach = releaser.isExact ? 0 : 2 * Double(p).squareRoot() * entrySD
        let floor = max(lambda, noiseReach, 1e-12 * max(1, largest))
        guard let solver = FlooredSymmetricSolver(noisyGram, order: p, floor: floor) else {
            throw .invalidParameter(
                name: "ridge", value: "\(lambda)", reason: "the eigen-decomposition did not converge")
        }
        let theta = solver.solve(noisyMoment)

        // Back to the original units.
        let labelHalf = (labelBounds.upperBound - labelBounds.lowerBound) / 2
        let labelMiddle = labelBounds.lowerBound + labelHalf
        var coefficients = [Double](repeating: 0, count: features.count)
        var interceptZ = theta[p - 1]
        for j in 0..<features.count {
            coefficients[j] = labelHalf * theta[j] * statistics.scaling.scale[j]
            interceptZ += theta[j] * statistics.scaling.offset[j]
        }
        return LinearRegressionModel(
            features: features, label: label, coefficients: coefficients,
            intercept: labelHalf * interceptZ + labelMiddle,
            mechanism: mechanism, stated: stated, mechanismEvent: noise.noise.event, noiseScale: noise.scale,
            ridge: lambda, flooredEigenvalues: solver.flooredCount)
    }
}

/// The exact Z̃ᵀZ̃ and Z̃ᵀy of a fit (sums of products on the quantisation grid: exact in any
/// order, so a file's blocks add up to the whole file's) and the data-independent facts the
/// noise needs.
struct LinearSufficientStatistics {
    var gram: [Double]
    var moment: [Double]
    var parameters: Int
    var squaredNormBound: Double
    var absoluteSumBound: Double
    var gridBits: Int
    var scaling: FeatureScaling

    /// The statistics of `design`'s rows (the facts the noise needs are read off `design`).
    init(gram: [Double], moment: [Double], design: DesignSource) {
        self.gram = gram
        self.moment = moment
        parameters = design.parameters
        squaredNormBound = design.squaredNormBound
        absoluteSumBound = design.absoluteSumBound
        gridBits = design.gridBits
        scaling = design.scaling
    }
}

/// A linear model `label ≈ intercept + Σⱼ coefficients[j] · features[j]` and the guarantee its
/// fit spent.
public struct LinearRegressionModel: Sendable, Hashable, Codable {
    /// Feature column names, in coefficient order.
    public let features: [String]
    /// The label column.
    public let label: String
    /// One coefficient per feature, in the label's unit per feature unit.
    public let coefficients: [Double]
    /// The intercept, in the label's unit.
    public let intercept: Double
    /// The noise mechanism of the fit.
    public let mechanism: NoiseMechanism
    /// The guarantee the fit stated (and charged).
    public let stated: PrivacyEvent
    /// The event describing the noise actually added.
    public let mechanismEvent: PrivacyEvent
    /// The noise scale (Laplace b or Gaussian σ) of each released statistic, in the model's
    /// internal unit (features on [−1, 1] or norm ≤ 1, label on [−1, 1]).
    public let noiseScale: Double
    /// The ridge λ used, in the model's internal unit.
    public let ridge: Double
    /// How many eigenvalues of the noisy, ridged XᵀX were raised to the floor.
    public let flooredEigenvalues: Int

    /// The prediction for one row of feature values (in ``features`` order).
    ///
    /// - Precondition: `values.count == features.count`.
    public func predict(_ values: [Double]) -> Double {
        precondition(values.count == coefficients.count, "give one value per feature")
        var y = intercept
        for j in 0..<coefficients.count { y += coefficients[j] * values[j] }
        return y
    }

    /// Predictions for every row of `table` (NaN where a feature is missing).
    ///
    /// - Throws: ``PrivateLearningError/unknownColumn(name:available:)`` or
    ///   ``PrivateLearningError/nonNumericColumn(column:found:)``.
    /// - Complexity: O(rows · features).
    public func predict(_ table: Table) throws(PrivateLearningError) -> [Double] {
        try ModelScoring.linearScores(table, features: features, coefficients: coefficients, intercept: intercept)
    }

    /// The coefficient of determination R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)² on `table`, over rows
    /// with every feature and the label present. An evaluation helper: it reads the data
    /// without privacy (use it on public or held-out evaluation data).
    ///
    /// - Throws: column errors, or ``PrivateLearningError/emptyTable(what:)`` when no row is
    ///   complete.
    public func rSquared(on table: Table) throws(PrivateLearningError) -> Double {
        let predictions = try predict(table)
        let labels = try ModelScoring.labels(table, label)
        var count = 0, mean = 0.0
        for i in 0..<labels.count where !predictions[i].isNaN && !labels[i].isNaN {
            count += 1
            mean += (labels[i] - mean) / Double(count)
        }
        guard count > 0 else { throw .emptyTable(what: "no complete row to score") }
        var residual = 0.0, total = 0.0
        for i in 0..<labels.count where !predictions[i].isNaN && !labels[i].isNaN {
            residual += (labels[i] - predictions[i]) * (labels[i] - predictions[i])
            total += (labels[i] - mean) * (labels[i] - mean)
        }
        return total > 0 ? 1 - residual / total : (residual == 0 ? 1 : -.infinity)
    }
}
