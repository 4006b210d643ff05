import ArgumentParser
import DifferentialPrivacy
import Foundation
import PlatformService
import PrivacyLedger
import Tabular

/// `privacy-kernel dp …`: one differentially private release from a CSV file.
struct DPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dp",
        abstract: "Release one differentially private statistic of a CSV file.",
        discussion: """
            With --operator and --scenario, the release goes through the privacy ledger (--ledger FILE, default \
            $PRIVACY_KERNEL_LEDGER or ./privacy-ledger.sqlite): it is refused unless an active authorisation covers the \
            operator, scenario, dataset, columns and remaining budget; the charge is committed to the ledger before \
            the noise is sampled, and the result's digest and cost are recorded before it is printed. \
            Without them (development only), each run opens a throw-away session whose budget is exactly this \
            release's ε (with δ, or ρ). Either way the statistic's partial is computed on all cores, charged, and only \
            then noised. Only the columns the query reads are parsed, and the file is streamed within --memory-limit \
            (default 256MiB), so files larger than memory work; with --privacy-unit on a file larger than a quarter \
            of the limit, rows are spilled by unit to --work-directory and deleted after. Examples (the first grants the authorisation the second uses):
              privacy-kernel ledger grant --operator op-17 --scenario transport-od --epsilon 1 --data datasets/transport.csv
              privacy-kernel dp count --data datasets/transport.csv --epsilon 0.1 --operator op-17 --scenario transport-od
              privacy-kernel dp count --data datasets/transport.csv --epsilon 1
              privacy-kernel dp mean --data datasets/transport.csv --column fare --bounds 0:50 --epsilon 1 --json
              privacy-kernel dp mean --data datasets/transport.csv --column fare --bounds 0:50 --epsilon 1 --memory-limit 128MiB --quiet
              privacy-kernel dp histogram --data datasets/transport.csv --column origin_district --select-partitions --epsilon 1 --delta 1e-6
              privacy-kernel dp sum --data datasets/transport.csv --column fare --bounds 0:50 --by age_band --keys datasets/transport_age_bands.txt \\
                  --privacy-unit card_id --max-partitions 2 --max-contributions 5 --epsilon 1 --mechanism gaussian --delta 1e-6
            """,
        subcommands: [
            Count.self, Sum.self, Mean.self, Variance.self, StandardDeviation.self, Quantile.self, Histogram.self,
        ]
    )

    struct Count: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Count rows (or the non-missing values of --column).")
        @OptionGroup var options: DPOptions
        func run() throws { try options.run(.count) }
    }
    struct Sum: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sum a numeric column clamped to --bounds.")
        @OptionGroup var options: DPOptions
        func run() throws { try options.run(.sum) }
    }
    struct Mean: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mean of a numeric column clamped to --bounds (noisy sum / noisy count).")
        @OptionGroup var options: DPOptions
        func run() throws { try options.run(.mean) }
    }
    struct Variance: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Variance of a numeric column clamped to --bounds.")
        @OptionGroup var options: DPOptions
        func run() throws { try options.run(.variance) }
    }
    struct StandardDeviation: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stddev", abstract: "Standard deviation of a numeric column clamped to --bounds.")
        @OptionGroup var options: DPOptions
        func run() throws { try options.run(.standardDeviation) }
    }
    struct Quantile: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Quantiles (--levels, default the median) by the exponential mechanism.")
        @OptionGroup var options: DPOptions
        func run() throws { try options.run(.quantiles) }
    }
    struct Histogram: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Counts per category of --column (declared --keys or --select-partitions), or per --bins over --bounds."
        )
        @OptionGroup var options: DPOptions
        func run() throws { try options.run(.histogram) }
    }
}

/// Options shared by every `dp` statistic.
struct DPOptions: ParsableArguments {
    @Option(help: "The CSV file.")
    var data: String

    @Option(help: "The value column (for a count: count its non-missing values).")
    var column: String?

    @Option(parsing: .unconditional, help: "Clamping bounds L:U in the column's unit (e.g. 0:50, -10:10).")
    var bounds: String?

    @Option(help: "Group by this column.")
    var by: String?

    @Option(
        help:
            "File of public partition keys, one per line (UTF-8, at most 16 MiB; blank lines skipped), e.g. datasets/transport_age_bands.txt."
    )
    var keys: String?

    @Flag(help: "Choose the released keys by DP partition selection (needs --delta).")
    var selectPartitions = false

    @Option(help: "The column identifying a privacy unit (a person, a card).")
    var privacyUnit: String?

    @Option(help: "With --privacy-unit: at most this many partitions per unit.")
    var maxPartitions: Int = 1

    @Option(help: "With --privacy-unit: at most this many rows per unit and partition.")
    var maxContributions: Int = 1

    // `.unconditional` so that a negative value (`--epsilon -1`) reaches validation and gets
    // the rule, instead of being taken for an option and reported as a missing value.
    @Option(parsing: .unconditional, help: "ε (> 0).")
    var epsilon: Double?

    @Option(
        parsing: .unconditional,
        help: "δ in (0, 1): for gaussian, for discrete-gaussian given ε, and for partition selection.")
    var delta: Double?

    @Option(
        parsing: .unconditional, help: "ρ (> 0) for discrete-gaussian (zCDP) instead of ε; not together with --epsilon."
    )
    var rho: Double?

    @Option(
        help:
            "What to do when --column is text because it holds NaN, ±inf or out-of-range numbers: refuse (default: the column's type is refused), clamp (±inf to the bounds; NaN and other text missing) or drop (every non-finite value missing)."
    )
    var nonFinite: String = "refuse"

    @Option(help: "laplace | gaussian | discrete-laplace | discrete-gaussian.")
    var mechanism: String = "laplace"

    @Flag(help: "Calibrate the gaussian mechanism classically (ε < 1) instead of analytically.")
    var classicGaussian = false

    @Option(help: "Quantile levels, comma-separated (default 0.5).")
    var levels: String = "0.5"

    @Option(help: "Histogram: equal-width bins over --bounds for a numeric column.")
    var bins: Int?

    @Option(help: "CSV field separator (one ASCII character).")
    var separator: String = ","

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var scan: ScanOptions

    @OptionGroup var location: LedgerLocation

    @OptionGroup var identity: ReleaseIdentity

    func validate() throws {
        if location.ledger != nil && identity.operator == nil {
            throw ValidationError("--ledger needs --operator and --scenario")
        }
        guard NoiseMechanism(rawValue: mechanism) != nil else {
            throw ValidationError(
                "unknown --mechanism '\(mechanism)'; choose laplace, gaussian, discrete-laplace or discrete-gaussian")
        }
        guard separator.utf8.count == 1, separator.unicodeScalars.first!.isASCII else {
            throw ValidationError("--separator must be one ASCII character")
        }
        if epsilon == nil && rho == nil { throw ValidationError("give --epsilon (or --rho for discrete-gaussian)") }
        if epsilon != nil && rho != nil {
            throw ValidationError(
                "give --epsilon or --rho, not both (--rho states the release in zCDP, --epsilon in ε)")
        }
        if rho != nil && mechanism != NoiseMechanism.discreteGaussian.rawValue {
            throw ValidationError("--rho needs --mechanism discrete-gaussian (the other mechanisms are stated in ε)")
        }
        if let epsilon, !(epsilon.isFinite && epsilon > 0) {
            throw ValidationError("--epsilon must be finite and > 0, got \(epsilon)")
        }
        if let rho, !(rho.isFinite && rho > 0) { throw ValidationError("--rho must be finite and > 0, got \(rho)") }
        if let delta, !(delta > 0 && delta < 1) { throw ValidationError("--delta must lie in (0, 1), got \(delta)") }
        guard NonFiniteValuePolicy(rawValue: nonFinite) != nil else {
            throw ValidationError(
                "unknown --non-finite '\(String(nonFinite.prefix(64)))'; choose refuse, clamp or drop")
        }
    }

    func parsedBounds() throws -> (Double, Double)? {
        guard let bounds else { return nil }
        let parts = bounds.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let lower = Double(parts[0]), let upper = Double(parts[1]) else {
            throw ValidationError("--bounds must be L:U with two numbers, got '\(String(bounds.prefix(64)))'")
        }
        return (lower, upper)
    }

    /// The query of these options, built and checked by the library's
    /// ``DPQuerySpecification`` (the CLI only parses `--bounds`, `--levels` and the keys file).
    func query(_ statistic: DPStatistic) throws -> DPQuery {
        var specification = DPQuerySpecification(statistic: statistic, column: column)
        if let range = try parsedBounds() { (specification.lower, specification.upper) = range }
        specification.groupBy = by
        if let keys { specification.keys = try readKeysFile(keys, option: "--keys") }
        specification.selectPartitions = selectPartitions
        specification.privacyUnit = privacyUnit
        specification.maxPartitionsPerUnit = maxPartitions
        specification.maxContributionsPerPartition = maxContributions
        if statistic == .quantiles {
            specification.quantileLevels = try levels.split(separator: ",").map { text in
                guard let level = Double(text.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("--levels must be numbers in [0, 1], got '\(String(text.prefix(64)))'")
                }
                return level
            }
        }
        specification.histogramBins = bins
        specification.nonFiniteValues = NonFiniteValuePolicy(rawValue: nonFinite)!
        do { return try specification.query() } catch {
            // The library names its fields; an operator knows the flags.
            let flags = [
                "histogramBins": "--bins", "groupBy": "--by", "keys": "--keys or --select-partitions",
                "quantileLevels": "--levels", "column": "--column",
            ]
            if case let .invalidParameter(name, value, reason) = error, let flag = flags[name] {
                throw ValidationError("\(flag) (\(value)): \(reason)")
            }
            throw error
        }
    }

    func run(_ statistic: DPStatistic) throws {
        // Spill files of contribution bounding hold raw rows: SIGINT, SIGTERM and SIGHUP remove
        // them before the process ends.
        CSVWriter.removeTemporaryFilesOnTerminationSignals()
        let query = try query(statistic)
        let mechanism = NoiseMechanism(rawValue: mechanism)!
        let parameters = try NoiseParameters(
            epsilon: epsilon, delta: delta, rho: rho,
            gaussianCalibration: classicGaussian ? .classic : .analytic)
        // The query is checked (built by the library) before the data is read.
        if statistic != .quantiles { try parameters.validate(for: mechanism) }
        if let op = identity.operator, let scenario = identity.scenario {
            // Through the ledger: refuse before reading the data, then the gate re-checks and
            // charges durably before sampling.
            let ledger = try location.open()
            let dataset = SQLiteLedger.datasetName(forFile: data)
            try ledger.authorise(operator: op, scenario: scenario, dataset: dataset, columns: query.columnsRead)
            // The file must still be the one its steward registered: the gate hashes the bytes
            // it parses and compares them with the registered digest before the charge.
            let ledgered = try ledger.release(
                query, overFile: data, options: try scanOptions(showsRows: false), mechanism: mechanism,
                parameters: parameters,
                operator: op, scenario: scenario, dataset: dataset, requiresDigest: true)
            emit(
                ledgered.release, query: query, statistic: statistic, entry: ledgered.entryID,
                digest: ledgered.resultDigest)
            return
        }
        // Without an authorisation this is a steward's or developer's tool: refused on a
        // registered dataset when the ledger is in platform mode.
        try location.requireRawAccess(to: data, request: "dp \(statistic) without an authorisation")
        let budget: PrivacyBudget
        if let rho {
            budget = .zCDP(rho: rho)
        } else if let delta, let epsilon {
            budget = .approximate(epsilon: epsilon, delta: delta)
        } else {
            budget = .pure(epsilon: epsilon!)
        }
        let session = try PrivacySession(budget: budget, name: "privacy-kernel dp")
        let partial = try query.partial(overFile: data, options: try scanOptions()).partial
        let release = try session.release(partial, mechanism: mechanism, parameters: parameters)
        emit(release, query: query, statistic: statistic, entry: nil, digest: nil)
    }

    /// How the file is scanned: only the query's columns, streamed within `--memory-limit`;
    /// the progress report counts rows only for a steward's own file (`showsRows`).
    func scanOptions(showsRows: Bool = true) throws -> FileScanOptions {
        try scan.fileScanOptions(csv: CSVOptions(separator: separator.utf8.first!), file: data, showsRows: showsRows)
    }

    /// Prints the release (JSON or text), with its ledger entry when it has one.
    func emit(_ release: DPRelease, query: DPQuery, statistic: DPStatistic, entry: String?, digest: String?) {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var output = ReleaseDocument(release: release, levels: statistic == .quantiles ? query.quantileLevels : nil)
            output.ledgerEntry = entry
            output.resultDigest = digest
            print(String(decoding: (try? encoder.encode(output)) ?? Data(), as: UTF8.self))
        } else {
            printText(release, query: query)
            if let entry, let digest { print("  (ledger entry \(entry), result digest \(digest))") }
        }
    }

    func printText(_ release: DPRelease, query: DPQuery) {
        var guarantee: [String] = []
        if let e = release.epsilon { guarantee.append("ε = \(e)") }
        if let d = release.delta { guarantee.append("δ = \(d)") }
        if let r = release.rho { guarantee.append("ρ = \(r)") }
        print(
            "\(release.statistic.rawValue) of \(release.column ?? "rows")\(release.groupBy.map { " by \($0)" } ?? ""): \(release.mechanism), \(guarantee.joined(separator: ", "))"
                + (release.noiseScale.map { ", noise scale \(format($0))" } ?? ""))
        for row in release.rows {
            let key = row.key.map { "\($0): " } ?? ""
            let ci = row.ci95.map { "  (95% CI \(format($0[0])) … \(format($0[1])))" } ?? ""
            if let quantiles = row.quantiles {
                let pairs = zip(query.quantileLevels.sorted(), quantiles).map { "q\($0.0) = \(format($0.1))" }
                print("  \(key)\(pairs.joined(separator: ", "))")
            } else {
                print("  \(key)\(format(row.value))\(ci)")
            }
        }
        if let threshold = release.selectionThreshold {
            print("  (partition selection threshold \(format(threshold)); keys below it are not shown)")
        }
    }

    func format(_ value: Double) -> String { String(format: "%.6g", value) }
}
