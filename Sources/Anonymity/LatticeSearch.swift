import Foundation

/// The outcome of evaluating one transformation (a vector of levels).
struct NodeEvaluation {
    var anonymous: Bool
    var suppressedRows: Int
    /// Rows in classes smaller than k (monotone in the levels even when l or t is combined
    /// with suppression).
    var suppressedByK: Int
    var keptClasses: Int
    var minimumKeptSize: Int
    /// The metric value (valid when anonymous).
    var score: Double
    /// A lower bound of the metric for this transformation and all its successors.
    var groupedBound: Double
}

/// The equivalence classes of one transformation, in the form later transformations roll up
/// from: per class a representative level-0 combination (whose labels at any higher levels are
/// the class's), the size, and (with a sensitive attribute) a dense histogram of sensitive codes.
struct ClassSet {
    var representative: [UInt32]
    var sizes: [Int32]
    /// `histogram[c * m + code]`, empty without a sensitive attribute.
    var histogram: [Int32]
    var count: Int { sizes.count }
}

/// Reusable buffers of the evaluation (no allocation per transformation once grown).
struct Workspace {
    var keys: [UInt64]
    var tableKeys: [UInt64]
    var tableIds: [UInt32]
    var stamps: [UInt32]
    var stamp: UInt32 = 0
    let mask: Int
    let shift: UInt64
    /// Class of each source class, for the last evaluation.
    var classOfSource: [UInt32]

    init(capacity count: Int) {
        var capacity = 16
        while capacity < count * 2 { capacity <<= 1 }
        keys = [UInt64](repeating: 0, count: count)
        tableKeys = [UInt64](repeating: 0, count: capacity)
        tableIds = [UInt32](repeating: 0, count: capacity)
        stamps = [UInt32](repeating: 0, count: capacity)
        mask = capacity - 1
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        classOfSource = [UInt32](repeating: 0, count: count)
    }
}

/// The optimal lattice search behind ``Anonymiser/generalise(_:quasiIdentifiers:hierarchies:models:sensitive:suppressionLimit:metric:gsFactor:progress:)``.
struct LatticeSearch {
    let q: Int
    let n: Int
    let maps: [LevelMap]
    let hierarchies: [Hierarchy]
    let names: [String]
    let levelCounts: [Int]
    let models: [PrivacyModel]
    let metric: UtilityMetric
    let gFactor: Double
    let sFactor: Double
    let maxSuppressed: Int
    let kRequired: Int

    /// Distinct quasi-identifier tuples at level 0 ("combinations").
    let comboCount: Int
    /// `comboLabel[d][level]` = label of each combination at that level.
    let comboLabel: [[[UInt32]]]
    /// Row → combination.
    let comboOfRow: [UInt32]
    /// The level-0 classes (one per combination).
    let bottomClasses: ClassSet
    let sensitive: EncodedColumn?
    let sensitiveCardinality: Int
    let globalDistribution: [Double]
    let orderOfRank: [Int]
    let hierarchicalDistance: HierarchicalDistance?

    /// `shareSum[d][level]` = Σ_rows domain share of the row's label (Loss without suppression).
    let shareSum: [[Double]]
    /// `labelShare[d][level][label]`.
    let labelShare: [[[Double]]]
    /// `entropySum[d][level]` = Σ_rows −log2(f0 / f_level) (non-uniform entropy without suppression).
    let entropySum: [[Double]]
    /// `labelLog2Frequency[d][level][label]` = log2(rows with the label).
    let labelLog2Frequency: [[[Double]]]

    init(
        columns: [EncodedColumn], hierarchies: [Hierarchy], models: [PrivacyModel], sensitive: EncodedColumn?,
        suppressionLimit: Double, metric: UtilityMetric, gsFactor: Double
    ) throws(AnonymityError) {
        q = columns.count
        n = columns[0].codes.count
        names = columns.map(\.name)
        self.hierarchies = hierarchies
        self.models = models
        self.metric = metric
        self.sensitive = sensitive
        sFactor = gsFactor < 0.5 ? 2 * gsFactor : 1
        gFactor = gsFactor <= 0.5 ? 1 : 1 - 2 * (gsFactor - 0.5)
        maxSuppressed = Int((suppressionLimit * Double(n)).rounded(.down))
        kRequired = models.compactMap { if case let .kAnonymity(k) = $0 { k } else { nil } }.max() ?? 1
        var maps: [LevelMap] = []
        for d in 0..<q { maps.append(try LevelMap(column: columns[d], hierarchy: hierarchies[d])) }
        self.maps = maps
        levelCounts = hierarchies.map(\.levelCount)
        var product: UInt64 = 1
        for d in 0..<q {
            let (p, o) = product.multipliedReportingOverflow(by: UInt64(max(maps[d].labelCount[0], 1)))
            if o {
                throw .invalidArgument(
                    name: "hierarchies", reason: "the product of the hierarchies' sizes exceeds 2^64")
            }
            product = p
        }
        // Level-0 combinations: group rows by hierarchy leaf (all cores).
        let leafColumns = (0..<q).map { d in
            EncodedColumn(
                name: columns[d].name, codes: columns[d].codes.map { maps[d].leafOfCode[Int($0)] },
                dictionary: hierarchies[d].values)
        }
        let bottom = EquivalenceClasses(columns: leafColumns)
        comboCount = bottom.count
        comboOfRow = bottom.classOfRow
        var comboLabel: [[[UInt32]]] = []
        var shareSum: [[Double]] = []
        var entropySum: [[Double]] = []
        var labelLog2Frequency: [[[Double]]] = []
        for d in 0..<q {
            let leafOfCombo = bottom.firstRow.map { leafColumns[d].codes[$0] }
            // Row frequency of each leaf.
            var f0 = [Int](repeating: 0, count: hierarchies[d].rows.count)
            for c in 0..<bottom.count { f0[Int(leafOfCombo[c])] += bottom.sizes[c] }
            var perLevel: [[UInt32]] = []
            var sums: [Double] = []
            var entropies: [Double] = []
            var logs: [[Double]] = []
            for level in 0..<levelCounts[d] {
                let labelOfLeaf = maps[d].labelOfLeaf[level]
                perLevel.append(leafOfCombo.map { labelOfLeaf[Int($0)] })
                var fl = [Int](repeating: 0, count: maps[d].labelCount[level])
                for leaf in 0..<f0.count { fl[Int(labelOfLeaf[leaf])] += f0[leaf] }
                var s = 0.0, e = 0.0
                for leaf in 0..<f0.count where f0[leaf] > 0 {
                    let label = Int(labelOfLeaf[leaf])
                    s += Double(f0[leaf]) * maps[d].share[level][label]
                    e += Double(f0[leaf]) * -log2(Double(f0[leaf]) / Double(fl[label]))
                }
                sums.append(s)
                entropies.append(e)
                logs.append(fl.map { $0 > 0 ? log2(Double($0)) : 0 })
            }
            comboLabel.append(perLevel)
            shareSum.append(sums)
            entropySum.append(entropies)
            labelLog2Frequency.append(logs)
        }
        self.comboLabel = comboLabel
        self.shareSum = shareSum
        self.entropySum = entropySum
        self.labelLog2Frequency = labelLog2Frequency
        labelShare = maps.map(\.share)
        var histogram: [Int32] = []
        if let sensitive {
            let m = sensitive.cardinality
            if Double(comboCount) * Double(m) > 256_000_000 {
                throw .invalidArgument(
                    name: "sensitive",
                    reason:
                        "\(comboCount) quasi-identifier combinations × \(m) sensitive values is too large for the dense per-class histograms"
                )
            }
            histogram = [Int32](repeating: 0, count: comboCount * m)
            for i in 0..<n { histogram[Int(comboOfRow[i]) * m + Int(sensitive.codes[i])] += 1 }
            sensitiveCardinality = m
            globalDistribution = Anonymiser.globalDistribution(sensitive)
            let rank = sensitive.orderRanks
            var order = [Int](repeating: 0, count: m)
            for code in 0..<m { order[Int(rank[code])] = code }
            orderOfRank = order
            var tree: HierarchicalDistance? = nil
            for model in models {
                if case let .hierarchicalTCloseness(_, h) = model {
                    tree = try HierarchicalDistance(hierarchy: h, sensitive: sensitive)
                }
            }
            hierarchicalDistance = tree
        } else {
            sensitiveCardinality = 0
            globalDistribution = []
            orderOfRank = []
            hierarchicalDistance = nil
        }
        bottomClasses = ClassSet(
            representative: (0..<bottom.count).map { UInt32($0) },
            sizes: bottom.sizes.map { Int32($0) }, histogram: histogram)
    }

    // MARK: Metric pieces

    /// ARX's geometric-mean aggregate: Π (v_d + 1)^(1/q) − 1.
    func aggregateLoss(_ values: [Double]) -> Double {
        var result = 1.0
        let exponent = 1.0 / Double(values.count)
        for v in values { result *= pow(v + 1, exponent) }
        return result - 1
    }

    /// ARX's normalisation of a dimension's Loss aggregate.
    func normalisedLoss(_ aggregate: Double, dimension d: Int) -> Double {
        let tuples = Double(n)
        let minimum = gFactor * tuples / Double(maps[d].domainSize)
        let maximum = tuples
        guard maximum > minimum else { return 0 }
        return max(0, (aggregate - minimum) / (maximum - minimum))
    }

    /// A lower bound of the metric that needs no grouping (monotone in the levels).
    func preBound(_ levels: [Int]) -> Double {
        switch metric {
        case .loss:
            return aggregateLoss((0..<q).map { normalisedLoss(gFactor * shareSum[$0][levels[$0]], dimension: $0) })
        case .entropy:
            return (0..<q).reduce(0.0) { $0 + entropySum[$1][levels[$1]] }
        case .discernibility, .aecs:
            return 0
        }
    }

    // MARK: Evaluation

    /// Groups the classes of `source` (a transformation at or below `levels`) at `levels`,
    /// applies the privacy models and computes the metric. `workspace.classOfSource` maps each
    /// source class to its class.
    func evaluate(_ levels: [Int], from source: ClassSet, workspace w: inout Workspace) -> (NodeEvaluation, ClassSet) {
        let count = source.count
        // 1. Mixed-radix keys of the generalised tuples.
        w.keys.withUnsafeMutableBufferPointer { k in
            source.representative.withUnsafeBufferPointer { rep in
                for c in 0..<count { k[c] = 0 }
                for d in 0..<q {
                    let radix = UInt64(maps[d].labelCount[levels[d]])
                    comboLabel[d][levels[d]].withUnsafeBufferPointer { lab in
                        for c in 0..<count { k[c] = k[c] &* radix &+ UInt64(lab[Int(rep[c])]) }
                    }
                }
            }
        }
        // 2. Group the keys.
        w.stamp &+= 1
        if w.stamp == 0 {
            for i in w.stamps.indices { w.stamps[i] = 0 }
            w.stamp = 1
        }
        let stamp = w.stamp, mask = w.mask, shift = w.shift
        var representative: [UInt32] = []
        var sizes: [Int32] = []
        representative.reserveCapacity(min(count, 1024))
        sizes.reserveCapacity(min(count, 1024))
        w.keys.withUnsafeBufferPointer { k in
            w.tableKeys.withUnsafeMutableBufferPointer { tk in
                w.tableIds.withUnsafeMutableBufferPointer { tid in
                    w.stamps.withUnsafeMutableBufferPointer { ts in
                        w.classOfSource.withUnsafeMutableBufferPointer { cos in
                            source.sizes.withUnsafeBufferPointer { sz in
                                source.representative.withUnsafeBufferPointer { rep in
                                    for c in 0..<count {
                                        let key = k[c]
                                        var i = GroupTable.hash(key, shift: shift)
                                        while true {
                                            if ts[i] != stamp {
                                                let id = UInt32(sizes.count)
                                                ts[i] = stamp
                                                tk[i] = key
                                                tid[i] = id
                                                sizes.append(sz[c])
                                                representative.append(rep[c])
                                                cos[c] = id
                                                break
                                            }
                                            if tk[i] == key {
                                                let id = tid[i]
                                                sizes[Int(id)] &+= sz[c]
                                                cos[c] = id
                                                break
                                            }
                                            i = (i + 1) & mask
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let classes = sizes.count
        var histogram: [Int32] = []
        // 3. Privacy models per class: a failing class is suppressed.
        var fails = [Bool](repeating: false, count: classes)
        for c in 0..<classes where Int(sizes[c]) < kRequired { fails[c] = true }
        if sensitive != nil {
            let m = sensitiveCardinality
            histogram = [Int32](repeating: 0, count: classes * m)
            histogram.withUnsafeMutableBufferPointer { h in
                source.histogram.withUnsafeBufferPointer { sh in
                    w.classOfSource.withUnsafeBufferPointer { cos in
                        for c in 0..<count {
                            let to = Int(cos[c]) * m, from = c * m
                            for j in 0..<m { h[to + j] &+= sh[from + j] }
                        }
                    }
                }
                for c in 0..<classes where !fails[c] {
                    let slice = UnsafeBufferPointer(UnsafeMutableBufferPointer(rebasing: h[(c * m)..<((c + 1) * m)]))
                    for model in models where model.needsSensitive {
                        if !classMeets(model, histogram: slice, size: Int(sizes[c])) {
                            fails[c] = true
                            break
                        }
                    }
                }
            }
        }
        let classSet = ClassSet(representative: representative, sizes: sizes, histogram: histogram)
        return (summarise(levels, classes: classSet, fails: fails), classSet)
    }

    /// Suppression, anonymity, bound and metric of a grouped transformation.
    func summarise(_ levels: [Int], classes: ClassSet, fails: [Bool]) -> NodeEvaluation {
        var suppressed = 0, kept = 0, minKept = Int.max, sumSquares = 0.0, allSquares = 0.0, suppressedByK = 0
        for c in 0..<classes.count {
            let s = Int(classes.sizes[c])
            if s < kRequired { suppressedByK += s }
            allSquares += Double(s) * Double(s)
            if fails[c] {
                suppressed += s
            } else {
                kept += 1
                minKept = min(minKept, s)
                sumSquares += Double(s) * Double(s)
            }
        }
        let anonymous = suppressed <= maxSuppressed
        var evaluation = NodeEvaluation(
            anonymous: anonymous, suppressedRows: suppressed, suppressedByK: suppressedByK, keptClasses: kept,
            minimumKeptSize: kept == 0 ? 0 : minKept, score: .infinity, groupedBound: 0)
        switch metric {
        case .loss, .entropy: evaluation.groupedBound = preBound(levels)
        case .discernibility: evaluation.groupedBound = allSquares
        case .aecs: evaluation.groupedBound = Double(n) / Double(max(classes.count, 1))
        }
        if anonymous {
            evaluation.score = score(
                metric, levels: levels, classes: classes, fails: fails, suppressed: suppressed,
                kept: kept, sumSquares: sumSquares)
        }
        return evaluation
    }

    /// The metric value of a grouped transformation.
    func score(
        _ metric: UtilityMetric, levels: [Int], classes: ClassSet, fails: [Bool],
        suppressed: Int, kept: Int, sumSquares: Double
    ) -> Double {
        switch metric {
        case .loss:
            var values = [Double](repeating: 0, count: q)
            for d in 0..<q {
                let level = levels[d]
                var aggregate = gFactor * shareSum[d][level]
                if suppressed > 0 {
                    let labels = comboLabel[d][level]
                    let shares = labelShare[d][level]
                    for c in 0..<classes.count where fails[c] {
                        let size = Double(classes.sizes[c])
                        let share = size * shares[Int(labels[Int(classes.representative[c])])]
                        aggregate -= gFactor * share
                        aggregate += sFactor == 1 ? size : share + sFactor * (size - share)
                    }
                }
                values[d] = normalisedLoss(aggregate, dimension: d)
            }
            return aggregateLoss(values)
        case .entropy:
            // A suppressed row's label covers n rows instead of f_level: it adds log2(n) − log2(f_level).
            var total = (0..<q).reduce(0.0) { $0 + entropySum[$1][levels[$1]] }
            if suppressed > 0 {
                let log2n = log2(Double(n))
                for c in 0..<classes.count where fails[c] {
                    let r = Int(classes.representative[c])
                    var extra = 0.0
                    for d in 0..<q {
                        extra += log2n - labelLog2Frequency[d][levels[d]][Int(comboLabel[d][levels[d]][r])]
                    }
                    total += Double(classes.sizes[c]) * extra
                }
            }
            return total
        case .discernibility:
            return sumSquares + Double(suppressed) * Double(n)
        case .aecs:
            return Double(n) / Double(max(kept + (suppressed > 0 ? 1 : 0), 1))
        }
    }

    /// Whether a class with sensitive counts `histogram` (indexed by code) meets `model`.
    func classMeets(_ model: PrivacyModel, histogram h: UnsafeBufferPointer<Int32>, size: Int) -> Bool {
        let total = Double(size)
        switch model {
        case .kAnonymity: return size >= kRequired
        case let .distinctLDiversity(l):
            var distinct = 0
            for v in h where v > 0 {
                distinct += 1
                if distinct >= l { return true }
            }
            return distinct >= l
        case let .entropyLDiversity(l):
            var entropy = 0.0
            for v in h where v > 0 {
                let p = Double(v) / total
                entropy -= p * log(p)
            }
            return entropy >= log(l) - 1e-12
        case let .recursiveLDiversity(c, l):
            let sorted = h.filter { $0 > 0 }.sorted(by: >)
            return Anonymiser.recursiveL(sorted, c: c) >= l
        case let .equalDistanceTCloseness(t):
            var sum = 0.0
            for (code, v) in h.enumerated() { sum += abs(Double(v) / total - globalDistribution[code]) }
            return 0.5 * sum <= t + 1e-12
        case let .orderedDistanceTCloseness(t):
            let m = h.count
            guard m > 1 else { return true }
            var running = 0.0, sum = 0.0
            for r in 0..<m {
                let code = orderOfRank[r]
                running += Double(h[code]) / total - globalDistribution[code]
                sum += abs(running)
            }
            return sum / Double(m - 1) <= t + 1e-12
        case let .hierarchicalTCloseness(t, _):
            guard let tree = hierarchicalDistance else { return true }
            let p = h.map { Double($0) / total }
            return tree.distance(p, globalDistribution) <= t + 1e-12
        }
    }

    // MARK: Search

    func run(progress: ((GeneralisationProgress) -> Void)? = nil) throws(AnonymityError) -> GeneralisationResult {
        let latticeSizeD = Anonymiser.latticeSize(hierarchies)
        if latticeSizeD > Double(Anonymiser.maximumLatticeSize) {
            throw .latticeTooLarge(nodes: latticeSizeD, limit: Anonymiser.maximumLatticeSize)
        }
        let size = Int(latticeSizeD)
        progress?(GeneralisationProgress(phase: .ordering, latticeSize: size, visited: 0, evaluated: 0))
        // Node index: mixed radix, dimension 0 most significant.
        var strides = [Int](repeating: 1, count: q)
        for d in stride(from: q - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * levelCounts[d + 1] }
        func levelsOf(_ index: Int) -> [Int] { (0..<q).map { (index / strides[$0]) % levelCounts[$0] } }

        var bounds = [Double](repeating: 0, count: size)
        var levelSums = [Int](repeating: 0, count: size)
        for i in 0..<size {
            let l = levelsOf(i)
            bounds[i] = preBound(l)
            levelSums[i] = l.reduce(0, +)
        }
        let order = (0..<size).sorted { a, b in
            if bounds[a] != bounds[b] { return bounds[a] < bounds[b] }
            if levelSums[a] != levelSums[b] { return levelSums[a] < levelSums[b] }
            return a < b
        }
        // Predictive tagging (Flash, Kohlmayer et al. 2012) on a monotone predicate P: a
        // transformation failing P makes all its predecessors fail it, one satisfying P all its
        // successors; unknown transformations are classified by a binary search on a chain up to
        // the top. P is "anonymous" when that is monotone under generalisation with suppression
        // (k-anonymity alone, or any models without suppression); otherwise P is "at most the
        // limit of rows in classes below k", which is monotone and necessary for anonymity.
        let monotoneTagging =
            maxSuppressed == 0 || models.allSatisfy { if case .kAnonymity = $0 { true } else { false } }
        func predicate(_ e: NodeEvaluation) -> Bool { monotoneTagging ? e.anonymous : e.suppressedByK <= maxSuppressed }
        // P per transformation: 0 unknown, 1 fails, 2 holds.
        var status = [UInt8](repeating: 0, count: size)
        var pruned = [Bool](repeating: false, count: size)
        var evaluations: [Int: NodeEvaluation] = [:]
        var workspace = Workspace(capacity: comboCount)
        var cache: [(levels: [Int], classes: ClassSet)] = []
        let cacheLimit = 64
        var best: (index: Int, evaluation: NodeEvaluation)? = nil
        var evaluatedBounds: [(index: Int, bound: Double)] = []
        var evaluated = 0
        var visited = 0  // position in `order`, for progress reports
        let top = levelCounts.map { $0 - 1 }
        let bottom = [Int](repeating: 0, count: q)

        func indexOf(_ levels: [Int]) -> Int {
            var index = 0
            for d in 0..<q { index += levels[d] * strides[d] }
            return index
        }
        /// Visits every node in the box `low...high` (componentwise).
        func forBox(from low: [Int], to high: [Int], _ body: (Int) -> Void) {
            var current = low
            while true {
                body(indexOf(current))
                var d = q - 1
                while d >= 0 {
                    if current[d] < high[d] {
                        current[d] += 1
                        break
                    }
                    current[d] = low[d]
                    d -= 1
                }
                if d < 0 { return }
            }
        }
        /// Evaluates a node, records it, and tags what the result implies.
        func evaluateNode(_ index: Int) -> NodeEvaluation {
            if let known = evaluations[index] { return known }
            let levels = levelsOf(index)
            // Roll up from the cached predecessor with the fewest classes (or the level-0 combinations).
            var source = bottomClasses
            for entry in cache
            where entry.classes.count < source.count && zip(entry.levels, levels).allSatisfy({ $0 <= $1 }) {
                source = entry.classes
            }
            let (result, classes) = evaluate(levels, from: source, workspace: &workspace)
            if cache.count < cacheLimit {
                cache.append((levels, classes))
            } else if let worst = cache.indices.max(by: { cache[$0].classes.count < cache[$1].classes.count }),
                cache[worst].classes.count > classes.count
            {
                cache[worst] = (levels, classes)
            }
            evaluated += 1
            evaluations[index] = result
            progress?(
                GeneralisationProgress(phase: .searching, latticeSize: size, visited: visited, evaluated: evaluated))
            if predicate(result) {
                forBox(from: levels, to: top) { status[$0] = 2 }
            } else {
                forBox(from: bottom, to: levels) { status[$0] = 1 }
            }
            return result
        }
        /// The chain from `levels` to the top, raising the relatively lowest dimension each step.
        func chain(from levels: [Int]) -> [Int] {
            var current = levels
            var out = [indexOf(current)]
            while current != top {
                var pick = -1
                var lowest = Double.infinity
                for d in 0..<q where current[d] < top[d] {
                    let relative = Double(current[d] + 1) / Double(top[d] + 1)
                    if relative < lowest {
                        lowest = relative
                        pick = d
                    }
                }
                current[pick] += 1
                out.append(indexOf(current))
            }
            return out
        }

        progress?(GeneralisationProgress(phase: .searching, latticeSize: size, visited: 0, evaluated: 0))
        for index in order {
            visited += 1
            let bestScore = best?.evaluation.score ?? .infinity
            if bounds[index] >= bestScore { break }
            if status[index] == 1 || pruned[index] { continue }
            if status[index] == 0 {
                // Binary search for the lowest node satisfying P on the chain to the top.
                let path = chain(from: levelsOf(index))
                var lo = -1, hi = path.count - 1
                if status[path[hi]] != 2 && !predicate(evaluateNode(path[hi])) { hi = path.count }
                while hi - lo > 1 {
                    let mid = (lo + hi) / 2
                    let s = status[path[mid]]
                    let holds = s == 2 ? true : s == 1 ? false : predicate(evaluateNode(path[mid]))
                    if holds { hi = mid } else { lo = mid }
                }
                if status[index] == 1 { continue }
            }
            let result = evaluateNode(index)
            if !result.anonymous { continue }
            if result.groupedBound >= bestScore {
                forBox(from: levelsOf(index), to: top) { pruned[$0] = true }
                continue
            }
            evaluatedBounds.append((index, result.groupedBound))
            if result.score < bestScore {
                best = (index, result)
                // Successors of evaluated transformations whose bound reaches the new best are no better.
                if metric == .discernibility || metric == .aecs {
                    var remaining: [(index: Int, bound: Double)] = []
                    for e in evaluatedBounds {
                        if e.bound >= result.score {
                            forBox(from: levelsOf(e.index), to: top) { pruned[$0] = true }
                        } else {
                            remaining.append(e)
                        }
                    }
                    evaluatedBounds = remaining
                }
            }
        }
        progress?(GeneralisationProgress(phase: .finished, latticeSize: size, visited: visited, evaluated: evaluated))
        guard let best else {
            throw .noSolution(reason: "even the most general transformation suppresses more than \(maxSuppressed) rows")
        }
        let levels = levelsOf(best.index)
        // Final pass at the optimum from level 0: every metric and the suppressed rows.
        let (final, classes) = evaluate(levels, from: bottomClasses, workspace: &workspace)
        var fails = [Bool](repeating: false, count: classes.count)
        for c in 0..<classes.count where Int(classes.sizes[c]) < kRequired { fails[c] = true }
        if sensitive != nil {
            let m = sensitiveCardinality
            classes.histogram.withUnsafeBufferPointer { h in
                for c in 0..<classes.count where !fails[c] {
                    let slice = UnsafeBufferPointer(rebasing: h[(c * m)..<((c + 1) * m)])
                    for model in models where model.needsSensitive {
                        if !classMeets(model, histogram: slice, size: Int(classes.sizes[c])) {
                            fails[c] = true
                            break
                        }
                    }
                }
            }
        }
        var sumSquares = 0.0
        for c in 0..<classes.count where !fails[c] { sumSquares += Double(classes.sizes[c]) * Double(classes.sizes[c]) }
        func metricValue(_ m: UtilityMetric) -> Double {
            score(
                m, levels: levels, classes: classes, fails: fails, suppressed: final.suppressedRows,
                kept: final.keptClasses, sumSquares: sumSquares)
        }
        let classOfCombo = workspace.classOfSource
        var rowSuppressed = [Bool](repeating: false, count: n)
        for i in 0..<n where fails[Int(classOfCombo[Int(comboOfRow[i])])] { rowSuppressed[i] = true }
        return GeneralisationResult(
            quasiIdentifiers: names, levels: levels, suppressedRows: final.suppressedRows,
            classCount: final.keptClasses,
            minimumClassSize: final.minimumKeptSize, metric: metric, score: final.score,
            loss: metricValue(.loss), discernibility: metricValue(.discernibility),
            averageClassSize: metricValue(.aecs),
            nonUniformEntropy: metricValue(.entropy), latticeSize: size, nodesEvaluated: evaluated,
            rowSuppressed: rowSuppressed, hierarchies: hierarchies)
    }
}
