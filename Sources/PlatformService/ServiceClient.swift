public import Foundation
public import PrivacyLedger

#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// Signs and sends requests to the platform service as one principal: each request carries a
/// fresh ``SignedRequest`` (timestamp, nonce, Ed25519 signature over method, path and body).
/// `privacy-kernel client` is a thin layer over it.
public struct ServiceClient: @unchecked Sendable {
    /// The service's base URL (`http://127.0.0.1:8723`).
    public let base: URL
    /// Who signs.
    public let identity: LedgerIdentity
    /// The session requests go through (`URLSession` is thread-safe; not marked `Sendable`
    /// on Linux).
    public let session: URLSession

    /// A client of the service at `base` signing as `identity`, through `session` (default: the
    /// shared one; a load generator passes one allowing many connections per host).
    public init(base: URL, identity: LedgerIdentity, session: URLSession = .shared) {
        self.base = base
        self.identity = identity
        self.session = session
    }

    /// The `URLRequest` of one signed request (for callers that send it themselves, e.g. twice
    /// to see a replay refused).
    ///
    /// - Parameters:
    ///   - method: `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    ///   - path: the path with its query, starting with `/`.
    ///   - body: the body (ignored for `GET`).
    ///   - time: when it is signed (default now).
    public func request(_ method: String, _ path: String, body: Data = Data(), at time: Date = Date()) -> URLRequest {
        let method = method.uppercased()
        let body = method == "GET" ? Data() : body
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        var request = URLRequest(url: URL(string: text + path) ?? base)
        request.httpMethod = method
        if !body.isEmpty { request.httpBody = body }
        let signature = identity.sign(method: method, path: path, body: body, at: time)
        request.setValue(signature.authorizationHeader, forHTTPHeaderField: "Authorization")
        return request
    }

    /// Sends one signed request; returns the HTTP status and the body.
    ///
    /// - Throws: a `URLError` when the service cannot be reached.
    public func send(_ method: String, _ path: String, body: Data = Data()) async throws -> (status: Int, body: Data) {
        try await Self.send(request(method, path, body: body), session: session)
    }

    /// Sends a request as it is; returns the HTTP status and the body.
    public static func send(
        _ request: URLRequest, session: URLSession = .shared
    ) async throws -> (status: Int, body: Data) {
        let (data, response) = try await session.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }
}
