import Crypto
import _CryptoExtras
import Testing
@_spi(Testing) import SecureRandom

/// Hex string (whitespace ignored) to bytes.
func hexBytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.filter { !$0.isWhitespace })
    precondition(digits.count % 2 == 0)
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}

/// NIST SP 800-38A, appendix F.5.5 (CTR-AES256.Encrypt).
enum SP800_38A_F55 {
    static let key = hexBytes("603deb1015ca71be2b73aef0857d7781 1f352c073b6108d72d9810a30914dff4")
    static let initialCounter = hexBytes("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")
    static let plaintext = hexBytes(
        """
        6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
        30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710
        """)
    static let ciphertext = hexBytes(
        """
        601ec313775789a5b7a7f504bbf3d228 f443e3ca4d62b59aca84e990cacaf5c5
        2b0930daa23de94ce87017ba2d84988d dfc9c58db67aada613c2dd08457941a6
        """)
    /// The keystream is plaintext XOR ciphertext (the generator encrypts zeros).
    static var keystream: [UInt8] { zip(plaintext, ciphertext).map { $0 ^ $1 } }
}

/// AES-256 of one block through swift-crypto's block function, a path independent of CTR.
func aesBlock(_ block: [UInt8], key: [UInt8]) throws -> [UInt8] {
    var block = block
    try AES.permute(&block, key: SymmetricKey(data: key))
    return block
}

/// The 16-byte big-endian counter block `start + offset` (mod 2^128).
func counterBlock(_ start: [UInt8], plus offset: UInt64) -> [UInt8] {
    var result = start
    var carry = offset
    for index in stride(from: 15, through: 0, by: -1) where carry != 0 {
        let sum = UInt64(result[index]) + (carry & 0xff)
        result[index] = UInt8(truncatingIfNeeded: sum)
        carry = (carry >> 8) + (sum >> 8)
    }
    return result
}

@Suite("Known-answer tests: AES-256-CTR keystream")
struct KnownAnswerTests {
    @Test("bulk fill reproduces NIST SP 800-38A F.5.5")
    func nistVectorBulk() throws {
        var generator = try SecureRandomGenerator(
            testKey: SP800_38A_F55.key,
            initialCounterBlock: SP800_38A_F55.initialCounter)
        var bytes = [UInt8](repeating: 0, count: 64)
        bytes.withUnsafeMutableBytes { generator.fill($0) }
        #expect(bytes == SP800_38A_F55.keystream)
    }

    @Test("next() yields the F.5.5 keystream as little-endian words")
    func nistVectorScalar() throws {
        var generator = try SecureRandomGenerator(
            testKey: SP800_38A_F55.key,
            initialCounterBlock: SP800_38A_F55.initialCounter)
        let stream = SP800_38A_F55.keystream
        for word in 0..<8 {
            var expected: UInt64 = 0
            for byte in (0..<8).reversed() { expected = expected << 8 | UInt64(stream[word * 8 + byte]) }
            #expect(generator.next() == expected, "word \(word)")
        }
    }

    @Test("the 128-bit counter carries across 64 bits, refills and wraps, matching the AES block function")
    func counterArithmetic() throws {
        let key = Array(0..<32).map { UInt8($0) &* 7 &+ 3 }
        let starts = [
            hexBytes("00000000000000000fffffffffffffff"),  // control: no carry within the probed blocks
            hexBytes("0123456789abcdefffffffffffffff00"),  // low word carries into the high word at block 256
            hexBytes("ffffffffffffffffffffffffffffff80"),  // full 128-bit wrap at block 128
        ]
        // Blocks around the carry points and the 16 KiB (1024-block) refill boundary.
        let probes: [UInt64] = [0, 1, 127, 128, 129, 255, 256, 257, 1023, 1024, 1025, 2047, 2048]
        for start in starts {
            var generator = try SecureRandomGenerator(testKey: key, initialCounterBlock: start)
            var stream = [UInt8](repeating: 0, count: 2049 * 16)
            // Mixed draws: one word, then bulk, so both paths are exercised.
            let first = generator.next()
            stream.withUnsafeMutableBytes { raw in
                raw.storeBytes(of: first.littleEndian, as: UInt64.self)
                generator.fill(UnsafeMutableRawBufferPointer(rebasing: raw[8...]))
            }
            for block in probes {
                let expected = try aesBlock(counterBlock(start, plus: block), key: key)
                let offset = Int(block) * 16
                #expect(Array(stream[offset..<offset + 16]) == expected, "start \(start), block \(block)")
            }
        }
    }

    @Test("test initialiser rejects wrong key and counter sizes with a message naming the parameter")
    func invalidTestKey() {
        #expect(throws: SecureRandomError.invalidArgument(name: "testKey", reason: "AES-256 needs 32 bytes, found 16"))
        {
            try SecureRandomGenerator(
                testKey: [UInt8](repeating: 0, count: 16), initialCounterBlock: [UInt8](repeating: 0, count: 16))
        }
        do {
            _ = try SecureRandomGenerator(testKey: [UInt8](repeating: 0, count: 32), initialCounterBlock: [1, 2, 3])
            Issue.record("expected a throw")
        } catch {
            #expect(error.description.contains("initialCounterBlock"))
        }
    }
}
