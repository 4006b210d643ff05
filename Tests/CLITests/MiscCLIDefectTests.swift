import Foundation
import _TestSupport
import Testing

/// Issue 12 items of the datasets, anonymity and keys-file commands, through the built CLI.
@Suite(
    "Issue 12: datasets, anonymity and --keys command-line defects", .serialized,
    .enabled(if: privacyKernelBinary() != nil))
struct MiscCLIDefectTests {
    /// The entries of `directory`.
    static func entries(_ directory: TemporaryDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    @Test("Issue 12 C-generate: --rows 9223372036854775807 is refused by a typed error (no trap) and leaves no file")
    func hugeRowCount() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let out = directory.file("t.csv")
        for rows in ["9223372036854775807", "10000000001", "-1"] {
            let result = try run(binary, ["datasets", "generate", "transport", "--rows=\(rows)", "--out", out])
            #expect(result.status != 0 && result.status < 128, "--rows \(rows): status \(result.status)")
            #expect(result.err.contains("--rows must be in 0...10000000000"), "\(result.err)")
            let left = try Self.entries(directory)
            #expect(left.isEmpty, "--rows \(rows) left \(left)")
        }
    }

    @Test(
        "Issue 12 C-generate: SIGINT or SIGTERM during a long generation removes the .partial file",
        arguments: [SIGTERM, SIGINT])
    func signalRemovesPartial(signal: Int32) throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "datasets", "generate", "transport", "--rows", "50000000", "--threads", "1", "--quiet",
            "--out", directory.file("t.csv"),
        ]
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the temporary file exists and has grown.
        let deadline = Date().addingTimeInterval(60)
        var partial: String?
        while Date() < deadline, process.isRunning {
            if let name = try Self.entries(directory).first(where: { $0.contains(".partial-") }),
                let size = try? FileManager.default.attributesOfItem(atPath: directory.file(name))[.size] as? Int,
                size > 0
            {
                partial = name
                break
            }
            usleep(20_000)
        }
        #expect(partial != nil, "no partial file appeared")
        kill(process.processIdentifier, signal)
        let stop = Date().addingTimeInterval(20)
        while process.isRunning && Date() < stop { usleep(20_000) }
        if process.isRunning {
            Issue.record("the generator ignored the signal")
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == signal)
        let left = try Self.entries(directory)
        #expect(left.isEmpty, "left behind: \(left)")
    }

    @Test("Issue 12 C-describe: describe prints finite statistics for a value of 1e307 and valid JSON with --json")
    func describeHugeValues() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let data = directory.file("big.csv")
        // y's standard deviation, 1.7e308 · √2, is beyond the double range.
        try "x,y\n1e307,1.7e308\n1e307,-1.7e308\n".write(toFile: data, atomically: true, encoding: .utf8)
        let text = try run(binary, ["datasets", "describe", data])
        #expect(text.status == 0, "\(text.err)")
        #expect(!text.out.contains("=inf") && !text.out.contains("=-inf"), "\(text.out)")
        #expect(text.out.contains("max=1e+307 mean=1e+307"), "\(text.out)")
        let json = try run(binary, ["datasets", "describe", data, "--json"])
        #expect(json.status == 0, "\(json.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let columns = try #require((object["summary"] as? [String: Any])?["columns"] as? [[String: Any]])
        #expect(columns[0]["max"] as? Double == 1e307 && columns[0]["mean"] as? Double == 1e307)
        #expect(columns[1]["std"] is NSNull, "std of ±1.7e308 is beyond the double range: null")
        #expect((columns[1]["notes"] as? [String])?.isEmpty == false)
    }

    /// `columns` quasi-identifiers q0… over the values v0…v7 with `levels`-level hierarchies
    /// (levels^columns transformations); returns the `anonymity generalise` arguments.
    static func writeLattice(
        _ directory: TemporaryDirectory, levels: Int, columns: Int, rows: Int = 50, k: Int = 2
    ) throws -> [String] {
        var lines = [(0..<columns).map { "q\($0)" }.joined(separator: ",")]
        var state: UInt64 = 12_345
        for _ in 0..<rows {
            lines.append(
                (0..<columns).map { _ in
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    return "v\((state >> 33) % 8)"
                }.joined(separator: ","))
        }
        try (lines.joined(separator: "\n") + "\n").write(
            toFile: directory.file("data.csv"), atomically: true, encoding: .utf8)
        let hierarchy =
            (0..<8).map { v in
                (0..<levels).map { level in
                    level == 0 ? "v\(v)" : level == levels - 1 ? "*" : "g\(level)-\(v >> min(level, 3))"
                }
                .joined(separator: ";")
            }.joined(separator: "\n") + "\n"
        var arguments = [
            "anonymity", "generalise", "--data", directory.file("data.csv"),
            "--qi", (0..<columns).map { "q\($0)" }.joined(separator: ","), "--k", "\(k)",
        ]
        for c in 0..<columns {
            try hierarchy.write(toFile: directory.file("h\(c).csv"), atomically: true, encoding: .utf8)
            arguments += ["--hierarchy", "q\(c)=\(directory.file("h\(c).csv"))"]
        }
        return arguments
    }

    @Test("Issue 12 C-lattice: anonymity generalise over an 8^8 lattice is refused at once, naming the limit")
    func oversizedLattice() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let arguments = try Self.writeLattice(directory, levels: 8, columns: 8)
        let start = Date()
        let result = try run(binary, arguments)
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(result.status == 1, "\(result.err)")
        #expect(
            result.err.contains("16777216 transformations") && result.err.contains("limit of 1000000"), "\(result.err)")
    }

    @Test("Issue 12 C-lattice: a search at the limit (10^6 transformations) runs and reports progress on stderr")
    func latticeAtLimitShowsProgress() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let arguments =
            try Self.writeLattice(directory, levels: 10, columns: 6, rows: 2_000, k: 5) + [
                "--suppression", "0.02", "--json",
            ]
        let start = Date()
        let result = try run(binary, arguments)
        let seconds = Date().timeIntervalSince(start)
        #expect(result.status == 0, "\(result.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        #expect(object["lattice_size"] as? Int == 1_000_000)
        if seconds > 2.5 {  // progress appears only for searches longer than a second
            #expect(
                result.err.contains("generalise: searching,")
                    && result.err.contains("of 1000000 transformations visited"), "\(result.err)")
        }
    }

    @Test("Issue 12 C-population-sep: --population is read with its own separator (given, or guessed from its header)")
    func populationSeparator() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let data = directory.file("sample.csv"), population = directory.file("population.csv")
        // Sample: two classes of 2; population: the same classes with 4 and 10 rows, ';'-separated.
        try "age,sex\n30,F\n30,F\n40,M\n40,M\n".write(toFile: data, atomically: true, encoding: .utf8)
        try
            ("age;sex\n" + Array(repeating: "30;F", count: 4).joined(separator: "\n") + "\n"
            + Array(repeating: "40;M", count: 10).joined(separator: "\n") + "\n")
            .write(toFile: population, atomically: true, encoding: .utf8)
        for extra in [[String](), ["--population-separator", ";"]] {
            let result = try run(
                binary,
                ["anonymity", "risk", "--data", data, "--qi", "age,sex", "--population", population, "--json"] + extra)
            #expect(result.status == 0, "\(extra): \(result.err)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
            #expect(object["journalist_max"] as? Double == 0.25, "\(result.out)")
            #expect(abs((object["journalist_avg"] as? Double ?? 0) - (2.0 / 4 + 2.0 / 10) / 4) < 1e-12, "\(result.out)")
        }
        // A wrong explicit separator is a load error of the population file, not a silent misread.
        let wrong = try run(
            binary,
            [
                "anonymity", "risk", "--data", data, "--qi", "age,sex", "--population", population,
                "--population-separator", ",",
            ])
        #expect(wrong.status != 0)
        let orphan = try run(
            binary, ["anonymity", "risk", "--data", data, "--qi", "age,sex", "--population-separator", ";"])
        #expect(orphan.status != 0 && orphan.err.contains("--population-separator needs --population"))
    }

    @Test(
        "Issue 12 C-messages: --keys names the real problem: /dev/null, a directory, empty, not UTF-8, too large, missing"
    )
    func keysFileMessages() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let data = directory.file("d.csv")
        try ("k,v\n" + (0..<50).map { "a\($0 % 3),\($0)" }.joined(separator: "\n") + "\n").write(
            toFile: data, atomically: true, encoding: .utf8)
        let empty = directory.file("empty.txt"), blank = directory.file("blank.txt"),
            latin1 = directory.file("latin1.txt"),
            large = directory.file("large.txt"), good = directory.file("good.txt")
        try Data().write(to: URL(fileURLWithPath: empty))
        try " \n\n  \n".write(toFile: blank, atomically: true, encoding: .utf8)
        try Data([0x61, 0x30, 0x0A, 0x63, 0x61, 0x66, 0xE9, 0x0A]).write(to: URL(fileURLWithPath: latin1))
        _ = FileManager.default.createFile(atPath: large, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: large))
        try handle.truncate(atOffset: 17 << 20)
        try handle.close()
        try "a0\na1\n\n a2 \n".write(toFile: good, atomically: true, encoding: .utf8)
        let cases: [(String, String)] = [
            ("/dev/null", "is a character device, not a regular file"),
            (directory.path, "is a directory, not a regular file"),
            (empty, "holds no key"),
            (blank, "holds no key"),
            (latin1, "line 2 is not valid UTF-8"),
            (large, "more than the limit of 16777216 bytes"),
            (directory.file("missing.txt"), "no such file"),
        ]
        for (path, expected) in cases {
            let result = try run(
                binary, ["dp", "count", "--data", data, "--by", "k", "--keys", path, "--epsilon", "1"])
            #expect(result.status != 0, "\(path)")
            #expect(
                result.err.contains("--keys '\(path)': ") && result.err.contains(expected), "\(path): \(result.err)")
            #expect(!result.err.lowercased().contains("permission"), "\(path): \(result.err)")
        }
        let ok = try run(
            binary, ["dp", "count", "--data", data, "--by", "k", "--keys", good, "--epsilon", "1", "--json"])
        #expect(ok.status == 0, "\(ok.err)")
        #expect(ok.out.contains("\"a2\""), "keys are trimmed: \(ok.out)")
    }
}
