import DifferentialPrivacy
public import Foundation
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import Metrics
import NIOCore
import NIOConcurrencyHelpers
import NIOPosix
public import NIOSSL
import Prometheus
public import PrivacyLedger

/// How the platform service is started (`privacy-kernel serve`).
public struct ServiceConfiguration: Sendable {
    /// The address to listen on (default 127.0.0.1).
    public var host: String = "127.0.0.1"
    /// The TCP port (default 8723; 0 picks a free one, reported by ``PlatformService/run(onListening:)``).
    public var port: Int = 8723
    /// The directory that holds the registered datasets: the only place the service reads data
    /// from, and where stewards' uploads land.
    public var dataRoot: String
    /// The largest dataset upload, in bytes (default 1 GiB).
    public var maximumUpload: Int = 1 << 30
    /// The largest JSON request body, in bytes (default 1 MiB).
    public var maximumRequest: Int = 1 << 20
    /// The memory one DP release may use to scan its dataset, in bytes (default 256 MiB, at
    /// least 16 MiB). A dataset whose file is larger than a quarter of it is not loaded into the
    /// table cache: its releases stream the file within this limit
    /// (``PrivacyLedger/SQLiteLedger/release(_:overFile:options:mechanism:parameters:operator:scenario:dataset:requiresDigest:)``),
    /// checking the registered digest on the bytes they parse.
    public var memoryLimit: Int = FileScanOptions.defaultMemoryLimit
    /// HTTPS: the service's certificate chain and private key (PEM files); `nil` serves plain
    /// HTTP (loopback, or behind the platform's own TLS terminator).
    public var tls: TLSFiles?

    /// A configuration serving the datasets under `dataRoot`.
    public init(dataRoot: String) { self.dataRoot = dataRoot }
}

/// The PEM files of the service's TLS identity (`serve --tls-cert FILE --tls-key FILE`).
public struct TLSFiles: Sendable, Hashable {
    /// The certificate chain, leaf first (PEM).
    public var certificateChain: String
    /// The private key of the leaf certificate (PEM, unencrypted).
    public var privateKey: String

    /// The files at these paths.
    public init(certificateChain: String, privateKey: String) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
    }

    /// The server's TLS configuration: TLS 1.2 or newer, this chain and key, no client
    /// certificates (principals sign each request instead).
    /// - Throws: ``ServiceError`` (rule `configuration`) naming the file that is missing or not
    ///   PEM of the right kind (never its contents).
    public func serverConfiguration() throws -> TLSConfiguration {
        func refuse(_ what: String, _ path: String) -> ServiceError {
            ServiceError(
                .internalServerError, rule: "configuration", "cannot read the TLS \(what) '\(path)' (a PEM file)")
        }
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(certificateChain) } catch {
            throw refuse("certificate chain", certificateChain)
        }
        guard !chain.isEmpty else { throw refuse("certificate chain", certificateChain) }
        let key: NIOSSLPrivateKey
        do { key = try NIOSSLPrivateKey(file: privateKey, format: .pem) } catch {
            throw refuse("private key", privateKey)
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        return configuration
    }
}

/// The enclave as a server: it alone holds the registered datasets and the ledger, and answers
/// principals only with what the gates release (DESIGN.md, `PlatformService`).
///
/// Every request but `GET /v1/health`, `GET /openapi.json` and `GET /metrics` carries a
/// ``SignedRequest`` in its `Authorization` header; the ledger verifies it
/// (``SQLiteLedger/verifyRequest(_:method:path:body:)``: bad signature, stale timestamp,
/// replayed nonce, unknown or revoked principal → 401, recorded) and the route then acts for
/// that principal through ``SQLiteLedger/acting(for:)``, so every audit entry is the
/// principal's, signed by the service's `platform` identity and carrying the principal's own
/// signature. The routes are documented in ``OpenAPIDocument`` (served at `/openapi.json`).
///
/// Ledger work runs on NIO's blocking thread pool, never on the server's event loops.
public final class PlatformService: Sendable {
    /// The service's ledger connection (its identity is the platform principal).
    public let ledger: SQLiteLedger
    /// The configuration.
    public let configuration: ServiceConfiguration
    let datasets: DatasetStore
    /// The service's directories, removed from every answer (``ServiceError/redact(_:hiding:)``).
    let hiddenRoots: [String]
    let console = ConsoleSessions()
    let refusalBudget = RefusalBudget(perMinute: PlatformService.refusalsRecordedPerMinute)
    /// How many refused requests of one claimed principal a minute are recorded in the audit
    /// log; the rest are refused alike, logged and counted, not recorded.
    public static let refusalsRecordedPerMinute = 30
    let secAgg = SecAggSessions()
    let logger: Logger
    /// The threads ledger work blocks on: NIO's shared pool (one thread per core) for a SQLite
    /// ledger, whose work is CPU; a pool of its own with ``postgresLedgerThreads`` threads for a
    /// PostgreSQL ledger, whose work mostly waits on the server, so that reads and signature
    /// checks proceed while one request holds the ledger's write lock.
    let blockingPool: NIOThreadPool
    /// The blocking threads of a service over a PostgreSQL ledger.
    public static let postgresLedgerThreads = 16

    /// A service over `ledger`, which must take signed requests, be in platform mode
    /// (``PrivacyLedger/SQLiteLedger/setPlatformMode(_:actor:)``) and be opened with the
    /// identity of an active `platform` principal.
    ///
    /// - Throws: ``ServiceError`` (rule `configuration`) naming what is missing.
    public init(ledger: SQLiteLedger, configuration: ServiceConfiguration, logger: Logger? = nil) throws {
        guard configuration.memoryLimit >= FileScanOptions.minimumMemoryLimit else {
            throw ServiceError(
                .internalServerError, rule: "configuration", "the memory limit must be at least 16 MiB")
        }
        guard try ledger.requiresSignedRequests() else {
            throw ServiceError(
                .internalServerError, rule: "configuration",
                "the service needs a ledger that takes signed requests (register its first reviewer: ledger principal add)"
            )
        }
        guard try ledger.isPlatformMode() else {
            throw ServiceError(
                .internalServerError, rule: "configuration",
                "the service needs a ledger in platform mode (ledger init --platform --identity REVIEWER.key), so that no tool on this machine reads a registered dataset around it"
            )
        }
        guard let identity = ledger.identity,
            let principal = try ledger.principals().first(where: { $0.name == identity.name }),
            principal.status == "active", principal.roles.contains(.platform),
            principal.publicKey == identity.principalKey.publicKeyBase64
        else {
            throw ServiceError(
                .internalServerError, rule: "configuration",
                "the service's --identity must be an active principal of the ledger with the platform role")
        }
        self.ledger = ledger
        self.configuration = configuration
        self.datasets = try DatasetStore(root: configuration.dataRoot)
        self.hiddenRoots = [datasets.root, SQLiteLedger.datasetName(forFile: try ledger.exportArea())]
        self.logger = logger ?? Logger(label: "privacy-kernel.serve")
        if ledger.isPostgres {
            blockingPool = NIOThreadPool(numberOfThreads: Self.postgresLedgerThreads)
            blockingPool.start()
        } else {
            blockingPool = .singleton
        }
    }

    deinit {
        if blockingPool !== NIOThreadPool.singleton { blockingPool.shutdownGracefully { _ in } }
    }

    /// The Prometheus registry `/metrics` prints; swift-metrics is bootstrapped with it once
    /// per process.
    static let metricsRegistry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// The router with every route.
    public func router() -> Router<BasicRequestContext> {
        _ = Self.metricsRegistry
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(MetricsMiddleware())
        router.middlewares.add(LogRequestsMiddleware(.info))
        addRoutes(to: router)
        addConsoleRoutes(to: router)
        addScenarioRoutes(to: router)
        addSecAggRoutes(to: router)
        return router
    }

    /// Runs the service (HTTPS when ``ServiceConfiguration/tls`` is set) until SIGTERM or
    /// SIGINT, then shuts down gracefully: the listener
    /// closes, and requests in flight finish (a release either completes with its charge or
    /// was never charged). `onListening` gets the bound port.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let server: HTTPServerBuilder =
            try configuration.tls.map { try .tls(.http1(), tlsConfiguration: try $0.serverConfiguration()) } ?? .http1()
        let application = Application(
            router: router(),
            server: server,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "privacy-kernel"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await application.runService()
    }

    // MARK: Request plumbing

    /// A request the ledger verified, its body, and the ledger connection that acts for it.
    struct Caller: Sendable {
        let verified: VerifiedRequest
        let ledger: SQLiteLedger
        let body: Data
        var name: String { verified.principal.name }
        func holds(_ role: PrincipalRole) -> Bool { verified.principal.roles.contains(role) }
    }

    /// Runs `work` on the blocking pool.
    func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await blockingPool.runIfActive { try work() }
    }

    /// Reads the body (at most `limit` bytes), verifies the signature and runs `handler` as the
    /// verified principal; any error becomes its JSON answer.
    ///
    /// Before the body is read: a request without a well-formed signature header is 401, and a
    /// body above the JSON limit (an upload) is read only for a principal that is an active
    /// steward. A refusal is recorded in the audit log only when the claimed principal exists,
    /// and at most ``refusalsRecordedPerMinute`` times a minute per principal (forged requests
    /// cannot flood the log; the rest are logged and counted).
    func signed(
        _ request: Request, limit: Int, _ handler: @escaping @Sendable (Caller) throws -> Response
    ) async -> Response {
        var request = request
        do {
            guard let header = request.headers[.authorization] else {
                throw ServiceError(
                    .unauthorized, rule: "unauthenticated", "sign the request: Authorization: PrivacyKernel …")
            }
            let signed = try SignedRequest(authorizationHeader: header)
            let ledger = self.ledger
            let claimed = try await blocking { try ledger.principals().first { $0.name == signed.principal } }
            guard let claimed, claimed.status == "active" else {
                throw PrivacyLedgerError.unauthenticated(
                    actor: signed.principal, reason: "'\(signed.principal)' is not an active registered principal")
            }
            let allowed = claimed.roles.contains(.steward) ? limit : min(limit, configuration.maximumRequest)
            let buffer: ByteBuffer
            do { buffer = try await request.collectBody(upTo: allowed) } catch {
                throw ServiceError(
                    .contentTooLarge, rule: "payload-too-large", "the body is larger than \(allowed) bytes")
            }
            let body = Data(buffer.readableBytesView)
            let method = request.method.rawValue, path = request.head.path ?? "/"
            let recording = refusalBudget.allows(signed.principal)
            let budget = refusalBudget
            return try await blocking {
                let verified: VerifiedRequest
                do {
                    verified = try ledger.verifyRequest(
                        signed, method: method, path: path, body: body, recordingRefusal: recording)
                } catch {
                    if recording { budget.spend(signed.principal) }
                    throw error
                }
                return try handler(Caller(verified: verified, ledger: try ledger.acting(for: verified), body: body))
            }
        } catch {
            return errorResponse(error)
        }
    }

    /// The JSON answer of an error, logged.
    func errorResponse(_ error: any Error) -> Response {
        let answer = ServiceError.from(error, hiding: hiddenRoots)
        logger.notice(
            "refused", metadata: ["rule": .string(answer.rule), "status": .stringConvertible(answer.status.code)])
        return json(["error": answer.rule, "message": answer.message], status: answer.status)
    }

    /// `text` without the service's directories.
    func redact(_ text: String) -> String { ServiceError.redact(text, hiding: hiddenRoots) }

    /// A response with `data` as its body.
    static func body(_ data: Data, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: contentType, .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Decodes a JSON body (snake_case keys), refusing keys outside `allowed`.
    static func decode<T: Decodable>(_ type: T.Type, from body: Data, allowed: Set<String>) throws -> T {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw ServiceError(.badRequest, rule: "bad-request", "the body must be a JSON object")
        }
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw ServiceError(
                .badRequest, rule: "bad-request",
                "unknown field '\(String(unknown.prefix(64)))'; this route takes \(allowed.sorted().joined(separator: ", "))"
            )
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do { return try decoder.decode(T.self, from: body) } catch let error as DecodingError {
            throw ServiceError(.badRequest, rule: "bad-request", Self.describe(error))
        }
    }

    /// A decoding error as a sentence naming the field.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case let .keyNotFound(key, _): return "missing field '\(key.stringValue)'"
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            return "field '\(path(context))' has the wrong type"
        case let .dataCorrupted(context): return "field '\(path(context))' has an invalid value"
        @unknown default: return "the body is not the JSON this route takes"
        }
    }
}

/// A per-principal allowance of recorded authentication refusals: at most `perMinute` in a
/// minute window. Only refusals spend it, so a principal's own valid requests never use it up.
final class RefusalBudget: Sendable {
    private let perMinute: Int
    private let windows = NIOLockedValueBox<[String: (start: Date, used: Int)]>([:])

    init(perMinute: Int) { self.perMinute = perMinute }

    /// Whether a refusal of `principal` now may still be recorded.
    func allows(_ principal: String, now: Date = Date()) -> Bool {
        windows.withLockedValue { all in
            guard let window = all[principal], now.timeIntervalSince(window.start) < 60 else { return true }
            return window.used < perMinute
        }
    }

    /// Counts one recorded refusal of `principal`.
    func spend(_ principal: String, now: Date = Date()) {
        windows.withLockedValue { all in
            if all.count > 10_000 { all = all.filter { now.timeIntervalSince($0.value.start) < 60 } }
            var window = all[principal] ?? (now, 0)
            if now.timeIntervalSince(window.start) >= 60 { window = (now, 0) }
            window.used += 1
            all[principal] = window
        }
    }
}
