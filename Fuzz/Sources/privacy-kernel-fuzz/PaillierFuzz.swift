import Foundation
import Paillier
@_spi(Testing) import SecureRandom  // deterministic seeds: test tooling only (Fuzz/ is not Sources/)

/// Fuzzes the Paillier files of `privacy-kernel paillier`: byte 0 (mod 4) picks the format, the
/// rest is the file.
/// - 0: a public key (`{"n": "…"}`), decoded with `JSONDecoder` as the CLI does, then used to
///   encrypt and to bound a ciphertext line;
/// - 1: a private key (`{"n", "p", "q"}`), decoded (size, balance and primality checks), then used
///   to decrypt;
/// - 2: a ciphertext file (one decimal per line) under a fixed 2048-bit key: parsed with the
///   CLI's line limit, validated, validated (first 8 lines), summed, and the first 2 decrypted;
/// - 3: a plaintext file under the same key: parsed, range-checked (all lines) and the first encrypted.
enum PaillierFuzz {
    /// A fixed 2048-bit key (deterministic from test seed 1), so seed ciphertexts stay valid.
    static let key: PaillierPrivateKey = {
        var generator = SecureRandomGenerator(testSeed: 1)
        return try! PaillierPrivateKey.generate(modulusBits: 2048, using: &generator)
    }()

    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzBytes(data)
        let mode = input.byte() % 4
        switch mode {
        case 0:
            guard let publicKey = try? JSONDecoder().decode(PaillierPublicKey.self, from: Data(input.rest)) else {
                return
            }
            _ = PaillierText.maximumCiphertextLength(for: publicKey)
            _ = try? publicKey.encrypt(BigInteger(42), randomness: BigInteger(3))
        case 1:
            guard let privateKey = try? JSONDecoder().decode(PaillierPrivateKey.self, from: Data(input.rest)) else {
                return
            }
            if let c = try? privateKey.publicKey.encrypt(BigInteger(42), randomness: BigInteger(3)) {
                _ = try? privateKey.decrypt(c)
            }
        case 2:
            let text = input.restText
            guard
                let values = try? PaillierText.parseIntegers(
                    text, source: "fuzz", maximumLength: PaillierText.maximumCiphertextLength(for: key.publicKey)),
                let ciphertexts = try? PaillierBatch.validate(Array(values.prefix(8)), publicKey: key.publicKey)
            else { return }
            _ = try? PaillierBatch.add([ciphertexts, ciphertexts], publicKey: key.publicKey, threads: 1)
            _ = try? PaillierBatch.decryptSigned(Array(ciphertexts.prefix(2)), with: key, threads: 1)
        default:
            let text = input.restText
            guard
                let values = try? PaillierText.parseIntegers(
                    text, source: "fuzz", maximumLength: PaillierText.maximumPlaintextLength(for: key.publicKey))
            else { return }
            for value in values { _ = try? key.publicKey.encodeSigned(value) }
            _ = try? PaillierBatch.encryptSignedPlain(Array(values.prefix(1)), with: key.publicKey, threads: 1)
        }
    }
}
