import DifferentialPrivacy
@testable import PrivateLearning
import SecureRandom
import Tabular

/// The exact releaser of this test target: a fit's statistics are released unchanged (the fit
/// still validates, charges and solves), to compare private fits with the exact solution.
struct ExactStatistics: StatisticReleaser {
    var isExact: Bool { true }
    mutating func release(_ value: Double, gridBits: Int, under noise: StatisticNoise) -> Double { value }
}

/// Runs `fit` with this target's ``ExactStatistics`` when `exact`, else with noise sampled from
/// `generator` (advanced as far as the fit used it).
func withReleaser<Model>(
    generator: inout SecureRandomGenerator, exact: Bool,
    _ fit: (inout any StatisticReleaser) throws(PrivateLearningError) -> Model
) throws(PrivateLearningError) -> Model {
    var releaser: any StatisticReleaser = exact ? ExactStatistics() : SampledNoise(generator: generator)
    defer { if let sampled = releaser as? SampledNoise { generator = sampled.generator } }
    return try fit(&releaser)
}

extension PrivateLinearRegression {
    /// The fit with a seeded generator, or with exact statistics when `exact`.
    func fit(
        _ table: Table, parameters: NoiseParameters, budget: some BudgetStore,
        generator: inout SecureRandomGenerator, exact: Bool
    ) throws(PrivateLearningError) -> LinearRegressionModel {
        try withReleaser(generator: &generator, exact: exact) { (releaser) throws(PrivateLearningError) in
            try fit(table, parameters: parameters, budget: budget, releaser: &releaser)
        }
    }
}

extension PrivateLogisticRegression {
    /// The fit with a seeded generator, or with exact statistics when `exact`.
    func fit(
        _ table: Table, parameters: NoiseParameters, budget: some BudgetStore,
        generator: inout SecureRandomGenerator, exact: Bool
    ) throws(PrivateLearningError) -> LogisticRegressionModel {
        try withReleaser(generator: &generator, exact: exact) { (releaser) throws(PrivateLearningError) in
            try fit(table, parameters: parameters, budget: budget, releaser: &releaser)
        }
    }
}
