import Foundation
import Testing
import Tabular
@testable import Anonymity

/// A small table with hand-computed k, l and t.
/// Class A (zip 1): flu, flu, cold. Class B (zip 2): flu, cancer, cold, cold.
func clinic() throws -> Table {
    try Table(columns: [
        Column("zip", strings: ["1", "2", "1", "2", "1", "2", "2"]),
        Column("disease", strings: ["flu", "flu", "flu", "cancer", "cold", "cold", "cold"]),
    ])
}

@Suite("Checks: k-anonymity, l-diversity, t-closeness")
struct CheckTests {
    @Test func kAndDistinctL() throws {
        let (classes, reports) = try Anonymiser.check(
            try clinic(), quasiIdentifiers: ["zip"], sensitive: "disease",
            requirements: [.kAnonymity(k: 4), .distinctLDiversity(l: 3)])
        #expect(classes.count == 2)
        #expect(classes.sizes == [3, 4])
        #expect(classes.firstRow == [0, 1])
        #expect(reports[0].achieved == 3)
        #expect(reports[0].offendingClasses == [0])
        #expect(reports[0].offendingRows == 3)
        #expect(reports[1].achieved == 2)
        #expect(reports[1].perClass == [2, 3])
        #expect(!reports[1].satisfied)
    }

    @Test func entropyAndRecursiveL() throws {
        let (_, reports) = try Anonymiser.check(
            try clinic(), quasiIdentifiers: ["zip"], sensitive: "disease",
            requirements: [.entropyLDiversity(l: 1.8), .recursiveLDiversity(c: 2, l: 2)])
        let hA = -(2.0 / 3 * log(2.0 / 3) + 1.0 / 3 * log(1.0 / 3))
        let hB = -(2 * 0.25 * log(0.25) + 0.5 * log(0.5))
        #expect(abs(reports[0].perClass[0] - exp(hA)) < 1e-12)
        #expect(abs(reports[0].perClass[1] - exp(hB)) < 1e-12)
        #expect(reports[0].satisfied)  // exp(hA) = 1.8899 ≥ 1.8
        // Recursive (2,l): A counts [2,1]: 2 < 2·3 holds for l = 1, 2 < 2·1 fails for l = 2. B [2,1,1]: l = 2.
        #expect(reports[1].perClass == [1, 2])
        #expect(reports[1].offendingClasses == [0])
    }

    @Test func equalDistanceTCloseness() throws {
        let (_, reports) = try Anonymiser.check(
            try clinic(), quasiIdentifiers: ["zip"], sensitive: "disease",
            requirements: [.equalDistanceTCloseness(t: 0.2)])
        // Global: flu 3/7, cold 3/7, cancer 1/7. A: ½(5/21 + 2/21 + 3/21) = 5/21; B: 5/28.
        #expect(abs(reports[0].perClass[0] - 5.0 / 21) < 1e-12)
        #expect(abs(reports[0].perClass[1] - 5.0 / 28) < 1e-12)
        #expect(abs(reports[0].achieved - 5.0 / 21) < 1e-12)
        #expect(reports[0].offendingClasses == [0])
    }

    /// Li, Li and Venkatasubramanian (2007), Table 3/4: salaries 3k…11k; the class {3k, 4k, 5k}
    /// is at ordered distance 0.375 and {6k, 8k, 11k} at 0.167.
    @Test func orderedDistanceMatchesLiEtAl() throws {
        let table = try Table(columns: [
            Column("zip", strings: ["a", "a", "a", "b", "b", "b", "c", "c", "c"]),
            Column("salary", int64: [3, 4, 5, 6, 8, 11, 7, 9, 10]),
        ])
        let (_, reports) = try Anonymiser.check(
            table, quasiIdentifiers: ["zip"], sensitive: "salary",
            requirements: [.orderedDistanceTCloseness(t: 0.25)])
        #expect(abs(reports[0].perClass[0] - 0.375) < 1e-12)
        #expect(abs(reports[0].perClass[1] - 1.0 / 6) < 1e-12)
        // {7k, 9k, 10k}: cumulative surpluses −1,−2,−3,−4,−2,−3,−1,+1,0 (ninths): 17/72.
        #expect(abs(reports[0].perClass[2] - 17.0 / 72) < 1e-12)
        #expect(reports[0].offendingClasses == [0])
    }

    @Test func hierarchicalDistance() throws {
        // Leaves a, b under X; c, d under Y; root *. Global uniform.
        let hierarchy = try Hierarchy(arxCSV: "a;X;*\nb;X;*\nc;Y;*\nd;Y;*\n", attribute: "s")
        let table = try Table(columns: [
            Column("q", strings: ["1", "1", "2", "2"]),
            Column("s", strings: ["a", "b", "c", "d"]),
        ])
        let (_, reports) = try Anonymiser.check(
            table, quasiIdentifiers: ["q"], sensitive: "s",
            requirements: [.hierarchicalTCloseness(t: 0.3, hierarchy: hierarchy)])
        // Class {a, b}: mass ½ must cross the root (distance 1): EMD ½.
        #expect(abs(reports[0].perClass[0] - 0.5) < 1e-12)
        let mixed = try Table(columns: [
            Column("q", strings: ["1", "1", "2", "2"]),
            Column("s", strings: ["a", "c", "b", "d"]),
        ])
        let (_, r2) = try Anonymiser.check(
            mixed, quasiIdentifiers: ["q"], sensitive: "s",
            requirements: [.hierarchicalTCloseness(t: 0.3, hierarchy: hierarchy)])
        // Class {a, c}: ¼ moves a→b and ¼ moves c→d, each at distance ½: EMD ¼.
        #expect(abs(r2[0].perClass[0] - 0.25) < 1e-12)
        #expect(r2[0].satisfied)
        let missing = try Hierarchy(arxCSV: "a;*\nb;*\n", attribute: "s")
        #expect(throws: AnonymityError.valueMissingFromHierarchy(column: "s", value: "c")) {
            try Anonymiser.check(
                table, quasiIdentifiers: ["q"], sensitive: "s",
                requirements: [.hierarchicalTCloseness(t: 0.3, hierarchy: missing)])
        }
    }

    @Test func typedErrors() throws {
        let table = try clinic()
        #expect(throws: AnonymityError.unknownColumn(name: "age", available: ["zip", "disease"])) {
            try Anonymiser.check(table, quasiIdentifiers: ["age"], requirements: [.kAnonymity(k: 2)])
        }
        #expect(throws: AnonymityError.invalidK(1)) {
            try Anonymiser.check(table, quasiIdentifiers: ["zip"], requirements: [.kAnonymity(k: 1)])
        }
        #expect(throws: AnonymityError.invalidT(0)) {
            try Anonymiser.check(
                table, quasiIdentifiers: ["zip"], sensitive: "disease", requirements: [.equalDistanceTCloseness(t: 0)])
        }
        #expect(throws: AnonymityError.invalidT(1.5)) {
            try Anonymiser.check(
                table, quasiIdentifiers: ["zip"], sensitive: "disease",
                requirements: [.orderedDistanceTCloseness(t: 1.5)])
        }
        #expect(throws: AnonymityError.missingSensitiveAttribute(check: "distinct-l-diversity")) {
            try Anonymiser.check(table, quasiIdentifiers: ["zip"], requirements: [.distinctLDiversity(l: 2)])
        }
        #expect(throws: AnonymityError.duplicateColumn(name: "zip")) {
            try Anonymiser.check(table, quasiIdentifiers: ["zip", "zip"], requirements: [.kAnonymity(k: 2)])
        }
        #expect(throws: AnonymityError.noQuasiIdentifiers) {
            try Anonymiser.check(table, quasiIdentifiers: [], requirements: [])
        }
        #expect("\(AnonymityError.invalidK(1))".contains("at least 2"))
    }

    /// Classes do not depend on the number of cores (ids by first row).
    @Test func classesIndependentOfThreads() throws {
        var state: UInt64 = 7
        func next() -> UInt32 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt32(truncatingIfNeeded: state >> 33)
        }
        let n = 150_000
        let a = EncodedColumn(name: "a", codes: (0..<n).map { _ in next() % 50 }, dictionary: (0..<50).map(String.init))
        let b = EncodedColumn(
            name: "b", codes: (0..<n).map { _ in next() % 300 }, dictionary: (0..<300).map(String.init))
        let one = EquivalenceClasses(columns: [a, b], threads: 1)
        for threads in [2, 3, 8] {
            let many = EquivalenceClasses(columns: [a, b], threads: threads)
            #expect(many == one)
        }
        #expect(one.sizes.reduce(0, +) == n)
        // Reference grouping with a dictionary of tuples.
        var reference: [[UInt32]: Int] = [:]
        for i in 0..<n { reference[[a.codes[i], b.codes[i]], default: 0] += 1 }
        #expect(one.count == reference.count)
        for (c, row) in one.firstRow.enumerated() { #expect(reference[[a.codes[row], b.codes[row]]] == one.sizes[c]) }
    }

    @Test func encodesNumericAndMissingValues() throws {
        let column = try Column(
            name: "x", values: .int64([5, 3, 5, 9, 0]), validity: ValidityBitmap([true, true, true, true, false]))
        let e = EncodedColumn(column)
        #expect(e.dictionary == ["3", "5", "9", "NULL"])
        #expect(e.codes == [1, 0, 1, 2, 3])
        let wide = EncodedColumn(try Column("w", int64: [1 << 40, -5, 1 << 40]))
        #expect(wide.dictionary == ["-5", "1099511627776"])
        #expect(wide.codes == [1, 0, 1])
    }
}
