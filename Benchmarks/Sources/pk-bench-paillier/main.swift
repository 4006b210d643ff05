// pk-bench-paillier — our side of the same-run Paillier comparison (peers/run-paillier-peers.sh).
//
// Prints one JSON line per operation on standard output, in the protocol of ../../README.md, with
// "bytes" = operations per timed batch (so aggregate.py's rate is operations per second):
//   {"impl":"privacykernel","op":"paillier_encrypt","bytes":40,"seconds":[...],"check":0,"note":"..."}
// Operations (all on one thread unless named otherwise):
//   paillier_encrypt           PaillierFastEncryptor.encrypt (DJN, ℓ = 1024, w = 5, constant-time)
//   paillier_encrypt_plain     PaillierPublicKey.encrypt (r uniform in Z*n, r^n mod n²)
//   paillier_decrypt           PaillierPrivateKey.decrypt (validity check + CRT with mpz_powm_sec)
//   paillier_add               PaillierPublicKey.add (c1·c2 mod n², a new integer per result)
//   paillier_decrypt_threads   PaillierBatch.decrypt over all cores (reported separately)
// Build and run in release:
//   swift run -c release pk-bench-paillier --runs 5 [--key key.json] [--write-key key.json]

import BenchSupport
import Foundation
import Paillier
import SecureRandom

let usage = """
    usage: pk-bench-paillier [--runs N] [--warmup N] [--key FILE] [--write-key FILE] [--bits B]
                             [--ops LIST] [--enc-batch N] [--dec-batch N] [--add-batch N]

      --key FILE       private key JSON {"n","p","q"} (decimal strings); default: generate one
      --write-key FILE generate a key of --bits bits (default 2048), write it as JSON and exit
      --ops LIST       comma-separated: encrypt, encrypt_plain, decrypt, add, decrypt_threads
                       (default: all)
      --enc-batch N    encryptions per timed batch (default 40)
      --dec-batch N    decryptions per timed batch (default 100)
      --add-batch N    additions per timed batch (default 20000)
    """

let knownOps = ["encrypt", "encrypt_plain", "decrypt", "add", "decrypt_threads"]

struct Options {
    var runs = 5
    var warmup = 1
    var keyPath: String?
    var writeKeyPath: String?
    var bits = 2048
    var ops = knownOps
    var encBatch = 40
    var decBatch = 100
    var addBatch = 20_000
}

func fail(_ message: String) -> Never { ProbeArguments.fail(tool: "pk-bench-paillier", message) }

func parseOptions(_ arguments: [String]) -> Options {
    var options = Options()
    var parser = ProbeArguments(tool: "pk-bench-paillier", usage: usage, arguments: arguments)
    while let flag = parser.nextFlag() {
        switch flag {
        case "--runs": options.runs = parser.positiveInt(after: flag)
        case "--warmup": options.warmup = parser.positiveInt(after: flag, allowZero: true)
        case "--key": options.keyPath = parser.value(after: flag)
        case "--write-key": options.writeKeyPath = parser.value(after: flag)
        case "--bits": options.bits = parser.positiveInt(after: flag)
        case "--enc-batch": options.encBatch = parser.positiveInt(after: flag)
        case "--dec-batch": options.decBatch = parser.positiveInt(after: flag)
        case "--add-batch": options.addBatch = parser.positiveInt(after: flag)
        case "--ops": options.ops = parser.operations(after: flag, known: knownOps)
        default: parser.unknown(flag)
        }
    }
    return options
}

func measure<T>(warmup: Int, runs: Int, _ body: () throws -> T) rethrows -> (last: T, seconds: [Double]) {
    try measureRuns(warmup: warmup, runs: runs, body)
}

func emit(_ op: String, batch: Int, seconds: [Double], check: Double, note: String) {
    printLineToStandardOutput(ProtocolLine(impl: "privacykernel", op: op, bytes: batch, seconds: seconds,
                                           check: check, note: note).json)
}

let options = parseOptions(Array(CommandLine.arguments.dropFirst()))

do {
    var generator = try SecureRandomGenerator()
    let key: PaillierPrivateKey
    if let path = options.keyPath {
        key = try JSONDecoder().decode(PaillierPrivateKey.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    } else {
        let (generated, seconds) = try Stopwatch.time { try PaillierPrivateKey.generate(modulusBits: options.bits, using: &generator) }
        printToStandardError("pk-bench-paillier: generated a \(options.bits)-bit key in \(String(format: "%.3f", seconds)) s")
        key = generated
    }
    if let path = options.writeKeyPath {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(key).write(to: URL(fileURLWithPath: path))
        exit(0)
    }
    let publicKey = key.publicKey
    let most = max(options.encBatch, options.decBatch, 2)
    let plaintexts = (0..<most).map { _ in BigInteger.random(below: publicKey.n, using: &generator) }
    let (encryptor, setupSeconds) = try Stopwatch.time { try PaillierFastEncryptor(publicKey: publicKey, using: &generator) }
    printToStandardError("pk-bench-paillier: \(publicKey.modulusBits)-bit key; fast-encryptor table (ℓ = \(encryptor.exponentBits), w = \(encryptor.windowBits)) built in \(String(format: "%.3f", setupSeconds)) s")
    let ciphertexts = try plaintexts.map { try encryptor.encrypt($0, using: &generator) }

    for op in options.ops {
        switch op {
        case "encrypt":
            let (last, seconds) = try measure(warmup: options.warmup, runs: options.runs) { () throws -> PaillierCiphertext in
                var last = ciphertexts[0]
                for index in 0..<options.encBatch { last = try encryptor.encrypt(plaintexts[index], using: &generator) }
                return last
            }
            let wrong = try key.decrypt(last) == plaintexts[options.encBatch - 1] ? 0.0 : 1.0
            emit("paillier_encrypt", batch: options.encBatch, seconds: seconds, check: wrong,
                 note: "fast: DJN h_s^a, a of \(encryptor.exponentBits) bits, constant-time fixed-base window \(encryptor.windowBits); check = wrong decryptions")
        case "encrypt_plain":
            let (last, seconds) = try measure(warmup: options.warmup, runs: options.runs) { () throws -> PaillierCiphertext in
                var last = ciphertexts[0]
                for index in 0..<options.encBatch { last = try publicKey.encrypt(plaintexts[index], using: &generator) }
                return last
            }
            let wrong = try key.decrypt(last) == plaintexts[options.encBatch - 1] ? 0.0 : 1.0
            emit("paillier_encrypt_plain", batch: options.encBatch, seconds: seconds, check: wrong,
                 note: "plain: r uniform in Z*n, r^n mod n^2 (mpz_powm); check = wrong decryptions")
        case "decrypt":
            let (wrong, seconds) = try measure(warmup: options.warmup, runs: options.runs) { () throws -> Int in
                var wrong = 0
                for index in 0..<options.decBatch where try key.decrypt(ciphertexts[index]) != plaintexts[index] { wrong += 1 }
                return wrong
            }
            emit("paillier_decrypt", batch: options.decBatch, seconds: seconds, check: Double(wrong),
                 note: "validity check + CRT with mpz_powm_sec (constant-time); check = wrong decryptions")
        case "decrypt_threads":
            let batch = Array(ciphertexts[0..<options.decBatch])
            let (decoded, seconds) = try measure(warmup: options.warmup, runs: options.runs) {
                try PaillierBatch.decrypt(batch, with: key)
            }
            var wrong = 0
            for index in 0..<options.decBatch where decoded[index] != plaintexts[index] { wrong += 1 }
            emit("paillier_decrypt_threads", batch: options.decBatch, seconds: seconds, check: Double(wrong),
                 note: "PaillierBatch.decrypt on \(ProcessInfo.processInfo.activeProcessorCount) cores; check = wrong decryptions")
        case "add":
            let count = ciphertexts.count
            let (last, seconds) = measure(warmup: options.warmup, runs: options.runs) { () -> PaillierCiphertext in
                var last = ciphertexts[0]
                for index in 0..<options.addBatch {
                    last = publicKey.add(ciphertexts[index % count], ciphertexts[(index + 1) % count])
                }
                return last
            }
            emit("paillier_add", batch: options.addBatch, seconds: seconds, check: Double(last.value.bitWidth),
                 note: "PaillierPublicKey.add: c1*c2 mod n^2 (a new integer per result); check = bits of the last sum")
        default:
            fail("unknown operation '\(op)'")
        }
    }
} catch {
    fail("\(error)")
}
