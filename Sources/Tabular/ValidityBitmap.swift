/// One bit per row saying whether the row's value is present (1) or missing (0).
///
/// Columns without missing values carry no bitmap at all (`Column.validity == nil`), so the
/// common case costs nothing. Missing values are never encoded as NaN or a sentinel: the slot
/// behind a missing value holds zero (or code 0, or `false`), which keeps sums unaffected, and
/// kernels that care consult the bitmap.
public struct ValidityBitmap: Sendable, Equatable, Hashable {
    /// 64 rows per word, least significant bit first.
    public private(set) var words: [UInt64]
    /// The number of rows covered.
    public private(set) var count: Int

    /// A bitmap of `count` rows, all present (`true`) or all missing (`false`).
    public init(count: Int, allValid: Bool) {
        self.count = count
        let wordCount = (count + 63) >> 6
        words = [UInt64](repeating: allValid ? ~0 : 0, count: wordCount)
        if allValid, count & 63 != 0 { words[wordCount - 1] = (1 << UInt64(count & 63)) - 1 }
    }

    /// A bitmap from explicit flags (`true` = present). O(n).
    public init<S: Sequence>(_ flags: S) where S.Element == Bool {
        self.init(count: 0, allValid: true)
        for flag in flags { append(flag) }
    }

    /// Whether row `index` holds a value. O(1).
    @inlinable public func isValid(_ index: Int) -> Bool {
        precondition(index >= 0 && index < count, "row \(index) out of range 0..<\(count)")
        return words[index >> 6] & (1 << UInt64(index & 63)) != 0
    }

    /// Marks row `index` present or missing. O(1).
    public mutating func set(_ index: Int, valid: Bool) {
        precondition(index >= 0 && index < count, "row \(index) out of range 0..<\(count)")
        let mask: UInt64 = 1 << UInt64(index & 63)
        if valid { words[index >> 6] |= mask } else { words[index >> 6] &= ~mask }
    }

    /// Appends one row. Amortised O(1).
    public mutating func append(_ valid: Bool) {
        if count & 63 == 0 { words.append(0) }
        if valid { words[count >> 6] |= 1 << UInt64(count & 63) }
        count += 1
    }

    /// Appends all rows of another bitmap. O(other.count / 64) when aligned, O(other.count) otherwise.
    public mutating func append(contentsOf other: ValidityBitmap) {
        if count & 63 == 0 {
            words.append(contentsOf: other.words)
            count += other.count
            return
        }
        for index in 0..<other.count { append(other.isValid(index)) }
    }

    /// The number of missing rows. O(n / 64).
    public var nullCount: Int {
        var valid = 0
        for word in words { valid &+= word.nonzeroBitCount }
        return count - valid
    }
}
