@testable import DifferentialPrivacy
import Foundation
@testable import PrivateLearning
@_spi(Testing) import SecureRandom
import Tabular
import Testing
import _TestSupport

/// Linear regression over a file read block by block: the statistics are exact sums on the
/// grid, so the model equals the whole-table fit bit for bit under the same noise.
@Suite("Linear regression over files (streamed)")
struct FileFitTests {
    /// x1 float, x2 integer, a missing value now and then, y = 2·x1 − x2 + 3 + noise.
    static func writeData(rows: Int, to path: String) throws {
        var data = TestData(seed: 11)
        var lines = ["x1,x2,y,note"]
        for i in 0..<rows {
            let x1 = data.uniform() * 8, x2 = data.integer(below: 9)
            let y = 2 * x1 - Double(x2) + 3 + (data.uniform() - 0.5)
            lines.append(i % 97 == 0 ? "\(x1),,\(y),gap" : "\(x1),\(x2),\(y),row \(i)")
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    static let regression = PrivateLinearRegression(
        features: ["x1", "x2"], label: "y", featureBounds: .perColumn([0...8, 0...8]), labelBounds: -16...32)

    @Test("same model as the whole table, with noise from the same seed and without noise")
    func sameModel() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("fit.csv")
        try Self.writeData(rows: 20_000, to: path)
        let table = try Table(csv: path)
        var options = FileScanOptions()
        options.blockBytesForTesting = 16 << 10  // about 40 blocks
        let parameters = NoiseParameters.approximate(epsilon: 1, delta: 1e-6)
        for exact in [true, false] {
            var first = SecureRandomGenerator(testSeed: 5), second = SecureRandomGenerator(testSeed: 5)
            let wholeSession = try PrivacySession(budget: .approximate(epsilon: 1, delta: 1e-6))
            let whole = try withReleaser(generator: &first, exact: exact) { (releaser) throws(PrivateLearningError) in
                try Self.regression.fit(table, parameters: parameters, budget: wholeSession, releaser: &releaser)
            }
            let session = try PrivacySession(budget: .approximate(epsilon: 1, delta: 1e-6))
            let streamed = try withReleaser(generator: &second, exact: exact) { (releaser) throws(PrivateLearningError) in
                try Self.regression.fit(
                    file: path, options: options, parameters: parameters, budget: session, releaser: &releaser)
            }
            #expect(streamed == whole, "exact: \(exact)")
            #expect(abs(session.spent - 1) < 1e-9)
            if exact { #expect(abs(streamed.coefficients[0] - 2) < 0.05 && abs(streamed.coefficients[1] + 1) < 0.05) }
        }
    }

    @Test("refusals: nothing charged for a missing file, a text column or more rows than maximumRows")
    func refusals() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("fit.csv")
        try Self.writeData(rows: 300, to: path)
        let parameters = NoiseParameters.approximate(epsilon: 1, delta: 1e-6)
        let session = try PrivacySession(budget: .approximate(epsilon: 1, delta: 1e-6))
        #expect(throws: PrivateLearningError.self) {
            try Self.regression.fit(file: directory.file("missing.csv"), parameters: parameters, budget: session)
        }
        var text = Self.regression
        text.features = ["x1", "note"]
        #expect(throws: PrivateLearningError.nonNumericColumn(column: "note", found: "categorical")) {
            try text.fit(file: path, parameters: parameters, budget: session)
        }
        var small = Self.regression
        small.maximumRows = 100
        #expect(throws: PrivateLearningError.self) { try small.fit(file: path, parameters: parameters, budget: session) }
        #expect(session.spent == 0)
    }
}
