import Foundation
import Testing
@testable import Tabular

/// Loads CSV text from memory.
func load(_ text: String, schema: Schema? = nil, options: CSVOptions = CSVOptions()) throws -> CSVLoadResult {
    try load(Array(text.utf8), schema: schema, options: options)
}

func load(_ bytes: [UInt8], schema: Schema? = nil, options: CSVOptions = CSVOptions()) throws -> CSVLoadResult {
    try bytes.withUnsafeBufferPointer { try CSVReader.load(bytes: $0, name: "t.csv", schema: schema, options: options) }
}

/// The error a closure throws, as a `TabularError`.
func tabularError(_ body: () throws -> Void) -> TabularError? {
    do {
        try body()
        return nil
    } catch let error as TabularError { return error } catch { return nil }
}

@Suite("CSV reader")
struct CSVReaderTests {
    @Test func infersTypesAndNulls() throws {
        let result = try load(
            "id,score,ok,city,day,at\n1,2.5,true,Xihu,2024-01-31,2024-01-31T08:15:00Z\n2,,false,Binjiang,2024-02-29,2024-02-29 23:59:59\n-3,1e3,TRUE,\"Xihu\",,\n"
        )
        let table = result.table
        #expect(table.rowCount == 3)
        #expect(table.schema.fields.map(\.type) == [.int64, .float64, .bool, .categorical, .date, .timestamp])
        #expect(try table.column("id").int64Values() == [1, 2, -3])
        let score = try table.column("score")
        #expect(try score.float64Values() == [2.5, 0, 1000])
        #expect(score.nullCount == 1 && !score.isValid(1) && score.isValid(0))
        #expect(try table.column("ok").boolValues() == [true, false, true])
        let city = try table.column("city").categoricalValues()
        #expect(city.codes == [0, 1, 0] && city.dictionary == ["Xihu", "Binjiang"])
        #expect(try table.column("day").dateValues()[0] == Int32(CalendarCodec.days(year: 2024, month: 1, day: 31)))
        #expect(try table.column("day").nullCount == 1)
        #expect(
            try table.column("at").timestampValues()[1] == Int64(CalendarCodec.days(year: 2024, month: 2, day: 29))
                * 86_400 + 86_399)
        let inference = try #require(result.inference)
        #expect(inference.sampleRows == 3)
        #expect(inference.columns[1].nullsInSample == 1)
        #expect(inference.description.contains("score: float64"))
    }

    @Test func quotingEscapesAndEmbeddedNewlines() throws {
        let text = "name,note\n\"Li, Wei\",\"said \"\"hi\"\"\"\n\"multi\nline\",\"\"\nplain,\"a\r\nb\"\n"
        let table = try load(text).table
        #expect(table.rowCount == 3)
        #expect(table.columns[0].text(at: 0) == "Li, Wei")
        #expect(table.columns[1].text(at: 0) == "said \"hi\"")
        #expect(table.columns[0].text(at: 1) == "multi\nline")
        // A quoted empty field is the empty string, not a missing value.
        #expect(table.columns[1].text(at: 1) == "")
        #expect(table.columns[1].isValid(1))
        #expect(table.columns[1].text(at: 2) == "a\r\nb")
    }

    @Test func crlfAndSemicolonAndBOM() throws {
        let text = "\u{FEFF}a;b\r\n1;x\r\n2;y\r\n"
        var options = CSVOptions(separator: UInt8(ascii: ";"))
        let table = try load(text, options: options).table
        #expect(table.columnNames == ["a", "b"])
        #expect(try table.column("a").int64Values() == [1, 2])
        #expect(table.columns[1].text(at: 1) == "y")
        options.chunkCount = 3
        #expect(firstDifference(try load(text, options: options).table, table) == nil)
    }

    @Test func noTrailingNewlineAndBlankLines() throws {
        let table = try load("a,b\n1,2\n\n3,4").table
        #expect(try table.column("b").int64Values() == [2, 4])
        let trailingEmpty = try load("a,b\n1,\n2,").table
        #expect(trailingEmpty.columns[1].nullCount == 2)
    }

    @Test func nullTokens() throws {
        let table = try load("a,b\nNA,x\n2,NA\n3,\"NA\"\n", options: CSVOptions(nullTokens: ["NA"])).table
        #expect(table.columns[0].type == .int64)
        #expect(table.columns[0].nullCount == 1)
        #expect(!table.columns[1].isValid(1))
        #expect(table.columns[1].text(at: 2) == "NA")  // quoted: a string
    }

    @Test func raggedRowsNameTheLine() {
        #expect(
            tabularError { _ = try load("a,b\n1,2\n3\n") } == .raggedRow(file: "t.csv", line: 3, expected: 2, found: 1))
        #expect(
            tabularError { _ = try load("a,b\n1,2\n3,4\n5,6,7\n") }
                == .raggedRow(file: "t.csv", line: 4, expected: 2, found: 3))
        // Lines count physical lines, including those inside quoted fields.
        #expect(
            tabularError { _ = try load("a,b\n\"x\ny\",2\n3\n") }
                == .raggedRow(file: "t.csv", line: 4, expected: 2, found: 1))
    }

    @Test func quoteErrors() {
        #expect(
            tabularError { _ = try load("a,b\n1,\"open\n2,3\n") }
                == .unterminatedQuote(file: "t.csv", line: 2, column: "b"))
        #expect(
            tabularError { _ = try load("a,b\n1,ab\"c\n") } == .unexpectedQuote(file: "t.csv", line: 2, column: "b"))
        #expect(
            tabularError { _ = try load("a,b\n1,\"ab\"c\n") } == .unexpectedQuote(file: "t.csv", line: 2, column: "b"))
    }

    @Test func invalidUTF8NamesLineAndColumn() {
        var bytes = Array("a,b\n1,ok\n2,".utf8)
        bytes += [0xC3, 0x28]  // invalid continuation
        bytes += Array("\n".utf8)
        #expect(tabularError { _ = try load(bytes) } == .invalidUTF8(file: "t.csv", line: 3, column: "b"))
        // Beyond the inference sample, in a column inferred as categorical.
        var late = Array("a,b\n".utf8)
        for i in 0..<50 { late += Array("\(i),v\(i)\n".utf8) }
        late += [0x31, 0x2C, 0xFF, 0x0A]
        var options = CSVOptions(inferenceSampleRows: 10)
        options.chunkCount = 4
        #expect(
            tabularError { _ = try load(late, options: options) } == .invalidUTF8(file: "t.csv", line: 52, column: "b"))
        // Declared numeric column.
        let schema = Schema([Field("a", .int64), Field("b", .categorical)])
        #expect(
            tabularError { _ = try load([0x61, 0x2C, 0x62, 0x0A, 0xFF, 0x2C, 0x78, 0x0A], schema: schema) }
                == .invalidUTF8(file: "t.csv", line: 2, column: "a"))
        // Valid multi-byte text passes.
        #expect((try? load("district\n西湖区\n滨江区\n").table.columns[0].text(at: 0)) == "西湖区")
    }

    @Test func emptyAndHeaderOnly() {
        #expect(tabularError { _ = try load("") } == .emptyInput(file: "t.csv"))
        #expect(tabularError { _ = try load("\u{FEFF}") } == .emptyInput(file: "t.csv"))
        #expect(tabularError { _ = try load("a,b\n") } == .noDataRows(file: "t.csv"))
        #expect(tabularError { _ = try load("a,b") } == .noDataRows(file: "t.csv"))
        #expect(tabularError { _ = try load("a,a\n1,2\n") } == .duplicateColumnName(file: "t.csv", name: "a"))
    }

    @Test func unparsableNumbersInDeclaredSchema() {
        let schema = Schema([Field("n", .int64), Field("x", .float64)])
        #expect(
            tabularError { _ = try load("n,x\n1,2.0\n2x,3\n", schema: schema) }
                == .unparsableValue(file: "t.csv", line: 3, column: "n", value: "2x", expected: .int64))
        #expect(
            tabularError { _ = try load("n,x\n1,2.0\n2,3..1\n", schema: schema) }
                == .unparsableValue(file: "t.csv", line: 3, column: "x", value: "3..1", expected: .float64))
        #expect(
            tabularError { _ = try load("n,x\n1,1e999\n", schema: schema) }
                == .nonFiniteValue(file: "t.csv", line: 2, column: "x", value: "1e999"))
        #expect(
            tabularError { _ = try load("n,x\n1,NaN\n", schema: schema) }
                == .unparsableValue(file: "t.csv", line: 2, column: "x", value: "NaN", expected: .float64))
        #expect(
            tabularError { _ = try load("n,x\n99999999999999999999,1\n", schema: schema) }
                == .unparsableValue(
                    file: "t.csv", line: 2, column: "n", value: "99999999999999999999", expected: .int64))
        let strict = Schema([Field("n", .int64, nullable: false), Field("x", .float64)])
        #expect(
            tabularError { _ = try load("n,x\n1,2\n,3\n", schema: strict) }
                == .missingValue(file: "t.csv", line: 3, column: "n"))
        #expect(
            tabularError { _ = try load("m,x\n1,2\n", schema: schema) }
                == .headerMismatch(file: "t.csv", expected: ["n", "x"], found: ["m", "x"]))
    }

    @Test func widensInferredColumnsBeyondTheSample() throws {
        var text = "n,s\n"
        for i in 0..<100 { text += "\(i),\(i)\n" }
        text += "1.5,abc\n"
        let result = try load(text, options: CSVOptions(inferenceSampleRows: 10, chunkCount: 4))
        #expect(result.table.columns[0].type == .float64)
        #expect(result.table.columns[1].type == .categorical)
        #expect(result.inference?.columns[0].widenedFrom == .int64)
        #expect(result.inference?.columns[1].widenedFrom == .int64)
        #expect(try result.table.columns[0].float64Values().last == 1.5)
        #expect(result.table.columns[1].text(at: 5) == "5")
        // NaN text never becomes a float: the column becomes categorical.
        let nan = try load("x\n1.5\nNaN\n").table
        #expect(nan.columns[0].type == .categorical)
    }

    @Test func floatParsingIsCorrectlyRounded() throws {
        let samples = [
            "0.1", "3.141592653589793", "2.2250738585072014e-308", "1.7976931348623157e308",
            "123456789012345678901234567890",
            "-0.000001", "5e-324", ".5", "5.", "+7", "1E10", "0.30000000000000004", "9007199254740993", "4.35",
            "100000000000000000000000",
        ]
        let text = "x\n" + samples.joined(separator: "\n") + "\n"
        let values = try load(text, schema: Schema([Field("x", .float64)])).table.columns[0].float64Values()
        for (sample, value) in zip(samples, values) {
            #expect(value == strtod(sample, nil), "\(sample)")
        }
        // 20,000 pseudo-random decimals of 1–25 digits, with and without exponents, against strtod.
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        var random: [String] = []
        for _ in 0..<20_000 {
            let integerDigits = Int(next() % 14), fractionDigits = Int(next() % 12)
            var text = next() % 3 == 0 ? "-" : ""
            text += integerDigits == 0 ? "0" : String((0..<integerDigits).map { _ in Character(String(next() % 10)) })
            if fractionDigits > 0 {
                text += "." + String((0..<fractionDigits).map { _ in Character(String(next() % 10)) })
            }
            if next() % 4 == 0 { text += "e\(Int(next() % 80) - 40)" }
            random.append(text)
        }
        let parsed = try load("x\n" + random.joined(separator: "\n") + "\n", schema: Schema([Field("x", .float64)]))
            .table.columns[0].float64Values()
        let mismatches = zip(random, parsed).filter { $0.1 != strtod($0.0, nil) }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")
    }

    @Test func oneChunkAndManyChunksGiveIdenticalTables() throws {
        var text = "id,district,fare,when,flag,note\n"
        let districts = ["Shangcheng", "Gongshu", "Xihu", "Binjiang", "Xiaoshan", "Yuhang"]
        var state: UInt64 = 7
        for i in 0..<5_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let r = Int(state >> 33)
            let note = r % 7 == 0 ? "\"has, comma\nand newline\"" : (r % 5 == 0 ? "" : "n\(r % 300)")
            text +=
                "\(i),\(districts[r % districts.count]),\(Double(r % 10_000) / 100),2024-03-\(10 + r % 19)T0\(r % 10):00:00Z,\(r % 2 == 0),\(note)\n"
            if r % 11 == 0 { text += r % 2 == 0 ? "\n" : "\r\n" }  // blank lines are skipped
        }
        let one = try load(text, options: CSVOptions(chunkCount: 1))
        for chunks in [2, 3, 7, 64] {
            let many = try load(text, options: CSVOptions(chunkCount: chunks))
            #expect(firstDifference(many.table, one.table) == nil, "chunks: \(chunks)")
        }
        #expect(one.table.rowCount == 5_000)
        #expect(one.table.columns[5].nullCount > 0)
        #expect(try one.table.column("id").int64Values() == (0..<5_000).map { Int64($0) })
    }

    /// Values that share their first 16 bytes and length but differ in the tail, and values that
    /// differ only in length, keep distinct codes (the per-column memo compares tails and lengths).
    @Test func categoricalValuesThatShareTheirHead() throws {
        let values = [
            "Hangzhou East Railway A", "Hangzhou East Railway B", "Hangzhou East Railway", "ab", "ab ", "a", "",
            "Hangzhou East Railway A",
        ]
        var text = "v,n\n"
        for i in 0..<2_000 { text += "\"\(values[i % values.count])\",\(i)\n" }
        let column = try load(text).table.column("v")
        for i in 0..<2_000 { #expect(column.text(at: i) == values[i % values.count]) }
        #expect(try column.categoricalValues().dictionary.count == 7)
    }

    /// A high-cardinality column whose chunk dictionaries are merged with parallel lookups
    /// (more than 65,536 entries per chunk): codes still follow first appearance.
    @Test func largeDictionariesMergeInFirstAppearanceOrder() throws {
        var text = "id,v\n"
        for i in 0..<300_000 { text += "u\((i * 7_919) % 200_000),\(i % 3)\n" }
        let one = try load(text, options: CSVOptions(chunkCount: 1)).table
        let (_, dictionary) = try one.column("id").categoricalValues()
        #expect(dictionary.count == 200_000)
        #expect(dictionary.prefix(3) == ["u0", "u7919", "u15838"])
        for chunks in [2, 3] {
            #expect(
                firstDifference(try load(text, options: CSVOptions(chunkCount: chunks)).table, one) == nil,
                "chunks: \(chunks)")
        }
    }

    /// A quoted field longer than a chunk, full of line feeds and separators: chunk targets fall
    /// inside it and must skip to the next real record start.
    @Test func quotedFieldSpanningSeveralChunks() throws {
        let long = String(repeating: "line, with \"\"quotes\"\"\n", count: 500)
        var text = "k,v\n1,a\n2,\"\(long)\"\n3,b\n"
        for i in 4..<40 { text += "\(i),x\(i)\n" }
        let one = try load(text, options: CSVOptions(chunkCount: 1)).table
        #expect(one.rowCount == 39)
        #expect(one.columns[1].text(at: 1)?.count == long.count - 1_000)  // doubled quotes read as one
        for chunks in [2, 5, 16] {
            #expect(
                firstDifference(try load(text, options: CSVOptions(chunkCount: chunks)).table, one) == nil,
                "chunks: \(chunks)")
        }
    }

    @Test func streamingMatchesWholeFileLoad() throws {
        let path = NSTemporaryDirectory() + "pk-stream-\(UUID().uuidString).csv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var text = "a,b,c\n"
        for i in 0..<3_000 { text += "\(i),\"q\(i % 13)\nx\",\(Double(i) / 4)\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let whole = try CSVReader.load(file: path).table
        var rows = 0
        var a: [Int64] = [], c: [Double] = [], b: [String] = []
        let total = try CSVReader.stream(file: path, blockBytes: 1_000) { batch in
            rows += batch.rowCount
            a += try batch.column("a").int64Values()
            c += try batch.column("c").float64Values()
            b += (0..<batch.rowCount).map { batch.columns[1].text(at: $0)! }
        }
        #expect(total == 3_000 && rows == 3_000)
        #expect(a == (try whole.column("a").int64Values()))
        #expect(c == (try whole.column("c").float64Values()))
        #expect(b == (0..<whole.rowCount).map { whole.columns[1].text(at: $0)! })
        // A later misfit in streaming mode is an error with the absolute line.
        try (text + "oops,\"q\",1\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(
            tabularError { try CSVReader.stream(file: path, blockBytes: 4_096) { _ in } }
                == .unparsableValue(file: path, line: 6_002, column: "a", value: "oops", expected: .int64))
    }

    @Test func missingFileIsAnIOError() {
        guard case .io(let file, _)? = tabularError({ _ = try CSVReader.load(file: "/nonexistent/x.csv") }) else {
            Issue.record("expected an io error")
            return
        }
        #expect(file == "/nonexistent/x.csv")
    }
}

@Suite("CSV dates and timestamps")
struct CSVCalendarTests {
    /// Every day of 12 years (more dates than the date cache holds), in an order that revisits
    /// dates, parses to exactly the codec's day numbers: cache collisions never mix dates up.
    @Test func manyDistinctDatesParseExactly() throws {
        let first = CalendarCodec.days(year: 2015, month: 1, day: 1)
        let count = 12 * 366
        var text = "d,t\n"
        var expectedDays: [Int32] = [], expectedSeconds: [Int64] = []
        for i in 0..<(3 * count) {
            let day = first + (i * 7_919) % count
            let seconds = Int64(day) * 86_400 + Int64((i * 37) % 86_400)
            text += "\(CalendarCodec.formatDate(days: Int32(day))),\(CalendarCodec.formatTimestamp(seconds: seconds))\n"
            expectedDays.append(Int32(day))
            expectedSeconds.append(seconds)
        }
        let table = try load(text, options: CSVOptions(chunkCount: 3)).table
        #expect(try table.column("d").dateValues() == expectedDays)
        #expect(try table.column("t").timestampValues() == expectedSeconds)
    }
}
