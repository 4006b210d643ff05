#if canImport(Glibc)
import Glibc
#endif

/// Asks the kernel to back large column buffers with transparent huge pages (2 MiB), so that
/// filling a buffer of hundreds of megabytes takes hundreds of page faults instead of hundreds
/// of thousands. Advice only: where huge pages are disabled nothing changes.
enum HugePages {
    static let size = 2 << 20

    /// Advises huge pages for the reserved capacity of `array` when it spans at least two
    /// huge pages. Call right after `reserveCapacity`, before the buffer is written.
    static func advise<T>(_ array: inout [T]) {
        #if canImport(Glibc)
        let bytes = array.capacity * MemoryLayout<T>.stride
        guard bytes >= 2 * size else { return }
        let start: Int? = array.withUnsafeMutableBufferPointer { $0.baseAddress.map { Int(bitPattern: $0) } }
        guard let start else { return }
        let first = (start + size - 1) & ~(size - 1)
        let last = (start + bytes) & ~(size - 1)
        if last > first { _ = madvise(UnsafeMutableRawPointer(bitPattern: first), last - first, MADV_HUGEPAGE) }
        #endif
    }
}
