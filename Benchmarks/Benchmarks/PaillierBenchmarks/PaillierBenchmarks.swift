// Paillier-2048 benchmarks: fast (DJN fixed-base) and plain encryption, CRT decryption,
// homomorphic addition, fast-encryptor setup and key generation.
//
// Run from the Benchmarks/ folder:
//   swift package --disable-sandbox benchmark --no-progress --target PaillierBenchmarks
//
// One iteration is one operation, so package-benchmark's throughput is operations per second.
// The key (2048 bits) is generated once per process; the randomness comes from one OS-keyed
// SecureRandomGenerator behind an uncontended mutex. For ratios against python-paillier and the
// raw GMP floor measured in the same run, use peers/run-paillier-peers.sh.

import Benchmark
import Paillier
import SecureRandom
import Synchronization

/// Everything the benchmarks share, built once.
final class PaillierFixture: Sendable {
    let key: PaillierPrivateKey
    let encryptor: PaillierFastEncryptor
    let plaintexts: [BigInteger]
    let ciphertexts: [PaillierCiphertext]
    let generator: Mutex<SecureRandomGenerator>

    init() throws {
        var generator = try SecureRandomGenerator()
        key = try PaillierPrivateKey.generate(modulusBits: 2048, using: &generator)
        encryptor = try PaillierFastEncryptor(publicKey: key.publicKey, using: &generator)
        var plaintexts: [BigInteger] = []
        var ciphertexts: [PaillierCiphertext] = []
        for _ in 0..<64 {
            let m = BigInteger.random(below: key.publicKey.n, using: &generator)
            plaintexts.append(m)
            ciphertexts.append(try encryptor.encrypt(m, using: &generator))
        }
        self.plaintexts = plaintexts
        self.ciphertexts = ciphertexts
        self.generator = Mutex(generator)
    }

    static let shared: PaillierFixture = {
        do {
            return try PaillierFixture()
        } catch {
            fatalError("PaillierBenchmarks: cannot set up the key: \(error)")
        }
    }()
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .microseconds,
        warmupIterations: 3,
        maxDuration: .seconds(5),
        maxIterations: 2000
    )

    // c = (1 + m·n)·h_s^a mod n², a of 1024 bits, window 6: ~170 multiplications mod n².
    Benchmark("Paillier-2048 encrypt (fast, DJN fixed base)") { benchmark, fixture in
        for index in benchmark.scaledIterations {
            let c = try fixture.generator.withLock { generator in
                try fixture.encryptor.encrypt(fixture.plaintexts[index % 64], using: &generator)
            }
            blackHole(c)
        }
    } setup: {
        PaillierFixture.shared
    }

    // c = (1 + m·n)·r^n mod n², r uniform in Z*n: one 2048-bit exponentiation mod n².
    Benchmark("Paillier-2048 encrypt (plain r^n)") { benchmark, fixture in
        for index in benchmark.scaledIterations {
            let c = try fixture.generator.withLock { generator in
                try fixture.key.publicKey.encrypt(fixture.plaintexts[index % 64], using: &generator)
            }
            blackHole(c)
        }
    } setup: {
        PaillierFixture.shared
    }

    // Validity check + CRT: two mpz_powm_sec with 1024-bit exponents mod p², q².
    Benchmark("Paillier-2048 decrypt (CRT, powm_sec)") { benchmark, fixture in
        for index in benchmark.scaledIterations {
            blackHole(try fixture.key.decrypt(fixture.ciphertexts[index % 64]))
        }
    } setup: {
        PaillierFixture.shared
    }

    // c1·c2 mod n².
    Benchmark(
        "Paillier-2048 add",
        configuration: .init(maxIterations: 200_000)
    ) { benchmark, fixture in
        let publicKey = fixture.key.publicKey
        for index in benchmark.scaledIterations {
            blackHole(publicKey.add(fixture.ciphertexts[index % 64], fixture.ciphertexts[(index + 1) % 64]))
        }
    } setup: {
        PaillierFixture.shared
    }

    // E(k·m): c^k mod n² for a 64-bit k.
    Benchmark("Paillier-2048 multiply by 64-bit plaintext") { benchmark, fixture in
        let k = BigInteger(UInt64(0x9E37_79B9_7F4A_7C15))
        for index in benchmark.scaledIterations {
            blackHole(fixture.key.publicKey.multiply(fixture.ciphertexts[index % 64], by: k))
        }
    } setup: {
        PaillierFixture.shared
    }

    // Building the fixed-base table: 171 × 63 multiplications mod n² and one exponentiation.
    Benchmark(
        "Paillier-2048 fast-encryptor setup",
        configuration: .init(timeUnits: .milliseconds, warmupIterations: 1, maxIterations: 10)
    ) { benchmark, fixture in
        for _ in benchmark.scaledIterations {
            let encryptor = try fixture.generator.withLock { generator in
                try PaillierFastEncryptor(publicKey: fixture.key.publicKey, using: &generator)
            }
            blackHole(encryptor)
        }
    } setup: {
        PaillierFixture.shared
    }

    // Two random 1024-bit primes (CSPRNG candidates, Baillie–PSW + 16 Miller–Rabin rounds).
    Benchmark(
        "Paillier-2048 key generation",
        configuration: .init(timeUnits: .milliseconds, warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 20)
    ) { benchmark, fixture in
        for _ in benchmark.scaledIterations {
            let key = try fixture.generator.withLock { generator in
                try PaillierPrivateKey.generate(modulusBits: 2048, using: &generator)
            }
            blackHole(key)
        }
    } setup: {
        PaillierFixture.shared
    }
}
