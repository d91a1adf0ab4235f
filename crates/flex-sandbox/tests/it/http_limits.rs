//! The HTTP layer under slow, idle, oversized and malformed traffic, over real loopback sockets: timeouts
//! (header, body, idle, TLS handshake), the request-head size limit, the connection cap, and the refusal of
//! header values that are not text. The timeouts are shortened through the configuration so that the tests
//! run fast; the bounds on how soon something happens are generous for a loaded 2-core machine.

use std::time::{Duration, Instant};

use bytes::Bytes;
use flex_sandbox::{ManualClock, SandboxConfig, TlsIdentity};
use http::HeaderValue;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::support::{self, Api, Resp, T0, VECTOR_BODY};

/// A short timeout for the limit under test.
const SHORT: Duration = Duration::from_millis(300);
/// Longer than any test runs: keeps the limits not under test out of the way.
const LONG: Duration = Duration::from_secs(60);
/// How long a test waits for something that should happen after `SHORT`.
const PATIENCE: Duration = Duration::from_secs(5);

fn config() -> SandboxConfig {
    support::config(&ManualClock::new(T0))
}

/// Reads until the server closes the connection (EOF or reset) or `limit` passes. Returns what was read and
/// how long after `since` the close came (`None`: still open at `limit`).
async fn read_until_closed(
    stream: &mut TcpStream,
    since: Instant,
    limit: Duration,
) -> (Vec<u8>, Option<Duration>) {
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
    .await;
    (out, closed.ok().map(|()| since.elapsed()))
}

/// The status code of a raw HTTP/1.1 answer.
fn status_of(answer: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(answer.get(..12)?).ok()?;
    text.strip_prefix("HTTP/1.1 ")?.parse().ok()
}

/// The JSON body of a raw HTTP/1.1 answer.
fn body_of(answer: &[u8]) -> serde_json::Value {
    let text = String::from_utf8_lossy(answer);
    let (_, body) = text.split_once("\r\n\r\n").unwrap();
    serde_json::from_str(body).unwrap()
}

/// Sends `request` with `headers` (values as raw bytes) through the test client.
async fn send_raw_headers(
    api: &Api,
    method: &str,
    path: &str,
    headers: &[(String, Vec<u8>)],
    body: &str,
) -> Resp {
    let mut builder = http::Request::builder().method(method).uri(format!("{}{path}", api.base));
    for (n, v) in headers {
        builder = builder.header(n.as_str(), HeaderValue::from_bytes(v).unwrap());
    }
    let req = builder.body(Full::new(Bytes::from(body.to_owned()))).unwrap();
    let res = api.client.request(req).await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    Resp { status, headers, body: String::from_utf8(body.to_vec()).unwrap() }
}

fn text_headers(headers: Vec<(String, String)>) -> Vec<(String, Vec<u8>)> {
    headers.into_iter().map(|(n, v)| (n, v.into_bytes())).collect()
}

// ---- Finding 5: slow and idle connections ----

#[tokio::test]
async fn finding5_partial_request_header_is_closed_within_the_header_timeout() {
    let sandbox = config().header_read_timeout(SHORT).idle_timeout(LONG).start().await.unwrap();
    let mut stream = TcpStream::connect(sandbox.addr()).await.unwrap();
    let since = Instant::now();
    stream.write_all(b"POST /flex/v2/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a").await.unwrap();
    let (_, closed) = read_until_closed(&mut stream, since, PATIENCE).await;
    let closed = closed.expect("a partial header is not kept open");
    assert!(closed >= SHORT - Duration::from_millis(50), "closed after {closed:?}, before the timeout");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn finding5_silent_connection_is_closed_within_the_header_timeout() {
    // Nothing at all, and a few bytes: both are still before the HTTP/1.1 or HTTP/2 choice.
    let sandbox = config().header_read_timeout(SHORT).idle_timeout(LONG).start().await.unwrap();
    for sent in [&b""[..], b"GET / H", b"PRI * HTTP/2.0\r\n"] {
        let mut stream = TcpStream::connect(sandbox.addr()).await.unwrap();
        let since = Instant::now();
        stream.write_all(sent).await.unwrap();
        let (_, closed) = read_until_closed(&mut stream, since, PATIENCE).await;
        let closed = closed.unwrap_or_else(|| panic!("{sent:?}: a silent connection is not kept open"));
        assert!(closed >= SHORT - Duration::from_millis(50), "{sent:?}: closed after {closed:?}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn finding5_stalled_tls_handshake_is_closed_within_the_handshake_timeout() {
    let sandbox = config()
        .tls(TlsIdentity::generate())
        .tls_handshake_timeout(SHORT)
        .header_read_timeout(LONG)
        .idle_timeout(LONG)
        .start()
        .await
        .unwrap();
    // Half a TLS record header, then nothing.
    let mut stream = TcpStream::connect(sandbox.addr()).await.unwrap();
    let since = Instant::now();
    stream.write_all(&[0x16, 0x03]).await.unwrap();
    let (_, closed) = read_until_closed(&mut stream, since, PATIENCE).await;
    let closed = closed.expect("a stalled handshake is not kept open");
    assert!(closed >= SHORT - Duration::from_millis(50), "closed after {closed:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn finding5_stalled_body_is_answered_408_within_the_body_timeout() {
    let sandbox = config().body_read_timeout(SHORT).start().await.unwrap();
    for path in ["/flex/v2/tokens", "/flex/v2/sessions"] {
        let mut stream = TcpStream::connect(sandbox.addr()).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"keyId\"",
            sandbox.addr()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let since = Instant::now();
        let (answer, closed) = read_until_closed(&mut stream, since, PATIENCE).await;
        let closed = closed.unwrap_or_else(|| panic!("{path}: a stalled body is not kept open"));
        assert!(closed >= SHORT - Duration::from_millis(50), "{path}: answered after {closed:?}");
        assert_eq!(status_of(&answer), Some(408), "{path}: {}", String::from_utf8_lossy(&answer));
        let text = String::from_utf8_lossy(&answer).to_ascii_lowercase();
        assert!(text.contains("\r\nconnection: close\r\n"), "{text}");
        assert_eq!(body_of(&answer)["responseStatus"]["reason"], "REQUEST_TIMEOUT");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn finding5_idle_http1_keep_alive_connection_is_closed() {
    // HTTP/1.1 times the wait for the next request head with the header-read timeout.
    let sandbox = config().header_read_timeout(SHORT).idle_timeout(SHORT).start().await.unwrap();
    let mut stream = TcpStream::connect(sandbox.addr()).await.unwrap();
    let request = format!(
        "GET /flex/v2/public-keys/{} HTTP/1.1\r\nHost: {}\r\n\r\n",
        sandbox.signing_kid(),
        sandbox.addr()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let since = Instant::now();
    let (answer, closed) = read_until_closed(&mut stream, since, PATIENCE).await;
    assert_eq!(status_of(&answer), Some(200), "{}", String::from_utf8_lossy(&answer));
    let closed = closed.expect("an idle keep-alive connection is not kept open");
    assert!(closed >= SHORT - Duration::from_millis(50), "closed after {closed:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn finding5_idle_http2_connection_is_closed_after_the_idle_timeout() {
    let sandbox = config().header_read_timeout(LONG).idle_timeout(SHORT).start().await.unwrap();
    let tcp = TcpStream::connect(sandbox.addr()).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp)).await.unwrap();
    let conn = tokio::spawn(conn);
    let req =
        http::Request::get(format!("{}/flex/v2/public-keys/{}", sandbox.base_url(), sandbox.signing_kid()))
            .body(Full::new(Bytes::new()))
            .unwrap();
    let res = sender.send_request(req).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.version(), http::Version::HTTP_2);
    res.into_body().collect().await.unwrap();
    let since = Instant::now();
    // The client's connection task ends when the server closes (GOAWAY, then EOF).
    let ended = tokio::time::timeout(PATIENCE, conn).await;
    let after = since.elapsed();
    assert!(ended.is_ok(), "an idle HTTP/2 connection is not kept open");
    assert!(after >= SHORT - Duration::from_millis(50), "closed after {after:?}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding5_hundreds_of_idle_connections_do_not_stop_a_signed_request() {
    let sandbox = support::config(&ManualClock::new(T0)).start().await.unwrap();
    let api = Api::new(&sandbox);
    // 300 connections: a third silent, a third holding an unfinished ~1.3 KB header, a third HTTP/2 prefaces.
    let unfinished = format!(
        "POST /flex/v2/sessions HTTP/1.1\r\nHost: {}\r\nX-Filler: {}",
        sandbox.addr(),
        "a".repeat(1300)
    );
    let mut idle = Vec::new();
    for i in 0..300 {
        let mut stream = TcpStream::connect(sandbox.addr()).await.unwrap();
        match i % 3 {
            0 => {}
            1 => stream.write_all(unfinished.as_bytes()).await.unwrap(),
            _ => stream.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await.unwrap(),
        }
        idle.push(stream);
    }
    let started = Instant::now();
    let res = tokio::time::timeout(
        Duration::from_secs(2),
        api.create_session_with(support::Scheme::HttpSignature, VECTOR_BODY, T0),
    )
    .await
    .expect("a signed request is served beside 300 idle connections");
    let took = started.elapsed();
    eprintln!("signed session request beside 300 idle connections: {took:?}");
    assert_eq!(res.status, 201, "{}", res.body);
    drop(idle);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn finding5_oversized_header_gets_431_and_one_just_under_the_limit_works() {
    let sandbox = config().start().await.unwrap();
    let api = Api::new(&sandbox);

    // Just under 16 KiB of head, signed: served.
    let mut headers = api.session_headers(support::Scheme::HttpSignature, VECTOR_BODY, T0);
    let head_so_far: usize = headers.iter().map(|(n, v)| n.len() + v.len() + 4).sum::<usize>() + 200;
    headers.push(("X-Pad".to_owned(), "p".repeat(16 * 1024 - 512 - head_so_far)));
    let res = api.send("POST", "/flex/v2/sessions", &headers, VECTOR_BODY.as_bytes().to_vec()).await;
    assert_eq!(res.status, 201, "{}", res.body);

    // Over 16 KiB: 431, then the connection is closed.
    let mut stream = TcpStream::connect(sandbox.addr()).await.unwrap();
    let request = format!(
        "GET /flex/v2/public-keys/{} HTTP/1.1\r\nHost: {}\r\nX-Pad: {}\r\n\r\n",
        sandbox.signing_kid(),
        sandbox.addr(),
        "p".repeat(17 * 1024)
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let (answer, closed) = read_until_closed(&mut stream, Instant::now(), PATIENCE).await;
    assert!(closed.is_some());
    assert_eq!(status_of(&answer), Some(431), "{}", String::from_utf8_lossy(&answer));

    // The same through the client, signed and in many headers.
    let mut headers = api.session_headers(support::Scheme::HttpSignature, VECTOR_BODY, T0);
    headers.extend((0..20).map(|i| (format!("X-Pad-{i}"), "p".repeat(1000))));
    let res = api.send("POST", "/flex/v2/sessions", &headers, VECTOR_BODY.as_bytes().to_vec()).await;
    assert_eq!(res.status, 431);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn finding5_oversized_http2_header_list_gets_431() {
    let sandbox = config().start().await.unwrap();
    let tcp = TcpStream::connect(sandbox.addr()).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp)).await.unwrap();
    tokio::spawn(conn);
    let url = format!("{}/flex/v2/public-keys/{}", sandbox.base_url(), sandbox.signing_kid());
    let get = |pad: usize| {
        http::Request::get(&url).header("x-pad", "p".repeat(pad)).body(Full::new(Bytes::new())).unwrap()
    };
    // The h2 crate's client sends a list over the size the server announced; the server answers 431.
    let res = sender.send_request(get(20 * 1024)).await.unwrap();
    assert_eq!(res.status(), 431);
    let res = sender.send_request(get(12 * 1024)).await.unwrap();
    assert_eq!(res.status(), 200);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn finding5_connection_cap_refuses_gracefully_when_all_are_busy_and_recovers() {
    const CAP: usize = 8;
    let sandbox = config()
        .max_connections(CAP)
        .header_read_timeout(LONG)
        .body_read_timeout(LONG)
        .idle_timeout(LONG)
        .start()
        .await
        .unwrap();
    let api = Api::new(&sandbox);
    // Every place taken by a request in flight (a body that does not come).
    let mut held = Vec::new();
    for _ in 0..CAP {
        let mut stream = TcpStream::connect(sandbox.addr()).await.unwrap();
        let head = format!(
            "POST /flex/v2/tokens HTTP/1.1\r\nHost: {}\r\nContent-Length: 100\r\n\r\n{{",
            sandbox.addr()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        held.push(stream);
    }
    // The listener takes connections in order, so the next one is over the cap; make sure the held
    // requests are in flight (not merely accepted) by waiting a little.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut stream = TcpStream::connect(sandbox.addr()).await.unwrap();
    let request = format!("GET /flex/v2/public-keys/x HTTP/1.1\r\nHost: {}\r\n\r\n", sandbox.addr());
    stream.write_all(request.as_bytes()).await.unwrap();
    let (answer, closed) = read_until_closed(&mut stream, Instant::now(), PATIENCE).await;
    assert!(closed.is_some(), "a refused connection is closed, not left hanging");
    assert_eq!(status_of(&answer), Some(503), "{}", String::from_utf8_lossy(&answer));
    assert_eq!(body_of(&answer)["responseStatus"]["reason"], "TOO_MANY_CONNECTIONS");
    let text = String::from_utf8_lossy(&answer).to_ascii_lowercase();
    assert!(text.contains("\r\nretry-after: 1\r\n"), "{text}");

    // The held connections close; their places free up.
    drop(held);
    let deadline = Instant::now() + PATIENCE;
    let path = format!("/flex/v2/public-keys/{}", sandbox.signing_kid());
    loop {
        match api.try_send("GET", &path, &[], Vec::new()).await {
            Ok(res) if res.status == 200 => break,
            other => {
                assert!(Instant::now() < deadline, "the sandbox does not recover: {other:?}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn finding5_connection_cap_makes_room_by_closing_the_idlest_connection() {
    const CAP: usize = 8;
    let sandbox =
        config().max_connections(CAP).header_read_timeout(LONG).idle_timeout(LONG).start().await.unwrap();
    let api = Api::new(&sandbox);
    // Every place taken by a slow client that never finishes its header, oldest first.
    let mut held = Vec::new();
    for _ in 0..CAP {
        let mut stream = TcpStream::connect(sandbox.addr()).await.unwrap();
        stream.write_all(b"POST /flex/v2/sessions HTTP/1.1\r\nX-Slow: ").await.unwrap();
        held.push(stream);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    // A signed request still gets through, at once ...
    let started = Instant::now();
    let res = api.create_session_with(support::Scheme::HttpSignature, VECTOR_BODY, T0).await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert!(started.elapsed() < PATIENCE);
    // ... because the oldest slow connection was closed to make room, and only that one.
    let (_, closed) = read_until_closed(&mut held[0], Instant::now(), PATIENCE).await;
    assert!(closed.is_some(), "the oldest idle connection was closed");
    for stream in &mut held[1..] {
        let (_, closed) = read_until_closed(stream, Instant::now(), Duration::from_millis(50)).await;
        assert!(closed.is_none(), "only the oldest idle connection was closed");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn finding5_invalid_limits_are_refused_at_start() {
    let invalid = [
        config().header_read_timeout(Duration::ZERO),
        config().body_read_timeout(Duration::ZERO),
        config().idle_timeout(Duration::ZERO),
        config().tls_handshake_timeout(Duration::ZERO),
        config().max_request_header_bytes(4096),
        config().max_request_header_bytes(2 * 1024 * 1024),
        config().max_connections(0),
    ];
    for config in invalid {
        let err = config.start().await.unwrap_err();
        assert!(matches!(err, flex_sandbox::SandboxError::InvalidConfig(_)), "{err}");
    }
}

// ---- Finding 6: header values that are not text ----

/// The headers the request verifier reads, each of which a second, non-text copy must not slip past.
const VERIFIED_HEADERS: [&str; 6] =
    ["v-c-merchant-id", "signature", "host", "date", "digest", "authorization"];

#[tokio::test]
async fn finding6_duplicated_auth_header_with_a_non_text_value_gets_400() {
    let sandbox = config().start().await.unwrap();
    let api = Api::new(&sandbox);
    for scheme in [support::Scheme::HttpSignature, support::Scheme::JwtOnlyAuthorization] {
        for name in VERIFIED_HEADERS {
            let mut headers = text_headers(api.session_headers(scheme, VECTOR_BODY, T0));
            if name == "host" {
                headers.push(("host".to_owned(), api.authority.clone().into_bytes()));
            }
            headers.push((name.to_owned(), b"testrest\xff".to_vec()));
            let res = send_raw_headers(&api, "POST", "/flex/v2/sessions", &headers, VECTOR_BODY).await;
            assert_eq!(res.status, 400, "{scheme:?} {name}: {}", res.body);
            assert_eq!(res.reason(), "INVALID_HEADER", "{scheme:?} {name}");
            assert_eq!(res.location(), name, "{scheme:?} {name}");
            assert!(!res.body.contains("testrest"), "the value is not echoed: {}", res.body);
        }
        // The same request without the extra header is served.
        let headers = text_headers(api.session_headers(scheme, VECTOR_BODY, T0));
        let res = send_raw_headers(&api, "POST", "/flex/v2/sessions", &headers, VECTOR_BODY).await;
        assert_eq!(res.status, 201, "{scheme:?}: {}", res.body);
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn finding6_non_text_header_value_alone_gets_400() {
    let sandbox = config().start().await.unwrap();
    let api = Api::new(&sandbox);
    // On a signed request, a header the verifier does not read.
    let mut headers = text_headers(api.session_headers(support::Scheme::HttpSignature, VECTOR_BODY, T0));
    headers.push(("user-agent".to_owned(), "caf\u{e9}".as_bytes().to_vec()));
    let res = send_raw_headers(&api, "POST", "/flex/v2/sessions", &headers, VECTOR_BODY).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.reason(), "INVALID_HEADER");
    assert_eq!(res.location(), "user-agent");
    // The only copy of a verified header.
    let mut headers = text_headers(api.session_headers(support::Scheme::HttpSignature, VECTOR_BODY, T0));
    let merchant = headers.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case("v-c-merchant-id")).unwrap();
    merchant.1 = b"testrest\x80".to_vec();
    let res = send_raw_headers(&api, "POST", "/flex/v2/sessions", &headers, VECTOR_BODY).await;
    assert_eq!(res.status, 400, "{}", res.body);
    // Every route refuses it, the unauthenticated ones too.
    let odd = [("x-odd".to_owned(), vec![b'a', 0xff])];
    let kid_path = format!("/flex/v2/public-keys/{}", sandbox.signing_kid());
    for (method, path) in
        [("GET", kid_path.as_str()), ("POST", "/flex/v2/tokens"), ("OPTIONS", "/flex/v2/tokens")]
    {
        let res = send_raw_headers(&api, method, path, &odd, "{}").await;
        assert_eq!(res.status, 400, "{method} {path}: {}", res.body);
        assert_eq!(res.reason(), "INVALID_HEADER", "{method} {path}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn finding6_duplicated_host_gets_400() {
    let sandbox = config().start().await.unwrap();
    let api = Api::new(&sandbox);
    let mut headers = text_headers(api.session_headers(support::Scheme::HttpSignature, VECTOR_BODY, T0));
    headers.push(("host".to_owned(), api.authority.clone().into_bytes()));
    headers.push(("host".to_owned(), b"evil.example".to_vec()));
    let res = send_raw_headers(&api, "POST", "/flex/v2/sessions", &headers, VECTOR_BODY).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.reason(), "INVALID_HEADER");
    sandbox.shutdown().await;
}
