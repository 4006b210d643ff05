import Crypto
import Foundation
import NIOConcurrencyHelpers
import PrivacyLedger
import Scenarios
import SecureRandom
public import Tabular

/// The registered datasets the service holds: one file per dataset directly under the data
/// root, named by the dataset's API name, and a cache of the tables loaded from them.
///
/// A table is loaded from the bytes whose SHA-256 was just checked against the digest the
/// steward registered, and is served from memory while the registered digest stays the same,
/// so an answer is always computed over the registered content (a file edited on disk behind
/// the service is refused `[dataset-changed]` at its next load, never read).
final class DatasetStore: Sendable {
    /// The data root, absolute and with symbolic links resolved.
    let root: String
    private let cache = NIOLockedValueBox<[String: (digest: String, table: Table)]>([:])

    /// A store over `root`, which must be an existing directory. Creates the spill directory
    /// (owner-only) and empties it: files left there by a process killed mid-release hold raw
    /// rows.
    init(root: String) throws(ServiceError) {
        let resolved = SQLiteLedger.datasetName(forFile: root)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ServiceError(.internalServerError, rule: "configuration", "the data root is not a directory")
        }
        self.root = resolved
        let spill = resolved + "/" + Self.spillDirectoryName
        do {
            try FileManager.default.createDirectory(
                atPath: spill, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            for leftover in try FileManager.default.contentsOfDirectory(atPath: spill) {
                try FileManager.default.removeItem(atPath: spill + "/" + leftover)
            }
        } catch {
            throw ServiceError(.internalServerError, rule: "configuration", "the spill directory cannot be prepared")
        }
    }

    /// The directory under the data root (hidden: never a dataset name) where releases over
    /// large datasets spill rows for contribution bounding.
    static let spillDirectoryName = ".spill"

    /// The spill directory's path.
    var spillDirectory: String { root + "/" + Self.spillDirectoryName }

    /// Checks an API name of a dataset or an export file: 1 to 64 ASCII letters, digits, `_`,
    /// `-` or `.`, not starting with `.` (so never a hidden file, a path or `..`).
    static func validate(name: String) throws(ServiceError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
        guard (1...64).contains(name.count), name.allSatisfy(allowed.contains), !name.hasPrefix(".") else {
            throw ServiceError(
                .badRequest, rule: "bad-request",
                "a dataset or export name is 1 to 64 letters, digits, '_', '-' or '.', not starting with '.'")
        }
    }

    /// The ledger's name (the file's absolute path) of the dataset called `name`; a scenario's
    /// view of a dataset is `NAME#SCENARIO` (`transport#transport`), as the ledger names it.
    func ledgerName(of name: String) throws(ServiceError) -> String {
        let parts = name.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        try Self.validate(name: parts[0])
        if parts.count == 2 {
            guard ScenarioKind(rawValue: parts[1]) != nil else {
                throw ServiceError(
                    .badRequest, rule: "bad-request", "a view is NAME#SCENARIO with one of the plan's scenarios")
            }
        }
        return root + "/" + name
    }

    /// The API name of a ledger dataset under this root, `nil` for one elsewhere.
    func apiName(of ledgerName: String) -> String? {
        guard ledgerName.hasPrefix(root + "/") else { return nil }
        let name = String(ledgerName.dropFirst(root.count + 1))
        return name.contains("/") ? nil : name
    }

    /// Stores an uploaded file as dataset `name` after checking that it parses as a table, and
    /// calls `register` with its path; if `register` throws, the previous file (if any) is put
    /// back, so a refused upload changes nothing.
    ///
    /// - Returns: what `register` returned.
    func store<T>(
        _ body: Data, as name: String, register: (String, [String]) throws -> T
    ) throws -> T {
        try Self.validate(name: name)
        let path = try ledgerName(of: name)
        let header = try body.withUnsafeBytes { raw in
            try CSVReader.load(
                bytes: raw.bindMemory(to: UInt8.self), name: name,
                options: CSVOptions(separator: CSVReader.guessSeparator(ofBytes: body))
            ).table.columnNames
        }
        let token = UUID().uuidString
        let temporary = root + "/.upload-" + token, previous = root + "/.previous-" + token
        guard FileManager.default.createFile(atPath: temporary, contents: body, attributes: [.posixPermissions: 0o600])
        else { throw ServiceError(.internalServerError, rule: "storage", "the upload could not be stored") }
        let replaced = rename(path, previous) == 0
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            if replaced { rename(previous, path) }
            throw ServiceError(.internalServerError, rule: "storage", "the upload could not be stored")
        }
        do {
            let result = try register(path, header)
            if replaced { unlink(previous) }
            cache.withLockedValue { $0[path] = nil }
            return result
        } catch {
            if replaced { rename(previous, path) } else { unlink(path) }
            throw error
        }
    }

    /// The ledger names of the datasets whose tables are held in memory.
    var cachedDatasets: [String] { cache.withLockedValue { Array($0.keys) } }

    /// The table of the dataset whose ledger name is `path`, as registered with `digest`.
    ///
    /// - Throws: ``PrivacyLedgerError/datasetChanged(dataset:registered:found:)`` when the file
    ///   no longer has the registered content; a `TabularError` when it does not parse.
    func table(at path: String, digest: String) throws -> Table {
        if let cached = cache.withLockedValue({ $0[path] }), cached.digest == digest { return cached.table }
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw PrivacyLedgerError.unknownDataset(dataset: path)
        }
        let found = Hexadecimal.encode(SHA256.hash(data: bytes))
        guard found == digest else {
            throw PrivacyLedgerError.datasetChanged(dataset: path, registered: digest, found: found)
        }
        let table = try bytes.withUnsafeBytes { raw in
            try CSVReader.load(
                bytes: raw.bindMemory(to: UInt8.self), name: apiName(of: path) ?? "dataset",
                options: CSVOptions(separator: CSVReader.guessSeparator(ofBytes: bytes))
            ).table
        }
        cache.withLockedValue { $0[path] = (digest, table) }
        return table
    }
}
