/*
 * paillier_fixed_base_probe.c — the fixed-base exponentiation of PaillierFastEncryptor (h_s^a mod n²,
 * a of 1024 bits, n of 2048 bits) in two forms, same GMP, same run:
 *
 *   variable-time (the code before issue 12 P6): table indexed by the secret digit, zero digits
 *     skipped, mpz_mul + mpz_tdiv_r;
 *   constant-time (after): mpn_sec_tabselect over every entry of a window, every digit multiplied
 *     (T[i][0] = 1), mpn_sec_mul + mpn_sec_div_r on fixed-size limb vectors.
 *
 * Both results are checked against mpz_powm. Build and run:
 *   gcc -O2 -o /tmp/fbp Benchmarks/peers/paillier_fixed_base_probe.c -lgmp && /tmp/fbp [ITERATIONS]
 * Prints microseconds per exponentiation for the variable-time form (w = 6, the old default) and
 * for the constant-time form with w = 4…7.
 */
#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

enum { EXP_BITS = 1024, EXP_WORDS = EXP_BITS / 64 };

static unsigned digit_of(const mp_limb_t *e, int window, int w) {
    int bit = window * w, word = bit >> 6, shift = bit & 63;
    mp_limb_t value = e[word] >> shift;
    if (shift + w > 64 && word + 1 < EXP_WORDS) value |= e[word + 1] << (64 - shift);
    int available = EXP_BITS - bit;
    mp_limb_t mask = available >= w ? ((mp_limb_t)1 << w) - 1 : ((mp_limb_t)1 << available) - 1;
    return (unsigned)(value & mask);
}

/* Montgomery reduction of the 2·n-limb t (destroyed) to n limbs, as GMP's mpn_redc_1 followed by
 * the mpn_cnd_sub_n of its sec_powm: mpn_addmul_1, mpn_add_n and mpn_cnd_sub_n only. */
static void redc(mp_limb_t *r, mp_limb_t *t, const mp_limb_t *m, mp_size_t n, mp_limb_t minv) {
    for (mp_size_t i = 0; i < n; i++) {
        mp_limb_t q = t[i] * minv;
        t[i] = mpn_addmul_1(t + i, m, n, q);
    }
    mp_limb_t cy = mpn_add_n(r, t + n, t, n);
    mpn_cnd_sub_n(cy, r, r, m, n);
}

int main(int argc, char **argv) {
    int iterations = argc > 1 ? atoi(argv[1]) : 300;
    gmp_randstate_t rs;
    gmp_randinit_default(rs);
    gmp_randseed_ui(rs, 12);
    mpz_t n, m, g, e, expect, acc, prod;
    mpz_inits(n, m, g, e, expect, acc, prod, NULL);
    mpz_urandomb(n, rs, 2048);
    mpz_setbit(n, 2047);
    mpz_setbit(n, 0);
    mpz_mul(m, n, n);
    mpz_urandomm(g, rs, m);
    mp_size_t limbs = mpz_size(m);
    mp_limb_t exps[64][EXP_WORDS];
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < EXP_WORDS; j++) exps[i][j] = ((mp_limb_t)rand() << 40) ^ ((mp_limb_t)rand() << 20) ^ (mp_limb_t)rand();

    /* Variable time, w = 6 (the old PaillierFastEncryptor). */
    {
        int w = 6, windows = (EXP_BITS + w - 1) / w, digits = (1 << w) - 1;
        mpz_t *table = malloc(sizeof(mpz_t) * windows * digits);
        mpz_t wb;
        mpz_init_set(wb, g);
        for (int i = 0; i < windows; i++) {
            mpz_init_set(table[i * digits], wb);
            for (int d = 1; d < digits; d++) {
                mpz_init(table[i * digits + d]);
                mpz_mul(table[i * digits + d], table[i * digits + d - 1], wb);
                mpz_mod(table[i * digits + d], table[i * digits + d], m);
            }
            mpz_mul(wb, table[i * digits + digits - 1], wb);
            mpz_mod(wb, wb, m);
        }
        double start = now();
        for (int it = 0; it < iterations; it++) {
            const mp_limb_t *x = exps[it % 64];
            int started = 0;
            for (int i = 0; i < windows; i++) {
                unsigned d = digit_of(x, i, w);
                if (d == 0) continue;
                if (started) { mpz_mul(prod, acc, table[i * digits + d - 1]); mpz_tdiv_r(acc, prod, m); }
                else { mpz_set(acc, table[i * digits + d - 1]); started = 1; }
            }
        }
        double us = (now() - start) / iterations * 1e6;
        mpz_import(e, EXP_WORDS, -1, sizeof(mp_limb_t), 0, 0, exps[(iterations - 1) % 64]);
        mpz_powm(expect, g, e, m);
        printf("variable-time  w=6: %7.1f us per exponentiation  %s\n", us, mpz_cmp(acc, expect) == 0 ? "ok" : "WRONG");
    }

    /* Constant time, w = 4…7. */
    for (int w = 4; w <= 7; w++) {
        int windows = (EXP_BITS + w - 1) / w, entries = 1 << w;
        mp_limb_t *table = calloc((size_t)windows * entries * limbs, sizeof(mp_limb_t));
        mpz_t wb, power;
        mpz_init_set(wb, g);
        mpz_init(power);
        for (int i = 0; i < windows; i++) {
            mpz_set_ui(power, 1);
            for (int d = 0; d < entries; d++) {
                mpz_export(table + ((size_t)i * entries + d) * limbs, NULL, -1, sizeof(mp_limb_t), 0, 0, power);
                mpz_mul(power, power, wb);
                mpz_mod(power, power, m);
            }
            mpz_set(wb, power);
        }
        mp_size_t itch = mpn_sec_mul_itch(limbs, limbs);
        if (mpn_sec_div_r_itch(2 * limbs, limbs) > itch) itch = mpn_sec_div_r_itch(2 * limbs, limbs);
        mp_limb_t *scratch = malloc(itch * sizeof(mp_limb_t));
        mp_limb_t *product = malloc(2 * limbs * sizeof(mp_limb_t));
        mp_limb_t *accl = malloc(limbs * sizeof(mp_limb_t));
        mp_limb_t *sel = malloc(limbs * sizeof(mp_limb_t));
        const mp_limb_t *ml = mpz_limbs_read(m);
        double start = now();
        for (int it = 0; it < iterations; it++) {
            const mp_limb_t *x = exps[it % 64];
            for (int i = 0; i < windows; i++) {
                unsigned d = digit_of(x, i, w);
                const mp_limb_t *row = table + (size_t)i * entries * limbs;
                if (i == 0) { mpn_sec_tabselect(accl, row, limbs, entries, d); continue; }
                mpn_sec_tabselect(sel, row, limbs, entries, d);
                mpn_sec_mul(product, accl, limbs, sel, limbs, scratch);
                mpn_sec_div_r(product, 2 * limbs, ml, limbs, scratch);
                memcpy(accl, product, limbs * sizeof(mp_limb_t));
            }
        }
        double us = (now() - start) / iterations * 1e6;
        mpz_import(e, EXP_WORDS, -1, sizeof(mp_limb_t), 0, 0, exps[(iterations - 1) % 64]);
        mpz_powm(expect, g, e, m);
        mpz_import(acc, limbs, -1, sizeof(mp_limb_t), 0, 0, accl);
        printf("constant-time  w=%d: %7.1f us per exponentiation  %s  (table %.1f MB)\n", w, us,
               mpz_cmp(acc, expect) == 0 ? "ok" : "WRONG", windows * entries * limbs * 8.0 / 1e6);
        free(table); free(scratch); free(product); free(accl); free(sel);
    }

    /* Constant time with Montgomery products (mpn_sec_mul + redc), w = 4…6. */
    for (int w = 4; w <= 6; w++) {
        int windows = (EXP_BITS + w - 1) / w, entries = 1 << w;
        mp_limb_t *table = calloc((size_t)windows * entries * limbs, sizeof(mp_limb_t));
        mpz_t wb, power, mont, R;
        mpz_inits(wb, power, mont, R, NULL);
        mpz_set(wb, g);
        mpz_setbit(R, limbs * 64);
        for (int i = 0; i < windows; i++) {
            mpz_set_ui(power, 1);
            for (int d = 0; d < entries; d++) {
                mpz_mul(mont, power, R);
                mpz_mod(mont, mont, m);
                mpz_export(table + ((size_t)i * entries + d) * limbs, NULL, -1, sizeof(mp_limb_t), 0, 0, mont);
                mpz_mul(power, power, wb);
                mpz_mod(power, power, m);
            }
            mpz_set(wb, power);
        }
        const mp_limb_t *ml = mpz_limbs_read(m);
        mp_limb_t minv = 1; /* -m^{-1} mod 2^64 by Newton */
        for (int k = 0; k < 7; k++) minv *= 2 - ml[0] * minv;
        minv = -minv;
        mp_size_t itch = mpn_sec_mul_itch(limbs, limbs);
        mp_limb_t *scratch = malloc(itch * sizeof(mp_limb_t));
        mp_limb_t *product = malloc(2 * limbs * sizeof(mp_limb_t));
        mp_limb_t *accl = malloc(limbs * sizeof(mp_limb_t));
        mp_limb_t *sel = malloc(limbs * sizeof(mp_limb_t));
        double start = now();
        for (int it = 0; it < iterations; it++) {
            const mp_limb_t *x = exps[it % 64];
            for (int i = 0; i < windows; i++) {
                unsigned d = digit_of(x, i, w);
                const mp_limb_t *row = table + (size_t)i * entries * limbs;
                if (i == 0) { mpn_sec_tabselect(accl, row, limbs, entries, d); continue; }
                mpn_sec_tabselect(sel, row, limbs, entries, d);
                mpn_sec_mul(product, accl, limbs, sel, limbs, scratch);
                redc(accl, product, ml, limbs, minv);
            }
            /* out of Montgomery form: redc(acc · 1), then one conditional subtraction */
            memset(product, 0, 2 * limbs * sizeof(mp_limb_t));
            memcpy(product, accl, limbs * sizeof(mp_limb_t));
            redc(accl, product, ml, limbs, minv);
            mp_limb_t borrow = mpn_sub_n(product, accl, ml, limbs);
            mpn_cnd_swap(1 - borrow, accl, product, limbs);
        }
        double us = (now() - start) / iterations * 1e6;
        mpz_import(e, EXP_WORDS, -1, sizeof(mp_limb_t), 0, 0, exps[(iterations - 1) % 64]);
        mpz_powm(expect, g, e, m);
        mpz_import(acc, limbs, -1, sizeof(mp_limb_t), 0, 0, accl);
        printf("ct montgomery  w=%d: %7.1f us per exponentiation  %s\n", w, us, mpz_cmp(acc, expect) == 0 ? "ok" : "WRONG");
    }
    return 0;
}
