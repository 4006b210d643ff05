import Foundation
public import DifferentialPrivacy
import SecureRandom
public import Tabular

/// Differentially private logistic regression by **noisy full-batch gradient descent with zCDP
/// accounting**, preconditioned by a privately released Böhning bound on the Hessian.
///
/// The objective is the regularised mean logistic loss
/// `(1/n) Σᵢ log(1 + exp(−(2yᵢ − 1) θᵀz̃ᵢ)) + (λ/2)‖θ‖²` over rows z̃ᵢ in the model's unit
/// (features bounded as in ``PrivateLinearRegression``, an intercept of 1, y ∈ {0, 1}).
///
/// The fit:
/// 1. validates everything (typed errors, nothing charged), maps rows onto the grid 2^-k as in
///    ``PrivateLinearRegression`` and charges the session for the whole run;
/// 2. in **one streamed pass** over the columns (blocks [Z̃ | y] built in cache, never
///    materialised, one `cblas_dsyrk` each, exact as in ``PrivateLinearRegression``) computes
///    Z̃ᵀZ̃ and Z̃ᵀy, and releases Ĥ = Z̃ᵀZ̃ + noise (a share ``hessianShare`` of ρ; L2 sensitivity
///    √((c² + c)/2)), whose intercept entry is also the noisy row count ñ; P = Ĥ/4 + ñλI is an
///    upper bound on the Hessian of the summed loss (Böhning 1992: σ′ ≤ 1/4), eigenvalue-floored
///    at max(ñλ, 2√p·σ_H/4) (eigenvalues below the noise's spectral reach are noise);
/// 3. takes the first step from θ = 0 without touching the data again: there every residual is
///    sigmoid(0) − y = ±½, so the gradient is ½·Σ z̃ − Z̃ᵀy, read off the same pass (Σ z̃ is
///    Z̃ᵀZ̃'s intercept column) and released with half the noise of a later step
///    (2g = Σ(1 − 2y) z̃ has the gradient's sensitivity). θ₁ = −P⁻¹ĝ₀ is the minimiser of the
///    noisy second-order Taylor expansion of the loss at 0 (σ′(0) = ¼ makes Böhning's bound the
///    exact curvature there): with ``iterations`` = 1 the fit **is the functional mechanism**
///    (Zhang et al., VLDB 2012) at the cost of one linear-regression pass;
/// 4. runs the remaining ``iterations`` − 1 steps θ ← θ − P⁻¹(ĝ + ñλθ), where ĝ = Σᵢ rᵢ z̃ᵢ +
///    noise is the released gradient of the summed loss: rᵢ = sigmoid(θᵀz̃ᵢ) − yᵢ ∈ [−1, 1],
///    quantised to the grid, so ‖rᵢ z̃ᵢ‖ ≤ √c is the L2 sensitivity (no per-example clipping is
///    needed) and `cblas_dgemv` computes the sum exactly; each row's score is computed by the
///    same roundings wherever the row sits, so rᵢ depends on row i and θ alone. Each step is one
///    streamed pass: blocks rebuilt from the columns in cache, scores and Zᵀr per block. The
///    matrix is never materialised (measured on 1M × 20: as fast as passes over a materialised
///    matrix at T = 12, 2× faster at T = 3, and no rows × p doubles of memory);
/// 5. maps θ back to the original feature units.
///
/// **Guarantee.** By default every release uses the discrete Gaussian (``AdditiveNoise``,
/// mechanism `discreteGaussian`), which is ρ-zCDP for its sensitivity (Canonne, Kamath & Steinke
/// 2020); by zCDP composition the T + 1 releases spend exactly ρ = ρ_H + T·ρ_g for adding or
/// removing one row, and all else is post-processing (the privacy of iterate-dependent gradients
/// follows from adaptive composition). Given (ε, δ) instead of ρ, ρ is the largest value whose
/// zCDP conversion meets (ε, δ). With ``mechanism`` `laplace` or `discreteLaplace` the fit is
/// pure ε-DP instead: ε is split the same way (ε_H + T·ε_g, basic composition) and calibrated on
/// the L1 sensitivities (s² + c)/2 and s (s bounds Σⱼ|z̃ⱼ|). **Assumptions:** feature bounds as given (rows clamped or
/// clipped, never inspected), the label read as class 1 when non-zero and class 0 otherwise
/// (so any label column is valid and no data-dependent check can leak), λ ≥ 0 (regularisation
/// is for conditioning and stability; unlike objective perturbation, privacy does not need it).
public struct PrivateLogisticRegression: Sendable, Hashable {
    /// Feature column names, in coefficient order.
    public var features: [String]
    /// The label column: class 1 where the value is non-zero (or `true`).
    public var label: String
    /// How feature values are bounded.
    public var featureBounds: FeatureBounds
    /// Gradient steps T (≥ 1). More steps spread the budget thinner; 10–20 suffice on
    /// well-conditioned bounded features. T = 1 is the one-pass functional mechanism: about as
    /// fast as ``PrivateLinearRegression`` and, on large tables, as good at *ranking* (AUC), but
    /// its probabilities are shrunk toward ½ (the step from 0 under-shoots the maximum
    /// likelihood); take T ≥ 10 when calibrated probabilities matter.
    public var iterations: Int
    /// The L2 regularisation λ of the mean loss (≥ 0).
    public var regularization: Double
    /// The share of ρ (or ε) spent on the Hessian bound, in (0, 1); the rest is split evenly
    /// over the gradient steps. `nil` (the default) chooses it from ``iterations``: ½ for one
    /// step (the functional mechanism's direction P⁻¹ĝ is as sensitive to noise in P as in ĝ),
    /// 0.2 for several (each step re-reads the data, so the gradients need the budget).
    public var hessianShare: Double?
    /// A public upper bound on the table's row count (sets the quantisation grid).
    public var maximumRows: Int
    /// `discreteGaussian` (default: ρ-zCDP, or (ε, δ) through zCDP), or `laplace` /
    /// `discreteLaplace` (pure ε). The continuous `gaussian` is not offered: its (ε, δ)
    /// calibration does not compose over the steps without loss.
    public var mechanism: NoiseMechanism

    /// Describes a fit; ``fit(_:parameters:budget:)`` runs it.
    public init(
        features: [String], label: String, featureBounds: FeatureBounds, iterations: Int = 12,
        regularization: Double = 1e-5, hessianShare: Double? = nil, maximumRows: Int = 1 << 31,
        mechanism: NoiseMechanism = .discreteGaussian
    ) {
        self.mechanism = mechanism
        self.features = features
        self.label = label
        self.featureBounds = featureBounds
        self.iterations = iterations
        self.regularization = regularization
        self.hessianShare = hessianShare
        self.maximumRows = maximumRows
    }

    /// Fits the model, charging `session` before any noise is sampled.
    ///
    /// - Parameters:
    ///   - parameters: for `discreteGaussian`, ρ (stated as ρ-zCDP) or ε and δ (stated as
    ///     (ε, δ)-DP, spent as the largest ρ that implies them); for the Laplace family, ε
    ///     (stated as pure ε).
    ///   - session: charged once, with the stated guarantee and the composed noise events.
    /// - Throws: ``PrivateLearningError`` (see ``PrivateLinearRegression/fit(_:parameters:budget:)``).
    /// - Complexity: T streamed passes over the feature columns (the first with `dsyrk`, O(rows ·
    ///   p²) flops; the others O(rows · p)); memory O(p · 4,096) doubles per core, plus a gathered
    ///   copy of the rows when some values are missing.
    public func fit(
        _ table: Table, parameters: NoiseParameters, budget: some BudgetStore
    ) throws(PrivateLearningError) -> LogisticRegressionModel {
        var releaser = SampledNoise(generator: try StatisticNoise.systemGenerator())
        return try fit(table, parameters: parameters, budget: budget, releaser: &releaser)
    }

    /// The fit with a given releaser: ``SampledNoise`` in production; this package's tests inject
    /// an exact one (the fit still validates, quantises, charges and solves).
    func fit(
        _ table: Table, parameters: NoiseParameters, budget: some BudgetStore,
        releaser: inout some StatisticReleaser
    ) throws(PrivateLearningError) -> LogisticRegressionModel {
        let total = try validate(parameters)
        let source = try DesignMatrix.prepare(
            table: table, features: features, label: label, bounds: featureBounds,
            labelKind: .binary, maximumRows: maximumRows)
        let (gram, moment) = BLASKernels.streamedStatistics(source)
        return try fit(
            design: source, gram: gram, moment: moment, total: total, parameters: parameters, budget: budget,
            releaser: &releaser
        ) { theta throws(PrivateLearningError) in BLASKernels.streamedLogisticGradient(source, theta) }
    }

    /// Fits the model on a CSV file of any size, reading only the features and the label, block
    /// by block within `options.memoryLimit`: the same model, bit for bit, as
    /// ``fit(_:parameters:budget:)`` over the whole file loaded with the same noise (every
    /// statistic and gradient is a sum on the quantisation grid, exact in any order).
    ///
    /// The file is read ``iterations`` times: once for Z̃ᵀZ̃ and Z̃ᵀy — before the charge, so a
    /// file that cannot be read or a text column costs nothing — and once per later gradient
    /// step. A later pass that finds a different number of rows (the file changed under the fit)
    /// fails with ``PrivateLearningError/invalidParameter(name:value:reason:)`` naming `data`,
    /// after the charge: the budget stays spent and no model is returned.
    ///
    /// - Complexity: ``iterations`` streaming passes over the file; memory O(limit + p²).
    public func fit(
        file: String, options: FileScanOptions = FileScanOptions(), parameters: NoiseParameters,
        budget: some BudgetStore
    ) throws(PrivateLearningError) -> LogisticRegressionModel {
        var releaser = SampledNoise(generator: try StatisticNoise.systemGenerator())
        return try fit(file: file, options: options, parameters: parameters, budget: budget, releaser: &releaser)
    }

    /// ``fit(file:options:parameters:budget:)`` with a given releaser (tests inject an exact one).
    func fit(
        file: String, options: FileScanOptions, parameters: NoiseParameters, budget: some BudgetStore,
        releaser: inout some StatisticReleaser
    ) throws(PrivateLearningError) -> LogisticRegressionModel {
        let total = try validate(parameters)
        let rows = try FileRows(
            file: file, options: options, features: features, label: label, bounds: featureBounds,
            labelKind: .binary, maximumRows: maximumRows)
        let first = try rows.statistics()
        let p = features.count + 1
        return try fit(
            design: first.shape, gram: first.gram, moment: first.moment,
            total: total, parameters: parameters, budget: budget, releaser: &releaser
        ) { theta throws(PrivateLearningError) in
            let step = try rows.pass(resultCount: p) { source in BLASKernels.streamedLogisticGradient(source, theta) }
            guard step.rows == first.rows else {
                throw .invalidParameter(
                    name: "data", value: file,
                    reason: "the file changed during the fit (a later pass read a different number of rows)")
            }
            return step.sums
        }
    }

    /// The checks made before any data is read; returns the total ρ (Gaussian, from ρ or
    /// (ε, δ)) or ε (Laplace family).
    private func validate(_ parameters: NoiseParameters) throws(PrivateLearningError) -> Double {
        guard iterations >= 1, iterations <= 10_000 else {
            throw .invalidParameter(name: "iterations", value: "\(iterations)", reason: "must lie in 1 … 10000")
        }
        guard regularization.isFinite, regularization >= 0 else {
            throw .invalidParameter(
                name: "regularization", value: "\(regularization)", reason: "must be finite and ≥ 0")
        }
        guard effectiveHessianShare > 0, effectiveHessianShare < 1 else {
            throw .invalidParameter(
                name: "hessianShare", value: "\(effectiveHessianShare)", reason: "must lie in (0, 1)")
        }
        guard mechanism == .discreteGaussian || mechanism.isLaplaceFamily else {
            throw .invalidParameter(
                name: "mechanism", value: mechanism.rawValue,
                reason: "logistic regression uses discrete-gaussian (zCDP), laplace or discrete-laplace (pure ε)")
        }
        do {
            try parameters.validate(for: mechanism)
            return mechanism.isLaplaceFamily ? (parameters.epsilon ?? .nan) : try parameters.zCDPRho()
        } catch { throw PrivateLearningError(error) }
    }

    /// ``hessianShare``, or its default for ``iterations``.
    private var effectiveHessianShare: Double { hessianShare ?? (iterations == 1 ? 0.5 : 0.2) }

    /// The fit from the exact Z̃ᵀZ̃ and Z̃ᵀy of the rows: the charge, the noisy Hessian bound,
    /// then ``iterations`` noisy Newton-like steps, each later one asking `gradient` for the
    /// exact Z̃ᵀ(sigmoid(Z̃θ) − y) at θ (a pass over the rows).
    private func fit(
        design source: DesignSource, gram: [Double], moment: [Double], total: Double, parameters: NoiseParameters,
        budget: some BudgetStore, releaser: inout some StatisticReleaser,
        gradient: ([Double]) throws(PrivateLearningError) -> [Double]
    ) throws(PrivateLearningError) -> LogisticRegressionModel {
        let hessianShare = effectiveHessianShare
        let p = source.parameters, c = source.squaredNormBound, s = source.absoluteSumBound, bits = source.gridBits
        func share(_ part: Double) -> NoiseParameters {
            mechanism.isLaplaceFamily ? .pure(epsilon: part) : .zCDP(rho: part)
        }
        let hessianNoise = try StatisticNoise(
            mechanism: mechanism, parameters: share(total * hessianShare),
            l1: (s * s + c) / 2, l2: ((c * c + c) / 2).squareRoot(), gridBits: bits)
        let gradientNoise = try StatisticNoise(
            mechanism: mechanism,
            parameters: share(total * (1 - hessianShare) / Double(iterations)),
            l1: s, l2: c.squareRoot(), gridBits: bits)
        let stated = try StatisticNoise.stated(mechanism: mechanism, parameters: parameters)
        let rho = mechanism.isLaplaceFamily ? total * total / 2 : total
        let event: PrivacyEvent = .composed([
            hessianNoise.noise.event, .repeated(gradientNoise.noise.event, count: iterations),
        ])
        // The gate's order: the charge is committed before any noise is drawn.
        let request: ChargeRequest
        do {
            request = try ChargeRequest(
                stated: stated, mechanism: event,
                description:
                    "logistic regression of '\(label)' on \(features.joined(separator: ", ")) (noisy gradient descent, \(iterations) steps, \(mechanism))"
            )
        } catch { throw PrivateLearningError(error) }
        do { _ = try budget.charge(request) } catch { throw PrivateLearningError(refusal: error) }

        // Z̃ᵀZ̃ (the Hessian bound and, in its intercept column, Σ z̃) and Z̃ᵀy, from one pass.
        var bound = [Double](repeating: 0, count: p * p)
        for column in 0..<p {
            for row in 0...column {
                let value = releaser.release(gram[column * p + row], gridBits: bits, under: hessianNoise)
                bound[column * p + row] = value / 4
                bound[row * p + column] = value / 4
            }
        }
        let rows = max(1, bound[p * p - 1] * 4)
        let penalty = rows * regularization
        for j in 0..<p { bound[j * p + j] += penalty }
        // Floor: the penalty, the noise's spectral reach on Ĥ/4 (2√p·σ_H/4; eigenvalues below
        // it are noise), and a tiny multiple of the row count.
        let entrySD = mechanism.isLaplaceFamily ? hessianNoise.scale * 2.0.squareRoot() : hessianNoise.scale
        let noiseReach = releaser.isExact ? 0 : 2 * Double(p).squareRoot() * entrySD / 4
        let floor = max(penalty, noiseReach, 1e-9 * rows)
        guard let preconditioner = FlooredSymmetricSolver(bound, order: p, floor: floor) else {
            throw .invalidParameter(
                name: "regularization", value: "\(regularization)", reason: "the eigen-decomposition did not converge")
        }

        // Step 1 from θ = 0, where every residual is sigmoid(0) − y = ±½: the gradient is
        // ½·Σ z̃ − Z̃ᵀy, read off the same pass. 2g = Σ (1 − 2y) z̃ has the gradient's sensitivity
        // (|1 − 2y| = 1), so g is released with half the noise of a later step. θ₁ = −P⁻¹ĝ
        // minimises the noisy second-order Taylor expansion of the loss at 0: the functional
        // mechanism.
        var twiceGradient = [Double](repeating: 0, count: p)
        for j in 0..<p { twiceGradient[j] = gram[(p - 1) * p + j] - 2 * moment[j] }
        let firstGradient = twiceGradient.map {
            releaser.release($0, gridBits: bits, under: gradientNoise) / 2
        }
        var theta = preconditioner.solve(firstGradient).map { -$0 }

        // Steps 2 … T, each one pass over the rows.
        if iterations > 1 {
            for _ in 1..<iterations {
                let exact = try gradient(theta)
                var step = [Double](repeating: 0, count: p)
                for j in 0..<p {
                    step[j] =
                        releaser.release(exact[j], gridBits: bits, under: gradientNoise)
                        + penalty * theta[j]
                }
                let delta = preconditioner.solve(step)
                for j in 0..<p { theta[j] -= delta[j] }
            }
        }

        var coefficients = [Double](repeating: 0, count: features.count)
        var intercept = theta[p - 1]
        for j in 0..<features.count {
            coefficients[j] = theta[j] * source.scaling.scale[j]
            intercept += theta[j] * source.scaling.offset[j]
        }
        return LogisticRegressionModel(
            features: features, label: label, coefficients: coefficients, intercept: intercept,
            stated: stated, mechanismEvent: event, rho: rho, iterations: iterations,
            gradientNoiseScale: gradientNoise.scale, hessianNoiseScale: hessianNoise.scale,
            flooredEigenvalues: preconditioner.flooredCount)
    }
}

/// A logistic model `P(label = 1) = sigmoid(intercept + Σⱼ coefficients[j] · features[j])` and
/// the guarantee its fit spent.
public struct LogisticRegressionModel: Sendable, Hashable, Codable {
    /// Feature column names, in coefficient order.
    public let features: [String]
    /// The label column.
    public let label: String
    /// One coefficient per feature (log-odds per feature unit).
    public let coefficients: [Double]
    /// The intercept (log-odds).
    public let intercept: Double
    /// The guarantee the fit stated (and charged).
    public let stated: PrivacyEvent
    /// The composed events of the noise actually added.
    public let mechanismEvent: PrivacyEvent
    /// The total ρ spent (zCDP); for a pure-ε fit, the ρ = ε²/2 that ε implies.
    public let rho: Double
    /// Gradient steps taken.
    public let iterations: Int
    /// σ (or the Laplace scale b) of the noise on each gradient coordinate, in the model's
    /// internal unit (the first step's gradient, at θ = 0, carries half of it).
    public let gradientNoiseScale: Double
    /// σ (or b) of the noise on each entry of XᵀX, in the model's internal unit.
    public let hessianNoiseScale: Double
    /// How many eigenvalues of the noisy Hessian bound were raised to the floor.
    public let flooredEigenvalues: Int

    /// The log-odds for one row of feature values (in ``features`` order).
    ///
    /// - Precondition: `values.count == features.count`.
    public func logOdds(_ values: [Double]) -> Double {
        precondition(values.count == coefficients.count, "give one value per feature")
        var s = intercept
        for j in 0..<coefficients.count { s += coefficients[j] * values[j] }
        return s
    }

    /// P(label = 1) for one row of feature values.
    public func probability(_ values: [Double]) -> Double { 1 / (1 + exp(-logOdds(values))) }

    /// P(label = 1) for every row of `table` (NaN where a feature is missing).
    ///
    /// - Complexity: O(rows · features).
    public func probabilities(_ table: Table) throws(PrivateLearningError) -> [Double] {
        try ModelScoring.linearScores(table, features: features, coefficients: coefficients, intercept: intercept)
            .map { $0.isNaN ? .nan : 1 / (1 + exp(-$0)) }
    }

    /// The area under the ROC curve on `table` (ties counted half), over complete rows. An
    /// evaluation helper that reads the data without privacy.
    ///
    /// - Throws: column errors, or ``PrivateLearningError/emptyTable(what:)`` when either
    ///   class is absent.
    /// - Complexity: O(rows log rows).
    public func auc(on table: Table) throws(PrivateLearningError) -> Double {
        let scores = try ModelScoring.linearScores(
            table, features: features, coefficients: coefficients, intercept: intercept)
        let labels = try ModelScoring.labels(table, label)
        return try ModelScoring.auc(scores: scores, labels: labels)
    }

    /// The mean log-loss (cross-entropy, natural log) −(1/n) Σ [y log p + (1 − y) log(1 − p)]
    /// over complete rows of `table`: lower is better, and unlike ``auc(on:)`` it penalises
    /// miscalibrated probabilities. An evaluation helper that reads the data without privacy.
    ///
    /// - Throws: column errors, or ``PrivateLearningError/emptyTable(what:)`` when no row is
    ///   complete.
    /// - Complexity: O(rows · features).
    public func logLoss(on table: Table) throws(PrivateLearningError) -> Double {
        let scores = try ModelScoring.linearScores(
            table, features: features, coefficients: coefficients, intercept: intercept)
        let labels = try ModelScoring.labels(table, label)
        var count = 0, total = 0.0
        for i in 0..<scores.count where !scores[i].isNaN && !labels[i].isNaN {
            count += 1
            // log(1 + e^(−s)) for class 1, log(1 + e^s) for class 0, computed without overflow.
            let margin = labels[i] != 0 ? scores[i] : -scores[i]
            total += margin > 0 ? log1p(exp(-margin)) : -margin + log1p(exp(margin))
        }
        guard count > 0 else { throw .emptyTable(what: "no complete row to score") }
        return total / Double(count)
    }

    /// The share of complete rows whose class (probability ≥ 1/2) matches the label. An
    /// evaluation helper that reads the data without privacy.
    public func accuracy(on table: Table) throws(PrivateLearningError) -> Double {
        let scores = try ModelScoring.linearScores(
            table, features: features, coefficients: coefficients, intercept: intercept)
        let labels = try ModelScoring.labels(table, label)
        var count = 0, correct = 0
        for i in 0..<scores.count where !scores[i].isNaN && !labels[i].isNaN {
            count += 1
            if (scores[i] >= 0) == (labels[i] != 0) { correct += 1 }
        }
        guard count > 0 else { throw .emptyTable(what: "no complete row to score") }
        return Double(correct) / Double(count)
    }
}

/// Scoring over table columns, shared by both models.
enum ModelScoring {
    /// intercept + Σ coefficients[j]·x_j per row; NaN where a feature is missing.
    static func linearScores(
        _ table: Table, features: [String], coefficients: [Double], intercept: Double
    ) throws(PrivateLearningError) -> [Double] {
        var scores = [Double](repeating: intercept, count: table.rowCount)
        for (j, name) in features.enumerated() {
            let column = try DesignMatrix.numericColumn(table, name)
            let values = DesignMatrix.doubles(of: column)
            let b = coefficients[j]
            for i in 0..<scores.count { scores[i] += b * values[i] }
            if column.nullCount > 0 { for i in 0..<scores.count where !column.isValid(i) { scores[i] = .nan } }
        }
        return scores
    }

    /// The label column as doubles; NaN where missing.
    static func labels(_ table: Table, _ name: String) throws(PrivateLearningError) -> [Double] {
        let column = try DesignMatrix.numericColumn(table, name)
        var values = DesignMatrix.doubles(of: column)
        if column.nullCount > 0 { for i in 0..<values.count where !column.isValid(i) { values[i] = .nan } }
        return values
    }

    /// Mann–Whitney AUC with ties counted half; class 1 is a non-zero label; NaN rows skipped.
    static func auc(scores: [Double], labels: [Double]) throws(PrivateLearningError) -> Double {
        var pairs: [(score: Double, positive: Bool)] = []
        pairs.reserveCapacity(scores.count)
        for i in 0..<scores.count where !scores[i].isNaN && !labels[i].isNaN {
            pairs.append((scores[i], labels[i] != 0))
        }
        pairs.sort { $0.score < $1.score }
        var positives = 0.0, negatives = 0.0, rankSum = 0.0
        var i = 0
        while i < pairs.count {
            var j = i
            while j < pairs.count && pairs[j].score == pairs[i].score { j += 1 }
            let averageRank = Double(i + j + 1) / 2  // ranks i+1 … j
            for k in i..<j where pairs[k].positive {
                rankSum += averageRank
                positives += 1
            }
            negatives += Double(j - i)
            i = j
        }
        negatives -= positives
        guard positives > 0, negatives > 0 else { throw .emptyTable(what: "AUC needs rows of both classes") }
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
    }
}
