//! Every `ring` (and `rsa`) call of this crate: RSA key generation, RS256 signing, SHA-256, randomness; and the
//! bounded pool ([`CpuPool`]) that runs the expensive ones off the async threads.
//!
//! `ring` cannot generate RSA keys, so the pure-Rust `rsa` crate makes them and exports PKCS#8; `ring`
//! then signs with them and `flex-jwe` decrypts with them.

use core::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ring::rand::{SecureRandom as _, SystemRandom};
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rsa::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use rsa::rand_core::{TryCryptoRng, TryRng};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
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

/// Which work a [`CpuPool`] job is, for its share of the cores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lane {
    /// Capture contexts (RSA key generation, RS256 signing) and transient-token signing: reached only by an
    /// authenticated request or a live context's successful decryption.
    Contexts,
    /// JWE decryption for `POST /flex/v2/tokens`: reachable by anyone who knows a live context's kid.
    Tokens,
}

/// The CPU pool refused a job: the lane already has its most jobs waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CpuBusy;

/// Runs the CPU-heavy work (RSA key generation, RSA-OAEP decryption, RS256 signing) off the async threads, at
/// most one job per core at a time, in two lanes.
///
/// A job waits for a permit before it gets a blocking thread, so a flood of expensive requests queues here
/// instead of starting a thread each (tokio's blocking pool allows 512) and starving the cheap requests of CPU;
/// the async threads stay free to answer those meanwhile. Each lane's queue is bounded
/// ([`reserve`](Self::reserve) refuses with [`CpuBusy`] when it is full: the caller answers `503`), and
/// [`Lane::Tokens`] jobs hold at most all cores but one (at least one): a flood of JWEs leaves a core to the
/// capture contexts, and with a single core a context waits behind at most one decryption. Cheap to clone
/// (shared permits).
#[derive(Debug, Clone)]
pub(crate) struct CpuPool {
    inner: Arc<PoolInner>,
}

#[derive(Debug)]
struct PoolInner {
    /// One permit per core, for every job.
    cores: Arc<Semaphore>,
    /// The cores decryptions may hold at once.
    tokens: Arc<Semaphore>,
    /// Jobs waiting in each lane (`[Contexts, Tokens]`).
    waiting: [AtomicUsize; 2],
    /// Most jobs waiting in one lane.
    max_waiting: usize,
}

/// One waiting job in a lane's count, removed when dropped (also when the waiting request is cancelled).
struct Waiting<'p>(&'p AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A core reserved by [`CpuPool::reserve`]: run one job with it.
#[derive(Debug)]
pub(crate) struct CpuPermit {
    _core: OwnedSemaphorePermit,
    _lane: Option<OwnedSemaphorePermit>,
}

impl CpuPermit {
    /// Runs `job` on the blocking thread pool with this permit; `None` if the job panicked or the runtime is
    /// shutting down.
    pub(crate) async fn run<T, F>(self, job: F) -> Option<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        tokio::task::spawn_blocking(move || {
            let result = job();
            drop(self);
            result
        })
        .await
        .ok()
    }
}

impl CpuPool {
    /// A pool of `permits` concurrent jobs (at least one), each lane queueing at most `max_waiting` jobs.
    pub(crate) fn new(permits: usize, max_waiting: usize) -> Self {
        let permits = permits.max(1);
        Self {
            inner: Arc::new(PoolInner {
                cores: Arc::new(Semaphore::new(permits)),
                tokens: Arc::new(Semaphore::new(permits.saturating_sub(1).max(1))),
                waiting: [AtomicUsize::new(0), AtomicUsize::new(0)],
                max_waiting,
            }),
        }
    }

    /// A pool as large as the machine's parallelism.
    pub(crate) fn per_core(max_waiting: usize) -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, usize::from), max_waiting)
    }

    /// Waits for a core for one job of `lane`; [`CpuBusy`] at once if `max_waiting` jobs of that lane are
    /// already waiting. The permit is the caller's to check, after the wait, that the job is still worth
    /// running.
    pub(crate) async fn reserve(&self, lane: Lane) -> Result<CpuPermit, CpuBusy> {
        let inner = &*self.inner;
        let counter = match lane {
            Lane::Contexts => &inner.waiting[0],
            Lane::Tokens => &inner.waiting[1],
        };
        if counter.fetch_add(1, Ordering::AcqRel) >= inner.max_waiting {
            counter.fetch_sub(1, Ordering::AcqRel);
            return Err(CpuBusy);
        }
        let _waiting = Waiting(counter);
        // The semaphores are never closed, so acquiring fails only if that changes; treat it as busy.
        let lane_permit = match lane {
            Lane::Contexts => None,
            Lane::Tokens => Some(Arc::clone(&inner.tokens).acquire_owned().await.map_err(|_| CpuBusy)?),
        };
        let core = Arc::clone(&inner.cores).acquire_owned().await.map_err(|_| CpuBusy)?;
        Ok(CpuPermit { _core: core, _lane: lane_permit })
    }

    /// Runs `job` in the [`Lane::Contexts`] lane once a core is free; `None` if the lane's queue is full, the
    /// job panicked or the runtime is shutting down.
    pub(crate) async fn run<T, F>(&self, job: F) -> Option<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.reserve(Lane::Contexts).await.ok()?.run(job).await
    }

    /// Whether `lane` has its most jobs waiting (a new one would be refused).
    pub(crate) fn is_full(&self, lane: Lane) -> bool {
        let counter = match lane {
            Lane::Contexts => &self.inner.waiting[0],
            Lane::Tokens => &self.inner.waiting[1],
        };
        counter.load(Ordering::Acquire) >= self.inner.max_waiting
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
