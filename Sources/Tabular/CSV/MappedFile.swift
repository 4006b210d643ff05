#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole file (falls back to reading it when it cannot be
/// mapped, e.g. a pipe). The mapping lives for the duration of ``withBytes(_:)``.
struct MappedFile {
    let path: String

    init(path: String) throws {
        self.path = path
    }

    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        let descriptor = open(path, O_RDONLY)
        if descriptor < 0 { throw TabularError.io(file: path, reason: String(cString: strerror(errno))) }
        defer { _ = close(descriptor) }
        var info = stat()
        if fstat(descriptor, &info) != 0 { throw TabularError.io(file: path, reason: String(cString: strerror(errno))) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw TabularError.io(file: path, reason: "is a directory") }
        let size = Int(info.st_size)
        if (info.st_mode & S_IFMT) == S_IFREG {
            if size == 0 { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
            if let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapping != MAP_FAILED {
                defer { munmap(mapping, size) }
                _ = madvise(mapping, size, MADV_WILLNEED)
                return try body(UnsafeBufferPointer(start: mapping.assumingMemoryBound(to: UInt8.self), count: size))
            }
        }
        // Not mappable: read everything.
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw TabularError.io(file: path, reason: String(cString: strerror(errno)))
            }
            if got == 0 { break }
            bytes.append(contentsOf: chunk[0..<got])
        }
        return try bytes.withUnsafeBufferPointer { try body($0) }
    }
}
