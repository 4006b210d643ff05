# Sourced by scripts/sanitize.sh and scripts/fuzz.sh: the one AddressSanitizer build both use.
#
#   asan_swift build|test CONFIG SCRATCH [swift build / swift test arguments…]
#
# Builds with AddressSanitizer (Swift and C targets) and libFuzzer's coverage instrumentation
# (inline 8-bit counters, PC table, comparison tracing) into SCRATCH, with the fuzz executable
# declared (PRIVACYKERNEL_FUZZ=1) and linked against libFuzzer's no-main archive. The test
# binary of the same build carries the counters but not libFuzzer (the ASan runtime defines the
# coverage callbacks weakly), so `scripts/sanitize.sh address` and `scripts/fuzz.sh --debug`
# share one build: every flag below must stay identical between them, or SwiftPM rebuilds every
# module. lld links (gold fails on the instrumented debug information: docs/fuzzing.md).
asan_coverage_flags=(-Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp -Xswiftc -use-ld=lld)

fuzzer_library() {
    local resources
    resources=$(swiftc -print-target-info | sed -n 's/.*"runtimeResourcePath": *"\([^"]*\)".*/\1/p' | head -1)
    local library="$resources/clang/lib/linux/libclang_rt.fuzzer_no_main-$(uname -m).a"
    [ -f "$library" ] || { echo "asan-build: libFuzzer archive not found at $library" >&2; return 1; }
    printf '%s\n' "$library"
}

# asan_swift build|test CONFIG SCRATCH [arguments…]: `swift build` or `swift test --skip-build`
# in the shared AddressSanitizer + coverage configuration (the flags must match between the two,
# or SwiftPM rebuilds every module).
asan_swift() {
    local subcommand="$1" config="$2" scratch="$3"
    shift 3
    local library
    library=$(fuzzer_library)
    local extra=()
    [ "$subcommand" = test ] && extra=(--skip-build --disable-xctest)
    PRIVACYKERNEL_FUZZ=1 PRIVACYKERNEL_FUZZER_LIBRARY="$library" \
        swift "$subcommand" -c "$config" --scratch-path "$scratch" --sanitize=address "${asan_coverage_flags[@]}" \
        ${extra[@]+"${extra[@]}"} "$@"
}
