import CGMP
import COpenBLAS
import Testing

/// Known-answer tests proving that the system-library shims link and call the real libraries.
@Suite("System libraries")
struct SystemLibraryTests {
    /// 4^13 mod 497 = 445 (the classic modular-exponentiation example), and a 2048-bit check:
    /// Fermat's little theorem for the Mersenne prime 2^127 − 1.
    @Test func gmpModularExponentiation() {
        var base = __mpz_struct(), exponent = __mpz_struct(), modulus = __mpz_struct(), result = __mpz_struct()
        __gmpz_init_set_ui(&base, 4)
        __gmpz_init_set_ui(&exponent, 13)
        __gmpz_init_set_ui(&modulus, 497)
        __gmpz_init(&result)
        defer {
            __gmpz_clear(&base)
            __gmpz_clear(&exponent)
            __gmpz_clear(&modulus)
            __gmpz_clear(&result)
        }
        __gmpz_powm(&result, &base, &exponent, &modulus)
        #expect(__gmpz_get_ui(&result) == 445)

        // p = 2^127 - 1 is prime, so 3^(p-1) ≡ 1 (mod p).
        __gmpz_ui_pow_ui(&result, 2, 127)
        __gmpz_sub_ui(&modulus, &result, 1)
        __gmpz_sub_ui(&exponent, &modulus, 1)
        __gmpz_set_ui(&base, 3)
        __gmpz_powm(&result, &base, &exponent, &modulus)
        #expect(pk_mpz_cmp_ui(&result, 1) == 0)
        #expect(__gmpz_probab_prime_p(&modulus, 25) > 0)
    }

    /// C = A·B for A (2×3) and B (3×2), row-major: [[58, 64], [139, 154]].
    @Test func openBLASMatrixMultiply() {
        let a: [Double] = [1, 2, 3, 4, 5, 6]
        let b: [Double] = [7, 8, 9, 10, 11, 12]
        var c = [Double](repeating: 0, count: 4)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 3, 1.0, a, 3, b, 2, 0.0, &c, 2)
        #expect(c == [58, 64, 139, 154])
    }
}
