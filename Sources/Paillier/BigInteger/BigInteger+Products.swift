import CGMP

extension BigInteger {
    /// (1 + m·n)·u mod n² for u ∈ Z*ₙ² and m ∈ 0..<n, computed as u + n·((u mod n)·m mod n) mod n²
    /// (since m·n·u ≡ n·(m·u mod n) mod n²): products of n-sized numbers only. Paillier's
    /// plaintext embedding; `m = 0` returns `unit`.
    ///
    /// - Complexity: two multiplications and two reductions of n-sized numbers.
    static func embed(_ m: BigInteger, times unit: BigInteger, n: BigInteger, nSquared: BigInteger) -> BigInteger {
        if m.isZero { return unit }
        return build { result in
            __gmpz_mod(result, unit.pointer, n.pointer)
            __gmpz_mul(result, result, m.pointer)
            __gmpz_mod(result, result, n.pointer)
            __gmpz_mul(result, result, n.pointer)
            __gmpz_add(result, result, unit.pointer)
            if __gmpz_cmp(result, nSquared.pointer) >= 0 {
                __gmpz_sub(result, result, nSquared.pointer)
            }
        }
    }

    /// The product of `values` modulo `modulus` (1 for none), accumulated in one reused GMP
    /// register sized for `modulus`². Variable time: for public values (ciphertexts).
    ///
    /// - Complexity: one multiplication and one reduction per value.
    static func product(of values: some Sequence<BigInteger>, modulo modulus: BigInteger) -> BigInteger {
        let accumulator = GMPInteger(capacityBits: 2 * modulus.bitWidth)
        __gmpz_set_ui(accumulator.pointer, 1)
        for value in values {
            __gmpz_mul(accumulator.pointer, accumulator.pointer, value.pointer)
            __gmpz_mod(accumulator.pointer, accumulator.pointer, modulus.pointer)
        }
        return BigInteger(storage: accumulator)
    }
}
