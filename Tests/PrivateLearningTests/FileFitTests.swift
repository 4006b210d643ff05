@testable import DifferentialPrivacy
import Foundation
@testable import PrivateLearning
@_spi(Testing) import SecureRandom
import Tabular
import Testing
import _TestSupport

/// Linear and logistic regression over a file read block by block: the statistics and gradients
/// are exact sums on the grid, so the model equals the whole-table fit bit for bit under the
/// same noise.
@Suite("Regressions over files (streamed)")
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

    /// x1, x2 and a 0/1 label drawn from a logistic model, a missing value now and then.
    static func writeBinary(rows: Int, to path: String) throws {
        var data = TestData(seed: 23)
        var lines = ["x1,x2,defaulted"]
        for i in 0..<rows {
            let x1 = data.uniform() * 4 - 2, x2 = data.uniform() * 4 - 2
            let p = 1 / (1 + exp(-(1.5 * x1 - x2 + 0.3)))
            lines.append(i % 101 == 0 ? ",\(x2),\(data.uniform() < p ? 1 : 0)" : "\(x1),\(x2),\(data.uniform() < p ? 1 : 0)")
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    static let logistic = PrivateLogisticRegression(
        features: ["x1", "x2"], label: "defaulted", featureBounds: .perColumn([-2...2, -2...2]), iterations: 4)

    @Test("logistic regression: one pass per step over the file, the same model as the whole table")
    func logisticSameModel() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("binary.csv")
        try Self.writeBinary(rows: 20_000, to: path)
        let table = try Table(csv: path)
        var options = FileScanOptions()
        options.blockBytesForTesting = 16 << 10
        let parameters = NoiseParameters.zCDP(rho: 0.5)
        for exact in [true, false] {
            var first = SecureRandomGenerator(testSeed: 9), second = SecureRandomGenerator(testSeed: 9)
            let wholeSession = try PrivacySession(budget: .zCDP(rho: 1))
            let whole = try withReleaser(generator: &first, exact: exact) { (releaser) throws(PrivateLearningError) in
                try Self.logistic.fit(table, parameters: parameters, budget: wholeSession, releaser: &releaser)
            }
            let session = try PrivacySession(budget: .zCDP(rho: 1))
            let streamed = try withReleaser(generator: &second, exact: exact) { (releaser) throws(PrivateLearningError) in
                try Self.logistic.fit(
                    file: path, options: options, parameters: parameters, budget: session, releaser: &releaser)
            }
            #expect(streamed == whole, "exact: \(exact)")
            if exact { #expect(streamed.coefficients[0] > 0.5 && streamed.coefficients[1] < -0.3) }
        }
    }

    @Test("logistic regression: a file that grows between passes fails after the charge, with no model")
    func logisticFileChangedBetweenPasses() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("binary.csv")
        try Self.writeBinary(rows: 2_000, to: path)
        final class Appender: @unchecked Sendable {
            let lock = NSLock()
            var last = Int.max
            var appended = false
            let path: String
            init(path: String) { self.path = path }
            /// At the first report of the second pass, appends a row to the file.
            func report(_ progress: CSVProgress) {
                lock.withLock {
                    defer { last = progress.bytesRead }
                    guard !appended, progress.bytesRead < last, last != .max else { return }
                    appended = true
                    let handle = FileHandle(forWritingAtPath: path)!
                    handle.seekToEndOfFile()
                    handle.write(Data("0.5,0.5,1\n".utf8))
                    try? handle.close()
                }
            }
        }
        let appender = Appender(path: path)
        var options = FileScanOptions()
        options.blockBytesForTesting = 8 << 10
        options.progress = { appender.report($0) }
        let session = try PrivacySession(budget: .zCDP(rho: 1))
        #expect(throws: PrivateLearningError.self) {
            try Self.logistic.fit(file: path, options: options, parameters: .zCDP(rho: 0.5), budget: session)
        }
        #expect(appender.appended)
        #expect(abs(session.spent - 0.5) < 1e-9, "charged before the later passes")
    }
}
