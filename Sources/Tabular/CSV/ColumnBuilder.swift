/// Accumulates one column's values while a chunk of CSV is parsed.
///
/// One builder per column per chunk; only the array of the builder's kind is used. Missing
/// values append a zero slot and clear a validity bit (the bitmap is created lazily on the
/// first missing value, so columns without nulls never pay for one).
struct ColumnBuilder {
    /// What the builder does with each field.
    enum Mode: Equatable {
        /// Parse into the given type; `declared` types turn a misfit into an error,
        /// inferred types into a widening request.
        case parse(ColumnType, declared: Bool, nullable: Bool)
        /// Only observe which types every value would fit (schema inference).
        case infer
    }

    /// Bits of `candidates` in inference mode.
    struct Candidates: OptionSet {
        let rawValue: UInt8
        static let bool = Candidates(rawValue: 1)
        static let int64 = Candidates(rawValue: 2)
        static let float64 = Candidates(rawValue: 4)
        static let date = Candidates(rawValue: 8)
        static let timestamp = Candidates(rawValue: 16)
        static let all: Candidates = [.bool, .int64, .float64, .date, .timestamp]
    }

    /// Why a field could not be stored.
    enum Failure {
        case unparsable(ColumnType)
        case nonFinite
        case missing
        case invalidUTF8
    }

    let mode: Mode
    /// The code stored for a missing categorical value until chunks are merged (then 0).
    static let nullCode = UInt32.max
    var rows = 0
    var doubles: [Double] = []
    var integers: [Int64] = []
    var booleans: [Bool] = []
    var codes: [UInt32] = []
    var days: [Int32] = []
    var dictionary = ByteDictionary()
    var validity: ValidityBitmap?
    // Inference mode.
    var candidates: Candidates = .all
    var nonNullSeen = 0
    var nullsSeen = 0
    // Widening request for an inferred column: the narrowest type that fits every value seen.
    var widenTo: ColumnType?

    init(mode: Mode, expectedRows: Int) {
        self.mode = mode
        if case let .parse(type, _, _) = mode {
            switch type {
            case .float64: doubles.reserveCapacity(expectedRows)
            case .int64, .timestamp: integers.reserveCapacity(expectedRows)
            case .bool: booleans.reserveCapacity(expectedRows)
            case .categorical: codes.reserveCapacity(expectedRows)
            case .date: days.reserveCapacity(expectedRows)
            }
        }
    }

    @inline(__always)
    private mutating func markMissing() {
        if validity == nil { validity = ValidityBitmap(count: rows, allValid: true) }
        validity!.append(false)
    }

    @inline(__always)
    private mutating func markPresent() {
        if validity != nil { validity!.append(true) }
    }

    /// Stores one field. `isNull` is decided by the caller (unquoted empty field or null token).
    /// Returns a failure for declared columns; for inferred columns a misfit is recorded in
    /// `widenTo` and a zero placeholder is stored (the input is parsed again after widening).
    @inline(__always)
    mutating func append(_ p: UnsafePointer<UInt8>, _ n: Int, isNull: Bool) -> Failure? {
        defer { rows &+= 1 }
        switch mode {
        case .infer:
            if isNull { nullsSeen &+= 1; return nil }
            nonNullSeen &+= 1
            var c = candidates
            if c.contains(.bool), FieldParsing.bool(p, n) == nil { c.remove(.bool) }
            if c.contains(.int64), FieldParsing.int64(p, n) == nil { c.remove(.int64) }
            if c.contains(.float64), case .value = FieldParsing.float64(p, n) {} else { c.remove(.float64) }
            if c.contains(.date), FieldParsing.date(p, n) == nil { c.remove(.date) }
            if c.contains(.timestamp), FieldParsing.timestamp(p, n) == nil { c.remove(.timestamp) }
            candidates = c
            if c.isEmpty, !FieldParsing.isValidUTF8(p, n) { return .invalidUTF8 }
            return nil
        case let .parse(type, declared, nullable):
            if isNull {
                if !nullable { return .missing }
                markMissing()
                switch type {
                case .float64: doubles.append(0)
                case .int64, .timestamp: integers.append(0)
                case .bool: booleans.append(false)
                case .categorical: codes.append(ColumnBuilder.nullCode)
                case .date: days.append(0)
                }
                return nil
            }
            switch type {
            case .categorical:
                let (code, inserted) = dictionary.code(p, n)
                if inserted, !FieldParsing.isValidUTF8(p, n) { return .invalidUTF8 }
                codes.append(code)
            case .int64:
                if let v = FieldParsing.int64(p, n) { integers.append(v) } else {
                    integers.append(0)
                    if let failure = misfit(type, declared, p, n) { return failure }
                }
            case .float64:
                switch FieldParsing.float64(p, n) {
                case let .value(v): doubles.append(v)
                case .nonFinite:
                    doubles.append(0)
                    if declared { return .nonFinite }
                    widen(to: .categorical)
                case .invalid:
                    doubles.append(0)
                    if let failure = misfit(type, declared, p, n) { return failure }
                }
            case .bool:
                if let v = FieldParsing.bool(p, n) { booleans.append(v) } else {
                    booleans.append(false)
                    if let failure = misfit(type, declared, p, n) { return failure }
                }
            case .date:
                if let v = FieldParsing.date(p, n) { days.append(v) } else {
                    days.append(0)
                    if let failure = misfit(type, declared, p, n) { return failure }
                }
            case .timestamp:
                if let v = FieldParsing.timestamp(p, n) { integers.append(v) } else {
                    integers.append(0)
                    if let failure = misfit(type, declared, p, n) { return failure }
                }
            }
            markPresent()
            return nil
        }
    }

    private mutating func misfit(_ type: ColumnType, _ declared: Bool, _ p: UnsafePointer<UInt8>, _ n: Int) -> Failure? {
        if declared { return FieldParsing.isValidUTF8(p, n) ? .unparsable(type) : .invalidUTF8 }
        if type == .int64, case .value = FieldParsing.float64(p, n) { widen(to: .float64) } else { widen(to: .categorical) }
        return nil
    }

    private mutating func widen(to type: ColumnType) {
        if widenTo == nil || type == .categorical { widenTo = type }
    }

    /// The type inference settles on: the narrowest candidate that every sampled value fits.
    var inferredType: ColumnType {
        if nonNullSeen == 0 { return .categorical }
        if candidates.contains(.bool) { return .bool }
        if candidates.contains(.int64) { return .int64 }
        if candidates.contains(.float64) { return .float64 }
        if candidates.contains(.date) { return .date }
        if candidates.contains(.timestamp) { return .timestamp }
        return .categorical
    }
}
