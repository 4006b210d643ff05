import ArgumentParser
import Foundation
import PrivacyLedger
import Tabular
import DifferentialPrivacy

// Option groups and helpers shared by the ledger, dp, anonymity and scenario commands.

/// Where the ledger lives unless `--ledger` says otherwise: `$PRIVACY_KERNEL_LEDGER`, else
/// `privacy-ledger.sqlite` in the current directory (the demo's ledger).
let defaultLedgerPath = ProcessInfo.processInfo.environment["PRIVACY_KERNEL_LEDGER"] ?? "privacy-ledger.sqlite"

/// `--ledger FILE` and `--durability`, shared by every command that uses the ledger.
struct LedgerLocation: ParsableArguments {
    @Option(
        help:
            "The ledger: a SQLite file, or postgres://USER@HOST[:PORT]/DATABASE (password in the URL or $PGPASSWORD) (default: $PRIVACY_KERNEL_LEDGER, else ./privacy-ledger.sqlite)."
    )
    var ledger: String?

    @Option(help: "full (sync every commit; survives power loss) or normal (survives process crashes).")
    var durability: String = "full"

    @Option(
        help:
            "Your identity file (ledger identity): a ledger that takes signed requests acts only on requests signed with a registered principal's identity (default: $PRIVACY_KERNEL_IDENTITY)."
    )
    var identity: String?

    /// The identity file given (`--identity`, else `$PRIVACY_KERNEL_IDENTITY`), if any.
    var identityPath: String? { identity ?? ProcessInfo.processInfo.environment["PRIVACY_KERNEL_IDENTITY"] }

    /// The identity read from ``identityPath``.
    func loadIdentity() throws -> LedgerIdentity? { try identityPath.map { try LedgerIdentity(contentsOfFile: $0) } }

    /// Who acts: the name typed, else the identity's name, else `fallback` (a ledger that takes
    /// names; one that takes signed requests refuses a name without its identity).
    func actor(_ typed: String?, otherwise fallback: String) throws -> String {
        if let typed { return typed }
        return try loadIdentity()?.name ?? fallback
    }

    func validate() throws {
        guard SQLiteLedger.Durability(rawValue: durability) != nil else {
            throw ValidationError("--durability must be full or normal")
        }
    }

    var path: String { ledger ?? defaultLedgerPath }

    /// Refuses, when the ledger (`--ledger`, else the default) is in platform mode, a raw-data
    /// tool on a registered dataset (or a copy of one) unless a steward's identity asks
    /// (``PrivacyLedger/SQLiteLedger/authoriseRawRead(of:request:actor:)``); nothing to check
    /// when there is no ledger (a PostgreSQL ledger always exists once its database has the schema).
    func requireRawAccess(to file: String, request: String) throws {
        guard try SQLiteLedger.exists(at: path) else { return }
        try open().authoriseRawRead(of: file, request: request, actor: actor(nil, otherwise: "unauthenticated"))
    }

    /// Opens the ledger (`--ledger`: a SQLite file, or a `postgres://` URL whose password may come
    /// from `PGPASSWORD`); only `create` commands (init, classify, grant) may create it, so
    /// a mistyped path is an error rather than an empty ledger. `readOnly` commands (status,
    /// history, audit-verify) never write, migrate or create, and refuse a file that is not a
    /// ledger (``PrivacyLedger/SQLiteLedger/Access/readOnly``).
    func open(create: Bool = false, readOnly: Bool = false) throws -> SQLiteLedger {
        if !create, !(try SQLiteLedger.exists(at: path)) {
            throw MissingLedger(path: SQLiteLedger.displayLocation(path))
        }
        return try SQLiteLedger(
            path: path, durability: SQLiteLedger.Durability(rawValue: durability) ?? .full,
            access: readOnly ? .readOnly : .readWrite, identity: readOnly ? nil : loadIdentity())
    }
}

/// The ledger's name for `--dataset TEXT`: a registered dataset's name as given, except that
/// an existing file (`datasets/trips.csv`) or a scenario view of one
/// (`datasets/trips.csv#transport`) is named by the file's absolute path, as the ledger
/// registers it (``PrivacyLedger/SQLiteLedger/datasetName(forFile:)``).
func ledgerDatasetName(_ text: String) -> String {
    if FileManager.default.fileExists(atPath: text) { return SQLiteLedger.datasetName(forFile: text) }
    if let hash = text.lastIndex(of: "#") {
        let file = String(text[..<hash])
        if !file.isEmpty, FileManager.default.fileExists(atPath: file) {
            return SQLiteLedger.datasetName(forFile: file) + text[hash...]
        }
    }
    return text
}

/// A command that needs an existing ledger found none.
struct MissingLedger: Error, CustomStringConvertible {
    let path: String
    var description: String { "no ledger at '\(path)'; create it with `privacy-kernel ledger init --ledger \(path)`" }
}

/// `--operator ID --scenario ID` on commands that release.
struct ReleaseIdentity: ParsableArguments {
    @Option(name: .customLong("operator"), help: "The operator releasing (needs an authorisation in the ledger).")
    var `operator`: String?

    @Option(help: "The scenario the release belongs to.")
    var scenario: String?

    func validate() throws {
        if (`operator` == nil) != (scenario == nil) { throw ValidationError("give --operator and --scenario together") }
    }
}

/// The column names of a CSV file, read and checked by the project's ``Tabular/CSVReader``:
/// the whole file is parsed, so binary junk, a header that is not UTF-8, a duplicated column
/// name, a ragged row or an empty file fail with the reader's ``Tabular/TabularError``, which
/// names the file, line and column (a steward loading their own file).
///
/// - Parameter separator: the field separator; `nil` guesses `;` when the first line has one
///   and no `,`, else `,`.
/// - Complexity: O(bytes of the file).
func csvHeader(_ file: String, separator: UInt8? = nil) throws -> [String] {
    let byte = try separator ?? CSVReader.guessSeparator(ofFile: file)
    return try CSVReader.load(file: file, options: CSVOptions(separator: byte)).table.columnNames
}

/// `--separator C` of the commands that read a dataset's header into the ledger.
struct SeparatorOption: ParsableArguments {
    @Option(
        help:
            "CSV field separator (one ASCII character, or \\t); default: ';' if the header has one and no ',', else ','."
    )
    var separator: String?

    func validate() throws {
        if let separator, separator != "\\t", !(separator.utf8.count == 1 && separator.unicodeScalars.first!.isASCII) {
            throw ValidationError("--separator must be one ASCII character (or \\t), got '\(separator)'")
        }
    }

    /// The separator byte, or `nil` to guess.
    var byte: UInt8? { separator.map { $0 == "\\t" ? UInt8(ascii: "\t") : $0.utf8.first! } }
}

/// `--memory-limit` and `--quiet` of the commands that scan a file of any size with bounded
/// memory (`datasets describe`, `anonymity check`/`risk`, and every `dp` statistic through
/// ``ScanOptions``).
struct MemoryOptions: ParsableArguments {
    @Option(
        help:
            "Memory for the scan's state and buffers (e.g. 256MiB, 1GiB, 64M; default 256MiB, at least 16MiB). Only the columns the command reads are parsed; a file larger than a quarter of it is streamed."
    )
    var memoryLimit: String = "256MiB"

    @Flag(help: "No progress report on stderr (shown for files of 64 MiB or more).")
    var quiet = false

    func validate() throws {
        _ = try memoryLimitBytes()
    }

    /// `--memory-limit` in bytes (see ``bytes(ofMemoryLimit:)``).
    func memoryLimitBytes() throws -> Int { try Self.bytes(ofMemoryLimit: memoryLimit) }

    /// A `--memory-limit` value in bytes: a whole number with an optional unit K, M, G (or KiB,
    /// MiB, GiB; powers of 1,024), bytes without one; at least 16 MiB.
    static func bytes(ofMemoryLimit memoryLimit: String) throws -> Int {
        let text = memoryLimit.trimmingCharacters(in: .whitespaces)
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let unit = text.dropFirst(digits.count).uppercased()
        let shifts = ["": 0, "B": 0, "K": 10, "KB": 10, "KIB": 10, "M": 20, "MB": 20, "MIB": 20, "G": 30, "GB": 30, "GIB": 30]
        guard let value = Int(digits), let shift = shifts[unit], value <= Int.max >> (shift + 1) else {
            throw ValidationError(
                "--memory-limit must be a size such as 256MiB, 1GiB or 64M, got '\(String(memoryLimit.prefix(64)))'")
        }
        guard value << shift >= FileScanOptions.minimumMemoryLimit else {
            throw ValidationError("--memory-limit must be at least 16MiB, got '\(String(memoryLimit.prefix(64)))'")
        }
        return value << shift
    }

    /// The progress report for `file` on stderr, or `nil` for a small file or with `--quiet`.
    ///
    /// - Parameter showsRows: whether the report may count rows. Not for a release through the
    ///   ledger: the exact number of rows of a registered dataset is not the operator's to see
    ///   (releases show a noisy count; the service hides rows scanned from operators too).
    func progress(file: String, showsRows: Bool = true) -> (@Sendable (CSVProgress) -> Void)? {
        guard !quiet, Self.fileSize(file) >= ProgressReport.threshold else { return nil }
        let report = ProgressReport(file: file, showsRows: showsRows)
        return { report.update($0) }
    }

    /// The size of `file` in bytes (0 when it cannot be read: the reader reports why).
    static func fileSize(_ file: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
    }

    /// The scan options for `file` (no work directory: for commands that never spill).
    func fileScanOptions(csv: CSVOptions, file: String, showsRows: Bool = true) throws -> FileScanOptions {
        FileScanOptions(csv: csv, memoryLimit: try memoryLimitBytes(), progress: progress(file: file, showsRows: showsRows))
    }
}

/// ``MemoryOptions`` and `--work-directory`: the options of the `dp` statistics, whose
/// contribution bounding may spill rows to disk.
struct ScanOptions: ParsableArguments {
    @OptionGroup var memory: MemoryOptions

    @Option(
        help:
            "Directory for the temporary spill files of contribution bounding on large files (raw rows, owner-only, deleted after; default $TMPDIR)."
    )
    var workDirectory: String?

    /// The scan options for `file`, with a progress report on stderr when the file is large
    /// (see ``MemoryOptions/progress(file:showsRows:)``).
    func fileScanOptions(csv: CSVOptions, file: String, showsRows: Bool = true) throws -> FileScanOptions {
        var options = try memory.fileScanOptions(csv: csv, file: file, showsRows: showsRows)
        options.workDirectory = workDirectory
        return options
    }
}

/// Progress of a long scan on stderr: bytes read of the total, rows (unless hidden), rate; at
/// most one line per second, and one when the scan ends.
final class ProgressReport: @unchecked Sendable {
    /// Files of at least this size (64 MiB) get a report.
    static let threshold = 64 << 20
    private let file: String
    private let showsRows: Bool
    private let start = Date()
    private var lastPrinted = Date.distantPast
    private let lock = NSLock()

    init(file: String, showsRows: Bool) {
        self.file = file
        self.showsRows = showsRows
    }

    func update(_ progress: CSVProgress) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        let done = progress.totalBytes.map { progress.bytesRead >= $0 } ?? false
        guard done || now.timeIntervalSince(lastPrinted) >= 1 else { return }
        lastPrinted = now
        let seconds = max(now.timeIntervalSince(start), 1e-3)
        let mib = Double(progress.bytesRead) / Double(1 << 20)
        var line = "privacy-kernel: \(file): read \(String(format: "%.0f", mib)) MiB"
        if let total = progress.totalBytes, total > 0 {
            line += String(
                format: " of %.0f MiB (%.0f%%)", Double(total) / Double(1 << 20),
                100 * Double(progress.bytesRead) / Double(total))
        }
        if showsRows { line += ", \(progress.rows) rows" }
        line += ", \(String(format: "%.0f", mib / seconds)) MiB/s"
        if progress.pass > 1 { line += " (pass \(progress.pass): a column's type was widened)" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
