import ArgumentParser
import Foundation
import Paillier
import SecureRandom

/// `privacy-kernel paillier …`: Paillier key generation, encryption, decryption and homomorphic
/// addition over text files (one decimal integer per line) and JSON keys (decimal strings).
struct PaillierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paillier",
        abstract: "Paillier encryption over files of integers (additively homomorphic).",
        discussion: """
            Keys are JSON with decimal-string integers: {"n": …} public, {"n": …, "p": …, "q": …} private.
            Plaintexts are signed decimal integers, one per line (|v| ≤ n/3); ciphertexts are decimal
            integers in Z*ₙ², one per line. Outputs are written atomically (all or nothing); an output
            may not be a directory or one of the command's inputs. Lines longer than any value under
            the key are refused before they are parsed.
            """,
        subcommands: [Keygen.self, Encrypt.self, Decrypt.self, Add.self]
    )

    /// `paillier keygen --bits 2048 --public-key pub.json --private-key priv.json`.
    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a key pair (n of 2048 to 8192 bits).",
            discussion:
                "Prime search time grows like bits⁴: about a second for 2048 bits, seconds to minutes for 8192 (a random search); progress goes to stderr."
        )

        @Option(help: "Modulus length in bits (2048 to 8192).")
        var bits: Int = 2048

        @Option(help: "Public key output (JSON).")
        var publicKey: String

        @Option(help: "Private key output (JSON, written with mode 0600).")
        var privateKey: String

        func validate() throws {
            guard bits >= PaillierPublicKey.minimumModulusBits else {
                throw ValidationError("--bits must be at least \(PaillierPublicKey.minimumModulusBits), got \(bits)")
            }
            guard bits <= PaillierPublicKey.maximumModulusBits else {
                throw ValidationError("--bits must be at most \(PaillierPublicKey.maximumModulusBits), got \(bits)")
            }
            try PaillierFiles.checkOutputs([publicKey, privateKey], inputs: [])
        }

        func run() throws {
            var generator = try SecureRandomGenerator()
            let progress = PaillierProgress(label: "paillier keygen: \(bits)-bit key")
            // An odd candidate of b bits is prime with probability ≈ 2/(b·ln 2).
            let expected = Int((Double(bits / 2) * 0.693_147 / 2).rounded())
            let key = try PaillierPrivateKey.generate(modulusBits: bits, using: &generator) { state in
                progress.report(
                    "\(state.primesFound) of 2 primes found, \(state.candidatesTested) candidates tested (≈ \(expected) per prime on average)",
                    force: state.primesFound == 2)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try PaillierFiles.write(encoder.encode(key.publicKey) + Data("\n".utf8), to: publicKey, mode: 0o644)
            try PaillierFiles.write(encoder.encode(key) + Data("\n".utf8), to: privateKey, mode: 0o600)
        }
    }

    /// `paillier encrypt --key pub.json plain.txt --out cipher.txt [--plain]`.
    struct Encrypt: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encrypt signed integers (one per line).",
            discussion:
                "Default: DJN short-exponent randomness on a fixed base (see PaillierFastEncryptor); --plain uses r^n with r uniform in Z*n."
        )

        @Option(help: "Public key (JSON).")
        var key: String

        @Argument(help: "Plaintext file: one signed decimal integer per line.")
        var input: String

        @Option(help: "Ciphertext output file.")
        var out: String

        @Flag(help: "Plain randomness r^n mod n² (slower; relies on DCR only).")
        var plain = false

        @Option(help: "Worker threads (default: all cores).")
        var threads: Int?

        func validate() throws {
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
            try PaillierFiles.checkOutputs([out], inputs: [key, input])
        }

        func run() throws {
            let publicKey: PaillierPublicKey = try PaillierFiles.readJSON(key)
            let values = try PaillierText.parseIntegers(
                PaillierFiles.readText(input), source: input,
                maximumLength: PaillierText.maximumPlaintextLength(for: publicKey))
            var generator = try SecureRandomGenerator()
            let ciphertexts = try PaillierFiles.naming(input) { () throws(PaillierError) in
                if plain {
                    return try PaillierBatch.encryptSignedPlain(values, with: publicKey, threads: threads)
                }
                let encryptor = try PaillierFastEncryptor(publicKey: publicKey, using: &generator)
                return try PaillierBatch.encryptSigned(values, with: encryptor, threads: threads)
            }
            try PaillierFiles.write(Data(PaillierText.format(ciphertexts).utf8), to: out, mode: 0o644)
        }
    }

    /// `paillier decrypt --key priv.json cipher.txt --out plain.txt`.
    struct Decrypt: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decrypt ciphertexts (one per line) to signed integers.")

        @Option(help: "Private key (JSON with n, p, q).")
        var key: String

        @Argument(help: "Ciphertext file: one decimal integer per line.")
        var input: String

        @Option(help: "Plaintext output file.")
        var out: String

        @Option(help: "Worker threads (default: all cores).")
        var threads: Int?

        func validate() throws {
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
            try PaillierFiles.checkOutputs([out], inputs: [key, input])
        }

        func run() throws {
            let privateKey: PaillierPrivateKey = try PaillierFiles.readJSON(key)
            let values = try PaillierText.parseIntegers(
                PaillierFiles.readText(input), source: input,
                maximumLength: PaillierText.maximumCiphertextLength(for: privateKey.publicKey))
            let plaintexts = try PaillierFiles.naming(input) { () throws(PaillierError) in
                let ciphertexts = try PaillierBatch.validate(values, publicKey: privateKey.publicKey)
                return try PaillierBatch.decryptSigned(ciphertexts, with: privateKey, threads: threads)
            }
            try PaillierFiles.write(Data(PaillierText.format(plaintexts).utf8), to: out, mode: 0o644)
        }
    }

    /// `paillier add --key pub.json a.txt b.txt … --out sum.txt`.
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add ciphertext files element-wise (line i of the output encrypts the sum of lines i).")

        @Option(help: "Public key (JSON).")
        var key: String

        @Argument(help: "Two or more ciphertext files with the same number of lines.")
        var inputs: [String]

        @Option(help: "Ciphertext output file.")
        var out: String

        @Option(help: "Worker threads (default: all cores).")
        var threads: Int?

        func validate() throws {
            guard inputs.count >= 2 else {
                throw ValidationError("add needs at least two ciphertext files, got \(inputs.count)")
            }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
            try PaillierFiles.checkOutputs([out], inputs: [key] + inputs)
        }

        func run() throws {
            let publicKey: PaillierPublicKey = try PaillierFiles.readJSON(key)
            var vectors: [[PaillierCiphertext]] = []
            for input in inputs {
                let values = try PaillierText.parseIntegers(
                    PaillierFiles.readText(input), source: input,
                    maximumLength: PaillierText.maximumCiphertextLength(for: publicKey))
                vectors.append(
                    try PaillierFiles.naming(input) { () throws(PaillierError) in
                        try PaillierBatch.validate(values, publicKey: publicKey)
                    })
                if vectors.count > 1, vectors.last!.count != vectors[0].count {
                    throw PaillierCLIError(
                        "\(input) has \(vectors.last!.count) lines, \(inputs[0]) has \(vectors[0].count)")
                }
            }
            let sums = try PaillierBatch.add(vectors, publicKey: publicKey, threads: threads)
            try PaillierFiles.write(Data(PaillierText.format(sums).utf8), to: out, mode: 0o644)
        }
    }
}

/// File helpers of the `paillier` commands: reads with messages naming the file, atomic writes.
enum PaillierFiles {
    /// Runs `body`; an error about the element at index i becomes one about line i + 1 of `source`.
    static func naming<T>(_ source: String, _ body: () throws(PaillierError) -> T) throws -> T {
        let result = Result(catching: body)
        switch result {
        case .success(let value):
            return value
        case .failure(.invalidCiphertext(let index?, let reason)):
            throw PaillierCLIError("\(source) line \(index + 1): invalid ciphertext: \(reason)")
        case .failure(.plaintextOutOfRange(let index?, let reason)):
            throw PaillierCLIError("\(source) line \(index + 1): plaintext out of range: \(reason)")
        case .failure(.fieldTooLong(let parameter, let length, let maximumLength)):
            throw PaillierCLIError(
                "\(parameter): a field of \(length) characters; values under this key have at most \(maximumLength)")
        case .failure(.decodingOverflow(let index?)):
            throw PaillierCLIError(
                "\(source) line \(index + 1): decrypted value overflowed the signed range (|v| ≤ n/3)")
        case .failure(let error):
            throw error
        }
    }

    static func readText(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PaillierCLIError("cannot read \(path): \(error.localizedDescription)")
        }
    }

    static func readJSON<T: Decodable>(_ path: String) throws -> T {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PaillierCLIError("cannot read key \(path): \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as PaillierError {
            throw PaillierCLIError("key \(path): \(error)")
        } catch let DecodingError.keyNotFound(key, _) {
            throw PaillierCLIError("key \(path): missing field \"\(key.stringValue)\"")
        } catch {
            throw PaillierCLIError("key \(path): not a valid key JSON (\(error))")
        }
    }

    /// Refuses, before any work, an output path that is an existing directory, that names one of
    /// the `inputs` (same path, or the same file through another path or a link), or that repeats
    /// another output.
    static func checkOutputs(_ outputs: [String], inputs: [String]) throws {
        for (index, output) in outputs.enumerated() {
            guard !output.isEmpty else { throw ValidationError("an output path is empty; give a file path") }
            var isDirectory: ObjCBool = false
            if output.hasSuffix("/")
                || (FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory) && isDirectory.boolValue)
            {
                throw ValidationError(
                    "output \(output) is a directory; give a file path, e.g. \(output.hasSuffix("/") ? output : output + "/")result.txt"
                )
            }
            for input in inputs where sameFile(output, input) {
                throw ValidationError(
                    "output \(output) is also an input (\(input)); writing it would replace the input: choose another output file"
                )
            }
            for other in outputs[..<index] where sameFile(output, other) {
                throw ValidationError("outputs \(other) and \(output) are the same file")
            }
        }
    }

    /// Whether two paths name the same file: equal after standardising, or the same device and
    /// inode when both exist.
    static func sameFile(_ a: String, _ b: String) -> Bool {
        if URL(fileURLWithPath: a).standardizedFileURL.path == URL(fileURLWithPath: b).standardizedFileURL.path {
            return true
        }
        var first = stat()
        var second = stat()
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    /// Writes `data` to a temporary file next to `path` with permissions `mode`, then renames it
    /// over `path`: readers see the old file or the whole new one, never a part.
    static func write(_ data: Data, to path: String, mode: Int) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw PaillierCLIError("output \(path) is a directory; give a file path")
        }
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: mode])
        else {
            let folder = url.deletingLastPathComponent().path
            throw PaillierCLIError(
                "cannot write output \(path): cannot create a file in \(folder) (missing folder or no permission)")
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw PaillierCLIError("cannot move \(temporary) to \(path): \(String(cString: strerror(code)))")
        }
    }
}

/// Progress lines on standard error for long work: at most one every 2 seconds, prefixed with
/// the elapsed time. Not thread-safe: report from one thread.
final class PaillierProgress {
    let label: String
    let start = Date()
    var lastReport = Date.distantPast

    init(label: String) { self.label = label }

    /// Prints `message` if 2 seconds have passed since the last line, or if `force`.
    func report(_ message: String, force: Bool = false) {
        let now = Date()
        guard force || now.timeIntervalSince(lastReport) >= 2 else { return }
        lastReport = now
        let elapsed = Int(now.timeIntervalSince(start).rounded())
        FileHandle.standardError.write(Data("\(label): \(elapsed) s: \(message)\n".utf8))
    }
}

/// A failure of a `paillier` command at run time (bad file content, unreadable file): printed as
/// `Error: <message>` without the usage text that `ValidationError` adds.
struct PaillierCLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
