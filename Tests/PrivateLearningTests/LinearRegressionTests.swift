import DifferentialPrivacy
import Foundation
@testable import PrivateLearning
@_spi(Testing) import SecureRandom
import Tabular
import Testing

/// Deterministic synthetic data for the tests (SplitMix64; synthetic only, never for privacy).
struct TestData {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
    mutating func integer(below n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func normal() -> Double {
        let u = max(uniform(), 0x1p-60), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}

/// Least squares by the normal equations, solved with partial pivoting (small, test-only).
func leastSquares(_ rows: [[Double]], _ y: [Double]) -> [Double] {
    let p = rows[0].count
    var a = [[Double]](repeating: [Double](repeating: 0, count: p + 1), count: p)
    for (row, target) in zip(rows, y) {
        for j in 0..<p {
            for k in 0..<p { a[j][k] += row[j] * row[k] }
            a[j][p] += row[j] * target
        }
    }
    return gaussianElimination(a)
}

/// Solves the augmented system `a` (p × (p + 1)).
func gaussianElimination(_ input: [[Double]]) -> [Double] {
    var a = input
    let p = a.count
    for col in 0..<p {
        let pivot = (col..<p).max { abs(a[$0][col]) < abs(a[$1][col]) }!
        a.swapAt(col, pivot)
        for r in 0..<p where r != col {
            let f = a[r][col] / a[col][col]
            for c in col...p { a[r][c] -= f * a[col][c] }
        }
    }
    return (0..<p).map { a[$0][p] / a[$0][$0] }
}

@Suite("Private linear regression")
struct LinearRegressionTests {
    /// Integer features in [0, 8] (on the grid after mapping [0, 8] → [−1, 1]) and integer labels
    /// in [−64, 64]: quantisation is exact, so the noise-free fit must equal least squares.
    static func integerTable(rows: Int, seed: UInt64) throws -> (Table, [[Double]], [Double]) {
        var random = TestData(seed: seed)
        var x1: [Int64] = [], x2: [Double] = [], y: [Double] = []
        var design: [[Double]] = []
        for i in 0..<rows {
            let a = random.integer(below: 9), b = random.integer(below: 9)
            let target = 2 * a - 3 * b + 5 + (i % 3 - 1) * random.integer(below: 4)
            x1.append(Int64(a))
            x2.append(Double(b))
            y.append(Double(target))
            design.append([Double(a), Double(b), 1])
        }
        let table = try Table(columns: [
            try Column("x1", int64: x1), try Column("x2", float64: x2), try Column("y", float64: y),
        ])
        return (table, design, y)
    }

    static let regression = PrivateLinearRegression(
        features: ["x1", "x2"], label: "y", featureBounds: .perColumn([0...8, 0...8]), labelBounds: -64...64, ridge: 0)

    @Test func exactStatisticsGiveLeastSquares() throws {
        let (table, design, y) = try Self.integerTable(rows: 5_000, seed: 7)
        let exact = leastSquares(design, y)
        let session = try PrivacySession(budget: .approximate(epsilon: 1, delta: 1e-6))
        var generator = SecureRandomGenerator(testSeed: 1)
        let model = try Self.regression.fit(
            table, parameters: NoiseParameters.approximate(epsilon: 1, delta: 1e-6), budget: session,
            generator: &generator, exact: true)
        #expect(abs(model.coefficients[0] - exact[0]) < 1e-9)
        #expect(abs(model.coefficients[1] - exact[1]) < 1e-9)
        #expect(abs(model.intercept - exact[2]) < 1e-9)
        // Charged even without noise (the test flag changes the noise only).
        #expect(abs(session.spent - 1) < 1e-9)
        let r2 = try model.rSquared(on: table)
        #expect(r2 > 0.9 && r2 <= 1)
    }

    @Test func exactStatisticsWithRowNormGiveLeastSquaresOnScaledData() throws {
        // Rows of norm ≤ 1 are not clipped; features that are multiples of 1/8 stay on the grid.
        var random = TestData(seed: 3)
        var a: [Double] = [], b: [Double] = [], y: [Double] = [], design: [[Double]] = []
        for _ in 0..<3_000 {
            let u = Double(random.integer(below: 6)) / 8, v = Double(random.integer(below: 6)) / 8
            let target = (0.5 * u - 0.25 * v + 0.125 + Double(random.integer(below: 5) - 2) / 64)
            a.append(u)
            b.append(v)
            y.append(target)
            design.append([u, v, 1])
        }
        let table = try Table(columns: [
            try Column("a", float64: a), try Column("b", float64: b), try Column("y", float64: y),
        ])
        let exact = leastSquares(design, y)
        let regression = PrivateLinearRegression(
            features: ["a", "b"], label: "y", featureBounds: .rowNorm(1), labelBounds: -1...1, ridge: 0)
        var generator = SecureRandomGenerator(testSeed: 2)
        let model = try regression.fit(
            table, parameters: NoiseParameters.approximate(epsilon: 1, delta: 1e-6),
            budget: try PrivacySession(budget: .approximate(epsilon: 1, delta: 1e-6)),
            generator: &generator, exact: true)
        #expect(abs(model.coefficients[0] - exact[0]) < 1e-9)
        #expect(abs(model.coefficients[1] - exact[1]) < 1e-9)
        #expect(abs(model.intercept - exact[2]) < 1e-9)
    }

    /// Mean absolute coefficient error over `fits` noisy fits at `epsilon`.
    static func meanError(
        table: Table, truth: [Double], mechanism: NoiseMechanism, epsilon: Double, fits: Int
    ) throws -> Double {
        var regression = Self.regression
        regression.mechanism = mechanism
        regression.ridge = nil
        var total = 0.0
        for seed in 0..<fits {
            var generator = SecureRandomGenerator(testSeed: UInt64(100 + seed))
            let parameters =
                mechanism.isLaplaceFamily
                ? NoiseParameters.pure(epsilon: epsilon) : NoiseParameters.approximate(epsilon: epsilon, delta: 1e-6)
            let budget: PrivacyBudget =
                mechanism.isLaplaceFamily ? .pure(epsilon: epsilon) : .approximate(epsilon: epsilon, delta: 1e-6)
            let model = try regression.fit(
                table, parameters: parameters, budget: try PrivacySession(budget: budget),
                generator: &generator, exact: false)
            let first: Double = abs(model.coefficients[0] - truth[0])
            let second: Double = abs(model.coefficients[1] - truth[1])
            let intercept: Double = abs(model.intercept - truth[2]) / 4
            total += first + second + intercept
        }
        return total / Double(fits)
    }

    @Test(arguments: [NoiseMechanism.gaussian, .laplace, .discreteGaussian, .discreteLaplace])
    func noisyCoefficientsConvergeAsEpsilonGrows(mechanism: NoiseMechanism) throws {
        let (table, design, y) = try Self.integerTable(rows: 20_000, seed: 11)
        let exact = leastSquares(design, y)
        let loose = try Self.meanError(table: table, truth: exact, mechanism: mechanism, epsilon: 0.05, fits: 4)
        let tight = try Self.meanError(table: table, truth: exact, mechanism: mechanism, epsilon: 20, fits: 4)
        #expect(tight < loose)
        #expect(tight < 0.05, "ε = 20 on 20,000 rows should be close to least squares (error \(tight))")
    }

    @Test func statisticsAreExactAcrossChunks() throws {
        // More rows than one BLAS chunk; features with fractional parts on the grid.
        var random = TestData(seed: 5)
        let rows = DesignMatrix.chunkRows * 2 + 123
        var columns: [[Double]] = [[], [], []]
        var y: [Double] = []
        for _ in 0..<rows {
            for j in 0..<3 { columns[j].append(random.uniform() * 10 - 5) }
            y.append(random.normal() * 3)
        }
        let table = try Table(
            columns: (0..<3).map { try Column("f\($0)", float64: columns[$0]) } + [try Column("y", float64: y)])
        let matrix = try DesignMatrix.build(
            table: table, features: ["f0", "f1", "f2"], label: "y",
            bounds: .perColumn([-5...5, -4...4, -5...5]), labelKind: .bounded(-6...6),
            maximumRows: 1 << 31)
        let p = matrix.parameters, m = matrix.rows
        let scale = Double(sign: .plus, exponent: matrix.gridBits, significand: 1)
        // Every value on the grid and in [−1, 1].
        #expect(matrix.values.allSatisfy { abs($0) <= 1 && ($0 * scale).rounded() == $0 * scale })
        // XᵀX and Xᵀy against exact integer sums.
        let gram = BLASKernels.gram(matrix)
        let moment = BLASKernels.transposedTimes(matrix, matrix.labels)
        for j in 0..<p {
            for k in 0..<p {
                var exact: Int64 = 0
                for i in 0..<m {
                    exact += Int64(matrix.values[j * m + i] * scale) * Int64(matrix.values[k * m + i] * scale)
                }
                #expect(gram[k * p + j] * scale * scale == Double(exact))
            }
            var exact: Int64 = 0
            for i in 0..<m { exact += Int64(matrix.values[j * m + i] * scale) * Int64(matrix.labels[i] * scale) }
            #expect(moment[j] * scale * scale == Double(exact))
        }
        // The streamed (never materialised) statistics are the same bits.
        let source = try DesignMatrix.prepare(
            table: table, features: ["f0", "f1", "f2"], label: "y",
            bounds: .perColumn([-5...5, -4...4, -5...5]), labelKind: .bounded(-6...6),
            maximumRows: 1 << 31)
        let streamed = BLASKernels.streamedStatistics(source)
        #expect(streamed.gram == gram)
        #expect(streamed.moment == moment)
    }

    @Test func rowNormClippingKeepsEveryRowInTheUnitBall() throws {
        var random = TestData(seed: 9)
        var columns: [[Double]] = Array(repeating: [], count: 5)
        for _ in 0..<4_000 { for j in 0..<5 { columns[j].append(random.normal() * 3) } }
        let table = try Table(
            columns: (0..<5).map { try Column("f\($0)", float64: columns[$0]) } + [try Column("y", float64: columns[0])]
        )
        let matrix = try DesignMatrix.build(
            table: table, features: (0..<5).map { "f\($0)" }, label: "y", bounds: .rowNorm(2),
            labelKind: .bounded(-1...1), maximumRows: 1 << 31)
        let scale = Double(sign: .plus, exponent: matrix.gridBits, significand: 1)
        let limit = Int64(scale * scale)
        for i in 0..<matrix.rows {
            var norm: Int64 = 0
            for j in 0..<5 {
                let q = Int64(matrix.values[j * matrix.rows + i] * scale)
                norm += q * q
            }
            #expect(norm <= limit)
        }
    }

    /// Rows placed on, just inside and just outside the sphere of radius R (where rounding to
    /// the nearest grid point could leave the unit ball), for coarse and fine grids: every
    /// quantised row has ‖q‖ ≤ 1 exactly, rows well inside are plain round-to-nearest of x/R,
    /// and the streamed blocks are the materialised matrix's bits.
    @Test(arguments: [1 << 12, 1 << 31, 1 << 45])
    func rowNormBoundHoldsExactlyAtTheBoundary(maximumRows: Int) throws {
        var random = TestData(seed: 33)
        let d = 7, radius = 3.0
        var columns: [[Double]] = Array(repeating: [], count: d)
        let stretches = [0.5, 1 - 1e-3, 1 - 1e-7, 1, 1 + 1e-12, 1 + 1e-6, 1.5, 40]
        for row in 0..<3_000 {
            var direction = (0..<d).map { _ in random.normal() }
            if row % 5 == 0 { direction = Array(repeating: 1, count: d) }  // equal coordinates
            let norm = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let length = radius * stretches[row % stretches.count]
            for j in 0..<d { columns[j].append(direction[j] / norm * length) }
        }
        let names = (0..<d).map { "f\($0)" }
        let table = try Table(
            columns: (0..<d).map { try Column(names[$0], float64: columns[$0]) }
                + [try Column("y", float64: columns[0])])
        let source = try DesignMatrix.prepare(
            table: table, features: names, label: "y", bounds: .rowNorm(radius),
            labelKind: .bounded(-radius...radius), maximumRows: maximumRows)
        let matrix = source.materialize()
        let scale = Double(sign: .plus, exponent: matrix.gridBits, significand: 1)
        for i in 0..<matrix.rows {
            var units: Int64 = 0
            for j in 0..<d {
                let value = matrix.values[j * matrix.rows + i] * scale
                #expect(value.rounded() == value)
                units += Int64(value) * Int64(value)
            }
            #expect(units <= Int64(scale * scale), "row \(i): ‖q‖² = \(units) grid units")
            if stretches[i % stretches.count] == 0.5 {
                for j in 0..<d {
                    #expect(
                        matrix.values[j * matrix.rows + i] == (columns[j][i] * (1 / radius) * scale).rounded(
                            .toNearestOrEven) / scale)
                }
            }
        }
        let streamed = BLASKernels.streamedStatistics(source)
        #expect(streamed.gram == BLASKernels.gram(matrix))
        #expect(streamed.moment == BLASKernels.transposedTimes(matrix, matrix.labels))
    }

    @Test func sessionIsChargedWithTheStatedGuarantee() throws {
        let (table, _, _) = try Self.integerTable(rows: 500, seed: 1)
        let session = try PrivacySession(budget: .pure(epsilon: 1))
        var regression = Self.regression
        regression.mechanism = .laplace
        let model = try regression.fit(table, parameters: NoiseParameters.pure(epsilon: 0.4), budget: session)
        #expect(model.stated == .pureEpsilon(0.4))
        #expect(abs(session.spent - 0.4) < 1e-12)
        #expect(session.charges.count == 1)
        // Over budget: refused, nothing charged.
        #expect(throws: PrivateLearningError.self) {
            _ = try regression.fit(table, parameters: NoiseParameters.pure(epsilon: 0.7), budget: session)
        }
        #expect(abs(session.spent - 0.4) < 1e-12)
        #expect(session.charges.count == 1)
    }

    @Test func typedErrors() throws {
        let (table, _, _) = try Self.integerTable(rows: 100, seed: 2)
        let session = try PrivacySession(budget: .approximate(epsilon: 10, delta: 1e-3))
        let good = NoiseParameters.approximate(epsilon: 1, delta: 1e-6)
        func error(
            _ regression: PrivateLinearRegression, _ table: Table, _ parameters: NoiseParameters
        ) -> PrivateLearningError? {
            do {
                _ = try regression.fit(table, parameters: parameters, budget: session)
                return nil
            } catch { return error }
        }
        let base = Self.regression
        guard
            case .invalidParameter(name: "epsilon", _, _)? = error(
                base, table, NoiseParameters.approximate(epsilon: 0, delta: 1e-6))
        else {
            Issue.record("ε = 0 must be an invalid epsilon")
            return
        }
        guard
            case .invalidParameter(name: "delta", _, _)? = error(
                base, table, NoiseParameters.approximate(epsilon: 1, delta: 1))
        else {
            Issue.record("δ = 1 must be an invalid delta")
            return
        }
        var unknown = base
        unknown.features = ["x1", "nope"]
        #expect(error(unknown, table, good) == .unknownColumn(name: "nope", available: ["x1", "x2", "y"]))
        let withText = try Table(
            columns: table.columns + [try Column("city", strings: Array(repeating: "a", count: 100))])
        var text = base
        text.features = ["x1", "city"]
        #expect(error(text, withText, good) == .nonNumericColumn(column: "city", found: "categorical"))
        var badBounds = base
        badBounds.featureBounds = .perColumn([0...8, 3...3])
        guard case .invalidBounds(column: "x2", _, _, _)? = error(badBounds, table, good) else {
            Issue.record("an empty range must be invalid bounds for x2")
            return
        }
        var badLabel = base
        badLabel.labelBounds = 1...1
        guard case .invalidBounds(column: "y", _, _, _)? = error(badLabel, table, good) else {
            Issue.record("an empty label range must be invalid bounds for y")
            return
        }
        var badNorm = base
        badNorm.featureBounds = .rowNorm(.nan)
        guard case .invalidBounds? = error(badNorm, table, good) else {
            Issue.record("NaN row norm")
            return
        }
        var wrongCount = base
        wrongCount.featureBounds = .perColumn([0...8])
        guard case .invalidParameter(name: "featureBounds", _, _)? = error(wrongCount, table, good) else {
            Issue.record("one range for two features")
            return
        }
        let empty = try Table(columns: [
            try Column("x1", int64: []), try Column("x2", float64: []), try Column("y", float64: []),
        ])
        guard case .emptyTable? = error(base, empty, good) else {
            Issue.record("empty table")
            return
        }
        var negativeRidge = base
        negativeRidge.ridge = -1
        guard case .invalidParameter(name: "ridge", _, _)? = error(negativeRidge, table, good) else {
            Issue.record("ridge")
            return
        }
        // None of the refusals charged anything.
        #expect(session.spent == 0)
    }
}

@Suite("Private regression: indefinite noisy statistics")
struct IndefiniteNoiseTests {
    @Test("Issue 12 P2: fewer complete rows than parameters, or none, is not refused (the count is private)")
    func fewOrNoCompleteRowsGiveAFiniteModel() throws {
        // Two complete rows for three parameters, and a table whose label is missing on every
        // row: a refusal would tell how many rows are complete. Both fit, finitely, and charge.
        let two = try Table(columns: [
            try Column("x1", int64: [1, 2]), try Column("x2", float64: [1, 2]), try Column("y", float64: [1, 2]),
        ])
        let none = try Table(columns: [
            try Column("x1", int64: [1, 2]), try Column("x2", float64: [1, 2]),
            try Column(name: "y", values: .float64([1, 2]), validity: ValidityBitmap(count: 2, allValid: false)),
        ])
        for table in [two, none] {
            var generator = SecureRandomGenerator(testSeed: 3)
            let session = try PrivacySession(budget: .approximate(epsilon: 1, delta: 1e-6))
            let model = try LinearRegressionTests.regression.fit(
                table, parameters: NoiseParameters.approximate(epsilon: 1, delta: 1e-6), budget: session,
                generator: &generator, exact: false)
            #expect(model.coefficients.allSatisfy(\.isFinite) && model.intercept.isFinite)
            #expect(session.spent > 0)
        }
    }

    @Test func heavyNoiseOnFewRowsStillGivesAFiniteModel() throws {
        // 12 rows at ε = 0.01: the noisy XᵀX is far from positive definite, and the caller asks
        // for no ridge; the eigenvalue floor must keep every coefficient finite.
        let (table, _, _) = try LinearRegressionTests.integerTable(rows: 12, seed: 13)
        var sawFloor = false
        for seed in 0..<8 {
            var generator = SecureRandomGenerator(testSeed: UInt64(seed))
            let model = try LinearRegressionTests.regression.fit(
                table, parameters: NoiseParameters.approximate(epsilon: 0.01, delta: 1e-6),
                budget: try PrivacySession(budget: .approximate(epsilon: 0.01, delta: 1e-6)),
                generator: &generator, exact: false)
            #expect(model.coefficients.allSatisfy(\.isFinite) && model.intercept.isFinite)
            if model.flooredEigenvalues > 0 { sawFloor = true }
        }
        #expect(sawFloor, "at ε = 0.01 on 12 rows some noisy XᵀX must have been indefinite")
    }
}
