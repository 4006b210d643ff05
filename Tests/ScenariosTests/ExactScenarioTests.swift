import Foundation
import PrivacyLedger
@testable import ReportRendering
@testable import Scenarios
import Tabular
import Testing
import _TestSupport

@Suite("Scenarios in the exact test releaser equal direct computations")
struct ExactScenarioTests {
    @Test("transport: OD matrix and hourly profile equal direct counts")
    func transportOD() throws {
        let (directory, ledger) = try scratch("transport")
        let input = try ScenarioRunner.embeddedInput(.transport)
        let report = try ScenarioRunner.run(
            .transport, input: input, options: unbounded, context: exactContext(ledger, directory))
        let trips = input.table
        let origin = try View.strings(trips, "origin_district", .transport)
        let destination = try View.strings(trips, "destination_district", .transport)
        var direct: [String: Double] = [:]
        for (o, d) in zip(origin, destination) { direct[o + "|" + d, default: 0] += 1 }
        let od = try #require(report.section("od_matrix"))
        #expect(od.rows.count == 169)
        for row in od.rows {
            #expect(row.value == direct[row.labels.joined(separator: "|"), default: 0], "\(row.labels)")
        }
        #expect(od.rows.reduce(0) { $0 + $1.value } == Double(trips.rowCount))
        let hours = View.hours(try View.timestamps(trips, "boarding_time", .transport))
        var perHour = [Double](repeating: 0, count: 24)
        for h in hours { perHour[h] += 1 }
        let hourly = try #require(report.section("trips_by_hour"))
        for row in hourly.rows { #expect(row.value == perHour[Int(row.labels[0])!], "hour \(row.labels[0])") }
        // Medians per district: within one quantile bin (180/16384 min) of the exact median of minutes.
        let boarding = try View.timestamps(trips, "boarding_time", .transport)
        let alighting = try View.timestamps(trips, "alighting_time", .transport)
        var minutes: [String: [Double]] = [:]
        for i in 0..<trips.rowCount {
            minutes[origin[i], default: []].append(min(180, Double(alighting[i] - boarding[i]) / 60))
        }
        let quantiles = try #require(report.section("travel_time_quantiles"))
        for row in quantiles.rows where row.labels[1] == "p50" {
            guard let values = minutes[row.labels[0]]?.sorted(), !values.isEmpty else { continue }
            let exact = values[Int((0.5 * Double(values.count)).rounded(.up)) - 1]
            #expect(abs(row.value - exact) <= 180.0 / 16_384 + 1e-9, "\(row.labels[0]): \(row.value) vs \(exact)")
        }
    }

    @Test("market: complaint hot spots equal direct counts, all keys kept, sorted")
    func marketHotSpots() throws {
        let (directory, ledger) = try scratch("market")
        let input = try ScenarioRunner.embeddedInput(.market)
        let report = try ScenarioRunner.run(
            .market, input: input, options: unbounded, context: exactContext(ledger, directory))
        let t = input.table
        let type = try View.strings(t, "record_type", .market)
        let category = try View.strings(t, "category", .market)
        let district = try View.strings(t, "district", .market)
        var direct: [String: Double] = [:]
        for i in 0..<t.rowCount where type[i] == "complaint" {
            direct[category[i] + "|" + district[i], default: 0] += 1
        }
        let hot = try #require(report.section("hotspots_category_district"))
        #expect(hot.rows.count == direct.count)
        for row in hot.rows { #expect(row.value == direct[row.labels.joined(separator: "|")], "\(row.labels)") }
        #expect(zip(hot.rows, hot.rows.dropFirst()).allSatisfy { $0.value >= $1.value })
        let top = try #require(report.section("top_hotspots"))
        #expect(top.rows.first?.value == direct.values.max())
    }

    @Test("commerce: footfall per district and sales per type equal direct sums")
    func commerceSums() throws {
        let (directory, ledger) = try scratch("commerce")
        let input = try ScenarioRunner.embeddedInput(.commerce)
        let report = try ScenarioRunner.run(
            .commerce, input: input, options: unbounded, context: exactContext(ledger, directory))
        let t = input.table
        let district = try View.strings(t, "district", .commerce)
        let footfall = try View.doubles(t, "footfall", .commerce)
        var direct: [String: Double] = [:]
        for i in 0..<t.rowCount { direct[district[i], default: 0] += min(footfall[i], 250_000) }
        let section = try #require(report.section("footfall_by_district"))
        #expect(section.rows.count == 13)
        for row in section.rows {
            let expected = try #require(direct[row.labels[0]])
            #expect(abs(row.value - expected) <= 1e-6 * expected, "\(row.labels[0])")
        }
    }

    @Test("health: weekly respiratory series equals direct weekly counts")
    func healthWeekly() throws {
        let (directory, ledger) = try scratch("health")
        let input = try ScenarioRunner.embeddedInput(.health)
        let report = try ScenarioRunner.run(
            .health, input: input, options: unbounded, context: exactContext(ledger, directory))
        let t = input.table
        let chapter = try View.strings(t, "icd_chapter", .health)
        let day = try View.days(t, "visit_date", .health)
        let first = Int(ScenarioRunner.healthPeriod.first)
        var direct: [String: Double] = [:]
        for i in 0..<t.rowCount where chapter[i].hasPrefix("J") && Int(day[i]) >= first {
            direct[View.dateText(Int32(first + ((Int(day[i]) - first) / 7) * 7)), default: 0] += 1
        }
        let series = try #require(report.section("weekly_alerts"))
        let respiratory = series.rows.filter { $0.labels[1] == "respiratory" }
        #expect(respiratory.count == 53)
        for row in respiratory { #expect(row.value == direct[row.labels[0], default: 0], "week \(row.labels[0])") }
        #expect(report.exports == [try ledger.exportArea() + "/health-t/diabetes_cohort_k5.csv"])
        #expect(FileManager.default.fileExists(atPath: try #require(report.exports.first)))
    }
}

@Suite("Finance and tourism in the exact test releaser")
struct ExactFinanceTourismTests {
    @Test(
        "finance: SecAgg of the departments' flags gives the same industry × score counts as flags summed in the clear")
    func financeScores() throws {
        let (directory, ledger) = try scratch("finance")
        let input = try ScenarioRunner.embeddedInput(.finance)
        let report = try ScenarioRunner.run(
            .finance, input: input, options: unbounded, context: exactContext(ledger, directory))
        let t = input.table
        let tax = try View.doubles(t, "tax_paid_10k_yuan", .finance),
            kwh = try View.doubles(t, "electricity_kwh", .finance)
        let court = try View.doubles(t, "court_cases", .finance),
            logistics = try View.doubles(t, "logistics_volume", .finance)
        let industry = try View.strings(t, "industry", .finance)
        var direct: [String: Double] = [:]
        for i in 0..<t.rowCount {
            let score =
                (tax[i] <= 0 ? 1 : 0) + (kwh[i] < 10_000 ? 1 : 0) + (court[i] >= 1 ? 1 : 0)
                + (logistics[i] < 100 ? 1 : 0)
            direct[industry[i] + "|\(score)", default: 0] += 1
        }
        let section = try #require(report.section("industry_risk_score"))
        #expect(section.rows.count == 50)
        for row in section.rows {
            #expect(row.value == direct[row.labels.joined(separator: "|"), default: 0], "\(row.labels)")
        }
        // The score validates as a risk model on this data: default rates rise with the score.
        let rates = try #require(report.section("default_rate_by_score")).rows.map(\.value)
        #expect(rates.count >= 4 && zip(rates, rates.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test("tourism: visitors per spot equal direct counts; the hotel export is k-anonymous and written")
    func tourismSpots() throws {
        let (directory, ledger) = try scratch("tourism")
        let input = try ScenarioRunner.embeddedInput(.tourism)
        let report = try ScenarioRunner.run(
            .tourism, input: input, options: unbounded, context: exactContext(ledger, directory))
        var direct: [String: Double] = [:]
        for s in try View.strings(input.table, "scenic_spot", .tourism) { direct[s, default: 0] += 1 }
        let spots = try #require(report.section("visitors_by_spot"))
        #expect(spots.rows.count == direct.count)
        for row in spots.rows { #expect(row.value == direct[row.labels[0]], "\(row.labels[0])") }
        #expect(report.exports == [try ledger.exportArea() + "/tourism-t-1/hotel_stays_k5.csv"])
        let exported = try CSVReader.load(file: try #require(report.exports.first)).table
        #expect(exported.rowCount == 8_000)
        #expect(!exported.columnNames.contains("guest_id"))
        let qi = ["hotel_district", "age_band", "sex", "origin_province", "check_in_month"]
        let columns = try qi.map { try View.strings(exported, $0, .tourism) }
        var classes: [String: Int] = [:]
        for i in 0..<exported.rowCount { classes[columns.map { $0[i] }.joined(separator: "\u{1}"), default: 0] += 1 }
        #expect(classes.values.min()! >= 5)
    }
}
