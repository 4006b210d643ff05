import Foundation
import _TestSupport
import Testing

/// The `privacy-kernel` commands of docs/ledger.md and docs/scenarios.md (until issue 17 the
/// README's "Privacy ledger" and "Scenarios" sections): every line of their `sh` blocks
/// (continuations joined, trailing comments dropped) and every inline `` `scenario …` `` command
/// of the scenarios page's prose, in order.
func readmeExamples() throws -> [String] {
    var commands: [String] = []
    for page in ["docs/ledger.md", "docs/scenarios.md"] {
        let section = try String(contentsOfFile: repositoryRoot + "/" + page, encoding: .utf8)
        var inShell = false, pending = ""
        for line in section.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                inShell = !inShell && line.hasPrefix("```sh")
                continue
            }
            guard inShell else { continue }
            var text = String(line)
            // A command documented to fail is checked by ReadmeExamplesTests (its `# fails:` marker).
            let documentedToFail = text.contains("# fails:")
            if let hash = text.range(of: "  #") ?? text.range(of: " # ") { text = String(text[..<hash.lowerBound]) }
            text = text.trimmingCharacters(in: .whitespaces)
            if text.hasSuffix("\\") {
                pending += String(text.dropLast()) + " "
                continue
            }
            let command = pending + text
            pending = ""
            if command.hasPrefix("privacy-kernel ") && !documentedToFail { commands.append(command) }
        }
        // Inline commands in the prose: `scenario … --out DIR` (possibly wrapped over lines).
        if page == "docs/scenarios.md" {
            let prose = section.replacingOccurrences(of: "\n", with: " ")
            var index = prose.startIndex
            while let open = prose.range(of: "`scenario ", range: index..<prose.endIndex),
                let close = prose.range(of: "`", range: open.upperBound..<prose.endIndex)
            {
                commands.append("privacy-kernel " + prose[prose.index(after: open.lowerBound)..<close.lowerBound])
                index = close.upperBound
            }
        }
    }
    return commands
}

@Suite("Issue 12: README examples run as written", .serialized)
struct Issue12ReadmeExamplesTests {
    @Test(
        "Issue 12 README: every ledger and scenario example (docs/ledger.md, docs/scenarios.md) runs as written with the built CLI",
        .enabled(if: privacyKernelBinary() != nil))
    func examplesRun() throws {
        let binary = try #require(privacyKernelBinary())
        let examples = try readmeExamples()
        #expect(examples.count >= 18, "\(examples)")
        // A scratch checkout: <root>/repo holds datasets/, <root>/shared is the shared data.
        let root = NSTemporaryDirectory() + "readme-examples-" + UUID().uuidString
        let repo = root + "/repo", bin = root + "/bin"
        defer { try? FileManager.default.removeItem(atPath: root) }
        for directory in [repo, bin] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try FileManager.default.createSymbolicLink(
            atPath: repo + "/datasets", withDestinationPath: repositoryRoot + "/datasets")
        let shared = URL(fileURLWithPath: repositoryRoot).deletingLastPathComponent().appendingPathComponent("shared")
            .path
        try FileManager.default.createSymbolicLink(atPath: root + "/shared", withDestinationPath: shared)
        try FileManager.default.createSymbolicLink(atPath: bin + "/privacy-kernel", withDestinationPath: binary)
        let sharedData = FileManager.default.fileExists(atPath: shared + "/datasets")
        for command in examples {
            if command.contains("../shared/") && !sharedData { continue }  // the shared real datasets are not here
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            process.currentDirectoryURL = URL(fileURLWithPath: repo)
            var environment = ProcessInfo.processInfo.environment
            environment["PATH"] = bin + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
            environment.removeValue(forKey: "PRIVACY_KERNEL_LEDGER")
            process.environment = environment
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            _ = out.fileHandleForReading.readDataToEndOfFile()
            let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "`\(command)` failed: \(errors.suffix(600))")
        }
    }

    @Test("Issue 12 README: the example extractor finds the ledger and scenario commands")
    func extractorFindsCommands() throws {
        let examples = try readmeExamples()
        #expect(examples.contains { $0.hasPrefix("privacy-kernel ledger init") })
        #expect(
            examples.contains {
                $0.hasPrefix("privacy-kernel anonymity generalise") && $0.contains("--out census/adult-k5.csv")
            })
        #expect(examples.contains { $0.hasPrefix("privacy-kernel scenario finance") && $0.contains("--out") })
        #expect(!examples.contains { $0.contains("...") || $0.contains("|resume|") || $0.contains("[--") })
    }
}
