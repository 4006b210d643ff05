import Crypto
import DifferentialPrivacy
import Foundation
import _TestSupport
@testable import PrivacyLedger
import Tabular
import Testing

/// Issue 14, item 6: principals with Ed25519 identities. Once a ledger has its first reviewer,
/// every governance action and every release must come from a registered principal's identity
/// holding the role the action needs; each audit entry is signed, and `verifySignatures` checks
/// every signature against the keys the chain itself registered.
@Suite("Ledger: principals and signed requests", .serialized)
struct PrincipalTests {
    struct Cast {
        let reviewer, steward, operatorIdentity, regulator: LedgerIdentity
        init() throws {
            reviewer = try LedgerIdentity(name: "rev-1")
            steward = try LedgerIdentity(name: "stew-1")
            operatorIdentity = try LedgerIdentity(name: "op-1")
            regulator = try LedgerIdentity(name: "reg-1")
        }
    }

    /// The ledger at `path` opened as `identity`.
    func open(_ path: String, as identity: LedgerIdentity?, clock: TestClock) throws -> SQLiteLedger {
        try SQLiteLedger(path: path, identity: identity, clock: { clock.now })
    }

    /// A signed ledger: rev-1 bootstraps it and registers the others; stew-1 registers trips;
    /// rev-1 grants op-1/transport ε = 1.
    func signedLedger(
        _ directory: TemporaryDirectory, _ cast: Cast, clock: TestClock, backend: LedgerBackend = .sqlite
    ) throws -> String {
        let path = try newLedgerLocation(backend, directory, file: "signed.sqlite")
        let reviewer = try open(path, as: cast.reviewer, clock: clock)
        try reviewer.registerPrincipal(cast.reviewer.principalKey, roles: [.reviewer], actor: "rev-1")
        try reviewer.registerPrincipal(cast.steward.principalKey, roles: [.steward], actor: "rev-1")
        try reviewer.registerPrincipal(cast.operatorIdentity.principalKey, roles: [.operator], actor: "rev-1")
        try reviewer.registerPrincipal(cast.regulator.principalKey, roles: [.regulator], actor: "rev-1")
        let steward = try open(path, as: cast.steward, clock: clock)
        try steward.registerDataset("trips", columns: ["fare", "district", "card", "national_id"], actor: "stew-1")
        try steward.classify(dataset: "trips", column: "national_id", level: .restricted, actor: "stew-1")
        try reviewer.grant(
            operator: "op-1", scenario: "transport", budget: .pure(epsilon: 1), dataset: "trips",
            columns: ["fare", "district"], validDays: 365, actor: "rev-1")
        return path
    }

    func rule(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as PrivacyLedgerError { return error.rule } catch { return "\(error)" }
    }

    func count(_ ledger: SQLiteLedger, operator op: String = "op-1") throws {
        _ = try ledger.release(
            .count(), over: try tripsTable(rows: 100), mechanism: .laplace, parameters: .pure(epsilon: 0.1),
            operator: op, scenario: "transport", dataset: "trips")
    }

    func edit(_ path: String, _ sql: String) throws { try tamper(SQLiteLedger(path: path), sql) }

    @Test("free-text identities are refused once the first reviewer registered itself; each role acts only as itself")
    func signedRequestsOnly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock(), cast = try Cast()
        let path = directory.file("signed.sqlite")
        // Before: a ledger of names (as today).
        #expect(try open(path, as: nil, clock: clock).requiresSignedRequests() == false)
        let path2 = try signedLedger(directory, cast, clock: clock)
        #expect(path == path2)
        let unsigned = try open(path, as: nil, clock: clock)
        #expect(try unsigned.requiresSignedRequests())
        // The issue's case: anyone typing a name.
        #expect(rule { try count(unsigned) } == "unauthenticated")
        #expect(
            rule { try unsigned.classify(dataset: "trips", column: "national_id", level: .open, actor: "stew-1") }
                == "unauthenticated")
        #expect(
            rule {
                try unsigned.grant(
                    operator: "op-9", scenario: "x", budget: .pure(epsilon: 1000), dataset: "trips", actor: "rev-1")
            } == "unauthenticated")
        // Someone else's identity under a name, and a role not held.
        let asReviewer = try open(path, as: cast.reviewer, clock: clock)
        #expect(rule { try count(asReviewer) } == "unauthenticated")
        let asOperator = try open(path, as: cast.operatorIdentity, clock: clock)
        #expect(
            rule { try asOperator.classify(dataset: "trips", column: "national_id", level: .open, actor: "op-1") }
                == "role-not-held")
        #expect(
            rule {
                try asOperator.grant(
                    operator: "op-1", scenario: "more", budget: .pure(epsilon: 9), dataset: "trips", actor: "op-1")
            } == "role-not-held")
        #expect(
            rule { try asReviewer.classify(dataset: "trips", column: "card", level: .open, actor: "rev-1") }
                == "role-not-held")
        // An identity file that is not registered, with a registered name.
        let impostor = try open(path, as: try LedgerIdentity(name: "op-1"), clock: clock)
        #expect(rule { try count(impostor) } == "unauthenticated")
        // The operator's own identity works, and nothing refused was charged.
        try count(asOperator)
        #expect(try asOperator.authorisation(operator: "op-1", scenario: "transport")!.spent == 0.1)
        #expect(
            try open(path, as: nil, clock: clock).columns(of: "trips").first { $0.column == "national_id" }?.level
                == .restricted)
        // Every entry since the mark is signed by its actor; the refused releases are on record.
        let verification = try unsigned.verifySignatures()
        #expect(verification.ok, "\(verification.failures)")
        #expect(verification.verified >= 10 && verification.unauthenticatedRefusals >= 2, "\(verification)")
        let refusals = try unsigned.refusals(operator: "op-1", scenario: "transport")
        #expect(refusals.contains { $0.rule == "unauthenticated" })
        // A checkpoint needs the regulator.
        let regulator = try open(path, as: cast.regulator, clock: clock)
        try regulator.checkpoint(signingWith: cast.regulator.signingKey, actor: "reg-1")
        #expect(
            rule { try asOperator.checkpoint(signingWith: cast.operatorIdentity.signingKey, actor: "op-1") }
                == "role-not-held")
        #expect(try unsigned.verifyCheckpoints(publicKey: cast.regulator.signingKey.publicKey).ok)
    }

    @Test(
        "registration rules: the first principal is a reviewer registering itself; no duplicates; no lock-out; revocation"
    )
    func registrationRules() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock(), cast = try Cast()
        let path = directory.file("new.sqlite")
        let asSteward = try open(path, as: cast.steward, clock: clock)
        #expect(
            rule { try asSteward.registerPrincipal(cast.steward.principalKey, roles: [.steward], actor: "stew-1") }
                == "invalid-parameter")
        let asReviewer = try open(path, as: cast.reviewer, clock: clock)
        // Registering someone else first, or oneself under another name, is refused.
        #expect(
            rule { try asReviewer.registerPrincipal(cast.steward.principalKey, roles: [.reviewer], actor: "rev-1") }
                == "invalid-parameter")
        #expect(try asReviewer.requiresSignedRequests() == false)
        try asReviewer.registerPrincipal(cast.reviewer.principalKey, roles: [.reviewer], actor: "rev-1")
        #expect(
            rule { try asReviewer.registerPrincipal(cast.reviewer.principalKey, roles: [.operator], actor: "rev-1") }
                == "invalid-parameter")
        let sameKeyOtherName = PrincipalKey(name: "rev-2", publicKey: cast.reviewer.signingKey.publicKey)
        #expect(
            rule { try asReviewer.registerPrincipal(sameKeyOtherName, roles: [.operator], actor: "rev-1") }
                == "invalid-parameter")
        #expect(
            rule { try asReviewer.registerPrincipal(cast.steward.principalKey, roles: [], actor: "rev-1") }
                == "invalid-parameter")
        // A steward cannot register principals.
        try asReviewer.registerPrincipal(cast.steward.principalKey, roles: [.steward], actor: "rev-1")
        #expect(
            rule {
                try asSteward.registerPrincipal(cast.operatorIdentity.principalKey, roles: [.operator], actor: "stew-1")
            } == "role-not-held")
        #expect(
            rule { try asReviewer.revokePrincipal(name: "rev-1", reason: "leaving", actor: "rev-1") }
                == "invalid-parameter")
        try asReviewer.revokePrincipal(name: "stew-1", reason: "left the bureau", actor: "rev-1")
        #expect(rule { try asSteward.registerDataset("x", columns: ["a"], actor: "stew-1") } == "unauthenticated")
        #expect(try asReviewer.principals().map(\.status) == ["active", "revoked"])
        #expect(try asReviewer.verifySignatures().ok)
        // A throwaway ledger takes names, never principals.
        let throwaway = try SQLiteLedger.createThrowaway(at: directory.file("demo.sqlite"), purpose: "demo")
        #expect(
            rule { try throwaway.registerPrincipal(cast.reviewer.principalKey, roles: [.reviewer], actor: "rev-1") }
                == "invalid-parameter")
    }

    @Test(
        "an attacker with the file: a swapped key, a forged or moved signature, an unsigned entry, a self-made principal",
        arguments: ledgerBackends)
    func attackerWithTheFile(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock(), cast = try Cast()
        let path = try signedLedger(directory, cast, clock: clock, backend: backend)
        let mallory = try LedgerIdentity(name: "op-1")
        // 1. The operator's registered key replaced by the attacker's: the gate refuses.
        let original = try open(path, as: nil, clock: clock).principals().first { $0.name == "op-1" }!.publicKey
        try edit(
            path, "UPDATE principals SET public_key = '\(mallory.principalKey.publicKeyBase64)' WHERE name = 'op-1'")
        #expect(rule { try count(try open(path, as: mallory, clock: clock)) } == "state-tampered")
        #expect(try open(path, as: nil, clock: clock).stateDisagreements().map(\.object) == ["principal:op-1"])
        try edit(path, "UPDATE principals SET public_key = '\(original)' WHERE name = 'op-1'")
        // 2. A role granted by editing the table: refused (state) and reported.
        try edit(path, "UPDATE principals SET roles = 'operator,reviewer' WHERE name = 'op-1'")
        let asOperator = try open(path, as: cast.operatorIdentity, clock: clock)
        #expect(rule { try count(asOperator) } == "state-tampered")
        try edit(path, "UPDATE principals SET roles = 'operator' WHERE name = 'op-1'")
        try count(asOperator)
        #expect(try open(path, as: nil, clock: clock).verifySignatures().ok)
        // 3. A signature moved from another entry: reported as forged.
        try edit(
            path,
            "UPDATE audit_signatures SET signature = (SELECT signature FROM audit_signatures ORDER BY sequence LIMIT 1) WHERE sequence = (SELECT max(sequence) FROM audit_signatures)"
        )
        var verification = try open(path, as: nil, clock: clock).verifySignatures()
        #expect(verification.failures.count == 1 && verification.failures[0].contains("forged"), "\(verification)")
        // 4. The signature deleted: reported as unsigned.
        try edit(path, "DELETE FROM audit_signatures WHERE sequence = (SELECT max(sequence) FROM audit_signatures)")
        verification = try open(path, as: nil, clock: clock).verifySignatures()
        #expect(verification.failures.count == 1 && verification.failures[0].contains("not signed"), "\(verification)")
        // 5. The attacker inserts himself as a reviewer (table row) and signs a grant with his own
        //    key: the chain never registered him.
        let second = try TemporaryDirectory()
        defer { second.cleanup() }
        let fresh = try signedLedger(second, cast, clock: clock, backend: backend)
        let eve = try LedgerIdentity(name: "eve")
        try edit(
            fresh,
            "INSERT INTO principals VALUES ('eve', 'reviewer', '\(eve.principalKey.publicKeyBase64)', 0, 'active')")
        let asEve = try open(fresh, as: eve, clock: clock)
        #expect(
            rule {
                try asEve.grant(
                    operator: "op-1", scenario: "more", budget: .pure(epsilon: 50), dataset: "trips", actor: "eve")
            } == "state-tampered")
        #expect(try asEve.stateDisagreements().map(\.object) == ["principal:eve"])
    }

    @Test("a purge of a signed ledger keeps it signed and its signatures verifiable", arguments: ledgerBackends)
    func purgeKeepsSignedMode(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock(), cast = try Cast()
        let path = try signedLedger(directory, cast, clock: clock, backend: backend)
        try count(try open(path, as: cast.operatorIdentity, clock: clock))
        clock.advance(days: 200)
        let reviewer = try open(path, as: cast.reviewer, clock: clock)
        #expect(
            rule {
                try open(path, as: nil, clock: clock).purgeAudit(before: clock.now.addingTimeInterval(-190 * 86_400))
            }
                == "unauthenticated")
        let deleted = try reviewer.purgeAudit(before: clock.now.addingTimeInterval(-190 * 86_400), actor: "rev-1")
        #expect(deleted > 5)
        #expect(try reviewer.requiresSignedRequests())
        #expect(rule { try count(try open(path, as: nil, clock: clock)) } == "unauthenticated")
        try count(try open(path, as: cast.operatorIdentity, clock: clock))
        let verification = try reviewer.verifySignatures()
        #expect(verification.ok && verification.verified >= 3, "\(verification)")
        #expect(try reviewer.verifyAudit().entries > 0)
    }

    @Test("identity files: written once with mode 0600, read back; malformed files are refused with a typed error")
    func identityFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let identity = try LedgerIdentity(name: "op-7")
        let (privatePath, publicPath) = try identity.write(base: directory.file("op-7"))
        let attributes = try FileManager.default.attributesOfItem(atPath: privatePath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let back = try LedgerIdentity(contentsOfFile: privatePath)
        #expect(back.name == "op-7" && back.principalKey == identity.principalKey)
        #expect(try PrincipalKey(contentsOfFile: publicPath) == identity.principalKey)
        #expect(rule { try identity.write(base: directory.file("op-7")) } == "invalid-identity")
        for (name, text) in [
            ("empty", ""), ("header", "privacy-kernel principal v1\nname: a\ned25519-private: AAAA\n"),
            ("short key", "privacy-kernel identity v1\nname: a\ned25519-private: AAAA\n"),
            ("no name", "privacy-kernel identity v1\ned25519-private: \(Data(count: 32).base64EncodedString())\n"),
            (
                "repeated",
                "privacy-kernel identity v1\nname: a\nname: b\ned25519-private: \(Data(count: 32).base64EncodedString())\n"
            ),
            (
                "control",
                "privacy-kernel identity v1\nname: a\u{7}b\ned25519-private: \(Data(count: 32).base64EncodedString())\n"
            ),
        ] {
            let file = directory.file("bad-\(name)")
            try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            #expect(rule { _ = try LedgerIdentity(contentsOfFile: file) } == "invalid-identity", "\(name)")
        }
        #expect(rule { _ = try LedgerIdentity(contentsOfFile: directory.file("missing")) } == "invalid-identity")
        #expect(rule { _ = try LedgerIdentity(name: " ") } == "invalid-parameter")
    }

    @Test(
        "service requests: a signed request verifies once; a changed body, path or method, a stale time, a replay, an unknown or revoked principal are refused and recorded",
        arguments: ledgerBackends)
    func signedServiceRequests(backend: LedgerBackend) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock(), cast = try Cast()
        let path = try signedLedger(directory, cast, clock: clock, backend: backend)
        let ledger = try open(path, as: nil, clock: clock)
        let body = Data(#"{"statistic":"count"}"#.utf8)
        let request = cast.operatorIdentity.sign(method: "POST", path: "/v1/releases", body: body, at: clock.now)
        // Through the header and back.
        let parsed = try SignedRequest(authorizationHeader: request.authorizationHeader)
        #expect(parsed == request)
        #expect(
            try ledger.verifyRequest(parsed, method: "post", path: "/v1/releases", body: body).principal.name == "op-1")
        #expect(
            rule { try ledger.verifyRequest(parsed, method: "POST", path: "/v1/releases", body: body) }
                == "unauthenticated")
        let fresh = { cast.operatorIdentity.sign(method: "POST", path: "/v1/releases", body: body, at: clock.now) }
        #expect(
            rule { try ledger.verifyRequest(fresh(), method: "POST", path: "/v1/releases", body: Data("{}".utf8)) }
                == "unauthenticated")
        #expect(
            rule { try ledger.verifyRequest(fresh(), method: "POST", path: "/v1/exports", body: body) }
                == "unauthenticated")
        #expect(
            rule { try ledger.verifyRequest(fresh(), method: "GET", path: "/v1/releases", body: body) }
                == "unauthenticated")
        let old = cast.operatorIdentity.sign(
            method: "POST", path: "/v1/releases", body: body, at: clock.now.addingTimeInterval(-301))
        #expect(
            rule { try ledger.verifyRequest(old, method: "POST", path: "/v1/releases", body: body) }
                == "unauthenticated")
        let stranger = try LedgerIdentity(name: "nobody").sign(
            method: "GET", path: "/v1/budget", body: Data(), at: clock.now)
        #expect(
            rule { try ledger.verifyRequest(stranger, method: "GET", path: "/v1/budget", body: Data()) }
                == "unauthenticated")
        // A key that is not the registered one, under a registered name.
        let impostor = try LedgerIdentity(name: "op-1").sign(
            method: "GET", path: "/v1/budget", body: Data(), at: clock.now)
        #expect(
            rule { try ledger.verifyRequest(impostor, method: "GET", path: "/v1/budget", body: Data()) }
                == "unauthenticated")
        try open(path, as: cast.reviewer, clock: clock).revokePrincipal(
            name: "op-1", reason: "contract ended", actor: "rev-1")
        #expect(
            rule { try ledger.verifyRequest(fresh(), method: "POST", path: "/v1/releases", body: body) }
                == "unauthenticated")
        #expect(try ledger.refusals(operator: "op-1").filter { $0.rule == "unauthenticated" }.count == 7)
        // Malformed headers are typed refusals.
        for header in [
            "", "Bearer x", #"PrivacyKernel principal="a""#,
            #"PrivacyKernel principal="a", timestamp="1", nonce="AAAA", signature="AAAA""#,
            request.authorizationHeader + #", extra="1""#,
        ] {
            #expect(rule { _ = try SignedRequest(authorizationHeader: header) } == "unauthenticated", "\(header)")
        }
    }
}
