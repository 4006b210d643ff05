import Foundation
#if canImport(Glibc)
import Glibc
#endif

// The platform's export area: the one directory the export gate writes into.
extension SQLiteLedger {
    // MARK: Export area

    /// The export area used when the policy names none: a directory beside the ledger file,
    /// named after it (`/data/ledger.sqlite` → `/data/ledger-exports`).
    public static func defaultExportArea(forLedgerAt path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.deletingPathExtension().path + "-exports"
    }

    /// The platform's export area: the only directory exports are written into (absolute,
    /// standardised). Set by ``setExportArea(_:actor:)``; otherwise, for a SQLite ledger,
    /// ``defaultExportArea(forLedgerAt:)`` (a PostgreSQL ledger must have it set).
    public func exportArea() throws(PrivacyLedgerError) -> String {
        try read { db in try Self.exportArea(db, ledgerPath: path) }
    }

    static func exportArea(_ db: any LedgerDatabase, ledgerPath: String) throws -> String {
        if let area = try db.value(String.self, sql: "SELECT value FROM settings WHERE key = 'export_area'") {
            return area
        }
        guard db.dialect == .sqlite else {
            throw PrivacyLedgerError.invalidParameter(
                name: "export area", value: "(not set)",
                reason:
                    "a PostgreSQL ledger has no file to put it beside: set it once (`privacy-kernel ledger init --export-area DIR`)"
            )
        }
        return defaultExportArea(forLedgerAt: ledgerPath)
    }

    /// Sets the platform's export area (audited): the directory every export is written into.
    /// Relative paths are taken from the current directory. The directory is created when
    /// missing.
    ///
    /// - Throws: ``PrivacyLedgerError/invalidParameter(name:value:reason:)`` when the directory
    ///   would contain the ledger file or a registered dataset, or is not a directory.
    public func setExportArea(_ directory: String, actor: String) throws(PrivacyLedgerError) {
        try recordingRefusals(operator: actor, scenario: "", dataset: "", request: "set export area \(directory)") {
            () throws(PrivacyLedgerError) in
            try Self.requireText(directory, name: "export area")
            try Self.requireText(actor, name: "actor")
            let area = URL(fileURLWithPath: directory).standardizedFileURL.path
            let resolved = try ExportArea.prepare(area)
            for protected in [Self.datasetName(forFile: path)] {
                guard !ExportArea.isInside(protected, resolved) else {
                    throw .invalidParameter(
                        name: "export area", value: area,
                        reason: "it contains the ledger file; choose a separate directory")
                }
            }
            let time = now
            try write { db in
                for dataset in try db.values(String.self, sql: "SELECT name FROM datasets") where dataset.hasPrefix("/")
                {
                    guard !ExportArea.isInside(dataset, resolved) else {
                        throw PrivacyLedgerError.invalidParameter(
                            name: "export area", value: area,
                            reason: "it contains the registered dataset '\(dataset)'; choose a separate directory")
                    }
                }
                try db.execute(
                    sql:
                        "INSERT INTO settings VALUES ('export_area', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    arguments: [area])
                try record(
                    db, time: time, actor: actor, action: "export-area",
                    details: try LedgerState.recording(LedgerState.settingsKey, in: ["export_area": area], db))
            }
        }
    }
}

/// Where, inside the export area, an export may be written, and the file operations that
/// keep it there: no absolute names, no `..`, no hidden names, no symbolic links, no
/// overwriting, and deletion only of files whose bytes are still those the ledger recorded.
enum ExportArea {
    /// Creates `area` when missing and returns its real path (symbolic links resolved).
    static func prepare(_ area: String) throws(PrivacyLedgerError) -> String {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: area, isDirectory: &isDirectory) {
            do { try FileManager.default.createDirectory(atPath: area, withIntermediateDirectories: true) } catch {
                throw .storage(reason: "cannot create the export area '\(area)': \(error.localizedDescription)")
            }
        } else if !isDirectory.boolValue {
            throw .invalidParameter(name: "export area", value: area, reason: "is not a directory")
        }
        guard let real = realPath(area) else {
            throw .storage(reason: "cannot resolve the export area '\(area)'")
        }
        return real
    }

    /// Whether `path` is `directory` or lies below it (both absolute; `path`'s symbolic links
    /// are resolved when it exists).
    static func isInside(_ path: String, _ directory: String) -> Bool {
        let resolved = realPath(path) ?? path
        return resolved == directory || resolved.hasPrefix(directory.hasSuffix("/") ? directory : directory + "/")
    }

    /// The real path of `path`, or `nil` when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The absolute target of the export `name` in `area` (real path), with its parent
    /// directories created. Refuses (rule `export-area`) an empty or absolute name, a `.`, `..`
    /// or hidden component, a component that is a symbolic link or not a directory, a target
    /// that exists (rule `export-exists`), and the `protected` files (the ledger, registered
    /// datasets).
    static func target(
        of name: String, in area: String, protected: [String]
    ) throws(PrivacyLedgerError) -> String {
        func refuse(_ detail: String) -> PrivacyLedgerError {
            .exportRefused(rule: "area", detail: "'\(name)': \(detail); exports go into the export area \(area)")
        }
        guard !name.isEmpty else { throw refuse("the file name is empty") }
        guard !name.hasPrefix("/") else {
            throw refuse("an absolute path; give a name relative to the export area")
        }
        guard !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw refuse("control characters in the name")
        }
        let components = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for component in components {
            guard !component.isEmpty else { throw refuse("an empty path component") }
            guard component != "..", component != "." else { throw refuse("'\(component)' is not allowed") }
            guard !component.hasPrefix(".") else { throw refuse("hidden names (starting with '.') are not allowed") }
        }
        let root = try prepare(area)
        var directory = root
        for component in components.dropLast() {
            directory += "/" + component
            var info = stat()
            if lstat(directory, &info) != 0 {
                guard errno == ENOENT else { throw refuse("cannot inspect '\(component)': \(errorText())") }
                guard mkdir(directory, 0o750) == 0 || errno == EEXIST else {
                    throw PrivacyLedgerError.storage(reason: "cannot create '\(directory)': \(errorText())")
                }
                guard lstat(directory, &info) == 0 else { throw refuse("cannot inspect '\(component)'") }
            }
            guard (info.st_mode & S_IFMT) != S_IFLNK else { throw refuse("'\(component)' is a symbolic link") }
            guard (info.st_mode & S_IFMT) == S_IFDIR else { throw refuse("'\(component)' is not a directory") }
        }
        guard let realDirectory = realPath(directory), isInside(realDirectory, root) else {
            throw refuse("the path leaves the export area")
        }
        let target = realDirectory + "/" + components.last!
        var info = stat()
        guard lstat(target, &info) != 0, errno == ENOENT else {
            throw PrivacyLedgerError.exportRefused(
                rule: "exists", detail: "'\(name)' exists in the export area \(area); exports never overwrite")
        }
        for file in protected where (realPath(file) ?? file) == target {
            throw refuse("the ledger's own files and registered datasets cannot be export targets")
        }
        return target
    }

    /// A fresh, hidden temporary name beside `target`.
    static func pendingName(for target: String) -> String {
        let url = URL(fileURLWithPath: target)
        return url.deletingLastPathComponent().path + "/.pending-\(UUID().uuidString)-" + url.lastPathComponent
    }

    /// Moves `pending` to `target` without ever replacing an existing file (a hard link, then
    /// the temporary name removed).
    static func publish(_ pending: String, as target: String) throws(PrivacyLedgerError) {
        guard link(pending, target) == 0 else {
            let code = errno, reason = errorText()
            unlink(pending)
            if code == EEXIST {
                throw .exportRefused(rule: "exists", detail: "'\(target)' appeared meanwhile; exports never overwrite")
            }
            throw .storage(reason: "cannot move the export into '\(target)': \(reason) (the ledger records it)")
        }
        unlink(pending)
    }

    /// What ``delete(_:ifDigest:in:)`` did with one file.
    enum Deletion {
        case deleted, missing
        /// Kept, with the reason (outside the area, not a regular file, or bytes changed).
        case kept(String)
    }

    /// Deletes `path` only when it lies in `area`, is a regular file (not a symbolic link)
    /// and its SHA-256 is still `digest`, the one recorded when the ledger wrote it.
    static func delete(_ path: String, ifDigest digest: String, in area: String) -> Deletion {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            return errno == ENOENT ? .missing : .kept("cannot inspect: \(errorText())")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return .kept("not a regular file") }
        guard let root = realPath(area),
            let parent = realPath(URL(fileURLWithPath: path).deletingLastPathComponent().path),
            isInside(parent, root)
        else { return .kept("outside the export area \(area)") }
        guard let data = FileManager.default.contents(atPath: path) else { return .kept("cannot read") }
        guard SQLiteLedger.sha256Hex(data) == digest else {
            return .kept("its bytes differ from the export the ledger recorded")
        }
        guard unlink(path) == 0 else { return .kept("cannot delete: \(errorText())") }
        return .deleted
    }

    static func errorText() -> String { String(cString: strerror(errno)) }
}
