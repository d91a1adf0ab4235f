//! Runs the `cybs-flex` binary as a user would: exit codes, stdout, and one-line errors that never echo a token.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use crate::support::{KEY_ID, MERCHANT, SECRET, run, stderr, stdout, temp_file};

fn vectors() -> PathBuf {
    flex_testkit::testdata()
}

fn vector_text(rel: &str) -> String {
    flex_testkit::read_to_string(rel).trim().to_owned()
}

fn flex(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    run(args, stdin, env)
}

/// A failure is exit code 1 and exactly one `cybs-flex: error:` line, which never contains the token.
#[track_caller]
fn assert_one_line_failure(out: &Output, token: &str, expected: &str) {
    assert_one_line_exit(out, 1, token, expected);
}

/// A usage error found after parsing: exit code 2, otherwise as [`assert_one_line_failure`].
#[track_caller]
fn assert_one_line_usage(out: &Output, token: &str, expected: &str) {
    assert_one_line_exit(out, 2, token, expected);
}

#[track_caller]
fn assert_one_line_exit(out: &Output, code: i32, token: &str, expected: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("cybs-flex: error: "), "{err}");
    assert!(err.contains(expected), "{err:?} should mention {expected:?}");
    if token.len() > 20 {
        for part in token.split('.').filter(|p| p.len() > 8) {
            assert!(!err.contains(part), "the error echoes the token: {err}");
        }
    }
    assert!(stdout(out).is_empty());
}

#[test]
fn jwt_verify_prints_the_verified_claims() {
    let jwk = vectors().join("keys/rsa2048.pub.jwk.json");
    let token = vector_text("keys/rsa2048.sample.jwt");
    for (arg, stdin) in
        [(Some(token.as_str()), None), (Some("-"), Some(token.as_str())), (None, Some(token.as_str()))]
    {
        let mut args = vec!["jwt", "verify", "--jwk", jwk.to_str().unwrap(), "--now", "1700000100"];
        args.extend(arg);
        let out = flex(&args, stdin, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let claims: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(claims["iss"], "flex-test");
        assert_eq!(claims["jti"], "test-0001");
    }
    // @FILE reads the token from a file.
    let at = format!("@{}", vectors().join("keys/rsa3072.sample.jwt").display());
    let jwk = vectors().join("keys/rsa3072.pub.jwk.json");
    let out = flex(&["jwt", "verify", "--jwk", jwk.to_str().unwrap(), &at], None, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn jwt_verify_failures_are_one_line_and_exit_1() {
    let token = vector_text("keys/rsa2048.sample.jwt");
    let jwk = vectors().join("keys/rsa2048.pub.jwk.json");
    let jwk = jwk.to_str().unwrap();

    // Expired (exp 4102444800 + 60 s leeway).
    let out = flex(&["jwt", "verify", "--jwk", jwk, "--now", "4102444861", &token], None, &[]);
    assert_one_line_failure(&out, &token, "claim exp has expired");

    // Issued in the future.
    let out = flex(&["jwt", "verify", "--jwk", jwk, "--now", "1699999000", &token], None, &[]);
    assert_one_line_failure(&out, &token, "claim iat is in the future");

    // Issuer expectation.
    let out = flex(
        &["jwt", "verify", "--jwk", jwk, "--issuer", "Flex API", "--now", "1700000100", &token],
        None,
        &[],
    );
    assert_one_line_failure(&out, &token, "claim iss does not match");

    // Signature under another key (kid matches, key differs).
    let other = temp_file(
        "other.jwk",
        std::fs::read_to_string(vectors().join("keys/rsa3072.pub.jwk.json"))
            .unwrap()
            .replace("rsa3072", "rsa2048")
            .as_bytes(),
    );
    let out =
        flex(&["jwt", "verify", "--jwk", other.to_str().unwrap(), "--now", "1700000100", &token], None, &[]);
    assert_one_line_failure(&out, &token, "signature does not verify");

    // A truncated token.
    let truncated = &token[..token.len() - 10];
    let out = flex(&["jwt", "verify", "--jwk", jwk, "--now", "1700000100", truncated], None, &[]);
    assert_one_line_failure(&out, truncated, "signature");

    // Key policy: 2041-bit and e=3 keys are refused at import, bit-exact.
    let small = vectors().join("keys/rsa2041.pub.jwk.json");
    let out = flex(
        &["jwt", "verify", "--jwk", small.to_str().unwrap(), &vector_text("keys/rsa2041.sample.jwt")],
        None,
        &[],
    );
    assert_one_line_failure(&out, "", "RSA modulus has 2041 bits, fewer than 2048");
    let e3 = vectors().join("keys/rsa2048-e3.pub.jwk.json");
    let out = flex(
        &["jwt", "verify", "--jwk", e3.to_str().unwrap(), &vector_text("keys/rsa2048-e3.sample.jwt")],
        None,
        &[],
    );
    assert_one_line_failure(&out, "", "exponent");

    // A JWK that is not RSA.
    let ec = temp_file("ec.jwk", br#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#);
    let out = flex(&["jwt", "verify", "--jwk", ec.to_str().unwrap(), &token], None, &[]);
    assert_one_line_failure(&out, &token, "not RSA");

    // A missing key file, and no token at all: usage errors.
    let out = flex(&["jwt", "verify", "--jwk", "/nonexistent/key.jwk", &token], None, &[]);
    assert_one_line_usage(&out, &token, "cannot open key file");
    let out = flex(&["jwt", "verify", "--jwk", jwk], Some(""), &[]);
    assert_one_line_usage(&out, "", "no token given");
}

#[test]
fn jwt_verify_accepts_a_pem_key_and_a_jwk_set() {
    let token = vector_text("keys/rsa4096.sample.jwt");
    let jwk = std::fs::read_to_string(vectors().join("keys/rsa4096.pub.jwk.json")).unwrap();
    let set = temp_file("set.jwks", format!(r#"{{"keys":[{jwk}]}}"#).as_bytes());
    let out = flex(&["jwt", "verify", "--jwk", set.to_str().unwrap(), &token], None, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let der = std::fs::read(vectors().join("keys/rsa4096.pkcs1.der")).unwrap();
    let pem = flex_jwt::RsaPublicKey::from_pkcs1_der(&der).unwrap().to_pem();
    let pem = temp_file("key.pem", pem.as_bytes());
    let out = flex(&["jwt", "verify", "--key", pem.to_str().unwrap(), &token], None, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn jwt_decode_marks_the_output_unverified() {
    let token = vector_text("capture-context/flex-docs-sn.jwt");
    let out = flex(&["jwt", "decode"], Some(&token), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("UNVERIFIED"));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["verified"], false);
    assert_eq!(json["header"]["kid"], "sn");
    assert_eq!(json["payload"]["iss"], "Flex API");
    assert_eq!(json["payload"]["flx"]["jwk"]["use"], "enc");

    let out = flex(&["jwt", "decode", "not.a-token"], None, &[]);
    assert_one_line_failure(&out, "", "token");
    let out = flex(&["jwt", "decode", &token[..40]], None, &[]);
    assert_one_line_failure(&out, "", "three segments");
}

#[test]
fn auth_sign_http_signature_matches_the_vector() {
    let vector: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(vectors().join("http-signature/post-flex-v2-sessions.json")).unwrap(),
    )
    .unwrap();
    let body = temp_file("body.json", vector["body"].as_str().unwrap().as_bytes());
    let creds = [("FLEX_MERCHANT_ID", MERCHANT), ("FLEX_KEY_ID", KEY_ID), ("FLEX_SHARED_SECRET", SECRET)];
    let out = flex(
        &[
            "auth",
            "sign",
            "--scheme",
            "http-signature",
            "--method",
            "POST",
            "--url",
            "https://apitest.cybersource.com/flex/v2/sessions",
            "--body-file",
            body.to_str().unwrap(),
            "--date",
            "Thu, 18 Jul 2019 00:18:03 GMT",
        ],
        None,
        &creds,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let expected = format!(
        "v-c-merchant-id: testrest\nDate: Thu, 18 Jul 2019 00:18:03 GMT\nHost: apitest.cybersource.com\nDigest: {}\nSignature: {}\n",
        vector["digest_header"].as_str().unwrap(),
        vector["signature_header"].as_str().unwrap()
    );
    assert_eq!(stdout(&out), expected);
}

#[test]
fn auth_sign_jwt_emits_a_bearer_token_that_verifies() {
    let creds = [("FLEX_MERCHANT_ID", MERCHANT), ("FLEX_KEY_ID", KEY_ID), ("FLEX_SHARED_SECRET", SECRET)];
    let out = flex(
        &[
            "auth",
            "sign",
            "--scheme",
            "jwt",
            "--method",
            "GET",
            "--url",
            "https://apitest.cybersource.com/flex/v2/public-keys/sn",
            "--now",
            "1563409083",
        ],
        None,
        &creds,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let bearer =
        text.lines().find_map(|l| l.strip_prefix("Authorization: Bearer ")).expect("an Authorization header");
    assert_eq!(bearer.split('.').count(), 3);
    assert!(text.contains("Date: Thu, 18 Jul 2019 00:18:03 GMT\n"));
}

#[test]
fn auth_sign_without_credentials_fails_cleanly() {
    let args = [
        "auth",
        "sign",
        "--scheme",
        "http-signature",
        "--method",
        "GET",
        "--url",
        "https://apitest.cybersource.com/x",
    ];
    // Missing or unusable credentials are usage errors (exit 2).
    let out = flex(&args, None, &[]);
    assert_one_line_usage(&out, "", "FLEX_MERCHANT_ID is not set");
    let out = flex(&args, None, &[("FLEX_MERCHANT_ID", MERCHANT), ("FLEX_KEY_ID", KEY_ID)]);
    assert_one_line_usage(&out, "", "FLEX_SHARED_SECRET is not set");
    let out = flex(
        &args,
        None,
        &[("FLEX_MERCHANT_ID", MERCHANT), ("FLEX_KEY_ID", KEY_ID), ("FLEX_SHARED_SECRET", "not base64!")],
    );
    assert_one_line_usage(&out, "", "FLEX_SHARED_SECRET");
    assert!(!stderr(&out).contains("not base64!"), "the secret is echoed: {}", stderr(&out));
}

#[test]
fn usage_errors_exit_2_and_every_command_has_help() {
    let out = flex(&["jwt", "verify"], None, &[]);
    assert_eq!(out.status.code(), Some(2));
    let out = flex(&["frobnicate"], None, &[]);
    assert_eq!(out.status.code(), Some(2));
    for cmd in [
        &["--help"][..],
        &["jwt", "--help"],
        &["jwt", "decode", "--help"],
        &["jwt", "verify", "--help"],
        &["auth", "sign", "--help"],
    ] {
        let out = flex(cmd, None, &[]);
        assert_eq!(out.status.code(), Some(0), "{cmd:?}");
        assert!(stdout(&out).contains("Usage:"), "{cmd:?}");
    }
}

/// A `cybs-flex sandbox serve` child process and what it printed.
struct ServedSandbox {
    child: std::process::Child,
    url: String,
    printed: String,
}

impl Drop for ServedSandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `cybs-flex sandbox serve` on an ephemeral port with `extra` arguments, once it has printed its banner.
fn serve_sandbox(extra: &[&str]) -> ServedSandbox {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_cybs-flex"))
        .args(["sandbox", "serve", "--addr", "127.0.0.1:0"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut printed = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.starts_with("Press Ctrl-C");
        printed.push(line);
        if done {
            break;
        }
    }
    let printed = printed.join("\n");
    let url = printed.lines().next().unwrap().strip_prefix("flex sandbox listening on ").unwrap().to_owned();
    ServedSandbox { child, url, printed }
}

#[test]
fn sandbox_serve_prints_credentials_and_serves_public_keys() {
    use std::io::Read;

    let sandbox = serve_sandbox(&[]);
    let (url, text) = (&sandbox.url, &sandbox.printed);
    assert!(url.starts_with("http://127.0.0.1:"), "{text}");
    assert!(text.contains(&format!("export FLEX_SHARED_SECRET={SECRET}")), "{text}");
    assert!(text.contains(&format!("export FLEX_KEY_ID={KEY_ID}")), "{text}");
    let keys_url =
        text.split_whitespace().find(|w| w.contains("/flex/v2/public-keys/")).unwrap().trim_end_matches(',');
    let path = keys_url.strip_prefix(url.as_str()).unwrap();

    let authority = url.strip_prefix("http://").unwrap();
    let mut stream = std::net::TcpStream::connect(authority).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#""kty":"RSA""#), "{response}");
}

#[test]
fn session_and_jwe_encrypt_against_the_served_sandbox() {
    let sandbox = serve_sandbox(&[]);
    let creds = [("FLEX_MERCHANT_ID", MERCHANT), ("FLEX_KEY_ID", KEY_ID), ("FLEX_SHARED_SECRET", SECRET)];

    // A capture context, for both auth schemes; the default fields.
    for auth in ["jwt", "http-signature"] {
        let out = flex(&["session", "--env", &sandbox.url, "--auth", auth], None, &creds);
        assert_eq!(out.status.code(), Some(0), "{auth}: {}", stderr(&out));
        assert_eq!(stdout(&out).trim().split('.').count(), 3);
    }
    // --json: the verified claims, with the requested fields.
    let out = flex(
        &[
            "session",
            "--env",
            &sandbox.url,
            "--fields",
            "paymentInformation.card.number",
            "--optional-fields",
            "orderInformation.billTo.email,paymentInformation.card.securityCode",
            "--json",
        ],
        None,
        &creds,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let claims: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(claims["iss"], "Flex API");
    assert_eq!(
        claims["ctx"][0]["data"]["requiredFields"],
        serde_json::json!(["paymentInformation.card.number"])
    );
    assert_eq!(claims["flx"]["origin"], sandbox.url.as_str());

    // Failures: missing credentials and an unknown field (usage, exit 2), wrong secret (the gateway's 401).
    let out = flex(&["session", "--env", &sandbox.url], None, &[]);
    assert_one_line_usage(&out, "", "FLEX_MERCHANT_ID is not set");
    let out =
        flex(&["session", "--env", &sandbox.url, "--fields", "paymentInformation.card.numbr"], None, &creds);
    assert_one_line_usage(&out, "", "unknown field path");
    let wrong = [
        ("FLEX_MERCHANT_ID", MERCHANT),
        ("FLEX_KEY_ID", KEY_ID),
        ("FLEX_SHARED_SECRET", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
    ];
    let out = flex(&["session", "--env", &sandbox.url], None, &wrong);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));

    // jwe encrypt to the context's flx.jwk.
    let out = flex(&["session", "--env", &sandbox.url], None, &creds);
    let context = stdout(&out).trim().to_owned();
    let fields = [
        "--field",
        "paymentInformation.card.number=4111111111111111",
        "--field",
        "paymentInformation.card.expirationMonth=12",
        "--field",
        "paymentInformation.card.expirationYear=2031",
    ];
    let mut args = vec!["jwe", "encrypt", "--context", context.as_str()];
    args.extend(fields);
    let out = flex(&args, None, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let jwe = stdout(&out).trim().to_owned();
    assert_eq!(jwe.split('.').count(), 5);
    assert!(!jwe.contains("4111111111111111"));
    args.extend(["--alg", "RSA-OAEP-256", "--json"]);
    let out = flex(&args, None, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["header"]["alg"], "RSA-OAEP-256");
    assert_eq!(json["header"]["enc"], "A256GCM");

    // A data file in the nested shape, and failures.
    let file = temp_file("data.json", br#"{"paymentInformation":{"card":{"number":"4111111111111111","expirationMonth":"12","expirationYear":"2031"}}}"#);
    let out =
        flex(&["jwe", "encrypt", "--context", &context, "--data-file", file.to_str().unwrap()], None, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let bad = temp_file("bad.json", br#"{"paymentInformation.card.number": 4111111111111111}"#);
    let out =
        flex(&["jwe", "encrypt", "--context", &context, "--data-file", bad.to_str().unwrap()], None, &[]);
    assert_one_line_failure(&out, "4111111111111111", "data file");
    assert!(!stderr(&out).contains("4111111111111111"));
    let out = flex(&["jwe", "encrypt", "--context", "not-a-token", "--field", "a.b.c=1"], None, &[]);
    assert_one_line_failure(&out, "", "three segments");
    let out = flex(&["jwe", "encrypt", "--context", &context], None, &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn demo_runs_the_whole_flow_with_both_auth_schemes() {
    for extra in [&[][..], &["--auth", "jwt"], &["--auth", "http-signature"]] {
        let mut args = vec!["demo"];
        args.extend_from_slice(extra);
        let out = flex(&args, None, &[]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{extra:?}: {}\n{text}", stderr(&out));
        for n in 1..=7 {
            assert!(text.contains(&format!("[{n}/7]")), "step {n} missing:\n{text}");
        }
        // It ends with the payment authorized.
        let tail: Vec<&str> = text.lines().rev().take(12).collect();
        assert!(tail.contains(&"      payment AUTHORIZED"), "{text}");
        assert!(text.trim_end().ends_with("payment AUTHORIZED."), "{text}");
        assert!(text.contains("All 7 steps passed"), "{text}");
        assert!(text.contains(r#"JWE header {"alg":"RSA-OAEP","enc":"A256GCM","kid":"#), "{text}");
        assert!(text.contains("card 411111XXXXXX1111"), "{text}");
        // The full card number and the CVV value never appear.
        assert!(!text.contains("4111111111111111"), "{text}");
        assert!(!text.contains("\"123\""), "{text}");
        // JWT by default; HTTP Signature on request.
        let signed_with =
            if extra == ["--auth", "http-signature"] { "HTTP Signature" } else { "JWT (HS256)" };
        assert!(text.contains(&format!("signed with {signed_with}")), "{text}");
        // No Rust Debug rendering anywhere (type names, Some(..), quoted strings).
        for debug in ["Flat {", "Nested {", "Some(", "None", "\"Flex API\"", "[\""] {
            assert!(!text.contains(debug), "{debug:?} in:\n{text}");
        }
    }
    let out = flex(&["demo", "--auth", "basic"], None, &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn demo_microform_runs_the_microform_variant_up_to_the_payment() {
    let out = flex(&["demo", "--microform"], None, &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}\n{text}", stderr(&out));
    assert!(text.contains("POST /microform/v2/sessions"), "{text}");
    assert!(text.contains("ctx type mf-2.0.0 (Microform)"), "{text}");
    assert!(text.contains("clientLibrary http://127.0.0.1:"), "{text}");
    assert!(text.contains("targetOrigins https://shop.example"), "{text}");
    assert!(text.contains("card XXXXXXXXXXXX1111 type 001 expires 12/2031; token type mf-2.0.0"), "{text}");
    assert!(text.contains("BIN 411111, detected card types 001"), "{text}");
    assert!(text.contains("POST /pts/v2/payments"), "{text}");
    assert!(text.contains("      payment AUTHORIZED\n"), "{text}");
    assert!(text.contains("      authorized 10.00 USD\n"), "{text}");
    assert!(text.trim_end().ends_with("payment AUTHORIZED."), "{text}");
    // Neither the card number nor the transient token is printed (the request body shows it masked).
    assert!(!text.contains("4111111111111111"), "{text}");
    assert!(text.contains(r#""transientTokenJwt":"***"#), "{text}");
}

#[test]
fn sandbox_serve_failures() {
    let out = flex(&["sandbox", "serve", "--addr", "256.0.0.1:0"], None, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // A port that is already taken: one line, exit 1.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = flex(&["sandbox", "serve", "--addr", &addr], None, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    let last = err.lines().last().unwrap_or_default();
    assert!(last.starts_with("cybs-flex: error: "), "{err}");
}

#[test]
fn sandbox_serve_https_with_a_generated_ca() {
    let ca_path = std::env::temp_dir().join(format!("flex-cli-ca-{}.pem", std::process::id()));
    let _ = std::fs::remove_file(&ca_path);
    let sandbox = serve_sandbox(&["--tls-generate-ca", ca_path.to_str().unwrap()]);
    let (url, text) = (&sandbox.url, &sandbox.printed);
    assert!(url.starts_with("https://127.0.0.1:"), "{text}");
    assert!(text.contains(&format!("export FLEX_ENV={url}")), "{text}");
    assert!(text.contains(ca_path.to_str().unwrap()), "{text}");
    let ca = std::fs::read(&ca_path).unwrap();
    std::fs::remove_file(&ca_path).unwrap();
    assert!(ca.starts_with(b"-----BEGIN CERTIFICATE-----"));
    let keys_url =
        text.split_whitespace().find(|w| w.contains("/flex/v2/public-keys/")).unwrap().trim_end_matches(',');
    let kid = keys_url.rsplit('/').next().unwrap().to_owned();

    // The SDK's client, trusting the written CA, fetches the signing key over HTTPS (HTTP/2 by ALPN).
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let client =
            flex_client::Client::builder().base_url(url).add_root_certificate_pem(&ca).build().unwrap();
        assert!(client.public_key(&kid).await.is_ok());
        // Without the CA the handshake fails: a one-line transport error, no panic.
        let untrusted = flex_client::Client::builder()
            .base_url(url)
            .retry_policy(flex_client::RetryPolicy::NONE)
            .build()
            .unwrap();
        let err = untrusted.public_key(&kid).await.unwrap_err();
        assert_eq!(err.kind(), flex_client::ErrorKind::Transport, "{err}");
    });
}

#[test]
fn sandbox_serve_tls_argument_errors() {
    // --tls-cert needs --tls-key, and cannot be combined with --tls-generate-ca: usage errors, exit 2.
    let out = flex(&["sandbox", "serve", "--tls-cert", "c.pem"], None, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = flex(
        &["sandbox", "serve", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-generate-ca", "x"],
        None,
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // Files that are missing or hold no certificate: the flags are wrong, one line, exit 2.
    let missing = std::env::temp_dir().join("flex-cli-no-such-cert.pem");
    let missing = missing.to_str().unwrap();
    let out = flex(&["sandbox", "serve", "--tls-cert", missing, "--tls-key", missing], None, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).lines().last().unwrap_or_default().starts_with("cybs-flex: error: "),
        "{}",
        stderr(&out)
    );
    let junk = temp_file("junk.pem", b"not a pem");
    let junk = junk.to_str().unwrap();
    let out = flex(&["sandbox", "serve", "--tls-cert", junk, "--tls-key", junk], None, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("TLS"), "{}", stderr(&out));
}

#[test]
fn jwt_verify_leeway_above_900_is_refused_not_clamped() {
    // 901 used to be clamped to 900 silently; it is a usage error now, with the allowed range in the message.
    for too_large in ["901", "3600", "4294967295", "4294967296"] {
        let out = flex(&["jwt", "verify", "--jwk", "unused.json", "--leeway", too_large, "x.y.z"], None, &[]);
        assert_eq!(out.status.code(), Some(2), "{too_large}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("--leeway") && err.contains("0..=900"), "{err}");
    }
    for bad in ["-1", "1.5", "ten"] {
        let out = flex(&["jwt", "verify", "--jwk", "unused.json", "--leeway", bad, "x.y.z"], None, &[]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
    }
    // 900 itself is accepted by the parser (the command then stops at the missing key file).
    let out = flex(&["jwt", "verify", "--jwk", "does-not-exist.json", "--leeway", "900", "x.y.z"], None, &[]);
    assert!(stderr(&out).contains("cannot open key file"), "{}", stderr(&out));
}

#[test]
fn timeout_is_validated_as_a_flag_and_from_flex_timeout_secs() {
    let creds = [("FLEX_MERCHANT_ID", MERCHANT), ("FLEX_KEY_ID", KEY_ID), ("FLEX_SHARED_SECRET", SECRET)];
    for bad in ["0", "3601", "-1", "1.5", "ten", ""] {
        let flag = format!("--timeout={bad}");
        let out = flex(&["session", "--env", "http://127.0.0.1:9", &flag], None, &creds);
        assert_eq!(out.status.code(), Some(2), "{flag}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("from 1 to 3600 (from --timeout or FLEX_TIMEOUT_SECS)"),
            "{}",
            stderr(&out)
        );
        let mut env = creds.to_vec();
        env.push(("FLEX_TIMEOUT_SECS", bad));
        if !bad.is_empty() {
            let out = flex(&["demo", "--timeout", "5", "--help"], None, &env);
            assert_eq!(out.status.code(), Some(0), "a valid flag wins over the variable");
            let out = flex(&["session", "--env", "http://127.0.0.1:9"], None, &env);
            assert_eq!(out.status.code(), Some(2), "FLEX_TIMEOUT_SECS={bad:?}: {}", stderr(&out));
            assert!(stderr(&out).contains("FLEX_TIMEOUT_SECS"), "{}", stderr(&out));
        }
    }
    for cmd in [&["session", "--help"][..], &["demo", "--help"]] {
        let out = flex(cmd, None, &[]);
        let help = stdout(&out);
        assert!(help.contains("--timeout <SECS>") && help.contains("FLEX_TIMEOUT_SECS"), "{cmd:?}: {help}");
    }
}

/// A loopback listener that accepts connections and never answers; it lives as long as the returned handle.
fn silent_listener() -> (String, std::net::TcpListener) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepting = listener.try_clone().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        while let Ok((socket, _)) = accepting.accept() {
            held.push(socket);
        }
    });
    (url, listener)
}

#[test]
fn session_against_a_server_that_never_answers_stops_at_the_timeout() {
    let (url, _listener) = silent_listener();
    let creds = [("FLEX_MERCHANT_ID", MERCHANT), ("FLEX_KEY_ID", KEY_ID), ("FLEX_SHARED_SECRET", SECRET)];
    let started = std::time::Instant::now();
    let out = flex(&["session", "--env", &url, "--timeout", "1"], None, &creds);
    let elapsed = started.elapsed();
    assert_one_line_failure(&out, "", "operation deadline of 1 s expired after 1 attempt");
    // About a second (the default would be 30 s); generous for a loaded machine.
    assert!(elapsed < std::time::Duration::from_secs(5), "{elapsed:?}");
    // The same deadline from the environment.
    let mut env = creds.to_vec();
    env.push(("FLEX_TIMEOUT_SECS", "1"));
    let started = std::time::Instant::now();
    let out = flex(&["session", "--env", &url], None, &env);
    assert_one_line_failure(&out, "", "operation deadline of 1 s");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
}

#[test]
fn help_names_the_binary_and_says_what_it_does() {
    let out = flex(&["--help"], None, &[]);
    let help = stdout(&out);
    assert!(help.contains("Usage: cybs-flex"), "{help}");
    assert!(!help.contains("as the crates land"), "{help}");
    assert!(help.contains("offline") && help.contains("sandbox"), "{help}");
    let out = flex(&["--version"], None, &[]);
    assert!(stdout(&out).starts_with("cybs-flex "), "{}", stdout(&out));
}

#[test]
fn malformed_tokens_are_usage_errors_found_before_anything_is_sent() {
    // Nothing listens on port 9 of loopback: a request would fail as a network error (exit 1), not a usage one.
    let net = ["--env", "http://127.0.0.1:9"];
    for bad in ["garbage", "a.b", "a..c", "a.b.c.d", "a.b.c+", "a.b.c="] {
        let mut args = vec!["tokenize", "--capture-context", bad, "--card-number", "4111111111111111"];
        args.extend(["--expiration-month", "12", "--expiration-year", "2031"]);
        args.extend(net);
        let out = flex(&args, None, &[]);
        assert_one_line_usage(&out, "", "--capture-context: the capture context is not a compact JWT");
        assert!(!stderr(&out).contains("127.0.0.1"), "{}", stderr(&out));

        let context = vector_text("capture-context/flex-docs-sn.jwt");
        let mut args = vec!["transient", "verify", "--capture-context", &context, bad];
        args.extend(net);
        assert_one_line_usage(
            &flex(&args, None, &[]),
            &context,
            "TOKEN: the transient token is not a compact JWT",
        );
        let mut args = vec!["transient", "verify", "--capture-context", bad, &context];
        args.extend(net);
        assert_one_line_usage(
            &flex(&args, None, &[]),
            &context,
            "--capture-context: the capture context is not",
        );
    }
}
