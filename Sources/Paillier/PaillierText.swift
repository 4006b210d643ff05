/// The line-oriented text format of the `privacy-kernel paillier` files: one decimal integer per
/// line (plaintexts signed, ciphertexts positive), `\n` or `\r\n` line ends, a final line end
/// optional. Other tools (python-paillier, a spreadsheet) read and write it directly.
public enum PaillierText {
    /// Parses every line of `text` as a decimal integer.
    ///
    /// - Parameters:
    ///   - source: the file name, for error messages.
    ///   - maximumLength: the most bytes a line may have (`nil`: no limit); a longer line is
    ///     refused before it is parsed. ``maximumPlaintextLength(for:)`` and
    ///     ``maximumCiphertextLength(for:)`` give the limits under a key.
    /// - Throws: ``PaillierError/fieldTooLong(parameter:length:maximumLength:)`` or
    ///   ``PaillierError/invalidInteger(parameter:text:)`` (the text cut to 64 characters), whose
    ///   parameter names the source and the 1-based line (an empty line inside the file is an
    ///   error too).
    /// - Complexity: O(total digits) plus GMP's conversions.
    public static func parseIntegers(
        _ text: String, source: String, maximumLength: Int? = nil
    ) throws(PaillierError) -> [BigInteger] {
        // Split the UTF-8 bytes (not Characters: grapheme breaking of a multi-megabyte line is
        // slow); a "\r" before "\n" belongs to the line end.
        var lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        var values: [BigInteger] = []
        values.reserveCapacity(lines.count)
        for (offset, bytes) in lines.enumerated() {
            let rawLine = Substring(bytes.last == UInt8(ascii: "\r") ? bytes.dropLast() : bytes)
            if let maximumLength, rawLine.utf8.count > maximumLength {
                throw PaillierError.fieldTooLong(
                    parameter: "\(source) line \(offset + 1)", length: rawLine.utf8.count, maximumLength: maximumLength)
            }
            values.append(try BigInteger(decimal: rawLine, parameter: "\(source) line \(offset + 1)"))
        }
        return values
    }

    /// The most characters of a signed plaintext line under `key`: a `-` and the digits of n
    /// (|v| ≤ n/3 < n).
    public static func maximumPlaintextLength(for key: PaillierPublicKey) -> Int {
        key.n.description.utf8.count + 1
    }

    /// The most characters of a ciphertext line under `key`: the digits of n² (c < n²).
    public static func maximumCiphertextLength(for key: PaillierPublicKey) -> Int {
        key.nSquared.description.utf8.count
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
