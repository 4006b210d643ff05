import Foundation
import Testing
@testable import Paillier
import _TestSupport

/// End-to-end tests of `privacy-kernel paillier …`: run the built executable (from the same build
/// folder as this test bundle; `swift build --build-tests` builds it) on files in a temporary folder.
@Suite("Paillier CLI")
struct PaillierCLITests {
    /// The `privacy-kernel` built beside this test bundle (``_TestSupport/privacyKernelBinary()``).
    static let executable: URL? = privacyKernelBinary().map { URL(fileURLWithPath: $0) }

    struct Run {
        var status: Int32
        var standardError: String
    }

    /// Runs `privacy-kernel paillier <arguments>` in `directory`.
    static func paillier(_ arguments: [String], in directory: URL) throws -> Run {
        let executable = try #require(
            Self.executable, "privacy-kernel not built: run `swift build --build-tests` first")
        let process = Process()
        process.executableURL = executable
        process.arguments = ["paillier"] + arguments
        process.currentDirectoryURL = directory
        let errorPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let errorData = errorPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, standardError: String(decoding: errorData, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pk-paillier-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ text: String, _ name: String, in directory: URL) throws {
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    static func read(_ name: String, in directory: URL) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    @Test("keygen, encrypt (fast and plain), add, decrypt: the sums come back; bad input is refused")
    func endToEnd() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }

        var run = try Self.paillier(
            ["keygen", "--public-key", "pub.json", "--private-key", "priv.json"], in: directory)
        #expect(run.status == 0, "\(run.standardError)")
        // The key files are JSON with decimal strings and load as keys.
        let privateKey = try JSONDecoder().decode(
            PaillierPrivateKey.self, from: Data(Self.read("priv.json", in: directory).utf8))
        let publicKey = try JSONDecoder().decode(
            PaillierPublicKey.self, from: Data(Self.read("pub.json", in: directory).utf8))
        #expect(privateKey.publicKey == publicKey)
        #expect(publicKey.modulusBits == 2048)
        let mode =
            try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("priv.json").path)[
                .posixPermissions] as? Int
        #expect(mode == 0o600)

        let a = ["5", "-7", "123456789012345678901234567890", "0"]
        let b = ["10", "7", "-1", "-3"]
        try Self.write(a.joined(separator: "\n") + "\n", "a.txt", in: directory)
        try Self.write(b.joined(separator: "\r\n"), "b.txt", in: directory)
        run = try Self.paillier(["encrypt", "--key", "pub.json", "a.txt", "--out", "ca.txt"], in: directory)
        #expect(run.status == 0, "\(run.standardError)")
        run = try Self.paillier(
            ["encrypt", "--plain", "--threads", "1", "--key", "pub.json", "b.txt", "--out", "cb.txt"], in: directory)
        #expect(run.status == 0, "\(run.standardError)")
        // Ciphertext files: one valid ciphertext per line, decryptable with the library.
        let ciphertexts = try PaillierText.parseIntegers(Self.read("ca.txt", in: directory), source: "ca.txt")
        #expect(ciphertexts.count == 4)
        #expect(try privateKey.decryptSigned(publicKey.ciphertext(validating: ciphertexts[1])) == BigInteger(-7))

        run = try Self.paillier(
            ["add", "--key", "pub.json", "ca.txt", "cb.txt", "ca.txt", "--out", "sum.txt"], in: directory)
        #expect(run.status == 0, "\(run.standardError)")
        run = try Self.paillier(["decrypt", "--key", "priv.json", "sum.txt", "--out", "sum-plain.txt"], in: directory)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(try Self.read("sum-plain.txt", in: directory) == "20\n-7\n246913578024691357802469135779\n-3\n")

        // Refusals: short key, bad plaintext line, invalid ciphertext, wrong key kind, length mismatch.
        run = try Self.paillier(
            ["keygen", "--bits", "1024", "--public-key", "x.json", "--private-key", "y.json"], in: directory)
        #expect(run.status != 0)
        #expect(run.standardError.contains("at least 2048"))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("y.json").path))

        try Self.write("1\n2.5\n", "bad.txt", in: directory)
        run = try Self.paillier(["encrypt", "--key", "pub.json", "bad.txt", "--out", "never.txt"], in: directory)
        #expect(run.status != 0)
        #expect(run.standardError.contains("bad.txt line 2"))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("never.txt").path))

        try Self.write("1\n0\n", "zero.txt", in: directory)
        run = try Self.paillier(["decrypt", "--key", "priv.json", "zero.txt", "--out", "never.txt"], in: directory)
        #expect(run.status != 0)
        #expect(run.standardError.contains("zero.txt line 2: invalid ciphertext"))

        try Self.write(publicKey.nSquared.description + "\n", "big.txt", in: directory)
        run = try Self.paillier(["add", "--key", "pub.json", "ca.txt", "big.txt", "--out", "never.txt"], in: directory)
        #expect(run.status != 0)
        #expect(run.standardError.contains("big.txt line 1: invalid ciphertext"))

        run = try Self.paillier(["decrypt", "--key", "pub.json", "ca.txt", "--out", "never.txt"], in: directory)
        #expect(run.status != 0)
        #expect(run.standardError.contains("missing field \"p\""))

        run = try Self.paillier(
            ["add", "--key", "pub.json", "ca.txt", "cb.txt", "zero.txt", "--out", "never.txt"], in: directory)
        #expect(run.status != 0)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("never.txt").path))
    }
}
