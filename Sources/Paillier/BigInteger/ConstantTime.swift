import CGMP
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The constant-time big-integer primitives of this package, in one place.
///
/// "Constant time" here means GMP's guarantee for its `mpn_sec_*` and `mpn_cnd_*` functions: for
/// operands of the same *sizes* (limb counts, bit counts of exponents), they execute the same
/// instructions and touch the same memory addresses whatever the operands' *values*
/// (<https://gmplib.org/manual/Low_002dlevel-Functions>, "Low-level functions for cryptography").
/// Everything below keeps secret values at a fixed, public limb count (leading zero limbs
/// included) so that only public sizes can show through timing or cache state.
///
/// What is secret and what is public is decided by the caller; the rule of this package is:
/// secret exponents, secret bases and secret table indices go through this file (or through
/// ``BigInteger/powerSecret(_:modulo:)``, `mpz_powm_sec`); every other operation whose timing
/// depends on its operands' values carries `variableTime` in its name.
enum ConstantTime {
    /// `mpn_sec_tabselect`: copies entry `index` of a table of `entries` entries of `limbs` limbs
    /// each into `destination`, reading *every* entry (the memory-access pattern does not depend
    /// on `index`).
    ///
    /// - Precondition: `0 <= index < entries`.
    /// - Complexity: O(`entries` · `limbs`).
    @inline(__always)
    static func select(
        _ destination: UnsafeMutablePointer<mp_limb_t>, from table: UnsafePointer<mp_limb_t>,
        limbs: Int, entries: Int, index: Int
    ) {
        __gmpn_sec_tabselect(destination, table, mp_size_t(limbs), mp_size_t(entries), mp_size_t(index))
    }

    /// Overwrites `count` limbs at `pointer` with zeros in a way the optimiser does not remove.
    static func wipe(_ pointer: UnsafeMutablePointer<mp_limb_t>, count: Int) {
        guard count > 0 else { return }
        #if canImport(Glibc)
        explicit_bzero(pointer, count * MemoryLayout<mp_limb_t>.stride)
        #else
        _ = memset_s(pointer, count * MemoryLayout<mp_limb_t>.stride, 0, count * MemoryLayout<mp_limb_t>.stride)
        #endif
    }

    /// Copies the limbs of a non-negative `value` into `destination`, zero-padded to `limbs` limbs.
    /// Variable time in the size of `value` (use it for public values, or for values whose limb
    /// count is public).
    ///
    /// - Precondition: `value` is non-negative and has at most `limbs` limbs.
    static func copyLimbs(of value: BigInteger, into destination: UnsafeMutablePointer<mp_limb_t>, limbs: Int) {
        let size = pk_mpz_size(value.pointer)
        precondition(value.signum >= 0 && size <= limbs, "copyLimbs: value does not fit in \(limbs) limbs")
        if size > 0 { destination.update(from: __gmpz_limbs_read(value.pointer), count: size) }
        (destination + size).initialize(repeating: 0, count: limbs - size)
    }

    /// Whether `value` ∈ 0..<`modulus` is invertible modulo the odd `modulus` (gcd = 1), by
    /// `mpn_sec_invert`, whose running time depends only on the limb count of `modulus`.
    ///
    /// - Precondition: `modulus` is odd and above 1; 0 ≤ `value` < `modulus`.
    /// - Complexity: O(bits(m)) constant-time steps of O(limbs(m)) each.
    static func isUnit(_ value: BigInteger, modulo modulus: BigInteger) -> Bool {
        precondition(modulus > .one && modulus.isOdd, "ConstantTime.isUnit needs an odd modulus above 1")
        precondition(value.signum >= 0 && value < modulus, "ConstantTime.isUnit needs 0 <= value < modulus")
        let limbs = pk_mpz_size(modulus.pointer)
        let scratchCount = Int(__gmpn_sec_invert_itch(mp_size_t(limbs)))
        return withUnsafeTemporaryAllocation(of: mp_limb_t.self, capacity: 3 * limbs + scratchCount) { buffer in
            let inverse = buffer.baseAddress!
            let operand = inverse + limbs
            let modulusLimbs = operand + limbs
            let scratch = modulusLimbs + limbs
            inverse.initialize(repeating: 0, count: limbs)
            scratch.initialize(repeating: 0, count: scratchCount)
            copyLimbs(of: value, into: operand, limbs: limbs)
            copyLimbs(of: modulus, into: modulusLimbs, limbs: limbs)
            let bits = mp_bitcnt_t(2 * limbs * mp_limb_t.bitWidth)
            let invertible = __gmpn_sec_invert(inverse, operand, modulusLimbs, mp_size_t(limbs), bits, scratch) != 0
            wipe(inverse, count: 2 * limbs)
            wipe(scratch, count: scratchCount)
            return invertible
        }
    }

    /// A new ``BigInteger`` holding the `limbs` limbs at `source` (leading zero limbs allowed).
    ///
    /// - Parameter isSecret: wipe the GMP limbs when the integer is released.
    static func integer(fromLimbs source: UnsafePointer<mp_limb_t>, limbs: Int, isSecret: Bool = true) -> BigInteger {
        let result = GMPInteger(capacityBits: limbs * mp_limb_t.bitWidth, wipesOnRelease: isSecret)
        let destination = __gmpz_limbs_write(result.pointer, mp_size_t(limbs))!
        destination.update(from: source, count: limbs)
        __gmpz_limbs_finish(result.pointer, mp_size_t(limbs))
        return BigInteger(storage: result)
    }
}

/// Constant-time Montgomery arithmetic modulo one fixed, public, odd modulus m (for Paillier: n²).
///
/// With L = limb count of m and R = 2^(64·L), a residue x is held in Montgomery form x·R mod m as an
/// L-limb vector (zero-padded). ``multiply(_:_:_:)`` computes a·b·R⁻¹ mod m: the full product by
/// `mpn_sec_mul`, then Montgomery's reduction (REDC) written exactly as GMP's own `mpn_sec_powm`
/// does it — L calls of `mpn_addmul_1`, one `mpn_add_n` and one `mpn_cnd_sub_n` — so the
/// instructions and addresses depend only on L. (GMP builds its `sec` functions on `mpn_addmul_1`,
/// `mpn_add_n` and `mpn_cnd_sub_n`, whose running time depends only on their sizes.)
///
/// Measured with `Benchmarks/peers/paillier_fixed_base_probe.c` (m = n², n of 2048 bits): this
/// product is ≈ 1.6× faster than `mpn_sec_mul` followed by `mpn_sec_div_r`.
///
/// The buffers belong to one thread; make one value per thread (a few kilobytes).
struct ConstantTimeModulus: ~Copyable {
    /// m, `limbs` limbs, top limb non-zero.
    let modulus: UnsafeMutablePointer<mp_limb_t>
    /// L, the limb count of m and of every residue.
    let limbs: Int
    /// −m⁻¹ mod 2^64 (public).
    let inverse: mp_limb_t
    /// The double-length product buffer (2·L limbs).
    let product: UnsafeMutablePointer<mp_limb_t>
    /// GMP's scratch space for `mpn_sec_mul`.
    let scratch: UnsafeMutablePointer<mp_limb_t>
    let scratchCount: Int

    /// Prepares Montgomery multiplication modulo `modulus`.
    ///
    /// - Precondition: `modulus` is odd and above 1.
    init(modulus value: BigInteger) {
        precondition(value > .one && value.isOdd, "ConstantTimeModulus needs an odd modulus above 1")
        let limbs = pk_mpz_size(value.pointer)
        self.limbs = limbs
        modulus = .allocate(capacity: limbs)
        ConstantTime.copyLimbs(of: value, into: modulus, limbs: limbs)
        // Newton's iteration doubles the correct low bits: 1 → 2 → … → 64 (m₀ odd).
        let low = modulus[0]
        var x: mp_limb_t = 1
        for _ in 0..<6 { x = x &* (2 &- low &* x) }
        inverse = 0 &- x
        product = .allocate(capacity: 2 * limbs)
        product.initialize(repeating: 0, count: 2 * limbs)
        scratchCount = max(Int(__gmpn_sec_mul_itch(mp_size_t(limbs), mp_size_t(limbs))), 1)
        scratch = .allocate(capacity: scratchCount)
        scratch.initialize(repeating: 0, count: scratchCount)
    }

    deinit {
        // The product and scratch held secret-derived values.
        ConstantTime.wipe(product, count: 2 * limbs)
        ConstantTime.wipe(scratch, count: scratchCount)
        modulus.deallocate()
        product.deallocate()
        scratch.deallocate()
    }

    /// `result = REDC(t) = t·R⁻¹ mod m`, below R, from the 2·L-limb `t` in ``product`` (destroyed).
    ///
    /// For t < R·m the result is < 2m before the conditional subtraction, and < R after it.
    @inline(__always)
    func reduce(into result: UnsafeMutablePointer<mp_limb_t>) {
        let size = mp_size_t(limbs)
        for index in 0..<limbs {
            let q = product[index] &* inverse
            // Adding q·m zeroes limb `index`; keep the carry there, it belongs at index + L.
            product[index] = __gmpn_addmul_1(product + index, modulus, size, q)
        }
        let carry = __gmpn_add_n(result, product + limbs, product, size)
        _ = __gmpn_cnd_sub_n(carry, result, result, modulus, size)
    }

    /// `result = a·b·R⁻¹ mod m` (the Montgomery product) in constant time, for `a` < R and `b` < m
    /// in Montgomery form; the result is < R.
    ///
    /// `result` may alias `a` or `b`.
    ///
    /// - Complexity: one L × L schoolbook product and one REDC, O(L²), the same instructions for
    ///   every value.
    @inline(__always)
    func multiply(
        _ result: UnsafeMutablePointer<mp_limb_t>, _ a: UnsafePointer<mp_limb_t>, _ b: UnsafePointer<mp_limb_t>
    ) {
        let size = mp_size_t(limbs)
        __gmpn_sec_mul(product, a, size, b, size, scratch)
        reduce(into: result)
    }

    /// x·R mod m for a public x, as L limbs (variable time: for table entries and other public values).
    func montgomeryFormVariableTime(of value: BigInteger, into destination: UnsafeMutablePointer<mp_limb_t>) {
        let m = ConstantTime.integer(fromLimbs: modulus, limbs: limbs, isSecret: false)
        let shifted = value.modulo(m).shiftedLeft(by: limbs * mp_limb_t.bitWidth).modulo(m)
        ConstantTime.copyLimbs(of: shifted, into: destination, limbs: limbs)
    }

    /// The ordinary residue x ∈ 0..<m of the Montgomery form `value` (< R) in constant time:
    /// REDC(value) ≤ m, then one constant-time conditional subtraction of m.
    ///
    /// - Returns: a ``BigInteger`` whose limbs are wiped when released.
    func residue(ofMontgomeryForm value: UnsafePointer<mp_limb_t>) -> BigInteger {
        let size = mp_size_t(limbs)
        product.update(from: value, count: limbs)
        (product + limbs).update(repeating: 0, count: limbs)
        return withUnsafeTemporaryAllocation(of: mp_limb_t.self, capacity: 2 * limbs) { buffer in
            let reduced = buffer.baseAddress!
            let difference = reduced + limbs
            reduce(into: reduced)
            let borrow = __gmpn_sub_n(difference, reduced, modulus, size)
            __gmpn_cnd_swap(1 &- borrow, reduced, difference, size)  // keep the difference when reduced ≥ m
            let result = ConstantTime.integer(fromLimbs: reduced, limbs: limbs)
            ConstantTime.wipe(reduced, count: 2 * limbs)
            return result
        }
    }
}

/// Fixed-base modular exponentiation g^e mod m in constant time with respect to the exponent e,
/// for a public base g and a public modulus m (a comb of precomputed powers).
///
/// ## Method
/// With a window of w bits, a `exponentBits`-bit exponent e = Σ dᵢ·2^(w·i) has ⌈bits/w⌉ digits
/// dᵢ ∈ 0..<2^w, and
///
///     g^e = Π T[i][dᵢ],   T[i][d] = g^(d·2^(w·i)) mod m,   T[i][0] = 1.
///
/// The entries are stored in Montgomery form. Per exponentiation: for every window,
/// `mpn_sec_tabselect` reads all 2^w entries of T[i] to pick T[i][dᵢ] (so the memory-access pattern
/// does not depend on dᵢ), and the running product is multiplied by it with
/// ``ConstantTimeModulus/multiply(_:_:_:)`` — including when dᵢ = 0 (the entry is then 1): no
/// digit is skipped, no branch or address depends on the exponent. The result leaves Montgomery
/// form with ``ConstantTimeModulus/residue(ofMontgomeryForm:)``.
///
/// Immutable after construction (the table is written only in `init`), hence `@unchecked Sendable`:
/// one table serves every thread; each call brings its own scratch.
final class FixedBasePowerTable: @unchecked Sendable {
    /// The public base g, reduced modulo m.
    let base: BigInteger
    /// The public modulus m.
    let modulus: BigInteger
    /// The exponent length this table serves, in bits.
    let exponentBits: Int
    /// w, the window width in bits.
    let windowBits: Int
    /// ⌈`exponentBits` / w⌉.
    let windowCount: Int
    /// The limb count of m (and of every entry).
    let limbs: Int
    /// T[i][d]·R mod m (Montgomery form) at limb offset ((i·2^w) + d)·`limbs`.
    let table: UnsafeMutablePointer<mp_limb_t>
    let tableCount: Int

    /// The largest accepted window: 2^w entries are scanned per window, so wider windows cost
    /// more in table scans than they save in multiplications.
    static let maximumWindowBits = 8

    /// Builds T for `base` modulo `modulus`.
    ///
    /// - Precondition: `modulus` odd and above 1, `exponentBits >= 1`, `windowBits` in 1...8.
    /// - Complexity: ⌈bits/w⌉·2^w multiplications modulo m (variable time: base and modulus are
    ///   public); ⌈bits/w⌉·2^w·limbs(m) limbs of memory.
    init(base: BigInteger, modulus: BigInteger, exponentBits: Int, windowBits: Int) {
        precondition(
            modulus > .one && modulus.isOdd && exponentBits >= 1,
            "FixedBasePowerTable needs an odd modulus above 1 and a positive exponent length")
        precondition(
            (1...Self.maximumWindowBits).contains(windowBits),
            "FixedBasePowerTable: windowBits must lie in 1...\(Self.maximumWindowBits)")
        let reducedBase = base.modulo(modulus)
        self.base = reducedBase
        self.modulus = modulus
        self.exponentBits = exponentBits
        self.windowBits = windowBits
        let windowCount = (exponentBits + windowBits - 1) / windowBits
        self.windowCount = windowCount
        let limbs = pk_mpz_size(modulus.pointer)
        self.limbs = limbs
        let entries = 1 << windowBits
        tableCount = windowCount * entries * limbs
        table = .allocate(capacity: tableCount)
        let montgomery = ConstantTimeModulus(modulus: modulus)
        var windowBase = reducedBase  // g^(2^(w·i))
        for window in 0..<windowCount {
            var power = BigInteger.one
            for digit in 0..<entries {
                montgomery.montgomeryFormVariableTime(of: power, into: table + (window * entries + digit) * limbs)
                power = power.multiplied(by: windowBase, modulo: modulus)
            }
            windowBase = power  // g^(2^w · 2^(w·i))
        }
    }

    deinit {
        table.deallocate()
    }

    /// T[window][digit] as an ordinary residue (for tests).
    func entry(window: Int, digit: Int) -> BigInteger {
        let montgomery = ConstantTimeModulus(modulus: modulus)
        return montgomery.residue(ofMontgomeryForm: table + (window * (1 << windowBits) + digit) * limbs)
    }

    /// g^e mod m for the exponent whose little-endian 64-bit words are `exponent`, in constant
    /// time with respect to e's value.
    ///
    /// - Parameters:
    ///   - exponent: ⌈`exponentBits`/64⌉ words or more; bits at and above `exponentBits` are ignored.
    ///   - modulus: this thread's ``ConstantTimeModulus`` for the same m.
    /// - Returns: the residue in `0..<m`; its limbs are wiped when released.
    /// - Complexity: ⌈bits/w⌉ table scans of 2^w·limbs(m) limbs and ⌈bits/w⌉ constant-time
    ///   Montgomery multiplications modulo m.
    func power(exponent: UnsafeBufferPointer<UInt64>, using modulus: borrowing ConstantTimeModulus) -> BigInteger {
        precondition(modulus.limbs == limbs, "FixedBasePowerTable.power: modulus of another size")
        precondition(
            exponent.count * 64 >= exponentBits, "FixedBasePowerTable.power: exponent shorter than \(exponentBits) bits"
        )
        let windowBits = self.windowBits
        let mask = (UInt64(1) << UInt64(windowBits)) &- 1
        let entries = 1 << windowBits
        let limbs = self.limbs
        let exponentBits = self.exponentBits
        return withUnsafeTemporaryAllocation(of: mp_limb_t.self, capacity: 2 * limbs) { buffer in
            let accumulator = buffer.baseAddress!
            let selected = accumulator + limbs
            for window in 0..<windowCount {
                // The digit: bits [w·i, w·i + w) of e, cut at exponentBits. Shifts by public amounts.
                let bit = window * windowBits
                let word = bit >> 6
                let shift = bit & 63
                var value = exponent[word] >> UInt64(shift)
                if shift + windowBits > 64, word + 1 < exponent.count {
                    value |= exponent[word + 1] << UInt64(64 - shift)
                }
                let available = exponentBits - bit  // public
                let digitMask = available >= windowBits ? mask : (UInt64(1) << UInt64(available)) &- 1
                let digit = Int(value & digitMask)
                let row = UnsafePointer(table + window * entries * limbs)
                if window == 0 {
                    ConstantTime.select(accumulator, from: row, limbs: limbs, entries: entries, index: digit)
                } else {
                    ConstantTime.select(selected, from: row, limbs: limbs, entries: entries, index: digit)
                    modulus.multiply(accumulator, accumulator, selected)
                }
            }
            let result = modulus.residue(ofMontgomeryForm: accumulator)
            ConstantTime.wipe(accumulator, count: 2 * limbs)
            return result
        }
    }
}
