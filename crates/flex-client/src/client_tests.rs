//! Client tests against a tiny in-test HTTP/1.1 server that sends canned answers (what the sandbox cannot
//! be made to send: bad digests, oversized bodies, foreign kids, header-only correlation ids).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use super::*;

const N: &str = "yJ6eVvXXW3foAg6IKgaW1kDfL46Vk2-JGG7SNYEl_z-3jU19CWS-UTlTCI7TTiQiMs5qj1FmVNpTQYsNopcODKQPSwc7U64enUqLazxUwSweTwV2ctwtcvUknJpRfx9Xe2yBH-zHUhmEFuf3jRfmcsef5tlrgKLWopfE_67IiM6fUtQ43NkV4eZq8UKZGv7G4oALevu-T1FUuZgkYlDvZLpll0bQjou5N06Ztnul03kHB3oNuyeip5gXxXrn5y3JPeIHe5KGEjDyHWM4EQZLey5Ytv8rdlyz5igiA8LJs_QpnXg5OVxaKA0dnze2IAxdiAYn7MUO8J1jM8hXJto0nw";
/// A syntactically valid JWT (not verified by tokenize).
const JWT: &str = "eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.e30.c2ln";

/// Serves `answer(path)` (a full raw HTTP response) to every request, one per connection.
async fn canned(answer: fn(&str) -> String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head_end, content_length) = loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..pos]).to_ascii_lowercase();
                        let len = head
                            .lines()
                            .find_map(|l| {
                                l.strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap())
                            })
                            .unwrap_or(0);
                        break (pos + 4, len);
                    }
                };
                while buf.len() < head_end + content_length {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let _ = socket.write_all(answer(&path).as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    url
}

fn response(status: &str, headers: &str, body: &str) -> String {
    format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n{body}", body.len())
}

fn context(origin: &str) -> CaptureContext {
    let json = format!(
        r#"{{"flx":{{"path":"/flex/v2/tokens","data":"AA==","origin":"{origin}","jwk":{{"kty":"RSA","e":"AQAB","use":"enc","n":"{N}","kid":"k1"}}}},"ctx":[{{"data":{{"requiredFields":["paymentInformation.card.number"],"optionalFields":[]}},"type":"api-0.1.0"}}],"iss":"Flex API","exp":4102444800,"iat":1700000000,"jti":"j"}}"#
    );
    let claims: CaptureContextClaims<'_> = serde_json::from_str(&json).unwrap();
    let claims = claims.into_owned();
    let key = RsaPublicKey::from_flex_capture_context_jwk(&claims.flx.jwk).unwrap();
    CaptureContext::new(JWT.to_owned(), claims, key)
}

fn card() -> PaymentData {
    PaymentData::flat().with("paymentInformation.card.number", "4111111111111111").unwrap()
}

fn client(url: &str) -> ClientBuilder {
    Client::builder().base_url(url).retry_policy(RetryPolicy::NONE)
}

fn allowed(client: &Client, origin: &str) -> bool {
    BaseUrl::parse(origin).is_some_and(|o| client.inner.token_origins.iter().any(|p| p.matches(&o)))
}

#[test]
fn default_origins_cover_every_documented_flex_host() {
    let client = Client::builder().build().unwrap();
    for origin in [
        // The origin of Cybersource's own documented capture context.
        "https://sl73flxapq002.visa.com:8443",
        "https://testflex.cybersource.com",
        "https://flex.cybersource.com:443",
        "https://testflex.cybersource.com:8443",
        "https://flex.visaacceptance.com",
        "https://apitest.visaacceptance.com:8443",
        "https://a.b.visa.com",
    ] {
        assert!(allowed(&client, origin), "{origin}");
    }
    for origin in [
        "https://cybersource.com",
        "https://visa.com:8443",
        "https://cybersource.com.evil.io",
        "https://x.cybersource.com.evil.io:8443",
        "https://evilvisa.com",
        "http://testflex.cybersource.com",
        "http://x.visa.com:8443",
        "https://x.visa.com:8080",
        "https://x.visaacceptance.com:80",
    ] {
        assert!(!allowed(&client, origin), "{origin}");
    }
    // A custom base URL serves its own tokens endpoint; the defaults can be dropped.
    let own =
        Client::builder().base_url("http://127.0.0.1:9000").without_default_token_origins().build().unwrap();
    assert!(allowed(&own, "http://127.0.0.1:9000"));
    assert!(!allowed(&own, "https://sl73flxapq002.visa.com:8443"));
    assert!(!allowed(&own, "http://127.0.0.1:9001"));
}

#[tokio::test]
async fn tokenize_refuses_origins_off_the_allow_list() {
    let client = Client::builder().build().unwrap();
    for (origin, named) in [
        ("https://evil.example.com", "https://evil.example.com"),
        ("https://cybersource.com.evil.io", "https://cybersource.com.evil.io"),
        ("https://testflex.cybersource.com.evil.io", "https://testflex.cybersource.com.evil.io"),
        ("https://sl73flxapq002.visa.com.evil.io:8443", "https://sl73flxapq002.visa.com.evil.io:8443"),
        ("https://evilvisa.com", "https://evilvisa.com"),
        ("https://visaacceptance.com", "https://visaacceptance.com"),
        ("http://testflex.cybersource.com", "http://testflex.cybersource.com"),
        ("http://sl73flxapq002.visa.com:8443", "http://sl73flxapq002.visa.com:8443"),
        ("https://testflex.cybersource.com:8080", "https://testflex.cybersource.com:8080"),
        ("https://flex.visaacceptance.com:444", "https://flex.visaacceptance.com:444"),
        ("https://user@testflex.cybersource.com", "https://user@testflex.cybersource.com"),
        ("https://a@x.cybersource.com", "https://a@x.cybersource.com"),
        ("javascript:alert(1)", "javascript:alert(1)"),
    ] {
        let err = client.tokenize(&context(origin), card()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Verification, "{origin}");
        assert!(err.to_string().contains(named), "the refused origin is named: {err}");
    }
    // Allowed explicitly.
    let client = Client::builder().allow_token_origin("https://tokens.example.com").build().unwrap();
    let err = client.tokenize(&context("https://evil.example.com"), card()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Verification);
    // Without the defaults even Cybersource hosts are refused.
    let client = Client::builder().without_default_token_origins().build().unwrap();
    let err = client.tokenize(&context("https://testflex.cybersource.com"), card()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Verification);
}

#[tokio::test]
async fn tokenize_checks_the_digest_header() {
    let wrong = canned(|_| {
        response("201 Created", "Digest: SHA-256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n", JWT)
    })
    .await;
    let err = client(&wrong).build().unwrap().tokenize(&context(&wrong), card()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err}");

    let right = canned(|_| {
        let digest = format!("Digest: SHA-256={}\r\n", crypto::sha256_base64(JWT.as_bytes()));
        response("201 Created", &digest, JWT)
    })
    .await;
    let token = client(&right).build().unwrap().tokenize(&context(&right), card()).await.unwrap();
    assert_eq!(token, JWT);

    let missing = canned(|_| response("201 Created", "", JWT)).await;
    let err = client(&missing).build().unwrap().tokenize(&context(&missing), card()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    let relaxed = client(&missing).require_tokens_digest(false).build().unwrap();
    assert_eq!(relaxed.tokenize(&context(&missing), card()).await.unwrap(), JWT);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let url = canned(|_| response("200 OK", "", &"x".repeat(5000))).await;
    let err = client(&url).max_response_bytes(1000).build().unwrap().public_key("k1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err}");
}

#[tokio::test]
async fn correlation_id_from_the_header_and_rest_error_shapes() {
    let url =
        canned(|_| response("404 Not Found", "v-c-correlation-id: hdr-42\r\n", "<html>no</html>")).await;
    let err = client(&url).build().unwrap().public_key("k1").await.unwrap_err();
    assert_eq!((err.kind(), err.status(), err.correlation_id()), (ErrorKind::Api, Some(404), Some("hdr-42")));
    assert!(err.to_string().contains("hdr-42"));

    let url = canned(|_| {
        response(
            "400 Bad Request",
            "v-c-correlation-id: hdr-1\r\n",
            r#"{"errorInformation":{"reason":"INVALID_DATA","message":"bad","details":[{"field":"keyId","reason":"MISSING"}]}}"#,
        )
    })
    .await;
    let err = client(&url).build().unwrap().tokenize(&context(&url), card()).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.reason(), err.correlation_id()),
        (ErrorKind::Api, Some("INVALID_DATA"), Some("hdr-1"))
    );
    assert_eq!(err.details(), vec![(Some("keyId"), Some("MISSING"))]);
}

#[tokio::test]
async fn public_keys_must_be_rsa_and_for_the_asked_kid() {
    let url =
        canned(|_| response("200 OK", "", &format!(r#"{{"kty":"RSA","kid":"other","n":"{N}","e":"AQAB"}}"#)))
            .await;
    let err = client(&url).build().unwrap().public_key("k1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);

    let url = canned(|_| response("200 OK", "", &format!(r#"{{"kty":"RSA","n":"{N}","e":"AQAB"}}"#))).await;
    let key = client(&url).build().unwrap().public_key("k1").await.unwrap();
    assert_eq!(key.kid().map(|k| k.as_str()), Some("k1"), "a kid-less JWK is bound to the asked kid");

    let url = canned(|_| response("200 OK", "", r#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}"#)).await;
    let err = client(&url).build().unwrap().public_key("k1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
}

#[tokio::test]
async fn a_non_jwt_capture_context_answer_is_an_invalid_response() {
    let url = canned(|_| response("201 Created", "", "{\"not\":\"a jwt\"}")).await;
    let client = client(&url).shared_secret(
        "testrest",
        "08c94330-f618-42a3-b09d-e1e43be5efda",
        "yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE=",
    );
    let err = client
        .build()
        .unwrap()
        .create_capture_context(&SessionRequest::new().require(flex_types::FieldPath::CardNumber))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
}

#[test]
fn builder_errors_surface_at_build() {
    let err = Client::builder().base_url("ftp://x").build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    let err = Client::builder().allow_token_origin("*").build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    let err = Client::builder().shared_secret("m", "k", "short").build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    assert!(!format!("{err:?} {err}").contains("short"));
}

#[tokio::test]
async fn each_attempt_is_rebuilt_and_get_5xx_retried_to_the_limit() {
    use std::sync::atomic::{AtomicU32, Ordering};
    let url = canned(|_| response("503 Service Unavailable", "", "{}")).await;
    let transport = Transport::new(
        TransportConfig {
            connect_timeout: Duration::from_secs(1),
            request_timeout: Duration::from_secs(2),
            max_response_bytes: 1024,
            retry: RetryPolicy {
                max_retries: 3,
                base_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(2),
            },
            pool_idle_timeout: Duration::from_secs(1),
            pool_max_idle_per_host: 1,
            http2_prior_knowledge: false,
            alpn_http2: true,
        },
        Vec::new(),
        None,
    )
    .unwrap();
    let built = AtomicU32::new(0);
    let make = |method: Method| {
        let url = format!("{url}/x");
        let built = &built;
        move || {
            built.fetch_add(1, Ordering::SeqCst);
            Request::builder()
                .method(method.clone())
                .uri(url.as_str())
                .body(Full::new(Bytes::new()))
                .map_err(build_error)
        }
    };
    let get = make(Method::GET);
    let response = transport
        .send(Idempotency::Idempotent, &get, &Deadline::after(Duration::from_secs(30)))
        .await
        .unwrap();
    assert_eq!(
        (response.status, built.load(Ordering::SeqCst)),
        (503, 4),
        "1 attempt + 3 retries, each rebuilt"
    );
    built.store(0, Ordering::SeqCst);
    let post = make(Method::POST);
    let response = transport
        .send(Idempotency::NotIdempotent, &post, &Deadline::after(Duration::from_secs(30)))
        .await
        .unwrap();
    assert_eq!(
        (response.status, built.load(Ordering::SeqCst)),
        (503, 1),
        "a POST that reached the server is not retried"
    );
    // A POST that never left (connection refused) is retried, rebuilt each time.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let count = AtomicU32::new(0);
    let refused = || {
        count.fetch_add(1, Ordering::SeqCst);
        Request::post(format!("{closed}/x")).body(Full::new(Bytes::new())).map_err(build_error)
    };
    let err = transport
        .send(Idempotency::NotIdempotent, &refused, &Deadline::after(Duration::from_secs(30)))
        .await
        .unwrap_err();
    assert_eq!((err.kind(), count.load(Ordering::SeqCst)), (ErrorKind::Transport, 4));
}

/// A loopback server that accepts every connection, reads the request, and never answers.
async fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut socket, _)) = listener.accept().await {
            held.push(tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while socket.read(&mut buf).await.is_ok_and(|n| n > 0) {}
            }));
        }
    });
    url
}

/// A loopback server that answers with headers and the start of a body, then stalls.
async fn stalling_body_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let head =
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{";
                let _ = socket.write_all(head.as_bytes()).await;
                while socket.read(&mut buf).await.is_ok_and(|n| n > 0) {}
            });
        }
    });
    url
}

fn silent_client(url: &str, request_timeout: Duration, operation_timeout: Duration) -> Client {
    Client::builder()
        .base_url(url)
        .shared_secret(
            "testrest",
            "08c94330-f618-42a3-b09d-e1e43be5efda",
            "yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE=",
        )
        .request_timeout(request_timeout)
        .operation_timeout(operation_timeout)
        .retry_policy(RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(100),
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn operation_deadline_cuts_off_a_server_that_never_answers() {
    let url = silent_server().await;
    let client = silent_client(&url, Duration::from_secs(10), Duration::from_secs(1));
    let request = SessionRequest::new().require(flex_types::FieldPath::CardNumber);
    let started = std::time::Instant::now();
    let err = client.create_capture_context(&request).await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.to_string().contains("operation deadline of 1 s expired after 1 attempt"), "{err}");
    // About one second; the bound is generous for a loaded machine, and far below the 10 s attempt timeout.
    assert!(elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(5), "{elapsed:?}");

    // An idempotent GET is retried after each attempt timeout, but never past the deadline.
    let client = silent_client(&url, Duration::from_millis(300), Duration::from_secs(1));
    let started = std::time::Instant::now();
    let err = client.public_key("k1").await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    let text = err.to_string();
    assert!(text.contains("operation deadline of 1 s"), "{text}");
    assert!(text.contains("attempts"), "several attempts fit in the deadline: {text}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[tokio::test]
async fn attempt_timeout_is_reported_as_such_and_covers_the_body() {
    let url = stalling_body_server().await;
    let client = silent_client(&url, Duration::from_millis(500), Duration::from_secs(20));
    let request = SessionRequest::new().require(flex_types::FieldPath::CardNumber);
    let started = std::time::Instant::now();
    // The POST reached the server, so it is not retried: one attempt, cut off while reading the body.
    let err = client.create_capture_context(&request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.to_string().contains("attempt timed out after 500 ms"), "{err}");
    assert!(!err.to_string().contains("operation deadline"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[tokio::test]
async fn no_backoff_sleep_starts_past_the_deadline() {
    use std::sync::atomic::{AtomicU32, Ordering};
    // Every connection is refused (never sent), so every attempt may be retried, without limit; each backoff is
    // up to 2 s (full jitter) and the deadline 1 s: the attempts stop when the next backoff would cross the
    // deadline, so the call ends within it, with the operation-deadline error.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let transport = Transport::new(
        TransportConfig {
            connect_timeout: Duration::from_secs(1),
            request_timeout: Duration::from_secs(5),
            max_response_bytes: 1024,
            retry: RetryPolicy {
                max_retries: u32::MAX,
                base_delay: Duration::from_secs(2),
                max_delay: Duration::from_secs(2),
            },
            pool_idle_timeout: Duration::from_secs(1),
            pool_max_idle_per_host: 1,
            http2_prior_knowledge: false,
            alpn_http2: true,
        },
        Vec::new(),
        None,
    )
    .unwrap();
    let count = AtomicU32::new(0);
    let refused = || {
        count.fetch_add(1, Ordering::SeqCst);
        Request::post(format!("{closed}/x")).body(Full::new(Bytes::new())).map_err(build_error)
    };
    let started = std::time::Instant::now();
    let err = transport
        .send(Idempotency::NotIdempotent, &refused, &Deadline::after(Duration::from_secs(1)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("operation deadline of 1 s"), "{err}");
    assert!(started.elapsed() < Duration::from_millis(1900), "{:?}", started.elapsed());
    assert!(count.load(Ordering::SeqCst) >= 1);
}

#[test]
fn operation_timeout_must_be_positive_and_env_is_validated() {
    let err = Client::builder().operation_timeout(Duration::ZERO).build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    for bad in ["0", "3601", "ten", "-5", "2.5"] {
        let err = ClientBuilder::from_lookup(|name| (name == "FLEX_TIMEOUT_SECS").then(|| bad.to_owned()))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Configuration, "{bad}");
        assert!(err.to_string().contains("FLEX_TIMEOUT_SECS"), "{err}");
    }
    let builder =
        ClientBuilder::from_lookup(|name| (name == "FLEX_TIMEOUT_SECS").then(|| "7".to_owned())).unwrap();
    assert_eq!(builder.operation_timeout, Duration::from_secs(7));
}
