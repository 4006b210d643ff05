import Foundation
import Testing
import Tabular

@Suite("Table.summary()")
struct SummaryTests {
    func sample() throws -> Table {
        try Table(columns: [
            Column("n", int64: [4, 1, 3, 2]),
            Column(
                name: "x", values: .float64([1.5, 0, -2.5, 10]), validity: ValidityBitmap([true, false, true, true])),
            Column("c", strings: ["b", "a", "b", "c"]),
            Column("flag", bool: [true, false, true, true]),
            Column(name: "d", values: .date([19_723, 19_358, 20_000, 19_500])),
            Column(name: "t", values: .timestamp([86_400, 0, 3_600, 90_061])),
        ])
    }

    @Test("numeric, categorical, bool and date statistics are exact on a hand-made table")
    func handMadeTable() throws {
        let s = try sample().summary()
        #expect(s.rows == 4 && s.columns.count == 6)
        let n = s.columns[0]
        #expect(n.name == "n" && n.type == .int64 && n.missing == 0)
        #expect(n.min == 1 && n.max == 4 && n.mean == 2.5)
        #expect(abs(n.std! - (5.0 / 3).squareRoot()) < 1e-12)
        let x = s.columns[1]
        #expect(x.missing == 1 && x.min == -2.5 && x.max == 10 && x.mean == 3)
        // Deviations 1.5−3, −2.5−3, 10−3 → squares 2.25 + 30.25 + 49 = 81.5, /2.
        #expect(abs(x.std! - (81.5 / 2).squareRoot()) < 1e-12)
        let c = s.columns[2]
        #expect(c.distinct == 3)
        let expectedTop = [
            ColumnSummary.ValueCount(value: "b", count: 2), ColumnSummary.ValueCount(value: "a", count: 1),
            ColumnSummary.ValueCount(value: "c", count: 1),
        ]
        #expect(c.top == expectedTop)
        #expect(c.min == nil && c.trueCount == nil)
        #expect(s.columns[3].trueCount == 3)
        #expect(s.columns[4].minText == "2023-01-01" && s.columns[4].maxText == "2024-10-04")
        #expect(s.columns[5].minText == "1970-01-01T00:00:00Z" && s.columns[5].maxText == "1970-01-02T01:01:01Z")
    }

    @Test("top values are limited to five, ties broken by value")
    func topFive() throws {
        let column = try Column("k", strings: ["f", "e", "d", "c", "b", "a", "a", "g"])
        let s = try Table(columns: [column]).summary().columns[0]
        #expect(s.distinct == 7)
        #expect(s.top?.map(\.value) == ["a", "b", "c", "d", "e"])
    }

    @Test("the summary round-trips through JSON and renders as text")
    func codableAndText() throws {
        let s = try sample().summary()
        let data = try JSONEncoder().encode(s)
        #expect(try JSONDecoder().decode(TableSummary.self, from: data) == s)
        let text = s.description
        #expect(text.contains("4 rows, 6 columns"))
        #expect(text.contains("x (float64) missing=1 min=-2.5 max=10 mean=3"))
        #expect(text.contains("top: b (2), a (1), c (1)"))
        #expect(text.contains("flag (bool) true=3"))
    }

    @Test("an all-missing numeric column has no statistics")
    func allMissing() throws {
        let column = try Column(name: "z", values: .float64([0, 0]), validity: ValidityBitmap([false, false]))
        let s = try Table(columns: [column]).summary().columns[0]
        #expect(s.missing == 2 && s.min == nil && s.mean == nil && s.std == nil)
    }
}
