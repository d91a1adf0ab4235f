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
    /// Set once a transient token has been issued for it.
    pub(crate) used: bool,
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
    /// token's kid, key and rule.
    pub(crate) fn check(
        &mut self,
        jti: &str,
        now: i64,
        consume: bool,
    ) -> Result<(String, Arc<KeyMaterial>, PaymentRule), TokenUnusable> {
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
        Ok((token.kid.clone(), Arc::clone(&token.key), token.rule))
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
            self.evict_while(|exp| exp <= now);
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
    /// Recording it would exceed the entry or byte bound, and every entry is still live. Forgetting one would
    /// let its token be replayed, so the request is refused instead.
    Full,
}

/// The `jti`s of accepted authentication JWTs, each kept until the verifier itself would refuse its token
/// (`acceptable_until`), so that a captured request cannot be replayed while its token is acceptable.
///
/// Bounded by entries and by bytes. Entries are ordered by the time they may be forgotten (that order differs
/// from arrival order, because tokens have different `exp`); expired ones are dropped first, and a live one is
/// never dropped: when the cache is full of live entries, [`first_use`](Self::first_use) refuses. Each `jti` is
/// stored once (an `Arc<str>` shared by the map and the ordered set).
#[derive(Debug)]
pub(crate) struct ReplayCache {
    /// `jti` → the last second it must be remembered.
    seen: HashMap<Arc<str>, i64>,
    /// (last second, `jti`), oldest first.
    by_expiry: BTreeSet<(i64, Arc<str>)>,
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
}

impl ReplayCache {
    pub(crate) fn new(max_entries: usize, max_bytes: usize) -> Self {
        Self { seen: HashMap::new(), by_expiry: BTreeSet::new(), bytes: 0, max_entries, max_bytes }
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

    /// Forgets every entry whose last second is before `now`.
    fn forget_expired(&mut self, now: i64) {
        while let Some(first) = self.by_expiry.first() {
            if first.0 >= now {
                break;
            }
            if let Some((_, jti)) = self.by_expiry.pop_first() {
                self.seen.remove(&jti);
                self.bytes = self.bytes.saturating_sub(Self::cost(&jti));
            }
        }
    }

    /// Records `jti` as used until `remember_until` (inclusive: the verifier's `acceptable_until`).
    pub(crate) fn first_use(&mut self, jti: &str, now: i64, remember_until: i64) -> Result<(), NotFirstUse> {
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
        let jti: Arc<str> = Arc::from(jti);
        self.seen.insert(Arc::clone(&jti), remember_until);
        self.by_expiry.insert((remember_until, jti));
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
            microform: None,
        }
    }

    fn token(exp: i64) -> IssuedToken {
        IssuedToken {
            kid: "k".to_owned(),
            key: session(exp).key,
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
    fn merchant_ids_are_capped_at_a_character_boundary() {
        assert_eq!(capped("testrest", MAX_MERCHANT_ID_LEN), "testrest");
        assert_eq!(capped(&"m".repeat(100), MAX_MERCHANT_ID_LEN).len(), MAX_MERCHANT_ID_LEN);
        assert_eq!(capped("ééé", 3), "é");
    }

    #[test]
    fn a_jti_is_remembered_through_its_last_acceptable_second() {
        let mut cache = ReplayCache::new(10, 1 << 20);
        assert_eq!(cache.first_use("a", 100, 200), Ok(()));
        assert_eq!(cache.first_use("a", 150, 250), Err(NotFirstUse::Replayed));
        assert_eq!(cache.first_use("a", 200, 250), Err(NotFirstUse::Replayed), "still acceptable at 200");
        assert_eq!(cache.first_use("a", 201, 300), Ok(()), "forgotten once the verifier refuses the token");
    }

    #[test]
    fn expiry_order_not_arrival_order_decides_what_is_forgotten() {
        let mut cache = ReplayCache::new(10, 1 << 20);
        // A long-lived token first, then a short-lived one.
        assert_eq!(cache.first_use("long", 100, 1000), Ok(()));
        assert_eq!(cache.first_use("short", 100, 150), Ok(()));
        // At 151 the short one is forgotten and the long one is not, although it arrived first.
        assert_eq!(cache.first_use("other", 151, 400), Ok(()));
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.first_use("long", 999, 1000), Err(NotFirstUse::Replayed));
        assert_eq!(cache.first_use("short", 999, 1000), Ok(()));
    }

    #[test]
    fn a_full_cache_refuses_instead_of_forgetting_a_live_entry() {
        let mut cache = ReplayCache::new(2, 1 << 20);
        assert_eq!(cache.first_use("a", 100, 200), Ok(()));
        assert_eq!(cache.first_use("b", 100, 300), Ok(()));
        assert_eq!(cache.first_use("c", 150, 300), Err(NotFirstUse::Full));
        // Nothing was forgotten: both are still replays.
        assert_eq!(cache.first_use("a", 150, 300), Err(NotFirstUse::Replayed));
        assert_eq!(cache.first_use("b", 150, 300), Err(NotFirstUse::Replayed));
        // Once "a" expires there is room again.
        assert_eq!(cache.first_use("c", 201, 300), Ok(()));
    }

    #[test]
    fn many_max_size_jtis_cannot_pass_the_byte_bound() {
        let max_bytes = 64 * 1024;
        let mut cache = ReplayCache::new(usize::MAX, max_bytes);
        let per_entry = MAX_JTI_LEN + REPLAY_ENTRY_OVERHEAD;
        let mut accepted = 0usize;
        for i in 0..10_000u32 {
            let jti = format!("{i:0>width$}", width = MAX_JTI_LEN);
            match cache.first_use(&jti, 100, 1000) {
                Ok(()) => accepted += 1,
                Err(why) => assert_eq!(why, NotFirstUse::Full),
            }
            assert!(cache.bytes() <= max_bytes);
        }
        assert_eq!(accepted, max_bytes / per_entry);
        assert_eq!(cache.bytes(), accepted * per_entry);
        // Longer than the cap: refused, not stored.
        let long = "x".repeat(MAX_JTI_LEN + 1);
        assert_eq!(cache.first_use(&long, 2000, 3000), Err(NotFirstUse::TooLong));
        // Expiry frees the bytes.
        assert_eq!(cache.first_use("fresh", 1001, 2000), Ok(()));
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.bytes(), "fresh".len() + REPLAY_ENTRY_OVERHEAD);
    }
}
