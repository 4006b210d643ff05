import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What ``CSVReader/load(file:schema:options:)`` returns.
public struct CSVLoadResult: Sendable {
    /// The table.
    public var table: Table
    /// How the schema was inferred; `nil` when it was declared.
    public var inference: SchemaInference?
    /// Bytes of input read (the file size).
    public var bytes: Int
}

/// Reads RFC 4180 CSV into columnar tables: memory-mapped, parsed in parallel chunks on all
/// cores, with typed errors that name the file, line and column at fault.
///
/// - Quoting: fields may be quoted with `"` (configurable); a doubled quote inside a quoted
///   field is one quote; quoted fields may hold separators and line breaks. A quote inside an
///   unquoted field, or text after a closing quote, is an error.
/// - Line endings: LF and CRLF, mixed freely. A leading UTF-8 byte-order mark is skipped.
///   Empty lines are skipped (when there are at least two columns).
/// - Missing values: an unquoted empty field, or an unquoted field equal to one of
///   ``CSVOptions/nullTokens``. A quoted empty field (`""`) is the empty string.
/// - Types: declared by a ``Schema`` (a value that does not fit is an error), or inferred from
///   the first ``CSVOptions/inferenceSampleRows`` rows, in the order bool, int64, float64, date,
///   timestamp, categorical. When a later value does not fit an inferred type, the column is
///   widened (int64 → float64 → categorical) and the input parsed again; the returned
///   ``SchemaInference`` says so. Numbers never include NaN or infinity.
/// - Determinism: the table does not depend on the number of chunks or threads; categorical
///   dictionaries are in order of first appearance in the file.
/// - Text: categorical values must be valid UTF-8.
public enum CSVReader {
    /// Loads a whole CSV file.
    /// - Parameters:
    ///   - file: path of the file.
    ///   - schema: the declared schema (names must match the header in order), or `nil` to infer.
    ///   - options: separator, quoting, null tokens, parallelism.
    /// - Throws: ``TabularError`` naming the file, line and column at fault.
    /// - Complexity: O(bytes) work, spread over ``CSVOptions/threads`` cores; memory is the
    ///   mapped file plus the table.
    public static func load(
        file: String, schema: Schema? = nil, options: CSVOptions = CSVOptions()
    ) throws -> CSVLoadResult {
        try options.validate()
        let input = try MappedFile(path: file)
        return try input.withBytes { bytes in
            try load(bytes: bytes, name: file, schema: schema, options: options)
        }
    }

    /// Loads CSV from bytes in memory; `name` is used in error messages.
    public static func load(
        bytes: UnsafeBufferPointer<UInt8>, name: String = "<memory>", schema: Schema? = nil,
        options: CSVOptions = CSVOptions()
    ) throws -> CSVLoadResult {
        try options.validate()
        guard let base = bytes.baseAddress, !bytes.isEmpty else { throw TabularError.emptyInput(file: name) }
        var context = Context(base: base, inputLength: bytes.count, name: name, options: options, lineBase: 0)
        var start = skipByteOrderMark(base, bytes.count)
        let end = bytes.count
        guard start < end else { throw TabularError.emptyInput(file: name) }
        let header = try context.readHeader(from: &start, end: end)
        context.columnNames = header
        var (modes, inference) = try context.plan(
            schema: schema, header: header, dataStart: start, end: end, widening: true)
        // Parse; widen inferred columns and parse again while a later value does not fit.
        while true {
            let outcome = try context.parseRegion(
                start: start, end: end, modes: modes, chunkCount: chunkCount(for: end - start, options))
            if outcome.widen.isEmpty {
                if outcome.rows == 0 {
                    throw options.hasHeader ? TabularError.noDataRows(file: name) : TabularError.emptyInput(file: name)
                }
                let table = Table(uncheckedColumns: outcome.columns, rowCount: outcome.rows)
                if var inference {
                    inference.schema = Schema(zip(header, outcome.columns).map { Field($0, $1.type, nullable: true) })
                    for (j, column) in outcome.columns.enumerated() { inference.columns[j].type = column.type }
                    return CSVLoadResult(table: table, inference: inference, bytes: bytes.count)
                }
                return CSVLoadResult(table: table, inference: nil, bytes: bytes.count)
            }
            for (j, type) in outcome.widen {
                if inference!.columns[j].widenedFrom == nil {
                    inference!.columns[j].widenedFrom = inference!.columns[j].type
                }
                inference!.columns[j].type = type
                modes[j] = .parse(type, declared: false, nullable: true)
            }
        }
    }

    /// Reads a CSV file of any size in batches with bounded memory, calling `body` with each
    /// batch as a table, in file order.
    ///
    /// Each batch holds the complete records of one block of about `blockBytes` bytes (a block
    /// grows only when a single record is longer). The schema is declared or inferred from the
    /// first block's sample and then fixed: a later value that does not fit is an error (declare
    /// the schema for such files). Categorical codes are per batch (each batch has its own
    /// dictionary), which keeps memory bounded however many distinct values the file has.
    /// - Returns: the total number of data rows.
    /// - Complexity: O(bytes); memory O(blockBytes + one batch).
    @discardableResult
    public static func stream(
        file: String, schema: Schema? = nil, options: CSVOptions = CSVOptions(),
        blockBytes: Int = 64 << 20, _ body: (Table) throws -> Void
    ) throws -> Int {
        try options.validate()
        guard blockBytes >= 1 else {
            throw TabularError.invalidArgument(name: "blockBytes", reason: "must be positive")
        }
        let descriptor = open(file, O_RDONLY)
        if descriptor < 0 { throw TabularError.io(file: file, reason: String(cString: strerror(errno))) }
        defer { _ = close(descriptor) }
        var capacity = blockBytes
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var filled = 0
        var atEOF = false
        var totalRows = 0
        var modes: [ColumnBuilder.Mode] = []
        var header: [String] = []
        var context: Context?
        var lines = 0  // physical lines before buffer[0]
        while true {
            // Fill the buffer.
            while !atEOF, filled < capacity {
                let got = read(descriptor, buffer + filled, capacity - filled)
                if got < 0 {
                    if errno == EINTR { continue }
                    throw TabularError.io(file: file, reason: String(cString: strerror(errno)))
                }
                if got == 0 { atEOF = true } else { filled += got }
            }
            var start = 0
            if context == nil {
                guard filled > 0 else { throw TabularError.emptyInput(file: file) }
                start = skipByteOrderMark(UnsafePointer(buffer), filled)
                guard start < filled else { throw TabularError.emptyInput(file: file) }
                var fresh = Context(
                    base: UnsafePointer(buffer), inputLength: filled, name: file, options: options, lineBase: 0)
                let headerEnd = CSVBoundaries.lastRecordEnd(
                    in: UnsafePointer(buffer), start: start, end: filled, quote: options.quote)
                if headerEnd == nil, !atEOF {  // not even one complete record: grow and read more
                    try grow(&buffer, &capacity, filled)
                    continue
                }
                header = try fresh.readHeader(from: &start, end: filled)
                fresh.columnNames = header
                let sampleEnd =
                    atEOF
                    ? filled
                    : (CSVBoundaries.lastRecordEnd(
                        in: UnsafePointer(buffer), start: start, end: filled, quote: options.quote) ?? start)
                (modes, _) = try fresh.plan(
                    schema: schema, header: header, dataStart: start, end: sampleEnd, widening: false)
                context = fresh
            }
            let regionEnd: Int
            if atEOF {
                regionEnd = filled
            } else if let last = CSVBoundaries.lastRecordEnd(
                in: UnsafePointer(buffer), start: start, end: filled, quote: options.quote)
            {
                regionEnd = last
            } else {
                try grow(&buffer, &capacity, filled)
                continue
            }
            context!.base = UnsafePointer(buffer)
            context!.inputLength = filled
            context!.lineBase = lines
            let outcome = try context!.parseRegion(
                start: start, end: regionEnd, modes: modes, chunkCount: chunkCount(for: regionEnd - start, options))
            if outcome.rows > 0 {
                totalRows += outcome.rows
                try body(Table(uncheckedColumns: outcome.columns, rowCount: outcome.rows))
            }
            if atEOF { break }
            lines += CSVBoundaries.count(10, in: UnsafePointer(buffer), from: 0, to: regionEnd)
            let leftover = filled - regionEnd
            if leftover > 0 { (buffer).update(from: buffer + regionEnd, count: leftover) }
            filled = leftover
        }
        if totalRows == 0 {
            throw options.hasHeader ? TabularError.noDataRows(file: file) : TabularError.emptyInput(file: file)
        }
        return totalRows
    }

    /// Returns to the operating system the memory the reader keeps for reuse between loads: the
    /// hash tables of large categorical dictionaries (at most 512 MiB; see docs/csv.md). Loads
    /// after this call allocate fresh tables again.
    public static func releaseRetainedMemory() {
        SlotTableCache.shared.releaseAll()
    }

    private static func grow(_ buffer: inout UnsafeMutablePointer<UInt8>, _ capacity: inout Int, _ filled: Int) throws {
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
        larger.update(from: buffer, count: filled)
        buffer.deallocate()
        buffer = larger
        capacity *= 2
    }

    static func skipByteOrderMark(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF ? 3 : 0
    }

    static func chunkCount(for bytes: Int, _ options: CSVOptions) -> Int {
        if let forced = options.chunkCount { return forced }
        // One chunk per thread: fewer chunks mean fewer duplicate dictionary entries to merge.
        return max(1, min(options.threads, bytes / (1 << 20)))
    }
}

extension Table {
    /// Loads a CSV file, inferring its schema unless one is declared. See ``CSVReader``.
    /// - Throws: ``TabularError`` naming the file, line and column at fault.
    public init(csv path: String, schema: Schema? = nil, options: CSVOptions = CSVOptions()) throws {
        self = try CSVReader.load(file: path, schema: schema, options: options).table
    }
}

/// State shared by the steps of one read.
struct Context {
    var base: UnsafePointer<UInt8>
    /// Bytes readable at `base`.
    var inputLength: Int
    let name: String
    let options: CSVOptions
    /// Physical lines of the file before `base` (non-zero when streaming).
    var lineBase: Int
    var columnNames: [String] = []

    var nullTokens: [[UInt8]] { options.nullTokens.map { Array($0.utf8) } }

    /// Parses the header (or, without one, peeks at the first record to count columns).
    ///
    /// A small byte loop over the first record only; the fields are unescaped and checked as
    /// UTF-8. Empty names become `column<N>`; duplicate names are an error.
    mutating func readHeader(from start: inout Int, end: Int) throws -> [String] {
        var fields: [[UInt8]] = []
        var p = start
        var inQuotes = false
        var field: [UInt8] = []
        var fieldWasQuoted = false
        while p < end {
            let c = base[p]
            if inQuotes {
                if c == options.quote {
                    if p + 1 < end, base[p + 1] == options.quote {
                        field.append(c)
                        p += 2
                        continue
                    }
                    inQuotes = false
                    p += 1
                    if p < end, !(base[p] == options.separator || base[p] == 10 || base[p] == 13) {
                        throw error(at: p - 1, column: fields.count, .unexpectedQuote)
                    }
                    continue
                }
                field.append(c)
                p += 1
                continue
            }
            if c == options.quote {
                if !field.isEmpty || fieldWasQuoted { throw error(at: p, column: fields.count, .unexpectedQuote) }
                inQuotes = true
                fieldWasQuoted = true
                p += 1
                continue
            }
            if c == options.separator {
                fields.append(field)
                field = []
                fieldWasQuoted = false
                p += 1
                continue
            }
            if c == 10 || (c == 13 && (p + 1 == end || base[p + 1] == 10)) {
                p += c == 13 ? 2 : 1
                break
            }
            field.append(c)
            p += 1
        }
        if inQuotes { throw error(at: start, column: fields.count, .unterminatedQuote) }
        fields.append(field)
        if !options.hasHeader {
            return (1...fields.count).map { "column\($0)" }
        }
        start = min(p, end)
        var names: [String] = []
        var seen = Set<String>()
        for (j, raw) in fields.enumerated() {
            guard raw.withUnsafeBufferPointer({ FieldParsing.isValidUTF8($0.baseAddress ?? base, $0.count) }) else {
                throw TabularError.invalidUTF8(file: name, line: lineBase + 1, column: "column\(j + 1)")
            }
            var text = String(decoding: raw, as: UTF8.self)
            if text.isEmpty { text = "column\(j + 1)" }
            if !seen.insert(text).inserted { throw TabularError.duplicateColumnName(file: name, name: text) }
            names.append(text)
        }
        return names
    }

    /// Chooses each column's builder mode from the declared schema or from a sample.
    func plan(
        schema: Schema?, header: [String], dataStart: Int, end: Int, widening: Bool
    ) throws -> ([ColumnBuilder.Mode], SchemaInference?) {
        if let schema {
            if schema.names != header {
                throw TabularError.headerMismatch(file: name, expected: schema.names, found: header)
            }
            return (schema.fields.map { .parse($0.type, declared: true, nullable: $0.nullable) }, nil)
        }
        var builders = [ColumnBuilder](
            repeating: ColumnBuilder(mode: .infer, output: nil, capacity: 0), count: header.count)
        let sampleRows: Int
        switch parseChunk(from: dataStart, to: end, maxRows: options.inferenceSampleRows, into: &builders) {
        case let .failure(failure): throw self.error(failure)
        case let .success(rows): sampleRows = rows
        }
        let notes = zip(header, builders).map {
            SchemaInference.ColumnNote(name: $0, type: $1.inferredType, nullsInSample: $1.nullsSeen, widenedFrom: nil)
        }
        let inferred = Schema(notes.map { Field($0.name, $0.type, nullable: true) })
        // In streaming mode the inferred types are fixed: a misfit later is an error.
        let modes: [ColumnBuilder.Mode] = notes.map { .parse($0.type, declared: !widening, nullable: true) }
        return (modes, SchemaInference(schema: inferred, sampleRows: sampleRows, columns: notes))
    }

    /// Parses the records in `start..<end` (at most `maxRows`) batch by batch: tokenize a batch,
    /// then convert it column by column. Reports the first error in file order.
    func parseChunk(
        from start: Int, to end: Int, maxRows: Int, into builders: inout [ColumnBuilder]
    ) -> Result<Int, CSVTokenizer.Failure> {
        var tokenizer = CSVTokenizer(
            base: base, inputEnd: inputLength, separator: options.separator, quote: options.quote,
            columnCount: builders.count)
        defer { tokenizer.deallocate() }
        let tokens = nullTokens
        var p = start
        var total = 0
        while p < end && total < maxRows {
            let batch = tokenizer.tokenize(from: p, to: end, maxRows: maxRows - total)
            // The earliest conversion failure of the good rows comes before a tokenizer failure.
            var earliest: (row: Int, column: Int, failure: ColumnBuilder.Failure)?
            for j in builders.indices {
                if let (row, failure) = builders[j].append(
                    batch: tokenizer, rows: batch.rows, column: j, nullTokens: tokens),
                    earliest == nil || row < earliest!.row
                {
                    earliest = (row, j, failure)
                }
            }
            if let earliest {
                let slot = tokenizer.slot(row: earliest.row, column: earliest.column)
                let pointer =
                    slot.arena >= 0
                    ? tokenizer.arena.withUnsafeBufferPointer {
                        Array($0[Int(slot.arena)..<(Int(slot.arena) + Int(slot.length))])
                    }
                    : Array(UnsafeBufferPointer(start: base + slot.offset, count: Int(slot.length)))
                let offset = slot.arena == FieldSlot.unquoted ? slot.offset : slot.offset - 1
                return .failure(
                    CSVTokenizer.Failure(
                        offset: offset, column: earliest.column,
                        kind: .field(earliest.failure, value: Array(pointer.prefix(200)))))
            }
            if let failure = batch.failure { return .failure(failure) }
            total += batch.rows
            if batch.next == p { break }
            p = batch.next
        }
        return .success(total)
    }

    func columnName(_ j: Int) -> String {
        j >= 0 && j < columnNames.count ? columnNames[j] : "column\(j + 1)"
    }

    /// The 1-based physical line of byte `offset` (relative to `base`).
    func line(at offset: Int) -> Int {
        lineBase + 1 + CSVBoundaries.count(10, in: base, from: 0, to: offset)
    }

    func error(_ failure: CSVTokenizer.Failure) -> TabularError {
        error(at: failure.offset, column: failure.column, failure.kind)
    }

    func error(at offset: Int, column: Int, _ kind: CSVTokenizer.Failure.Kind) -> TabularError {
        let line = line(at: offset)
        let columnName = columnName(column)
        switch kind {
        case let .ragged(found): return .raggedRow(file: name, line: line, expected: columnNames.count, found: found)
        case .unterminatedQuote: return .unterminatedQuote(file: name, line: line, column: columnName)
        case .unexpectedQuote: return .unexpectedQuote(file: name, line: line, column: columnName)
        case let .field(failure, value):
            let text = TabularError.excerpt(utf8: value)  // never the whole of a huge field
            switch failure {
            case let .unparsable(type):
                return .unparsableValue(file: name, line: line, column: columnName, value: text, expected: type)
            case .nonFinite: return .nonFiniteValue(file: name, line: line, column: columnName, value: text)
            case .missing: return .missingValue(file: name, line: line, column: columnName)
            case .invalidUTF8: return .invalidUTF8(file: name, line: line, column: columnName)
            }
        }
    }
}
