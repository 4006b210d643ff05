import SecureRandom
import Tabular

/// Whole-vector Paillier operations, spread over cores with ``Tabular/ParallelChunks`` in
/// contiguous chunks. Every element's result is independent of the chunking (encryptions draw
/// fresh randomness, so ciphertexts differ run to run, but they decrypt to the same values).
public enum PaillierBatch {
    /// The chunks for `count` elements on `threads` threads: at least 1 chunk, at most `count`.
    static func chunks(count: Int, threads: Int?) -> Int {
        let cores = threads ?? ProcessorInfo.activeCores
        return max(1, min(count, cores * 4))
    }

    /// Encrypts signed integers with the fast encryptor; one `SecureRandomGenerator` per chunk.
    ///
    /// - Parameters:
    ///   - values: signed plaintexts, each with |v| ≤ ``PaillierPublicKey/maxSignedMagnitude``.
    ///   - threads: worker threads (default: all cores).
    /// - Throws: ``PaillierError/plaintextOutOfRange(index:reason:)`` naming the first bad index
    ///   (checked before any encryption); ``PaillierError/randomnessUnavailable(reason:)``.
    /// - Complexity: n/threads encryptions per thread.
    public static func encryptSigned(
        _ values: [BigInteger], with encryptor: PaillierFastEncryptor, threads: Int? = nil
    ) throws(PaillierError) -> [PaillierCiphertext] {
        let plaintexts = try encodeAll(values, key: encryptor.publicKey)
        return try map(plaintexts.count, threads: threads) { index, generator in
            PaillierCiphertext(
                value: encryptor.publicKey.embed(plaintexts[index], times: encryptor.randomizer(using: &generator)))
        }
    }

    /// Encrypts signed integers with the plain variant (rⁿ with r uniform in Z*ₙ).
    ///
    /// - Throws: as ``encryptSigned(_:with:threads:)``.
    public static func encryptSignedPlain(
        _ values: [BigInteger], with publicKey: PaillierPublicKey, threads: Int? = nil
    ) throws(PaillierError) -> [PaillierCiphertext] {
        let plaintexts = try encodeAll(values, key: publicKey)
        return try map(plaintexts.count, threads: threads) { index, generator in
            let r = BigInteger.randomUnit(modulo: publicKey.n, using: &generator)
            return PaillierCiphertext(
                value: publicKey.embed(plaintexts[index], times: r.powerSecret(publicKey.n, modulo: publicKey.nSquared))
            )
        }
    }

    /// Validates every value as a ciphertext under `publicKey` (first failure wins, by index).
    ///
    /// - Throws: ``PaillierError/invalidCiphertext(index:reason:)``.
    public static func validate(
        _ values: [BigInteger], publicKey: PaillierPublicKey
    ) throws(PaillierError) -> [PaillierCiphertext] {
        var result: [PaillierCiphertext] = []
        result.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            result.append(try publicKey.ciphertext(validating: value, index: index))
        }
        return result
    }

    /// Decrypts to raw plaintexts in 0..<n (CRT, constant-time exponentiations).
    ///
    /// - Throws: ``PaillierError/invalidCiphertext(index:reason:)`` (all are validated first).
    public static func decrypt(
        _ ciphertexts: [PaillierCiphertext], with privateKey: PaillierPrivateKey, threads: Int? = nil
    ) throws(PaillierError) -> [BigInteger] {
        for (index, ciphertext) in ciphertexts.enumerated() {
            try privateKey.validate(ciphertext.value, index: index)
        }
        return try map(ciphertexts.count, threads: threads) { index, _ in
            privateKey.decryptValidated(ciphertexts[index].value)
        }
    }

    /// Decrypts and decodes signed integers (CRT, constant-time exponentiations).
    ///
    /// - Throws: ``PaillierError/invalidCiphertext(index:reason:)`` (all are validated first),
    ///   ``PaillierError/decodingOverflow(index:)``.
    public static func decryptSigned(
        _ ciphertexts: [PaillierCiphertext], with privateKey: PaillierPrivateKey, threads: Int? = nil
    ) throws(PaillierError) -> [BigInteger] {
        let plaintexts = try decrypt(ciphertexts, with: privateKey, threads: threads)
        var result: [BigInteger] = []
        result.reserveCapacity(plaintexts.count)
        for (index, plaintext) in plaintexts.enumerated() {
            result.append(try privateKey.publicKey.decodeSigned(plaintext, index: index))
        }
        return result
    }

    /// Element-wise homomorphic sums of equally long ciphertext vectors.
    ///
    /// - Throws: ``PaillierError/invalidArgument(parameter:reason:)`` when the lengths differ.
    public static func add(
        _ vectors: [[PaillierCiphertext]], publicKey: PaillierPublicKey, threads: Int? = nil
    ) throws(PaillierError) -> [PaillierCiphertext] {
        guard let first = vectors.first else { return [] }
        for (index, vector) in vectors.enumerated() where vector.count != first.count {
            throw PaillierError.invalidArgument(
                parameter: "input \(index + 1)", reason: "has \(vector.count) ciphertexts, input 1 has \(first.count)")
        }
        return try map(first.count, threads: threads) { index, _ in
            publicKey.sum(vectors.lazy.map { $0[index] })
        }
    }

    static func encodeAll(_ values: [BigInteger], key: PaillierPublicKey) throws(PaillierError) -> [BigInteger] {
        var plaintexts: [BigInteger] = []
        plaintexts.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            plaintexts.append(try key.encodeSigned(value, index: index))
        }
        return plaintexts
    }

    /// Runs `body(index, &generator)` for every index in 0..<count over contiguous chunks, one
    /// OS-keyed generator per chunk, and returns the results in index order.
    static func map<T>(
        _ count: Int, threads: Int?, _ body: (Int, inout SecureRandomGenerator) -> T
    ) throws(PaillierError) -> [T] {
        guard count > 0 else { return [] }
        let chunkCount = chunks(count: count, threads: threads)
        let perChunk: [Result<[T], PaillierError>] = ParallelChunks.map(chunkCount) { chunk in
            var generator: SecureRandomGenerator
            do {
                generator = try SecureRandomGenerator()
            } catch {
                return .failure(.randomnessUnavailable(reason: "\(error)"))
            }
            return .success(ParallelChunks.range(chunk, of: chunkCount, total: count).map { body($0, &generator) })
        }
        var results: [T] = []
        results.reserveCapacity(count)
        for outcome in perChunk {
            switch outcome {
            case let .success(values): results.append(contentsOf: values)
            case let .failure(error): throw error
            }
        }
        return results
    }
}
