//! A small set of keys looked up by `kid`.

use super::jwk;
use super::{KeyOptions, KeyUse, RsaPublicKey};
use crate::error::KeyError;

/// Most keys a [`KeySet`] holds. Flex publishes one key per `kid`; JWKS endpoints in the wild hold a handful.
pub const MAX_KEY_SET_LEN: usize = 64;

/// RSA public keys, each with a distinct `kid`.
///
/// Lookup is a linear scan over at most [`MAX_KEY_SET_LEN`] keys: for sets this small a scan of short `kid`
/// strings is as fast as hashing, needs no hasher seeded against attacker-chosen `kid`s, and keeps insertion
/// order for [`KeySet::iter`].
///
/// ```
/// use flex_jwt::{KeySet, KeyError};
///
/// let set = KeySet::from_jwks(r#"{"keys":[]}"#)?;
/// assert!(set.is_empty());
/// assert!(set.get("sn").is_none());
/// # Ok::<(), KeyError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeySet {
    keys: Vec<RsaPublicKey>,
}

impl KeySet {
    /// An empty set.
    pub const fn new() -> Self {
        Self { keys: Vec::new() }
    }

    /// Adds a key.
    ///
    /// # Errors
    /// [`KeyError::MissingKid`] if the key has no `kid`, [`KeyError::DuplicateKid`] if the set already holds a key
    /// with the same `kid` (the set is then unchanged), [`KeyError::TooManyKeys`] if the set is full.
    pub fn insert(&mut self, key: RsaPublicKey) -> Result<(), KeyError> {
        let kid = key.kid().ok_or(KeyError::MissingKid)?;
        if self.get(kid.as_str()).is_some() {
            return Err(KeyError::DuplicateKid);
        }
        if self.keys.len() >= MAX_KEY_SET_LEN {
            return Err(KeyError::TooManyKeys);
        }
        self.keys.push(key);
        Ok(())
    }

    /// Imports a JWK set `{"keys":[...]}` (RFC 7517 §5), accepting only `e = 65537`.
    ///
    /// Every key must pass [`RsaPublicKey::from_jwk`] and have a `kid`, and no two keys may share a `kid`: one bad
    /// key refuses the whole set (a set that mixes in a private or a non-RSA key is a configuration error, not
    /// something to skip silently). Other top-level members are ignored.
    ///
    /// # Errors
    /// The first key's [`KeyError`]; [`KeyError::MissingMember`] (`keys`) if `keys` is absent or not an array;
    /// [`KeyError::Json`] for malformed JSON or an entry that is not an object.
    pub fn from_jwks(json: &str) -> Result<Self, KeyError> {
        Self::from_jwks_with(json, &KeyOptions::new())
    }

    /// Like [`KeySet::from_jwks`], with explicit options.
    ///
    /// # Errors
    /// As [`KeySet::from_jwks`].
    pub fn from_jwks_with(json: &str, options: &KeyOptions) -> Result<Self, KeyError> {
        let entries = jwk::parse_set(json)?;
        if entries.len() > MAX_KEY_SET_LEN {
            return Err(KeyError::TooManyKeys);
        }
        let mut set = Self { keys: Vec::with_capacity(entries.len()) };
        for fields in &entries {
            set.insert(jwk::build(fields, KeyUse::Signature, options)?)?;
        }
        Ok(set)
    }

    /// The key whose `kid` is exactly `kid` (case-sensitive).
    pub fn get(&self, kid: &str) -> Option<&RsaPublicKey> {
        self.keys.iter().find(|key| key.kid().is_some_and(|k| k == kid))
    }

    /// How many keys the set holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys, in insertion order.
    pub fn iter(&self) -> core::slice::Iter<'_, RsaPublicKey> {
        self.keys.iter()
    }
}

impl<'a> IntoIterator for &'a KeySet {
    type Item = &'a RsaPublicKey;
    type IntoIter = core::slice::Iter<'a, RsaPublicKey>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}
