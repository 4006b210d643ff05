#ifndef PRIVACYKERNEL_CGMP_SHIM_H
#define PRIVACYKERNEL_CGMP_SHIM_H
// GMP's mpz_* names are C macros that Swift cannot import; call the __gmpz_*
// functions directly, or the static inline wrappers below for function-like macros.
#include <gmp.h>

static inline int pk_mpz_sgn(const mpz_t z) { return mpz_sgn(z); }
static inline int pk_mpz_odd_p(const mpz_t z) { return mpz_odd_p(z); }
static inline int pk_mpz_cmp_ui(const mpz_t z, unsigned long v) { return mpz_cmp_ui(z, v); }
static inline size_t pk_mpz_size(const mpz_t z) { return mpz_size(z); }
static inline int pk_mpz_even_p(const mpz_t z) { return mpz_even_p(z); }
static inline int pk_mpz_cmp_si(const mpz_t z, long v) { return mpz_cmp_si(z, v); }
#endif
