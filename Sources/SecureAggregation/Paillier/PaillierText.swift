/// The line-oriented text format of the `privacy-kernel paillier` files: one decimal integer per
/// line (plaintexts signed, ciphertexts positive), `\n` or `\r\n` line ends, a final line end
/// optional. Other tools (python-paillier, a spreadsheet) read and write it directly.
public enum PaillierText {
    /// Parses every line of `text` as a decimal integer.
    ///
    /// - Parameter source: the file name, for error messages.
    /// - Throws: ``PaillierError/invalidInteger(parameter:text:)`` whose parameter names the source
    ///   and the 1-based line (an empty line inside the file is an error too).
    /// - Complexity: O(total digits) plus GMP's conversions.
    public static func parseIntegers(_ text: String, source: String) throws(PaillierError) -> [BigInteger] {
        // "\r\n" is one Character in Swift, so both line ends are separators.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        if lines.last?.isEmpty == true { lines.removeLast() }
        var values: [BigInteger] = []
        values.reserveCapacity(lines.count)
        for (offset, rawLine) in lines.enumerated() {
            values.append(try BigInteger(decimal: rawLine, parameter: "\(source) line \(offset + 1)"))
        }
        return values
    }

    /// One decimal integer per line, each line ended by `\n`.
    public static func format(_ values: some Sequence<some CustomStringConvertible>) -> String {
        var text = ""
        for value in values {
            text += value.description
            text += "\n"
        }
        return text
    }
}
