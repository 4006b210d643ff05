import Foundation
import Testing
@testable import DifferentialPrivacy
@_spi(Testing) import SecureRandom
import Tabular
import _TestSupport

/// Issue 12 P1: a key held by one row (one privacy unit) must appear in at most a δ fraction
/// of releases, for every statistic × key mode × privacy unit on/off.
///
/// The table has 1,000 rows under the key `common` and one extra row, at the upper bound,
/// under the fresh key `SECRET_PERSON_ALICE` (its own privacy unit). With declared keys the
/// fresh key is not declared; with selected keys partition selection must hide it; without
/// grouping no key is printed at all. δ = 10⁻⁹, so over 2,000 releases per path the bound
/// allows no appearance (the chance of one under a correct mechanism is below 2·10⁻⁶).
@Suite("Issue 12 P1: fresh keys over every statistic, key mode and privacy unit")
struct FreshKeyPropertyTests {
    static let freshKey = "SECRET_PERSON_ALICE"
    /// 2,000, or fewer under `PRIVACYKERNEL_REPETITION_SCALE` (sanitizer runs; fewer releases
    /// can only make an appearance less likely to be seen, never fail a correct mechanism).
    static let releases: Int = {
        let scale = TestEnvironment.repetitionScale
        return scale < 1 ? max(20, Int(2_000 * scale)) : 2_000
    }()
    static let delta = 1e-9

    /// 1,000 rows of `common` (values 0…99, units u0…u199) and one row of the fresh key
    /// (value 100, unit `alice`).
    static func table() throws -> Table {
        var keys = [String](repeating: "common", count: 1_000)
        var values = (0..<1_000).map { Double($0 % 100) }
        var units = (0..<1_000).map { "u\($0 % 200)" }
        keys.append(freshKey)
        values.append(100)
        units.append("alice")
        return try Table(columns: [
            try Column("grp", strings: keys), try Column("val", float64: values),
            try Column("unit", strings: units),
        ])
    }

    enum KeyMode: String, CaseIterable { case declared, selected, none }

    /// The query of one path, or `nil` when the combination does not exist (a categorical
    /// histogram always has keys).
    static func query(_ statistic: DPStatistic, _ mode: KeyMode, privacyUnit: Bool) -> DPQuery? {
        var query: DPQuery
        switch statistic {
        case .count: query = .count()
        case .sum: query = .sum(of: "val", clampedTo: 0...100)
        case .mean: query = .mean(of: "val", clampedTo: 0...100)
        case .variance: query = .variance(of: "val", clampedTo: 0...100)
        case .standardDeviation: query = .standardDeviation(of: "val", clampedTo: 0...100)
        case .quantiles: query = .quantiles(of: "val", levels: [0.1, 0.9], clampedTo: 0...100)
        case .histogram:
            guard mode != .none else { return nil }
            query = .histogram(of: "grp", keys: mode == .declared ? .declared(["common"]) : .selected)
        }
        if statistic != .histogram {
            switch mode {
            case .declared: query = query.grouped(by: "grp", keys: .declared(["common"]))
            case .selected: query = query.grouped(by: "grp", keys: .selected)
            case .none: break
            }
        }
        if privacyUnit {
            query = query.boundingContributions(
                privacyUnit: "unit", maxPartitionsPerUnit: 1, maxContributionsPerPartition: 5)
        }
        return query
    }

    static let paths: [(DPStatistic, KeyMode, Bool)] = DPStatistic.allCases.flatMap { statistic in
        KeyMode.allCases.flatMap { mode in [false, true].map { (statistic, mode, $0) } }
    }

    @Test("the fresh key appears in at most a δ fraction of 2,000 releases", arguments: paths)
    func freshKeyIsHidden(statistic: DPStatistic, mode: KeyMode, privacyUnit: Bool) throws {
        guard let query = Self.query(statistic, mode, privacyUnit: privacyUnit) else { return }
        let table = try Self.table()
        let parameters = try NoiseParameters(epsilon: 1, delta: mode == .selected ? Self.delta : nil, rho: nil)
        let budget: PrivacyBudget = mode == .selected ? .approximate(epsilon: 1, delta: Self.delta) : .pure(epsilon: 1)
        if statistic == .quantiles && mode == .selected {
            // Quantiles refuse selected keys before anything is charged.
            let session = try PrivacySession(budget: budget)
            let partial = try query.partial(over: table)
            #expect(throws: DifferentialPrivacyError.self) {
                try session.release(partial, mechanism: .laplace, parameters: parameters)
            }
            #expect(session.spent == 0)
            return
        }
        let pathIndex = Self.paths.firstIndex { $0.0 == statistic && $0.1 == mode && $0.2 == privacyUnit }!
        var generator = SecureRandomGenerator(testSeed: UInt64(pathIndex) &+ 17)
        var appearances = 0, commonSeen = 0
        // Contribution bounding draws a random subset: recompute the partial now and then.
        var partial = try query.partial(over: table)
        for index in 0..<Self.releases {
            if privacyUnit && index % 100 == 99 { partial = try query.partial(over: table) }
            let session = try PrivacySession(budget: budget)
            let release = try session.gatedRelease(
                partial, mechanism: .laplace, parameters: parameters, generator: &generator
            ).release
            if release.rows.contains(where: { $0.key == Self.freshKey }) { appearances += 1 }
            if release.rows.contains(where: { $0.key == "common" }) { commonSeen += 1 }
            if mode == .none { #expect(release.rows.count == 1 && release.rows[0].key == nil) }
        }
        let allowed = Int((Double(Self.releases) * Self.delta).rounded(.down))
        #expect(
            appearances <= allowed,
            "\(statistic) \(mode) unit=\(privacyUnit): fresh key in \(appearances) of \(Self.releases) releases")
        // Power: the common key (1,000 rows, or 200 units × 5) passes every time.
        if mode != .none { #expect(commonSeen == Self.releases) }
    }

    @Test("Issue 12 P1: grouped mean, variance and stddev threshold on the same accounted count")
    func selectionThresholdIsReported() throws {
        let table = try Self.table()
        for statistic in [DPStatistic.mean, .variance, .standardDeviation] {
            let query = try #require(Self.query(statistic, .selected, privacyUnit: false))
            let session = try PrivacySession(budget: .approximate(epsilon: 1, delta: 1e-9))
            let release = try session.release(
                try query.partial(over: table), mechanism: .laplace,
                parameters: NoiseParameters.approximate(epsilon: 1, delta: 1e-9))
            #expect(release.selectionThreshold != nil)
            #expect(release.rows.map(\.key) == ["common"])
            #expect(release.delta == 1e-9 && release.epsilon == 1)
        }
    }
}
