import Testing
@testable import Datasets
import Tabular

/// Strings of a categorical column, row by row.
func strings(_ table: Table, _ name: String) throws -> [String] {
    let (codes, dictionary) = try table.column(name).categoricalValues()
    return codes.map { dictionary[Int($0)] }
}

func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }

@Suite("Plausibility")
struct PlausibilityTests {
    static let realDistricts: Set<String> = [
        "Shangcheng", "Gongshu", "Xihu", "Binjiang", "Xiaoshan", "Yuhang", "Linping",
        "Qiantang", "Fuyang", "Lin'an", "Tonglu", "Chun'an", "Jiande",
    ]

    @Test("every district column holds only Hangzhou's 13 real districts and counties", arguments: Domain.allCases)
    func districtsAreReal(domain: Domain) throws {
        let table = try DatasetGenerator(domain: domain, seed: 5, totalRows: 3_000).rows(0..<3_000)
        let districtColumns = table.columnNames.filter { $0.hasSuffix("district") }
        #expect(!districtColumns.isEmpty)
        for name in districtColumns {
            let values = Set(try strings(table, name))
            #expect(values.isSubset(of: Self.realDistricts), "\(name): \(values.subtracting(Self.realDistricts))")
        }
        #expect(Set(Hangzhou.districtNames) == Self.realDistricts)
    }

    @Test("transport: fare and duration increase with distance; weekday rush hours peak; cards recur")
    func transport() throws {
        let t = try DatasetGenerator(domain: .transport, seed: 11, totalRows: 40_000).rows(0..<40_000)
        let km = try t.column("distance_km").float64Values()
        let fare = try t.column("fare").float64Values()
        let board = try t.column("boarding_time").timestampValues()
        let alight = try t.column("alighting_time").timestampValues()
        let origin = try strings(t, "origin_district"), destination = try strings(t, "destination_district")
        func fares(_ r: ClosedRange<Double>) -> [Double] { zip(km, fare).filter { r.contains($0.0) }.map(\.1) }
        let short = mean(fares(0...8)), medium = mean(fares(15...30)), long = mean(fares(40...500))
        #expect(short < medium && medium < long, "fares \(short) \(medium) \(long)")
        let minutes = zip(board, alight).map { Double($1 - $0) / 60 }
        #expect(minutes.allSatisfy { $0 > 0 })
        let sameDistrict = mean(zip(zip(origin, destination), minutes).filter { $0.0.0 == $0.0.1 }.map(\.1))
        let crossCounty = mean(
            zip(zip(origin, destination), minutes).filter {
                $0.0.0 != $0.0.1 && ["Chun'an", "Jiande", "Tonglu"].contains($0.0.1)
            }.map(\.1))
        #expect(sameDistrict < crossCounty)
        // Weekday 8 h vs 12 h, weekend vs weekday volume per day.
        var weekdayHour = [Int](repeating: 0, count: 24), weekendTrips = 0, weekdayTrips = 0
        for s in board {
            let day = Int(s / 86_400)
            if Hangzhou.isOffDay(day) {
                weekendTrips += 1
            } else {
                weekdayTrips += 1
                weekdayHour[Int(s % 86_400) / 3600] += 1
            }
        }
        #expect(weekdayHour[8] > 2 * weekdayHour[12])
        #expect(weekdayHour[18] > 2 * weekdayHour[12])
        #expect(Double(weekendTrips) / 118 < Double(weekdayTrips) / 248)  // per-day volume (2024: 248 workdays approx.)
        let cards = try strings(t, "card_id")
        let perCard = Dictionary(cards.map { ($0, 1) }, uniquingKeysWith: +)
        #expect(perCard.count < cards.count / 2)
        #expect(perCard.values.max()! >= 30)
        #expect(cards.allSatisfy { $0.count == 13 && $0.hasPrefix("C") })
    }

    @Test("health: chronic prevalence rises with age; respiratory share higher in January than July")
    func health() throws {
        let t = try DatasetGenerator(domain: .health, seed: 13, totalRows: 40_000).rows(0..<40_000)
        let age = try t.column("age").int64Values()
        let hyp = try t.column("hypertension").boolValues()
        let diab = try t.column("diabetes").boolValues()
        func rate(_ flags: [Bool], _ keep: (Int64) -> Bool) -> Double {
            let selected = zip(age, flags).filter { keep($0.0) }
            return Double(selected.filter(\.1).count) / Double(max(selected.count, 1))
        }
        #expect(rate(hyp) { $0 >= 60 } > 3 * rate(hyp) { $0 < 40 })
        #expect(rate(diab) { $0 >= 60 } > 2 * rate(diab) { $0 < 40 })
        let chapter = try strings(t, "icd_chapter")
        let dates = try t.column("visit_date").dateValues()
        func respiratoryShare(month: Int) -> Double {
            let inMonth = zip(dates, chapter).filter { CalendarCodec.civil(days: Int($0.0)).month == month }
            return Double(inMonth.filter { $0.1.hasPrefix("J00-J99") }.count) / Double(inMonth.count)
        }
        #expect(respiratoryShare(month: 1) > 1.5 * respiratoryShare(month: 7))
        let cost = try t.column("cost_yuan").float64Values()
        let chronicCost = mean(zip(cost, zip(hyp, diab)).filter { $0.1.0 || $0.1.1 }.map(\.0))
        let otherCost = mean(zip(cost, zip(hyp, diab)).filter { !$0.1.0 && !$0.1.1 }.map(\.0))
        #expect(chronicCost > otherCost)
        #expect(Set(try strings(t, "insurance")) == Set(HealthModel.insuranceTypes))
    }

    @Test("finance: default rate higher in the top decile of court cases; credit codes well-formed")
    func finance() throws {
        let t = try DatasetGenerator(domain: .finance, seed: 17, totalRows: 30_000).rows(0..<30_000)
        let cases = try t.column("court_cases").int64Values()
        let defaults = try t.column("default_flag").boolValues()
        let order = cases.indices.sorted { cases[$0] > cases[$1] }
        let top = order.prefix(cases.count / 10), rest = order.dropFirst(cases.count / 10)
        let topRate = Double(top.filter { defaults[$0] }.count) / Double(top.count)
        let restRate = Double(rest.filter { defaults[$0] }.count) / Double(rest.count)
        #expect(topRate > 1.5 * restRate, "top \(topRate) rest \(restRate)")
        let overall = Double(defaults.filter { $0 }.count) / Double(defaults.count)
        #expect(overall > 0.02 && overall < 0.15)
        let tax = try t.column("tax_paid_10k_yuan").float64Values()
        let zeroTaxRate =
            Double(zip(tax, defaults).filter { $0.0 == 0 && $0.1 }.count) / Double(tax.filter { $0 == 0 }.count)
        #expect(zeroTaxRate > overall)
        let codes = try strings(t, "credit_code")
        #expect(Set(codes).count == codes.count)
        let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
        for code in codes.prefix(500) {
            let chars = Array(code)
            #expect(chars.count == 18 && code.hasPrefix("913301"))
            let sum = (0..<17).reduce(0) { $0 + alphabet.firstIndex(of: chars[$1])! * weights[$1] }
            #expect(alphabet[(31 - sum % 31) % 31] == chars[17])
        }
    }

    @Test("commerce: a complete daily grid; malls busier at weekends; holidays flagged")
    func commerce() throws {
        let t = try DatasetGenerator(domain: .commerce, seed: 19, totalRows: 78 * 366).rows(0..<(78 * 366))
        let dates = try t.column("date").dateValues()
        let type = try strings(t, "business_type"), footfall = try t.column("footfall").int64Values()
        #expect(Set(dates).count == 366)
        #expect(
            CalendarCodec.formatDate(days: dates.first!) == "2024-01-01"
                && CalendarCodec.formatDate(days: dates.last!) == "2024-12-31")
        var weekend = [Double](), weekday = [Double]()
        for i in dates.indices where type[i] == "shopping_mall" && !Hangzhou.isHoliday(Int(dates[i])) {
            (Hangzhou.weekday(Int(dates[i])) >= 5
                ? { weekend.append(Double(footfall[i])) } : { weekday.append(Double(footfall[i])) })()
        }
        #expect(mean(weekend) > 1.3 * mean(weekday))
        let holiday = try t.column("is_holiday").boolValues()
        #expect(holiday.filter { $0 }.count == 78 * 28)  // 28 statutory holiday days in the 2024 model calendar
        let sales = try t.column("sales_yuan").float64Values()
        #expect(sales.allSatisfy { $0 >= 0 })
    }

    @Test("market: food complaints peak in summer; severe complaints end in penalties more often")
    func market() throws {
        let t = try DatasetGenerator(domain: .market, seed: 23, totalRows: 30_000).rows(0..<30_000)
        let dates = try t.column("record_date").dateValues(), category = try strings(t, "category")
        func foodShare(_ month: Int) -> Double {
            let m = zip(dates, category).filter { CalendarCodec.civil(days: Int($0.0)).month == month }
            return Double(m.filter { $0.1 == "food" }.count) / Double(m.count)
        }
        #expect(foodShare(7) > foodShare(1) + 0.05)
        let severity = try t.column("severity").int64Values(), outcome = try strings(t, "outcome")
        func penaltyRate(_ s: Int64) -> Double {
            let m = zip(severity, outcome).filter {
                $0.0 == s && ["resolved", "mediated", "unfounded", "transferred", "penalty"].contains($0.1)
            }
            return Double(m.filter { $0.1 == "penalty" }.count) / Double(m.count)
        }
        #expect(penaltyRate(3) > penaltyRate(1) + 0.2)
        #expect(severity.allSatisfy { (1...4).contains($0) })
    }

    @Test("tourism: real spots in their real districts; holidays busier; hotels consistent")
    func tourism() throws {
        let t = try DatasetGenerator(domain: .tourism, seed: 29, totalRows: 30_000).rows(0..<30_000)
        let spot = try strings(t, "scenic_spot"), district = try strings(t, "spot_district")
        let expected = [
            "West Lake": "Xihu", "Lingyin Temple": "Xihu", "Xixi Wetland": "Xihu", "Qiandao Lake": "Chun'an",
            "Grand Canal (Gongchen Bridge)": "Gongshu", "Songcheng": "Xihu", "Liangzhu Ancient City Ruins": "Yuhang",
        ]
        for (s, d) in zip(spot, district) where expected[s] != nil { #expect(expected[s] == d) }
        #expect(Set(spot).isSuperset(of: expected.keys))
        let arrival = try t.column("arrival_time").timestampValues()
        var goldenWeek = 0, ordinaryWeek = 0
        for s in arrival {
            let (_, m, d) = CalendarCodec.civil(days: Int(s / 86_400))
            if m == 10 && (1...7).contains(d) { goldenWeek += 1 }
            if m == 10 && (14...20).contains(d) { ordinaryWeek += 1 }
        }
        #expect(goldenWeek > 2 * ordinaryWeek)
        let hotels = try DatasetGenerator(domain: .tourismHotels, seed: 29, totalRows: 10_000).rows(0..<10_000)
        let nights = try hotels.column("nights").int64Values(), province = try strings(hotels, "origin_province")
        let localNights = mean(zip(nights, province).filter { $0.1 == "Zhejiang" }.map { Double($0.0) })
        let farNights = mean(
            zip(nights, province).filter { ["Guangdong", "Sichuan", "Overseas"].contains($0.1) }.map { Double($0.0) })
        #expect(farNights > localNights)
        #expect(!(try strings(hotels, "age_band")).contains("0-17"))
    }
}
