//! Measures end-to-end create-and-verify latency and throughput against the embedded sandbox on loopback,
//! and splits the time between client and sandbox:
//!
//! ```text
//! cargo run --release -p flex-client --example loopback_bench
//! ```
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use flex_auth::{Credentials, JwtId, SharedSecret, SignableRequest, SigningParams, UnixTime};
use flex_client::{Client, RetryPolicy};
use flex_sandbox::{Sandbox, TEST_KEY_ID, TEST_MERCHANT_ID, TEST_SHARED_SECRET, TestKeys};
use flex_types::{FieldPath, SessionRequest};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "{name:<38} n={:<5} mean {:>8.1?}  p50 {:>8.1?}  p99 {:>8.1?}",
        samples.len(),
        mean,
        percentile(&samples, 0.5),
        percentile(&samples, 0.99)
    );
}

#[tokio::main]
async fn main() {
    let keys = TestKeys::generate(4).unwrap();
    let sandbox = Sandbox::builder().test_keys(keys).start().await.unwrap();
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, TEST_SHARED_SECRET)
        .retry_policy(RetryPolicy::NONE)
        .build()
        .unwrap();
    let request = SessionRequest::new().require(FieldPath::CardNumber).optional(FieldPath::CardSecurityCode);
    let kid = sandbox.signing_kid();
    // Warm up: connection pool, key cache.
    for _ in 0..50 {
        client.create_capture_context(&request).await.unwrap();
    }
    let n = 500;

    let mut create = Vec::with_capacity(n);
    let mut last = None;
    for _ in 0..n {
        let t = Instant::now();
        last = Some(client.create_capture_context(&request).await.unwrap());
        create.push(t.elapsed());
    }
    let context = last.unwrap();

    let mut verify = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        client.verify_capture_context(context.as_str()).await.unwrap();
        verify.push(t.elapsed());
    }

    // Signing cost alone (what the client adds before sending).
    let secret = SharedSecret::from_base64(TEST_SHARED_SECRET).unwrap();
    let creds = Credentials::shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, secret).unwrap();
    let body = serde_json::to_vec(&request).unwrap();
    let host = client.environment().authority().to_owned();
    let mut sign = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let now = UnixTime::from_secs(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64)
            .unwrap();
        let signable = SignableRequest::new("POST", &host, "/flex/v2/sessions", &body).unwrap();
        let _ =
            flex_auth::sign(&signable, &creds, &SigningParams::jwt(now, JwtId::random().unwrap())).unwrap();
        sign.push(t.elapsed());
    }

    // Transport floor: an uncached public-key GET (the sandbox answers from memory). A fresh client per
    // sample would include connecting, so reuse one client and a kid that is never cached: the 404 path.
    let mut rtt = Vec::with_capacity(n);
    let probe = Client::builder()
        .base_url(sandbox.base_url())
        .retry_policy(RetryPolicy::NONE)
        .key_cache_policy(flex_client::KeyCachePolicy {
            unknown_kid_interval: Duration::ZERO,
            ..Default::default()
        })
        .build()
        .unwrap();
    for _ in 0..n {
        let t = Instant::now();
        let _ = probe.public_key("nokid").await;
        rtt.push(t.elapsed());
    }
    let mut key_get = Vec::with_capacity(50);
    for _ in 0..50 {
        let fresh = Client::builder().base_url(sandbox.base_url()).build().unwrap();
        let t = Instant::now();
        fresh.public_key(&kid).await.unwrap();
        key_get.push(t.elapsed());
    }

    println!(
        "sequential, one connection (loopback, {} cores):",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    report("create_capture_context (incl. verify)", create.clone());
    report("verify_capture_context (key cached)", verify.clone());
    report("sign request (JWT HS256)", sign.clone());
    report("HTTP round trip (GET 404)", rtt.clone());
    report("new client + connect + key GET", key_get);

    for concurrency in [8usize, 32, 128] {
        let total = 2000;
        let t = Instant::now();
        let mut tasks = Vec::new();
        for w in 0..concurrency {
            let client = client.clone();
            let request = request.clone();
            let count = total / concurrency + usize::from(w < total % concurrency);
            tasks.push(tokio::spawn(async move {
                for _ in 0..count {
                    client.create_capture_context(&request).await.unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let elapsed = t.elapsed();
        println!(
            "throughput, concurrency {concurrency:>3}: {total} create+verify in {elapsed:.2?} = {:.0}/s",
            total as f64 / elapsed.as_secs_f64()
        );
    }
    let mean = |v: &[Duration]| v.iter().sum::<Duration>() / v.len() as u32;
    let (c, v, s, r) = (mean(&create), mean(&verify), mean(&sign), mean(&rtt));
    println!(
        "split of one create (mean {c:.1?}): client sign {s:.1?} + verify {v:.1?} = {:.1?} ({:.0}%); HTTP both sides {r:.1?}; sandbox work (auth check, RSA sign, JSON) ~{:.1?}",
        s + v,
        (s + v).as_secs_f64() / c.as_secs_f64() * 100.0,
        c.saturating_sub(s + v + r)
    );
    println!("key fetches by the main client: {}", client.key_cache_stats().fetches);
    sandbox.shutdown().await;
}
