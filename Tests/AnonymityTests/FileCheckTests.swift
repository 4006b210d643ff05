import Foundation
import Testing
import Tabular
@testable import Anonymity
import _TestSupport

/// Checks and risk streamed over files block by block give the whole-table results, bit for bit.
@Suite("Anonymity checks over files (streamed)")
struct FileCheckTests {
    /// Options that cut a small file into many blocks.
    static func smallBlocks(_ csv: CSVOptions = CSVOptions(), bytes: Int = 4096) -> AnonymityFileOptions {
        var options = AnonymityFileOptions(csv: csv)
        options.blockBytesForTesting = bytes
        return options
    }

    static func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("pk-filecheck-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let everyModel: [PrivacyModel] = [
        .kAnonymity(k: 3), .distinctLDiversity(l: 2), .entropyLDiversity(l: 1.5),
        .recursiveLDiversity(c: 2, l: 2), .equalDistanceTCloseness(t: 0.4), .orderedDistanceTCloseness(t: 0.3),
    ]

    @Test("Adult, 8 quasi-identifiers, every model: streamed reports equal the whole-table ones",
          .enabled(if: SharedData.available()))
    func adultEveryModel() throws {
        let path = SharedData.path("adult/adult.csv")
        let csv = CSVOptions(separator: UInt8(ascii: ";"))
        let hierarchy = try Adult.hierarchies()["salary-class"]!
        let models = Self.everyModel + [.hierarchicalTCloseness(t: 0.2, hierarchy: hierarchy)]
        let whole = try Anonymiser.check(
            try Table(csv: path, options: csv), quasiIdentifiers: Adult.quasiIdentifiers, sensitive: "salary-class",
            requirements: models)
        let streamed = try Anonymiser.check(
            file: path, options: Self.smallBlocks(csv, bytes: 64 << 10), quasiIdentifiers: Adult.quasiIdentifiers,
            sensitive: "salary-class", requirements: models)
        #expect(streamed.classes == whole.classes.classSizes)
        #expect(streamed.classes.count == 18_109)
        #expect(streamed.reports == whole.reports)

        let wholeRisk = try Anonymiser.risk(
            try Table(csv: path, options: csv), quasiIdentifiers: Adult.quasiIdentifiers, threshold: 0.1)
        let streamedRisk = try Anonymiser.risk(
            file: path, options: Self.smallBlocks(csv, bytes: 64 << 10), quasiIdentifiers: Adult.quasiIdentifiers,
            threshold: 0.1)
        #expect(streamedRisk == wholeRisk)
    }

    /// Missing values, "NULL" as text, −0 and 0, dates, booleans, and a numeric quasi-identifier
    /// that turns to text in a late block (the read widens it and starts again).
    static func mixedFile(rows: Int) -> String {
        var text = "zip,age,score,day,flag,diagnosis,visits\n"
        for i in 0..<rows {
            let zip = i == rows - 3 ? "9x01" : String(31_000 + (i * 7) % 13)
            let age = i % 17 == 0 ? "" : String(20 + (i * 11) % 9)
            let score = i % 29 == 0 ? "-0.0" : (i % 31 == 0 ? "0" : String(Double((i * 3) % 7) / 2))
            let day = "2024-0\(1 + i % 3)-1\(i % 5)"
            let flag = i % 13 == 0 ? "" : (i % 2 == 0 ? "true" : "false")
            let diagnosis = i % 19 == 0 ? "" : (i % 23 == 0 ? "NULL" : ["flu", "asthma", "gout", "angina"][(i * 5) % 4])
            let visits = i % 37 == 0 ? "" : String((i * 13) % 11)
            text += "\(zip),\(age),\(score),\(day),\(flag),\(diagnosis),\(visits)\n"
        }
        return text
    }

    @Test("Mixed types, missing values and a late widening: same classes, reports and risk")
    func mixedTypes() throws {
        let path = try Self.write(Self.mixedFile(rows: 6_000))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try Table(csv: path)
        let quasiIdentifiers = ["zip", "age", "score", "day", "flag"]
        for sensitive in ["diagnosis", "visits"] {
            let whole = try Anonymiser.check(
                table, quasiIdentifiers: quasiIdentifiers, sensitive: sensitive, requirements: Self.everyModel)
            let passes = Counts()
            var options = Self.smallBlocks()
            options.progress = { progress in passes.add(ok: false, other: String(progress.pass)) }
            let streamed = try Anonymiser.check(
                file: path, options: options, quasiIdentifiers: quasiIdentifiers, sensitive: sensitive,
                requirements: Self.everyModel)
            #expect(Set(passes.others) == ["1", "2"], "the zip column widens in the last block")
            #expect(streamed.classes == whole.classes.classSizes)
            #expect(streamed.reports == whole.reports)
            // The counts behind the reports: same codes (whole-column order), same counts.
            let counter = try Anonymiser.countClasses(
                file: path, options: Self.smallBlocks(), quasiIdentifiers: quasiIdentifiers, sensitive: sensitive)
            let (attribute, counts) = try #require(counter.sensitiveDistribution())
            let encoded = EncodedColumn(try #require(table[sensitive]))
            #expect(counts == whole.classes.sensitiveCounts(encoded))
            #expect(attribute.dictionary == encoded.dictionary)
            #expect(attribute.numericValues?.map(\.bitPattern) == encoded.numericValues?.map(\.bitPattern))
            #expect(attribute.valueCounts == SensitiveAttribute(encoded).valueCounts)
        }
        let wholeRisk = try Anonymiser.risk(table, quasiIdentifiers: quasiIdentifiers, threshold: 0.3)
        let streamedRisk = try Anonymiser.risk(
            file: path, options: Self.smallBlocks(), quasiIdentifiers: quasiIdentifiers, threshold: 0.3)
        #expect(streamedRisk == wholeRisk)
    }

    @Test("Population risk: matched by text across types, tuples absent from the sample dropped")
    func populationRisk() throws {
        // The sample's age is an integer; the population's age has "unknown" in one row, so it is
        // read as text and matched by text ("31" = 31).
        var sample = "city,age,sex\n"
        var population = "city;age;sex\n"
        for i in 0..<3_000 {
            let row = (city: ["Hangzhou", "Ningbo", "NULL", ""][i % 4], age: 30 + i % 6, sex: i % 3 == 0 ? "F" : "M")
            sample += "\(row.city),\(row.age),\(row.sex)\n"
        }
        for i in 0..<20_000 {
            let city = ["Hangzhou", "Ningbo", "NULL", "", "Wenzhou"][i % 5]
            let age = i == 17 ? "unknown" : String(30 + i % 8)
            population += "\(city);\(age);\(i % 3 == 0 ? "F" : "M")\n"
        }
        let samplePath = try Self.write(sample)
        let populationPath = try Self.write(population)
        defer {
            try? FileManager.default.removeItem(atPath: samplePath)
            try? FileManager.default.removeItem(atPath: populationPath)
        }
        let semicolon = CSVOptions(separator: UInt8(ascii: ";"))
        let whole = try Anonymiser.risk(
            try Table(csv: samplePath), quasiIdentifiers: ["city", "age", "sex"], threshold: 0.05,
            population: try Table(csv: populationPath, options: semicolon))
        let streamed = try Anonymiser.risk(
            file: samplePath, options: Self.smallBlocks(), quasiIdentifiers: ["city", "age", "sex"], threshold: 0.05,
            population: populationPath, populationOptions: Self.smallBlocks(semicolon))
        #expect(streamed == whole)
        #expect(streamed.journalistAverage < streamed.prosecutorAverage, "the population is larger than the sample")
    }

    @Test("Classes that outgrow half the memory limit: a typed error, not an out-of-memory kill")
    func memoryLimit() throws {
        let text = "id\n" + (0..<200_000).map { "\($0 * 3)\n" }.joined()
        let path = try Self.write(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let options = AnonymityFileOptions(memoryLimit: 16 << 20)
        #expect {
            _ = try Anonymiser.check(
                file: path, options: options, quasiIdentifiers: ["id"], requirements: [.kAnonymity(k: 2)])
        } throws: { error in
            guard case let .memoryLimitExceeded(what, limit)? = error as? AnonymityError else { return false }
            return limit == 16 << 20 && what.contains("equivalence classes")
        }
        // A limit large enough for 200,000 classes answers.
        let answered = try Anonymiser.check(
            file: path, options: AnonymityFileOptions(memoryLimit: 256 << 20), quasiIdentifiers: ["id"],
            requirements: [.kAnonymity(k: 2)])
        #expect(answered.classes.count == 200_000)
    }

    @Test("Bad arguments are refused before the file is read")
    func badArguments() throws {
        let path = try Self.write("a,b,s\n1,2,x\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let k2: [PrivacyModel] = [.kAnonymity(k: 2)]
        #expect(throws: AnonymityError.noQuasiIdentifiers) {
            _ = try Anonymiser.check(file: path, quasiIdentifiers: [], requirements: k2)
        }
        #expect(throws: AnonymityError.duplicateColumn(name: "a")) {
            _ = try Anonymiser.check(file: path, quasiIdentifiers: ["a", "b"], sensitive: "a", requirements: k2)
        }
        #expect(throws: AnonymityError.missingSensitiveAttribute(check: "distinct-l-diversity")) {
            _ = try Anonymiser.check(file: path, quasiIdentifiers: ["a"], requirements: [.distinctLDiversity(l: 2)])
        }
        #expect(throws: AnonymityError.invalidK(1)) {
            _ = try Anonymiser.check(file: path, quasiIdentifiers: ["a"], requirements: [.kAnonymity(k: 1)])
        }
        #expect(throws: AnonymityError.self) {
            _ = try Anonymiser.check(
                file: path, options: AnonymityFileOptions(memoryLimit: 1 << 20), quasiIdentifiers: ["a"], requirements: k2)
        }
        #expect(throws: TabularError.columnNotFound(name: "c", available: ["a", "b", "s"])) {
            _ = try Anonymiser.check(file: path, quasiIdentifiers: ["a", "c"], requirements: k2)
        }
        #expect(throws: AnonymityError.invalidArgument(name: "threshold", reason: "2.0 is outside [0, 1]")) {
            _ = try Anonymiser.risk(file: path, quasiIdentifiers: ["a"], threshold: 2)
        }
    }

    /// A random CSV: QI columns of random kinds (small integers, text, decimals, booleans, dates),
    /// missing values at a random rate, and a sensitive column.
    static func randomFile(seed: UInt64, rows: Int, columns: Int) -> String {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        let kinds = (0..<columns).map { _ in below(5) }
        let missingRate = below(4)  // 0: none, else about 1 in 8 × rate
        var text = (0..<columns).map { "q\($0)" }.joined(separator: ",") + ",s\n"
        for _ in 0..<rows {
            var fields: [String] = []
            for kind in kinds {
                if missingRate > 0 && below(8 * missingRate) == 0 {
                    fields.append("")
                    continue
                }
                switch kind {
                case 0: fields.append(String(below(6) - 2))
                case 1: fields.append(["a", "b", "c", "NULL", "d e"][below(5)])
                case 2: fields.append(["0.5", "-0.0", "0", "2.25", "1e3"][below(5)])
                case 3: fields.append(below(2) == 0 ? "true" : "false")
                default: fields.append("2024-0\(1 + below(3))-1\(below(3))")
                }
            }
            fields.append(below(9) == 0 ? "" : ["flu", "gout", "asthma", "7"][below(4)])
            text += fields.joined(separator: ",") + "\n"
        }
        return text
    }

    @Test("random files, kinds, missing values and block sizes: streamed equals whole", arguments: 0..<24)
    func randomEquivalence(seed: Int) throws {
        let columns = 1 + seed % 4
        let path = try Self.write(Self.randomFile(seed: UInt64(seed), rows: 300 + seed * 37, columns: columns))
        let population = try Self.write(Self.randomFile(seed: UInt64(seed + 1_000), rows: 900, columns: columns))
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: population)
        }
        let quasiIdentifiers = (0..<columns).map { "q\($0)" }
        let table = try Table(csv: path)
        let options = Self.smallBlocks(bytes: 256 << (seed % 5))
        let whole = try Anonymiser.check(
            table, quasiIdentifiers: quasiIdentifiers, sensitive: "s", requirements: Self.everyModel)
        let streamed = try Anonymiser.check(
            file: path, options: options, quasiIdentifiers: quasiIdentifiers, sensitive: "s",
            requirements: Self.everyModel)
        #expect(streamed.classes == whole.classes.classSizes, "seed \(seed)")
        #expect(streamed.reports == whole.reports, "seed \(seed)")
        // The population may infer other types than the sample (matched by text).
        let wholeRisk = try Anonymiser.risk(
            table, quasiIdentifiers: quasiIdentifiers, threshold: 0.25, population: try Table(csv: population))
        let streamedRisk = try Anonymiser.risk(
            file: path, options: options, quasiIdentifiers: quasiIdentifiers, threshold: 0.25,
            population: population, populationOptions: options)
        #expect(streamedRisk == wholeRisk, "seed \(seed)")
    }
}
