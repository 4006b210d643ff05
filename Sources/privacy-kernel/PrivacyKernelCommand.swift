import ArgumentParser

/// The `privacy-kernel` command-line tool: a thin layer over the library's kernels.
@main
struct PrivacyKernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "privacy-kernel",
        abstract: "Compute on public data without letting raw records out.",
        subcommands: [DatasetsCommand.self, DPCommand.self, AnonymityCommand.self, PaillierCommand.self, SecAggCommand.self, LedgerCommand.self, ScenarioCommand.self, DemoCommand.self]
    )
}
