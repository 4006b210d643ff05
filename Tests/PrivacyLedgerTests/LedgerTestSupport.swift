import DifferentialPrivacy
import Foundation
@testable import PrivacyLedger
import Tabular
import _TestSupport

/// A clock the test moves by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date = Date(timeIntervalSince1970: 1_780_000_000)) { current = start }
    var now: Date { lock.withLock { current } }
    func advance(days: Double) { lock.withLock { current = current.addingTimeInterval(days * 86_400) } }
    func set(_ date: Date) { lock.withLock { current = date } }
}

/// Trips: a fare, a district, a card (privacy unit) and a national id (level 4), `rows` rows.
func tripsTable(rows: Int = 2_000, seed: UInt64 = 11) throws -> Table {
    var state = seed
    func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 11
    }
    let names = ["Shangcheng", "Gongshu", "Xihu", "Binjiang"]
    var fares: [Double] = [], districts: [String] = [], cards: [Int64] = [], ids: [String] = []
    for i in 0..<rows {
        fares.append(Double(next() % 5_000) / 100)
        districts.append(names[Int(next() % 4)])
        cards.append(Int64(next() % 500))
        ids.append("3301\(100_000 + i)")
    }
    return try Table(columns: [
        try Column("fare", float64: fares), try Column("district", strings: districts),
        try Column("card", int64: cards), try Column("national_id", strings: ids),
    ])
}

/// A ledger with the trips dataset registered (national_id at level 4, district at level 3) and
/// one authorisation op-1/transport with the given budget, on `backend` (`exportArea: false`: a
/// PostgreSQL ledger without its export area, so that the audit sequence is SQLite's).
func makeLedger(
    _ directory: TemporaryDirectory, clock: TestClock, budget: PrivacyBudget = .pure(epsilon: 1),
    columns: [String]? = ["fare", "district", "card"], backend: LedgerBackend = .sqlite, exportArea: Bool = true
) throws -> SQLiteLedger {
    let ledger = try SQLiteLedger(path: try newLedgerLocation(backend, directory), clock: { clock.now })
    // A PostgreSQL ledger has no file to put its export area beside: it is set (one audit entry).
    if backend == .postgres && exportArea {
        try ledger.setExportArea(directory.file("ledger-exports"), actor: "platform")
    }
    try ledger.registerDataset("trips", columns: ["fare", "district", "card", "national_id"])
    try ledger.classify(dataset: "trips", column: "national_id", level: .restricted)
    try ledger.classify(dataset: "trips", column: "district", level: .sensitive)
    try ledger.grant(
        operator: "op-1", scenario: "transport", budget: budget, dataset: "trips", columns: columns, validDays: 365)
    return ledger
}

/// The steward's roles of the trips dataset: district a quasi-identifier (so microdata can be
/// exported, k-checked over it), national_id an identifier.
func declareTripRoles(_ ledger: SQLiteLedger) throws {
    try ledger.setRole(dataset: "trips", column: "district", role: .quasiIdentifier, actor: "steward")
    try ledger.setRole(dataset: "trips", column: "national_id", role: .identifier, actor: "steward")
}
