import Foundation
import Testing
import Tabular
import _TestSupport

/// Issue 18: projection pushdown, widening restarts in the streaming reader, and the hash
/// partition spill.
@Suite("CSV projection and bounded-memory streaming")
struct ProjectionTests {
    /// 5,000 rows: int `a`, text `b` with quoted separators and line breaks, float `c`, and
    /// `d` that holds junk (never a number) from row 3,000 on.
    static func write(_ directory: TemporaryDirectory) throws -> String {
        var text = "a,b,c,d\n"
        for i in 0..<5_000 {
            text += "\(i),\"q\(i % 13),\nx\",\(Double(i) / 4),\(i < 3_000 ? "\(i)" : "junk\(i)")\n"
        }
        let path = directory.file("p.csv")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func projectedLoadKeepsOnlyTheNamedColumnsInFileOrder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = try Self.write(directory)
        let whole = try CSVReader.load(file: path)
        let projected = try CSVReader.load(file: path, columns: ["c", "a"])
        #expect(projected.table.columnNames == ["a", "c"])
        #expect(projected.table == (try whole.table.selecting(["a", "c"])))
        #expect(projected.inference?.columns.map(\.name) == ["a", "c"])
        #expect(projected.inference?.columns.map(\.type) == [.int64, .float64])
        // No column: only the row count.
        let none = try CSVReader.load(file: path, columns: [])
        #expect(none.table.columnCount == 0 && none.table.rowCount == 5_000)
    }

    @Test("a pipe streams; a widening on a pipe is a typed error that says why, not 'Illegal seek'")
    func pipes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        func fifo(_ name: String, _ text: String) throws -> String {
            let path = directory.file(name)
            #expect(mkfifo(path, 0o600) == 0)
            Thread.detachNewThread {
                let handle = FileHandle(forWritingAtPath: path)!
                handle.write(Data(text.utf8))
                try? handle.close()
            }
            return path
        }
        let numbers = "a\n" + (0..<20_000).map { "\($0)\n" }.joined()
        var rows = 0
        try CSVReader.stream(file: try fifo("plain", numbers), blockBytes: 4096, restart: {}) { rows += $0.rowCount }
        #expect(rows == 20_000)
        #expect {
            try CSVReader.stream(file: try fifo("widening", numbers + "text\n"), blockBytes: 4096, restart: {}) { _ in }
        } throws: { error in
            guard case let .io(_, reason)? = error as? TabularError else { return false }
            return reason.contains("pipe") && reason.contains("regular file")
        }
    }

    @Test func aBadValueInASkippedColumnIsNoError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("bad.csv")
        try "a,b\n1,2\n2,x\n".write(toFile: path, atomically: true, encoding: .utf8)
        let schema = Schema([Field("a", .int64), Field("b", .int64)])
        #expect(tabularError { _ = try CSVReader.load(file: path, schema: schema) } != nil)
        let table = try CSVReader.load(file: path, schema: schema, columns: ["a"]).table
        #expect(try table.column("a").int64Values() == [1, 2])
        // Structure is still checked in skipped columns: a ragged row is an error.
        try "a,b\n1,2\n2\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(
            tabularError { _ = try CSVReader.load(file: path, columns: ["a"]) }
                == .raggedRow(file: path, line: 3, expected: 2, found: 1))
    }

    @Test func anUnknownProjectedColumnIsNamed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = try Self.write(directory)
        #expect(
            tabularError { _ = try CSVReader.load(file: path, columns: ["a", "zz"]) }
                == .columnNotFound(name: "zz", available: ["a", "b", "c", "d"]))
        #expect(
            tabularError { try CSVReader.stream(file: path, columns: ["zz"]) { _ in } }
                == .columnNotFound(name: "zz", available: ["a", "b", "c", "d"]))
    }

    @Test func streamingWithRestartWidensLikeTheWholeFileLoad() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = try Self.write(directory)
        let whole = try CSVReader.load(file: path).table
        #expect(whole["d"]?.type == .categorical)
        var restarts = 0
        var texts: [String] = []
        var passes: Set<Int> = []
        let rows = try CSVReader.stream(
            file: path, columns: ["d", "b"], blockBytes: 2_000, restart: {
                restarts += 1
                texts = []
            }, progress: { passes.insert($0.pass) }
        ) { batch in
            #expect(batch.columnNames == ["b", "d"])
            // Before the restart the column is still int64; after it, widened.
            if restarts == 1 { #expect(batch["d"]?.type == .categorical) }
            texts += (0..<batch.rowCount).map { batch.columns[1].text(at: $0)! }
        }
        #expect(rows == 5_000)
        #expect(restarts == 1)
        #expect(passes == [1, 2])
        #expect(texts == (0..<whole.rowCount).map { whole["d"]!.text(at: $0)! })
        // Without `restart` the misfit stays an error.
        #expect(tabularError { try CSVReader.stream(file: path, columns: ["d"], blockBytes: 2_000) { _ in } } != nil)
    }

    @Test func progressCountsBytesAndRowsUpToTheFileSize() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = try Self.write(directory)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        var reports: [CSVProgress] = []
        try CSVReader.stream(file: path, columns: ["a"], blockBytes: 4_096, progress: { reports.append($0) }) { _ in }
        #expect(reports.count > 10)
        #expect(reports.last == CSVProgress(bytesRead: size, totalBytes: size, rows: 5_000, pass: 1))
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.bytesRead < $1.bytesRead && $0.rows <= $1.rows })
    }

    @Test func hashPartitionSpillKeepsEachKeyInOneBucketAndCleansUp() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = try Self.write(directory)
        let table = try CSVReader.load(file: path).table
        let spill = try HashPartitionSpill(directory: directory.path, buckets: 7, keyColumn: "b")
        for start in stride(from: 0, to: table.rowCount, by: 700) {
            try spill.append(try table.gathering(rows: Array(start..<min(start + 700, table.rowCount))))
        }
        // Owner-only files while they exist (still being written under a partial name).
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("spill") }
        #expect(files.count == 7)
        for file in files {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory.file(file))
            #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o077 } == 0)
        }
        var seenKeys: [Set<String>] = []
        var rows = 0
        var fractions: [Double] = []
        try spill.forEachBucket { bucket in
            rows += bucket.rowCount
            seenKeys.append(Set((0..<bucket.rowCount).map { bucket["b"]!.text(at: $0)! }))
            fractions += try bucket.column("c").float64Values()
            #expect(bucket.schema == table.schema)
        }
        #expect(rows == 5_000)
        // Values round-trip exactly; every key lives in exactly one bucket.
        #expect(fractions.sorted() == (try table.column("c").float64Values()).sorted())
        for (i, keys) in seenKeys.enumerated() {
            for other in seenKeys[(i + 1)...] { #expect(keys.isDisjoint(with: other)) }
        }
        #expect(seenKeys.reduce(0) { $0 + $1.count } == 13)
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("spill") }
        #expect(left == [])
    }

    @Test func aReleasedSpillDeletesItsFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        do {
            let spill = try HashPartitionSpill(directory: directory.path, buckets: 3, keyColumn: "k")
            try spill.append(try Table(columns: [Column("k", strings: ["x", "y", "z"])]))
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).count >= 3)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == [])
    }

    @Test func streamedSummaryEqualsTheWholeFileSummary() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var text = "i,f,huge,flag,day,at,text,late\n"
        for r in 0..<6_000 {
            let missing = r % 11 == 0
            text += "\(missing ? "" : "\(r * 7 - 3_000)"),\(Double(r) / 3),\(r % 2 == 0 ? "1.7e308" : "-1.6e308"),"
            text += "\(r % 3 == 0),2024-01-\(String(format: "%02d", r % 28 + 1)),2024-02-03T04:05:\(String(format: "%02d", r % 60)),"
            text += "\"v\(r % 17), x\",\(r < 5_000 ? "\(r)" : "t\(r)")\n"
        }
        let path = directory.file("s.csv")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let whole = try CSVReader.load(file: path).table
        let streamed = try TableSummary.summarising(file: path, blockBytes: 8_192)
        #expect(streamed.summary == whole.summary())
        #expect(streamed.schema == whole.schema)
        // Widening `late` restarts once; `huge` needs the two scaled passes.
        #expect(streamed.passes == 5)
        #expect(whole.summary().columns[2].std != nil)
        // Beyond the distinct values' bound, the column with the most of them (`late`: 1,000
        // texts) stops counting; `text` (17 values) still fits; nothing else changes.
        let bounded = try TableSummary.summarising(file: path, blockBytes: 8_192, maximumDistinctBytes: 10_000)
        var expected = whole.summary()
        expected.columns[7].distinct = nil
        expected.columns[7].top = nil
        #expect(bounded.summary.columns[7].notes?.count == 1)
        expected.columns[7].notes = bounded.summary.columns[7].notes
        #expect(bounded.summary == expected)
    }
}
