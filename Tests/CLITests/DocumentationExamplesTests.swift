import Foundation
import Testing
import _TestSupport

/// The Swift examples of the DocC catalogs (`Sources/<Module>/<Module>.docc/*.md`) compile
/// against the modules this test process was built with: every ```` ```swift ```` block is
/// type-checked as a small program by `swiftc -typecheck`, so an article cannot drift from the
/// API it teaches.
@Suite("DocC articles: every Swift example compiles")
struct DocumentationExamplesTests {
    /// One ```` ```swift ```` block of an article.
    struct Example: Sendable, CustomTestStringConvertible {
        let file: String
        let line: Int
        let code: String
        var testDescription: String { "\(file):\(line)" }
    }

    /// The Swift blocks of every DocC article in `Sources/`.
    static func examples() -> [Example] {
        let sources = repositoryRoot + "/Sources"
        guard let modules = try? FileManager.default.contentsOfDirectory(atPath: sources) else { return [] }
        var examples: [Example] = []
        for module in modules.sorted() {
            let catalog = "\(sources)/\(module)/\(module).docc"
            guard let articles = try? FileManager.default.contentsOfDirectory(atPath: catalog) else { continue }
            for article in articles.sorted() where article.hasSuffix(".md") {
                guard let text = try? String(contentsOfFile: "\(catalog)/\(article)", encoding: .utf8) else { continue }
                var block: [String]? = nil
                var start = 0
                for (index, line) in text.components(separatedBy: "\n").enumerated() {
                    if block == nil, line.trimmingCharacters(in: .whitespaces) == "```swift" {
                        block = []
                        start = index + 2
                    } else if block != nil, line.trimmingCharacters(in: .whitespaces) == "```" {
                        examples.append(
                            Example(
                                file: "Sources/\(module)/\(module).docc/\(article)", line: start,
                                code: block!.joined(separator: "\n")))
                        block = nil
                    } else if block != nil {
                        block!.append(line)
                    }
                }
            }
        }
        return examples
    }

    /// The build directory of this test process (`<scratch>/<triple>/<configuration>/`).
    static var buildDirectory: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().path
    }

    static var swiftc: String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/swiftc"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    @Test("the articles have Swift examples, one per public module at least")
    func examplesAreFound() {
        let examples = Self.examples()
        #expect(examples.count >= 12, "\(examples.map(\.testDescription))")
    }

    @Test(
        "the example type-checks against the built modules", .enabled(if: swiftc != nil),
        arguments: examples())
    func typeChecks(example: Example) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let source = directory.file("main.swift")
        try example.code.write(toFile: source, atomically: true, encoding: .utf8)
        var arguments = ["-typecheck", "-I", "\(Self.buildDirectory)/Modules", source]
        // Module maps of the package's C and system-library targets and of the dependencies' C
        // targets, which the Swift modules' interfaces refer to.
        let build = Self.buildDirectory
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: build)) ?? [] where entry.hasSuffix(".build")
        {
            let map = "\(build)/\(entry)/module.modulemap"
            if FileManager.default.fileExists(atPath: map) { arguments += ["-Xcc", "-fmodule-map-file=\(map)"] }
        }
        for system in ["CGMP", "COpenBLAS"] {
            arguments += ["-Xcc", "-fmodule-map-file=\(repositoryRoot)/Sources/\(system)/module.modulemap"]
        }
        // System-library targets of the dependencies (GRDB's SQLite), beside their checkouts.
        let checkouts = URL(fileURLWithPath: build).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("checkouts").path
        for package in (try? FileManager.default.contentsOfDirectory(atPath: checkouts)) ?? [] {
            let sources = "\(checkouts)/\(package)/Sources"
            for target in (try? FileManager.default.contentsOfDirectory(atPath: sources)) ?? [] {
                // Beside the sources (GRDB's SQLite) or in their include/ (swift-atomics' shims,
                // which Hummingbird's interfaces refer to).
                for map in ["\(sources)/\(target)/module.modulemap", "\(sources)/\(target)/include/module.modulemap"]
                where FileManager.default.fileExists(atPath: map) {
                    arguments += ["-Xcc", "-fmodule-map-file=\(map)"]
                }
            }
        }
        let result = try run(try #require(Self.swiftc), arguments)
        #expect(
            result.status == 0,
            "\(example.testDescription) does not compile:\n\(result.err.prefix(3_000))\n\(result.out.prefix(1_000))")
    }
}
