import Testing
import Tabular

/// The one parallel runner: every index runs exactly once, results come back in index order,
/// chunk ranges tile the whole range without gaps or overlaps, serial and parallel agree.
@Suite("ParallelChunks")
struct ParallelChunksTests {
    @Test(
        "ranges tile 0..<total for every chunk count, nearly equal and in order",
        arguments: [(0, 1), (1, 1), (7, 3), (10, 10), (10, 16), (1_000_003, 8), (Int.max / 2, 5)])
    func rangesTile(total: Int, chunks: Int) {
        var next = 0
        var smallest = Int.max, largest = 0
        for chunk in 0..<chunks {
            let range = ParallelChunks.range(chunk, of: chunks, total: total)
            #expect(range.lowerBound == next)
            next = range.upperBound
            smallest = min(smallest, range.count)
            largest = max(largest, range.count)
        }
        #expect(next == total)
        #expect(largest - smallest <= 1)
    }

    @Test("map returns every index's result in order, in parallel and serially")
    func mapInOrder() {
        for parallel in [true, false] {
            let squares = ParallelChunks.map(10_000, parallel: parallel) { $0 * $0 }
            #expect(squares == (0..<10_000).map { $0 * $0 })
        }
        #expect(ParallelChunks.map(0) { $0 }.isEmpty)
    }

    @Test("forEachChunk hands each chunk its own slice; every element is written exactly once")
    func chunksWriteDisjointSlices() {
        var output = [Int](repeating: -1, count: 100_003)
        output.withUnsafeMutableBufferPointer { buffer in
            ParallelChunks.forEachChunk(of: buffer, chunks: 7) { chunk, slice, range in
                #expect(slice.count == range.count)
                for offset in slice.indices { slice[offset] = range.lowerBound + offset }
                #expect(range == ParallelChunks.range(chunk, of: 7, total: 100_003))
            }
        }
        #expect(output == Array(0..<100_003))
        #expect(ProcessorInfo.activeCores >= 1)
    }
}
