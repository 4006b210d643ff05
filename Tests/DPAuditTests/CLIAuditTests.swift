import Foundation
import Testing
import SecureRandom
import _TestSupport

/// CLI release paths: `privacy-kernel dp …` as a separate process per release (no ledger: the
/// CLI opens an in-memory session per run), JSON parsed into coordinates.
enum CLIAuditPaths {
    struct Spec: Sendable {
        let name: String
        let arguments: [String]
        let neighbour: AuditPaths.Neighbour
        let unit: Bool
        let delta: Double
    }

    static let keysFile = "⟨keys⟩"

    static let specs: [Spec] = [
        Spec(
            name: "cli/count/selected/laplace/unit=off/fresh-key",
            arguments: ["count", "--by", "grp", "--select-partitions", "--epsilon", "1", "--delta", "1e-5"],
            neighbour: .freshKey, unit: false, delta: 1e-5),
        Spec(
            name: "cli/histogram/selected/discrete-laplace/unit=on/fresh-key",
            arguments: [
                "histogram", "--column", "grp", "--select-partitions", "--mechanism", "discrete-laplace",
                "--privacy-unit", "unit", "--max-contributions", "2", "--epsilon", "1", "--delta", "1e-5",
            ],
            neighbour: .freshKey, unit: true, delta: 1e-5),
        Spec(
            name: "cli/mean/none/laplace/unit=off/extreme-high",
            arguments: ["mean", "--column", "val", "--bounds", "0:100", "--epsilon", "1"],
            neighbour: .extremeHigh, unit: false, delta: 0),
        Spec(
            name: "cli/sum/declared/gaussian/unit=on/extreme-high",
            arguments: [
                "sum", "--column", "val", "--bounds", "0:100", "--by", "grp", "--keys", keysFile, "--mechanism",
                "gaussian",
                "--privacy-unit", "unit", "--max-contributions", "2", "--epsilon", "1", "--delta", "1e-5",
            ],
            neighbour: .extremeHigh, unit: true, delta: 1e-5),
        Spec(
            name: "cli/quantile/none/exponential/unit=off/extreme-high",
            arguments: ["quantile", "--column", "val", "--bounds", "0:100", "--levels", "0.5", "--epsilon", "1"],
            neighbour: .extremeHigh, unit: false, delta: 0),
    ]

    /// Parses the CLI's JSON release into coordinates (one per key, or `value`; quantiles by level).
    static func sample(fromJSON text: String) throws -> AuditSample {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw AuditError("not a JSON object")
        }
        var values: [(String, Double)] = []
        if let rows = object["rows"] as? [[String: Any]] {
            for row in rows {
                guard let key = row["key"] as? String, let value = row["value"] as? Double else {
                    throw AuditError("bad row")
                }
                values.append((key, value))
            }
        } else if let quantiles = object["quantiles"] as? [[String: Any]] {
            for (index, quantile) in quantiles.enumerated() {
                guard let value = quantile["value"] as? Double else { throw AuditError("bad quantile") }
                values.append(("q\(index)", value))
            }
        } else if let value = object["value"] as? Double {
            values.append(("value", value))
        } else {
            throw AuditError("no value in the release")
        }
        return AuditSample(values)
    }

    static func runCLI(_ binary: String, _ arguments: [String]) throws -> String {
        let result = try run(binary, arguments)
        guard result.status == 0 else { throw AuditError("privacy-kernel exited with \(result.status)") }
        return result.out
    }

    /// The audit path of `spec`: D and D′ written as CSV files in a temporary directory.
    static func path(_ spec: Spec, binary: String, directory: URL) throws -> AuditPath {
        let keys = directory.appendingPathComponent("keys.txt").path
        try (AuditPaths.declaredKeys.joined(separator: "\n") + "\n").write(
            toFile: keys, atomically: true, encoding: .utf8)
        func sampler(
            _ rows: [AuditPaths.Row], _ file: String
        ) throws -> @Sendable (inout SecureRandomGenerator) throws -> AuditSample {
            let data = directory.appendingPathComponent(file).path
            try AuditPaths.csv(rows).write(toFile: data, atomically: true, encoding: .utf8)
            let arguments =
                ["dp", spec.arguments[0], "--data", data]
                + spec.arguments.dropFirst().map { $0 == keysFile ? keys : $0 } + ["--json"]
            return { _ in try sample(fromJSON: try runCLI(binary, arguments)) }
        }
        return AuditPath(
            name: spec.name, claimedEpsilon: 1, delta: spec.delta,
            sampleD: try sampler(AuditPaths.rows(nil, unit: spec.unit), "d.csv"),
            sampleDPrime: try sampler(AuditPaths.rows(spec.neighbour, unit: spec.unit), "d-prime.csv"))
    }
}

@Suite("Issue 13 audit: CLI release paths keep their claimed ε")
struct CLIAuditTests {
    /// Samples per side in short mode: each is one process start.
    static let shortSamples = 120

    @Test(
        "Issue 13 audit: the ε lower bound of each CLI path stays within its claim",
        .enabled(if: privacyKernelBinary() != nil), arguments: CLIAuditPaths.specs.map(\.name))
    func auditCLIPath(_ name: String) throws {
        guard AuditConfiguration.selects(name) else { return }
        let binary = try #require(privacyKernelBinary())
        let spec = try #require(CLIAuditPaths.specs.first { $0.name == name })
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dp-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var path = try CLIAuditPaths.path(spec, binary: binary, directory: directory)
        // Long mode: 10⁴ per side (each sample is a process). In short mode the key-presence
        // paths keep 120 per side (enough to catch a key that always leaks: ε_lb ≈ 1.4 > 1),
        // the others run as smoke tests with 60.
        path.longSamples = 10_000
        path.sampleScale = spec.neighbour == .freshKey ? 1 : 0.5
        let result = try DPAuditor.audit(
            path, samplesPerSide: AuditConfiguration.samples(for: path, short: Self.shortSamples))
        AuditConfiguration.record(result)
        #expect(result.passed, "\(result.tableRow)")
    }

    @Test("Issue 13 audit: the CLI's JSON parses into audit coordinates")
    func parsesJSON() throws {
        let grouped = try CLIAuditPaths.sample(
            fromJSON: #"{"rows":[{"key":"a","value":1.5},{"key":"b","value":-2}],"statistic":"sum"}"#)
        #expect(grouped.values.map(\.0) == ["a", "b"] && grouped.values.map(\.1) == [1.5, -2])
        let scalar = try CLIAuditPaths.sample(fromJSON: #"{"value":3.25,"statistic":"mean"}"#)
        #expect(scalar.values.map(\.1) == [3.25])
    }
}
