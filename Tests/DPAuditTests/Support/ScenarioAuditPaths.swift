import Datasets
import Foundation
import PrivacyLedger
import Scenarios
import SecureRandom
import Tabular

/// Scenario release paths: a whole scenario model (`ScenarioRunner.run`, the public API: a durable
/// ledger, one authorisation per run, every release through the gate) audited as one
/// mechanism with the scenario's total budget as its claim, since the report is what leaves the
/// platform.
///
/// D is the first ``rowCount`` data rows of the scenario's embedded dataset (tourism's hotel
/// table likewise); D′ adds one privacy unit (or one row, for scenarios without a unit):
///
/// - **added-unit**: ``addedRows`` copies of D's first row under a new privacy unit (one copy
///   without a unit), more than any per-unit partition limit lets through in one cell;
/// - **fresh-extreme**: the same rows with every text field other than the unit replaced by a
///   value D does not have (a fresh key for every grouping, a district outside the declared
///   list) and every numeric field at 10⁹ (beyond every clamping bound).
///
/// Each output is the report: one coordinate per released row of every section (the
/// k-anonymous export sections excepted: they are not differentially private and are checked
/// by the export gate), one per published input size, and a code of each section's texts
/// (title, note, mechanism) and its noise scale, which must not depend on the data either. A
/// row that is not released is absent.
enum ScenarioAuditPaths {
    /// Data rows of D.
    static let rowCount = 60
    /// Rows the added unit contributes (beyond the per-cell limits of every scenario).
    static let addedRows = 5
    /// The scenario's total (ε, δ): its one authorisation. A small ε lets the short mode's few
    /// runs (a scenario run costs 20–300 ms in a debug build) certify a support difference: a
    /// row, key or text present on one side only gives ε_lb ≈ 0.56 at 60 runs per side.
    static let epsilon = 0.25
    static let delta = 1e-5

    enum Neighbour: String, CaseIterable, Sendable {
        case addedUnit = "added-unit"
        case freshExtreme = "fresh-extreme"
    }

    /// The embedded CSV of `domain`, cut to its header and first `rowCount` data rows.
    static func lines(_ domain: Domain) throws -> (header: String, rows: [String]) {
        let path = try require(
            EmbeddedDatasets.path(for: domain), "datasets/\(EmbeddedDatasets.fileName(for: domain)) not found")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let all = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        return (all[0], Array(all[1...rowCount]))
    }

    /// D′'s added rows: copies of `row` under the new unit, fresh and extreme when asked.
    static func addedRows(_ row: String, schema: Schema, unit: String?, neighbour: Neighbour) -> [String] {
        let fields = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var changed = fields
        for (index, field) in schema.fields.enumerated() where index < fields.count {
            if field.name == unit {
                changed[index] = "audit-added-unit"
                continue
            }
            guard neighbour == .freshExtreme else { continue }
            switch field.type {
            case .categorical: changed[index] = "zz-fresh"
            case .float64, .int64: changed[index] = "1000000000"
            default: break
            }
        }
        return Array(repeating: changed.joined(separator: ","), count: unit == nil ? 1 : addedRows)
    }

    static func table(_ header: String, _ rows: [String], schema: Schema) throws -> Table {
        let bytes = Array((([header] + rows).joined(separator: "\n") + "\n").utf8)
        return try bytes.withUnsafeBufferPointer { try CSVReader.load(bytes: $0, schema: schema).table }
    }

    /// The input of `kind` on D (`neighbour == nil`) or D′.
    static func input(_ kind: ScenarioKind, _ neighbour: Neighbour?) throws -> ScenarioInput {
        let domain = try require(Domain(rawValue: kind.rawValue))
        let unit = ["transport": "card_id", "health": "person_id", "tourism": "visitor_id"][kind.rawValue]
        let (header, rows) = try lines(domain)
        let added = neighbour.map { addedRows(rows[0], schema: domain.schema, unit: unit, neighbour: $0) } ?? []
        var input = ScenarioInput(
            table: try table(header, rows + added, schema: domain.schema), dataset: "audit/\(kind.rawValue)",
            source: "audit", privacyUnit: unit)
        if kind == .tourism {
            let (hotelHeader, hotelRows) = try lines(.tourismHotels)
            input.second = try table(hotelHeader, hotelRows, schema: Domain.tourismHotels.schema)
            input.secondDataset = "audit/tourism_hotels"
            input.secondDatasetRowCount = hotelRows.count
        }
        return input
    }

    /// The report as coordinates.
    static func sample(of report: ScenarioReport) -> AuditSample {
        var values: [(String, Double)] = []
        for size in report.inputSizes {
            if let rows = size.rows { values.append(("input/\(size.table)", Double(rows))) }
        }
        values.append(("⟨text⟩/budget", textCode(report.budgetSplit + "\u{1}" + report.dataSource)))
        for section in report.sections where !section.mechanism.hasPrefix("k-anonymity") {
            // The section's texts and noise scale must not depend on the data either: a text
            // that differs between D and D′ is a support difference of its code.
            values.append(
                (
                    "⟨text⟩/\(section.id)",
                    textCode(
                        [
                            section.title, section.note, section.mechanism,
                            section.labelNames.joined(separator: "|"), section.valueName,
                        ].joined(separator: "\u{1}"))
                ))
            if let scale = section.noiseScale { values.append(("⟨scale⟩/\(section.id)", scale)) }
            for row in section.rows {
                values.append(("\(section.id)/\(row.labels.joined(separator: "|"))", row.rawValue ?? row.value))
            }
        }
        return AuditSample(values)
    }

    /// A 32-bit FNV-1a code of `text` (equal texts, equal codes), as a coordinate.
    static func textCode(_ text: String) -> Double {
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Double(hash)
    }

    /// A sampler running `kind` on `input` once per call, each run a new authorisation of the
    /// same ledger (a fresh run ID), the report reduced to coordinates.
    static func sampler(
        _ kind: ScenarioKind, _ input: ScenarioInput, directory: String
    ) throws -> @Sendable (inout SecureRandomGenerator) throws -> AuditSample {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let ledger = try SQLiteLedger.createThrowaway(at: directory + "/ledger.sqlite", purpose: "dp-audit")
        let counter = RunCounter()
        return { _ in
            let context = ScenarioContext(
                throwawayLedger: ledger, operator: "auditor", runID: "run\(counter.next())",
                outputDirectory: directory + "/out")
            let report = try ScenarioRunner.run(
                kind, input: input, options: ScenarioOptions(epsilon: epsilon, delta: delta), context: context)
            return sample(of: report)
        }
    }

    /// Scenarios whose run costs ≈ 0.3 s in a debug build (4,056 OD × hour cells and quantiles
    /// over 16,384 bins; a logistic model and a Mondrian export): 60 runs per side in short mode,
    /// the others 200.
    static let slow: Set<ScenarioKind> = [.transport, .health]

    static func name(_ kind: ScenarioKind, _ neighbour: Neighbour) -> String {
        "scenario/\(kind.rawValue)/\(neighbour.rawValue)"
    }

    static func path(_ kind: ScenarioKind, _ neighbour: Neighbour) throws -> AuditPath {
        let root = NSTemporaryDirectory() + "dp-audit-\(kind.rawValue)-\(UUID().uuidString)"
        return AuditPath(
            name: name(kind, neighbour), claimedEpsilon: epsilon, delta: delta,
            sampleD: try sampler(kind, try input(kind, nil), directory: root + "/d"),
            sampleDPrime: try sampler(kind, try input(kind, neighbour), directory: root + "/d-prime"),
            sampleScale: slow.contains(kind) ? 0.03 : 0.1, longSamples: slow.contains(kind) ? 10_000 : 20_000)
    }

    /// Every scenario × neighbour.
    static let entries: [AuditPathEntry] = ScenarioKind.allCases.flatMap { kind in
        Neighbour.allCases.map { neighbour in AuditPathEntry(name: name(kind, neighbour)) { try path(kind, neighbour) }
        }
    }
}

/// A thread-safe counter of runs (unique run IDs within one sampler).
final class RunCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
