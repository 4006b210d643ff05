# Sourced by scripts/sanitize.sh and scripts/fuzz.sh: the one AddressSanitizer build both use.
#
#   asan_build CONFIG SCRATCH [swift build arguments…]
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

asan_build() {
    local config="$1" scratch="$2"
    shift 2
    local library
    library=$(fuzzer_library)
    # gold's "Cannot export local symbol" warnings about ASan's own helpers are noise.
    PRIVACYKERNEL_FUZZ=1 PRIVACYKERNEL_FUZZER_LIBRARY="$library" \
        swift build -c "$config" --scratch-path "$scratch" --sanitize=address "${asan_coverage_flags[@]}" "$@" 2>&1 \
        | { grep -v "Cannot export local symbol" || true; }
    return "${PIPESTATUS[0]}"
}

# The test run of the same build (the flags must match asan_build's, or SwiftPM rebuilds).
asan_test() {
    local config="$1" scratch="$2"
    shift 2
    local library
    library=$(fuzzer_library)
    PRIVACYKERNEL_FUZZ=1 PRIVACYKERNEL_FUZZER_LIBRARY="$library" \
        swift test -c "$config" --skip-build --disable-xctest --scratch-path "$scratch" --sanitize=address \
        "${asan_coverage_flags[@]}" "$@"
}
