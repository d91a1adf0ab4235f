//! RSA private keys, read once: PKCS#8 `PrivateKeyInfo` (RFC 5208) or PKCS#1 `RSAPrivateKey` (RFC 8017 A.1.2) in
//! strict DER, or PEM of either, through RustCrypto's `pkcs8`, `pkcs1` and `der`. The public half passes the same
//! [`PublicKey`] policy as every other key before any crypto provider sees the key; the key is then kept only as
//! canonical PKCS#8 v1 DER in a buffer that is wiped on drop, the one form every provider imports.

use der::asn1::{IntRef, OctetStringRef};
use der::{Decode as _, Encode as _};
use pkcs1::RsaPrivateKey as Pkcs1PrivateKey;
use pkcs8::PrivateKeyInfoRef;
use zeroize::Zeroizing;

use super::{ExponentPolicy, KeyError, PublicKey};

const PKCS8_PEM_LABEL: &str = "PRIVATE KEY";
const PKCS1_PEM_LABEL: &str = "RSA PRIVATE KEY";

/// An RSA private key whose public half passed the policy. No `Clone`; `Debug` shows only the size; the DER is
/// wiped on drop.
///
/// Only the structure and the public half are checked here; the consistency of the private components (`p·q = n`
/// and the CRT values) is checked by the crypto provider when it builds its key (`flex_jose::crypto`).
pub struct PrivateKey {
    // Read only by a crypto provider; a build without one (as flex-types' is) checks keys and keeps them unused.
    #[cfg_attr(not(any(feature = "ring", feature = "aws-lc-rs", feature = "fips")), allow(dead_code))]
    pkcs8: Zeroizing<Vec<u8>>,
    public: PublicKey,
}

impl PrivateKey {
    /// From a PKCS#8 `PrivateKeyInfo` (v1, or v2 whose optional public key must then be this key's) for
    /// `rsaEncryption` with NULL parameters, holding a two-prime PKCS#1 key. Attributes are ignored.
    ///
    /// # Errors
    /// [`KeyError::NotRsa`] for another algorithm, [`KeyError::Der`] for malformed DER, absent or non-NULL
    /// parameters, a multi-prime key or a negative component, then the errors of
    /// [`PublicKey::from_components`] for the public half.
    pub fn from_pkcs8_der(der: &[u8], policy: ExponentPolicy) -> Result<Self, KeyError> {
        let info = PrivateKeyInfoRef::from_der(der).map_err(|_| KeyError::Der)?;
        super::der::check_algorithm(&info.algorithm)?;
        let key = Self::from_pkcs1_der(info.private_key.as_bytes(), policy)?;
        // A v2 document (RFC 5958) may repeat the public key: it must be this key's.
        if let Some(public) = info.public_key {
            let repeated = public.as_bytes().ok_or(KeyError::Der)?;
            let (n, e) = super::der::parse_pkcs1(repeated).map_err(|_| KeyError::Der)?;
            if (n, e) != (key.public.modulus(), key.public.exponent()) {
                return Err(KeyError::Der);
            }
        }
        Ok(key)
    }

    /// From a two-prime PKCS#1 `RSAPrivateKey`.
    ///
    /// # Errors
    /// As [`PrivateKey::from_pkcs8_der`], without the algorithm checks.
    pub fn from_pkcs1_der(der: &[u8], policy: ExponentPolicy) -> Result<Self, KeyError> {
        let key = Pkcs1PrivateKey::<IntRef<'_>>::from_der(der).map_err(|_| KeyError::Der)?;
        if key.other_prime_infos.is_some() {
            return Err(KeyError::Der);
        }
        let components = [
            &key.private_exponent,
            &key.prime1,
            &key.prime2,
            &key.exponent1,
            &key.exponent2,
            &key.coefficient,
        ];
        if components.iter().any(|int| super::der::magnitude(int).is_none()) {
            return Err(KeyError::Der);
        }
        let n = super::der::magnitude(&key.modulus).ok_or(KeyError::InvalidModulus)?;
        let e = super::der::magnitude(&key.public_exponent).ok_or(KeyError::ExponentNotAllowed)?;
        let public = PublicKey::from_components(n, e, policy)?;
        let pkcs8 = wrap_pkcs8(der)?;
        Ok(Self { pkcs8, public })
    }

    /// From a PEM document ([`crate::pem`]'s strict RFC 7468): label `PRIVATE KEY` holds PKCS#8, label
    /// `RSA PRIVATE KEY` holds PKCS#1; at most [`MAX_PEM_LEN`](super::MAX_PEM_LEN) bytes. Encrypted keys are refused.
    ///
    /// # Errors
    /// [`KeyError::TooLarge`], [`KeyError::Pem`] for the armour, its base64 and any other label, then the errors
    /// of the DER readers.
    pub fn from_pem(text: &str, policy: ExponentPolicy) -> Result<Self, KeyError> {
        let (label, der) = super::read_pem(text)?;
        match label {
            PKCS8_PEM_LABEL => Self::from_pkcs8_der(&der, policy),
            PKCS1_PEM_LABEL => Self::from_pkcs1_der(&der, policy),
            _ => Err(KeyError::Pem),
        }
    }

    /// The public half.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The modulus size in bits, exactly.
    pub fn bits(&self) -> u32 {
        self.public.bits()
    }

    /// The key as canonical PKCS#8 v1 DER (`rsaEncryption`, NULL parameters), the form the providers import.
    /// Crate-private: the private key's bytes leave this crate only into a provider.
    #[cfg(any(feature = "ring", feature = "aws-lc-rs", feature = "fips"))]
    pub(crate) fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The stored CRT values `dP`, `dQ` and `qInv` (magnitudes), for a provider that recomputes them and must check
    /// that they agree. `None` is unreachable: the DER was checked when the key was read.
    #[cfg(all(feature = "ring", not(any(feature = "aws-lc-rs", feature = "fips"))))]
    pub(crate) fn stored_crt(&self) -> Option<[&[u8]; 3]> {
        let info = PrivateKeyInfoRef::from_der(&self.pkcs8).ok()?;
        let key = Pkcs1PrivateKey::<IntRef<'_>>::from_der(info.private_key.as_bytes()).ok()?;
        let magnitude = super::der::magnitude;
        Some([magnitude(&key.exponent1)?, magnitude(&key.exponent2)?, magnitude(&key.coefficient)?])
    }
}

impl core::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PrivateKey").field("bits", &self.bits()).finish_non_exhaustive()
    }
}

/// PKCS#8 v1 around a PKCS#1 key, in a wiped buffer.
fn wrap_pkcs8(pkcs1: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let private_key = OctetStringRef::new(pkcs1).map_err(|_| KeyError::Der)?;
    let info = PrivateKeyInfoRef::new(super::der::RSA_ENCRYPTION, private_key);
    // `to_der` sizes its buffer before writing, so the key is written once, into the vector wrapped here.
    info.to_der().map(Zeroizing::new).map_err(|_| KeyError::Der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_other_structures_without_echoing_them() {
        let policy = ExponentPolicy::F4Only;
        assert_eq!(PrivateKey::from_pkcs8_der(b"\x30\x00", policy).err(), Some(KeyError::Der));
        assert_eq!(PrivateKey::from_pkcs1_der(&[], policy).err(), Some(KeyError::Der));
        let public = crate::pem::encode("PUBLIC KEY", b"\x30\x00").unwrap();
        assert_eq!(PrivateKey::from_pem(&public, policy).err(), Some(KeyError::Pem));
        let encrypted = crate::pem::encode("ENCRYPTED PRIVATE KEY", b"\x30\x00").unwrap();
        assert_eq!(PrivateKey::from_pem(&encrypted, policy).err(), Some(KeyError::Pem));
    }
}
