public import Tabular

/// The equivalence classes of a table as sizes only: what a check of a file streamed block by
/// block keeps (no entry per row). Numbered by first row, as ``EquivalenceClasses`` numbers them.
public struct EquivalenceClassSizes: Sendable, Equatable {
    /// The quasi-identifier names, in the order given.
    public let quasiIdentifiers: [String]
    /// The number of rows.
    public let rowCount: Int
    /// The number of rows in each class.
    public let sizes: [Int]
    /// The first row of each class (0-based data row of the file or table).
    public let firstRow: [Int]

    /// The number of classes.
    public var count: Int { sizes.count }
    /// The smallest class size (0 for an empty table).
    public var minimumSize: Int { sizes.min() ?? 0 }

    /// Class sizes from their parts (`sizes` and `firstRow` of equal length).
    public init(quasiIdentifiers: [String], rowCount: Int, sizes: [Int], firstRow: [Int]) {
        self.quasiIdentifiers = quasiIdentifiers
        self.rowCount = rowCount
        self.sizes = sizes
        self.firstRow = firstRow
    }
}

extension EquivalenceClasses {
    /// The classes' sizes and first rows, without the class of each row.
    public var classSizes: EquivalenceClassSizes {
        EquivalenceClassSizes(quasiIdentifiers: quasiIdentifiers, rowCount: rowCount, sizes: sizes, firstRow: firstRow)
    }
}

/// How a check or risk measure reads a CSV file that may be larger than memory.
public struct AnonymityFileOptions: Sendable {
    /// The file's layout (separator, quoting, null tokens).
    public var csv: CSVOptions
    /// The memory the scan may use, in bytes (default 256 MiB, at least 16 MiB): the read
    /// buffer is an eighth of it (1 … 64 MiB), the classes and sensitive counts at most half.
    public var memoryLimit: Int
    /// Called after each block read.
    public var progress: (@Sendable (CSVProgress) -> Void)?
    /// Test seam: a read buffer other than the limit's (small, to make many blocks of a small file).
    var blockBytesForTesting: Int?

    /// Options for a scan within `memoryLimit` bytes.
    public init(
        csv: CSVOptions = CSVOptions(), memoryLimit: Int = 256 << 20,
        progress: (@Sendable (CSVProgress) -> Void)? = nil
    ) {
        self.csv = csv
        self.memoryLimit = memoryLimit
        self.progress = progress
    }

    /// The read buffer: an eighth of the limit, within 1 … 64 MiB.
    public var blockBytes: Int { blockBytesForTesting ?? min(64 << 20, max(1 << 20, memoryLimit / 8)) }

    func validate() throws(AnonymityError) {
        guard memoryLimit >= 16 << 20 else {
            throw .invalidArgument(name: "memory limit", reason: "\(memoryLimit) bytes; it must be at least 16 MiB")
        }
    }
}

extension Anonymiser {
    /// Checks a CSV file of any size against privacy models over `quasiIdentifiers`, reading it
    /// block by block within ``AnonymityFileOptions/memoryLimit``: the same reports, bit for bit,
    /// as ``check(_:quasiIdentifiers:sensitive:requirements:)`` over the whole file loaded.
    ///
    /// Only the quasi-identifiers and the sensitive attribute are parsed (the other columns are
    /// tokenized to find field boundaries). The state is one entry per equivalence class (its
    /// tuple, size and first row) and per (class, sensitive value) pair, not per row; column types
    /// are inferred as the whole-file reader infers them (a value that does not fit widens its
    /// column and the read starts again).
    ///
    /// - Returns: the classes' sizes and one report per model, in the order given.
    /// - Throws: the errors of the whole-table check (``AnonymityError``);
    ///   ``AnonymityError/memoryLimitExceeded(what:limit:)`` when the classes and counts outgrow
    ///   half the limit; ``TabularError`` for a file that cannot be read (an unknown column is
    ///   ``TabularError/columnNotFound(name:available:)``).
    /// - Complexity: O(bytes + n × q) time; memory O(limit).
    public static func check(
        file: String, options: AnonymityFileOptions = AnonymityFileOptions(), quasiIdentifiers: [String],
        sensitive: String? = nil, requirements: [PrivacyModel]
    ) throws -> (classes: EquivalenceClassSizes, reports: [CheckReport]) {
        for model in requirements { try model.validate() }
        try checkNames(quasiIdentifiers, sensitive: sensitive)
        if sensitive == nil, let model = requirements.first(where: \.needsSensitive) {
            throw AnonymityError.missingSensitiveAttribute(check: model.name)
        }
        let counter = try countClasses(
            file: file, options: options, quasiIdentifiers: quasiIdentifiers, sensitive: sensitive)
        let distribution = counter.sensitiveDistribution()
        let reports = try reports(
            requirements, sizes: counter.sizes, sensitive: distribution?.attribute, counts: distribution?.counts)
        return (counter.classSizes, reports)
    }

    /// Prosecutor, journalist and marketer risk of a CSV file of any size, read block by block
    /// within ``AnonymityFileOptions/memoryLimit``: the same report as
    /// ``risk(_:quasiIdentifiers:threshold:population:)`` over the whole files loaded.
    ///
    /// - Parameters:
    ///   - population: an optional population CSV file with the same quasi-identifier columns,
    ///     read with `populationOptions` (default: `options`). Its rows are matched to the
    ///     sample's classes by the text of their values; only counts of the sample's classes are
    ///     kept, so the population may be far larger than the sample.
    /// - Throws: as ``check(file:options:quasiIdentifiers:sensitive:requirements:)``, and
    ///   ``AnonymityError/invalidArgument(name:reason:)`` for the threshold.
    /// - Complexity: O(bytes × files) time; memory O(limit).
    public static func risk(
        file: String, options: AnonymityFileOptions = AnonymityFileOptions(), quasiIdentifiers: [String],
        threshold: Double = 0.2, population: String? = nil, populationOptions: AnonymityFileOptions? = nil
    ) throws -> RiskReport {
        if !(threshold >= 0 && threshold <= 1) {
            throw AnonymityError.invalidArgument(name: "threshold", reason: "\(threshold) is outside [0, 1]")
        }
        try checkNames(quasiIdentifiers, sensitive: nil)
        let counter = try countClasses(file: file, options: options, quasiIdentifiers: quasiIdentifiers, sensitive: nil)
        var populationSizes = counter.sizes.map(Double.init)
        if let population {
            let counts = try countPopulation(
                file: population, options: populationOptions ?? options, sample: counter)
            for c in 0..<counter.sizes.count {
                populationSizes[c] = Double(max(counts[c], counter.sizes[c]))
            }
        }
        return riskReport(sizes: counter.sizes, populationSizes: populationSizes, threshold: threshold)
    }

    /// The argument checks ``encode(_:quasiIdentifiers:)`` makes, before any file is read.
    private static func checkNames(_ quasiIdentifiers: [String], sensitive: String?) throws(AnonymityError) {
        if quasiIdentifiers.isEmpty { throw .noQuasiIdentifiers }
        var seen = Set<String>()
        for name in quasiIdentifiers + (sensitive.map { [$0] } ?? []) where !seen.insert(name).inserted {
            throw .duplicateColumn(name: name)
        }
    }

    /// One streamed pass (more after a widening) counting the classes of `file`.
    static func countClasses(
        file: String, options: AnonymityFileOptions, quasiIdentifiers: [String], sensitive: String?
    ) throws -> StreamedClassCounter {
        try options.validate()
        let stateLimit = options.memoryLimit / 2
        var counter = StreamedClassCounter(quasiIdentifiers: quasiIdentifiers, sensitive: sensitive)
        _ = try CSVReader.stream(
            file: file, options: options.csv, columns: quasiIdentifiers + (sensitive.map { [$0] } ?? []),
            blockBytes: options.blockBytes,
            restart: { counter = StreamedClassCounter(quasiIdentifiers: quasiIdentifiers, sensitive: sensitive) },
            progress: options.progress
        ) { block in
            try counter.add(block)
            if counter.bytes > stateLimit {
                throw AnonymityError.memoryLimitExceeded(
                    what: "the \(counter.sizes.count) equivalence classes met in the first \(counter.rows) rows",
                    limit: options.memoryLimit)
            }
        }
        return counter
    }

    /// For each class of `sample`, the rows of the population file whose quasi-identifier texts
    /// equal the class's (a missing value matches the text ``EncodedColumn/missingText``, as in
    /// the whole-table risk). Rows of tuples absent from the sample are read and dropped.
    private static func countPopulation(
        file: String, options: AnonymityFileOptions, sample: StreamedClassCounter
    ) throws -> [Int] {
        try options.validate()
        let q = sample.quasiIdentifiers.count
        // Canonical codes: one per distinct text of each sample column, so that sample classes
        // whose tuples read the same (a missing value and "NULL") share one population count.
        let noMatch = UInt32.max
        var canonicalOfText: [[String: UInt32]] = []
        var canonicalOfSample: [[UInt32]] = []
        var canonicalOfSampleMissing: [UInt32] = []
        for column in sample.columns {
            var ofText: [String: UInt32] = [:]
            func canonical(_ code: UInt32) -> UInt32 {
                let text = column.text(ofStreamCode: code)
                if let known = ofText[text] { return known }
                let id = UInt32(ofText.count)
                ofText[text] = id
                return id
            }
            canonicalOfSample.append((0..<column.distinctCount).map { canonical(UInt32($0)) })
            canonicalOfSampleMissing.append(column.hasMissing ? canonical(StreamedValueCodes.missing) : noMatch)
            canonicalOfText.append(ofText)
        }
        var canonicalTuples = TupleTable(width: q, expected: sample.sizes.count)
        var canonicalOfClass = [Int](repeating: 0, count: sample.sizes.count)
        var tuple = [UInt32](repeating: 0, count: q)
        sample.classes.tuples.withUnsafeBufferPointer { tuples in
            for c in 0..<sample.sizes.count {
                for i in 0..<q {
                    let code = tuples[c * q + i]
                    tuple[i] = code == StreamedValueCodes.missing ? canonicalOfSampleMissing[i] : canonicalOfSample[i][Int(code)]
                }
                canonicalOfClass[c] = tuple.withUnsafeBufferPointer { canonicalTuples.insert($0.baseAddress!).id }
            }
        }
        var counts = [Int](repeating: 0, count: canonicalTuples.count)

        // The population's own stream codes, translated to canonical codes on first sight.
        var columns = [StreamedValueCodes](repeating: StreamedValueCodes(), count: q)
        var translated = [[UInt32]](repeating: [], count: q)
        var translatedMissing = [UInt32?](repeating: nil, count: q)
        let stateLimit = options.memoryLimit / 2 - sample.bytes
        _ = try CSVReader.stream(
            file: file, options: options.csv, columns: sample.quasiIdentifiers, blockBytes: options.blockBytes,
            restart: {
                columns = [StreamedValueCodes](repeating: StreamedValueCodes(), count: q)
                translated = [[UInt32]](repeating: [], count: q)
                translatedMissing = [UInt32?](repeating: nil, count: q)
                counts = [Int](repeating: 0, count: canonicalTuples.count)
            }, progress: options.progress
        ) { block in
            let n = block.rowCount
            var codes = try StreamedValueCodes.encode(block, columns: sample.quasiIdentifiers, with: &columns)
            for i in 0..<q {
                // Translate codes met for the first time; then every row's code.
                while translated[i].count < columns[i].distinctCount {
                    let text = columns[i].text(ofStreamCode: UInt32(translated[i].count))
                    translated[i].append(canonicalOfText[i][text] ?? noMatch)
                }
                if translatedMissing[i] == nil {
                    translatedMissing[i] = canonicalOfText[i][EncodedColumn.missingText] ?? noMatch
                }
                let missing = translatedMissing[i]!
                translated[i].withUnsafeBufferPointer { table in
                    codes[i].withUnsafeMutableBufferPointer { column in
                        for r in 0..<n {
                            column[r] = column[r] == StreamedValueCodes.missing ? missing : table[Int(column[r])]
                        }
                    }
                }
            }
            rows: for r in 0..<n {
                for i in 0..<q {
                    let code = codes[i][r]
                    if code == noMatch { continue rows }
                    tuple[i] = code
                }
                if let id = tuple.withUnsafeBufferPointer({ canonicalTuples.find($0.baseAddress!) }) { counts[id] += 1 }
            }
            let bytes = columns.reduce(0) { $0 + $1.bytes } + translated.reduce(0) { $0 + $1.count * 4 }
            if bytes > stateLimit {
                throw AnonymityError.memoryLimitExceeded(
                    what: "the distinct quasi-identifier values of the population", limit: options.memoryLimit)
            }
        }
        return canonicalOfClass.map { counts[$0] }
    }
}

extension StreamedClassCounter {
    /// The classes' sizes and first rows.
    var classSizes: EquivalenceClassSizes {
        EquivalenceClassSizes(quasiIdentifiers: quasiIdentifiers, rowCount: rows, sizes: sizes, firstRow: firstRow)
    }
}
