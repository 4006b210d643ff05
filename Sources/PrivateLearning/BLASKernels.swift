import COpenBLAS
import Foundation
import Tabular

/// The dense linear algebra of the fits, on OpenBLAS (CBLAS) and LAPACK's `dsyev`, chunked over
/// fixed row blocks and run in parallel. On a ``DesignMatrix`` every sum is exact (see its
/// documentation), so the results do not depend on the chunking or on OpenBLAS's threads.
enum BLASKernels {
    /// The upper triangle (column-major, `p × p`, lower triangle mirrored) of XᵀX.
    ///
    /// - Complexity: O(rows · p²) flops in `cblas_dsyrk`, one pass over the matrix.
    static func gram(_ matrix: DesignMatrix) -> [Double] {
        let m = matrix.rows, p = matrix.parameters
        let chunks = (m + DesignMatrix.chunkRows - 1) / DesignMatrix.chunkRows
        var partials = [Double](repeating: 0, count: chunks * p * p)
        matrix.values.withUnsafeBufferPointer { a in
            partials.withUnsafeMutableBufferPointer { out in
                ParallelChunks.forEachChunk(of: out, chunks: chunks) { chunk, result, _ in
                    let start = chunk * DesignMatrix.chunkRows, count = min(m, start + DesignMatrix.chunkRows) - start
                    cblas_dsyrk(
                        CblasColMajor, CblasUpper, CblasTrans, Int32(p), Int32(count), 1,
                        a.baseAddress! + start, Int32(m), 0, result.baseAddress!, Int32(p))
                }
            }
        }
        var result = [Double](repeating: 0, count: p * p)
        for chunk in 0..<chunks {
            for column in 0..<p {
                for row in 0...column { result[column * p + row] += partials[chunk * p * p + column * p + row] }
            }
        }
        for column in 0..<p { for row in 0..<column { result[row * p + column] = result[column * p + row] } }
        return result
    }

    /// Z̃ᵀZ̃ (upper triangle mirrored) and Z̃ᵀy without materialising Z̃: each fixed chunk of
    /// rows is built block by block (``streamedBlockRows`` rows, in cache) into one reused
    /// buffer holding [Z̃ | y], and one `cblas_dsyrk` (β = 1) of that augmented block
    /// accumulates both: its last column is Z̃ᵀy (one BLAS call and one read of the block
    /// instead of a `dsyrk` plus a `dgemv`). The sums are exact (see ``DesignMatrix``; labels
    /// are on the grid too), so they equal ``gram(_:)`` and ``transposedTimes(_:_:)`` on the
    /// materialised matrix bit for bit.
    ///
    /// - Complexity: O(rows · p²) flops, one read of the source columns, O(p · streamedBlockRows)
    ///   memory per concurrent chunk.
    static func streamedStatistics(_ source: DesignSource) -> (gram: [Double], moment: [Double]) {
        let p = source.parameters, q = p + 1
        let augmented = streamBlocks(source, blockRows: streamedBlockRows, scratchColumns: 0, resultCount: q * q) {
            block, count, _, out in
            // Columns 0 ..< p: the rows; column p: their labels.
            cblas_dsyrk(
                CblasColMajor, CblasUpper, CblasTrans, Int32(q), Int32(count), 1, block, Int32(count), 1, out, Int32(q))
        }
        var gram = [Double](repeating: 0, count: p * p)
        for column in 0..<p {
            for row in 0...column {
                gram[column * p + row] = augmented[column * q + row]
                gram[row * p + column] = augmented[column * q + row]
            }
        }
        return (gram, Array(augmented[(p * q)..<(p * q + p)]))
    }

    /// The shared loop of the streamed kernels: fixed chunks of rows in parallel, each built
    /// block by block (`blockRows` rows) into one reused buffer — columns 0 ..< p the rows of
    /// Z̃, column p their labels, then `scratchColumns` columns of scratch — and handed to `body`
    /// with the block's row count and the chunk's `resultCount` accumulators. Returns the
    /// accumulators summed over the chunks in chunk order (the sums are exact, so the order only
    /// matters for reproducibility).
    ///
    /// - Complexity: one read of the source columns; O((p + 1 + scratchColumns) · blockRows)
    ///   memory per concurrent chunk.
    static func streamBlocks(
        _ source: DesignSource, blockRows: Int, scratchColumns: Int, resultCount: Int,
        _ body: (
            _ block: UnsafeMutablePointer<Double>, _ rows: Int, _ scratch: UnsafeMutablePointer<Double>,
            _ out: UnsafeMutablePointer<Double>
        ) -> Void
    ) -> [Double] {
        let m = source.rows, p = source.parameters
        let chunks = (m + DesignMatrix.chunkRows - 1) / DesignMatrix.chunkRows
        var partials = [Double](repeating: 0, count: chunks * resultCount)
        partials.withUnsafeMutableBufferPointer { out in
            ParallelChunks.forEachChunk(of: out, chunks: chunks) { chunk, result, _ in
                let chunkStart = chunk * DesignMatrix.chunkRows
                let chunkEnd = min(m, chunkStart + DesignMatrix.chunkRows)
                let block = UnsafeMutablePointer<Double>.allocate(capacity: blockRows * (p + 1 + scratchColumns))
                defer { block.deallocate() }
                var start = chunkStart
                while start < chunkEnd {
                    let count = min(blockRows, chunkEnd - start)
                    source.fill(start..<(start + count), leading: count, into: block, labels: block + p * count)
                    body(block, count, block + (p + 1) * count, result.baseAddress!)
                    start += count
                }
            }
        }
        var result = [Double](repeating: 0, count: resultCount)
        for chunk in 0..<chunks { for k in 0..<resultCount { result[k] += partials[chunk * resultCount + k] } }
        return result
    }

    /// Rows per block of ``streamedStatistics(_:)`` (measured: 1,024 to 16,384 rows are within
    /// 10% of each other; 1,024 is slower, BLAS call overhead dominates).
    static let streamedBlockRows = 4_096

    /// Xᵀv for a vector `v` of length `rows`.
    ///
    /// - Complexity: O(rows · p) flops in `cblas_dgemv`, one pass over the matrix.
    static func transposedTimes(_ matrix: DesignMatrix, _ vector: [Double]) -> [Double] {
        let m = matrix.rows, p = matrix.parameters
        precondition(vector.count == m)
        let chunks = (m + DesignMatrix.chunkRows - 1) / DesignMatrix.chunkRows
        var partials = [Double](repeating: 0, count: chunks * p)
        matrix.values.withUnsafeBufferPointer { a in
            vector.withUnsafeBufferPointer { v in
                partials.withUnsafeMutableBufferPointer { out in
                    ParallelChunks.forEachChunk(of: out, chunks: chunks) { chunk, result, _ in
                        let start = chunk * DesignMatrix.chunkRows,
                            count = min(m, start + DesignMatrix.chunkRows) - start
                        cblas_dgemv(
                            CblasColMajor, CblasTrans, Int32(count), Int32(p), 1,
                            a.baseAddress! + start, Int32(m), v.baseAddress! + start, 1,
                            0, result.baseAddress!, 1)
                    }
                }
            }
        }
        var result = [Double](repeating: 0, count: p)
        for chunk in 0..<chunks { for j in 0..<p { result[j] += partials[chunk * p + j] } }
        return result
    }

    /// Rows per cache block of the logistic gradients: 4,096 rows × p columns stay in L2 between
    /// the score loop and `dgemv`.
    static let blockRows = 4_096

    /// The gradient of the summed logistic loss, Σᵢ rᵢ z̃ᵢ with rᵢ = sigmoid(θᵀz̃ᵢ) − yᵢ rounded
    /// to the grid `2^-gridBits` (so |rᵢ| ≤ 1 and the sum is exact, like XᵀX).
    ///
    /// One pass over a materialised matrix (``accumulateLogisticGradient(block:leading:rows:parameters:theta:labels:up:down:scratch:into:)``
    /// per cache block, in parallel over fixed chunks; exact, so independent of the split). The
    /// fits use ``streamedLogisticGradient(_:_:)``; this is its reference in the tests.
    ///
    /// - Complexity: O(rows · p) flops, one read of the matrix.
    static func logisticGradient(_ matrix: DesignMatrix, _ theta: [Double]) -> [Double] {
        let m = matrix.rows, p = matrix.parameters
        precondition(theta.count == p)
        let chunks = (m + DesignMatrix.chunkRows - 1) / DesignMatrix.chunkRows
        var partials = [Double](repeating: 0, count: chunks * p)
        let up = Double(sign: .plus, exponent: matrix.gridBits, significand: 1)
        let down = Double(sign: .plus, exponent: -matrix.gridBits, significand: 1)
        matrix.values.withUnsafeBufferPointer { a in
            matrix.labels.withUnsafeBufferPointer { y in
                theta.withUnsafeBufferPointer { t in
                    partials.withUnsafeMutableBufferPointer { out in
                        ParallelChunks.forEachChunk(of: out, chunks: chunks) { chunk, result, _ in
                            let chunkStart = chunk * DesignMatrix.chunkRows
                            let chunkEnd = min(m, chunkStart + DesignMatrix.chunkRows)
                            let scores = UnsafeMutablePointer<Double>.allocate(capacity: blockRows)
                            defer { scores.deallocate() }
                            var start = chunkStart
                            while start < chunkEnd {
                                let count = min(blockRows, chunkEnd - start)
                                accumulateLogisticGradient(
                                    block: a.baseAddress! + start, leading: m, rows: count, parameters: p,
                                    theta: t.baseAddress!, labels: y.baseAddress! + start, up: up, down: down,
                                    scratch: scores, into: result.baseAddress!)
                                start += count
                            }
                        }
                    }
                }
            }
        }
        var result = [Double](repeating: 0, count: p)
        for chunk in 0..<chunks { for j in 0..<p { result[j] += partials[chunk * p + j] } }
        return result
    }

    /// Adds Σᵢ rᵢ z̃ᵢ over one block of rows (column-major, leading dimension `leading`) to
    /// `out`, with rᵢ = sigmoid(θᵀz̃ᵢ) − yᵢ rounded to the grid. The scores are computed column by
    /// column in plain Swift (no FMA contraction): every row's score is the same sequence of
    /// roundings wherever the row sits in a block, so one row more or less cannot move another
    /// row's residual (a BLAS kernel may round its tail rows differently from its vector body).
    /// `dgemv` then accumulates Zᵀr while the block is in cache; that sum is exact.
    @inline(__always)
    static func accumulateLogisticGradient(
        block: UnsafePointer<Double>, leading: Int, rows count: Int, parameters p: Int, theta: UnsafePointer<Double>,
        labels: UnsafePointer<Double>, up: Double, down: Double, scratch scores: UnsafeMutablePointer<Double>,
        into out: UnsafeMutablePointer<Double>
    ) {
        for i in 0..<count { scores[i] = 0 }
        for j in 0..<p {
            let column = block + j * leading, weight = theta[j]
            for i in 0..<count { scores[i] += column[i] * weight }
        }
        for i in 0..<count {
            let probability = 1 / (1 + exp(-scores[i]))
            // r in [−1, 1]; rounding keeps it there (±1 are on the grid).
            scores[i] = DesignMatrix.roundToInteger((probability - labels[i]) * up) * down
        }
        cblas_dgemv(CblasColMajor, CblasTrans, Int32(count), Int32(p), 1, block, Int32(leading), scores, 1, 1, out, 1)
    }

    /// ``logisticGradient(_:_:)`` without a materialised matrix: each block of rows is rebuilt
    /// from the columns in cache (as in ``streamedStatistics(_:)``) and used once. The same bits
    /// as on the materialised matrix (the fill is deterministic per row and the sums exact).
    ///
    /// - Complexity: O(rows · p) flops, one read of the source columns, O(p · blockRows) memory
    ///   per concurrent chunk.
    static func streamedLogisticGradient(_ source: DesignSource, _ theta: [Double]) -> [Double] {
        let p = source.parameters
        precondition(theta.count == p)
        let up = Double(sign: .plus, exponent: source.gridBits, significand: 1)
        let down = Double(sign: .plus, exponent: -source.gridBits, significand: 1)
        return theta.withUnsafeBufferPointer { t in
            streamBlocks(source, blockRows: blockRows, scratchColumns: 1, resultCount: p) { block, count, scores, out in
                accumulateLogisticGradient(
                    block: block, leading: count, rows: count, parameters: p, theta: t.baseAddress!,
                    labels: block + p * count, up: up, down: down, scratch: scores, into: out)
            }
        }
    }

    /// The eigen-decomposition of a symmetric `p × p` matrix (column-major, both triangles
    /// set) by LAPACK's `dsyev`: eigenvalues ascending, eigenvectors as the columns of a
    /// column-major `p × p` matrix. `nil` if LAPACK reports failure (no convergence).
    ///
    /// - Complexity: O(p³).
    static func symmetricEigen(_ matrix: [Double], order p: Int) -> (values: [Double], vectors: [Double])? {
        precondition(matrix.count == p * p)
        var a = matrix
        var w = [Double](repeating: 0, count: p)
        var n = Int32(p), lda = Int32(p), info: Int32 = 0
        var jobz = CChar(UInt8(ascii: "V")), uplo = CChar(UInt8(ascii: "U"))
        // Workspace query, then the decomposition.
        var lwork: Int32 = -1
        var size = 0.0
        dsyev_(&jobz, &uplo, &n, &a, &lda, &w, &size, &lwork, &info, 1, 1)
        guard info == 0 else { return nil }
        lwork = Int32(max(size, Double(3 * p)))
        var work = [Double](repeating: 0, count: Int(lwork))
        dsyev_(&jobz, &uplo, &n, &a, &lda, &w, &work, &lwork, &info, 1, 1)
        guard info == 0 else { return nil }
        return (w, a)
    }
}

/// Solves `A θ = b` for a symmetric `A` that noise may have made indefinite.
///
/// `A` is decomposed as `V Λ Vᵀ` (LAPACK `dsyev`) and solved as `θ = V diag(1/λ̂ᵢ) Vᵀ b` with
/// the *eigenvalue floor* `λ̂ᵢ = max(λᵢ, floor)`: directions the noise pushed to zero or below
/// are treated as having curvature `floor` instead of being inverted (which would blow the
/// solution up along them). With `floor > 0` the result is always finite. Post-processing of
/// released statistics, so it costs no privacy.
///
/// - Returns: θ, and how many eigenvalues were raised to the floor.
/// - Complexity: O(p³).
struct FlooredSymmetricSolver {
    /// Eigenvalues (ascending) after flooring.
    let eigenvalues: [Double]
    /// Eigenvectors, column-major.
    let eigenvectors: [Double]
    let order: Int
    /// Eigenvalues that were below the floor.
    let flooredCount: Int

    init?(_ matrix: [Double], order p: Int, floor: Double) {
        guard let (values, vectors) = BLASKernels.symmetricEigen(matrix, order: p) else { return nil }
        eigenvalues = values.map { max($0, floor) }
        flooredCount = values.filter { $0 < floor }.count
        eigenvectors = vectors
        order = p
    }

    /// `Â⁻¹ b`.
    func solve(_ b: [Double]) -> [Double] {
        let p = order
        var projected = [Double](repeating: 0, count: p)
        for k in 0..<p {
            var s = 0.0
            for j in 0..<p { s += eigenvectors[k * p + j] * b[j] }
            projected[k] = s / eigenvalues[k]
        }
        var result = [Double](repeating: 0, count: p)
        for k in 0..<p { for j in 0..<p { result[j] += eigenvectors[k * p + j] * projected[k] } }
        return result
    }
}
