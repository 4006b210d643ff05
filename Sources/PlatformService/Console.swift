import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import PrivacyLedger
import ReportRendering
import SecureRandom

/// Sessions of the regulator's web console: a signed request (`POST /v1/console/sessions`)
/// gets a one-time login link valid for 60 s; opening it sets an HttpOnly, SameSite=Strict
/// cookie valid for 30 minutes, for reading the console's pages only. Tokens and sessions are
/// 256-bit random values from the system's CSPRNG, held in memory (a restart logs everyone out).
final class ConsoleSessions: Sendable {
    struct Grant: Sendable {
        let principal: String
        let expires: Date
    }
    /// How long a login link is valid.
    static let tokenLifetime: TimeInterval = 60
    /// How long a console session lasts.
    static let sessionLifetime: TimeInterval = 30 * 60
    /// The cookie's name.
    static let cookie = "pk_console"

    private let tokens = NIOLockedValueBox<[String: Grant]>([:])
    private let sessions = NIOLockedValueBox<[String: Grant]>([:])

    /// 256 bits from the operating system's CSPRNG, hexadecimal.
    static func randomToken() throws -> String { Hexadecimal.encode(try SystemEntropy.bytes(count: 32)) }

    /// A one-time login token for `principal`.
    func issueToken(for principal: String, now: Date = Date()) throws -> String {
        let token = try Self.randomToken()
        tokens.withLockedValue { all in
            all = all.filter { $0.value.expires > now }
            all[token] = Grant(principal: principal, expires: now.addingTimeInterval(Self.tokenLifetime))
        }
        return token
    }

    /// Redeems a login token (once): a new session id, or `nil` for an unknown, used or expired token.
    func redeem(_ token: String, now: Date = Date()) -> (session: String, principal: String)? {
        guard let grant = tokens.withLockedValue({ $0.removeValue(forKey: token) }), grant.expires > now,
            let session = try? Self.randomToken()
        else { return nil }
        sessions.withLockedValue { all in
            all = all.filter { $0.value.expires > now }
            all[session] = Grant(principal: grant.principal, expires: now.addingTimeInterval(Self.sessionLifetime))
        }
        return (session, grant.principal)
    }

    /// The principal of a live session.
    func principal(ofSession session: String, now: Date = Date()) -> String? {
        sessions.withLockedValue { all in
            guard let grant = all[session], grant.expires > now else { return nil }
            return grant.principal
        }
    }
}

// The console's routes: read-only pages for reviewers and regulators.
extension PlatformService {
    func addConsoleRoutes(to router: Router<BasicRequestContext>) {
        let jsonLimit = configuration.maximumRequest
        router.post("/v1/console/sessions") { request, _ in
            await self.signed(request, limit: jsonLimit) { caller in
                guard caller.holds(.regulator) || caller.holds(.reviewer) else {
                    throw PrivacyLedgerError.roleNotHeld(principal: caller.name, role: "regulator", action: "console")
                }
                let token = try self.console.issueToken(for: caller.name)
                return self.json(
                    ConsoleLogin(login: "/console/login?token=\(token)", expiresIn: Int(ConsoleSessions.tokenLifetime)),
                    status: .created)
            }
        }
        router.get("/console/login") { request, _ in
            guard let token = request.uri.queryParameters["token"].map(String.init),
                let (session, principal) = self.console.redeem(token)
            else {
                return Self.body(
                    Data(ConsolePages.loggedOut().utf8), contentType: "text/html; charset=utf-8", status: .unauthorized)
            }
            self.logger.info("console login", metadata: ["principal": .string(principal)])
            var response = Response(status: .seeOther, headers: [.location: "/console", .cacheControl: "no-store"])
            response.headers[.setCookie] =
                "\(ConsoleSessions.cookie)=\(session); Path=/console; HttpOnly; SameSite=Strict; Max-Age=\(Int(ConsoleSessions.sessionLifetime))"
            return response
        }
        for (path, _) in [("", ""), ("audit", ""), ("refusals", ""), ("exports", ""), ("reports", "")] {
            router.get(path.isEmpty ? "/console" : "/console/\(path)") { request, _ in
                await self.consolePage(request) { principal in try self.renderConsole(path, principal: principal) }
            }
        }
        router.get("/console/reports/:kind") { request, context in
            let kind = context.parameters.get("kind") ?? ""
            let period = request.uri.queryParameters["period"].map(String.init) ?? ""
            let op = request.uri.queryParameters["operator"].map(String.init)
            return await self.consolePage(request) { _ in
                let parsed = try ReportPeriod(parsing: period)
                switch kind {
                case "security":
                    guard let op else { throw ServiceError(.badRequest, rule: "bad-request", "name the operator") }
                    return LedgerReportPages.html(try self.ledger.securityReport(operator: op, period: parsed))
                case "operation": return LedgerReportPages.html(try self.ledger.operationReport(period: parsed))
                default: throw ServiceError(.notFound, rule: "not-found", "reports are 'security' and 'operation'")
                }
            }
        }
    }

    struct ConsoleLogin: Encodable {
        let login: String
        let expiresIn: Int
    }

    /// Serves a console page to a live session of a principal that is still an active reviewer
    /// or regulator; anyone else gets the login page (401).
    func consolePage(_ request: Request, render: @escaping @Sendable (String) throws -> String) async -> Response {
        let cookies = (request.headers[.cookie] ?? "").split(separator: ";").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        let session = cookies.first { $0.hasPrefix(ConsoleSessions.cookie + "=") }
            .map { String($0.dropFirst(ConsoleSessions.cookie.count + 1)) }
        let ledger = self.ledger
        guard let session, let principal = console.principal(ofSession: session) else {
            return Self.body(
                Data(ConsolePages.loggedOut().utf8), contentType: "text/html; charset=utf-8", status: .unauthorized)
        }
        do {
            let html = try await blocking {
                guard
                    let current = try ledger.principals().first(where: { $0.name == principal }),
                    current.status == "active", current.roles.contains(.regulator) || current.roles.contains(.reviewer)
                else {
                    throw ServiceError(.unauthorized, rule: "unauthenticated", "the session's principal was revoked")
                }
                return try render(principal)
            }
            return Self.body(
                Data(self.redact(html).utf8), contentType: "text/html; charset=utf-8")
        } catch {
            let answer = ServiceError.from(error, hiding: hiddenRoots)
            return Self.body(
                Data("<!DOCTYPE html><p>\(answer.rule): \(answer.message)</p>".utf8),
                contentType: "text/html; charset=utf-8", status: answer.status)
        }
    }

    /// One of the console's pages, from the ledger as it is now.
    func renderConsole(_ page: String, principal: String) throws -> String {
        switch page {
        case "audit":
            let chain: (entries: Int, head: String)?, problem: String?
            switch Result(catching: { () throws(PrivacyLedgerError) in try ledger.verifyAuditChain() }) {
            case let .success(value): (chain, problem) = (value, nil)
            case let .failure(error): (chain, problem) = (nil, error.description)
            }
            let signatures = try ledger.verifySignatures()
            let summary = ConsolePages.AuditSummary(
                entries: chain?.entries ?? 0, head: chain?.head ?? "", chainProblem: problem,
                signaturesVerified: signatures.verified, signatureFailures: signatures.failures,
                stateDisagreements: try ledger.stateDisagreements().map { "\($0.object): \($0.kind)" })
            return ConsolePages.audit(summary, latest: try ledger.auditEntries(limit: 100), principal: principal)
        case "refusals":
            return ConsolePages.refusals(try ledger.refusals(), principal: principal)
        case "exports":
            let downloaded = try ledger.handedOverExports()
            return ConsolePages.exports(
                try ledger.history().filter { $0.kind == "export" }, downloaded: downloaded, principal: principal)
        case "reports":
            let now = Date()
            let year = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: now)
            let half = "\(year.year ?? 2026)H\((year.month ?? 1) <= 6 ? 1 : 2)"
            let operators = Set(try ledger.authorisations().map(\.operator)).sorted()
            return ConsolePages.reports(
                operators: operators, half: half, year: "\(year.year ?? 2026)", principal: principal)
        default:
            let now = Date()
            return ConsolePages.authorisations(
                try ledger.authorisations().map {
                    let dataset = $0.columns.first.map(\.dataset) ?? ""
                    return ConsolePages.AuthorisationLine(
                        id: $0.id, operator: $0.operator, scenario: $0.scenario,
                        dataset: datasets.apiName(of: dataset) ?? dataset, budget: $0.budget.description,
                        total: $0.budget.total, spent: $0.spent, standing: $0.standing(at: now).rawValue,
                        validTo: $0.validTo)
                }, principal: principal)
        }
    }
}
