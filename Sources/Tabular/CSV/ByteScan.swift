/// Word-at-a-time ("SWAR") byte matching: eight bytes per 64-bit operation, exact (no false
/// positives), portable, and free of the scalarised code that Swift's generic `SIMD` comparisons
/// currently compile to.
enum ByteScan {
    static let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F

    /// `byte` repeated in all eight lanes.
    @inline(__always) static func broadcast(_ byte: UInt8) -> UInt64 { UInt64(byte) &* 0x0101_0101_0101_0101 }

    /// The high bit of each lane of `word` that is zero, and nothing else.
    @inline(__always) static func zeroLanes(_ word: UInt64) -> UInt64 {
        ~(((word & low7) &+ low7) | word | low7)
    }

    /// The high bit of each lane of `word` equal to the byte broadcast in `pattern`.
    @inline(__always) static func matches(_ word: UInt64, _ pattern: UInt64) -> UInt64 {
        zeroLanes(word ^ pattern)
    }
}
