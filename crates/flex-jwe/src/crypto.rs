//! Every `ring` call of this crate: the system CSPRNG and AES-256-GCM.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::SecureRandom as _;

use crate::random::RandomError;

/// Length of the A256GCM key (the CEK).
pub(crate) const CEK_LEN: usize = 32;
/// Length of the A256GCM IV.
pub(crate) const IV_LEN: usize = NONCE_LEN;
/// Length of the A256GCM authentication tag.
pub(crate) const TAG_LEN: usize = 16;

/// The operating system CSPRNG.
#[derive(Debug)]
pub(crate) struct SystemRng(ring::rand::SystemRandom);

impl SystemRng {
    pub(crate) fn new() -> Self {
        Self(ring::rand::SystemRandom::new())
    }

    pub(crate) fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        self.0.fill(dest).map_err(|_| RandomError)
    }
}

fn key(cek: &[u8; CEK_LEN]) -> Option<LessSafeKey> {
    UnboundKey::new(&AES_256_GCM, cek).ok().map(LessSafeKey::new)
}

/// Encrypts `in_out` in place and returns the tag. `None` only if ring refuses (input too long).
pub(crate) fn seal(
    cek: &[u8; CEK_LEN],
    iv: &[u8; IV_LEN],
    aad: &[u8],
    in_out: &mut [u8],
) -> Option<[u8; TAG_LEN]> {
    let tag = key(cek)?
        .seal_in_place_separate_tag(Nonce::assume_unique_for_key(*iv), Aad::from(aad), in_out)
        .ok()?;
    tag.as_ref().try_into().ok()
}

/// Decrypts `in_out` (= ciphertext || tag) in place and returns the plaintext length.
/// `None` if the tag does not verify.
pub(crate) fn open(cek: &[u8; CEK_LEN], iv: &[u8; IV_LEN], aad: &[u8], in_out: &mut [u8]) -> Option<usize> {
    key(cek)?
        .open_in_place(Nonce::assume_unique_for_key(*iv), Aad::from(aad), in_out)
        .ok()
        .map(|plaintext| plaintext.len())
}
