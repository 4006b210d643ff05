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

    /// nhanes_2017 (NHANES 2017–2018, 8,366 participants, CDC/NCHS) → health, person-level:
    /// adults (`AgeInYearsAtScreening` ≥ 18, top-coded 80 by NCHS) with at least one systolic and
    /// one non-zero diastolic reading and an answer to `DoctorToldYouHaveDiabetes`. `SEQN` →
    /// `person_id` (privacy unit, one row each), `AgeInYearsAtScreening` → `age` and `age_band`
    /// (18-29, 30-39, …, 70-80), `Gender` → `sex` (M/F), `RacehispanicOrigin` →
    /// `race_ethnicity`, `CoveredByHealthInsurance` → `insurance` (insured / uninsured /
    /// unknown), `hypertension` ← mean of the available systolic readings (`SystolicBloodPres1St…3Rd`)
    /// ≥ 140 mm Hg or mean non-zero diastolic reading ≥ 90 mm Hg (measured, JNC 7 stage 1; the
    /// survey's self-reported BPQ component is not in this build), `diabetes` ← doctor-diagnosed
    /// (`1`; `0` and `Borderline` → 0). NHANES has no dates or geography: the outbreak early
    /// warning is not run; the report gives DP persons per age band × sex × hypertension ×
    /// diabetes, diabetes prevalence by age band × hypertension, the DP risk model, and the
    /// k-anonymous diabetic cohort over (age, sex, race_ethnicity). Unweighted (no survey weights).
    case nhanes2017 = "nhanes_2017"

    /// covid_testing (15,524 SARS-CoV-2 PCR tests of 12,344 subjects at Children's Hospital of
    /// Philadelphia, pandemic days 4–107 of 2020, de-identified and time-shifted upstream) →
    /// health, test-level: `subject_id` → `person_id` (privacy unit; a person may be tested
    /// several times), `pan_day` → `day` (public period days 1–112, 16 weeks), `drive_thru_ind` →
    /// `site` ("drive-thru" / "clinic or ward") and `drive_thru`, `result` → `result` (positive,
    /// negative, invalid) and `positive`, `age` (anonymised upstream; a few values above 100),
    /// `gender` → `sex` (M/F), `demo_group`, `patient_class` and `payor_group` (missing →
    /// "unknown"). The report watches positive tests week by week with the early-warning rule,
    /// gives the weekly positivity and daily tests per site × result, fits the DP positivity
    /// model (ever positive ~ age + male + drive-thru, one row per person) and exports the
    /// persons who tested positive k-anonymised over (age, sex, demo_group). Fake names are
    /// never read.
    case covidTesting = "covid_testing"

    /// lendingclub_loans (10,000 Lending Club loans issued Q1 2018) → finance: each loan is a row
    /// (its own privacy unit); four parties each hold one column and raise a public 0/1 flag —
    /// tax authority `tax_liens` ≥ 1, courts `public_record_bankrupt` ≥ 1, credit bureau
    /// `delinq_2y` ≥ 1, collection agencies `total_collection_amount_ever` > 0 — summed by
    /// SecAgg; `industry` ← loan segment `grade` + `term` ("A 36m" … "G 60m", 14 public keys);
    /// `default_flag` ← `loan_status` delinquent or charged off at the data snapshot
    /// ("In Grace Period", "Late (16-30 days)", "Late (31-120 days)", "Charged Off"; 178 loans).
    case lendingClubLoans = "lendingclub_loans"

    /// The mapping a file is recognised as, for a scenario: the one whose name is the file's
    /// name without its directory and extension (`…/nyc_flights.csv` → ``nycFlights``) and
    /// which feeds `scenario`; `nil` otherwise.
    public static func recognising(file: String, for scenario: ScenarioKind) -> RealDataMapping? {
        let name = file.split(separator: "/").last.map(String.init) ?? file
        let stem = name.split(separator: ".", maxSplits: 1).first.map(String.init) ?? name
        guard let mapping = RealDataMapping(rawValue: stem), mapping.scenario == scenario else { return nil }
        return mapping
    }

    /// The mappings that feed `scenario`.
    public static func feeding(_ scenario: ScenarioKind) -> [RealDataMapping] {
        allCases.filter { $0.scenario == scenario }
    }

    /// The scenario this mapping feeds.
    public var scenario: ScenarioKind {
        switch self {
        case .nycFlights: .transport
        case .hotelBookings: .tourism
        case .restaurantInspections: .market
        case .nhanes2017, .covidTesting: .health
        case .lendingClubLoans: .finance
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
        case .nhanes2017: return try Self.nhanes2017(file: file)
        case .covidTesting: return try Self.covidTesting(file: file)
        case .lendingClubLoans: return try Self.lendingClubLoans(file: file)
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
            && hour.isValid(i) && minute.isValid(i)
        {
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
        var input = ScenarioInput(
            table: table, dataset: ScenarioRunner.datasetName(file),
            source: "\(file) (nyc_flights mapping: flights with air time and tail number)",
            privacyUnit: "tailnum")
        input.datasetRowCount = flights.rowCount  // the file's size, not the mapped subset's
        input.placeKeys = nil
        input.groupKeys = ["EWR", "JFK", "LGA"]
        input.travelMinutesBound = 720
        return input
    }

    static func hotelBookings(file: String) throws -> ScenarioInput {
        let kind = ScenarioKind.tourism
        var input = try ScenarioRunner.embeddedInput(.tourism)
        let bookings = try CSVReader.load(file: file).table
        let countryColumn = try View.column(bookings, "country", kind)
        let country = try View.strings(bookings, "country", kind)
        let arrival = try View.days(bookings, "arrival_date", kind)
        let weekend = try View.doubles(bookings, "stays_in_weekend_nights", kind),
            week = try View.doubles(bookings, "stays_in_week_nights", kind)
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
        input.secondDataset = ScenarioRunner.datasetName(file)
        input.secondDatasetRowCount = n
        input.hotelQuasiIdentifiers = [
            "origin_province", "check_in_month", "guests", "market_segment", "customer_type",
        ]
        input.source += "; hotel stays: \(file) (hotel_bookings mapping)"
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
            try Column(
                "district", strings: locations.map { $0 <= 1 ? "single site" : $0 < 10 ? "2-9 sites" : "10+ sites" }),
        ])
        return ScenarioInput(
            table: table, dataset: ScenarioRunner.datasetName(file),
            source: "\(file) (restaurant_inspections mapping: score band × chain size, establishment as privacy unit)",
            privacyUnit: "business_name")
    }

    /// The public score bands of the restaurant_inspections mapping.
    static func scoreBand(_ score: Double) -> String {
        score < 80 ? "score <80" : score < 90 ? "score 80-89" : score < 96 ? "score 90-95" : "score 96-100"
    }

    /// The public age bands of the nhanes_2017 mapping (adults; age top-coded at 80).
    static let nhanesAgeBands = ["18-29", "30-39", "40-49", "50-59", "60-69", "70-80"]

    /// The age band of an adult's age.
    static func nhanesAgeBand(_ age: Int) -> String {
        age < 30 ? "18-29" : age >= 70 ? "70-80" : "\(age / 10 * 10)-\(age / 10 * 10 + 9)"
    }

    /// Measured hypertension (JNC 7 stage 1) from up to three readings each; `nil` without a
    /// systolic and a non-zero diastolic reading. A diastolic 0 is NHANES' "not audible".
    static func nhanesHypertension(systolic: [Double], diastolic: [Double]) -> Bool? {
        let d = diastolic.filter { $0 > 0 }
        guard !systolic.isEmpty, !d.isEmpty else { return nil }
        let meanSystolic = systolic.reduce(0, +) / Double(systolic.count),
            meanDiastolic = d.reduce(0, +) / Double(d.count)
        return meanSystolic >= 140 || meanDiastolic >= 90
    }

    static func nhanes2017(file: String) throws -> ScenarioInput {
        let kind = ScenarioKind.health
        let survey = try CSVReader.load(file: file).table
        let seqn = try View.strings(survey, "SEQN", kind)
        let ageColumn = try View.column(survey, "AgeInYearsAtScreening", kind)
        let age = try View.doubles(survey, "AgeInYearsAtScreening", kind)
        let gender = try View.strings(survey, "Gender", kind),
            race = try View.strings(survey, "RacehispanicOrigin", kind)
        let insuredColumn = try View.column(survey, "CoveredByHealthInsurance", kind)
        let insured = try View.doubles(survey, "CoveredByHealthInsurance", kind)
        let diabetesColumn = try View.column(survey, "DoctorToldYouHaveDiabetes", kind)
        let diabetesText = try View.strings(survey, "DoctorToldYouHaveDiabetes", kind)
        let readings = ["1St", "2Nd", "3Rd"]
        let systolicColumns = try readings.map { try View.column(survey, "SystolicBloodPres\($0)RdgMmHg", kind) }
        let systolic = try readings.map { try View.doubles(survey, "SystolicBloodPres\($0)RdgMmHg", kind) }
        let diastolicColumns = try readings.map { try View.column(survey, "DiastolicBloodPres\($0)RdgMmHg", kind) }
        let diastolic = try readings.map { try View.doubles(survey, "DiastolicBloodPres\($0)RdgMmHg", kind) }
        var keep: [Int] = [], hypertensive: [Int64] = []
        for i in 0..<survey.rowCount where ageColumn.isValid(i) && age[i] >= 18 && diabetesColumn.isValid(i) {
            let s = (0..<3).filter { systolicColumns[$0].isValid(i) }.map { systolic[$0][i] }
            let d = (0..<3).filter { diastolicColumns[$0].isValid(i) }.map { diastolic[$0][i] }
            guard let h = nhanesHypertension(systolic: s, diastolic: d) else { continue }
            keep.append(i)
            hypertensive.append(h ? 1 : 0)
        }
        let table = try Table(columns: [
            try Column("person_id", strings: keep.map { seqn[$0] }),
            try Column("age", int64: keep.map { Int64(age[$0]) }),
            try Column("age_band", strings: keep.map { nhanesAgeBand(Int(age[$0])) }),
            try Column(
                "sex", strings: keep.map { gender[$0] == "Male" ? "M" : gender[$0] == "Female" ? "F" : gender[$0] }),
            try Column("race_ethnicity", strings: keep.map { race[$0] }),
            try Column(
                "insurance",
                strings: keep.map {
                    insuredColumn.isValid($0) ? (insured[$0] != 0 ? "insured" : "uninsured") : "unknown"
                }),
            try Column("hypertension", int64: hypertensive),
            try Column("diabetes", int64: keep.map { diabetesText[$0] == "1" ? 1 : 0 }),
        ])
        var input = ScenarioInput(
            table: table, dataset: ScenarioRunner.datasetName(file),
            source:
                "\(file) (nhanes_2017 mapping: participants aged ≥ 18 with blood-pressure readings and a diabetes answer)",
            privacyUnit: "person_id")
        input.datasetRowCount = survey.rowCount  // the file's size, not the mapped subset's
        input.healthSurvey = HealthSurveyMapping(
            ageBands: nhanesAgeBands, cohortQuasiIdentifiers: ["age", "sex", "race_ethnicity"],
            cohortKept: ["insurance", "hypertension"],
            definitions:
                "NHANES 2017–2018 adults, unweighted. Hypertension: mean measured systolic ≥ 140 or diastolic ≥ 90 mm Hg; diabetes: doctor-diagnosed (borderline counted as no)."
        )
        return input
    }

    /// The public test sites and results of the covid_testing mapping.
    static let covidSites = ["drive-thru", "clinic or ward"]
    static let covidResults = ["positive", "negative", "invalid"]

    static func covidTesting(file: String) throws -> ScenarioInput {
        let kind = ScenarioKind.health
        let raw = try CSVReader.load(file: file).table
        let subject = try View.strings(raw, "subject_id", kind)
        let day = try View.doubles(raw, "pan_day", kind), age = try View.doubles(raw, "age", kind)
        let drive = try View.doubles(raw, "drive_thru_ind", kind)
        let result = try View.strings(raw, "result", kind), gender = try View.strings(raw, "gender", kind)
        let demo = try View.strings(raw, "demo_group", kind)
        let patientClassColumn = try View.column(raw, "patient_class", kind),
            payorColumn = try View.column(raw, "payor_group", kind)
        let patientClass = try View.strings(raw, "patient_class", kind),
            payor = try View.strings(raw, "payor_group", kind)
        for name in ["subject_id", "pan_day", "age", "drive_thru_ind", "result", "gender"] {
            let column = try View.column(raw, name, kind)
            guard column.nullCount == 0 else {
                throw ScenarioError.invalidParameter(
                    name: "column \(name)", value: "missing values",
                    reason: "the covid_testing mapping needs it on every test")
            }
        }
        let n = raw.rowCount
        let table = try Table(columns: [
            try Column("person_id", strings: subject),
            try Column("day", int64: day.map { Int64($0) }),
            try Column("site", strings: drive.map { $0 != 0 ? covidSites[0] : covidSites[1] }),
            try Column("result", strings: result),
            try Column("age", float64: age),
            try Column("sex", strings: gender.map { $0 == "male" ? "M" : $0 == "female" ? "F" : $0 }),
            try Column("positive", int64: result.map { $0 == "positive" ? 1 : 0 }),
            try Column("drive_thru", int64: drive.map { $0 != 0 ? 1 : 0 }),
            try Column("demo_group", strings: demo),
            try Column(
                "patient_class", strings: (0..<n).map { patientClassColumn.isValid($0) ? patientClass[$0] : "unknown" }),
            try Column("payor_group", strings: (0..<n).map { payorColumn.isValid($0) ? payor[$0] : "unknown" }),
        ])
        var input = ScenarioInput(
            table: table, dataset: ScenarioRunner.datasetName(file),
            source: "\(file) (covid_testing mapping: PCR tests, subject as privacy unit)",
            privacyUnit: "person_id")
        input.healthTesting = HealthTestingMapping(
            firstDay: 1, lastDay: 112, sites: covidSites, results: covidResults,
            cohortQuasiIdentifiers: ["age", "sex", "demo_group"], cohortKept: ["patient_class", "payor_group"],
            definitions:
                "Data: SARS-CoV-2 PCR tests at CHOP, 2020, de-identified and time-shifted upstream (days are days since the start of the pandemic)."
        )
        return input
    }

    /// The loan statuses counted as default by the lendingclub_loans mapping.
    static let lendingClubDefaultStatuses: Set<String> = [
        "In Grace Period", "Late (16-30 days)", "Late (31-120 days)", "Charged Off",
    ]

    /// The public segment keys of the lendingclub_loans mapping: grade × term.
    static let lendingClubSegments: [String] = ["A", "B", "C", "D", "E", "F", "G"].flatMap { g in
        ["36", "60"].map { "\(g) \($0)m" }
    }

    /// The four parties of the lendingclub_loans mapping and their public flag rules.
    static let lendingClubDepartments: [ScenarioRunner.DepartmentFlag] = [
        ScenarioRunner.DepartmentFlag(
            party: 1, department: "tax authority", column: "tax_liens", rule: "≥ 1 tax lien", flag: { $0 >= 1 }),
        ScenarioRunner.DepartmentFlag(
            party: 2, department: "courts", column: "public_record_bankrupt", rule: "≥ 1 bankruptcy on record",
            flag: { $0 >= 1 }),
        ScenarioRunner.DepartmentFlag(
            party: 3, department: "credit bureau", column: "delinq_2y", rule: "≥ 1 delinquency in 2 years",
            flag: { $0 >= 1 }),
        ScenarioRunner.DepartmentFlag(
            party: 4, department: "collection agencies", column: "total_collection_amount_ever",
            rule: "any amount ever in collections", flag: { $0 > 0 }),
    ]

    static func lendingClubLoans(file: String) throws -> ScenarioInput {
        let kind = ScenarioKind.finance
        let loans = try CSVReader.load(file: file).table
        let grade = try View.strings(loans, "grade", kind), term = try View.doubles(loans, "term", kind)
        let status = try View.strings(loans, "loan_status", kind)
        var columns = try lendingClubDepartments.map { try View.column(loans, $0.column, kind) }
        for column in columns where column.nullCount > 0 {
            throw ScenarioError.invalidParameter(
                name: "column \(column.name)", value: "missing values",
                reason: "each party's flag column must be complete in the lendingclub_loans mapping")
        }
        columns.append(try Column("industry", strings: (0..<loans.rowCount).map { "\(grade[$0]) \(Int(term[$0]))m" }))
        columns.append(
            try Column("default_flag", int64: status.map { lendingClubDefaultStatuses.contains($0) ? 1 : 0 }))
        var input = ScenarioInput(
            table: try Table(columns: columns), dataset: ScenarioRunner.datasetName(file),
            source:
                "\(file) (lendingclub_loans mapping: one row per loan; segment grade × term; default = delinquent or charged off)"
        )
        input.financeMapping = FinanceMapping(
            departments: lendingClubDepartments, segmentName: "grade_term", segments: lendingClubSegments,
            unit: "loans", unitSingular: "loan", outcome: "delinquent or charged off at the Q1 2018 snapshot")
        return input
    }
}
