import Foundation
import Testing
@testable import DifferentialPrivacy
import Tabular
import _TestSupport

/// Issue 18: a query over a file streamed block by block (only its columns parsed, within a
/// memory limit) gives the same partial as over the whole file loaded as a table.
@Suite("Streaming partials over files")
struct FileScanTests {
    /// The sample table as a CSV file with two more columns the queries never read: a text
    /// column and a column that is numeric for the first 20,000 rows and then holds `inf`, so
    /// that a full load widens it (a projected scan never parses it).
    static func writeSample(_ directory: TemporaryDirectory, rows: Int = 60_001) throws -> String {
        let table = try sampleTable(rows: rows)
        let notes = try Column("note", strings: (0..<rows).map { $0 % 3 == 0 ? "a, \"quoted\" note" : "plain" })
        let late = try Column("late", strings: (0..<rows).map { $0 < 20_000 ? "\($0)" : "inf" })
        let wide = try Table(columns: table.columns + [notes, late])
        let path = directory.file("sample.csv")
        try CSVWriter.write(wide, to: path)
        return path
    }

    static let queries: [DPQuery] = PartialTests.queries + [
        DPQuery.count().grouped(by: "district", keys: .declared(["Xihu", "Gongshu"])),
        DPQuery.quantiles(of: "fare", levels: [0.5], clampedTo: 0...50).grouped(by: "district", keys: .selected),
        DPQuery.variance(of: "fare", clampedTo: 0...50).grouped(by: "card", keys: .selected),
        DPQuery.sum(of: "late", clampedTo: 0...100).handlingNonFiniteValues(.clamp),
    ]

    /// Small blocks: the sample (about 1.4 MB) is read in dozens of blocks.
    static func options(memoryLimit: Int = 16 << 20) -> FileScanOptions {
        var options = FileScanOptions(memoryLimit: memoryLimit)
        options.blockBytesForTesting = 32 << 10
        return options
    }

    @Test("streamed and whole-file partials are identical, for every statistic and key mode", arguments: queries)
    func streamingMatchesWholeFile(query: DPQuery) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = try Self.writeSample(directory)
        let whole = try query.partial(over: try CSVReader.load(file: path).table)
        let streamed = try query.partial(overFile: path, options: Self.options())
        #expect(streamed.partial == whole)
        #expect(streamed.rows == 60_001)
        #expect(streamed.spillBuckets == 0)
        #expect(streamed.bytes == (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int))
    }

    @Test("with a privacy unit, the spilled scan equals the whole-file partial when bounding keeps every row")
    func spilledUnitMatchesWholeFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = try Self.writeSample(directory)
        let work = directory.file("work")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        // Limits no unit reaches (5,000 units, about 12 rows each): nothing is dropped, so the
        // partial is deterministic.
        let generous: [DPQuery] = [
            DPQuery.sum(of: "fare", clampedTo: 0...50),
            DPQuery.mean(of: "fare", clampedTo: 0...50).grouped(by: "district", keys: .selected),
            DPQuery.count().grouped(by: "district", keys: .declared(["Xihu", "Binjiang", "Nowhere"])),
        ].map { $0.boundingContributions(privacyUnit: "card", maxPartitionsPerUnit: 6, maxContributionsPerPartition: 1_000) }
        for query in generous {
            var options = Self.options()
            options.inMemoryUnitBytesForTesting = 0
            options.workDirectory = work
            let whole = try query.partial(over: try CSVReader.load(file: path).table)
            let spilled = try query.partial(overFile: path, options: options)
            #expect(spilled.spillBuckets >= 2)
            #expect(spilled.partial == whole, "\(query.statistic)")
            // The spill files (raw rows) are gone.
            #expect(try FileManager.default.contentsOfDirectory(atPath: work) == [])
        }
    }

    @Test("a unit whose rows sit in every block is still bounded by the spilled scan")
    func unitAcrossBlocksIsBounded() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        // 40,000 rows: unit `everywhere` on every 4th row (so in every block), others unique.
        var lines = ["unit,district,fare"]
        for row in 0..<40_000 {
            let unit = row % 4 == 0 ? "everywhere" : "u\(row)"
            lines.append("\(unit),\(["Xihu", "Gongshu", "Binjiang"][row % 3]),\(row % 50)")
        }
        let path = directory.file("units.csv")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        var options = Self.options()
        options.inMemoryUnitBytesForTesting = 0
        let count = DPQuery.count().boundingContributions(
            privacyUnit: "unit", maxPartitionsPerUnit: 1, maxContributionsPerPartition: 1)
        let scan = try count.partial(overFile: path, options: options)
        // 30,000 single-row units + `everywhere` contributing exactly one row.
        #expect(scan.partial.cells[0].count == 30_001)
        let grouped = DPQuery.count().grouped(by: "district", keys: .declared(["Xihu", "Gongshu", "Binjiang"]))
            .boundingContributions(privacyUnit: "unit", maxPartitionsPerUnit: 2, maxContributionsPerPartition: 3)
        let partial = try grouped.partial(overFile: path, options: options).partial
        let everywhereRows = 10_000
        // Every other unit has one row; `everywhere` keeps at most 2 partitions × 3 rows.
        let total = partial.cells.reduce(0) { $0 + $1.count }
        #expect(total == Int64(40_000 - everywhereRows + 6))
    }

    @Test("a column that looks like dates in the first blocks and holds text later is grouped as the whole file is")
    func refusalOfANarrowerTypeWaitsForTheWidening() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var lines = ["zone,fare,unit"]
        for row in 0..<30_000 {
            let zone = row < 25_000 ? "2024-01-\(String(format: "%02d", row % 28 + 1))" : "zone-\(row % 5)"
            lines.append("\(zone),\(row % 40),u\(row % 3_000)")
        }
        let path = directory.file("zones.csv")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let whole = try CSVReader.load(file: path).table
        #expect(whole["zone"]?.type == .categorical)
        var spilling = Self.options()
        spilling.inMemoryUnitBytesForTesting = 0
        for (query, options) in [
            (DPQuery.sum(of: "fare", clampedTo: 0...50).grouped(by: "zone", keys: .selected), Self.options()),
            (DPQuery.count().grouped(by: "zone", keys: .declared(["zone-1", "2024-01-02"])), Self.options()),
            (
                DPQuery.count().grouped(by: "zone", keys: .selected).boundingContributions(
                    privacyUnit: "unit", maxPartitionsPerUnit: 100, maxContributionsPerPartition: 100), spilling
            ),
        ] {
            #expect(try query.partial(overFile: path, options: options).partial == (try query.partial(over: whole)))
        }
        // A refusal that stands after the last block is still thrown (a date column stays one).
        let dates = try Self.writeDates(directory)
        #expect(throws: DifferentialPrivacyError.self) {
            try DPQuery.count().grouped(by: "day", keys: .selected).partial(overFile: dates, options: Self.options())
        }
    }

    static func writeDates(_ directory: TemporaryDirectory) throws -> String {
        let lines = ["day"] + (0..<20_000).map { "2024-02-\(String(format: "%02d", $0 % 28 + 1))" }
        let path = directory.file("days.csv")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a key set that cannot fit the memory limit is refused before the file is read")
    func keySetBeyondTheLimit() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let keys = (0..<1_000).map { "k\($0)" }
        let query = DPQuery.quantiles(of: "fare", levels: [0.5], clampedTo: 0...50)
            .grouped(by: "district", keys: .declared(keys))
        // The file does not even exist: the refusal comes first.
        #expect(throws: DifferentialPrivacyError.self) {
            try query.partial(overFile: directory.file("missing.csv"), options: Self.options())
        }
        // Partition selection over a unit-like column with 5,000 distinct keys, quantiles.
        let path = try Self.writeSample(directory)
        let selected = DPQuery.quantiles(of: "fare", levels: [0.5], clampedTo: 0...50)
            .grouped(by: "card", keys: .selected)
        do {
            _ = try selected.partial(overFile: path, options: Self.options())
            Issue.record("expected a memory-limit refusal")
        } catch let error as DifferentialPrivacyError {
            guard case let .memoryLimitExceeded(what, limit) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(limit == 16 << 20)
            #expect(what.contains("'card'"))
        }
    }

    @Test("a memory limit below 16 MiB is refused")
    func tooSmallLimit() throws {
        #expect(throws: DifferentialPrivacyError.self) {
            try DPQuery.count().partial(overFile: "/nonexistent", options: FileScanOptions(memoryLimit: 1 << 20))
        }
    }

    @Test("an unknown column names the file's columns")
    func unknownColumn() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = try Self.writeSample(directory, rows: 10)
        do {
            _ = try DPQuery.sum(of: "nope", clampedTo: 0...1).partial(overFile: path, options: Self.options())
            Issue.record("expected an error")
        } catch let TabularError.columnNotFound(name, available) {
            #expect(name == "nope")
            #expect(available == ["fare", "district", "card", "note", "late"])
        }
    }
}
