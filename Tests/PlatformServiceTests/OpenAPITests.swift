import Foundation
import Hummingbird
import PlatformService
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The OpenAPI document at `/openapi.json` stays true: every route of the router is in it with
/// its method, and every operation in it is routed.
@Suite("Platform service: the OpenAPI document matches the routes", .serialized)
struct OpenAPITests {
    @Test("routes and documented operations are the same set")
    func routesMatchDocument() async throws {
        let running = try await RunningService.start()
        defer { Task { await running.stop() } }
        let routed = Set(
            running.service.router().routes.map { route -> String in
                let path = route.path.description.split(separator: "/").map { part in
                    part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
                }
                return route.method.rawValue.lowercased() + " /" + path.joined(separator: "/")
            })
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0) \(path)" } })
        #expect(
            routed == documented,
            "routed only: \(routed.subtracting(documented)); documented only: \(documented.subtracting(routed))")
        // And the service serves this very document.
        var request = URLRequest(url: running.base.appendingPathComponent("openapi.json"))
        request.httpMethod = "GET"
        let served = try await ServiceClient.send(request)
        #expect(served.status == 200)
        #expect(String(decoding: served.body, as: UTF8.self) == OpenAPIDocument.json)
    }
}
