import Tabular
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shared tourism calendar: daily weight of tourist activity in 2024.
enum TourismCalendar {
    /// Relative tourist volume of day `dayIndex` of 2024: weekends ×1.6, holidays ×2.5 (National
    /// Day Golden Week ×3.2), summer ×1.2, April/October ×1.15, December–February ×0.75.
    static func weight(_ dayIndex: Int) -> Double {
        let day = Hangzhou.startDay + dayIndex
        let (_, m, d) = CalendarCodec.civil(days: day)
        var w = Hangzhou.weekday(day) >= 5 ? 1.6 : 1.0
        if Hangzhou.isHoliday(day) { w = m == 10 && d <= 7 ? 3.2 : 2.5 }
        switch m {
        case 7, 8: w *= 1.2
        case 4, 10: w *= 1.15
        case 12, 1, 2: w *= 0.75
        default: break
        }
        return w
    }
}

/// Scenic-spot visits in 2024.
///
/// Model: 16 real scenic spots in their real districts, weighted by popularity (West Lake
/// ≈26% of visits). Visitors (`max(200, rows/1.4)`, mild repeat visits) have a fixed origin
/// province (44% Zhejiang), age band and sex. Arrival days follow ``TourismCalendar``; arrival
/// hours peak 9–11 and 13–15, with evening peaks at Songcheng (shows) and at West Lake, Hefang
/// Street and the Grand Canal. Duration is log-normal around each spot's typical length.
struct TourismModel: DomainModel {
    static let summary = "One row per scenic-spot visit (ticket or gate/camera count) in 2024, Hangzhou local time."
    /// (name, district index, full ticket yuan, typical minutes, popularity weight)
    static let spots: [(String, Int, Double, Double, Double)] = [
        ("West Lake", 2, 0, 180, 30), ("Lingyin Temple", 2, 75, 150, 10), ("Leifeng Pagoda", 2, 40, 80, 6),
        ("Xixi Wetland", 2, 80, 200, 7), ("Songcheng", 2, 310, 240, 6), ("China National Silk Museum", 2, 0, 90, 2),
        ("Hefang Street", 0, 0, 100, 9), ("Grand Canal (Gongchen Bridge)", 1, 0, 120, 7),
        ("Liangzhu Ancient City Ruins", 5, 60, 150, 3), ("Xianghu Lake", 4, 0, 150, 4),
        ("Tangqi Ancient Town", 6, 0, 120, 3),
        ("Longmen Ancient Town", 8, 60, 150, 1.5), ("Tianmu Mountain", 9, 100, 300, 1.5),
        ("Yaolin Wonderland", 10, 105, 180, 1.5),
        ("Qiandao Lake", 11, 130, 360, 5), ("Daciyan", 12, 70, 200, 1),
    ]
    static let hourWeights: [Double] = [
        0, 0, 0, 0, 0, 0.2, 0.8, 2, 5, 9, 10, 7, 5, 7, 8, 6, 4, 2.5, 2, 2.5, 2, 1, 0.3, 0,
    ]

    static let columns: [ColumnDoc] = [
        ColumnDoc(
            "visitor_id", .categorical, "",
            "Pseudonymous visitor id, \"V\" + 12 hex digits (real-name ticketing); ≈1.4 visits per visitor, a few repeat visitors."
        ),
        ColumnDoc(
            "scenic_spot", .categorical, "",
            "One of 16 real scenic spots: West Lake, Lingyin Temple, Leifeng Pagoda, Xixi Wetland, Songcheng, China National Silk Museum, Hefang Street, Grand Canal (Gongchen Bridge), Liangzhu Ancient City Ruins, Xianghu Lake, Tangqi Ancient Town, Longmen Ancient Town, Tianmu Mountain, Yaolin Wonderland, Qiandao Lake, Daciyan."
        ),
        ColumnDoc(
            "spot_district", .categorical, "",
            "District or county of the spot (e.g. Qiandao Lake → Chun'an, Liangzhu → Yuhang)."),
        ColumnDoc(
            "arrival_time", .timestamp, "local time",
            "Entry time, 2024, Hangzhou civil time stored without offset; weekends ×1.6, holidays ×2.5 (Golden Week ×3.2); hours peak 9–11 and 13–15, evening peak at Songcheng, West Lake, Hefang Street, Grand Canal."
        ),
        ColumnDoc(
            "duration_minutes", .int64, "minutes",
            "Time spent: log-normal around the spot's typical length (80–360 min), σ 0.35, +10% on holidays."),
        ColumnDoc(
            "ticket_yuan", .float64, "yuan",
            "Ticket paid: the spot's full price (0 for free spots such as West Lake), half price for ages 0-17 and 60+."
        ),
        ColumnDoc(
            "origin_province", .categorical, "",
            "Visitor's home province (Zhejiang 44%, Jiangsu 11%, Shanghai 10%, Anhui 7%, …, Hong Kong/Macao/Taiwan, Overseas)."
        ),
        ColumnDoc("age_band", .categorical, "", "0-17, 18-29, 30-44, 45-59, 60+ (fixed per visitor)."),
        ColumnDoc("sex", .categorical, "", "F or M (fixed per visitor; 52% F)."),
    ]

    let seed: UInt64
    let visitorCount: Int
    let spotChoice = WeightedChoice(TourismModel.spots.map(\.4))
    let dayChoice = WeightedChoice((0..<Hangzhou.yearDays).map(TourismCalendar.weight))
    let hourChoice: [WeightedChoice]
    let provinceChoice = WeightedChoice(Hangzhou.provinceWeights)
    let ageChoice = WeightedChoice([12, 26, 30, 20, 12])

    init(seed: UInt64, totalRows: Int) {
        self.seed = seed
        visitorCount = max(200, Int(Double(totalRows) / 1.4))
        hourChoice = TourismModel.spots.map { spot in
            var w = TourismModel.hourWeights
            switch spot.0 {
            case "Songcheng": for h in 17...19 { w[h] *= 3 }
            case "West Lake", "Hefang Street", "Grand Canal (Gongchen Bridge)": for h in 18...21 { w[h] *= 1.8 }
            default: break
            }
            return WeightedChoice(w)
        }
    }

    func rows(_ range: Range<Int>) -> [Column] {
        let n = range.count
        var visitor = IdentifierCategorical("visitor_id", prefix: "V", digits: 12, capacity: n)
        var spot = FixedCategorical("scenic_spot", TourismModel.spots.map(\.0), capacity: n)
        var district = FixedCategorical("spot_district", Hangzhou.districtNames, capacity: n)
        var province = FixedCategorical("origin_province", Hangzhou.provinces, capacity: n)
        var age = FixedCategorical("age_band", Hangzhou.ageBands, capacity: n)
        var sex = FixedCategorical("sex", Hangzhou.sexes, capacity: n)
        var arrival: [Int64] = [], duration: [Int64] = [], ticket: [Double] = []
        arrival.reserveCapacity(n)
        duration.reserveCapacity(n)
        ticket.reserveCapacity(n)

        for row in range {
            var rng = SyntheticRNG(keys: seed, 1, UInt64(row))
            let v = heavyTailedIndex(&rng, count: visitorCount, power: 1.2)
            var vrng = SyntheticRNG(keys: seed, 2, UInt64(v))
            let prov = provinceChoice.sample(&vrng)
            let band = ageChoice.sample(&vrng)
            let female = vrng.bernoulli(0.52)

            let s = spotChoice.sample(&rng)
            let info = TourismModel.spots[s]
            let dayIndex = dayChoice.sample(&rng)
            let holiday = Hangzhou.isHoliday(Hangzhou.startDay + dayIndex)
            let hour = hourChoice[s].sample(&rng)
            let minutes = max(15, rng.logNormal(mu: log(info.3), sigma: 0.35) * (holiday ? 1.1 : 1))
            let price = info.2 * (band == 0 || band == 4 ? 0.5 : 1)

            visitor.append(pseudonym(v, seed: seed, domain: 0x7041, bits: 48))
            spot.append(s)
            district.append(info.1)
            arrival.append(Int64(Hangzhou.startDay + dayIndex) * 86_400 + Int64(hour * 3600 + rng.int(below: 3600)))
            duration.append(Int64(minutes.rounded()))
            ticket.append(cents(price))
            province.append(prov)
            age.append(band)
            sex.append(female ? 0 : 1)
        }
        return [
            visitor.column(), spot.column(), district.column(), timestampColumn("arrival_time", arrival),
            intColumn("duration_minutes", duration), doubleColumn("ticket_yuan", ticket),
            province.column(), age.column(), sex.column(),
        ]
    }
}

/// Hotel stays in 2024 (the second tourism table, `tourism_hotels`).
///
/// Model: purpose (leisure, business, conference, visiting relatives) is drawn first; business
/// and conference stays favour weekdays and core districts, leisure stays favour weekends,
/// holidays and resort counties (Qiandao Lake in Chun'an, Lin'an, Tonglu). Hotel class depends
/// on the district (homestays in the counties). Nights grow with the guest's travel distance;
/// the nightly rate depends on class, district, weekend and holiday.
struct HotelModel: DomainModel {
    static let summary = "One row per hotel stay (check-in registration) in 2024."
    static let classes = ["budget", "3-star", "4-star", "5-star", "homestay"]
    static let purposes = ["leisure", "business", "conference", "visiting_relatives"]
    static let classRate: [Double] = [220, 380, 620, 1150, 480]
    /// Hotel capacity weight per district (same order as `Hangzhou.districts`).
    static let leisureDistrict: [Double] = [18, 9, 24, 4, 6, 5, 2, 2, 3, 6, 6, 13, 2]
    static let businessDistrict: [Double] = [20, 14, 18, 16, 12, 9, 3, 4, 2, 1, 0.5, 0.5, 0.5]

    static let columns: [ColumnDoc] = [
        ColumnDoc(
            "guest_id", .categorical, "",
            "Pseudonymous guest id, \"G\" + 12 hex digits (hotel registration); ≈1.2 stays per guest."),
        ColumnDoc(
            "hotel_district", .categorical, "",
            "District or county of the hotel (leisure: Xihu, Shangcheng, Chun'an…; business: core and Binjiang)."),
        ColumnDoc(
            "hotel_class", .categorical, "",
            "budget, 3-star, 4-star, 5-star or homestay (homestays common in Lin'an, Tonglu, Chun'an, Jiande)."),
        ColumnDoc(
            "check_in_date", .date, "",
            "Check-in date, 2024: leisure follows the tourism calendar (weekends, holidays), business/conference favours Monday–Thursday."
        ),
        ColumnDoc(
            "nights", .int64, "nights",
            "Length of stay: 1 + Poisson(0.4 + travel km / 1500, capped at 3.5; +0.6 at resorts), business ≤ 4."),
        ColumnDoc("guests", .int64, "persons", "Guests in the room: business mostly 1; leisure 1–4 (20/50/20/10%)."),
        ColumnDoc(
            "room_rate_yuan", .float64, "yuan/night",
            "Nightly rate: class base (220 budget … 1150 5-star) × 1.25 in Xihu/Shangcheng × 1.15 weekend × 1.5 holiday × log-normal noise (σ 0.2); whole yuan."
        ),
        ColumnDoc("purpose", .categorical, "", "leisure 60%, business 25%, conference 7%, visiting_relatives 8%."),
        ColumnDoc(
            "origin_province", .categorical, "",
            "Guest's home province (same categories as tourism.origin_province, fewer from Zhejiang)."),
        ColumnDoc(
            "age_band", .categorical, "", "18-29, 30-44, 45-59 or 60+ (guests are adults; the 0-17 level never occurs)."
        ),
        ColumnDoc("sex", .categorical, "", "F or M (business guests 65% M)."),
    ]

    let seed: UInt64
    let guestCount: Int
    let purposeChoice = WeightedChoice([60, 25, 7, 8])
    let leisureDays = WeightedChoice((0..<Hangzhou.yearDays).map(TourismCalendar.weight))
    let businessDays = WeightedChoice(
        (0..<Hangzhou.yearDays).map { i -> Double in
            let day = Hangzhou.startDay + i
            if Hangzhou.isHoliday(day) { return 0.2 }
            return [1.1, 1.2, 1.2, 1.1, 0.6, 0.2, 0.6][Hangzhou.weekday(day)]
        })
    let leisureDistrictChoice = WeightedChoice(HotelModel.leisureDistrict)
    let businessDistrictChoice = WeightedChoice(HotelModel.businessDistrict)
    let provinceChoice: WeightedChoice = {
        var w = Hangzhou.provinceWeights
        w[0] = 25
        return WeightedChoice(w)
    }()
    let ageChoice = WeightedChoice([0, 24, 36, 26, 14])
    let classChoice: [WeightedChoice] = Hangzhou.districts.map { d in
        ["Lin'an", "Tonglu", "Chun'an", "Jiande"].contains(d.name)
            ? WeightedChoice([15, 20, 18, 10, 37]) : WeightedChoice([35, 25, 22, 10, 8])
    }

    init(seed: UInt64, totalRows: Int) {
        self.seed = seed
        guestCount = max(200, Int(Double(totalRows) / 1.2))
    }

    func rows(_ range: Range<Int>) -> [Column] {
        let n = range.count
        var guest = IdentifierCategorical("guest_id", prefix: "G", digits: 12, capacity: n)
        var district = FixedCategorical("hotel_district", Hangzhou.districtNames, capacity: n)
        var hotelClass = FixedCategorical("hotel_class", HotelModel.classes, capacity: n)
        var purpose = FixedCategorical("purpose", HotelModel.purposes, capacity: n)
        var province = FixedCategorical("origin_province", Hangzhou.provinces, capacity: n)
        var age = FixedCategorical("age_band", Hangzhou.ageBands, capacity: n)
        var sex = FixedCategorical("sex", Hangzhou.sexes, capacity: n)
        var dates: [Int32] = [], nights: [Int64] = [], guests: [Int64] = [], rates: [Double] = []
        dates.reserveCapacity(n)
        nights.reserveCapacity(n)
        guests.reserveCapacity(n)
        rates.reserveCapacity(n)

        for row in range {
            var rng = SyntheticRNG(keys: seed, 1, UInt64(row))
            let g = heavyTailedIndex(&rng, count: guestCount, power: 1.15)
            var grng = SyntheticRNG(keys: seed, 2, UInt64(g))
            let prov = provinceChoice.sample(&grng)
            let band = ageChoice.sample(&grng)
            let maleBias = grng.uniform()

            let p = purposeChoice.sample(&rng)
            let business = p == 1 || p == 2
            let d = (business ? businessDistrictChoice : leisureDistrictChoice).sample(&rng)
            let cls = classChoice[d].sample(&rng)
            let dayIndex = (business ? businessDays : leisureDays).sample(&rng)
            let day = Hangzhou.startDay + dayIndex
            let resort = d == 11 || d == 9 || d == 10
            var lambda = min(3.5, 0.4 + Hangzhou.provinceDistance[prov] / 1500) + (resort ? 0.6 : 0)
            if business { lambda = min(lambda, 1.2) }
            let stay = min(business ? 4 : 14, 1 + rng.poisson(lambda))
            let roomGuests: Int
            if business {
                roomGuests = rng.bernoulli(0.85) ? 1 : 2
            } else {
                let u = rng.uniform()
                roomGuests = u < 0.2 ? 1 : (u < 0.7 ? 2 : (u < 0.9 ? 3 : 4))
            }
            var rate = HotelModel.classRate[cls] * (d == 0 || d == 2 ? 1.25 : 1)
            if Hangzhou.weekday(day) >= 4 { rate *= 1.15 }
            if Hangzhou.isHoliday(day) { rate *= 1.5 }
            rate *= rng.logNormal(mu: 0, sigma: 0.2)
            let male = maleBias < (business ? 0.65 : 0.48)

            guest.append(pseudonym(g, seed: seed, domain: 0x407E, bits: 48))
            district.append(d)
            hotelClass.append(cls)
            purpose.append(p)
            dates.append(Int32(day))
            nights.append(Int64(stay))
            guests.append(Int64(roomGuests))
            rates.append(rate.rounded())
            province.append(prov)
            age.append(band)
            sex.append(male ? 1 : 0)
        }
        return [
            guest.column(), district.column(), hotelClass.column(), dateColumn("check_in_date", dates),
            intColumn("nights", nights), intColumn("guests", guests), doubleColumn("room_rate_yuan", rates),
            purpose.column(), province.column(), age.column(), sex.column(),
        ]
    }
}
