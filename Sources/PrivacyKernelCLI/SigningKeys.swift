import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Ed25519 key files of the regulator (`ledger keygen`): one line each,
/// `ed25519-private BASE64` (32 raw bytes; written with mode 0600) and `ed25519-public BASE64`.
enum SigningKeyFile {
    static let privatePrefix = "ed25519-private "
    static let publicPrefix = "ed25519-public "

    /// Writes a new key pair as `<base>.key` and `<base>.pub`, refusing to replace either.
    static func generate(base: String) throws -> (privatePath: String, publicPath: String) {
        let key = Curve25519.Signing.PrivateKey()
        let privatePath = base + ".key", publicPath = base + ".pub"
        for path in [privatePath, publicPath] where FileManager.default.fileExists(atPath: path) {
            throw MessageError("'\(path)' exists; a key file is never replaced")
        }
        try write(privatePrefix + key.rawRepresentation.base64EncodedString() + "\n", to: privatePath, mode: 0o600)
        try write(publicPrefix + key.publicKey.rawRepresentation.base64EncodedString() + "\n", to: publicPath, mode: 0o644)
        return (privatePath, publicPath)
    }

    static func write(_ text: String, to path: String, mode: mode_t) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard descriptor >= 0 else { throw MessageError("cannot create '\(path)': \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard Glibc.write(descriptor, bytes, bytes.count) == bytes.count else {
            throw MessageError("cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    /// The base64 payload of the one line of `path` that starts with `prefix`.
    static func payload(_ path: String, prefix: String, option: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path), data.count <= 4096 else {
            throw MessageError("\(option) '\(path)': no such file, or not a key file")
        }
        guard let text = String(data: data, encoding: .utf8), text.hasPrefix(prefix),
            let raw = Data(base64Encoded: text.dropFirst(prefix.count).trimmingCharacters(in: .whitespacesAndNewlines)),
            raw.count == 32
        else {
            throw MessageError("\(option) '\(path)': not an Ed25519 key file (expected one line '\(prefix)BASE64')")
        }
        return raw
    }

    static func privateKey(_ path: String) throws -> Curve25519.Signing.PrivateKey {
        try Curve25519.Signing.PrivateKey(rawRepresentation: payload(path, prefix: privatePrefix, option: "--key"))
    }

    static func publicKey(_ path: String) throws -> Curve25519.Signing.PublicKey {
        try Curve25519.Signing.PublicKey(rawRepresentation: payload(path, prefix: publicPrefix, option: "--public-key"))
    }
}
