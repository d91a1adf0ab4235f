//! Paying with a transient token against the sandbox: every outcome as a value, a reused or foreign token as an
//! API error with its details, amounts refused when the request is built, and a payment `POST` sent exactly once
//! whatever the retry policy.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::support::{quick_retries, sandbox};
use flex_client::{
    Amount, AmountError, AuthScheme, BillTo, Client, ClientBuilder, Currency, ErrorKind, FieldPath,
    MicroformSessionRequest, PaymentData, PaymentOutcome, PaymentRequest, PaymentRequestError, PaymentStatus,
    SessionRequest,
};
use flex_sandbox::{RunningSandbox, TEST_KEY_ID, TEST_MERCHANT_ID, TEST_SHARED_SECRET};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// The sandbox's test cards (crates/flex-sandbox/README.md).
const APPROVE: &str = "4111111111111111";
const DECLINE: &str = "4000000000000002";
const REVIEW: &str = "4000000000000010";
const PARTIAL: &str = "4000000000000028";

fn builder(sandbox: &RunningSandbox) -> ClientBuilder {
    Client::builder()
        .base_url(sandbox.base_url())
        .shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, TEST_SHARED_SECRET)
        .retry_policy(quick_retries(3))
}

/// A verified transient token for `number`, through a Flex API context.
async fn verified_token(client: &Client, number: &str) -> String {
    let request = SessionRequest::new()
        .require(FieldPath::CardNumber)
        .optional(FieldPath::CardExpirationMonth)
        .optional(FieldPath::CardExpirationYear);
    let context = client.create_capture_context(&request).await.unwrap();
    let card = PaymentData::flat()
        .with("paymentInformation.card.number", number)
        .unwrap()
        .with("paymentInformation.card.expirationMonth", "12")
        .unwrap()
        .with("paymentInformation.card.expirationYear", "2031")
        .unwrap();
    let token = client.tokenize(&context, card).await.unwrap();
    client.verify_transient_token(&token, &context).await.unwrap().into_string()
}

fn usd(token: &str, amount: &str) -> PaymentRequest<'static> {
    PaymentRequest::builder(token.to_owned(), Amount::parse(amount, "USD").unwrap())
        .reference("order-42")
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_approved_card_is_authorized_and_can_be_read_back() {
    let sandbox = sandbox().await;
    for scheme in [AuthScheme::Jwt, AuthScheme::HttpSignature] {
        let client = builder(&sandbox).auth_scheme(scheme).build().unwrap();
        let token = verified_token(&client, APPROVE).await;
        let outcome = client.authorize(&usd(&token, "10.00")).await.unwrap();
        let PaymentOutcome::Authorized(response) = &outcome else { panic!("{outcome:?}") };
        assert_eq!(response.status_kind(), Some(PaymentStatus::Authorized));
        assert_eq!(response.authorized_amount(), Some("10.00"));
        assert_eq!((response.approval_code(), response.response_code()), (Some("831000"), Some("00")));
        let reference = response.client_reference_information.as_ref().and_then(|c| c.code.as_deref());
        assert_eq!(reference, Some("order-42"));
        assert!(response.submit_time_utc.is_some() && response.reconciliation_id.is_some());
        assert!(response.links.is_some());
        assert!(outcome.is_authorized() && !outcome.is_declined());
        // GET /pts/v2/payments/{id}: the same payment, signed as a GET.
        let id = outcome.id().unwrap();
        let read = client.payment(id).await.unwrap();
        assert_eq!(read, outcome, "{scheme:?}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_decline_is_a_value_and_review_and_partial_are_outcomes_too() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();

    let declined = client.authorize(&usd(&verified_token(&client, DECLINE).await, "10.00")).await.unwrap();
    let PaymentOutcome::Declined { reason, message, response, .. } = &declined else {
        panic!("{declined:?}")
    };
    assert_eq!(reason.as_deref(), Some("PROCESSOR_DECLINED"));
    assert!(message.as_deref().is_some_and(|m| !m.is_empty()), "{message:?}");
    assert_eq!((response.response_code(), response.approval_code()), (Some("05"), None));
    assert_eq!(declined.status(), Some("DECLINED"));
    assert!(declined.is_declined() && !declined.is_authorized());
    // Read back, it is still a decline.
    assert!(client.payment(declined.id().unwrap()).await.unwrap().is_declined());

    let review = client.authorize(&usd(&verified_token(&client, REVIEW).await, "10.00")).await.unwrap();
    assert!(matches!(review, PaymentOutcome::PendingReview(_)), "{review:?}");
    assert_eq!(review.status(), Some("AUTHORIZED_PENDING_REVIEW"));

    let partial = client.authorize(&usd(&verified_token(&client, PARTIAL).await, "10.00")).await.unwrap();
    let PaymentOutcome::PartiallyAuthorized(response) = &partial else { panic!("{partial:?}") };
    assert_eq!(response.authorized_amount(), Some("5.00"));

    // Capture in the same call, in yen, with billing details.
    let mut bill_to = BillTo::new();
    bill_to.first_name = Some("Jane".into());
    bill_to.country = Some("JP".into());
    let request = PaymentRequest::builder(
        verified_token(&client, APPROVE).await,
        Amount::parse("1500", "JPY").unwrap(),
    )
    .capture(true)
    .bill_to(bill_to)
    .build()
    .unwrap();
    let captured = client.authorize(&request).await.unwrap();
    assert!(matches!(captured, PaymentOutcome::Authorized(_)), "{captured:?}");
    assert_eq!(captured.response().authorized_amount(), Some("1500"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_reused_token_is_an_api_error_naming_the_jti() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    let token = verified_token(&client, APPROVE).await;
    client.authorize(&usd(&token, "10.00")).await.unwrap();
    let err = client.authorize(&usd(&token, "10.00")).await.unwrap_err();
    assert_eq!((err.kind(), err.status(), err.reason()), (ErrorKind::Api, Some(400), Some("INVALID_DATA")));
    assert_eq!(err.details(), [(Some("tokenInformation.jti"), Some("INVALID_DATA"))]);
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(&token), "{shown}");
    // A declined token is spent too.
    let declined = verified_token(&client, DECLINE).await;
    assert!(client.authorize(&usd(&declined, "1.00")).await.unwrap().is_declined());
    let err = client.authorize(&usd(&declined, "1.00")).await.unwrap_err();
    assert_eq!(err.details(), [(Some("tokenInformation.jti"), Some("INVALID_DATA"))]);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_token_from_another_sandbox_is_refused() {
    let (ours, theirs) = (sandbox().await, sandbox().await);
    let client = builder(&ours).build().unwrap();
    let foreign = builder(&theirs).build().unwrap();
    let token = verified_token(&foreign, APPROVE).await;
    let err = client.authorize(&usd(&token, "10.00")).await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(400)), "{err}");
    assert_eq!(err.details(), [(Some("tokenInformation.jti"), Some("INVALID_DATA"))]);
    // It is still good where it came from.
    assert!(foreign.authorize(&usd(&token, "10.00")).await.unwrap().is_authorized());
    // And a token whose signature was changed is refused by its own sandbox.
    let tampered = {
        let fresh = verified_token(&foreign, APPROVE).await;
        let (rest, signature) = fresh.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { "B" } else { "A" };
        format!("{rest}.{flipped}{}", &signature[1..])
    };
    let err = foreign.authorize(&usd(&tampered, "10.00")).await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(400)), "{err}");
    assert_eq!(err.details(), [(Some("tokenInformation.transientTokenJwt"), Some("INVALID_DATA"))]);
    ours.shutdown().await;
    theirs.shutdown().await;
}

#[test]
fn amounts_at_the_edges_are_refused_when_the_request_is_built() {
    let usd = Currency::new("USD").unwrap();
    let jpy = Currency::new("JPY").unwrap();
    assert_eq!(Amount::new("0", usd), Err(AmountError::Zero));
    assert_eq!(Amount::new("0.00", usd), Err(AmountError::Zero));
    assert_eq!(Amount::new("-1.00", usd), Err(AmountError::Negative));
    assert_eq!(Amount::new("10.001", usd), Err(AmountError::TooManyDecimals { allowed: 2 }));
    assert_eq!(Amount::new("100.5", jpy), Err(AmountError::TooManyDecimals { allowed: 0 }));
    assert_eq!(Amount::new("100.", jpy), Err(AmountError::NotDecimal));
    assert_eq!(Amount::new("1e3", usd), Err(AmountError::NotDecimal));
    assert_eq!(Amount::new("1000000000000", usd), Err(AmountError::TooLarge));
    assert_eq!(Amount::parse("10.00", "usd"), Err(AmountError::UnknownCurrency));
    assert_eq!(Amount::parse("10.00", "XXX"), Err(AmountError::UnknownCurrency));
    assert_eq!(Amount::new("0.01", usd).unwrap().minor_units(), 1);
    assert_eq!(Amount::new("100", jpy).unwrap().minor_units(), 100);
    // The error names the rule and the field, never the value.
    let shown = AmountError::TooManyDecimals { allowed: 0 }.to_string();
    assert_eq!(shown, "this currency has no decimals");
    let err = PaymentRequestError::from(AmountError::Negative);
    assert_eq!((err.field(), err.reason()), ("orderInformation.amountDetails.totalAmount", "INVALID_AMOUNT"));
    // The token's form and the reference are checked too.
    let amount = Amount::new("1.00", usd).unwrap();
    let err = PaymentRequest::builder("not-a-jwt", amount.clone()).build().unwrap_err();
    assert_eq!(err.field(), "tokenInformation.transientTokenJwt");
    let err = PaymentRequest::builder("a.b.c", amount).reference("x".repeat(51)).build().unwrap_err();
    assert_eq!(err.field(), "clientReferenceInformation.code");
}

/// A loopback server that reads each request head, counts the `POST`s and `GET`s on the payments path, and
/// closes the connection without answering.
async fn dropping_server() -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let posts = Arc::new(AtomicUsize::new(0));
    let gets = Arc::new(AtomicUsize::new(0));
    let (p, g) = (Arc::clone(&posts), Arc::clone(&gets));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (p, g) = (Arc::clone(&p), Arc::clone(&g));
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0_u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                if head.starts_with(b"POST /pts/v2/payments ") {
                    p.fetch_add(1, Ordering::SeqCst);
                } else if head.starts_with(b"GET /pts/v2/payments/") {
                    g.fetch_add(1, Ordering::SeqCst);
                }
                let _ = socket.shutdown().await;
            });
        }
    });
    (url, posts, gets)
}

#[tokio::test]
async fn a_payment_post_is_sent_exactly_once_whatever_the_retry_policy() {
    let (url, posts, gets) = dropping_server().await;
    let client = Client::builder()
        .base_url(&url)
        .shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, TEST_SHARED_SECRET)
        .retry_policy(quick_retries(3))
        .build()
        .unwrap();
    let request = usd("eyJhbGciOiJSUzI1NiJ9.eyJqdGkiOiJqIn0.c2ln", "10.00");
    let err = client.authorize(&request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(err.to_string().contains("not retried"), "{err}");
    assert_eq!(posts.load(Ordering::SeqCst), 1);
    // The GET that reads a payment back is retried like every GET: 1 + 3 attempts.
    let err = client.payment("1234567890123456789012").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert_eq!(gets.load(Ordering::SeqCst), 4);
    assert_eq!(posts.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_failed_payment_post_is_not_retried_by_the_sandbox_either() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    let token = verified_token(&client, APPROVE).await;
    // A dropped connection: one attempt; the token was not used, so the same request then succeeds.
    sandbox.faults().drop_next(1);
    let err = client.authorize(&usd(&token, "10.00")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    // A 503: one attempt, reported with its status (the second injected failure is still pending).
    sandbox.faults().fail_next(2, 503);
    let err = client.authorize(&usd(&token, "10.00")).await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(503)), "{err}");
    let err = client.authorize(&usd(&token, "10.00")).await.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");
    assert!(client.authorize(&usd(&token, "10.00")).await.unwrap().is_authorized());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn payments_need_credentials_and_a_well_formed_id() {
    let sandbox = sandbox().await;
    let anonymous = Client::builder().base_url(sandbox.base_url()).build().unwrap();
    let err = anonymous.authorize(&usd("a.b.c", "1.00")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration, "{err}");
    let client = builder(&sandbox).build().unwrap();
    for bad in ["", "../secrets", "1 2", &"9".repeat(65)] {
        let err = client.payment(bad).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}: {err}");
    }
    let err = client.payment("1234567890123456789012").await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(404)), "{err}");
    // Wrong credentials: an authentication error that says what was sent, without the secret.
    let wrong = Client::builder()
        .base_url(sandbox.base_url())
        .shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        .build()
        .unwrap();
    let err = wrong.authorize(&usd("a.b.c", "1.00")).await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Authentication, Some(401)), "{err}");
    assert!(!err.to_string().contains("AAAAAAAA"), "{err}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_microform_token_pays_too() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    let request = MicroformSessionRequest::builder().target_origin("https://shop.example").build().unwrap();
    let context = client.create_microform_context(&request).await.unwrap();
    let card = flex_testkit::TEST_CARD
        .iter()
        .fold(PaymentData::flat(), |data, &(path, value)| data.with(path, value).unwrap());
    let token = client.tokenize(&context, card).await.unwrap();
    let verified = client.verify_transient_token(&token, &context).await.unwrap();
    let payment =
        PaymentRequest::builder(verified.as_str(), Amount::parse("25.50", "EUR").unwrap()).build().unwrap();
    let outcome = client.authorize(&payment).await.unwrap();
    assert!(matches!(outcome, PaymentOutcome::Authorized(_)), "{outcome:?}");
    assert_eq!(outcome.response().authorized_amount(), Some("25.50"));
    sandbox.shutdown().await;
}
