import Foundation
import Testing
import DifferentialPrivacy
import SecureRandom

/// Issue 13 part 1: the black-box DP auditor over every release path (see docs/dp-audit.md).
///
/// Short mode (the default, part of `swift test`): `shortSamples` outputs per side per path.
/// Long mode (`DP_AUDIT_LONG=1`, run by `scripts/dp-audit.sh --long`): 10⁶ per side.
@Suite("Issue 13 audit: release paths keep their claimed ε")
struct DPAuditPathTests {
    /// Samples per side in short mode (half for selection, half for measurement).
    static let shortSamples = 2_000

    @Test(
        "Issue 13 audit: the ε lower bound of each release path stays within its claim",
        arguments: AuditPaths.all.map(\.name))
    func auditPath(_ name: String) throws {
        guard AuditConfiguration.selects(name) else { return }
        let path = try require(AuditPaths.entry(name)).make()
        let result = try DPAuditor.audit(
            path, samplesPerSide: AuditConfiguration.samples(for: path, short: Self.shortSamples))
        AuditConfiguration.record(result)
        #expect(result.passed, "\(result.tableRow)")
    }
}

@Suite("Issue 13 audit: planted bad variants fail the audit")
struct PlantedVariantTests {
    static let shortSamples = 20_000

    static func audit(_ path: AuditPath) throws -> AuditResult? {
        guard AuditConfiguration.selects(path.name) else { return nil }
        let result = try DPAuditor.audit(
            path, samplesPerSide: AuditConfiguration.samples(for: path, short: shortSamples, scaled: false))
        AuditConfiguration.record(result)
        return result
    }

    @Test("Issue 13 audit: Laplace with half the noise scale is caught")
    func halfNoise() throws {
        guard let result = try Self.audit(try PlantedVariants.halfNoiseLaplace()) else { return }
        #expect(!result.passed, "\(result.tableRow)")
    }

    @Test("Issue 13 audit: a grouped mean without partition selection is caught")
    func meanWithoutSelection() throws {
        guard let result = try Self.audit(try PlantedVariants.meanWithoutPartitionSelection()) else { return }
        #expect(!result.passed, "\(result.tableRow)")
    }

    @Test("Issue 13 audit: a sparse vector that does not halt is caught")
    func nonHaltingSparseVector() throws {
        guard let result = try Self.audit(try PlantedVariants.nonHaltingSparseVector()) else { return }
        #expect(!result.passed, "\(result.tableRow)")
    }

    @Test("Issue 13 audit: textbook Laplace with log(uniform) on doubles is caught by its floating-point support")
    func textbookLaplace() throws {
        guard let result = try Self.audit(PlantedVariants.textbookLaplace()) else { return }
        #expect(!result.passed, "\(result.tableRow)")
        #expect(result.supportDifference, "\(result.tableRow)")
    }

    @Test("Issue 13 audit: the library's Laplace passes the same floating-point support events")
    func libraryLaplaceSupport() throws {
        guard let result = try Self.audit(try PlantedVariants.libraryLaplaceWithSupportEvents()) else { return }
        #expect(result.passed, "\(result.tableRow)")
    }

    @Test("Issue 13 audit: the textbook support test never rejects an output of the textbook sampler")
    func supportTestIsExact() throws {
        var generator = try SecureRandomGenerator()
        for f in [0.0, 1.0, 1000.5, -3.25] {
            for _ in 0..<2_000 {
                let bits = generator.next()
                let y = f + PlantedVariants.textbookNoise(bits >> 11, negative: bits & 1 == 1, scale: 1)
                #expect(PlantedVariants.isReachable(y, from: f, scale: 1))
            }
        }
    }
}

@Suite("Issue 13 audit: the auditor's statistics")
struct AuditorStatisticsTests {
    @Test("Issue 13 audit: Clopper–Pearson bounds match known values")
    func clopperPearson() {
        // k = 0, n = 10: upper = 1 − α^(1/10).
        #expect(abs(BinomialBounds.clopperPearsonUpper(successes: 0, trials: 10, alpha: 0.025) - 0.30850) < 1e-4)
        // k = 5, n = 10, 95% two-sided: [0.18709, 0.81291].
        #expect(abs(BinomialBounds.clopperPearsonLower(successes: 5, trials: 10, alpha: 0.025) - 0.18709) < 1e-4)
        #expect(abs(BinomialBounds.clopperPearsonUpper(successes: 5, trials: 10, alpha: 0.025) - 0.81291) < 1e-4)
        // k = 1, n = 100, 95% two-sided: [0.000253, 0.05446].
        #expect(abs(BinomialBounds.clopperPearsonLower(successes: 1, trials: 100, alpha: 0.025) - 0.000253) < 1e-5)
        #expect(abs(BinomialBounds.clopperPearsonUpper(successes: 1, trials: 100, alpha: 0.025) - 0.05446) < 1e-4)
        // Large n stays accurate: k = 500,000 of 10⁶ is within 0.0013 of ½ at α = 10⁻⁵.
        let low = BinomialBounds.clopperPearsonLower(successes: 500_000, trials: 1_000_000, alpha: 1e-5)
        #expect(low > 0.4978 && low < 0.4982)
    }

    @Test("Issue 13 audit: identical mechanisms give a lower bound near zero")
    func nullPath() throws {
        let path = AuditPath(
            name: "null", claimedEpsilon: 0.05, delta: 0,
            sampleD: { .scalar(Double($0.next() >> 11) * 0x1p-53) },
            sampleDPrime: { .scalar(Double($0.next() >> 11) * 0x1p-53) })
        let result = try DPAuditor.audit(path, samplesPerSide: 20_000)
        #expect(result.passed, "\(result.tableRow)")
    }
}
