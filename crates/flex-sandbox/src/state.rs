//! The bounded in-memory session store.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use flex_types::FieldPath;

use crate::crypto::KeyMaterial;

/// One issued capture context, keyed by its `flx.jwk.kid`.
#[derive(Debug)]
pub(crate) struct Session {
    /// SHA-256 of the compact capture context as issued.
    pub(crate) context_digest: [u8; 32],
    /// The session's RSA key (decrypts the JWE, signs the transient token).
    pub(crate) key: Arc<KeyMaterial>,
    /// Who asked for it (for logs).
    pub(crate) merchant_id: String,
    pub(crate) required: Vec<FieldPath>,
    pub(crate) optional: Vec<FieldPath>,
    pub(crate) exp: i64,
    /// Set once a transient token has been issued for it.
    pub(crate) used: bool,
}

/// Why a session cannot be consumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unusable {
    Unknown,
    Expired,
    Used,
}

/// Sessions by kid, plus their insertion order for expiry (the lifetime is fixed, so insertion order is
/// expiry order for a clock that does not go backwards).
#[derive(Debug)]
pub(crate) struct Sessions {
    map: HashMap<String, Session>,
    order: VecDeque<(i64, String)>,
    max: usize,
    /// Expired sessions are kept this long past `exp` (for a precise "expired" answer) unless room is needed.
    grace: i64,
}

impl Sessions {
    pub(crate) fn new(max: usize, grace: i64) -> Self {
        Self { map: HashMap::new(), order: VecDeque::new(), max, grace }
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    fn evict_while(&mut self, mut expired: impl FnMut(i64) -> bool) {
        while let Some((exp, _)) = self.order.front() {
            if !expired(*exp) {
                break;
            }
            if let Some((_, kid)) = self.order.pop_front() {
                self.map.remove(&kid);
            }
        }
    }

    /// Drops sessions long expired, then, if full, any expired session. Whether there is room for one more.
    pub(crate) fn make_room(&mut self, now: i64) -> bool {
        let grace = self.grace;
        self.evict_while(|exp| exp.saturating_add(grace) < now);
        if self.map.len() >= self.max {
            self.evict_while(|exp| exp <= now);
        }
        self.map.len() < self.max
    }

    /// Stores a session (call [`make_room`](Self::make_room) first).
    pub(crate) fn insert(&mut self, kid: String, session: Session) {
        self.order.push_back((session.exp, kid.clone()));
        self.map.insert(kid, session);
    }

    /// The session for `kid`, usable or not.
    pub(crate) fn get(&self, kid: &str) -> Option<&Session> {
        self.map.get(kid)
    }

    /// Checks that the session exists, is unexpired and unused; marks it used when `consume` is set.
    pub(crate) fn check(&mut self, kid: &str, now: i64, consume: bool) -> Result<(), Unusable> {
        let session = self.map.get_mut(kid).ok_or(Unusable::Unknown)?;
        if now > session.exp {
            return Err(Unusable::Expired);
        }
        if session.used {
            return Err(Unusable::Used);
        }
        if consume {
            session.used = true;
        }
        Ok(())
    }
}

/// The `jti`s of recently accepted authentication JWTs, so that a captured request cannot be replayed while
/// its token is still acceptable. Bounded: when full, the oldest entry is forgotten.
#[derive(Debug)]
pub(crate) struct ReplayCache {
    seen: HashMap<String, i64>,
    order: VecDeque<(i64, String)>,
    max: usize,
}

impl ReplayCache {
    pub(crate) fn new(max: usize) -> Self {
        Self { seen: HashMap::new(), order: VecDeque::new(), max }
    }

    /// Records `jti` as used until `forget_after`; false if it was already recorded (a replay).
    pub(crate) fn first_use(&mut self, jti: &str, now: i64, forget_after: i64) -> bool {
        while let Some((until, _)) = self.order.front() {
            if *until >= now && self.order.len() < self.max {
                break;
            }
            if let Some((_, old)) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        if self.seen.contains_key(jti) {
            return false;
        }
        self.seen.insert(jti.to_owned(), forget_after);
        self.order.push_back((forget_after, jti.to_owned()));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_cache_remembers_until_expiry_and_stays_bounded() {
        let mut cache = ReplayCache::new(2);
        assert!(cache.first_use("a", 100, 200));
        assert!(!cache.first_use("a", 150, 250));
        assert!(cache.first_use("b", 150, 250));
        assert!(cache.first_use("c", 150, 250), "full: the oldest is forgotten");
        assert!(cache.first_use("a", 150, 250));
        assert!(cache.first_use("d", 300, 400));
        assert!(cache.first_use("b", 301, 400), "expired entries are forgotten");
        assert!(cache.seen.len() <= 2);
    }
}
