import Foundation
import Paillier
import SecureAggregation

/// Seeds that only a running library can make (`privacy-kernel-fuzz --write-seeds DIR`): the
/// honest frames of the recorded secure-aggregation sessions and files under the fixed Paillier
/// key. File-based seeds (CSV, hierarchies, session files) are copied from the tests and
/// datasets by scripts/fuzz.sh's `seed` command instead.
enum Seeds {
    static func write(to directory: String) throws {
        func save(_ target: String, _ name: String, _ bytes: [UInt8]) throws {
            let folder = directory + "/" + target
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        for (variant, recording) in SecAggWireFuzz.recordings.enumerated() {
            for (round, (_, frames)) in recording.server.enumerated() {
                var stream: [UInt8] = [UInt8(variant << 2), UInt8(round), 0, 0]
                for (index, id) in recording.ids.enumerated() {
                    guard let frame = frames[id] else { continue }
                    try save(
                        "secagg-wire", "v\(variant)-server-r\(round)-p\(id)",
                        [UInt8(1 | variant << 2), UInt8(round), UInt8(index), 0] + frame)
                    try save(
                        "secagg-wire", "v\(variant)-server-r\(round)-p\(id)-patch",
                        [UInt8(1 | variant << 2), UInt8(round), UInt8(index), 1, 0, 0, 0x53])
                    withUnsafeBytes(of: UInt32(frame.count).bigEndian) { stream.append(contentsOf: $0) }
                    stream += frame
                }
                try save("secagg-wire", "v\(variant)-framing-r\(round)", stream)
            }
            for (round, (_, frames)) in recording.parties.enumerated() {
                for (index, id) in recording.ids.enumerated() {
                    guard let frame = frames[id] else { continue }
                    try save(
                        "secagg-wire", "v\(variant)-party-r\(round)-p\(id)",
                        [UInt8(2 | variant << 2), UInt8(round), UInt8(index), 0] + frame)
                    try save(
                        "secagg-wire", "v\(variant)-party-r\(round)-p\(id)-patch",
                        [UInt8(2 | variant << 2), UInt8(round), UInt8(index), 1, 30, 0, 7])
                }
            }
        }
        let key = PaillierFuzz.key
        let encoder = JSONEncoder()
        try save("paillier", "public-key", [0] + Array(try encoder.encode(key.publicKey)))
        try save("paillier", "private-key", [1] + Array(try encoder.encode(key)))
        let ciphertexts = try [BigInteger(5), BigInteger(-7), BigInteger(0)].map { value throws in
            try key.publicKey.encrypt(key.publicKey.encodeSigned(value), randomness: BigInteger(12345))
        }
        try save("paillier", "ciphertexts", [2] + Array(PaillierText.format(ciphertexts).utf8))
        try save(
            "paillier", "ciphertexts-crlf",
            [2] + Array(PaillierText.format(ciphertexts).replacingOccurrences(of: "\n", with: "\r\n").utf8))
        try save("paillier", "plaintexts", [3] + Array("1\n-5\n0\n123456789012345678901234567890\n".utf8))
    }
}
