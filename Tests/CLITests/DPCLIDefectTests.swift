import Foundation
import Testing
import _TestSupport

/// Issue 12 through the command line: the same defects as the library tests, seen by an
/// operator running `privacy-kernel dp …`.
@Suite("Issue 12: dp command-line defects", .serialized, .enabled(if: privacyKernelBinary() != nil))
struct DPCLIDefectTests {
    static let freshKey = "SECRET_PERSON_ALICE"

    /// 1,000 rows of `common` and one row of the fresh key at the upper bound, with units, a
    /// text diagnosis column and a column holding one `1e400`.
    static func writeData(_ directory: TemporaryDirectory) throws -> String {
        var lines = ["grp,val,unit,diagnosis,wide"]
        for index in 0..<1_000 { lines.append("common,\(index % 100),u\(index % 200),flu,\(index % 7)") }
        lines.append("\(freshKey),100,alice,HIV positive,1e400")
        let path = directory.file("sel.csv")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("Issue 12 P1: the fresh key never appears in any statistic × key mode × privacy unit through the CLI")
    func freshKeyThroughCLI() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let data = try Self.writeData(directory)
        let keys = directory.file("keys.txt")
        try "common\n".write(toFile: keys, atomically: true, encoding: .utf8)
        let statistics = ["count", "sum", "mean", "variance", "stddev", "quantile", "histogram"]
        for statistic in statistics {
            for mode in ["selected", "declared", "none"] {
                if statistic == "histogram" && mode == "none" { continue }
                for unit in [false, true] {
                    var arguments = ["dp", statistic, "--data", data, "--epsilon", "1", "--json"]
                    if statistic == "histogram" {
                        arguments += ["--column", "grp"]
                    } else if statistic != "count" {
                        arguments += ["--column", "val", "--bounds", "0:100"]
                    }
                    if statistic == "quantile" { arguments += ["--levels", "0.1,0.9"] }
                    if mode != "none" && statistic != "histogram" { arguments += ["--by", "grp"] }
                    if mode == "selected" { arguments += ["--select-partitions", "--delta", "1e-9"] }
                    if mode == "declared" { arguments += ["--keys", keys] }
                    if unit { arguments += ["--privacy-unit", "unit", "--max-contributions", "5"] }
                    // 8 runs per path, 2 under PRIVACYKERNEL_REPETITION_SCALE < 1 (sanitizer runs).
                    let scaled = TestEnvironment.repetitionScale < 1
                    let runs = statistic == "quantile" && mode == "selected" ? 1 : scaled ? 2 : 8
                    for _ in 0..<runs {
                        let result = try run(binary, arguments)
                        let path = "\(statistic) \(mode) unit=\(unit)"
                        if statistic == "quantile" && mode == "selected" {
                            #expect(result.status != 0, "\(path): quantiles must refuse selected keys")
                            continue
                        }
                        #expect(result.status == 0, "\(path): \(result.err)")
                        #expect(
                            !result.out.contains(Self.freshKey) && !result.err.contains(Self.freshKey),
                            "\(path) printed the fresh key")
                    }
                }
            }
        }
    }

    @Test("Issue 12 P2: query errors print no cell value, row number or count")
    func errorsRevealNoCells() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let data = try Self.writeData(directory)
        for column in ["diagnosis", "wide"] {
            let result = try run(
                binary, ["dp", "mean", "--data", data, "--column", column, "--bounds", "0:100", "--epsilon", "1"])
            #expect(result.status != 0)
            for secret in ["HIV", "flu", "1e400", "row", "1001", "1,001"] {
                #expect(!result.err.contains(secret) && !result.out.contains(secret), "'\(secret)' in: \(result.err)")
            }
            #expect(result.err.contains(column))
        }
        // The declared policy turns the 1e400 into the bound (clamp) or a missing value (drop).
        for policy in ["clamp", "drop"] {
            let result = try run(
                binary,
                [
                    "dp", "mean", "--data", data, "--column", "wide", "--bounds", "0:100",
                    "--epsilon", "1", "--non-finite", policy, "--json",
                ])
            #expect(result.status == 0, "\(policy): \(result.err)")
        }
    }

    @Test("Issue 12 C-messages: --epsilon -1 names the rule; --rho next to --epsilon is refused")
    func parameterMessages() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let data = try Self.writeData(directory)
        let negative = try run(binary, ["dp", "count", "--data", data, "--epsilon", "-1"])
        #expect(
            negative.status != 0 && !negative.err.contains("Missing value") && negative.err.contains("> 0"),
            "\(negative.err)")
        let both = try run(
            binary,
            ["dp", "count", "--data", data, "--epsilon", "1", "--rho", "0.1", "--mechanism", "discrete-gaussian"])
        #expect(both.status != 0 && both.err.contains("not both"), "\(both.err)")
        let badDelta = try run(binary, ["dp", "count", "--data", data, "--epsilon", "1", "--delta", "-0.5"])
        #expect(badDelta.status != 0 && badDelta.err.contains("(0, 1)"), "\(badDelta.err)")
    }

    @Test("Issue 12 C-messages: a negative ε reaches validation in scenario, demo and ledger grant too")
    func negativeEpsilonElsewhere() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let ledger = directory.file("l.sqlite")
        for arguments in [
            ["scenario", "transport", "--epsilon", "-1", "--out", directory.file("out")],
            ["demo", "--epsilon", "-1", "--out", directory.file("demo")],
            [
                "ledger", "grant", "--ledger", ledger, "--operator", "o", "--scenario", "s",
                "--epsilon", "-1", "--data", try Self.writeData(directory),
            ],
        ] {
            let result = try run(binary, arguments)
            #expect(result.status != 0 && !result.err.contains("Missing value"), "\(arguments): \(result.err)")
            #expect(
                result.err.lowercased().contains("epsilon") || result.err.contains("ε"), "\(arguments): \(result.err)")
        }
        #expect(!FileManager.default.fileExists(atPath: ledger), "a refused grant creates no ledger")
    }

    @Test("Issue 12 C-bounds and C-bins: tiny bounds and huge bin counts are typed errors")
    func boundsAndBins() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let data = try Self.writeData(directory)
        for statistic in ["sum", "mean", "count", "quantile"] {
            let result = try run(
                binary, ["dp", statistic, "--data", data, "--column", "val", "--bounds", "0:1e-300", "--epsilon", "1"])
            if statistic == "count" { continue }  // a count does not use bounds
            #expect(result.status == 1 && result.err.contains("bound"), "\(statistic): \(result.status) \(result.err)")
        }
        let histogram = try run(
            binary,
            [
                "dp", "histogram", "--data", data, "--column", "val", "--bounds", "0:1e-300", "--bins", "4",
                "--epsilon", "1",
            ])
        #expect(histogram.status == 1 && histogram.err.contains("bound"), "\(histogram.err)")
        let start = Date()
        let bins = try run(
            binary,
            [
                "dp", "histogram", "--data", data, "--column", "val", "--bounds", "0:100", "--bins", "1000000000",
                "--epsilon", "1",
            ])
        #expect(bins.status != 0 && bins.err.contains("--bins"), "\(bins.err)")
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test("Issue 12 C-quantile-levels: JSON rows hold every level; variance has a ci95")
    func quantileAndVarianceJSON() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let data = try Self.writeData(directory)
        let keys = directory.file("keys.txt")
        try "common\n".write(toFile: keys, atomically: true, encoding: .utf8)
        let grouped = try run(
            binary,
            [
                "dp", "quantile", "--data", data, "--column", "val", "--bounds", "0:100", "--levels", "0.1,0.9",
                "--by", "grp", "--keys", keys, "--epsilon", "2", "--json",
            ])
        #expect(grouped.status == 0, "\(grouped.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(grouped.out.utf8)) as? [String: Any])
        let rows = try #require(object["rows"] as? [[String: Any]])
        let levels = try #require(rows.first?["quantiles"] as? [[String: Any]])
        #expect(levels.compactMap { $0["level"] as? Double } == [0.1, 0.9])
        let ungrouped = try run(
            binary,
            [
                "dp", "quantile", "--data", data, "--column", "val", "--bounds", "0:100", "--levels", "0.1,0.9",
                "--epsilon", "2", "--json",
            ])
        let top = try #require(try JSONSerialization.jsonObject(with: Data(ungrouped.out.utf8)) as? [String: Any])
        #expect(top["value"] == nil || top["value"] is NSNull, "a single value cannot stand for two levels")
        #expect((top["quantiles"] as? [[String: Any]])?.count == 2)
        for statistic in ["variance", "stddev"] {
            let result = try run(
                binary,
                ["dp", statistic, "--data", data, "--column", "val", "--bounds", "0:100", "--epsilon", "1", "--json"])
            let json = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
            #expect((json["ci95"] as? [Double])?.count == 2, "\(statistic): \(result.out)")
        }
    }
}
