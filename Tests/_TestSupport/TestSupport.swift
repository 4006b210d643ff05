import Foundation

/// Helpers every test target shares: where the built `privacy-kernel` is, where the repository
/// and the shared real datasets are, and the environment switches of the sanitizer runs. One
/// copy, so that a test never runs a stale binary from another build folder.

/// The `privacy-kernel` executable built beside the running test bundle (same scratch path and
/// configuration: `.build/debug`, `.build-asan/debug`, `.build/release`, …), or `nil` when it
/// was not built (`swift build --build-tests` builds it).
public func privacyKernelBinary() -> String? {
    let runner = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
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
              value > 0, value.isFinite else { return 1 }
        return min(1, value)
    }
    /// `PRIVACYKERNEL_SANITIZER` (`address` or `thread`) when the tests run under a sanitizer.
    public static var sanitizer: String? { ProcessInfo.processInfo.environment["PRIVACYKERNEL_SANITIZER"] }
}
