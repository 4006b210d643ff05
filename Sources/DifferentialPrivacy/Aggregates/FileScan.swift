public import Tabular
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a query reads a CSV file that may be larger than memory (see
/// ``DPQuery/partial(overFile:options:)``).
public struct FileScanOptions: Sendable {
    /// The file's layout (separator, quoting, null tokens).
    public var csv: CSVOptions
    /// The memory the scan may use for its state and buffers, in bytes (default 256 MiB,
    /// at least 16 MiB). The read buffer is an eighth of it (1 … 64 MiB); partial state and
    /// spilled buckets are held to a quarter each. The process's own code and runtime come on
    /// top (about 30 MiB for the CLI).
    public var memoryLimit: Int
    /// Where rows spilled for contribution bounding go (the platform's work area); `nil` for
    /// `$TMPDIR`. The files are the caller's raw rows: owner-only, deleted after use.
    public var workDirectory: String?
    /// Called after each block read, with the bytes and rows read so far.
    public var progress: (@Sendable (CSVProgress) -> Void)?
    /// Called with every chunk of the file's bytes as the scan reads them, in order, each byte
    /// once per pass; ``onRestart`` is called before a pass starts again from the first byte (a
    /// column was widened). The bytes seen by the last pass are exactly the bytes the partial was
    /// computed from: the ledger hashes them to check the file against its registered digest
    /// without reading it twice. Spill files are not the source and are not passed.
    public var onRead: (@Sendable (UnsafeRawBufferPointer) -> Void)?
    /// Called before the scan reads the file again from its first byte (see ``onRead``).
    public var onRestart: (@Sendable () -> Void)?
    /// Whether state whose size depends on the data (keys found by partition selection, the
    /// rows of the units in one spill bucket) is refused when it outgrows the limit (`true`,
    /// the default, for a steward's own files), or allowed to exceed it (`false`).
    ///
    /// A release from data the caller may not read must use `false`: a refusal that depends on
    /// how many keys or rows the data hold is an output without noise, and an operator who
    /// chooses the limit could learn from it whether a fresh key is present. The ledger's
    /// release over a file (behind its gate) sets it. Declared keys are refused either way
    /// (their number is the query's, not the data's).
    public var refusesDataDependentState = true

    /// The default memory limit: 256 MiB.
    public static let defaultMemoryLimit = 256 << 20
    /// The smallest memory limit accepted: 16 MiB.
    public static let minimumMemoryLimit = 16 << 20

    /// Options for a scan within `memoryLimit` bytes.
    public init(
        csv: CSVOptions = CSVOptions(), memoryLimit: Int = FileScanOptions.defaultMemoryLimit,
        workDirectory: String? = nil, progress: (@Sendable (CSVProgress) -> Void)? = nil
    ) {
        self.csv = csv
        self.memoryLimit = memoryLimit
        self.workDirectory = workDirectory
        self.progress = progress
    }

    /// Test seam: a read buffer other than the limit's (small, to make many blocks of a small file).
    var blockBytesForTesting: Int?
    /// Test seam: the largest file bounded per privacy unit in memory (0 forces a spill).
    var inMemoryUnitBytesForTesting: Int?

    /// The read buffer: an eighth of the limit, within 1 … 64 MiB.
    public var blockBytes: Int { blockBytesForTesting ?? min(64 << 20, max(1 << 20, memoryLimit / 8)) }
    /// Files up to this size are bounded per privacy unit in memory: a quarter of the limit.
    var inMemoryUnitBytes: Int { inMemoryUnitBytesForTesting ?? memoryLimit / 4 }

    /// Checks the limit.
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)``.
    public func validate() throws(DifferentialPrivacyError) {
        guard memoryLimit >= Self.minimumMemoryLimit else {
            throw .invalidParameter(
                name: "memory limit", value: "\(memoryLimit) bytes", reason: "must be at least 16 MiB")
        }
    }
}

/// What ``DPQuery/partial(overFile:options:)`` returns: the partial and what the scan read.
public struct FileScanResult: Sendable {
    /// The noise-free partial (not a release).
    public var partial: QueryPartial
    /// Data rows read.
    public var rows: Int
    /// Bytes of the file (its size).
    public var bytes: Int
    /// Spill buckets written for contribution bounding (0: the scan ran in memory).
    public var spillBuckets: Int
}

extension DPQuery {
    /// Computes this query's partial over a CSV file of any size within a memory limit:
    /// the same partial, bit for bit, as ``partial(over:chunkCount:)`` over the whole file
    /// loaded as a table (for contribution bounding: the same distribution, since the rows a
    /// unit keeps are chosen at random either way).
    ///
    /// - The reader stores only the columns the query reads (``columnsRead``); the others are
    ///   tokenized to find field boundaries and never converted.
    /// - Without a privacy unit the file is read block by block; each block's partial is
    ///   merged into the total (partials are integer sums: merging is exact).
    /// - With a privacy unit every unit's rows must be seen together. A file of at most a
    ///   quarter of the limit is loaded whole (projected). A larger one is hash-partitioned by
    ///   unit into spill files in ``FileScanOptions/workDirectory`` (one pass), and each bucket
    ///   is then loaded and bounded alone; the files are deleted after.
    /// - Column types are inferred as the whole-file reader infers them: a value that does not
    ///   fit widens its column and the scan starts again (an extra pass).
    ///
    /// - Throws: ``DifferentialPrivacyError`` as ``partial(over:chunkCount:)``, and
    ///   ``DifferentialPrivacyError/memoryLimitExceeded(what:limit:)`` before any release when
    ///   the declared keys would not fit the limit, and — unless
    ///   ``FileScanOptions/refusesDataDependentState`` is `false` — when the keys seen in the
    ///   data for partition selection or one spill bucket would not; ``TabularError`` for a
    ///   file that cannot be read.
    /// - Complexity: O(bytes) (twice with a spill); memory O(limit).
    public func partial(overFile path: String, options: FileScanOptions = FileScanOptions()) throws -> FileScanResult {
        try validate()
        try options.validate()
        let limit = options.memoryLimit
        // The partial's state: one cell per key in the total, the block's partial and each of
        // its chunks' (one per core).
        let cores = ProcessorInfo.activeCores
        let cellBytes = 64 + (statistic == .quantiles ? QueryPartial.quantileBinCount * 8 : 0)
        let keyLimit = max(1, (limit / 4) / (cellBytes * (cores + 2)))
        let refusesData = options.refusesDataDependentState
        func checkKeys(_ count: Int) throws(DifferentialPrivacyError) {
            guard count <= keyLimit || !refusesData else {
                throw .memoryLimitExceeded(
                    what: "the partial of more than \(keyLimit) keys of '\(groupBy ?? "")'", limit: limit)
            }
        }
        if case let .declared(list) = keys, list.count > keyLimit {
            throw DifferentialPrivacyError.memoryLimitExceeded(
                what: "the partial of \(list.count) declared keys", limit: limit)
        }
        let bytes = try Self.fileSize(path)
        let columns = columnsRead

        if contribution.privacyUnit != nil {
            if bytes <= options.inMemoryUnitBytes {
                let table = try Self.loadWhole(path, options: options, columns: columns)
                options.progress?(CSVProgress(bytesRead: bytes, totalBytes: bytes, rows: table.rowCount, pass: 1))
                let partial = try partial(over: table)
                try checkKeys(partial.keys.count)
                return FileScanResult(partial: partial, rows: table.rowCount, bytes: bytes, spillBuckets: 0)
            }
            return try spilledPartial(
                path: path, bytes: bytes, columns: columns, options: options, checkKeys: checkKeys)
        }

        var total: QueryPartial?
        var deferred = DeferredRefusal()
        let rows = try CSVReader.stream(
            file: path, options: options.csv, columns: columns, blockBytes: options.blockBytes,
            restart: {
                total = nil
                deferred = DeferredRefusal()
                options.onRestart?()
            }, progress: options.progress, onRead: options.onRead
        ) { block in
            try deferred.attempt {
                let part = try partial(over: block, chunkCount: cores)
                total = try total.map { total throws(DifferentialPrivacyError) in try total.merging(part) } ?? part
                try checkKeys(total!.keys.count)
            }
        }
        try deferred.throwIfAny()
        return FileScanResult(partial: total!, rows: rows, bytes: bytes, spillBuckets: 0)
    }

    /// A refusal met while a pass is still running, kept until the pass ends: a later block
    /// may widen a column's type and restart the scan (a grouping column that looked like dates
    /// in the first block and holds text later, say), and the whole-file query, which sees the
    /// final types only, would not refuse. Blocks after a refusal are read but not aggregated.
    /// Errors writing spill files are not deferred.
    struct DeferredRefusal {
        private(set) var error: (any Error)?

        mutating func attempt(_ body: () throws -> Void) throws {
            guard error == nil else { return }
            do { try body() } catch let failure as TabularError {
                if case .io = failure { throw failure }
                error = failure
            } catch {
                self.error = error
            }
        }

        func throwIfAny() throws {
            if let error { throw error }
        }
    }

    /// The privacy-unit scan of a file larger than a quarter of the limit: one streaming pass
    /// hash-partitions the projected rows by unit into spill buckets, then each bucket (every
    /// row of its units) is bounded and aggregated alone, and the partials merged.
    private func spilledPartial(
        path: String, bytes: Int, columns: [String], options: FileScanOptions,
        checkKeys: (Int) throws(DifferentialPrivacyError) -> Void
    ) throws -> FileScanResult {
        let limit = options.memoryLimit
        let unit = contribution.privacyUnit!
        // A bucket holds at most a quarter of the limit if the projected rows are no larger
        // than the file; the buckets' write buffers take at most an eighth of the limit.
        let wanted = (bytes + limit / 4 - 1) / (limit / 4)
        let affordable = max(2, (limit / 8) / HashPartitionSpill.bufferBytes)
        let buckets = min(HashPartitionSpill.maximumBuckets, affordable, max(2, wanted))
        var spill = try HashPartitionSpill(directory: options.workDirectory, buckets: buckets, keyColumn: unit)
        var deferred = DeferredRefusal()
        let rows = try CSVReader.stream(
            file: path, options: options.csv, columns: columns, blockBytes: options.blockBytes,
            restart: {
                spill = try HashPartitionSpill(directory: options.workDirectory, buckets: buckets, keyColumn: unit)
                deferred = DeferredRefusal()
                options.onRestart?()
            }, progress: options.progress, onRead: options.onRead
        ) { block in try deferred.attempt { try spill.append(block) } }
        try deferred.throwIfAny()
        var total: QueryPartial?
        do {
            try spill.forEachBucket(maximumBytes: options.refusesDataDependentState ? limit / 4 : .max) { table in
                let part = try partial(over: table)
                total = try total.map { total throws(DifferentialPrivacyError) in try total.merging(part) } ?? part
                try checkKeys(total!.keys.count)
            }
        } catch let TabularError.invalidArgument(name, _) where name == "memory limit" {
            throw DifferentialPrivacyError.memoryLimitExceeded(
                what: "the rows of the privacy units in one spill bucket of '\(unit)'", limit: limit)
        }
        // No rows in any bucket cannot happen (the stream refuses a file without data rows),
        // but an empty total would be a bug: fail loudly rather than release nothing.
        guard let total else { preconditionFailure("a spilled scan of \(rows) rows produced no partial") }
        return FileScanResult(partial: total, rows: rows, bytes: bytes, spillBuckets: buckets)
    }

    /// The file loaded whole (projected). Mapped, unless ``FileScanOptions/onRead`` must see the
    /// bytes: then read into memory first, so the bytes parsed are the bytes it saw (a mapped file
    /// could change between the two).
    static func loadWhole(_ path: String, options: FileScanOptions, columns: [String]) throws -> Table {
        guard let onRead = options.onRead else {
            return try CSVReader.load(file: path, options: options.csv, columns: columns).table
        }
        let descriptor = open(path, O_RDONLY)
        if descriptor < 0 { throw TabularError.io(file: path, reason: String(cString: strerror(errno))) }
        defer { _ = close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw TabularError.io(file: path, reason: String(cString: strerror(errno)))
            }
            if got == 0 { break }
            chunk.withUnsafeBytes { onRead(UnsafeRawBufferPointer(rebasing: $0[..<got])) }
            bytes.append(contentsOf: chunk[..<got])
        }
        return try bytes.withUnsafeBufferPointer { buffer in
            try CSVReader.load(bytes: buffer, name: path, options: options.csv, columns: columns).table
        }
    }

    static func fileSize(_ path: String) throws -> Int {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw TabularError.io(file: path, reason: String(cString: strerror(errno)))
        }
        return Int(status.st_size)
    }
}
