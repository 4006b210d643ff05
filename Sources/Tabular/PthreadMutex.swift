#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutual-exclusion lock over a pthread mutex, without Foundation, for the few places that
/// guard shared state from several threads (and from code that must not allocate much, such as
/// the registry a signal handler reads).
///
/// Guarantee: `locked(_:)` runs its body while no other thread runs a body of the same lock.
/// Not recursive: calling `locked` from inside its own body deadlocks. Cost: one uncontended
/// lock/unlock pair, tens of nanoseconds.
public final class PthreadMutex: @unchecked Sendable {
    private var mutex = pthread_mutex_t()

    /// A new, unlocked mutex.
    public init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }

    /// Runs `body` holding the lock and returns its result.
    public func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}
