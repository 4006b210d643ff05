import Foundation
import Testing
@testable import Tabular

@Suite("Tables, columns and the writer")
struct TableTests {
    @Test func validityBitmap() {
        var bitmap = ValidityBitmap(count: 70, allValid: true)
        #expect(bitmap.nullCount == 0)
        bitmap.set(69, valid: false)
        bitmap.set(3, valid: false)
        #expect(bitmap.nullCount == 2 && !bitmap.isValid(69) && bitmap.isValid(68))
        var appended = ValidityBitmap([true, false, true])
        appended.append(contentsOf: bitmap)
        #expect(appended.count == 73 && appended.nullCount == 3 && !appended.isValid(72) && !appended.isValid(6))
    }

    @Test func tableInvariants() throws {
        let a = try Column("a", int64: [1, 2, 3])
        let b = try Column("b", float64: [1, 2])
        #expect(tabularError { _ = try Table(columns: [a, b]) } == .lengthMismatch(column: "b", expected: 3, found: 2))
        #expect(tabularError { _ = try Table(columns: [a, a]) } == .duplicateColumnName(file: "", name: "a"))
        #expect(tabularError { _ = try Column("x", float64: [1, .nan]) } != nil)
        #expect(
            tabularError { _ = try Column(name: "c", values: .categorical(codes: [0, 2], dictionary: ["p", "q"])) }
                != nil)
        let table = try Table(columns: [a, try Column("s", strings: ["x", "y", "x"])])
        #expect(tabularError { _ = try table.column("zz") } == .columnNotFound(name: "zz", available: ["a", "s"]))
        #expect(
            tabularError { _ = try table.columns[0].float64Values() }
                == .typeMismatch(column: "a", expected: .float64, actual: .int64))
        #expect(try table.column("s").categoricalValues().codes == [0, 1, 0])
    }

    @Test func writerRoundTrip() throws {
        let path = NSTemporaryDirectory() + "pk-write-\(UUID().uuidString).csv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var validity = ValidityBitmap(count: 4, allValid: true)
        validity.set(2, valid: false)
        let table = try Table(columns: [
            try Column(name: "n", values: .int64([Int64.min, -1, 0, Int64.max]), validity: validity),
            try Column("x", float64: [0.1, -2.5e-300, 1e300, 3]),
            try Column("s", strings: ["plain", "has,comma", "has \"quote\"\nand newline", ""]),
            try Column("b", bool: [true, false, true, false]),
            try Column(name: "d", values: .date([0, -1, 19_000, 20_000])),
            try Column(name: "t", values: .timestamp([0, 1_700_000_000, -86_401, 86_399])),
        ])
        for lineEnding in [CSVOptions.LineEnding.lf, .crlf] {
            let options = CSVOptions(lineEnding: lineEnding)
            try CSVWriter.write(table, to: path, options: options)
            let back = try CSVReader.load(file: path, schema: table.schema, options: options).table
            #expect(firstDifference(back, table) == nil)
            #expect(
                try CSVReader.load(file: path, options: options).table.schema.fields.map(\.type) == [
                    .int64, .float64, .categorical, .bool, .date, .timestamp,
                ])
        }
        #expect(!FileManager.default.fileExists(atPath: path + ".partial-\(getpid())"))
    }

    @Test func calendarCodec() {
        #expect(CalendarCodec.days(year: 1970, month: 1, day: 1) == 0)
        #expect(CalendarCodec.days(year: 2000, month: 3, day: 1) == 11_017)
        for days in stride(from: -800_000, to: 800_000, by: 997) {
            let (y, m, d) = CalendarCodec.civil(days: days)
            #expect(CalendarCodec.days(year: y, month: m, day: d) == days)
        }
        #expect(CalendarCodec.formatTimestamp(seconds: -1) == "1969-12-31T23:59:59Z")
        #expect(!CalendarCodec.isValid(year: 2023, month: 2, day: 29))
        #expect(CalendarCodec.isValid(year: 2000, month: 2, day: 29))
    }

    @Test func simdSumMatchesExactSum() throws {
        for count in [0, 1, 31, 32, 33, 1_000, 100_003] {
            let values = (0..<count).map { Double(($0 * 7919) % 1_000) / 8 }  // exactly representable partial sums
            let expected = values.reduce(0, +)
            #expect(values.withUnsafeBufferPointer { Float64Kernels.sum($0) } == expected)
        }
        #expect(try Float64Kernels.sum(Column("x", float64: [1, 2, 3.5])) == 6.5)
    }
}
