#ifndef PRIVACYKERNEL_CSIMD_H
#define PRIVACYKERNEL_CSIMD_H
// Small inline helpers that Swift cannot express directly: software prefetch and byte-match
// bit masks (x86 SSE2 movemask; a portable word-at-a-time fallback elsewhere). Every function
// is `static inline`, so Swift callers inline them; nothing here allocates or writes memory.
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// Asks the cache to load the line holding `address`. Never faults, never changes memory.
static inline __attribute__((always_inline)) void pk_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

/// Bit i of the result is set when byte i of the 64 bytes at `p` equals `a`, `b` or `c`.
/// `p` must have 64 readable bytes.
static inline __attribute__((always_inline)) uint64_t pk_match_mask64(const uint8_t *p, uint8_t a, uint8_t b, uint8_t c) {
#if defined(__SSE2__)
    const __m128i va = _mm_set1_epi8((char)a), vb = _mm_set1_epi8((char)b), vc = _mm_set1_epi8((char)c);
    uint64_t mask = 0;
    for (int i = 0; i < 4; i++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * i));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)), _mm_cmpeq_epi8(v, vc));
        mask |= (uint64_t)(uint32_t)_mm_movemask_epi8(m) << (16 * i);
    }
    return mask;
#else
    uint64_t mask = 0;
    for (int i = 0; i < 64; i++) {
        uint8_t x = p[i];
        mask |= (uint64_t)(x == a || x == b || x == c) << i;
    }
    return mask;
#endif
}
#endif
