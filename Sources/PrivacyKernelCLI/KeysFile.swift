import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file of public keys (one per line) could not be read. Each message names the option,
/// the file and the rule; none quotes the file's contents.
public enum KeysFileError: Error, Equatable, CustomStringConvertible {
    /// No file at the path.
    case notFound(option: String, path: String)
    /// A directory, device, FIFO or socket (e.g. `/dev/null`) rather than a regular file.
    case notRegularFile(option: String, path: String, kind: String)
    /// The file exists but this process may not read it.
    case permissionDenied(option: String, path: String)
    /// Larger than `limit` bytes.
    case tooLarge(option: String, path: String, bytes: Int, limit: Int)
    /// Not valid UTF-8 (1-based `line`).
    case notUTF8(option: String, path: String, line: Int)
    /// No key: the file is empty or has only blank lines.
    case empty(option: String, path: String)
    /// Any other operating-system failure.
    case unreadable(option: String, path: String, reason: String)

    /// The message: option, file and rule, never the contents.
    public var description: String {
        switch self {
        case let .notFound(option, path): return "\(option) '\(path)': no such file"
        case let .notRegularFile(option, path, kind):
            return "\(option) '\(path)': is \(kind), not a regular file of keys (one per line)"
        case let .permissionDenied(option, path): return "\(option) '\(path)': permission denied"
        case let .tooLarge(option, path, bytes, limit):
            return "\(option) '\(path)': \(bytes) bytes, more than the limit of \(limit) bytes for a keys file"
        case let .notUTF8(option, path, line): return "\(option) '\(path)': line \(line) is not valid UTF-8 text"
        case let .empty(option, path):
            return "\(option) '\(path)': the file holds no key (it is empty or has only blank lines)"
        case let .unreadable(option, path, reason): return "\(option) '\(path)': cannot read: \(reason)"
        }
    }
}

/// The largest keys file accepted: 16 MiB.
public let maximumKeysFileBytes = 16 << 20

/// Reads a file of public keys, one per line (UTF-8, LF or CRLF; surrounding spaces trimmed,
/// blank lines skipped, order kept, duplicates kept for the caller to judge), for options such
/// as `dp --keys`.
/// - Parameters:
///   - path: the file.
///   - option: the option's name for messages (e.g. `--keys`).
/// - Throws: ``KeysFileError`` naming the rule broken: not found, not a regular file (`/dev/null`,
///   a directory), permission, larger than ``maximumKeysFileBytes``, not UTF-8, or no key at all.
/// - Complexity: O(file size).
public func readKeysFile(_ path: String, option: String = "--keys") throws(KeysFileError) -> [String] {
    var info = stat()
    if stat(path, &info) != 0 {
        switch errno {
        case ENOENT, ENOTDIR: throw .notFound(option: option, path: path)
        case EACCES: throw .permissionDenied(option: option, path: path)
        default: throw .unreadable(option: option, path: path, reason: String(cString: strerror(errno)))
        }
    }
    let type = info.st_mode & S_IFMT
    guard type == S_IFREG else {
        let kind: String
        switch type {
        case S_IFDIR: kind = "a directory"
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        case S_IFIFO: kind = "a FIFO"
        case S_IFSOCK: kind = "a socket"
        default: kind = "not a regular file"
        }
        throw .notRegularFile(option: option, path: path, kind: kind)
    }
    if Int(info.st_size) > maximumKeysFileBytes {
        throw .tooLarge(option: option, path: path, bytes: Int(info.st_size), limit: maximumKeysFileBytes)
    }
    guard let handle = FileHandle(forReadingAtPath: path) else {
        if access(path, R_OK) != 0 && errno == EACCES { throw .permissionDenied(option: option, path: path) }
        throw .unreadable(option: option, path: path, reason: String(cString: strerror(errno)))
    }
    defer { try? handle.close() }
    let data: Data
    do { data = try handle.read(upToCount: maximumKeysFileBytes + 1) ?? Data() } catch {
        throw .unreadable(option: option, path: path, reason: "\(error.localizedDescription)")
    }
    if data.count > maximumKeysFileBytes {  // grew since stat
        throw .tooLarge(option: option, path: path, bytes: data.count, limit: maximumKeysFileBytes)
    }
    var keys: [String] = []
    var line = 0
    for raw in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
        line += 1
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw .notUTF8(option: option, path: path, line: line)
        }
        let unmarked = line == 1 && text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text  // byte-order mark
        let key = unmarked.trimmingCharacters(in: .whitespacesAndNewlines)
        if !key.isEmpty { keys.append(key) }
    }
    if keys.isEmpty { throw .empty(option: option, path: path) }
    return keys
}
