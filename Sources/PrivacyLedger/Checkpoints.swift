public import Crypto
public import Foundation

/// A regulator's signature over the audit chain's head: `sequence` and `hash` at `time`,
/// signed with Ed25519 (``SQLiteLedger/checkpoint(signingWith:actor:)``). A chain rewritten
/// below a checkpoint — even re-hashed from end to end — no longer has `hash` at `sequence`,
/// and no one without the regulator's private key can sign a new checkpoint.
public struct AuditCheckpoint: Sendable, Hashable, Codable {
    /// The audit entry signed (the head when signed).
    public let sequence: Int64
    /// Its hash.
    public let hash: String
    /// When it was signed.
    public let time: Date
    /// The signer's Ed25519 public key (base64 of the 32 raw bytes).
    public let publicKey: String
    /// The signature (base64) over ``message``.
    public let signature: String

    /// The signed bytes: `privacy-kernel audit checkpoint v1`, the sequence, the hash and the
    /// time's bit pattern, one per line.
    public var message: Data {
        Data(
            "privacy-kernel audit checkpoint v1\n\(sequence)\n\(hash)\n\(String(time.timeIntervalSince1970.bitPattern, radix: 16))"
                .utf8)
    }
}

/// What ``SQLiteLedger/verifyCheckpoints(publicKey:)`` found.
public struct CheckpointVerification: Sendable, Hashable, Codable {
    /// Checkpoints signed by the key whose signature and hash verify.
    public let verified: [AuditCheckpoint]
    /// Each failure: a bad signature, a hash the chain no longer has, a sequence beyond the
    /// head (truncated), or no checkpoint by this key at all.
    public let failures: [String]
    /// Whether every checkpoint by the key verifies and there is at least one.
    public var ok: Bool { failures.isEmpty && !verified.isEmpty }
}

extension SQLiteLedger {
    // MARK: Signed checkpoints

    /// **The regulator's action**: signs the audit chain's current head with `key` (Ed25519),
    /// stores the checkpoint and appends a `checkpoint` audit entry. Keep the printed head and
    /// the public key outside the platform.
    ///
    /// - Throws: ``PrivacyLedgerError/auditChainBroken(sequence:reason:)`` when the chain does
    ///   not verify (a checkpoint never vouches for a tampered log), or
    ///   ``PrivacyLedgerError/stateTampered(object:reason:)`` when the state does not match it.
    @discardableResult
    public func checkpoint(
        signingWith key: Curve25519.Signing.PrivateKey, actor: String = "regulator"
    ) throws(PrivacyLedgerError) -> AuditCheckpoint {
        return try recordingRefusals(operator: actor, scenario: "", dataset: "", request: "checkpoint") {
            () throws(PrivacyLedgerError) in
            try Self.requireText(actor, name: "actor")
            let time = now
            return try write { db in
                _ = try AuditLog.verify(db)
                if let first = try Self.stateDisagreements(db).first {
                    throw PrivacyLedgerError.stateTampered(object: first.object, reason: first.description)
                }
                let (sequence, hash) = try AuditLog.head(db)
                let unsigned = AuditCheckpoint(
                    sequence: sequence, hash: hash, time: time,
                    publicKey: key.publicKey.rawRepresentation.base64EncodedString(), signature: "")
                let signature = try key.signature(for: unsigned.message).base64EncodedString()
                let checkpoint = AuditCheckpoint(
                    sequence: sequence, hash: hash, time: time, publicKey: unsigned.publicKey, signature: signature)
                try db.execute(
                    sql: "INSERT INTO checkpoints (sequence, hash, time, public_key, signature) VALUES (?, ?, ?, ?, ?)",
                    arguments: [sequence, hash, time.timeIntervalSince1970, checkpoint.publicKey, signature])
                try record(
                    db, time: time, actor: actor, action: "checkpoint",
                    details: [
                        "sequence": "\(sequence)", "hash": hash, "public_key": checkpoint.publicKey,
                        "signature": signature,
                    ])
                return checkpoint
            }
        }
    }

    /// Verifies every checkpoint signed by `publicKey`: its signature, and that the chain still
    /// has its hash at its sequence (the anchor's, for a purged prefix) and reaches it.
    ///
    /// - Complexity: O(checkpoints).
    public func verifyCheckpoints(
        publicKey: Curve25519.Signing.PublicKey
    ) throws(PrivacyLedgerError)
        -> CheckpointVerification
    {
        let key = publicKey.rawRepresentation.base64EncodedString()
        return try read { db in
            var verified: [AuditCheckpoint] = [], failures: [String] = []
            let (headSequence, _) = try AuditLog.head(db)
            let (anchorSequence, anchorHash) = try AuditLog.anchor(db)
            for row in try db.rows(sql: "SELECT * FROM checkpoints ORDER BY sequence, time") {
                let checkpoint = AuditCheckpoint(
                    sequence: try row.ledgerValue("sequence"), hash: try row.ledgerValue("hash"),
                    time: Date(timeIntervalSince1970: try row.ledgerValue("time")),
                    publicKey: try row.ledgerValue("public_key"), signature: try row.ledgerValue("signature"))
                guard checkpoint.publicKey == key else { continue }
                guard let signature = Data(base64Encoded: checkpoint.signature),
                    publicKey.isValidSignature(signature, for: checkpoint.message)
                else {
                    failures.append(
                        "checkpoint at entry \(checkpoint.sequence): the signature does not verify (forged)")
                    continue
                }
                guard checkpoint.sequence <= headSequence else {
                    failures.append(
                        "checkpoint at entry \(checkpoint.sequence): the log ends at \(headSequence) (truncated)")
                    continue
                }
                let hash: String?
                if checkpoint.sequence == anchorSequence {
                    hash = anchorHash
                } else if checkpoint.sequence < anchorSequence {
                    verified.append(checkpoint)  // purged: vouched for by the anchor's later checkpoints
                    continue
                } else {
                    hash = try db.value(
                        String.self, sql: "SELECT hash FROM audit WHERE sequence = ?", arguments: [checkpoint.sequence])
                }
                guard hash == checkpoint.hash else {
                    failures.append(
                        "checkpoint at entry \(checkpoint.sequence): the log no longer has the signed hash there (rewritten)"
                    )
                    continue
                }
                verified.append(checkpoint)
            }
            if verified.isEmpty && failures.isEmpty {
                failures.append("no checkpoint signed by this key (deleted, or never made)")
            }
            return CheckpointVerification(verified: verified, failures: failures)
        }
    }
}
