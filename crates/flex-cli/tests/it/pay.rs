//! Paying with the transient token, and the Microform variant, as a user runs them against `cybs-flex sandbox
//! serve` over HTTPS: `session --microform` -> `tokenize` -> `transient verify` -> `pay`, every outcome with its
//! output and exit code, and the usage errors of the new flags.

use crate::flow::{Served, assert_ok, assert_one_line, creds, flex, rand_suffix, s, serve_https};
use crate::support::{stderr, stdout, temp_file};

/// The sandbox's test cards (crates/flex-sandbox/README.md).
const APPROVE: &str = "4111111111111111";
const DECLINE: &str = "4000000000000002";
const REVIEW: &str = "4000000000000010";
const PARTIAL: &str = "4000000000000028";

/// `--env URL --cacert CA`.
fn net(sandbox: &Served) -> [&str; 4] {
    ["--env", sandbox.url.as_str(), "--cacert", s(&sandbox.ca)]
}

/// `tokenize` of `pan` with `context` (a compact JWT); the transient token.
fn tokenize(sandbox: &Served, context: &str, pan: &str) -> String {
    let mut args = vec![
        "tokenize",
        "--capture-context",
        "-",
        "--card-number",
        pan,
        "--expiration-month",
        "12",
        "--expiration-year",
        "2031",
        "--security-code",
        "123",
    ];
    args.extend(net(sandbox));
    let out = flex(&args, Some(context), &[]);
    let token = assert_ok(&out);
    assert!(!stderr(&out).contains(pan));
    token
}

/// A Flex API context from `session`, then a transient token for `pan`.
fn flex_api_token(sandbox: &Served, pan: &str) -> String {
    let mut args = vec!["session"];
    args.extend(net(sandbox));
    let context = assert_ok(&flex(&args, None, &creds()));
    tokenize(sandbox, &context, pan)
}

/// `pay` with the token from stdin and `extra` flags.
fn pay(sandbox: &Served, token: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["pay", "--transient-token", "-"];
    args.extend(net(sandbox));
    args.extend(extra);
    flex(&args, Some(token), &creds())
}

#[test]
fn microform_session_tokenize_transient_verify_and_pay_over_https() {
    let sandbox = serve_https("microform", &[]);
    let mut args = vec![
        "session",
        "--microform",
        "--target-origin",
        "https://shop.example",
        "--target-origin",
        "http://localhost:8080",
        "--allowed-card-network",
        "visa,MASTERCARD",
        "--allowed-payment-type",
        "CARD",
        "--include-card-prefix",
        "--json",
    ];
    args.extend(net(&sandbox));
    let claims: serde_json::Value = serde_json::from_str(&assert_ok(&flex(&args, None, &creds()))).unwrap();
    let ctx = &claims["ctx"][0];
    assert!(ctx["type"].as_str().unwrap().starts_with("mf-"), "{claims:#}");
    assert_eq!(
        ctx["data"]["targetOrigins"],
        serde_json::json!(["https://shop.example", "http://localhost:8080"])
    );
    assert_eq!(ctx["data"]["allowedCardNetworks"], serde_json::json!(["VISA", "MASTERCARD"]));
    assert!(ctx["data"]["clientLibrary"].as_str().unwrap().contains("/microform/"), "{claims:#}");

    // Without --json: the compact context, kept by the backend (here a file) for the verification.
    args.retain(|a| *a != "--json");
    let context = assert_ok(&flex(&args, None, &creds()));
    let context_file = temp_file(&format!("mf-context-{}", rand_suffix()), context.as_bytes());
    let at_context = format!("@{}", s(&context_file));
    let token = tokenize(&sandbox, &context, APPROVE);

    let mut args = vec!["transient", "verify", "--capture-context", &at_context, &token];
    args.extend(net(&sandbox));
    let verified: serde_json::Value = serde_json::from_str(&assert_ok(&flex(&args, None, &[]))).unwrap();
    assert!(verified["type"].as_str().unwrap().starts_with("mf-2"), "{verified:#}");
    let number = &verified["content"]["paymentInformation"]["card"]["number"];
    assert_eq!(number["bin"], "41111111", "{verified:#}");
    assert_eq!(number["maskedValue"], "XXXXXXXXXXXX1111", "{verified:#}");

    let token_file = temp_file(&format!("mf-token-{}", rand_suffix()), token.as_bytes());
    let at_token = format!("@{}", s(&token_file));
    let mut args = vec!["pay", "--transient-token", &at_token, "--amount", "10.00", "--currency", "USD"];
    args.extend(["--reference", "order-42", "--capture"]);
    args.extend(net(&sandbox));
    let out = flex(&args, None, &creds());
    let text = assert_ok(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "payment AUTHORIZED", "{text}");
    assert!(lines.contains(&"authorized 10.00 USD"), "{text}");
    assert!(lines.contains(&"approval code 831000") && lines.contains(&"reference order-42"), "{text}");
    assert!(lines.iter().any(|l| l.starts_with("id ") && l.len() > 10), "{text}");
    assert!(!text.contains(&token) && !stderr(&out).contains(&token));

    // The same token again: the server's 400, one line naming the detail, exit 1.
    let out = flex(&args, None, &creds());
    assert_one_line(&out, 1, &["HTTP 400", "tokenInformation.jti INVALID_DATA", &sandbox.addr]);
    assert!(!stderr(&out).contains(&token));
    std::fs::remove_file(&context_file).unwrap();
    std::fs::remove_file(&token_file).unwrap();
}

#[test]
fn a_decline_exits_1_with_its_reason_and_review_and_partial_exit_0() {
    let sandbox = serve_https("outcomes", &[]);

    let out = pay(&sandbox, &flex_api_token(&sandbox, DECLINE), &["--amount", "10.00", "--currency", "USD"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("cybs-flex: error: payment declined: PROCESSOR_DECLINED: "), "{err}");
    assert!(err.contains("(payment id "), "{err}");
    // The outcome is still printed: the payment exists (declined), with its id.
    let text = stdout(&out);
    assert!(text.starts_with("payment DECLINED\n") && text.contains("response code 05"), "{text}");

    // --json: the answer as JSON on stdout, the same exit code and error line.
    let out =
        pay(&sandbox, &flex_api_token(&sandbox, DECLINE), &["--amount", "1", "--currency", "EUR", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let answer: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(answer["status"], "DECLINED");
    assert_eq!(answer["errorInformation"]["reason"], "PROCESSOR_DECLINED");
    assert!(stderr(&out).contains("payment declined: PROCESSOR_DECLINED"));

    let out = pay(&sandbox, &flex_api_token(&sandbox, REVIEW), &["--amount", "10.00", "--currency", "USD"]);
    assert!(assert_ok(&out).starts_with("payment AUTHORIZED_PENDING_REVIEW"));
    assert_eq!(stderr(&out), "", "the full amount was authorized: nothing to warn about");

    // A partial authorization succeeds (exit 0) and warns on stderr that less was authorized than requested.
    let out = pay(&sandbox, &flex_api_token(&sandbox, PARTIAL), &["--amount", "1500", "--currency", "jpy"]);
    let text = assert_ok(&out);
    assert!(text.starts_with("payment PARTIAL_AUTHORIZED") && text.contains("authorized 750 JPY"), "{text}");
    assert_eq!(
        stderr(&out).trim_end(),
        "cybs-flex: warning: only 750 JPY of the 1500 JPY requested was authorized: capture no more than that"
    );
}

#[test]
fn pay_and_microform_usage_errors_exit_2() {
    let sandbox = serve_https("pay-usage", &[]);
    let token = flex_api_token(&sandbox, APPROVE);
    for (amount, currency, expected) in [
        ("0", "USD", "--amount: the amount must be greater than zero"),
        ("-5.00", "USD", "--amount: the amount must not be negative"),
        ("10.001", "USD", "--amount: this currency has at most 2 decimals"),
        ("100.5", "JPY", "--amount: this currency has no decimals"),
        ("10,00", "EUR", "--amount: the amount must be a plain decimal"),
        ("10.00", "ZZZ", "--currency: unknown or unsupported ISO 4217 currency code"),
    ] {
        let out = pay(&sandbox, &token, &["--amount", amount, "--currency", currency]);
        assert_one_line(&out, 2, &[expected]);
    }
    let out = pay(&sandbox, &token, &["--amount", "1", "--currency", "USD", "--reference", &"r".repeat(51)]);
    assert_one_line(&out, 2, &["--reference", "clientReferenceInformation.code"]);
    let out = pay(&sandbox, "not-a-token", &["--amount", "1", "--currency", "USD"]);
    assert_one_line(&out, 2, &["--transient-token", "tokenInformation.transientTokenJwt"]);
    // No credentials: a usage error before anything is sent.
    let mut args = vec!["pay", "--transient-token", "-", "--amount", "1", "--currency", "USD"];
    args.extend(net(&sandbox));
    assert_one_line(&flex(&args, Some(&token), &[]), 2, &["FLEX_MERCHANT_ID"]);
    // None of these spent the token.
    assert!(
        assert_ok(&pay(&sandbox, &token, &["--amount", "1", "--currency", "USD"]))
            .starts_with("payment AUTHORIZED")
    );

    let session = |extra: &[&str]| {
        let mut args = vec!["session"];
        args.extend_from_slice(extra);
        args.extend(net(&sandbox));
        flex(&args, None, &creds())
    };
    let out = session(&["--microform", "--target-origin", "https://*.shop.example"]);
    assert_one_line(&out, 2, &["--target-origin: targetOrigins[0] must be `https://host[:port]`"]);
    let out = session(&["--microform", "--target-origin", "https://shop.example/pay"]);
    assert_one_line(&out, 2, &["--target-origin", "no wildcard, path"]);
    let out = session(&["--microform", "--target-origin", "http://shop.example"]);
    assert_one_line(&out, 2, &["--target-origin"]);
    let ten: Vec<String> = (0..10).map(|i| format!("https://s{i}.example")).collect();
    let out = session(&["--microform", "--target-origin", &ten.join(",")]);
    assert_one_line(&out, 2, &["--target-origin: targetOrigins lists more than 9 origins"]);
    let out = session(&[
        "--microform",
        "--target-origin",
        "https://shop.example",
        "--allowed-card-network",
        "SOLO",
    ]);
    assert_one_line(&out, 2, &["--allowed-card-network: unknown card network"]);
    let out = session(&[
        "--microform",
        "--target-origin",
        "https://shop.example",
        "--allowed-payment-type",
        "CASH",
    ]);
    assert_one_line(&out, 2, &["--allowed-payment-type: unknown payment type"]);
    // Flag combinations clap refuses (its own multi-line usage message), exit 2 too.
    for bad in [
        &["--target-origin", "https://shop.example"][..],
        &["--microform"],
        &[
            "--microform",
            "--target-origin",
            "https://shop.example",
            "--fields",
            "paymentInformation.card.number",
        ],
        &["--include-card-prefix"],
    ] {
        let out = session(bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty());
    }
}
