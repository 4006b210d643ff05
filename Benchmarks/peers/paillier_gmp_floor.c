/*
 * paillier_gmp_floor.c — the raw GMP floor for Paillier-2048, a peer of pk-bench-paillier
 * (see run-paillier-peers.sh). Straight mpz calls, preallocated registers, no checks:
 *
 *   paillier_encrypt_plain  c = (1 + m·n) · r^n mod n²      (mpz_powm, r uniform below n)
 *   paillier_decrypt        CRT: m_p = L_p(c^(p−1) mod p²)·h_p mod p, same for q, recombine
 *                           (mpz_powm — not constant-time: a floor, not a recommendation)
 *   paillier_add            c = c1 · c2 mod n²                (mpz_mul + mpz_mod)
 *
 * Build: gcc -O2 -o paillier_gmp_floor paillier_gmp_floor.c -lgmp
 * Run:   paillier_gmp_floor KEYFILE RUNS WARMUP ENC_BATCH DEC_BATCH ADD_BATCH
 *        KEYFILE holds three decimal lines: n, p, q.
 * Prints one JSON line per operation on standard output (the protocol of ../README.md):
 *   {"impl":"gmp-c","op":"paillier_add","bytes":BATCH,"seconds":[...],"check":X,"note":"..."}
 * check: wrong decryptions for paillier_decrypt, bits of the last sum for paillier_add.
 * where "bytes" is the number of operations per timed batch (rates are operations per second).
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

static void read_line(FILE *file, mpz_t out, const char *name) {
    char *line = NULL;
    size_t capacity = 0;
    ssize_t length = getline(&line, &capacity, file);
    if (length <= 0) { fprintf(stderr, "paillier_gmp_floor: key file lacks %s\n", name); exit(2); }
    while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r')) line[--length] = 0;
    if (mpz_set_str(out, line, 10) != 0) { fprintf(stderr, "paillier_gmp_floor: bad %s\n", name); exit(2); }
    free(line);
}

static void print_line(const char *op, long batch, const double *seconds, int runs, const char *check, const char *note) {
    printf("{\"impl\":\"gmp-c\",\"op\":\"%s\",\"bytes\":%ld,\"seconds\":[", op, batch);
    for (int i = 0; i < runs; i++) printf("%s%.9f", i ? "," : "", seconds[i]);
    printf("],\"check\":%s,\"note\":\"%s\"}\n", check, note);
    fflush(stdout);
}

/* half of CRT decryption: out = L_p(c^(p-1) mod p^2) * hp mod p */
static void half(mpz_t out, const mpz_t c, const mpz_t prime, const mpz_t prime2, const mpz_t pm1, const mpz_t h, mpz_t t) {
    mpz_mod(t, c, prime2);
    mpz_powm(t, t, pm1, prime2);
    mpz_sub_ui(t, t, 1);
    mpz_divexact(t, t, prime);
    mpz_mul(t, t, h);
    mpz_mod(out, t, prime);
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: %s KEYFILE RUNS WARMUP ENC_BATCH DEC_BATCH ADD_BATCH\n", argv[0]);
        return 2;
    }
    FILE *file = fopen(argv[1], "r");
    if (!file) { perror(argv[1]); return 2; }
    int runs = atoi(argv[2]), warmup = atoi(argv[3]);
    long enc_batch = atol(argv[4]), dec_batch = atol(argv[5]), add_batch = atol(argv[6]);
    if (runs < 1 || warmup < 0 || enc_batch < 1 || dec_batch < 1 || add_batch < 1) {
        fprintf(stderr, "paillier_gmp_floor: counts must be positive\n");
        return 2;
    }

    mpz_t n, p, q, n2, p2, q2, pm1, qm1, hp, hq, qinv, t, u, mp, mq, m, r, c, acc, g;
    mpz_inits(n, p, q, n2, p2, q2, pm1, qm1, hp, hq, qinv, t, u, mp, mq, m, r, c, acc, g, NULL);
    read_line(file, n, "n");
    read_line(file, p, "p");
    read_line(file, q, "q");
    fclose(file);
    mpz_mul(n2, n, n);
    mpz_mul(p2, p, p);
    mpz_mul(q2, q, q);
    mpz_sub_ui(pm1, p, 1);
    mpz_sub_ui(qm1, q, 1);
    /* h_p = L_p(g^(p-1) mod p^2)^-1 mod p, g = n + 1 */
    mpz_add_ui(g, n, 1);
    mpz_powm(t, g, pm1, p2); mpz_sub_ui(t, t, 1); mpz_divexact(t, t, p); mpz_invert(hp, t, p);
    mpz_powm(t, g, qm1, q2); mpz_sub_ui(t, t, 1); mpz_divexact(t, t, q); mpz_invert(hq, t, q);
    mpz_invert(qinv, q, p);

    gmp_randstate_t state; /* benchmark input only: the peer's randomness source does not matter */
    gmp_randinit_default(state);
    gmp_randseed_ui(state, 42);

    long most = enc_batch > dec_batch ? enc_batch : dec_batch;
    if (add_batch > most) most = add_batch;
    mpz_t *cts = malloc(sizeof(mpz_t) * (size_t)(most + 1));
    mpz_t *pts = malloc(sizeof(mpz_t) * (size_t)(most + 1));
    for (long i = 0; i <= most; i++) {
        mpz_init(cts[i]);
        mpz_init(pts[i]);
        mpz_urandomm(pts[i], state, n);
    }
    double *seconds = malloc(sizeof(double) * (size_t)runs);
    char check[64];

    /* encryption (plain) */
    for (int run = -warmup; run < runs; run++) {
        double start = now();
        for (long i = 0; i < enc_batch; i++) {
            mpz_urandomm(r, state, n);
            mpz_powm(u, r, n, n2);
            mpz_mul(t, pts[i], n);
            mpz_add_ui(t, t, 1);
            mpz_mul(t, t, u);
            mpz_mod(cts[i], t, n2);
        }
        if (run >= 0) seconds[run] = now() - start;
    }
    print_line("paillier_encrypt_plain", enc_batch, seconds, runs, "null", "mpz_powm r^n mod n^2, (1+mn) by mpz_mul/mpz_mod");
    print_line("paillier_encrypt", enc_batch, seconds, runs, "null", "the plain r^n encryption (the floor has no fast variant)");

    /* fill the decryption inputs */
    for (long i = 0; i <= most; i++) {
        mpz_urandomm(r, state, n);
        mpz_powm(u, r, n, n2);
        mpz_mul(t, pts[i], n);
        mpz_add_ui(t, t, 1);
        mpz_mul(t, t, u);
        mpz_mod(cts[i], t, n2);
    }

    /* CRT decryption */
    long mismatches = 0;
    for (int run = -warmup; run < runs; run++) {
        double start = now();
        for (long i = 0; i < dec_batch; i++) {
            half(mp, cts[i], p, p2, pm1, hp, t);
            half(mq, cts[i], q, q2, qm1, hq, t);
            mpz_sub(t, mp, mq);
            mpz_mul(t, t, qinv);
            mpz_mod(t, t, p);
            mpz_mul(t, t, q);
            mpz_add(m, mq, t);
            if (run == 0 && mpz_cmp(m, pts[i]) != 0) mismatches++;
        }
        if (run >= 0) seconds[run] = now() - start;
    }
    snprintf(check, sizeof check, "%ld", mismatches);
    print_line("paillier_decrypt", dec_batch, seconds, runs, check, "CRT with mpz_powm (not constant-time)");

    /* addition: c_i * c_(i+1) mod n^2 */
    mpz_realloc2(acc, 2 * mpz_sizeinbase(n2, 2) + 64);
    mpz_realloc2(t, 2 * mpz_sizeinbase(n2, 2) + 64);
    for (int run = -warmup; run < runs; run++) {
        double start = now();
        for (long i = 0; i < add_batch; i++) {
            long a = i % most, b = (i + 1) % most;
            mpz_mul(t, cts[a], cts[b]);
            mpz_mod(acc, t, n2);
        }
        if (run >= 0) seconds[run] = now() - start;
    }
    snprintf(check, sizeof check, "%lu", (unsigned long)mpz_sizeinbase(acc, 2));
    print_line("paillier_add", add_batch, seconds, runs, check, "mpz_mul + mpz_mod n^2 into a preallocated register");

    for (long i = 0; i <= most; i++) { mpz_clear(cts[i]); mpz_clear(pts[i]); }
    free(cts); free(pts); free(seconds);
    gmp_randclear(state);
    mpz_clears(n, p, q, n2, p2, q2, pm1, qm1, hp, hq, qinv, t, u, mp, mq, m, r, c, acc, g, NULL);
    return 0;
}
