import Tabular
import Foundation

/// An open-addressing hash table from 64-bit keys to dense ids `0..<count`, ids given in
/// insertion order. Linear probing, power-of-two capacity, load factor at most 1/2.
struct GroupTable {
    private(set) var keys: [UInt64]
    /// `id + 1` per slot; 0 marks an empty slot.
    private(set) var slots: [UInt32]
    private(set) var mask: Int
    private(set) var shift: UInt64
    /// The keys in id order.
    private(set) var keyOfId: [UInt64] = []

    init(expected: Int) {
        var capacity = 16
        while capacity < expected * 2 { capacity <<= 1 }
        keys = [UInt64](repeating: 0, count: capacity)
        slots = [UInt32](repeating: 0, count: capacity)
        mask = capacity - 1
        shift = UInt64(64 - capacity.trailingZeroBitCount)
    }

    var count: Int { keyOfId.count }

    @inline(__always) static func hash(_ key: UInt64, shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The id of `key`, inserting it with the next id when absent; `inserted` tells which.
    @inline(__always) mutating func insert(_ key: UInt64) -> (id: UInt32, inserted: Bool) {
        if (keyOfId.count + 1) * 2 > slots.count { grow() }
        var i = Self.hash(key, shift: shift)
        while true {
            let s = slots[i]
            if s == 0 {
                let id = UInt32(keyOfId.count)
                slots[i] = id + 1
                keys[i] = key
                keyOfId.append(key)
                return (id, true)
            }
            if keys[i] == key { return (s - 1, false) }
            i = (i + 1) & mask
        }
    }

    /// The id of `key`, or `nil`.
    @inline(__always) func find(_ key: UInt64) -> UInt32? {
        var i = Self.hash(key, shift: shift)
        while true {
            let s = slots[i]
            if s == 0 { return nil }
            if keys[i] == key { return s - 1 }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let capacity = slots.count * 2
        var newKeys = [UInt64](repeating: 0, count: capacity)
        var newSlots = [UInt32](repeating: 0, count: capacity)
        let newMask = capacity - 1
        let newShift = UInt64(64 - capacity.trailingZeroBitCount)
        for (id, key) in keyOfId.enumerated() {
            var i = Self.hash(key, shift: newShift)
            while newSlots[i] != 0 { i = (i + 1) & newMask }
            newSlots[i] = UInt32(id + 1)
            newKeys[i] = key
        }
        keys = newKeys
        slots = newSlots
        mask = newMask
        shift = newShift
    }
}

/// Dense grouping of 64-bit keys on all cores: `ids[i]` is the group of row `i`, groups numbered
/// by first occurrence, so the result does not depend on the number of chunks.
/// - Complexity: O(n) expected; two parallel passes (local tables, then lookups in the merged table).
func groupKeys(_ keys: [UInt64], threads: Int) -> (ids: [UInt32], sizes: [Int], firstRow: [Int]) {
    let n = keys.count
    let chunkCount = max(1, min(threads, n / 32_768))
    let chunkSize = (n + chunkCount - 1) / max(chunkCount, 1)
    if chunkCount == 1 {
        var table = GroupTable(expected: 1024)
        var ids = [UInt32](repeating: 0, count: n)
        var sizes: [Int] = []
        var first: [Int] = []
        keys.withUnsafeBufferPointer { k in
            ids.withUnsafeMutableBufferPointer { out in
                for i in 0..<n {
                    let (id, inserted) = table.insert(k[i])
                    if inserted {
                        sizes.append(0)
                        first.append(i)
                    }
                    sizes[Int(id)] += 1
                    out[i] = id
                }
            }
        }
        return (ids, sizes, first)
    }
    // Pass 1: per-chunk tables with counts and first rows, one result per chunk.
    typealias Local = (table: GroupTable, counts: [Int], first: [Int])
    let locals: [Local] = keys.withUnsafeBufferPointer { k in
        ParallelChunks.map(chunkCount) { c in
            let lo = c * chunkSize, hi = min(n, lo + chunkSize)
            var table = GroupTable(expected: 1024)
            var counts: [Int] = []
            var first: [Int] = []
            if lo < hi {
                for i in lo..<hi {
                    let (id, inserted) = table.insert(k[i])
                    if inserted {
                        counts.append(0)
                        first.append(i)
                    }
                    counts[Int(id)] += 1
                }
            }
            return (table, counts, first)
        }
    }
    // Merge in chunk order: ids follow global first occurrence.
    var global = GroupTable(expected: locals.first?.counts.count ?? 1024)
    var sizes: [Int] = []
    var first: [Int] = []
    for local in locals {
        for (localId, key) in local.table.keyOfId.enumerated() {
            let (id, inserted) = global.insert(key)
            if inserted {
                sizes.append(0)
                first.append(local.first[localId])
            }
            sizes[Int(id)] += local.counts[localId]
        }
    }
    // Pass 2: row ids from the read-only merged table.
    var ids = [UInt32](repeating: 0, count: n)
    let merged = global
    keys.withUnsafeBufferPointer { kb in
        ids.withUnsafeMutableBufferPointer { out in
            ParallelChunks.forEach(chunkCount) { c in
                let lo = c * chunkSize, hi = min(n, lo + chunkSize)
                if lo < hi { for i in lo..<hi { out[i] = merged.find(kb[i])! } }
            }
        }
    }
    return (ids, sizes, first)
}
