import Anonymity
import ArgumentParser
import Foundation
import PrivacyLedger
import Tabular

/// `privacy-kernel anonymity …`: check k-anonymity, l-diversity and t-closeness, find the
/// optimal generalisation, and measure re-identification risk.
struct AnonymityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anonymity",
        abstract: "Check and enforce k-anonymity, l-diversity and t-closeness on a CSV file.",
        subcommands: [Check.self, Generalise.self, Risk.self]
    )

    /// Options shared by the subcommands: the input file and its quasi-identifiers.
    struct Input: ParsableArguments {
        @Option(help: "The input CSV file.")
        var data: String

        @Option(help: "Comma-separated quasi-identifier columns.")
        var qi: String

        @Option(help: "Field separator (one ASCII character); default: ';' if the header has one and no ',', else ','.")
        var separator: String?

        var quasiIdentifiers: [String] {
            qi.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        }

        func validate() throws {
            if let separator, separator.utf8.count != 1 && separator != "\\t" {
                throw ValidationError("--separator must be one ASCII character")
            }
            if quasiIdentifiers.isEmpty { throw ValidationError("--qi needs at least one column") }
        }

        /// The separator byte, given or guessed from the header line.
        func separatorByte() throws -> UInt8 {
            if let separator { return csvSeparatorByte(separator) }
            return try CSVReader.guessSeparator(ofFile: data)
        }

        func load() throws -> (Table, UInt8) {
            let byte = try separatorByte()
            return (try Table(csv: data, options: CSVOptions(separator: byte)), byte)
        }

        /// The file projected onto `columns` (in file order): only these are parsed and kept,
        /// the others tokenized. For the commands whose output shows no other column.
        func load(columns: [String]) throws -> Table {
            try CSVReader.load(file: data, options: CSVOptions(separator: try separatorByte()), columns: columns).table
        }

        /// How `path` is read within `--memory-limit`: `nil` when it is at most a quarter of the
        /// limit (loaded whole, projected, on all cores), else the options to stream it.
        func streaming(
            _ path: String, separator: UInt8, memory: MemoryOptions
        ) throws -> AnonymityFileOptions? {
            let limit = try memory.memoryLimitBytes()
            guard MemoryOptions.fileSize(path) > limit / 4 else { return nil }
            return AnonymityFileOptions(
                csv: CSVOptions(separator: separator), memoryLimit: limit, progress: memory.progress(file: path))
        }
    }

    /// Privacy-model options shared by `check` and `generalise`.
    struct Models: ParsableArguments {
        @Option(help: "The sensitive attribute (for l-diversity and t-closeness).")
        var sensitive: String?

        @Option(help: "l for l-diversity.")
        var l: Double?

        @Option(help: "l-diversity variant: distinct, entropy or recursive.")
        var lVariant: String = "distinct"

        @Option(help: "c of recursive (c,l)-diversity.")
        var c: Double = 2

        @Option(help: "t for t-closeness, in (0, 1].")
        var t: Double?

        @Option(help: "t-closeness ground distance: equal, ordered or hierarchical.")
        var tDistance: String = "equal"

        @Option(help: "ARX CSV hierarchy of the sensitive attribute (hierarchical t-closeness).")
        var sensitiveHierarchy: String?

        func validate() throws {
            guard ["distinct", "entropy", "recursive"].contains(lVariant) else {
                throw ValidationError("--l-variant must be distinct, entropy or recursive")
            }
            guard ["equal", "ordered", "hierarchical"].contains(tDistance) else {
                throw ValidationError("--t-distance must be equal, ordered or hierarchical")
            }
            if tDistance == "hierarchical" && sensitiveHierarchy == nil && t != nil {
                throw ValidationError("--t-distance hierarchical needs --sensitive-hierarchy")
            }
            if (l != nil || t != nil) && sensitive == nil { throw ValidationError("--l and --t need --sensitive") }
        }

        func lModel(_ l: Double) -> PrivacyModel {
            switch lVariant {
            case "entropy": .entropyLDiversity(l: l)
            case "recursive": .recursiveLDiversity(c: c, l: Int(l.rounded(.up)))
            default: .distinctLDiversity(l: Int(l.rounded(.up)))
            }
        }

        func tModel(_ t: Double) throws -> PrivacyModel {
            switch tDistance {
            case "ordered": return .orderedDistanceTCloseness(t: t)
            case "hierarchical":
                return .hierarchicalTCloseness(
                    t: t, hierarchy: try Hierarchy(contentsOf: sensitiveHierarchy!, attribute: sensitive ?? ""))
            default: return .equalDistanceTCloseness(t: t)
            }
        }
    }

    /// `anonymity check --data FILE --qi a,b,c [--sensitive s] [--k K] [--l L] [--t T] [--json]`.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Report the k, l and t a table achieves over its quasi-identifiers, and the offending classes.",
            discussion:
                "k is always reported (the smallest class). With --sensitive, l (distinct by default) and t (equal distance by default) are reported too; --k/--l/--t set requirements whose offending classes are listed."
        )

        @OptionGroup var input: Input
        @OptionGroup var models: Models
        @OptionGroup var location: LedgerLocation
        @OptionGroup var memory: MemoryOptions

        @Option(help: "Required k (at least 2).")
        var k: Int?

        @Option(help: "List at most this many offending classes per model.")
        var maxOffending: Int = 20

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            try location.requireRawAccess(to: input.data, request: "anonymity check")
            var requirements: [PrivacyModel] = [.kAnonymity(k: k ?? 2)]
            if models.sensitive != nil {
                requirements.append(models.lModel(models.l ?? 1))
                requirements.append(try models.tModel(models.t ?? 1))
            }
            let classes: EquivalenceClassSizes, reports: [CheckReport], seconds: Double
            if let streaming = try input.streaming(input.data, separator: try input.separatorByte(), memory: memory) {
                // Larger than a quarter of --memory-limit: read block by block, the same reports.
                let start = Date()
                (classes, reports) = try Anonymiser.check(
                    file: input.data, options: streaming, quasiIdentifiers: input.quasiIdentifiers,
                    sensitive: models.sensitive, requirements: requirements)
                seconds = Date().timeIntervalSince(start)
            } else {
                let table = try input.load(columns: input.quasiIdentifiers + (models.sensitive.map { [$0] } ?? []))
                let start = Date()
                let checked = try Anonymiser.check(
                    table, quasiIdentifiers: input.quasiIdentifiers,
                    sensitive: models.sensitive, requirements: requirements)
                (classes, reports) = (checked.classes.classSizes, checked.reports)
                seconds = Date().timeIntervalSince(start)
            }
            let asked: [Bool] = [k != nil, models.l != nil, models.t != nil]
            let keys = ["k", "l", "t"]
            if json {
                var object: [String: Any] = [
                    "rows": classes.rowCount, "classes": classes.count, "seconds": seconds,
                    "quasi_identifiers": input.quasiIdentifiers,
                ]
                for (i, report) in reports.enumerated() {
                    object[keys[i]] = i == 0 ? Int(report.achieved) as Any : report.achieved as Any
                    object["\(keys[i])_model"] = report.model.name
                    if asked[i] {
                        object["\(keys[i])_satisfied"] = report.satisfied
                        object["\(keys[i])_offending_classes"] = report.offendingClasses.count
                        object["\(keys[i])_offending_rows"] = report.offendingRows
                        object["\(keys[i])_offending_sample"] = Array(report.offendingClasses.prefix(maxOffending)).map
                        { c in
                            ["class": c, "size": classes.sizes[c], "first_row": classes.firstRow[c]] as [String: Any]
                        }
                    }
                }
                print(try jsonString(object))
            } else {
                print(
                    "rows: \(classes.rowCount)  classes: \(classes.count)  (\(String(format: "%.1f", seconds * 1000)) ms)"
                )
                for (i, report) in reports.enumerated() {
                    var line = "\(keys[i]) = \(format(report.achieved))  [\(report.model.name)]"
                    if asked[i] {
                        line +=
                            report.satisfied
                            ? "  satisfies \(report.model)"
                            : "  fails \(report.model): \(report.offendingClasses.count) classes, \(report.offendingRows) rows"
                    }
                    print(line)
                }
            }
            let failed = reports.enumerated().contains { asked[$0.offset] && !$0.element.satisfied }
            if failed { throw ExitCode(1) }
        }
    }

    /// `anonymity generalise --data FILE --qi ... --hierarchy COL=FILE ... --k K --suppression F --out OUT.csv`.
    struct Generalise: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find the optimal full-domain generalisation (with suppression) and write the anonymised table.",
            discussion:
                "Every quasi-identifier needs an ARX CSV hierarchy (';'-separated, one row per value, one column per level). The search is exact; ties keep the least generalised transformation. The lattice (the product of the hierarchies' level counts) may have at most \(Anonymiser.maximumLatticeSize) transformations; a larger one is refused before the data is read. A search that runs longer than a second reports its progress on stderr (unless --quiet)."
        )

        @OptionGroup var input: Input
        @OptionGroup var models: Models

        @Option(help: "A hierarchy as COLUMN=FILE (repeat per quasi-identifier).")
        var hierarchy: [String] = []

        @Option(help: "Required k (at least 2).")
        var k: Int

        @Option(help: "Largest fraction of rows that may be suppressed, in [0, 1).")
        var suppression: Double = 0

        @Option(help: "Utility metric: loss, discernibility, aecs or entropy.")
        var metric: String = "loss"

        @Option(
            help:
                "Output CSV file, a name relative to the ledger's export area (no absolute path, no '..', never overwritten): written only through the export gate (needs --operator and --scenario)."
        )
        var out: String?

        @OptionGroup var location: LedgerLocation

        @OptionGroup var identity: ReleaseIdentity

        @Flag(help: "Drop suppressed rows instead of writing '*' in every quasi-identifier.")
        var dropSuppressed = false

        @Flag(help: "No progress on stderr.")
        var quiet = false

        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            guard UtilityMetric(rawValue: metric) != nil else {
                throw ValidationError("--metric must be loss, discernibility, aecs or entropy")
            }
            for h in hierarchy where !h.contains("=") {
                throw ValidationError("--hierarchy \(h): expected COLUMN=FILE")
            }
            if out != nil && identity.operator == nil {
                throw ValidationError(
                    "--out writes microdata: it goes through the export gate and needs --operator and --scenario (and the ledger)"
                )
            }
        }

        func run() throws {
            let ledger = try out.map { _ in try location.open() }
            let dataset = SQLiteLedger.datasetName(forFile: input.data)
            if out == nil {
                try location.requireRawAccess(to: input.data, request: "anonymity generalise (statistics, no export)")
            }
            // In platform mode an export prints only what the gate released: the file and its
            // levels (visible in the file), never counts of the raw rows.
            let releasedOnly = try ledger?.isPlatformMode() ?? false
            if let ledger, let op = identity.operator, let scenario = identity.scenario {
                // Refuse before the search: the operator must hold an authorisation for these columns.
                try ledger.authorise(
                    operator: op, scenario: scenario, dataset: dataset,
                    columns: try csvHeader(input.data, separator: try input.separatorByte()))
                try ledger.verifyFile(input.data, operator: op, scenario: scenario)
            }
            var hierarchies: [String: Hierarchy] = [:]
            for spec in hierarchy {
                let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
                hierarchies[parts[0]] = try Hierarchy(contentsOf: parts[1], attribute: parts[0])
            }
            // The lattice size is known from the hierarchies: refuse an oversized search before reading the data.
            let nodes = Anonymiser.latticeSize(input.quasiIdentifiers.compactMap { hierarchies[$0] })
            if nodes > Double(Anonymiser.maximumLatticeSize) {
                throw AnonymityError.latticeTooLarge(nodes: nodes, limit: Anonymiser.maximumLatticeSize)
            }
            let (table, separator) = try input.load()
            var privacy: [PrivacyModel] = [.kAnonymity(k: k)]
            if let l = models.l { privacy.append(models.lModel(l)) }
            if let t = models.t { privacy.append(try models.tModel(t)) }
            let start = Date()
            var lastReport = start, reported = false
            let result = try Anonymiser.generalise(
                table, quasiIdentifiers: input.quasiIdentifiers, hierarchies: hierarchies,
                models: privacy, sensitive: models.sensitive, suppressionLimit: suppression,
                metric: UtilityMetric(rawValue: metric)!
            ) { step in
                // Long searches only: nothing during the first second, then at most one line per second.
                guard !quiet else { return }
                let now = Date()
                guard now.timeIntervalSince(start) >= 1,
                    now.timeIntervalSince(lastReport) >= 1 || step.phase == .finished
                else { return }
                if step.phase == .finished && !reported { return }
                lastReport = now
                reported = true
                let line = String(
                    format: "\rgeneralise: %@, %d of %d transformations visited, %d evaluated, %.0f s",
                    step.phase.rawValue, step.visited, step.latticeSize, step.evaluated, now.timeIntervalSince(start))
                FileHandle.standardError.write(Data(line.utf8))
                if step.phase == .finished { FileHandle.standardError.write(Data("\n".utf8)) }
            }
            let seconds = Date().timeIntervalSince(start)
            var written: String?
            if let out {
                let anonymised = try result.anonymisedTable(table, suppressed: dropSuppressed ? .drop : .star)
                // The export gate: authorisation, level-4 columns, k ≥ the platform's minimum, and a
                // k-anonymity check of the table as written; the export is recorded before the file
                // appears, as the operator's derived data.
                written =
                    try ledger!.export(
                        anonymised, as: out, check: .microdata(quasiIdentifiers: input.quasiIdentifiers, k: k),
                        operator: identity.operator!, scenario: identity.scenario!, dataset: dataset,
                        separator: separator
                    ).query
            }
            if releasedOnly {
                let levels = zip(result.quasiIdentifiers, result.levels)
                if json {
                    let object: [String: Any] = [
                        "levels": Dictionary(uniqueKeysWithValues: levels), "level_vector": result.levels,
                        "quasi_identifiers": result.quasiIdentifiers, "out": written.map { $0 as Any } ?? NSNull(),
                    ]
                    print(try jsonString(object))
                } else {
                    print("levels: \(levels.map { "\($0)=\($1)" }.joined(separator: " "))")
                    print("wrote \(written ?? "")")
                }
                return
            }
            if json {
                let levels = Dictionary(uniqueKeysWithValues: zip(result.quasiIdentifiers, result.levels))
                let object: [String: Any] = [
                    "levels": levels, "level_vector": result.levels, "quasi_identifiers": result.quasiIdentifiers,
                    "suppressed": result.suppressedRows, "classes": result.classCount,
                    "min_class_size": result.minimumClassSize,
                    "metric": result.metric.rawValue, "score": result.score, "loss": result.loss,
                    "discernibility": result.discernibility, "aecs": result.averageClassSize,
                    "entropy": result.nonUniformEntropy,
                    "lattice_size": result.latticeSize, "nodes_evaluated": result.nodesEvaluated, "seconds": seconds,
                    "rows": table.rowCount, "out": written.map { $0 as Any } ?? NSNull(),
                ]
                print(try jsonString(object))
            } else {
                let levels = zip(result.quasiIdentifiers, result.levels).map { "\($0)=\($1)" }.joined(separator: " ")
                print("levels: \(levels)")
                print(
                    "suppressed: \(result.suppressedRows) of \(table.rowCount) rows  classes: \(result.classCount)  smallest: \(result.minimumClassSize)"
                )
                print(
                    "\(result.metric.rawValue): \(format(result.score))  (loss \(format(result.loss)), discernibility \(format(result.discernibility)), aecs \(format(result.averageClassSize)), entropy \(format(result.nonUniformEntropy)))"
                )
                print(
                    "evaluated \(result.nodesEvaluated) of \(result.latticeSize) transformations in \(String(format: "%.1f", seconds * 1000)) ms"
                        + (written.map { "; wrote \($0)" } ?? ""))
            }
        }
    }

    /// `anonymity risk --data FILE --qi ... [--threshold R] [--population FILE] [--json]`.
    struct Risk: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prosecutor, journalist and marketer re-identification risk.")

        @OptionGroup var input: Input
        @OptionGroup var location: LedgerLocation
        @OptionGroup var memory: MemoryOptions

        @Option(help: "A row is at risk when its prosecutor risk (1 / class size) is above this.")
        var threshold: Double = 0.2

        @Option(help: "Population CSV with the same quasi-identifier columns (journalist risk).")
        var population: String?

        @Option(
            help:
                "Field separator of the --population file (one ASCII character); default: --separator if given, else guessed from the population file's own header like --separator."
        )
        var populationSeparator: String?

        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            if let populationSeparator {
                guard populationSeparator.utf8.count == 1 || populationSeparator == "\\t" else {
                    throw ValidationError("--population-separator must be one ASCII character")
                }
                guard population != nil else { throw ValidationError("--population-separator needs --population") }
            }
        }

        func run() throws {
            try location.requireRawAccess(to: input.data, request: "anonymity risk")
            if let population { try location.requireRawAccess(to: population, request: "anonymity risk (population)") }
            // The population file is read with its own separator: given, the data's given one, or its own header's.
            let populationByte = try population.map { path in
                try populationSeparator.map(csvSeparatorByte) ?? input.separator.map(csvSeparatorByte)
                    ?? CSVReader.guessSeparator(ofFile: path)
            }
            let separator = try input.separatorByte()
            let streaming = try input.streaming(input.data, separator: separator, memory: memory)
            let populationStreaming = try population.flatMap { path in
                try input.streaming(path, separator: populationByte!, memory: memory)
            }
            let r: RiskReport
            if streaming != nil || populationStreaming != nil {
                // Either file is larger than a quarter of --memory-limit: both are read block by
                // block, the same report.
                let limit = try memory.memoryLimitBytes()
                r = try Anonymiser.risk(
                    file: input.data,
                    options: streaming ?? AnonymityFileOptions(csv: CSVOptions(separator: separator), memoryLimit: limit),
                    quasiIdentifiers: input.quasiIdentifiers, threshold: threshold, population: population,
                    populationOptions: populationByte.map { byte in
                        populationStreaming ?? AnonymityFileOptions(csv: CSVOptions(separator: byte), memoryLimit: limit)
                    })
            } else {
                let table = try input.load(columns: input.quasiIdentifiers)
                let populationTable = try population.map { path in
                    try CSVReader.load(
                        file: path, options: CSVOptions(separator: populationByte!), columns: input.quasiIdentifiers
                    ).table
                }
                r = try Anonymiser.risk(
                    table, quasiIdentifiers: input.quasiIdentifiers, threshold: threshold, population: populationTable)
            }
            let object: [String: Any] = [
                "rows": r.rowCount, "classes": r.classCount, "prosecutor_max": r.prosecutorMaximum,
                "prosecutor_avg": r.prosecutorAverage,
                "journalist_max": r.journalistMaximum, "journalist_avg": r.journalistAverage, "marketer": r.marketer,
                "threshold": r.threshold, "rows_at_risk": r.rowsAtRisk, "unique_rows": r.uniqueRows,
            ]
            if json {
                print(try jsonString(object))
            } else {
                for key in object.keys.sorted() { print("\(key): \(object[key]!)") }
            }
        }
    }
}

/// The byte of a `--separator`-style option: one ASCII character, or `\t` for a tab.
func csvSeparatorByte(_ text: String) -> UInt8 { text == "\\t" ? UInt8(ascii: "\t") : text.utf8.first! }

private func format(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.6f", v)
}

private func jsonString(_ object: [String: Any]) throws -> String {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}
