import Foundation
import Tabular
import Testing

/// Issue 17 (shared kernel layer): one row gather for every module, keeping missing values
/// missing (the scenarios' former copy dropped the validity bitmap).
@Suite("Row gather")
struct RowGatherTests {
    static func table() throws -> Table {
        var validity = ValidityBitmap(count: 5, allValid: true)
        validity.set(2, valid: false)
        return try Table(columns: [
            try Column(name: "fare", values: .float64([1.5, 2.5, 0, 4.5, 5.5]), validity: validity),
            try Column("card", int64: [10, 11, 12, 13, 14]),
            try Column("district", strings: ["A", "B", "A", "C", "B"]),
            try Column("member", bool: [true, false, true, false, true]),
        ])
    }

    @Test("gathering reorders, repeats and filters every column and keeps validity")
    func gathersRows() throws {
        let gathered = try Self.table().gathering(rows: [4, 2, 2, 0])
        #expect(gathered.rowCount == 4)
        let fare = try gathered.column("fare")
        #expect(fare.isValid(0) && !fare.isValid(1) && !fare.isValid(2) && fare.isValid(3))
        guard case let .float64(fares) = fare.values else {
            Issue.record("fare changed type")
            return
        }
        #expect(fares[0] == 5.5 && fares[3] == 1.5)
        guard case let .int64(cards) = try gathered.column("card").values else {
            Issue.record("card")
            return
        }
        #expect(cards == [14, 12, 12, 10])
        guard case let .categorical(codes, dictionary) = try gathered.column("district").values else {
            Issue.record("district")
            return
        }
        #expect(codes.map { dictionary[Int($0)] } == ["B", "A", "A", "A"])
        guard case let .bool(members) = try gathered.column("member").values else {
            Issue.record("member")
            return
        }
        #expect(members == [true, true, true, true])
        #expect(try Self.table().gathering(rows: []).rowCount == 0)
    }

    @Test("an index outside the table is refused by name before anything is copied", arguments: [-1, 5, Int.max])
    func refusesOutOfRange(index: Int) throws {
        let table = try Self.table()
        do {
            _ = try table.gathering(rows: [0, index])
            Issue.record("gathered row \(index) of a 5-row table")
        } catch {
            guard case let .invalidArgument(name, reason) = error else { throw error }
            #expect(name == "rows" && reason.contains("\(index)"))
        }
    }
}
