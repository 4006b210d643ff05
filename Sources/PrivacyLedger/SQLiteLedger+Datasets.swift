import DifferentialPrivacy
import Foundation

// Datasets, their column classification and row-count disclosure.
extension SQLiteLedger {
    // MARK: Datasets and classification

    /// The ledger's name for a data file: its absolute, standardised path.
    public static func datasetName(forFile file: String) -> String {
        URL(fileURLWithPath: file).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Registers a dataset and its columns (idempotent: known columns keep their level; new
    /// columns get `defaultLevel`).
    ///
    /// - Returns: the dataset's columns with their levels.
    @discardableResult
    public func registerDataset(
        _ name: String, columns: [String], defaultLevel: ClassificationLevel = .internal,
        actor: String = "platform"
    ) throws(PrivacyLedgerError) -> [DatasetColumn] {
        try recordingRefusals(operator: actor, scenario: "", dataset: name, request: "register dataset \(name)") {
            () throws(PrivacyLedgerError) in
            try registerDatasetUnrecorded(name, columns: columns, defaultLevel: defaultLevel, actor: actor)
        }
    }

    /// ``registerDataset(_:columns:defaultLevel:actor:)`` without recording its refusal (for
    /// callers that record their own).
    func registerDatasetUnrecorded(
        _ name: String, columns: [String], defaultLevel: ClassificationLevel, actor: String
    ) throws(PrivacyLedgerError) -> [DatasetColumn] {
        try Self.requireText(name, name: "dataset")
        try Self.requireText(actor, name: "actor")
        for column in columns { try Self.requireText(column, name: "column name") }
        let time = now
        return try write { db in
            let known =
                try db.value(String.self, sql: "SELECT name FROM datasets WHERE name = ?", arguments: [name])
                != nil
            if !known {
                try db.execute(
                    sql: "INSERT INTO datasets (name, registered_at) VALUES (?, ?)",
                    arguments: [name, time.timeIntervalSince1970])
            }
            var added: [String] = []
            for column in columns {
                let inserted = try db.execute(
                    sql: "INSERT INTO columns (dataset, name, level) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    arguments: [name, column, defaultLevel.rawValue])
                if inserted > 0 { added.append(column) }
            }
            if !known || !added.isEmpty {
                try record(
                    db, time: time, actor: actor, action: "dataset-registered",
                    details: try LedgerState.recording(
                        LedgerState.datasetKey(name),
                        in: [
                            "dataset": name, "columns": added.joined(separator: ","),
                            "level": "\(defaultLevel.rawValue)",
                        ], db))
            }
            return try Self.datasetColumns(db, name)
        }
    }

    /// Sets a column's classification level (audited).
    ///
    /// - Throws: ``PrivacyLedgerError/unknownDataset(dataset:)``,
    ///   ``PrivacyLedgerError/unknownColumn(column:dataset:available:)``.
    public func classify(
        dataset: String, column: String, level: ClassificationLevel, actor: String = "platform"
    ) throws(PrivacyLedgerError) {
        try changeColumn(
            dataset: dataset, column: column, field: "level", value: "\(level.rawValue)", action: "classify",
            request: "classify \(column) level \(level.rawValue)", actor: actor)
    }

    /// A steward's change of one registered column's `field` (`level` or `role`) to `value`,
    /// audited as `action` with the dataset's new state; a refusal is recorded as `request`.
    func changeColumn(
        dataset: String, column: String, field: String, value: String, action: String, request: String,
        actor: String
    ) throws(PrivacyLedgerError) {
        try recordingRefusals(operator: actor, scenario: "", dataset: dataset, request: request) {
            () throws(PrivacyLedgerError) in
            try Self.requireText(actor, name: "actor")
            let time = now
            try write { db in
                let columns = try Self.datasetColumns(db, dataset)
                guard !columns.isEmpty else { throw PrivacyLedgerError.unknownDataset(dataset: dataset) }
                guard columns.contains(where: { $0.column == column }) else {
                    throw PrivacyLedgerError.unknownColumn(
                        column: column, dataset: dataset, available: columns.map(\.column))
                }
                try db.execute(
                    sql: "UPDATE columns SET \(field) = ? WHERE dataset = ? AND name = ?",
                    arguments: [
                        field == "level" ? Int(value) ?? 0 : value, dataset, column,
                    ])
                try record(
                    db, time: time, actor: actor, action: action,
                    details: try LedgerState.recording(
                        LedgerState.datasetKey(dataset), in: ["dataset": dataset, "column": column, field: value], db))
            }
        }
    }

    /// Declares whether `dataset`'s row count is public metadata (audited). Only a dataset
    /// whose steward declared it so may have its exact row count published in a report;
    /// otherwise a report omits it (see `Scenarios.InputSize`). New datasets are not declared.
    ///
    /// - Parameters:
    ///   - isPublic: `true` to declare the size public, `false` to withdraw the declaration.
    ///   - actor: the steward (audited; not blank).
    /// - Throws: ``PrivacyLedgerError/unknownDataset(dataset:)``,
    ///   ``PrivacyLedgerError/invalidParameter(name:value:reason:)`` for a blank actor.
    public func declareRowCountPublic(
        dataset: String, _ isPublic: Bool, actor: String = "platform"
    ) throws(PrivacyLedgerError) {
        try recordingRefusals(
            operator: actor, scenario: "", dataset: dataset,
            request: "declare the row count \(isPublic ? "public" : "not public")"
        ) { () throws(PrivacyLedgerError) in
            try Self.requireText(actor, name: "actor")
            let time = now
            try write { db in
                let updated = try db.execute(
                    sql: "UPDATE datasets SET row_count_public = ? WHERE name = ?",
                    arguments: [isPublic ? 1 : 0, dataset])
                guard updated == 1 else { throw PrivacyLedgerError.unknownDataset(dataset: dataset) }
                try record(
                    db, time: time, actor: actor, action: "row-count-public",
                    details: try LedgerState.recording(
                        LedgerState.datasetKey(dataset),
                        in: ["dataset": dataset, "public": isPublic ? "true" : "false"], db))
            }
        }
    }

    /// Whether `dataset`'s steward declared its row count public (`false` for an unknown dataset).
    public func isRowCountPublic(dataset: String) throws(PrivacyLedgerError) -> Bool {
        try read { db in
            try db.value(
                Int.self, sql: "SELECT row_count_public FROM datasets WHERE name = ?", arguments: [dataset]) == 1
        }
    }

    /// The registered columns of `dataset` with their levels (empty if unknown).
    public func columns(of dataset: String) throws(PrivacyLedgerError) -> [DatasetColumn] {
        try read { db in try Self.datasetColumns(db, dataset) }
    }

    static func datasetColumns(_ db: any LedgerDatabase, _ dataset: String) throws -> [DatasetColumn] {
        try db.rows(
            sql: "SELECT name, level, role FROM columns WHERE dataset = ? ORDER BY name", arguments: [dataset]
        )
        .map { row in
            DatasetColumn(
                dataset: dataset, column: try row.ledgerValue("name"),
                level: ClassificationLevel(rawValue: try row.ledgerValue("level")) ?? .restricted,
                role: ColumnRole(rawValue: try row.ledgerValue("role")) ?? .identifier)
        }
    }
}
