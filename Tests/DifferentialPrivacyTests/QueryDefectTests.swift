import Foundation
import Testing
@testable import DifferentialPrivacy
@_spi(Testing) import SecureRandom
import Tabular

/// Issue 12: errors raised while querying name the column, its type and the rule — never a
/// value, a data row or a data-dependent count — and non-finite values follow a declared policy.
@Suite("Issue 12 P2: query errors reveal nothing about the data")
struct QueryErrorDisclosureTests {
    @Test("Issue 12 P2: a text column is refused by its type, without a value or a row")
    func textColumnRefusedBySchema() throws {
        let table = try Table(columns: [try Column("diagnosis", strings: ["HIV positive", "flu", "flu"])])
        for statistic in [DPStatistic.sum, .mean, .variance, .standardDeviation, .quantiles] {
            var query = DPQuery(statistic: statistic, column: "diagnosis", lower: 0, upper: 1)
            if statistic == .quantiles { query.quantileLevels = [0.5] }
            do {
                _ = try query.partial(over: table)
                Issue.record("\(statistic) over a text column must be refused")
            } catch {
                let message = error.description
                #expect(
                    error
                        == .columnTypeMismatch(
                            column: "diagnosis", expected: "a numeric column (float64, int64 or bool)",
                            found:
                                "categorical (text); if it holds numbers with NaN, ±inf or out-of-range values, choose a non-finite policy (clamp or drop)"
                        ))
                #expect(!message.contains("HIV") && !message.contains("flu") && !message.contains("row"), "\(message)")
            }
        }
    }

    @Test("Issue 12 P2: non-finite values (1e400, inf, nan) are never echoed; clamp and drop are data-independent")
    func nonFinitePolicies() throws {
        // As the CSV reader leaves it: a column with non-finite tokens is text.
        let tokens = ["1", "2", "inf", "nan", "1e400", "-inf", "n/a"]
        let table = try Table(columns: [try Column("val", strings: tokens)])
        let query = DPQuery.sum(of: "val", clampedTo: 0...10)
        do {
            _ = try query.partial(over: table)
            Issue.record("the default policy refuses the text column")
        } catch {
            #expect(!error.description.contains("1e400") && !error.description.contains("row"), "\(error)")
        }
        let grid = FixedPointGrid(bounds: 0, 10)
        // clamp: 1, 2, +∞ → 10, nan missing, 1e400 → 10, −∞ → 0, "n/a" missing.
        let clamped = try query.handlingNonFiniteValues(.clamp).partial(over: table)
        #expect(clamped.cells[0].count == 5)
        #expect(clamped.cells[0].sum == grid.units(1) + grid.units(2) + 2 * grid.units(10))
        // drop: only the finite numbers.
        let dropped = try query.handlingNonFiniteValues(.drop).partial(over: table)
        #expect(dropped.cells[0].count == 2)
        #expect(dropped.cells[0].sum == grid.units(1) + grid.units(2))
        // A numeric histogram follows the same policy.
        let histogram = try DPQuery.histogram(of: "val", bins: 2, over: 0...10).handlingNonFiniteValues(.drop).partial(
            over: table)
        #expect(histogram.cells.map(\.count) == [2, 0])
    }

    @Test("Issue 12 P2: an empty table is released (noise around zero), not refused")
    func emptyTableIsNotRefused() throws {
        let table = try Table(columns: [try Column("val", float64: []), try Column("grp", strings: [])])
        for query in [
            DPQuery.count(), .sum(of: "val", clampedTo: 0...1), .mean(of: "val", clampedTo: 0...1),
            .variance(of: "val", clampedTo: 0...1), .quantiles(of: "val", levels: [0.5], clampedTo: 0...1),
            DPQuery.count().grouped(by: "grp", keys: .declared(["a"])),
        ] {
            let session = try PrivacySession(budget: .pure(epsilon: 1))
            let release = try session.release(
                try query.partial(over: table), mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 1))
            #expect(release.rows.count == 1)
            #expect(session.spent == 1)
        }
    }

    @Test("Issue 12 P2: merging partials never fails on their values (sums saturate)")
    func mergeSaturates() throws {
        var a = CellPartial(), b = CellPartial()
        a.sum = .max - 5
        b.sum = 100
        a.squaredDeviations = .min + 1
        b.squaredDeviations = -100
        a.count = .max
        b.count = 1
        try a.merge(b)
        #expect(a.sum == .max && a.squaredDeviations == .min && a.count == .max)
        #expect((Int64.max).addingSaturated(1) == .max)
        #expect((Int64.min).subtractingSaturated(1) == .min)
        #expect((Int64(1) << 40).multipliedSaturated(by: -(1 << 40)) == .min)
        #expect(Int64(-3).multipliedSaturated(by: 4) == -12)
    }

    @Test("Issue 12 P2: blocks of the clamped sum add up to the one-pass sum")
    func blockedSumMatches() throws {
        // The block split only matters beyond 2^30 rows; here it must agree with one block.
        let values = (0..<10_000).map { Double($0 % 97) - 13.5 }
        let grid = FixedPointGrid(bounds: -20, 80)
        let whole = values.withUnsafeBufferPointer {
            BoundedKernels.clampedSumOfBlock($0, lower: -20, upper: 80, grid: grid, validity: nil)
        }
        var units: Int64 = 0, count: Int64 = 0
        values.withUnsafeBufferPointer { buffer in
            for start in stride(from: 0, to: values.count, by: 640) {
                let part = BoundedKernels.clampedSumOfBlock(
                    UnsafeBufferPointer(rebasing: buffer[start..<min(values.count, start + 640)]),
                    lower: -20, upper: 80, grid: grid, validity: nil)
                units = units.addingSaturated(part.units)
                count += part.count
            }
        }
        #expect(whole.units == units && whole.count == count)
    }
}

@Suite("Issue 12 crashes: typed errors instead of traps, before any charge")
struct QueryCrashTests {
    @Test("Issue 12 C-bounds: --bounds 0:1e-300 is a typed error, not a precondition trap")
    func tinyBounds() throws {
        let table = try Table(columns: [try Column("val", float64: [0, 1e-301])])
        for statistic in [DPStatistic.sum, .mean, .variance, .quantiles] {
            var query = DPQuery(statistic: statistic, column: "val", lower: 0, upper: 1e-300)
            if statistic == .quantiles { query.quantileLevels = [0.5] }
            #expect(throws: DifferentialPrivacyError.self) { try query.partial(over: table) }
        }
        #expect(throws: DifferentialPrivacyError.self) {
            try DPQuery.histogram(of: "val", bins: 4, over: 0...1e-300).partial(over: table)
        }
        // The smallest supported magnitude works for every statistic, variance included.
        let small = 0x1p-400
        let session = try PrivacySession(budget: .pure(epsilon: 10))
        for query in [DPQuery.sum(of: "val", clampedTo: 0...small), .variance(of: "val", clampedTo: -small...small)] {
            let release = try session.release(
                try query.partial(over: table), mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 1))
            #expect(release.rows[0].value.isFinite)
        }
    }

    @Test("Issue 12 C-bins: a huge bin count is refused without allocating its labels")
    func hugeBins() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let query = DPQuery.histogram(of: "val", bins: 1_000_000_000, over: 0...1)
        #expect(clock.now - start < .seconds(1))
        #expect(DPQuery.binLabels(bins: 1_000_000_000, lower: 0, upper: 1).isEmpty)
        #expect(
            throws: DifferentialPrivacyError.invalidParameter(
                name: "bins", value: "1000000000", reason: "must be in 1 … 2^20 (1,048,576)")
        ) {
            try query.validate()
        }
    }

    @Test("Issue 12 C-int: select() with scores spanning all of Int64 does not trap after charging")
    func extremeScores() throws {
        let session = try PrivacySession(budget: .pure(epsilon: 4))
        for _ in 0..<20 {
            let index = try session.select(
                scores: [Int64.min, Int64.max, 0], epsilon: 0.1, sensitivity: 1, description: "extreme")
            #expect(index == 1)
        }
    }

    @Test("Issue 12 C-int: an L1 sensitivity beyond 63 bits is a typed error before the charge")
    func sensitivityOverflow() throws {
        #expect(throws: DifferentialPrivacyError.self) {
            try AdditiveNoise.Sensitivity(perPartition: 1 << 52, partitions: 1 << 20, inputExponent: 0)
        }
        let keys = (0..<4).map { "k\($0)" }
        let table = try Table(columns: [
            try Column("val", float64: [1, 2, 3, 4]), try Column("grp", strings: keys),
            try Column("unit", strings: ["a", "a", "b", "b"]),
        ])
        let query = DPQuery.sum(of: "val", clampedTo: 0...0x1p52).grouped(by: "grp", keys: .declared(keys))
            .boundingContributions(
                privacyUnit: "unit", maxPartitionsPerUnit: 1 << 20, maxContributionsPerPartition: 1 << 20)
        let session = try PrivacySession(budget: .pure(epsilon: 1))
        #expect(throws: DifferentialPrivacyError.self) {
            try session.release(
                try query.partial(over: table), mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 1))
        }
        #expect(session.spent == 0)
    }
}

@Suite("Issue 12: released intervals and quantile levels")
struct ReleasedIntervalTests {
    @Test("Issue 12 C-quantile-levels: variance and standard deviation carry a ci95 around the value")
    func varianceIntervals() throws {
        let values = (0..<20_000).map { Double($0 % 100) }
        let table = try Table(columns: [try Column("val", float64: values)])
        var covered = 0
        let truth = values.map { ($0 - 49.5) * ($0 - 49.5) }.reduce(0, +) / Double(values.count)
        var generator = SecureRandomGenerator(testSeed: 9)
        for _ in 0..<200 {
            let session = try PrivacySession(budget: .pure(epsilon: 1))
            let variance = try session.gatedRelease(
                try DPQuery.variance(of: "val", clampedTo: 0...100).partial(over: table),
                mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 0.3), generator: &generator
            ).release
            let ci = try #require(variance.rows[0].ci95)
            #expect(ci[0] <= variance.rows[0].value && variance.rows[0].value <= ci[1])
            if ci[0] <= truth && truth <= ci[1] { covered += 1 }
        }
        // A delta-method interval: close to 95% coverage (at least 85% of 200).
        #expect(covered >= 170, "coverage \(covered)/200")
        let session = try PrivacySession(budget: .pure(epsilon: 1))
        let deviation = try session.release(
            try DPQuery.standardDeviation(of: "val", clampedTo: 0...100).partial(over: table),
            mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 1))
        let ci = try #require(deviation.rows[0].ci95)
        #expect(ci[0] <= deviation.rows[0].value && deviation.rows[0].value <= ci[1] && ci[1] <= 50)
    }

    @Test("Issue 12 C-quantile-levels: every grouped row holds every level asked")
    func groupedQuantilesHoldEveryLevel() throws {
        let table = try Table(columns: [
            try Column("val", float64: (0..<1_000).map { Double($0 % 100) }),
            try Column("grp", strings: (0..<1_000).map { $0 % 2 == 0 ? "a" : "b" }),
        ])
        let query = DPQuery.quantiles(of: "val", levels: [0.9, 0.1], clampedTo: 0...100).grouped(
            by: "grp", keys: .declared(["a", "b"]))
        let session = try PrivacySession(budget: .pure(epsilon: 4))
        let release = try session.release(
            try query.partial(over: table), mechanism: .laplace, parameters: NoiseParameters.pure(epsilon: 4))
        #expect(release.rows.count == 2)
        for row in release.rows {
            let quantiles = try #require(row.quantiles)
            #expect(quantiles.count == 2 && quantiles[0] <= quantiles[1])
        }
    }
}

@Suite("Issue 12 P3: sparse vector halts and uses Lyu et al.'s scales")
struct SparseVectorDefectTests {
    @Test("Issue 12 P3: scales are 2Δ/ε on the threshold and 4Δ/ε on each query")
    func scales() throws {
        let (threshold, query) = try SparseVector.scales(epsilon: 1, sensitivity: 3)
        #expect(abs(threshold.doubleValue - 6) < 1e-6 && abs(query.doubleValue - 12) < 1e-6)
    }

    @Test("Issue 12 P3: after an above answer every later query is refused")
    func halts() throws {
        var generator = SecureRandomGenerator(testSeed: 4)
        var svt = try SparseVector(threshold: 0, epsilon: 1, sensitivity: 1, using: &generator)
        var answered = false
        for _ in 0..<1_000 where !answered { answered = try svt.isAboveThreshold(1_000, using: &generator) }
        #expect(answered && svt.halted)
        #expect(throws: DifferentialPrivacyError.self) { try svt.isAboveThreshold(0, using: &generator) }
    }

    /// P(q + Z_q ≥ T + Z_T) for discrete Laplace noises of scales t_q and t_T, exactly (sums
    /// over ±600).
    static func probabilityAbove(gap: Int, queryScale: Double, thresholdScale: Double) -> Double {
        func pmf(_ k: Int, _ t: Double) -> Double {
            let q = exp(-1 / t)
            return (1 - q) / (1 + q) * pow(q, Double(abs(k)))
        }
        var total = 0.0
        for zt in -600...600 {
            var tail = 0.0
            for zq in (zt - gap)...(zt - gap + 1_200) { tail += pmf(zq, queryScale) }
            total += pmf(zt, thresholdScale) * tail
        }
        return total
    }

    @Test("Issue 12 P3: the first answer's distribution matches the halved scales (and not the old ones)")
    func firstAnswerDistribution() throws {
        // A query 6 below the threshold, ε = 1, Δ = 1: P(above) under scales (4, 2) vs the old (8, 4).
        let expected = Self.probabilityAbove(gap: -6, queryScale: 4, thresholdScale: 2)
        let old = Self.probabilityAbove(gap: -6, queryScale: 8, thresholdScale: 4)
        var generator = SecureRandomGenerator(testSeed: 12)
        let trials = 40_000
        var above = 0
        for _ in 0..<trials {
            var svt = try SparseVector(threshold: 100, epsilon: 1, sensitivity: 1, using: &generator)
            if try svt.isAboveThreshold(94, using: &generator) { above += 1 }
        }
        let observed = Double(above) / Double(trials)
        let sigma = (expected * (1 - expected) / Double(trials)).squareRoot()
        #expect(abs(observed - expected) < 4.5 * sigma, "observed \(observed), expected \(expected)")
        #expect(abs(old - expected) > 10 * sigma, "the test must tell the old scales apart")
    }
}
