import Anonymity
public import DifferentialPrivacy
public import Foundation

// Authorisations: grants, status changes, queries over them, and the rules a request must pass.
extension SQLiteLedger {
    // MARK: Authorisations

    /// Grants an authorisation: operator, scenario, the columns of one dataset, a budget, and a
    /// validity window of an optional trial (≤ 6 months) followed by a term (≤ 2 years).
    ///
    /// - Parameters:
    ///   - columns: the allowed columns; `nil` for every column of the dataset below level 4.
    ///   - validFrom: start of validity (default: now).
    ///   - trialDays: days of trial operation (0 to 6 months).
    ///   - validDays: days of the term after the trial (1 to 2 years).
    /// - Throws: ``PrivacyLedgerError/alreadyAuthorised(operator:scenario:)``,
    ///   ``PrivacyLedgerError/levelFourColumn(column:dataset:)``,
    ///   ``PrivacyLedgerError/unknownColumn(column:dataset:available:)``,
    ///   ``PrivacyLedgerError/invalidParameter(name:value:reason:)``.
    @discardableResult
    public func grant(
        operator op: String, scenario: String, budget: PrivacyBudget, accounting: AccountingMethod? = nil,
        dataset: String, columns: [String]? = nil, validFrom: Date? = nil, trialDays: Int = 0,
        validDays: Int = 365, releaseForms: [ReleaseForm]? = nil, exportRequirements: ExportRequirements? = nil,
        actor: String = "reviewer"
    ) throws(PrivacyLedgerError) -> Authorisation {
        return try recordingRefusals(
            operator: actor, scenario: scenario, dataset: dataset, request: "grant \(op)/\(scenario) \(budget)"
        ) { () throws(PrivacyLedgerError) in
            try Self.requireText(op, name: "operator")
            try Self.requireText(scenario, name: "scenario")
            try Self.requireText(actor, name: "actor")
            do { try budget.validate() } catch {
                throw .invalidParameter(name: "budget", value: budget.description, reason: "\(error)")
            }
            let method = accounting ?? .default(for: budget)
            guard method.canHold(budget) else {
                throw .invalidParameter(
                    name: "accounting", value: method.rawValue, reason: "cannot hold a \(budget) budget")
            }
            let time = now
            let start = validFrom ?? time
            let calendar = Self.calendar
            guard trialDays >= 0 else {
                throw .invalidParameter(name: "trial days", value: "\(trialDays)", reason: "must be ≥ 0")
            }
            guard validDays >= 1 else {
                throw .invalidParameter(name: "valid days", value: "\(validDays)", reason: "must be ≥ 1")
            }
            let trialUntil = start.addingTimeInterval(Double(trialDays) * 86_400)
            guard trialUntil <= calendar.date(byAdding: .month, value: Self.maximumTrialMonths, to: start)! else {
                throw .invalidParameter(
                    name: "trial days", value: "\(trialDays)",
                    reason: "trial operation lasts at most \(Self.maximumTrialMonths) months")
            }
            let validTo = trialUntil.addingTimeInterval(Double(validDays) * 86_400)
            guard validTo <= calendar.date(byAdding: .year, value: Self.maximumTermYears, to: trialUntil)! else {
                throw .invalidParameter(
                    name: "valid days", value: "\(validDays)",
                    reason: "an authorisation's term is at most \(Self.maximumTermYears) years")
            }
            let accountantState = try Self.encode(method.makeAccountant())
            let budgetJSON = try Self.json(budget)
            if let releaseForms, releaseForms.isEmpty {
                throw .invalidParameter(name: "release forms", value: "''", reason: "list at least one form")
            }
            let formsText = releaseForms.map { Set($0).sorted().map(\.rawValue).joined(separator: ",") }
            let requirementsText = try exportRequirements.map { requirements throws(PrivacyLedgerError) in
                try Self.validate(requirements)
                return try Self.json(requirements)
            }
            return try write { db in
                let known = try Self.datasetColumns(db, dataset)
                guard !known.isEmpty else { throw PrivacyLedgerError.unknownDataset(dataset: dataset) }
                for column in exportRequirements.map({ Array($0.hierarchies.keys) + [$0.sensitive].compactMap { $0 } })
                    ?? []
                where !known.contains(where: { $0.column == column }) {
                    throw PrivacyLedgerError.unknownColumn(
                        column: column, dataset: dataset, available: known.map(\.column))
                }
                let allowed: [DatasetColumn]
                if let columns {
                    guard !columns.isEmpty else {
                        throw PrivacyLedgerError.invalidParameter(
                            name: "columns", value: "''", reason: "list at least one column")
                    }
                    allowed = try columns.map { name throws(PrivacyLedgerError) in
                        guard let column = known.first(where: { $0.column == name }) else {
                            throw .unknownColumn(column: name, dataset: dataset, available: known.map(\.column))
                        }
                        guard column.level < .restricted else { throw .levelFourColumn(column: name, dataset: dataset) }
                        return column
                    }
                } else {
                    allowed = known.filter { $0.level < .restricted }
                }
                if try db.value(
                    Int64.self,
                    sql: "SELECT id FROM authorisations WHERE operator = ? AND scenario = ? AND status != 'terminated'",
                    arguments: [op, scenario]) != nil
                {
                    throw PrivacyLedgerError.alreadyAuthorised(operator: op, scenario: scenario)
                }
                let inserted = try db.value(
                    Int64.self,
                    sql: """
                        INSERT INTO authorisations (operator, scenario, budget, accounting, valid_from, trial_until, valid_to, status, accountant, spent, granted_at,
                                                    release_forms, export_requirements)
                        VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, 0, ?, ?, ?) RETURNING id
                        """,
                    arguments: [
                        op, scenario, budgetJSON, method.rawValue, start.timeIntervalSince1970,
                        trialUntil.timeIntervalSince1970,
                        validTo.timeIntervalSince1970, accountantState, time.timeIntervalSince1970, formsText,
                        requirementsText,
                    ])
                guard let id = inserted else {
                    throw PrivacyLedgerError.storage(reason: "the new authorisation has no id")
                }
                for column in Set(allowed.map(\.column)).sorted() {
                    try db.execute(
                        sql: "INSERT INTO authorisation_columns VALUES (?, ?, ?)", arguments: [id, dataset, column])
                }
                try db.execute(
                    sql: "INSERT INTO status_history VALUES (?, ?, 'active', 'granted', ?)",
                    arguments: [id, time.timeIntervalSince1970, actor])
                try record(
                    db, time: time, actor: actor, action: "grant",
                    details: try LedgerState.recording(
                        LedgerState.authorisationKey(id),
                        in: [
                            "authorisation": "\(id)", "operator": op, "scenario": scenario,
                            "budget": budget.description,
                            "accounting": method.rawValue, "dataset": dataset,
                            "columns": Set(allowed.map(\.column)).sorted().joined(separator: ","),
                            "valid_from": iso(start), "trial_until": iso(trialUntil), "valid_to": iso(validTo),
                            "release_forms": formsText ?? "any", "export_requirements": requirementsText ?? "policy",
                        ], db))
                return try Self.authorisation(db, id: id)!
            }
        }
    }

    /// Suspends an active authorisation (the agreement was breached).
    @discardableResult
    public func suspend(
        operator op: String, scenario: String, reason: String, actor: String = "reviewer"
    ) throws(PrivacyLedgerError) -> Authorisation {
        try changeStatus(op, scenario, to: .suspended, allowedFrom: [.active], reason: reason, actor: actor)
            .authorisation
    }

    /// Resumes a suspended authorisation (the breach was corrected).
    @discardableResult
    public func resume(
        operator op: String, scenario: String, reason: String, actor: String = "reviewer"
    ) throws(PrivacyLedgerError) -> Authorisation {
        try changeStatus(op, scenario, to: .active, allowedFrom: [.suspended], reason: reason, actor: actor)
            .authorisation
    }

    /// Terminates an authorisation (final) and deletes the operator's derived data held by the
    /// platform for it: the files the export gate wrote into the export area, each only while
    /// it is still a regular file there with the SHA-256 the ledger recorded (others are kept
    /// and listed in ``TerminationReport/keptFiles``). The ledger and the audit log are kept.
    @discardableResult
    public func terminate(
        operator op: String, scenario: String, reason: String, actor: String = "reviewer"
    ) throws(PrivacyLedgerError) -> TerminationReport {
        try changeStatus(
            op, scenario, to: .terminated, allowedFrom: [.active, .suspended], reason: reason, actor: actor)
    }

    func changeStatus(
        _ op: String, _ scenario: String, to status: AuthorisationStatus, allowedFrom: Set<AuthorisationStatus>,
        reason: String, actor: String
    ) throws(PrivacyLedgerError) -> TerminationReport {
        return try recordingRefusals(
            operator: actor, scenario: scenario, dataset: "",
            request:
                "\(status == .active ? "resume" : status == .suspended ? "suspend" : "terminate") \(op)/\(scenario)"
        ) { () throws(PrivacyLedgerError) in
            try Self.requireText(reason, name: "reason")
            try Self.requireText(actor, name: "actor")
            let time = now
            return try write { db in
                guard let current = try Self.liveAuthorisation(db, operator: op, scenario: scenario) else {
                    throw PrivacyLedgerError.noAuthorisation(operator: op, scenario: scenario)
                }
                guard allowedFrom.contains(current.status) else {
                    throw PrivacyLedgerError.invalidTransition(
                        operator: op, scenario: scenario, from: current.status.rawValue, to: status.rawValue)
                }
                try db.execute(
                    sql: "UPDATE authorisations SET status = ? WHERE id = ?", arguments: [status.rawValue, current.id])
                try db.execute(
                    sql: "INSERT INTO status_history VALUES (?, ?, ?, ?, ?)",
                    arguments: [current.id, time.timeIntervalSince1970, status.rawValue, reason, actor])
                var deleted: [String] = [], missing: [String] = [], kept: [String] = []
                if status == .terminated {
                    // Only files the export gate wrote into the export area, with the bytes it recorded.
                    let files = try db.rows(
                        sql: """
                            SELECT d.id, d.path, r.result_digest FROM derived_data d LEFT JOIN releases r ON r.id = d.release_id
                            WHERE d.authorisation_id = ? AND d.deleted_at IS NULL ORDER BY d.id
                            """,
                        arguments: [current.id])
                    // (Asked only when there are files: a PostgreSQL ledger may have no area set.)
                    let area = files.isEmpty ? "" : try Self.exportArea(db, ledgerPath: path)
                    for row in files {
                        let file: String = try row.ledgerValue("path")
                        let digest = try row.ledgerValue("result_digest", as: String?.self)
                        switch digest.map({ ExportArea.delete(file, ifDigest: $0, in: area) })
                            ?? .kept("no export recorded for it")
                        {
                        case .deleted: deleted.append(file)
                        case .missing: missing.append(file)
                        case let .kept(reason):
                            kept.append("\(file) (\(reason))")
                            continue
                        }
                        try db.execute(
                            sql: "UPDATE derived_data SET deleted_at = ? WHERE id = ?",
                            arguments: [time.timeIntervalSince1970, (try row.ledgerValue("id", as: Int64.self))])
                    }
                }
                var details = [
                    "authorisation": "\(current.id)", "operator": op, "scenario": scenario, "reason": reason,
                    "from": current.status.rawValue,
                ]
                if status == .terminated {
                    details["deleted_files"] = deleted.joined(separator: "\n")
                    details["missing_files"] = missing.joined(separator: "\n")
                    if !kept.isEmpty { details["kept_files"] = kept.joined(separator: "\n") }
                }
                try record(
                    db, time: time, actor: actor,
                    action: status == .active ? "resume" : (status == .suspended ? "suspend" : "terminate"),
                    details: try LedgerState.recording(LedgerState.authorisationKey(current.id), in: details, db))
                return TerminationReport(
                    authorisation: try Self.authorisation(db, id: current.id)!, deletedFiles: deleted,
                    missingFiles: missing,
                    keptFiles: kept)
            }
        }
    }

    /// The live (active or suspended) authorisation of `operator` for `scenario`, or else the
    /// latest terminated one, or `nil`.
    public func authorisation(operator op: String, scenario: String) throws(PrivacyLedgerError) -> Authorisation? {
        try read { db in try Self.liveAuthorisation(db, operator: op, scenario: scenario) }
    }

    /// Every authorisation, oldest first.
    public func authorisations() throws(PrivacyLedgerError) -> [Authorisation] {
        try read { db in
            try db.values(Int64.self, sql: "SELECT id FROM authorisations ORDER BY id").compactMap {
                try Self.authorisation(db, id: $0)
            }
        }
    }

    /// The status history of an authorisation, oldest first.
    public func statusHistory(of authorisationID: Int64) throws(PrivacyLedgerError) -> [StatusChange] {
        try read { db in
            try db.rows(
                sql: "SELECT * FROM status_history WHERE authorisation_id = ? ORDER BY rowid",
                arguments: [authorisationID]
            ).map { row in
                StatusChange(
                    time: Date(timeIntervalSince1970: try row.ledgerValue("time")),
                    status: AuthorisationStatus(rawValue: try row.ledgerValue("status")) ?? .terminated,
                    reason: try row.ledgerValue("reason"), actor: try row.ledgerValue("actor"))
            }
        }
    }

    /// Releases recorded in the ledger, oldest first, optionally of one operator and/or scenario.
    public func history(
        operator op: String? = nil, scenario: String? = nil
    ) throws(PrivacyLedgerError) -> [ReleaseRecord] {
        try read { db in
            var sql = "SELECT * FROM releases WHERE TRUE"
            var arguments: LedgerArguments = []
            if let op {
                sql += " AND operator = ?"
                arguments.append(op)
            }
            if let scenario {
                sql += " AND scenario = ?"
                arguments.append(scenario)
            }
            sql += " ORDER BY charged_at, rowid"
            return try db.rows(sql: sql, arguments: arguments).map { row in try Self.releaseRecord(row) }
        }
    }

    static func releaseRecord(_ row: LedgerRow) throws(PrivacyLedgerError) -> ReleaseRecord {
        ReleaseRecord(
            id: try row.ledgerValue("id"), kind: try row.ledgerValue("kind"),
            authorisationID: try row.ledgerValue("authorisation_id"), operator: try row.ledgerValue("operator"),
            scenario: try row.ledgerValue("scenario"), dataset: try row.ledgerValue("dataset"),
            query: try row.ledgerValue("query"), parameters: try row.ledgerValue("parameters"),
            epsilon: try row.ledgerValue("epsilon"), delta: try row.ledgerValue("delta"),
            rho: try row.ledgerValue("rho"), noiseScale: try row.ledgerValue("noise_scale"),
            resultDigest: try row.ledgerValue("result_digest"), rowsScanned: try row.ledgerValue("rows_scanned"),
            bytesScanned: try row.ledgerValue("bytes_scanned"), cpuSeconds: try row.ledgerValue("cpu_seconds"),
            bytesExported: try row.ledgerValue("bytes_exported"),
            chargedAt: Date(timeIntervalSince1970: try row.ledgerValue("charged_at")),
            completedAt: (try row.ledgerValue("completed_at", as: Double?.self)).map(Date.init(timeIntervalSince1970:)))
    }

    /// The metered cost of an authorisation's releases and exports.
    public func costs(of authorisationID: Int64) throws(PrivacyLedgerError) -> CostSummary {
        try read { db in
            let row = try db.row(
                sql: """
                    SELECT SUM(CASE WHEN kind = 'dp' THEN 1 ELSE 0 END) AS releases,
                           SUM(CASE WHEN kind = 'export' THEN 1 ELSE 0 END) AS exports, SUM(rows_scanned) AS rows_scanned,
                           SUM(bytes_scanned) AS bytes_scanned, SUM(cpu_seconds) AS cpu_seconds, SUM(bytes_exported) AS bytes_exported
                    FROM releases WHERE authorisation_id = ?
                    """, arguments: [authorisationID])
            func total<Value: LedgerValueConvertible & ExpressibleByIntegerLiteral>(
                _ column: String
            ) throws(PrivacyLedgerError) -> Value {
                try row?.ledgerValue(column, as: Value?.self) ?? 0
            }
            return CostSummary(
                releases: try total("releases"), exports: try total("exports"), rowsScanned: try total("rows_scanned"),
                bytesScanned: try total("bytes_scanned"), cpuSeconds: try total("cpu_seconds"), bytesExported: try total("bytes_exported"))
        }
    }

    /// Files of derived data held for an authorisation that have not been deleted.
    public func derivedFiles(of authorisationID: Int64) throws(PrivacyLedgerError) -> [String] {
        try read { db in
            try db.values(
                String.self,
                sql: "SELECT path FROM derived_data WHERE authorisation_id = ? AND deleted_at IS NULL ORDER BY id",
                arguments: [authorisationID])
        }
    }

    static func liveAuthorisation(
        _ db: any LedgerDatabase, operator op: String, scenario: String
    ) throws -> Authorisation? {
        let id = try db.value(
            Int64.self,
            sql: """
                SELECT id FROM authorisations WHERE operator = ? AND scenario = ?
                ORDER BY (status = 'terminated'), id DESC LIMIT 1
                """, arguments: [op, scenario])
        return try id.flatMap { try authorisation(db, id: $0) }
    }

    static func authorisation(_ db: any LedgerDatabase, id: Int64) throws -> Authorisation? {
        guard let row = try db.row(sql: "SELECT * FROM authorisations WHERE id = ?", arguments: [id]) else {
            return nil
        }
        let columns = try db.rows(
            sql: """
                SELECT a.dataset, a.name, c.level, c.role FROM authorisation_columns a JOIN columns c ON c.dataset = a.dataset AND c.name = a.name
                WHERE a.authorisation_id = ? ORDER BY a.dataset, a.name
                """, arguments: [id]
        ).map { r in
            DatasetColumn(
                dataset: try r.ledgerValue("dataset"), column: try r.ledgerValue("name"),
                level: ClassificationLevel(rawValue: try r.ledgerValue("level")) ?? .restricted,
                role: ColumnRole(rawValue: try r.ledgerValue("role")) ?? .identifier)
        }
        let budget = try decodeBudget(try row.ledgerValue("budget"))
        return Authorisation(
            id: id, operator: try row.ledgerValue("operator"), scenario: try row.ledgerValue("scenario"),
            budget: budget,
            accounting: AccountingMethod(rawValue: try row.ledgerValue("accounting")) ?? .basic,
            validFrom: Date(timeIntervalSince1970: try row.ledgerValue("valid_from")),
            trialUntil: Date(timeIntervalSince1970: try row.ledgerValue("trial_until")),
            validTo: Date(timeIntervalSince1970: try row.ledgerValue("valid_to")),
            status: AuthorisationStatus(rawValue: try row.ledgerValue("status")) ?? .terminated, columns: columns,
            spent: try row.ledgerValue("spent"),
            grantedAt: Date(timeIntervalSince1970: try row.ledgerValue("granted_at")),
            releaseForms: (try row.ledgerValue("release_forms", as: String?.self)).map {
                $0.split(separator: ",").compactMap { ReleaseForm(rawValue: String($0)) }
            },
            exportRequirements: try (try row.ledgerValue("export_requirements", as: String?.self)).map { text in
                guard let value = try? JSONDecoder().decode(ExportRequirements.self, from: Data(text.utf8)) else {
                    throw PrivacyLedgerError.storage(reason: "authorisation \(id): unreadable export requirements")
                }
                return value
            })
    }

    /// Refuses export requirements a review cannot mean: k < 2, l < 2, t outside (0, 1], l or
    /// t without a sensitive attribute, a hierarchy that does not parse.
    static func validate(_ requirements: ExportRequirements) throws(PrivacyLedgerError) {
        if let k = requirements.minimumK, k < 2 {
            throw .invalidParameter(name: "export k", value: "\(k)", reason: "must be at least 2")
        }
        if let l = requirements.l, l < 2 {
            throw .invalidParameter(name: "export l", value: "\(l)", reason: "must be at least 2")
        }
        if let t = requirements.t, !(t > 0 && t <= 1) {
            throw .invalidParameter(name: "export t", value: "\(t)", reason: "must be in (0, 1]")
        }
        if (requirements.l != nil || requirements.t != nil) && requirements.sensitive == nil {
            throw .invalidParameter(
                name: "export sensitive", value: "", reason: "l-diversity and t-closeness need a sensitive attribute")
        }
        for (column, text) in requirements.hierarchies {
            do { _ = try Hierarchy(arxCSV: text, attribute: column) } catch {
                throw .invalidParameter(name: "export hierarchy", value: column, reason: "\(error)")
            }
        }
    }

    // MARK: Rules

    /// Checks that `authorisation` allows reading `columns` of `dataset` at `time`: status,
    /// validity window, dataset and column lists, and classification (level 4 never leaves).
    /// Current levels are read from `db` (a column reclassified to level 4 after the grant is
    /// refused).
    /// `published` are the columns whose values the output may show (a release's value and key
    /// columns, every column of an export): an identifier there is refused (`identifier-column`).
    static func check(
        _ authorisation: Authorisation, at time: Date, dataset: String, columns: [String], published: [String] = [],
        form: ReleaseForm? = nil, db: any LedgerDatabase
    ) throws {
        let op = authorisation.operator, scenario = authorisation.scenario
        if let form, let allowed = authorisation.releaseForms, !allowed.contains(form) {
            throw PrivacyLedgerError.formNotAuthorised(
                form: form.rawValue, operator: op, scenario: scenario, allowed: allowed.map(\.rawValue))
        }
        switch authorisation.status {
        case .terminated: throw PrivacyLedgerError.terminated(operator: op, scenario: scenario)
        case .suspended:
            let reason =
                try db.value(
                    String.self,
                    sql: "SELECT reason FROM status_history WHERE authorisation_id = ? ORDER BY rowid DESC LIMIT 1",
                    arguments: [authorisation.id]) ?? "suspended"
            throw PrivacyLedgerError.suspended(operator: op, scenario: scenario, reason: reason)
        case .active: break
        }
        guard time >= authorisation.validFrom else {
            throw PrivacyLedgerError.notYetValid(operator: op, scenario: scenario, validFrom: authorisation.validFrom)
        }
        guard time < authorisation.validTo else {
            throw PrivacyLedgerError.expired(operator: op, scenario: scenario, validTo: authorisation.validTo)
        }
        guard authorisation.columns.contains(where: { $0.dataset == dataset }) else {
            throw PrivacyLedgerError.datasetNotAuthorised(dataset: dataset, operator: op, scenario: scenario)
        }
        let registered = try datasetColumns(db, dataset)
        let levels = Dictionary(registered.map { ($0.column, $0.level) }, uniquingKeysWith: { a, _ in a })
        for column in columns {
            if levels[column] == .restricted {
                throw PrivacyLedgerError.levelFourColumn(column: column, dataset: dataset)
            }
            guard authorisation.columns.contains(where: { $0.dataset == dataset && $0.column == column }) else {
                throw PrivacyLedgerError.columnNotAuthorised(
                    column: column, dataset: dataset, operator: op, scenario: scenario)
            }
        }
        for column in published where registered.contains(where: { $0.column == column && $0.role == .identifier }) {
            throw PrivacyLedgerError.identifierColumn(column: column, dataset: dataset)
        }
    }

    /// Checks, without charging, that `operator` may read `columns` of `dataset` for `scenario`
    /// now; a refusal is recorded in the audit log (``refusals(operator:scenario:)``).
    ///
    /// - Returns: the authorisation.
    /// - Throws: the ``PrivacyLedgerError`` naming the rule that refuses.
    @discardableResult
    public func authorise(
        operator op: String, scenario: String, dataset: String, columns: [String]
    ) throws(PrivacyLedgerError) -> Authorisation {
        try recordingRefusals(
            operator: op, scenario: scenario, dataset: dataset,
            request: columns.isEmpty ? "read rows" : "read " + columns.joined(separator: ", ")
        ) { () throws(PrivacyLedgerError) in
            try checkAuthorisation(operator: op, scenario: scenario, dataset: dataset, columns: columns)
        }
    }

    /// ``authorise(operator:scenario:dataset:columns:)`` without recording a refusal, for
    /// callers that record their own (with the request they serve).
    @discardableResult
    func checkAuthorisation(
        operator op: String, scenario: String, dataset: String, columns: [String], published: [String] = [],
        form: ReleaseForm? = nil
    ) throws(PrivacyLedgerError) -> Authorisation {
        let time = now
        return try read { db in
            try authenticate(db, actor: op, role: .operator, action: "read")
            guard let authorisation = try Self.liveAuthorisation(db, operator: op, scenario: scenario) else {
                throw PrivacyLedgerError.noAuthorisation(operator: op, scenario: scenario)
            }
            try Self.check(
                authorisation, at: time, dataset: dataset, columns: columns, published: published, form: form, db: db)
            return authorisation
        }
    }
}
