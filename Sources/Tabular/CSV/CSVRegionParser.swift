import Dispatch

/// The parallel heart of the reader: one region of whole records, cut into chunks that are
/// parsed on all cores straight into the columns' final buffers.
///
/// 1. The region is cut at record starts (quote parity decides where records start).
/// 2. Each chunk's line feeds (+1 for the last chunk) bound its records, so every chunk gets a fixed window of each
///    column's final buffer; the buffers are allocated once, uninitialised.
/// 3. Chunks are parsed in parallel into their windows (no per-chunk buffers, no concatenation).
/// 4. Windows that were not filled (quoted line breaks, blank lines) are closed up with one move.
/// 5. Per column, in parallel: categorical dictionaries are merged in chunk order and later
///    chunks' codes remapped in place, so codes follow first appearance in the file exactly as in
///    a sequential parse; validity bitmaps are concatenated.
extension Context {
    struct RegionOutcome {
        var columns: [Column]
        var rows: Int
        var widen: [Int: ColumnType]
    }

    func parseRegion(
        start: Int, end: Int, modes: [ColumnBuilder.Mode], chunkCount requested: Int
    ) throws -> RegionOutcome {
        // 1. Chunk boundaries at record starts, and 2. line feeds per chunk, from one parallel
        // pass that counts quotes and line feeds in equal byte ranges: the quote parity before a
        // range tells whether its first byte is inside a quoted field, and a short scan from
        // there finds the next record start.
        let span = end - start
        let ranges = max(1, min(requested, span / 64 + 1))
        let parallel = ranges > 1 && options.threads > 1
        func forEach(_ count: Int, _ body: (Int) -> Void) { ParallelChunks.forEach(count, parallel: parallel, body) }
        let targets = (0...ranges).map { $0 == ranges ? end : start + span / ranges * $0 }
        let counts = UnsafeMutableBufferPointer<(quotes: Int, lineFeeds: Int)>.allocate(capacity: ranges)
        defer { counts.deallocate() }
        forEach(ranges) { k in
            counts[k] = CSVBoundaries.countQuotesAndLineFeeds(
                in: base, from: targets[k], to: targets[k + 1], quote: options.quote)
        }
        // Line feeds before each target, and the record starts (with line feeds before them).
        var bounds = [start]
        var lineFeedsBefore = [0]
        var quotesBeforeTarget = 0, lineFeedsBeforeTarget = 0
        for k in 1..<ranges {
            quotesBeforeTarget += counts[k - 1].quotes
            lineFeedsBeforeTarget += counts[k - 1].lineFeeds
            let (next, skipped) = CSVBoundaries.recordStart(
                in: base, from: targets[k], end: end, quote: options.quote,
                insideQuotes: quotesBeforeTarget & 1 == 1)
            if next < end, next > bounds.last! {
                bounds.append(next)
                lineFeedsBefore.append(lineFeedsBeforeTarget + skipped)
            }
        }
        bounds.append(end)
        lineFeedsBefore.append(lineFeedsBeforeTarget + counts[ranges - 1].lineFeeds)
        let chunkTotal = bounds.count - 1
        // Windows: at most one record per line feed; only the last chunk can end in a record
        // without one (every other chunk ends just after a line feed). Exact windows mean no
        // close-up move when the data has no blank lines or quoted line breaks.
        let capacities = (0..<chunkTotal).map {
            lineFeedsBefore[$0 + 1] - lineFeedsBefore[$0] + ($0 == chunkTotal - 1 ? 1 : 0)
        }
        var windows = [Int](repeating: 0, count: chunkTotal)
        var total = 0
        for k in 0..<chunkTotal {
            windows[k] = total
            total += capacities[k]
        }
        // The stored columns (projection: `.skip` columns are tokenized, never converted).
        // Below, `i` indexes the stored columns and `kept[i]` is that column's index `j` in the file.
        var kept: [Int] = []
        var types: [ColumnType] = []
        for (j, mode) in modes.enumerated() {
            switch mode {
            case let .parse(type, _, _):
                kept.append(j)
                types.append(type)
            case .skip: continue
            case .infer: preconditionFailure("parseRegion needs parse or skip modes")
            }
        }
        let storedCount = kept.count

        var widen: [Int: ColumnType] = [:]
        var validities = [ValidityBitmap?](repeating: nil, count: storedCount)
        var dictionaries = [[String]](repeating: [], count: storedCount)
        let (values, rows) = try ColumnAllocation.withUninitialized(types: types, count: total) { pointers -> Int in
            // 3. Parse every chunk into its windows.
            let outcomes = UnsafeMutableBufferPointer<
                Result<(rows: Int, builders: [ColumnBuilder]), CSVTokenizer.Failure>?
            >.allocate(capacity: chunkTotal)
            outcomes.initialize(repeating: nil)
            defer {
                outcomes.deinitialize()
                outcomes.deallocate()
            }
            forEach(chunkTotal) { k in
                var builders = modes.map { ColumnBuilder(mode: $0, output: nil, capacity: 0) }
                for (i, j) in kept.enumerated() {
                    builders[j] = ColumnBuilder(
                        mode: modes[j], output: pointers[i] + windows[k] * types[i].storageStride,
                        capacity: capacities[k])
                }
                switch parseChunk(from: bounds[k], to: bounds[k + 1], maxRows: .max, into: &builders) {
                case let .success(rows): outcomes[k] = .success((rows, builders))
                case let .failure(failure): outcomes[k] = .failure(failure)
                }
            }
            var byColumn = [[ColumnBuilder]](repeating: [], count: storedCount)
            var chunkRows = [Int](repeating: 0, count: chunkTotal)
            for k in 0..<chunkTotal {
                switch outcomes[k].take()! {
                case let .failure(failure): throw error(failure)
                case let .success(part):
                    chunkRows[k] = part.rows
                    for (i, j) in kept.enumerated() { byColumn[i].append(part.builders[j]) }
                }
            }
            for (i, builders) in byColumn.enumerated() {
                let j = kept[i]
                for builder in builders {
                    if let target = builder.widenTo, widen[j] != .categorical { widen[j] = target }
                }
            }
            if !widen.isEmpty { return 0 }

            // 4. Close up the windows.
            var finalStarts = [Int](repeating: 0, count: chunkTotal)
            var rows = 0
            for k in 0..<chunkTotal {
                finalStarts[k] = rows
                rows += chunkRows[k]
            }
            for k in 0..<chunkTotal where finalStarts[k] != windows[k] && chunkRows[k] > 0 {
                for i in 0..<storedCount {
                    let stride = types[i].storageStride
                    (pointers[i] + finalStarts[k] * stride).copyMemory(
                        from: pointers[i] + windows[k] * stride, byteCount: chunkRows[k] * stride)
                }
            }

            // 5. Merge dictionaries and validity per column.
            let columnBuilders = UnsafeMutableBufferPointer<[ColumnBuilder]>.allocate(capacity: storedCount)
            _ = columnBuilders.initialize(from: byColumn)
            byColumn = []
            defer {
                columnBuilders.deinitialize()
                columnBuilders.deallocate()
            }
            let mergedValidity = UnsafeMutableBufferPointer<ValidityBitmap?>.allocate(capacity: storedCount)
            mergedValidity.initialize(repeating: nil)
            let mergedDictionary = UnsafeMutableBufferPointer<[String]>.allocate(capacity: storedCount)
            mergedDictionary.initialize(repeating: [])
            defer {
                mergedValidity.deinitialize()
                mergedValidity.deallocate()
                mergedDictionary.deinitialize()
                mergedDictionary.deallocate()
            }
            forEach(storedCount) { i in
                let builders = columnBuilders[i]
                if builders.contains(where: { $0.validity != nil }) {
                    var bitmap = ValidityBitmap(count: 0, allValid: true)
                    for b in builders {
                        bitmap.append(contentsOf: b.validity ?? ValidityBitmap(count: b.rows, allValid: true))
                    }
                    mergedValidity[i] = bitmap
                }
                if types[i] == .categorical {
                    mergedDictionary[i] = mergeDictionaries(
                        &columnBuilders[i], codes: pointers[i].assumingMemoryBound(to: UInt32.self), starts: finalStarts
                    )
                }
            }
            for i in 0..<storedCount {
                validities[i] = mergedValidity[i]
                dictionaries[i] = mergedDictionary[i]
            }
            return rows
        }
        if !widen.isEmpty { return RegionOutcome(columns: [], rows: 0, widen: widen) }
        var columns: [Column] = []
        columns.reserveCapacity(storedCount)
        for (i, j) in kept.enumerated() {
            var columnValues = values[i]
            if case let .categorical(codes, _) = columnValues {
                columnValues = .categorical(codes: codes, dictionary: dictionaries[i])
            }
            columns.append(Column(uncheckedName: columnNames[j], values: columnValues, validity: validities[i]))
        }
        return RegionOutcome(columns: columns, rows: rows, widen: [:])
    }

    /// Merges one categorical column's chunk dictionaries in chunk order and rewrites the codes
    /// of each chunk (at `starts[k]` in `codes`) to the merged dictionary; missing values get code 0.
    func mergeDictionaries(
        _ builders: inout [ColumnBuilder], codes: UnsafeMutablePointer<UInt32>, starts: [Int]
    ) -> [String] {
        var global = builders[0].dictionary
        builders[0].dictionary = ByteDictionary.empty
        for (k, builder) in builders.enumerated() {
            let segment = codes + starts[k]
            if k == 0 {
                if builder.validity != nil {
                    for i in 0..<builder.rows where segment[i] == ColumnBuilder.nullCode { segment[i] = 0 }
                }
                continue
            }
            let remap = global.insertAll(of: builder.dictionary)
            builders[k].dictionary = ByteDictionary.empty
            remap.withUnsafeBufferPointer { map in
                for i in 0..<builder.rows {
                    let code = segment[i]
                    segment[i] = code == ColumnBuilder.nullCode ? 0 : map[Int(code)]
                }
            }
        }
        return global.strings()
    }
}

extension ColumnType {
    /// Bytes per value in the column's storage.
    var storageStride: Int {
        switch self {
        case .float64: MemoryLayout<Double>.stride
        case .int64, .timestamp: MemoryLayout<Int64>.stride
        case .bool: MemoryLayout<Bool>.stride
        case .categorical: MemoryLayout<UInt32>.stride
        case .date: MemoryLayout<Int32>.stride
        }
    }
}

/// Allocation of a region's final column buffers.
enum ColumnAllocation {
    /// Allocates one uninitialised array of `count` values per column type, calls `body` with
    /// their base addresses, and returns the arrays holding the first
    /// `n` values, where `n` is what `body` returns (every value below `n` must be written).
    /// Categorical columns come back with an empty dictionary.
    ///
    /// Up to ``maximumNestedColumns`` columns the arrays are created without a copy, by nesting
    /// one `Array(unsafeUninitializedCapacity:)` per column (one stack level each). Wider tables
    /// parse into plain buffers and copy each column once into its array: the nesting depth
    /// grew with the column count, and a file of one wide line (the `csv` fuzz target found one
    /// of ~1,000 columns under AddressSanitizer; 100,000 columns overflow any stack) crashed.
    static func withUninitialized(
        types: [ColumnType], count: Int,
        _ body: ([UnsafeMutableRawPointer]) throws -> Int
    ) throws -> ([ColumnValues], Int) {
        guard types.count <= maximumNestedColumns else {
            return try withCopiedBuffers(types: types, count: count, body)
        }
        var pointers: [UnsafeMutableRawPointer] = []
        var values = [ColumnValues?](repeating: nil, count: types.count)
        var rows = 0
        try level(0, types, max(count, 1), &pointers, &values, &rows, body)
        return (values.map { $0! }, rows)
    }

    /// The widest table whose column arrays are allocated by nesting (one stack level per column).
    static let maximumNestedColumns = 64

    /// ``withUninitialized(types:count:_:)`` for wide tables, with constant stack depth: one
    /// buffer per column, then one copy of the first `n` values of each into its array.
    /// O(columns) stack-free allocations plus O(n × columns) copying.
    private static func withCopiedBuffers(
        types: [ColumnType], count: Int,
        _ body: ([UnsafeMutableRawPointer]) throws -> Int
    ) throws -> ([ColumnValues], Int) {
        let capacity = max(count, 1)
        let buffers = types.map {
            UnsafeMutableRawPointer.allocate(byteCount: capacity * $0.storageStride, alignment: 8)
        }
        defer { for buffer in buffers { buffer.deallocate() } }
        let rows = try body(buffers)
        let values = types.enumerated().map { j, type -> ColumnValues in
            // Every stored type is trivial (no references), so copying the bytes moves the values.
            func array<T>(_: T.Type) -> [T] {
                [T](unsafeUninitializedCapacity: rows) { buffer, initialized in
                    if rows > 0 {
                        UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(
                            from: buffers[j], byteCount: rows * MemoryLayout<T>.stride)
                    }
                    initialized = rows
                }
            }
            switch type {
            case .float64: return .float64(array(Double.self))
            case .int64: return .int64(array(Int64.self))
            case .timestamp: return .timestamp(array(Int64.self))
            case .bool: return .bool(array(Bool.self))
            case .categorical: return .categorical(codes: array(UInt32.self), dictionary: [])
            case .date: return .date(array(Int32.self))
            }
        }
        return (values, rows)
    }

    /// Allocates column `j`'s array inside the initializer of an `Array`, so the body runs with
    /// every buffer alive and each array is created without a copy.
    private static func level(
        _ j: Int, _ types: [ColumnType], _ count: Int, _ pointers: inout [UnsafeMutableRawPointer],
        _ values: inout [ColumnValues?], _ rows: inout Int,
        _ body: ([UnsafeMutableRawPointer]) throws -> Int
    ) throws {
        if j == types.count {
            rows = try body(pointers)
            return
        }
        func make<T>(_: T.Type) throws -> [T] {
            try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                let start = UnsafeMutableRawPointer(buffer.baseAddress!)
                pointers.append(start)
                try level(j + 1, types, count, &pointers, &values, &rows, body)
                initialized = rows
            }
        }
        switch types[j] {
        case .float64: values[j] = .float64(try make(Double.self))
        case .int64: values[j] = .int64(try make(Int64.self))
        case .timestamp: values[j] = .timestamp(try make(Int64.self))
        case .bool: values[j] = .bool(try make(Bool.self))
        case .categorical: values[j] = .categorical(codes: try make(UInt32.self), dictionary: [])
        case .date: values[j] = .date(try make(Int32.self))
        }
    }
}
