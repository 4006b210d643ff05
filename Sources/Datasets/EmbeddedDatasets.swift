#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The small default datasets committed in the repository's top-level `datasets/` directory
/// (`datasets/<domain>.csv`), generated with ``seed`` and ``rows(for:)``.
public enum EmbeddedDatasets {
    /// The seed used for every embedded file.
    public static let seed: UInt64 = 20_240_101

    /// The number of rows of the embedded file of `domain`.
    public static func rows(for domain: Domain) -> Int {
        switch domain {
        case .transport: 16_000
        case .health: 12_000
        case .finance: 10_000
        case .commerce: 28_548  // one full year: 366 days × 13 districts × 6 business types
        case .market: 10_000
        case .tourism: 12_000
        case .tourismHotels: 8_000
        }
    }

    /// The file name of `domain`'s embedded file, e.g. `transport.csv`.
    public static func fileName(for domain: Domain) -> String { domain.rawValue + ".csv" }

    /// The path of `domain`'s embedded file: `datasets/<domain>.csv` looked up in the current
    /// directory and its parents, then relative to this package's source root; `nil` if absent.
    public static func path(for domain: Domain) -> String? {
        let relative = "datasets/" + fileName(for: domain)
        var directory = currentDirectory()
        for _ in 0..<8 {
            let candidate = directory + "/" + relative
            if access(candidate, R_OK) == 0 { return candidate }
            guard let slash = directory.lastIndex(of: "/"), directory != "/" else { break }
            directory = slash == directory.startIndex ? "/" : String(directory[..<slash])
        }
        // #filePath is …/Sources/Datasets/EmbeddedDatasets.swift.
        var root = "\(#filePath)"
        for _ in 0..<3 { if let slash = root.lastIndex(of: "/") { root = String(root[..<slash]) } }
        let candidate = root + "/" + relative
        return access(candidate, R_OK) == 0 ? candidate : nil
    }

    private static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        let length = buffer.firstIndex(of: 0) ?? buffer.count
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
