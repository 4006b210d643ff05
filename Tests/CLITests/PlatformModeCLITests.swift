import Foundation
import Testing
import _TestSupport

/// Issue 14, item 8: in platform mode (`ledger init --platform`) the raw-data tools refuse a
/// registered dataset — and a copy of it — unless its steward asks with its identity; an export
/// prints only what the gate released. Outside platform mode they stay steward and developer
/// tools.
@Suite("Issue 14: platform mode", .enabled(if: privacyKernelBinary() != nil))
struct PlatformModeCLITests {
    @Test("raw-data tools refuse registered data (and copies) to anyone but its steward; refusals are on record")
    func rawToolsAreStewardTools() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let cwd = directory.file("platform")
        try FileManager.default.createDirectory(atPath: cwd, withIntermediateDirectories: true)
        var rows = ["card_id,age_band,sex,fare"]
        for i in 0..<60 { rows.append("c\(i),\(["20-29", "30-39", "40-49"][i % 3]),\(["F", "M"][i % 2]),\(i % 17)") }
        let text = rows.joined(separator: "\n") + "\n"
        try text.write(toFile: cwd + "/trips.csv", atomically: true, encoding: .utf8)
        try text.write(toFile: cwd + "/copy-of-trips.csv", atomically: true, encoding: .utf8)
        try "x,y\n1,2\n".write(toFile: cwd + "/other.csv", atomically: true, encoding: .utf8)
        try "F;*\nM;*\n".write(toFile: cwd + "/h_sex.csv", atomically: true, encoding: .utf8)
        func cli(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try run(binary, arguments, in: cwd)
        }
        let tools: [[String]] = [
            ["datasets", "describe", "FILE"],
            ["anonymity", "check", "--data", "FILE", "--qi", "age_band,sex"],
            ["anonymity", "risk", "--data", "FILE", "--qi", "age_band,sex"],
            ["dp", "count", "--data", "FILE", "--epsilon", "1"],
            ["anonymity", "generalise", "--data", "FILE", "--qi", "sex", "--hierarchy", "sex=h_sex.csv", "--k", "2"],
        ]
        func tool(
            _ index: Int, _ file: String, _ extra: [String] = []
        ) throws -> (status: Int32, out: String, err: String) {
            try cli(tools[index].map { $0 == "FILE" ? file : $0 } + extra)
        }
        // Without platform mode (a ledger of names, the steward's own tools): allowed.
        #expect(try cli(["ledger", "init"]).status == 0)
        #expect(
            try cli([
                "ledger", "classify", "--data", "trips.csv", "--level", "card_id=4", "--role", "sex=quasi-identifier",
            ])
            .status == 0)
        for index in tools.indices { #expect(try tool(index, "trips.csv").status == 0, "\(tools[index])") }
        // Platform mode needs a ledger of signed requests: refused on a ledger of names.
        let names = try cli(["ledger", "init", "--platform"])
        #expect(names.status != 0 && names.err.contains("signed requests"), "\(names.err)")
        for name in ["rev", "stew", "op"] {
            #expect(try cli(["ledger", "identity", "--name", name, "--out", name]).status == 0)
        }
        #expect(
            try cli([
                "ledger", "principal", "add", "--public-key", "rev.pub", "--role", "reviewer", "--identity", "rev.key",
            ]).status == 0)
        #expect(
            try cli([
                "ledger", "principal", "add", "--public-key", "stew.pub", "--role", "steward", "--identity", "rev.key",
            ]).status == 0)
        #expect(
            try cli([
                "ledger", "principal", "add", "--public-key", "op.pub", "--role", "operator", "--identity", "rev.key",
            ]).status == 0)
        // Platform mode on (a reviewer's action): refused on the registered file and on a copy.
        let on = try cli(["ledger", "init", "--platform", "--identity", "rev.key"])
        #expect(on.status == 0 && on.out.contains("platform mode"), "\(on.err)")
        for index in tools.indices {
            for file in ["trips.csv", "copy-of-trips.csv"] {
                let refused = try tool(index, file)
                #expect(
                    refused.status != 0 && refused.err.contains("[platform-mode]"),
                    "\(tools[index]) \(file): \(refused.err)")
                #expect(!refused.out.contains("card_id") && !refused.out.contains("rows"), "\(refused.out)")
            }
        }
        // A scenario on a throwaway ledger (which grants itself budgets) is a raw-data tool too.
        let scenario = try cli([
            "scenario", "transport", "--data", "trips.csv", "--throwaway-ledger", "try.sqlite", "--out", "try-out",
        ])
        #expect(scenario.status != 0 && scenario.err.contains("[platform-mode]"), "\(scenario.err)")
        // A file that is not registered stays a developer's file.
        #expect(try cli(["datasets", "describe", "other.csv"]).status == 0)
        #expect(try cli(["dp", "count", "--data", "other.csv", "--epsilon", "1"]).status == 0)
        // The steward may use its tools (audited as raw-read); the reviewer may not.
        let steward = try tool(0, "trips.csv", ["--identity", "stew.key"])
        #expect(steward.status == 0 && steward.out.contains("card_id"), "\(steward.err)")
        let reviewer = try tool(1, "trips.csv", ["--identity", "rev.key"])
        #expect(reviewer.status != 0 && reviewer.err.contains("[platform-mode]"), "\(reviewer.err)")
        // An operator's export prints only the file and its levels, never raw counts.
        #expect(
            try cli([
                "ledger", "grant", "--operator", "op", "--scenario", "census", "--epsilon", "1", "--data", "trips.csv",
                "--columns", "age_band,sex,fare", "--identity", "rev.key",
            ]).status == 0)
        try "20-29;*\n30-39;*\n40-49;*\n".write(toFile: cwd + "/h_age.csv", atomically: true, encoding: .utf8)
        let trimmed = directory.file("platform/trimmed.csv")
        try
            (["age_band,sex,fare"]
            + rows.dropFirst().map { $0.split(separator: ",").dropFirst().joined(separator: ",") })
            .joined(separator: "\n").appending("\n").write(toFile: trimmed, atomically: true, encoding: .utf8)
        #expect(
            try cli([
                "ledger", "classify", "--data", "trimmed.csv", "--role", "sex=quasi-identifier", "--role",
                "age_band=quasi-identifier", "--identity", "stew.key",
            ]).status == 0)
        #expect(
            try cli([
                "ledger", "grant", "--operator", "op", "--scenario", "trimmed", "--epsilon", "1", "--data",
                "trimmed.csv",
                "--identity", "rev.key",
            ]).status == 0)
        let export = try cli([
            "anonymity", "generalise", "--data", "trimmed.csv", "--qi", "age_band,sex", "--hierarchy",
            "age_band=h_age.csv",
            "--hierarchy", "sex=h_sex.csv", "--k", "5", "--out", "trimmed-k5.csv", "--operator", "op", "--scenario",
            "trimmed", "--identity", "op.key",
        ])
        #expect(export.status == 0, "\(export.err)")
        #expect(export.out.contains("levels:") && export.out.contains("wrote "), "\(export.out)")
        #expect(
            !export.out.contains("suppressed") && !export.out.contains("classes") && !export.out.contains("rows"),
            "\(export.out)")
        // Every refusal is on record, and the steward's read too.
        let refusals = try cli(["ledger", "history", "--refusals"])
        #expect(refusals.out.components(separatedBy: "[platform-mode]").count - 1 >= 12, "\(refusals.out)")
        let verify = try cli(["ledger", "audit-verify"])
        #expect(verify.status == 0, "\(verify.out)")
    }
}
