//! The bounded in-memory session store.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use flex_types::FieldPath;

use crate::card::PaymentRule;
use crate::crypto::KeyMaterial;

/// One issued capture context, keyed by its `flx.jwk.kid`.
#[derive(Debug)]
pub(crate) struct Session {
    /// SHA-256 of the compact capture context as issued.
    pub(crate) context_digest: [u8; 32],
    /// The session's RSA key (decrypts the JWE, signs the transient token).
    pub(crate) key: Arc<KeyMaterial>,
    /// Who asked for it (for logs), at most [`MAX_MERCHANT_ID_LEN`] bytes (see [`capped`]).
    pub(crate) merchant_id: String,
    pub(crate) required: Vec<FieldPath>,
    pub(crate) optional: Vec<FieldPath>,
    pub(crate) exp: i64,
    /// Set once a transient token has been issued for it, or once [`MAX_FAILED_DECRYPTIONS`] JWEs failed to
    /// decrypt under its key.
    pub(crate) used: bool,
    /// JWEs naming this session's kid that failed to decrypt.
    pub(crate) failed_decryptions: u8,
    /// For a Microform context: what shapes its transient token.
    pub(crate) microform: Option<MicroformSession>,
}

/// What a Microform (`mf-*`) session changes in tokenization.
#[derive(Debug, Clone)]
pub(crate) struct MicroformSession {
    /// Digits of `number.bin` in the transient token: 6 (default), 8 (`includeCardPrefix: true`) or 0 (`false`).
    pub(crate) bin_digits: usize,
    /// The accepted networks (`allowedCardNetworks`), at most the 19 known names.
    pub(crate) networks: Vec<&'static str>,
}

/// One transient token this sandbox issued, keyed by its `jti`, kept until it expires so that
/// `POST /pts/v2/payments` can verify it with the key that signed it and use it once.
#[derive(Debug)]
pub(crate) struct IssuedToken {
    /// The header `kid` (the session's), at most 64 bytes.
    pub(crate) kid: String,
    /// The session key that signed it.
    pub(crate) key: Arc<KeyMaterial>,
    /// The merchant whose capture context it came from (capped like the session's): only it may pay with it.
    pub(crate) merchant_id: String,
    pub(crate) exp: i64,
    pub(crate) used: bool,
    /// What a payment with it does, decided from the card number at tokenization (the number is not kept).
    pub(crate) rule: PaymentRule,
}

/// Why an issued token cannot pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenUnusable {
    /// Never issued here, or forgotten after it expired.
    Unknown,
    Expired,
    Used,
}

/// The issued transient tokens, bounded by entries; ordered by `exp` so expired ones are dropped first. A live
/// token is never dropped: when full of live tokens, tokenization answers `503`.
#[derive(Debug)]
pub(crate) struct IssuedTokens {
    map: HashMap<String, IssuedToken>,
    order: BTreeSet<(i64, String)>,
    max: usize,
}

impl IssuedTokens {
    pub(crate) fn new(max: usize) -> Self {
        Self { map: HashMap::new(), order: BTreeSet::new(), max }
    }

    /// Drops the expired tokens (a used or expired token is refused the same way once forgotten); whether there
    /// is room for one more.
    pub(crate) fn make_room(&mut self, now: i64) -> bool {
        while let Some((exp, _)) = self.order.first() {
            if *exp >= now {
                break;
            }
            if let Some((_, jti)) = self.order.pop_first() {
                self.map.remove(&jti);
            }
        }
        self.map.len() < self.max
    }

    /// Stores a token (call [`make_room`](Self::make_room) first).
    pub(crate) fn insert(&mut self, jti: String, token: IssuedToken) {
        let exp = token.exp;
        if let Some(replaced) = self.map.insert(jti.clone(), token) {
            self.order.remove(&(replaced.exp, jti.clone()));
        }
        self.order.insert((exp, jti));
    }

    /// Checks that `jti` was issued, is unexpired and unused; marks it used when `consume` is set. Returns the
    /// token's kid, key, rule and merchant.
    pub(crate) fn check(
        &mut self,
        jti: &str,
        now: i64,
        consume: bool,
    ) -> Result<(String, Arc<KeyMaterial>, PaymentRule, String), TokenUnusable> {
        let token = self.map.get_mut(jti).ok_or(TokenUnusable::Unknown)?;
        if now > token.exp {
            return Err(TokenUnusable::Expired);
        }
        if token.used {
            return Err(TokenUnusable::Used);
        }
        if consume {
            token.used = true;
        }
        Ok((token.kid.clone(), Arc::clone(&token.key), token.rule, token.merchant_id.clone()))
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

/// Longest stored payment answer (bytes). Ours are under 2 KiB: every echoed value is bounded (reference 50
/// characters, amounts 16, ids 22); this is a defensive bound.
pub(crate) const MAX_PAYMENT_BODY: usize = 4096;

/// The answers of `POST /pts/v2/payments`, for `GET /pts/v2/payments/{id}`: at most `max`, the oldest forgotten
/// first (a forgotten payment is `404`; nothing live depends on it).
#[derive(Debug)]
pub(crate) struct Payments {
    map: HashMap<String, (String, Vec<u8>)>,
    order: VecDeque<String>,
    max: usize,
}

impl Payments {
    pub(crate) fn new(max: usize) -> Self {
        Self { map: HashMap::new(), order: VecDeque::new(), max }
    }

    /// Stores the answer `body` of payment `id` made by `merchant_id`; answers larger than [`MAX_PAYMENT_BODY`]
    /// are not kept.
    pub(crate) fn insert(&mut self, id: String, merchant_id: String, body: Vec<u8>) {
        if body.len() > MAX_PAYMENT_BODY || self.max == 0 {
            return;
        }
        while self.map.len() >= self.max {
            match self.order.pop_front() {
                Some(old) => {
                    self.map.remove(&old);
                }
                None => break,
            }
        }
        if self.map.insert(id.clone(), (merchant_id, body)).is_none() {
            self.order.push_back(id);
        }
    }

    /// The answer of payment `id`, if it was made by `merchant_id` and is still kept.
    pub(crate) fn get(&self, id: &str, merchant_id: &str) -> Option<&[u8]> {
        self.map.get(id).filter(|(m, _)| m == merchant_id).map(|(_, body)| body.as_slice())
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

/// Longest merchant id a session keeps (bytes). Merchant ids come from the configured credentials, so this is a
/// defensive bound; Cybersource's are at most 30 characters.
pub(crate) const MAX_MERCHANT_ID_LEN: usize = 64;

/// `text` cut to at most `max` bytes, at a character boundary.
pub(crate) fn capped(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default().to_owned()
}

/// Why a session cannot be consumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unusable {
    Unknown,
    Expired,
    Used,
}

/// How many JWEs naming a capture context may fail to decrypt before the context is retired: a live kid must
/// not buy an unbounded amount of RSA work. A browser's or SDK's JWE decrypts the first time; eight failures are
/// an attack or a broken client, and either way a new context is one request away.
pub(crate) const MAX_FAILED_DECRYPTIONS: u8 = 8;

/// Sessions by kid, plus the same kids ordered by `exp` for eviction (by expiry rather than arrival, so that
/// the order holds even when the clock is set back).
#[derive(Debug)]
pub(crate) struct Sessions {
    map: HashMap<String, Session>,
    order: BTreeSet<(i64, String)>,
    max: usize,
    /// Expired sessions are kept this long past `exp` (for a precise "expired" answer) unless room is needed.
    grace: i64,
}

impl Sessions {
    pub(crate) fn new(max: usize, grace: i64) -> Self {
        Self { map: HashMap::new(), order: BTreeSet::new(), max, grace }
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    fn evict_while(&mut self, mut expired: impl FnMut(i64) -> bool) {
        while let Some((exp, _)) = self.order.first() {
            if !expired(*exp) {
                break;
            }
            if let Some((_, kid)) = self.order.pop_first() {
                self.map.remove(&kid);
            }
        }
    }

    /// Drops sessions long expired, then, if full, any expired session. Whether there is room for one more.
    pub(crate) fn make_room(&mut self, now: i64) -> bool {
        let grace = self.grace;
        self.evict_while(|exp| exp.saturating_add(grace) < now);
        if self.map.len() >= self.max {
            // Expired means `now > exp`, as `check` decides: a session is usable through its `exp` second.
            self.evict_while(|exp| exp < now);
        }
        self.map.len() < self.max
    }

    /// Stores a session (call [`make_room`](Self::make_room) first).
    pub(crate) fn insert(&mut self, kid: String, session: Session) {
        let exp = session.exp;
        if let Some(replaced) = self.map.insert(kid.clone(), session) {
            // A kid drawn twice (32 random characters: practically never); forget the old entry's position.
            self.order.remove(&(replaced.exp, kid.clone()));
        }
        self.order.insert((exp, kid));
    }

    /// The session for `kid`, usable or not.
    pub(crate) fn get(&self, kid: &str) -> Option<&Session> {
        self.map.get(kid)
    }

    /// Counts a JWE naming `kid` that failed to decrypt; at the [`MAX_FAILED_DECRYPTIONS`]th the session is
    /// retired (answered as used from then on). Whether it was retired now.
    pub(crate) fn record_failed_decryption(&mut self, kid: &str) -> bool {
        let Some(session) = self.map.get_mut(kid) else { return false };
        session.failed_decryptions = session.failed_decryptions.saturating_add(1);
        if session.failed_decryptions >= MAX_FAILED_DECRYPTIONS && !session.used {
            session.used = true;
            return true;
        }
        false
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

/// Longest authentication-JWT `jti` the replay cache stores (bytes). The verifier refuses longer ones too; this
/// bound keeps the cache's own accounting independent of that. A UUID is 36.
pub(crate) const MAX_JTI_LEN: usize = 128;

/// What one remembered `jti` costs besides its bytes, for the byte bound: the map slot, the ordered-set node's
/// share, the `Arc` header and the allocator's rounding (an estimate on 64-bit targets, on the high side).
pub(crate) const REPLAY_ENTRY_OVERHEAD: usize = 128;

/// Why [`ReplayCache::first_use`] refused a `jti`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotFirstUse {
    /// Already recorded and not yet forgotten: a replay.
    Replayed,
    /// Longer than [`MAX_JTI_LEN`].
    TooLong,
    /// Recording it would exceed the entry or byte bound, or the signing key's share of them, and every entry
    /// is still live. Forgetting one would let its token be replayed, so the request is refused instead.
    Full,
}

/// What one key id holds in the cache.
#[derive(Debug, Default, Clone, Copy)]
struct Usage {
    entries: usize,
    bytes: usize,
}

/// The `jti`s of accepted authentication JWTs, each kept until the verifier itself would refuse its token
/// (`acceptable_until`), so that a captured request cannot be replayed while its token is acceptable.
///
/// Bounded by entries and by bytes, and each signing key id by half of each bound, so that one credential's
/// flood fills at most half of the cache and other credentials keep the rest. Entries are ordered by the time
/// they may be forgotten (that order differs from arrival order, because tokens have different `exp`); expired
/// ones are dropped first, and a live one is never dropped: when the cache (or the key's half) is full of live
/// entries, [`first_use`](Self::first_use) refuses. Each `jti` is stored once (an `Arc<str>` shared by the map
/// and the ordered set); so is each key id.
#[derive(Debug)]
pub(crate) struct ReplayCache {
    /// `jti` → the last second it must be remembered, and the key id it was recorded for.
    seen: HashMap<Arc<str>, (i64, Arc<str>)>,
    /// (last second, `jti`), oldest first.
    by_expiry: BTreeSet<(i64, Arc<str>)>,
    /// What each key id holds (ids with no entry are removed).
    per_key: HashMap<Arc<str>, Usage>,
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
}

impl ReplayCache {
    pub(crate) fn new(max_entries: usize, max_bytes: usize) -> Self {
        Self {
            seen: HashMap::new(),
            by_expiry: BTreeSet::new(),
            per_key: HashMap::new(),
            bytes: 0,
            max_entries,
            max_bytes,
        }
    }

    /// Bytes accounted for the stored entries.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Number of stored entries.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.seen.len()
    }

    fn cost(jti: &str) -> usize {
        jti.len().saturating_add(REPLAY_ENTRY_OVERHEAD)
    }

    /// One key id's share of a bound: half, at least one entry's worth.
    fn share(max: usize) -> usize {
        (max / 2).max(1)
    }

    /// Forgets every entry whose last second is before `now`.
    fn forget_expired(&mut self, now: i64) {
        while let Some(first) = self.by_expiry.first() {
            if first.0 >= now {
                break;
            }
            let Some((_, jti)) = self.by_expiry.pop_first() else { break };
            let cost = Self::cost(&jti);
            self.bytes = self.bytes.saturating_sub(cost);
            if let Some((_, key)) = self.seen.remove(&jti)
                && let Some(usage) = self.per_key.get_mut(&key)
            {
                usage.entries = usage.entries.saturating_sub(1);
                usage.bytes = usage.bytes.saturating_sub(cost);
                if usage.entries == 0 {
                    self.per_key.remove(&key);
                }
            }
        }
    }

    /// Records `jti`, authenticated with `key_id`, as used until `remember_until` (inclusive: the verifier's
    /// `acceptable_until`).
    pub(crate) fn first_use(
        &mut self,
        key_id: &str,
        jti: &str,
        now: i64,
        remember_until: i64,
    ) -> Result<(), NotFirstUse> {
        if jti.len() > MAX_JTI_LEN {
            return Err(NotFirstUse::TooLong);
        }
        self.forget_expired(now);
        if self.seen.contains_key(jti) {
            return Err(NotFirstUse::Replayed);
        }
        let cost = Self::cost(jti);
        if self.seen.len() >= self.max_entries || self.bytes.saturating_add(cost) > self.max_bytes {
            return Err(NotFirstUse::Full);
        }
        let usage = self.per_key.get(key_id).copied().unwrap_or_default();
        if usage.entries >= Self::share(self.max_entries)
            || usage.bytes.saturating_add(cost) > Self::share(self.max_bytes)
        {
            return Err(NotFirstUse::Full);
        }
        let key: Arc<str> = match self.per_key.get_key_value(key_id) {
            Some((k, _)) => Arc::clone(k),
            None => Arc::from(key_id),
        };
        let jti: Arc<str> = Arc::from(jti);
        self.seen.insert(Arc::clone(&jti), (remember_until, Arc::clone(&key)));
        self.by_expiry.insert((remember_until, jti));
        let entry = self.per_key.entry(key).or_default();
        entry.entries = entry.entries.saturating_add(1);
        entry.bytes = entry.bytes.saturating_add(cost);
        self.bytes = self.bytes.saturating_add(cost);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(exp: i64) -> Session {
        static KEY: std::sync::OnceLock<Arc<KeyMaterial>> = std::sync::OnceLock::new();
        let key = KEY.get_or_init(|| Arc::new(KeyMaterial::generate().unwrap()));
        Session {
            context_digest: [0; 32],
            key: Arc::clone(key),
            merchant_id: capped("merchant", MAX_MERCHANT_ID_LEN),
            required: Vec::new(),
            optional: Vec::new(),
            exp,
            used: false,
            failed_decryptions: 0,
            microform: None,
        }
    }

    fn token(exp: i64) -> IssuedToken {
        IssuedToken {
            kid: "k".to_owned(),
            key: session(exp).key,
            merchant_id: "m".to_owned(),
            exp,
            used: false,
            rule: PaymentRule::Approve,
        }
    }

    #[test]
    fn issued_tokens_are_used_once_and_forgotten_only_after_expiry() {
        let mut tokens = IssuedTokens::new(2);
        assert!(tokens.make_room(100));
        tokens.insert("a".to_owned(), token(1000));
        tokens.insert("b".to_owned(), token(500));
        // Full of live tokens: no room, nothing forgotten.
        assert!(!tokens.make_room(400));
        assert_eq!(tokens.len(), 2);
        assert!(tokens.check("a", 400, true).is_ok());
        assert_eq!(tokens.check("a", 401, true).err(), Some(TokenUnusable::Used));
        assert_eq!(tokens.check("b", 501, false).err(), Some(TokenUnusable::Expired));
        // Once "b" expired it makes room; "a" stays until its own expiry.
        assert!(tokens.make_room(501));
        assert_eq!(tokens.check("b", 501, false).err(), Some(TokenUnusable::Unknown));
        assert_eq!(tokens.check("a", 501, false).err(), Some(TokenUnusable::Used));
    }

    #[test]
    fn payments_keep_the_newest_and_only_for_their_merchant() {
        let mut payments = Payments::new(2);
        payments.insert("1".to_owned(), "m".to_owned(), b"one".to_vec());
        payments.insert("2".to_owned(), "m".to_owned(), b"two".to_vec());
        payments.insert("3".to_owned(), "m".to_owned(), b"three".to_vec());
        assert_eq!(payments.len(), 2);
        assert_eq!(payments.get("1", "m"), None);
        assert_eq!(payments.get("3", "m"), Some(&b"three"[..]));
        assert_eq!(payments.get("3", "other"), None);
        payments.insert("4".to_owned(), "m".to_owned(), vec![0; MAX_PAYMENT_BODY + 1]);
        assert_eq!(payments.get("4", "m"), None);
    }

    #[test]
    fn sessions_are_evicted_by_expiry_even_when_the_clock_went_back() {
        let mut sessions = Sessions::new(2, 0);
        // Issued at 1000 (exp 1900), then at 100 after the clock was set back (exp 1000).
        sessions.insert("late".to_owned(), session(1900));
        sessions.insert("early".to_owned(), session(1000));
        // At 1500 the store is full, but "early" has expired: it makes room, although it arrived last.
        assert!(sessions.make_room(1500));
        assert_eq!(sessions.len(), 1);
        assert!(sessions.get("late").is_some());
        assert_eq!(sessions.check("early", 1500, false), Err(Unusable::Unknown));
    }

    #[test]
    fn a_session_is_usable_through_its_exp_second_and_evicted_only_after() {
        let mut sessions = Sessions::new(1, 0);
        sessions.insert("a".to_owned(), session(1000));
        // Full at its `exp` second: still usable, so not evicted for room.
        assert!(!sessions.make_room(1000));
        assert_eq!(sessions.check("a", 1000, false), Ok(()));
        assert!(sessions.make_room(1001));
        assert_eq!(sessions.check("a", 1001, false), Err(Unusable::Unknown));
    }

    #[test]
    fn f3_a_session_is_retired_after_its_eighth_failed_decryption() {
        let mut sessions = Sessions::new(4, 0);
        sessions.insert("a".to_owned(), session(1000));
        for _ in 1..MAX_FAILED_DECRYPTIONS {
            assert!(!sessions.record_failed_decryption("a"));
            assert_eq!(sessions.check("a", 100, false), Ok(()));
        }
        assert!(sessions.record_failed_decryption("a"));
        assert_eq!(sessions.check("a", 100, false), Err(Unusable::Used));
        assert!(!sessions.record_failed_decryption("a"), "retired once");
        assert!(!sessions.record_failed_decryption("unknown"));
    }

    #[test]
    fn f4_one_key_id_fills_at_most_half_of_the_replay_cache() {
        let mut cache = ReplayCache::new(8, 1 << 20);
        for i in 0..4 {
            assert_eq!(cache.first_use("flood", &format!("f{i}"), 100, 1000), Ok(()));
        }
        assert_eq!(cache.first_use("flood", "f4", 100, 1000), Err(NotFirstUse::Full));
        // Another key id still has its half.
        for i in 0..4 {
            assert_eq!(cache.first_use("other", &format!("o{i}"), 100, 1000), Ok(()));
        }
        // A jti is one namespace for every key: a replay under another key id is still a replay.
        assert_eq!(cache.first_use("third", "f0", 100, 1000), Err(NotFirstUse::Replayed));
        assert_eq!(
            cache.first_use("third", "t0", 100, 1000),
            Err(NotFirstUse::Full),
            "the whole cache is full"
        );
        // Expiry frees the key's share.
        assert_eq!(cache.first_use("flood", "f5", 1001, 2000), Ok(()));
        assert_eq!(cache.len(), 1);

        // The byte bound is shared the same way.
        let per_entry = MAX_JTI_LEN + REPLAY_ENTRY_OVERHEAD;
        let mut cache = ReplayCache::new(usize::MAX, 4 * per_entry);
        let jti = |p: char, i: u32| format!("{p}{i:0>width$}", width = MAX_JTI_LEN - 1);
        assert_eq!(cache.first_use("flood", &jti('f', 0), 100, 1000), Ok(()));
        assert_eq!(cache.first_use("flood", &jti('f', 1), 100, 1000), Ok(()));
        assert_eq!(cache.first_use("flood", &jti('f', 2), 100, 1000), Err(NotFirstUse::Full));
        assert_eq!(cache.first_use("other", &jti('o', 0), 100, 1000), Ok(()));
    }

    #[test]
    fn merchant_ids_are_capped_at_a_character_boundary() {
        assert_eq!(capped("testrest", MAX_MERCHANT_ID_LEN), "testrest");
        assert_eq!(capped(&"m".repeat(100), MAX_MERCHANT_ID_LEN).len(), MAX_MERCHANT_ID_LEN);
        assert_eq!(capped("ééé", 3), "é");
    }

    #[test]
    fn a_jti_is_remembered_through_its_last_acceptable_second() {
        let mut cache = ReplayCache::new(10, 1 << 20);
        assert_eq!(cache.first_use("k", "a", 100, 200), Ok(()));
        assert_eq!(cache.first_use("k", "a", 150, 250), Err(NotFirstUse::Replayed));
        assert_eq!(
            cache.first_use("k", "a", 200, 250),
            Err(NotFirstUse::Replayed),
            "still acceptable at 200"
        );
        assert_eq!(
            cache.first_use("k", "a", 201, 300),
            Ok(()),
            "forgotten once the verifier refuses the token"
        );
    }

    #[test]
    fn expiry_order_not_arrival_order_decides_what_is_forgotten() {
        let mut cache = ReplayCache::new(10, 1 << 20);
        // A long-lived token first, then a short-lived one.
        assert_eq!(cache.first_use("k", "long", 100, 1000), Ok(()));
        assert_eq!(cache.first_use("k", "short", 100, 150), Ok(()));
        // At 151 the short one is forgotten and the long one is not, although it arrived first.
        assert_eq!(cache.first_use("k", "other", 151, 400), Ok(()));
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.first_use("k", "long", 999, 1000), Err(NotFirstUse::Replayed));
        assert_eq!(cache.first_use("k", "short", 999, 1000), Ok(()));
    }

    #[test]
    fn a_full_cache_refuses_instead_of_forgetting_a_live_entry() {
        let mut cache = ReplayCache::new(2, 1 << 20);
        assert_eq!(cache.first_use("k1", "a", 100, 200), Ok(()));
        assert_eq!(cache.first_use("k2", "b", 100, 300), Ok(()));
        assert_eq!(cache.first_use("k3", "c", 150, 300), Err(NotFirstUse::Full));
        // Nothing was forgotten: both are still replays.
        assert_eq!(cache.first_use("k1", "a", 150, 300), Err(NotFirstUse::Replayed));
        assert_eq!(cache.first_use("k2", "b", 150, 300), Err(NotFirstUse::Replayed));
        // Once "a" expires there is room again.
        assert_eq!(cache.first_use("k3", "c", 201, 300), Ok(()));
    }

    #[test]
    fn many_max_size_jtis_cannot_pass_the_byte_bound() {
        let max_bytes = 64 * 1024;
        let mut cache = ReplayCache::new(usize::MAX, max_bytes);
        let per_entry = MAX_JTI_LEN + REPLAY_ENTRY_OVERHEAD;
        let mut accepted = 0usize;
        for i in 0..10_000u32 {
            let jti = format!("{i:0>width$}", width = MAX_JTI_LEN);
            // Two key ids, each filling its half.
            let key = if i % 2 == 0 { "a" } else { "b" };
            match cache.first_use(key, &jti, 100, 1000) {
                Ok(()) => accepted += 1,
                Err(why) => assert_eq!(why, NotFirstUse::Full),
            }
            assert!(cache.bytes() <= max_bytes);
        }
        assert_eq!(accepted, max_bytes / per_entry);
        assert_eq!(cache.bytes(), accepted * per_entry);
        // Longer than the cap: refused, not stored.
        let long = "x".repeat(MAX_JTI_LEN + 1);
        assert_eq!(cache.first_use("k", &long, 2000, 3000), Err(NotFirstUse::TooLong));
        // Expiry frees the bytes.
        assert_eq!(cache.first_use("k", "fresh", 1001, 2000), Ok(()));
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.bytes(), "fresh".len() + REPLAY_ENTRY_OVERHEAD);
    }
}
