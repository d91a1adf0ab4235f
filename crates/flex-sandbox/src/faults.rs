//! Fault injection, so that client code can be tested against a misbehaving server.

use core::time::Duration;
use std::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, Ordering};

/// Faults to inject into the next requests. Obtained from [`RunningSandbox::faults`](crate::RunningSandbox::faults);
/// every method takes `&self` and may be called while requests are in flight.
///
/// Counters are consumed one per request, in this order: added latency (every request, not counted), dropped
/// connection, 5xx failure; then, for a successful `sessions` or `tokens` answer, a malformed JWT or a wrongly
/// signed JWT.
#[derive(Debug, Default)]
pub struct Faults {
    latency_ms: AtomicU64,
    drop_next: AtomicU32,
    fail_next: AtomicU32,
    fail_status: AtomicU16,
    malformed_jwt_next: AtomicU32,
    wrong_signature_next: AtomicU32,
}

/// What to do to one JWT answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JwtFault {
    /// Send it as is.
    None,
    /// Send something that is not a compact JWS.
    Malformed,
    /// Sign it with a key other than the one its `kid` names.
    WrongSignature,
}

fn take(counter: &AtomicU32) -> bool {
    counter.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
}

impl Faults {
    /// Delays every request by `latency` before it is handled (zero turns it off).
    pub fn set_latency(&self, latency: Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.latency_ms.store(ms, Ordering::SeqCst);
    }

    /// The next `n` requests fail with `status` (clamped to 500-599) and a Flex `responseStatus` body.
    pub fn fail_next(&self, n: u32, status: u16) {
        self.fail_status.store(status.clamp(500, 599), Ordering::SeqCst);
        self.fail_next.store(n, Ordering::SeqCst);
    }

    /// The next `n` requests get no answer: the connection is closed (HTTP/1.1) or the stream reset (HTTP/2).
    pub fn drop_next(&self, n: u32) {
        self.drop_next.store(n, Ordering::SeqCst);
    }

    /// The next `n` JWT answers (capture contexts, transient tokens) are not well-formed compact JWS.
    pub fn malformed_jwt_next(&self, n: u32) {
        self.malformed_jwt_next.store(n, Ordering::SeqCst);
    }

    /// The next `n` JWT answers carry a signature by a key other than the one their `kid` names.
    pub fn wrong_signature_next(&self, n: u32) {
        self.wrong_signature_next.store(n, Ordering::SeqCst);
    }

    /// Turns every fault off.
    pub fn clear(&self) {
        self.set_latency(Duration::ZERO);
        for c in [&self.drop_next, &self.fail_next, &self.malformed_jwt_next, &self.wrong_signature_next] {
            c.store(0, Ordering::SeqCst);
        }
    }

    pub(crate) fn latency(&self) -> Option<Duration> {
        match self.latency_ms.load(Ordering::SeqCst) {
            0 => None,
            ms => Some(Duration::from_millis(ms)),
        }
    }

    pub(crate) fn take_drop(&self) -> bool {
        take(&self.drop_next)
    }

    pub(crate) fn take_failure(&self) -> Option<u16> {
        take(&self.fail_next).then(|| self.fail_status.load(Ordering::SeqCst))
    }

    pub(crate) fn take_jwt_fault(&self) -> JwtFault {
        if take(&self.malformed_jwt_next) {
            JwtFault::Malformed
        } else if take(&self.wrong_signature_next) {
            JwtFault::WrongSignature
        } else {
            JwtFault::None
        }
    }
}
