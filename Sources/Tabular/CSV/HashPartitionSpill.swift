#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Rows of a table stream hash-partitioned by one key column into temporary CSV files, so that
/// every row with the same key ends up in the same bucket, and each bucket can then be loaded
/// alone: the bounded-memory way to process "all rows of one key together" (contribution
/// bounding per privacy unit) on a file larger than memory.
///
/// - The files are created in `directory` (the platform's work area, or `$TMPDIR`), named
///   `privacykernel-spill-<pid>-<random>-<bucket>.csv`, readable by the owner only (they hold
///   raw rows). Every file is deleted after its bucket was read, when the spill is released
///   unused, and — after ``CSVWriter/removeTemporaryFilesOnTerminationSignals()`` — on SIGINT,
///   SIGTERM and SIGHUP.
/// - The bucket of a key is a seeded hash of its value (its text for categorical columns, its
///   number for integers), random per spill: which rows share a bucket is never predictable
///   from outside, and does not change any result.
/// - Values round-trip exactly: buckets are written with ``CSVWriter`` and read back with the
///   tables' own schema declared (doubles in their shortest exact form, missing values empty,
///   empty strings quoted).
///
/// Memory: one write buffer (``bufferBytes``) per bucket while appending, plus the rows of one
/// appended table; one bucket's table while reading.
public final class HashPartitionSpill {
    /// The bucket files.
    public let paths: [String]
    private let keyColumn: String
    private var writers: [CSVWriter?]
    private var schema: Schema?
    private var seed: Hasher
    private var finished = false
    /// Rows written to each bucket so far.
    public private(set) var rowsPerBucket: [Int]

    /// The most buckets a spill may have (each holds an open file and a write buffer).
    public static let maximumBuckets = 64
    /// Each bucket's write buffer: 64 KiB (a spill of 64 buckets buffers 4 MiB).
    public static let bufferBytes = 64 << 10

    /// Creates `buckets` empty bucket files in `directory`.
    ///
    /// - Parameters:
    ///   - directory: where the files go; `nil` for `$TMPDIR` (or `/tmp`).
    ///   - buckets: 1 … ``maximumBuckets``.
    ///   - keyColumn: the column whose value chooses the bucket (categorical, int64 or bool).
    /// - Throws: ``TabularError/invalidArgument(name:reason:)`` for a bucket count out of range,
    ///   ``TabularError/io(file:reason:)`` when a file cannot be created.
    public init(directory: String?, buckets: Int, keyColumn: String) throws {
        guard (1...Self.maximumBuckets).contains(buckets) else {
            throw TabularError.invalidArgument(name: "buckets", reason: "must be in 1 … \(Self.maximumBuckets)")
        }
        let base = directory ?? (getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp")
        var tag = UInt64(0)
        while tag == 0 { tag = UInt64.random(in: 1 ... .max) }
        let stem = "\(base)/privacykernel-spill-\(getpid())-\(String(tag, radix: 36))"
        paths = (0..<buckets).map { "\(stem)-\($0).csv" }
        self.keyColumn = keyColumn
        writers = []
        rowsPerBucket = [Int](repeating: 0, count: buckets)
        seed = Hasher()
        seed.combine(tag)
        for path in paths {
            TemporaryFiles.register(path)  // before it exists: a signal can always find it
            // Raw rows: owner-only files.
            do {
                writers.append(
                    try CSVWriter(
                        path: path, options: CSVOptions(), permissions: 0o600, flushBytes: Self.bufferBytes))
            } catch {
                removeAll()
                throw error
            }
        }
    }

    deinit { removeAll() }

    /// Appends the rows of `table` to their buckets.
    ///
    /// - Throws: ``TabularError/columnNotFound(name:available:)`` when the key column is
    ///   missing, ``TabularError/typeMismatch(column:expected:actual:)`` when it is not
    ///   categorical, int64 or bool, ``TabularError/headerMismatch(file:expected:found:)``
    ///   when tables disagree on their columns, ``TabularError/io(file:reason:)``.
    /// - Complexity: O(rows × columns).
    public func append(_ table: Table) throws {
        precondition(!finished, "HashPartitionSpill.append after the buckets were read")
        guard let key = table[keyColumn] else {
            throw TabularError.columnNotFound(name: keyColumn, available: table.columnNames)
        }
        if let schema {
            if schema.names != table.columnNames || schema.fields.map(\.type) != table.columns.map(\.type) {
                throw TabularError.headerMismatch(file: paths[0], expected: schema.names, found: table.columnNames)
            }
        } else {
            schema = Schema(table.columns.map { Field($0.name, $0.type, nullable: true) })
        }
        let bucketCount = paths.count
        func bucket(_ hash: Int) -> Int { Int(UInt(bitPattern: hash) % UInt(bucketCount)) }
        var rows = [[Int]](repeating: [], count: bucketCount)
        switch key.values {
        case let .categorical(codes, dictionary):
            let bucketOfCode = dictionary.map { text -> Int in
                var hasher = seed
                hasher.combine(text)
                return bucket(hasher.finalize())
            }
            for (row, code) in codes.enumerated() { rows[bucketOfCode[Int(code)]].append(row) }
        case let .int64(values):
            for (row, value) in values.enumerated() {
                var hasher = seed
                hasher.combine(value)
                rows[bucket(hasher.finalize())].append(row)
            }
        case let .bool(values):
            for (row, value) in values.enumerated() { rows[value ? 1 % bucketCount : 0].append(row) }
        default:
            throw TabularError.typeMismatch(column: keyColumn, expected: .categorical, actual: key.type)
        }
        for (index, list) in rows.enumerated() where !list.isEmpty {
            try writers[index]!.write(try table.gathering(rows: list))
            rowsPerBucket[index] += list.count
        }
    }

    /// Closes the files and calls `body` with each non-empty bucket's table, one at a time,
    /// deleting each file once read. Call it once.
    ///
    /// - Parameter maximumBytes: a bucket file larger than this is not loaded: the call throws
    ///   ``TabularError/invalidArgument(name:reason:)`` (name `memory limit`) instead, so the
    ///   caller's memory limit holds.
    /// - Throws: the errors of ``CSVReader`` and of `body`.
    public func forEachBucket(maximumBytes: Int = .max, _ body: (Table) throws -> Void) throws {
        precondition(!finished, "HashPartitionSpill.forEachBucket called twice")
        finished = true
        defer { removeAll() }
        for index in writers.indices {
            try writers[index]!.close()
            writers[index] = nil
        }
        guard let schema else { return }
        for (index, path) in paths.enumerated() where rowsPerBucket[index] > 0 {
            var status = stat()
            if stat(path, &status) == 0, Int(status.st_size) > maximumBytes {
                throw TabularError.invalidArgument(
                    name: "memory limit",
                    reason:
                        "the rows of the keys that share one spill bucket need more than \(maximumBytes >> 20) MiB; raise the memory limit"
                )
            }
            let table = try CSVReader.load(file: path, schema: schema).table
            unlink(path)
            TemporaryFiles.unregister(path)
            try body(table)
        }
    }

    /// Deletes every bucket file (and the writers' partial files).
    private func removeAll() {
        for index in writers.indices { writers[index] = nil }  // an unclosed writer removes its partial file
        for path in paths {
            unlink(path)
            TemporaryFiles.unregister(path)
        }
    }
}
