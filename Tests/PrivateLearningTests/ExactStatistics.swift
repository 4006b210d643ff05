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

extension PrivateLinearRegression {
    /// The fit with a seeded generator, or with exact statistics when `exact` (this test
    /// target's ``ExactStatistics``); the generator advances as the sampled fit used it.
    func fit(
        _ table: Table, parameters: NoiseParameters, budget: some BudgetStore,
        generator: inout SecureRandomGenerator, exact: Bool
    ) throws(PrivateLearningError) -> LinearRegressionModel {
        if exact {
            var releaser = ExactStatistics()
            return try fit(table, parameters: parameters, budget: budget, releaser: &releaser)
        }
        var releaser = SampledNoise(generator: generator)
        defer { generator = releaser.generator }
        return try fit(table, parameters: parameters, budget: budget, releaser: &releaser)
    }
}

extension PrivateLogisticRegression {
    /// The fit with a seeded generator, or with exact statistics when `exact`.
    func fit(
        _ table: Table, parameters: NoiseParameters, budget: some BudgetStore,
        generator: inout SecureRandomGenerator, exact: Bool
    ) throws(PrivateLearningError) -> LogisticRegressionModel {
        if exact {
            var releaser = ExactStatistics()
            return try fit(table, parameters: parameters, budget: budget, releaser: &releaser)
        }
        var releaser = SampledNoise(generator: generator)
        defer { generator = releaser.generator }
        return try fit(table, parameters: parameters, budget: budget, releaser: &releaser)
    }
}
