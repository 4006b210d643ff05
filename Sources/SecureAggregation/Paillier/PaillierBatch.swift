import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SecureRandom

/// Whole-vector Paillier operations, spread over cores with `DispatchQueue.concurrentPerform` in
/// contiguous chunks. Every element's result is independent of the chunking (encryptions draw
/// fresh randomness, so ciphertexts differ run to run, but they decrypt to the same values).
public enum PaillierBatch {
    /// The chunks for `count` elements on `threads` threads: at least 1 chunk, at most `count`.
    static func chunks(count: Int, threads: Int?) -> Int {
        let cores = threads ?? ProcessInfoCores.activeProcessorCount
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
    public static func encryptSigned(_ values: [BigInteger], with encryptor: PaillierFastEncryptor, threads: Int? = nil) throws(PaillierError) -> [PaillierCiphertext] {
        let plaintexts = try encodeAll(values, key: encryptor.publicKey)
        return try map(plaintexts.count, threads: threads) { index, generator in
            PaillierCiphertext(value: encryptor.publicKey.embed(plaintexts[index], times: encryptor.randomizer(using: &generator)))
        }
    }

    /// Encrypts signed integers with the plain variant (rⁿ with r uniform in Z*ₙ).
    ///
    /// - Throws: as ``encryptSigned(_:with:threads:)``.
    public static func encryptSignedPlain(_ values: [BigInteger], with publicKey: PaillierPublicKey, threads: Int? = nil) throws(PaillierError) -> [PaillierCiphertext] {
        let plaintexts = try encodeAll(values, key: publicKey)
        return try map(plaintexts.count, threads: threads) { index, generator in
            let r = BigInteger.randomUnit(modulo: publicKey.n, using: &generator)
            return PaillierCiphertext(value: publicKey.embed(plaintexts[index], times: r.powerSecret(publicKey.n, modulo: publicKey.nSquared)))
        }
    }

    /// Validates every value as a ciphertext under `publicKey` (first failure wins, by index).
    ///
    /// - Throws: ``PaillierError/invalidCiphertext(index:reason:)``.
    public static func validate(_ values: [BigInteger], publicKey: PaillierPublicKey) throws(PaillierError) -> [PaillierCiphertext] {
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
    public static func decrypt(_ ciphertexts: [PaillierCiphertext], with privateKey: PaillierPrivateKey, threads: Int? = nil) throws(PaillierError) -> [BigInteger] {
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
    public static func decryptSigned(_ ciphertexts: [PaillierCiphertext], with privateKey: PaillierPrivateKey, threads: Int? = nil) throws(PaillierError) -> [BigInteger] {
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
    public static func add(_ vectors: [[PaillierCiphertext]], publicKey: PaillierPublicKey, threads: Int? = nil) throws(PaillierError) -> [PaillierCiphertext] {
        guard let first = vectors.first else { return [] }
        for (index, vector) in vectors.enumerated() where vector.count != first.count {
            throw PaillierError.invalidArgument(parameter: "input \(index + 1)", reason: "has \(vector.count) ciphertexts, input 1 has \(first.count)")
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
    static func map<T>(_ count: Int, threads: Int?, _ body: (Int, inout SecureRandomGenerator) -> T) throws(PaillierError) -> [T] {
        guard count > 0 else { return [] }
        let chunkCount = chunks(count: count, threads: threads)
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        let failures = UnsafeMutableBufferPointer<PaillierError?>.allocate(capacity: chunkCount)
        failures.initialize(repeating: nil)
        defer {
            _ = results.deinitialize()
            results.deallocate()
            _ = failures.deinitialize()
            failures.deallocate()
        }
        withoutActuallyEscaping(body) { body in
            // Each chunk writes only its own slots of `results` and `failures`.
            nonisolated(unsafe) let body = body
            nonisolated(unsafe) let results = results
            nonisolated(unsafe) let failures = failures
            DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
                let start = count * chunk / chunkCount
                let end = count * (chunk + 1) / chunkCount
                var generator: SecureRandomGenerator
                do {
                    generator = try SecureRandomGenerator()
                } catch {
                    failures[chunk] = .randomnessUnavailable(reason: "\(error)")
                    return
                }
                for index in start..<end {
                    results[index] = body(index, &generator)
                }
            }
        }
        if let failure = failures.lazy.compactMap({ $0 }).first { throw failure }
        return results.map { $0! }
    }
}

/// The number of online cores.
enum ProcessInfoCores {
    static var activeProcessorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
