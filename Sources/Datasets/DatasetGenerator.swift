public import Tabular
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A deterministic, seeded generator of one domain's synthetic microdata.
///
/// **Determinism.** Every row is drawn from its own random stream, keyed by
/// (seed, domain, row index); entities that recur across rows (transit cards, patients,
/// visitors) draw their fixed attributes from streams keyed by (seed, domain, entity index).
/// Population sizes depend only on `totalRows`. So the bytes written for a given
/// (domain, totalRows, seed) are identical whatever the block size or the number of threads,
/// and any block can be generated alone, on any core, in any order.
///
/// **Memory.** ``generate(blockRows:threads:_:)`` keeps at most two waves of `threads`
/// blocks in memory, so 10 million rows stream in a few tens of megabytes.
///
/// ```swift
/// **Limits.** At most ``maximumRows`` rows (10¹⁰, about 1.2 TB of transport CSV): every
/// row-index and block computation fits in 64 bits far below it, and a larger request is refused
/// by ``init(domain:seed:totalRows:)`` before anything is allocated or written.
///
/// ```swift
/// let generator = try DatasetGenerator(domain: .transport, seed: 42, totalRows: 1_000_000)
/// try generator.write(to: "transport.csv")
/// ```
public struct DatasetGenerator: Sendable {
    /// The domain generated.
    public let domain: Domain
    /// The seed; different seeds give different data.
    public let seed: UInt64
    /// The total number of rows of the dataset (it sizes entity populations).
    public let totalRows: Int
    /// The default number of rows per block.
    public static let defaultBlockRows = 65_536
    /// The largest block accepted by ``generate(blockRows:threads:_:)``: 2²⁴ rows (a block is
    /// held in memory, about 2 × threads blocks at a time).
    public static let maximumBlockRows = 1 << 24
    /// The largest `totalRows` accepted: 10¹⁰ rows (about 1.2 TB of transport CSV). Far below
    /// it, `totalRows + blockRows` and every row index stay well inside `Int`, and entity
    /// populations (≤ totalRows) stay inside the 48-bit pseudonym space.
    public static let maximumRows = 10_000_000_000

    private let model: any DomainModel

    /// Prepares a generator of `totalRows` rows of `domain` from `seed`.
    /// - Throws: ``DatasetError/rowsOutOfRange(requested:maximum:)`` when `totalRows` is
    ///   negative or above ``maximumRows``; nothing is allocated then.
    /// - Complexity: O(size of the domain's fixed geography), independent of `totalRows`.
    public init(domain: Domain, seed: UInt64, totalRows: Int) throws(DatasetError) {
        guard totalRows >= 0 && totalRows <= Self.maximumRows else {
            throw .rowsOutOfRange(requested: totalRows, maximum: Self.maximumRows)
        }
        self.domain = domain
        self.seed = seed
        self.totalRows = totalRows
        self.model = domain.model.init(seed: SyntheticRNG.mix(seed, domain.key), totalRows: totalRows)
    }

    /// The schema of every table this generator produces (equal to `domain.schema`).
    public var schema: Schema { domain.schema }

    /// The rows at global indices `range` (clamped to `0..<totalRows`) as a table.
    /// - Complexity: O(range.count).
    public func rows(_ range: Range<Int>) -> Table {
        let clamped = range.clamped(to: 0..<totalRows)
        // The model's columns always match the schema in count and length.
        return try! Table(columns: model.rows(clamped))
    }

    /// Block `index` of `blockRows` rows (the last block may be shorter; past the end, empty).
    public func block(index: Int, blockRows: Int = DatasetGenerator.defaultBlockRows) -> Table {
        precondition(index >= 0 && blockRows > 0)
        let start = index.multipliedReportingOverflow(by: blockRows)
        if start.overflow || start.partialValue >= totalRows { return rows(totalRows..<totalRows) }
        return rows(start.partialValue..<min(totalRows, start.partialValue + blockRows))
    }

    /// Generates all rows block by block, calling `sink` with each block in order on the
    /// calling thread. Blocks are generated `threads` at a time in parallel, one wave ahead of
    /// the sink, so memory stays bounded by about `2 × threads × blockRows` rows.
    /// - Parameters:
    ///   - blockRows: rows per block (does not change the data), in `1...maximumBlockRows`.
    ///   - threads: worker threads (does not change the data); defaults to the active cores.
    ///   - sink: receives the blocks in row order; an error stops generation and is rethrown.
    public func generate(
        blockRows: Int = DatasetGenerator.defaultBlockRows, threads: Int? = nil,
        _ sink: (Table) throws -> Void
    ) throws {
        let workers = try Self.validate(blockRows: blockRows, threads: threads)
        // Rounded-up division without `totalRows + blockRows - 1`, which overflows for huge blocks.
        let blockCount = totalRows / blockRows + (totalRows % blockRows == 0 ? 0 : 1)
        if blockCount == 0 { return }
        if workers == 1 {
            for b in 0..<blockCount { try sink(block(index: b, blockRows: blockRows)) }
            return
        }
        let generator = self
        /// Generates blocks `first..<first+count` in parallel.
        func launch(_ first: Int) -> Wave {
            let wave = Wave(first: first, count: min(workers, blockCount - first))
            let group = DispatchGroup()
            DispatchQueue.global().async(group: group) {
                ParallelChunks.forEach(wave.count) { i in
                    wave.store(generator.block(index: first + i, blockRows: blockRows), at: i)
                }
            }
            wave.group = group
            return wave
        }
        var next = 0
        var current: Wave? = launch(0)
        next += current!.count
        while let wave = current {
            wave.group?.wait()
            current = next < blockCount ? launch(next) : nil
            if let c = current { next += c.count }
            do {
                for i in 0..<wave.count { try sink(wave.take(i)) }
            } catch {
                current?.group?.wait()
                throw error
            }
        }
    }

    /// Checks the block size and thread count; returns the worker count.
    private static func validate(blockRows: Int, threads: Int?) throws -> Int {
        guard blockRows > 0 && blockRows <= maximumBlockRows else {
            throw TabularError.invalidArgument(
                name: "blockRows", reason: "must be in 1...\(maximumBlockRows), got \(blockRows)")
        }
        let workers = threads ?? ProcessorInfo.activeCores
        guard workers > 0 else {
            throw TabularError.invalidArgument(name: "threads", reason: "must be at least 1, got \(workers)")
        }
        return workers
    }

    /// Writes all rows as CSV (header, comma-separated, LF) to `path`, atomically: rows go to a
    /// temporary `path.partial-<pid>` beside it that replaces `path` only when complete. On any
    /// error the temporary file is removed; on SIGINT/SIGTERM too once the process has called
    /// ``CSVWriter/removeTemporaryFilesOnTerminationSignals()``.
    /// - Parameters:
    ///   - progress: called on the calling thread after each block with rows written so far.
    /// - Throws: ``TabularError/io(file:reason:)`` on write failures.
    public func write(
        to path: String, blockRows: Int = DatasetGenerator.defaultBlockRows, threads: Int? = nil,
        options: CSVOptions = CSVOptions(), progress: ((Int) -> Void)? = nil
    ) throws {
        _ = try Self.validate(blockRows: blockRows, threads: threads)  // before any file is created
        let writer = try CSVWriter(path: path, options: options)
        var written = 0
        if totalRows == 0 {
            try writer.write(rows(0..<0))
        }
        try generate(blockRows: blockRows, threads: threads) { table in
            try writer.write(table)
            written += table.rowCount
            progress?(written)
        }
        try writer.close()
    }
}

/// One wave of blocks produced in parallel; slots are written once by workers and read after
/// the group completes.
private final class Wave: @unchecked Sendable {
    let first: Int
    let count: Int
    var group: DispatchGroup?
    private var tables: [Table?]
    private let lock = PthreadMutex()

    init(first: Int, count: Int) {
        self.first = first
        self.count = count
        tables = Array(repeating: nil, count: count)
    }

    func store(_ table: Table, at i: Int) {
        lock.locked { tables[i] = table }
    }

    func take(_ i: Int) -> Table {
        lock.locked {
            let t = tables[i]!
            tables[i] = nil
            return t
        }
    }
}
