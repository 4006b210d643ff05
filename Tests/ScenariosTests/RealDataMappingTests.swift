import Foundation
import PrivacyLedger
@testable import ReportRendering
@testable import Scenarios
import Tabular
import Testing
import _TestSupport

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
        let context = ScenarioContext(throwawayLedger: ledger, operator: "tester", runID: "f", outputDirectory: directory)
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
        let context = ScenarioContext(throwawayLedger: ledger, operator: "tester", runID: "n", outputDirectory: directory)
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
        let context = ScenarioContext(throwawayLedger: ledger, operator: "tester", runID: "h", outputDirectory: directory)
        let report = try ScenarioRunner.run(.tourism, input: input, context: context)
        #expect(report.exports == [try ledger.exportArea() + "/tourism-h-1/hotel_stays_k5.csv"])
        let exported = try CSVReader.load(file: try #require(report.exports.first)).table
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
        let context = ScenarioContext(throwawayLedger: ledger, operator: "tester", runID: "c", outputDirectory: directory)
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
        #expect(report.exports.first?.hasSuffix("/diabetes_cohort_k5.csv") == true)
        let cohort = try CSVReader.load(file: try #require(report.exports.first)).table
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
