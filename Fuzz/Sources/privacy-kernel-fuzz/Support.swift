import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads option bytes off the front of a fuzz input; past the end every read gives 0, so any
/// input is usable.
struct FuzzBytes {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The next byte (0 past the end).
    mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// The next little-endian 16-bit value.
    mutating func u16() -> Int { Int(byte()) | Int(byte()) << 8 }

    /// Everything not yet read.
    var rest: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[min(offset, bytes.count)...]) }

    /// Everything not yet read, as an array.
    var restArray: [UInt8] { Array(rest) }

    /// Everything not yet read, decoded as UTF-8 with replacement characters.
    var restText: String { String(decoding: rest, as: UTF8.self) }
}

/// A per-process scratch file for targets whose parser reads a path.
enum ScratchFile {
    static let directory: String = {
        let path = NSTemporaryDirectory() + "privacy-kernel-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// Writes `bytes` to `directory/name` (replacing it) and returns the path.
    static func write(_ bytes: UnsafeRawBufferPointer, name: String) -> String {
        let path = directory + "/" + name
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(descriptor >= 0, "cannot create \(path)")
        var written = 0
        while written < bytes.count {
            let n = Glibc.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            precondition(n > 0, "cannot write \(path)")
            written += n
        }
        close(descriptor)
        return path
    }
}
