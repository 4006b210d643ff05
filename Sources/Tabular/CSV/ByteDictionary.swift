import Dispatch
import CSIMD
#if canImport(Glibc)
import Glibc
#endif

/// The slot array of a ``ByteDictionary``: zeroed memory that large tables take from 2 MiB
/// transparent huge pages where the kernel allows it (random probes into a table of hundreds
/// of megabytes otherwise spend most of their time in TLB misses). Large tables come from, and
/// return to, ``SlotTableCache``.
///
/// Unchecked `Sendable`: a table is written only by the one dictionary that uniquely references
/// it (copy on write), so sharing a reference across threads never races.
final class SlotTable: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<ByteDictionary.Slot>
    let capacity: Int
    private let mapping: SlotTableCache.Mapping?

    init(capacity: Int) {
        self.capacity = capacity
        let bytes = capacity * MemoryLayout<ByteDictionary.Slot>.stride
        if bytes >= SlotTableCache.minimumBytes, let mapping = SlotTableCache.shared.take(bytes: bytes) {
            self.mapping = mapping
            pointer = mapping.start.bindMemory(to: ByteDictionary.Slot.self, capacity: capacity)
            return
        }
        mapping = nil
        pointer = .allocate(capacity: capacity)
        pointer.initialize(repeating: ByteDictionary.Slot(), count: capacity)
    }

    func copy() -> SlotTable {
        let table = SlotTable(capacity: capacity)
        table.pointer.update(from: pointer, count: capacity)
        return table
    }

    deinit {
        if let mapping {
            SlotTableCache.shared.give(mapping)
            return
        }
        pointer.deallocate()
    }
}

/// Keeps the memory of recently freed large dictionary tables for the next ones (as a memory
/// allocator retains freed pages), bounded by ``limitBytes``.
///
/// Fresh anonymous memory costs a page fault and a kernel page-zeroing per page; on virtual
/// machines whose host reclaims freed guest memory it costs far more. Re-zeroing a retained
/// table with `memset` is an order of magnitude cheaper, so repeated loads of files with
/// high-cardinality columns stop paying for new hash tables. ``CSVReader/releaseRetainedMemory()``
/// empties the cache.
final class SlotTableCache: @unchecked Sendable {
    /// One mapping: `start` is 2 MiB aligned and has `bytes` usable bytes.
    struct Mapping {
        let raw: UnsafeMutableRawPointer
        let total: Int
        let start: UnsafeMutableRawPointer
        let bytes: Int
    }

    static let shared = SlotTableCache()
    /// Tables smaller than this use the ordinary allocator.
    static let minimumBytes = 2 << 20
    /// The most memory the cache keeps.
    static let limitBytes = 512 << 20

    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var free: [Mapping] = []
    private var freeBytes = 0

    private init() { pthread_mutex_init(lock, nil) }

    /// A mapping with at least `bytes` zeroed bytes: the smallest retained one that is large
    /// enough (and at most four times larger), re-zeroed, or a new one from the kernel (already
    /// zero). `nil` when the kernel refuses.
    func take(bytes: Int) -> Mapping? {
        pthread_mutex_lock(lock)
        var reused: Mapping?
        var best: Int?
        for (index, mapping) in free.enumerated() where mapping.bytes >= bytes && mapping.bytes <= 4 * bytes {
            if best == nil || mapping.bytes < free[best!].bytes { best = index }
        }
        if let best {
            reused = free.remove(at: best)
            freeBytes -= reused!.bytes
        }
        pthread_mutex_unlock(lock)
        if let reused {
            memset(reused.start, 0, bytes)
            return reused
        }
        let huge = SlotTableCache.minimumBytes
        let total = bytes + huge  // over-map so the table can start on a 2 MiB boundary
        guard let raw = mmap(nil, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), raw != MAP_FAILED
        else { return nil }
        let start = UnsafeMutableRawPointer(bitPattern: (Int(bitPattern: raw) + huge - 1) & ~(huge - 1))!
        _ = madvise(start, bytes, MADV_HUGEPAGE)
        return Mapping(raw: raw, total: total, start: start, bytes: bytes)
    }

    /// Returns a mapping: kept when it fits under the limit (evicting the oldest), else unmapped.
    func give(_ mapping: Mapping) {
        var evicted: [Mapping] = []
        pthread_mutex_lock(lock)
        if mapping.bytes <= SlotTableCache.limitBytes {
            free.append(mapping)
            freeBytes += mapping.bytes
            while freeBytes > SlotTableCache.limitBytes, !free.isEmpty {
                let oldest = free.removeFirst()
                freeBytes -= oldest.bytes
                evicted.append(oldest)
            }
        } else {
            evicted.append(mapping)
        }
        pthread_mutex_unlock(lock)
        for old in evicted { munmap(old.raw, old.total) }
    }

    /// Unmaps every retained table.
    func releaseAll() {
        pthread_mutex_lock(lock)
        let all = free
        free = []
        freeBytes = 0
        pthread_mutex_unlock(lock)
        for old in all { munmap(old.raw, old.total) }
    }
}

/// An insertion-ordered hash set of byte strings that assigns each distinct string a dense
/// `UInt32` code in first-appearance order: the categorical dictionary built while parsing.
///
/// Open addressing with linear probing over a power-of-two array of 32-byte slots (load ≤ ¾).
/// A slot holds the full hash, the code, the length and the first 16 bytes of its string, so
/// a lookup of a string of up to 16 bytes touches one cache line of the table and nothing else;
/// longer strings compare their tail in the arena. All strings' bytes are also kept in one
/// arena in code order. Codes never depend on the hash function, only on insertion order.
struct ByteDictionary {
    struct Slot {
        /// The string's hash with the low bit set; 0 marks an empty slot.
        var hash: UInt64 = 0
        var code: UInt32 = 0
        var length: UInt32 = 0
        /// The first 16 bytes, zero-padded.
        var head0: UInt64 = 0
        var head1: UInt64 = 0
    }

    private(set) var arena: [UInt8] = []
    /// Start of entry `i` in the arena is `starts[i]`, its end `starts[i + 1]`.
    private(set) var starts: [Int] = [0]
    /// Shared between copies until one of them inserts (copy on write).
    private var slots: SlotTable
    private var mask: Int

    init(expectedCount: Int = 16) {
        var capacity = 16
        while capacity * 3 < expectedCount * 4 { capacity <<= 1 }
        slots = SlotTable(capacity: capacity)
        mask = capacity - 1
    }

    var count: Int { starts.count - 1 }

    /// A shared empty dictionary, used as a placeholder while a builder's dictionary is moved out.
    static let empty = ByteDictionary()

    /// The entries as strings, in code order (the bytes must have been checked as UTF-8).
    func strings() -> [String] {
        arena.withUnsafeBufferPointer { a in
            (0..<count).map {
                String(decoding: UnsafeBufferPointer(rebasing: a[starts[$0]..<starts[$0 + 1]]), as: UTF8.self)
            }
        }
    }

    /// The first 16 bytes of `p[0..<n]`, zero-padded, as two little-endian words.
    @inline(__always)
    static func head(_ p: UnsafePointer<UInt8>, _ n: Int) -> (UInt64, UInt64) {
        // Overlapping loads that never read outside p[0..<n].
        let raw = UnsafeRawPointer(p)
        if n >= 16 {
            return (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
        if n > 8 {
            let tail = raw.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self) >> UInt64((16 &- n) &* 8)
            return (raw.loadUnaligned(as: UInt64.self), tail)
        }
        if n == 8 { return (raw.loadUnaligned(as: UInt64.self), 0) }
        if n >= 4 {
            let low = UInt64(raw.loadUnaligned(as: UInt32.self))
            let high = UInt64(raw.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)) >> UInt64((8 &- n) &* 8)
            return (low | high << 32, 0)
        }
        var word: UInt64 = 0
        if n > 0 { word = UInt64(p[0]) }
        if n > 1 { word |= UInt64(p[1]) << 8 }
        if n > 2 { word |= UInt64(p[2]) << 16 }
        return (word, 0)
    }

    /// ``head(_:_:)`` without branches on the length, for strings that may be over-read: the
    /// caller guarantees that 16 bytes starting at `p` are readable.
    @inline(__always)
    static func head(overreading p: UnsafePointer<UInt8>, _ n: Int) -> (UInt64, UInt64) {
        let raw = UnsafeRawPointer(p)
        // Swift's smart shifts give 0 for a shift of 64, so `(1 << 64) &- 1` is all ones.
        let lowMask = (UInt64(1) << UInt64(min(n, 8) &* 8)) &- 1
        let highMask = (UInt64(1) << UInt64(max(0, min(n, 16) &- 8) &* 8)) &- 1
        return (
            raw.loadUnaligned(as: UInt64.self) & lowMask,
            raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self) & highMask
        )
    }

    /// A 64-bit hash of a string from its head words and its tail (multiply–xorshift, murmur3's
    /// finaliser), with the low bit set so that no hash is 0.
    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int, _ head: (UInt64, UInt64)) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: n)
        h = (h ^ head.0) &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 29
        h = (h ^ head.1) &* 0xC4CE_B9FE_1A85_EC53
        if n > 16 {
            let raw = UnsafeRawPointer(p)
            var i = 16
            while i &+ 8 <= n {
                h ^= h >> 29
                h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
                i &+= 8
            }
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                tail |= UInt64(p[i]) << shift
                shift &+= 8
                i &+= 1
            }
            h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        }
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        return h | 1
    }

    /// The code of `p[0..<n]`, inserting it when new. Amortised O(n).
    @inline(__always)
    mutating func code(_ p: UnsafePointer<UInt8>, _ n: Int) -> (code: UInt32, inserted: Bool) {
        let head = ByteDictionary.head(p, n)
        return code(p, n, head: head, hash: ByteDictionary.hash(p, n, head))
    }

    /// Prefetches the slots where strings start probing, so that a later
    /// ``code(_:_:head:hash:)`` finds them in cache. Issuing these for a whole batch before
    /// looking anything up overlaps the cache misses of a large dictionary.
    struct Prefetcher {
        fileprivate let slots: UnsafePointer<Slot>
        fileprivate let mask: Int
        /// Prefetches the first slot probed for hash `h`.
        @inline(__always) func callAsFunction(_ h: UInt64) {
            pk_prefetch(slots + (Int(truncatingIfNeeded: h >> 7) & mask))
        }
    }

    /// A prefetcher for the current table. It only issues cache hints, never reads memory, so a
    /// prefetcher kept across an insertion that regrew the table is harmless (but useless):
    /// refresh it after insertions.
    var prefetcher: Prefetcher { Prefetcher(slots: slots.pointer, mask: mask) }

    /// Runs `body` with a ``Prefetcher`` valid while the dictionary is not modified.
    @inline(__always)
    func withPrefetcher<R>(_ body: (Prefetcher) throws -> R) rethrows -> R {
        try withExtendedLifetime(slots) { try body(Prefetcher(slots: slots.pointer, mask: mask)) }
    }

    /// Linear probing from the hash's home slot: the code of the string when present, else the
    /// empty slot where it would go.
    @inline(__always)
    private func probe(
        _ p: UnsafePointer<UInt8>, _ n: Int, _ length: UInt32, head: (UInt64, UInt64), hash h: UInt64
    ) -> (code: UInt32?, slot: Int) {
        var index = Int(truncatingIfNeeded: h >> 7) & mask
        return withExtendedLifetime(slots) {
            let table = slots.pointer
            while true {
                let slot = table[index]
                if slot.hash == 0 { return (nil, index) }
                if slot.hash == h, slot.length == length, slot.head0 == head.0, slot.head1 == head.1 {
                    if n <= 16 || tailEqual(Int(slot.code), p, n) { return (slot.code, index) }
                }
                index = (index &+ 1) & mask
            }
        }
    }

    /// ``code(_:_:)`` with the head words and hash already computed.
    @inline(__always)
    mutating func code(
        _ p: UnsafePointer<UInt8>, _ n: Int, head: (UInt64, UInt64), hash h: UInt64
    ) -> (code: UInt32, inserted: Bool) {
        let length = UInt32(truncatingIfNeeded: n)
        let (found, index) = probe(p, n, length, head: head, hash: h)
        if let found { return (found, false) }
        let code = UInt32(truncatingIfNeeded: count)
        if !isKnownUniquelyReferenced(&slots) { slots = slots.copy() }
        slots.pointer[index] = Slot(hash: h, code: code, length: length, head0: head.0, head1: head.1)
        if arena.count + n > arena.capacity { ByteDictionary.growBuffer(&arena, toHold: arena.count + n) }
        if starts.count == starts.capacity { ByteDictionary.growBuffer(&starts, toHold: starts.count + 1) }
        arena.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        starts.append(arena.count)
        if count * 4 > slots.capacity * 3 { grow() }
        return (code, true)
    }

    /// Doubles a buffer's capacity (at least to `needed`). (`reserveCapacity` alone would grow
    /// to exactly `needed`; huge-page advice was measured and did not help these sequential
    /// buffers, unlike the randomly probed slot tables.)
    @inline(never)
    private static func growBuffer<T>(_ buffer: inout [T], toHold needed: Int) {
        buffer.reserveCapacity(max(needed, buffer.capacity * 2, 1_024))
    }

    /// Whether bytes 16..<n of entry `code` equal those of `p` (the caller compared the head).
    @inline(__always)
    func tailEqual(_ code: Int, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        arena.withUnsafeBufferPointer { a in
            let q = UnsafeRawPointer(a.baseAddress! + starts[code]), r = UnsafeRawPointer(p)
            var i = 16
            while i &+ 8 <= n {
                if q.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    != r.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                {
                    return false
                }
                i &+= 8
            }
            while i < n {
                if q.load(fromByteOffset: i, as: UInt8.self) != p[i] { return false }
                i &+= 1
            }
            return true
        }
    }

    /// Inserts every entry of `other` (in its code order) and returns, for each of `other`'s
    /// codes, the code here. Two steps: read-only lookups of all entries (on two threads when
    /// `other` is large), then the inserts of the entries not found, in order, so new codes still
    /// follow `other`'s order. Slots are prefetched a batch at a time. O(total bytes of `other`).
    mutating func insertAll(of other: ByteDictionary) -> [UInt32] {
        var remap = [UInt32](repeating: UInt32.max, count: other.count)
        let table = self  // a read-only view for the lookups (shares the storage)
        remap.withUnsafeMutableBufferPointer { out in
            let parts = other.count >= 65_536 ? 2 : 1
            ParallelChunks.forEachChunk(of: out, chunks: parts) { _, _, range in
                other.forEachBatch(from: range.lowerBound, to: range.upperBound, prefetchingIn: table) {
                    e, p, n, head, hash in
                    out[e] = table.lookup(p, n, head: head, hash: hash) ?? UInt32.max
                }
            }
        }
        let missing = remap.reduce(0) { $0 + ($1 == UInt32.max ? 1 : 0) }
        if missing == 0 { return remap }
        reserve(missing)
        other.arena.withUnsafeBufferPointer { arena in
            let base = arena.baseAddress ?? UnsafePointer(bitPattern: 8)!
            for e in 0..<other.count where remap[e] == UInt32.max {
                let p = base + other.starts[e], n = other.starts[e + 1] - other.starts[e]
                let head = ByteDictionary.head(p, n)
                remap[e] = code(p, n, head: head, hash: ByteDictionary.hash(p, n, head)).code
            }
        }
        return remap
    }

    /// Calls `body` with each entry `lower..<upper` (code, bytes, length, head, hash), computing
    /// hashes a batch at a time and prefetching their slots in `table` before the calls.
    func forEachBatch(
        from lower: Int, to upper: Int, prefetchingIn table: ByteDictionary,
        _ body: (Int, UnsafePointer<UInt8>, Int, (UInt64, UInt64), UInt64) -> Void
    ) {
        let batch = 1_024
        var hashes = [UInt64](repeating: 0, count: batch)
        var heads = [(UInt64, UInt64)](repeating: (0, 0), count: batch)
        arena.withUnsafeBufferPointer { arena in
            let base = arena.baseAddress ?? UnsafePointer(bitPattern: 8)!
            var first = lower
            while first < upper {
                let last = min(upper, first + batch)
                table.withPrefetcher { prefetch in
                    for e in first..<last {
                        let p = base + starts[e], n = starts[e + 1] - starts[e]
                        let head = ByteDictionary.head(p, n)
                        heads[e - first] = head
                        hashes[e - first] = ByteDictionary.hash(p, n, head)
                        prefetch(hashes[e - first])
                    }
                }
                for e in first..<last {
                    body(e, base + starts[e], starts[e + 1] - starts[e], heads[e - first], hashes[e - first])
                }
                first = last
            }
        }
    }

    /// The code of a string already in the dictionary, or `nil`; never inserts (safe to call
    /// from several threads at once while nobody inserts).
    @inline(__always)
    func lookup(_ p: UnsafePointer<UInt8>, _ n: Int, head: (UInt64, UInt64), hash h: UInt64) -> UInt32? {
        probe(p, n, UInt32(truncatingIfNeeded: n), head: head, hash: h).code
    }

    /// Makes room for `additional` more entries without growing again.
    mutating func reserve(_ additional: Int) {
        var capacity = slots.capacity
        while (count + additional) * 4 > capacity * 3 { capacity <<= 1 }
        if capacity > slots.capacity { grow(to: capacity) }
    }

    /// Rehashes into a table of `capacity` slots (a power of two, default twice the current).
    private mutating func grow(to newCapacity: Int? = nil) {
        let old = slots
        let capacity = newCapacity ?? old.capacity * 2
        let table = SlotTable(capacity: capacity)
        mask = capacity - 1
        for i in 0..<old.capacity {
            let slot = old.pointer[i]
            if slot.hash == 0 { continue }
            var index = Int(truncatingIfNeeded: slot.hash >> 7) & mask
            while table.pointer[index].hash != 0 { index = (index &+ 1) & mask }
            table.pointer[index] = slot
        }
        slots = table
    }
}
