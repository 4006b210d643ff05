import ArgumentParser
import Foundation
import PrivacyKernelCLI

/// Fuzzes the `privacy-kernel` command line without running a command: byte 0 (mod 2) picks
/// the surface, the rest is its input.
/// - 0: an argument vector (the rest split at NUL bytes, invalid UTF-8 replaced) parsed and
///   validated by ``PrivacyKernelCLI/PrivacyKernelCommand/parseAsRoot(_:)`` — every subcommand's
///   options, value transforms and `validate()` — and, for a refusal, its message and exit code
///   rendered as the tool would print them;
/// - 1: a `--keys` file (public partition keys, one per line) read by path with
///   ``PrivacyKernelCLI/readKeysFile(_:option:)``, whose keys must then be non-empty lines
///   without surrounding spaces.
enum CLIArgumentsFuzz {
    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzBytes(data)
        if input.byte() % 2 == 0 {
            let arguments = input.rest.split(separator: 0, omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }
            do {
                _ = try PrivacyKernelCommand.parseAsRoot(arguments)
            } catch {
                _ = PrivacyKernelCommand.fullMessage(for: error)
                _ = PrivacyKernelCommand.exitCode(for: error)
            }
        } else {
            let path = ScratchFile.write(input.rest, name: "keys.txt")
            guard let keys = try? readKeysFile(path) else { return }
            precondition(!keys.isEmpty, "a keys file was read as holding no key")
            for key in keys {
                precondition(
                    !key.isEmpty && key.trimmingCharacters(in: .whitespaces) == key,
                    "a key is empty or keeps surrounding spaces")
            }
        }
    }
}
