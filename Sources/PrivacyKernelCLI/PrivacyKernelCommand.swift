public import ArgumentParser

/// The `privacy-kernel` command-line tool: a thin layer over the library's kernels. The
/// executable calls `PrivacyKernelCommand.main()`; `parseAsRoot(_:)` parses (and validates)
/// arguments without running anything.
public struct PrivacyKernelCommand: ParsableCommand {
    /// The command tree: `datasets`, `dp`, `anonymity`, `paillier`, `secagg`, `ledger`,
    /// `scenario`, `demo`.
    public static let configuration = CommandConfiguration(
        commandName: "privacy-kernel",
        abstract: "Compute on public data without letting raw records out.",
        subcommands: [
            DatasetsCommand.self, DPCommand.self, AnonymityCommand.self, PaillierCommand.self, SecAggCommand.self,
            LedgerCommand.self, ScenarioCommand.self, DemoCommand.self,
        ]
    )

    /// The root command has no options of its own.
    public init() {}
}
