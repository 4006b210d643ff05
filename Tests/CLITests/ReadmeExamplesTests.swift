import Foundation
import _TestSupport
import Testing

/// The shell examples of README.md and docs/*.md and the CLI's `--help` examples, run as written
/// with the built `privacy-kernel` on the PATH.
///
/// Every ```` ```sh ```` block of README.md and of each docs/*.md page is split into commands (a
/// line ending in `\` goes on with the next). Each `## ` section of a file (keyed by file and
/// title) runs in a fresh temporary directory laid out like the repository (a copy of
/// `datasets/`, `../shared` linked to the real one); its blocks run in order there, so a later
/// block may use the files of an earlier one. Markers, as a comment at
/// the end of a command or on the line before it:
/// - `# fails: TEXT` — the command is meant to show an error: it must exit non-zero and print
///   TEXT (on stdout or stderr).
/// - `# not run: REASON` — the command cannot run in a test (it builds the package, runs this
///   test suite, or needs the network); use sparingly.
/// Commands started in the background (`&`) must exit with status 0 by the end of the block.
enum ReadmeExamples {
    /// One runnable command of a documentation file.
    struct Command: Sendable {
        /// The command as written (continuation lines joined with a newline).
        var text: String
        /// 1-based line of its file where it starts.
        var line: Int
        /// Text the command must print when it is meant to fail.
        var fails: String?
        /// Why it is not run, when it is not.
        var notRun: String?
        /// Where it comes from, for messages.
        var origin: String

        init(text: String, line: Int, fails: String? = nil, notRun: String? = nil, origin: String? = nil) {
            self.text = text
            self.line = line
            self.fails = fails
            self.notRun = notRun
            self.origin = origin ?? "README.md:\(line)"
        }
    }

    /// The shell blocks of one `## ` section of one file.
    struct Section: Sendable, CustomTestStringConvertible {
        /// The file, relative to the repository root (`README.md`, `docs/cli.md`).
        var file: String
        var title: String
        var blocks: [[Command]]
        var testDescription: String { "\(file): \(title)" }
    }

    /// The files whose shell examples run: README.md, then every docs/*.md in name order.
    static func documentationFiles() -> [String] {
        let pages = (try? FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/docs")) ?? []
        return ["README.md"] + pages.filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
    }


    /// The `## ` sections with shell blocks of every documentation file, in file order.
    static func sections() -> [Section] {
        documentationFiles().flatMap { sections(in: $0) }
    }

    /// The `## ` sections of `file` (relative to the repository root) that have shell blocks,
    /// in order.
    static func sections(in file: String) -> [Section] {
        guard let text = try? String(contentsOfFile: repositoryRoot + "/" + file, encoding: .utf8) else { return [] }
        var sections: [Section] = []
        var title = "(preamble)"
        var inBlock = false, isShell = false
        var block: [Command] = []
        var pending: Command? = nil
        var markerFails: String? = nil, markerNotRun: String? = nil
        func marker(_ line: String, _ name: String) -> String? {
            guard let range = line.range(of: "# \(name):") else { return nil }
            return line[range.upperBound...].trimmingCharacters(in: .whitespaces)
        }
        for (index, raw) in text.components(separatedBy: "\n").enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if !inBlock {
                if line.hasPrefix("## ") { title = String(line.dropFirst(3)) }
                if line.hasPrefix("```") {
                    inBlock = true
                    isShell = ["sh", "bash", "shell"].contains(line.dropFirst(3).trimmingCharacters(in: .whitespaces))
                    block = []
                }
                continue
            }
            if line.hasPrefix("```") {
                inBlock = false
                if isShell && !block.isEmpty {
                    if sections.last?.title != title { sections.append(Section(file: file, title: title, blocks: [])) }
                    sections[sections.count - 1].blocks.append(block)
                }
                continue
            }
            guard isShell else { continue }
            if var command = pending {
                command.text += "\n" + raw
                command.fails = command.fails ?? marker(raw, "fails")
                command.notRun = command.notRun ?? marker(raw, "not run")
                if line.hasSuffix("\\") {
                    pending = command
                } else {
                    block.append(command)
                    pending = nil
                }
                continue
            }
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                // A comment line: a marker applies to the next command.
                markerFails = marker(line, "fails") ?? markerFails
                markerNotRun = marker(line, "not run") ?? markerNotRun
                continue
            }
            let command = Command(
                text: raw, line: index + 1, fails: marker(raw, "fails") ?? markerFails,
                notRun: marker(raw, "not run") ?? markerNotRun, origin: "\(file):\(index + 1)")
            markerFails = nil
            markerNotRun = nil
            if line.hasSuffix("\\") {
                pending = command
                continue
            }
            block.append(command)
        }
        return sections
    }

    /// Bash that waits for every background command started so far and reports each failure.
    static let waitForJobs = """
        for __pk_job in $__pk_jobs; do
          wait "${__pk_job%%:*}" || { echo "background command ${__pk_job#*:} failed:"; cat "__pk_out_${__pk_job#*:}.txt"; __pk_failed=1; }
        done
        """

    /// A bash script that runs `commands` in order, checking each (markers included).
    static func script(_ commands: [Command]) -> String {
        var lines = ["set -u", "__pk_failed=0", "__pk_jobs=''"]
        for (i, command) in commands.enumerated() {
            if let reason = command.notRun {
                lines.append("echo '\(command.origin): not run: \(reason.replacingOccurrences(of: "'", with: ""))'")
                continue
            }
            let delimiter = "__PK_EXAMPLE_\(i)__"
            lines.append("__pk_cmd=$(cat <<'\(delimiter)'\n\(command.text)\n\(delimiter)\n)")
            lines.append("echo \"+ \(command.origin)\"")
            // The example's own `wait` collects the background commands started so far and
            // checks each one's exit status (a plain `wait` would reap them unchecked).
            if command.text.trimmingCharacters(in: .whitespaces) == "wait" {
                lines.append(waitForJobs)
                lines.append("__pk_jobs=''")
                continue
            }
            let background =
                command.text.trimmingCharacters(in: .whitespaces).range(
                    of: #"&\s*(#.*)?$"#, options: .regularExpression) != nil
                && !command.text.contains("&&")
            if background {
                lines.append("eval \"$__pk_cmd\" > __pk_out_\(i).txt 2>&1")
                lines.append("__pk_jobs=\"$__pk_jobs $!:\(i)\"")
                continue
            }
            lines.append("eval \"$__pk_cmd\" > __pk_out_\(i).txt 2>&1; __pk_status=$?")
            if let text = command.fails {
                let quoted = text.replacingOccurrences(of: "'", with: "'\\''")
                lines.append(
                    """
                    if [ $__pk_status -eq 0 ]; then echo "\(command.origin): expected a failure, exit status 0"; cat __pk_out_\(i).txt; __pk_failed=1
                    elif ! grep -qF -- '\(quoted)' __pk_out_\(i).txt; then echo "\(command.origin): failed without printing the expected text"; cat __pk_out_\(i).txt; __pk_failed=1; fi
                    """)
            } else {
                lines.append(
                    """
                    if [ $__pk_status -ne 0 ]; then echo "\(command.origin): exit status $__pk_status"; tail -c 4000 __pk_out_\(i).txt; __pk_failed=1; fi
                    """)
            }
        }
        lines.append(waitForJobs)
        lines.append("exit $__pk_failed")
        return lines.joined(separator: "\n")
    }

    /// A fresh directory laid out like the repository: `repo/` (cwd) with a copy of `datasets/`,
    /// `shared` beside it linked to the real `../shared`. Returns the cwd.
    static func sandbox(_ directory: TemporaryDirectory) throws -> String {
        let cwd = directory.file("repo")
        try FileManager.default.createDirectory(atPath: cwd, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: repositoryRoot + "/datasets", toPath: cwd + "/datasets")
        let shared = URL(fileURLWithPath: repositoryRoot + "/../shared").standardizedFileURL.path
        if FileManager.default.fileExists(atPath: shared) {
            try FileManager.default.createSymbolicLink(atPath: directory.file("shared"), withDestinationPath: shared)
        }
        return cwd
    }

    /// Runs `script` with bash in `cwd`, the CLI's directory first on the PATH, output to a file
    /// (background commands may outlive the script's pipes), within `timeout` seconds.
    static func runScript(
        _ script: String, in cwd: String, timeout: Int = 300
    ) throws -> (status: Int32, output: String) {
        let binary = try #require(privacyKernelBinary())
        let scriptPath = cwd + "/__pk_examples.sh", logPath = cwd + "/__pk_examples.log"
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["timeout", "\(timeout)", "bash", scriptPath]
        process.currentDirectoryURL = URL(fileURLWithPath: cwd)
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] =
            URL(fileURLWithPath: binary).deletingLastPathComponent().path + ":"
            + (environment["PATH"] ?? "/usr/bin:/bin")
        environment.removeValue(forKey: "PRIVACY_KERNEL_LEDGER")
        process.environment = environment
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        process.waitUntilExit()
        try log.close()
        return (process.terminationStatus, (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
    }
}

@Suite("Issue 12: README and --help examples run as written", .serialized, .enabled(if: privacyKernelBinary() != nil))
struct ReadmeExamplesTests {
    @Test("Issue 12 C-readme: the README and docs/*.md have shell examples in the expected sections")
    func extraction() {
        let sections = ReadmeExamples.sections()
        let keys = Set(sections.map(\.testDescription))
        for key in [
            "README.md: The two commands", "docs/cli.md: Datasets, the demo and one scenario",
            "docs/anonymity.md: CLI", "docs/differential-privacy.md: From the command line",
            "docs/secure-aggregation.md: CLI", "docs/ledger.md: CLI", "docs/scenarios.md: Running them",
            "docs/paillier.md: CLI", "docs/benchmarks.md: Running the benchmarks", "docs/fuzzing.md: How to run",
        ] {
            #expect(keys.contains(key), "no shell examples under \(key)")
        }
        let anonymity = sections.first { $0.file == "docs/anonymity.md" && $0.title == "CLI" }
        #expect(anonymity?.blocks.flatMap { $0 }.contains { $0.text.contains("anonymity generalise") } == true)
        // Nothing was lost when the README's sections moved to docs/ (issue 17): the README held
        // 61 commands (57 run), docs/fuzzing.md adds 6 (not run); each names its file and line.
        for section in sections {
            for command in section.blocks.flatMap({ $0 }) {
                #expect(command.origin == "\(section.file):\(command.line)")
            }
        }
        #expect(sections.flatMap { $0.blocks.flatMap { $0 } }.count >= 67)
        #expect(sections.flatMap { $0.blocks.flatMap { $0 } }.filter { $0.notRun == nil }.count >= 57)
    }

    @Test(
        "Issue 12 C-readme: every shell example of a README or docs/*.md section runs as written",
        arguments: ReadmeExamples.sections())
    func section(_ section: ReadmeExamples.Section) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let cwd = try ReadmeExamples.sandbox(directory)
        for (index, block) in section.blocks.enumerated() {
            let result = try ReadmeExamples.runScript(ReadmeExamples.script(block), in: cwd)
            #expect(
                result.status == 0,
                "\(section.file), section \"\(section.title)\", block \(index + 1):\n\(result.output)")
        }
    }

    /// The example commands of one command's help and its subcommands' (lines of the help text
    /// starting with `privacy-kernel `, continuation lines joined), read unwrapped from
    /// `--experimental-dump-help` (the printed help wraps lines at the terminal's width).
    static func examples(inHelpOf command: String) throws -> [ReadmeExamples.Command] {
        let binary = try #require(privacyKernelBinary())
        let dump = try run(binary, [command, "--experimental-dump-help"]).out
        let object = try #require(try JSONSerialization.jsonObject(with: Data(dump.utf8)) as? [String: Any])
        var texts: [String] = []
        func collect(_ info: [String: Any]) {
            if let discussion = info["discussion"] as? String { texts.append(discussion) }
            if let abstract = info["abstract"] as? String { texts.append(abstract) }
            for sub in info["subcommands"] as? [[String: Any]] ?? [] { collect(sub) }
        }
        collect(try #require(object["command"] as? [String: Any]))
        var commands: [ReadmeExamples.Command] = []
        for text in texts {
            let lines = text.components(separatedBy: "\n")
            var index = 0
            while index < lines.count {
                var line = lines[index].trimmingCharacters(in: .whitespaces)
                index += 1
                guard line.hasPrefix("privacy-kernel ") else { continue }
                while line.hasSuffix("\\"), index < lines.count {
                    line += "\n" + lines[index]
                    index += 1
                }
                commands.append(ReadmeExamples.Command(text: line, line: 0, origin: "privacy-kernel \(command) help"))
            }
        }
        return commands
    }


    @Test(
        "Issue 12 C-readme: every command's --help examples run as written, in order",
        arguments: ["datasets", "dp", "anonymity", "paillier", "secagg", "ledger", "scenario", "demo"])
    func helpExamples(_ command: String) throws {
        let examples = try Self.examples(inHelpOf: command)
        guard !examples.isEmpty else { return }
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let cwd = try ReadmeExamples.sandbox(directory)
        let result = try ReadmeExamples.runScript(ReadmeExamples.script(examples), in: cwd, timeout: 300)
        #expect(result.status == 0, "privacy-kernel \(command) --help examples:\n\(result.output)")
    }

    @Test("Issue 12 C-readme: the dp help's --keys example runs as written")
    func dpHelpKeysExample() throws {
        let example = try #require(try Self.examples(inHelpOf: "dp").first { $0.text.contains("--keys") })
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let cwd = try ReadmeExamples.sandbox(directory)
        let result = try ReadmeExamples.runScript(ReadmeExamples.script([example]), in: cwd, timeout: 300)
        #expect(result.status == 0, "\(example.text)\n\(result.output)")
    }
}
