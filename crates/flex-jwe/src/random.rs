//! Randomness: a small trait so that tests can inject a deterministic source.

use core::fmt;

use flex_jose::crypto;

/// A source of cryptographically secure random bytes.
///
/// The default everywhere is [`SystemRandom`] (the operating system's CSPRNG, through the crypto provider).
/// Implement this trait only to make tests deterministic: a JWE made with a predictable source
/// leaks its content-encryption key.
pub trait RandomSource {
    /// Fills `dest` entirely with random bytes.
    ///
    /// # Errors
    /// [`RandomError`] if the source cannot produce bytes; callers abort the operation.
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError>;
}

/// The random source failed to produce bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RandomError;

impl fmt::Display for RandomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the random number generator failed")
    }
}

impl core::error::Error for RandomError {}

/// The operating system's CSPRNG (the crypto provider's, through `flex_jose::crypto::fill_random`).
#[derive(Debug, Default)]
pub struct SystemRandom {
    _stateless: (),
}

impl SystemRandom {
    /// Creates a handle to the system CSPRNG (cheap: no state, no file handle).
    pub fn new() -> Self {
        Self::default()
    }
}

impl RandomSource for SystemRandom {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        crypto::fill_random(dest).map_err(|_| RandomError)
    }
}

/// Lets the crypto provider draw from a [`RandomSource`], recording whether the source failed (to tell that
/// failure from the provider's).
pub(crate) struct ProviderRandom<'a> {
    source: &'a mut dyn RandomSource,
    pub(crate) failed: bool,
}

impl<'a> ProviderRandom<'a> {
    pub(crate) fn new(source: &'a mut dyn RandomSource) -> Self {
        Self { source, failed: false }
    }
}

impl crypto::Random for ProviderRandom<'_> {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), crypto::CryptoFailure> {
        self.source.fill(dest).map_err(|RandomError| {
            self.failed = true;
            crypto::CryptoFailure
        })
    }
}
