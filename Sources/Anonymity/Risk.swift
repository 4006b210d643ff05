public import Tabular

/// Re-identification risk of a table released as it is, under the three attacker models of
/// El Emam (2013) as ARX reports them.
///
/// - **Prosecutor**: the attacker knows the target is in the data; a row's risk is
///   1 / (size of its equivalence class).
/// - **Journalist**: the attacker matches against a population (identification) table; a row's
///   risk is 1 / (size of its class in the population). Without a population table the sample is
///   its own population and journalist risk equals prosecutor risk.
/// - **Marketer**: the expected fraction of rows re-identified when the attacker tries them all:
///   (1/n) Σ_classes f_j / F_j (`classes / n` without a population table).
public struct RiskReport: Sendable, Equatable {
    /// The number of rows.
    public let rowCount: Int
    /// The number of equivalence classes.
    public let classCount: Int
    /// The highest prosecutor risk, 1 / smallest class.
    public let prosecutorMaximum: Double
    /// The average prosecutor risk over rows, classes / n.
    public let prosecutorAverage: Double
    /// The highest journalist risk.
    public let journalistMaximum: Double
    /// The average journalist risk over rows.
    public let journalistAverage: Double
    /// The marketer risk.
    public let marketer: Double
    /// The threshold used for ``rowsAtRisk``.
    public let threshold: Double
    /// Rows whose prosecutor risk exceeds ``threshold``.
    public let rowsAtRisk: Int
    /// Rows that are unique on the quasi-identifiers (classes of size 1).
    public let uniqueRows: Int
}

extension Anonymiser {
    /// Computes prosecutor, journalist and marketer risk over `quasiIdentifiers`.
    /// - Parameters:
    ///   - threshold: a row is at risk when its prosecutor risk is above this, in [0, 1].
    ///   - population: an optional population table with the same quasi-identifier columns;
    ///     a sample class absent from it counts with its sample size.
    /// - Throws: column errors, ``AnonymityError/invalidArgument(name:reason:)`` for the threshold.
    /// - Complexity: O(n × q) (plus O(N × q) for a population of N rows).
    public static func risk(
        _ table: Table, quasiIdentifiers: [String], threshold: Double = 0.2,
        population: Table? = nil
    ) throws(AnonymityError) -> RiskReport {
        if !(threshold >= 0 && threshold <= 1) {
            throw .invalidArgument(name: "threshold", reason: "\(threshold) is outside [0, 1]")
        }
        let columns = try encode(table, quasiIdentifiers: quasiIdentifiers)
        let classes = EquivalenceClasses(columns: columns)
        var populationSizes = classes.sizes.map(Double.init)
        if let population {
            let popColumns = try encode(population, quasiIdentifiers: quasiIdentifiers)
            let popClasses = EquivalenceClasses(columns: popColumns)
            // Population classes with the same text tuple (a missing value and the text "NULL")
            // are one population class: their sizes add up.
            var sizeOfTuple: [[String]: Int] = [:]
            for (c, row) in popClasses.firstRow.enumerated() {
                sizeOfTuple[popColumns.map { $0.dictionary[Int($0.codes[row])] }, default: 0] += popClasses.sizes[c]
            }
            for (c, row) in classes.firstRow.enumerated() {
                let tuple = columns.map { $0.dictionary[Int($0.codes[row])] }
                populationSizes[c] = Double(max(sizeOfTuple[tuple] ?? 0, classes.sizes[c]))
            }
        }
        return riskReport(sizes: classes.sizes, populationSizes: populationSizes, threshold: threshold)
    }

    /// The risk measures from the class sizes and each class's population size (the one
    /// implementation behind the whole-table and the streamed risk).
    static func riskReport(sizes: [Int], populationSizes: [Double], threshold: Double) -> RiskReport {
        let n = sizes.reduce(0, +)
        var atRisk = 0, unique = 0
        var journalistSum = 0.0, journalistMax = 0.0, marketerSum = 0.0
        for c in 0..<sizes.count {
            let f = Double(sizes[c])
            if 1 / f > threshold { atRisk += sizes[c] }
            if sizes[c] == 1 { unique += 1 }
            journalistSum += f / populationSizes[c]
            journalistMax = max(journalistMax, 1 / populationSizes[c])
            marketerSum += f / populationSizes[c]
        }
        let rows = Double(max(n, 1))
        return RiskReport(
            rowCount: n, classCount: sizes.count,
            prosecutorMaximum: n == 0 ? 0 : 1 / Double(sizes.min() ?? 0),
            prosecutorAverage: Double(sizes.count) / rows,
            journalistMaximum: journalistMax, journalistAverage: journalistSum / rows,
            marketer: marketerSum / rows, threshold: threshold, rowsAtRisk: atRisk, uniqueRows: unique)
    }
}
