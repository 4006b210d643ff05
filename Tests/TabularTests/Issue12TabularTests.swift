import Foundation
import Tabular
import Testing

@Suite("Issue 12: error messages quote at most 64 characters of a cell")
struct Issue12TabularTests {
    @Test("Issue 12 C-messages: a 5 MB unparsable field is quoted as a 64-character excerpt with an ellipsis")
    func hugeFieldTruncated() throws {
        let path = NSTemporaryDirectory() + "issue12-huge-\(UUID().uuidString).csv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let huge = String(repeating: "7", count: 5_000_000) + "x"
        try ("n\n1\n" + huge + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let start = Date()
        do {
            _ = try CSVReader.load(file: path, schema: Schema([Field("n", .float64)]))
            Issue.record("a non-numeric field in a float64 column must be refused")
        } catch let error as TabularError {
            let message = error.description
            #expect(message.count < 200, "the message has \(message.count) characters")
            #expect(message.contains(String(repeating: "7", count: 63) + "…\""))
            if case let .unparsableValue(_, line, column, value, _) = error {
                #expect(line == 3 && column == "n" && value.count == 64)
            } else {
                Issue.record("expected unparsableValue, got \(error)")
            }
        }
        #expect(Date().timeIntervalSince(start) < 4.6)
    }

    @Test("Issue 12 C-messages: excerpt keeps short text, cuts long text to 64 characters and is idempotent")
    func excerptRule() {
        #expect(TabularError.excerpt("abc") == "abc")
        let exactly = String(repeating: "é", count: 64)
        #expect(TabularError.excerpt(exactly) == exactly)
        let long = String(repeating: "字", count: 65)
        let cut = TabularError.excerpt(long)
        #expect(cut.count == 64 && cut.hasSuffix("…") && cut.hasPrefix(String(repeating: "字", count: 63)))
        #expect(TabularError.excerpt(cut) == cut)
        // Messages built directly from a long value are cut too.
        let error = TabularError.nonFiniteValue(
            file: "f.csv", line: 2, column: "x", value: String(repeating: "9", count: 1_000) + "e999")
        #expect(error.description.count < 160 && error.description.contains("…"))
    }
}
