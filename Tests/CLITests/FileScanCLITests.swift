import Foundation
import Testing
import _TestSupport

/// Issue 18 through the command line: `dp` on a file several times larger than its
/// `--memory-limit` stays within the limit (peak resident memory measured by a parent process),
/// with and without spilling by privacy unit, and leaves no spill file behind.
@Suite("Issue 18: dp within a memory limit", .serialized, .enabled(if: privacyKernelBinary() != nil))
struct FileScanCLITests {
    /// Runs `binary arguments` as the only child of a fresh Python process and returns its exit
    /// status, standard output and peak resident set size in KiB (`RUSAGE_CHILDREN`).
    static func measured(_ binary: String, _ arguments: [String]) throws -> (status: Int32, out: String, peakKiB: Int) {
        let script = """
            import json, resource, subprocess, sys
            r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
            sys.stderr.write(r.stderr)
            print(json.dumps({"status": r.returncode, "out": r.stdout,
                              "peak": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
            """
        let result = try run("/usr/bin/env", ["python3", "-c", script, binary] + arguments)
        struct Report: Decodable {
            var status: Int32
            var out: String
            var peak: Int
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(result.out.utf8))
        return (report.status, report.out, report.peak)
    }

    @Test("a query under a 16 MiB limit on a file four times larger stays within the limit")
    func peakMemoryWithinTheLimit() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let big = directory.file("t.csv")
        // 600,000 rows: about 70 MB.
        let generated = try run(
            binary, ["datasets", "generate", "transport", "--rows", "600000", "--seed", "42", "--out", big, "--quiet"])
        #expect(generated.status == 0, "\(generated.err)")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: big)[.size] as? Int)
        let limitMiB = 16
        #expect(size >= 4 * (limitMiB << 20))
        // The process's own footprint: the same kind of query on the 1.9 MB embedded file.
        let baseline = try Self.measured(
            binary, ["dp", "mean", "--data", repositoryRoot + "/datasets/transport.csv", "--column", "fare", "--bounds", "0:50",
                     "--epsilon", "1", "--memory-limit", "\(limitMiB)MiB"])
        #expect(baseline.status == 0)
        let work = directory.file("work")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let queries: [[String]] = [
            ["dp", "mean", "--column", "fare", "--bounds", "0:50"],
            ["dp", "count", "--by", "origin_district", "--select-partitions", "--delta", "1e-6"],
            ["dp", "quantile", "--column", "fare", "--bounds", "0:50", "--levels", "0.5"],
            // Spills by card (the file is far above a quarter of the limit).
            ["dp", "sum", "--column", "fare", "--bounds", "0:50", "--privacy-unit", "card_id", "--max-contributions", "2",
             "--work-directory", work],
        ]
        for query in queries {
            let arguments = query + ["--data", big, "--epsilon", "1", "--memory-limit", "\(limitMiB)MiB", "--quiet", "--json"]
            let result = try Self.measured(binary, arguments)
            #expect(result.status == 0, "\(query)")
            #expect(result.out.contains("\"epsilon\""), "\(query)")
            let grown = result.peakKiB - baseline.peakKiB
            #expect(grown <= limitMiB << 10, "\(query): peak \(result.peakKiB) KiB, baseline \(baseline.peakKiB) KiB")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: work) == [])

        // Progress on stderr: a steward's own file shows rows; a release through the ledger does
        // not (the registered dataset's exact row count is not the operator's to see).
        let own = try run(binary, ["dp", "count", "--data", big, "--epsilon", "1"])
        #expect(own.status == 0 && own.err.contains("MiB") && own.err.contains(" rows"), "\(own.err)")
        let ledger = directory.file("l.sqlite")
        let granted = try run(
            binary,
            ["ledger", "grant", "--ledger", ledger, "--operator", "o", "--scenario", "s", "--epsilon", "1", "--data", big])
        #expect(granted.status == 0, "\(granted.err)")
        let gated = try run(
            binary, ["dp", "count", "--data", big, "--epsilon", "0.5", "--operator", "o", "--scenario", "s", "--ledger", ledger])
        #expect(gated.status == 0, "\(gated.err)")
        #expect(gated.err.contains("MiB") && !gated.err.contains(" rows"), "\(gated.err)")
    }

    @Test("anonymity check and risk on Adult ×8 (20 MB) under 16 MiB: the whole-file answers, within the limit",
          .enabled(if: SharedData.available()))
    func anonymityWithinTheLimit() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let adult = SharedData.path("adult/adult.csv")
        // Bytes, not Characters: the file's lines end in CRLF, one Character in Swift.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: adult))
        let headerEnd = try #require(bytes.firstIndex(of: UInt8(ascii: "\n"))) + 1
        let big = directory.file("adult8.csv")
        FileManager.default.createFile(atPath: big, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: big))
        handle.write(bytes[..<headerEnd])
        for _ in 0..<8 { handle.write(bytes[headerEnd...]) }
        try handle.close()
        let quasiIdentifiers = "sex,age,race,marital-status,education,native-country,workclass,occupation"
        let limitMiB = 16
        let baseline = try Self.measured(
            binary, ["anonymity", "check", "--data", adult, "--qi", quasiIdentifiers, "--memory-limit", "\(limitMiB)MiB"])
        #expect(baseline.status == 0)
        let commands: [[String]] = [
            ["anonymity", "check", "--qi", quasiIdentifiers, "--sensitive", "salary-class", "--k", "2", "--l", "2",
             "--t", "0.2"],
            ["anonymity", "risk", "--qi", quasiIdentifiers, "--population", big],
        ]
        for command in commands {
            let streamed = try Self.measured(
                binary, command + ["--data", big, "--memory-limit", "\(limitMiB)MiB", "--quiet", "--json"])
            let whole = try run(binary, command + ["--data", big, "--memory-limit", "1GiB", "--json"])
            #expect(streamed.status == whole.status, "\(command)")
            let grown = streamed.peakKiB - baseline.peakKiB
            #expect(grown <= limitMiB << 10, "\(command): peak \(streamed.peakKiB) KiB, baseline \(baseline.peakKiB) KiB")
            // The same answer, bit for bit (the time taken aside).
            func answer(_ json: String) throws -> NSDictionary {
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(json)")
                return object.filter { $0.key != "seconds" } as NSDictionary
            }
            #expect(try answer(streamed.out) == answer(whole.out), "\(command)")
        }
        // 8 copies of every row: no unique row.
        let risk = try run(binary, ["anonymity", "risk", "--data", big, "--qi", quasiIdentifiers, "--json", "--memory-limit", "16MiB"])
        #expect(risk.out.contains("\"unique_rows\":0"), "\(risk.out)")
    }

    @Test("SIGTERM or SIGINT during a spill leaves no spill file (they hold raw rows)")
    func signalRemovesSpillFiles() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let big = directory.file("t.csv")
        let generated = try run(
            binary, ["datasets", "generate", "transport", "--rows", "600000", "--seed", "7", "--out", big, "--quiet"])
        #expect(generated.status == 0, "\(generated.err)")
        for signal in [SIGTERM, SIGINT] {
            let work = directory.file("work-\(signal)")
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = [
                "dp", "sum", "--data", big, "--column", "fare", "--bounds", "0:50", "--privacy-unit", "card_id",
                "--epsilon", "1", "--memory-limit", "16MiB", "--work-directory", work, "--quiet",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Wait until the spill files exist, then signal.
            let deadline = Date().addingTimeInterval(60)
            while (try FileManager.default.contentsOfDirectory(atPath: work)).isEmpty && process.isRunning
                && Date() < deadline
            {
                usleep(20_000)
            }
            let sawFiles = !(try FileManager.default.contentsOfDirectory(atPath: work)).isEmpty
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            #expect(sawFiles, "signal \(signal): the spill never started")
            #expect(process.terminationReason == .uncaughtSignal, "signal \(signal)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: work) == [], "signal \(signal)")
        }
    }

    @Test("a bad --memory-limit is refused with the rule")
    func badLimits() throws {
        let binary = try #require(privacyKernelBinary())
        for bad in ["1MiB", "abc", "12QB", "-5M"] {
            let result = try run(
                binary, ["dp", "count", "--data", repositoryRoot + "/datasets/transport.csv", "--epsilon", "1", "--memory-limit", bad])
            #expect(result.status != 0)
            #expect(result.err.contains("--memory-limit"), "\(bad): \(result.err)")
        }
    }
}
