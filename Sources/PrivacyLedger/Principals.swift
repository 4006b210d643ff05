import Crypto
public import Foundation

/// A principal registered in a ledger: a name, its roles and its Ed25519 public key.
public struct Principal: Sendable, Hashable, Codable {
    /// The name it acts as (operator, steward, reviewer or regulator name).
    public let name: String
    /// What it may do.
    public let roles: [PrincipalRole]
    /// Its Ed25519 public key (base64 of the 32 raw bytes).
    public let publicKey: String
    /// When it was registered.
    public let registeredAt: Date
    /// `active`, or `revoked` (its requests are refused; its earlier signatures still verify).
    public let status: String
}

/// What ``SQLiteLedger/verifySignatures()`` found.
public struct SignatureVerification: Sendable, Hashable, Codable {
    /// The sequence of the entry from which every entry must be signed (`nil`: the ledger
    /// takes names, not signed requests).
    public let signedSince: Int64?
    /// Entries whose signature verified with the key the chain registered for their actor.
    public let verified: Int
    /// Unauthenticated refusals on record (unsigned by design).
    public let unauthenticatedRefusals: Int
    /// Each failure: an unsigned entry, a signature that does not verify, a signer that is
    /// not the entry's actor or not a principal the chain registered (or revoked).
    public let failures: [String]
    /// Whether there is no failure.
    public var ok: Bool { failures.isEmpty }
}

extension SQLiteLedger {
    // MARK: Principals

    /// Whether this ledger takes signed requests only (since its first principal).
    public func requiresSignedRequests() throws(PrivacyLedgerError) -> Bool {
        try read { db in try Self.signedSince(db) != nil }
    }

    /// The sequence of the entry from which the ledger takes signed requests only (its first
    /// `identities-signed` entry — the chain, not a setting, decides), or `nil`.
    static func signedSince(_ db: any LedgerDatabase) throws -> Int64? {
        // A purge of a signed ledger keeps the mark (its entry says `identities: signed` and
        // lists the principals' keys), so deleting old entries never reverts to names.
        try db.value(
            Int64.self,
            sql: """
                SELECT min(sequence) FROM audit WHERE action = 'identities-signed'
                    OR (action = 'purge' AND \(db.dialect.jsonText("details", "identities")) = 'signed')
                """)
    }

    /// The principals as a purge entry of a signed ledger records them: name → `roles key status`.
    static func principalsRecord(_ db: any LedgerDatabase) throws -> String {
        var map: [String: String] = [:]
        for row in try db.rows(sql: "SELECT name, roles, public_key, status FROM principals") {
            map[try row.ledgerValue("name")] =
                "\(try row.ledgerValue("roles", as: String.self)) \(try row.ledgerValue("public_key", as: String.self)) \(try row.ledgerValue("status", as: String.self))"
        }
        return AuditLog.canonicalJSON(map)
    }

    /// Every registered principal, by name.
    public func principals() throws(PrivacyLedgerError) -> [Principal] {
        try read { db in
            try db.rows(sql: "SELECT * FROM principals ORDER BY name").map { try Self.principal($0) }
        }
    }

    static func principal(_ row: LedgerRow) throws -> Principal {
        let roles: String = try row.ledgerValue("roles")
        return Principal(
            name: try row.ledgerValue("name"),
            roles: roles.split(separator: ",").compactMap { PrincipalRole(rawValue: String($0)) },
            publicKey: try row.ledgerValue("public_key"),
            registeredAt: Date(timeIntervalSince1970: try row.ledgerValue("registered_at")),
            status: try row.ledgerValue("status"))
    }

    /// **A reviewer's action**: registers `key` as a principal with `roles`, signed by this
    /// connection's ``identity``. The first registration of a ledger must be a reviewer
    /// registering itself (its own identity): from that entry on, the ledger takes signed
    /// requests only — every governance action and every release must come from a registered
    /// principal's identity (`--identity`), and the audit log records each signature.
    ///
    /// - Throws: ``PrivacyLedgerError/invalidParameter(name:value:reason:)`` (no roles, a name
    ///   or key already registered, a first principal that is not a self-registering reviewer,
    ///   a throwaway ledger); ``PrivacyLedgerError/unauthenticated(actor:reason:)`` /
    ///   ``PrivacyLedgerError/roleNotHeld(principal:role:action:)`` when `actor` is not an
    ///   authenticated reviewer.
    @discardableResult
    public func registerPrincipal(
        _ key: PrincipalKey, roles: [PrincipalRole], actor: String
    ) throws(PrivacyLedgerError) -> Principal {
        return try recordingRefusals(
            operator: actor, scenario: "", dataset: "",
            request: "register principal \(key.name) as \(roles.map(\.rawValue).joined(separator: ","))"
        ) { () throws(PrivacyLedgerError) in
            try Self.requireText(actor, name: "actor")
            try IdentityFile.validate(name: key.name)
            let roles = Array(Set(roles)).sorted()
            guard !roles.isEmpty else {
                throw .invalidParameter(name: "roles", value: "", reason: "a principal needs at least one role")
            }
            let time = now
            return try write { db in
                if try db.value(String.self, sql: "SELECT value FROM settings WHERE key = 'throwaway'") != nil {
                    throw PrivacyLedgerError.invalidParameter(
                        name: "principal", value: key.name,
                        reason:
                            "a throwaway ledger takes names, not principals; register principals in a platform ledger")
                }
                if try db.value(
                    Int.self, sql: "SELECT count(*) FROM principals WHERE name = ? OR public_key = ?",
                    arguments: [key.name, key.publicKeyBase64])! > 0
                {
                    throw PrivacyLedgerError.invalidParameter(
                        name: "principal", value: key.name, reason: "the name or the key is already registered")
                }
                let first = try Self.signedSince(db) == nil
                if first {
                    guard roles.contains(.reviewer), identity?.principalKey == key, actor == key.name else {
                        throw PrivacyLedgerError.invalidParameter(
                            name: "principal", value: key.name,
                            reason:
                                "the first principal of a ledger is a reviewer registering itself: its own identity (--identity), the reviewer role, and the actor its name"
                        )
                    }
                }
                try db.execute(
                    sql: "INSERT INTO principals (name, roles, public_key, registered_at) VALUES (?, ?, ?, ?)",
                    arguments: [
                        key.name, roles.map(\.rawValue).joined(separator: ","), key.publicKeyBase64,
                        time.timeIntervalSince1970,
                    ])
                if first {
                    try record(
                        db, time: time, actor: actor, action: "identities-signed",
                        details: ["note": "from this entry on, every request is signed by a registered principal"])
                }
                try record(
                    db, time: time, actor: actor, action: "principal-registered",
                    details: try LedgerState.recording(
                        LedgerState.principalKey(key.name),
                        in: [
                            "principal": key.name, "roles": roles.map(\.rawValue).joined(separator: ","),
                            "public_key": key.publicKeyBase64,
                        ], db))
                return try Self.principal(
                    db.row(sql: "SELECT * FROM principals WHERE name = ?", arguments: [key.name])!)
            }
        }
    }

    /// **A reviewer's action**: revokes principal `name` (its requests are refused from now on;
    /// its earlier signatures still verify). The last active reviewer cannot be revoked.
    ///
    /// - Throws: ``PrivacyLedgerError/invalidParameter(name:value:reason:)`` for an unknown or
    ///   revoked principal or the last reviewer; authentication refusals as for any action.
    public func revokePrincipal(name: String, reason: String, actor: String) throws(PrivacyLedgerError) {
        try recordingRefusals(operator: actor, scenario: "", dataset: "", request: "revoke principal \(name)") {
            () throws(PrivacyLedgerError) in
            try Self.requireText(reason, name: "reason")
            try Self.requireText(actor, name: "actor")
            let time = now
            try write { db in
                guard let row = try db.row(sql: "SELECT * FROM principals WHERE name = ?", arguments: [name]),
                    try Self.principal(row).status == "active"
                else {
                    throw PrivacyLedgerError.invalidParameter(
                        name: "principal", value: name, reason: "no active principal of that name")
                }
                let reviewers = try db.values(
                    String.self,
                    sql:
                        "SELECT name FROM principals WHERE status = 'active' AND (',' || roles || ',') LIKE '%,reviewer,%'"
                )
                if reviewers == [name] {
                    throw PrivacyLedgerError.invalidParameter(
                        name: "principal", value: name, reason: "the last active reviewer cannot be revoked")
                }
                try db.execute(sql: "UPDATE principals SET status = 'revoked' WHERE name = ?", arguments: [name])
                try record(
                    db, time: time, actor: actor, action: "principal-revoked",
                    details: try LedgerState.recording(
                        LedgerState.principalKey(name), in: ["principal": name, "reason": reason], db))
            }
        }
    }

    // MARK: Authentication and signed entries

    /// In a ledger that takes signed requests: checks that this connection's ``identity`` is
    /// `actor`, a registered active principal with that key (whose row is the state the chain
    /// records) holding `role`. Returns the identity; `nil` in a ledger that takes names.
    @discardableResult
    func authenticate(
        _ db: any LedgerDatabase, actor: String, role: PrincipalRole?, action: String, checkState: Bool = true,
        signed: Bool = false
    ) throws -> LedgerIdentity? {
        // The mark itself is the first signed entry; a purge's entry may follow the deletion of
        // the mark (`signed`: the caller knows the ledger is signed).
        guard try signed || action == "identities-signed" || Self.signedSince(db) != nil else { return nil }
        if let delegation { return try authenticateDelegated(db, delegation, actor: actor, role: role, action: action) }
        guard let identity else {
            throw PrivacyLedgerError.unauthenticated(
                actor: actor, reason: "this ledger takes signed requests only, and no identity was given (--identity)")
        }
        guard identity.name == actor else {
            throw PrivacyLedgerError.unauthenticated(
                actor: actor, reason: "the identity given is '\(identity.name)', not '\(actor)'")
        }
        guard let row = try db.row(sql: "SELECT * FROM principals WHERE name = ?", arguments: [actor]) else {
            throw PrivacyLedgerError.unauthenticated(actor: actor, reason: "'\(actor)' is not a registered principal")
        }
        let principal = try Self.principal(row)
        guard principal.status == "active" else {
            throw PrivacyLedgerError.unauthenticated(actor: actor, reason: "the principal '\(actor)' was revoked")
        }
        guard principal.publicKey == identity.principalKey.publicKeyBase64 else {
            throw PrivacyLedgerError.unauthenticated(
                actor: actor, reason: "the identity's key is not the key registered for '\(actor)'")
        }
        if checkState { try Self.requireRecordedState(db, key: LedgerState.principalKey(actor)) }
        if let role, !principal.roles.contains(role) {
            throw PrivacyLedgerError.roleNotHeld(principal: actor, role: role.rawValue, action: action)
        }
        return identity
    }

    /// ``authenticate(_:actor:role:action:checkState:signed:)`` for the service acting for a
    /// verified request: the request's principal must be `actor`, still registered and active
    /// with the key it signed with (its row the state the chain records), and hold `role`.
    /// Returns the service's identity, which signs the entry.
    private func authenticateDelegated(
        _ db: any LedgerDatabase, _ delegation: VerifiedRequest, actor: String, role: PrincipalRole?, action: String
    ) throws -> LedgerIdentity {
        guard let identity else {
            throw PrivacyLedgerError.unauthenticated(actor: actor, reason: "the service's connection has no identity")
        }
        guard delegation.principal.name == actor else {
            throw PrivacyLedgerError.unauthenticated(
                actor: actor, reason: "the request was signed by '\(delegation.principal.name)', not '\(actor)'")
        }
        guard let row = try db.row(sql: "SELECT * FROM principals WHERE name = ?", arguments: [actor]),
            case let principal = try Self.principal(row), principal.status == "active",
            principal.publicKey == delegation.principal.publicKey
        else {
            throw PrivacyLedgerError.unauthenticated(
                actor: actor, reason: "the principal '\(actor)' was revoked or re-keyed since its request was verified")
        }
        try Self.requireRecordedState(db, key: LedgerState.principalKey(actor))
        if let role, !principal.roles.contains(role) {
            throw PrivacyLedgerError.roleNotHeld(principal: actor, role: role.rawValue, action: action)
        }
        return identity
    }

    /// Appends an audit entry. In a ledger that takes signed requests the entry must come from
    /// an authenticated principal holding the role its action needs (``PrincipalRole``), and is
    /// signed with its identity (the signature, over the entry's hash, in `audit_signatures`);
    /// a refusal of an unauthenticated request is recorded unsigned, marked `authenticated: no`.
    @discardableResult
    func record(
        _ db: any LedgerDatabase, time: Date, actor: String, action: String, details: [String: String],
        signed: Bool = false
    ) throws -> (sequence: Int64, hash: String) {
        let signer: LedgerIdentity?
        var details = details
        do {
            // The first reviewer's two entries (the mark and its own registration) come before
            // any recorded state of it; a purge authenticated its reviewer (state included)
            // before deleting the entries that recorded that state.
            let bootstrap =
                action == "identities-signed" || action == "purge"
                || (action == "principal-registered" && details["principal"] == actor)
            signer = try authenticate(
                db, actor: actor, role: PrincipalRole.needed(for: action), action: action, checkState: !bootstrap,
                signed: signed)
        } catch let error as PrivacyLedgerError where action == "refused" {
            guard case .unauthenticated = error else { throw error }
            signer = nil
            details["authenticated"] = "no"
        }
        if let signer, let delegation, signer.name != actor {
            // Written by the service for a verified request: the principal's own signature
            // travels with the entry (and is covered by its hash).
            details.merge(delegation.auditDetails) { _, carried in carried }
        }
        let entry = try AuditLog.append(db, time: time, actor: actor, action: action, details: details)
        if let signer {
            let signature = try signer.signingKey.signature(for: Data(entry.hash.utf8)).base64EncodedString()
            try db.executeLater(
                sql: "INSERT INTO audit_signatures (sequence, signer, signature) VALUES (?, ?, ?)",
                arguments: [entry.sequence, signer.name, signature])
        }
        return entry
    }

    /// Verifies every audit entry's signature, walking the chain: from the ledger's first
    /// `identities-signed` entry on, each entry must be signed by its actor with the key that
    /// an earlier `principal-registered` entry of the chain (not the principals table) gave it,
    /// and not after a `principal-revoked` entry for it — except refusals of unauthenticated
    /// requests, which are recorded unsigned.
    ///
    /// - Complexity: O(entries), one Ed25519 verification per signed entry.
    public func verifySignatures() throws(PrivacyLedgerError) -> SignatureVerification {
        try read { db in
            guard let since = try Self.signedSince(db) else {
                return SignatureVerification(signedSince: nil, verified: 0, unauthenticatedRefusals: 0, failures: [])
            }
            // Keys and roles as the chain registered them (a registration counts once its own
            // entry verifies), never as the principals table says.
            var keys: [String: Curve25519.Signing.PublicKey] = [:]
            var roles: [String: Set<PrincipalRole>] = [:]
            var revoked: Set<String> = []
            var verified = 0, unauthenticated = 0
            var failures: [String] = []
            func registration(
                _ details: [String: String]
            ) -> (String, Curve25519.Signing.PublicKey, Set<PrincipalRole>)? {
                guard let name = details["principal"],
                    let raw = details["public_key"].flatMap({ Data(base64Encoded: $0) }),
                    let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
                else { return nil }
                let held = (details["roles"] ?? "").split(separator: ",").compactMap {
                    PrincipalRole(rawValue: String($0))
                }
                return (name, key, Set(held))
            }
            try db.forEachRow(
                sql: """
                    SELECT audit.sequence, audit.time, audit.actor, audit.action, audit.details, audit.hash, s.signer, s.signature
                    FROM audit LEFT JOIN audit_signatures s ON s.sequence = audit.sequence
                    WHERE audit.sequence >= ? ORDER BY audit.sequence
                    """, arguments: [since]
            ) { row in
                let sequence: Int64 = try row.ledgerValue("sequence")
                let actor: String = try row.ledgerValue("actor")
                let action: String = try row.ledgerValue("action")
                let details = AuditLog.decodeDetails(try row.ledgerValue("details", as: String.self))
                let hash: String = try row.ledgerValue("hash")
                let label = "entry \(sequence) (\(action) by \(actor))"
                guard let signatureText = try row.ledgerValue("signature", as: String?.self),
                    let signer = try row.ledgerValue("signer", as: String?.self)
                else {
                    if action == "refused" && details["authenticated"] == "no" {
                        unauthenticated += 1
                    } else {
                        failures.append("\(label): not signed")
                    }
                    return
                }
                // Written by the platform service for a verified request of the actor: signed
                // by a platform principal, carrying the actor's own request signature, and no
                // later than the request's clock skew allows.
                let delegated = signer != actor
                if delegated {
                    guard roles[signer]?.contains(.platform) == true, !revoked.contains(signer) else {
                        failures.append("\(label): signed by '\(signer)', not its actor nor a platform principal")
                        return
                    }
                    guard let actorKey = keys[actor], !revoked.contains(actor),
                        let requested = VerifiedRequest.verifyCarried(details, actor: actor, key: actorKey)
                    else {
                        failures.append(
                            "\(label): written by the service for '\(actor)' without a valid request signature of '\(actor)'"
                        )
                        return
                    }
                    let time: Double = (try? row.ledgerValue("time", as: Double.self)) ?? .nan
                    if !(abs(time - Double(requested)) <= 2 * Self.requestClockSkew) {
                        failures.append(
                            "\(label): the request it carries was signed at another time (a replayed request)")
                        return
                    }
                }
                if sequence == since && keys.isEmpty && action == "purge" {
                    // A purged signed ledger starts at the purge entry, which lists the keys.
                    for (name, text) in AuditLog.decodeDetails(details["principals"] ?? "{}") {
                        let parts = text.split(separator: " ").map(String.init)
                        guard parts.count == 3, let raw = Data(base64Encoded: parts[1]),
                            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
                        else { continue }
                        keys[name] = key
                        roles[name] = Set(
                            parts[0].split(separator: ",").compactMap { PrincipalRole(rawValue: String($0)) })
                        if parts[2] == "revoked" { revoked.insert(name) }
                    }
                } else if sequence == since && keys.isEmpty {
                    // The bootstrap: the first reviewer signs with the key that the next entry,
                    // its own registration, records.
                    if let next = try db.row(
                        sql: "SELECT details FROM audit WHERE sequence = ? AND action = 'principal-registered'",
                        arguments: [sequence + 1]),
                        let (name, key, held) = registration(
                            AuditLog.decodeDetails(try next.ledgerValue("details", as: String.self))),
                        name == actor, held.contains(.reviewer)
                    {
                        keys[name] = key
                        roles[name] = held
                    }
                }
                guard let key = keys[signer], !revoked.contains(signer) else {
                    failures.append(
                        "\(label): '\(signer)' is not a principal the audit log registered"
                            + (revoked.contains(signer) ? " (revoked)" : ""))
                    return
                }
                guard let signature = Data(base64Encoded: signatureText),
                    key.isValidSignature(signature, for: Data(hash.utf8))
                else {
                    failures.append("\(label): the signature does not verify (forged)")
                    return
                }
                if let needed = PrincipalRole.needed(for: action), roles[actor]?.contains(needed) != true {
                    failures.append("\(label): '\(actor)' does not hold the role '\(needed.rawValue)'")
                    return
                }
                verified += 1
                if action == "principal-registered", let (name, key, held) = registration(details),
                    keys[name] == nil || name == actor
                {
                    keys[name] = key
                    roles[name] = held
                }
                if action == "principal-revoked", let name = details["principal"] { revoked.insert(name) }
            }
            return SignatureVerification(
                signedSince: since, verified: verified, unauthenticatedRefusals: unauthenticated, failures: failures)
        }
    }
}
