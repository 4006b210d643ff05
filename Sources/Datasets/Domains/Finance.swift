import Tabular
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Enterprises with credit-risk features.
///
/// Model: each enterprise has a latent size s ~ N(0, 1) and a latent distress z ~ N(0, 1).
/// Size drives capital, employees, tax, electricity and logistics; distress lowers tax (more
/// loss-makers) and raises court cases. The default flag is then drawn from a logistic model in
/// the *observed* columns only (formula in the column documentation), so a classifier trained
/// on the other columns can recover it.
struct FinanceModel: DomainModel {
    static let summary = "One row per enterprise (synthetic credit codes), 2024 annual figures."
    static let industries = [
        "manufacturing", "wholesale_retail", "information_technology", "construction", "real_estate",
        "transport_logistics", "accommodation_catering", "finance", "leasing_business_services", "agriculture",
    ]
    static let industryWeight: [Double] = [14, 30, 10, 7, 3, 5, 8, 2, 16, 5]
    static let capitalEffect: [Double] = [0.5, -0.3, 0.1, 0.6, 1.2, 0.2, -0.4, 1.5, 0, -0.2]
    static let electricityEffect: [Double] = [1.8, 0, -0.3, 0.4, 0.2, 0.5, 0.6, -0.2, -0.4, 0.3]
    static let logisticsEffect: [Double] = [1.2, 1.5, -1, 0.3, -1.5, 2.5, 0.2, -2, -0.5, 0.6]
    /// Additive log-odds of default per industry.
    static let industryRisk: [Double] = [0.1, 0.1, -0.2, 0.6, 0.7, 0.2, 0.3, -0.3, 0, 0.2]
    static let codeAlphabet: [UInt8] = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)
    static let codeWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    static let columns: [ColumnDoc] = [
        ColumnDoc(
            "credit_code", .categorical, "",
            "Synthetic 18-character unified social credit code: \"91\" + the district's 6-digit division code + 9 random characters + GB 32100 check character. Not a real registration."
        ),
        ColumnDoc(
            "industry", .categorical, "",
            "Industry section: manufacturing, wholesale_retail, information_technology, construction, real_estate, transport_logistics, accommodation_catering, finance, leasing_business_services, agriculture (IT concentrated in Binjiang/Xihu/Yuhang, manufacturing in Xiaoshan/Qiantang/Fuyang/Linping, agriculture in the counties)."
        ),
        ColumnDoc("district", .categorical, "", "District or county of registration (population × 1.6 in the core)."),
        ColumnDoc(
            "registered_capital_10k_yuan", .float64, "10,000 yuan",
            "Registered capital: log-normal, median ≈100 × e^(industry effect), log-sd ≈1.2; two decimals."),
        ColumnDoc("employees", .int64, "persons", "Insured employees: round(e^(2 + 0.9·s + 0.5·N)), at least 1."),
        ColumnDoc(
            "tax_paid_10k_yuan", .float64, "10,000 yuan",
            "Taxes paid in 2024: 0 for loss-makers (P = logistic(−2 + z)), else log-normal, median ≈8 × e^(0.9·s − 0.5·z), σ 0.6."
        ),
        ColumnDoc(
            "electricity_kwh", .int64, "kWh",
            "Annual electricity use: log-normal, median 30,000 × e^(s + industry effect − 0.3·z), σ 0.5 (manufacturing ≈6× higher)."
        ),
        ColumnDoc(
            "court_cases", .int64, "cases",
            "Court cases as defendant in 2024: Poisson(0.25·e^(0.4·s + 0.9·z)); mostly 0, heavy right tail."),
        ColumnDoc(
            "logistics_volume", .int64, "shipments",
            "Shipments sent in 2024: round(200·e^(industry effect + 0.8·s − 0.3·z + 0.5·N))."),
        ColumnDoc(
            "default_flag", .bool, "",
            "Loan default within 12 months: P = logistic(−2.2 + 0.35·min(court_cases,10) + 1.1·[tax_paid = 0] − 0.3·ln(1+tax_paid) − 0.12·(ln(1+electricity_kwh) − 10) − 0.08·ln(1+logistics_volume) + industry risk); ≈6% overall."
        ),
    ]

    let seed: UInt64
    let districtChoice = WeightedChoice(Hangzhou.districts.map { $0.population * ($0.isCore ? 1.6 : 1) })
    let industryChoice: [WeightedChoice]

    init(seed: UInt64, totalRows: Int) {
        self.seed = seed
        industryChoice = Hangzhou.districts.map { d in
            var w = FinanceModel.industryWeight
            switch d.name {
            case "Binjiang", "Xihu", "Yuhang": w[2] *= 3
            case "Xiaoshan", "Qiantang", "Fuyang", "Linping": w[0] *= 2.2
            case "Tonglu", "Chun'an", "Jiande", "Lin'an":
                w[9] *= 3
                w[6] *= 1.5
            default: break
            }
            return WeightedChoice(w)
        }
    }

    /// The synthetic credit code of enterprise `row` registered in district `d`.
    func creditCode(row: Int, district d: Int) -> String {
        var chars: [UInt8] = Array("91".utf8) + Array(Hangzhou.districts[d].divisionCode.utf8)
        var body = pseudonym(row, seed: seed, domain: 0xF1A4, bits: 64)
        for _ in 0..<9 {
            chars.append(FinanceModel.codeAlphabet[Int(body % 31)])
            body /= 31
        }
        var sum = 0
        for (i, ch) in chars.enumerated() {
            let value = FinanceModel.codeAlphabet.firstIndex(of: ch)!
            sum += value * FinanceModel.codeWeights[i]
        }
        let check = (31 - sum % 31) % 31
        chars.append(FinanceModel.codeAlphabet[check])
        return String(decoding: chars, as: UTF8.self)
    }

    func rows(_ range: Range<Int>) -> [Column] {
        let n = range.count
        var code = IdentifierCategorical("credit_code", prefix: "", digits: 0, capacity: n)
        var industry = FixedCategorical("industry", FinanceModel.industries, capacity: n)
        var district = FixedCategorical("district", Hangzhou.districtNames, capacity: n)
        var capital: [Double] = [], tax: [Double] = []
        var employees: [Int64] = [], kwh: [Int64] = [], court: [Int64] = [], logistics: [Int64] = []
        var defaults: [Bool] = []
        capital.reserveCapacity(n)
        tax.reserveCapacity(n)
        employees.reserveCapacity(n)
        kwh.reserveCapacity(n)
        court.reserveCapacity(n)
        logistics.reserveCapacity(n)
        defaults.reserveCapacity(n)

        for row in range {
            var rng = SyntheticRNG(keys: seed, 1, UInt64(row))
            let d = districtChoice.sample(&rng)
            let ind = industryChoice[d].sample(&rng)
            let s = rng.normal(), z = rng.normal()
            let cap = rng.logNormal(mu: log(100) + FinanceModel.capitalEffect[ind] + 1.1 * s, sigma: 0.5)
            let emp = max(1, Int64(exp(2 + 0.9 * s + 0.5 * rng.normal()).rounded()))
            let lossMaking = rng.bernoulli(SyntheticRNG.logistic(-2 + z))
            let taxPaid = lossMaking ? 0 : cents(rng.logNormal(mu: log(8) + 0.9 * s - 0.5 * z, sigma: 0.6))
            let power = Int64(
                rng.logNormal(mu: log(30_000) + s + FinanceModel.electricityEffect[ind] - 0.3 * z, sigma: 0.5).rounded()
            )
            let cases = Int64(rng.poisson(0.25 * exp(0.4 * s + 0.9 * z)))
            let shipments = Int64(
                exp(log(200) + FinanceModel.logisticsEffect[ind] + 0.8 * s - 0.3 * z + 0.5 * rng.normal()).rounded())
            var logit = -2.2 + 0.35 * Double(min(cases, 10)) + (taxPaid == 0 ? 1.1 : 0) - 0.3 * log(1 + taxPaid)
            logit +=
                -0.12 * (log(1 + Double(power)) - 10) - 0.08 * log(1 + Double(shipments))
                + FinanceModel.industryRisk[ind]
            let isDefault = rng.bernoulli(SyntheticRNG.logistic(logit))

            code.append(text: creditCode(row: row, district: d), key: UInt64(row))
            industry.append(ind)
            district.append(d)
            capital.append(cents(cap))
            employees.append(emp)
            tax.append(taxPaid)
            kwh.append(power)
            court.append(cases)
            logistics.append(shipments)
            defaults.append(isDefault)
        }
        return [
            code.column(), industry.column(), district.column(), doubleColumn("registered_capital_10k_yuan", capital),
            intColumn("employees", employees), doubleColumn("tax_paid_10k_yuan", tax),
            intColumn("electricity_kwh", kwh),
            intColumn("court_cases", court), intColumn("logistics_volume", logistics),
            boolColumn("default_flag", defaults),
        ]
    }
}
