//! RSA public keys, validated once at import (bit-exact size, exponent policy), then used for every verify.
//!
//! Importers: JWK ([`RsaPublicKey::from_jwk`]), PKCS#1 and SPKI DER, PEM, raw components, and the Flex
//! capture-context key ([`RsaPublicKey::from_flex_capture_context_jwk`]). The key itself, its DER, PEM and
//! `n`/`e` parsing and its size, exponent and ROCA policy are flex-jose's `rsa::PublicKey`, the SDK's one RSA
//! public-key parser; this module adds the JWK document rules (`kty`, `use`, `key_ops`, `alg`, `kid`) and the
//! `kid` and algorithm binding.

mod jwk;
mod set;

pub use set::{KeySet, MAX_KEY_SET_LEN};

use flex_jose::rsa::{self, PublicKey};

use crate::alg::Algorithm;
use crate::crypto;
use crate::error::{Error, KeyError};
use crate::kid::Kid;

// The size, exponent and ROCA policy is flex-jose's, shared with flex-jwe's recipient keys and flex-auth.
pub use flex_jose::rsa::{ExponentPolicy, MAX_MODULUS_BITS, MIN_MODULUS_BITS};

/// What a key may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyUse {
    /// A signature-verification key (`use` absent or `"sig"`).
    Signature,
    /// Flex's capture-context `flx.jwk` (`"use":"enc"`), accepted only through the named opt-in because Flex signs
    /// the transient token with it.
    FlexTransientTokenSigning,
}

impl KeyUse {
    /// The JWK `use` value of such a key.
    pub(crate) const fn jwk_use(self) -> &'static str {
        match self {
            Self::Signature => "sig",
            Self::FlexTransientTokenSigning => "enc",
        }
    }
}

/// Options for importing a JWK or a JWK set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct KeyOptions {
    /// Which public exponents are accepted (default: only 65537).
    pub exponent_policy: ExponentPolicy,
}

impl KeyOptions {
    /// The defaults: `e = 65537` only.
    pub const fn new() -> Self {
        Self { exponent_policy: ExponentPolicy::F4Only }
    }

    /// Sets the exponent policy.
    #[must_use]
    pub const fn with_exponent_policy(mut self, policy: ExponentPolicy) -> Self {
        self.exponent_policy = policy;
        self
    }
}

/// A validated RSA public key: modulus `2048..=8192` bits exactly, exponent within policy,
/// optionally bound to a `kid` and an algorithm.
///
/// Equality compares the key, `kid`, algorithm and use. With the `aws-lc-rs` provider the key is prepared for
/// the provider on its first verification and reused by every later one, clones included.
#[derive(Clone)]
pub struct RsaPublicKey {
    key: PublicKey,
    kid: Option<Kid>,
    alg: Option<Algorithm>,
    usage: KeyUse,
    verifier: crypto::RsaVerifyingKey,
}

impl PartialEq for RsaPublicKey {
    fn eq(&self, other: &Self) -> bool {
        (&self.key, &self.kid, self.alg, self.usage) == (&other.key, &other.kid, other.alg, other.usage)
    }
}

impl Eq for RsaPublicKey {}

impl RsaPublicKey {
    /// Builds a key from big-endian modulus and exponent bytes (leading zero bytes are stripped), checking the
    /// modulus size bit-exactly, that it is odd, the exponent against `policy`, and that the modulus does not
    /// have the ROCA fingerprint (CVE-2017-15361: Infineon RSALib keys whose private key can be computed).
    ///
    /// # Errors
    /// [`KeyError::ModulusTooSmall`], [`KeyError::ModulusTooLarge`], [`KeyError::InvalidModulus`],
    /// [`KeyError::ExponentNotAllowed`] or [`KeyError::RocaFingerprint`].
    pub fn from_components(n: &[u8], e: &[u8], policy: ExponentPolicy) -> Result<Self, KeyError> {
        PublicKey::from_components(n, e, policy).map(Self::from).map_err(key_error)
    }

    /// Binds the key to a `kid` (used by key sets).
    #[must_use]
    pub fn with_kid(mut self, kid: Kid) -> Self {
        self.kid = Some(kid);
        self
    }

    /// Binds the key to one algorithm: a token whose header names another one is refused.
    #[must_use]
    pub fn with_algorithm(mut self, alg: Algorithm) -> Self {
        self.alg = Some(alg);
        self
    }

    /// The modulus length in bits (exact).
    pub fn bits(&self) -> u32 {
        self.key.bits()
    }

    /// The key's `kid`, if it has one.
    pub fn kid(&self) -> Option<&Kid> {
        self.kid.as_ref()
    }

    /// The algorithm the key is bound to, if any.
    pub fn algorithm(&self) -> Option<Algorithm> {
        self.alg
    }

    /// What the key may be used for.
    pub fn usage(&self) -> KeyUse {
        self.usage
    }

    /// Big-endian modulus, no leading zeros.
    pub fn modulus(&self) -> &[u8] {
        self.key.modulus()
    }

    /// Big-endian public exponent, no leading zeros.
    pub fn exponent(&self) -> &[u8] {
        self.key.exponent()
    }

    /// The key as flex-jose's RSA public key (the SDK's one key type below the JOSE layers; `flex-jwe` builds
    /// its recipient keys from it).
    pub fn as_jose(&self) -> &PublicKey {
        &self.key
    }

    /// Imports an RSA public key from a JWK (RFC 7517, RFC 7518 §6.3.1), accepting only `e = 65537`.
    ///
    /// Rules, checked in this order:
    /// - strict JSON: an object, no duplicate member names at any depth, nesting at most 8, at most 16 KiB;
    /// - `kty` is exactly `"RSA"`;
    /// - no private members (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`), whatever their values;
    /// - `use` absent or `"sig"` (Flex's `"enc"` key has its own importer,
    ///   [`RsaPublicKey::from_flex_capture_context_jwk_json`]);
    /// - `key_ops` absent, or an array of distinct strings containing `"verify"`;
    /// - `alg` absent, or `RS256`/`RS384`/`RS512`, which then binds the key to that algorithm;
    /// - `kid` absent, or a valid [`Kid`], which the key then carries;
    /// - `n` and `e` strict unpadded base64url in the minimum number of octets: a zero octet prefixed to `n`
    ///   (RFC 7518 §6.3.1.1) is refused, not stripped;
    /// - the size and exponent rules of [`RsaPublicKey::from_components`].
    ///
    /// Unknown members (`x5c`, `x5t`, ...) are ignored.
    ///
    /// ```
    /// use flex_jwt::{KeyError, RsaPublicKey};
    ///
    /// let err = RsaPublicKey::from_jwk(r#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}"#).unwrap_err();
    /// assert_eq!(err, KeyError::NotRsa);
    /// ```
    ///
    /// # Errors
    /// The [`KeyError`] of the first rule that fails.
    pub fn from_jwk(json: &str) -> Result<Self, KeyError> {
        Self::from_jwk_with(json, &KeyOptions::new())
    }

    /// Like [`RsaPublicKey::from_jwk`], with explicit options.
    ///
    /// # Errors
    /// As [`RsaPublicKey::from_jwk`].
    pub fn from_jwk_with(json: &str, options: &KeyOptions) -> Result<Self, KeyError> {
        jwk::build(&jwk::parse(json)?, KeyUse::Signature, options)
    }

    /// Imports the capture context's `flx.jwk`: the ONE importer that accepts `"use":"enc"`.
    ///
    /// Flex publishes this key in the capture context for encrypting card data, with `"use":"enc"`, and then
    /// signs the transient token with the matching private key: the Flex documentation verifies the transient
    /// token "using the public key embedded within the capture context", i.e. `flx.jwk`. Verifying with it is
    /// therefore correct for exactly that case, and RFC 7517's `use` rule would otherwise refuse it. This
    /// importer makes the exception explicit and named instead of relaxing [`RsaPublicKey::from_jwk`]:
    ///
    /// - `use` must be `"enc"` or absent (`"sig"` is refused: that key belongs to the ordinary importers);
    /// - `kid` is required (the transient token's header names it);
    /// - every other rule of [`RsaPublicKey::from_jwk`] applies unchanged (`kty`, private members, `key_ops`,
    ///   `alg`, base64url, size, `e = 65537`);
    /// - the key is marked [`KeyUse::FlexTransientTokenSigning`], so callers can see where it came from.
    ///
    /// Only use it for a capture context whose own signature was verified first.
    ///
    /// # Errors
    /// As [`RsaPublicKey::from_jwk`], plus [`KeyError::MissingKid`] without a `kid`.
    pub fn from_flex_capture_context_jwk(jwk: &flex_types::RsaJwk<'_>) -> Result<Self, KeyError> {
        let fields = jwk::Fields::from_typed(jwk);
        jwk::build(&fields, KeyUse::FlexTransientTokenSigning, &KeyOptions::new())
    }

    /// Like [`RsaPublicKey::from_flex_capture_context_jwk`], from the JSON text of `flx.jwk`, parsed as strictly
    /// as [`RsaPublicKey::from_jwk`].
    ///
    /// ```
    /// use flex_jwt::{KeyError, KeyUse, RsaPublicKey};
    ///
    /// // Flex's `flx.jwk` says "use":"enc": the ordinary importer refuses it, the named opt-in accepts it.
    /// # let n = "yJ6eVvXXW3foAg6IKgaW1kDfL46Vk2-JGG7SNYEl_z-3jU19CWS-UTlTCI7TTiQiMs5qj1FmVNpTQYsNopcODKQPSwc7U64enUqLazxUwSweTwV2ctwtcvUknJpRfx9Xe2yBH-zHUhmEFuf3jRfmcsef5tlrgKLWopfE_67IiM6fUtQ43NkV4eZq8UKZGv7G4oALevu-T1FUuZgkYlDvZLpll0bQjou5N06Ztnul03kHB3oNuyeip5gXxXrn5y3JPeIHe5KGEjDyHWM4EQZLey5Ytv8rdlyz5igiA8LJs_QpnXg5OVxaKA0dnze2IAxdiAYn7MUO8J1jM8hXJto0nw";
    /// let json = format!(r#"{{"kty":"RSA","e":"AQAB","use":"enc","n":"{n}","kid":"00nMfpbP967J85ALZDXSO6mdsYcD3ZoG"}}"#);
    /// assert_eq!(RsaPublicKey::from_jwk(&json).unwrap_err(), KeyError::WrongUse);
    /// let key = RsaPublicKey::from_flex_capture_context_jwk_json(&json)?;
    /// assert_eq!(key.usage(), KeyUse::FlexTransientTokenSigning);
    /// assert_eq!(key.bits(), 2048);
    /// # Ok::<(), KeyError>(())
    /// ```
    ///
    /// # Errors
    /// As [`RsaPublicKey::from_flex_capture_context_jwk`].
    pub fn from_flex_capture_context_jwk_json(json: &str) -> Result<Self, KeyError> {
        jwk::build(&jwk::parse(json)?, KeyUse::FlexTransientTokenSigning, &KeyOptions::new())
    }

    /// The public key as a JWK: `kty`, `use` (`"sig"`, or `"enc"` for the Flex capture-context key), `alg` and
    /// `kid` when bound, `n`, `e`. The output re-imports with the importer that produced the key.
    pub fn to_jwk_json(&self) -> String {
        let usage = self.usage.jwk_use();
        let alg = self.alg.map(|alg| format!(r#","alg":"{alg}""#)).unwrap_or_default();
        // A Kid is [A-Za-z0-9._-] only, so it needs no JSON escaping.
        let kid = self.kid.map(|kid| format!(r#","kid":"{kid}""#)).unwrap_or_default();
        let (n, e) = (crate::b64::encode(self.modulus()), crate::b64::encode(self.exponent()));
        format!(r#"{{"kty":"RSA","use":"{usage}"{alg}{kid},"n":"{n}","e":"{e}"}}"#)
    }

    /// Imports a PKCS#1 `RSAPublicKey` (DER), accepting only `e = 65537`.
    ///
    /// The DER must be strict: definite minimal lengths, minimal non-negative INTEGERs, no trailing bytes.
    ///
    /// # Errors
    /// [`KeyError::Der`] for malformed DER, [`KeyError::InvalidModulus`] for a negative or even modulus,
    /// and the size and exponent errors of [`RsaPublicKey::from_components`].
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, KeyError> {
        Self::from_pkcs1_der_with(der, ExponentPolicy::F4Only)
    }

    /// Like [`RsaPublicKey::from_pkcs1_der`], with an explicit exponent policy.
    ///
    /// # Errors
    /// As [`RsaPublicKey::from_pkcs1_der`].
    pub fn from_pkcs1_der_with(der: &[u8], policy: ExponentPolicy) -> Result<Self, KeyError> {
        PublicKey::from_pkcs1_der(der, policy).map(Self::from).map_err(key_error)
    }

    /// Imports an X.509 `SubjectPublicKeyInfo` (DER) for `rsaEncryption` (OID 1.2.840.113549.1.1.1, NULL
    /// parameters), accepting only `e = 65537`.
    ///
    /// # Errors
    /// [`KeyError::NotRsa`] for another algorithm OID (EC, Ed25519, RSASSA-PSS, ...), [`KeyError::Der`] for
    /// malformed DER or missing/non-NULL parameters, and the errors of [`RsaPublicKey::from_pkcs1_der`].
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        Self::from_spki_der_with(der, ExponentPolicy::F4Only)
    }

    /// Like [`RsaPublicKey::from_spki_der`], with an explicit exponent policy.
    ///
    /// # Errors
    /// As [`RsaPublicKey::from_spki_der`].
    pub fn from_spki_der_with(der: &[u8], policy: ExponentPolicy) -> Result<Self, KeyError> {
        PublicKey::from_spki_der(der, policy).map(Self::from).map_err(key_error)
    }

    /// Imports a PEM public key, accepting only `e = 65537`: label `RSA PUBLIC KEY` holds PKCS#1, label
    /// `PUBLIC KEY` holds SPKI.
    ///
    /// The armour is RFC 7468 strict: one BEGIN line, base64 lines (standard alphabet with `=` padding) of exactly
    /// 64 characters except the last, a matching END line; LF or CRLF. Whitespace around the whole document is
    /// ignored; explanatory text, headers and other labels (certificates, private keys) are refused.
    ///
    /// # Errors
    /// [`KeyError::Pem`] for the armour and its base64, then the errors of the DER importers.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        Self::from_pem_with(pem, ExponentPolicy::F4Only)
    }

    /// Like [`RsaPublicKey::from_pem`], with an explicit exponent policy.
    ///
    /// # Errors
    /// As [`RsaPublicKey::from_pem`].
    pub fn from_pem_with(pem: &str, policy: ExponentPolicy) -> Result<Self, KeyError> {
        PublicKey::from_pem(pem, policy).map(Self::from).map_err(key_error)
    }

    /// The key as PKCS#1 `RSAPublicKey` DER (what `ring` and `openssl rsa -RSAPublicKey_in` take).
    pub fn to_pkcs1_der(&self) -> Vec<u8> {
        self.key.to_pkcs1_der()
    }

    /// The key as X.509 `SubjectPublicKeyInfo` DER (`rsaEncryption`).
    pub fn to_spki_der(&self) -> Vec<u8> {
        self.key.to_spki_der()
    }

    /// The key as a `PUBLIC KEY` (SPKI) PEM document with LF line ends.
    pub fn to_pem(&self) -> String {
        self.key.to_pem()
    }

    /// Verifies an RSASSA-PKCS1-v1_5 signature over `message` (raw bytes, e.g. a JWS signing input).
    ///
    /// This is the primitive under JWT verification, for JWS-layer users; it checks no header and no claim.
    ///
    /// # Errors
    /// [`Error::KeyAlgorithmMismatch`] if the key is bound to another algorithm, [`Error::InvalidSignature`] if
    /// the signature does not verify (wrong length included).
    pub fn verify_pkcs1(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        if self.alg.is_some_and(|bound| bound != alg) {
            return Err(Error::KeyAlgorithmMismatch);
        }
        self.verifier.verify(alg.pkcs1_digest(), message, signature).map_err(|_| Error::InvalidSignature)
    }
}

impl From<PublicKey> for RsaPublicKey {
    /// A key flex-jose already parsed and checked, without `kid`, algorithm binding or use restriction.
    fn from(key: PublicKey) -> Self {
        let verifier = crypto::RsaVerifyingKey::new(&key);
        Self { key, kid: None, alg: None, usage: KeyUse::Signature, verifier }
    }
}

impl core::fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("bits", &self.bits())
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("usage", &self.usage)
            .finish_non_exhaustive()
    }
}

/// flex-jose's refusal as this crate's [`KeyError`] (the same names).
fn key_error(refused: rsa::KeyError) -> KeyError {
    match refused {
        rsa::KeyError::Der => KeyError::Der,
        rsa::KeyError::Pem => KeyError::Pem,
        rsa::KeyError::Base64 => KeyError::Base64,
        rsa::KeyError::NotRsa => KeyError::NotRsa,
        rsa::KeyError::TooLarge => KeyError::TooLarge,
        rsa::KeyError::ModulusTooSmall { bits } => KeyError::ModulusTooSmall { bits },
        rsa::KeyError::ModulusTooLarge { bits } => KeyError::ModulusTooLarge { bits },
        rsa::KeyError::InvalidModulus => KeyError::InvalidModulus,
        rsa::KeyError::RocaFingerprint => KeyError::RocaFingerprint,
        // `ExponentNotAllowed`, and any rule a later flex-jose adds: a key outside the policy.
        _ => KeyError::ExponentNotAllowed,
    }
}
