public import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What a principal is allowed to do in a ledger that takes signed requests.
public enum PrincipalRole: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Registers datasets, their digests, column levels and roles, row-count declarations.
    case steward
    /// Grants, suspends, resumes and terminates authorisations; sets the export policy and
    /// area; registers and revokes principals; purges the audit log.
    case reviewer
    /// Asks for releases and exports under an authorisation granted to this name.
    case `operator`
    /// Signs checkpoints of the audit chain.
    case regulator
    /// The platform operator (平台运营主体): runs the service, which holds this key and signs
    /// the entries it writes for verified requests of other principals
    /// (``SQLiteLedger/acting(for:)``). Grants nothing, reads no data, releases nothing.
    case platform

    /// Alphabetical, for stable listings.
    public static func < (a: PrincipalRole, b: PrincipalRole) -> Bool { a.rawValue < b.rawValue }

    /// The role an audited action needs, `nil` for the platform's own entries (creation,
    /// schema baseline, throwaway mark), which a ledger that takes signed requests never
    /// writes after its first principal.
    static func needed(for action: String) -> PrincipalRole? {
        switch action {
        case "dataset-registered", "dataset-digest", "classify", "role", "row-count-public", "raw-read",
            "secagg-session":
            .steward
        case "grant", "suspend", "resume", "terminate", "export-area", "policy", "principal-registered",
            "principal-revoked", "identities-signed", "purge", "platform-mode":
            .reviewer
        case "release-charged", "release-completed", "export", "export-downloaded": .operator
        case "checkpoint": .regulator
        default: nil
        }
    }
}

/// A principal's public part: its name and Ed25519 public key, as registered in a ledger and as
/// written in a `.pub` identity file (`privacy-kernel principal v1`, `name: NAME`,
/// `ed25519-public: BASE64`).
public struct PrincipalKey: Sendable, Hashable {
    /// The principal's name: the operator, steward, reviewer or regulator it acts as.
    public let name: String
    /// The 32 raw bytes of the Ed25519 public key, base64.
    public let publicKeyBase64: String

    /// A name and a public key.
    public init(name: String, publicKey: Curve25519.Signing.PublicKey) {
        self.name = name
        self.publicKeyBase64 = publicKey.rawRepresentation.base64EncodedString()
    }

    /// The Ed25519 public key.
    public var publicKey: Curve25519.Signing.PublicKey {
        // Validated when the value was made (an init checks the 32 bytes).
        try! Curve25519.Signing.PublicKey(rawRepresentation: Data(base64Encoded: publicKeyBase64)!)
    }

    /// Reads a `.pub` identity file.
    ///
    /// - Throws: ``PrivacyLedgerError/invalidIdentity(path:reason:)`` naming what is wrong.
    public init(contentsOfFile path: String) throws(PrivacyLedgerError) {
        let (name, raw) = try IdentityFile.read(path, header: IdentityFile.publicHeader, keyField: "ed25519-public")
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            throw .invalidIdentity(path: path, reason: "the ed25519-public field is not an Ed25519 public key")
        }
        self.init(name: name, publicKey: key)
    }

    /// The file's text.
    var fileText: String {
        "\(IdentityFile.publicHeader)\nname: \(name)\ned25519-public: \(publicKeyBase64)\n"
    }
}

/// A principal's private identity — its name and Ed25519 signing key — as read from the file
/// that `--identity` names (`privacy-kernel identity v1`, `name: NAME`,
/// `ed25519-private: BASE64`; written with mode 0600). A ledger opened with an identity signs
/// each audit entry that the identity's requests write.
///
/// Sendable by hand: the key is an immutable value (swift-crypto does not mark it `Sendable` on
/// Linux) and nothing here mutates it.
public struct LedgerIdentity: @unchecked Sendable {
    /// The principal's name.
    public let name: String
    /// The private key.
    public let signingKey: Curve25519.Signing.PrivateKey

    /// A name and a key (a new random key by default).
    ///
    /// - Throws: ``PrivacyLedgerError/invalidParameter(name:value:reason:)`` for a name that is
    ///   blank, longer than 128 bytes, or holds a control character or a colon.
    public init(name: String, signingKey: Curve25519.Signing.PrivateKey = .init()) throws(PrivacyLedgerError) {
        try IdentityFile.validate(name: name)
        self.name = name
        self.signingKey = signingKey
    }

    /// Reads an identity file.
    ///
    /// - Throws: ``PrivacyLedgerError/invalidIdentity(path:reason:)`` naming what is wrong.
    public init(contentsOfFile path: String) throws(PrivacyLedgerError) {
        let (name, raw) = try IdentityFile.read(path, header: IdentityFile.privateHeader, keyField: "ed25519-private")
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw .invalidIdentity(path: path, reason: "the ed25519-private field is not an Ed25519 private key")
        }
        self.name = name
        self.signingKey = key
    }

    /// The public part, to register in a ledger.
    public var principalKey: PrincipalKey { PrincipalKey(name: name, publicKey: signingKey.publicKey) }

    /// Writes `<base>.key` (the identity, mode 0600) and `<base>.pub` (its public part, mode
    /// 0644), refusing to replace either file.
    ///
    /// - Returns: the two paths.
    /// - Throws: ``PrivacyLedgerError/invalidIdentity(path:reason:)`` when a file exists or
    ///   cannot be written.
    @discardableResult
    public func write(base: String) throws(PrivacyLedgerError) -> (privatePath: String, publicPath: String) {
        let privatePath = base + ".key", publicPath = base + ".pub"
        for path in [privatePath, publicPath] where FileManager.default.fileExists(atPath: path) {
            throw .invalidIdentity(path: path, reason: "the file exists; an identity file is never replaced")
        }
        try IdentityFile.create(
            privatePath,
            text:
                "\(IdentityFile.privateHeader)\nname: \(name)\ned25519-private: \(signingKey.rawRepresentation.base64EncodedString())\n",
            mode: 0o600)
        try IdentityFile.create(publicPath, text: principalKey.fileText, mode: 0o644)
        return (privatePath, publicPath)
    }
}

/// The identity files' format.
enum IdentityFile {
    static let privateHeader = "privacy-kernel identity v1"
    static let publicHeader = "privacy-kernel principal v1"
    static let maximumBytes = 4096

    static func validate(name: String) throws(PrivacyLedgerError) {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.utf8.count <= 128,
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == ":" })
        else {
            throw .invalidParameter(
                name: "principal name", value: String(name.prefix(40)),
                reason: "must be 1–128 bytes, not blank, without control characters or ':'")
        }
    }

    /// The name and the decoded key field of an identity file.
    static func read(_ path: String, header: String, keyField: String) throws(PrivacyLedgerError) -> (String, Data) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidIdentity(path: path, reason: "no such file, or it cannot be read")
        }
        guard data.count <= maximumBytes, let text = String(data: data, encoding: .utf8) else {
            throw .invalidIdentity(path: path, reason: "not an identity file (too long, or not UTF-8)")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard lines.first == header else {
            throw .invalidIdentity(path: path, reason: "the first line is not '\(header)'")
        }
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else {
                throw .invalidIdentity(path: path, reason: "a line is not 'field: value'")
            }
            let field = String(line[..<colon]),
                value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard fields[field] == nil else {
                throw .invalidIdentity(path: path, reason: "the field '\(field)' repeats")
            }
            fields[field] = value
        }
        guard let name = fields["name"] else { throw .invalidIdentity(path: path, reason: "no 'name:' line") }
        do { try validate(name: name) } catch { throw .invalidIdentity(path: path, reason: "\(error)") }
        guard let encoded = fields[keyField], let raw = Data(base64Encoded: encoded), raw.count == 32 else {
            throw .invalidIdentity(path: path, reason: "no '\(keyField):' line with 32 base64-encoded bytes")
        }
        return (name, raw)
    }

    static func create(_ path: String, text: String, mode: mode_t) throws(PrivacyLedgerError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard descriptor >= 0 else {
            throw .invalidIdentity(path: path, reason: "cannot be created: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard Glibc.write(descriptor, bytes, bytes.count) == bytes.count else {
            throw .invalidIdentity(path: path, reason: "cannot be written: \(String(cString: strerror(errno)))")
        }
    }
}
