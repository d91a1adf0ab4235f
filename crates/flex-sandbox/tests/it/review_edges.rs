//! The edges a hostile review attacked, over real loopback sockets: per-route body limits refused from the
//! declared length (no `100 Continue`), the budget of buffered request bytes, the HTTP/2 stream and window
//! settings, HTTP/2 connections closed after a body timeout, connections whose requests stall on their bodies
//! made room for, the bounded CPU queue and the retirement of a context after repeated decryption failures,
//! the per-key share of the replay cache, the capped echo of unknown field names, and the HTTP/1.1 framing
//! checks (`Host`, transfer codings). Limits are shortened through the configuration so the tests run fast;
//! time bounds are generous for a loaded 2-core machine.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use flex_auth::{Credentials, SharedSecret};
use flex_sandbox::{ManualClock, Merchant, SandboxConfig};
use hyper::body::{Body, Frame};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::support::{self, Api, Scheme, T0, VECTOR_BODY};

/// A short timeout for the limit under test.
const SHORT: Duration = Duration::from_millis(300);
/// Longer than any test runs.
const LONG: Duration = Duration::from_secs(60);
/// How long a test waits for something that should happen soon.
const PATIENCE: Duration = Duration::from_secs(5);

fn config() -> SandboxConfig {
    support::config(&ManualClock::new(T0))
}

/// Connects and writes `bytes`.
async fn send_raw(addr: std::net::SocketAddr, bytes: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    stream
}

/// Reads what arrives within `limit`, until the server closes (EOF or reset).
async fn read_for(stream: &mut TcpStream, limit: Duration) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let closed = tokio::time::timeout(limit, async {
        let mut buf = [0_u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .is_ok();
    (out, closed)
}

fn status_line(answer: &[u8]) -> String {
    String::from_utf8_lossy(answer).lines().next().unwrap_or_default().to_owned()
}

fn json_body(answer: &[u8]) -> serde_json::Value {
    let text = String::from_utf8_lossy(answer);
    let (_, body) = text.split_once("\r\n\r\n").unwrap();
    serde_json::from_str(body).unwrap()
}

/// A request body that sends one chunk and then never ends.
struct Stalled(Option<Bytes>);

impl Body for Stalled {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.0.take() {
            Some(chunk) => Poll::Ready(Some(Ok(Frame::data(chunk)))),
            None => Poll::Pending,
        }
    }
}

// ---- F1: body limits and the budget of buffered request bytes ----

#[tokio::test]
async fn f1_declared_length_over_the_route_limit_gets_413_without_100_continue() {
    let sandbox = config().start().await.unwrap();
    for (path, length) in [
        ("/flex/v2/sessions", 10_000_000),
        ("/flex/v2/sessions", 16 * 1024 + 1),
        ("/flex/v2/tokens", 64 * 1024),
    ] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\
             Expect: 100-continue\r\n\r\n",
            sandbox.addr()
        );
        let mut stream = send_raw(sandbox.addr(), head.as_bytes()).await;
        let (answer, closed) = read_for(&mut stream, PATIENCE).await;
        assert_eq!(status_line(&answer), "HTTP/1.1 413 Payload Too Large", "{path} {length}");
        assert!(!String::from_utf8_lossy(&answer).contains("100 Continue"), "no 100 Continue for {path}");
        assert_eq!(json_body(&answer)["responseStatus"]["reason"], "PAYLOAD_TOO_LARGE");
        assert!(closed, "the connection is closed with the body unread");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn f1_chunked_session_body_over_16_kib_gets_413() {
    let sandbox = config().start().await.unwrap();
    let api = Api::new(&sandbox);
    let body = format!(r#"{{"fields":{{}},"pad":"{}"}}"#, "p".repeat(17 * 1024));
    let mut raw = format!(
        "POST /flex/v2/sessions HTTP/1.1\r\nHost: {}\r\nTransfer-Encoding: chunked\r\n\r\n",
        sandbox.addr()
    )
    .into_bytes();
    for chunk in body.as_bytes().chunks(4096) {
        raw.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        raw.extend_from_slice(chunk);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    let mut stream = send_raw(sandbox.addr(), &raw).await;
    let (answer, _) = read_for(&mut stream, PATIENCE).await;
    assert_eq!(status_line(&answer), "HTTP/1.1 413 Payload Too Large");
    // A real session request is far under the limit.
    api.create_session(T0).await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn f1_budget_of_buffered_bytes_refuses_503_and_is_given_back() {
    const BUDGET: usize = 128 * 1024;
    const DECLARED: usize = 16_000;
    let sandbox = config().body_read_timeout(LONG).max_buffered_request_bytes(BUDGET).start().await.unwrap();
    let head = format!(
        "POST /flex/v2/sessions HTTP/1.1\r\nHost: {}\r\nContent-Length: {DECLARED}\r\n\r\n{}",
        sandbox.addr(),
        "x".repeat(100)
    );
    let mut held = Vec::new();
    for _ in 0..12 {
        held.push(send_raw(sandbox.addr(), head.as_bytes()).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Let a loaded machine catch up before looking for the refusals.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut refused = 0;
    for stream in &mut held {
        let (answer, _) = read_for(stream, Duration::from_millis(300)).await;
        if !answer.is_empty() {
            assert_eq!(status_line(&answer), "HTTP/1.1 503 Service Unavailable");
            assert_eq!(json_body(&answer)["responseStatus"]["reason"], "SERVICE_UNAVAILABLE");
            refused += 1;
        }
    }
    // Each waiting body holds its declared length (and its head) from the budget: at most 8 fit.
    let waiting = held.len() - refused;
    assert!((1..=BUDGET / DECLARED).contains(&waiting), "{waiting} bodies held, {refused} refused");
    assert!(refused >= held.len() - BUDGET / DECLARED, "{refused} refused");
    // Closing the stalled requests gives their bytes back.
    drop(held);
    let api = Api::new(&sandbox);
    let deadline = Instant::now() + PATIENCE;
    loop {
        let res = api.create_session_with(Scheme::HttpSignature, VECTOR_BODY, T0).await;
        if res.status == 201 {
            break;
        }
        assert!(Instant::now() < deadline, "budget not given back: {}", res.body);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn f1_http2_allows_16_streams_and_64_kib_windows() {
    let sandbox = config().start().await.unwrap();
    let mut preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    preface.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]); // an empty SETTINGS frame
    let mut stream = send_raw(sandbox.addr(), &preface).await;
    let mut header = [0_u8; 9];
    tokio::time::timeout(PATIENCE, stream.read_exact(&mut header)).await.unwrap().unwrap();
    assert_eq!(header[3], 4, "the server's first frame is SETTINGS");
    let len = usize::from(header[0]) << 16 | usize::from(header[1]) << 8 | usize::from(header[2]);
    let mut payload = vec![0_u8; len];
    stream.read_exact(&mut payload).await.unwrap();
    let settings: Vec<(u16, u32)> = payload
        .chunks(6)
        .map(|s| (u16::from_be_bytes([s[0], s[1]]), u32::from_be_bytes([s[2], s[3], s[4], s[5]])))
        .collect();
    assert!(settings.contains(&(3, 16)), "SETTINGS_MAX_CONCURRENT_STREAMS 16: {settings:?}");
    assert!(settings.contains(&(4, 64 * 1024)), "SETTINGS_INITIAL_WINDOW_SIZE 64 KiB: {settings:?}");
    sandbox.shutdown().await;
}

// ---- F2: connections kept busy by bodies that never arrive ----

#[tokio::test]
async fn f2_http2_body_timeout_answers_408_and_closes_the_connection() {
    let sandbox = config().body_read_timeout(SHORT).idle_timeout(LONG).start().await.unwrap();
    let tcp = TcpStream::connect(sandbox.addr()).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp)).await.unwrap();
    let conn = tokio::spawn(conn);
    let req = http::Request::post(format!("{}/flex/v2/sessions", sandbox.base_url()))
        .body(Stalled(Some(Bytes::from_static(b"{\"fields\""))))
        .unwrap();
    let started = Instant::now();
    let res = tokio::time::timeout(PATIENCE, sender.send_request(req)).await.unwrap().unwrap();
    assert_eq!(res.status(), 408);
    // The connection ends (GOAWAY, then EOF) long before the 60 s idle timeout.
    let ended = tokio::time::timeout(PATIENCE, conn).await;
    assert!(ended.is_ok(), "the HTTP/2 connection stays open after a body timeout");
    assert!(started.elapsed() < PATIENCE + SHORT);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn f2_connections_stalled_on_their_bodies_make_room_for_a_new_one() {
    const CAP: usize = 4;
    let sandbox = config()
        .max_connections(CAP)
        .body_read_timeout(LONG)
        .header_read_timeout(LONG)
        .idle_timeout(LONG)
        .start()
        .await
        .unwrap();
    let head = format!(
        "POST /flex/v2/sessions HTTP/1.1\r\nHost: {}\r\nContent-Length: 100\r\n\r\n{{",
        sandbox.addr()
    );
    let mut stalled = Vec::new();
    for _ in 0..CAP {
        stalled.push(send_raw(sandbox.addr(), head.as_bytes()).await);
    }
    // Every connection has a request in flight, but each has waited for its body longer than a few seconds.
    tokio::time::sleep(Duration::from_millis(4500)).await;
    let api = Api::new(&sandbox);
    let res = api.create_session_with(Scheme::HttpSignature, VECTOR_BODY, T0).await;
    assert_eq!(res.status, 201, "{}", res.body);
    // One of the stalled connections was closed for it.
    let mut closed = 0;
    for stream in &mut stalled {
        if read_for(stream, Duration::from_millis(200)).await.1 {
            closed += 1;
        }
    }
    assert!(closed >= 1, "no stalled connection was closed");
    sandbox.shutdown().await;
}

// ---- F3: RSA work queued by anyone who knows a live kid ----

/// A JWE with `context`'s kid that passes the cheap checks and fails to decrypt.
fn garbage_for(context: &str) -> String {
    let jwe = support::jwe_for(context, support::card(flex_jwe::PaymentData::flat()));
    let header = jwe.split('.').next().unwrap();
    format!("{header}.AAAA.AAAA.AAAA.AAAA")
}

/// A JWE for `context` whose tag is wrong: it costs a full RSA-OAEP decryption before it fails.
fn tampered_for(context: &str) -> String {
    let jwe = support::jwe_for(context, support::card(flex_jwe::PaymentData::flat()));
    let (rest, tag) = jwe.rsplit_once('.').unwrap();
    let first = if tag.starts_with('A') { 'B' } else { 'A' };
    format!("{rest}.{first}{}", &tag[1..])
}

#[tokio::test]
async fn f3_context_is_retired_after_eight_failed_decryptions() {
    let (sandbox, _clock, api) = support::start().await;
    let context = api.create_session(T0).await;
    let garbage = garbage_for(&context);
    for i in 0..8 {
        let res = api.tokenize(&garbage).await;
        assert_eq!((res.status, res.reason().as_str()), (400, "DECRYPTION_FAILED"), "attempt {i}");
    }
    // Retired: even the right JWE is answered as for a used context, before any decryption.
    let res = api.tokenize(&support::jwe_for(&context, support::card(flex_jwe::PaymentData::flat()))).await;
    assert_eq!((res.status, res.reason().as_str()), (400, "CAPTURE_CONTEXT_USED"), "{}", res.body);
    // Seven failures leave a context usable.
    let context = api.create_session(T0).await;
    for _ in 0..7 {
        assert_eq!(api.tokenize(&garbage_for(&context)).await.status, 400);
    }
    let res = api.tokenize(&support::jwe_for(&context, support::card(flex_jwe::PaymentData::flat()))).await;
    assert_eq!(res.status, 201, "{}", res.body);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f3_full_decryption_queue_answers_503_and_sessions_still_work() {
    let sandbox = config().max_cpu_queue(1).start().await.unwrap();
    let api = Arc::new(Api::new(&sandbox));
    let mut garbage = Vec::new();
    for _ in 0..6 {
        garbage.push(tampered_for(&api.create_session(T0).await));
    }
    let tasks: Vec<_> = (0..48)
        .map(|i| {
            let api = Arc::clone(&api);
            let jwe = garbage[i % garbage.len()].clone();
            tokio::spawn(async move { api.tokenize(&jwe).await })
        })
        .collect();
    let mut busy = 0;
    for task in tasks {
        let res = task.await.unwrap();
        match (res.status, res.reason().as_str()) {
            (503, "SERVICE_UNAVAILABLE") => busy += 1,
            (400, "DECRYPTION_FAILED" | "CAPTURE_CONTEXT_USED") => {}
            other => panic!("unexpected answer {other:?}: {}", res.body),
        }
    }
    assert!(busy > 0, "48 concurrent decryptions never found the queue of 1 full");
    // Capture contexts have their own queue and cores.
    api.create_session(T0).await;
    sandbox.shutdown().await;
}

// ---- F4: one credential's flood of JWT ids ----

const OTHER_SECRET: &str = "c2Vjb25kLW1lcmNoYW50LXNlY3JldC0zMmJ5dGVzISE=";

#[tokio::test]
async fn f4_one_key_fills_only_its_half_of_the_replay_cache_and_refused_bodies_take_no_place() {
    let other = Merchant::shared_secret("other_merchant", "other-key", OTHER_SECRET).unwrap();
    let sandbox = config().merchant(other).max_replay_entries(4).start().await.unwrap();
    let api = Api::new(&sandbox);
    // Requests refused for their body record no jti: they take no place in the cache.
    for _ in 0..5 {
        let res = api.create_session_with(Scheme::JwtOnlyAuthorization, "{}", T0).await;
        assert_eq!(res.status, 400, "{}", res.body);
    }
    // The test merchant's key may hold half of the 4 entries.
    for _ in 0..2 {
        let res = api.create_session_with(Scheme::JwtOnlyAuthorization, VECTOR_BODY, T0).await;
        assert_eq!(res.status, 201, "{}", res.body);
    }
    let res = api.create_session_with(Scheme::JwtOnlyAuthorization, VECTOR_BODY, T0).await;
    assert_eq!((res.status, res.reason().as_str()), (503, "SERVICE_UNAVAILABLE"), "{}", res.body);
    // Another credential still authenticates with JWTs.
    let creds = Credentials::shared_secret(
        "other_merchant",
        "other-key",
        SharedSecret::from_base64(OTHER_SECRET).unwrap(),
    )
    .unwrap();
    let headers = api.signed_headers(&creds, Scheme::JwtOnlyAuthorization, VECTOR_BODY, T0);
    let res = api.send("POST", "/flex/v2/sessions", &headers, VECTOR_BODY.as_bytes().to_vec()).await;
    assert_eq!(res.status, 201, "{}", res.body);
    // HTTP Signature needs no place in the cache.
    api.create_session(T0).await;
    sandbox.shutdown().await;
}

// ---- F5: echoed field names ----

#[tokio::test]
async fn f5_sessions_error_caps_an_echoed_unknown_field_name() {
    let (sandbox, _clock, api) = support::start().await;
    let long = "n".repeat(12_000);
    let body = format!(r#"{{"fields":{{"paymentInformation":{{"card":{{"number":{{}},"{long}":{{}}}}}}}}}}"#);
    let res = api.create_session_with(Scheme::HttpSignature, &body, T0).await;
    assert_eq!(res.status, 400, "{}", res.body);
    let detail = &res.json()["responseStatus"]["details"][0];
    let location = detail["location"].as_str().unwrap();
    let message = detail["message"].as_str().unwrap();
    assert!(location.chars().count() <= 128, "{} characters", location.len());
    assert!(message.chars().count() <= 256, "{} characters", message.len());
    assert!(res.body.len() < 2048, "{} bytes", res.body.len());
    sandbox.shutdown().await;
}

// ---- Informational: HTTP/1.1 framing ----

#[tokio::test]
async fn info_http11_request_without_host_gets_400_on_every_route() {
    let sandbox = config().start().await.unwrap();
    let kid = sandbox.signing_kid();
    for request in [
        format!("GET /flex/v2/public-keys/{kid} HTTP/1.1\r\n\r\n"),
        "POST /flex/v2/tokens HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}".to_owned(),
        "GET /nowhere HTTP/1.1\r\n\r\n".to_owned(),
    ] {
        let mut stream = send_raw(sandbox.addr(), request.as_bytes()).await;
        let (answer, _) = read_for(&mut stream, PATIENCE).await;
        assert_eq!(status_line(&answer), "HTTP/1.1 400 Bad Request", "{request}");
        assert_eq!(json_body(&answer)["responseStatus"]["reason"], "MISSING_HOST");
    }
    // With a Host the same key is served.
    let request = format!(
        "GET /flex/v2/public-keys/{kid} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        sandbox.addr()
    );
    let mut stream = send_raw(sandbox.addr(), request.as_bytes()).await;
    assert_eq!(status_line(&read_for(&mut stream, PATIENCE).await.0), "HTTP/1.1 200 OK");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn info_transfer_coding_other_than_chunked_gets_501() {
    let sandbox = config().start().await.unwrap();
    let request = format!(
        "POST /flex/v2/tokens HTTP/1.1\r\nHost: {}\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\n{{}}\r\n0\r\n\r\n",
        sandbox.addr()
    );
    let mut stream = send_raw(sandbox.addr(), request.as_bytes()).await;
    let (answer, closed) = read_for(&mut stream, PATIENCE).await;
    assert_eq!(status_line(&answer), "HTTP/1.1 501 Not Implemented");
    assert_eq!(json_body(&answer)["responseStatus"]["reason"], "NOT_IMPLEMENTED");
    assert!(closed);
    sandbox.shutdown().await;
}
