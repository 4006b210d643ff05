import Tabular

/// Reference geography and calendar of Hangzhou used by every generator.
///
/// The 13 county-level divisions are real (10 districts, 2 counties, 1 county-level city);
/// populations are rounded 2020-census figures in units of 10,000 residents after the 2021
/// boundary changes; coordinates are rough centroids in kilometres east/north of West Lake,
/// good enough for distance-dependent fares and travel times, not for maps.
public enum Hangzhou {
    /// One county-level division.
    public struct District: Sendable, Equatable {
        /// English name as used in the data (e.g. "Lin'an").
        public let name: String
        /// Resident population, in 10,000 persons (approximate).
        public let population: Double
        /// Kilometres east of West Lake (approximate centroid).
        public let x: Double
        /// Kilometres north of West Lake (approximate centroid).
        public let y: Double
        /// The 6-digit administrative division code (GB/T 2260).
        public let divisionCode: String
        /// Whether it is one of the urban core districts (as opposed to outer districts/counties).
        public let isCore: Bool
    }

    /// The 13 districts and counties, in the order used for codes everywhere.
    public static let districts: [District] = [
        District(name: "Shangcheng", population: 132, x: 3, y: 0, divisionCode: "330102", isCore: true),
        District(name: "Gongshu", population: 111, x: 1, y: 6, divisionCode: "330105", isCore: true),
        District(name: "Xihu", population: 115, x: -6, y: 2, divisionCode: "330106", isCore: true),
        District(name: "Binjiang", population: 50, x: 3, y: -6, divisionCode: "330108", isCore: true),
        District(name: "Xiaoshan", population: 201, x: 12, y: -13, divisionCode: "330109", isCore: false),
        District(name: "Yuhang", population: 123, x: -16, y: 10, divisionCode: "330110", isCore: false),
        District(name: "Linping", population: 112, x: 14, y: 18, divisionCode: "330113", isCore: false),
        District(name: "Qiantang", population: 77, x: 26, y: 2, divisionCode: "330114", isCore: false),
        District(name: "Fuyang", population: 83, x: -24, y: -22, divisionCode: "330111", isCore: false),
        District(name: "Lin'an", population: 64, x: -45, y: 4, divisionCode: "330112", isCore: false),
        District(name: "Tonglu", population: 45, x: -55, y: -52, divisionCode: "330122", isCore: false),
        District(name: "Chun'an", population: 33, x: -112, y: -78, divisionCode: "330127", isCore: false),
        District(name: "Jiande", population: 44, x: -92, y: -66, divisionCode: "330182", isCore: false),
    ]

    /// The district names, in code order.
    public static var districtNames: [String] { districts.map(\.name) }

    /// Straight-line distance in km between the centroids of districts `a` and `b`.
    static func distance(_ a: Int, _ b: Int) -> Double {
        let dx = districts[a].x - districts[b].x, dy = districts[a].y - districts[b].y
        return (dx * dx + dy * dy).squareRoot()
    }

    /// Population weights of the districts.
    static let populationChoice = WeightedChoice(districts.map(\.population))

    /// Real subdistricts (jiedao) or towns of each district, in district order; the health data's
    /// `community` is one of these followed by a two-digit number ("Hubin-03").
    static let subdistricts: [[String]] = [
        ["Hubin", "Qingbo", "Xiaoying", "Wangjiang", "Ziyang", "Kaixuan", "Pengbu", "Jiubao"],
        ["Wulin", "Tianshui", "Chaohui", "Gongchenqiao", "Xiangfu", "Banshan", "Kangqiao"],
        ["Beishan", "Xixi", "Cuiyuan", "Wenxin", "Gudang", "Lingyin", "Zhuantang", "Sandun"],
        ["Xixing", "Changhe", "Puyan"],
        ["Chengxiang", "Beigan", "Xintang", "Wenyan", "Guali", "Suoqian"],
        ["Wuchang", "Cangqian", "Liangzhu", "Xianlin", "Pingyao", "Jingshan"],
        ["Linping", "Nanyuan", "Qiaosi", "Tangqi", "Chongxian", "Yunhe"],
        ["Xiasha", "Baiyang", "Hezhuang", "Linjiang", "Qianjin"],
        ["Fuchun", "Yinhu", "Dongzhou", "Xindeng", "Changkou"],
        ["Jincheng", "Qingshanhu", "Jinnan", "Changhua"],
        ["Tongjun", "Fenshui", "Jiangnan", "Fuchunjiang"],
        ["Qiandaohu", "Wenchang", "Fenkou", "Linqi"],
        ["Xin'anjiang", "Meicheng", "Shouchang", "Qiantan"],
    ]

    /// Communities per subdistrict in the health data.
    static let communitiesPerSubdistrict = 4

    /// Transit stations (metro stations, and bus terminals in the outer counties) per district.
    static let stations: [[String]] = [
        ["Longxiangqiao", "Ding'an Road", "Hangzhou East Railway Station", "Qianjiang Road", "Jinjiang", "Pengbu"],
        ["Wulin Square", "Fengqi Road", "Gongchen Bridge", "Xiangji Temple", "Bancang"],
        ["Huanglong Sports Center", "Wensan Road", "Gudang", "Zijingang", "Xixi Wetland South"],
        ["Binhe Road", "Jiangling Road", "Xixing", "Changhe"],
        ["Xiaoshan International Airport", "Xiaoshan Renmin Square", "Xianghu", "Shixin Middle Road"],
        ["Future Sci-Tech City", "Liangzhu", "Hangzhou West Railway Station", "Cangqian"],
        ["Linping", "Qiaosi", "Tangqi"],
        ["Xiasha Jiangbin", "Yunshui", "Qiantang Road"],
        ["Yinhu", "Fuyang Fuchun", "Dongzhou"],
        ["Qingshan Lake", "Lin'an Square", "Nongling"],
        ["Tonglu Bus Terminal", "Fuchun River Tonglu"],
        ["Qiandaohu Town", "Chun'an Bus Terminal"],
        ["Xin'anjiang", "Jiande Bus Terminal"],
    ]

    /// Age bands used by the transport and tourism data, with adult-population weights.
    static let ageBands = ["0-17", "18-29", "30-44", "45-59", "60+"]

    /// Sexes as recorded: "F" or "M".
    static let sexes = ["F", "M"]

    /// Origin provinces of visitors with rough shares of Hangzhou's domestic tourist arrivals.
    static let provinces = [
        "Zhejiang", "Shanghai", "Jiangsu", "Anhui", "Jiangxi", "Fujian", "Guangdong", "Beijing",
        "Shandong", "Henan", "Hubei", "Hunan", "Sichuan", "Other provinces", "Hong Kong/Macao/Taiwan", "Overseas",
    ]
    static let provinceWeights: [Double] = [44, 10, 11, 7, 3, 3, 4, 2, 3, 2.5, 2, 2, 2, 6, 0.7, 1.8]
    /// Rough travel distance (km) of each origin province, used for length of stay.
    static let provinceDistance: [Double] = [
        80, 180, 250, 300, 500, 600, 1200, 1200, 800, 900, 750, 900, 1700, 1200, 1300, 5000,
    ]

    // MARK: Calendar (2024, Asia/Shanghai civil time)

    /// The first day of the data: 2024-01-01 (days since 1970-01-01).
    static let startDay = CalendarCodec.days(year: 2024, month: 1, day: 1)
    /// Days in the base year 2024 (a leap year).
    static let yearDays = 366

    /// Statutory public holidays of 2024 (New Year, Spring Festival, Qingming, Labour Day,
    /// Dragon Boat, Mid-Autumn, National Day), as (month, day) ranges.
    static let holidayRanges: [(Int, Int, Int)] = [
        (1, 1, 1), (2, 10, 17), (4, 4, 6), (5, 1, 5), (6, 10, 10), (9, 15, 17), (10, 1, 7),
    ]

    /// Whether day `day` (since 1970-01-01) is a public holiday (by month and day, repeating every year).
    static func isHoliday(_ day: Int) -> Bool {
        let (_, m, d) = CalendarCodec.civil(days: day)
        for (hm, from, to) in holidayRanges where hm == m && d >= from && d <= to { return true }
        return false
    }

    /// Day of week of `day` (since 1970-01-01): 0 = Monday … 6 = Sunday.
    static func weekday(_ day: Int) -> Int { ((day % 7) + 7 + 3) % 7 }

    /// Whether `day` is a Saturday, Sunday or public holiday.
    static func isOffDay(_ day: Int) -> Bool { weekday(day) >= 5 || isHoliday(day) }

    /// Day of year (0-based) of `day`.
    static func dayOfYear(_ day: Int) -> Int {
        let (y, _, _) = CalendarCodec.civil(days: day)
        return day - CalendarCodec.days(year: y, month: 1, day: 1)
    }

    /// Month (1…12) of `day`.
    static func month(_ day: Int) -> Int { CalendarCodec.civil(days: day).month }

    /// A seasonal factor 1 + amplitude·cos(2π(doy − peakDay)/365.25): peaks at `peakDay`.
    static func seasonal(_ day: Int, peakDay: Double, amplitude: Double) -> Double {
        1 + amplitude * cos(2 * Double.pi * (Double(dayOfYear(day)) - peakDay) / 365.25)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
