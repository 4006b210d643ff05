import Foundation
import PrivacyLedger
@testable import ReportRendering
@testable import Scenarios
import Tabular
import Testing
import _TestSupport

/// A fresh temporary directory with a ledger in it.
func scratch(_ name: String) throws -> (directory: String, ledger: SQLiteLedger) {
    let directory = NSTemporaryDirectory() + "scenarios-\(name)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    return (directory, try SQLiteLedger(path: directory + "/ledger.sqlite", durability: .normal))
}

/// A context whose releases are exact (``ExactReleaser``).
func exactContext(_ ledger: SQLiteLedger, _ directory: String) -> ScenarioContext {
    ScenarioContext(
        ledger: ledger, operator: "tester", runID: "t", outputDirectory: directory, perScenarioDirectories: true,
        progress: { _ in }, releaser: ExactReleaser())
}

/// Limits high enough that contribution bounding drops nothing.
let unbounded = ScenarioOptions(maxPartitionsPerUnit: 100_000, maxContributionsPerPartition: 100_000)

@Suite("Scenarios in the exact test releaser equal direct computations")
struct NoiseFreeScenarioTests {
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
        #expect(FileManager.default.fileExists(atPath: directory + "/health/diabetes_cohort_k5.csv"))
    }
}

@Suite("Scenarios with noise")
struct NoisyScenarioTests {
    @Test("market: the stated 95% intervals cover the true counts at about the stated rate")
    func intervalCoverage() throws {
        let (directory, ledger) = try scratch("coverage")
        let input = try ScenarioRunner.embeddedInput(.market)
        let t = input.table
        let type = try View.strings(t, "record_type", .market)
        let category = try View.strings(t, "category", .market)
        let district = try View.strings(t, "district", .market)
        var truth: [String: Double] = [:]
        for i in 0..<t.rowCount where type[i] == "complaint" { truth[category[i] + "|" + district[i], default: 0] += 1 }
        var covered = 0, total = 0
        for run in 0..<4 {
            let context = ScenarioContext(
                ledger: ledger, operator: "tester", runID: "r\(run)", outputDirectory: directory)
            let report = try ScenarioRunner.run(
                .market, input: input, options: ScenarioOptions(epsilon: 0.5), context: context)
            let section = try #require(report.section("hotspots_category_district"))
            #expect(section.epsilon == 0.25)
            for row in section.rows {
                let value = try #require(
                    truth[row.labels.joined(separator: "|")], "a released key must exist in the data")
                total += 1
                if let l = row.lower, let u = row.upper, l <= value, value <= u { covered += 1 }
            }
        }
        // 95% nominal; with ≈200 cells the rate is ≥ 0.88 except with probability < 1e-4.
        #expect(total > 100)
        #expect(Double(covered) / Double(total) >= 0.88, "coverage \(covered)/\(total)")
    }

    @Test("every release is in the ledger, and a second run beyond the budget is refused")
    func ledgerCharged() throws {
        let (directory, ledger) = try scratch("ledger")
        let context = ScenarioContext(ledger: ledger, operator: "tester", runID: "x", outputDirectory: directory)
        let report = try ScenarioRunner.run(
            .commerce, input: try ScenarioRunner.embeddedInput(.commerce), context: context)
        let history = try ledger.history(operator: "tester", scenario: report.ledgerScenario)
        #expect(history.count == 3)
        #expect(Set(history.map(\.id)) == Set(report.sections.flatMap(\.ledgerEntries)))
        #expect(abs(report.spentEpsilon - 2) < 1e-9)
        // Running again under the same authorisation needs a new grant: refused as already authorised.
        #expect(throws: PrivacyLedgerError.self) {
            try ScenarioRunner.run(.commerce, input: try ScenarioRunner.embeddedInput(.commerce), context: context)
        }
    }

    @Test("an input without a mapped column is refused naming the column, before any release")
    func missingColumn() throws {
        let (directory, ledger) = try scratch("missing")
        let input = try ScenarioRunner.embeddedInput(.transport)
        let broken = ScenarioInput(
            table: try input.table.selecting(["card_id", "origin_district"]), dataset: input.dataset, source: "broken")
        let context = ScenarioContext(ledger: ledger, operator: "tester", runID: "m", outputDirectory: directory)
        #expect(throws: ScenarioError.self) { try ScenarioRunner.run(.transport, input: broken, context: context) }
        #expect(try ledger.history().isEmpty)
    }
}

@Suite("Demo end to end")
struct DemoSmokeTests {
    @Test("all six scenarios write report.json, CSVs, report.html with SVG and index.html")
    func demo() throws {
        let (directory, ledger) = try scratch("demo")
        let context = ScenarioContext(
            ledger: ledger, operator: "demo", runID: "d", outputDirectory: directory, perScenarioDirectories: true)
        var reports: [ScenarioReport] = []
        for kind in ScenarioKind.allCases {
            let report = try ScenarioRunner.run(kind, input: try ScenarioRunner.embeddedInput(kind), context: context)
            try ReportWriter.write(report, to: context.directory(for: kind))
            reports.append(report)
            #expect(report.spentEpsilon <= report.budgetEpsilon + 1e-9)
            let html = try String(contentsOfFile: context.directory(for: kind) + "/report.html", encoding: .utf8)
            #expect(html.contains("<svg"))
            #expect(!html.contains("<script"))
            let json = try Data(contentsOf: URL(fileURLWithPath: context.directory(for: kind) + "/report.json"))
            #expect(try JSONDecoder().decode(ScenarioReport.self, from: json) == report)
            for section in report.sections {
                #expect(FileManager.default.fileExists(atPath: context.directory(for: kind) + "/\(section.id).csv"))
            }
            for file in report.exports {
                #expect(FileManager.default.fileExists(atPath: context.directory(for: kind) + "/" + file))
            }
        }
        try ReportWriter.writeIndex(reports, ledgerPath: directory + "/ledger.sqlite", to: directory, seconds: 1)
        #expect(FileManager.default.fileExists(atPath: directory + "/index.html"))
        #expect(try ledger.history(operator: "demo").count >= 12)
        _ = try ledger.verifyAudit()
    }
}

/// The real datasets the scenario mappings read (``_TestSupport/SharedData``).
enum ScenarioSharedData {
    static var available: Bool {
        [
            SharedData.flights, SharedData.hotels, SharedData.inspections, SharedData.nhanes, SharedData.loans,
            SharedData.covid,
        ]
        .allSatisfy { FileManager.default.fileExists(atPath: $0) }
    }
}

@Suite("Real-data mappings", .enabled(if: ScenarioSharedData.available))
struct RealDataMappingTests {
    @Test("nyc_flights → transport: exact OD counts equal direct counts of flights with air time and tail number")
    func flightsOD() throws {
        let input = try RealDataMapping.nycFlights.input(file: SharedData.flights)
        #expect(input.table.rowCount == 327_346)
        let raw = try CSVReader.load(file: SharedData.flights).table
        let airTime = try raw.column("air_time"), tail = try raw.column("tailnum")
        let origin = try View.strings(raw, "origin", .transport), dest = try View.strings(raw, "dest", .transport)
        var direct: [String: Double] = [:]
        for i in 0..<raw.rowCount where airTime.isValid(i) && tail.isValid(i) {
            direct[origin[i] + "|" + dest[i], default: 0] += 1
        }
        let (directory, ledger) = try scratch("flights")
        let report = try ScenarioRunner.run(
            .transport, input: input, options: unbounded, context: exactContext(ledger, directory))
        let od = try #require(report.section("od_matrix"))
        #expect(od.rows.count == direct.count)
        for row in od.rows { #expect(row.value == direct[row.labels.joined(separator: "|")], "\(row.labels)") }
        let quantiles = try #require(report.section("travel_time_quantiles"))
        #expect(Set(quantiles.rows.map { $0.labels[0] }) == ["EWR", "JFK", "LGA"])
        #expect(quantiles.rows.allSatisfy { $0.value < 720 })
        // OD × hour: keyed on the released pairs × 24 scheduled departure hours.
        let hour = try View.doubles(raw, "hour", .transport)
        var directHour: [String: Double] = [:]
        for i in 0..<raw.rowCount where airTime.isValid(i) && tail.isValid(i) {
            directHour[origin[i] + "|" + dest[i] + "|" + View.hourLabels[Int(hour[i])], default: 0] += 1
        }
        let byHour = try #require(report.section("od_by_hour"))
        #expect(byHour.rows.count == od.rows.count * 24)
        for row in byHour.rows {
            #expect(row.value == directHour[row.labels.joined(separator: "|"), default: 0], "\(row.labels)")
        }
    }

    @Test(
        "nyc_flights → transport with noise and the default per-aircraft bounds: OD × hour is released on the selected pairs"
    )
    func flightsODByHourWithNoise() throws {
        let input = try RealDataMapping.nycFlights.input(file: SharedData.flights)
        let (directory, ledger) = try scratch("flights-noise")
        let context = ScenarioContext(ledger: ledger, operator: "tester", runID: "f", outputDirectory: directory)
        let report = try ScenarioRunner.run(.transport, input: input, context: context)
        let od = try #require(report.section("od_matrix"))
        let byHour = try #require(report.section("od_by_hour"))
        #expect(!od.rows.isEmpty)
        #expect(byHour.rows.count == od.rows.count * 24)
        #expect(byHour.delta == 0)
        #expect(try #require(report.section("trips_by_hour")).rows.count == 24)
    }

    @Test(
        "transport with selected keys on too little data: no OD pair passes, so OD × hour is not released and its ε is not spent"
    )
    func transportNothingSelected() throws {
        // 30 trips of 30 cards: far below the selection threshold at ε = 0.6.
        let start: Int64 = 1_700_000_000
        let table = try Table(columns: [
            try Column("card_id", strings: (0..<30).map { "card\($0)" }),
            try Column("origin_district", strings: Array(repeating: "A", count: 30)),
            try Column("destination_district", strings: Array(repeating: "B", count: 30)),
            try Column(name: "boarding_time", values: .timestamp((0..<30).map { start + Int64($0) * 600 })),
            try Column(name: "alighting_time", values: .timestamp((0..<30).map { start + Int64($0) * 600 + 1_200 })),
        ])
        var input = ScenarioInput(table: table, dataset: "tiny-trips", source: "test", privacyUnit: "card_id")
        input.placeKeys = nil
        input.groupKeys = ["A"]
        let (directory, ledger) = try scratch("tiny")
        let context = ScenarioContext(ledger: ledger, operator: "tester", runID: "n", outputDirectory: directory)
        let report = try ScenarioRunner.run(.transport, input: input, context: context)
        #expect(try #require(report.section("od_matrix")).rows.isEmpty)
        let byHour = try #require(report.section("od_by_hour"))
        #expect(byHour.rows.isEmpty && byHour.epsilon == 0)
        #expect(byHour.note.hasPrefix("Not released"))
        #expect(abs(report.spentEpsilon - 0.7 * report.budgetEpsilon) < 1e-9)
    }

    @Test("a file named after a public dataset is recognised for its scenario only")
    func recognisingFiles() {
        #expect(
            RealDataMapping.recognising(file: "../shared/datasets/nyc_flights/nyc_flights.csv", for: .transport)
                == .nycFlights)
        #expect(RealDataMapping.recognising(file: "nhanes_2017.csv", for: .health) == .nhanes2017)
        #expect(RealDataMapping.recognising(file: "nyc_flights.csv", for: .health) == nil)
        #expect(RealDataMapping.recognising(file: "/data/my_flights.csv", for: .transport) == nil)
        #expect(RealDataMapping.feeding(.transport) == [.nycFlights])
    }

    @Test("restaurant_inspections → market: exact hot spots equal direct counts of score band × chain size")
    func inspectionHotSpots() throws {
        let input = try RealDataMapping.restaurantInspections.input(file: SharedData.inspections)
        let raw = try CSVReader.load(file: SharedData.inspections).table
        let score = try View.doubles(raw, "inspection_score", .market),
            sites = try View.doubles(raw, "NumberofLocations", .market)
        var direct: [String: Double] = [:]
        for i in 0..<raw.rowCount {
            let chain = sites[i] <= 1 ? "single site" : sites[i] < 10 ? "2-9 sites" : "10+ sites"
            direct[RealDataMapping.scoreBand(score[i]) + "|" + chain, default: 0] += 1
        }
        let (directory, ledger) = try scratch("inspections")
        let report = try ScenarioRunner.run(
            .market, input: input, options: unbounded, context: exactContext(ledger, directory))
        let hot = try #require(report.section("hotspots_category_district"))
        #expect(hot.rows.count == direct.count)
        for row in hot.rows { #expect(row.value == direct[row.labels.joined(separator: "|")], "\(row.labels)") }
        #expect(hot.valueName == "records")
    }

    @Test("hotel_bookings → tourism: every booking exported, k-anonymous over the mapped quasi-identifiers")
    func hotelBookingsExport() throws {
        let input = try RealDataMapping.hotelBookings.input(file: SharedData.hotels)
        let (directory, ledger) = try scratch("hotels")
        let context = ScenarioContext(ledger: ledger, operator: "tester", runID: "h", outputDirectory: directory)
        let report = try ScenarioRunner.run(.tourism, input: input, context: context)
        #expect(report.exports == ["hotel_stays_k5.csv"])
        let exported = try CSVReader.load(file: directory + "/hotel_stays_k5.csv").table
        #expect(exported.rowCount == 15_402)
        let qi = try #require(input.hotelQuasiIdentifiers)
        let columns = try qi.map { try View.strings(exported, $0, .tourism) }
        var classes: [String: Int] = [:]
        for i in 0..<exported.rowCount { classes[columns.map { $0[i] }.joined(separator: "\u{1}"), default: 0] += 1 }
        #expect(classes.values.min()! >= 5)
        #expect(try ledger.history(operator: "tester").contains { $0.kind == "export" })
    }

    @Test(
        "covid_testing → health: exact weekly and daily tests equal direct counts; the cohort is every person ever positive"
    )
    func covidTestingCounts() throws {
        let input = try RealDataMapping.covidTesting.input(file: SharedData.covid)
        #expect(input.table.rowCount == 15_524)
        let raw = try CSVReader.load(file: SharedData.covid).table
        let day = try View.doubles(raw, "pan_day", .health), result = try View.strings(raw, "result", .health)
        let drive = try View.doubles(raw, "drive_thru_ind", .health),
            subject = try View.strings(raw, "subject_id", .health)
        var weekly: [String: Double] = [:], daily: [String: Double] = [:], positivePersons = Set<String>()
        for i in 0..<raw.rowCount {
            let week = (Int(day[i]) - 1) / 7 + 1
            weekly[result[i] + "|week " + (week < 10 ? "0" : "") + "\(week)", default: 0] += 1
            let d = String(Int(day[i]))
            daily[
                (drive[i] != 0 ? "drive-thru" : "clinic or ward") + "|" + result[i] + "|day "
                    + String(repeating: "0", count: 3 - d.count) + d,
                default: 0] += 1
            if result[i] == "positive" { positivePersons.insert(subject[i]) }
        }
        let (directory, ledger) = try scratch("covid")
        let report = try ScenarioRunner.run(
            .health, input: input, options: unbounded, context: exactContext(ledger, directory))
        #expect(
            try #require(report.section("weekly_alerts")).rows.map(\.labels)
                == (1...16).map { ["week " + ($0 < 10 ? "0" : "") + "\($0)", "positive"] })
        let series = try #require(report.section("weekly_tests"))
        #expect(series.rows.count == 3 * 16)
        for row in series.rows {
            #expect(row.value == weekly[row.labels.reversed().joined(separator: "|"), default: 0], "\(row.labels)")
        }
        #expect(series.rows.reduce(0) { $0 + $1.value } == 15_524)
        let days = try #require(report.section("daily_counts"))
        #expect(days.rows.count == 2 * 3 * 112)
        for row in days.rows {
            #expect(row.value == daily[row.labels.joined(separator: "|"), default: 0], "\(row.labels)")
        }
        // Weekly positivity is positives over all tests of the week.
        let rates = try #require(report.section("weekly_positivity"))
        for row in rates.rows {
            let week = row.labels[0]
            let total = ["positive", "negative", "invalid"].map { weekly[$0 + "|" + week, default: 0] }.reduce(0, +)
            #expect(abs(row.value - 100 * weekly["positive|" + week, default: 0] / total) < 1e-9, "\(week)")
        }
        let cohort = try #require(report.section("cohort_export"))
        #expect(cohort.rows.first { $0.labels == ["persons exported"] }?.value == Double(positivePersons.count))
        #expect(positivePersons.count == 790)
    }

    @Test(
        "covid_testing → health with noise: the whole budget is charged through the ledger and the positivity model is fitted"
    )
    func covidTestingWithNoise() throws {
        let input = try RealDataMapping.covidTesting.input(file: SharedData.covid)
        let (directory, ledger) = try scratch("covid-noise")
        let context = ScenarioContext(ledger: ledger, operator: "tester", runID: "c", outputDirectory: directory)
        let report = try ScenarioRunner.run(.health, input: input, context: context)
        #expect(abs(report.spentEpsilon - report.budgetEpsilon) < 1e-9)
        let model = try #require(report.section("risk_model"))
        #expect(model.rows.map { $0.labels[0] }.prefix(4) == ["intercept", "age", "male", "drive_thru"])
        #expect(model.rows.allSatisfy { $0.value.isFinite })
        #expect(try #require(report.section("weekly_alerts")).rows.count == 16)
        #expect(try #require(report.section("weekly_tests")).rows.count == 48)
    }

    @Test("the early-warning rule alerts on a jump beyond the previous four weeks and the noise")
    func earlyWarningRule() {
        let flat = [50.0, 52, 48, 50, 51, 49, 50]
        #expect(ScenarioRunner.earlyWarningAlerts(flat, noiseSD: 2) == Array(repeating: false, count: 7))
        let jump = [50.0, 52, 48, 50, 80, 50]
        #expect(ScenarioRunner.earlyWarningAlerts(jump, noiseSD: 2) == [false, false, false, false, true, false])
        // The same jump inside the noise does not alert.
        #expect(ScenarioRunner.earlyWarningAlerts(jump, noiseSD: 20) == Array(repeating: false, count: 6))
    }

    @Test("nhanes_2017 → health: exact persons per age band × sex × hypertension × diabetes equal direct counts")
    func nhanesCounts() throws {
        let input = try RealDataMapping.nhanes2017.input(file: SharedData.nhanes)
        #expect(input.table.rowCount == 5_243)
        // Direct computation from the raw survey: adults with a systolic and a non-zero diastolic
        // reading and a diabetes answer; hypertension by the mean readings ≥ 140 / ≥ 90 mm Hg.
        let raw = try CSVReader.load(file: SharedData.nhanes).table
        let age = try raw.column("AgeInYearsAtScreening"), answer = try raw.column("DoctorToldYouHaveDiabetes")
        let ages = try View.doubles(raw, "AgeInYearsAtScreening", .health),
            answers = try View.strings(raw, "DoctorToldYouHaveDiabetes", .health)
        let gender = try View.strings(raw, "Gender", .health)
        func readings(_ prefix: String) throws -> [[Double?]] {
            try ["1St", "2Nd", "3Rd"].map { r in
                let column = try raw.column("\(prefix)BloodPres\(r)RdgMmHg"),
                    values = try View.doubles(raw, column.name, .health)
                return (0..<raw.rowCount).map { column.isValid($0) ? values[$0] : nil }
            }
        }
        let systolic = try readings("Systolic"), diastolic = try readings("Diastolic")
        var direct: [String: Double] = [:], persons = 0
        for i in 0..<raw.rowCount where age.isValid(i) && ages[i] >= 18 && answer.isValid(i) {
            let s = systolic.compactMap { $0[i] }, d = diastolic.compactMap { $0[i] }.filter { $0 > 0 }
            guard !s.isEmpty, !d.isEmpty else { continue }
            let high = s.reduce(0, +) / Double(s.count) >= 140 || d.reduce(0, +) / Double(d.count) >= 90
            let a = Int(ages[i])
            let band =
                a < 30 ? "18-29" : a < 40 ? "30-39" : a < 50 ? "40-49" : a < 60 ? "50-59" : a < 70 ? "60-69" : "70-80"
            let key = [band, gender[i] == "Male" ? "M" : "F", high ? "yes" : "no", answers[i] == "1" ? "yes" : "no"]
                .joined(separator: "|")
            direct[key, default: 0] += 1
            persons += 1
        }
        #expect(persons == 5_243)
        let (directory, ledger) = try scratch("nhanes")
        let report = try ScenarioRunner.run(
            .health, input: input, options: unbounded, context: exactContext(ledger, directory))
        let counts = try #require(report.section("persons_by_risk_factors"))
        #expect(counts.rows.count == 48)
        for row in counts.rows {
            #expect(row.value == direct[row.labels.joined(separator: "|"), default: 0], "\(row.labels)")
        }
        #expect(counts.rows.map(\.value).reduce(0, +) == 5_243)
        #expect(report.section("weekly_alerts") == nil && report.section("daily_counts") == nil)
        // Prevalence rises with age among the normotensive (a property of the real data).
        let prevalence = try #require(report.section("diabetes_prevalence")).rows.filter {
            $0.labels[1] == "hypertension no"
        }.map(\.value)
        #expect(prevalence.count == 6 && prevalence.first! < prevalence.last!)
        #expect(report.exports == ["diabetes_cohort_k5.csv"])
        let cohort = try CSVReader.load(file: directory + "/health/diabetes_cohort_k5.csv").table
        #expect(Double(cohort.rowCount) == direct.filter { $0.key.hasSuffix("|yes") }.values.reduce(0, +))
    }

    @Test("lendingclub_loans → finance: exact SecAgg segment × score and score × default counts equal direct counts")
    func lendingClubScores() throws {
        let input = try RealDataMapping.lendingClubLoans.input(file: SharedData.loans)
        let raw = try CSVReader.load(file: SharedData.loans).table
        let liens = try View.doubles(raw, "tax_liens", .finance),
            bankrupt = try View.doubles(raw, "public_record_bankrupt", .finance)
        let delinquent = try View.doubles(raw, "delinq_2y", .finance),
            collections = try View.doubles(raw, "total_collection_amount_ever", .finance)
        let grade = try View.strings(raw, "grade", .finance), term = try View.doubles(raw, "term", .finance)
        let status = try View.strings(raw, "loan_status", .finance)
        var bySegment: [String: Double] = [:], byDefault: [String: Double] = [:]
        for i in 0..<raw.rowCount {
            let score =
                (liens[i] >= 1 ? 1 : 0) + (bankrupt[i] >= 1 ? 1 : 0) + (delinquent[i] >= 1 ? 1 : 0)
                + (collections[i] > 0 ? 1 : 0)
            bySegment["\(grade[i]) \(Int(term[i]))m|\(score)", default: 0] += 1
            let late = ["In Grace Period", "Late (16-30 days)", "Late (31-120 days)", "Charged Off"].contains(status[i])
            byDefault["\(score)|" + (late ? "default" : "no_default"), default: 0] += 1
        }
        #expect(byDefault.filter { $0.key.hasSuffix("|default") }.values.reduce(0, +) == 178)
        let (directory, ledger) = try scratch("loans")
        let report = try ScenarioRunner.run(
            .finance, input: input, options: unbounded, context: exactContext(ledger, directory))
        let segments = try #require(report.section("industry_risk_score"))
        #expect(
            segments.rows.count == 14 * 5 && segments.labelNames == ["grade_term", "risk_score"]
                && segments.valueName == "loans")
        for row in segments.rows {
            #expect(row.value == bySegment[row.labels.joined(separator: "|"), default: 0], "\(row.labels)")
        }
        let defaults = try #require(report.section("score_default"))
        #expect(defaults.rows.count == 10)
        for row in defaults.rows {
            #expect(row.value == byDefault[row.labels.joined(separator: "|"), default: 0], "\(row.labels)")
        }
        #expect(report.inputSizes == [.notPublished("loans")])  // not declared public by the steward
    }
}

@Suite("Finance and tourism in the exact test releaser")
struct NoiseFreeFinanceTourismTests {
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
        let exported = try CSVReader.load(file: directory + "/tourism/hotel_stays_k5.csv").table
        #expect(exported.rowCount == 8_000)
        #expect(!exported.columnNames.contains("guest_id"))
        let qi = ["hotel_district", "age_band", "sex", "origin_province", "check_in_month"]
        let columns = try qi.map { try View.strings(exported, $0, .tourism) }
        var classes: [String: Int] = [:]
        for i in 0..<exported.rowCount { classes[columns.map { $0[i] }.joined(separator: "\u{1}"), default: 0] += 1 }
        #expect(classes.values.min()! >= 5)
    }
}

@Suite("Interval coverage of DP sums")
struct SumCoverageTests {
    @Test("commerce: 95% intervals of footfall per district cover the exact clamped sums at about the stated rate")
    func footfallCoverage() throws {
        let (directory, ledger) = try scratch("sum-coverage")
        let input = try ScenarioRunner.embeddedInput(.commerce)
        let district = try View.strings(input.table, "district", .commerce)
        let footfall = try View.doubles(input.table, "footfall", .commerce)
        var truth: [String: Double] = [:]
        for i in 0..<input.table.rowCount { truth[district[i], default: 0] += min(footfall[i], 250_000) }
        var covered = 0, total = 0
        for run in 0..<8 {
            let context = ScenarioContext(
                ledger: ledger, operator: "tester", runID: "c\(run)", outputDirectory: directory)
            let report = try ScenarioRunner.run(
                .commerce, input: input, options: ScenarioOptions(epsilon: 0.5), context: context)
            for row in try #require(report.section("footfall_by_district")).rows {
                total += 1
                let value = try #require(truth[row.labels[0]])
                if let l = row.lower, let u = row.upper, l <= value, value <= u { covered += 1 }
                #expect(row.value != value, "noise must have been added")
            }
        }
        // 104 cells at 95%: below 0.86 with probability < 1e-3.
        #expect(Double(covered) / Double(total) >= 0.86, "coverage \(covered)/\(total)")
    }
}
