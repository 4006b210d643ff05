import Foundation
import Testing
import Tabular
@testable import Anonymity
import _TestSupport

/// Adult as ARX packages it, with its hierarchies.
enum Adult {
    static let quasiIdentifiers = [
        "sex", "age", "race", "marital-status", "education", "native-country", "workclass", "occupation",
    ]
    static func table() throws -> Table {
        try Table(csv: SharedData.path("adult/adult.csv"), options: CSVOptions(separator: UInt8(ascii: ";")))
    }
    static func hierarchies() throws -> [String: Hierarchy] {
        var out: [String: Hierarchy] = [:]
        for name in quasiIdentifiers + ["salary-class"] {
            out[name] = try Hierarchy(contentsOf: SharedData.path("adult/adult_hierarchy_\(name).csv"), attribute: name)
        }
        return out
    }
}

@Suite("Anonymity on Adult (ARX and pycanon reference values)", .enabled(if: SharedData.available()))
struct AdultTests {
    /// pycanon on the raw data: k = 1, distinct l = 1, equal-distance t = 0.75108 (salary-class).
    @Test func rawDataChecksMatchPycanon() throws {
        let table = try Adult.table()
        let (classes, reports) = try Anonymiser.check(
            table, quasiIdentifiers: Adult.quasiIdentifiers, sensitive: "salary-class",
            requirements: [.kAnonymity(k: 2), .distinctLDiversity(l: 2), .equalDistanceTCloseness(t: 0.5)])
        #expect(classes.count == 18_109)
        #expect(classes.minimumSize == 1)
        #expect(reports[0].achieved == 1)
        #expect(reports[0].satisfied == false)
        #expect(reports[1].achieved == 1)
        #expect(abs(reports[2].achieved - 0.75108) < 5e-6)
        // The largest distance is a single >50K row: q(<=50K) = 22,654 / 30,162.
        #expect(abs(reports[2].achieved - 22_654.0 / 30_162.0) < 1e-12)
    }

    @Test func arxOptimumK5NoSuppression() throws {
        let table = try Adult.table()
        let result = try Anonymiser.generalise(
            table, quasiIdentifiers: Adult.quasiIdentifiers, hierarchies: try Adult.hierarchies(),
            models: [.kAnonymity(k: 5)], suppressionLimit: 0, metric: .loss)
        #expect(result.levels == [0, 4, 0, 2, 3, 2, 2, 1])
        #expect(result.suppressedRows == 0)
        #expect(result.classCount == 30)
        #expect(result.minimumClassSize == 16)
        #expect(abs(result.loss - 0.591585) < 5e-7)
    }

    @Test func arxOptimumK5FivePercentSuppression() throws {
        let table = try Adult.table()
        let result = try Anonymiser.generalise(
            table, quasiIdentifiers: Adult.quasiIdentifiers, hierarchies: try Adult.hierarchies(),
            models: [.kAnonymity(k: 5)], suppressionLimit: 0.05, metric: .loss)
        #expect(result.levels == [0, 3, 0, 0, 1, 1, 1, 2])
        #expect(result.suppressedRows == 1_458)
        #expect(abs(result.loss - 0.251852) < 5e-7)
    }

    @Test func arxOptimumK5TCloseness() throws {
        let table = try Adult.table()
        let result = try Anonymiser.generalise(
            table, quasiIdentifiers: Adult.quasiIdentifiers, hierarchies: try Adult.hierarchies(),
            models: [.kAnonymity(k: 5), .equalDistanceTCloseness(t: 0.2)], sensitive: "salary-class",
            suppressionLimit: 0, metric: .loss)
        #expect(result.levels == [0, 4, 1, 2, 3, 2, 2, 1])
        #expect(result.suppressedRows == 0)
    }
}
