//! Shamir secret sharing compatible with sops' fork of HashiCorp Vault's implementation:
//! GF(2^8) reduced by the AES polynomial x^8+x^4+x^3+x+1 (0x11b), a share is the y bytes
//! followed by one x byte, and group `i` (0-based) always gets x = i + 1.
//!
//! (`sharks`/`blahaj` use 0x11d and are not compatible.)

use rand::RngCore;
use zeroize::Zeroizing;

/// Multiplication in GF(2^8) mod 0x11b; branch-free so timing does not depend on the values.
fn mul(mut a: u8, mut b: u8) -> u8 {
    let mut product = 0u8;
    for _ in 0..8 {
        product ^= a & 0u8.wrapping_sub(b & 1);
        let carry = 0u8.wrapping_sub(a >> 7);
        a = (a << 1) ^ (0x1b & carry);
        b >>= 1;
    }
    product
}

/// Multiplicative inverse: a^254 (0 maps to 0).
fn inv(a: u8) -> u8 {
    let mut result = 1u8;
    let mut base = a;
    let mut e = 254u8;
    while e > 0 {
        if e & 1 == 1 {
            result = mul(result, base);
        }
        base = mul(base, base);
        e >>= 1;
    }
    result
}

fn div(a: u8, b: u8) -> u8 {
    mul(a, inv(b))
}

/// Splits `secret` into `parts` shares, any `threshold` of which recover it.
pub fn split(
    secret: &[u8],
    parts: usize,
    threshold: usize,
) -> Result<Vec<Zeroizing<Vec<u8>>>, String> {
    if parts < threshold {
        return Err("parts cannot be less than threshold".into());
    }
    if parts > 255 {
        return Err("parts cannot exceed 255".into());
    }
    if threshold < 2 {
        return Err("threshold must be at least 2".into());
    }
    if threshold > 255 {
        return Err("threshold cannot exceed 255".into());
    }
    if secret.is_empty() {
        return Err("cannot split an empty secret".into());
    }
    let mut shares: Vec<Zeroizing<Vec<u8>>> = (0..parts)
        .map(|_| Zeroizing::new(Vec::with_capacity(secret.len() + 1)))
        .collect();
    let mut coefficients = Zeroizing::new(vec![0u8; threshold]);
    for &byte in secret {
        coefficients[0] = byte;
        rand::rngs::OsRng.fill_bytes(&mut coefficients[1..]);
        for (i, share) in shares.iter_mut().enumerate() {
            let x = (i + 1) as u8;
            // Horner's rule, highest degree first.
            let y = coefficients
                .iter()
                .rev()
                .fold(0u8, |acc, &c| mul(acc, x) ^ c);
            share.push(y);
        }
    }
    for (i, share) in shares.iter_mut().enumerate() {
        share.push((i + 1) as u8);
    }
    Ok(shares)
}

/// Recombines shares (y bytes then x byte) by Lagrange interpolation at x = 0.
pub fn combine(shares: &[&[u8]]) -> Result<Zeroizing<Vec<u8>>, String> {
    if shares.len() < 2 {
        return Err("less than two parts cannot be used to reconstruct the secret".into());
    }
    let len = shares[0].len();
    if len < 2 {
        return Err("parts must be at least two bytes".into());
    }
    if shares.iter().any(|s| s.len() != len) {
        return Err("all parts must be the same length".into());
    }
    let xs: Vec<u8> = shares.iter().map(|s| s[len - 1]).collect();
    for (i, x) in xs.iter().enumerate() {
        if xs[..i].contains(x) {
            return Err("duplicate part detected".into());
        }
    }
    let mut secret = Zeroizing::new(vec![0u8; len - 1]);
    for (byte, out) in secret.iter_mut().enumerate() {
        let mut acc = 0u8;
        for (i, share) in shares.iter().enumerate() {
            let mut basis = 1u8;
            for (j, &xj) in xs.iter().enumerate() {
                if i != j {
                    basis = mul(basis, div(xj, xs[i] ^ xj));
                }
            }
            acc ^= mul(share[byte], basis);
        }
        *out = acc;
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_arithmetic() {
        // AES test vector: 0x57 * 0x83 = 0xc1 in GF(2^8) mod 0x11b.
        assert_eq!(mul(0x57, 0x83), 0xc1);
        for a in 1..=255u8 {
            assert_eq!(mul(a, inv(a)), 1, "{a}");
        }
    }

    #[test]
    fn split_and_combine_every_pair() {
        let secret: Vec<u8> = (0..32).collect();
        let shares = split(&secret, 3, 2).unwrap();
        assert!(shares.iter().all(|s| s.len() == 33));
        assert_eq!(shares[2][32], 3);
        for (a, b) in [(0, 1), (0, 2), (1, 2)] {
            let got = combine(&[&shares[a], &shares[b]]).unwrap();
            assert_eq!(&got[..], &secret[..]);
        }
        let all = combine(&[&shares[0], &shares[1], &shares[2]]).unwrap();
        assert_eq!(&all[..], &secret[..]);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(split(b"x", 1, 2).is_err());
        assert!(split(b"", 3, 2).is_err());
        assert!(combine(&[b"ab"]).is_err());
        assert!(combine(&[b"ab\x01", b"cd\x01"]).is_err());
        assert!(combine(&[b"ab\x01", b"c\x02"]).is_err());
    }
}
