#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The temporary files this process is writing (a ``CSVWriter``'s `path.partial-<pid>`), so
/// that a termination signal can remove them.
///
/// The paths live in a fixed table of C strings that a signal handler can read without locks or
/// allocation (async-signal-safe: only `unlink`, `signal` and `raise` run in the handler).
/// A writer registers its temporary path *before* creating the file and unregisters it after
/// the rename into place or the removal, so at every moment a temporary file that exists is
/// either registered or being renamed into place by a completed write. Registration strings are
/// never freed (a slot is cleared, its string leaked: a few dozen bytes per writer), so the
/// handler can never read freed memory. At most ``capacity`` writers are tracked at once; a
/// writer beyond that still removes its file on errors, only not on signals.
enum TemporaryFiles {
    /// Slots of the table.
    static let capacity = 256

    /// The table: `nil` or a C string (written under `lock`, read by the handler).
    nonisolated(unsafe) static let slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let table = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        table.initialize(repeating: nil, count: capacity)
        return table
    }()
    private static let lock = PthreadMutex()
    nonisolated(unsafe) private static var installed = false

    /// Records `path` as a temporary file in progress.
    static func register(_ path: String) {
        lock.locked {
            for i in 0..<capacity where slots[i] == nil {
                slots[i] = strdup(path)
                return
            }
        }
    }

    /// Forgets `path` (renamed into place or removed).
    static func unregister(_ path: String) {
        lock.locked {
            for i in 0..<capacity {
                if let entry = slots[i], strcmp(entry, path) == 0 {
                    slots[i] = nil  // the string is leaked on purpose (see the type's comment)
                    return
                }
            }
        }
    }

    /// Installs, once per process, handlers for SIGINT, SIGTERM and SIGHUP that remove the
    /// registered temporary files and then terminate the process by the same signal (the exit
    /// status still says which signal ended it). A signal the process ignored stays ignored;
    /// the three are unblocked on the calling thread.
    static func removeOnTerminationSignals() {
        lock.locked {
            guard !installed else { return }
            installed = true
            _ = slots  // initialise the table outside the handler
            // A process spawned from a thread that blocks signals (a dispatch worker, say) starts
            // with them blocked, and a blocked SIGTERM would never arrive: unblock the three here,
            // on the calling (main) thread, from which later threads inherit the mask.
            var unblock = sigset_t()
            sigemptyset(&unblock)
            for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
                sigaddset(&unblock, signalNumber)
                let previous = signal(signalNumber, temporaryFilesSignalHandler)
                // Function pointers are not Equatable: compare the handlers' addresses.
                if unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) {
                    _ = signal(signalNumber, SIG_IGN)
                }
            }
            pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        }
    }

}

/// The termination-signal handler: unlinks every registered temporary file, restores the
/// default action and re-raises the signal. Async-signal-safe.
private func temporaryFilesSignalHandler(_ signalNumber: Int32) {
    let slots = TemporaryFiles.slots
    for i in 0..<TemporaryFiles.capacity {
        if let path = slots[i] { unlink(path) }
    }
    _ = signal(signalNumber, SIG_DFL)
    _ = raise(signalNumber)
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
