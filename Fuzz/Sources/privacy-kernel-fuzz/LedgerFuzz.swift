import Foundation
import GRDB
import PrivacyLedger
import Tabular

/// Fuzzes what ``PrivacyLedger/SQLiteLedger`` reads from outside: the column names of a data
/// file it registers (read from the CSV header with ``Tabular/CSVReader`` as the CLI's
/// `ledger register` does), and the rows of its own SQLite file, which a steward's tools or an
/// attacker may have edited. Byte 0 (mod 3) picks the mode:
/// - 0: the rest is a CSV file (byte 1 the separator); its header is registered as a dataset
///   named by byte 2's choice of path, a column is classified, an authorisation granted;
/// - 1: one field of the granted authorisation's row (byte 1: budget, accountant, accounting,
///   valid_from, spent, operator) is replaced by the rest as text, blob, integer or real
///   (byte 2), then the authorisation, its costs and the history are read back;
/// - 2: the same for an audit entry (byte 1: details, actor, action, time, hash,
///   previous_hash of the first entry), then the audit log is verified and listed.
///
/// Rows changed in modes 1 and 2 are restored after each input; the ledger file is recreated
/// every 2,000 inputs so it does not grow without bound.
enum LedgerFuzz {
    static let separators: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: "|")]
    static let paths = [
        "data.csv", "/tmp/../tmp/data.csv", "./a/../b.csv", "", " ", "/", "relative/x.csv", "../../data.csv",
    ]
    static let authorisationColumns = ["budget", "accountant", "accounting", "valid_from", "spent", "operator"]
    static let auditColumns = ["details", "actor", "action", "time", "hash", "previous_hash"]

    nonisolated(unsafe) static var state: (ledger: SQLiteLedger, raw: DatabaseQueue)? = nil
    nonisolated(unsafe) static var inputs = 0

    static func open() -> (SQLiteLedger, DatabaseQueue) {
        let path = ScratchFile.directory + "/ledger.sqlite"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        do {
            let ledger = try SQLiteLedger(path: path, durability: .normal)
            try ledger.registerDataset("trips", columns: ["fare", "origin", "national_id"])
            try ledger.grant(
                operator: "op-1", scenario: "transport", budget: .pure(epsilon: 1), dataset: "trips", columns: ["fare"])
            return (ledger, try DatabaseQueue(path: path))
        } catch {
            fatalError("cannot set up the fuzz ledger: \(error)")
        }
    }

    static func run(_ data: UnsafeRawBufferPointer) {
        inputs += 1
        if state == nil || inputs % 2_000 == 0 {
            state = nil
            state = open()
        }
        let (ledger, raw) = state!
        var input = FuzzBytes(data)
        let mode = input.byte() % 3, b1 = input.byte(), b2 = input.byte()
        switch mode {
        case 0:
            let options = CSVOptions(separator: separators[Int(b1 % 4)], threads: 1)
            guard
                let columns = try? CSVReader.load(bytes: input.rest.bindMemory(to: UInt8.self), options: options).table
                    .columnNames
            else { return }
            let name = SQLiteLedger.datasetName(forFile: paths[Int(b2) % paths.count])
            guard (try? ledger.registerDataset(name, columns: columns)) != nil else { return }
            _ = try? ledger.classify(dataset: name, column: columns[0], level: .sensitive)
            _ = try? ledger.columns(of: name)
            _ = try? ledger.grant(
                operator: "op-\(inputs)", scenario: "s", budget: .zCDP(rho: 0.5), dataset: name, columns: [columns[0]])
        case 1:
            let column = authorisationColumns[Int(b1) % authorisationColumns.count]
            tamper(raw, table: "authorisations", column: column, row: "id = 1", with: input.rest, kind: b2) {
                _ = try? ledger.authorisations()
                if let found = try? ledger.authorisation(operator: "op-1", scenario: "transport") {
                    _ = try? ledger.costs(of: found.id)
                }
                _ = try? ledger.history()
            }
        default:
            let column = auditColumns[Int(b1) % auditColumns.count]
            tamper(raw, table: "audit", column: column, row: "sequence = 1", with: input.rest, kind: b2) {
                _ = try? ledger.verifyAudit()
                _ = try? ledger.auditEntries(limit: 10)
            }
        }
    }

    /// Sets `table.column` of `row` to the bytes as text, blob, integer or real (`kind` mod 4),
    /// runs `body`, and restores the old value.
    static func tamper(
        _ raw: DatabaseQueue, table: String, column: String, row: String, with bytes: UnsafeRawBufferPointer,
        kind: UInt8, _ body: () -> Void
    ) {
        let value: DatabaseValue
        switch kind % 4 {
        case 0: value = String(decoding: bytes, as: UTF8.self).databaseValue
        case 1: value = Data(bytes).databaseValue
        case 2: value = bytes.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }.databaseValue
        default: value = Double(bitPattern: bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }).databaseValue
        }
        do {
            let old = try raw.read { db in
                try DatabaseValue.fetchOne(db, sql: "SELECT \(column) FROM \(table) WHERE \(row)")
            }
            guard let old else { return }
            guard
                (try? raw.write({ db in
                    try db.execute(sql: "UPDATE \(table) SET \(column) = ? WHERE \(row)", arguments: [value])
                })) != nil
            else { return }
            body()
            try raw.write { db in
                try db.execute(sql: "UPDATE \(table) SET \(column) = ? WHERE \(row)", arguments: [old])
            }
        } catch {
            fatalError("fuzz ledger: cannot read or restore \(table).\(column): \(error)")
        }
    }
}
