import Tabular
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Transit-card trips in 2024.
///
/// Model: a population of `max(200, rows / 5)` cards, drawn per trip with a heavy tail (a few
/// commuters make hundreds of trips, most cards a handful). Each card has a fixed age band, sex,
/// home station (by district population) and work station (gravity model: employment weight ×
/// e^(−km/12)). Weekday trips in 6–9 h mostly go home → work and in 16–19 h work → home; other
/// trips go from home or a random station to a gravity-chosen destination. Boarding hours peak
/// at 7–9 and 17–19 on weekdays and are flat around midday on weekends and holidays, which also
/// carry less traffic. Duration grows with distance (≈33 km/h in the city, faster on long
/// intercity buses, slower in rush hour) and fare follows a distance scale with card discounts.
struct TransportModel: DomainModel {
    static let summary =
        "One row per transit-card trip (metro, and buses in the outer counties) in 2024, Hangzhou local time."
    static let columns: [ColumnDoc] = [
        ColumnDoc(
            "card_id", .categorical, "",
            "Pseudonymous transit-card id, \"C\" + 12 hex digits. Trips per card are heavy-tailed (mean ≈5, a few cards make hundreds)."
        ),
        ColumnDoc(
            "origin_station", .categorical, "",
            "Boarding station (a real metro station name, or a bus terminal in Tonglu, Chun'an and Jiande)."),
        ColumnDoc(
            "origin_district", .categorical, "", "District or county of the boarding station (one of Hangzhou's 13)."),
        ColumnDoc(
            "destination_station", .categorical, "",
            "Alighting station; never equal to the origin. Chosen by commute pattern or a gravity model (attraction × e^(−km/12))."
        ),
        ColumnDoc("destination_district", .categorical, "", "District or county of the alighting station."),
        ColumnDoc(
            "boarding_time", .timestamp, "local time",
            "Tap-in time, 2024, Hangzhou civil time (UTC+8) stored without offset. Weekday hours peak 7–9 and 17–19; weekends/holidays ≈30% fewer trips, midday peak."
        ),
        ColumnDoc(
            "alighting_time", .timestamp, "local time",
            "Tap-out time = boarding + duration; duration ≈ 4 min + km / (33 km/h), +15% in rush hour, log-normal noise (σ 0.15)."
        ),
        ColumnDoc(
            "distance_km", .float64, "km",
            "Network distance of the trip (1.25 × straight line between stations + 1 km), 0.1 km resolution; 2–170 km."),
        ColumnDoc(
            "fare", .float64, "yuan",
            "Fare paid: 2 yuan up to 4 km, +1 yuan per further 5 km (+0.3 yuan/km beyond 60 km), × 0.9 card discount, × 0.5 for ages 0–17 and 60+."
        ),
        ColumnDoc(
            "age_band", .categorical, "",
            "Card holder's age band: 0-17, 18-29, 30-44, 45-59, 60+ (fixed per card; weights 8/24/32/24/12)."),
        ColumnDoc("sex", .categorical, "", "Card holder's sex, F or M (fixed per card, 50/50)."),
    ]

    let seed: UInt64
    let cardCount: Int
    let stationNames: [String]
    let stationDistrict: [Int]
    let stationX: [Double]
    let stationY: [Double]
    let residenceChoice: WeightedChoice
    let destinationChoice: [WeightedChoice]  // per origin station: gravity model
    let workChoice: [WeightedChoice]  // per home station: employment × distance decay
    let dayChoice: WeightedChoice
    let offDay: [Bool]
    let weekdayHours = WeightedChoice([
        0.1, 0, 0, 0, 0, 0.3, 2.5, 9, 10, 6, 3.5, 3, 3.2, 3, 3, 3.4, 4.5, 8.5, 9, 5.5, 3.5, 2.5, 1.5, 0.6,
    ])
    let offDayHours = WeightedChoice([
        0.1, 0, 0, 0, 0, 0.2, 0.8, 2, 3.5, 5, 6, 6, 5.5, 5.5, 6, 6, 5.8, 5.5, 5, 4.5, 4, 3, 2, 0.8,
    ])
    let ageChoice = WeightedChoice([8, 24, 32, 24, 12])

    init(seed: UInt64, totalRows: Int) {
        self.seed = seed
        cardCount = max(200, totalRows / 5)
        var names: [String] = [], district: [Int] = [], xs: [Double] = [], ys: [Double] = []
        var residence: [Double] = [], employment: [Double] = []
        for (d, list) in Hangzhou.stations.enumerated() {
            let info = Hangzhou.districts[d]
            for (k, name) in list.enumerated() {
                let angle = 2 * Double.pi * Double(k) / Double(list.count) + Double(d)
                let radius = list.count == 1 ? 0 : (info.isCore ? 2.5 : 4)
                names.append(name)
                district.append(d)
                xs.append(info.x + radius * cos(angle))
                ys.append(info.y + radius * sin(angle))
                residence.append(info.population / Double(list.count))
                let jobs = info.isCore ? 2.6 : (info.name == "Xiaoshan" || info.name == "Yuhang" ? 1.3 : 0.8)
                employment.append(info.population * jobs / Double(list.count) * (d == 3 ? 2 : 1))
            }
        }
        stationNames = names
        stationDistrict = district
        stationX = xs
        stationY = ys
        residenceChoice = WeightedChoice(residence)
        func km(_ a: Int, _ b: Int) -> Double {
            let dx = xs[a] - xs[b], dy = ys[a] - ys[b]
            return (dx * dx + dy * dy).squareRoot()
        }
        destinationChoice = (0..<names.count).map { o in
            WeightedChoice(
                (0..<names.count).map { j in j == o ? 0 : (residence[j] + employment[j]) * exp(-km(o, j) / 12) })
        }
        workChoice = (0..<names.count).map { h in
            WeightedChoice((0..<names.count).map { j in j == h ? 0 : employment[j] * exp(-km(h, j) / 12) })
        }
        var dayWeights: [Double] = [], off: [Bool] = []
        for i in 0..<Hangzhou.yearDays {
            let day = Hangzhou.startDay + i
            let isOff = Hangzhou.isOffDay(day)
            off.append(isOff)
            var w = isOff ? 0.7 : 1.0
            if Hangzhou.isHoliday(day) { w = 0.6 }
            if Hangzhou.month(day) == 2 && (5...20).contains(CalendarCodec.civil(days: day).day) { w *= 0.6 }  // Spring Festival travel
            dayWeights.append(w)
        }
        dayChoice = WeightedChoice(dayWeights)
        offDay = off
    }

    func km(_ a: Int, _ b: Int) -> Double {
        let dx = stationX[a] - stationX[b], dy = stationY[a] - stationY[b]
        return (dx * dx + dy * dy).squareRoot()
    }

    func rows(_ range: Range<Int>) -> [Column] {
        let n = range.count
        let stationDictionary = stationNames
        let districtNames = Hangzhou.districtNames
        var card = IdentifierCategorical("card_id", prefix: "C", digits: 12, capacity: n)
        var origin = FixedCategorical("origin_station", stationDictionary, capacity: n)
        var originDistrict = FixedCategorical("origin_district", districtNames, capacity: n)
        var destination = FixedCategorical("destination_station", stationDictionary, capacity: n)
        var destinationDistrict = FixedCategorical("destination_district", districtNames, capacity: n)
        var boarding: [Int64] = [], alighting: [Int64] = [], distance: [Double] = [], fare: [Double] = []
        boarding.reserveCapacity(n)
        alighting.reserveCapacity(n)
        distance.reserveCapacity(n)
        fare.reserveCapacity(n)
        var age = FixedCategorical("age_band", Hangzhou.ageBands, capacity: n)
        var sex = FixedCategorical("sex", Hangzhou.sexes, capacity: n)

        for row in range {
            var rng = SyntheticRNG(keys: seed, 1, UInt64(row))
            let cardIndex = heavyTailedIndex(&rng, count: cardCount, power: 1.6)
            // Fixed attributes of the card.
            var cardRNG = SyntheticRNG(keys: seed, 2, UInt64(cardIndex))
            let ageBand = ageChoice.sample(&cardRNG)
            let sexCode = cardRNG.int(below: 2)
            let home = residenceChoice.sample(&cardRNG)
            let work = workChoice[home].sample(&cardRNG)
            let commuter = ageBand >= 1 && ageBand <= 3 ? 0.75 : (ageBand == 0 ? 0.5 : 0.15)

            let dayIndex = dayChoice.sample(&rng)
            let isOff = offDay[dayIndex]
            let hour = (isOff ? offDayHours : weekdayHours).sample(&rng)
            let second = rng.int(below: 3600)
            var from: Int, to: Int
            if !isOff && (6...9).contains(hour) && rng.bernoulli(commuter) {
                from = home
                to = work
            } else if !isOff && (16...19).contains(hour) && rng.bernoulli(commuter) {
                from = work
                to = home
            } else {
                from = rng.bernoulli(0.5) ? home : residenceChoice.sample(&rng)
                to = destinationChoice[from].sample(&rng)
            }
            if from == to { to = (to + 1) % stationNames.count }

            let km = ((1.25 * self.km(from, to) + 1) * 10).rounded() / 10
            let rush = !isOff && ((7...8).contains(hour) || (17...18).contains(hour))
            let speed = km > 40 ? 0.9 : 0.55  // km per minute
            let minutes = (4 + km / speed) * (rush ? 1.15 : 1) * rng.logNormal(mu: 0, sigma: 0.15)
            var price = 2 + ceil(max(0, min(km, 60) - 4) / 5) + 0.3 * max(0, km - 60)
            price *= 0.9
            if ageBand == 0 || ageBand == 4 { price *= 0.5 }

            let start = Int64(Hangzhou.startDay + dayIndex) * 86_400 + Int64(hour * 3600 + second)
            card.append(pseudonym(cardIndex, seed: seed, domain: 0xCA2D, bits: 48))
            origin.append(from)
            originDistrict.append(stationDistrict[from])
            destination.append(to)
            destinationDistrict.append(stationDistrict[to])
            boarding.append(start)
            alighting.append(start + Int64((minutes * 60).rounded()))
            distance.append(km)
            fare.append(cents(price))
            age.append(ageBand)
            sex.append(sexCode)
        }
        return [
            card.column(), origin.column(), originDistrict.column(), destination.column(), destinationDistrict.column(),
            timestampColumn("boarding_time", boarding), timestampColumn("alighting_time", alighting),
            doubleColumn("distance_km", distance), doubleColumn("fare", fare),
            age.column(), sex.column(),
        ]
    }
}

/// Builds a timestamp column.
func timestampColumn(_ name: String, _ values: [Int64]) -> Column {
    try! Column(name: name, values: .timestamp(values))
}
/// Builds a date column.
func dateColumn(_ name: String, _ values: [Int32]) -> Column { try! Column(name: name, values: .date(values)) }
/// Builds an int64 column.
func intColumn(_ name: String, _ values: [Int64]) -> Column { try! Column(name: name, values: .int64(values)) }
/// Builds a float64 column.
func doubleColumn(_ name: String, _ values: [Double]) -> Column { try! Column(name: name, values: .float64(values)) }
/// Builds a bool column.
func boolColumn(_ name: String, _ values: [Bool]) -> Column { try! Column(name: name, values: .bool(values)) }
