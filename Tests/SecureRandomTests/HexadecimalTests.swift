import Testing

@testable import SecureRandom

@Suite("Hexadecimal codec")
struct HexadecimalTests {
    @Test("encodes every byte value as two lower-case digits, in order")
    func encodesEveryByte() {
        let bytes = (0...255).map { UInt8($0) }
        let text = Hexadecimal.encode(bytes)
        #expect(text.count == 512)
        #expect(text.hasPrefix("000102030405060708090a0b0c0d0e0f10"))
        #expect(text.hasSuffix("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"))
        #expect(Hexadecimal.decode(text) == bytes)
        #expect(Hexadecimal.encode([UInt8]()) == "")
    }

    @Test("decodes either case and refuses odd lengths and non-digits")
    func decodesAndRefuses() {
        #expect(Hexadecimal.decode("DEADbeef") == [0xde, 0xad, 0xbe, 0xef])
        #expect(Hexadecimal.decode("") == [])
        #expect(Hexadecimal.decode("abc") == nil)
        #expect(Hexadecimal.decode("0g") == nil)
        #expect(Hexadecimal.decode("0 ") == nil)
        #expect(Hexadecimal.decode("é0") == nil)
    }
}
