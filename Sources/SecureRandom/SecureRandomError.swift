#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Every way the secure-random layer can fail, each naming what went wrong so that the
/// message alone tells a user what to fix.
///
/// Programmer errors (an upper bound of zero, a bit count outside `0...64`) are
/// `precondition`s, not cases of this enum; this enum covers conditions a caller can
/// meet at run time (the operating system refusing entropy) and malformed test inputs.
public enum SecureRandomError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The operating system's entropy source (`getrandom(2)`) failed.
    ///
    /// - `errno`: the C `errno` value reported by the kernel (for example `ENOSYS` when
    ///   the syscall does not exist, `EFAULT` for a bad buffer).
    /// - `requestedBytes`: how many bytes were asked for, in bytes.
    case systemEntropyUnavailable(errno: Int32, requestedBytes: Int)
    /// A parameter passed to a deterministic test initialiser has the wrong size or range.
    ///
    /// - `name`: the parameter at fault; `reason`: what was expected and what was found.
    case invalidArgument(name: String, reason: String)

    /// A one-line, human-readable message naming the problem.
    public var description: String {
        switch self {
        case let .systemEntropyUnavailable(code, requestedBytes):
            let reason = String(cString: strerror(code))
            return
                "the operating system's random source (getrandom) failed while reading \(requestedBytes) bytes: \(reason) (errno \(code))"
        case let .invalidArgument(name, reason):
            return "invalid \(name): \(reason)"
        }
    }
}
