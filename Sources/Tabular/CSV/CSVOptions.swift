/// How a CSV file is laid out and how it should be read or written.
public struct CSVOptions: Sendable, Equatable {
    /// The field separator byte (`,` by default; `;` for the Adult data, `\t` for TSV).
    public var separator: UInt8
    /// The quote byte (RFC 4180: `"`, doubled inside a quoted field).
    public var quote: UInt8
    /// Whether the first row names the columns. Without a header, columns are called `column1`, `column2`, …
    public var hasHeader: Bool
    /// Unquoted field texts that mean "missing". The empty field always does; a quoted empty
    /// field (`""`) is an empty string, not a missing value.
    public var nullTokens: [String]
    /// The line ending used by the writer (the reader accepts LF and CRLF alike).
    public var lineEnding: LineEnding
    /// Data rows used to infer types when no schema is declared.
    public var inferenceSampleRows: Int
    /// Worker threads for parsing (defaults to the number of active cores).
    public var threads: Int
    /// Forces the number of parallel chunks (by default one per thread, for inputs of 1 MiB or
    /// more per thread; 1 parses
    /// sequentially). Results never depend on it.
    public var chunkCount: Int?

    /// Line endings for written files.
    public enum LineEnding: String, Sendable, Equatable { case lf, crlf }

    /// Options for RFC 4180 comma-separated files with a header.
    public init(
        separator: UInt8 = UInt8(ascii: ","), quote: UInt8 = UInt8(ascii: "\""), hasHeader: Bool = true,
        nullTokens: [String] = [], lineEnding: LineEnding = .lf, inferenceSampleRows: Int = 10_000,
        threads: Int? = nil, chunkCount: Int? = nil
    ) {
        self.separator = separator
        self.quote = quote
        self.hasHeader = hasHeader
        self.nullTokens = nullTokens
        self.lineEnding = lineEnding
        self.inferenceSampleRows = inferenceSampleRows
        self.threads = threads ?? CSVOptions.defaultThreads
        self.chunkCount = chunkCount
    }

    /// The number of cores this process may use.
    public static var defaultThreads: Int { max(1, ProcessorInfo.activeCores) }

    /// Checks the options themselves.
    /// - Throws: ``TabularError/invalidArgument(name:reason:)``.
    public func validate() throws {
        let forbidden: Set<UInt8> = [UInt8(ascii: "\n"), UInt8(ascii: "\r")]
        if forbidden.contains(separator) || separator >= 0x80 {
            throw TabularError.invalidArgument(
                name: "separator", reason: "must be a single ASCII byte other than CR or LF")
        }
        if forbidden.contains(quote) || quote >= 0x80 || quote == separator {
            throw TabularError.invalidArgument(
                name: "quote", reason: "must be an ASCII byte other than CR, LF and the separator")
        }
        if inferenceSampleRows < 1 {
            throw TabularError.invalidArgument(name: "inferenceSampleRows", reason: "must be at least 1")
        }
        if threads < 1 { throw TabularError.invalidArgument(name: "threads", reason: "must be at least 1") }
        if let chunkCount, chunkCount < 1 {
            throw TabularError.invalidArgument(name: "chunkCount", reason: "must be at least 1")
        }
    }
}
