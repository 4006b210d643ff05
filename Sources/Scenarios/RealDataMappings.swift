import Foundation
import Tabular

/// Column mappings from real public datasets onto a scenario's columns.
public enum RealDataMapping: String, Sendable, CaseIterable {
    /// nycflights13 (all 2013 departures from JFK, LGA, EWR) → transport:
    /// `tailnum` → privacy unit (the aircraft), `origin` / `dest` airports → origin / destination
    /// "districts", scheduled departure (`year`, `month`, `day`, `hour`, `minute`, local time)
    /// → `boarding_time`, + `air_time` minutes → `alighting_time`. Cancelled flights (no
    /// `air_time`) and flights without a tail number are dropped. OD keys are chosen by DP
    /// partition selection (no public airport list is assumed); the quantile groups are the
    /// three public origin airports; air times are clamped to 0–720 minutes.
    case nycFlights = "nyc_flights"

    /// hotel_bookings (15,402 bookings, Antonio et al. 2019) → tourism's hotel-stay export:
    /// `country` → `origin_province` (missing → "unknown"), `arrival_date` → `check_in_month`,
    /// weekend + week nights → `nights`, adults + children + babies → `guests`,
    /// `avg_price_per_room` → `room_rate_eur` (EUR, not yuan), `market_segment`,
    /// `customer_type`, `reserved_room_type`, `meal`. Quasi-identifiers of the k-anonymous
    /// export: origin, check-in month, guests, market segment, customer type. The visits table
    /// stays the embedded `datasets/tourism.csv` (no public scenic-spot data is mapped).
    case hotelBookings = "hotel_bookings"

    /// restaurant_inspections (27,178 food-safety inspections, Anchorage 2000s–2010s) → market
    /// supervision: every row is an inspection record; `category` ← the inspection-score band
    /// ("score <80", "score 80-89", "score 90-95", "score 96-100"), `district` ← the chain-size
    /// class from `NumberofLocations` ("single site", "2-9 sites", "10+ sites"),
    /// `sub_category` ← `Year`; the establishment (`business_name`) is the privacy unit, bounded to
    /// 3 cells × 3 inspections. Hot spots are then low-score bands by chain size.
    case restaurantInspections = "restaurant_inspections"

    /// The scenario this mapping feeds.
    public var scenario: ScenarioKind {
        switch self {
        case .nycFlights: .transport
        case .hotelBookings: .tourism
        case .restaurantInspections: .market
        }
    }

    /// Loads `file` and maps it onto the scenario's columns.
    ///
    /// - Throws: CSV errors; ``ScenarioError/missingColumn(scenario:column:available:)`` when a
    ///   mapped column is absent.
    public func input(file: String) throws -> ScenarioInput {
        switch self {
        case .nycFlights: return try Self.nycFlights(file: file)
        case .hotelBookings: return try Self.hotelBookings(file: file)
        case .restaurantInspections: return try Self.restaurantInspections(file: file)
        }
    }

    static func nycFlights(file: String) throws -> ScenarioInput {
        let kind = ScenarioKind.transport
        let flights = try CSVReader.load(file: file).table
        let year = try View.column(flights, "year", kind), month = try View.column(flights, "month", kind)
        let day = try View.column(flights, "day", kind), hour = try View.column(flights, "hour", kind)
        let minute = try View.column(flights, "minute", kind), airTime = try View.column(flights, "air_time", kind)
        let tail = try View.column(flights, "tailnum", kind)
        let origin = try View.strings(flights, "origin", kind), dest = try View.strings(flights, "dest", kind)
        let tails = try View.strings(flights, "tailnum", kind)
        let y = try View.doubles(flights, "year", kind), mo = try View.doubles(flights, "month", kind)
        let d = try View.doubles(flights, "day", kind), h = try View.doubles(flights, "hour", kind)
        let mi = try View.doubles(flights, "minute", kind), air = try View.doubles(flights, "air_time", kind)
        var keep: [Int] = []
        keep.reserveCapacity(flights.rowCount)
        for i in 0..<flights.rowCount
        where airTime.isValid(i) && tail.isValid(i) && year.isValid(i) && month.isValid(i) && day.isValid(i)
            && hour.isValid(i) && minute.isValid(i) {
            keep.append(i)
        }
        var boarding: [Int64] = [], alighting: [Int64] = []
        boarding.reserveCapacity(keep.count)
        alighting.reserveCapacity(keep.count)
        for i in keep {
            let days = Int64(CalendarCodec.days(year: Int(y[i]), month: Int(mo[i]), day: Int(d[i])))
            let t = days * 86_400 + Int64(h[i]) * 3_600 + Int64(mi[i]) * 60
            boarding.append(t)
            alighting.append(t + Int64(air[i]) * 60)
        }
        let table = try Table(columns: [
            try Column("tailnum", strings: keep.map { tails[$0] }),
            try Column("origin_district", strings: keep.map { origin[$0] }),
            try Column("destination_district", strings: keep.map { dest[$0] }),
            try Column(name: "boarding_time", values: .timestamp(boarding)),
            try Column(name: "alighting_time", values: .timestamp(alighting)),
        ])
        var input = ScenarioInput(table: table, dataset: Scenarios.datasetName(file),
                                  source: "\(file) (nyc_flights mapping: \(keep.count) of \(flights.rowCount) flights with air time and tail number)",
                                  privacyUnit: "tailnum")
        input.placeKeys = nil
        input.groupKeys = ["EWR", "JFK", "LGA"]
        input.travelMinutesBound = 720
        return input
    }

    static func hotelBookings(file: String) throws -> ScenarioInput {
        let kind = ScenarioKind.tourism
        var input = try Scenarios.embeddedInput(.tourism)
        let bookings = try CSVReader.load(file: file).table
        let countryColumn = try View.column(bookings, "country", kind)
        let country = try View.strings(bookings, "country", kind)
        let arrival = try View.days(bookings, "arrival_date", kind)
        let weekend = try View.doubles(bookings, "stays_in_weekend_nights", kind), week = try View.doubles(bookings, "stays_in_week_nights", kind)
        let adults = try View.doubles(bookings, "adults", kind), children = try View.doubles(bookings, "children", kind)
        let babies = try View.doubles(bookings, "babies", kind)
        let n = bookings.rowCount
        let table = try Table(columns: [
            try Column("origin_province", strings: (0..<n).map { countryColumn.isValid($0) ? country[$0] : "unknown" }),
            try Column("check_in_month", strings: arrival.map { String(View.dateText($0).prefix(7)) }),
            try Column("guests", int64: (0..<n).map { Int64(adults[$0] + children[$0] + babies[$0]) }),
            try View.column(bookings, "market_segment", kind), try View.column(bookings, "customer_type", kind),
            try Column("nights", int64: (0..<n).map { Int64(weekend[$0] + week[$0]) }),
            try Column("room_rate_eur", float64: try View.doubles(bookings, "avg_price_per_room", kind)),
            try View.column(bookings, "reserved_room_type", kind), try View.column(bookings, "meal", kind),
        ])
        input.second = table
        input.secondDataset = Scenarios.datasetName(file)
        input.hotelQuasiIdentifiers = ["origin_province", "check_in_month", "guests", "market_segment", "customer_type"]
        input.source += "; hotel stays: \(file) (hotel_bookings mapping, \(n) bookings)"
        return input
    }

    static func restaurantInspections(file: String) throws -> ScenarioInput {
        let kind = ScenarioKind.market
        let inspections = try CSVReader.load(file: file).table
        let score = try View.doubles(inspections, "inspection_score", kind)
        let locations = try View.doubles(inspections, "NumberofLocations", kind)
        let year = try View.doubles(inspections, "Year", kind)
        let table = try Table(columns: [
            try View.column(inspections, "business_name", kind),
            try Column("category", strings: score.map { Self.scoreBand($0) }),
            try Column("sub_category", strings: year.map { String(Int($0)) }),
            try Column("district", strings: locations.map { $0 <= 1 ? "single site" : $0 < 10 ? "2-9 sites" : "10+ sites" }),
        ])
        return ScenarioInput(table: table, dataset: Scenarios.datasetName(file),
                             source: "\(file) (restaurant_inspections mapping: score band × chain size, establishment as privacy unit)",
                             privacyUnit: "business_name")
    }

    /// The public score bands of the restaurant_inspections mapping.
    static func scoreBand(_ score: Double) -> String {
        score < 80 ? "score <80" : score < 90 ? "score 80-89" : score < 96 ? "score 90-95" : "score 96-100"
    }
}
