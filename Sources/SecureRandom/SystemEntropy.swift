internal import CSystemRandom

/// Direct access to the operating system's cryptographically secure random source.
///
/// On Linux this is `getrandom(2)` with no flags, through the `CSystemRandom` shim: it
/// blocks only until the kernel's pool has been initialised once after boot, never again,
/// and it retries on `EINTR` and on short reads, so a successful call always fills the
/// whole buffer.
///
/// This is the only source of key material for ``SecureRandomGenerator``. It costs one
/// system call per request (about 27 million `UInt64` per second in bulk on the
/// reference machine, 2.2 million when asked for one word at a time), so use it for keys
/// and seeds, and use ``SecureRandomGenerator`` for bulk randomness.
public enum SystemEntropy {
    /// Fills `buffer` with bytes from the operating system's CSPRNG.
    ///
    /// - Parameter buffer: the bytes to overwrite; an empty buffer is a no-op.
    /// - Throws: ``SecureRandomError/systemEntropyUnavailable(errno:requestedBytes:)``
    ///   when the kernel refuses; the buffer's contents are then unspecified and must not
    ///   be used.
    /// - Complexity: O(`buffer.count`), one system call per 32 MiB (the kernel's limit
    ///   per call) in practice.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(SecureRandomError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let code = pk_system_random_fill(base, buffer.count)
        if code != 0 {
            throw .systemEntropyUnavailable(errno: code, requestedBytes: buffer.count)
        }
    }

    /// Returns `count` fresh bytes from the operating system's CSPRNG.
    ///
    /// - Parameter count: the number of bytes, at least 0.
    /// - Throws: ``SecureRandomError/systemEntropyUnavailable(errno:requestedBytes:)``
    ///   when the kernel refuses, or ``SecureRandomError/invalidArgument(name:reason:)``
    ///   for a negative `count`.
    /// - Complexity: O(`count`).
    public static func bytes(count: Int) throws(SecureRandomError) -> [UInt8] {
        guard count >= 0 else {
            throw .invalidArgument(name: "count", reason: "must be at least 0, found \(count)")
        }
        var result = [UInt8](repeating: 0, count: count)
        var failure: SecureRandomError?
        result.withUnsafeMutableBytes { raw in
            do throws(SecureRandomError) { try fill(raw) } catch { failure = error }
        }
        if let failure { throw failure }
        return result
    }

    /// Returns one `UInt64` read from the operating system's CSPRNG (one system call).
    ///
    /// - Throws: ``SecureRandomError/systemEntropyUnavailable(errno:requestedBytes:)``.
    /// - Complexity: O(1), one system call.
    public static func uint64() throws(SecureRandomError) -> UInt64 {
        var value: UInt64 = 0
        var failure: SecureRandomError?
        withUnsafeMutableBytes(of: &value) { raw in
            do throws(SecureRandomError) { try fill(raw) } catch { failure = error }
        }
        if let failure { throw failure }
        return value
    }
}
