import Tabular
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Daily footfall and sales per district and business type.
///
/// Model: row i is cell (day ⌊i/78⌋ from 2024-01-01, district, business type) of a complete grid
/// of 13 districts × 6 business types per day, so one year is 28,548 rows (later rows continue
/// into the following years). Footfall = population × type rate × weekly profile × holiday
/// factor × a weather shock shared by all districts that day × log-normal noise; sales =
/// footfall × conversion × average ticket (higher in the core and Binjiang).
struct CommerceModel: DomainModel {
    static let summary = "One row per district × date × business type (complete daily grid from 2024-01-01)."
    static let types = ["catering", "retail", "supermarket", "shopping_mall", "entertainment", "services"]
    static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    static let ratePer10k: [Double] = [260, 180, 220, 300, 60, 90]
    static let weekly: [[Double]] = [
        [0.9, 0.9, 0.95, 1.0, 1.15, 1.35, 1.25], [0.9, 0.9, 0.9, 0.95, 1.05, 1.35, 1.3],
        [0.95, 0.95, 0.95, 1, 1.05, 1.2, 1.15], [0.8, 0.8, 0.85, 0.9, 1.1, 1.6, 1.5],
        [0.7, 0.7, 0.75, 0.85, 1.2, 1.7, 1.4], [1, 1, 1, 1, 1, 0.9, 0.8],
    ]
    static let holiday: [Double] = [1.4, 1.3, 1.1, 1.7, 1.8, 0.6]
    static let ticket: [Double] = [75, 120, 85, 260, 110, 150]
    static let conversion: [Double] = [0.9, 0.45, 0.85, 0.35, 0.8, 0.7]
    static let cellsPerDay = 13 * 6

    static let columns: [ColumnDoc] = [
        ColumnDoc("date", .date, "", "Calendar day; the grid starts on 2024-01-01 and has 78 rows per day."),
        ColumnDoc("weekday", .categorical, "", "Day of week, Mon … Sun."),
        ColumnDoc(
            "is_holiday", .bool, "",
            "Statutory public holiday (2024 calendar: New Year, Spring Festival 10–17 Feb, Qingming, Labour Day 1–5 May, Dragon Boat, Mid-Autumn, National Day 1–7 Oct)."
        ),
        ColumnDoc("district", .categorical, "", "District or county (all 13 every day)."),
        ColumnDoc(
            "business_type", .categorical, "",
            "catering, retail, supermarket, shopping_mall, entertainment or services (all 6 every day)."),
        ColumnDoc(
            "footfall", .int64, "visits/day",
            "Visits counted by the business-district sensors: population × type rate × weekly profile (weekends up to +70% for malls/entertainment) × holiday factor (×0.6 to ×1.8; ×0.75 during Spring Festival) × shared weather shock × log-normal noise (σ 0.1)."
        ),
        ColumnDoc(
            "sales_yuan", .float64, "yuan/day",
            "Card and mobile-payment sales: footfall × conversion × average ticket (× 1.2 core, × 1.3 Binjiang, × 0.8 counties) × log-normal noise (σ 0.12); whole yuan."
        ),
    ]

    let seed: UInt64
    let incomeFactor: [Double]
    init(seed: UInt64, totalRows: Int) {
        self.seed = seed
        incomeFactor = Hangzhou.districts.map { info in
            info.name == "Binjiang"
                ? 1.3 : (info.isCore ? 1.2 : (["Tonglu", "Chun'an", "Jiande", "Lin'an"].contains(info.name) ? 0.8 : 1))
        }
    }

    func rows(_ range: Range<Int>) -> [Column] {
        let n = range.count
        var dates: [Int32] = [], holidays: [Bool] = [], footfall: [Int64] = [], sales: [Double] = []
        dates.reserveCapacity(n)
        holidays.reserveCapacity(n)
        footfall.reserveCapacity(n)
        sales.reserveCapacity(n)
        var weekday = FixedCategorical("weekday", CommerceModel.weekdays, capacity: n)
        var district = FixedCategorical("district", Hangzhou.districtNames, capacity: n)
        var type = FixedCategorical("business_type", CommerceModel.types, capacity: n)
        var cachedDay = -1
        var weather = 1.0, rainy = false, isHoliday = false, wd = 0, springFestival = false, season = 1.0

        for row in range {
            let dayIndex = row / CommerceModel.cellsPerDay
            let cell = row % CommerceModel.cellsPerDay
            let d = cell / 6, t = cell % 6
            let day = Hangzhou.startDay + dayIndex
            if day != cachedDay {
                cachedDay = day
                var dayRNG = SyntheticRNG(keys: seed, 3, UInt64(dayIndex))
                weather = dayRNG.logNormal(mu: 0, sigma: 0.08)
                rainy = dayRNG.bernoulli(0.3)
                isHoliday = Hangzhou.isHoliday(day)
                wd = Hangzhou.weekday(day)
                let (_, m, dd) = CalendarCodec.civil(days: day)
                springFestival = m == 2 && (10...17).contains(dd)
                season = Hangzhou.seasonal(day, peakDay: 350, amplitude: 0.08)
            }
            var rng = SyntheticRNG(keys: seed, 1, UInt64(row))
            let info = Hangzhou.districts[d]
            var visits = info.population * CommerceModel.ratePer10k[t] * (info.isCore ? 1.5 : 1)
            visits *=
                CommerceModel.weekly[t][wd] * (isHoliday ? CommerceModel.holiday[t] : 1) * (springFestival ? 0.75 : 1)
            visits *=
                weather * season * (rainy ? (t == 3 || t == 4 ? 1.05 : 0.9) : 1) * rng.logNormal(mu: 0, sigma: 0.1)
            let visitCount = Int64(visits.rounded())
            let income = incomeFactor[d]
            let amount =
                Double(visitCount) * CommerceModel.conversion[t] * CommerceModel.ticket[t] * income
                * rng.logNormal(mu: 0, sigma: 0.12)

            dates.append(Int32(day))
            weekday.append(wd)
            holidays.append(isHoliday)
            district.append(d)
            type.append(t)
            footfall.append(visitCount)
            sales.append(amount.rounded())
        }
        return [
            dateColumn("date", dates), weekday.column(), boolColumn("is_holiday", holidays), district.column(),
            type.column(), intColumn("footfall", footfall), doubleColumn("sales_yuan", sales),
        ]
    }
}
