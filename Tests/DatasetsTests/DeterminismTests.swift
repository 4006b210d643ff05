import Foundation
import Testing
@testable import Datasets
import Tabular

/// Reads a whole file.
func fileBytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

/// A fresh temporary path.
func temporaryPath(_ name: String) -> String {
    NSTemporaryDirectory() + "/datasets-test-\(getpid())-\(UUID().uuidString)-\(name).csv"
}

@Suite("Determinism")
struct DeterminismTests {
    @Test(
        "same (domain, rows, seed) gives identical bytes whatever the block size or threads", arguments: Domain.allCases
    )
    func identicalBytes(domain: Domain) throws {
        let rows = 5_003
        let a = temporaryPath("a"), b = temporaryPath("b"), c = temporaryPath("c")
        defer { for p in [a, b, c] { unlink(p) } }
        try DatasetGenerator(domain: domain, seed: 7, totalRows: rows).write(to: a, blockRows: 65_536, threads: 1)
        try DatasetGenerator(domain: domain, seed: 7, totalRows: rows).write(to: b, blockRows: 777, threads: 2)
        try DatasetGenerator(domain: domain, seed: 7, totalRows: rows).write(to: c, blockRows: 1_000, threads: 3)
        let bytesA = try fileBytes(a)
        #expect(bytesA.count > rows * 20)
        #expect(bytesA == (try fileBytes(b)))
        #expect(bytesA == (try fileBytes(c)))
    }

    @Test("different seeds give different data", arguments: Domain.allCases)
    func seedsDiffer(domain: Domain) throws {
        let a = try DatasetGenerator(domain: domain, seed: 1, totalRows: 2_000).rows(0..<2_000)
        let b = try DatasetGenerator(domain: domain, seed: 2, totalRows: 2_000).rows(0..<2_000)
        #expect(a != b)
        // Rows are not trivially shifted copies either: most rows of the last column-set differ.
        var differing = 0
        for row in 0..<2_000 where a.columns.map({ $0.text(at: row) }) != b.columns.map({ $0.text(at: row) }) {
            differing += 1
        }
        #expect(differing > 1_000)
    }

    @Test("blocks concatenate to the same rows as one range", arguments: [Domain.transport, .commerce, .finance])
    func blocksMatchRange(domain: Domain) throws {
        let g = try DatasetGenerator(domain: domain, seed: 99, totalRows: 1_000)
        let whole = g.rows(0..<1_000)
        var collected: [[String?]] = []
        try g.generate(blockRows: 333, threads: 2) { table in
            for row in 0..<table.rowCount { collected.append(table.columns.map { $0.text(at: row) }) }
        }
        #expect(collected.count == 1_000)
        for row in [0, 1, 332, 333, 666, 999] {
            #expect(collected[row] == whole.columns.map { $0.text(at: row) })
        }
        #expect(g.block(index: 3, blockRows: 333).rowCount == 1)
        #expect(g.block(index: 4, blockRows: 333).rowCount == 0)
    }

    @Test("a sink error stops generation and is rethrown")
    func sinkErrorPropagates() throws {
        struct Stop: Error {}
        let g = try DatasetGenerator(domain: .market, seed: 1, totalRows: 10_000)
        var calls = 0
        #expect(throws: Stop.self) {
            try g.generate(blockRows: 1_000, threads: 2) { _ in
                calls += 1
                if calls == 3 { throw Stop() }
            }
        }
        #expect(calls == 3)
    }
}

@Suite("Schema and documentation")
struct SchemaTests {
    @Test("generated tables have the documented schema", arguments: Domain.allCases)
    func schemaMatchesDocumentation(domain: Domain) throws {
        let table = try DatasetGenerator(domain: domain, seed: 3, totalRows: 500).rows(0..<500)
        #expect(table.rowCount == 500)
        #expect(table.schema == domain.schema)
        #expect(table.columnNames == domain.columns.map(\.name))
        #expect(domain.columns.allSatisfy { !$0.meaning.isEmpty })
        #expect(table.columns.allSatisfy { $0.nullCount == 0 })
    }

    @Test("datasets/README.md documents every column of every domain")
    func readmeDocumentsColumns() throws {
        let readme = try #require(
            EmbeddedDatasets.path(for: .transport).map {
                String($0.dropLast("transport.csv".count)) + "README.md"
            })
        let text = try String(contentsOfFile: readme, encoding: .utf8)
        for domain in Domain.allCases {
            #expect(text.contains("`\(domain.rawValue).csv`"), "README lacks \(domain.rawValue).csv")
            for column in domain.columns {
                #expect(text.contains("`\(column.name)`"), "README lacks \(domain.rawValue).\(column.name)")
            }
        }
    }

    @Test("embedded files exist and have the documented header and row count", arguments: Domain.allCases)
    func embeddedFiles(domain: Domain) throws {
        let path = try #require(EmbeddedDatasets.path(for: domain))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first.map(String.init) == domain.columns.map(\.name).joined(separator: ","))
        #expect(lines.count - 2 == EmbeddedDatasets.rows(for: domain))  // header + trailing empty
        // And they are reproducible: the first 200 rows equal a fresh generation.
        let fresh = try DatasetGenerator(
            domain: domain, seed: EmbeddedDatasets.seed, totalRows: EmbeddedDatasets.rows(for: domain))
        let t = fresh.rows(0..<200)
        let tmp = temporaryPath("embedded")
        defer { unlink(tmp) }
        try CSVWriter.write(t, to: tmp)
        let freshLines = try String(contentsOfFile: tmp, encoding: .utf8).split(separator: "\n")
        #expect(Array(lines[0..<201]) == Array(freshLines[0..<201]))
    }
}
