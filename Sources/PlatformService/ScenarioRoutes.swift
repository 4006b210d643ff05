import Foundation
import Hummingbird
import PrivacyLedger
import Scenarios

// The plan's scenario models over the service: a steward registers a scenario's views of a
// dataset, a reviewer grants an authorisation over a view (dataset `NAME#SCENARIO`), and the
// operator runs the scenario under it; every release and export goes through the gates.
extension PlatformService {
    func addScenarioRoutes(to router: Router<BasicRequestContext>) {
        let jsonLimit = configuration.maximumRequest
        router.post("/v1/scenarios/:kind/views") { request, context in
            let kind = context.parameters.get("kind") ?? ""
            return await self.signed(request, limit: jsonLimit) { caller in try self.registerViews(kind, caller: caller)
            }
        }
        router.post("/v1/scenarios/:kind/runs") { request, context in
            let kind = context.parameters.get("kind") ?? ""
            return await self.signed(request, limit: jsonLimit) { caller in try self.runScenario(kind, caller: caller) }
        }
    }

    struct ViewRequest: Decodable {
        let dataset: String
        let hotels: String?
    }

    struct ViewDocument: Encodable {
        struct Column: Encodable {
            let name: String
            let level: Int
        }
        let dataset: String
        let columns: [Column]
        let authorisationSuffix: String
    }

    func scenarioKind(_ name: String) throws -> ScenarioKind {
        guard let kind = ScenarioKind(rawValue: name) else {
            throw ServiceError(
                .notFound, rule: "not-found",
                "scenarios are \(ScenarioKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return kind
    }

    /// The scenario's input from registered datasets of the data root (tourism names its hotel
    /// stays too: the service reads nothing outside its data root).
    func scenarioInput(_ kind: ScenarioKind, dataset: String, hotels: String?) throws -> ScenarioInput {
        if kind == .tourism && hotels == nil {
            throw ServiceError(
                .badRequest, rule: "bad-request", "the tourism scenario needs 'hotels', its hotel-stay dataset")
        }
        let file = try datasets.ledgerName(of: dataset)
        let second = try hotels.map { try datasets.ledgerName(of: $0) }
        for path in [file] + (second.map { [$0] } ?? []) {
            guard try ledger.registeredDigest(of: path) != nil else { throw ServiceError.noSuchAuthorisedDataset }
        }
        return try ScenarioRunner.fileInput(kind, file: file, second: second)
    }

    /// **A steward's action**: registers the views scenario `kind` reads from a dataset
    /// (levels only raised), for a reviewer to grant as `NAME#SCENARIO`.
    func registerViews(_ name: String, caller: Caller) throws -> Response {
        let kind = try scenarioKind(name)
        try requireRole(caller, .steward, action: "dataset-registered")
        let request = try Self.decode(ViewRequest.self, from: caller.body, allowed: ["dataset", "hotels"])
        let input = try scenarioInput(kind, dataset: request.dataset, hotels: request.hotels)
        let views = try ScenarioRunner.registerViews(kind, input: input, ledger: caller.ledger, actor: caller.name)
        return json(
            views.map { view in
                ViewDocument(
                    dataset: datasets.apiName(of: view.dataset) ?? view.dataset,
                    columns: view.columns.map { .init(name: $0.column, level: $0.level.rawValue) },
                    authorisationSuffix: view.authorisationSuffix)
            }, status: .created)
    }

    struct RunRequest: Decodable {
        let dataset: String
        let hotels: String?
        let authorisation: String
        let epsilon: Double?
        let delta: Double?
        let k: Int?
        let postProcessing: Bool?
    }

    /// Runs scenario `kind` for the calling operator under its authorisation `authorisation`
    /// (granted over the scenario's view); answers the report (its released values only).
    func runScenario(_ name: String, caller: Caller) throws -> Response {
        let kind = try scenarioKind(name)
        let request = try Self.decode(
            RunRequest.self, from: caller.body,
            allowed: ["dataset", "hotels", "authorisation", "epsilon", "delta", "k", "post_processing"])
        var options = ScenarioOptions()
        if let epsilon = request.epsilon { options.epsilon = epsilon }
        if let delta = request.delta { options.delta = delta }
        if let k = request.k { options.k = k }
        if let post = request.postProcessing { options.postProcessing = post }
        try options.validate()
        // Refused (and recorded) before any data is read unless the caller's authorisation
        // covers the scenario's view of this very dataset (and, for tourism, its second
        // authorisation the hotel stays' view): another dataset, registered or not, is the
        // same 404.
        var views = [(request.authorisation, try datasets.ledgerName(of: request.dataset))]
        if let hotels = request.hotels {
            views.append((request.authorisation + "/1", try datasets.ledgerName(of: hotels)))
        }
        for (authorisation, file) in views {
            try caller.ledger.authorise(
                operator: caller.name, scenario: authorisation,
                dataset: ScenarioRunner.viewDataset(of: file, for: kind), columns: [])
        }
        let input = try scenarioInput(kind, dataset: request.dataset, hotels: request.hotels)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "privacy-kernel-run-" + UUID().uuidString
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let context = ScenarioContext(
            ledger: caller.ledger, operator: caller.name, authorisation: request.authorisation,
            outputDirectory: directory)
        let report = try ScenarioRunner.run(kind, input: input, options: options, context: context)
        return json(report, snakeCase: false)
    }
}
