import Foundation
import Testing
import DifferentialPrivacy
#if canImport(Glibc)
import Glibc
#endif

/// Issue 13 part 4: every input size a user controls has a documented limit (docs/limits.md),
/// a typed error past it, and that error comes before any large allocation. Each case runs the
/// real CLI in a child process and reads the child's peak resident set size from `wait4`.
@Suite("Issue 13 limits: sizes past their limit are refused before any large allocation", .serialized,
       .enabled(if: privacyKernelBinary() != nil))
struct ResourceLimitTests {
    /// What one child process did: exit status, stderr and peak resident memory (KiB).
    struct Measured {
        var status: Int32
        var err: String
        var peakKiB: Int
    }

    /// Runs `binary arguments` with stdout and stderr sent to files in `directory`, and returns
    /// its status, stderr and `ru_maxrss` (the child's own peak, KiB on Linux).
    static func measure(_ binary: String, _ arguments: [String], in directory: TemporaryDirectory) throws -> Measured {
        let outPath = directory.file("child.out"), errPath = directory.file("child.err")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv: [UnsafeMutablePointer<CChar>?] = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, binary, &actions, nil, argv, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        }
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Measured(status: exitStatus, err: err, peakKiB: Int(usage.ru_maxrss))
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
    static func expectRefusedCheaply(_ arguments: [String], says expected: String, baseline: Int,
                                     binary: String, directory: TemporaryDirectory) throws {
        let measured = try measure(binary, arguments, in: directory)
        #expect(measured.status != 0, "\(arguments.prefix(3)): should be refused")
        #expect(measured.err.contains(expected), "\(arguments.prefix(3)): \(measured.err)")
        #expect(measured.peakKiB <= baseline + allowanceKiB,
                "\(arguments.prefix(3)): peak \(measured.peakKiB) KiB against a baseline of \(baseline) KiB")
    }

    @Test("Issue 13 limits: rows, bins, keys, quantile levels, parties, dimension, modulus bits and field length")
    func limitsComeBeforeAllocation() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory(); defer { directory.cleanup() }
        let data = try Self.writeData(directory)
        let baseline = try Self.baselineKiB(binary, directory, data: data)
        func refused(_ arguments: [String], says expected: String) throws {
            try Self.expectRefusedCheaply(arguments, says: expected, baseline: baseline, binary: binary, directory: directory)
        }
        // The measurement can fail: a valid histogram of 2^18 bins (within the limit) peaks about
        // 90 MiB above the baseline, beyond the allowance.
        let control = try Self.measure(binary, ["dp", "histogram", "--data", data, "--column", "val", "--bounds", "0:50",
                                                "--bins", "262144", "--epsilon", "1"], in: directory)
        #expect(control.status == 0, "\(control.err)")
        #expect(control.peakKiB > baseline + Self.allowanceKiB, "control peak \(control.peakKiB) KiB, baseline \(baseline) KiB")
        // Rows: 2^63 − 1 rows of synthetic data.
        try refused(["datasets", "generate", "transport", "--rows", "9223372036854775807", "--out", directory.file("t.csv")],
                    says: "rows")
        #expect(!FileManager.default.fileExists(atPath: directory.file("t.csv")))
        // Histogram bins: 10^9 bins would be 10^9 labels and cells.
        try refused(["dp", "histogram", "--data", data, "--column", "val", "--bounds", "0:50", "--bins", "1000000000", "--epsilon", "1"],
                    says: "bins")
        // Declared keys: 2^20 + 1 distinct keys in a file under the 16 MiB file limit.
        let keys = directory.file("keys.txt")
        try ((0...(DPQuery.maximumDeclaredKeys)).map { "k\($0)" }.joined(separator: "\n") + "\n")
            .write(toFile: keys, atomically: true, encoding: .utf8)
        try refused(["dp", "count", "--data", data, "--by", "grp", "--keys", keys, "--epsilon", "1"], says: "declared keys")
        // Quantile levels: 1,001 levels.
        let levels = (0...DPQuery.maximumQuantileLevels).map { "\(Double($0) / Double(DPQuery.maximumQuantileLevels))" }.joined(separator: ",")
        try refused(["dp", "quantile", "--data", data, "--column", "val", "--bounds", "0:50", "--levels", levels, "--epsilon", "1"],
                    says: "levels")
        // Parties and dimension of a secure-aggregation simulation.
        try refused(["secagg", "simulate", "--parties", "100000", "--dim", "1"], says: "parties")
        try refused(["secagg", "simulate", "--parties", "10", "--dim", "1000000000"], says: "2^27")
        // Paillier modulus bits.
        try refused(["paillier", "keygen", "--bits", "16384", "--public-key", directory.file("pub16k.json"),
                     "--private-key", directory.file("priv16k.json")], says: "8192")
        #expect(!FileManager.default.fileExists(atPath: directory.file("priv16k.json")))
        // Field length: one 5 MB number where a plaintext is expected.
        let key = directory.file("pub.json")
        let made = try Self.measure(binary, ["paillier", "keygen", "--bits", "2048", "--public-key", key,
                                             "--private-key", directory.file("priv.json")], in: directory)
        #expect(made.status == 0, "\(made.err)")
        let field = directory.file("field.txt")
        try (String(repeating: "7", count: 5_000_000) + "\n").write(toFile: field, atomically: true, encoding: .utf8)
        let measured = try Self.measure(binary, ["paillier", "encrypt", "--key", key, field, "--out", directory.file("f.enc")],
                                        in: directory)
        #expect(measured.status != 0)
        #expect(measured.err.utf8.count < 400, "the 5 MB field is not echoed: \(measured.err.prefix(400))")
        #expect(measured.peakKiB <= baseline + Self.allowanceKiB, "peak \(measured.peakKiB) KiB against \(baseline) KiB")
    }
}
