import Tabular
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Market-supervision records: consumer complaints and inspections about food, drugs,
/// cosmetics and medical devices in 2024.
///
/// Model: the record type (65% complaints) and category are drawn per day, food with a summer
/// peak (late July, ±35%); sub-category and business type depend on the category; severity
/// depends on the sub-category (counterfeit drugs and unregistered devices are more severe);
/// the outcome depends on the record type and the severity.
struct MarketModel: DomainModel {
    static let summary = "One row per market-supervision record (complaint or inspection) in 2024."
    static let recordTypes = ["complaint", "inspection"]
    static let categories = ["food", "drug", "cosmetics", "medical_device"]
    static let subCategories: [[String]] = [
        [
            "catering hygiene", "expired goods", "food additives", "food labelling", "foreign matter",
            "takeaway delivery",
        ],
        ["counterfeit drug", "expired drug", "unlicensed sale", "drug labelling", "adverse drug reaction"],
        ["unregistered cosmetics", "false advertising", "cosmetics adverse reaction", "cosmetics labelling"],
        ["unregistered device", "device quality defect", "device false advertising"],
    ]
    static let subWeights: [[Double]] = [
        [30, 15, 10, 12, 13, 20], [8, 20, 25, 22, 25], [25, 30, 25, 20], [30, 45, 25],
    ]
    /// Severity shift per sub-category (added to a base severity draw).
    static let subSeverity: [[Int]] = [[0, 0, 1, 0, 0, 0], [2, 1, 1, 0, 1], [1, 0, 1, 0], [1, 1, 0]]
    static let businessTypes = [
        "restaurant", "takeaway_platform", "supermarket", "street_vendor", "school_canteen",
        "wholesale_market", "food_factory", "pharmacy", "clinic", "online_platform", "beauty_salon", "specialty_store",
    ]
    static let businessWeights: [[Double]] = [
        [35, 20, 15, 8, 5, 7, 10, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 60, 22, 18, 0, 0],
        [0, 0, 15, 0, 0, 0, 0, 0, 0, 35, 35, 15],
        [0, 0, 0, 0, 0, 0, 0, 30, 30, 30, 0, 10],
    ]
    static let outcomes = [
        "resolved", "mediated", "unfounded", "transferred", "penalty",
        "compliant", "rectification_ordered", "fined", "license_suspended",
    ]

    static let columns: [ColumnDoc] = [
        ColumnDoc(
            "record_date", .date, "",
            "Date the complaint was filed or the inspection made (2024); weekends 50% fewer inspections and 10% fewer complaints."
        ),
        ColumnDoc("district", .categorical, "", "District or county of the business (population × 1.3 in the core)."),
        ColumnDoc("record_type", .categorical, "", "complaint (65%) or inspection (35%)."),
        ColumnDoc(
            "category", .categorical, "",
            "food (≈62%, summer peak ±35% in late July), drug, cosmetics or medical_device."),
        ColumnDoc(
            "sub_category", .categorical, "",
            "Issue within the category, e.g. \"takeaway delivery\", \"counterfeit drug\", \"false advertising\"."),
        ColumnDoc(
            "business_type", .categorical, "",
            "Kind of business concerned, conditional on category (restaurants and takeaway platforms for food, pharmacies for drugs, beauty salons and online platforms for cosmetics, …)."
        ),
        ColumnDoc(
            "severity", .int64, "level 1–4",
            "1 minor, 2 moderate, 3 serious, 4 critical: base draw 50/30/15/5% plus a sub-category shift, capped at 4; for inspections implied by the outcome."
        ),
        ColumnDoc(
            "outcome", .categorical, "",
            "Complaints: resolved, mediated, unfounded, transferred or penalty (more penalties when severe). Inspections: compliant, rectification_ordered, fined or license_suspended."
        ),
    ]

    let seed: UInt64
    let districtChoice = WeightedChoice(Hangzhou.districts.map { $0.population * ($0.isCore ? 1.3 : 1) })
    let complaintDays: WeightedChoice
    let inspectionDays: WeightedChoice
    let subChoice = MarketModel.subWeights.map(WeightedChoice.init)
    let businessChoice = MarketModel.businessWeights.map(WeightedChoice.init)
    let severityChoice = WeightedChoice([50, 30, 15, 5])
    let complaintOutcome: [WeightedChoice] = [
        WeightedChoice([45, 30, 20, 5, 0]), WeightedChoice([35, 30, 12, 13, 10]),
        WeightedChoice([20, 15, 5, 20, 40]), WeightedChoice([8, 5, 2, 25, 60]),
    ]
    let inspectionOutcome = WeightedChoice([55, 30, 12, 3])

    init(seed: UInt64, totalRows: Int) {
        self.seed = seed
        complaintDays = WeightedChoice(
            (0..<Hangzhou.yearDays).map { Hangzhou.isOffDay(Hangzhou.startDay + $0) ? 0.9 : 1 })
        inspectionDays = WeightedChoice(
            (0..<Hangzhou.yearDays).map { Hangzhou.isOffDay(Hangzhou.startDay + $0) ? 0.5 : 1 })
    }

    func rows(_ range: Range<Int>) -> [Column] {
        let n = range.count
        var dates: [Int32] = [], severity: [Int64] = []
        dates.reserveCapacity(n)
        severity.reserveCapacity(n)
        var district = FixedCategorical("district", Hangzhou.districtNames, capacity: n)
        var recordType = FixedCategorical("record_type", MarketModel.recordTypes, capacity: n)
        var category = FixedCategorical("category", MarketModel.categories, capacity: n)
        var sub = FixedCategorical("sub_category", MarketModel.subCategories.flatMap { $0 }, capacity: n)
        var business = FixedCategorical("business_type", MarketModel.businessTypes, capacity: n)
        var outcome = FixedCategorical("outcome", MarketModel.outcomes, capacity: n)
        let subOffset = MarketModel.subCategories.reduce(into: [0]) { $0.append($0.last! + $1.count) }

        for row in range {
            var rng = SyntheticRNG(keys: seed, 1, UInt64(row))
            let isInspection = rng.bernoulli(0.35)
            let dayIndex = (isInspection ? inspectionDays : complaintDays).sample(&rng)
            let day = Hangzhou.startDay + dayIndex
            let foodWeight = 62 * Hangzhou.seasonal(day, peakDay: 205, amplitude: 0.35)
            let u = rng.uniform() * (foodWeight + 38)
            let cat = u < foodWeight ? 0 : (u < foodWeight + 14 ? 1 : (u < foodWeight + 28 ? 2 : 3))
            let sc = subChoice[cat].sample(&rng)
            let bt = businessChoice[cat].sample(&rng)
            let sev: Int, out: Int
            if isInspection {
                let o = inspectionOutcome.sample(&rng)
                out = 5 + o
                sev = [1, rng.int(in: 1...2), rng.int(in: 2...3), 4][o]
            } else {
                sev = min(
                    4, severityChoice.sample(&rng) + 1 + MarketModel.subSeverity[cat][sc] * (rng.bernoulli(0.5) ? 1 : 0)
                )
                out = complaintOutcome[sev - 1].sample(&rng)
            }
            dates.append(Int32(day))
            district.append(districtChoice.sample(&rng))
            recordType.append(isInspection ? 1 : 0)
            category.append(cat)
            sub.append(subOffset[cat] + sc)
            business.append(bt)
            severity.append(Int64(sev))
            outcome.append(out)
        }
        return [
            dateColumn("record_date", dates), district.column(), recordType.column(), category.column(), sub.column(),
            business.column(), intColumn("severity", severity), outcome.column(),
        ]
    }
}
