import SecureRandom
import Tabular

// Contribution bounding per privacy unit: which rows a query keeps.

extension DPQuery {
    /// The rows kept by contribution bounding: each unit's rows in a uniformly random order
    /// (counting sort by unit, then a Fisher–Yates shuffle per unit with the CSPRNG), keeping a
    /// row if its partition is among the unit's first `maxPartitionsPerUnit` partitions and the
    /// unit has fewer than `maxContributionsPerPartition` kept rows there.
    func contributionMask(
        unitColumn: Column, grouping: Grouping?, rowMask: [UInt64]?, rowCount: Int
    ) throws(DifferentialPrivacyError) -> [UInt64] {
        let units: [UInt32]
        var unitCount = 0
        switch unitColumn.values {
        case let .categorical(codes, dictionary):
            units = codes
            unitCount = dictionary.count
        case let .int64(v):
            var index: [Int64: UInt32] = [:]
            units = v.map { value in
                if let code = index[value] { return code }
                let code = UInt32(index.count)
                index[value] = code
                return code
            }
            unitCount = index.count
        default:
            throw .columnTypeMismatch(
                column: unitColumn.name, expected: "a categorical or int64 privacy-unit column",
                found: "\(unitColumn.type)")
        }
        var generator: SecureRandomGenerator
        do { generator = try SecureRandomGenerator() } catch { throw .randomSourceFailure(reason: "\(error)") }
        func present(_ row: Int) -> Bool {
            guard let rowMask else { return true }
            return rowMask[row >> 6] & (1 << UInt64(row & 63)) != 0
        }
        // Counting sort of the present rows by unit.
        var offsets = [Int](repeating: 0, count: unitCount + 1)
        for row in 0..<rowCount where present(row) && (grouping?.isKept(row) ?? true) {
            offsets[Int(units[row]) + 1] += 1
        }
        for unit in 0..<unitCount { offsets[unit + 1] += offsets[unit] }
        // Row indices as Int: any table size (Int32 would trap beyond 2^31 rows).
        var order = [Int](repeating: 0, count: offsets[unitCount])
        var fill = offsets
        for row in 0..<rowCount where present(row) && (grouping?.isKept(row) ?? true) {
            let unit = Int(units[row])
            order[fill[unit]] = row
            fill[unit] += 1
        }
        var keep = [UInt64](repeating: 0, count: (rowCount + 63) / 64)
        let maxPartitions = contribution.maxPartitionsPerUnit
        let maxPerPartition = Int64(contribution.maxContributionsPerPartition)
        var chosen: [(partition: Int, rows: Int64)] = []
        for unit in 0..<unitCount {
            let start = offsets[unit], end = offsets[unit + 1]
            guard start < end else { continue }
            // Fisher–Yates over this unit's rows.
            for position in start..<(end - 1) {
                let pick = position + Int(generator.nextUniform(below: UInt64(end - position)))
                order.swapAt(position, pick)
            }
            chosen.removeAll(keepingCapacity: true)
            for position in start..<end {
                let row = order[position]
                let partition = grouping?.partition(of: row) ?? 0
                if let slot = chosen.firstIndex(where: { $0.partition == partition }) {
                    guard chosen[slot].rows < maxPerPartition else { continue }
                    chosen[slot].rows += 1
                } else {
                    guard chosen.count < maxPartitions else { continue }
                    chosen.append((partition, 1))
                }
                keep[row >> 6] |= 1 << UInt64(row & 63)
            }
        }
        return keep
    }
}
