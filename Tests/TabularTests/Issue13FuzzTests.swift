import Foundation
import Tabular
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Regression tests for crashes found by the `csv` fuzz target (Fuzz/, docs/fuzzing.md).
@Suite("Issue 13 fuzz: csv")
struct Issue13CSVFuzzTests {
    /// Runs `body` on `bytes` placed at the very end of a readable page that is followed by an
    /// inaccessible one, so that any read past the end faults (what AddressSanitizer reported).
    static func withGuardedBytes<R>(_ bytes: [UInt8], _ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard let region = mmap(nil, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              region != MAP_FAILED else { throw POSIXError(.ENOMEM) }
        defer { munmap(region, 2 * page) }
        guard mprotect(region + page, page, PROT_NONE) == 0 else { throw POSIXError(.EACCES) }
        let start = (region + (page - bytes.count)).assumingMemoryBound(to: UInt8.self)
        start.update(from: bytes, count: bytes.count)
        return try body(UnsafeBufferPointer(start: start, count: bytes.count))
    }

    /// Fuzz input `crash-856072e368c4319dfd94d0876a6f5c88edf0c607` (options `00 00 05 0d`:
    /// separator `;`, no header, one chunk): the categorical column builder read the first field
    /// of an input shorter than 16 bytes as 16 bytes (heap-buffer-overflow in
    /// `ByteDictionary.head(overreading:)`), because its over-read limit `base + max(0, end − 16)`
    /// let the field at offset 0 through.
    @Test("Issue 13 fuzz: csv reader never reads past an input shorter than 16 bytes (categorical first field)",
          arguments: ["a;b\n1;2", "a;b\n1;2\n", "x", "abcdefghijklmno", "q;r;s\nt;u;v\n"])
    func shortInputNotOverread(text: String) throws {
        let options = CSVOptions(separator: UInt8(ascii: ";"), hasHeader: false, threads: 1, chunkCount: 1)
        let table = try Self.withGuardedBytes(Array(text.utf8)) { try CSVReader.load(bytes: $0, options: options).table }
        let expected = text.split(separator: "\n").map { $0.split(separator: ";", omittingEmptySubsequences: false) }
        #expect(table.rowCount == expected.count)
        #expect(table.columnCount == expected[0].count)
        #expect(table.columns[0].type == .categorical)
    }
}
