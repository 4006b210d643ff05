/// An insertion-ordered hash set of byte strings that assigns each distinct string a dense
/// `UInt32` code in first-appearance order: the categorical dictionary built while parsing.
///
/// Open addressing with linear probing over a power-of-two slot array (load ≤ ½); the strings'
/// bytes are copied into one arena, so building it allocates only when it grows. Codes never
/// depend on the hash function, only on the order of insertion.
struct ByteDictionary {
    private(set) var arena: [UInt8] = []
    /// Start of entry `i` in the arena is `starts[i]`, its end `starts[i + 1]`.
    private(set) var starts: [Int] = [0]
    private var hashes: [UInt64] = []
    private var slots: [Int32]
    private var mask: Int

    init(expectedCount: Int = 16) {
        var capacity = 16
        while capacity < expectedCount * 2 { capacity <<= 1 }
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
    }

    var count: Int { starts.count - 1 }

    /// The bytes of entry `code`.
    func bytes(_ code: Int) -> ArraySlice<UInt8> { arena[starts[code]..<starts[code + 1]] }

    /// The entries as strings, in code order (the bytes must have been checked as UTF-8).
    func strings() -> [String] {
        arena.withUnsafeBufferPointer { a in
            (0..<count).map { String(decoding: UnsafeBufferPointer(rebasing: a[starts[$0]..<starts[$0 + 1]]), as: UTF8.self) }
        }
    }

    /// A 64-bit hash of `n` bytes at `p` (word-at-a-time multiply–xorshift, murmur3's finaliser).
    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        let raw = UnsafeRawPointer(p)
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: n)
        var i = 0
        while i &+ 8 <= n {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
            i &+= 8
        }
        if i < n {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < n { tail |= UInt64(p[i]) << shift; shift &+= 8; i &+= 1 }
            h = (h ^ tail) &* 0xFF51_AFD7_ED55_8CCD
        }
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }

    /// The code of `p[0..<n]`, inserting it when new. Amortised O(n).
    @inline(__always)
    mutating func code(_ p: UnsafePointer<UInt8>, _ n: Int) -> (code: UInt32, inserted: Bool) {
        let h = ByteDictionary.hash(p, n)
        var index = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = slots[index]
            if entry < 0 { break }
            let e = Int(entry)
            if hashes[e] == h {
                let start = starts[e], length = starts[e &+ 1] &- start
                if length == n {
                    let equal = arena.withUnsafeBufferPointer { a in memcmpEqual(a.baseAddress! + start, p, n) }
                    if equal { return (UInt32(truncatingIfNeeded: e), false) }
                }
            }
            index = (index &+ 1) & mask
        }
        let code = count
        slots[index] = Int32(truncatingIfNeeded: code)
        hashes.append(h)
        arena.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        starts.append(arena.count)
        if count * 2 > slots.count { grow() }
        return (UInt32(truncatingIfNeeded: code), true)
    }

    @inline(__always)
    private func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i &+ 8 <= n {
            if ra.loadUnaligned(fromByteOffset: i, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i &+= 8
        }
        while i < n { if a[i] != b[i] { return false }; i &+= 1 }
        return true
    }

    private mutating func grow() {
        let capacity = slots.count * 2
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        for (e, h) in hashes.enumerated() {
            var index = Int(truncatingIfNeeded: h) & mask
            while slots[index] >= 0 { index = (index &+ 1) & mask }
            slots[index] = Int32(truncatingIfNeeded: e)
        }
    }
}
