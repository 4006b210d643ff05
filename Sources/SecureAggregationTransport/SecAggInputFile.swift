internal import Foundation
internal import SecureAggregation

/// Reads and writes a party's input vector file for the TCP transport: one decimal integer
/// per line (blank lines ignored), exactly the session's dimension many, each below 2^k.
///
/// Every failure is a ``SecAggTransportError/unusableFile(role:path:problem:)`` naming the
/// file and the problem in words (no such file, a directory, permission denied, line L is not
/// an integer below 2^k, N values where the session needs d) — never a raw Foundation error.
/// These are the party's own files (a data steward's tool), so line numbers may be named.
public enum SecAggInputFile {
    /// The role named in errors about input vector files.
    public static let role = "party input file"

    /// Reads the vector in `path` for a session of `dimension` elements mod 2^`modulusBits`.
    ///
    /// - Throws: ``SecAggTransportError/unusableFile(role:path:problem:)``.
    /// - Complexity: O(file size).
    public static func read(path: String, dimension: Int, modulusBits: Int) throws(SecAggTransportError) -> [UInt32] {
        let text = try readText(path: path, role: role)
        let limit: UInt64 = modulusBits >= 32 ? UInt64(UInt32.max) : (UInt64(1) << UInt64(modulusBits)) - 1
        var values: [UInt32] = []
        values.reserveCapacity(dimension)
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let field = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if field.isEmpty { continue }
            guard let value = UInt64(field), value <= limit else {
                throw .unusableFile(
                    role: role, path: path,
                    problem:
                        "line \(lineNumber) is not an integer in 0...\(limit) (the session's ring is 2^\(modulusBits))")
            }
            guard values.count < dimension else {
                throw .unusableFile(
                    role: role, path: path, problem: "holds more than the session's \(dimension) values")
            }
            values.append(UInt32(value))
        }
        guard values.count == dimension else {
            throw .unusableFile(
                role: role, path: path, problem: "holds \(values.count) values, the session needs \(dimension)")
        }
        return values
    }

    /// Writes `values` to `path`, one per line, atomically (a temporary file renamed into place).
    ///
    /// - Throws: ``SecAggTransportError/unusableFile(role:path:problem:)``.
    public static func write(_ values: [UInt32], path: String) throws(SecAggTransportError) {
        let text = values.map(String.init).joined(separator: "\n") + "\n"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .unusableFile(role: role, path: path, problem: "cannot be written (\(describe(error, path: path)))")
        }
    }

    /// The UTF-8 text of `path`, or a typed error saying why it cannot be read.
    ///
    /// - Throws: ``SecAggTransportError/unusableFile(role:path:problem:)`` with `role`.
    public static func readText(path: String, role: String) throws(SecAggTransportError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unusableFile(role: role, path: path, problem: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw .unusableFile(role: role, path: path, problem: "is a directory, not a file")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw .unusableFile(role: role, path: path, problem: "permission denied")
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unusableFile(role: role, path: path, problem: "cannot be read (\(describe(error, path: path)))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unusableFile(role: role, path: path, problem: "is not UTF-8 text")
        }
        return text
    }

    /// A short reason for a Foundation file error (its POSIX reason when there is one).
    static func describe(_ error: Error, path: String) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(Int32(underlying.code))).lowercased()
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))).lowercased() }
        switch nsError.code {
        case NSFileNoSuchFileError, NSFileReadNoSuchFileError: return "no such file or directory"
        case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: return "permission denied"
        case NSFileWriteOutOfSpaceError: return "no space left on device"
        case NSFileWriteVolumeReadOnlyError: return "read-only file system"
        default: return "I/O error"
        }
    }
}
