/*
 * paillier_fixed_base_probe.c — the fixed-base exponentiation of PaillierFastEncryptor (h_s^a mod n²,
 * a of 1024 bits, n of 2048 bits) in two forms, same GMP, same run:
 *
 *   variable-time (the code before issue 12 P6): table indexed by the secret digit, zero digits
 *     skipped, mpz_mul + mpz_tdiv_r;
 *   constant-time (after): mpn_sec_tabselect over every entry of a window, every digit multiplied
 *     (T[i][0] = 1), Montgomery products: mpn_sec_mul + REDC (mpn_addmul_1, mpn_add_n,
 *     mpn_cnd_sub_n, as GMP's sec_powm) on fixed-size limb vectors — ConstantTime.swift;
 *
 * plus the constant-time form with mpn_sec_div_r in place of Montgomery reduction (slower; not
 * used). Every result is checked against mpz_powm. Build and run:
 *   gcc -O2 -o /tmp/fbp Benchmarks/peers/paillier_fixed_base_probe.c -lgmp && /tmp/fbp [BATCH] [ROUNDS]
 * Rounds interleave the variants; each prints its best batch (microseconds per exponentiation).
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

/* One prepared variant: its table and how to run one exponentiation. */
typedef struct {
    const char *name;
    int kind; /* 0 variable-time, 1 sec_div_r, 2 montgomery */
    int w, windows, entries;
    mpz_t *vtable;      /* kind 0 */
    mp_limb_t *table;   /* kinds 1, 2 */
    double best;
} variant;

static mpz_t n, m, g, e, expect, acc, prod;
static mp_size_t limbs;
static mp_limb_t minv, *scratch, *product, *accl, *sel;

static void prepare(variant *v) {
    int w = v->w;
    v->windows = (EXP_BITS + w - 1) / w;
    mpz_t wb, power, mont;
    mpz_inits(wb, power, mont, NULL);
    mpz_set(wb, g);
    if (v->kind == 0) {
        int digits = (1 << w) - 1;
        v->entries = digits;
        v->vtable = malloc(sizeof(mpz_t) * v->windows * digits);
        for (int i = 0; i < v->windows; i++) {
            mpz_init_set(v->vtable[i * digits], wb);
            for (int d = 1; d < digits; d++) {
                mpz_init(v->vtable[i * digits + d]);
                mpz_mul(v->vtable[i * digits + d], v->vtable[i * digits + d - 1], wb);
                mpz_mod(v->vtable[i * digits + d], v->vtable[i * digits + d], m);
            }
            mpz_mul(wb, v->vtable[i * digits + digits - 1], wb);
            mpz_mod(wb, wb, m);
        }
        return;
    }
    v->entries = 1 << w;
    v->table = calloc((size_t)v->windows * v->entries * limbs, sizeof(mp_limb_t));
    for (int i = 0; i < v->windows; i++) {
        mpz_set_ui(power, 1);
        for (int d = 0; d < v->entries; d++) {
            if (v->kind == 2) { mpz_mul_2exp(mont, power, limbs * 64); mpz_mod(mont, mont, m); }
            else mpz_set(mont, power);
            mpz_export(v->table + ((size_t)i * v->entries + d) * limbs, NULL, -1, sizeof(mp_limb_t), 0, 0, mont);
            mpz_mul(power, power, wb);
            mpz_mod(power, power, m);
        }
        mpz_set(wb, power);
    }
}

static void run(variant *v, const mp_limb_t *x) {
    int w = v->w;
    const mp_limb_t *ml = mpz_limbs_read(m);
    if (v->kind == 0) {
        int started = 0;
        for (int i = 0; i < v->windows; i++) {
            unsigned d = digit_of(x, i, w);
            if (d == 0) continue;
            if (started) { mpz_mul(prod, acc, v->vtable[i * v->entries + d - 1]); mpz_tdiv_r(acc, prod, m); }
            else { mpz_set(acc, v->vtable[i * v->entries + d - 1]); started = 1; }
        }
        return;
    }
    for (int i = 0; i < v->windows; i++) {
        unsigned d = digit_of(x, i, w);
        const mp_limb_t *row = v->table + (size_t)i * v->entries * limbs;
        if (i == 0) { mpn_sec_tabselect(accl, row, limbs, v->entries, d); continue; }
        mpn_sec_tabselect(sel, row, limbs, v->entries, d);
        mpn_sec_mul(product, accl, limbs, sel, limbs, scratch);
        if (v->kind == 1) { mpn_sec_div_r(product, 2 * limbs, ml, limbs, scratch); memcpy(accl, product, limbs * sizeof(mp_limb_t)); }
        else redc(accl, product, ml, limbs, minv);
    }
    if (v->kind == 2) {
        memset(product, 0, 2 * limbs * sizeof(mp_limb_t));
        memcpy(product, accl, limbs * sizeof(mp_limb_t));
        redc(accl, product, ml, limbs, minv);
        mp_limb_t borrow = mpn_sub_n(product, accl, ml, limbs);
        mpn_cnd_swap(1 - borrow, accl, product, limbs);
    }
    mpz_import(acc, limbs, -1, sizeof(mp_limb_t), 0, 0, accl);
}

int main(int argc, char **argv) {
    int batch = argc > 1 ? atoi(argv[1]) : 40;
    int rounds = argc > 2 ? atoi(argv[2]) : 7;
    gmp_randstate_t rs;
    gmp_randinit_default(rs);
    gmp_randseed_ui(rs, 12);
    mpz_inits(n, m, g, e, expect, acc, prod, NULL);
    mpz_urandomb(n, rs, 2048);
    mpz_setbit(n, 2047);
    mpz_setbit(n, 0);
    mpz_mul(m, n, n);
    mpz_urandomm(g, rs, m);
    limbs = mpz_size(m);
    const mp_limb_t *ml = mpz_limbs_read(m);
    minv = 1; /* -m^{-1} mod 2^64 by Newton */
    for (int k = 0; k < 7; k++) minv *= 2 - ml[0] * minv;
    minv = -minv;
    mp_size_t itch = mpn_sec_mul_itch(limbs, limbs);
    if (mpn_sec_div_r_itch(2 * limbs, limbs) > itch) itch = mpn_sec_div_r_itch(2 * limbs, limbs);
    scratch = malloc(itch * sizeof(mp_limb_t));
    product = malloc(2 * limbs * sizeof(mp_limb_t));
    accl = malloc(limbs * sizeof(mp_limb_t));
    sel = malloc(limbs * sizeof(mp_limb_t));
    static mp_limb_t exps[64][EXP_WORDS];
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < EXP_WORDS; j++) exps[i][j] = ((mp_limb_t)rand() << 40) ^ ((mp_limb_t)rand() << 20) ^ (mp_limb_t)rand();

    variant vs[] = {
        {"variable-time (before: digit-indexed, zero digits skipped, mpz_mul + mpz_tdiv_r)", 0, 6},
        {"constant-time, mpn_sec_mul + mpn_sec_div_r", 1, 5},
        {"constant-time, Montgomery (after)", 2, 4},
        {"constant-time, Montgomery (after, default)", 2, 5},
        {"constant-time, Montgomery (after)", 2, 6},
    };
    int count = sizeof(vs) / sizeof(vs[0]);
    for (int k = 0; k < count; k++) { prepare(&vs[k]); vs[k].best = 1e30; }
    /* Rounds interleave the variants so that load changes hit all of them alike; best batch wins. */
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < count; k++) {
            double start = now();
            for (int it = 0; it < batch; it++) run(&vs[k], exps[(r * batch + it) % 64]);
            double us = (now() - start) / batch * 1e6;
            if (us < vs[k].best) vs[k].best = us;
            mpz_import(e, EXP_WORDS, -1, sizeof(mp_limb_t), 0, 0, exps[(r * batch + batch - 1) % 64]);
            mpz_powm(expect, g, e, m);
            if (mpz_cmp(acc, expect) != 0) { printf("WRONG result: %s w=%d\n", vs[k].name, vs[k].w); return 1; }
        }
    }
    for (int k = 0; k < count; k++)
        printf("%-85s w=%d: %7.1f us per h^a (best of %d batches of %d), %.2fx the variable-time time\n",
               vs[k].name, vs[k].w, vs[k].best, rounds, batch, vs[k].best / vs[0].best);
    return 0;
}
