//! Many sessions and tokenizations in parallel: nothing lost, nothing mixed up. Plus an ignored throughput
//! measurement (run with `cargo test --release -p flex-sandbox -- --ignored --nocapture throughput`).

use std::sync::Arc;
use std::time::Instant;

use flex_jwe::PaymentData;

use crate::support::{self, Api, T0};

/// A Luhn-valid Visa test number whose last four digits encode `i` (< 1000).
fn card_number(i: usize) -> String {
    let body = format!("411111000000{i:03}");
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(k, b)| {
            let d = u32::from(b - b'0');
            if k % 2 == 0 {
                let d2 = d * 2;
                if d2 > 9 { d2 - 9 } else { d2 }
            } else {
                d
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

async fn one(api: Arc<Api>, i: usize) -> (usize, String, String) {
    let context = api.create_session(T0).await;
    let claims = support::context_claims(&context);
    let number = card_number(i);
    let data = PaymentData::flat().with("paymentInformation.card.number", number.as_str()).unwrap();
    let data = if i.is_multiple_of(2) { data } else { PaymentData::Nested(data.into_nested().unwrap()) };
    let res = api.tokenize(&support::jwe_for(&context, data)).await;
    assert_eq!(res.status, 201, "{i}: {}", res.body);
    // The token verifies with this session's key and carries this task's card.
    let token = support::verify_token(&res.body, &claims, T0);
    let masked = token.card().masked_number.unwrap().to_owned();
    assert_eq!(masked.get(12..), number.get(12..), "task {i} got someone else's card");
    (i, claims.flx.jwk.kid.unwrap().into_owned(), token.jti.into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_sessions_and_tokenizations_in_parallel() {
    let (sandbox, _clock, api) = support::start().await;
    let api = Arc::new(api);
    const N: usize = 300;
    let tasks: Vec<_> = (0..N).map(|i| tokio::spawn(one(Arc::clone(&api), i))).collect();
    let mut kids = std::collections::HashSet::new();
    let mut jtis = std::collections::HashSet::new();
    let mut done = vec![false; N];
    for t in tasks {
        let (i, kid, jti) = t.await.unwrap();
        done[i] = true;
        assert!(kids.insert(kid), "session kids are unique");
        assert!(jtis.insert(jti), "token ids are unique");
    }
    assert!(done.iter().all(|d| *d));
    assert_eq!(sandbox.session_count(), N);
    sandbox.shutdown().await;
}

#[test]
fn card_numbers_are_luhn_valid_and_distinct() {
    let numbers: std::collections::HashSet<String> = (0..1000).map(card_number).collect();
    assert_eq!(numbers.len(), 1000);
    assert!(numbers.iter().all(|n| n.len() == 16));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "throughput measurement; run in release"]
async fn throughput() {
    let (sandbox, _clock, api) = support::start().await;
    let api = Arc::new(api);
    const N: usize = 400;
    const PARALLEL: usize = 8;

    let started = Instant::now();
    let contexts = create_sessions(&api, N, PARALLEL).await;
    let sessions_per_s = N as f64 / started.elapsed().as_secs_f64();

    let jwes: Vec<String> =
        contexts.iter().map(|c| support::jwe_for(c, support::card(PaymentData::flat()))).collect();
    let started = Instant::now();
    for chunk in jwes.chunks(PARALLEL) {
        let tasks: Vec<_> = chunk
            .iter()
            .cloned()
            .map(|jwe| {
                let api = Arc::clone(&api);
                tokio::spawn(async move { api.tokenize(&jwe).await.status })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), 201);
        }
    }
    let tokens_per_s = N as f64 / started.elapsed().as_secs_f64();
    println!(
        "loopback, fixed test keys, {PARALLEL} in flight: {sessions_per_s:.0} sessions/s, {tokens_per_s:.0} tokenizations/s"
    );
    sandbox.shutdown().await;

    let started = Instant::now();
    flex_sandbox::TestKeys::generate(4).unwrap();
    println!("RSA-2048 key generation: {:.0} ms per key", started.elapsed().as_secs_f64() * 1000.0 / 4.0);

    // The default: a fresh RSA-2048 key per session, from a pool refilled in the background. Past the pool,
    // sessions/s is key generation's rate.
    const FRESH: usize = 40;
    let clock = flex_sandbox::ManualClock::new(T0);
    let sandbox = flex_sandbox::Sandbox::builder().clock(clock.clone()).start().await.unwrap();
    let api = Arc::new(Api::new(&sandbox));
    let started = Instant::now();
    create_sessions(&api, FRESH, PARALLEL).await;
    println!(
        "loopback, fresh key per session, {PARALLEL} in flight: {:.1} sessions/s over {FRESH} sessions",
        FRESH as f64 / started.elapsed().as_secs_f64()
    );
    sandbox.shutdown().await;
}

/// Creates `n` capture contexts, `parallel` requests in flight at a time.
async fn create_sessions(api: &Arc<Api>, n: usize, parallel: usize) -> Vec<String> {
    let mut contexts = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(parallel) {
        let tasks: Vec<_> = chunk
            .iter()
            .map(|_| {
                let api = Arc::clone(api);
                tokio::spawn(async move { api.create_session(T0).await })
            })
            .collect();
        for t in tasks {
            contexts.push(t.await.unwrap());
        }
    }
    contexts
}
