import DifferentialPrivacy
import Foundation
@testable import PrivateLearning
@_spi(Testing) import SecureRandom
import Tabular
import Testing

@Suite("Private logistic regression")
struct LogisticRegressionTests {
    static let truth = [0.6, -0.4, 0.3]  // x1, x2, intercept (per original unit)

    /// Integer features in [0, 8] (exact on the grid) and labels drawn from the logistic model.
    static func table(rows: Int, seed: UInt64) throws -> (Table, [[Double]], [Double]) {
        var random = TestData(seed: seed)
        var x1: [Int64] = [], x2: [Double] = [], y: [Bool] = [], design: [[Double]] = [], labels: [Double] = []
        for _ in 0..<rows {
            let a = Double(random.integer(below: 9)), b = Double(random.integer(below: 9))
            let logit = truth[0] * (a - 4) + truth[1] * (b - 4) + truth[2]
            let positive = random.uniform() < 1 / (1 + exp(-logit))
            x1.append(Int64(a))
            x2.append(b)
            y.append(positive)
            design.append([a / 4 - 1, b / 4 - 1, 1])
            labels.append(positive ? 1 : 0)
        }
        let table = try Table(columns: [
            try Column("x1", int64: x1), try Column("x2", float64: x2), try Column("y", bool: y),
        ])
        return (table, design, labels)
    }

    /// The minimiser of Σ logistic loss + (nλ/2)‖θ‖² by Newton's method (test-only, independent
    /// of the module's solver), in the model's [−1, 1] unit.
    static func newton(_ design: [[Double]], _ labels: [Double], lambda: Double) -> [Double] {
        let p = design[0].count, n = Double(design.count)
        var theta = [Double](repeating: 0, count: p)
        for _ in 0..<50 {
            var system = [[Double]](repeating: [Double](repeating: 0, count: p + 1), count: p)
            for (row, y) in zip(design, labels) {
                var s = 0.0
                for j in 0..<p { s += row[j] * theta[j] }
                let mu = 1 / (1 + exp(-s)), w = mu * (1 - mu)
                for j in 0..<p {
                    for k in 0..<p { system[j][k] += w * row[j] * row[k] }
                    system[j][p] -= (mu - y) * row[j]
                }
            }
            for j in 0..<p {
                system[j][j] += n * lambda
                system[j][p] -= n * lambda * theta[j]
            }
            let step = gaussianElimination(system)
            for j in 0..<p { theta[j] += step[j] }
        }
        return theta
    }

    @Test func exactStatisticsGiveTheRegularisedMaximumLikelihood() throws {
        let (table, design, labels) = try Self.table(rows: 4_000, seed: 21)
        let lambda = 1e-3
        let exact = Self.newton(design, labels, lambda: lambda)
        let logistic = PrivateLogisticRegression(
            features: ["x1", "x2"], label: "y", featureBounds: .perColumn([0...8, 0...8]),
            iterations: 200, regularization: lambda, maximumRows: 1 << 13)
        // 8,192 rows at most → a 2^-20 grid, so quantising the residuals moves θ by ~10⁻⁷ only.
        var generator = SecureRandomGenerator(testSeed: 3)
        let session = try PrivacySession(budget: .zCDP(rho: 1))
        let model = try logistic.fit(
            table, parameters: NoiseParameters.zCDP(rho: 0.5), budget: session, generator: &generator, exact: true)
        // Back to the original unit: z = x/4 − 1.
        #expect(abs(model.coefficients[0] - exact[0] / 4) < 1e-6)
        #expect(abs(model.coefficients[1] - exact[1] / 4) < 1e-6)
        #expect(abs(model.intercept - (exact[2] - exact[0] - exact[1])) < 1e-6)
        #expect(abs(session.spent - 0.5) < 1e-9)
    }

    /// The fits' streamed gradient (blocks rebuilt from the columns) is the materialised
    /// matrix's gradient bit for bit, for both kinds of feature bound and a row count that is
    /// not a multiple of the block or chunk size.
    @Test(arguments: [FeatureBounds.perColumn([0...8, 0...8]), .rowNorm(9)])
    func streamedGradientEqualsTheMaterialisedOne(bounds: FeatureBounds) throws {
        let (table, _, _) = try Self.table(rows: 70_001, seed: 13)
        let source = try DesignMatrix.prepare(
            table: table, features: ["x1", "x2"], label: "y", bounds: bounds,
            labelKind: .binary, maximumRows: 1 << 31)
        let matrix = source.materialize()
        for theta in [[0.0, 0, 0], [0.7, -0.4, 0.2], [-3.1, 2.5, 1.0]] {
            #expect(BLASKernels.streamedLogisticGradient(source, theta) == BLASKernels.logisticGradient(matrix, theta))
        }
    }

    /// One step is the functional mechanism: the minimiser of the second-order Taylor expansion
    /// of the loss at 0, θ = −(ZᵀZ/4 + nλI)⁻¹ Σ(½ − y)z, computed here directly.
    @Test func oneStepIsTheFunctionalMechanism() throws {
        let (table, design, labels) = try Self.table(rows: 3_000, seed: 5)
        let lambda = 1e-3, p = 3, n = Double(design.count)
        var system = [[Double]](repeating: [Double](repeating: 0, count: p + 1), count: p)
        for (row, y) in zip(design, labels) {
            for j in 0..<p {
                for k in 0..<p { system[j][k] += row[j] * row[k] / 4 }
                system[j][p] -= (0.5 - y) * row[j]
            }
        }
        for j in 0..<p { system[j][j] += n * lambda }
        let expected = gaussianElimination(system)
        let logistic = PrivateLogisticRegression(
            features: ["x1", "x2"], label: "y", featureBounds: .perColumn([0...8, 0...8]),
            iterations: 1, regularization: lambda)
        var generator = SecureRandomGenerator(testSeed: 8)
        let model = try logistic.fit(
            table, parameters: NoiseParameters.zCDP(rho: 1), budget: try PrivacySession(budget: .zCDP(rho: 1)),
            generator: &generator, exact: true)
        #expect(abs(model.coefficients[0] - expected[0] / 4) < 1e-12)
        #expect(abs(model.coefficients[1] - expected[1] / 4) < 1e-12)
        #expect(abs(model.intercept - (expected[2] - expected[0] - expected[1])) < 1e-12)
        // With noise at a generous ρ the one-pass model ranks as well as the truth, and its
        // coefficients keep the truth's signs (they are shrunk toward 0, not calibrated).
        let noisy = try logistic.fit(
            table, parameters: NoiseParameters.zCDP(rho: 5), budget: try PrivacySession(budget: .zCDP(rho: 5)),
            generator: &generator, exact: false)
        let truthAUC = try ModelScoring.auc(
            scores: design.map { Self.truth[0] * $0[0] + Self.truth[1] * $0[1] }, labels: labels)
        #expect(try noisy.auc(on: table) > truthAUC - 0.01)
        #expect(noisy.coefficients[0] > 0 && noisy.coefficients[1] < 0)
    }

    @Test func noisyFitApproachesTheExactModelAsRhoGrows() throws {
        let (table, design, labels) = try Self.table(rows: 20_000, seed: 4)
        let exact = Self.newton(design, labels, lambda: 1e-5)
        let logistic = PrivateLogisticRegression(
            features: ["x1", "x2"], label: "y", featureBounds: .perColumn([0...8, 0...8]),
            iterations: 20)
        func error(rho: Double) throws -> Double {
            var total = 0.0
            for seed in 0..<4 {
                var generator = SecureRandomGenerator(testSeed: UInt64(seed + 50))
                let model = try logistic.fit(
                    table, parameters: NoiseParameters.zCDP(rho: rho),
                    budget: try PrivacySession(budget: .zCDP(rho: rho)),
                    generator: &generator, exact: false)
                total += abs(model.coefficients[0] - exact[0] / 4) + abs(model.coefficients[1] - exact[1] / 4)
            }
            return total / 4
        }
        let loose = try error(rho: 1e-4), tight = try error(rho: 10)
        #expect(tight < loose)
        #expect(tight < 0.01, "ρ = 10 on 20,000 rows should be close to the MLE (error \(tight))")
        // The tight model ranks about as well as the truth.
        var generator = SecureRandomGenerator(testSeed: 9)
        let model = try logistic.fit(
            table, parameters: NoiseParameters.zCDP(rho: 10), budget: try PrivacySession(budget: .zCDP(rho: 10)),
            generator: &generator, exact: false)
        let truthAUC = try ModelScoring.auc(
            scores: design.map { 4 * Self.truth[0] * ($0[0]) + 4 * Self.truth[1] * $0[1] }, labels: labels)
        #expect(try model.auc(on: table) > truthAUC - 0.01)
        #expect(try model.accuracy(on: table) > 0.6)
    }

    @Test func epsilonDeltaIsStatedAndSpentAsZCDP() throws {
        let (table, _, _) = try Self.table(rows: 1_000, seed: 2)
        let session = try PrivacySession(budget: .approximate(epsilon: 2, delta: 1e-6))
        let logistic = PrivateLogisticRegression(
            features: ["x1", "x2"], label: "y", featureBounds: .rowNorm(12), iterations: 5)
        let model = try logistic.fit(
            table, parameters: NoiseParameters.approximate(epsilon: 1, delta: 1e-6), budget: session)
        #expect(model.stated == .approximate(epsilon: 1, delta: 1e-6))
        #expect(session.charges.count == 1)
        // The composed discrete-Gaussian events amount to the ρ derived from (ε, δ).
        var accountant = ZCDPAccountant()
        try accountant.compose(model.mechanismEvent)
        #expect(abs(accountant.rho - model.rho) < 1e-9 * model.rho)
        #expect(try accountant.epsilon(delta: 1e-6) <= 1 + 1e-9)
        #expect(session.spent > 0.99 && session.spent < 1.01)
    }

    @Test func pureEpsilonWithLaplaceNoise() throws {
        let (table, design, labels) = try Self.table(rows: 20_000, seed: 8)
        let exact = Self.newton(design, labels, lambda: 1e-5)
        let session = try PrivacySession(budget: .pure(epsilon: 50))
        var logistic = PrivateLogisticRegression(
            features: ["x1", "x2"], label: "y", featureBounds: .perColumn([0...8, 0...8]), iterations: 10)
        logistic.mechanism = .laplace
        var generator = SecureRandomGenerator(testSeed: 12)
        let model = try logistic.fit(
            table, parameters: NoiseParameters.pure(epsilon: 50), budget: session, generator: &generator,
            exact: false)
        #expect(model.stated == .pureEpsilon(50))
        #expect(abs(session.spent - 50) < 1e-9)
        let error = abs(model.coefficients[0] - exact[0] / 4) + abs(model.coefficients[1] - exact[1] / 4)
        #expect(error < 0.02, "ε = 50 on 20,000 rows should be close to the MLE (error \(error))")
        logistic.mechanism = .gaussian
        #expect(throws: PrivateLearningError.self) {
            _ = try logistic.fit(
                table, parameters: NoiseParameters.approximate(epsilon: 1, delta: 1e-6), budget: session)
        }
    }

    @Test func typedErrors() throws {
        let (table, _, _) = try Self.table(rows: 100, seed: 2)
        let session = try PrivacySession(budget: .zCDP(rho: 1))
        let base = PrivateLogisticRegression(
            features: ["x1", "x2"], label: "y", featureBounds: .perColumn([0...8, 0...8]))
        func error(_ logistic: PrivateLogisticRegression, _ parameters: NoiseParameters) -> PrivateLearningError? {
            do {
                _ = try logistic.fit(table, parameters: parameters, budget: session)
                return nil
            } catch { return error }
        }
        guard case .invalidParameter(name: "rho", _, _)? = error(base, NoiseParameters.zCDP(rho: -1)) else {
            Issue.record("ρ < 0")
            return
        }
        guard
            case .invalidParameter(name: "epsilon", _, _)? = error(
                base, NoiseParameters.approximate(epsilon: -1, delta: 1e-6))
        else {
            Issue.record("ε < 0")
            return
        }
        guard
            case .invalidParameter(name: "delta", _, _)? = error(
                base, NoiseParameters.approximate(epsilon: 1, delta: 0))
        else {
            Issue.record("δ = 0")
            return
        }
        var noSteps = base
        noSteps.iterations = 0
        guard case .invalidParameter(name: "iterations", _, _)? = error(noSteps, NoiseParameters.zCDP(rho: 0.1)) else {
            Issue.record("T = 0")
            return
        }
        var share = base
        share.hessianShare = 1
        guard case .invalidParameter(name: "hessianShare", _, _)? = error(share, NoiseParameters.zCDP(rho: 0.1)) else {
            Issue.record("share")
            return
        }
        var unknown = base
        unknown.label = "outcome"
        #expect(
            error(unknown, NoiseParameters.zCDP(rho: 0.1))
                == .unknownColumn(name: "outcome", available: ["x1", "x2", "y"]))
        #expect(session.spent == 0)
        // Budget exceeded is a privacy refusal, and nothing is charged.
        guard case .privacy(.budgetExceeded)? = error(base, NoiseParameters.zCDP(rho: 2)) else {
            Issue.record("budget")
            return
        }
        #expect(session.spent == 0)
    }

    @Test func aucCountsTiesHalf() throws {
        #expect(try ModelScoring.auc(scores: [0.1, 0.2, 0.3, 0.4], labels: [0, 0, 1, 1]) == 1)
        #expect(try ModelScoring.auc(scores: [0.5, 0.5], labels: [0, 1]) == 0.5)
        #expect(try ModelScoring.auc(scores: [0.9, 0.1, 0.5], labels: [0, 1, 1]) == 0)
        #expect(throws: PrivateLearningError.self) { try ModelScoring.auc(scores: [1, 2], labels: [1, 1]) }
    }

    @Test func logLossIsTheMeanCrossEntropyWithoutOverflow() throws {
        let model = LogisticRegressionModel(
            features: ["x"], label: "y", coefficients: [2], intercept: -1, stated: .zCDP(rho: 1),
            mechanismEvent: .zCDP(rho: 1), rho: 1, iterations: 1, gradientNoiseScale: 0,
            hessianNoiseScale: 0, flooredEigenvalues: 0)
        // Scores −1, 1, 3, −1601 (the last would overflow a naive exp), labels 0, 1, 1, 0.
        let table = try Table(columns: [
            try Column("x", float64: [0, 1, 2, -800]), try Column("y", int64: [0, 1, 1, 0]),
        ])
        let expected: Double = (2 * log1p(exp(-1.0)) + log1p(exp(-3.0))) / 4
        #expect(abs(try model.logLoss(on: table) - expected) < 1e-15)
        let wrong = try Table(columns: [
            try Column("x", float64: [0, 1, 2, -800]), try Column("y", int64: [1, 0, 0, 1]),
        ])
        #expect(try model.logLoss(on: wrong) > 100)
    }
}
