import CGMP
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One GMP integer (`mpz_t`) with a managed lifetime: `mpz_init` when created, `mpz_clear` when the
/// last reference goes away.
///
/// The `__mpz_struct` lives in its own heap cell (not in a stored property) so that its address is
/// stable and can be passed to GMP as both input and output of one call without Swift's
/// exclusivity checks or temporary copies getting in the way.
///
/// Mutation happens only while a value is being built (inside ``BigInteger``'s initialisers and
/// the scratch registers of the Paillier kernels); once a ``BigInteger`` wraps it, it is never
/// written again. That is what makes the `@unchecked Sendable` sound.
final class GMPInteger: @unchecked Sendable {
    /// The GMP integer. Valid (initialised) from `init` until `deinit`.
    let pointer: UnsafeMutablePointer<__mpz_struct>
    /// Whether `deinit` wipes the limbs (false only for values known to be public, such as
    /// homomorphic sums of ciphertexts, to save a memset on the hottest path).
    let wipesOnRelease: Bool

    /// A new integer equal to zero.
    init() {
        pointer = .allocate(capacity: 1)
        wipesOnRelease = true
        __gmpz_init(pointer)
    }

    /// A new integer equal to zero with room for `bits` bits before GMP reallocates.
    init(capacityBits: Int, wipesOnRelease: Bool = true) {
        pointer = .allocate(capacity: 1)
        self.wipesOnRelease = wipesOnRelease
        __gmpz_init2(pointer, mp_bitcnt_t(max(capacityBits, 64)))
    }

    deinit {
        // Wipe the limbs first: some integers are secrets (primes, CRT exponents, randomness).
        let limbs = Int(pointer.pointee._mp_alloc)
        if wipesOnRelease, limbs > 0, let data = pointer.pointee._mp_d {
            #if canImport(Glibc)
            explicit_bzero(data, limbs * MemoryLayout<mp_limb_t>.stride)
            #else
            _ = memset_s(data, limbs * MemoryLayout<mp_limb_t>.stride, 0, limbs * MemoryLayout<mp_limb_t>.stride)
            #endif
        }
        __gmpz_clear(pointer)
        pointer.deallocate()
    }
}
