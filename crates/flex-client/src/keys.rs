//! The public-key cache, keyed by (API host, kid): single-flight misses, a TTL, a bounded size, and a
//! rate limit on asking again for a kid the server said does not exist.

use core::future::Future;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use flex_jwt::{Kid, RsaPublicKey};

use crate::config::KeyCachePolicy;
use crate::error::Error;

type CacheKey = (Arc<str>, Kid);

enum Slot {
    Ready {
        key: Arc<RsaPublicKey>,
        at: Instant,
    },
    /// The last fetch failed. Callers that were already waiting share the error; a 404 also blocks new
    /// fetches for [`KeyCachePolicy::unknown_kid_interval`].
    Failed {
        error: Error,
        at: Instant,
        not_found: bool,
    },
}

/// Counters of the public-key cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct KeyCacheStats {
    /// Requests sent to `GET /flex/v2/public-keys/{kid}` (one per miss, whatever the outcome).
    pub fetches: u64,
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Keys currently cached.
    pub entries: usize,
}

/// A key handed out by the cache, and whether it was fetched after the caller asked (so a verification
/// failure with it is final, not a reason to refetch).
pub(crate) struct CachedKey {
    pub(crate) key: Arc<RsaPublicKey>,
    pub(crate) fresh: bool,
}

pub(crate) struct KeyCache {
    policy: KeyCachePolicy,
    slots: Mutex<HashMap<CacheKey, Slot>>,
    locks: Mutex<HashMap<CacheKey, Arc<tokio::sync::Mutex<()>>>>,
    fetches: AtomicU64,
    hits: AtomicU64,
}

impl core::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyCache").field("policy", &self.policy).field("stats", &self.stats()).finish()
    }
}

enum Lookup {
    Hit(Arc<RsaPublicKey>, Instant),
    Failed(Error),
    Miss,
}

impl KeyCache {
    pub(crate) fn new(policy: KeyCachePolicy) -> Self {
        Self {
            policy,
            slots: Mutex::new(HashMap::new()),
            locks: Mutex::new(HashMap::new()),
            fetches: AtomicU64::new(0),
            hits: AtomicU64::new(0),
        }
    }

    pub(crate) fn stats(&self) -> KeyCacheStats {
        let entries = self.slots().values().filter(|s| matches!(s, Slot::Ready { .. })).count();
        KeyCacheStats {
            fetches: self.fetches.load(Ordering::Relaxed),
            hits: self.hits.load(Ordering::Relaxed),
            entries,
        }
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<CacheKey, Slot>> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What the cache says now; `waiting_since` lets callers that queued behind a failed fetch share its error.
    fn lookup(&self, key: &CacheKey, waiting_since: Option<Instant>) -> Lookup {
        let slots = self.slots();
        match slots.get(key) {
            Some(Slot::Ready { key, at }) if at.elapsed() < self.policy.ttl => {
                Lookup::Hit(Arc::clone(key), *at)
            }
            Some(Slot::Failed { error, at, not_found }) => {
                let shared = waiting_since.is_some_and(|since| *at >= since);
                let rate_limited = *not_found && at.elapsed() < self.policy.unknown_kid_interval;
                if shared || rate_limited { Lookup::Failed(error.clone()) } else { Lookup::Miss }
            }
            _ => Lookup::Miss,
        }
    }

    /// The key for (`host`, `kid`), fetching it with `fetch` on a miss. Concurrent misses for the same key
    /// make one fetch; the others wait for it and share its result.
    pub(crate) async fn get<F, Fut>(&self, host: &Arc<str>, kid: &Kid, fetch: F) -> Result<CachedKey, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<RsaPublicKey, Error>>,
    {
        let cache_key: CacheKey = (Arc::clone(host), *kid);
        let asked = Instant::now();
        match self.lookup(&cache_key, None) {
            Lookup::Hit(key, _) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Ok(CachedKey { key, fresh: false });
            }
            Lookup::Failed(error) => return Err(error),
            Lookup::Miss => {}
        }
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(locks.entry(cache_key.clone()).or_default())
        };
        let _guard = lock.lock().await;
        // Someone else may have fetched (or failed) while this caller waited.
        match self.lookup(&cache_key, Some(asked)) {
            Lookup::Hit(key, at) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Ok(CachedKey { key, fresh: at >= asked });
            }
            Lookup::Failed(error) => return Err(error),
            Lookup::Miss => {}
        }
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let result = fetch().await;
        let now = Instant::now();
        let outcome = match result {
            Ok(key) => {
                let key = Arc::new(key);
                self.insert(cache_key.clone(), Slot::Ready { key: Arc::clone(&key), at: now });
                Ok(CachedKey { key, fresh: true })
            }
            Err(error) => {
                let not_found = error.status() == Some(404);
                self.insert(cache_key.clone(), Slot::Failed { error: error.clone(), at: now, not_found });
                Err(error)
            }
        };
        // Later callers find the slot; the lock entry is no longer needed (a caller that still holds a clone
        // re-checks the slot under it, so no second fetch can start).
        self.locks.lock().unwrap_or_else(PoisonError::into_inner).remove(&cache_key);
        outcome
    }

    /// Drops the cached key for (`host`, `kid`) if it is still `stale` (so that, of many callers that saw the
    /// same bad key, only the first causes a refetch).
    pub(crate) fn invalidate(&self, host: &Arc<str>, kid: &Kid, stale: &Arc<RsaPublicKey>) {
        let cache_key: CacheKey = (Arc::clone(host), *kid);
        let mut slots = self.slots();
        if matches!(slots.get(&cache_key), Some(Slot::Ready { key, .. }) if Arc::ptr_eq(key, stale)) {
            slots.remove(&cache_key);
        }
    }

    fn insert(&self, cache_key: CacheKey, slot: Slot) {
        let mut slots = self.slots();
        let capacity = self.policy.capacity.max(1);
        if !slots.contains_key(&cache_key) && slots.len() >= capacity {
            let (ttl, interval) = (self.policy.ttl, self.policy.unknown_kid_interval);
            slots.retain(|_, s| match s {
                Slot::Ready { at, .. } => at.elapsed() < ttl,
                Slot::Failed { at, not_found, .. } => *not_found && at.elapsed() < interval,
            });
            while slots.len() >= capacity {
                let oldest = slots
                    .iter()
                    .min_by_key(|(_, s)| match s {
                        Slot::Ready { at, .. } | Slot::Failed { at, .. } => *at,
                    })
                    .map(|(k, _)| k.clone());
                match oldest {
                    Some(k) => {
                        slots.remove(&k);
                    }
                    None => break,
                }
            }
        }
        slots.insert(cache_key, slot);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use core::time::Duration;
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::error::ErrorKind;

    const N: &str = "yJ6eVvXXW3foAg6IKgaW1kDfL46Vk2-JGG7SNYEl_z-3jU19CWS-UTlTCI7TTiQiMs5qj1FmVNpTQYsNopcODKQPSwc7U64enUqLazxUwSweTwV2ctwtcvUknJpRfx9Xe2yBH-zHUhmEFuf3jRfmcsef5tlrgKLWopfE_67IiM6fUtQ43NkV4eZq8UKZGv7G4oALevu-T1FUuZgkYlDvZLpll0bQjou5N06Ztnul03kHB3oNuyeip5gXxXrn5y3JPeIHe5KGEjDyHWM4EQZLey5Ytv8rdlyz5igiA8LJs_QpnXg5OVxaKA0dnze2IAxdiAYn7MUO8J1jM8hXJto0nw";

    fn key(kid: &str) -> RsaPublicKey {
        RsaPublicKey::from_jwk(&format!(r#"{{"kty":"RSA","kid":"{kid}","n":"{N}","e":"AQAB"}}"#)).unwrap()
    }

    fn policy() -> KeyCachePolicy {
        KeyCachePolicy {
            ttl: Duration::from_secs(60),
            capacity: 3,
            unknown_kid_interval: Duration::from_secs(60),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_misses_make_one_fetch() {
        let cache = Arc::new(KeyCache::new(policy()));
        let host: Arc<str> = Arc::from("h");
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..100 {
            let (cache, host, calls) = (Arc::clone(&cache), Arc::clone(&host), Arc::clone(&calls));
            tasks.push(tokio::spawn(async move {
                let kid = Kid::new("k1").unwrap();
                cache
                    .get(&host, &kid, || async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok(key("k1"))
                    })
                    .await
                    .map(|k| k.fresh)
            }));
        }
        let mut fresh = 0;
        for t in tasks {
            if t.await.unwrap().unwrap() {
                fresh += 1;
            }
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(cache.stats().fetches, 1);
        // Whoever waited for that one fetch got a key it may not refetch for.
        assert!(fresh >= 1);
        let again = cache.get(&host, &Kid::new("k1").unwrap(), || async { Ok(key("k1")) }).await.unwrap();
        assert!(!again.fresh);
    }

    #[tokio::test]
    async fn failures_are_shared_and_404_is_rate_limited() {
        let cache = KeyCache::new(policy());
        let host: Arc<str> = Arc::from("h");
        let kid = Kid::new("gone").unwrap();
        let not_found = || async { Err(Error::from_response(404, None, b"{}")) };
        assert_eq!(cache.get(&host, &kid, not_found).await.err().map(|e| e.status()), Some(Some(404)));
        // Within the interval the server is not asked again.
        let e = cache.get(&host, &kid, || async { Ok(key("gone")) }).await.err();
        assert_eq!(e.map(|e| e.kind()), Some(ErrorKind::Api));
        assert_eq!(cache.stats().fetches, 1);
        // A transport failure is not remembered for later callers.
        let other = Kid::new("flaky").unwrap();
        let down = || async { Err(Error::new(ErrorKind::Transport, "down")) };
        assert!(cache.get(&host, &other, down).await.is_err());
        assert!(cache.get(&host, &other, || async { Ok(key("flaky")) }).await.is_ok());
        assert_eq!(cache.stats().fetches, 3);
    }

    #[tokio::test]
    async fn ttl_capacity_and_invalidate() {
        let mut p = policy();
        p.ttl = Duration::from_millis(30);
        let cache = KeyCache::new(p);
        let host: Arc<str> = Arc::from("h");
        let k1 = Kid::new("k1").unwrap();
        let first = cache.get(&host, &k1, || async { Ok(key("k1")) }).await.unwrap();
        tokio::time::sleep(Duration::from_millis(40)).await;
        let second = cache.get(&host, &k1, || async { Ok(key("k1")) }).await.unwrap();
        assert!(second.fresh && !Arc::ptr_eq(&first.key, &second.key), "expired key is refetched");
        // invalidate only removes the exact stale key.
        cache.invalidate(&host, &k1, &first.key);
        assert_eq!(cache.stats().entries, 1);
        cache.invalidate(&host, &k1, &second.key);
        assert_eq!(cache.stats().entries, 0);
        // Capacity 3: a fourth kid evicts the oldest; other hosts are other entries.
        let cache = KeyCache::new(policy());
        for name in ["a", "b", "c", "d"] {
            cache.get(&host, &Kid::new(name).unwrap(), || async move { Ok(key(name)) }).await.unwrap();
        }
        assert_eq!(cache.stats().entries, 3);
        let a = cache.get(&host, &Kid::new("a").unwrap(), || async { Ok(key("a")) }).await.unwrap();
        assert!(a.fresh, "the oldest entry was evicted");
        let other_host: Arc<str> = Arc::from("other");
        let d = cache.get(&other_host, &Kid::new("d").unwrap(), || async { Ok(key("d")) }).await.unwrap();
        assert!(d.fresh, "keys are per host");
    }
}
