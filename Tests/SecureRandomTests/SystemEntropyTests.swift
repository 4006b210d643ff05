import Testing
import SecureRandom

@Suite("SystemEntropy and errors")
struct SystemEntropyTests {
    @Test("fills buffers with fresh bytes")
    func fills() throws {
        let a = try SystemEntropy.bytes(count: 64)
        let b = try SystemEntropy.bytes(count: 64)
        #expect(a.count == 64 && a != b)
        #expect(try SystemEntropy.bytes(count: 0).isEmpty)
        #expect(try SystemEntropy.uint64() != SystemEntropy.uint64())
    }

    @Test("a negative count is a typed error naming the parameter")
    func negativeCount() {
        #expect(throws: SecureRandomError.invalidArgument(name: "count", reason: "must be at least 0, found -1")) {
            try SystemEntropy.bytes(count: -1)
        }
    }

    @Test("the OS failure message names the source, the size and the errno")
    func failureDescription() {
        let message = SecureRandomError.systemEntropyUnavailable(errno: 38, requestedBytes: 48).description
        #expect(message.contains("getrandom"))
        #expect(message.contains("48 bytes"))
        #expect(message.contains("errno 38"))
    }
}
