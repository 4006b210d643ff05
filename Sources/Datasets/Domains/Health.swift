import Tabular
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Outpatient visits in 2024.
///
/// Model: `max(300, rows / 4)` persons with fixed age, sex, residence, chronic conditions and
/// insurance; visits per person are heavy-tailed and the most frequent visitors are older.
/// Hypertension and diabetes prevalence rise logistically with age and diabetes is more likely
/// with hypertension. The diagnosis chapter depends on season (respiratory peaks in mid-January,
/// digestive/skin/infectious in summer), age, sex and chronic conditions. Cost is log-normal
/// and higher for chronic patients, older patients and costly chapters (neoplasms).
struct HealthModel: DomainModel {
    static let summary = "One row per outpatient visit in 2024; persons recur with fixed attributes."
    static let chapters = [
        "J00-J99 respiratory", "I00-I99 circulatory", "E00-E89 endocrine", "K00-K95 digestive",
        "M00-M99 musculoskeletal", "N00-N99 genitourinary", "L00-L99 skin", "H00-H59 eye",
        "F01-F99 mental", "S00-T88 injury", "A00-B99 infectious", "C00-D49 neoplasms", "Z00-Z99 health services",
    ]
    static let chapterCost: [Double] = [0, 0.35, 0.3, 0.15, 0.2, 0.15, -0.15, 0.05, 0.3, 0.25, 0, 1.0, -0.2]
    static let insuranceTypes = ["urban employee", "urban-rural resident", "commercial", "self-pay"]

    static let columns: [ColumnDoc] = [
        ColumnDoc(
            "person_id", .categorical, "",
            "Pseudonymous patient id, \"P\" + 12 hex digits; visits per person heavy-tailed (mean ≈4), frequent visitors older."
        ),
        ColumnDoc(
            "age", .int64, "years",
            "Age at the visit, 0–94, census-like pyramid with extra weight on 60–90 among frequent visitors."),
        ColumnDoc("sex", .categorical, "", "F or M (50/50)."),
        ColumnDoc("district", .categorical, "", "District or county of residence, weighted by population."),
        ColumnDoc(
            "community", .categorical, "",
            "Residential community: a real subdistrict of the district + \"-01\"…\"-04\" (quasi-identifier)."),
        ColumnDoc(
            "visit_date", .date, "", "Date of the visit in 2024; more visits in winter (±20%), weekends 40% fewer."),
        ColumnDoc(
            "icd_chapter", .categorical, "",
            "ICD-10 chapter of the main diagnosis, e.g. \"J00-J99 respiratory\" (share peaks in January, lowest in July), circulatory/endocrine more likely with hypertension/diabetes."
        ),
        ColumnDoc(
            "hypertension", .bool, "",
            "Chronic hypertension: P = logistic(−6.2 + 0.085·age + 0.3·male); ≈5% under 40, ≈45% over 60."),
        ColumnDoc("diabetes", .bool, "", "Chronic diabetes: P = logistic(−6.0 + 0.055·age + 1.1·hypertension)."),
        ColumnDoc(
            "insurance", .categorical, "",
            "urban employee, urban-rural resident, commercial or self-pay; employee insurance for most working-age adults in the core districts."
        ),
        ColumnDoc(
            "cost_yuan", .float64, "yuan",
            "Total visit cost: log-normal, median ≈160 yuan × e^(chapter effect + 0.25·chronic + 0.006·(age−40)), σ = 0.75; cents."
        ),
    ]

    let seed: UInt64
    let personCount: Int
    let communities: [String]
    let communityOffset: [Int]  // first community index of each district
    let communityCount: [Int]
    let dayChoice: WeightedChoice
    let ageGroupChoice = WeightedChoice([5.5, 5.5, 5, 4.5, 5.5, 8, 9, 8.5, 8, 8, 7.5, 6.5, 6, 4.5, 3, 2, 1.2, 0.5, 0.3])

    init(seed: UInt64, totalRows: Int) {
        self.seed = seed
        personCount = max(300, totalRows / 4)
        var names: [String] = [], offsets: [Int] = [], counts: [Int] = []
        for list in Hangzhou.subdistricts {
            offsets.append(names.count)
            for sub in list {
                for k in 1...Hangzhou.communitiesPerSubdistrict { names.append(sub + "-0\(k)") }
            }
            counts.append(list.count * Hangzhou.communitiesPerSubdistrict)
        }
        communities = names
        communityOffset = offsets
        communityCount = counts
        dayChoice = WeightedChoice(
            (0..<Hangzhou.yearDays).map { i in
                let day = Hangzhou.startDay + i
                return Hangzhou.seasonal(day, peakDay: 15, amplitude: 0.2) * (Hangzhou.isOffDay(day) ? 0.6 : 1)
            })
    }

    func rows(_ range: Range<Int>) -> [Column] {
        let n = range.count
        var person = IdentifierCategorical("person_id", prefix: "P", digits: 12, capacity: n)
        var ages: [Int64] = [], dates: [Int32] = [], costs: [Double] = [], hyper: [Bool] = [], diab: [Bool] = []
        ages.reserveCapacity(n)
        dates.reserveCapacity(n)
        costs.reserveCapacity(n)
        hyper.reserveCapacity(n)
        diab.reserveCapacity(n)
        var sex = FixedCategorical("sex", Hangzhou.sexes, capacity: n)
        var district = FixedCategorical("district", Hangzhou.districtNames, capacity: n)
        var community = FixedCategorical("community", communities, capacity: n)
        var chapter = FixedCategorical("icd_chapter", HealthModel.chapters, capacity: n)
        var insurance = FixedCategorical("insurance", HealthModel.insuranceTypes, capacity: n)
        var weights = [Double](repeating: 0, count: HealthModel.chapters.count)

        for row in range {
            var rng = SyntheticRNG(keys: seed, 1, UInt64(row))
            let p = heavyTailedIndex(&rng, count: personCount, power: 1.5)
            var prng = SyntheticRNG(keys: seed, 2, UInt64(p))
            let d = Hangzhou.populationChoice.sample(&prng)
            let c = communityOffset[d] + prng.int(below: communityCount[d])
            let male = prng.int(below: 2)
            var age = ageGroupChoice.sample(&prng) * 5 + prng.int(below: 5)
            let rank = Double(p) / Double(personCount)
            if prng.bernoulli(0.45 * (1 - rank) * (1 - rank)) { age = prng.int(in: 60...90) }
            let a = Double(age)
            let hasHyp = prng.bernoulli(SyntheticRNG.logistic(-6.2 + 0.085 * a + 0.3 * Double(male)))
            let hasDiab = prng.bernoulli(SyntheticRNG.logistic(-6.0 + 0.055 * a + (hasHyp ? 1.1 : 0)))
            let core = Hangzhou.districts[d].isCore
            let u = prng.uniform()
            let ins: Int
            if age < 18 {
                ins = u < 0.85 ? 1 : (u < 0.93 ? 2 : 3)
            } else if age < 60 {
                let emp = core ? 0.64 : 0.46
                ins = u < emp ? 0 : (u < 0.89 ? 1 : (u < 0.95 ? 2 : 3))
            } else {
                ins = u < 0.45 ? 0 : (u < 0.95 ? 1 : (u < 0.97 ? 2 : 3))
            }

            let dayIndex = dayChoice.sample(&rng)
            let day = Hangzhou.startDay + dayIndex
            let chronic = hasHyp || hasDiab
            weights[0] = 22 * Hangzhou.seasonal(day, peakDay: 15, amplitude: 0.55) * (age < 15 ? 1.8 : 1)
            weights[1] = 8 * (hasHyp ? 4 : 1) * (age >= 60 ? 1.6 : 1)
            weights[2] = 4 * (hasDiab ? 5 : 1)
            weights[3] = 10 * Hangzhou.seasonal(day, peakDay: 200, amplitude: 0.2)
            weights[4] = 9 * (age >= 45 ? 1.5 : 0.8)
            weights[5] = 6
            weights[6] = 5 * Hangzhou.seasonal(day, peakDay: 190, amplitude: 0.3)
            weights[7] = 5
            weights[8] = 3 * (age >= 18 && age < 65 ? 1.2 : 0.6)
            weights[9] = 6 * (male == 1 ? 1.3 : 0.8)
            weights[10] = 3 * Hangzhou.seasonal(day, peakDay: 200, amplitude: 0.3)
            weights[11] = 2 * (age >= 50 ? 2.5 : 0.5)
            weights[12] = 8
            var total = 0.0
            for w in weights { total += w }
            var target = rng.uniform() * total
            var ch = weights.count - 1
            for k in 0..<weights.count {
                target -= weights[k]
                if target < 0 {
                    ch = k
                    break
                }
            }
            let mu = log(160) + HealthModel.chapterCost[ch] + (chronic ? 0.25 : 0) + 0.006 * (a - 40)
            let cost = max(5, rng.logNormal(mu: mu, sigma: 0.75))

            person.append(pseudonym(p, seed: seed, domain: 0x9A71, bits: 48))
            ages.append(Int64(age))
            sex.append(male)
            district.append(d)
            community.append(c)
            dates.append(Int32(day))
            chapter.append(ch)
            hyper.append(hasHyp)
            diab.append(hasDiab)
            insurance.append(ins)
            costs.append(cents(cost))
        }
        return [
            person.column(), intColumn("age", ages), sex.column(), district.column(), community.column(),
            dateColumn("visit_date", dates), chapter.column(), boolColumn("hypertension", hyper),
            boolColumn("diabetes", diab), insurance.column(), doubleColumn("cost_yuan", costs),
        ]
    }
}
