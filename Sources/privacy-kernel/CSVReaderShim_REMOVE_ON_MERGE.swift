// TEMPORARY — delete this file when the `datasets` branch is merged with the branch that adds
// `CSVReader` to Tabular. It only lets `privacy-kernel datasets describe` compile against the
// agreed API: `CSVReader.load(file:schema:options:) -> CSVLoadResult`.
import Tabular

/// Stand-in for Tabular's CSV reader until it is merged; always throws.
enum CSVReader {
    /// Always throws `TabularError.invalidArgument(name: "reader", reason: "not merged yet")`.
    static func load(file: String, schema: Schema?, options: CSVOptions) throws -> CSVLoadResult {
        throw TabularError.invalidArgument(name: "reader", reason: "not merged yet")
    }
}

/// Stand-in for Tabular's `CSVLoadResult`.
struct CSVLoadResult {
    /// The loaded table.
    var table: Table
    /// How the schema was inferred, when none was declared.
    var inference: SchemaInference?
}
