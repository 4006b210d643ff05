import Foundation

/// Helpers every test target shares: where the built `privacy-kernel` is, where the repository
/// and the shared real datasets are, and the environment switches of the sanitizer runs. One
/// copy, so that a test never runs a stale binary from another build folder.

/// The `privacy-kernel` executable built beside the running test bundle (same scratch path and
/// configuration: `.build/debug`, `.build-asan/debug`, `.build/release`, …), or `nil` when it
/// was not built (`swift build --build-tests` builds it).
public func privacyKernelBinary() -> String? {
    let runner =
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var directory = URL(fileURLWithPath: runner).deletingLastPathComponent()
    // The runner may sit inside a bundle directory (…/PrivacyKernelPackageTests.xctest/…).
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("privacy-kernel").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        directory.deleteLastPathComponent()
    }
    return nil
}

/// The repository's root directory (where `Package.swift` is).
public let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The shared real datasets, `../shared/datasets` beside the repository (each with a README).
public enum SharedData {
    /// The datasets' directory.
    public static var root: String {
        URL(fileURLWithPath: repositoryRoot).deletingLastPathComponent().appendingPathComponent("shared/datasets").path
    }
    /// The path of `relative` (such as `adult/adult.csv`) under ``root``.
    public static func path(_ relative: String) -> String { root + "/" + relative }
    /// Whether every file in `relatives` exists (default: Adult, the one every suite uses).
    public static func available(_ relatives: [String] = ["adult/adult.csv"]) -> Bool {
        relatives.allSatisfy { FileManager.default.fileExists(atPath: path($0)) }
    }
    /// NYC flights 2013.
    public static var flights: String { path("nyc_flights/nyc_flights.csv") }
    /// Hotel bookings.
    public static var hotels: String { path("hotel_bookings/hotel_bookings.csv") }
    /// NYC restaurant inspections.
    public static var inspections: String { path("restaurant_inspections/restaurant_inspections.csv") }
    /// NHANES 2017.
    public static var nhanes: String { path("nhanes_2017/nhanes_2017.csv") }
    /// Lending Club loans.
    public static var loans: String { path("lendingclub_loans/lendingclub_loans.csv") }
    /// COVID testing.
    public static var covid: String { path("covid_testing/covid_testing.csv") }
}

/// The switches `scripts/sanitize.sh` sets for the test process.
public enum TestEnvironment {
    /// `PRIVACYKERNEL_REPETITION_SCALE` clamped to (0, 1]; 1 when unset or malformed. Suites that
    /// repeat releases for statistics scale their repetitions by it under ThreadSanitizer (fewer
    /// repetitions can only weaken those tests, never fail a correct build).
    public static var repetitionScale: Double {
        guard let value = ProcessInfo.processInfo.environment["PRIVACYKERNEL_REPETITION_SCALE"].flatMap(Double.init),
            value > 0, value.isFinite
        else { return 1 }
        return min(1, value)
    }
    /// `PRIVACYKERNEL_SANITIZER` (`address` or `thread`) when the tests run under a sanitizer.
    public static var sanitizer: String? { ProcessInfo.processInfo.environment["PRIVACYKERNEL_SANITIZER"] }
}

/// A fresh directory under the system temporary directory, removed by ``cleanup()``.
public struct TemporaryDirectory: Sendable {
    /// The directory's path.
    public let path: String
    /// Creates the directory (`<tmp>/ledger-tests-<UUID>`).
    public init() throws {
        path = NSTemporaryDirectory() + "ledger-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }
    /// Removes the directory and everything in it.
    public func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs `executable` with `arguments` and returns its exit status, standard output and
/// standard error (both read to the end, concurrently, so neither pipe can fill and stall it).
/// `directory` is its working directory (default: this process's).
@discardableResult
public func run(
    _ executable: String, _ arguments: [String], in directory: String? = nil
) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let errorReader = ErrorReader(err.fileHandleForReading)
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = errorReader.wait()
    process.waitUntilExit()
    return (
        process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self)
    )
}

/// Reads a pipe to its end on a background thread.
private final class ErrorReader: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()
    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }
    func wait() -> Data {
        done.wait()
        return data
    }
}

/// Outcomes counted from several threads: successes, and the other outcomes as text.
public final class Counts: @unchecked Sendable {
    private let lock = NSLock()
    private var successes = 0
    private var otherOutcomes: [String] = []
    /// An empty tally.
    public init() {}
    /// The successes so far.
    public var ok: Int { lock.withLock { successes } }
    /// The other outcomes so far, in the order they were added.
    public var others: [String] { lock.withLock { otherOutcomes } }
    /// Adds one outcome.
    public func add(ok success: Bool, other: String? = nil) {
        lock.withLock {
            if success { successes += 1 }
            if let other { otherOutcomes.append(other) }
        }
    }
}

/// Writes a small trips CSV (`card_id,fare`, 40 rows) to `path`, for ledger CLI tests.
public func writeSmallTripsCSV(to path: String) throws {
    let lines = ["card_id,fare"] + (0..<40).map { "\($0),\($0 % 30)" }
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
}
