import ArgumentParser
import Datasets
import DifferentialPrivacy
import Foundation
import PrivacyLedger
import Tabular

/// `privacy-kernel datasets …`: generate and describe synthetic datasets.
struct DatasetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datasets",
        abstract: "Generate synthetic Hangzhou microdata and describe CSV files.",
        subcommands: [Generate.self, Describe.self, Columns.self]
    )

    /// `datasets generate <domain> --rows N --seed S --out FILE`.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a deterministic synthetic dataset as CSV.",
            discussion:
                "Domains: \(Domain.allCases.map(\.rawValue).joined(separator: ", ")). The same domain, rows and seed always give the same bytes. At most \(DatasetGenerator.maximumRows) rows (DatasetGenerator.maximumRows) and \(DatasetGenerator.maximumBlockRows) rows per block. The file appears only when complete: an error, SIGINT or SIGTERM removes the temporary OUT.partial-<pid>."
        )

        @Argument(help: "The domain to generate.")
        var domain: String

        @Option(help: "Number of rows, in 0...\(DatasetGenerator.maximumRows).")
        var rows: Int = 10_000

        @Option(help: "Seed (an unsigned 64-bit integer).")
        var seed: UInt64 = EmbeddedDatasets.seed

        @Option(help: "Output CSV file.")
        var out: String

        @Option(help: "Rows per generated block (does not change the output).")
        var blockRows: Int = DatasetGenerator.defaultBlockRows

        @Option(help: "Worker threads (does not change the output); default: all cores.")
        var threads: Int?

        @Flag(help: "No progress on stderr.")
        var quiet = false

        func validate() throws {
            guard Domain(rawValue: domain) != nil else {
                throw ValidationError(
                    "unknown domain \"\(domain)\"; choose one of \(Domain.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            guard rows >= 0 && rows <= DatasetGenerator.maximumRows else {
                throw ValidationError("--rows must be in 0...\(DatasetGenerator.maximumRows), got \(rows)")
            }
            guard blockRows > 0 && blockRows <= DatasetGenerator.maximumBlockRows else {
                throw ValidationError(
                    "--block-rows must be in 1...\(DatasetGenerator.maximumBlockRows), got \(blockRows)")
            }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        }

        func run() throws {
            let generator = try DatasetGenerator(domain: Domain(rawValue: domain)!, seed: seed, totalRows: rows)
            // An interrupted run must not leave OUT.partial-<pid> behind.
            CSVWriter.removeTemporaryFilesOnTerminationSignals()
            let start = Date()
            var lastReport = start
            let showProgress = !quiet && rows >= 1_000_000
            try generator.write(to: out, blockRows: blockRows, threads: threads) { written in
                guard showProgress else { return }
                let now = Date()
                if now.timeIntervalSince(lastReport) >= 1 || written == rows {
                    lastReport = now
                    let percent = Double(written) / Double(max(rows, 1)) * 100
                    FileHandle.standardError.write(
                        Data(String(format: "\r%@: %d / %d rows (%.0f%%)", domain, written, rows, percent).utf8))
                }
            }
            if !quiet {
                let seconds = Date().timeIntervalSince(start)
                if showProgress { FileHandle.standardError.write(Data("\n".utf8)) }
                FileHandle.standardError.write(
                    Data(String(format: "wrote %d %@ rows to %@ in %.2f s\n", rows, domain, out, seconds).utf8))
            }
        }
    }

    /// `datasets describe FILE [--json] [--separator ';']`.
    struct Describe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the schema, row count and per-column summary of a CSV file.")

        @Argument(help: "The CSV file.")
        var file: String

        @Flag(help: "Print JSON instead of text.")
        var json = false

        @OptionGroup var location: LedgerLocation

        @Option(help: "Field separator (one ASCII character).")
        var separator: String = ","

        @OptionGroup var scan: MemoryOptions

        func validate() throws {
            guard separator.utf8.count == 1 || separator == "\\t" else {
                throw ValidationError("--separator must be one ASCII character")
            }
        }

        func run() throws {
            try location.requireRawAccess(to: file, request: "datasets describe")
            let byte = separator == "\\t" ? UInt8(ascii: "\t") : separator.utf8.first!
            let options = try scan.fileScanOptions(csv: CSVOptions(separator: byte), file: file)
            let schema: Schema, summary: TableSummary, note: String
            if MemoryOptions.fileSize(file) <= options.memoryLimit / 4 {
                let result = try CSVReader.load(file: file, schema: nil, options: options.csv)
                (schema, summary) = (result.table.schema, result.table.summary())
                note = result.inference.map { "\($0)" } ?? ""
            } else {
                // Larger than a quarter of the limit: streamed, the same statistics.
                let streamed = try TableSummary.summarising(
                    file: file, options: options.csv, blockBytes: options.blockBytes,
                    maximumDistinctBytes: options.memoryLimit / 4, progress: options.progress.map { report in { report($0) } })
                (schema, summary) = (streamed.schema, streamed.summary)
                note = "streamed in \(streamed.passes) passes within --memory-limit; types inferred as for a whole-file load"
            }
            if json {
                struct Output: Codable {
                    var file: String
                    var schema: Schema
                    var summary: TableSummary
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                let data = try encoder.encode(Output(file: file, schema: schema, summary: summary))
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("file: \(file)")
                print("schema: \(schema)")
                if !note.isEmpty { print(note) }
                print(summary)
            }
        }
    }

    /// `datasets columns <domain> [--markdown]`: the documented columns of a domain.
    struct Columns: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the documented columns of a domain.")

        @Argument(help: "The domain.")
        var domain: String

        @Flag(help: "Print a Markdown table.")
        var markdown = false

        func validate() throws {
            guard Domain(rawValue: domain) != nil else { throw ValidationError("unknown domain \"\(domain)\"") }
        }

        func run() throws {
            let d = Domain(rawValue: domain)!
            if markdown {
                print("| column | type | unit | meaning |\n|---|---|---|---|")
                for c in d.columns {
                    print(
                        "| `\(c.name)` | \(c.type) | \(c.unit) | \(c.meaning.replacingOccurrences(of: "|", with: "\\|")) |"
                    )
                }
            } else {
                for c in d.columns { print("\(c.name)\t\(c.type)\t\(c.unit)\t\(c.meaning)") }
            }
        }
    }
}
