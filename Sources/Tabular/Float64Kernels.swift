/// Vectorised reductions over contiguous doubles.
///
/// Strict IEEE summation cannot be vectorised by the compiler, so these kernels keep several
/// independent SIMD accumulators (the order of additions differs from a left-to-right loop by
/// at most the usual floating-point reassociation error, as in numpy's pairwise sum). They are
/// for exploration and benchmarks; privacy-critical sums use fixed-point integer accumulation
/// in the differential-privacy module so that sensitivity is never underestimated.
public enum Float64Kernels {
    /// The sum of `values`. Memory-bound on large inputs. O(n), no allocation.
    @inlinable
    public static func sum(_ values: UnsafeBufferPointer<Double>) -> Double {
        let count = values.count
        guard let base = values.baseAddress, count > 0 else { return 0 }
        var a0 = SIMD8<Double>(), a1 = SIMD8<Double>(), a2 = SIMD8<Double>(), a3 = SIMD8<Double>()
        var i = 0
        let raw = UnsafeRawPointer(base)
        while i + 32 <= count {
            a0 += raw.loadUnaligned(fromByteOffset: i &* 8, as: SIMD8<Double>.self)
            a1 += raw.loadUnaligned(fromByteOffset: (i &+ 8) &* 8, as: SIMD8<Double>.self)
            a2 += raw.loadUnaligned(fromByteOffset: (i &+ 16) &* 8, as: SIMD8<Double>.self)
            a3 += raw.loadUnaligned(fromByteOffset: (i &+ 24) &* 8, as: SIMD8<Double>.self)
            i &+= 32
        }
        var total = ((a0 + a1) + (a2 + a3)).sum()
        while i < count {
            total += base[i]
            i &+= 1
        }
        return total
    }

    /// The sum of a float64 column (missing values hold zero and so add nothing).
    /// - Throws: ``TabularError/typeMismatch(column:expected:actual:)`` for other types.
    public static func sum(_ column: Column) throws -> Double {
        try column.float64Values().withUnsafeBufferPointer { sum($0) }
    }
}
