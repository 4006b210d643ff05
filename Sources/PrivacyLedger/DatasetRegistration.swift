import Crypto
import Foundation
import SecureRandom

// A steward's registration of data files: content digests and column roles.
extension SQLiteLedger {
    // MARK: Files and roles

    /// **A steward's action**: registers the data file at `path` as a dataset (named by its
    /// absolute path, ``datasetName(forFile:)``) with its columns and the file's SHA-256. A file
    /// registered before gets its new digest (audited, with the old one): registering again is
    /// how a steward accepts a changed file. Known columns keep their level and role.
    ///
    /// - Parameters:
    ///   - columns: the file's columns (its header).
    ///   - defaultLevel: the level of new columns.
    ///   - actor: the steward (audited).
    /// - Returns: the dataset's columns.
    /// - Complexity: O(bytes of the file) to hash it.
    @discardableResult
    public func registerFile(
        _ path: String, columns: [String], defaultLevel: ClassificationLevel = .internal, actor: String = "platform"
    ) throws(PrivacyLedgerError) -> [DatasetColumn] {
        return try recordingRefusals(
            operator: actor, scenario: "", dataset: Self.datasetName(forFile: path),
            request: "register file \(Self.datasetName(forFile: path))"
        ) { () throws(PrivacyLedgerError) in
            let name = Self.datasetName(forFile: path)
            let digest = try Self.fileDigest(path)
            let registered = try registerDatasetUnrecorded(
                name, columns: columns, defaultLevel: defaultLevel, actor: actor)
            let time = now
            try write { db in
                let old = try db.value(
                    String.self, sql: "SELECT content_digest FROM datasets WHERE name = ?", arguments: [name])
                guard old != digest else { return }
                try db.execute(
                    sql: "UPDATE datasets SET content_digest = ? WHERE name = ?", arguments: [digest, name])
                try record(
                    db, time: time, actor: actor, action: "dataset-digest",
                    details: try LedgerState.recording(
                        LedgerState.datasetKey(name),
                        in: ["dataset": name, "sha256": digest, "previous_sha256": old ?? ""], db))
            }
            return registered
        }
    }

    /// The SHA-256 the steward registered for `dataset`'s file, or `nil` (not a file, or
    /// registered before digests were kept).
    public func registeredDigest(of dataset: String) throws(PrivacyLedgerError) -> String? {
        try read { db in
            try db.value(
                String.self, sql: "SELECT content_digest FROM datasets WHERE name = ?", arguments: [dataset])
        }
    }

    /// Checks, before `operator` reads it for `scenario`, that the file at `path` still has the
    /// content its steward registered: refused with ``PrivacyLedgerError/datasetChanged(dataset:registered:found:)``
    /// (recorded) when its SHA-256 differs, and with ``PrivacyLedgerError/unknownDataset(dataset:)``
    /// when the file was never registered with a digest.
    ///
    /// - Complexity: O(bytes of the file).
    public func verifyFile(_ path: String, operator op: String, scenario: String) throws(PrivacyLedgerError) {
        let name = Self.datasetName(forFile: path)
        try recordingRefusals(operator: op, scenario: scenario, dataset: name, request: "read file") {
            () throws(PrivacyLedgerError) in
            guard let registered = try registeredDigest(of: name) else { throw .unknownDataset(dataset: name) }
            let found = try Self.fileDigest(path)
            guard found == registered else {
                throw .datasetChanged(dataset: name, registered: registered, found: found)
            }
        }
    }

    /// **A steward's action**: declares `column`'s role (audited). Quasi-identifiers decide
    /// every microdata export's k-anonymity check; identifiers never leave.
    ///
    /// - Throws: ``PrivacyLedgerError/unknownDataset(dataset:)``,
    ///   ``PrivacyLedgerError/unknownColumn(column:dataset:available:)``.
    public func setRole(
        dataset: String, column: String, role: ColumnRole, actor: String = "platform"
    ) throws(PrivacyLedgerError) {
        try changeColumn(
            dataset: dataset, column: column, field: "role", value: role.rawValue, action: "role",
            request: "set role of \(column) to \(role.rawValue)", actor: actor)
    }

    /// SHA-256 (hex) of the file at `path`, read in 1 MiB blocks.
    static func fileDigest(_ path: String) throws(PrivacyLedgerError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .storage(reason: "cannot read '\(path)'")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty { hasher.update(data: block) }
        } catch { throw .storage(reason: "cannot read '\(path)': \(error.localizedDescription)") }
        return Hexadecimal.encode(hasher.finalize())
    }
}
