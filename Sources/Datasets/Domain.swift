public import Tabular

/// The plan's data domains, one synthetic microdata table each.
///
/// Tourism has two tables: scenic-spot visits (`tourism`) and hotel stays (`tourism_hotels`).
public enum Domain: String, CaseIterable, Sendable, Codable {
    /// Transit-card trips (one row per trip).
    case transport
    /// Outpatient visits (one row per visit).
    case health
    /// Enterprises with credit-risk features (one row per enterprise).
    case finance
    /// Footfall and sales per district × date × business type.
    case commerce
    /// Market-supervision complaints and inspections (one row per record).
    case market
    /// Scenic-spot visits (one row per visit).
    case tourism
    /// Hotel stays (one row per stay).
    case tourismHotels = "tourism_hotels"

    /// The documented columns, in order.
    public var columns: [ColumnDoc] { model.columns }

    /// The schema every generated table of this domain has (no column has missing values).
    public var schema: Schema { Schema(columns.map { Field($0.name, $0.type, nullable: false) }) }

    /// A one-paragraph description of what a row is and how the data were modelled.
    public var summary: String { model.summary }

    /// A stable 64-bit key of the domain, mixed into every random stream.
    var key: UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in rawValue.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    var model: any DomainModel.Type {
        switch self {
        case .transport: TransportModel.self
        case .health: HealthModel.self
        case .finance: FinanceModel.self
        case .commerce: CommerceModel.self
        case .market: MarketModel.self
        case .tourism: TourismModel.self
        case .tourismHotels: HotelModel.self
        }
    }
}

/// The documentation of one generated column: name, type, unit and meaning (including the
/// distribution it was drawn from).
public struct ColumnDoc: Sendable, Equatable, Codable {
    /// The column name.
    public let name: String
    /// The column's type.
    public let type: ColumnType
    /// The unit ("yuan", "minutes", …) or "" when unitless.
    public let unit: String
    /// What the column means and how it is distributed.
    public let meaning: String

    /// Documents a column.
    public init(_ name: String, _ type: ColumnType, _ unit: String, _ meaning: String) {
        self.name = name
        self.type = type
        self.unit = unit
        self.meaning = meaning
    }
}

/// A domain's generator: pure functions of (seed, total rows, row index).
protocol DomainModel: Sendable {
    /// The documented columns.
    static var columns: [ColumnDoc] { get }
    /// A description of a row.
    static var summary: String { get }
    /// Prepares population-level state (entity counts depend on the total number of rows).
    init(seed: UInt64, totalRows: Int)
    /// The rows at global indices `range`, each drawn from its own stream.
    func rows(_ range: Range<Int>) -> [Column]
}

/// Collects a categorical column over a fixed dictionary.
struct FixedCategorical {
    let name: String
    let dictionary: [String]
    var codes: [UInt32] = []

    init(_ name: String, _ dictionary: [String], capacity: Int) {
        self.name = name
        self.dictionary = dictionary
        codes.reserveCapacity(capacity)
    }

    @inline(__always) mutating func append(_ code: Int) { codes.append(UInt32(truncatingIfNeeded: code)) }

    func column() -> Column {
        // Codes are produced in range by construction; the public initialiser re-checks them.
        try! Column(name: name, values: .categorical(codes: codes, dictionary: dictionary))
    }
}

/// Collects a categorical column of identifiers whose dictionary grows as they appear.
struct IdentifierCategorical {
    let name: String
    let prefix: String
    let digits: Int
    var lookup: [UInt64: UInt32] = [:]
    var dictionary: [String] = []
    var codes: [UInt32] = []

    init(_ name: String, prefix: String, digits: Int, capacity: Int) {
        self.name = name
        self.prefix = prefix
        self.digits = digits
        codes.reserveCapacity(capacity)
    }

    mutating func append(_ id: UInt64) {
        if let code = lookup[id] {
            codes.append(code)
            return
        }
        let code = UInt32(dictionary.count)
        lookup[id] = code
        dictionary.append(SyntheticID.hex(prefix, id, digits: digits))
        codes.append(code)
    }

    mutating func append(text: String, key: UInt64) {
        if let code = lookup[key] {
            codes.append(code)
            return
        }
        let code = UInt32(dictionary.count)
        lookup[key] = code
        dictionary.append(text)
        codes.append(code)
    }

    func column() -> Column {
        try! Column(name: name, values: .categorical(codes: codes, dictionary: dictionary))
    }
}

/// Rounds to cents (two decimals), so that CSV text stays short ("12.5", "3.08").
@inline(__always) func cents(_ x: Double) -> Double { (x * 100).rounded() / 100 }

/// The pseudonym key of entity `index` for a domain: a keyed bijective scramble of 64 bits,
/// truncated to `bits` (48 bits: collisions among 2 million entities have probability < 1%).
@inline(__always) func pseudonym(_ index: Int, seed: UInt64, domain: UInt64, bits: Int) -> UInt64 {
    // xor-shift and odd-multiply steps are each invertible, so the 64-bit map is a bijection.
    var z = UInt64(index) ^ SyntheticRNG.mix(seed, domain)
    z = (z ^ (z >> 31)) &* 0x7FB5_D329_728E_A185
    z = (z ^ (z >> 27)) &* 0x81DA_DEF4_BC2D_D44D
    z = z ^ (z >> 33)
    return bits >= 64 ? z : z & ((1 << UInt64(bits)) - 1)
}

/// Draws an entity index in 0..<count with a heavy tail: low indices are drawn far more often
/// (index = ⌊count · u^power⌋, so frequency ∝ (i/count)^(1/power − 1)).
@inline(__always) func heavyTailedIndex(_ rng: inout SyntheticRNG, count: Int, power: Double) -> Int {
    min(count - 1, Int(Double(count) * pow(rng.uniform(), power)))
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
