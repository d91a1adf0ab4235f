//! Expensive `POST /flex/v2/tokens` requests: the size limits hold end to end, the session is checked before any
//! decryption, and a flood of the worst JWEs does not stall an unrelated `GET /flex/v2/public-keys/{kid}`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use flex_jwe::{MAX_PAYLOAD_LEN, PaymentData, RecipientKey, TokenizePayload};
use flex_sandbox::ManualClock;

use crate::support::{self, Api, T0};

/// The recipient of `context`'s `flx.jwk`.
fn recipient(context: &str) -> RecipientKey {
    let claims = support::context_claims(context);
    let jwk = &claims.flx.jwk;
    RecipientKey::from_jwk_components(jwk.kid.as_deref().unwrap(), &jwk.n, &jwk.e).unwrap()
}

/// A raw JSON plaintext for `context` with the test card and `extra` flat fields `f0`, `f1`, ..., padded with a `pad`
/// member (ignored by the parser) to exactly `len` bytes when `len` is given.
fn plaintext(context: &str, extra: usize, len: Option<usize>) -> Vec<u8> {
    let mut data = serde_json::Map::new();
    for (path, value) in flex_testkit::TEST_CARD {
        data.insert(path.to_owned(), value.into());
    }
    for i in 0..extra {
        data.insert(format!("f{i}"), "x".into());
    }
    let mut payload = serde_json::json!({ "context": context, "data": data, "index": 0, "pad": "" });
    let bare = serde_json::to_vec(&payload).unwrap().len();
    if let Some(len) = len {
        payload["pad"] = "p".repeat(len - bare).into();
    }
    serde_json::to_vec(&payload).unwrap()
}

#[tokio::test]
async fn a_payload_at_the_size_limit_tokenizes_and_one_byte_more_is_refused() {
    let (sandbox, _clock, api) = support::start().await;
    let context = api.create_session(T0).await;
    let over = recipient(&context).encrypt(&plaintext(&context, 0, Some(MAX_PAYLOAD_LEN + 1))).unwrap();
    let res = api.tokenize(&over).await;
    assert_eq!((res.status, res.reason().as_str()), (400, "VALIDATION_ERROR"), "{}", res.body);
    // Refusing it did not consume the context; the largest accepted payload tokenizes.
    let at_limit = recipient(&context).encrypt(&plaintext(&context, 0, Some(MAX_PAYLOAD_LEN))).unwrap();
    let res = api.tokenize(&at_limit).await;
    assert_eq!(res.status, 201, "{}", res.body);

    // Too many fields, under the size limit: refused after decryption with the payload error.
    let context = api.create_session(T0).await;
    let many = recipient(&context).encrypt(&plaintext(&context, 100, None)).unwrap();
    let res = api.tokenize(&many).await;
    assert_eq!((res.status, res.reason().as_str()), (400, "VALIDATION_ERROR"), "{}", res.body);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn oversized_jwes_are_refused_before_decryption() {
    let (sandbox, _clock, api) = support::start().await;
    let context = api.create_session(T0).await;
    // The finding's payload: 16 000 flat fields, about 200 KB of JSON, encrypted to the right key (over the
    // server's body limit once encrypted).
    let huge = recipient(&context).encrypt(&plaintext(&context, 16_000, None)).unwrap();
    let res = api.tokenize(&huge).await;
    assert_eq!(res.status, 413, "{}", res.body);
    // Under the server's body limit but over the tokens endpoint's own (the largest JWE a valid payload makes),
    // wrapped or bare: refused by size before any decoding.
    let big = recipient(&context).encrypt(&plaintext(&context, 6_000, None)).unwrap();
    assert!(big.len() < 200 * 1024);
    let res = api.tokenize(&big).await;
    assert_eq!((res.status, res.reason().as_str()), (413, "PAYLOAD_TOO_LARGE"), "{}", res.body);
    let res = api.send("POST", "/flex/v2/tokens", &[], big.into_bytes()).await;
    assert_eq!(res.status, 413, "{}", res.body);
    assert_eq!(
        api.tokenize(&support::jwe_for(&context, support::card(PaymentData::flat()))).await.status,
        201
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_used_or_expired_context_is_answered_from_the_kid_alone() {
    let (sandbox, clock, api) = support::start().await;
    let context = api.create_session(T0).await;
    let jwe = support::jwe_for(&context, support::card(PaymentData::flat()));
    assert_eq!(api.tokenize(&jwe).await.status, 201);
    // Same kid, garbage after the header: the context is used whatever the rest says.
    let header = jwe.split('.').next().unwrap();
    let garbage = format!("{header}.AAAA.AAAA.AAAA.AAAA");
    let res = api.tokenize(&garbage).await;
    assert_eq!((res.status, res.reason().as_str()), (400, "CAPTURE_CONTEXT_USED"), "{}", res.body);

    let context = api.create_session(T0).await;
    let jwe = support::jwe_for(&context, support::card(PaymentData::flat()));
    let header = jwe.split('.').next().unwrap().to_owned();
    // Live: garbage is a decryption failure like any other.
    let res = api.tokenize(&format!("{header}.AAAA.AAAA.AAAA.AAAA")).await;
    assert_eq!((res.status, res.reason().as_str()), (400, "DECRYPTION_FAILED"), "{}", res.body);
    clock.advance(901);
    let res = api.tokenize(&format!("{header}.AAAA.AAAA.AAAA.AAAA")).await;
    assert_eq!((res.status, res.reason().as_str()), (400, "CAPTURE_CONTEXT_EXPIRED"), "{}", res.body);
    // A valid JWE gets the same answer.
    let payload = TokenizePayload::new(context.as_str(), support::card(PaymentData::flat()));
    let res = api.tokenize(&recipient(&context).encrypt_payload(&payload).unwrap()).await;
    assert_eq!(res.reason(), "CAPTURE_CONTEXT_EXPIRED");
    sandbox.shutdown().await;
}

/// Senders of expensive JWEs: each decrypts (RSA-OAEP) and is then refused.
const SENDERS: usize = 4;
/// The bound asserted on one `GET /flex/v2/public-keys/{kid}` under the flood: generous for a loaded 2-core
/// machine and a debug build (it takes a few milliseconds when idle).
const GET_BOUND: Duration = Duration::from_secs(1);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_keys_answers_while_expensive_jwes_flood_the_tokens_endpoint() {
    let sandbox = support::config(&ManualClock::new(T0)).start().await.unwrap();
    let api = Api::new(&sandbox);
    let context = api.create_session(T0).await;
    let signing_kid = sandbox.signing_kid();
    // The worst JWEs: one that still reaches decryption (the largest plaintext, too many fields), and one with
    // 12 000 fields under the server's body limit (it cost about a second of parsing when fields were checked
    // pairwise; now refused by size before decryption).
    let costly = Arc::new(recipient(&context).encrypt(&plaintext(&context, 2_000, None)).unwrap());
    let huge = Arc::new(recipient(&context).encrypt(&plaintext(&context, 12_000, None)).unwrap());
    assert!(huge.len() < 256 * 1024, "{}", huge.len());

    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let mut senders = Vec::new();
    for i in 0..SENDERS {
        let attacker = Api::new(&sandbox);
        let jwe = Arc::clone(if i % 2 == 0 { &huge } else { &costly });
        let (stop, sent) = (Arc::clone(&stop), Arc::clone(&sent));
        senders.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let res = attacker.tokenize(&jwe).await;
                assert!(matches!(res.status, 400 | 413), "{}", res.body);
                sent.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut latencies = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let res = api.public_key(&signing_kid).await;
        latencies.push(started.elapsed());
        assert_eq!(res.status, 200, "{}", res.body);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for sender in senders {
        sender.await.unwrap();
    }
    latencies.sort();
    let worst = latencies[latencies.len() - 1];
    eprintln!(
        "public-keys under a flood of {SENDERS} senders ({} expensive JWEs of {} KB and {} KB, {} build): median {:?}, \
         max {worst:?}",
        sent.load(Ordering::Relaxed),
        costly.len() / 1000,
        huge.len() / 1000,
        if cfg!(debug_assertions) { "debug" } else { "release" },
        latencies[latencies.len() / 2],
    );
    assert!(sent.load(Ordering::Relaxed) > 0);
    assert!(worst < GET_BOUND, "GET public-keys took {worst:?} under the flood");
    sandbox.shutdown().await;
}
