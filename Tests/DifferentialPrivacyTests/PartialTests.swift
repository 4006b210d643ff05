import Foundation
import Testing
@testable import DifferentialPrivacy
import Tabular

/// A table with a numeric column, a categorical key, a unit column and missing values.
func sampleTable(rows: Int = 100_003, seed: UInt64 = 7) throws -> Table {
    var state = seed
    func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 11
    }
    var fares: [Double] = [], districts: [String] = [], cards: [Int64] = [], present: [Bool] = []
    let names = ["Shangcheng", "Gongshu", "Xihu", "Binjiang", "Xiaoshan", "Yuhang"]
    for _ in 0..<rows {
        fares.append(Double(next() % 10_000) / 100 - 5)  // -5 … 95, some outside [0, 50]
        districts.append(names[Int(next() % UInt64(names.count))])
        cards.append(Int64(next() % 5_000))
        present.append(next() % 17 != 0)
    }
    let fare = try Column(
        name: "fare", values: .float64(fares.enumerated().map { present[$0.offset] ? $0.element : 0 }),
        validity: ValidityBitmap(present))
    return try Table(columns: [fare, Column("district", strings: districts), Column("card", int64: cards)])
}

@Suite("Mergeable partials")
struct PartialTests {
    static let queries: [DPQuery] = [
        .count(),
        .count(of: "fare"),
        .sum(of: "fare", clampedTo: 0...50),
        .mean(of: "fare", clampedTo: 0...50),
        .variance(of: "fare", clampedTo: 0...50),
        .quantiles(of: "fare", levels: [0.25, 0.5, 0.9], clampedTo: 0...50),
        .histogram(of: "district", keys: .selected),
        .histogram(of: "fare", bins: 10, over: 0...50),
        DPQuery.sum(of: "fare", clampedTo: 0...50).grouped(
            by: "district", keys: .declared(["Xihu", "Binjiang", "Nowhere"])),
        DPQuery.mean(of: "fare", clampedTo: 0...50).grouped(by: "district", keys: .selected),
    ]

    @Test("1 chunk and N chunks give identical partials", arguments: queries)
    func chunkInvariance(query: DPQuery) throws {
        let table = try sampleTable()
        let one = try query.partial(over: table, chunkCount: 1)
        for chunks in [2, 7, 64] {
            #expect(try query.partial(over: table, chunkCount: chunks) == one, "chunks \(chunks)")
        }
    }

    @Test("sums match an exact reference on the fixed-point grid")
    func sumReference() throws {
        let table = try sampleTable()
        let partial = try DPQuery.sum(of: "fare", clampedTo: 0...50).partial(over: table)
        let column = try table.column("fare")
        let values = try column.float64Values()
        var units: Int64 = 0, count: Int64 = 0
        for (row, value) in values.enumerated() where column.isValid(row) {
            units += partial.grid.units(min(max(value, 0), 50))
            count += 1
        }
        #expect(partial.cells[0].sum == units)
        #expect(partial.cells[0].count == count)
        #expect(partial.grid.exponent == 6 - 32)  // 50 ≤ 2^6
    }

    @Test("merging split tables equals the partial of the whole, in any order, and survives JSON")
    func mergeAssociative() throws {
        let table = try sampleTable(rows: 30_000)
        for query in Self.queries {
            let whole = try query.partial(over: table)
            let parts = try [0..<10_000, 10_000..<10_001, 10_001..<30_000].map { range throws -> QueryPartial in
                let part = try Table(
                    columns: table.columns.map { column throws -> Column in
                        try slice(column, range)
                    })
                return try query.partial(over: part)
            }
            #expect(try parts.merged() == whole, "\(query.statistic)")
            #expect(try parts.reversed().merged() == whole, "\(query.statistic) reversed")
            let encoded = try JSONEncoder().encode(whole)
            #expect(try JSONDecoder().decode(QueryPartial.self, from: encoded) == whole)
        }
    }

    @Test("contribution bounding keeps at most P partitions × C rows per unit")
    func contributionBounding() throws {
        let table = try sampleTable(rows: 50_000)
        let query = DPQuery.histogram(of: "district", keys: .selected)
            .boundingContributions(privacyUnit: "card", maxPartitionsPerUnit: 2, maxContributionsPerPartition: 1)
        let partial = try query.partial(over: table)
        let total = partial.cells.reduce(0) { $0 + $1.count }
        #expect(total <= 5_000 * 2)
        #expect(total > 5_000)  // almost every card has rows in ≥ 2 districts
        let unbounded = try DPQuery.histogram(of: "district", keys: .selected).partial(over: table)
        #expect(unbounded.cells.reduce(0) { $0 + $1.count } == 50_000)
    }

    @Test("bad queries are refused with typed errors naming the problem")
    func errors() throws {
        let table = try sampleTable(rows: 100)
        #expect(throws: DifferentialPrivacyError.unknownColumn(name: "price", available: ["fare", "district", "card"]))
        {
            try DPQuery.sum(of: "price", clampedTo: 0...1).partial(over: table)
        }
        #expect(throws: DifferentialPrivacyError.invalidBounds(lower: 5, upper: 1, reason: "lower > upper")) {
            try DPQuery.sum(of: "fare", clampedTo: 0...1).with(lower: 5, upper: 1).partial(over: table)
        }
        #expect(throws: DifferentialPrivacyError.self) {
            try DPQuery.sum(of: "fare", clampedTo: 0...1).with(lower: .nan, upper: 1).partial(over: table)
        }
        #expect(throws: DifferentialPrivacyError.self) {
            try DPQuery.sum(of: "district", clampedTo: 0...1).partial(over: table)
        }
        #expect(throws: DifferentialPrivacyError.self) {
            try DPQuery.quantiles(of: "fare", levels: [1.5], clampedTo: 0...1).partial(over: table)
        }
        // Issue 12 P2: an empty table is not refused (its size is a fact about the data);
        // the count over it is zero before noise.
        let empty = try Table(columns: [Column("fare", float64: [])])
        #expect(try DPQuery.count().partial(over: empty).cells.map(\.count) == [0])
        #expect(throws: DifferentialPrivacyError.self) {
            try DPQuery.count().boundingContributions(privacyUnit: "card", maxPartitionsPerUnit: 0).partial(over: table)
        }
        let other = try DPQuery.count().partial(over: table)
        let mine = try DPQuery.count(of: "fare").partial(over: table)
        #expect(throws: DifferentialPrivacyError.self) { try mine.merging(other) }
    }
}

func slice(_ column: Column, _ range: Range<Int>) throws -> Column {
    let validity = column.validity.map { bitmap in ValidityBitmap(range.map { bitmap.isValid($0) }) }
    switch column.values {
    case let .float64(v): return try Column(name: column.name, values: .float64(Array(v[range])), validity: validity)
    case let .int64(v): return try Column(name: column.name, values: .int64(Array(v[range])), validity: validity)
    case let .categorical(codes, dictionary):
        return try Column(
            name: column.name, values: .categorical(codes: Array(codes[range]), dictionary: dictionary),
            validity: validity)
    default: fatalError("not needed")
    }
}

extension DPQuery {
    func with(lower: Double, upper: Double) -> DPQuery {
        var copy = self
        copy.lower = lower
        copy.upper = upper
        return copy
    }
}

@Suite("Non-finite and malformed input")
struct NonFiniteInputTests {
    @Test(
        "NaN and ±∞ in a CSV column are refused by the column's type under the default policy, never named or located",
        arguments: ["NaN", "inf", "-Infinity"])
    func nonFinite(token: String) throws {
        let table = try csvTable("x\n1.5\n\(token)\n2\n")
        do {
            _ = try DPQuery.sum(of: "x", clampedTo: 0...10).partial(over: table)
            Issue.record("the default policy refuses a column holding \(token)")
        } catch {
            guard case .columnTypeMismatch(column: "x", _, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            // The message is the column's and the rule's alone: the same whatever the column holds.
            let textOnly = try csvTable("x\nabc\n")
            var other: String?
            do { _ = try DPQuery.sum(of: "x", clampedTo: 0...10).partial(over: textOnly) } catch {
                other = error.description
            }
            #expect(error.description == other)
            #expect(!error.description.contains("row"), "\(error)")
        }
        // Under clamp, +∞ counts at the upper bound and −∞ at the lower one; NaN is missing.
        let clamped = try DPQuery.sum(of: "x", clampedTo: 0...10).handlingNonFiniteValues(.clamp).partial(over: table)
        #expect(clamped.cells[0].count == (token == "NaN" ? 2 : 3))
    }

    @Test("a non-numeric column is refused by its type, without naming a value")
    func nonNumeric() throws {
        let table = try csvTable("x\n1.5\nabc\n")
        do {
            _ = try DPQuery.mean(of: "x", clampedTo: 0...10).partial(over: table)
            Issue.record("a text column is refused")
        } catch {
            guard case .columnTypeMismatch(column: "x", _, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(!error.description.contains("abc"), "\(error)")
        }
    }

    @Test("Column refuses NaN outright, so a Table never holds one")
    func columnRefusesNaN() {
        #expect(throws: TabularError.self) { try Column("x", float64: [1, .nan]) }
    }
}

func csvTable(_ text: String) throws -> Table {
    let bytes = Array(text.utf8)
    return try bytes.withUnsafeBufferPointer { try CSVReader.load(bytes: $0, name: "t.csv").table }
}
