import ArgumentParser
import PrivacyKernelCLI
import Testing

/// The commands parse and validate in-process (the PrivacyKernelCLI library split that lets the
/// fuzzer's `cli-args` target reach them).
@Suite("Issue 13: the command line parses in-process")
struct CommandParsingTests {
    @Test("Issue 13 cli-args: README command lines parse to their subcommands")
    func readmeLinesParse() throws {
        let lines: [[String]] = [
            [
                "dp", "mean", "--data", "datasets/transport.csv", "--column", "fare", "--bounds", "0:50", "--epsilon",
                "0.5",
            ],
            ["ledger", "status", "--json"],
            ["secagg", "simulate", "--parties", "20", "--dim", "1000", "--dropout", "0.3"],
            ["anonymity", "check", "--data", "a.csv", "--qi", "age,sex", "--k", "5"],
        ]
        for arguments in lines {
            let command = try PrivacyKernelCommand.parseAsRoot(arguments)
            #expect(type(of: command)._commandName == arguments[1], "\(arguments)")
        }
    }

    @Test("Issue 13 cli-args: a bad value is a usage error that names the option, not a crash")
    func badValuesAreUsageErrors() {
        for arguments in [
            ["dp", "mean", "--column", "fare", "--bounds", "0:50", "--epsilon", "abc"],
            ["dp", "count", "--epsilon", "-1"], ["no-such-command"], ["dp", "mean", "--bounds", "5:1"],
        ] {
            do {
                _ = try PrivacyKernelCommand.parseAsRoot(arguments)
                Issue.record("\(arguments) parsed")
            } catch {
                #expect(PrivacyKernelCommand.exitCode(for: error) != .success, "\(arguments)")
                #expect(!PrivacyKernelCommand.fullMessage(for: error).isEmpty, "\(arguments)")
            }
        }
    }
}
