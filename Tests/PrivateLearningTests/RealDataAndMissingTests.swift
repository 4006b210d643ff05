import DifferentialPrivacy
import Foundation
@testable import PrivateLearning
@_spi(Testing) import SecureRandom
import Tabular
import Testing
import _TestSupport

@Suite("Private learning on real data and missing values")
struct RealDataAndMissingTests {
    @Test func rowsWithAMissingValueAreDropped() throws {
        // Rows 3 and 7 miss x2 or y; the fit must equal the fit on the complete rows only.
        let (full, _, _) = try LinearRegressionTests.integerTable(rows: 400, seed: 12)
        let x1 = try full.column("x1"), x2 = try full.column("x2"), y = try full.column("y")
        let x2Valid = ValidityBitmap((0..<400).map { $0 != 3 })
        let yValid = ValidityBitmap((0..<400).map { $0 != 7 })
        let withMissing = try Table(columns: [
            x1, try Column(name: "x2", values: x2.values, validity: x2Valid),
            try Column(name: "y", values: y.values, validity: yValid),
        ])
        let keep = (0..<400).filter { $0 != 3 && $0 != 7 }
        let complete = try Table(columns: [
            try Column("x1", int64: keep.map { try x1.int64Values()[$0] }),
            try Column("x2", float64: keep.map { try x2.float64Values()[$0] }),
            try Column("y", float64: keep.map { try y.float64Values()[$0] }),
        ])
        func fit(_ table: Table) throws -> LinearRegressionModel {
            var sampled = SampledNoise(generator: SecureRandomGenerator(testSeed: 4))
            return try LinearRegressionTests.regression.fit(
                table, parameters: NoiseParameters.approximate(epsilon: 1, delta: 1e-6),
                budget: try PrivacySession(budget: .approximate(epsilon: 1, delta: 1e-6)),
                releaser: &sampled)
        }
        #expect(try fit(withMissing) == fit(complete))
        let predictions = try fit(complete).predict(withMissing)
        #expect(predictions[3].isNaN && !predictions[7].isNaN)
    }

    @Test(.enabled(if: SharedData.available(["lendingclub_loans/lendingclub_loans.csv"])))
    func lendingClubInterestRate() throws {
        // Interest rate (%) against debt-to-income, term (months) and recent inquiries: public
        // bounds from the domain, never from the data.
        let loans = try CSVReader.load(file: SharedData.path("lendingclub_loans/lendingclub_loans.csv")).table
        let features = ["debt_to_income", "term", "inquiries_last_12m"]
        let ranges: [ClosedRange<Double>] = [0...60, 36...60, 0...10]
        let exact = PrivateLinearRegression(
            features: features, label: "interest_rate", featureBounds: .perColumn(ranges),
            labelBounds: 5...31, ridge: 0)
        var sampled = SampledNoise(generator: SecureRandomGenerator(testSeed: 6))
        var exactStatistics = ExactStatistics()
        let reference = try exact.fit(
            loans, parameters: NoiseParameters.approximate(epsilon: 1, delta: 1e-6),
            budget: try PrivacySession(budget: .approximate(epsilon: 1, delta: 1e-6)),
            releaser: &exactStatistics)
        let r2Reference = try reference.rSquared(on: loans)
        #expect(r2Reference > 0.05, "term and inquiries explain part of the rate (R² \(r2Reference))")
        var privateFit = exact
        privateFit.ridge = nil
        let model = try privateFit.fit(
            loans, parameters: NoiseParameters.approximate(epsilon: 4, delta: 1e-6),
            budget: try PrivacySession(budget: .approximate(epsilon: 4, delta: 1e-6)),
            releaser: &sampled)
        let r2 = try model.rSquared(on: loans)
        #expect(r2 > r2Reference - 0.05, "ε = 4 on 10,000 loans: R² \(r2) vs non-private \(r2Reference)")
        #expect(model.coefficients[1] > 0, "longer terms carry higher rates")
    }

    @Test(.enabled(if: SharedData.available(["lendingclub_loans/lendingclub_loans.csv"])))
    func lendingClubLongTermLoans() throws {
        // Which loans run 60 rather than 36 months, from amount and rate: larger, pricier loans
        // tend to be longer. Bounds are public domain limits (Lending Club: $1,000–$40,000).
        let loans = try CSVReader.load(file: SharedData.path("lendingclub_loans/lendingclub_loans.csv")).table
        let term = try loans.column("term").int64Values()
        let table = try Table(columns: [
            try loans.column("loan_amount"), try loans.column("interest_rate"),
            try Column("long_term", bool: term.map { $0 == 60 }),
        ])
        let logistic = PrivateLogisticRegression(
            features: ["loan_amount", "interest_rate"], label: "long_term",
            featureBounds: .perColumn([1_000...40_000, 5...31]), iterations: 30)
        var sampled = SampledNoise(generator: SecureRandomGenerator(testSeed: 8))
        var exactStatistics = ExactStatistics()
        let exact = try logistic.fit(
            table, parameters: NoiseParameters.zCDP(rho: 1), budget: try PrivacySession(budget: .zCDP(rho: 1)),
            releaser: &exactStatistics)
        let exactAUC = try exact.auc(on: table)
        #expect(exactAUC > 0.7, "amount and rate separate the terms (AUC \(exactAUC))")
        #expect(exact.coefficients[0] > 0, "larger loans run longer")
        let model = try logistic.fit(
            table, parameters: NoiseParameters.approximate(epsilon: 1, delta: 1e-6),
            budget: try PrivacySession(budget: .approximate(epsilon: 1, delta: 1e-6)),
            releaser: &sampled)
        let auc = try model.auc(on: table)
        #expect(auc > exactAUC - 0.02, "ε = 1 on 10,000 loans: AUC \(auc) vs noise-free \(exactAUC)")
    }
}
