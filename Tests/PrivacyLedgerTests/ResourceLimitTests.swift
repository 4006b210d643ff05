import Foundation
import Testing
import DifferentialPrivacy
#if canImport(Glibc)
import Glibc
import _TestSupport
#endif

/// Issue 13 part 4: every input size a user controls has a documented limit (docs/limits.md),
/// a typed error past it, and that error comes before any large allocation. Each case runs the
/// real CLI in a child process under GNU time and reads the child's own peak resident memory.
@Suite(
    "Issue 13 limits: sizes past their limit are refused before any large allocation", .serialized,
    .enabled(if: privacyKernelBinary() != nil))
struct ResourceLimitTests {
    /// What one child process did: exit status, stderr and peak resident memory (KiB).
    struct Measured {
        var status: Int32
        var err: String
        var peakKiB: Int
    }

    /// GNU time, which reports the peak memory of the process it starts.
    static let gnuTime = "/usr/bin/time"

    /// Runs `binary arguments` under GNU time (stdout and stderr to files in `directory`) and
    /// returns its status, stderr and peak resident memory in KiB.
    ///
    /// Why not `wait4` on a direct child: Linux carries the parent's memory high-water mark into
    /// a spawned child's `ru_maxrss` at exec, so a child of this (large) test process would report
    /// the test process's peak. GNU time is a small process; its child's peak is its own.
    static func measure(_ binary: String, _ arguments: [String], in directory: TemporaryDirectory) throws -> Measured {
        let errPath = directory.file("child.err"), peakPath = directory.file("child.peak")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gnuTime)
        process.arguments = ["-f", "%M", "-o", peakPath, binary] + arguments
        process.standardOutput = FileHandle.nullDevice
        guard FileManager.default.createFile(atPath: errPath, contents: nil) else { throw POSIXError(.EIO) }
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer { try? err.close() }
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        let peakText = (try? String(contentsOfFile: peakPath, encoding: .utf8)) ?? ""
        // GNU time prefixes "Command exited with non-zero status N" when the command fails.
        let peak = peakText.split(separator: "\n").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? -1
        let text = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Measured(status: process.terminationStatus, err: text, peakKiB: peak)
    }

    /// A small transport-like CSV the `dp` cases read.
    static func writeData(_ directory: TemporaryDirectory) throws -> String {
        var lines = ["grp,val"]
        for index in 0..<200 { lines.append("g\(index % 5),\(index % 50)") }
        let path = directory.file("data.csv")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The largest allocation a refusal may make on top of the process's own baseline: 48 MiB.
    /// Every limit below guards an allocation of hundreds of MiB or more.
    static let allowanceKiB = 48 * 1024

    /// The baseline: the same binary doing a small valid release.
    static func baselineKiB(_ binary: String, _ directory: TemporaryDirectory, data: String) throws -> Int {
        let measured = try measure(binary, ["dp", "count", "--data", data, "--epsilon", "1"], in: directory)
        #expect(measured.status == 0, "\(measured.err)")
        return measured.peakKiB
    }

    /// One refusal: the command fails, its stderr contains `expected`, and its peak memory stays
    /// within `allowanceKiB` of the baseline.
    static func expectRefusedCheaply(
        _ arguments: [String], says expected: String, baseline: Int,
        allowance: Int = allowanceKiB, binary: String, directory: TemporaryDirectory
    ) throws {
        let measured = try measure(binary, arguments, in: directory)
        #expect(measured.status != 0, "\(arguments.prefix(3)): should be refused")
        #expect(measured.err.contains(expected), "\(arguments.prefix(3)): \(measured.err)")
        guard !underSanitizer else { return }
        #expect(
            measured.peakKiB <= baseline + allowance,
            "\(arguments.prefix(3)): peak \(measured.peakKiB) KiB against a baseline of \(baseline) KiB")
    }

    /// Whether this run is under a sanitizer (`scripts/sanitize.sh` sets
    /// `PRIVACYKERNEL_SANITIZER`). Peak memory is then not the program's own: AddressSanitizer
    /// keeps freed blocks in its quarantine (256 MiB) and maps shadow memory, so a refusal that
    /// read a 16 MiB keys file peaked at 563 MiB under ASan. The refusals and their messages are
    /// still checked; the memory comparisons (and the positive control) only in plain builds.
    static var underSanitizer: Bool { TestEnvironment.sanitizer != nil }

    @Test("Issue 13 limits: rows, bins, keys, quantile levels, parties, dimension, modulus bits and field length")
    func limitsComeBeforeAllocation() throws {
        let binary = try #require(privacyKernelBinary())
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.gnuTime), "GNU time is installed by scripts/bootstrap.sh")
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let data = try Self.writeData(directory)
        let baseline = try Self.baselineKiB(binary, directory, data: data)
        func refused(_ arguments: [String], says expected: String, allowance: Int = Self.allowanceKiB) throws {
            try Self.expectRefusedCheaply(
                arguments, says: expected, baseline: baseline, allowance: allowance,
                binary: binary, directory: directory)
        }
        // The measurement can fail: a valid histogram of 2^18 bins (within the limit) peaks about
        // 90 MiB above the baseline, beyond the allowance.
        let control = try Self.measure(
            binary,
            [
                "dp", "histogram", "--data", data, "--column", "val", "--bounds", "0:50",
                "--bins", "262144", "--epsilon", "1",
            ], in: directory)
        #expect(control.status == 0, "\(control.err)")
        if !Self.underSanitizer {
            #expect(
                control.peakKiB > baseline + Self.allowanceKiB,
                "control peak \(control.peakKiB) KiB, baseline \(baseline) KiB")
        }
        // Rows: 2^63 − 1 rows of synthetic data.
        try refused(
            ["datasets", "generate", "transport", "--rows", "9223372036854775807", "--out", directory.file("t.csv")],
            says: "rows")
        #expect(!FileManager.default.fileExists(atPath: directory.file("t.csv")))
        // Histogram bins: 10^9 bins would be 10^9 labels and cells.
        try refused(
            [
                "dp", "histogram", "--data", data, "--column", "val", "--bounds", "0:50", "--bins", "1000000000",
                "--epsilon", "1",
            ],
            says: "bins")
        // Declared keys: 2^20 + 1 distinct keys in a file under the 16 MiB file limit.
        let keys = directory.file("keys.txt")
        try ((0...(DPQuery.maximumDeclaredKeys)).map { "k\($0)" }.joined(separator: "\n") + "\n")
            .write(toFile: keys, atomically: true, encoding: .utf8)
        // The keys are read (the file is bounded by its own 16 MiB limit) before they are counted:
        // about 50 MiB for these 9 MB of keys, under 128 MiB for the largest file accepted.
        try refused(
            ["dp", "count", "--data", data, "--by", "grp", "--keys", keys, "--epsilon", "1"], says: "declared keys",
            allowance: 128 * 1024)
        // Quantile levels: 1,001 levels.
        let levels = (0...DPQuery.maximumQuantileLevels).map { "\(Double($0) / Double(DPQuery.maximumQuantileLevels))" }
            .joined(separator: ",")
        try refused(
            [
                "dp", "quantile", "--data", data, "--column", "val", "--bounds", "0:50", "--levels", levels,
                "--epsilon", "1",
            ],
            says: "levels")
        // Parties and dimension of a secure-aggregation simulation.
        try refused(["secagg", "simulate", "--parties", "100000", "--dim", "1"], says: "parties")
        try refused(["secagg", "simulate", "--parties", "10", "--dim", "1000000000"], says: "2^27")
        // Paillier modulus bits.
        try refused(
            [
                "paillier", "keygen", "--bits", "16384", "--public-key", directory.file("pub16k.json"),
                "--private-key", directory.file("priv16k.json"),
            ], says: "8192")
        #expect(!FileManager.default.fileExists(atPath: directory.file("priv16k.json")))
        // Field length: one 5 MB number where a plaintext is expected.
        let key = directory.file("pub.json")
        let made = try Self.measure(
            binary,
            [
                "paillier", "keygen", "--bits", "2048", "--public-key", key,
                "--private-key", directory.file("priv.json"),
            ], in: directory)
        #expect(made.status == 0, "\(made.err)")
        let field = directory.file("field.txt")
        try (String(repeating: "7", count: 5_000_000) + "\n").write(toFile: field, atomically: true, encoding: .utf8)
        let measured = try Self.measure(
            binary, ["paillier", "encrypt", "--key", key, field, "--out", directory.file("f.enc")],
            in: directory)
        #expect(measured.status != 0)
        #expect(measured.err.utf8.count < 400, "the 5 MB field is not echoed: \(measured.err.prefix(400))")
        #expect(
            measured.peakKiB <= baseline + Self.allowanceKiB, "peak \(measured.peakKiB) KiB against \(baseline) KiB")
    }
}
