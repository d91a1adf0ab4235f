//! Every `ring` (and `rsa`) call of this crate: RSA key generation, RS256 signing, SHA-256, randomness; and the
//! bounded pool ([`CpuPool`]) that runs the expensive ones off the async threads.
//!
//! `ring` cannot generate RSA keys, so the pure-Rust `rsa` crate makes them and exports PKCS#8; `ring`
//! then signs with them and `flex-jwe` decrypts with them.

use core::fmt;
use std::sync::Arc;

use ring::rand::{SecureRandom as _, SystemRandom};
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rsa::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use rsa::rand_core::{TryCryptoRng, TryRng};
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

use crate::error::SandboxError;

/// RSA modulus size of every generated key (the size of real capture-context keys).
pub(crate) const KEY_BITS: usize = 2048;

/// The random source failed.
#[derive(Debug)]
struct RngFailed;

impl fmt::Display for RngFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("system random number generator failed")
    }
}

impl core::error::Error for RngFailed {}

/// Lets `rsa` draw from ring's system CSPRNG.
struct Rng(SystemRandom);

impl TryRng for Rng {
    type Error = RngFailed;

    fn try_next_u32(&mut self) -> Result<u32, RngFailed> {
        let mut bytes = [0u8; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, RngFailed> {
        let mut bytes = [0u8; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), RngFailed> {
        self.0.fill(dst).map_err(|_| RngFailed)
    }
}

impl TryCryptoRng for Rng {}

/// One RSA key pair, usable both to decrypt JWEs (`flex-jwe`) and to sign RS256 (`ring`).
///
/// Not `Clone`; shared through `Arc`. The private halves zeroize themselves on drop (`rsa` and `ring`).
pub(crate) struct KeyMaterial {
    decrypt: flex_jwe::DecryptionKey,
    signer: RsaKeyPair,
    n: String,
    e: String,
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyMaterial")
            .field("bits", &(self.signer.public().modulus_len() * 8))
            .finish_non_exhaustive()
    }
}

impl KeyMaterial {
    /// A fresh RSA-2048 key (slow: tens to hundreds of milliseconds; call it off the async threads).
    pub(crate) fn generate() -> Result<Self, SandboxError> {
        let key = rsa::PrivateKey::new(&mut Rng(SystemRandom::new()), KEY_BITS)
            .map_err(|_| SandboxError::KeyGeneration)?;
        let der = key.to_pkcs8_der().map_err(|_| SandboxError::KeyGeneration)?;
        Self::from_pkcs8_der(der.as_bytes())
    }

    /// From a PKCS#8 DER private key.
    pub(crate) fn from_pkcs8_der(der: &[u8]) -> Result<Self, SandboxError> {
        let decrypt = flex_jwe::DecryptionKey::from_pkcs8_der(der).map_err(|_| SandboxError::InvalidKey)?;
        let signer = RsaKeyPair::from_pkcs8(der).map_err(|_| SandboxError::InvalidKey)?;
        let n = decrypt.public_n();
        let e = decrypt.public_e();
        Ok(Self { decrypt, signer, n, e })
    }

    /// From a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`).
    pub(crate) fn from_pkcs8_pem(pem: &str) -> Result<Self, SandboxError> {
        let key = rsa::PrivateKey::from_pkcs8_pem(pem).map_err(|_| SandboxError::InvalidKey)?;
        let der = key.to_pkcs8_der().map_err(|_| SandboxError::InvalidKey)?;
        Self::from_pkcs8_der(der.as_bytes())
    }

    /// The JWE decryption key.
    pub(crate) fn decryption(&self) -> &flex_jwe::DecryptionKey {
        &self.decrypt
    }

    /// The public modulus, base64url (JWK `n`).
    pub(crate) fn n(&self) -> &str {
        &self.n
    }

    /// The public exponent, base64url (JWK `e`).
    pub(crate) fn e(&self) -> &str {
        &self.e
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message`.
    pub(crate) fn sign_rs256(&self, message: &[u8]) -> Result<Vec<u8>, SandboxError> {
        let mut signature = vec![0u8; self.signer.public().modulus_len()];
        self.signer
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut signature)
            .map_err(|_| SandboxError::Signing)?;
        Ok(signature)
    }
}

/// Runs the CPU-heavy work (RSA key generation, RSA-OAEP decryption, RS256 signing) off the async threads, at
/// most `permits` jobs at a time.
///
/// A job waits for a permit before it gets a blocking thread, so a flood of expensive requests queues here
/// instead of starting a thread each (tokio's blocking pool allows 512) and starving the cheap requests of CPU;
/// the async threads stay free to answer those meanwhile. Cheap to clone (shared permits).
#[derive(Debug, Clone)]
pub(crate) struct CpuPool {
    permits: Arc<Semaphore>,
}

impl CpuPool {
    /// A pool of `permits` concurrent jobs (at least one).
    pub(crate) fn new(permits: usize) -> Self {
        Self { permits: Arc::new(Semaphore::new(permits.max(1))) }
    }

    /// A pool as large as the machine's parallelism.
    pub(crate) fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, usize::from))
    }

    /// Runs `job` on the blocking thread pool once a permit is free; `None` if the job panicked or the runtime
    /// is shutting down.
    pub(crate) async fn run<T, F>(&self, job: F) -> Option<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        // The semaphore is never closed, so acquiring fails only if that changes; treat it as a failed job.
        let permit = Arc::clone(&self.permits).acquire_owned().await.ok()?;
        tokio::task::spawn_blocking(move || {
            let result = job();
            drop(permit);
            result
        })
        .await
        .ok()
    }
}

/// SHA-256 of `data`.
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    // Invariant: a SHA-256 digest is always 32 bytes, so the lengths match and this cannot panic.
    out.copy_from_slice(digest.as_ref());
    out
}

/// Constant-time equality (for digests of issued contexts).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `len` random bytes from the system CSPRNG, zeroized on drop.
pub(crate) fn random_bytes(len: usize) -> Result<Zeroizing<Vec<u8>>, SandboxError> {
    let mut out = Zeroizing::new(vec![0u8; len]);
    SystemRandom::new().fill(&mut out).map_err(|_| SandboxError::Random)?;
    Ok(out)
}

/// A random string of `len` characters drawn uniformly from `alphabet` (at most 64 symbols).
pub(crate) fn random_string(len: usize, alphabet: &[u8]) -> Result<String, SandboxError> {
    let mut out = String::with_capacity(len);
    let rng = SystemRandom::new();
    let mut buf = [0u8; 64];
    while out.len() < len {
        rng.fill(&mut buf).map_err(|_| SandboxError::Random)?;
        for b in buf {
            // Rejection sampling on 6 bits keeps the distribution uniform.
            if let Some(&c) = alphabet.get(usize::from(b & 0x3f))
                && out.len() < len
            {
                out.push(char::from(c));
            }
        }
    }
    Ok(out)
}
