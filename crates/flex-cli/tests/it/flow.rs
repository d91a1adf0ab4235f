//! The networked commands as a user runs them, against `cybs-flex sandbox serve` over HTTPS with its generated
//! CA: `session` -> `tokenize` -> `transient verify`, `keys get`, directly and through a loopback `CONNECT` proxy,
//! RS256 merchant keys, and every failure class with its one-line message and exit code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{CLEARED, KEY_ID, MERCHANT, SECRET, run, stderr, stdout, temp_file, temp_path};

const PAN: &str = "4111111111111111";

pub(crate) fn creds() -> Vec<(&'static str, String)> {
    vec![
        ("FLEX_MERCHANT_ID", MERCHANT.to_owned()),
        ("FLEX_KEY_ID", KEY_ID.to_owned()),
        ("FLEX_SHARED_SECRET", SECRET.to_owned()),
    ]
}

pub(crate) fn flex(args: &[&str], stdin: Option<&str>, env: &[(&str, String)]) -> Output {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run(args, stdin, &env)
}

#[track_caller]
pub(crate) fn assert_ok(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(out));
    stdout(out).trim().to_owned()
}

/// Exit `code`, nothing on stdout, and exactly one `cybs-flex: error:` line containing every `expected` part.
#[track_caller]
pub(crate) fn assert_one_line(out: &Output, code: i32, expected: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("cybs-flex: error: "), "{err}");
    for part in expected {
        assert!(err.contains(part), "{err:?} should mention {part:?}");
    }
    assert!(stdout(out).is_empty(), "{}", stdout(out));
}

pub(crate) fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `cybs-flex sandbox serve` over HTTPS with a generated CA, in a child process; killed on drop.
pub(crate) struct Served {
    child: Child,
    pub(crate) url: String,
    pub(crate) addr: String,
    pub(crate) ca: PathBuf,
    log: PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.ca);
        let _ = std::fs::remove_file(&self.log);
    }
}

pub(crate) fn serve_https(name: &str, extra: &[&str]) -> Served {
    let ca = temp_path(&format!("{name}-ca.pem"));
    let log = temp_path(&format!("{name}-serve.log"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cybs-flex"));
    for var in CLEARED {
        cmd.env_remove(var);
    }
    let mut child = cmd
        .args(["sandbox", "serve", "--addr", "127.0.0.1:0", "--tls-generate-ca", s(&ca)])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut first = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if first.is_none() {
            first = Some(line.clone());
        }
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    let url = first.unwrap().strip_prefix("flex sandbox listening on ").unwrap().to_owned();
    let addr = url.strip_prefix("https://").unwrap().to_owned();
    Served { child, url, addr, ca, log }
}

/// A loopback HTTP `CONNECT` proxy that tunnels to loopback targets only and counts the tunnels it opened.
struct ConnectProxy {
    url: String,
    tunnels: Arc<AtomicUsize>,
    targets: Arc<Mutex<Vec<String>>>,
}

fn connect_proxy() -> ConnectProxy {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let tunnels = Arc::new(AtomicUsize::new(0));
    let targets = Arc::new(Mutex::new(Vec::new()));
    let (count, seen) = (tunnels.clone(), targets.clone());
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let (count, seen) = (count.clone(), seen.clone());
            std::thread::spawn(move || tunnel(client, &count, &seen));
        }
    });
    ConnectProxy { url, tunnels, targets }
}

fn tunnel(mut client: TcpStream, count: &AtomicUsize, seen: &Mutex<Vec<String>>) {
    let mut head = Vec::new();
    let mut byte = [0_u8];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 8192 || client.read(&mut byte).unwrap_or(0) == 0 {
            return;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut words = head.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (words.next(), words.next()) else {
        let _ = client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n");
        return;
    };
    seen.lock().unwrap().push(target.to_owned());
    let upstream = match TcpStream::connect(target) {
        Ok(upstream) if target.starts_with("127.0.0.1:") => upstream,
        _ => {
            let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
            return;
        }
    };
    count.fetch_add(1, Ordering::SeqCst);
    if client.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n").is_err() {
        return;
    }
    let (mut client_read, mut upstream_write) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_read, &mut upstream_write);
        let _ = upstream_write.shutdown(std::net::Shutdown::Write);
    });
    let (mut upstream_read, mut client_write) = (upstream, client);
    let _ = std::io::copy(&mut upstream_read, &mut client_write);
    let _ = client_write.shutdown(std::net::Shutdown::Write);
}

/// The card flags of `tokenize`.
fn card_args() -> Vec<&'static str> {
    vec![
        "--card-number",
        PAN,
        "--expiration-month",
        "12",
        "--expiration-year",
        "2031",
        "--security-code",
        "123",
    ]
}

/// `session` -> `tokenize` -> `transient verify` against `sandbox`, with `env` added to every command;
/// returns the transient token's verified claims.
fn whole_flow(sandbox: &Served, env: &[(&str, String)]) -> serde_json::Value {
    let net = ["--env", sandbox.url.as_str(), "--cacert", s(&sandbox.ca)];
    let mut session_env = creds();
    session_env.extend(env.iter().cloned());
    let mut args = vec!["session"];
    args.extend(net);
    let context = assert_ok(&flex(&args, None, &session_env));
    assert_eq!(context.split('.').count(), 3);
    let context_file = temp_file(&format!("context-{}", rand_suffix()), context.as_bytes());
    let at_context = format!("@{}", s(&context_file));

    let mut args = vec!["tokenize", "--capture-context", &at_context];
    args.extend(card_args());
    args.extend(net);
    let out = flex(&args, None, env);
    let token = assert_ok(&out);
    assert_eq!(token.split('.').count(), 3, "{token}");
    assert!(!stderr(&out).contains(PAN));

    let mut args = vec!["transient", "verify", "--capture-context", &at_context, &token];
    args.extend(net);
    let claims = assert_ok(&flex(&args, None, env));
    std::fs::remove_file(&context_file).unwrap();
    serde_json::from_str(&claims).unwrap()
}

pub(crate) fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    h.finish()
}

#[test]
fn session_tokenize_and_transient_verify_over_https() {
    let sandbox = serve_https("flow", &[]);
    let claims = whole_flow(&sandbox, &[]);
    let text = claims.to_string();
    assert!(text.contains("411111XXXXXX1111"), "{claims:#}");
    assert!(!text.contains(PAN), "{claims:#}");
    assert!(claims["jti"].is_string() && claims["exp"].is_number(), "{claims:#}");

    // FLEX_CA_FILE instead of --cacert; --json on session and tokenize; the context from stdin.
    let ca_env = [("FLEX_CA_FILE", s(&sandbox.ca).to_owned())];
    let mut env = creds();
    env.extend(ca_env.iter().cloned());
    let out = flex(&["session", "--env", &sandbox.url, "--json"], None, &env);
    let session: serde_json::Value = serde_json::from_str(&assert_ok(&out)).unwrap();
    assert_eq!(session["flx"]["origin"], sandbox.url.as_str());
    let context = assert_ok(&flex(&["session", "--env", &sandbox.url], None, &env));
    let mut args = vec!["tokenize", "--capture-context", "-", "--env", &sandbox.url, "--json"];
    args.extend(card_args());
    let out = flex(&args, Some(&context), &ca_env);
    let json: serde_json::Value = serde_json::from_str(&assert_ok(&out)).unwrap();
    let token = json["transientToken"].as_str().unwrap().to_owned();
    assert_eq!(json["header"]["alg"], "RS256");
    // The token from stdin this time.
    let at = format!("@{}", s(&temp_file("ctx-stdin", context.as_bytes())));
    let out = flex(
        &["transient", "verify", "--capture-context", &at, "--env", &sandbox.url],
        Some(&token),
        &ca_env,
    );
    let verified: serde_json::Value = serde_json::from_str(&assert_ok(&out)).unwrap();
    assert!(verified["jti"].is_string(), "{verified:#}");

    // keys get: the capture context's signing key, as a JWK.
    let out = flex(&["jwt", "decode", &context], None, &[]);
    let decoded: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let kid = decoded["header"]["kid"].as_str().unwrap().to_owned();
    let out = flex(&["keys", "get", &kid, "--env", &sandbox.url], None, &ca_env);
    let jwk: serde_json::Value = serde_json::from_str(&assert_ok(&out)).unwrap();
    assert_eq!(jwk["kty"], "RSA");
    assert_eq!(jwk["kid"], kid.as_str());
    let out = flex(&["keys", "get", &kid, "--env", &sandbox.url, "--json"], None, &ca_env);
    assert!(assert_ok(&out).lines().count() > 3, "pretty-printed");
    let out = flex(&["keys", "get", "no-such-kid", "--env", &sandbox.url], None, &ca_env);
    assert_one_line(&out, 1, &["404", &sandbox.addr]);
    let out = flex(&["keys", "get", "bad/kid", "--env", &sandbox.url], None, &ca_env);
    assert_one_line(&out, 2, &["kid"]);

    // jwt verify with flx.jwk (an "enc" key) names the option that accepts it.
    let jwk = temp_file("flx-jwk.json", decoded["payload"]["flx"]["jwk"].to_string().as_bytes());
    let out = flex(&["jwt", "verify", "--jwk", s(&jwk), &token], None, &[]);
    assert_one_line(&out, 1, &["--flex-transient-token-key"]);
    let out = flex(&["jwt", "verify", "--jwk", s(&jwk), "--flex-transient-token-key", &token], None, &[]);
    assert_ok(&out);
    std::fs::remove_file(&jwk).unwrap();
}

#[test]
fn the_whole_flow_through_a_connect_proxy_and_no_proxy_skips_it() {
    let sandbox = serve_https("proxy", &[]);
    let proxy = connect_proxy();
    for var in ["HTTPS_PROXY", "https_proxy"] {
        let before = proxy.tunnels.load(Ordering::SeqCst);
        let claims = whole_flow(&sandbox, &[(var, proxy.url.clone())]);
        assert!(claims["jti"].is_string());
        let opened = proxy.tunnels.load(Ordering::SeqCst) - before;
        // session, tokenize and transient verify each open at least one tunnel.
        assert!(opened >= 3, "{var}: {opened} tunnels");
    }
    assert!(proxy.targets.lock().unwrap().iter().all(|t| *t == sandbox.addr), "{:?}", proxy.targets);

    // NO_PROXY naming the host (either case, also as a list) keeps the proxy out of it.
    let before = proxy.tunnels.load(Ordering::SeqCst);
    for (var, list) in [("NO_PROXY", "127.0.0.1"), ("no_proxy", "example.com,127.0.0.1")] {
        whole_flow(&sandbox, &[("HTTPS_PROXY", proxy.url.clone()), (var, list.to_owned())]);
    }
    assert_eq!(proxy.tunnels.load(Ordering::SeqCst), before);

    // A proxy that is not there: the failure names the proxy, not the sandbox.
    let closed = closed_port();
    let out = flex(
        &["keys", "get", "any", "--env", &sandbox.url, "--cacert", s(&sandbox.ca), "--timeout", "5"],
        None,
        &[("HTTPS_PROXY", format!("http://127.0.0.1:{closed}"))],
    );
    assert_one_line(&out, 1, &["proxy", &format!("127.0.0.1:{closed}")]);
}

/// A loopback port with nothing listening.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A loopback listener that accepts connections and never answers; it lives as long as the returned handle.
fn silent_listener() -> (String, TcpListener) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let accepting = listener.try_clone().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        while let Ok((socket, _)) = accepting.accept() {
            held.push(socket);
        }
    });
    (addr, listener)
}

/// Arguments, environment, and a part of the expected message.
type UsageCase<'a> = (Vec<&'a str>, Vec<(&'a str, String)>, &'a str);

#[test]
fn every_failure_class_has_its_own_line_and_exit_code() {
    let sandbox = serve_https("failures", &[]);

    // Connection refused: the host and the cause.
    let closed = closed_port();
    let url = format!("https://127.0.0.1:{closed}");
    let out = flex(&["keys", "get", "any", "--env", &url], None, &[]);
    assert_one_line(&out, 1, &["connection refused", &format!("127.0.0.1:{closed}")]);
    let out = flex(&["session", "--env", &url], None, &creds());
    assert_one_line(&out, 1, &["connection refused", &format!("127.0.0.1:{closed}")]);

    // The sandbox's certificate without its CA: not trusted, and the host.
    let out = flex(&["session", "--env", &sandbox.url], None, &creds());
    assert_one_line(&out, 1, &["certificate not trusted", &sandbox.addr]);

    // A server that never answers: the deadline, promptly.
    let (addr, _listener) = silent_listener();
    let started = Instant::now();
    let out = flex(&["keys", "get", "any", "--env", &format!("http://{addr}"), "--timeout", "1"], None, &[]);
    assert_one_line(&out, 1, &["1 s", &addr]);
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());

    // Usage errors found after parsing: exit 2, one line, naming the option.
    let missing = temp_path("no-such-file.pem");
    let junk = temp_file("junk.pem", b"not a certificate");
    let env = ["--env", sandbox.url.as_str()];
    let cases: Vec<UsageCase<'_>> = vec![
        (vec!["keys", "get", "k", "--cacert", s(&missing)], vec![], "--cacert"),
        (vec!["keys", "get", "k", "--cacert", s(&junk)], vec![], "no PEM certificate"),
        (vec!["keys", "get", "k"], vec![("FLEX_CA_FILE", s(&missing).to_owned())], "FLEX_CA_FILE"),
        (vec!["keys", "get", "k", "--env", "ftp://example.com"], vec![], "--env"),
        (vec!["session"], vec![], "FLEX_MERCHANT_ID is not set"),
        (vec!["session", "--private-key", s(&missing)], creds(), "--private-key"),
        (vec!["session", "--private-key", s(&junk)], creds(), "PKCS#8"),
        (vec!["session", "--auth", "http-signature", "--private-key", s(&junk)], creds(), "HTTP Signature"),
        (vec!["session", "--auth", "basic"], creds(), "--auth"),
        (vec!["session", "--fields", "paymentInformation.card.numbr"], creds(), "unknown field path"),
        (
            vec!["session"],
            vec![("FLEX_MERCHANT_ID", MERCHANT.to_owned()), ("FLEX_KEY_ID", KEY_ID.to_owned())],
            "FLEX_SHARED_SECRET",
        ),
        (vec!["transient", "verify", "--capture-context", "-", "-"], vec![], "stdin"),
        (
            vec!["transient", "verify", "--capture-context", "@/nonexistent/ctx", "x.y.z"],
            vec![],
            "capture context",
        ),
        (vec!["keys", "get", "k"], vec![("RUST_LOG", "flex_client=loud".to_owned())], "RUST_LOG"),
        (vec!["jwt", "verify", "--jwk", s(&missing), "x.y.z"], vec![], "cannot open key file"),
    ];
    for (mut args, vars, expected) in cases {
        if !args.contains(&"--env") && args[0] != "jwt" {
            args.extend(env);
        }
        let out = flex(&args, Some(""), &vars);
        assert_one_line(&out, 2, &[expected]);
    }
    let mut args = vec!["tokenize", "--capture-context", "-", "--card-number", "-"];
    args.extend(["--expiration-month", "1", "--expiration-year", "2031"]);
    assert_one_line(&flex(&args, Some(""), &[]), 2, &["stdin"]);
    // An --allow-origin that is not an origin pattern.
    let mut args = vec!["tokenize", "--capture-context", "a.b.c", "--allow-origin", "ftp://example.com"];
    args.extend(card_args());
    assert_one_line(&flex(&args, None, &[]), 2, &["--allow-origin", "origin pattern"]);
    // A failure after parsing that is not the command line's: a token that does not verify is exit 1.
    let context =
        assert_ok(&flex(&["session", "--env", &sandbox.url, "--cacert", s(&sandbox.ca)], None, &creds()));
    let out = flex(
        &[
            "transient",
            "verify",
            "--capture-context",
            "-",
            &context,
            "--env",
            &sandbox.url,
            "--cacert",
            s(&sandbox.ca),
        ],
        Some(&context),
        &[],
    );
    assert_one_line(&out, 1, &["transient token"]);
    std::fs::remove_file(&junk).unwrap();
}

#[test]
fn an_rs256_merchant_key_creates_a_session() {
    let key = flex_testkit::testdata_path("keys/rsa2048.pk8.pem");
    let other = flex_testkit::testdata_path("keys/rsa3072.pk8.pem");
    let registered = format!("rsa-test-key={}", s(&key));
    let sandbox = serve_https("rs256", &["--merchant-rsa-key", &registered]);
    let net = ["--env", sandbox.url.as_str(), "--cacert", s(&sandbox.ca)];
    let merchant = [("FLEX_MERCHANT_ID", MERCHANT.to_owned()), ("FLEX_KEY_ID", "rsa-test-key".to_owned())];

    // The key from FLEX_PRIVATE_KEY_FILE, then from --private-key; no shared secret anywhere.
    let mut env = merchant.to_vec();
    env.push(("FLEX_PRIVATE_KEY_FILE", s(&key).to_owned()));
    let mut args = vec!["session", "--json"];
    args.extend(net);
    let claims: serde_json::Value = serde_json::from_str(&assert_ok(&flex(&args, None, &env))).unwrap();
    assert_eq!(claims["iss"], "Flex API");
    let mut args = vec!["session", "--private-key", s(&key)];
    args.extend(net);
    assert_eq!(assert_ok(&flex(&args, None, &merchant)).split('.').count(), 3);
    // The private key wins over a shared secret also present.
    let mut env = creds();
    env.retain(|(k, _)| *k != "FLEX_KEY_ID");
    env.push(("FLEX_KEY_ID", "rsa-test-key".to_owned()));
    assert_ok(&flex(&args, None, &env));

    // Another key under the same key id: the server refuses it (exit 1, one line).
    let mut args = vec!["session", "--private-key", s(&other)];
    args.extend(net);
    let out = flex(&args, None, &merchant);
    assert_one_line(&out, 1, &["401"]);
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    for (shell, marker) in
        [("bash", "complete -F"), ("zsh", "#compdef cybs-flex"), ("fish", "complete -c cybs-flex")]
    {
        let out = flex(&["completions", shell], None, &[]);
        let script = assert_ok(&out);
        assert!(script.contains(marker), "{shell}: {script}");
        for command in ["tokenize", "transient", "keys", "session"] {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
    }
    let out = flex(&["completions", "powershell-7"], None, &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn card_data_never_appears_in_output_logs_or_errors() {
    let sandbox = serve_https("pan", &[]);
    let context =
        assert_ok(&flex(&["session", "--env", &sandbox.url, "--cacert", s(&sandbox.ca)], None, &creds()));
    let context_file = temp_file("pan-context", context.as_bytes());
    let at = format!("@{}", s(&context_file));
    // Trace logs of every crate, once succeeding (-vvv) and once refused by the server (RUST_LOG=trace; a context
    // is used once); NO_COLOR unset, so only the redirection keeps colour out.
    for (expected_code, verbose, env) in
        [(0, Some("-vvv"), vec![]), (1, None, vec![("RUST_LOG", "trace".to_owned())])]
    {
        let mut args: Vec<&str> = verbose.into_iter().collect();
        args.extend([
            "tokenize",
            "--capture-context",
            &at,
            "--env",
            &sandbox.url,
            "--cacert",
            s(&sandbox.ca),
        ]);
        args.extend(card_args());
        let out = flex(&args, None, &env);
        let (out_text, err_text) = (stdout(&out), stderr(&out));
        assert_eq!(out.status.code(), Some(expected_code), "{err_text}");
        assert!(
            err_text.contains("TRACE") && err_text.lines().count() > 5,
            "trace logs expected: {err_text}"
        );
        for text in [&out_text, &err_text] {
            assert!(!text.contains(PAN), "the card number leaked: {text}");
            assert!(!text.contains("4111 1111"), "{text}");
        }
        assert!(!err_text.contains('\u{1b}'), "colour in redirected logs: {err_text}");
        if expected_code == 1 {
            let last = err_text.lines().last().unwrap();
            assert!(last.starts_with("cybs-flex: error: "), "{last}");
            assert!(last.contains("already been used") && last.contains(&sandbox.addr), "{last}");
        }
    }
    // Card values that do not validate are refused without being quoted.
    for (flag, value) in [
        ("--card-number", "4111x11111111111"),
        ("--expiration-month", "13"),
        ("--expiration-year", "31"),
        ("--security-code", "12345"),
        ("--card-type", "visa"),
    ] {
        let mut bad = vec!["tokenize", "--capture-context", &at, "--env", &sandbox.url];
        for pair in card_args().chunks(2) {
            bad.extend([pair[0], if pair[0] == flag { value } else { pair[1] }]);
        }
        if flag == "--card-type" {
            bad.extend([flag, value]);
        }
        let out = flex(&bad, None, &[]);
        assert_one_line(&out, 2, &[flag]);
        assert!(!stderr(&out).contains(value), "{}", stderr(&out));
    }
    std::fs::remove_file(&context_file).unwrap();
    // The sandbox's own logs, written to a file, are plain text.
    let log = std::fs::read_to_string(&sandbox.log).unwrap();
    assert!(log.contains("INFO"), "{log}");
    assert!(!log.contains('\u{1b}'), "colour in the sandbox log file: {log}");
}
