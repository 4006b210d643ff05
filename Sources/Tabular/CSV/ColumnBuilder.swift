/// Accumulates one column's values while a chunk of CSV is parsed.
///
/// One builder per column per chunk; only the array of the builder's kind is used. Missing
/// values append a zero slot and clear a validity bit (the bitmap is created lazily on the
/// first missing value, so columns without nulls never pay for one).
struct ColumnBuilder {
    /// What the builder does with each field.
    enum Mode: Equatable {
        /// Parse into the given type; `declared` types turn a misfit into an error,
        /// inferred types into a widening request.
        case parse(ColumnType, declared: Bool, nullable: Bool)
        /// Only observe which types every value would fit (schema inference).
        case infer
        /// Projected away: the tokenizer still finds the field's boundaries, but the field is
        /// neither converted nor stored (projection pushdown).
        case skip
    }

    /// Bits of `candidates` in inference mode.
    struct Candidates: OptionSet {
        let rawValue: UInt8
        static let bool = Candidates(rawValue: 1)
        static let int64 = Candidates(rawValue: 2)
        static let float64 = Candidates(rawValue: 4)
        static let date = Candidates(rawValue: 8)
        static let timestamp = Candidates(rawValue: 16)
        static let all: Candidates = [.bool, .int64, .float64, .date, .timestamp]
    }

    /// Why a field could not be stored.
    enum Failure {
        case unparsable(ColumnType)
        case nonFinite
        case missing
        case invalidUTF8
    }

    let mode: Mode
    /// The code stored for a missing categorical value until chunks are merged (then 0).
    static let nullCode = UInt32.max
    /// Rows stored so far.
    var rows = 0
    /// Where this chunk's values go: a region of the column's final buffer, reserved for
    /// `capacity` values of the column type's storage (nil when inferring).
    let output: UnsafeMutableRawPointer?
    let capacity: Int
    var dictionary = ByteDictionary()
    /// The date cache of a date or timestamp column, kept across batches.
    var calendar = CachedCalendarParser()
    /// One remembered value of a small-dictionary column: its first 16 bytes, its length + 1
    /// (0 marks an empty entry) and its code.
    struct MemoEntry {
        var head0: UInt64 = 0
        var head1: UInt64 = 0
        var length: UInt32 = 0
        var code: UInt32 = 0
    }
    static let memoEntries = 256
    /// The memo of a small-dictionary categorical column, kept across batches.
    var memo: [MemoEntry] = []
    /// Dictionaries with fewer entries than this are probed without prefetching (they fit in cache).
    static let smallDictionary = 4_096
    /// How many rows ahead categorical lookups prefetch their dictionary slot.
    static let prefetchDistance = 16
    /// Per-batch hashes of a categorical column (reused between batches).
    var hashScratch: [UInt64] = []
    /// Per-batch head words of a categorical column (reused between batches).
    var headScratch: [(UInt64, UInt64)] = []
    var validity: ValidityBitmap?
    // Inference mode.
    var candidates: Candidates = .all
    var nonNullSeen = 0
    var nullsSeen = 0
    // Widening request for an inferred column: the narrowest type that fits every value seen.
    var widenTo: ColumnType?

    /// A builder writing up to `capacity` values to `output` (nil in inference mode).
    init(mode: Mode, output: UnsafeMutableRawPointer?, capacity: Int) {
        self.mode = mode
        self.output = output
        self.capacity = capacity
    }

    /// Converts column `column` of a tokenized batch and appends it.
    ///
    /// One monomorphic loop per type over the column's slots. A field is
    /// missing when it is unquoted and empty or equal to a null token. Returns the failing slot's
    /// row within the batch with the failure for declared columns; inferred columns record a
    /// misfit in `widenTo`, store a zero and go on (the input is parsed again after widening).
    mutating func append(
        batch tokenizer: CSVTokenizer, rows: Int, column: Int,
        nullTokens: [[UInt8]]
    ) -> (row: Int, failure: Failure)? {
        let slots = tokenizer.slots + column &* tokenizer.batchRows
        return tokenizer.arena.withUnsafeBufferPointer { arenaBuffer -> (row: Int, failure: Failure)? in
            let arenaBase = arenaBuffer.baseAddress ?? tokenizer.base
            let base = tokenizer.base
            @inline(__always) func field(_ r: Int) -> (UnsafePointer<UInt8>, Int, Bool) {
                let slot = slots[r]
                let pointer = slot.arena >= 0 ? arenaBase + Int(slot.arena) : base + slot.offset
                var isNull = false
                if slot.arena == FieldSlot.unquoted {
                    if slot.length == 0 {
                        isNull = true
                    } else if !nullTokens.isEmpty {
                        isNull = nullTokens.contains { token in
                            token.count == Int(slot.length)
                                && token.withUnsafeBufferPointer { t in
                                    (0..<t.count).allSatisfy { t[$0] == pointer[$0] }
                                }
                        }
                    }
                }
                return (pointer, Int(slot.length), isNull)
            }
            if case .infer = mode {
                for r in 0..<rows {
                    let (p, n, isNull) = field(r)
                    if let failure = observe(p, n, isNull: isNull) { return (r, failure) }
                }
                self.rows &+= rows
                return nil
            }
            guard case let .parse(type, declared, nullable) = mode else { return nil }
            let firstRow = self.rows
            var nullRows: [Int] = []
            // Each loop stores one value per row (zero for a missing one) and remembers the
            // missing rows; the validity bitmap is built afterwards only when there are any.
            var widening: ColumnType?
            precondition(firstRow + rows <= capacity, "a chunk produced more rows than its line feeds allow")
            func loop<T>(
                _ storage: T.Type, zero: T, _ convert: (UnsafePointer<UInt8>, Int) -> T?
            ) -> (row: Int, failure: Failure)? {
                let out = output!.assumingMemoryBound(to: T.self) + firstRow
                for r in 0..<rows {
                    let (p, n, isNull) = field(r)
                    if isNull {
                        if !nullable { return (r, .missing) }
                        nullRows.append(r)
                        out[r] = zero
                        continue
                    }
                    if let value = convert(p, n) {
                        out[r] = value
                        continue
                    }
                    out[r] = zero
                    switch ColumnBuilder.misfit(type, declared, p, n) {
                    case let .failure(failure): return (r, failure)
                    case let .widen(target): if widening != .categorical { widening = target }
                    }
                }
                return nil
            }
            var failure: (row: Int, failure: Failure)?
            switch type {
            case .int64: failure = loop(Int64.self, zero: 0) { FieldParsing.int64($0, $1) }
            case .timestamp:
                var calendar = self.calendar  // moved out while `loop` runs, kept across batches
                self.calendar = CachedCalendarParser.placeholder
                failure = loop(Int64.self, zero: 0) { calendar.timestamp($0, $1) }
                self.calendar = calendar
            case .date:
                var calendar = self.calendar
                self.calendar = CachedCalendarParser.placeholder
                failure = loop(Int32.self, zero: 0) { calendar.date($0, $1) }
                self.calendar = calendar
            case .bool: failure = loop(Bool.self, zero: false) { FieldParsing.bool($0, $1) }
            case .float64:
                failure = loop(Double.self, zero: 0) { p, n in
                    if case let .value(v) = FieldParsing.float64(p, n) { return v }
                    return nil
                }
            case .categorical where dictionary.count < ColumnBuilder.smallDictionary:
                // A small dictionary stays in cache: one pass, no prefetching.
                var table = self.dictionary
                self.dictionary = ByteDictionary.empty
                let out = output!.assumingMemoryBound(to: UInt32.self) + firstRow
                var memo = self.memo
                self.memo = []
                if memo.isEmpty { memo = [MemoEntry](repeating: MemoEntry(), count: ColumnBuilder.memoEntries) }
                failure = memo.withUnsafeMutableBufferPointer { memo -> (row: Int, failure: Failure)? in
                    for r in 0..<rows {
                        let (p, n, isNull) = field(r)
                        if isNull {
                            if !nullable { return (r, .missing) }
                            nullRows.append(r)
                            out[r] = ColumnBuilder.nullCode
                            continue
                        }
                        let head =
                            tokenizer.canOverread(from: p)
                            ? ByteDictionary.head(overreading: p, n) : ByteDictionary.head(p, n)
                        // A direct-mapped memo of recent values (keyed by length and head) skips
                        // the full hash for repeated values; longer values compare their tail.
                        let length = UInt32(truncatingIfNeeded: n) &+ 1
                        let mixed = ((head.0 &+ UInt64(length)) &* 0x9E37_79B9_7F4A_7C15) ^ head.1
                        let slot = Int(truncatingIfNeeded: (mixed &* 0xFF51_AFD7_ED55_8CCD) >> 56)
                        let entry = memo[slot]
                        if entry.length == length, entry.head0 == head.0, entry.head1 == head.1,
                            n <= 16 || table.tailEqual(Int(entry.code), p, n)
                        {
                            out[r] = entry.code
                            continue
                        }
                        let (code, inserted) = table.code(p, n, head: head, hash: ByteDictionary.hash(p, n, head))
                        if inserted, !FieldParsing.isValidUTF8(p, n) { return (r, .invalidUTF8) }
                        memo[slot] = MemoEntry(head0: head.0, head1: head.1, length: length, code: code)
                        out[r] = code
                    }
                    return nil
                }
                self.memo = memo
                self.dictionary = table
            case .categorical:
                // A large dictionary: hash every field first, then look up or insert in order
                // while prefetching the slot a fixed distance ahead (overlapping cache misses).
                if hashScratch.count < rows {
                    hashScratch = [UInt64](repeating: 0, count: rows)
                    headScratch = [(UInt64, UInt64)](repeating: (0, 0), count: rows)
                }
                let heads = headScratch.withUnsafeMutableBufferPointer { $0.baseAddress! }
                dictionary.withPrefetcher { prefetch in
                    hashScratch.withUnsafeMutableBufferPointer { hashes in
                        for r in 0..<rows {
                            let (p, n, isNull) = field(r)
                            if isNull {
                                hashes[r] = 0
                                continue
                            }
                            let head =
                                tokenizer.canOverread(from: p)
                                ? ByteDictionary.head(overreading: p, n) : ByteDictionary.head(p, n)
                            heads[r] = head
                            let h = ByteDictionary.hash(p, n, head)
                            hashes[r] = h
                            if r < ColumnBuilder.prefetchDistance { prefetch(h) }
                        }
                    }
                }
                let hashes = hashScratch
                // Move the dictionary out while the scratch buffers are borrowed.
                var table = self.dictionary
                self.dictionary = ByteDictionary.empty
                let out = output!.assumingMemoryBound(to: UInt32.self) + firstRow
                failure = { () -> (row: Int, failure: Failure)? in
                    var prefetch = table.prefetcher
                    for r in 0..<rows {
                        // Keep a fixed number of probes in flight ahead of the lookup.
                        let ahead = r &+ ColumnBuilder.prefetchDistance
                        if ahead < rows { prefetch(hashes[ahead]) }
                        let h = hashes[r]
                        if h == 0 {
                            if !nullable { return (r, .missing) }
                            nullRows.append(r)
                            out[r] = ColumnBuilder.nullCode
                            continue
                        }
                        let (p, n, _) = field(r)
                        let (code, inserted) = table.code(p, n, head: heads[r], hash: h)
                        if inserted {
                            if !FieldParsing.isValidUTF8(p, n) { return (r, .invalidUTF8) }
                            prefetch = table.prefetcher
                        }
                        out[r] = code
                    }
                    return nil
                }()
                self.dictionary = table
            }
            if let failure { return failure }
            if let widening { widen(to: widening) }
            if !nullRows.isEmpty || validity != nil {
                if validity == nil { validity = ValidityBitmap(count: firstRow, allValid: true) }
                var next = 0
                for r in 0..<rows {
                    let missing = next < nullRows.count && nullRows[next] == r
                    if missing { next &+= 1 }
                    validity!.append(!missing)
                }
            }
            self.rows &+= rows
            return nil
        }
    }

    /// Inference: narrows the candidate types by one field.
    private mutating func observe(_ p: UnsafePointer<UInt8>, _ n: Int, isNull: Bool) -> Failure? {
        if isNull {
            nullsSeen &+= 1
            return nil
        }
        nonNullSeen &+= 1
        var c = candidates
        if c.contains(.bool), FieldParsing.bool(p, n) == nil { c.remove(.bool) }
        if c.contains(.int64), FieldParsing.int64(p, n) == nil { c.remove(.int64) }
        if c.contains(.float64), case .value = FieldParsing.float64(p, n) {} else { c.remove(.float64) }
        if c.contains(.date), FieldParsing.date(p, n) == nil { c.remove(.date) }
        if c.contains(.timestamp), FieldParsing.timestamp(p, n) == nil { c.remove(.timestamp) }
        candidates = c
        if c.isEmpty, !FieldParsing.isValidUTF8(p, n) { return .invalidUTF8 }
        return nil
    }

    enum Misfit { case failure(Failure), widen(ColumnType) }

    /// What a value that does not fit `type` means: an error for a declared column, a wider type
    /// (int64 → float64 when it is a decimal, otherwise categorical) for an inferred one.
    static func misfit(_ type: ColumnType, _ declared: Bool, _ p: UnsafePointer<UInt8>, _ n: Int) -> Misfit {
        let asDouble = FieldParsing.float64(p, n)
        if declared {
            if type == .float64, asDouble == .nonFinite { return .failure(.nonFinite) }
            return .failure(FieldParsing.isValidUTF8(p, n) ? .unparsable(type) : .invalidUTF8)
        }
        if type == .int64, case .value = asDouble { return .widen(.float64) }
        return .widen(.categorical)
    }

    private mutating func widen(to type: ColumnType) {
        if widenTo == nil || type == .categorical { widenTo = type }
    }

    /// The type inference settles on: the narrowest candidate that every sampled value fits.
    var inferredType: ColumnType {
        if nonNullSeen == 0 { return .categorical }
        if candidates.contains(.bool) { return .bool }
        if candidates.contains(.int64) { return .int64 }
        if candidates.contains(.float64) { return .float64 }
        if candidates.contains(.date) { return .date }
        if candidates.contains(.timestamp) { return .timestamp }
        return .categorical
    }
}
