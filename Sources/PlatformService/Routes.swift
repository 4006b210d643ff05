import Anonymity
import DifferentialPrivacy
import Foundation
import Hummingbird
import PrivacyAccounting
import PrivacyLedger
import PrivateLearning
import Prometheus
import ReportRendering
import Tabular

// The routes of the platform service, each documented in OpenAPIDocument.json.
extension PlatformService {
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/health") { _, _ in Self.body(Data(#"{"status":"ok"}"#.utf8), contentType: "application/json") }
        router.get("/openapi.json") { _, _ in
            Self.body(Data(OpenAPIDocument.json.utf8), contentType: "application/json")
        }
        router.get("/metrics") { _, _ in
            Self.body(
                Data(Self.metricsRegistry.emitToBuffer()), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        let jsonLimit = configuration.maximumRequest, uploadLimit = configuration.maximumUpload
        router.get("/v1/whoami") { request, _ in
            await self.signed(request, limit: jsonLimit) { caller in
                self.json(
                    WhoAmI(name: caller.name, roles: caller.verified.principal.roles.map(\.rawValue).sorted()))
            }
        }
        router.put("/v1/datasets/:name") { request, context in
            let name = context.parameters.get("name") ?? ""
            return await self.signed(request, limit: uploadLimit) { caller in
                try self.uploadDataset(
                    name, caller: caller, level: request.uri.queryParameters["level"].map(String.init))
            }
        }
        router.patch("/v1/datasets/:name/columns/:column") { request, context in
            let name = context.parameters.get("name") ?? "", column = context.parameters.get("column") ?? ""
            return await self.signed(request, limit: jsonLimit) { caller in
                try self.changeColumn(name, column: column.removingPercentEncoding ?? column, caller: caller)
            }
        }
        router.get("/v1/datasets") { request, _ in
            await self.signed(request, limit: jsonLimit) { caller in try self.listDatasets(caller) }
        }
        router.post("/v1/authorisations") { request, _ in
            await self.signed(request, limit: jsonLimit) { caller in try self.grant(caller) }
        }
        router.get("/v1/authorisations") { request, _ in
            await self.signed(request, limit: jsonLimit) { caller in try self.listAuthorisations(caller) }
        }
        router.post("/v1/authorisations/:id/:action") { request, context in
            let id = context.parameters.get("id").flatMap { Int64($0) }, action = context.parameters.get("action") ?? ""
            return await self.signed(request, limit: jsonLimit) { caller in
                try self.changeStatus(id: id, action: action, caller: caller)
            }
        }
        router.post("/v1/releases") { request, _ in
            await self.signed(request, limit: jsonLimit) { caller in try self.release(caller) }
        }
        router.get("/v1/releases") { request, _ in
            await self.signed(request, limit: jsonLimit) { caller in try self.releaseHistory(caller) }
        }
        router.post("/v1/models") { request, _ in
            await self.signed(request, limit: jsonLimit) { caller in try self.fitModel(caller) }
        }
        router.post("/v1/exports") { request, _ in
            await self.signed(request, limit: 16 << 20) { caller in try self.export(caller) }
        }
        router.get("/v1/exports/:name") { request, context in
            let name = context.parameters.get("name") ?? ""
            return await self.signed(request, limit: jsonLimit) { caller in try self.download(name, caller: caller) }
        }
        router.get("/v1/audit") { request, _ in
            await self.signed(request, limit: jsonLimit) { caller in try self.auditVerification(caller) }
        }
        router.get("/v1/reports/:kind") { request, context in
            let kind = context.parameters.get("kind") ?? ""
            let query = request.uri.queryParameters
            let period = query["period"].map(String.init), op = query["operator"].map(String.init)
            let html = query["format"].map(String.init) == "html"
            return await self.signed(request, limit: jsonLimit) { caller in
                try self.report(kind, period: period, operator: op, html: html, caller: caller)
            }
        }
    }

    // MARK: Datasets (stewards)

    /// A dataset as the API shows it: name, SHA-256 and schema; never a row.
    struct DatasetDocument: Encodable {
        struct Column: Encodable {
            let name: String
            let level: Int
            let role: String
        }
        let name: String
        let sha256: String?
        let columns: [Column]
    }

    func datasetDocument(_ ledgerName: String, ledger: SQLiteLedger) throws -> DatasetDocument {
        DatasetDocument(
            name: datasets.apiName(of: ledgerName) ?? ledgerName, sha256: try ledger.registeredDigest(of: ledgerName),
            columns: try ledger.columns(of: ledgerName).map {
                .init(name: $0.column, level: $0.level.rawValue, role: $0.role.rawValue)
            })
    }

    func requireRole(_ caller: Caller, _ role: PrincipalRole, action: String) throws {
        guard caller.holds(role) else {
            throw PrivacyLedgerError.roleNotHeld(principal: caller.name, role: role.rawValue, action: action)
        }
    }

    func uploadDataset(_ name: String, caller: Caller, level: String?) throws -> Response {
        try requireRole(caller, .steward, action: "dataset-registered")
        let defaultLevel: ClassificationLevel
        if let level {
            guard let parsed = Int(level).flatMap(ClassificationLevel.init(rawValue:)) else {
                throw ServiceError(.badRequest, rule: "bad-request", "level must be 1, 2, 3 or 4")
            }
            defaultLevel = parsed
        } else {
            defaultLevel = .internal
        }
        let ledger = caller.ledger
        let path = try datasets.store(caller.body, as: name) { path, header in
            try ledger.registerFile(path, columns: header, defaultLevel: defaultLevel, actor: caller.name)
            return path
        }
        return json(try datasetDocument(path, ledger: ledger), status: .created)
    }

    struct ColumnChange: Decodable {
        let level: Int?
        let role: String?
    }

    func changeColumn(_ name: String, column: String, caller: Caller) throws -> Response {
        try requireRole(caller, .steward, action: "classify")
        let change = try Self.decode(ColumnChange.self, from: caller.body, allowed: ["level", "role"])
        let path = try datasets.ledgerName(of: name)
        if let level = change.level {
            guard let parsed = ClassificationLevel(rawValue: level) else {
                throw ServiceError(.badRequest, rule: "bad-request", "level must be 1, 2, 3 or 4")
            }
            try caller.ledger.classify(dataset: path, column: column, level: parsed, actor: caller.name)
        }
        if let role = change.role {
            guard let parsed = ColumnRole(rawValue: role) else {
                throw ServiceError(
                    .badRequest, rule: "bad-request",
                    "role must be one of \(ColumnRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            try caller.ledger.setRole(dataset: path, column: column, role: parsed, actor: caller.name)
        }
        return json(try datasetDocument(path, ledger: caller.ledger))
    }

    /// Stewards, reviewers and regulators see every dataset's digest and schema; an operator
    /// sees those its authorisations name; anyone else, none.
    func listDatasets(_ caller: Caller) throws -> Response {
        let names: Set<String>
        if caller.holds(.steward) || caller.holds(.reviewer) || caller.holds(.regulator) {
            names = Set(try ledger.authorisations().flatMap { $0.columns.map(\.dataset) })
                .union(try registeredDatasets())
        } else {
            names = Set(
                try ledger.authorisations().filter { $0.operator == caller.name }.flatMap { $0.columns.map(\.dataset) })
        }
        let visible = names.filter { datasets.apiName(of: $0) != nil }.sorted()
        return json(try visible.map { try datasetDocument($0, ledger: ledger) })
    }

    /// The datasets registered under the data root (by their files).
    func registeredDatasets() throws -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: datasets.root)) ?? []
        return try files.filter { !$0.hasPrefix(".") }.map { datasets.root + "/" + $0 }
            .filter { try ledger.registeredDigest(of: $0) != nil }
    }

    // MARK: Authorisations (reviewers)

    struct GrantRequest: Decodable {
        let `operator`: String
        let scenario: String
        let dataset: String
        let columns: [String]?
        let epsilon: Double?
        let delta: Double?
        let rho: Double?
        let accounting: String?
        let validDays: Int?
        let trialDays: Int?
        let forms: [String]?
    }

    struct AuthorisationDocument: Encodable {
        let id: Int64
        let `operator`: String
        let scenario: String
        let dataset: String
        let columns: [String]
        let budget: String
        let accounting: String
        let total: Double
        let spent: Double
        let remaining: Double
        let status: String
        let validFrom: Date
        let trialUntil: Date
        let validTo: Date
        let forms: [String]?
    }

    func document(_ authorisation: Authorisation) -> AuthorisationDocument {
        let dataset = authorisation.columns.first.map(\.dataset) ?? ""
        return AuthorisationDocument(
            id: authorisation.id, operator: authorisation.operator, scenario: authorisation.scenario,
            dataset: datasets.apiName(of: dataset) ?? dataset, columns: authorisation.columns.map(\.column),
            budget: authorisation.budget.description, accounting: authorisation.accounting.rawValue,
            total: authorisation.budget.total, spent: authorisation.spent, remaining: authorisation.remaining,
            status: authorisation.status.rawValue, validFrom: authorisation.validFrom,
            trialUntil: authorisation.trialUntil, validTo: authorisation.validTo,
            forms: authorisation.releaseForms?.map(\.rawValue))
    }

    func grant(_ caller: Caller) throws -> Response {
        try requireRole(caller, .reviewer, action: "grant")
        let request = try Self.decode(
            GrantRequest.self, from: caller.body,
            allowed: [
                "operator", "scenario", "dataset", "columns", "epsilon", "delta", "rho", "accounting", "valid_days",
                "trial_days", "forms",
            ])
        let budget: PrivacyBudget
        switch (request.epsilon, request.delta, request.rho) {
        case let (epsilon?, nil, nil): budget = .pure(epsilon: epsilon)
        case let (epsilon?, delta?, nil): budget = .approximate(epsilon: epsilon, delta: delta)
        case let (nil, nil, rho?): budget = .zCDP(rho: rho)
        default:
            throw ServiceError(.badRequest, rule: "bad-request", "give epsilon (optionally with delta) or rho")
        }
        let accounting = try request.accounting.map { text in
            guard let method = AccountingMethod(rawValue: text) else {
                throw ServiceError(
                    .badRequest, rule: "bad-request",
                    "accounting must be one of \(AccountingMethod.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return method
        }
        let forms = try request.forms.map { names in
            try names.map { name in
                guard let form = ReleaseForm(rawValue: name) else {
                    throw ServiceError(
                        .badRequest, rule: "bad-request",
                        "unknown form; forms are \(ReleaseForm.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return form
            }
        }
        let dataset = try datasets.ledgerName(of: request.dataset)
        // A registered file, or a scenario's view of one (registered without a digest of its own).
        let registered = Result { () throws(PrivacyLedgerError) in try ledger.columns(of: dataset) }
        guard case let .success(columns) = registered, !columns.isEmpty else {
            throw ServiceError.notFound("no registered dataset of that name")
        }
        let authorisation = try caller.ledger.grant(
            operator: request.operator, scenario: request.scenario, budget: budget, accounting: accounting,
            dataset: dataset, columns: request.columns, trialDays: request.trialDays ?? 0,
            validDays: request.validDays ?? 365, releaseForms: forms, actor: caller.name)
        return json(document(authorisation), status: .created)
    }

    /// Reviewers and regulators see every authorisation; an operator its own.
    func listAuthorisations(_ caller: Caller) throws -> Response {
        let all = try ledger.authorisations()
        let visible =
            caller.holds(.reviewer) || caller.holds(.regulator) ? all : all.filter { $0.operator == caller.name }
        return json(visible.map(document))
    }

    struct StatusRequest: Decodable { let reason: String }

    func changeStatus(id: Int64?, action: String, caller: Caller) throws -> Response {
        guard ["suspend", "resume", "terminate"].contains(action) else {
            throw ServiceError(.notFound, rule: "not-found", "no such route")
        }
        try requireRole(caller, .reviewer, action: action)
        let reason = try Self.decode(StatusRequest.self, from: caller.body, allowed: ["reason"]).reason
        guard let id, let authorisation = try ledger.authorisations().first(where: { $0.id == id }) else {
            throw ServiceError.notFound("no authorisation with that id")
        }
        let op = authorisation.operator, scenario = authorisation.scenario
        let changed: Authorisation
        switch action {
        case "suspend":
            changed = try caller.ledger.suspend(operator: op, scenario: scenario, reason: reason, actor: caller.name)
        case "resume":
            changed = try caller.ledger.resume(operator: op, scenario: scenario, reason: reason, actor: caller.name)
        default:
            changed =
                try caller.ledger.terminate(operator: op, scenario: scenario, reason: reason, actor: caller.name)
                .authorisation
        }
        return json(document(changed))
    }

    // MARK: Releases (operators)

    struct ReleaseRequest: Decodable {
        let scenario: String
        let dataset: String
        let mechanism: String?
        let epsilon: Double?
        let delta: Double?
        let rho: Double?
        let classicGaussian: Bool?
    }

    /// The fields of `POST /v1/releases`: the request's own and those of
    /// ``DifferentialPrivacy/DPQuerySpecification`` (snake_case).
    static let releaseFields: Set<String> = [
        "scenario", "dataset", "mechanism", "epsilon", "delta", "rho", "classic_gaussian", "statistic", "column",
        "lower", "upper", "group_by", "keys", "select_partitions", "privacy_unit", "max_partitions_per_unit",
        "max_contributions_per_partition", "quantile_levels", "histogram_bins", "non_finite_values",
    ]

    /// A DP statistic of a dataset, charged to the caller's authorisation for the scenario.
    /// A dataset the caller holds no authorisation for is `not-found`, whether it exists or not.
    func release(_ caller: Caller) throws -> Response {
        let request = try Self.decode(ReleaseRequest.self, from: caller.body, allowed: Self.releaseFields)
        let specification = try Self.decode(DPQuerySpecification.self, from: caller.body, allowed: Self.releaseFields)
        let dataset = try datasets.ledgerName(of: request.dataset)
        let query = try specification.query()
        guard let mechanism = NoiseMechanism(rawValue: request.mechanism ?? "laplace") else {
            throw ServiceError(
                .badRequest, rule: "bad-request",
                "mechanism must be one of \(NoiseMechanism.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let parameters = try NoiseParameters(
            epsilon: request.epsilon, delta: request.delta, rho: request.rho,
            gaussianCalibration: request.classicGaussian == true ? .classic : .analytic)
        // Refused (and recorded) before the data is touched; the gate checks again at the charge.
        try caller.ledger.authorise(
            operator: caller.name, scenario: request.scenario, dataset: dataset, columns: query.columnsRead)
        guard let digest = try ledger.registeredDigest(of: dataset) else {
            throw ServiceError.noSuchAuthorisedDataset
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: dataset)[.size] as? Int) ?? nil
        let released: LedgeredRelease
        if let bytes, bytes > configuration.memoryLimit / 4 {
            // Larger than a quarter of the memory limit: streamed, never cached; the gate hashes
            // the bytes it parses and compares them with the registered digest before the charge.
            // Spilled rows stay inside the data root (owner-only files, deleted after use).
            let options = FileScanOptions(
                csv: CSVOptions(separator: try CSVReader.guessSeparator(ofFile: dataset)),
                memoryLimit: configuration.memoryLimit, workDirectory: datasets.spillDirectory)
            released = try caller.ledger.release(
                query, overFile: dataset, options: options, mechanism: mechanism, parameters: parameters,
                operator: caller.name, scenario: request.scenario, dataset: dataset, requiresDigest: true)
        } else {
            let table = try loadVerified(dataset, digest: digest, caller: caller, scenario: request.scenario)
            // Metered as the bytes of the registered file the table holds (cached or read now).
            released = try caller.ledger.release(
                query, over: table, mechanism: mechanism, parameters: parameters, operator: caller.name,
                scenario: request.scenario, dataset: dataset, bytesScanned: bytes)
        }
        var document = ReleaseDocument(
            release: released.release, levels: query.statistic == .quantiles ? query.quantileLevels : nil)
        document.ledgerEntry = released.entryID
        document.resultDigest = released.resultDigest
        return json(document, snakeCase: false)
    }

    struct ReleaseLine: Encodable {
        let id: String
        let scenario: String
        let dataset: String
        let query: String
        let epsilon: Double?
        let delta: Double?
        let rho: Double?
        let chargedAt: Date
        let resultDigest: String?
    }

    /// The caller's own releases (an operator), or all (a reviewer or regulator).
    func releaseHistory(_ caller: Caller) throws -> Response {
        let everyone = caller.holds(.reviewer) || caller.holds(.regulator)
        let records = try ledger.history(operator: everyone ? nil : caller.name)
        return json(
            records.map {
                ReleaseLine(
                    id: $0.id, scenario: $0.scenario, dataset: datasets.apiName(of: $0.dataset) ?? $0.dataset,
                    query: $0.query, epsilon: $0.epsilon, delta: $0.delta, rho: $0.rho, chargedAt: $0.chargedAt,
                    resultDigest: $0.resultDigest)
            })
    }

    // MARK: Model fits (operators)

    struct ModelRequest: Decodable {
        let scenario: String
        let dataset: String
        let kind: String
        let features: [String]
        let label: String
        let featureBounds: [[Double]]?
        let rowNorm: Double?
        let labelBounds: [Double]?
        let mechanism: String?
        let epsilon: Double?
        let delta: Double?
        let rho: Double?
        let ridge: Double?
        let iterations: Int?
    }

    struct ModelDocument: Encodable {
        let kind: String
        let features: [String]
        let label: String
        let coefficients: [Double]
        let intercept: Double
        let mechanism: String
        let epsilon: Double?
        let delta: Double?
        let rho: Double?
        let ledgerEntry: String?
    }

    /// A DP linear (`kind: "linear"`) or logistic (`"logistic"`) regression of a dataset's
    /// label on its features, charged to the caller's authorisation for the scenario (the
    /// `computation` form) before any noise is drawn; the answer is the coefficients.
    func fitModel(_ caller: Caller) throws -> Response {
        let request = try Self.decode(
            ModelRequest.self, from: caller.body,
            allowed: [
                "scenario", "dataset", "kind", "features", "label", "feature_bounds", "row_norm", "label_bounds",
                "mechanism", "epsilon", "delta", "rho", "ridge", "iterations",
            ])
        guard request.kind == "linear" || request.kind == "logistic" else {
            throw ServiceError(.badRequest, rule: "bad-request", "kind must be linear or logistic")
        }
        if let iterations = request.iterations, !(1...1_000).contains(iterations) {
            throw ServiceError(.badRequest, rule: "bad-request", "iterations lie in 1 … 1000")
        }
        let bounds: FeatureBounds
        switch (request.featureBounds, request.rowNorm) {
        case let (ranges?, nil):
            guard ranges.count == request.features.count, ranges.allSatisfy({ $0.count == 2 && $0[0] <= $0[1] }) else {
                throw ServiceError(
                    .badRequest, rule: "bad-request", "feature_bounds needs one [low, high] (low ≤ high) per feature")
            }
            bounds = .perColumn(ranges.map { $0[0]...$0[1] })
        case let (nil, radius?): bounds = .rowNorm(radius)
        default: throw ServiceError(.badRequest, rule: "bad-request", "give feature_bounds or row_norm")
        }
        let mechanism = try request.mechanism.map { name in
            guard let parsed = NoiseMechanism(rawValue: name) else {
                throw ServiceError(
                    .badRequest, rule: "bad-request",
                    "mechanism must be one of \(NoiseMechanism.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return parsed
        }
        let parameters = try NoiseParameters(epsilon: request.epsilon, delta: request.delta, rho: request.rho)
        let dataset = try datasets.ledgerName(of: request.dataset)
        let columns = request.features + [request.label]
        let purpose = "\(request.kind) regression \(request.label) ~ \(request.features.joined(separator: " + "))"
        // Refused (and recorded) before the data is read.
        let budget = try caller.ledger.budget(
            operator: caller.name, scenario: request.scenario, dataset: dataset, columns: columns, purpose: purpose)
        guard let digest = try ledger.registeredDigest(of: dataset) else { throw ServiceError.noSuchAuthorisedDataset }
        let table = try loadVerified(dataset, digest: digest, caller: caller, scenario: request.scenario)
        let coefficients: [Double], intercept: Double, used: NoiseMechanism
        if request.kind == "linear" {
            guard let label = request.labelBounds, label.count == 2, label[0] <= label[1] else {
                throw ServiceError(.badRequest, rule: "bad-request", "a linear fit needs label_bounds [low, high]")
            }
            var fit = PrivateLinearRegression(
                features: request.features, label: request.label, featureBounds: bounds,
                labelBounds: label[0]...label[1],
                ridge: request.ridge)
            if let mechanism { fit.mechanism = mechanism }
            let model = try fit.fit(table, parameters: parameters, budget: budget)
            (coefficients, intercept, used) = (model.coefficients, model.intercept, model.mechanism)
        } else {
            var fit = PrivateLogisticRegression(
                features: request.features, label: request.label, featureBounds: bounds,
                iterations: request.iterations ?? 12)
            if let mechanism { fit.mechanism = mechanism }
            let model = try fit.fit(table, parameters: parameters, budget: budget)
            (coefficients, intercept, used) = (model.coefficients, model.intercept, fit.mechanism)
        }
        let entry = try ledger.history(operator: caller.name, scenario: request.scenario).last { $0.query == purpose }
        return json(
            ModelDocument(
                kind: request.kind, features: request.features, label: request.label, coefficients: coefficients,
                intercept: intercept, mechanism: used.rawValue, epsilon: request.epsilon, delta: request.delta,
                rho: request.rho, ledgerEntry: entry?.id))
    }

    // MARK: Exports (operators)

    struct ExportRequest: Decodable {
        let scenario: String
        let dataset: String
        let name: String
        let quasiIdentifiers: [String]
        let hierarchies: [String: String]
        let k: Int
        let suppression: Double?
        let metric: String?
        let sensitive: String?
        let l: Int?
        let t: Double?
        let dropSuppressed: Bool?
    }

    struct ExportDocument: Encodable {
        let file: String
        let levels: [String: Int]
        let sha256: String
        let bytes: Int64
        let download: String
    }

    /// Generalises a dataset over its quasi-identifiers with the given ARX hierarchies (an
    /// optimal transformation meeting k, and l / t of `sensitive` when asked) and exports it
    /// through the export gate into the export area, for its operator to download once.
    /// Answers only what the gate released: the file, its levels, digest and size.
    func export(_ caller: Caller) throws -> Response {
        let request = try Self.decode(
            ExportRequest.self, from: caller.body,
            allowed: [
                "scenario", "dataset", "name", "quasi_identifiers", "hierarchies", "k", "suppression", "metric",
                "sensitive", "l", "t", "drop_suppressed",
            ])
        try DatasetStore.validate(name: request.name)
        let dataset = try datasets.ledgerName(of: request.dataset)
        // Refused (and recorded) before the data is read: every column of the dataset leaves.
        let columns = try ledger.columns(of: dataset).map(\.column)
        try caller.ledger.authorise(
            operator: caller.name, scenario: request.scenario, dataset: dataset, columns: columns)
        var hierarchies: [String: Hierarchy] = [:]
        for (column, text) in request.hierarchies {
            hierarchies[column] = try Hierarchy(arxCSV: text, attribute: column)
        }
        let nodes = Anonymiser.latticeSize(request.quasiIdentifiers.compactMap { hierarchies[$0] })
        guard nodes <= Double(Anonymiser.maximumLatticeSize) else {
            throw AnonymityError.latticeTooLarge(nodes: nodes, limit: Anonymiser.maximumLatticeSize)
        }
        var models: [PrivacyModel] = [.kAnonymity(k: request.k)]
        if let l = request.l { models.append(.distinctLDiversity(l: l)) }
        if let t = request.t { models.append(.equalDistanceTCloseness(t: t)) }
        guard let metric = UtilityMetric(rawValue: request.metric ?? UtilityMetric.loss.rawValue) else {
            throw ServiceError(
                .badRequest, rule: "bad-request",
                "metric must be one of \(UtilityMetric.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let digest = try ledger.registeredDigest(of: dataset) else { throw ServiceError.noSuchAuthorisedDataset }
        let table = try loadVerified(dataset, digest: digest, caller: caller, scenario: request.scenario)
        let result = try Anonymiser.generalise(
            table, quasiIdentifiers: request.quasiIdentifiers, hierarchies: hierarchies, models: models,
            sensitive: request.sensitive, suppressionLimit: request.suppression ?? 0, metric: metric)
        let anonymised = try result.anonymisedTable(table, suppressed: request.dropSuppressed == true ? .drop : .star)
        let record = try caller.ledger.export(
            anonymised, as: request.name, check: .microdata(quasiIdentifiers: request.quasiIdentifiers, k: request.k),
            operator: caller.name, scenario: request.scenario, dataset: dataset)
        return json(
            ExportDocument(
                file: request.name,
                levels: Dictionary(uniqueKeysWithValues: zip(result.quasiIdentifiers, result.levels)),
                sha256: record.resultDigest ?? "", bytes: record.bytesExported ?? 0,
                download: "/v1/exports/\(request.name)"),
            status: .created)
    }

    /// The export `name` of the caller, once (``PrivacyLedger/SQLiteLedger/downloadExport(_:operator:)``).
    func download(_ name: String, caller: Caller) throws -> Response {
        try DatasetStore.validate(name: name)
        let data = try caller.ledger.downloadExport(name, operator: caller.name)
        return Self.body(data, contentType: "text/csv; charset=utf-8")
    }

    /// The table of a registered dataset, loaded from bytes with the registered digest; a file
    /// changed behind the service is refused and the refusal recorded for the caller.
    func loadVerified(_ dataset: String, digest: String, caller: Caller, scenario: String) throws -> Tabular.Table {
        do { return try datasets.table(at: dataset, digest: digest) } catch let error as PrivacyLedgerError {
            _ = try? caller.ledger.verifyFile(dataset, operator: caller.name, scenario: scenario)
            throw error
        }
    }

    // MARK: Audit and reports (regulators)

    struct AuditDocument: Encodable {
        let entries: Int
        let head: String
        let chainVerifies: Bool
        let chainProblem: String?
        let signaturesVerified: Int
        let signatureFailures: [String]
        let stateDisagreements: [String]
    }

    func auditVerification(_ caller: Caller) throws -> Response {
        guard caller.holds(.regulator) || caller.holds(.reviewer) else {
            throw PrivacyLedgerError.roleNotHeld(principal: caller.name, role: "regulator", action: "audit")
        }
        let chain: (entries: Int, head: String)?, problem: String?
        switch Result(catching: { () throws(PrivacyLedgerError) in try ledger.verifyAuditChain() }) {
        case let .success(value): (chain, problem) = (value, nil)
        case let .failure(error): (chain, problem) = (nil, error.description)
        }
        let signatures = try ledger.verifySignatures()
        let disagreements = try ledger.stateDisagreements()
        return json(
            AuditDocument(
                entries: chain?.entries ?? 0, head: chain?.head ?? "", chainVerifies: problem == nil,
                chainProblem: problem, signaturesVerified: signatures.verified,
                signatureFailures: signatures.failures,
                stateDisagreements: disagreements.map { "\($0.object): \($0.kind)" }))
    }

    func report(_ kind: String, period: String?, operator op: String?, html: Bool, caller: Caller) throws -> Response {
        guard let period else {
            throw ServiceError(.badRequest, rule: "bad-request", "give period=YYYY, YYYYH1 or YYYYH2")
        }
        let parsed = try ReportPeriod(parsing: period)
        let overseer = caller.holds(.regulator) || caller.holds(.reviewer)
        switch kind {
        case "security":
            // An operator may read its own security report; the regulator anyone's.
            guard let op else { throw ServiceError(.badRequest, rule: "bad-request", "name the operator") }
            guard overseer || op == caller.name else {
                throw PrivacyLedgerError.roleNotHeld(principal: caller.name, role: "regulator", action: "report")
            }
            let report = try ledger.securityReport(operator: op, period: parsed)
            return html
                ? Self.body(
                    Data(self.redact(LedgerReportPages.html(report)).utf8),
                    contentType: "text/html; charset=utf-8")
                : json(report)
        case "operation":
            guard overseer else {
                throw PrivacyLedgerError.roleNotHeld(principal: caller.name, role: "regulator", action: "report")
            }
            let report = try ledger.operationReport(period: parsed)
            return html
                ? Self.body(
                    Data(self.redact(LedgerReportPages.html(report)).utf8),
                    contentType: "text/html; charset=utf-8")
                : json(report)
        default:
            throw ServiceError(.notFound, rule: "not-found", "reports are 'security' and 'operation'")
        }
    }

    struct WhoAmI: Encodable {
        let name: String
        let roles: [String]
    }

    /// A JSON response with the data root's path removed from every string.
    func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, snakeCase: Bool = true) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        if snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        let text = String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
        return Self.body(
            Data(self.redact(text).utf8), contentType: "application/json",
            status: status)
    }
}
