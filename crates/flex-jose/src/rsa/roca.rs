//! The ROCA fingerprint (CVE-2017-15361; Nemec, Sys, Svenda, Klinec, Matyas, "The Return of Coppersmith's
//! Attack", CCS 2017).
//!
//! Infineon's RSALib made primes of the form `k * M + (65537^a mod M)`, with `M` the product of the first 126
//! primes (2..=701) for keys of 1984 to 3936 bits, and of more primes (a superset) for 3968 to 4096 bits. Such
//! primes can be recovered from the modulus. Both primes, and so the modulus, are then powers of 65537 modulo
//! every prime `r <= 701`. A random modulus passes that test for all 125 odd primes with probability about
//! 2^-167, so a pass is treated as the fingerprint. (Smaller RSALib keys use fewer primes, but they are refused
//! for their size before this check.)

/// Largest small prime of the test: RSALib's `M` for 1984..=3936-bit keys is the primorial of the primes up
/// to 701.
const LARGEST_PRIME: u32 = 701;
const GENERATOR: u32 = 65537;

/// Whether the big-endian modulus `n` has the ROCA fingerprint.
pub(super) fn has_fingerprint(n: &[u8]) -> bool {
    (3..=LARGEST_PRIME).filter(|r| is_prime(*r)).all(|r| in_subgroup_of_generator(residue(n, r), r))
}

fn is_prime(r: u32) -> bool {
    r >= 2 && (2..).take_while(|d| d * d <= r).all(|d| !r.is_multiple_of(d))
}

/// `n mod r`, by Horner's rule over the bytes (every intermediate value stays below `256 * r`).
fn residue(n: &[u8], r: u32) -> u32 {
    n.iter().fold(0u32, |acc, b| (acc * 256 + u32::from(*b)) % r)
}

/// Whether `x` is a power of 65537 modulo the prime `r` (walks the cyclic subgroup, at most `r - 1` steps).
fn in_subgroup_of_generator(x: u32, r: u32) -> bool {
    let g = GENERATOR % r;
    let mut power = 1;
    for _ in 0..r {
        if power == x {
            return true;
        }
        power = power * g % r;
        if power == 1 {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_cases() {
        // 65537 = 2 (mod 3) generates {1, 2}; 65537 = 10 (mod 11) generates {1, 10}.
        assert!(in_subgroup_of_generator(2, 3));
        assert!(!in_subgroup_of_generator(0, 3));
        assert!(in_subgroup_of_generator(10, 11));
        assert!(!in_subgroup_of_generator(3, 11));
        assert_eq!(residue(&[0x01, 0x00], 7), 256 % 7);
        assert_eq!((3..=LARGEST_PRIME).filter(|r| is_prime(*r)).count(), 125);
    }

    #[test]
    fn powers_of_65537_are_flagged_and_neighbours_are_not() {
        // 65537^k itself has the fingerprint for every k.
        let mut n = vec![1u8];
        for _ in 0..40 {
            n = mul_small(&n, GENERATOR);
        }
        assert!(has_fingerprint(&n));
        let last = n.len() - 1;
        n[last] ^= 2;
        assert!(!has_fingerprint(&n));
    }

    fn mul_small(n: &[u8], m: u32) -> Vec<u8> {
        let mut out = Vec::with_capacity(n.len() + 4);
        let mut carry = 0u64;
        for b in n.iter().rev() {
            let v = u64::from(*b) * u64::from(m) + carry;
            out.push((v & 0xff) as u8);
            carry = v >> 8;
        }
        while carry > 0 {
            out.push((carry & 0xff) as u8);
            carry >>= 8;
        }
        out.reverse();
        out
    }
}
