//! The client through an HTTP proxy: a loopback `CONNECT` proxy written for the test (it counts the tunnels it
//! opened and records the `CONNECT` requests), the sandbox over HTTPS behind it, and `NO_PROXY`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{https_sandbox, test_keys};
use flex_client::{
    Client, ClientBuilder, ErrorKind, FieldPath, PaymentData, Proxy, RetryPolicy, SessionRequest,
};
use flex_sandbox::{RunningSandbox, Sandbox, TEST_KEY_ID, TEST_MERCHANT_ID, TEST_SHARED_SECRET};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// How the test proxy answers.
#[derive(Clone, Copy)]
enum Mode {
    /// Tunnels every `CONNECT` (checking `Proxy-Authorization` when `auth` is set).
    Tunnel { auth: Option<&'static str> },
    /// Answers every `CONNECT` with this status.
    Refuse(u16),
}

/// A loopback HTTP `CONNECT` proxy.
struct TestProxy {
    url: String,
    authority: String,
    tunnels: Arc<AtomicUsize>,
    /// The head of every `CONNECT` request received.
    requests: Arc<Mutex<Vec<String>>>,
}

impl TestProxy {
    async fn start(mode: Mode) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let authority = listener.local_addr().unwrap().to_string();
        let tunnels = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (count, seen) = (Arc::clone(&tunnels), Arc::clone(&requests));
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else { return };
                let (count, seen) = (Arc::clone(&count), Arc::clone(&seen));
                tokio::spawn(async move {
                    let _ = serve(client, mode, &count, &seen).await;
                });
            }
        });
        Self { url: format!("http://{authority}"), authority, tunnels, requests }
    }

    fn tunnels(&self) -> usize {
        self.tunnels.load(Ordering::SeqCst)
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve(
    mut client: TcpStream,
    mode: Mode,
    count: &AtomicUsize,
    seen: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 8192 || client.read(&mut byte).await? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    seen.lock().unwrap().push(head.clone());
    let mut words = head.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or("").to_owned());
    let status = match mode {
        _ if method != "CONNECT" => 405,
        Mode::Refuse(status) => status,
        Mode::Tunnel { auth: Some(expected) } => {
            let given = head.lines().find_map(|l| {
                l.strip_prefix("Proxy-Authorization: ").or(l.strip_prefix("proxy-authorization: "))
            });
            if given == Some(expected) { 200 } else { 407 }
        }
        Mode::Tunnel { auth: None } => 200,
    };
    if status != 200 {
        let answer = format!(
            "HTTP/1.1 {status} Refused\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n"
        );
        client.write_all(answer.as_bytes()).await?;
        return Ok(());
    }
    let mut upstream = TcpStream::connect(target.as_str()).await?;
    client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await?;
    count.fetch_add(1, Ordering::SeqCst);
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

fn builder(sandbox: &RunningSandbox) -> ClientBuilder {
    let mut builder = Client::builder()
        .base_url(sandbox.base_url())
        .shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, TEST_SHARED_SECRET)
        .retry_policy(RetryPolicy::NONE);
    if let Some(ca) = sandbox.ca_pem() {
        builder = builder.add_root_certificate_pem(ca.as_bytes());
    }
    builder
}

/// Capture context, tokenization, transient-token verification.
async fn full_flow(client: &Client) {
    let request = SessionRequest::new().require(FieldPath::CardNumber);
    let context = client.create_capture_context(&request).await.unwrap();
    let card = PaymentData::flat().with("paymentInformation.card.number", "4111111111111111").unwrap();
    let token = client.tokenize(&context, card).await.unwrap();
    let verified = client.verify_transient_token(&token, &context).await.unwrap();
    assert_eq!(verified.claims().masked_card_number(), Some("411111XXXXXX1111"));
}

fn sandbox_authority(sandbox: &RunningSandbox) -> String {
    sandbox.base_url().split("://").nth(1).unwrap().to_owned()
}

#[tokio::test]
async fn https_flow_goes_through_the_proxy_with_basic_credentials() {
    let sandbox = https_sandbox().await;
    // base64("flex user:s3cr%t") — the URL carries them percent-encoded.
    let proxy = TestProxy::start(Mode::Tunnel { auth: Some("Basic ZmxleCB1c2VyOnMzY3IldA==") }).await;
    let url = format!("http://flex%20user:s3cr%25t@{}", proxy.authority);
    let client = builder(&sandbox).proxy(Proxy::parse(&url).unwrap()).build().unwrap();
    full_flow(&client).await;
    assert!(proxy.tunnels() > 0, "every connection is tunnelled");
    let requests = proxy.requests();
    let target = sandbox_authority(&sandbox);
    assert!(
        requests.iter().all(|r| r.starts_with(&format!("CONNECT {target} HTTP/1.1\r\n"))),
        "{requests:?}"
    );
    // The credentials are not shown anywhere.
    let shown = format!("{client:?} {:?} {}", Proxy::parse(&url).unwrap(), Proxy::parse(&url).unwrap());
    assert!(
        !shown.contains("s3cr") && !shown.contains("flex%20user") && !shown.contains("flex user"),
        "{shown}"
    );
    assert!(shown.contains(&format!("http://***@{}", proxy.authority)), "{shown}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn plain_http_targets_are_tunnelled_too() {
    let sandbox = Sandbox::builder().test_keys(test_keys()).start().await.unwrap();
    let proxy = TestProxy::start(Mode::Tunnel { auth: None }).await;
    let client = builder(&sandbox).proxy(Proxy::parse(&proxy.url).unwrap()).build().unwrap();
    full_flow(&client).await;
    assert!(proxy.tunnels() > 0);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn no_proxy_matching_the_host_connects_directly() {
    let sandbox = https_sandbox().await;
    let proxy = TestProxy::start(Mode::Tunnel { auth: None }).await;
    for list in ["127.0.0.1", "example.com, 127.0.0.0/8", "*"] {
        let client =
            builder(&sandbox).proxy(Proxy::parse(&proxy.url).unwrap().with_no_proxy(list)).build().unwrap();
        full_flow(&client).await;
    }
    assert_eq!(proxy.tunnels(), 0);
    // A list that does not match the host leaves the proxy in use (loopback is not bypassed implicitly).
    let client = builder(&sandbox)
        .proxy(Proxy::parse(&proxy.url).unwrap().with_no_proxy("localhost,::1,10.0.0.0/8"))
        .build()
        .unwrap();
    full_flow(&client).await;
    assert!(proxy.tunnels() > 0);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn proxy_and_ca_from_the_environment_variables() {
    let sandbox = https_sandbox().await;
    let proxy = TestProxy::start(Mode::Tunnel { auth: None }).await;
    let dir = std::env::temp_dir().join(format!("flex-client-proxy-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, sandbox.ca_pem().unwrap()).unwrap();
    let vars = |no_proxy: Option<&'static str>| {
        let (url, proxy_url, ca) =
            (sandbox.base_url().to_owned(), proxy.url.clone(), ca_file.display().to_string());
        move |name: &str| -> Option<String> {
            match name {
                "FLEX_ENV" => Some(url.clone()),
                "FLEX_MERCHANT_ID" => Some(TEST_MERCHANT_ID.to_owned()),
                "FLEX_KEY_ID" => Some(TEST_KEY_ID.to_owned()),
                "FLEX_SHARED_SECRET" => Some(TEST_SHARED_SECRET.to_owned()),
                "FLEX_CA_FILE" => Some(ca.clone()),
                "HTTPS_PROXY" => Some(proxy_url.clone()),
                "no_proxy" => no_proxy.map(str::to_owned),
                _ => None,
            }
        }
    };
    let client = ClientBuilder::from_lookup(vars(None)).unwrap().build().unwrap();
    full_flow(&client).await;
    let tunnelled = proxy.tunnels();
    assert!(tunnelled > 0);
    let client = ClientBuilder::from_lookup(vars(Some("127.0.0.1"))).unwrap().build().unwrap();
    full_flow(&client).await;
    assert_eq!(proxy.tunnels(), tunnelled, "no_proxy skips the proxy");
    // `no_proxy()` on the builder overrides the environment.
    let client = ClientBuilder::from_lookup(vars(None)).unwrap().no_proxy().build().unwrap();
    full_flow(&client).await;
    assert_eq!(proxy.tunnels(), tunnelled);
    // A missing CA file is a configuration error naming the path.
    let missing = dir.join("missing.pem").display().to_string();
    let shown = missing.clone();
    let err =
        ClientBuilder::from_lookup(move |n| (n == "FLEX_CA_FILE").then(|| missing.clone())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    assert!(err.to_string().contains(&shown), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_proxy_refusing_connect_is_one_line_naming_proxy_target_and_status() {
    let sandbox = https_sandbox().await;
    let target = sandbox_authority(&sandbox);
    // Wrong credentials: 407, and the credentials appear in no error text.
    let proxy = TestProxy::start(Mode::Tunnel { auth: Some("Basic b3RoZXI6b3RoZXI=") }).await;
    let url = format!("http://alice:hunter2@{}", proxy.authority);
    let client =
        builder(&sandbox).retry_policy(retries()).proxy(Proxy::parse(&url).unwrap()).build().unwrap();
    let err = client.public_key(&sandbox.signing_kid()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    let text = err.to_string();
    assert!(text.ends_with(&format!("proxy {} refused CONNECT to {target}: 407", proxy.authority)), "{text}");
    assert!(!text.contains('\n'));
    let everything = format!("{err:?} {text} {client:?}");
    assert!(!everything.contains("hunter2") && !everything.contains("alice"), "{everything}");
    assert_eq!(proxy.requests().len(), 1, "a refusal is not retried");
    // A proxy that forbids the target: 403.
    let proxy = TestProxy::start(Mode::Refuse(403)).await;
    let client = builder(&sandbox).proxy(Proxy::parse(&proxy.url).unwrap()).build().unwrap();
    let err = client.create_capture_context(&SessionRequest::new()).await.unwrap_err();
    assert!(
        err.to_string().ends_with(&format!("proxy {} refused CONNECT to {target}: 403", proxy.authority)),
        "{err}"
    );
    // With retries allowed, a 4xx refusal is final, a 5xx from the proxy is retried like any transient failure.
    for (status, attempts) in [(403, 1), (407, 1), (502, 3)] {
        let proxy = TestProxy::start(Mode::Refuse(status)).await;
        let client = builder(&sandbox)
            .retry_policy(retries())
            .proxy(Proxy::parse(&proxy.url).unwrap())
            .build()
            .unwrap();
        let err = client.public_key(&sandbox.signing_kid()).await.unwrap_err();
        assert!(err.to_string().ends_with(&format!(": {status}")), "{err}");
        assert_eq!(proxy.requests().len(), attempts, "{status}");
    }
    sandbox.shutdown().await;
}

fn retries() -> RetryPolicy {
    RetryPolicy { max_retries: 2, base_delay: Duration::from_millis(1), max_delay: Duration::from_millis(5) }
}

#[tokio::test]
async fn an_unreachable_proxy_is_named_as_the_proxy() {
    let sandbox = https_sandbox().await;
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let authority = closed.local_addr().unwrap().to_string();
    drop(closed);
    let client =
        builder(&sandbox).proxy(Proxy::parse(&format!("http://{authority}")).unwrap()).build().unwrap();
    let err = client.public_key(&sandbox.signing_kid()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert!(err.to_string().ends_with(&format!("connection refused to proxy {authority}")), "{err}");
    // A proxy name that does not resolve (`.invalid`, RFC 6761).
    let client =
        builder(&sandbox).proxy(Proxy::parse("http://u:p4ss@proxy.invalid:3128").unwrap()).build().unwrap();
    let err = client.public_key(&sandbox.signing_kid()).await.unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("transport error: cannot resolve proxy host proxy.invalid"), "{text}");
    assert!(!format!("{err:?} {text}").contains("p4ss"));
    sandbox.shutdown().await;
}
