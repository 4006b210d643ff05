import Testing
@testable import Tabular

@Suite("Byte dictionary and byte scans")
struct ByteDictionaryTests {
    /// Strings of every length from 0 to 40 that differ in a single byte at every position get
    /// distinct codes, and looking them up again returns the same codes (checks the 16-byte
    /// head words, the tail comparison and growth).
    @Test func distinctCodesForNearlyEqualStrings() {
        var dictionary = ByteDictionary()
        var expected: [[UInt8]: UInt32] = [:]
        for length in 0...40 {
            let base = [UInt8](repeating: UInt8(ascii: "a"), count: length)
            var variants = [base]
            for position in 0..<length {
                var variant = base
                variant[position] = UInt8(ascii: "b")
                variants.append(variant)
            }
            for variant in variants {
                let (code, inserted) = variant.withUnsafeBufferPointer {
                    dictionary.code($0.baseAddress ?? UnsafePointer(bitPattern: 8)!, $0.count)
                }
                #expect(inserted == (expected[variant] == nil))
                if let known = expected[variant] { #expect(code == known) } else { expected[variant] = code }
            }
        }
        #expect(dictionary.count == expected.count)
        for (bytes, code) in expected {
            let again = bytes.withUnsafeBufferPointer {
                dictionary.code($0.baseAddress ?? UnsafePointer(bitPattern: 8)!, $0.count)
            }
            #expect(again.code == code && !again.inserted)
            #expect(dictionary.strings()[Int(code)] == String(decoding: bytes, as: UTF8.self))
        }
    }

    /// Large tables are retained and reused between dictionaries; a reused table must come back
    /// zeroed, or the second dictionary would find the first one's strings.
    @Test func reusedLargeTablesStartEmpty() {
        func fill(_ prefix: String, _ count: Int) -> ByteDictionary {
            var dictionary = ByteDictionary()
            for i in 0..<count {
                let bytes = Array("\(prefix)-\(i)".utf8)
                _ = bytes.withUnsafeBufferPointer { dictionary.code($0.baseAddress!, $0.count) }
            }
            return dictionary
        }
        do { _ = fill("first", 100_000) }  // freed here: its tables go to the cache
        var second = fill("second", 100_000)
        #expect(second.count == 100_000)
        for i in stride(from: 0, to: 100_000, by: 997) {
            let old = Array("first-\(i)".utf8), new = Array("second-\(i)".utf8)
            #expect(old.withUnsafeBufferPointer { second.code($0.baseAddress!, $0.count) }.inserted)
            let again = new.withUnsafeBufferPointer { second.code($0.baseAddress!, $0.count) }
            #expect(!again.inserted && again.code == UInt32(i))
        }
        CSVReader.releaseRetainedMemory()
    }

    @Test func byteCountsMatchAScalarCount() {
        var bytes = [UInt8]()
        var state: UInt32 = 1
        for _ in 0..<10_001 {
            state = state &* 1_103_515_245 &+ 12_345
            bytes.append(UInt8(truncatingIfNeeded: state >> 16) % 8 == 0 ? UInt8(ascii: "\"") : UInt8(ascii: "x"))
        }
        bytes.withUnsafeBufferPointer { p in
            for (start, end) in [(0, 10_001), (3, 9_998), (7, 8), (100, 100)] {
                #expect(
                    CSVBoundaries.count(UInt8(ascii: "\""), in: p.baseAddress!, from: start, to: end)
                        == p[start..<end].filter { $0 == UInt8(ascii: "\"") }.count)
            }
        }
    }
}
