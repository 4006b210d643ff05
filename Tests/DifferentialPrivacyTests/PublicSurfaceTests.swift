import Foundation
import Testing

/// Issue 17, "one door out": no public API of `PrivacyAccounting`, `DifferentialPrivacy` or
/// `SecureAggregation` returns noise or charges a budget outside the release gate. Read from
/// the modules' symbol graphs
/// (`swift-symbolgraph-extract` over the module this test process was built with), so a new
/// public door fails here however it is spelled.
@Suite("Issue 17: the public surface of the privacy modules has one door out")
struct PublicSurfaceTests {
    /// One public symbol: its kind, its path (`Type.member(labels:)`) and its declaration.
    struct Symbol {
        let kind: String
        let path: String
        let declaration: String
        var isCallable: Bool {
            kind.hasPrefix("swift.func") || kind.hasPrefix("swift.method") || kind.hasPrefix("swift.type.method")
                || kind == "swift.init"
        }
    }

    /// The build directory of this test process (`<scratch>/<triple>/<configuration>/`).
    static var buildDirectory: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    static var extractor: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/swift-symbolgraph-extract"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The public symbols of `module`, from its symbol graph.
    static func publicSymbols(of module: String) throws -> [Symbol] {
        let build = buildDirectory
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("symbols-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: output) }
        var arguments = [
            "-module-name", module, "-I", build.appendingPathComponent("Modules").path,
            "-target", "x86_64-unknown-linux-gnu", "-minimum-access-level", "public", "-output-dir", output.path,
        ]
        // The package's C targets, whose module maps SwiftPM keeps beside their objects.
        for target in ["CSystemRandom", "CSIMD"] {
            let map = build.appendingPathComponent("\(target).build/module.modulemap")
            if FileManager.default.fileExists(atPath: map.path) {
                arguments += ["-Xcc", "-fmodule-map-file=\(map.path)"]
            }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(extractor))
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(
            process.terminationStatus == 0, "swift-symbolgraph-extract: \(String(decoding: message, as: UTF8.self))")
        // The module's own graph and one graph per module it extends (`Module@Other.symbols.json`:
        // the gate's doors are extensions of PrivacyAccounting's BudgetStore).
        let graphs = try FileManager.default.contentsOfDirectory(atPath: output.path)
            .filter { $0 == "\(module).symbols.json" || $0.hasPrefix("\(module)@") }
        try #require(graphs.contains("\(module).symbols.json"), "no symbol graph for \(module): \(graphs)")
        var symbols: [[String: Any]] = []
        for name in graphs {
            let data = try Data(contentsOf: output.appendingPathComponent(name))
            let graph = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            symbols += try #require(graph["symbols"] as? [[String: Any]])
        }
        return symbols.map { symbol in
            let kind = (symbol["kind"] as? [String: Any])?["identifier"] as? String ?? ""
            let path = (symbol["pathComponents"] as? [String] ?? []).joined(separator: ".")
            let fragments = symbol["declarationFragments"] as? [[String: Any]] ?? []
            return Symbol(
                kind: kind, path: path, declaration: fragments.compactMap { $0["spelling"] as? String }.joined())
        }
    }

    @Test(
        "only the gate returns noise, only stores charge, and nobody outside the package can build a charge or an outcome",
        .enabled(if: extractor != nil))
    func oneDoorOut() throws {
        let symbols = try Self.publicSymbols(of: "PrivacyAccounting") + Self.publicSymbols(of: "DifferentialPrivacy")
        try #require(symbols.count > 100, "the symbol graph looks empty: \(symbols.count) symbols")
        let callables = symbols.filter(\.isCallable)

        // 1. Randomness: a public callable that takes the generator draws noise. Only the gate's
        //    AboveThreshold (which charges first) and the sparse vector it hands back (already
        //    paid for, halting after one "above") may.
        let drawsNoise = Set(callables.filter { $0.declaration.contains("SecureRandomGenerator") }.map(\.path))
        #expect(
            drawsNoise == [
                "BudgetStore.aboveThreshold(threshold:epsilon:sensitivity:description:using:)",
                "SparseVector.isAboveThreshold(_:using:)",
            ], "public callables that draw noise: \(drawsNoise.sorted())")

        // 2. Releases: only the gate returns one (and post-processing maps one to another).
        let returnsRelease = Set(callables.filter { $0.declaration.contains("-> DPRelease") }.map(\.path))
        #expect(
            returnsRelease == [
                "BudgetStore.release(_:mechanism:parameters:)", "DPRelease.postProcessed(_:)",
            ], "public callables returning a release: \(returnsRelease.sorted())")
        let selects = Set(callables.filter { $0.path.contains("select(") }.map(\.path))
        #expect(
            selects == ["BudgetStore.select(scores:epsilon:sensitivity:description:)"])

        // 3. Charges: only budget stores take a request or an outcome, and neither can be built
        //    (nor decoded) outside the package.
        let takesRequest = Set(
            callables.filter { $0.declaration.contains("ChargeRequest") || $0.declaration.contains("ReleaseOutcome") }
                .map(\.path))
        #expect(
            takesRequest == [
                "BudgetStore.charge(_:)", "PrivacySession.charge(_:)",
                "BudgetStore.recordOutcome(_:)", "PrivacySession.recordOutcome(_:)",
            ],
            "public callables taking a charge request or outcome: \(takesRequest.sorted())")
        for type in ["ChargeRequest", "ReleaseOutcome"] {
            let initialisers = callables.filter { $0.kind == "swift.init" && $0.path.hasPrefix("\(type).") }.map(\.path)
            #expect(initialisers.isEmpty, "\(type) can be built outside the package: \(initialisers)")
        }
        let chargeInitialisers = callables.filter { $0.kind == "swift.init" && $0.path.hasPrefix("PrivacyCharge.") }
            .map(\.path)
        #expect(chargeInitialisers == ["PrivacyCharge.init(from:)"], "\(chargeInitialisers)")

        // 4. The mechanisms behind the gate are not public at all.
        let paths = Set(symbols.map(\.path))
        let hidden = [
            "AdditiveNoise", "ReleasePlan", "QuantileRelease", "StatisticNoise",
            "ExponentialMechanism.permuteAndFlip(scores:epsilon:sensitivity:using:)",
            "ExponentialMechanism.reportNoisyMax(scores:epsilon:sensitivity:using:)",
            "SparseVector.init(threshold:epsilon:sensitivity:using:)", "RandomizedResponse.randomize(_:using:)",
        ]
        let exposed = hidden.filter(paths.contains)
        #expect(exposed.isEmpty, "public, but must stay behind the gate: \(exposed)")
    }

    @Test(
        "a distributed-noise secure sum is decoded only by the plan's release door, which takes a budget store",
        .enabled(if: extractor != nil))
    func distributedSumDoor() throws {
        let symbols = try Self.publicSymbols(of: "SecureAggregation")
        try #require(symbols.count > 50, "the symbol graph looks empty: \(symbols.count) symbols")
        let callables = symbols.filter(\.isCallable)
        let takesStore = Set(callables.filter { $0.declaration.contains("BudgetStore") }.map(\.path))
        #expect(
            takesStore == ["DistributedDiscreteGaussian.Plan.release(_:through:description:)"],
            "public callables taking a budget store: \(takesStore.sorted())")
        let returnsSum = Set(callables.filter { $0.declaration.contains("DistributedSumRelease") }.map(\.path))
        #expect(
            returnsSum == ["DistributedDiscreteGaussian.Plan.release(_:through:description:)"], "\(returnsSum.sorted())"
        )
        let paths = Set(symbols.map(\.path))
        #expect(!paths.contains("DistributedDiscreteGaussian.Plan.decode(_:)"), "the plan decodes outside its door")
        let sumInitialisers = callables.filter {
            $0.kind == "swift.init" && $0.path.hasPrefix("DistributedSumRelease.")
        }
        .map(\.path)
        #expect(sumInitialisers == ["DistributedSumRelease.init(from:)"], "\(sumInitialisers)")
    }
}
