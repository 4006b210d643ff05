import Foundation
public import Tabular

/// A privacy model a table can be checked against, with its parameter.
public enum PrivacyModel: Sendable, Equatable, CustomStringConvertible {
    /// Every class has at least `k` rows.
    case kAnonymity(k: Int)
    /// Every class holds at least `l` distinct sensitive values.
    case distinctLDiversity(l: Int)
    /// Every class's sensitive entropy (natural log) is at least `log(l)`.
    case entropyLDiversity(l: Double)
    /// Recursive (c,l)-diversity: `r1 < c · (r_l + … + r_m)` for the class's value counts sorted
    /// descending (Machanavajjhala et al. 2007).
    case recursiveLDiversity(c: Double, l: Int)
    /// t-closeness with the equal ground distance: EMD = total variation distance
    /// `½ Σ |p_i − q_i|` between a class's and the table's sensitive distribution.
    case equalDistanceTCloseness(t: Double)
    /// t-closeness with the ordered ground distance for numeric (or otherwise ordered) values:
    /// EMD = `Σ_i |Σ_{j≤i} (p_j − q_j)| / (m − 1)` over the m values in order.
    case orderedDistanceTCloseness(t: Double)
    /// t-closeness with the hierarchical ground distance of Li et al. 2007 over `hierarchy`.
    case hierarchicalTCloseness(t: Double, hierarchy: Hierarchy)

    /// A short name, e.g. `k-anonymity`.
    public var name: String {
        switch self {
        case .kAnonymity: "k-anonymity"
        case .distinctLDiversity: "distinct-l-diversity"
        case .entropyLDiversity: "entropy-l-diversity"
        case .recursiveLDiversity: "recursive-cl-diversity"
        case .equalDistanceTCloseness: "equal-distance-t-closeness"
        case .orderedDistanceTCloseness: "ordered-distance-t-closeness"
        case .hierarchicalTCloseness: "hierarchical-t-closeness"
        }
    }

    /// The model with its parameter, e.g. `5-anonymity`.
    public var description: String {
        switch self {
        case let .kAnonymity(k): "\(k)-anonymity"
        case let .distinctLDiversity(l): "distinct-\(l)-diversity"
        case let .entropyLDiversity(l): "entropy-\(l)-diversity"
        case let .recursiveLDiversity(c, l): "recursive-(\(c),\(l))-diversity"
        case let .equalDistanceTCloseness(t): "\(t)-closeness (equal distance)"
        case let .orderedDistanceTCloseness(t): "\(t)-closeness (ordered distance)"
        case let .hierarchicalTCloseness(t, _): "\(t)-closeness (hierarchical distance)"
        }
    }

    /// Whether the model needs a sensitive attribute.
    public var needsSensitive: Bool { if case .kAnonymity = self { false } else { true } }

    /// Checks the parameter ranges.
    /// - Throws: ``AnonymityError/invalidK(_:)``, ``AnonymityError/invalidL(_:)``, ``AnonymityError/invalidT(_:)``.
    public func validate() throws(AnonymityError) {
        switch self {
        case let .kAnonymity(k): if k < 2 { throw .invalidK(k) }
        case let .distinctLDiversity(l): if l < 1 { throw .invalidL(Double(l)) }
        case let .entropyLDiversity(l): if !(l >= 1) || !l.isFinite { throw .invalidL(l) }
        case let .recursiveLDiversity(c, l):
            if l < 1 { throw .invalidL(Double(l)) }
            if !(c > 0) || !c.isFinite { throw .invalidArgument(name: "c", reason: "\(c) must be positive") }
        case let .equalDistanceTCloseness(t), let .orderedDistanceTCloseness(t), let .hierarchicalTCloseness(t, _):
            if !(t > 0 && t <= 1) { throw .invalidT(t) }
        }
    }
}

/// The outcome of checking one privacy model.
public struct CheckReport: Sendable, Equatable {
    /// The model checked (its parameter is the requirement).
    public let model: PrivacyModel
    /// The value the table achieves: the smallest class size (k), the smallest per-class l
    /// (distinct count, `exp(entropy)`, or the largest l for which recursive (c,l) holds), or the
    /// largest per-class distance (t).
    public let achieved: Double
    /// Whether every class meets the requirement.
    public let satisfied: Bool
    /// Per-class values in class order (size, l or distance).
    public let perClass: [Double]
    /// The classes that miss the requirement, ascending.
    public let offendingClasses: [Int]
    /// The number of rows in offending classes.
    public let offendingRows: Int
}

/// The measure a check computes per class, the direction that is "better", and the requirement.
struct ClassMeasure {
    var values: [Double]
    var higherIsBetter: Bool
    var requirement: Double
    var meets: (Double) -> Bool
}

extension Anonymiser {
    /// Checks `table` against privacy models over `quasiIdentifiers`.
    /// - Parameters:
    ///   - sensitive: the sensitive attribute (needed by l-diversity and t-closeness).
    ///   - requirements: the models and parameters to check.
    /// - Returns: the equivalence classes and one report per model, in the order given.
    /// - Throws: unknown or duplicate columns, parameters out of range, a missing sensitive
    ///   attribute, or a sensitive value missing from its hierarchy (hierarchical t-closeness).
    /// - Complexity: O(n × q) for the classes plus O(n + classes × m) per model (m distinct
    ///   sensitive values; hierarchical t-closeness O(classes × hierarchy size)).
    public static func check(
        _ table: Table, quasiIdentifiers: [String], sensitive: String? = nil,
        requirements: [PrivacyModel]
    ) throws(AnonymityError) -> (classes: EquivalenceClasses, reports: [CheckReport]) {
        for model in requirements { try model.validate() }
        let columns = try encode(table, quasiIdentifiers: quasiIdentifiers)
        let sensitiveColumn: EncodedColumn?
        if let sensitive {
            if quasiIdentifiers.contains(sensitive) { throw .duplicateColumn(name: sensitive) }
            sensitiveColumn = EncodedColumn(try table.anonymityColumn(sensitive))
        } else {
            sensitiveColumn = nil
        }
        let classes = EquivalenceClasses(columns: columns)
        let counts = sensitiveColumn.map { classes.sensitiveCounts($0) }
        let reports = try reports(
            requirements, sizes: classes.sizes, sensitive: sensitiveColumn.map(SensitiveAttribute.init), counts: counts)
        return (classes, reports)
    }

    /// Checks one model on precomputed classes (and sensitive counts for l and t).
    public static func report(
        _ model: PrivacyModel, classes: EquivalenceClasses, sensitive: EncodedColumn?,
        counts: SensitiveCounts?
    ) throws(AnonymityError) -> CheckReport {
        try report(model, sizes: classes.sizes, sensitive: sensitive.map(SensitiveAttribute.init), counts: counts)
    }

    /// One report per model, in order.
    static func reports(
        _ requirements: [PrivacyModel], sizes: [Int], sensitive: SensitiveAttribute?, counts: SensitiveCounts?
    ) throws(AnonymityError) -> [CheckReport] {
        var reports: [CheckReport] = []
        for model in requirements {
            if model.needsSensitive && sensitive == nil { throw .missingSensitiveAttribute(check: model.name) }
            reports.append(try report(model, sizes: sizes, sensitive: sensitive, counts: counts))
        }
        return reports
    }

    /// Checks one model on class sizes (and the sensitive attribute's counts for l and t): the
    /// one implementation behind the whole-table and the streamed checks.
    static func report(
        _ model: PrivacyModel, sizes: [Int], sensitive: SensitiveAttribute?, counts: SensitiveCounts?
    ) throws(AnonymityError) -> CheckReport {
        try model.validate()
        let measure: ClassMeasure
        switch model {
        case let .kAnonymity(k):
            measure = ClassMeasure(values: sizes.map(Double.init), higherIsBetter: true, requirement: Double(k))
            { $0 >= Double(k) }
        default:
            guard let sensitive, let counts else { throw .missingSensitiveAttribute(check: model.name) }
            measure = try sensitiveMeasure(model, sizes: sizes, sensitive: sensitive, counts: counts)
        }
        var offending: [Int] = []
        var rows = 0
        for (c, v) in measure.values.enumerated() where !measure.meets(v) {
            offending.append(c)
            rows += sizes[c]
        }
        let achieved = measure.higherIsBetter ? (measure.values.min() ?? 0) : (measure.values.max() ?? 0)
        return CheckReport(
            model: model, achieved: achieved, satisfied: offending.isEmpty, perClass: measure.values,
            offendingClasses: offending, offendingRows: rows)
    }

    /// The per-class measure of an l-diversity or t-closeness model.
    static func sensitiveMeasure(
        _ model: PrivacyModel, sizes: [Int], sensitive: SensitiveAttribute,
        counts: SensitiveCounts
    ) throws(AnonymityError) -> ClassMeasure {
        let classCount = sizes.count
        var values = [Double](repeating: 0, count: classCount)
        switch model {
        case let .distinctLDiversity(l):
            for c in 0..<classCount { values[c] = Double(counts.offsets[c + 1] - counts.offsets[c]) }
            return ClassMeasure(values: values, higherIsBetter: true, requirement: Double(l)) { $0 >= Double(l) }
        case let .entropyLDiversity(l):
            for c in 0..<classCount {
                let size = Double(sizes[c])
                var h = 0.0
                for j in counts.offsets[c]..<counts.offsets[c + 1] {
                    let p = Double(counts.counts[j]) / size
                    h -= p * log(p)
                }
                values[c] = exp(h)
            }
            // Compare entropies, not exp(), with a relative tolerance for rounding.
            let target = log(l)
            return ClassMeasure(values: values, higherIsBetter: true, requirement: l) { log($0) >= target - 1e-12 }
        case let .recursiveLDiversity(cParameter, l):
            var sorted: [Int32] = []
            for c in 0..<classCount {
                sorted.removeAll(keepingCapacity: true)
                for j in counts.offsets[c]..<counts.offsets[c + 1] { sorted.append(counts.counts[j]) }
                sorted.sort(by: >)
                values[c] = Double(recursiveL(sorted, c: cParameter))
            }
            return ClassMeasure(values: values, higherIsBetter: true, requirement: Double(l)) { $0 >= Double(l) }
        case let .equalDistanceTCloseness(t):
            let global = sensitive.globalDistribution
            for c in 0..<classCount {
                // ½ Σ|p − q| = Σ_{p > q} (p − q); values absent from the class contribute q to Σ|p−q|.
                let size = Double(sizes[c])
                var absentMass = 1.0
                var sum = 0.0
                for j in counts.offsets[c]..<counts.offsets[c + 1] {
                    let q = global[Int(counts.codes[j])]
                    let p = Double(counts.counts[j]) / size
                    sum += abs(p - q)
                    absentMass -= q
                }
                values[c] = 0.5 * (sum + max(0, absentMass))
            }
            return ClassMeasure(values: values, higherIsBetter: false, requirement: t) { $0 <= t + 1e-12 }
        case let .orderedDistanceTCloseness(t):
            let global = sensitive.globalDistribution
            let rank = sensitive.orderRanks
            let m = sensitive.cardinality
            var orderOfRank = [Int](repeating: 0, count: m)
            for code in 0..<m { orderOfRank[Int(rank[code])] = code }
            var p = [Double](repeating: 0, count: m)
            for c in 0..<classCount {
                let size = Double(sizes[c])
                for j in counts.offsets[c]..<counts.offsets[c + 1] {
                    p[Int(counts.codes[j])] = Double(counts.counts[j]) / size
                }
                var running = 0.0, total = 0.0
                for r in 0..<m {
                    let code = orderOfRank[r]
                    running += p[code] - global[code]
                    total += abs(running)
                }
                values[c] = m > 1 ? total / Double(m - 1) : 0
                for j in counts.offsets[c]..<counts.offsets[c + 1] { p[Int(counts.codes[j])] = 0 }
            }
            return ClassMeasure(values: values, higherIsBetter: false, requirement: t) { $0 <= t + 1e-12 }
        case let .hierarchicalTCloseness(t, hierarchy):
            let tree = try HierarchicalDistance(hierarchy: hierarchy, name: sensitive.name, dictionary: sensitive.dictionary)
            let global = sensitive.globalDistribution
            var p = [Double](repeating: 0, count: sensitive.cardinality)
            for c in 0..<classCount {
                let size = Double(sizes[c])
                for j in counts.offsets[c]..<counts.offsets[c + 1] {
                    p[Int(counts.codes[j])] = Double(counts.counts[j]) / size
                }
                values[c] = tree.distance(p, global)
                for j in counts.offsets[c]..<counts.offsets[c + 1] { p[Int(counts.codes[j])] = 0 }
            }
            return ClassMeasure(values: values, higherIsBetter: false, requirement: t) { $0 <= t + 1e-12 }
        case .kAnonymity:
            preconditionFailure("k-anonymity has no sensitive measure")
        }
    }

    /// The largest l for which `r1 < c · (r_l + … + r_m)` holds (counts sorted descending); 0
    /// when it fails for l = 1.
    static func recursiveL(_ sortedDescending: [Int32], c: Double) -> Int {
        guard let r1 = sortedDescending.first else { return 0 }
        var suffix = [Double](repeating: 0, count: sortedDescending.count + 1)
        for i in stride(from: sortedDescending.count - 1, through: 0, by: -1) {
            suffix[i] = suffix[i + 1] + Double(sortedDescending[i])
        }
        var best = 0
        for l in 1...sortedDescending.count where Double(r1) < c * suffix[l - 1] { best = l }
        return best
    }

    /// The table-wide distribution of the sensitive attribute, indexed by code.
    static func globalDistribution(_ sensitive: EncodedColumn) -> [Double] {
        SensitiveAttribute(sensitive).globalDistribution
    }
}

/// What the l-diversity and t-closeness measures need of the sensitive attribute: its
/// dictionary (and numeric values, for the ordered distance) and how many rows hold each code.
/// Built from a whole column or counted from a stream; the measures are the same either way.
struct SensitiveAttribute {
    var name: String
    var dictionary: [String]
    var numericValues: [Double]?
    /// Rows holding each code.
    var valueCounts: [Int]

    init(name: String, dictionary: [String], numericValues: [Double]?, valueCounts: [Int]) {
        self.name = name
        self.dictionary = dictionary
        self.numericValues = numericValues
        self.valueCounts = valueCounts
    }

    init(_ column: EncodedColumn) {
        var counts = [Int](repeating: 0, count: column.cardinality)
        for c in column.codes { counts[Int(c)] += 1 }
        self.init(name: column.name, dictionary: column.dictionary, numericValues: column.numericValues, valueCounts: counts)
    }

    var cardinality: Int { dictionary.count }
    var orderRanks: [UInt32] { EncodedColumn.orderRanks(dictionary: dictionary, numericValues: numericValues) }

    /// The table-wide distribution, indexed by code.
    var globalDistribution: [Double] {
        let n = Double(max(valueCounts.reduce(0, +), 1))
        return valueCounts.map { Double($0) / n }
    }
}

/// The hierarchical earth mover's distance of Li, Li and Venkatasubramanian (2007): the ground
/// distance between two leaves is the height of their lowest common ancestor divided by the
/// hierarchy's height; the EMD is Σ over inner nodes N of `height(N)/H · min(pos(N), neg(N))`,
/// where pos/neg sum the positive/negative surplus `Σ_{leaves under child} (p − q)` of N's children.
struct HierarchicalDistance {
    /// For each level ≥ 1, the node id of each sensitive code's ancestor.
    let ancestor: [[Int]]
    let nodeCounts: [Int]
    let height: Int

    init(hierarchy: Hierarchy, sensitive: EncodedColumn) throws(AnonymityError) {
        try self.init(hierarchy: hierarchy, name: sensitive.name, dictionary: sensitive.dictionary)
    }

    init(hierarchy: Hierarchy, name: String, dictionary: [String]) throws(AnonymityError) {
        var rowOf: [String: Int] = [:]
        for (i, v) in hierarchy.values.enumerated() { rowOf[v] = i }
        height = hierarchy.height
        var ancestor: [[Int]] = []
        var nodeCounts: [Int] = []
        for level in 0...max(height, 0) {
            var ids: [String: Int] = [:]
            var column: [Int] = []
            for value in dictionary {
                guard let row = rowOf[value] else {
                    throw .valueMissingFromHierarchy(column: name, value: value)
                }
                let label = hierarchy.rows[row][level]
                if let id = ids[label] {
                    column.append(id)
                } else {
                    ids[label] = ids.count
                    column.append(ids.count - 1)
                }
            }
            ancestor.append(column)
            nodeCounts.append(ids.count)
        }
        self.ancestor = ancestor
        self.nodeCounts = nodeCounts
    }

    func distance(_ p: [Double], _ q: [Double]) -> Double {
        guard height > 0 else { return 0 }
        // Surplus of every node at the level below, propagated upward.
        var surplus = zip(p, q).map { $0 - $1 }  // level-0 nodes are the codes
        var childLevel = 0
        var total = 0.0
        for level in 1...height {
            var pos = [Double](repeating: 0, count: nodeCounts[level])
            var neg = [Double](repeating: 0, count: nodeCounts[level])
            var next = [Double](repeating: 0, count: nodeCounts[level])
            // Map each child node to its parent via any code under it.
            var parentOfChild = [Int](repeating: -1, count: nodeCounts[childLevel])
            for code in 0..<ancestor[0].count { parentOfChild[ancestor[childLevel][code]] = ancestor[level][code] }
            for child in 0..<surplus.count {
                let parent = parentOfChild[child]
                if parent < 0 { continue }
                let s = surplus[child]
                if s > 0 { pos[parent] += s } else { neg[parent] -= s }
                next[parent] += s
            }
            let weight = Double(level) / Double(height)
            for node in 0..<nodeCounts[level] { total += weight * min(pos[node], neg[node]) }
            // Only the net surplus moves up.
            surplus = next
            childLevel = level
        }
        return total
    }
}
