public import ArgumentParser

/// The `privacy-kernel` command-line tool: a thin layer over the library's kernels. The
/// executable calls `PrivacyKernelCommand.main()`; `parseAsRoot(_:)` parses (and validates)
/// arguments without running anything.
public struct PrivacyKernelCommand: AsyncParsableCommand {
    /// The command tree: `datasets`, `dp`, `anonymity`, `paillier`, `secagg`, `ledger`,
    /// `scenario`, `demo`, `serve` (the platform service) and `client` (its signed requests).
    public static let configuration = CommandConfiguration(
        commandName: "privacy-kernel",
        abstract: "Compute on public data without letting raw records out.",
        subcommands: [
            DatasetsCommand.self, DPCommand.self, AnonymityCommand.self, PaillierCommand.self, SecAggCommand.self,
            LedgerCommand.self, ScenarioCommand.self, DemoCommand.self, ServeCommand.self, ClientCommand.self,
        ]
    )

    /// The root command has no options of its own.
    public init() {}
}

extension PrivacyKernelCommand {
    /// Parses the process's arguments and runs the command they name, awaiting the
    /// asynchronous ones (`serve`, `client`); exits with ArgumentParser's message and code on
    /// error. The executable's entry point.
    public static func runMain() async {
        do {
            let command = try parseAsRoot()
            if let asynchronous = command as? any AsyncParsableCommand {
                try await runAsynchronous(asynchronous)
            } else {
                var synchronous = command
                try synchronous.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    private static func runAsynchronous<Command: AsyncParsableCommand>(_ command: Command) async throws {
        var command = command
        try await command.run()
    }
}
