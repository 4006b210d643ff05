public import Foundation
import Crypto
import SecureRandom

/// A request to the platform service signed by a principal (issue 15): who, when, a one-time
/// nonce, and an Ed25519 signature over the method, the path, the SHA-256 of the body and
/// those three. Carried in an HTTP `Authorization` header
/// (`PrivacyKernel principal="…", timestamp="…", nonce="…", signature="…"`) and verified by
/// ``SQLiteLedger/verifyRequest(_:method:path:body:)``, which refuses a bad signature, a stale
/// timestamp and a replayed nonce.
public struct SignedRequest: Sendable, Hashable {
    /// The principal's name.
    public let principal: String
    /// When it was signed, in whole seconds since 1970 (UTC).
    public let timestamp: Int64
    /// 16 random bytes, base64: used once.
    public let nonce: String
    /// The Ed25519 signature of ``message(method:path:body:)``, base64.
    public let signature: String

    /// The signed bytes: a version line, the method, the path (with its query), the body's
    /// SHA-256, the principal, the timestamp and the nonce, one per line.
    public func message(method: String, path: String, body: Data) -> Data {
        message(method: method, path: path, bodySHA256: Hexadecimal.encode(SHA256.hash(data: body)))
    }

    /// The signed bytes for a body known by its SHA-256 (lower-case hex).
    func message(method: String, path: String, bodySHA256: String) -> Data {
        Data(
            ("privacy-kernel request v1\n\(method.uppercased())\n\(path)\n\(bodySHA256)\n"
                + "\(principal)\n\(timestamp)\n\(nonce)").utf8)
    }

    /// The `Authorization` header value.
    public var authorizationHeader: String {
        "PrivacyKernel principal=\"\(principal)\", timestamp=\"\(timestamp)\", nonce=\"\(nonce)\", signature=\"\(signature)\""
    }

    /// Parses an `Authorization` header value.
    ///
    /// - Throws: ``PrivacyLedgerError/unauthenticated(actor:reason:)`` naming what is malformed.
    public init(authorizationHeader text: String) throws(PrivacyLedgerError) {
        func refuse(_ reason: String) -> PrivacyLedgerError { .unauthenticated(actor: "?", reason: reason) }
        guard text.utf8.count <= 1024, text.hasPrefix("PrivacyKernel ") else {
            throw refuse("the Authorization header is not a PrivacyKernel signature")
        }
        var fields: [String: String] = [:]
        for part in text.dropFirst("PrivacyKernel ".count).split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[1].count >= 2, pair[1].hasPrefix("\""), pair[1].hasSuffix("\""),
                fields[pair[0]] == nil
            else { throw refuse("the Authorization header has a malformed or repeated field") }
            fields[pair[0]] = String(pair[1].dropFirst().dropLast())
        }
        guard let principal = fields["principal"], !principal.isEmpty,
            let time = fields["timestamp"].flatMap({ Int64($0) }),
            let nonce = fields["nonce"], Data(base64Encoded: nonce)?.count == 16,
            let signature = fields["signature"], Data(base64Encoded: signature)?.count == 64, fields.count == 4
        else {
            throw refuse(
                "the Authorization header needs principal, timestamp, nonce (16 bytes) and signature (64 bytes)")
        }
        self.init(principal: principal, timestamp: time, nonce: nonce, signature: signature)
    }

    init(principal: String, timestamp: Int64, nonce: String, signature: String) {
        self.principal = principal
        self.timestamp = timestamp
        self.nonce = nonce
        self.signature = signature
    }
}

extension LedgerIdentity {
    /// Signs a request to the platform service: `method`, `path` (with its query) and `body`,
    /// at `time`, with a fresh random nonce.
    public func sign(method: String, path: String, body: Data, at time: Date = Date()) -> SignedRequest {
        // The operating system's CSPRNG; should it fail, the all-zero nonce, which a ledger
        // accepts at most once (never a repeated nonce that could be replayed).
        let nonce = (try? SystemEntropy.bytes(count: 16)) ?? [UInt8](repeating: 0, count: 16)
        let unsigned = SignedRequest(
            principal: name, timestamp: Int64(time.timeIntervalSince1970.rounded(.down)),
            nonce: Data(nonce).base64EncodedString(), signature: "")
        let signature =
            (try? signingKey.signature(for: unsigned.message(method: method, path: path, body: body))) ?? Data()
        return SignedRequest(
            principal: unsigned.principal, timestamp: unsigned.timestamp, nonce: unsigned.nonce,
            signature: signature.base64EncodedString())
    }
}

extension SQLiteLedger {
    /// How far a request's timestamp may be from the ledger's clock, in seconds (either way).
    public static let requestClockSkew: TimeInterval = 300

    /// Verifies a signed request to the platform service: the principal is registered and
    /// active and its row is the state the chain recorded, the signature verifies over
    /// `method`, `path` and `body` with its registered key, the timestamp is within
    /// ``requestClockSkew`` of the ledger's clock, and the nonce was never used (it is kept,
    /// then forgotten once older than twice the skew, when a replay would be stale anyway).
    /// A refusal is recorded.
    ///
    /// - Returns: the verified request, whose principal the service may act for
    ///   (``acting(for:)``).
    /// - Throws: ``PrivacyLedgerError/unauthenticated(actor:reason:)`` naming the reason.
    /// - Complexity: one Ed25519 verification and one indexed insert.
    ///
    /// - Parameter recordingRefusal: `false` to refuse without an audit entry — for a caller
    ///   that rate-limits how many refusals one claimed principal may write (the platform
    ///   service does, so that forged requests cannot flood the audit log).
    @discardableResult
    public func verifyRequest(
        _ request: SignedRequest, method: String, path: String, body: Data, recordingRefusal: Bool = true
    ) throws(PrivacyLedgerError) -> VerifiedRequest {
        let time = now
        guard recordingRefusal else {
            return try verifyRequestRecordingNothing(request, method: method, path: path, body: body, at: time)
        }
        return try recordingRefusals(
            operator: request.principal, scenario: "", dataset: "", request: "\(method.uppercased()) \(path)"
        ) { () throws(PrivacyLedgerError) in
            try verifyRequestRecordingNothing(request, method: method, path: path, body: body, at: time)
        }
    }

    /// The body of ``verifyRequest(_:method:path:body:recordingRefusal:)``, recording nothing.
    private func verifyRequestRecordingNothing(
        _ request: SignedRequest, method: String, path: String, body: Data, at time: Date
    ) throws(PrivacyLedgerError) -> VerifiedRequest {
        func refuse(_ reason: String) -> PrivacyLedgerError {
            .unauthenticated(actor: request.principal, reason: reason)
        }
        guard abs(Double(request.timestamp) - time.timeIntervalSince1970) <= Self.requestClockSkew else {
            throw refuse(
                "the request's timestamp is more than \(Int(Self.requestClockSkew)) s from the ledger's clock (stale or early)"
            )
        }
        // The principal as recorded, read on a snapshot; the signature is checked outside any
        // transaction (Ed25519 costs tens of microseconds that no other writer should wait
        // for). Every write the request then makes re-reads the principal inside its own
        // transaction (a revocation in between is caught there).
        let principal: Principal = try read { db in
            guard
                let row = try db.row(
                    sql: "SELECT * FROM principals WHERE name = ?", arguments: [request.principal])
            else { throw refuse("'\(request.principal)' is not a registered principal") }
            let principal = try Self.principal(row)
            guard principal.status == "active" else { throw refuse("the principal was revoked") }
            try Self.requireRecordedState(db, key: LedgerState.principalKey(principal.name))
            return principal
        }
        guard let raw = Data(base64Encoded: principal.publicKey),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw),
            let signature = Data(base64Encoded: request.signature),
            key.isValidSignature(signature, for: request.message(method: method, path: path, body: body))
        else { throw refuse("the signature does not verify for this method, path and body") }
        // The nonce, in a short transaction of its own that excludes no other writer (the
        // table's key refuses a second use of a nonce) and is not synced on its own: in WAL
        // mode a later synced commit (the charge this request may make) makes it durable too,
        // and a process crash never loses it; only a power loss can, and then it loses every
        // later commit of the request as well. Expired nonces another request is deleting are
        // skipped (PostgreSQL), so concurrent requests never wait on or deadlock over them.
        try write(synced: false, exclusive: false) { db in
            try db.execute(
                sql: db.dialect == .postgres
                    ? "DELETE FROM request_nonces WHERE nonce IN (SELECT nonce FROM request_nonces WHERE time < ? FOR UPDATE SKIP LOCKED)"
                    : "DELETE FROM request_nonces WHERE time < ?",
                arguments: [time.timeIntervalSince1970 - 2 * Self.requestClockSkew])
            let inserted = try db.execute(
                sql:
                    "INSERT INTO request_nonces (nonce, principal, time) VALUES (?, ?, ?) ON CONFLICT (nonce) DO NOTHING",
                arguments: [request.nonce, principal.name, Double(request.timestamp)])
            guard inserted == 1 else { throw refuse("the nonce was used before (a replayed request)") }
        }
        return VerifiedRequest(
            principal: principal, request: request, method: method.uppercased(), path: path,
            bodySHA256: Hexadecimal.encode(SHA256.hash(data: body)))
    }
}

/// A signed request that ``SQLiteLedger/verifyRequest(_:method:path:body:)`` accepted: the
/// principal (as registered when it was verified) and what it signed. The platform service
/// acts for it through ``SQLiteLedger/acting(for:)``.
public struct VerifiedRequest: Sendable, Hashable {
    /// The principal that signed, with its roles and key.
    public let principal: Principal
    /// The signature header's fields.
    public let request: SignedRequest
    /// The HTTP method, upper case.
    public let method: String
    /// The path with its query.
    public let path: String
    /// The SHA-256 of the body, lower-case hex.
    public let bodySHA256: String

    /// The fields an audit entry written for this request carries, so that a verifier can
    /// check the principal's own signature (``SQLiteLedger/verifySignatures()``).
    var auditDetails: [String: String] {
        [
            "request_method": method, "request_path": path, "request_body_sha256": bodySHA256,
            "request_timestamp": "\(request.timestamp)", "request_nonce": request.nonce,
            "request_signature": request.signature,
        ]
    }

    /// Checks the principal's signature carried in an audit entry's `details` against `key`.
    /// - Returns: the request's timestamp when it verifies, else `nil`.
    static func verifyCarried(
        _ details: [String: String], actor: String, key: Curve25519.Signing.PublicKey
    ) -> Int64? {
        guard let method = details["request_method"], let path = details["request_path"],
            let digest = details["request_body_sha256"], let time = details["request_timestamp"].flatMap({ Int64($0) }),
            let nonce = details["request_nonce"], let signatureText = details["request_signature"],
            let signature = Data(base64Encoded: signatureText)
        else { return nil }
        let request = SignedRequest(principal: actor, timestamp: time, nonce: nonce, signature: signatureText)
        let message = request.message(method: method, path: path, bodySHA256: digest)
        return key.isValidSignature(signature, for: message) ? time : nil
    }
}

extension SQLiteLedger {
    /// A connection for the platform service to run the actions of a verified request: it
    /// shares this ledger's database, and each audit entry it writes is the request
    /// principal's (refused unless the principal, still active with the key it signed with,
    /// holds the role the action needs), signed by this connection's ``identity`` — which must
    /// be a `platform` principal — and carries the principal's request signature, so that
    /// ``verifySignatures()`` proves the principal asked. The service holds no private key but
    /// its own.
    ///
    /// - Throws: ``PrivacyLedgerError/unauthenticated(actor:reason:)`` when this connection has
    ///   no identity or its identity is not an active `platform` principal.
    public func acting(for request: VerifiedRequest) throws(PrivacyLedgerError) -> SQLiteLedger {
        guard let identity else {
            throw .unauthenticated(
                actor: request.principal.name, reason: "the service's ledger connection has no identity of its own")
        }
        let registered = try principals().first { $0.name == identity.name }
        guard let registered, registered.status == "active", registered.roles.contains(.platform),
            registered.publicKey == identity.principalKey.publicKeyBase64
        else {
            throw .unauthenticated(
                actor: request.principal.name,
                reason: "the service's identity '\(identity.name)' is not an active platform principal of this ledger")
        }
        return SQLiteLedger(sharing: self, delegation: request)
    }
}
