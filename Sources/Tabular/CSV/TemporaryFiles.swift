import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The temporary files this process is writing (a ``CSVWriter``'s `path.partial-<pid>`), so
/// that they can be removed when the process is interrupted.
///
/// A writer registers its temporary path *before* creating the file and unregisters it after
/// the rename into place or the removal, so at every moment a temporary file that exists is
/// either registered or about to be renamed into place by a completed write.
enum TemporaryFiles {
    private static let registry = Registry()

    /// Records `path` as a temporary file in progress.
    static func register(_ path: String) { registry.locked { $0.insert(path) } }

    /// Forgets `path` (renamed into place or removed).
    static func unregister(_ path: String) { _ = registry.locked { $0.remove(path) } }

    /// Removes every registered temporary file; returns how many were registered.
    @discardableResult
    static func removeAll() -> Int {
        let paths = registry.locked { set -> Set<String> in
            let all = set
            set.removeAll()
            return all
        }
        for path in paths { unlink(path) }
        return paths.count
    }

    /// The signal sources, kept alive for the life of the process.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    nonisolated(unsafe) private static var installed = false
    private static let installLock = Registry()

    /// Installs, once per process, handlers for SIGINT, SIGTERM and SIGHUP that remove the
    /// registered temporary files and then terminate the process by the same signal (its exit
    /// status still says which signal ended it). A signal the process ignored when this was
    /// called stays ignored.
    static func removeOnTerminationSignals() {
        installLock.locked { _ in
            guard !installed else { return }
            installed = true
            for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
                let previous = signal(signalNumber, SIG_IGN)
                // Function pointers are not Equatable: compare the handlers' addresses.
                if unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) { continue }
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler {
                    removeAll()
                    signal(signalNumber, SIG_DFL)
                    raise(signalNumber)
                }
                source.resume()
                sources.append(source)
            }
        }
    }

    /// A set of paths behind a pthread mutex (Foundation-free).
    private final class Registry: @unchecked Sendable {
        private var mutex = pthread_mutex_t()
        private var paths: Set<String> = []
        init() { pthread_mutex_init(&mutex, nil) }
        deinit { pthread_mutex_destroy(&mutex) }
        func locked<T>(_ body: (inout Set<String>) -> T) -> T {
            pthread_mutex_lock(&mutex)
            defer { pthread_mutex_unlock(&mutex) }
            return body(&paths)
        }
    }
}

extension CSVWriter {
    /// Makes SIGINT, SIGTERM and SIGHUP remove the temporary files of every ``CSVWriter`` still
    /// open in this process before the process ends by that signal, so an interrupted write
    /// leaves neither a half-written destination nor a `.partial-<pid>` file. Call it once, early,
    /// in an executable (a library should not change a process's signal handling by itself).
    /// Idempotent; signals that were ignored stay ignored.
    public static func removeTemporaryFilesOnTerminationSignals() {
        TemporaryFiles.removeOnTerminationSignals()
    }
}
