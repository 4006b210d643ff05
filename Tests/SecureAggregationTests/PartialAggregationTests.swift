import Foundation
import Testing
@testable import DifferentialPrivacy
@_spi(Testing) import SecureRandom
import SecureAggregation
import Tabular

/// Issue 17: departments add their query partials with secure aggregation and the sum becomes
/// the merged partial, which leaves only through the gate (DESIGN.md's promise).
@Suite("Query partials through secure aggregation")
struct PartialAggregationTests {
    static let districts = ["Gongshu", "Shangcheng", "Xihu", "Binjiang", "Xiaoshan"]

    /// One department's trips: fares in [0, 80) and districts (some undeclared).
    static func department(_ index: Int, rows: Int) throws -> Table {
        var generator = SecureRandomGenerator(testSeed: UInt64(100 + index))
        var fares: [Double] = [], districts: [String] = []
        for _ in 0..<rows {
            fares.append(Double(generator.next() % 8_000) / 100)
            let pick = Int(generator.next() % 6)
            districts.append(pick < 5 ? Self.districts[pick] : "Elsewhere")
        }
        return try Table(columns: [try Column("fare", float64: fares), try Column("district", strings: districts)])
    }

    static func configuration(parties: Int, dimension: Int) throws -> SecAggConfiguration {
        var session = [UInt8](repeating: 0, count: 16)
        session[0] = 17
        return try SecAggConfiguration(
            sessionID: session, partyIDs: (1...parties).map { PartyID($0) }, dimension: dimension,
            threshold: parties / 2 + 1)
    }

    @Test(
        "six departments' partials (sum by district, median) summed by SecAgg+ with a dropout equal the merged partial of the contributors; the sum releases through the gate",
        arguments: [
            DPQuery.sum(of: "fare", clampedTo: 0...80).grouped(by: "district", keys: .declared(districts)),
            DPQuery.quantiles(of: "fare", levels: [0.5], clampedTo: 0...80),
        ])
    func departmentsAddPartials(query: DPQuery) throws {
        let parties = 6
        var partials: [PartyID: QueryPartial] = [:]
        var inputs: [PartyID: [UInt32]] = [:]
        for party in 1...parties {
            let partial = try query.partial(over: try Self.department(party, rows: 2_000 + 137 * party))
            partials[PartyID(party)] = partial
            inputs[PartyID(party)] = try partial.secureAggregationVector()
        }
        let dimension = try QueryPartial.secureAggregationDimension(of: query)
        #expect(inputs.values.allSatisfy { $0.count == dimension })
        let configuration = try Self.configuration(parties: parties, dimension: dimension)
        let report = try SecAggSimulation.run(
            configuration: configuration, inputs: inputs, dropouts: [PartyID(4): .maskedInputCollection])
        #expect(report.correct && report.contributors.count == parties - 1)

        let summed = try QueryPartial(
            query: query, secureAggregationSum: report.aggregate, parties: report.contributors.count)
        var merged: QueryPartial? = nil
        for id in report.contributors { merged = try merged.map { try $0.merging(partials[id]!) } ?? partials[id]! }
        #expect(summed == merged, "the decoded sum differs from the merged partial")

        let session = try PrivacySession(budget: .pure(epsilon: 1))
        let release = try session.release(summed, mechanism: .discreteLaplace, parameters: .pure(epsilon: 0.5))
        #expect(release.rows.count == (query.groupBy == nil ? 1 : Self.districts.count))
        #expect(session.charges.count == 1)
    }

    @Test("the encoding adds any 64-bit fields exactly and saturates the total, for up to 2^16 parties")
    func fieldsAddExactly() throws {
        let query = DPQuery.count().grouped(by: "k", keys: .declared(["a", "b"]))
        var generator = SecureRandomGenerator(testSeed: 7)
        let extremes: [Int64] = [0, 1, -1, .max, .min, .max - 1, .min + 1, 1 << 40, -(1 << 40)]
        for parties in [1, 2, 3, 17] {
            var sum = [UInt32](repeating: 0, count: try QueryPartial.secureAggregationDimension(of: query))
            var exact = [[Int128]](repeating: [0, 0, 0], count: 2)
            for _ in 0..<parties {
                var cells: [CellPartial] = []
                for key in 0..<2 {
                    var cell = CellPartial()
                    let fields = (0..<3).map { _ in
                        generator.next() % 3 == 0
                            ? extremes[Int(generator.next() % UInt64(extremes.count))]
                            : Int64(bitPattern: generator.next())
                    }
                    (cell.count, cell.sum, cell.squaredDeviations) = (fields[0], fields[1], fields[2])
                    for field in 0..<3 { exact[key][field] += Int128(fields[field]) }
                    cells.append(cell)
                }
                let vector = try QueryPartial(query: query, keys: ["a", "b"], cells: cells).secureAggregationVector()
                for index in sum.indices { sum[index] &+= vector[index] }
            }
            let decoded = try QueryPartial(query: query, secureAggregationSum: sum, parties: parties)
            for key in 0..<2 {
                let fields = [decoded.cells[key].count, decoded.cells[key].sum, decoded.cells[key].squaredDeviations]
                for field in 0..<3 {
                    let clamped = min(max(exact[key][field], Int128(Int64.min)), Int128(Int64.max))
                    #expect(Int128(fields[field]) == clamped, "parties \(parties), key \(key), field \(field)")
                }
            }
        }
    }

    @Test(
        "refusals are typed and name the problem: selected keys, a wrong length, a party count out of range, an impossible lane sum"
    )
    func refusals() throws {
        let table = try Self.department(1, rows: 100)
        let selected = DPQuery.count().grouped(by: "district", keys: .selected)
        #expect(
            throws: DifferentialPrivacyError.invalidParameter(
                name: "keys", value: "selected",
                reason:
                    "secure aggregation needs declared keys or no grouping: a vector indexed by selected keys would disclose them"
            )
        ) {
            _ = try selected.partial(over: table).secureAggregationVector()
        }
        let query = DPQuery.count().grouped(by: "district", keys: .declared(Self.districts))
        let vector = try query.partial(over: table).secureAggregationVector()
        #expect(throws: DifferentialPrivacyError.self) {
            _ = try QueryPartial(query: query, secureAggregationSum: Array(vector.dropLast()), parties: 1)
        }
        #expect(throws: DifferentialPrivacyError.self) {
            _ = try QueryPartial(query: query, secureAggregationSum: vector, parties: 0)
        }
        #expect(throws: DifferentialPrivacyError.self) {
            _ = try QueryPartial(query: query, secureAggregationSum: vector, parties: 65_537)
        }
        var forged = vector
        forged[0] = 0x2_0000  // above one party's 16-bit lane
        #expect(throws: DifferentialPrivacyError.self) {
            _ = try QueryPartial(query: query, secureAggregationSum: forged, parties: 1)
        }
        #expect(
            try QueryPartial(query: query, secureAggregationSum: vector, parties: 1) == (try query.partial(over: table))
        )
    }
}
