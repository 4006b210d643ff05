import Datasets
import Foundation
import Tabular
import Testing

@Suite("Issue 12: datasets generate limits and robust summaries")
struct Issue12DatasetsTests {
    @Test(
        "Issue 12 C-generate: row counts outside 0...maximumRows are refused by a typed error before anything is allocated"
    )
    func rowLimit() throws {
        #expect(throws: DatasetError.rowsOutOfRange(requested: Int.max, maximum: DatasetGenerator.maximumRows)) {
            _ = try DatasetGenerator(domain: .transport, seed: 1, totalRows: Int.max)
        }
        #expect(throws: DatasetError.rowsOutOfRange(requested: -1, maximum: DatasetGenerator.maximumRows)) {
            _ = try DatasetGenerator(domain: .health, seed: 1, totalRows: -1)
        }
        #expect(throws: DatasetError.self) {
            _ = try DatasetGenerator(domain: .market, seed: 1, totalRows: DatasetGenerator.maximumRows + 1)
        }
        // The limit itself is accepted, and its block arithmetic does not overflow even with
        // the largest block (the old `(totalRows + blockRows - 1)` did for Int.max rows).
        let largest = try DatasetGenerator(domain: .transport, seed: 1, totalRows: DatasetGenerator.maximumRows)
        #expect(largest.block(index: Int.max / 2, blockRows: 1 << 20).rowCount == 0)
        #expect(
            String(describing: DatasetError.rowsOutOfRange(requested: Int.max, maximum: DatasetGenerator.maximumRows))
                .contains("at most \(DatasetGenerator.maximumRows) rows"))
    }

    @Test("Issue 12 C-generate: a refused block size leaves no file, not even a partial one")
    func refusedBlockLeavesNothing() throws {
        let directory = NSTemporaryDirectory() + "issue12-generate-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let generator = try DatasetGenerator(domain: .transport, seed: 1, totalRows: 100)
        #expect(throws: TabularError.self) {
            try generator.write(to: directory + "/t.csv", blockRows: DatasetGenerator.maximumBlockRows + 1)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test("Issue 12 C-describe: values near 1e307 give a finite mean and std, the exact max, and valid JSON")
    func hugeValues() throws {
        let values = [Double](repeating: 1e307, count: 40) + [5e306, 0]
        let summary = try Table(columns: [Column("x", float64: values)]).summary()
        let x = summary.columns[0]
        #expect(x.max == 1e307 && x.min == 0)
        let mean = try #require(x.mean)
        let exact = (40 * 1e306 + 5e305) / 42 * 10  // (40·1e307 + 5e306) / 42 without overflow
        #expect(mean.isFinite && abs(mean - exact) <= 1e-12 * exact)
        let std = try #require(x.std)
        #expect(std.isFinite && std > 0)
        #expect(!summary.description.contains("inf"))
        #expect(summary.description.contains("max=1e+307"))
        let data = try JSONEncoder().encode(summary)
        #expect(try JSONDecoder().decode(TableSummary.self, from: data) == summary)
    }

    @Test("Issue 12 C-describe: a standard deviation beyond the double range is null with a note, in text and JSON")
    func unrepresentableStd() throws {
        let summary = try Table(columns: [Column("x", float64: [1.7e308, -1.7e308])]).summary()
        let x = summary.columns[0]
        #expect(x.mean == 0 && x.max == 1.7e308 && x.min == -1.7e308)
        #expect(x.std == nil)
        #expect(x.notes?.first?.contains("std") == true)
        let json = String(decoding: try JSONEncoder().encode(summary), as: UTF8.self)
        #expect(json.contains("\"std\":null"))
        #expect(json.contains("\"notes\""))
        #expect(summary.description.contains("std=null"))
    }

    @Test("Issue 12 C-describe: ordinary data keeps the plain two-pass results bit for bit")
    func ordinaryUnchanged() throws {
        let values = (0..<1_000).map { Double($0) * 0.37 - 50 }
        let x = try Table(columns: [Column("x", float64: values)]).summary().columns[0]
        let mean = values.reduce(0, +) / 1_000
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        #expect(x.mean == mean && x.std == (squares / 999).squareRoot() && x.notes == nil)
    }
}
