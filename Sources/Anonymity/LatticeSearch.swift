import Foundation

/// The outcome of evaluating one transformation (a vector of levels).
struct NodeEvaluation {
    var anonymous: Bool
    var suppressedRows: Int
    var keptClasses: Int
    var minimumKeptSize: Int
    /// The metric value (valid when anonymous).
    var score: Double
    /// A lower bound of the metric for this transformation and all its successors.
    var groupedBound: Double
}

/// An open-addressing table reset in O(1) per use by a generation stamp.
struct StampedTable {
    var keys: [UInt64]
    var ids: [UInt32]
    var stamps: [UInt32]
    var stamp: UInt32 = 0
    let mask: Int
    let shift: UInt64

    init(capacityFor count: Int) {
        var capacity = 16
        while capacity < count * 2 { capacity <<= 1 }
        keys = [UInt64](repeating: 0, count: capacity)
        ids = [UInt32](repeating: 0, count: capacity)
        stamps = [UInt32](repeating: 0, count: capacity)
        mask = capacity - 1
        shift = UInt64(64 - capacity.trailingZeroBitCount)
    }
}

/// The optimal lattice search behind ``Anonymity/generalise(_:quasiIdentifiers:hierarchies:models:sensitive:suppressionLimit:metric:gsFactor:)``.
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

    // Distinct quasi-identifier tuples ("combinations") at level 0.
    let comboCount: Int
    let comboSize: [Int32]
    /// `comboLabel[d][level]` = label of each combination at that level.
    let comboLabel: [[[UInt32]]]
    /// Row → combination.
    let comboOfRow: [UInt32]
    // Sensitive counts per combination (sparse), for l-diversity and t-closeness.
    let sensitive: EncodedColumn?
    let comboSensitive: SensitiveCounts?
    let globalDistribution: [Double]
    let orderOfRank: [Int]
    let hierarchicalDistance: HierarchicalDistance?

    // Metric precomputation.
    /// `shareSum[d][level]` = Σ_rows share of the row's label (Loss, no suppression).
    let shareSum: [[Double]]
    /// `entropySum[d][level]` = Σ_rows −log2(f0 / fLevel).
    let entropySum: [[Double]]
    /// Per combination: `−log2(f0/n)` summed over dimensions (entropy of a suppressed row).
    let comboSuppressedEntropy: [Double]
    /// `comboEntropy[d][level][combo]` = −log2(f0 / fLevel) of the combination's value.
    let comboEntropy: [[[Double]]]?
    /// `labelShare[d][level][label]`.
    let labelShare: [[[Double]]]

    init(columns: [EncodedColumn], hierarchies: [Hierarchy], models: [PrivacyModel], sensitive: EncodedColumn?,
         suppressionLimit: Double, metric: UtilityMetric, gsFactor: Double) throws(AnonymityError) {
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
            if o { throw .invalidArgument(name: "hierarchies", reason: "the product of the hierarchies' sizes exceeds 2^64") }
            product = p
        }
        // Level-0 combinations: group rows by hierarchy leaf.
        let leafColumns = (0..<q).map { d in
            EncodedColumn(name: columns[d].name, codes: columns[d].codes.map { maps[d].leafOfCode[Int($0)] },
                          dictionary: hierarchies[d].values)
        }
        let bottom = EquivalenceClasses(columns: leafColumns)
        comboCount = bottom.count
        comboSize = bottom.sizes.map { Int32($0) }
        comboOfRow = bottom.classOfRow
        var comboLabel: [[[UInt32]]] = []
        var labelShare: [[[Double]]] = []
        var shareSum: [[Double]] = []
        var entropySum: [[Double]] = []
        var comboEntropy: [[[Double]]] = []
        var suppressedEntropy = [Double](repeating: 0, count: bottom.count)
        for d in 0..<q {
            let leafOfCombo = bottom.firstRow.map { leafColumns[d].codes[$0] }
            var perLevel: [[UInt32]] = []
            var sums: [Double] = []
            var entSums: [Double] = []
            var entPerLevel: [[Double]] = []
            // Row frequencies of each leaf and of each label per level.
            var f0 = [Int](repeating: 0, count: hierarchies[d].rows.count)
            for c in 0..<bottom.count { f0[Int(leafOfCombo[c])] += bottom.sizes[c] }
            for level in 0..<levelCounts[d] {
                let labels = leafOfCombo.map { maps[d].labelOfLeaf[level][Int($0)] }
                var fl = [Int](repeating: 0, count: maps[d].labelCount[level])
                for c in 0..<bottom.count { fl[Int(labels[c])] += bottom.sizes[c] }
                var s = 0.0, e = 0.0
                var ent = [Double](repeating: 0, count: bottom.count)
                for c in 0..<bottom.count {
                    let size = Double(bottom.sizes[c])
                    s += size * maps[d].share[level][Int(labels[c])]
                    ent[c] = -log2(Double(f0[Int(leafOfCombo[c])]) / Double(fl[Int(labels[c])]))
                    e += size * ent[c]
                }
                perLevel.append(labels)
                sums.append(s)
                entSums.append(e)
                entPerLevel.append(ent)
            }
            for c in 0..<bottom.count { suppressedEntropy[c] += -log2(Double(f0[Int(leafOfCombo[c])]) / Double(n)) }
            comboLabel.append(perLevel)
            labelShare.append(maps[d].share)
            shareSum.append(sums)
            entropySum.append(entSums)
            comboEntropy.append(entPerLevel)
        }
        self.comboLabel = comboLabel
        self.labelShare = labelShare
        self.shareSum = shareSum
        self.entropySum = entropySum
        self.comboEntropy = metric == .entropy ? comboEntropy : nil
        comboSuppressedEntropy = suppressedEntropy
        if let sensitive {
            comboSensitive = bottom.sensitiveCounts(sensitive)
            globalDistribution = Anonymity.globalDistribution(sensitive)
            let rank = sensitive.orderRanks
            var order = [Int](repeating: 0, count: sensitive.cardinality)
            for code in 0..<sensitive.cardinality { order[Int(rank[code])] = code }
            orderOfRank = order
            var tree: HierarchicalDistance? = nil
            for model in models { if case let .hierarchicalTCloseness(_, h) = model { tree = try HierarchicalDistance(hierarchy: h, sensitive: sensitive) } }
            hierarchicalDistance = tree
            if Double(comboCount) * Double(sensitive.cardinality) > 256_000_000 {
                throw .invalidArgument(name: "sensitive", reason: "\(comboCount) quasi-identifier combinations × \(sensitive.cardinality) sensitive values is too large for the dense per-class histograms")
            }
        } else {
            comboSensitive = nil
            globalDistribution = []
            orderOfRank = []
            hierarchicalDistance = nil
        }
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

    /// Groups the combinations at `levels`, applies the privacy models and computes the metric.
    func evaluate(_ levels: [Int], table: inout StampedTable, classOfCombo: inout [UInt32], classSize: inout [Int],
                  histogram: inout [Int32], keys: inout [UInt64]) -> NodeEvaluation {
        // 1. Mixed-radix keys of the generalised tuples.
        keys.withUnsafeMutableBufferPointer { k in
            for c in 0..<comboCount { k[c] = 0 }
            for d in 0..<q {
                let radix = UInt64(maps[d].labelCount[levels[d]])
                comboLabel[d][levels[d]].withUnsafeBufferPointer { lab in
                    for c in 0..<comboCount { k[c] = k[c] &* radix &+ UInt64(lab[c]) }
                }
            }
        }
        // 2. Group the keys.
        table.stamp &+= 1
        if table.stamp == 0 {
            for i in table.stamps.indices { table.stamps[i] = 0 }
            table.stamp = 1
        }
        var classes = 0
        let stamp = table.stamp
        let mask = table.mask, shift = table.shift
        keys.withUnsafeBufferPointer { k in
            table.keys.withUnsafeMutableBufferPointer { tk in
                table.ids.withUnsafeMutableBufferPointer { tid in
                    table.stamps.withUnsafeMutableBufferPointer { ts in
                        classOfCombo.withUnsafeMutableBufferPointer { coc in
                            classSize.withUnsafeMutableBufferPointer { cs in
                                comboSize.withUnsafeBufferPointer { sz in
                                    for c in 0..<comboCount {
                                        let key = k[c]
                                        var i = GroupTable.hash(key, shift: shift)
                                        while true {
                                            if ts[i] != stamp {
                                                ts[i] = stamp
                                                tk[i] = key
                                                tid[i] = UInt32(classes)
                                                cs[classes] = Int(sz[c])
                                                coc[c] = UInt32(classes)
                                                classes += 1
                                                break
                                            }
                                            if tk[i] == key {
                                                let id = tid[i]
                                                cs[Int(id)] += Int(sz[c])
                                                coc[c] = id
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
        // 3. Privacy models per class: a failing class is suppressed.
        var fails = [Bool](repeating: false, count: classes)
        for c in 0..<classes where classSize[c] < kRequired { fails[c] = true }
        if let counts = comboSensitive, let sensitive {
            let m = sensitive.cardinality
            let needed = classes * m
            if histogram.count < needed { histogram = [Int32](repeating: 0, count: needed) } else {
                histogram.withUnsafeMutableBufferPointer { h in for i in 0..<needed { h[i] = 0 } }
            }
            histogram.withUnsafeMutableBufferPointer { h in
                for combo in 0..<comboCount {
                    let base = Int(classOfCombo[combo]) * m
                    for j in counts.offsets[combo]..<counts.offsets[combo + 1] {
                        h[base + Int(counts.codes[j])] += counts.counts[j]
                    }
                }
                for c in 0..<classes where !fails[c] {
                    let slice = UnsafeBufferPointer(rebasing: h[(c * m)..<((c + 1) * m)])
                    for model in models where model.needsSensitive {
                        if !classMeets(model, histogram: slice, size: classSize[c]) { fails[c] = true; break }
                    }
                }
            }
        }
        var suppressed = 0, kept = 0, minKept = Int.max, sumSquares = 0.0, allSquares = 0.0
        for c in 0..<classes {
            let s = classSize[c]
            allSquares += Double(s) * Double(s)
            if fails[c] { suppressed += s } else {
                kept += 1
                minKept = min(minKept, s)
                sumSquares += Double(s) * Double(s)
            }
        }
        let anonymous = suppressed <= maxSuppressed
        var evaluation = NodeEvaluation(anonymous: anonymous, suppressedRows: suppressed, keptClasses: kept,
                                        minimumKeptSize: kept == 0 ? 0 : minKept, score: .infinity, groupedBound: 0)
        switch metric {
        case .loss, .entropy: evaluation.groupedBound = preBound(levels)
        case .discernibility: evaluation.groupedBound = allSquares
        case .aecs: evaluation.groupedBound = Double(n) / Double(max(classes, 1))
        }
        if anonymous {
            evaluation.score = score(metric, levels: levels, fails: fails, classOfCombo: classOfCombo,
                                     suppressed: suppressed, kept: kept, sumSquares: sumSquares)
        }
        return evaluation
    }

    /// The metric value of an evaluated transformation.
    func score(_ metric: UtilityMetric, levels: [Int], fails: [Bool], classOfCombo: [UInt32],
               suppressed: Int, kept: Int, sumSquares: Double) -> Double {
        switch metric {
        case .loss:
            var values = [Double](repeating: 0, count: q)
            for d in 0..<q {
                let level = levels[d]
                var aggregate = gFactor * shareSum[d][level]
                if suppressed > 0 {
                    let labels = comboLabel[d][level]
                    let shares = labelShare[d][level]
                    for combo in 0..<comboCount where fails[Int(classOfCombo[combo])] {
                        let size = Double(comboSize[combo])
                        let share = size * shares[Int(labels[combo])]
                        aggregate -= gFactor * share
                        aggregate += sFactor == 1 ? size : share + sFactor * (size - share)
                    }
                }
                values[d] = normalisedLoss(aggregate, dimension: d)
            }
            return aggregateLoss(values)
        case .entropy:
            var total = (0..<q).reduce(0.0) { $0 + entropySum[$1][levels[$1]] }
            if suppressed > 0, let comboEntropy {
                for combo in 0..<comboCount where fails[Int(classOfCombo[combo])] {
                    var generalised = 0.0
                    for d in 0..<q { generalised += comboEntropy[d][levels[d]][combo] }
                    total += Double(comboSize[combo]) * (comboSuppressedEntropy[combo] - generalised)
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
            for v in h where v > 0 { distinct += 1; if distinct >= l { return true } }
            return distinct >= l
        case let .entropyLDiversity(l):
            var entropy = 0.0
            for v in h where v > 0 { let p = Double(v) / total; entropy -= p * log(p) }
            return entropy >= log(l) - 1e-12
        case let .recursiveLDiversity(c, l):
            let sorted = h.filter { $0 > 0 }.sorted(by: >)
            return Anonymity.recursiveL(sorted, c: c) >= l
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

    func run() throws(AnonymityError) -> GeneralisationResult {
        var latticeSizeD = 1.0
        for c in levelCounts { latticeSizeD *= Double(c) }
        if latticeSizeD > Double(Anonymity.maximumLatticeSize) {
            throw .latticeTooLarge(nodes: latticeSizeD, limit: Anonymity.maximumLatticeSize)
        }
        let size = Int(latticeSizeD)
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
        // Tagging is sound when the models are monotone under generalisation with suppression:
        // k-anonymity alone, or any of the models without suppression. Then a non-anonymous
        // transformation makes all its predecessors non-anonymous, an anonymous one all its
        // successors anonymous, and unknown transformations are classified by a binary search
        // on a chain up to the top (as Flash does).
        let monotoneTagging = maxSuppressed == 0 || models.allSatisfy { if case .kAnonymity = $0 { true } else { false } }
        // 0 unknown, 1 non-anonymous, 2 anonymous.
        var status = [UInt8](repeating: 0, count: size)
        var pruned = [Bool](repeating: false, count: size)
        var evaluations: [Int: NodeEvaluation] = [:]
        var table = StampedTable(capacityFor: comboCount)
        var classOfCombo = [UInt32](repeating: 0, count: comboCount)
        var classSize = [Int](repeating: 0, count: comboCount)
        var histogram: [Int32] = []
        var keys = [UInt64](repeating: 0, count: comboCount)
        var best: (index: Int, evaluation: NodeEvaluation)? = nil
        var evaluatedBounds: [(index: Int, bound: Double)] = []
        var evaluated = 0
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
                    if current[d] < high[d] { current[d] += 1; break }
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
            let result = evaluate(levels, table: &table, classOfCombo: &classOfCombo, classSize: &classSize,
                                  histogram: &histogram, keys: &keys)
            evaluated += 1
            evaluations[index] = result
            if result.anonymous {
                status[index] = 2
                if monotoneTagging { forBox(from: levels, to: top) { status[$0] = 2 } }
            } else {
                status[index] = 1
                if monotoneTagging { forBox(from: bottom, to: levels) { status[$0] = 1 } }
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
                    if relative < lowest { lowest = relative; pick = d }
                }
                current[pick] += 1
                out.append(indexOf(current))
            }
            return out
        }

        for index in order {
            let bestScore = best?.evaluation.score ?? .infinity
            if bounds[index] >= bestScore { break }
            if status[index] == 1 || pruned[index] { continue }
            if monotoneTagging && status[index] == 0 {
                // Binary search for the lowest anonymous node on the chain to the top.
                let path = chain(from: levelsOf(index))
                var lo = -1, hi = path.count - 1   // status(path[hi]) anonymous is checked below
                if status[path[hi]] != 2 && !evaluateNode(path[hi]).anonymous { hi = path.count }
                while hi - lo > 1 {
                    let mid = (lo + hi) / 2
                    let s = status[path[mid]]
                    let anonymous = s == 2 ? true : s == 1 ? false : evaluateNode(path[mid]).anonymous
                    if anonymous { hi = mid } else { lo = mid }
                }
                if status[index] == 1 { continue }
            }
            let result = evaluateNode(index)
            if !result.anonymous { continue }
            if result.groupedBound >= bestScore { forBox(from: levelsOf(index), to: top) { pruned[$0] = true }; continue }
            evaluatedBounds.append((index, result.groupedBound))
            if result.score < bestScore {
                best = (index, result)
                // Successors of evaluated transformations whose bound reaches the new best are no better.
                if metric == .discernibility || metric == .aecs {
                    var remaining: [(index: Int, bound: Double)] = []
                    for e in evaluatedBounds {
                        if e.bound >= result.score { forBox(from: levelsOf(e.index), to: top) { pruned[$0] = true } } else { remaining.append(e) }
                    }
                    evaluatedBounds = remaining
                }
            }
        }
        guard let best else {
            throw .noSolution(reason: "even the most general transformation suppresses more than \(maxSuppressed) rows")
        }
        let levels = levelsOf(best.index)
        // Final pass at the optimum: every metric and the suppressed rows.
        let final = evaluate(levels, table: &table, classOfCombo: &classOfCombo, classSize: &classSize,
                             histogram: &histogram, keys: &keys)
        let classes = table.ids.isEmpty ? 0 : Set(classOfCombo).count
        var fails = [Bool](repeating: false, count: classes)
        // Recompute the failing classes exactly as evaluate() did.
        for c in 0..<classes where classSize[c] < kRequired { fails[c] = true }
        if let counts = comboSensitive, let sensitive {
            let m = sensitive.cardinality
            histogram.withUnsafeBufferPointer { h in
                for c in 0..<classes where !fails[c] {
                    let slice = UnsafeBufferPointer(rebasing: h[(c * m)..<((c + 1) * m)])
                    for model in models where model.needsSensitive {
                        if !classMeets(model, histogram: slice, size: classSize[c]) { fails[c] = true; break }
                    }
                }
            }
            _ = counts
        }
        var sumSquares = 0.0
        for c in 0..<classes where !fails[c] { sumSquares += Double(classSize[c]) * Double(classSize[c]) }
        func metricValue(_ m: UtilityMetric) -> Double {
            if m == .entropy && comboEntropy == nil {
                return LatticeSearch.entropyWithoutCache(self, levels: levels, fails: fails, classOfCombo: classOfCombo)
            }
            return score(m, levels: levels, fails: fails, classOfCombo: classOfCombo, suppressed: final.suppressedRows,
                         kept: final.keptClasses, sumSquares: sumSquares)
        }
        var rowSuppressed = [Bool](repeating: false, count: n)
        for i in 0..<n where fails[Int(classOfCombo[Int(comboOfRow[i])])] { rowSuppressed[i] = true }
        return GeneralisationResult(
            quasiIdentifiers: names, levels: levels, suppressedRows: final.suppressedRows, classCount: final.keptClasses,
            minimumClassSize: final.minimumKeptSize, metric: metric, score: final.score,
            loss: metricValue(.loss), discernibility: metricValue(.discernibility), averageClassSize: metricValue(.aecs),
            nonUniformEntropy: metricValue(.entropy), latticeSize: size, nodesEvaluated: evaluated,
            rowSuppressed: rowSuppressed, hierarchies: hierarchies)
    }

    /// Non-uniform entropy when the per-combination cache was not built (metric ≠ entropy).
    static func entropyWithoutCache(_ s: LatticeSearch, levels: [Int], fails: [Bool], classOfCombo: [UInt32]) -> Double {
        var total = 0.0
        for d in 0..<s.q {
            // Frequencies of leaves and labels among all rows.
            let labels = s.comboLabel[d][levels[d]]
            let leaves = s.comboLabel[d][0]
            var f0 = [Int](repeating: 0, count: s.maps[d].labelCount[0])
            var fl = [Int](repeating: 0, count: s.maps[d].labelCount[levels[d]])
            for c in 0..<s.comboCount {
                f0[Int(leaves[c])] += Int(s.comboSize[c])
                fl[Int(labels[c])] += Int(s.comboSize[c])
            }
            for c in 0..<s.comboCount {
                let denominator = fails[Int(classOfCombo[c])] ? Double(s.n) : Double(fl[Int(labels[c])])
                total += Double(s.comboSize[c]) * -log2(Double(f0[Int(leaves[c])]) / denominator)
            }
        }
        return total
    }
}
