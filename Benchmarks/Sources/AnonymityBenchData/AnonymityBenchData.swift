// Adult (../shared/datasets/adult) and its ARX hierarchies for the anonymity benchmarks.
import Anonymity
import BenchSupport
import Tabular

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum AdultBench {
    /// Overrides the folder holding adult.csv and adult_hierarchy_*.csv.
    public static let directoryVariable = "PK_BENCH_ADULT_DIR"
    /// The eight quasi-identifiers of the issue (ARX's Adult set-up without salary-class).
    public static let quasiIdentifiers = ["sex", "age", "race", "marital-status", "education", "native-country", "workclass", "occupation"]
    public static let sensitive = "salary-class"

    /// `$PK_BENCH_ADULT_DIR`, else `../../shared/datasets/adult` relative to `Benchmarks/`.
    public static var directory: String {
        if let value = getenv(directoryVariable), let path = String(validatingCString: value), !path.isEmpty { return path }
        return BenchData.benchmarksPackageDirectory + "/../../shared/datasets/adult"
    }

    /// Adult as loaded by the library (`;`-separated).
    public static func table() throws -> Table {
        _ = try BenchData.requireFile(directory + "/adult.csv", makeWith: "set \(directoryVariable) to the folder holding adult.csv")
        return try Table(csv: directory + "/adult.csv", options: CSVOptions(separator: UInt8(ascii: ";")))
    }

    /// The ARX hierarchies of the quasi-identifiers.
    public static func hierarchies() throws -> [String: Hierarchy] {
        var out: [String: Hierarchy] = [:]
        for name in quasiIdentifiers {
            out[name] = try Hierarchy(contentsOf: directory + "/adult_hierarchy_\(name).csv", attribute: name)
        }
        return out
    }

    /// `table` repeated `times` times (rows in order, copy after copy), like `pd.concat([df] * times)`.
    public static func repeated(_ table: Table, times: Int) throws -> Table {
        let columns = try table.columns.map { column -> Column in
            let values: ColumnValues
            switch column.values {
            case let .categorical(codes, dictionary):
                values = .categorical(codes: Array([[UInt32]](repeating: codes, count: times).joined()), dictionary: dictionary)
            case let .int64(v): values = .int64(Array([[Int64]](repeating: v, count: times).joined()))
            case let .float64(v): values = .float64(Array([[Double]](repeating: v, count: times).joined()))
            case let .bool(v): values = .bool(Array([[Bool]](repeating: v, count: times).joined()))
            case let .date(v): values = .date(Array([[Int32]](repeating: v, count: times).joined()))
            case let .timestamp(v): values = .timestamp(Array([[Int64]](repeating: v, count: times).joined()))
            }
            return try Column(name: column.name, values: values)
        }
        return try Table(columns: columns)
    }
}
