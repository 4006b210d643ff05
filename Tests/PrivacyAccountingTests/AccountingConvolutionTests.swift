import Foundation
import Testing
@testable import PrivacyAccounting

/// The FFT convolutions behind PLD composition agree with the direct O(n·m) sums.
@Suite struct AccountingConvolutionTests {
    /// Deterministic probability-like vectors (SplitMix64; not privacy-relevant).
    static func vector(count: Int, seed: UInt64) -> [Double] {
        var state = seed
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53) / Double(count)
        }
    }

    @Test(arguments: [(48, 48), (50, 70), (100, 1000), (1025, 3), (4096, 4097)])
    func fftMatchesDirect(sizes: (Int, Int)) {
        let a = Self.vector(count: sizes.0, seed: 1), b = Self.vector(count: sizes.1, seed: 2)
        let fast = RealConvolution.convolve(a, b)
        let slow = RealConvolution.direct(a, b)
        #expect(fast.count == slow.count)
        let error = zip(fast, slow).map { abs($0 - $1) }.max()!
        #expect(error < 1e-15, "max error \(error)")
    }

    @Test(arguments: [1, 2, 3, 7, 16])
    func selfConvolutionMatchesRepeatedDirect(count: Int) {
        let a = Self.vector(count: 60, seed: 3)
        var expected = a
        for _ in 1..<count { expected = RealConvolution.direct(expected, a) }
        let fast = RealConvolution.selfConvolve(a, count: count)
        #expect(fast.count == expected.count)
        let scale = expected.max()!
        let error = zip(fast, expected).map { abs($0 - $1) }.max()!
        #expect(error < 1e-13 * scale, "max error \(error) of \(scale)")
    }
}
