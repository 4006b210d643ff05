internal import Foundation

extension CSVReader {
    /// The field separator of a CSV file guessed from its header line: `;` when the first line
    /// (up to 64 KiB) has a `;` and no `,`, else `,` (semicolon files are common in exports from
    /// spreadsheets with a decimal comma).
    ///
    /// - Throws: ``TabularError/io(file:reason:)`` when the file cannot be opened.
    /// - Complexity: reads at most 64 KiB.
    public static func guessSeparator(ofFile path: String) throws(TabularError) -> UInt8 {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .io(file: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot open" : "no such file")
        }
        defer { try? handle.close() }
        return guessSeparator(ofBytes: handle.readData(ofLength: 1 << 16))
    }

    /// ``guessSeparator(ofFile:)`` for CSV already in memory: looks at the first line (up to
    /// 64 KiB) of `bytes`.
    public static func guessSeparator(ofBytes bytes: some Collection<UInt8>) -> UInt8 {
        let line = bytes.prefix(1 << 16).prefix { $0 != UInt8(ascii: "\n") }
        return line.contains(UInt8(ascii: ";")) && !line.contains(UInt8(ascii: ","))
            ? UInt8(ascii: ";") : UInt8(ascii: ",")
    }
}
