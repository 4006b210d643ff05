// swift-format-ignore-file
// (The docs/paillier.md example in this file is mirrored line by line, spacing included; the test checks it.)
import CGMP
import Foundation
import Testing
@_spi(Testing) import SecureRandom
@testable import Paillier

/// Regression tests for issue 12, item 6 (Paillier) and the Paillier CLI messages.
@Suite("Issue 12 Paillier")
struct Issue12PaillierTests {
    // MARK: - P6: constant-time fixed-base exponentiation

    /// A random odd modulus of exactly `bits` bits.
    static func oddModulus(bits: Int, using generator: inout SecureRandomGenerator) -> BigInteger {
        let raw = BigInteger.random(bits: bits - 1, using: &generator)
        return BigInteger(1).shiftedLeft(by: bits - 1) + raw.shiftedLeft(by: 1).modulo(BigInteger(1).shiftedLeft(by: bits - 1)) + .one
    }

    /// The integer whose little-endian 64-bit words are `words`.
    static func integer(words: [UInt64]) -> BigInteger {
        words.reversed().reduce(BigInteger.zero) { $0.shiftedLeft(by: 64) + BigInteger($1) }
    }

    @Test("Issue 12 P6: constant-time fixed-base exponentiation matches mpz_powm on random inputs",
          arguments: [(64, 1), (130, 3), (512, 4), (1000, 5), (2048, 6), (4096, 5), (4096, 8)])
    func fixedBaseMatchesPowm(modulusBits: Int, windowBits: Int) throws {
        var generator = SecureRandomGenerator(testSeed: UInt64(modulusBits * 16 + windowBits))
        let modulus = Self.oddModulus(bits: modulusBits, using: &generator)
        #expect(modulus.bitWidth == modulusBits && modulus.isOdd)
        for exponentBits in [1, 63, 64, 65, 257, modulusBits / 2 + 3] {
            let base = BigInteger.random(below: modulus, using: &generator)
            let table = FixedBasePowerTable(base: base, modulus: modulus, exponentBits: exponentBits, windowBits: windowBits)
            let montgomery = ConstantTimeModulus(modulus: modulus)
            let words = (exponentBits + 63) / 64
            var cases: [[UInt64]] = [Array(repeating: 0, count: words), Array(repeating: .max, count: words)]
            for _ in 0..<4 { cases.append((0..<words).map { _ in generator.next() }) }
            for exponentWords in cases {
                // Bits at and above exponentBits are ignored.
                let exponent = Self.integer(words: exponentWords).modulo(BigInteger(1).shiftedLeft(by: exponentBits))
                let expected = base.power(exponent, modulo: modulus, variableTime: true)
                let actual = exponentWords.withUnsafeBufferPointer { table.power(exponent: $0, using: montgomery) }
                #expect(actual == expected, "modulus \(modulusBits) bits, w = \(windowBits), exponent \(exponentBits) bits")
            }
        }
    }

    @Test("Issue 12 P6: the fast encryptor's randomiser is the fixed-base power of its exponent, and mixes with plain ciphertexts")
    func fastEncryptorStillCorrect() throws {
        let key = PaillierTestKeys.key2048
        var generator = SecureRandomGenerator(testSeed: 612)
        let encryptor = PaillierTestKeys.encryptor2048
        #expect(encryptor.windowBits == 5 && encryptor.exponentBits == 1024)
        for value in [BigInteger(0), BigInteger(-1), BigInteger(123_456_789), key.publicKey.maxSignedMagnitude - BigInteger(5)] {
            let c = try encryptor.encryptSigned(value, using: &generator)
            #expect(try key.decryptSigned(c) == value)
            let plain = try key.publicKey.encryptSigned(BigInteger(5), using: &generator)
            #expect(try key.decryptSigned(key.publicKey.add(c, plain)) == value + BigInteger(5))
        }
    }

    /// The median of `runs` timings of `body`, in seconds.
    static func medianSeconds(runs: Int, _ body: () -> Void) -> Double {
        var times: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[runs / 2]
    }

    @Test("Issue 12 P6: fixed-base time does not depend on the exponent (zero digits are not skipped)")
    func fixedBaseTimeIndependentOfExponent() throws {
        // The old code skipped zero digits: a zero exponent cost no multiplication and a sparse one
        // a few, against ⌈ℓ/w⌉ − 1 for a dense one. Now every exponent runs the same operations.
        let encryptor = PaillierTestKeys.encryptor2048
        let table = encryptor.powers
        let montgomery = ConstantTimeModulus(modulus: encryptor.publicKey.nSquared)
        let words = 16
        var generator = SecureRandomGenerator(testSeed: 77)
        let exponents: [[UInt64]] = [Array(repeating: 0, count: words), [1] + Array(repeating: 0, count: words - 1),
                                     (0..<words).map { _ in generator.next() }, Array(repeating: .max, count: words)]
        var medians = Array(repeating: [Double](), count: exponents.count)
        for _ in 0..<3 {  // interleave the kinds so that load changes hit all of them alike
            for (index, exponent) in exponents.enumerated() {
                medians[index].append(Self.medianSeconds(runs: 5) {
                    _ = exponent.withUnsafeBufferPointer { table.power(exponent: $0, using: montgomery) }
                })
            }
        }
        let perKind = medians.map { $0.min()! }
        let ratio = perKind.max()! / perKind.min()!
        // Skipping zero digits made the zero exponent about 200× faster than a dense one; 3× leaves
        // room for a loaded CI machine (other suites run in parallel) and still catches any skip.
        #expect(ratio < 3, "fixed-base times by exponent kind (zero, one, random, all ones): \(perKind)")
    }

    // MARK: - P6: key shape and size

    /// The next probable prime at or above `start` (odd).
    static func nextPrime(_ start: BigInteger, using generator: inout SecureRandomGenerator) -> BigInteger {
        var candidate = start.isOdd ? start : start + .one
        while !candidate.isProbablePrime(using: &generator, variableTime: true) { candidate = candidate + BigInteger(2) }
        return candidate
    }

    @Test("Issue 12 P6: an unbalanced key (20-bit p) is refused on import, from JSON and by the CLI")
    func unbalancedKeyRefused() throws {
        var generator = SecureRandomGenerator(testSeed: 20)
        let p = BigInteger(1_000_003)  // 20 bits, prime
        let q = BigInteger.randomPrime(bits: 2040, using: &generator)
        #expect((p * q).bitWidth >= 2048)
        #expect {
            try PaillierPrivateKey(p: p, q: q)
        } throws: { error in
            guard case PaillierError.unbalancedKey(parameter: "p", let reason)? = error as? PaillierError else { return false }
            return reason.contains("has 20 bits")
        }
        let json = Data("{\"n\": \"\(p * q)\", \"p\": \"\(p)\", \"q\": \"\(q)\"}".utf8)
        #expect(throws: PaillierError.self) { try JSONDecoder().decode(PaillierPrivateKey.self, from: json) }

        // p and q within 2^(k/2 − 100) of each other: Fermat's method factors n.
        let key = PaillierTestKeys.key2048
        let close = Self.nextPrime(key.p + BigInteger(1).shiftedLeft(by: 800), using: &generator)
        #expect {
            try PaillierPrivateKey(p: key.p, q: close)
        } throws: { error in
            guard case PaillierError.unbalancedKey(parameter: "p, q", _)? = error as? PaillierError else { return false }
            return true
        }
        // The generated key passes the same checks.
        #expect(throws: Never.self) { try PaillierPrivateKey.checkShape(p: key.p, q: key.q, minimumModulusBits: 2048) }

        let directory = try PaillierCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try json.write(to: directory.appendingPathComponent("weak.json"))
        try PaillierCLITests.write("1\n", "c.txt", in: directory)
        let run = try PaillierCLITests.paillier(["decrypt", "--key", "weak.json", "c.txt", "--out", "m.txt"], in: directory)
        #expect(run.status != 0)
        #expect(run.standardError.contains("unbalanced Paillier key: p: has 20 bits"), "\(run.standardError)")
    }

    @Test("Issue 12 P6: an oversize modulus is refused up front (n, JSON with 20,001 digits, key generation)")
    func oversizeModulusRefused() throws {
        let huge = BigInteger(1).shiftedLeft(by: 8200) + .one
        #expect(throws: PaillierError.modulusTooLarge(bits: 8201, maximumBits: 8192)) { try PaillierPublicKey(n: huge) }
        var generator = SecureRandomGenerator(testSeed: 8193)
        let start = Date()
        #expect(throws: PaillierError.modulusTooLarge(bits: 16384, maximumBits: 8192)) {
            try PaillierPrivateKey.generate(modulusBits: 16384, using: &generator)
        }
        let digits = "1" + String(repeating: "7", count: 20_000)
        let publicJSON = Data("{\"n\": \"\(digits)\"}".utf8)
        #expect {
            try JSONDecoder().decode(PaillierPublicKey.self, from: publicJSON)
        } throws: { error in
            guard case PaillierError.modulusTooLarge(_, 8192)? = error as? PaillierError else { return false }
            return true
        }
        let privateJSON = Data("{\"n\": \"\(digits)\", \"p\": \"\(digits)\", \"q\": \"\(digits)\"}".utf8)
        #expect(throws: PaillierError.self) { try JSONDecoder().decode(PaillierPrivateKey.self, from: privateJSON) }
        #expect(Date().timeIntervalSince(start) < 5, "refusals must come before any heavy work")

        // The CLI: a 20,001-digit public key is refused at once; keygen --bits 16384 too.
        let directory = try PaillierCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try publicJSON.write(to: directory.appendingPathComponent("huge.json"))
        try PaillierCLITests.write("1\n", "m.txt", in: directory)
        var run = try PaillierCLITests.paillier(["encrypt", "--key", "huge.json", "m.txt", "--out", "c.txt"], in: directory)
        #expect(run.status != 0)
        #expect(run.standardError.contains("at most 8192 bits"), "\(run.standardError)")
        run = try PaillierCLITests.paillier(["keygen", "--bits", "16384", "--public-key", "a.json", "--private-key", "b.json"], in: directory)
        #expect(run.status != 0)
        #expect(run.standardError.contains("--bits must be at most 8192, got 16384"), "\(run.standardError)")
        #expect(Date().timeIntervalSince(start) < 20)
    }

    @Test("Issue 12 C-keygen: key generation reports progress (library callback and CLI stderr)")
    func keyGenerationProgress() throws {
        var generator = SecureRandomGenerator(testSeed: 5120)
        var reports: [PaillierKeyGenerationProgress] = []
        let key = try PaillierPrivateKey.generate(modulusBits: 512, minimumModulusBits: 256, using: &generator) { reports.append($0) }
        #expect(key.publicKey.modulusBits == 512)
        #expect(reports.last?.primesFound == 2)
        #expect(reports.contains { $0.primesFound == 1 })
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.candidatesTested <= $1.candidatesTested })

        let directory = try PaillierCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try PaillierCLITests.paillier(["keygen", "--public-key", "pub.json", "--private-key", "priv.json"], in: directory)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardError.contains("paillier keygen: 2048-bit key:"), "\(run.standardError)")
        #expect(run.standardError.contains("2 of 2 primes found"), "\(run.standardError)")
    }

    // MARK: - C-messages

    @Test("Issue 12 C-messages: --out naming a directory says so (no .tmp file named)")
    func outputDirectory() throws {
        let directory = try PaillierCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try PaillierCLITests.write("{\"n\": \"\(PaillierTestKeys.key2048.publicKey.n)\"}", "pub.json", in: directory)
        try PaillierCLITests.write("1\n2\n", "m.txt", in: directory)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("outdir"), withIntermediateDirectories: false)
        for out in ["outdir", directory.path, "/tmp"] {
            let run = try PaillierCLITests.paillier(["encrypt", "--key", "pub.json", "m.txt", "--out", out], in: directory)
            #expect(run.status != 0)
            #expect(run.standardError.contains("is a directory"), "\(run.standardError)")
            #expect(!run.standardError.contains(".tmp"), "\(run.standardError)")
        }
    }

    @Test("Issue 12 C-messages: an output that is also an input is refused and the input kept")
    func outputIsInput() throws {
        let directory = try PaillierCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try PaillierCLITests.write("{\"n\": \"\(PaillierTestKeys.key2048.publicKey.n)\"}", "pub.json", in: directory)
        try PaillierCLITests.write("1\n2\n", "m.txt", in: directory)
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("link.txt").path, withDestinationPath: "m.txt")
        for out in ["m.txt", "./m.txt", directory.appendingPathComponent("m.txt").path, "link.txt", "pub.json"] {
            let run = try PaillierCLITests.paillier(["encrypt", "--key", "pub.json", "m.txt", "--out", out], in: directory)
            #expect(run.status != 0)
            #expect(run.standardError.contains("is also an input"), "\(out): \(run.standardError)")
        }
        #expect(try PaillierCLITests.read("m.txt", in: directory) == "1\n2\n")
        let run = try PaillierCLITests.paillier(["add", "--key", "pub.json", "m.txt", "m.txt", "--out", "m.txt"], in: directory)
        #expect(run.status != 0)
        #expect(run.standardError.contains("is also an input"), "\(run.standardError)")
    }

    @Test("Issue 12 C-messages: a 5 MB numeric field is refused quickly and echoed in at most 64 characters")
    func hugeFieldRefusedQuickly() throws {
        // The library: a malformed field is echoed cut to 64 characters.
        let long = String(repeating: "9", count: 5_000_000) + "x"
        #expect(throws: PaillierError.invalidInteger(parameter: "v", text: String(repeating: "9", count: 64) + "…")) {
            try BigInteger(decimal: long, parameter: "v")
        }
        #expect(throws: PaillierError.fieldTooLong(parameter: "f.txt line 2", length: 5_000_001, maximumLength: 700)) {
            try PaillierText.parseIntegers("1\n" + long + "\n", source: "f.txt", maximumLength: 700)
        }

        let directory = try PaillierCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try PaillierCLITests.write("{\"n\": \"\(PaillierTestKeys.key2048.publicKey.n)\"}", "pub.json", in: directory)
        let field = String(repeating: "7", count: 5_000_000)
        for (name, text) in [("big.txt", "1\n" + field + "\n"), ("bad.txt", "1\n" + field + "x\n")] {
            try PaillierCLITests.write(text, name, in: directory)
            let start = Date()
            let run = try PaillierCLITests.paillier(["encrypt", "--key", "pub.json", name, "--out", "c.txt"], in: directory)
            let seconds = Date().timeIntervalSince(start)
            #expect(run.status != 0)
            #expect(run.standardError.contains("\(name) line 2: a field of"), "\(run.standardError.prefix(300))")
            #expect(run.standardError.utf8.count < 400, "the error echoes \(run.standardError.utf8.count) bytes")
            #expect(seconds < 3, "refusing a 5 MB field took \(seconds) s")
        }
        // A ciphertext file is held to the length of n² (decrypt and add).
        try PaillierCLITests.write("{\"n\": \"\(PaillierTestKeys.key2048.publicKey.n)\"}", "pub.json", in: directory)
        let run = try PaillierCLITests.paillier(["add", "--key", "pub.json", "big.txt", "big.txt", "--out", "s.txt"], in: directory)
        #expect(run.status != 0)
        #expect(run.standardError.contains("big.txt line 2: a field of 5000000 characters; values under this key have at most 1233"), "\(run.standardError.prefix(300))")
    }

    // MARK: - README (docs/paillier.md since issue 17)

    /// The fenced block of `language` that follows `marker` in docs/paillier.md (until issue 17
    /// the README's Paillier section).
    static func readmeBlock(language: String, after marker: String) throws -> [String] {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let page = try String(contentsOf: packageRoot.appendingPathComponent("docs/paillier.md"), encoding: .utf8)
        let section = try #require(page.range(of: "# Paillier\n"))
        let tail = page[section.upperBound...]
        let markerRange = try #require(tail.range(of: marker))
        let open = try #require(tail[markerRange.upperBound...].range(of: "```\(language)\n"))
        let close = try #require(tail[open.upperBound...].range(of: "```"))
        return tail[open.upperBound..<close.lowerBound].split(separator: "\n").map(String.init)
    }

    @Test("Issue 12 C-readme: the Paillier CLI example of docs/paillier.md runs as written")
    func readmeCommandLineExample() throws {
        let lines = try Self.readmeBlock(language: "sh", after: "CLI (keys are JSON")
        #expect(lines.count >= 5)
        let executable = try #require(PaillierCLITests.executable)
        let directory = try PaillierCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-e", "-c", lines.joined(separator: "\n")]
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = executable.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(errorText)")
        // The example's comment states the decrypted sums.
        #expect(try PaillierCLITests.read("sum.txt", in: directory) == "15\n-7\n1000000\n")
    }

    @Test("Issue 12 C-readme: the Paillier Swift example of docs/paillier.md runs as written")
    func readmeSwiftExample() throws {
        // Keep in sync with docs/paillier.md (checked below, line by line).
        var rng = try SecureRandomGenerator()
        let key = try PaillierPrivateKey.generate(modulusBits: 2048, using: &rng)   // 2048…8192 bits; balanced primes
        let pk = key.publicKey
        let fast = try PaillierFastEncryptor(publicKey: pk, using: &rng)             // constant-time fixed-base table, ≈3.4 MB
        let a = try fast.encryptSigned(-1_250, using: &rng)
        let b = try pk.encryptSigned(BigInteger(4_000), using: &rng)                  // plain variant: r^n, r uniform in Z*n
        let total = pk.add(a, b)                                                      // E(2750)
        let scaled = pk.multiply(total, by: BigInteger(-3))                           // E(-8250); also negate, subtract, sum
        let m = try key.decryptSigned(scaled)                                         // CRT, mpz_powm_sec; -8250
        let line = scaled.description                                                 // a ciphertext as text, e.g. from a file
        let c = try pk.ciphertext(validating: BigInteger(decimal: line))              // untrusted input: must lie in Z*ₙ²
        let reals = try PaillierFixedPointEncoding(fractionBits: 32)                 // x ↦ round(x·2^32), then signed
        let json = try JSONEncoder().encode(key)                                      // {"n":"…","p":"…","q":"…"}

        #expect(m == BigInteger(-8_250) && c == scaled && reals.fractionBits == 32 && !json.isEmpty)
        let readme = try Self.readmeBlock(language: "swift", after: "The `Paillier` module holds an additively homomorphic")
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        for line in readme where line.hasPrefix("let ") || line.hasPrefix("var ") {
            #expect(source.contains("        " + line), "docs/paillier.md line not in this test: \(line)")
        }
    }
}
