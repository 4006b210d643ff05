import Foundation
public import Tabular

/// A utility metric the optimal search minimises (lower is better for all four).
public enum UtilityMetric: String, Sendable, CaseIterable, Codable {
    /// ARX's Loss (Iyengar 2002 as implemented by ARX's `MetricMDNMLoss`): per quasi-identifier,
    /// the normalised share of the domain each row's generalised value covers (a suppressed row
    /// covers all of it), aggregated by the geometric mean `Π(1 + loss_d)^(1/q) − 1`; in [0, 1].
    case loss
    /// Discernibility (DM*): Σ over kept classes of size², plus n for each suppressed row.
    case discernibility
    /// Average equivalence-class size: n / classes, the suppressed rows counting as one class.
    case aecs
    /// Non-uniform entropy: Σ over rows and quasi-identifiers of
    /// −log2(#rows with the row's original value / #rows with its generalised value), in bits;
    /// a suppressed row's generalised value covers all n rows.
    case entropy
}

/// How suppressed rows appear in the anonymised table.
public enum SuppressedRowHandling: String, Sendable, Codable {
    /// Kept, with `*` in every quasi-identifier (ARX's behaviour).
    case star
    /// Removed from the output.
    case drop
}

/// The optimal full-domain generalisation found by
/// ``Anonymiser/generalise(_:quasiIdentifiers:hierarchies:models:sensitive:suppressionLimit:metric:gsFactor:)``.
public struct GeneralisationResult: Sendable, Equatable {
    /// The quasi-identifiers, in the order given.
    public let quasiIdentifiers: [String]
    /// The generalisation level of each quasi-identifier (same order).
    public let levels: [Int]
    /// The number of rows suppressed (in classes that miss a privacy model).
    public let suppressedRows: Int
    /// The number of equivalence classes among the rows kept.
    public let classCount: Int
    /// The smallest class among the rows kept (0 when every row is suppressed).
    public let minimumClassSize: Int
    /// The metric minimised.
    public let metric: UtilityMetric
    /// The metric's value at the optimum.
    public let score: Double
    /// ARX's Loss at the optimum (geometric mean, see ``UtilityMetric/loss``).
    public let loss: Double
    /// Discernibility at the optimum.
    public let discernibility: Double
    /// Average class size at the optimum.
    public let averageClassSize: Double
    /// Non-uniform entropy at the optimum, in bits.
    public let nonUniformEntropy: Double
    /// The number of transformations in the lattice.
    public let latticeSize: Int
    /// The number of transformations whose classes were computed.
    public let nodesEvaluated: Int
    /// Whether each row is suppressed.
    public let rowSuppressed: [Bool]
    /// The hierarchies used, in quasi-identifier order.
    public let hierarchies: [Hierarchy]

    /// The level of each quasi-identifier by name.
    public var levelsByName: [String: Int] { Dictionary(uniqueKeysWithValues: zip(quasiIdentifiers, levels)) }

    /// The anonymised table: each quasi-identifier replaced by its generalisation at the chosen
    /// level (a categorical column), suppressed rows starred or dropped, other columns unchanged.
    /// - Parameter table: the table the search ran on.
    /// - Throws: unknown columns or values missing from a hierarchy (when `table` is not the
    ///   searched one).
    /// - Complexity: O(n × columns).
    public func anonymisedTable(
        _ table: Table, suppressed handling: SuppressedRowHandling = .star
    ) throws(AnonymityError) -> Table {
        guard table.rowCount == rowSuppressed.count else {
            throw .invalidArgument(
                name: "table", reason: "has \(table.rowCount) rows, the search ran on \(rowSuppressed.count)")
        }
        let keep: [Int] =
            handling == .drop ? (0..<table.rowCount).filter { !rowSuppressed[$0] } : Array(0..<table.rowCount)
        var replaced: [String: Column] = [:]
        for (d, name) in quasiIdentifiers.enumerated() {
            let encoded = EncodedColumn(try table.anonymityColumn(name))
            let leaf = try LevelMap.leaves(of: encoded, in: hierarchies[d])
            var labelCode: [String: UInt32] = [:]
            var dictionary: [String] = []
            func code(_ s: String) -> UInt32 {
                if let c = labelCode[s] { return c }
                let c = UInt32(dictionary.count)
                labelCode[s] = c
                dictionary.append(s)
                return c
            }
            // Label code per original code, computed once.
            let perCode = leaf.map { code(hierarchies[d].rows[Int($0)][levels[d]]) }
            let star = code("*")
            let codes = keep.map { rowSuppressed[$0] ? star : perCode[Int(encoded.codes[$0])] }
            do {
                replaced[name] = try Column(name: name, values: .categorical(codes: codes, dictionary: dictionary))
            } catch {
                throw .invalidArgument(name: "column \(name)", reason: "\(error)")
            }
        }
        var columns: [Column] = []
        for column in table.columns {
            if let r = replaced[column.name] {
                columns.append(r)
                continue
            }
            if handling == .star {
                columns.append(column)
                continue
            }
            do { columns.append(try column.gathering(rows: keep)) } catch {
                throw .invalidArgument(name: "column \(column.name)", reason: "\(error)")
            }
        }
        do { return try Table(columns: columns) } catch {
            throw .invalidArgument(name: "table", reason: "\(error)")
        }
    }
}

/// Per quasi-identifier: data code → hierarchy row, and per level the label id of each hierarchy
/// row, the label count and each label's domain share (ARX's `DomainShareMaterialized`).
struct LevelMap {
    /// `leafOfCode[code]` = hierarchy row of the data value.
    let leafOfCode: [UInt32]
    /// `labelOfLeaf[level][row]`.
    let labelOfLeaf: [[UInt32]]
    /// Distinct labels per level.
    let labelCount: [Int]
    /// `share[level][label]` = hierarchy rows under the label / hierarchy rows.
    let share: [[Double]]
    /// Hierarchy rows (ARX's domain size).
    let domainSize: Int

    static func leaves(of column: EncodedColumn, in hierarchy: Hierarchy) throws(AnonymityError) -> [UInt32] {
        var rowOf: [String: UInt32] = [:]
        for (i, row) in hierarchy.rows.enumerated() { rowOf[row[0]] = UInt32(i) }
        var out = [UInt32](repeating: 0, count: column.cardinality)
        var used = [Bool](repeating: false, count: column.cardinality)
        for c in column.codes { used[Int(c)] = true }
        for (code, value) in column.dictionary.enumerated() {
            if let r = rowOf[value] {
                out[code] = r
            } else if used[code] {
                throw .valueMissingFromHierarchy(column: column.name, value: value)
            }
        }
        return out
    }

    init(column: EncodedColumn, hierarchy: Hierarchy) throws(AnonymityError) {
        leafOfCode = try Self.leaves(of: column, in: hierarchy)
        domainSize = hierarchy.rows.count
        var labelOfLeaf: [[UInt32]] = []
        var labelCount: [Int] = []
        var share: [[Double]] = []
        for level in 0..<hierarchy.levelCount {
            var ids: [String: UInt32] = [:]
            var labels: [UInt32] = []
            var counts: [Int] = []
            for row in hierarchy.rows {
                let label = row[level]
                if let id = ids[label] {
                    labels.append(id)
                    counts[Int(id)] += 1
                } else {
                    let id = UInt32(counts.count)
                    ids[label] = id
                    labels.append(id)
                    counts.append(1)
                }
            }
            labelOfLeaf.append(labels)
            labelCount.append(counts.count)
            share.append(counts.map { Double($0) / Double(hierarchy.rows.count) })
        }
        self.labelOfLeaf = labelOfLeaf
        self.labelCount = labelCount
        self.share = share
    }
}

/// How far an optimal generalisation search has got, reported to the `progress` callback of
/// ``Anonymiser/generalise(_:quasiIdentifiers:hierarchies:models:sensitive:suppressionLimit:metric:gsFactor:progress:)``.
public struct GeneralisationProgress: Sendable, Equatable {
    /// What the search is doing.
    public enum Phase: String, Sendable {
        /// Grouping rows by level-0 quasi-identifier combinations and building per-level tables.
        case preparing
        /// Ordering the lattice's transformations by their metric lower bound.
        case ordering
        /// Visiting transformations in that order (most of the time of a long search).
        case searching
        /// Done: the optimum is known.
        case finished
    }
    /// The current phase.
    public var phase: Phase
    /// Transformations in the lattice (the product of the hierarchies' level counts).
    public var latticeSize: Int
    /// Transformations settled so far in ascending lower-bound order (evaluated, tagged or
    /// pruned); the search may stop well before ``latticeSize`` when the bound proves the optimum.
    public var visited: Int
    /// Transformations whose classes were computed so far.
    public var evaluated: Int
}

extension Anonymiser {
    /// The largest lattice the search accepts: 1,000,000 transformations (the product of the
    /// hierarchies' level counts, e.g. 6 quasi-identifiers of 10 levels). The search keeps a few
    /// words per transformation and tags boxes of the lattice after each evaluation, so time
    /// grows faster than the lattice; a larger lattice is refused up front, before any row is
    /// read, by ``AnonymityError/latticeTooLarge(nodes:limit:)``. Reduce it by dropping levels
    /// from the hierarchies or quasi-identifiers from the search.
    public static let maximumLatticeSize = 1_000_000

    /// The number of transformations of the lattice spanned by `hierarchies` (the product of
    /// their level counts), as a double so that it cannot overflow.
    /// - Complexity: O(hierarchies).
    public static func latticeSize(_ hierarchies: [Hierarchy]) -> Double {
        hierarchies.reduce(1.0) { $0 * Double($1.levelCount) }
    }

    /// Finds the optimal full-domain generalisation: the vector of hierarchy levels (one per
    /// quasi-identifier) that satisfies every privacy model after suppressing the rows of
    /// failing classes, with at most ⌊suppressionLimit · n⌋ rows suppressed, and that minimises
    /// `metric`.
    ///
    /// The search is exact (every transformation is either evaluated or proven no better) and
    /// prunes like Flash (Kohlmayer et al. 2012): transformations are visited in ascending order
    /// of a lower bound of the metric that needs no grouping (for Loss and non-uniform entropy,
    /// the value with no suppression, which is monotone in the levels); the search stops when the
    /// bound reaches the best score; predecessors of a transformation found non-anonymous are
    /// skipped when the models are monotone (k-anonymity alone, or no suppression); successors
    /// of a transformation whose grouped lower bound reaches the best score are skipped.
    /// Ties keep the transformation visited first (lower bound, then fewer total levels, then
    /// lexicographically smaller levels).
    ///
    /// - Parameters:
    ///   - hierarchies: one hierarchy per quasi-identifier, by column name.
    ///   - models: the privacy models (k-anonymity, l-diversity, t-closeness in any combination).
    ///   - sensitive: the sensitive attribute, required by l-diversity and t-closeness.
    ///   - suppressionLimit: the largest fraction of rows that may be suppressed, in [0, 1).
    ///   - metric: the utility metric to minimise.
    ///   - gsFactor: ARX's generalisation/suppression factor for Loss (0.5 treats both equally).
    ///   - progress: called on the calling thread at each phase change and after each evaluated
    ///     transformation (cheap; throttle any output yourself), for progress reports on long
    ///     searches.
    /// - Throws: column, hierarchy and parameter errors of ``AnonymityError``;
    ///   ``AnonymityError/latticeTooLarge(nodes:limit:)`` for a lattice above
    ///   ``maximumLatticeSize`` (checked before the table is read);
    ///   ``AnonymityError/noSolution(reason:)`` when even the top of the lattice fails.
    /// - Complexity: O(q × n) to prepare, then O(combinations × q) per evaluated transformation,
    ///   where combinations is the number of distinct quasi-identifier tuples.
    public static func generalise(
        _ table: Table, quasiIdentifiers: [String], hierarchies: [String: Hierarchy],
        models: [PrivacyModel], sensitive: String? = nil, suppressionLimit: Double,
        metric: UtilityMetric = .loss, gsFactor: Double = 0.5,
        progress: ((GeneralisationProgress) -> Void)? = nil
    ) throws(AnonymityError) -> GeneralisationResult {
        if !(suppressionLimit >= 0 && suppressionLimit < 1) { throw .invalidSuppressionLimit(suppressionLimit) }
        if !(gsFactor >= 0 && gsFactor <= 1) {
            throw .invalidArgument(name: "gsFactor", reason: "\(gsFactor) is outside [0, 1]")
        }
        if models.isEmpty { throw .invalidArgument(name: "models", reason: "no privacy model given") }
        for model in models { try model.validate() }
        if quasiIdentifiers.isEmpty { throw .noQuasiIdentifiers }
        var seen = Set<String>()
        for name in quasiIdentifiers {
            if !seen.insert(name).inserted { throw .duplicateColumn(name: name) }
            _ = try table.anonymityColumn(name)  // unknown columns first, as before (no row is read)
        }
        var hierarchyList: [Hierarchy] = []
        for name in quasiIdentifiers {
            guard let h = hierarchies[name] else { throw .missingHierarchy(column: name) }
            hierarchyList.append(h)
        }
        // The lattice's size is known from the hierarchies alone: refuse before reading a row.
        let nodes = latticeSize(hierarchyList)
        if nodes > Double(maximumLatticeSize) { throw .latticeTooLarge(nodes: nodes, limit: maximumLatticeSize) }
        progress?(GeneralisationProgress(phase: .preparing, latticeSize: Int(nodes), visited: 0, evaluated: 0))
        let columns = try encode(table, quasiIdentifiers: quasiIdentifiers)
        var sensitiveColumn: EncodedColumn? = nil
        if models.contains(where: \.needsSensitive) {
            guard let sensitive else {
                throw .missingSensitiveAttribute(check: models.first(where: \.needsSensitive)!.name)
            }
            if quasiIdentifiers.contains(sensitive) { throw .duplicateColumn(name: sensitive) }
            sensitiveColumn = EncodedColumn(try table.anonymityColumn(sensitive))
        }
        let search = try LatticeSearch(
            columns: columns, hierarchies: hierarchyList, models: models, sensitive: sensitiveColumn,
            suppressionLimit: suppressionLimit, metric: metric, gsFactor: gsFactor)
        return try search.run(progress: progress)
    }
}
