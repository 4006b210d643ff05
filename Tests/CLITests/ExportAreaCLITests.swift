import Foundation
import Testing
import _TestSupport

/// Issue 14, item 2, as the issue reproduced it: `anonymity generalise --out` naming the ledger,
/// the raw input or a relative escape, and `ledger terminate` deleting what `--out` overwrote.
@Suite("Issue 14: exports go into the export area only", .enabled(if: privacyKernelBinary() != nil))
struct ExportAreaCLITests {
    @Test("--out cannot name the ledger, the raw input, a path outside the export area or an existing export")
    func outStaysInTheArea() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        // 60 rows: sex (two values) and a band; k = 5 holds over sex at level 0.
        let data = directory.file("a4.csv")
        let rows = (0..<60).map { "\($0 % 2 == 0 ? "Male" : "Female"),band\($0 % 3)" }
        try (["sex,band"] + rows).joined(separator: "\n").appending("\n").write(
            toFile: data, atomically: true, encoding: .utf8)
        try "Male;*\nFemale;*\n".write(toFile: directory.file("h_sex.csv"), atomically: true, encoding: .utf8)
        let ledger = directory.file("ledger.sqlite")
        #expect(try run(binary, ["ledger", "init", "--ledger", ledger]).status == 0)
        let classify = try run(
            binary, ["ledger", "classify", "--ledger", ledger, "--data", data, "--role", "sex=quasi-identifier"])
        #expect(classify.status == 0 && classify.out.contains(", quasi-identifier"), "\(classify.out)")
        let grant = try run(
            binary,
            ["ledger", "grant", "--ledger", ledger, "--operator", "o", "--scenario", "a4", "--epsilon", "1", "--data", data])
        #expect(grant.status == 0, "\(grant.err)")
        func generalise(_ out: String) throws -> (status: Int32, out: String, err: String) {
            try run(
                binary,
                [
                    "anonymity", "generalise", "--data", data, "--qi", "sex", "--hierarchy",
                    "sex=\(directory.file("h_sex.csv"))", "--k", "5", "--out", out, "--ledger", ledger,
                    "--operator", "o", "--scenario", "a4",
                ], in: directory.path)
        }
        let ledgerBytes = try Data(contentsOf: URL(fileURLWithPath: ledger))
        let rawBytes = try Data(contentsOf: URL(fileURLWithPath: data))
        for target in [ledger, data, "../a4.csv", "ledger.sqlite/../../x.csv", "/tmp/x.csv", ".pending-x"] {
            let result = try generalise(target)
            #expect(result.status != 0 && result.err.contains("[export-area]"), "\(target): \(result.err)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: data)) == rawBytes)
        #expect(try Data(contentsOf: URL(fileURLWithPath: ledger)).count >= ledgerBytes.count)
        let written = try generalise("census/a4-k5.csv")
        #expect(written.status == 0, "\(written.err)")
        let area = directory.file("ledger-exports")
        #expect(written.out.contains("wrote \(area)/census/a4-k5.csv"), "\(written.out)")
        let again = try generalise("census/a4-k5.csv")
        #expect(again.status != 0 && again.err.contains("[export-exists]"), "\(again.err)")
        // The refusals are on record.
        let refusals = try run(binary, ["ledger", "history", "--ledger", ledger, "--refusals", "--json"])
        let array = try #require(try JSONSerialization.jsonObject(with: Data(refusals.out.utf8)) as? [[String: Any]])
        #expect(array.filter { $0["rule"] as? String == "export-area" }.count == 6)
        // terminate deletes the export, nothing else; the ledger still verifies.
        let terminate = try run(
            binary, ["ledger", "terminate", "--ledger", ledger, "--operator", "o", "--scenario", "a4", "--reason", "end"])
        #expect(terminate.status == 0 && terminate.out.contains("deleted \(area)/census/a4-k5.csv"), "\(terminate.out)")
        #expect(FileManager.default.fileExists(atPath: data))
        let verify = try run(binary, ["ledger", "audit-verify", "--ledger", ledger])
        #expect(verify.status == 0 && verify.out.contains("intact"), "\(verify.err)")
    }
}

/// Issue 14, item 1, as the issue reproduced it: an export of the raw input through the gate
/// with a trivial quasi-identifier chosen by the operator, and a registered file replaced.
@Suite("Issue 14: authority from the steward's registration", .enabled(if: privacyKernelBinary() != nil))
struct StewardRegistrationCLITests {
    @Test("generalise --qi sex on Adult's sex, age, race and marital status cannot export the raw rows")
    func trivialQuasiIdentifierRefused() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let data = directory.file("a4.csv")
        let rows = (0..<60).map { "\($0 % 2 == 0 ? "Male" : "Female"),\(20 + $0),White,Never-married" }
        try (["sex,age,race,marital-status"] + rows).joined(separator: "\n").appending("\n").write(
            toFile: data, atomically: true, encoding: .utf8)
        try "Male;*\nFemale;*\n".write(toFile: directory.file("h_sex.csv"), atomically: true, encoding: .utf8)
        let ledger = directory.file("ledger.sqlite")
        var classify = ["ledger", "classify", "--ledger", ledger, "--data", data]
        for column in ["sex", "age", "race", "marital-status"] { classify += ["--role", "\(column)=quasi-identifier"] }
        #expect(try run(binary, classify).status == 0)
        #expect(
            try run(
                binary,
                ["ledger", "grant", "--ledger", ledger, "--operator", "o", "--scenario", "a4", "--epsilon", "1", "--data", data]
            ).status == 0)
        let result = try run(
            binary,
            [
                "anonymity", "generalise", "--data", data, "--qi", "sex", "--hierarchy",
                "sex=\(directory.file("h_sex.csv"))", "--k", "5", "--out", "e4.csv", "--ledger", ledger,
                "--operator", "o", "--scenario", "a4",
            ])
        #expect(result.status != 0 && result.err.contains("[export-k-anonymity]"), "\(result.err)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("ledger-exports/e4.csv")))
    }

    @Test("a registered file whose contents change is refused by dp, generalise and grant until registered again")
    func replacedFileRefused() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let data = directory.file("trips.csv")
        let rows = (0..<50).map { "\($0),\(Double($0 % 40))" }
        try (["card_id,fare"] + rows).joined(separator: "\n").appending("\n").write(
            toFile: data, atomically: true, encoding: .utf8)
        let ledger = directory.file("ledger.sqlite")
        #expect(try run(binary, ["ledger", "classify", "--ledger", ledger, "--data", data]).status == 0)
        let grant = ["ledger", "grant", "--ledger", ledger, "--operator", "o", "--scenario", "s", "--epsilon", "2", "--data", data]
        #expect(try run(binary, grant).status == 0)
        let dp = [
            "dp", "count", "--data", data, "--epsilon", "0.1", "--ledger", ledger, "--operator", "o", "--scenario", "s",
        ]
        #expect(try run(binary, dp).status == 0)
        // Card IDs swapped in under the authorised column names.
        let swapped = (0..<50).map { "330100\($0),\(Double($0 % 40))" }
        try (["card_id,fare"] + swapped).joined(separator: "\n").appending("\n").write(
            toFile: data, atomically: true, encoding: .utf8)
        let refused = try run(binary, dp)
        #expect(refused.status != 0 && refused.err.contains("[dataset-changed]"), "\(refused.err)")
        // The steward accepts the new file by registering it again.
        #expect(try run(binary, ["ledger", "classify", "--ledger", ledger, "--data", data]).status == 0)
        let accepted = try run(binary, dp)
        #expect(accepted.status == 0, "\(accepted.err)")
    }
}
