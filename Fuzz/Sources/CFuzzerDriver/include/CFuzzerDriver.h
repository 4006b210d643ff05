#ifndef CFUZZERDRIVER_H
#define CFUZZERDRIVER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's documented entry for programs that own `main`
/// (https://llvm.org/docs/LibFuzzer.html#using-libfuzzer-as-a-library): parses the
/// libFuzzer flags in argv and runs `callback` on every input. Defined by
/// libclang_rt.fuzzer_no_main, which Package.swift links into the fuzz executable.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
