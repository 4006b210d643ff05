#ifndef PRIVACYKERNEL_CPREFETCH_H
#define PRIVACYKERNEL_CPREFETCH_H
/// Software prefetch hints, which Swift cannot express. Inlined into Swift callers.
/// A prefetch never faults and never changes memory; it only asks the cache to load a line.
static inline __attribute__((always_inline)) void pk_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}
#endif
