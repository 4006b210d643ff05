import Foundation
import PrivacyLedger
@testable import ReportRendering
@testable import Scenarios
import Tabular
import Testing
import _TestSupport


/// A fresh temporary directory with a ledger in it.
func scratch(_ name: String) throws -> (directory: String, ledger: SQLiteLedger) {
    let directory = NSTemporaryDirectory() + "scenarios-\(name)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    return (directory, try SQLiteLedger.createThrowaway(at: directory + "/ledger.sqlite", purpose: "tests"))
}

/// A context whose releases are exact (``ExactReleaser``).
func exactContext(_ ledger: SQLiteLedger, _ directory: String) -> ScenarioContext {
    ScenarioContext(
        ledger: ledger, operator: "tester", authority: .throwaway(runID: "t"), outputDirectory: directory,
        perScenarioDirectories: true, progress: { _ in }, releaser: ExactReleaser())
}

/// Limits high enough that contribution bounding drops nothing.
let unbounded = ScenarioOptions(maxPartitionsPerUnit: 100_000, maxContributionsPerPartition: 100_000)

/// The real datasets the scenario mappings read (``_TestSupport/SharedData``).
enum ScenarioSharedData {
    static var available: Bool {
        [
            SharedData.flights, SharedData.hotels, SharedData.inspections, SharedData.nhanes, SharedData.loans,
            SharedData.covid,
        ]
        .allSatisfy { FileManager.default.fileExists(atPath: $0) }
    }
}
