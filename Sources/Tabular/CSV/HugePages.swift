#if canImport(Glibc)
import Glibc
#endif

/// Asks the kernel to back large buffers with transparent huge pages (2 MiB), so that filling a
/// buffer of hundreds of megabytes takes hundreds of page faults instead of hundreds of
/// thousands. Advice only: where huge pages are disabled nothing changes.
enum HugePages {
    static let size = 2 << 20

    /// Advises huge pages for the whole 2 MiB pages inside `bytes` bytes at `start`, when that
    /// spans at least two huge pages. Call before the memory is first written.
    static func advise(_ start: UnsafeMutableRawPointer, bytes: Int) {
        #if canImport(Glibc)
        guard bytes >= 2 * size else { return }
        let address = Int(bitPattern: start)
        let first = (address + size - 1) & ~(size - 1)
        let last = (address + bytes) & ~(size - 1)
        if last > first { _ = madvise(UnsafeMutableRawPointer(bitPattern: first), last - first, MADV_HUGEPAGE) }
        #endif
    }

    /// Advises huge pages for the reserved capacity of `array`. Call right after
    /// `reserveCapacity`, before the new capacity is written.
    static func advise<T>(_ array: inout [T]) {
        let bytes = array.capacity * MemoryLayout<T>.stride
        guard bytes >= 2 * size else { return }
        if let start = array.withUnsafeMutableBufferPointer({ $0.baseAddress }) {
            advise(UnsafeMutableRawPointer(start), bytes: bytes)
        }
    }
}
