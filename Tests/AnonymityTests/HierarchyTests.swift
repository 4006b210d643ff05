import Foundation
import Testing
@testable import Anonymity
import _TestSupport

@Suite("Hierarchies: ARX CSV format, validation, builders")
struct HierarchyTests {
    @Test func parsesAndWritesARXFormat() throws {
        let text = "a;X;*\r\nb;X;*\nc;Y;*"  // CRLF, LF and no final newline, as in ARX's files
        let h = try Hierarchy(arxCSV: text, attribute: "v")
        #expect(h.levelCount == 3)
        #expect(h.height == 2)
        #expect(h.values == ["a", "b", "c"])
        #expect(h.rows[2] == ["c", "Y", "*"])
        #expect(h.arxCSV() == "a;X;*\nb;X;*\nc;Y;*\n")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pk-hierarchy-\(getpid()).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try h.write(to: path)
        #expect(try Hierarchy(contentsOf: path, attribute: "v") == h)
    }

    @Test func adultHierarchiesLoad() throws {
        guard SharedData.available() else { return }
        let h = try Adult.hierarchies()
        #expect(h["age"]!.rows.count == 100 && h["age"]!.levelCount == 5)
        #expect(h["age"]!.rows.first { $0[0] == "39" } == ["39", "35-39", "30-39", "20-39", "*"])
        #expect(h["education"]!.levelCount == 4)
        #expect(h["workclass"]!.values.contains("Never-worked"))
    }

    @Test func rejectsRaggedRows() {
        #expect(throws: AnonymityError.raggedHierarchy(attribute: "v", row: 2, expected: 3, found: 2)) {
            try Hierarchy(arxCSV: "a;X;*\nb;X\n", attribute: "v")
        }
    }

    @Test func rejectsTwoParents() {
        #expect(
            throws: AnonymityError.inconsistentHierarchy(attribute: "v", value: "X", level: 1, parents: ["P", "Q"])
        ) {
            try Hierarchy(arxCSV: "a;X;P;*\nb;X;Q;*\n", attribute: "v")
        }
    }

    @Test func rejectsDuplicatesAndEmpty() {
        #expect(throws: AnonymityError.duplicateHierarchyValue(attribute: "v", value: "a")) {
            try Hierarchy(arxCSV: "a;*\na;*\n", attribute: "v")
        }
        #expect(throws: AnonymityError.emptyHierarchy(attribute: "v")) { try Hierarchy(arxCSV: "\n", attribute: "v") }
        #expect(throws: AnonymityError.self) { try Hierarchy(contentsOf: "/nonexistent/h.csv", attribute: "v") }
    }

    @Test func intervalBuilder() throws {
        let h = try Hierarchy.intervals(attribute: "age", values: [39, 17, 23, 39], widths: [5, 10, 20])
        #expect(
            h.rows == [
                ["17", "15-19", "10-19", "0-19", "*"], ["23", "20-24", "20-29", "20-39", "*"],
                ["39", "35-39", "30-39", "20-39", "*"],
            ])
        let negative = try Hierarchy.intervals(attribute: "x", values: [-3], widths: [5], origin: 0)
        #expect(negative.rows == [["-3", "-5--1", "*"]])
        #expect(throws: AnonymityError.self) { try Hierarchy.intervals(attribute: "age", values: [1], widths: [5, 7]) }
        #expect(throws: AnonymityError.self) { try Hierarchy.intervals(attribute: "age", values: [1], widths: [0]) }
    }

    @Test func maskingBuilder() throws {
        let h = try Hierarchy.masking(attribute: "postcode", values: ["310012", "310013", "311100"], levels: 3)
        #expect(h.rows[0] == ["310012", "31001*", "3100**", "310***", "*"])
        #expect(h.rows[2] == ["311100", "31110*", "3111**", "311***", "*"])
        let full = try Hierarchy.masking(attribute: "p", values: ["12"])
        #expect(full.rows == [["12", "1*", "**", "*"]])
    }

    @Test func dateBuilder() throws {
        // 0 = 1970-01-01, 19_782 = 2024-02-29, -1 = 1969-12-31.
        let h = try Hierarchy.dates(attribute: "d", days: [19_782, 0, -1], levels: [.month, .quarter, .year, .decade])
        #expect(
            h.rows == [
                ["1969-12-31", "1969-12", "1969-Q4", "1969", "1960-1969", "*"],
                ["1970-01-01", "1970-01", "1970-Q1", "1970", "1970-1979", "*"],
                ["2024-02-29", "2024-02", "2024-Q1", "2024", "2020-2029", "*"],
            ])
        #expect(throws: AnonymityError.self) {
            try Hierarchy.dates(attribute: "d", days: [0], levels: [.year, .month])
        }
    }
}
