import Testing
@_spi(Testing) import SecureRandom

func draws(_ generator: inout SecureRandomGenerator, _ count: Int) -> [UInt64] {
    (0..<count).map { _ in generator.next() }
}

@Suite("Stream properties: determinism, independence, bulk = scalar, re-keying")
struct StreamTests {
    @Test("same test seed, same stream; different seeds differ")
    func testSeedDeterminism() {
        var a = SecureRandomGenerator(testSeed: 42)
        var b = SecureRandomGenerator(testSeed: 42)
        var c = SecureRandomGenerator(testSeed: 43)
        let streamA = draws(&a, 5000)  // crosses a 2048-word refill twice
        #expect(streamA == draws(&b, 5000))
        let streamC = draws(&c, 5000)
        #expect(streamA != streamC)
        #expect(zip(streamA, streamC).filter { $0 == $1 }.isEmpty)
    }

    @Test("OS-seeded generators produce different streams")
    func systemSeededDiffer() throws {
        var a = try SecureRandomGenerator()
        var b = try SecureRandomGenerator()
        let streamA = draws(&a, 64), streamB = draws(&b, 64)
        #expect(streamA != streamB)
        #expect(Set(streamA).count == 64)
    }

    @Test("a copied generator shares its original's stream and never replays it")
    func copiesDoNotReplay() {
        var original = SecureRandomGenerator(testSeed: 7)
        _ = draws(&original, 10)
        var copy = original
        let fromCopy = draws(&copy, 3000)  // crosses a refill
        let fromOriginal = draws(&original, 3000)
        #expect(Set(fromCopy).isDisjoint(with: fromOriginal))
        var reference = SecureRandomGenerator(testSeed: 7)
        #expect(Array(draws(&reference, 6010).suffix(6000)) == fromCopy + fromOriginal)
    }

    @Test("fill(_:) yields the same words as repeated next()", arguments: [0, 1, 7, 2047, 2048, 2049, 5000, 20_000])
    func bulkEqualsScalar(count: Int) {
        var scalar = SecureRandomGenerator(testSeed: 99)
        var bulk = SecureRandomGenerator(testSeed: 99)
        let expected = draws(&scalar, count + 3)
        _ = bulk.next()  // start mid-buffer
        var words = [UInt64](repeating: 0, count: count)
        bulk.fill(&words)
        let tail = draws(&bulk, 2)
        #expect([expected[0]] + words + tail == expected)
    }

    @Test("a byte fill of odd length is a prefix of the stream and consumes whole words")
    func oddLengthFill() {
        var reference = SecureRandomGenerator(testSeed: 5)
        var generator = SecureRandomGenerator(testSeed: 5)
        let words = draws(&reference, 3)
        var bytes = [UInt8](repeating: 0, count: 13)
        bytes.withUnsafeMutableBytes { generator.fill($0) }
        let expectedBytes = words.flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
        #expect(bytes == Array(expectedBytes.prefix(13)))
        #expect(generator.next() == words[2])
    }

    @Test("re-keying happens after the configured number of bytes, deterministically under a test seed")
    func rekeying() {
        let interval: UInt64 = 64 * 1024  // 4 refills of 16 KiB per key
        var a = SecureRandomGenerator(testSeed: 1, rekeyIntervalBytes: interval)
        var b = SecureRandomGenerator(testSeed: 1, rekeyIntervalBytes: interval)
        var unbounded = SecureRandomGenerator(testSeed: 1)
        let wordsPerKey = Int(interval / 8)
        let streamA = draws(&a, 3 * wordsPerKey + 1)
        #expect(a.rekeyCount == 3)
        #expect(streamA == draws(&b, 3 * wordsPerKey + 1))
        let streamU = draws(&unbounded, 3 * wordsPerKey + 1)
        #expect(Array(streamA.prefix(wordsPerKey)) == Array(streamU.prefix(wordsPerKey)))
        #expect(streamA[wordsPerKey...].elementsEqual(streamU[wordsPerKey...]) == false)
        #expect(Set(streamA).count == streamA.count)  // no repeats across keys
    }

    @Test("OS-seeded generator re-keys from the OS and keeps running")
    func systemRekeying() throws {
        var generator = try SecureRandomGenerator()
        var words = [UInt64](repeating: 0, count: 1 << 20)  // 8 MiB, far below 2^32: no re-key
        generator.fill(&words)
        #expect(generator.rekeyCount == 0)
        #expect(Set(words.prefix(4096)).count == 4096)
    }
}

@Suite("Standard-library interoperability")
struct InteroperabilityTests {
    @Test("works as the `using:` generator of standard-library APIs")
    func standardLibrary() {
        var generator = SecureRandomGenerator(testSeed: 11)
        for _ in 0..<1000 {
            #expect((1...6).contains(Int.random(in: 1...6, using: &generator)))
            let unit = Double.random(in: 0..<1, using: &generator)
            #expect(unit >= 0 && unit < 1)
        }
        let shuffled = Array(0..<100).shuffled(using: &generator)
        #expect(shuffled.sorted() == Array(0..<100) && shuffled != Array(0..<100))
    }
}
