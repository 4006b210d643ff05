import Foundation
import PlatformService
import PrivacyLedger
import Testing
import _TestSupport

/// Debian's Chromium, when installed.
let chromiumPath: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// The regulator's web console, opened in headless Chromium (Debian's `chromium`): a one-time
/// login link sets the session cookie; each page shows what the ledger holds; without a session,
/// or with a used link, only the login page. `scripts/test.sh` installs Chromium and sets
/// `PRIVACYKERNEL_REQUIRE_CHROMIUM=1`, so in CI a missing browser fails this suite instead of
/// skipping it.
@Suite(
    "Platform service: the web console in headless Chromium", .serialized,
    .enabled(if: chromiumPath != nil || ProcessInfo.processInfo.environment["PRIVACYKERNEL_REQUIRE_CHROMIUM"] == "1")
)
struct ConsoleChromiumTests {
    static var chromium: String? { chromiumPath }

    /// The DOM of `url` after Chromium loaded it (following redirects, running no script of
    /// ours: the console has none), with the cookies of `profile`.
    func dom(_ url: URL, profile: String) throws -> String {
        let browser = try #require(Self.chromium, "Chromium is required (apt-get install chromium)")
        let result = try run(
            browser,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile)",
                "--dump-dom", url.absoluteString,
            ])
        #expect(result.status == 0, "chromium: \(result.err.suffix(2000))")
        return result.out
    }

    @Test("log in with a one-time link, open every page, see the ledger; no session, no console")
    func consolePages() async throws {
        let running = try await RunningService.start()
        defer { Task { await running.stop() } }
        try await running.registerAndGrant()
        #expect(
            try await running.send(running.op, "POST", "/v1/releases", json: RunningService.countRequest).status == 200)
        // A refusal to see on the refusals page.
        #expect(
            try await running.send(running.op2, "POST", "/v1/releases", json: RunningService.countRequest).status == 404
        )
        let profile = running.directory.file("chromium-profile")
        let page = { (path: String) in try self.dom(URL(string: running.base.absoluteString + path)!, profile: profile)
        }

        // Without a session: the login page, nothing of the ledger.
        let anonymous = try page("/console")
        #expect(anonymous.contains("Log in"))
        #expect(!anonymous.contains("fares"))

        // An operator may not open the console.
        #expect(try await running.send(running.op, "POST", "/v1/console/sessions").status == 403)
        let session = try await running.send(running.reviewer, "POST", "/v1/console/sessions")
        #expect(session.status == 201)
        let login = try #require(RunningService.object(session.text)["login"] as? String)

        let overview = try page(login)
        #expect(overview.contains("Authorisations"))
        #expect(overview.contains("<b id=\"principal\">rev</b>"))
        #expect(overview.contains("<td>fares</td>") && overview.contains("<td>trips</td>"))
        #expect(overview.contains("aria-label=\"10% spent\""))

        let audit = try page("/console/audit")
        #expect(audit.contains("The audit chain verifies"))
        #expect(audit.contains("release-charged"))

        let refusals = try page("/console/refusals")
        #expect(refusals.contains("<svg"))
        #expect(refusals.contains("no-authorisation") || refusals.contains("dataset-not-authorised"))

        let exports = try page("/console/exports")
        #expect(exports.contains("No export."))

        let reports = try page("/console/reports")
        #expect(reports.contains("/console/reports/security?operator=op&amp;period="))
        let half = try #require(
            reports.range(of: #"period=[0-9]{4}H[12]"#, options: .regularExpression).map { String(reports[$0]) })
        let security = try page("/console/reports/security?operator=op&\(half)")
        #expect(security.contains("Security report: op"))

        // The login link works once.
        let again = try dom(URL(string: running.base.absoluteString + login)!, profile: running.directory.file("other"))
        #expect(again.contains("Log in") && !again.contains("fares"))
        // No page names the data root.
        for text in [overview, audit, refusals, exports, reports, security] {
            #expect(!text.contains(running.dataRoot))
        }
    }
}
