import ArgumentParser
import PrivacyKernelCLI

// The `privacy-kernel` executable: the commands live in the PrivacyKernelCLI library, so that
// tests and the fuzzer (Fuzz/, target cli-args) can parse arguments without a process.
// `serve` and `client` are asynchronous commands; the others synchronous.
await PrivacyKernelCommand.runMain()
