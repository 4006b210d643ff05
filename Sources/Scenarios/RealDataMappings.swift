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

    /// The scenario this mapping feeds.
    public var scenario: ScenarioKind {
        switch self {
        case .nycFlights: .transport
        }
    }

    /// Loads `file` and maps it onto the scenario's columns.
    ///
    /// - Throws: CSV errors; ``ScenarioError/missingColumn(scenario:column:available:)`` when a
    ///   mapped column is absent.
    public func input(file: String) throws -> ScenarioInput {
        switch self {
        case .nycFlights: return try Self.nycFlights(file: file)
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
}
