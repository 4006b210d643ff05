import Foundation
import GRDB
import Testing
import _TestSupport

/// Issue 14, item 6, as the issue reproduced it ("identity is free text: `--operator`,
/// `--reviewer` and `--actor` are whatever the caller types"): on a ledger with principals,
/// a typed name without its identity file is refused at every door, and the audit log's
/// signatures are checked by `audit-verify`.
@Suite("Issue 14: signed requests through the CLI", .enabled(if: privacyKernelBinary() != nil))
struct SignedRequestsCLITests {
    @Test(
        "a typed name is refused without its identity; each principal acts with its own; audit-verify checks the signatures"
    )
    func typedNamesRefused() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let data = directory.file("trips.csv")
        try writeSmallTripsCSV(to: data)
        let ledger = directory.file("ledger.sqlite")
        func ledgerRun(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try run(binary, arguments + ["--ledger", ledger])
        }
        #expect(try ledgerRun(["ledger", "init"]).status == 0)
        for name in ["rev-1", "stew-1", "op-1", "reg-1"] {
            #expect(try run(binary, ["ledger", "identity", "--name", name, "--out", directory.file(name)]).status == 0)
        }
        let key = { (name: String) in directory.file(name + ".key") }
        let pub = { (name: String) in directory.file(name + ".pub") }
        // The first principal must be a reviewer registering itself.
        let wrongFirst = try ledgerRun(
            [
                "ledger", "principal", "add", "--public-key", pub("op-1"), "--role", "operator", "--identity",
                key("rev-1"),
            ])
        #expect(wrongFirst.status != 0 && wrongFirst.err.contains("[invalid-parameter]"), "\(wrongFirst.err)")
        let bootstrap = try ledgerRun(
            [
                "ledger", "principal", "add", "--public-key", pub("rev-1"), "--role", "reviewer", "--identity",
                key("rev-1"),
            ])
        #expect(bootstrap.status == 0 && bootstrap.out.contains("signed requests only"), "\(bootstrap.err)")
        for (name, role) in [("stew-1", "steward"), ("op-1", "operator"), ("reg-1", "regulator")] {
            #expect(
                try ledgerRun(
                    [
                        "ledger", "principal", "add", "--public-key", pub(name), "--role", role, "--identity",
                        key("rev-1"),
                    ]
                ).status == 0)
        }
        // Typed names, as the issue did them: refused, nothing changed.
        let classify = ["ledger", "classify", "--data", data, "--level", "card_id=4"]
        let typedClassify = try ledgerRun(classify + ["--actor", "stew-1"])
        #expect(typedClassify.status != 0 && typedClassify.err.contains("[unauthenticated]"), "\(typedClassify.err)")
        #expect(try ledgerRun(classify + ["--identity", key("stew-1")]).status == 0)
        let grant = ["ledger", "grant", "--operator", "op-1", "--scenario", "s", "--epsilon", "1", "--data", data]
        let typedGrant = try ledgerRun(grant + ["--reviewer", "rev-1"])
        #expect(typedGrant.status != 0 && typedGrant.err.contains("[unauthenticated]"), "\(typedGrant.err)")
        let operatorGrants = try ledgerRun(grant + ["--identity", key("op-1")])
        #expect(operatorGrants.status != 0 && operatorGrants.err.contains("[role-not-held]"), "\(operatorGrants.err)")
        #expect(try ledgerRun(grant + ["--identity", key("rev-1")]).status == 0)
        let dp = ["dp", "count", "--data", data, "--epsilon", "0.5", "--operator", "op-1", "--scenario", "s"]
        let typedRelease = try ledgerRun(dp)
        #expect(typedRelease.status != 0 && typedRelease.err.contains("[unauthenticated]"), "\(typedRelease.err)")
        #expect(!typedRelease.out.contains("count"), "a refused release printed: \(typedRelease.out)")
        let otherIdentity = try ledgerRun(dp + ["--identity", key("rev-1")])
        #expect(otherIdentity.status != 0 && otherIdentity.err.contains("[unauthenticated]"), "\(otherIdentity.err)")
        let released = try ledgerRun(dp + ["--identity", key("op-1")])
        #expect(released.status == 0, "\(released.err)")
        #expect(try ledgerRun(["ledger", "checkpoint", "--identity", key("reg-1")]).status == 0)
        // The regulator's view: every signature verifies; the refused typed requests are on record.
        let verify = try ledgerRun(["ledger", "audit-verify", "--public-key", pub("reg-1"), "--json"])
        #expect(verify.status == 0, "\(verify.out)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(verify.out.utf8)) as? [String: Any])
        #expect((object["signatures_verified"] as? Int ?? 0) >= 9, "\(verify.out)")
        #expect((object["unauthenticated_refusals"] as? Int ?? 0) >= 2, "\(verify.out)")
        let refusals = try ledgerRun(["ledger", "history", "--refusals"])
        #expect(refusals.out.contains("[unauthenticated]"), "\(refusals.out)")
        let principals = try ledgerRun(["ledger", "principal", "list", "--json"])
        #expect(principals.out.contains("\"op-1\"") && principals.out.contains("regulator"), "\(principals.out)")
        // An attacker with the file moves a signature: audit-verify names the entry, exit 1.
        let queue = try DatabaseQueue(path: ledger)
        try queue.write { db in
            try db.execute(
                sql:
                    "UPDATE audit_signatures SET signature = (SELECT signature FROM audit_signatures ORDER BY sequence LIMIT 1) WHERE sequence = (SELECT max(sequence) FROM audit_signatures)"
            )
        }
        try queue.close()
        let forged = try ledgerRun(["ledger", "audit-verify"])
        #expect(forged.status == 1 && forged.out.contains("does not verify (forged)"), "\(forged.out)")
    }

    @Test(
        "a scenario on a signed ledger: the steward registers the view, the reviewer grants, the operator runs with its identity"
    )
    func scenarioOnASignedLedger() throws {
        let binary = try #require(privacyKernelBinary())
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let data = directory.file("transport.csv")
        try FileManager.default.copyItem(atPath: repositoryRoot + "/datasets/transport.csv", toPath: data)
        let ledger = directory.file("ledger.sqlite")
        func ledgerRun(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try run(binary, arguments + ["--ledger", ledger])
        }
        #expect(try ledgerRun(["ledger", "init"]).status == 0)
        for name in ["rev-1", "stew-1", "op-1"] {
            #expect(try run(binary, ["ledger", "identity", "--name", name, "--out", directory.file(name)]).status == 0)
        }
        let key = { (name: String) in directory.file(name + ".key") }
        for (name, role) in [("rev-1", "reviewer"), ("stew-1", "steward"), ("op-1", "operator")] {
            #expect(
                try ledgerRun([
                    "ledger", "principal", "add", "--public-key", directory.file(name + ".pub"), "--role", role,
                    "--identity", key("rev-1"),
                ]).status == 0)
        }
        #expect(try ledgerRun(["ledger", "classify", "--data", data, "--identity", key("stew-1")]).status == 0)
        let typedView = try ledgerRun(["scenario", "transport", "--data", data, "--register-view", "--actor", "stew-1"])
        #expect(typedView.status != 0 && typedView.err.contains("[unauthenticated]"), "\(typedView.err)")
        #expect(
            try ledgerRun(["scenario", "transport", "--data", data, "--register-view", "--identity", key("stew-1")])
                .status == 0)
        let grant = try ledgerRun([
            "ledger", "grant", "--dataset", data + "#transport", "--operator", "op-1", "--scenario", "od", "--epsilon",
            "2", "--delta", "1e-5", "--identity", key("rev-1"),
        ])
        #expect(grant.status == 0, "\(grant.err)")
        let arguments = [
            "scenario", "transport", "--data", data, "--operator", "op-1", "--authorisation", "od", "--epsilon", "2",
        ]
        let typed = try ledgerRun(arguments + ["--out", directory.file("typed")])
        #expect(typed.status != 0 && typed.err.contains("[unauthenticated]"), "\(typed.err)")
        let signed = try ledgerRun(arguments + ["--out", directory.file("signed"), "--identity", key("op-1")])
        #expect(signed.status == 0, "\(signed.err)")
        #expect(FileManager.default.fileExists(atPath: directory.file("signed/report.json")))
        let verify = try ledgerRun(["ledger", "audit-verify", "--json"])
        #expect(verify.status == 0 && verify.out.contains("\"signature_failures\":[]"), "\(verify.out)")
    }
}
