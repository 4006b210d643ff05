import Foundation
import Testing
@testable import Tabular
import _TestSupport

@Suite("Real datasets", .enabled(if: SharedData.available()))
struct RealDatasetTests {
    @Test func nycFlights() throws {
        let result = try CSVReader.load(file: SharedData.path("nyc_flights/nyc_flights.csv"))
        let table = result.table
        #expect(table.rowCount == 336_776)
        #expect(table.columnCount == 19)
        let types = Dictionary(uniqueKeysWithValues: table.columns.map { ($0.name, $0.type) })
        #expect(types["year"] == .int64)
        #expect(types["dep_delay"] == .int64)
        #expect(types["carrier"] == .categorical)
        #expect(types["tailnum"] == .categorical)
        #expect(types["time_hour"] == .timestamp)
        #expect(try table.column("dep_time").nullCount == 336_776 - 328_521)
        #expect(try table.column("arr_delay").nullCount == 336_776 - 327_346)
        #expect(try table.column("tailnum").nullCount == 336_776 - 334_264)
        #expect(try table.column("dest").categoricalValues().dictionary.count == 105)
        let one = try CSVReader.load(
            file: SharedData.path("nyc_flights/nyc_flights.csv"), options: CSVOptions(chunkCount: 1))
        #expect(firstDifference(one.table, table) == nil)
    }

    @Test func adult() throws {
        let result = try CSVReader.load(
            file: SharedData.path("adult/adult.csv"), options: CSVOptions(separator: UInt8(ascii: ";")))
        let table = result.table
        #expect(table.rowCount == 30_162)
        #expect(
            table.columnNames == [
                "sex", "age", "race", "marital-status", "education", "native-country", "workclass", "occupation",
                "salary-class",
            ])
        #expect(
            table.schema.fields.map(\.type) == [
                .categorical, .int64, .categorical, .categorical, .categorical, .categorical, .categorical,
                .categorical, .categorical,
            ])
        #expect(try table.column("sex").categoricalValues().dictionary.sorted() == ["Female", "Male"])
        #expect(try table.column("salary-class").categoricalValues().dictionary.sorted() == ["<=50K", ">50K"])
        #expect(table.columns.allSatisfy { $0.nullCount == 0 })
    }
}
