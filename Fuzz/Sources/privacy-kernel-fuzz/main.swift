// The libFuzzer driver of PrivacyKernel: one executable, one fuzz target per parser or protocol
// surface, chosen by the first argument. Everything after it goes to libFuzzer unchanged:
//
//     privacy-kernel-fuzz csv -max_total_time=60 Fuzz/Corpus/csv
//     privacy-kernel-fuzz csv crash-<sha1>          # replay one input
//
// Built only by scripts/fuzz.sh and scripts/sanitize.sh (PRIVACYKERNEL_FUZZ=1, AddressSanitizer and
// libFuzzer's coverage instrumentation; scripts/lib/asan-build.sh); see
// docs/fuzzing.md. Each target calls the library's real parsing code and ignores thrown errors:
// a finding is a trap, a sanitizer report, a timeout or an out-of-memory.
import CFuzzerDriver
#if canImport(Glibc)
import Glibc
#endif

/// One fuzz target: a name, a one-line summary and the function run on every input.
struct FuzzTarget {
    let name: String
    let summary: String
    let run: (UnsafeRawBufferPointer) -> Void
}

let allTargets: [FuzzTarget] = [
    FuzzTarget(
        name: "csv",
        summary:
            "Tabular CSV reader: separators, quoting, header, null tokens, inference, declared schemas, chunks, streaming",
        run: CSVFuzz.run),
    FuzzTarget(
        name: "hierarchy", summary: "Anonymity ARX hierarchy files, then a generalisation search over them",
        run: HierarchyFuzz.run),
    FuzzTarget(
        name: "secagg-wire",
        summary: "SecAgg framing and every message kind, fed to the party and server state machines",
        run: SecAggWireFuzz.run),
    FuzzTarget(
        name: "paillier", summary: "Paillier key JSON (public, private) and ciphertext/plaintext text files",
        run: PaillierFuzz.run),
    FuzzTarget(
        name: "ledger", summary: "PrivacyLedger imports: CSV header registration, stored JSON and audit rows read back",
        run: LedgerFuzz.run),
    FuzzTarget(
        name: "cli-json", summary: "CLI input files: secagg session JSON, party input files", run: CLIFilesFuzz.run),
    FuzzTarget(
        name: "cli-args", summary: "CLI argument vectors parsed and validated by every subcommand, and --keys files",
        run: CLIArgumentsFuzz.run),
]

nonisolated(unsafe) var selectedTarget: FuzzTarget?

let arguments = CommandLine.arguments
if arguments.count == 3, arguments[1] == "--write-seeds" {
    do { try Seeds.write(to: arguments[2]) } catch {
        print("cannot write seeds: \(error)")
        exit(1)
    }
    exit(0)
}
guard arguments.count >= 2, let target = allTargets.first(where: { $0.name == arguments[1] }) else {
    print("usage: privacy-kernel-fuzz TARGET [libFuzzer flags] [corpus dirs | input files]")
    print("targets:")
    for target in allTargets { print("  \(target.name): \(target.summary)") }
    exit(arguments.count >= 2 && arguments[1] == "--list" ? 0 : 2)
}
selectedTarget = target

// argv for libFuzzer: the program name, then everything after the target name.
var passed = [arguments[0]] + arguments.dropFirst(2)
var argc = CInt(passed.count)
let argv = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: passed.count + 1)
for (i, argument) in passed.enumerated() { argv[i] = strdup(argument) }
argv[passed.count] = nil
var argvPointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
let status = LLVMFuzzerRunDriver(&argc, &argvPointer) { data, size in
    selectedTarget!.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
exit(status)
