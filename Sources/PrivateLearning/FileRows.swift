public import DifferentialPrivacy
import Tabular

/// The rows of a fit read from a CSV file block by block, one streamed pass per call of
/// ``pass(resultCount:_:)``: only the features and the label are parsed, each block is
/// validated and mapped into the model's unit as a table is (``DesignMatrix/prepare``), and a
/// kernel's per-block results are summed. The kernels' results are sums on the quantisation
/// grid, exact in any order, so the blocks' sums are the whole file's, bit for bit.
struct FileRows {
    let file: String
    let options: FileScanOptions
    let columns: [String]
    /// Validates a block and maps it into the model's unit.
    let prepare: (Table) throws(PrivateLearningError) -> DesignSource
    /// The public bound on the file's rows (its row count is public metadata, as a table's).
    let maximumRows: Int

    /// The rows of `file` for a fit of `label` on `features` (only those columns are parsed).
    init(
        file: String, options: FileScanOptions, features: [String], label: String, bounds: FeatureBounds,
        labelKind: LabelKind, maximumRows: Int
    ) throws(PrivateLearningError) {
        do { try options.validate() } catch { throw PrivateLearningError(error) }
        self.file = file
        self.options = options
        self.columns = features + [label]
        self.maximumRows = maximumRows
        prepare = { block throws(PrivateLearningError) in
            try DesignMatrix.prepare(
                table: block, features: features, label: label, bounds: bounds, labelKind: labelKind,
                maximumRows: maximumRows)
        }
    }

    /// The first pass of every fit: the exact Z̃ᵀZ̃ and Z̃ᵀy, the file's rows (refused beyond
    /// ``maximumRows``) and the design's shape.
    func statistics() throws(PrivateLearningError) -> (gram: [Double], moment: [Double], rows: Int, shape: DesignSource) {
        let p = columns.count
        let scan = try pass(resultCount: p * p + p) { source in
            let (gram, moment) = BLASKernels.streamedStatistics(source)
            return gram + moment
        }
        guard scan.rows <= maximumRows else {
            throw .invalidParameter(
                name: "maximumRows", value: "\(maximumRows)",
                reason:
                    "the file (its size is public metadata) has \(scan.rows) rows, more than this; raise the bound (it sets the quantisation grid)"
            )
        }
        return (Array(scan.sums[..<(p * p)]), Array(scan.sums[(p * p)...]), scan.rows, scan.shape)
    }

    /// One pass over the file: `kernel` on each block's rows, summed (`resultCount` values).
    ///
    /// - Returns: the sums, the file's rows, and the data-independent shape of the design (the
    ///   first block's parameters, bounds, grid and scaling; no rows).
    /// - Throws: the first block's ``PrivateLearningError`` — after the pass, since a later block
    ///   may widen a column's type and restart the read, and the whole-file fit sees the final
    ///   types only — or ``PrivateLearningError/invalidParameter(name:value:reason:)`` naming
    ///   `data` for a file that cannot be read as CSV (the reader's message in the reason).
    func pass(
        resultCount: Int, _ kernel: (DesignSource) -> [Double]
    ) throws(PrivateLearningError) -> (sums: [Double], rows: Int, shape: DesignSource) {
        var sums = [Double](repeating: 0, count: resultCount)
        var shape: DesignSource?
        var refusal: PrivateLearningError?
        let rows: Int
        do {
            rows = try CSVReader.stream(
                file: file, options: options.csv, columns: columns, blockBytes: options.blockBytes,
                restart: {
                    sums = [Double](repeating: 0, count: resultCount)
                    shape = nil
                    refusal = nil
                }, progress: options.progress
            ) { block in
                guard refusal == nil else { return }
                do throws(PrivateLearningError) {
                    let source = try prepare(block)
                    let part = kernel(source)
                    for i in 0..<resultCount { sums[i] += part[i] }
                    if shape == nil { shape = source.withoutRows }
                } catch { refusal = error }
            }
        } catch {
            throw .invalidParameter(name: "data", value: file, reason: "\(error)")
        }
        if let refusal { throw refusal }
        // The reader refuses a file without data rows, so some block set the shape.
        guard let shape else { throw .emptyTable(what: "the file has no rows") }
        return (sums, rows, shape)
    }
}

extension DesignSource {
    /// The same design without its rows: the data-independent facts a fit's noise and its
    /// mapping back to the original units need.
    var withoutRows: DesignSource {
        DesignSource(
            rows: 0, parameters: parameters, sources: [], labelSource: [], scaling: scaling, bounds: bounds,
            labelKind: labelKind, gridBits: gridBits, squaredNormBound: squaredNormBound,
            absoluteSumBound: absoluteSumBound)
    }
}
