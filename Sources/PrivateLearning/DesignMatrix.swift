import Foundation
import Tabular

/// How each row's features are bounded before they enter a private fit. The bounds are
/// parameters of the fit, never read off the data: they fix the sensitivity.
public enum FeatureBounds: Sendable, Hashable, CustomStringConvertible {
    /// Feature `j` is clamped to `ranges[j]` (one range per feature, in the order the features
    /// are named) and mapped affinely onto [−1, 1]; each row then has ‖z‖∞ ≤ 1.
    case perColumn([ClosedRange<Double>])
    /// Each row's feature vector `x` is scaled by `1/radius` and clipped to Euclidean norm ≤ 1
    /// (multiplied by `min(1, radius/‖x‖)`): the bound diffprivlib calls `data_norm`.
    case rowNorm(Double)

    /// `"per-column [a, b], …"` or `"row norm ≤ r"`.
    public var description: String {
        switch self {
        case let .perColumn(ranges):
            "per-column " + ranges.map { "[\($0.lowerBound), \($0.upperBound)]" }.joined(separator: ", ")
        case let .rowNorm(radius): "row norm ≤ \(radius)"
        }
    }
}

/// The affine map from a feature's original unit to the model's unit `z = scale·x + offset`
/// (before clamping or clipping), and from the model's label unit back.
struct FeatureScaling: Sendable, Hashable {
    var scale: [Double]
    var offset: [Double]
}

/// The clamped, scaled and quantised design matrix of a fit, column-major, with the intercept
/// column (all ones) last.
///
/// **Why quantise.** Every feature value `z` lies on the grid `2^-gridBits` with `|z| ≤ 1`, and
/// so does every label (or residual) it is multiplied with. A product is then a multiple of
/// `2^-2·gridBits` of magnitude ≤ 1, and any sum of at most `maximumRows ≤ 2^(53 − 2·gridBits)`
/// such products is an integer number of grid units below 2^53: exactly representable in a
/// `Double`. So `cblas_dsyrk` / `cblas_dgemv` compute XᵀX, Xᵀy and Xᵀr **exactly**, in any
/// summation order, blocking, FMA use or thread count. The floating-point underestimation of
/// sensitivity of Casacuberta et al. (CCS 2022) cannot happen: the statistics are fixed-point
/// sums that BLAS happens to evaluate, and chunked results do not depend on the chunk count.
struct DesignMatrix: @unchecked Sendable {
    /// Rows kept (rows with a missing feature or label are dropped).
    let rows: Int
    /// Features + 1 (the intercept, last).
    let parameters: Int
    /// Column-major `rows × parameters`.
    var values: [Double]
    /// Labels in the model's unit: on the grid in [−1, 1] for linear regression, 0 or 1 for
    /// logistic regression.
    var labels: [Double]
    /// Bits of the grid: values are multiples of `2^-gridBits`.
    let gridBits: Int
    /// A bound on ‖z̃‖² over rows, intercept included.
    let squaredNormBound: Double
    /// A bound on Σⱼ|z̃ⱼ| over rows, intercept included.
    let absoluteSumBound: Double
    /// x → z.
    let scaling: FeatureScaling

    /// Rounds `x` (|x| < 2^51) to the nearest integer, ties to even, by adding and subtracting
    /// 1.5·2^52: exact under IEEE round-to-nearest, and it vectorises (`rounded(_:)` compiles
    /// to a libm call per value without SSE4.1).
    @inline(__always)
    static func roundToInteger(_ x: Double) -> Double { (x + 0x1.8p52) - 0x1.8p52 }

    /// Rows per chunk of the parallel BLAS calls. Fixed (not derived from the core count) so
    /// that the work split is the same on every machine; the sums are exact anyway.
    static let chunkRows = 1 << 16

    /// The grid bits for a public bound on the row count: the largest `k` with
    /// `maximumRows · 2^(2k) ≤ 2^53`.
    static func gridBits(maximumRows: Int) -> Int {
        let rowBits = Int.bitWidth - (maximumRows - 1).leadingZeroBitCount  // ⌈log₂ maximumRows⌉
        return (53 - rowBits) / 2
    }
}

/// What kind of label a fit reads.
enum LabelKind: Sendable {
    /// Clamped to the bounds, mapped onto [−1, 1] and quantised.
    case bounded(ClosedRange<Double>)
    /// Class 1 when the value is non-zero (or `true`), class 0 otherwise.
    case binary
}

extension DesignMatrix {
    /// Validates the columns and bounds and builds the design matrix.
    ///
    /// - Complexity: O(rows × features), parallel over fixed row chunks; one allocation of
    ///   `rows × (features + 1)` doubles (plus a copy of each non-float64 feature column).
    static func build(
        table: Table, features: [String], label: String, bounds: FeatureBounds, labelKind: LabelKind, maximumRows: Int
    ) throws(PrivateLearningError) -> DesignMatrix {
        try prepare(
            table: table, features: features, label: label, bounds: bounds, labelKind: labelKind,
            maximumRows: maximumRows
        ).materialize()
    }

    /// The most features a fit takes: the noisy XᵀX is p×p and its solve O(p³), so a request
    /// naming tens of thousands of columns is refused before anything is allocated.
    static let maximumFeatures = 1_024

    /// Validates the columns and bounds and gathers the complete rows' values, without building
    /// the matrix.
    static func prepare(
        table: Table, features: [String], label: String, bounds: FeatureBounds, labelKind: LabelKind, maximumRows: Int
    ) throws(PrivateLearningError) -> DesignSource {
        guard !features.isEmpty else {
            throw .invalidParameter(name: "features", value: "[]", reason: "name at least one feature column")
        }
        guard features.count <= maximumFeatures else {
            throw .invalidParameter(
                name: "features", value: "\(features.count) features",
                reason: "at most \(maximumFeatures) (the noisy p×p statistics and their solve grow as p² and p³)")
        }
        if let duplicate = Dictionary(grouping: features, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw .invalidParameter(name: "features", value: duplicate, reason: "a feature is named twice")
        }
        guard !features.contains(label) else {
            throw .invalidParameter(name: "label", value: label, reason: "the label cannot also be a feature")
        }
        guard maximumRows >= 2, maximumRows <= 1 << 45 else {
            throw .invalidParameter(name: "maximumRows", value: "\(maximumRows)", reason: "must lie in 2 … 2^45")
        }
        let featureColumns = try features.map { name throws(PrivateLearningError) in try numericColumn(table, name) }
        let labelColumn = try numericColumn(table, label)
        let d = features.count
        var scaling = FeatureScaling(scale: [], offset: [])
        switch bounds {
        case let .perColumn(ranges):
            guard ranges.count == d else {
                throw .invalidParameter(
                    name: "featureBounds", value: "\(ranges.count) ranges",
                    reason: "give one range per feature (\(d))")
            }
            for (name, range) in zip(features, ranges) {
                guard range.lowerBound.isFinite, range.upperBound.isFinite, range.lowerBound < range.upperBound else {
                    throw .invalidBounds(
                        column: name, lower: range.lowerBound, upper: range.upperBound,
                        reason: "bounds must be finite with lower < upper")
                }
                let half = (range.upperBound - range.lowerBound) / 2
                scaling.scale.append(1 / half)
                scaling.offset.append(-(range.lowerBound + half) / half)
            }
        case let .rowNorm(radius):
            guard radius.isFinite, radius > 0 else {
                throw .invalidBounds(
                    column: "feature rows", lower: 0, upper: radius, reason: "the row-norm bound must be finite and > 0"
                )
            }
            scaling.scale = Array(repeating: 1 / radius, count: d)
            scaling.offset = Array(repeating: 0, count: d)
        }
        if case let .bounded(range) = labelKind {
            guard range.lowerBound.isFinite, range.upperBound.isFinite, range.lowerBound < range.upperBound else {
                throw .invalidBounds(
                    column: label, lower: range.lowerBound, upper: range.upperBound,
                    reason: "label bounds must be finite with lower < upper")
            }
        }
        guard table.rowCount > 0 else { throw .emptyTable(what: "the table has no rows") }
        guard table.rowCount <= maximumRows else {
            throw .invalidParameter(
                name: "maximumRows", value: "\(maximumRows)",
                reason:
                    "the table (its size is public metadata) has more rows; raise the bound (it sets the quantisation grid)"
            )
        }

        // Rows with every used column present.
        let used = featureColumns + [labelColumn]
        var kept: [Int]? = nil
        if used.contains(where: { $0.nullCount > 0 }) {
            var rows: [Int] = []
            rows.reserveCapacity(table.rowCount)
            for row in 0..<table.rowCount where used.allSatisfy({ $0.isValid(row) }) { rows.append(row) }
            kept = rows
        }
        // No refusal depends on how many rows are complete (that count is private): with few
        // or none, the noisy statistics and the data-independent ridge still give a finite fit.
        // Only the table's size (public metadata of the dataset) is checked above.
        let m = kept?.count ?? table.rowCount
        let p = d + 1

        let gridBits = gridBits(maximumRows: maximumRows)
        // Complete rows only: gather them once when some are missing.
        var sources = featureColumns.map(doubles(of:))
        var labelSource = doubles(of: labelColumn)
        if let kept {
            sources = sources.map { column in kept.map { column[$0] } }
            labelSource = kept.map { labelSource[$0] }
        }
        let squaredNormBound: Double, absoluteSumBound: Double
        switch bounds {
        case .perColumn:
            squaredNormBound = Double(p)
            absoluteSumBound = Double(p)
        case .rowNorm:
            squaredNormBound = 2
            absoluteSumBound = Double(d).squareRoot() + 1
        }
        return DesignSource(
            rows: m, parameters: p, sources: sources, labelSource: labelSource, scaling: scaling,
            bounds: bounds, labelKind: labelKind, gridBits: gridBits,
            squaredNormBound: squaredNormBound, absoluteSumBound: absoluteSumBound)
    }

    static func numericColumn(_ table: Table, _ name: String) throws(PrivateLearningError) -> Column {
        guard let column = table[name] else { throw .unknownColumn(name: name, available: table.columnNames) }
        switch column.type {
        case .float64, .int64, .bool: return column
        default: throw .nonNumericColumn(column: name, found: "\(column.type)")
        }
    }

    /// A numeric column's values as doubles (no copy for float64).
    static func doubles(of column: Column) -> [Double] {
        guard let values = column.numericValues else { preconditionFailure("checked by numericColumn") }
        return values
    }

    /// Scales, bounds and quantises rows `range` into a column-major block: row `i`, column `j`
    /// goes to `out[j · leading + i − origin]`. Column by column (contiguous reads and writes);
    /// the row-norm bound keeps per-row norms in a small buffer.
    static func fillRows(
        _ range: Range<Int>, leading: Int, origin: Int, sources: [[Double]], scaling: FeatureScaling,
        bounds: FeatureBounds, gridBits: Int, out base: UnsafeMutablePointer<Double>
    ) {
        let d = sources.count
        let up = Double(sign: .plus, exponent: gridBits, significand: 1)
        let down = Double(sign: .plus, exponent: -gridBits, significand: 1)
        let count = range.count, first = range.lowerBound, offset = first - origin
        // Intercept column.
        for k in 0..<count { base[d * leading + offset + k] = 1 }
        switch bounds {
        case .perColumn:
            for j in 0..<d {
                let scale = scaling.scale[j], shift = scaling.offset[j]
                sources[j].withUnsafeBufferPointer { source in
                    let column = base + j * leading + offset
                    let input = source.baseAddress! + first
                    for k in 0..<count {
                        // z in [−1, 1] after the clamp; rounding keeps it there (±1 are on the grid).
                        let z = min(max(input[k] * scale + shift, -1), 1)
                        column[k] = roundToInteger(z * up) * down
                    }
                }
            }
        case .rowNorm:
            let scale = scaling.scale[0]
            // Per-row scratch for this range (one allocation per block, not per row).
            let factor = UnsafeMutablePointer<Double>.allocate(capacity: count)
            let squaredNorms = UnsafeMutablePointer<Double>.allocate(capacity: count)
            defer {
                factor.deallocate()
                squaredNorms.deallocate()
            }
            squaredNorms.initialize(repeating: 0, count: count)
            // 1. Squared norms of x/R, then the clipping factor min(1, 1/‖x/R‖) (times 1/R).
            for j in 0..<d {
                sources[j].withUnsafeBufferPointer { source in
                    let input = source.baseAddress! + first
                    for k in 0..<count {
                        let z = input[k] * scale
                        squaredNorms[k] += z * z
                    }
                }
            }
            for k in 0..<count {
                factor[k] = squaredNorms[k] > 1 ? scale / squaredNorms[k].squareRoot() : scale
            }
            // 2. Quantise to the nearest grid point (a vectorised add-and-subtract). Each
            //    coordinate moves by at most half a step, so ‖q‖ ≤ ‖z‖ + √d·2^-(k+1): a row whose
            //    norm before rounding is at most 1 − √d·2^-k (a margin twice that, which also
            //    covers the few ulps of error of the norm computed above) cannot leave the unit
            //    ball.
            for j in 0..<d {
                sources[j].withUnsafeBufferPointer { source in
                    let input = source.baseAddress! + first
                    let column = base + j * leading + offset
                    for k in 0..<count {
                        // Finite: the factor is finite (0 when the squared norm overflowed).
                        column[k] = roundToInteger(input[k] * factor[k] * up) * down
                    }
                }
            }
            // 3. Rows near or beyond the boundary (the clipped ones, and those within the margin):
            //    compute ‖q‖² in grid units exactly (integers of magnitude ≤ 2^gridBits + 1 in
            //    Doubles: exact) and shrink the largest coordinate by one step toward zero
            //    until ‖q‖ ≤ 1 holds exactly.
            let margin = 1 - Double(d).squareRoot() * down
            let nearBoundary = margin > 0 ? margin * margin : 0
            let limit = Double(sign: .plus, exponent: 2 * gridBits, significand: 1)
            for k in 0..<count where squaredNorms[k] > nearBoundary {
                let row = base + offset + k
                var units = 0.0
                for j in 0..<d {
                    let u = row[j * leading] * up
                    units += u * u
                }
                while units > limit {
                    var largest = 0
                    for j in 1..<d where abs(row[j * leading]) > abs(row[largest * leading]) { largest = j }
                    let q = row[largest * leading] * up
                    let smaller = q > 0 ? q - 1 : q + 1
                    units += smaller * smaller - q * q
                    row[largest * leading] = smaller * down
                }
            }
        }
    }

    /// Labels of rows `range` into `out[i − origin]`.
    static func fillLabels(
        _ range: Range<Int>, origin: Int, source: [Double], kind: LabelKind, gridBits: Int,
        out: UnsafeMutablePointer<Double>
    ) {
        let out = out - origin
        switch kind {
        case let .bounded(bounds):
            let up = Double(sign: .plus, exponent: gridBits, significand: 1)
            let down = Double(sign: .plus, exponent: -gridBits, significand: 1)
            let half = (bounds.upperBound - bounds.lowerBound) / 2
            let scale = 1 / half, offset = -(bounds.lowerBound + half) / half
            for i in range {
                let z = min(max(source[i] * scale + offset, -1), 1)
                out[i] = DesignMatrix.roundToInteger(z * up) * down
            }
        case .binary:
            for i in range { out[i] = source[i] != 0 ? 1 : 0 }
        }
    }
}

/// The validated, gathered inputs of a fit — complete rows of the feature and label columns,
/// the scaling and the grid — from which a ``DesignMatrix`` (or blocks of it) is built.
struct DesignSource: @unchecked Sendable {
    let rows: Int
    let parameters: Int
    let sources: [[Double]]
    let labelSource: [Double]
    let scaling: FeatureScaling
    let bounds: FeatureBounds
    let labelKind: LabelKind
    let gridBits: Int
    let squaredNormBound: Double
    let absoluteSumBound: Double

    /// Rows `range` as a column-major block with leading dimension `leading`, and their labels.
    func fill(
        _ range: Range<Int>, leading: Int, into block: UnsafeMutablePointer<Double>,
        labels: UnsafeMutablePointer<Double>
    ) {
        DesignMatrix.fillRows(
            range, leading: leading, origin: range.lowerBound, sources: sources, scaling: scaling,
            bounds: bounds, gridBits: gridBits, out: block)
        DesignMatrix.fillLabels(
            range, origin: range.lowerBound, source: labelSource, kind: labelKind, gridBits: gridBits, out: labels)
    }

    /// The whole matrix, built in parallel over fixed row chunks.
    ///
    /// - Complexity: O(rows × p); one allocation of rows × p doubles.
    func materialize() -> DesignMatrix {
        let m = rows, p = parameters
        let chunkRows = DesignMatrix.chunkRows
        let chunks = (m + chunkRows - 1) / chunkRows
        // Every element is written by exactly one chunk: no zero-fill pass first.
        var labels: [Double] = []
        let values = [Double](unsafeUninitializedCapacity: m * p) { out, initialised in
            labels = [Double](unsafeUninitializedCapacity: m) { labelOut, labelCount in
                ParallelChunks.forEach(chunks) { chunk in
                    let start = chunk * chunkRows, end = min(m, start + chunkRows)
                    DesignMatrix.fillRows(
                        start..<end, leading: m, origin: 0, sources: sources, scaling: scaling, bounds: bounds,
                        gridBits: gridBits, out: out.baseAddress!)
                    DesignMatrix.fillLabels(
                        start..<end, origin: 0, source: labelSource, kind: labelKind, gridBits: gridBits,
                        out: labelOut.baseAddress!)
                }
                labelCount = m
            }
            initialised = m * p
        }
        return DesignMatrix(
            rows: m, parameters: p, values: values, labels: labels, gridBits: gridBits,
            squaredNormBound: squaredNormBound, absoluteSumBound: absoluteSumBound, scaling: scaling)
    }
}
