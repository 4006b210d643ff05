import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a streaming read (``CSVReader/stream(file:schema:options:columns:blockBytes:restart:progress:onRead:_:)``)
/// has got to.
public struct CSVProgress: Sendable, Equatable {
    /// Bytes of the file consumed so far in this pass (whole records only).
    public var bytesRead: Int
    /// The file's size, when known.
    public var totalBytes: Int?
    /// Data rows read so far in this pass.
    public var rows: Int
    /// The pass (1, or more after a column was widened and the read started again).
    public var pass: Int

    /// A progress report.
    public init(bytesRead: Int, totalBytes: Int?, rows: Int, pass: Int) {
        self.bytesRead = bytesRead
        self.totalBytes = totalBytes
        self.rows = rows
        self.pass = pass
    }
}

/// What ``CSVReader/load(file:schema:options:columns:)`` returns.
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
    ///   - columns: projection: store only these columns (in file order); the others are
    ///     tokenized to find field boundaries but never converted or stored, so a bad value in
    ///     them is no error. `nil` stores every column.
    /// - Throws: ``TabularError`` naming the file, line and column at fault.
    /// - Complexity: O(bytes) work, spread over ``CSVOptions/threads`` cores; memory is the
    ///   mapped file plus the (projected) table.
    public static func load(
        file: String, schema: Schema? = nil, options: CSVOptions = CSVOptions(), columns: [String]? = nil
    ) throws -> CSVLoadResult {
        try options.validate()
        let input = try MappedFile(path: file)
        return try input.withBytes { bytes in
            try load(bytes: bytes, name: file, schema: schema, options: options, columns: columns)
        }
    }

    /// Loads CSV from bytes in memory; `name` is used in error messages; `columns` projects as
    /// in ``load(file:schema:options:columns:)``.
    public static func load(
        bytes: UnsafeBufferPointer<UInt8>, name: String = "<memory>", schema: Schema? = nil,
        options: CSVOptions = CSVOptions(), columns: [String]? = nil
    ) throws -> CSVLoadResult {
        try options.validate()
        guard let base = bytes.baseAddress, !bytes.isEmpty else { throw TabularError.emptyInput(file: name) }
        var context = Context(base: base, inputLength: bytes.count, name: name, options: options, lineBase: 0)
        var start = skipByteOrderMark(base, bytes.count)
        let end = bytes.count
        guard start < end else { throw TabularError.emptyInput(file: name) }
        let header = try context.readHeader(from: &start, end: end)
        context.columnNames = header
        let stored = try context.projection(columns, header: header)
        var (modes, inference) = try context.plan(
            schema: schema, header: header, dataStart: start, end: end, widening: true, stored: stored)
        // The inference's notes describe the stored columns: note index of each file column.
        let noteIndex = Dictionary(uniqueKeysWithValues: (stored ?? Array(header.indices)).enumerated().map { ($1, $0) })
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
                let n = noteIndex[j]!
                if inference!.columns[n].widenedFrom == nil {
                    inference!.columns[n].widenedFrom = inference!.columns[n].type
                }
                inference!.columns[n].type = type
                modes[j] = .parse(type, declared: false, nullable: true)
            }
        }
    }

    /// Reads a CSV file of any size in batches with bounded memory, calling `body` with each
    /// batch as a table, in file order.
    ///
    /// Each batch holds the complete records of one block of about `blockBytes` bytes (a block
    /// grows only when a single record is longer). Categorical codes are per batch (each batch
    /// has its own dictionary), which keeps memory bounded however many distinct values the
    /// file has.
    ///
    /// Types are declared by `schema`, or inferred from the first block's sample. Without
    /// `restart`, inferred types are then fixed: a later value that does not fit is an error.
    /// With `restart`, a misfit widens the column as ``load(file:schema:options:columns:)``
    /// does (int64 → float64 → categorical) and the read starts again from the first record:
    /// `restart` is called first (the caller drops what it accumulated), then `body` sees every
    /// batch again with the wider types. The final types are then exactly those of
    /// ``load(file:schema:options:columns:)``: each column's narrowest type that fits every value.
    ///
    /// - Parameters:
    ///   - columns: projection, as in ``load(file:schema:options:columns:)``.
    ///   - blockBytes: the read buffer's size (the memory of one batch is proportional to it).
    ///   - restart: called before the read starts again after a widening; `nil` makes a misfit an error.
    ///   - progress: called after each batch with the bytes and rows read so far.
    ///   - onRead: called with every chunk of the file's bytes as it is read, in order, each
    ///     byte once per pass (a pass that widens stops early; `restart` is called before the
    ///     next starts from the first byte). For a digest of exactly the bytes parsed.
    /// - Returns: the total number of data rows.
    /// - Throws: ``TabularError`` naming the file, line and column at fault (errors from `body`,
    ///   `restart` and `progress` pass through).
    /// - Complexity: O(bytes) per pass (a widening adds a pass); memory O(blockBytes + one batch).
    @discardableResult
    public static func stream(
        file: String, schema: Schema? = nil, options: CSVOptions = CSVOptions(), columns: [String]? = nil,
        blockBytes: Int = 64 << 20, restart: (() throws -> Void)? = nil,
        progress: ((CSVProgress) -> Void)? = nil, onRead: ((UnsafeRawBufferPointer) -> Void)? = nil,
        _ body: (Table) throws -> Void
    ) throws -> Int {
        try options.validate()
        guard blockBytes >= 1 else {
            throw TabularError.invalidArgument(name: "blockBytes", reason: "must be positive")
        }
        let descriptor = open(file, O_RDONLY)
        if descriptor < 0 { throw TabularError.io(file: file, reason: String(cString: strerror(errno))) }
        defer { _ = close(descriptor) }
        var fileStatus = stat()
        let isRegular = fstat(descriptor, &fileStatus) == 0 && (fileStatus.st_mode & S_IFMT) == S_IFREG
        let totalBytes = isRegular ? Int(fileStatus.st_size) : nil
        _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)  // a larger read-ahead window
        var capacity = blockBytes
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var modes: [ColumnBuilder.Mode] = []
        var passes = 0
        while true {
            passes += 1
            let outcome = try streamPass(
                descriptor: descriptor, file: file, schema: schema, options: options, columns: columns,
                buffer: &buffer, capacity: &capacity, modes: &modes, widening: restart != nil, onRead: onRead,
                report: { bytes, rows in
                    progress?(CSVProgress(bytesRead: bytes, totalBytes: totalBytes, rows: rows, pass: passes))
                }, body)
            switch outcome {
            case let .finished(rows):
                if rows == 0 {
                    throw options.hasHeader ? TabularError.noDataRows(file: file) : TabularError.emptyInput(file: file)
                }
                return rows
            case .widened:
                if lseek(descriptor, 0, SEEK_SET) != 0 {
                    if errno == ESPIPE {
                        throw TabularError.io(
                            file: file,
                            reason:
                                "a value later in the input does not fit a column's type inferred from the first block, and widening it needs a second pass, but the input is a pipe (not seekable): read from a regular file"
                        )
                    }
                    throw TabularError.io(file: file, reason: String(cString: strerror(errno)))
                }
                try restart!()
            }
        }
    }

    private enum PassOutcome {
        case finished(rows: Int)
        case widened
    }

    /// One pass of ``stream(file:schema:options:columns:blockBytes:restart:progress:onRead:_:)`` from
    /// the start of the file. `modes` is empty on the first pass (planned from the first block)
    /// and keeps the widened modes for the next.
    private static func streamPass(
        descriptor: Int32, file: String, schema: Schema?, options: CSVOptions, columns: [String]?,
        buffer: inout UnsafeMutablePointer<UInt8>, capacity: inout Int, modes: inout [ColumnBuilder.Mode],
        widening: Bool, onRead: ((UnsafeRawBufferPointer) -> Void)?, report: (Int, Int) -> Void,
        _ body: (Table) throws -> Void
    ) throws -> PassOutcome {
        var filled = 0
        var atEOF = false
        var totalRows = 0
        var bytesConsumed = 0
        var context: Context?
        var lines = 0  // physical lines before buffer[0]
        var fileOffset = 0  // bytes read from the file so far in this pass
        while true {
            // Fill the buffer.
            while !atEOF, filled < capacity {
                let got = read(descriptor, buffer + filled, capacity - filled)
                if got < 0 {
                    if errno == EINTR { continue }
                    throw TabularError.io(file: file, reason: String(cString: strerror(errno)))
                }
                if got == 0 {
                    atEOF = true
                } else {
                    onRead?(UnsafeRawBufferPointer(start: buffer + filled, count: got))
                    filled += got
                }
                fileOffset += max(got, 0)
            }
            // Ask the kernel to read the next block while this one is parsed (a file not in the
            // page cache then streams at the disk's speed and the parser's at once). Advice only:
            // pipes and failures are ignored.
            if !atEOF { _ = posix_fadvise(descriptor, off_t(fileOffset), off_t(capacity), POSIX_FADV_WILLNEED) }
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
                let header = try fresh.readHeader(from: &start, end: filled)
                fresh.columnNames = header
                if modes.isEmpty {
                    let sampleEnd =
                        atEOF
                        ? filled
                        : (CSVBoundaries.lastRecordEnd(
                            in: UnsafePointer(buffer), start: start, end: filled, quote: options.quote) ?? start)
                    let stored = try fresh.projection(columns, header: header)
                    (modes, _) = try fresh.plan(
                        schema: schema, header: header, dataStart: start, end: sampleEnd, widening: widening,
                        stored: stored)
                }
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
            if !outcome.widen.isEmpty {
                for (j, type) in outcome.widen { modes[j] = .parse(type, declared: false, nullable: true) }
                return .widened
            }
            bytesConsumed += regionEnd
            if outcome.rows > 0 {
                totalRows += outcome.rows
                try body(Table(uncheckedColumns: outcome.columns, rowCount: outcome.rows))
            }
            report(bytesConsumed, totalRows)
            if atEOF { return .finished(rows: totalRows) }
            lines += CSVBoundaries.count(10, in: UnsafePointer(buffer), from: 0, to: regionEnd)
            let leftover = filled - regionEnd
            if leftover > 0 { (buffer).update(from: buffer + regionEnd, count: leftover) }
            filled = leftover
        }
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
        self = try CSVReader.load(file: path, schema: schema, options: options, columns: nil).table
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
    ///
    /// With a projection (`stored`, the file indices of the columns to store), the other
    /// columns get the `.skip` mode: never inferred, converted or stored. The inference then
    /// describes the stored columns only, in file order.
    func plan(
        schema: Schema?, header: [String], dataStart: Int, end: Int, widening: Bool, stored: [Int]? = nil
    ) throws -> ([ColumnBuilder.Mode], SchemaInference?) {
        let isStored: [Bool] =
            stored.map { list in
                var flags = [Bool](repeating: false, count: header.count)
                for j in list { flags[j] = true }
                return flags
            } ?? [Bool](repeating: true, count: header.count)
        if let schema {
            if schema.names != header {
                throw TabularError.headerMismatch(file: name, expected: schema.names, found: header)
            }
            return (
                schema.fields.enumerated().map { j, field in
                    isStored[j] ? .parse(field.type, declared: true, nullable: field.nullable) : .skip
                }, nil
            )
        }
        var builders = isStored.map { ColumnBuilder(mode: $0 ? .infer : .skip, output: nil, capacity: 0) }
        let sampleRows: Int
        switch parseChunk(from: dataStart, to: end, maxRows: options.inferenceSampleRows, into: &builders) {
        case let .failure(failure): throw self.error(failure)
        case let .success(rows): sampleRows = rows
        }
        let notes = header.indices.filter { isStored[$0] }.map { j in
            SchemaInference.ColumnNote(
                name: header[j], type: builders[j].inferredType, nullsInSample: builders[j].nullsSeen, widenedFrom: nil)
        }
        let inferred = Schema(notes.map { Field($0.name, $0.type, nullable: true) })
        // In streaming mode the inferred types are fixed unless the caller restarts on a
        // widening (see `CSVReader.stream`).
        var modes = [ColumnBuilder.Mode](repeating: .skip, count: header.count)
        for (note, j) in zip(notes, header.indices.filter { isStored[$0] }) {
            modes[j] = .parse(note.type, declared: !widening, nullable: true)
        }
        return (modes, SchemaInference(schema: inferred, sampleRows: sampleRows, columns: notes))
    }

    /// The file indices of the projected columns `names` (in file order), or `nil` for all.
    /// - Throws: ``TabularError/columnNotFound(name:available:)`` for a name not in the header.
    func projection(_ names: [String]?, header: [String]) throws -> [Int]? {
        guard let names else { return nil }
        var indices: [Int] = []
        for name in names {
            guard let j = header.firstIndex(of: name) else {
                throw TabularError.columnNotFound(name: name, available: header)
            }
            if !indices.contains(j) { indices.append(j) }
        }
        return indices.sorted()
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
