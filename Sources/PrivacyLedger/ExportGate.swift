import Anonymity
import Foundation
public import Tabular
#if canImport(Glibc)
import Glibc
#endif

extension SQLiteLedger {
    /// **The export gate**: writes `table` as the file `name` of the platform's export area
    /// (``exportArea()``) only if an active authorisation covers its columns and the table
    /// passes its check (k-anonymity for microdata, minimum cell counts for aggregates, against
    /// the ledger's ``ExportPolicy``). The file is written to a hidden temporary name, the
    /// export is recorded in the ledger (entry, digest, bytes, the file as the operator's
    /// derived data) and committed, and only then linked into place, never replacing a file.
    ///
    /// - Parameters:
    ///   - table: the table to write (anonymised microdata or an aggregate).
    ///   - name: the output CSV file, relative to the export area (`cohort.csv`,
    ///     `scenario-7/cohort.csv`): no absolute path, no `.`/`..`/hidden component, no
    ///     symbolic link, not an existing file (rules `export-area`, `export-exists`).
    ///   - check: what to check (``ExportCheck``).
    ///   - dataset: the registered dataset the table derives from; the table's columns must be
    ///     in the authorisation's list for it.
    ///   - separator: the CSV field separator.
    /// - Returns: the ledger entry; its `query` is the file's absolute path.
    /// - Throws: ``PrivacyLedgerError`` naming the rule (nothing is written then).
    /// - Complexity: O(rows × quasi-identifiers) for the check, plus writing the file.
    @discardableResult
    public func export(
        _ table: Tabular.Table, as name: String, check: ExportCheck, operator op: String, scenario: String,
        dataset: String, separator: UInt8 = UInt8(ascii: ",")
    ) throws(PrivacyLedgerError) -> ReleaseRecord {
        try recordingRefusals(operator: op, scenario: scenario, dataset: dataset, request: "export \(name)") {
            () throws(PrivacyLedgerError) -> ReleaseRecord in
            try exportRecordingNothing(
                table, as: name, check: check, operator: op, scenario: scenario, dataset: dataset,
                separator: separator)
        }
    }

    /// The body of ``export(_:as:check:operator:scenario:dataset:separator:)``, whose caller
    /// records a refusal.
    private func exportRecordingNothing(
        _ table: Tabular.Table, as name: String, check: ExportCheck, operator op: String, scenario: String,
        dataset: String, separator: UInt8
    ) throws(PrivacyLedgerError) -> ReleaseRecord {
        let cpuStart = processCPUSeconds()
        let columns = table.columnNames
        let form: ReleaseForm
        switch check {
        case .microdata: form = .microdataExport
        case .aggregate: form = .aggregateExport
        }
        let authorisation = try checkAuthorisation(
            operator: op, scenario: scenario, dataset: dataset, columns: columns, published: columns, form: form)
        let policy = try policy()
        var checkDescription: String
        switch check {
        case let .microdata(named, k):
            guard k >= policy.minimumK else {
                throw .exportRefused(
                    rule: "k-below-minimum", detail: "k = \(k) is below the platform's minimum k = \(policy.minimumK)")
            }
            let review = authorisation.exportRequirements ?? ExportRequirements()
            if let reviewed = review.minimumK, k < reviewed {
                throw .exportRefused(
                    rule: "k-below-review", detail: "k = \(k) is below the k = \(reviewed) the review requires")
            }
            // k over every quasi-identifier the steward declared that the table contains (and
            // any the operator adds): never over a set the operator chooses alone.
            let declared = try self.columns(of: dataset).filter { $0.role == .quasiIdentifier }.map(\.column)
            guard !declared.isEmpty else {
                throw .exportRefused(
                    rule: "no-quasi-identifiers",
                    detail:
                        "the steward of dataset '\(dataset)' declared no quasi-identifiers (ledger classify --role COLUMN=quasi-identifier), so microdata cannot be checked"
                )
            }
            var quasiIdentifiers = declared.filter { columns.contains($0) }
            for name in named where !quasiIdentifiers.contains(name) { quasiIdentifiers.append(name) }
            guard !quasiIdentifiers.isEmpty else {
                throw .exportRefused(
                    rule: "k-anonymity", detail: "microdata needs at least one quasi-identifier")
            }
            try Self.checkKAnonymity(table, quasiIdentifiers: quasiIdentifiers, k: k)
            checkDescription = "k-anonymity k=\(k) over \(quasiIdentifiers.joined(separator: ","))"
            try Self.checkReview(review, of: table, quasiIdentifiers: quasiIdentifiers)
            if let sensitive = review.sensitive {
                checkDescription +=
                    (review.l.map { "; distinct \($0)-diversity of \(sensitive)" } ?? "")
                    + (review.t.map { "; \($0)-closeness of \(sensitive)" } ?? "")
            }
            if !review.hierarchies.isEmpty {
                checkDescription +=
                    "; reviewed hierarchies of \(review.hierarchies.keys.sorted().joined(separator: ","))"
            }
        case let .aggregate(countColumn):
            try Self.checkCellCounts(table, countColumn: countColumn, minimum: policy.minimumCellCount)
            checkDescription = "cell counts of \(countColumn) ≥ \(policy.minimumCellCount)"
        }
        let area = try exportArea()
        let ledgerFile = Self.datasetName(forFile: path)
        let protected =
            [ledgerFile, ledgerFile + "-wal", ledgerFile + "-shm", ledgerFile + "-journal"]
            + (try read { db in try db.values(String.self, sql: "SELECT name FROM datasets") })
        let target = try ExportArea.target(of: name, in: area, protected: protected)
        let pending = ExportArea.pendingName(for: target)
        do { try CSVWriter.write(table, to: pending, options: CSVOptions(separator: separator)) } catch {
            try? FileManager.default.removeItem(atPath: pending)
            throw .storage(reason: "cannot write '\(pending)': \(error)")
        }
        let record: ReleaseRecord
        do {
            guard let data = FileManager.default.contents(atPath: pending) else {
                throw PrivacyLedgerError.storage(reason: "cannot read back '\(pending)'")
            }
            let digest = Self.sha256Hex(data)
            let id = UUID().uuidString
            let parameters = try Self.json(["check": checkDescription, "path": target, "rows": "\(table.rowCount)"])
            record = try write { db in
                let time = now
                guard let authorisation = try Self.liveAuthorisation(db, operator: op, scenario: scenario) else {
                    throw PrivacyLedgerError.noAuthorisation(operator: op, scenario: scenario)
                }
                try Self.check(
                    authorisation, at: time, dataset: dataset, columns: columns, published: columns, form: form, db: db)
                try Self.requireRecordedState(db, authorisation: authorisation.id, dataset: dataset)
                try db.execute(
                    sql: """
                        INSERT INTO releases (id, kind, authorisation_id, operator, scenario, dataset, query, parameters, result_digest,
                                              rows_scanned, cpu_seconds, bytes_exported, charged_at, completed_at)
                        VALUES (?, 'export', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        id, authorisation.id, op, scenario, dataset, target, parameters, digest, table.rowCount,
                        processCPUSeconds() - cpuStart, data.count, time.timeIntervalSince1970,
                        time.timeIntervalSince1970,
                    ])
                try db.execute(
                    sql:
                        "INSERT INTO derived_data (authorisation_id, path, release_id, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [authorisation.id, target, id, time.timeIntervalSince1970])
                try self.record(
                    db, time: time, actor: op, action: "export",
                    details: try LedgerState.recording(
                        LedgerState.authorisationKey(authorisation.id),
                        in: [
                            "release": id, "authorisation": "\(authorisation.id)", "path": target,
                            "check": checkDescription,
                            "result_digest": digest, "bytes": "\(data.count)", "rows": "\(table.rowCount)",
                        ], db))
                return try Self.releaseRecord(
                    try db.row(sql: "SELECT * FROM releases WHERE id = ?", arguments: [id])!)
            }
        } catch let error as PrivacyLedgerError {
            try? FileManager.default.removeItem(atPath: pending)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: pending)
            throw .storage(reason: "\(error)")
        }
        try ExportArea.publish(pending, as: target)
        return record
    }

    /// Refuses unless every equivalence class over `quasiIdentifiers` has ≥ `k` rows; the class
    /// of fully suppressed rows (every quasi-identifier `*`) is exempt.
    static func checkKAnonymity(_ table: Tabular.Table, quasiIdentifiers: [String], k: Int) throws(PrivacyLedgerError) {
        guard !quasiIdentifiers.isEmpty else {
            throw .exportRefused(rule: "k-anonymity", detail: "microdata needs at least one quasi-identifier")
        }
        let classes: EquivalenceClasses, reports: [CheckReport]
        do {
            (classes, reports) = try Anonymiser.check(
                table, quasiIdentifiers: quasiIdentifiers, requirements: [.kAnonymity(k: k)])
        } catch { throw .exportRefused(rule: "k-anonymity", detail: "\(error)") }
        let qiColumns: [Tabular.Column]
        do { qiColumns = try quasiIdentifiers.map { try table.column($0) } } catch {
            throw .exportRefused(rule: "k-anonymity", detail: "\(error)")
        }
        for offending in reports[0].offendingClasses {
            let row = classes.firstRow[offending]
            let suppressed = qiColumns.allSatisfy { $0.text(at: row) == "*" }
            if !suppressed {
                throw .exportRefused(
                    rule: "k-anonymity",
                    detail:
                        "the equivalence class of data row \(row + 1) has \(classes.sizes[offending]) rows, fewer than k = \(k)"
                )
            }
        }
    }

    /// Refuses unless the microdata meet the review's requirements: distinct l-diversity and
    /// equal-distance t-closeness of the sensitive attribute in every class over
    /// `quasiIdentifiers` (fully suppressed rows exempt, as for k), and every value of a column
    /// with a reviewed hierarchy taken from one level of that hierarchy (or `*`).
    ///
    /// - Complexity: O(rows × quasi-identifiers + hierarchy size).
    static func checkReview(
        _ review: ExportRequirements, of table: Tabular.Table, quasiIdentifiers: [String]
    ) throws(PrivacyLedgerError) {
        for (column, text) in review.hierarchies.sorted(by: { $0.key < $1.key }) {
            let hierarchy: Hierarchy
            let values: Tabular.Column
            do {
                hierarchy = try Hierarchy(arxCSV: text, attribute: column)
                values = try table.column(column)
            } catch {
                throw .exportRefused(rule: "hierarchy", detail: "column '\(column)': \(error)")
            }
            guard quasiIdentifiers.contains(column) else {
                throw .exportRefused(
                    rule: "hierarchy",
                    detail: "column '\(column)' has a reviewed hierarchy but is not a quasi-identifier")
            }
            let levels = (0..<hierarchy.levelCount).map { level in Set(hierarchy.rows.map { $0[level] }) }
            var candidates = Set(0..<hierarchy.levelCount)
            for row in 0..<table.rowCount {
                let value = values.text(at: row) ?? ""
                if value == "*" { continue }
                candidates = candidates.filter { levels[$0].contains(value) }
                guard !candidates.isEmpty else {
                    throw .exportRefused(
                        rule: "hierarchy",
                        detail:
                            "column '\(column)', data row \(row + 1): its values do not come from one level of the reviewed hierarchy"
                    )
                }
            }
        }
        guard let sensitive = review.sensitive, review.l != nil || review.t != nil else { return }
        var models: [PrivacyModel] = []
        if let l = review.l { models.append(.distinctLDiversity(l: l)) }
        if let t = review.t { models.append(.equalDistanceTCloseness(t: t)) }
        let classes: EquivalenceClasses, reports: [CheckReport]
        let qiColumns: [Tabular.Column]
        do {
            (classes, reports) = try Anonymiser.check(
                table, quasiIdentifiers: quasiIdentifiers, sensitive: sensitive, requirements: models)
            qiColumns = try quasiIdentifiers.map { try table.column($0) }
        } catch {
            throw .exportRefused(rule: "diversity", detail: "\(error)")
        }
        for (model, report) in zip(models, reports) {
            for offending in report.offendingClasses {
                let row = classes.firstRow[offending]
                if qiColumns.allSatisfy({ $0.text(at: row) == "*" }) { continue }
                let rule: String
                if case .distinctLDiversity = model { rule = "l-diversity" } else { rule = "t-closeness" }
                throw .exportRefused(
                    rule: rule,
                    detail:
                        "the equivalence class of data row \(row + 1) does not meet the review's \(rule) of '\(sensitive)'"
                )
            }
        }
    }

    /// Refuses unless every value of `countColumn` is present and ≥ `minimum`.
    static func checkCellCounts(_ table: Tabular.Table, countColumn: String, minimum: Int) throws(PrivacyLedgerError) {
        let column: Tabular.Column
        do { column = try table.column(countColumn) } catch {
            throw .exportRefused(rule: "minimum-cell-count", detail: "\(error)")
        }
        for row in 0..<table.rowCount {
            guard let text = column.text(at: row), let value = Double(text) else {
                throw .exportRefused(
                    rule: "minimum-cell-count", detail: "column '\(countColumn)', data row \(row + 1) has no count")
            }
            guard value >= Double(minimum) else {
                throw .exportRefused(
                    rule: "minimum-cell-count",
                    detail:
                        "column '\(countColumn)', data row \(row + 1) has count \(text), below the minimum \(minimum)")
            }
        }
    }
}
