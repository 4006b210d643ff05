/// Partials as vectors for secure aggregation (DESIGN.md: "the same partial serves one core,
/// many cores, many parties (secure aggregation sums partials)").
///
/// Departments that each hold some of the rows compute their own ``QueryPartial`` of the same
/// query, encode it with ``QueryPartial/secureAggregationVector()``, and add the vectors with
/// secure aggregation (`SecureAggregation`'s masking protocol, 32-bit elements): the server
/// learns only the sum. ``QueryPartial/init(query:secureAggregationSum:parties:)`` decodes the
/// sum into the merged partial, which leaves only through the release gate.
///
/// **Encoding.** Every integer field of every cell (count, sum, squared deviations, and the
/// quantile bins of a quantile query) is sign-extended to 80 bits and split into five 16-bit
/// lanes, least significant first, each carried in one 32-bit element. A lane of one party is
/// below 2^16, so the lane sums of up to 2^16 parties fit the 32-bit elements without wrapping;
/// the five lane sums then give the exact sum of the fields, which lies within ±2^79 (at most
/// 2^16 values within ±2^63), and is saturated to 64 bits as ``CellPartial/merge(_:)`` does. The
/// vector's length depends on the query only (public), never on the data.
///
/// **What it needs.** Declared keys or no grouping: with selected keys the key set is data, and
/// a vector indexed by it would disclose it. And each privacy unit's rows held by one party
/// (departments partition the units): contribution bounding is per party, so a unit present at
/// several parties contributes once per party, and the release's sensitivity must then be
/// scaled by the number of parties (declare `maxPartitionsPerUnit` accordingly).
extension QueryPartial {
    /// Bits per lane of the encoding (16): a lane of one party is below 2^16.
    public static let secureAggregationLaneBits = 16
    /// Lanes per field (5): 80 bits, the sign-extended field.
    public static let secureAggregationLanesPerField = 5
    /// The most parties whose vectors may be added (2^16): their lane sums stay below 2^32.
    public static let maximumSecureAggregationParties = 1 << 16

    /// The number of 32-bit elements of `query`'s vector: cells × (3 + bins) × 5.
    ///
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)`` for selected keys.
    public static func secureAggregationDimension(of query: DPQuery) throws(DifferentialPrivacyError) -> Int {
        let (keys, bins) = try layout(of: query)
        return keys.count * (3 + bins) * secureAggregationLanesPerField
    }

    /// This partial as a vector of 32-bit elements for secure aggregation (see the extension's
    /// description for the encoding and its conditions).
    ///
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)`` for selected
    ///   keys (the vector would disclose them);
    ///   ``DifferentialPrivacyError/incompatiblePartials(reason:)`` for a (decoded) partial whose
    ///   keys or bins do not match its query.
    /// - Complexity: O(``secureAggregationDimension(of:)``).
    public func secureAggregationVector() throws(DifferentialPrivacyError) -> [UInt32] {
        let (keys, bins) = try Self.layout(of: query)
        guard keys == self.keys, cells.count == keys.count, cells.allSatisfy({ $0.quantileBins.count == bins }) else {
            // Only a partial decoded from elsewhere can differ from its query's layout.
            throw .incompatiblePartials(
                reason: "the partial's keys or quantile bins do not match its query's declared layout")
        }
        var vector: [UInt32] = []
        vector.reserveCapacity(keys.count * (3 + bins) * Self.secureAggregationLanesPerField)
        func append(_ value: Int64) {
            // Two's complement of the 80-bit sign extension, 16 bits per lane.
            let extended = Int128(value)
            for lane in 0..<Self.secureAggregationLanesPerField {
                vector.append(
                    UInt32(truncatingIfNeeded: (extended >> (lane * Self.secureAggregationLaneBits)) & 0xFFFF))
            }
        }
        for cell in cells {
            append(cell.count)
            append(cell.sum)
            append(cell.squaredDeviations)
            if bins > 0 {
                for bin in cell.quantileBins { append(bin) }
            }
        }
        return vector
    }

    /// The merged partial of `parties` partials of `query` from the element-wise sum (modulo
    /// 2^32) of their ``secureAggregationVector()``s.
    ///
    /// - Parameters:
    ///   - query: the query every party answered.
    ///   - secureAggregationSum: the summed vectors (the aggregate of secure aggregation with
    ///     32-bit elements).
    ///   - parties: how many vectors were added, 1…``maximumSecureAggregationParties``.
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)`` for selected
    ///   keys, a party count out of range, a vector of the wrong length, or a lane sum larger
    ///   than `parties` vectors can produce (a vector that is not such a sum).
    /// - Complexity: O(``secureAggregationDimension(of:)``).
    public init(query: DPQuery, secureAggregationSum: [UInt32], parties: Int) throws(DifferentialPrivacyError) {
        let (keys, bins) = try Self.layout(of: query)
        guard parties >= 1, parties <= Self.maximumSecureAggregationParties else {
            throw .invalidParameter(
                name: "parties", value: "\(parties)",
                reason: "must be in 1...\(Self.maximumSecureAggregationParties) (lane sums must stay below 2^32)")
        }
        let sum = secureAggregationSum
        let lanes = Self.secureAggregationLanesPerField
        let expected = keys.count * (3 + bins) * lanes
        guard sum.count == expected else {
            throw .invalidParameter(
                name: "secureAggregationSum", value: "\(sum.count) elements",
                reason: "this query's vector has \(expected) elements")
        }
        let laneLimit = UInt64(parties) * 0xFFFF
        var position = 0
        func field() throws(DifferentialPrivacyError) -> Int64 {
            var total: Int128 = 0
            for lane in 0..<lanes {
                let value = sum[position + lane]
                guard UInt64(value) <= laneLimit else {
                    throw .invalidParameter(
                        name: "secureAggregationSum", value: "element \(position + lane)",
                        reason: "exceeds what \(parties) parties' 16-bit lanes can add up to")
                }
                total += Int128(value) << (lane * Self.secureAggregationLaneBits)
            }
            position += lanes
            // The 80-bit two's complement of the exact sum, which lies within ±2^79.
            let width = lanes * Self.secureAggregationLaneBits
            var exact = total & ((Int128(1) << width) - 1)
            if exact >= Int128(1) << (width - 1) { exact -= Int128(1) << width }
            return exact > Int128(Int64.max) ? .max : exact < Int128(Int64.min) ? .min : Int64(exact)
        }
        var cells: [CellPartial] = []
        cells.reserveCapacity(keys.count)
        for _ in keys {
            var cell = CellPartial(bins: bins)
            cell.count = try field()
            cell.sum = try field()
            cell.squaredDeviations = try field()
            for index in 0..<bins { cell.quantileBins[index] = try field() }
            cells.append(cell)
        }
        self.init(query: query, keys: keys, cells: cells)
    }

    /// The keys and quantile bins of `query`'s vector.
    static func layout(of query: DPQuery) throws(DifferentialPrivacyError) -> (keys: [String], bins: Int) {
        let keys: [String]
        switch query.keys {
        case .none: keys = [""]
        case let .declared(declared): keys = query.groupBy == nil ? [""] : declared
        case .selected:
            throw .invalidParameter(
                name: "keys", value: "selected",
                reason:
                    "secure aggregation needs declared keys or no grouping: a vector indexed by selected keys would disclose them"
            )
        }
        return (keys, query.statistic == .quantiles ? quantileBinCount : 0)
    }
}
