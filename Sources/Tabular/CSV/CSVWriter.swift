#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Number formatting shared by the CSV writer and ``Column/text(at:)``.
public enum CSVFormatting {
    /// The shortest text that reads back as exactly `value` (Swift's round-trip description).
    public static func format(_ value: Double) -> String { value.description }
}

/// Writes tables as RFC 4180 CSV, streaming: the header once, then the rows of each table
/// passed to ``write(_:)``, through a 1 MiB buffer.
///
/// Fields are quoted only when they contain the separator, the quote, CR or LF, or when a
/// non-missing string is empty or equals a null token (so it reads back as a string, not as a
/// missing value). Missing values are written as empty fields. Output goes to a temporary file
/// beside the destination that replaces it atomically on ``close()``, so a failed write never
/// leaves a half-written file under the requested name; the temporary file is removed when the
/// writer is released unclosed, when ``close()`` fails, and (after
/// ``removeTemporaryFilesOnTerminationSignals()``) when the process gets SIGINT/SIGTERM/SIGHUP.
public final class CSVWriter {
    private let path: String
    private let temporaryPath: String
    private let options: CSVOptions
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private var header: [String]?
    private var closed = false
    /// The write buffer is flushed when it holds this many bytes.
    private let flushBytes: Int

    /// Opens `path` for writing (created or replaced on ``close()``).
    /// - Throws: ``TabularError/io(file:reason:)``.
    public convenience init(path: String, options: CSVOptions = CSVOptions()) throws {
        try self.init(path: path, options: options, permissions: 0o644)
    }

    /// Opens `path` for writing with the file mode `permissions` (before the umask): 0o600 for
    /// files that hold raw rows; the buffer is flushed every `flushBytes` bytes (smaller for
    /// many files open at once).
    init(path: String, options: CSVOptions, permissions: mode_t, flushBytes: Int = 1 << 20) throws {
        self.flushBytes = flushBytes
        try options.validate()
        self.path = path
        self.temporaryPath = path + ".partial-\(getpid())"
        self.options = options
        TemporaryFiles.register(temporaryPath)  // before the file exists: a signal can always find it
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, permissions)
        if descriptor < 0 {
            let reason = String(cString: strerror(errno))
            TemporaryFiles.unregister(temporaryPath)
            throw TabularError.io(file: path, reason: reason)
        }
        buffer.reserveCapacity(flushBytes + 4_096)
    }

    deinit {
        if !closed {
            _ = Glibc.close(descriptor)
            unlink(temporaryPath)
            TemporaryFiles.unregister(temporaryPath)
        }
    }

    /// Appends the rows of `table`; the first call also writes the header.
    /// - Throws: ``TabularError/headerMismatch(file:expected:found:)`` when a later table has
    ///   other columns, ``TabularError/io(file:reason:)`` on a write failure.
    /// - Complexity: O(rows × columns).
    public func write(_ table: Table) throws {
        precondition(!closed, "CSVWriter used after close()")
        let names = table.columnNames
        if let header {
            if header != names { throw TabularError.headerMismatch(file: path, expected: header, found: names) }
        } else {
            header = names
            if options.hasHeader {
                for (i, name) in names.enumerated() {
                    if i > 0 { buffer.append(options.separator) }
                    appendField(name, isMissing: false)
                }
                appendLineEnding()
            }
        }
        for row in 0..<table.rowCount {
            for (i, column) in table.columns.enumerated() {
                if i > 0 { buffer.append(options.separator) }
                appendValue(column, row)
            }
            appendLineEnding()
            if buffer.count >= flushBytes { try flush() }
        }
    }

    /// Flushes, closes and moves the file into place.
    /// - Throws: ``TabularError/io(file:reason:)``.
    public func close() throws {
        guard !closed else { return }
        try flush()
        closed = true
        defer { TemporaryFiles.unregister(temporaryPath) }
        if fsync(descriptor) != 0 || Glibc.close(descriptor) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw TabularError.io(file: path, reason: reason)
        }
        if rename(temporaryPath, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw TabularError.io(file: path, reason: reason)
        }
    }

    /// Writes one table to `path` in one call.
    public static func write(_ table: Table, to path: String, options: CSVOptions = CSVOptions()) throws {
        let writer = try CSVWriter(path: path, options: options)
        try writer.write(table)
        try writer.close()
    }

    private func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { raw in
                Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw TabularError.io(file: path, reason: String(cString: strerror(errno)))
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    private func appendLineEnding() {
        if options.lineEnding == .crlf { buffer.append(13) }
        buffer.append(10)
    }

    private func appendValue(_ column: Column, _ row: Int) {
        guard column.isValid(row) else { return }
        switch column.values {
        case let .int64(v): appendInteger(v[row])
        case let .float64(v): buffer.append(contentsOf: CSVFormatting.format(v[row]).utf8)
        case let .bool(v): buffer.append(contentsOf: v[row] ? Array("true".utf8) : Array("false".utf8))
        case let .categorical(codes, dictionary): appendField(dictionary[Int(codes[row])], isMissing: false)
        case let .date(v): buffer.append(contentsOf: CalendarCodec.formatDate(days: v[row]).utf8)
        case let .timestamp(v): buffer.append(contentsOf: CalendarCodec.formatTimestamp(seconds: v[row]).utf8)
        }
    }

    private func appendInteger(_ value: Int64) {
        if value == 0 {
            buffer.append(48)
            return
        }
        var magnitude = value.magnitude
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            while magnitude > 0 {
                raw[count] = UInt8(48 + magnitude % 10)
                magnitude /= 10
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) { buffer.append(raw[i]) }
        }
    }

    private func appendField(_ text: String, isMissing: Bool) {
        var needsQuotes = text.isEmpty || options.nullTokens.contains(text)
        if !needsQuotes {
            for byte in text.utf8 where byte == options.separator || byte == options.quote || byte == 10 || byte == 13 {
                needsQuotes = true
                break
            }
        }
        guard needsQuotes else {
            buffer.append(contentsOf: text.utf8)
            return
        }
        buffer.append(options.quote)
        for byte in text.utf8 {
            if byte == options.quote { buffer.append(byte) }
            buffer.append(byte)
        }
        buffer.append(options.quote)
    }
}
