public import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Processor facts used to size parallel work.
public enum ProcessorInfo {
    /// Cores online for this process (`sysconf(_SC_NPROCESSORS_ONLN)`), at least 1; read once.
    public static let activeCores: Int = {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return max(1, Int(sysconf(_SC_NPROCESSORS_ONLN)))
        #endif
    }()
}

/// **The one parallel runner of the package**: every kernel that spreads work over cores
/// (scans, CSV regions, dictionary merges, BLAS blocks, Paillier batches, SecAgg mask
/// expansion) goes through these functions, so that the unchecked-`Sendable` escape hatch
/// that `DispatchQueue.concurrentPerform` needs lives here and nowhere else.
///
/// The contract every caller keeps: the work for index `i` reads shared inputs only and writes
/// only state that no other index touches (its own chunk of an output buffer, its own
/// element). Results must not depend on the number of chunks (DESIGN.md); ``range(_:of:total:)``
/// gives the same contiguous split everywhere.
public enum ParallelChunks {
    /// Runs `body(i)` for every `i` in `0..<count`: on up to ``ProcessorInfo/activeCores``
    /// threads when `parallel` and `count > 1`, in order on this thread otherwise. Returns when
    /// every call has returned.
    ///
    /// - Complexity: `count` calls of `body`; no allocation beyond Dispatch's own.
    @inlinable
    public static func forEach(_ count: Int, parallel: Bool = true, _ body: (Int) -> Void) {
        guard count > 0 else { return }
        if parallel && count > 1 {
            withoutActuallyEscaping(body) { body in
                // The one unchecked capture: callers promise disjoint writes (see the type's contract).
                nonisolated(unsafe) let run = body
                DispatchQueue.concurrentPerform(iterations: count) { run($0) }
            }
        } else {
            for index in 0..<count { body(index) }
        }
    }

    /// `body(i)` for every `i` in `0..<count`, computed as ``forEach(_:parallel:_:)`` does and
    /// returned in index order.
    ///
    /// - Complexity: `count` calls of `body`; one array of `count` results.
    @inlinable
    public static func map<T>(_ count: Int, parallel: Bool = true, _ body: (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialised in
            let base = buffer.baseAddress!
            forEach(count, parallel: parallel) { index in (base + index).initialize(to: body(index)) }
            initialised = count
        }
    }

    /// Runs `body(chunk, output)` for every chunk of `output`, where the chunks are
    /// ``range(_:of:total:)`` of `output.count` elements and `output` is the chunk's own slice:
    /// the disjoint-writes contract by construction.
    ///
    /// - Complexity: `chunks` calls of `body`.
    @inlinable
    public static func forEachChunk<T>(
        of output: UnsafeMutableBufferPointer<T>, chunks: Int, parallel: Bool = true,
        _ body: (_ chunk: Int, _ slice: UnsafeMutableBufferPointer<T>, _ range: Range<Int>) -> Void
    ) {
        let total = output.count
        forEach(chunks, parallel: parallel) { chunk in
            let range = Self.range(chunk, of: chunks, total: total)
            body(chunk, UnsafeMutableBufferPointer(rebasing: output[range]), range)
        }
    }

    /// Chunk `chunk` of `chunks` contiguous, nearly equal parts of `0..<total`:
    /// `total·chunk/chunks ..< total·(chunk+1)/chunks`.
    @inlinable
    public static func range(_ chunk: Int, of chunks: Int, total: Int) -> Range<Int> {
        let (lowHigh, lowLow) = total.multipliedFullWidth(by: chunk)
        let (highHigh, highLow) = total.multipliedFullWidth(by: chunk + 1)
        let low = chunks.dividingFullWidth((lowHigh, lowLow)).quotient
        let high = chunks.dividingFullWidth((highHigh, highLow)).quotient
        return low..<high
    }
}
