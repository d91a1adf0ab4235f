//! Allocation counting: parsing plus the signature check allocates EXACTLY what the provider allocates: on ring,
//! what a bare ring verification of the same input allocates (ring 0.17 rebuilds the RSA key per call); on
//! aws-lc-rs, nothing on the Rust heap once the key is prepared. Zero allocations of our own either way. Counted with a
//! thread-local counting `#[global_allocator]`, so other test threads do not interfere. Not a timing.
#![allow(unsafe_code, clippy::unwrap_used, clippy::expect_used)]

#[path = "it/support/mod.rs"]
mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use flex_jwt::{Jwt, Verifier};
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};

struct Counting;

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

fn bump() {
    let _ = ON.try_with(|on| {
        if on.get() {
            let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        }
    });
}

// SAFETY: every method forwards to `System` unchanged; the counter only touches const-initialised thread-locals
// (no lazy initialisation, no destructor, so no re-entrant allocation).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns its result and the number of allocations it made on this thread.
fn count<R>(f: impl FnOnce() -> R) -> (R, usize) {
    COUNT.with(|c| c.set(0));
    ON.with(|on| on.set(true));
    let r = f();
    ON.with(|on| on.set(false));
    (r, COUNT.with(Cell::get))
}

#[test]
fn parse_and_signature_check_allocate_exactly_what_ring_does() {
    let signer = support::rsa2048();
    // A capture-context-sized payload (the real one, re-signed with the test key).
    let token = signer.token(&support::read("capture-context/flex-docs-sn.payload.json"));
    let key = signer.public_key();
    let keys = support::trusted();
    let verifier = Verifier::new();

    let (input, sig_b64) = token.rsplit_once('.').unwrap();
    let sig = support::b64u_decode(sig_b64);
    let (n, e) = (key.modulus().to_vec(), key.exponent().to_vec());
    let bare_ring = || {
        RsaPublicKeyComponents { n: &n, e: &e }.verify(&RSA_PKCS1_2048_8192_SHA256, input.as_bytes(), &sig)
    };

    // Warm up (ring's one-time CPU feature detection, lazy statics in test support).
    bare_ring().unwrap();
    verifier.verify_signature(&Jwt::parse(&token).unwrap(), &keys).unwrap();
    // ... and, with aws-lc-rs, the one-time preparation of each key object for RS256.
    verifier.verify_signature_with_key(&Jwt::parse(&token).unwrap(), &key).unwrap();
    // ring rebuilds its key on every call and allocates doing so; aws-lc-rs reuses the prepared key and allocates
    // in C, outside this counter. Either way the provider's own allocations are all there may be.
    let provider_allocs =
        |ring_allocs: usize| if flex_jwt::CRYPTO_PROVIDER == "ring" { ring_allocs } else { 0 };

    let (ok, ring_allocs) = count(bare_ring);
    ok.unwrap();
    assert!(ring_allocs > 0, "the counter works: ring allocates during RSA verification");

    let (jwt, parse_allocs) = count(|| Jwt::parse(&token));
    jwt.unwrap();
    assert_eq!(
        parse_allocs, 0,
        "parsing (split, header decode on the stack, header parse) allocates nothing"
    );

    let (ok, ours_keyset) = count(|| {
        let jwt = Jwt::parse(&token).unwrap();
        verifier.verify_signature(&jwt, &keys).map(|_| ())
    });
    ok.unwrap();
    assert_eq!(
        ours_keyset,
        provider_allocs(ring_allocs),
        "parse + kid lookup + policy + signature = the provider's allocations only"
    );

    let (ok, ours_single) = count(|| {
        let jwt = Jwt::parse(&token).unwrap();
        verifier.verify_signature_with_key(&jwt, &key).map(|_| ())
    });
    ok.unwrap();
    assert_eq!(ours_single, provider_allocs(ring_allocs));

    // After the signature: validating the claims allocates the payload buffer, once.
    let jwt = Jwt::parse(&token).unwrap();
    let authenticated = verifier.verify_signature(&jwt, &keys).unwrap();
    let (verified, validate_allocs) = count(|| authenticated.validate(1_614_791_400));
    verified.unwrap();
    assert_eq!(validate_allocs, 1);
    println!(
        "allocations: bare ring {ring_allocs}, parse {parse_allocs}, parse+verify_signature {ours_keyset}, validate {validate_allocs}"
    );
}

#[test]
fn rejections_before_the_signature_allocate_nothing() {
    let signer = support::rsa2048();
    let keys = support::trusted();
    let verifier = Verifier::new();
    let good = signer.token(&support::claims(""));
    let bad_tokens = [
        String::new(),
        "a.b".to_owned(),
        format!("{good}."),
        good.replacen("eyJ", "eyK", 1),
        signer.sign(r#"{"alg":"HS256","kid":"rsa2048"}"#, "{}"),
        signer.sign(r#"{"alg":"RS256","kid":"../x"}"#, "{}"),
        signer.sign(r#"{"alg":"RS256","kid":"nope"}"#, "{}"),
        signer.sign(r#"{"alg":"RS256","kid":"rsa2048","crit":["x"],"x":1}"#, "{}"),
        signer.sign(r#"{"alg":"RS256","kid":"rsa2048","alg":"RS256"}"#, "{}"),
        format!("{}.!!!", good.rsplit_once('.').unwrap().0),
    ];
    for token in &bad_tokens {
        let (result, allocs) =
            count(|| Jwt::parse(token).and_then(|jwt| verifier.verify_signature(&jwt, &keys).map(|_| ())));
        assert!(result.is_err());
        assert_eq!(allocs, 0, "{result:?}");
    }
}
