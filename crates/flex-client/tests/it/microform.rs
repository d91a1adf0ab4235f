//! Microform v2 against the sandbox: capture contexts from `POST /microform/v2/sessions`, verified like Flex API
//! ones and told apart by their kind, and transient tokens of both shapes with their typed accessors.

use crate::support::{builder, sandbox};
use flex_client::{
    CardNetwork, Client, ContextKind, ErrorKind, FieldPath, MicroformRequestError, MicroformSessionRequest,
    PaymentData, PaymentType, SessionRequest,
};
use flex_sandbox::{RunningSandbox, TEST_KEY_ID, TEST_MERCHANT_ID, TEST_SHARED_SECRET};

fn card(number: &str) -> PaymentData {
    card_cvv(number, "123")
}

fn card_cvv(number: &str, cvv: &str) -> PaymentData {
    PaymentData::flat()
        .with("paymentInformation.card.number", number)
        .unwrap()
        .with("paymentInformation.card.securityCode", cvv)
        .unwrap()
        .with("paymentInformation.card.expirationMonth", "12")
        .unwrap()
        .with("paymentInformation.card.expirationYear", "2031")
        .unwrap()
}

fn shop() -> MicroformSessionRequest {
    MicroformSessionRequest::builder()
        .target_origin("https://shop.example")
        .target_origin("http://localhost:8080")
        .card_networks([CardNetwork::Visa, CardNetwork::Mastercard])
        .payment_types([PaymentType::Card])
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_microform_context_is_created_verified_and_says_what_it_is() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    let context = client.create_microform_context(&shop()).await.unwrap();
    assert_eq!(context.kind(), ContextKind::Microform);
    assert_eq!(context.claims().iss, "Flex API");
    assert!(context.claims().ctx[0].type_.starts_with("mf-"), "{:?}", context.claims().ctx[0].type_);
    let page = context.microform().unwrap();
    assert_eq!(page.target_origins, ["https://shop.example", "http://localhost:8080"]);
    assert_eq!(page.allowed_card_networks, ["VISA", "MASTERCARD"]);
    assert_eq!(page.allowed_payment_types, ["CARD"]);
    assert_eq!(page.mf_origin.as_deref(), Some(sandbox.base_url()));
    assert!(page.client_library.as_deref().unwrap().contains("/microform/bundle/"), "{page:?}");
    assert!(page.client_library_integrity.as_deref().unwrap().starts_with("sha256-"), "{page:?}");
    // The stored string verifies again, and keeps its kind; a Flex API context has no Microform members.
    let again = client.verify_capture_context(context.as_str()).await.unwrap();
    assert_eq!(again.kind(), ContextKind::Microform);
    let flex =
        client.create_capture_context(&SessionRequest::new().require(FieldPath::CardNumber)).await.unwrap();
    assert_eq!((flex.kind(), flex.microform().is_none()), (ContextKind::FlexApi, true));
    let shown = format!("{context:?}");
    assert!(shown.contains("Microform") && !shown.contains(context.as_str()), "{shown}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn invalid_microform_requests_never_leave_the_process() {
    let wildcard = MicroformSessionRequest::builder().target_origin("https://*.shop.example").build();
    assert_eq!(wildcard.unwrap_err(), MicroformRequestError::InvalidTargetOrigin { index: 0 });
    let path = MicroformSessionRequest::builder().target_origin("https://shop.example/checkout").build();
    assert!(matches!(path, Err(MicroformRequestError::InvalidTargetOrigin { .. })));
    let none = MicroformSessionRequest::builder().build();
    assert_eq!(none.unwrap_err(), MicroformRequestError::NoTargetOrigin);
    let ten = MicroformSessionRequest::builder()
        .target_origins((0..10).map(|i| format!("https://shop{i}.example")))
        .build();
    assert_eq!(ten.unwrap_err(), MicroformRequestError::TooManyTargetOrigins);
    assert!("SOLO".parse::<CardNetwork>().is_err());
}

#[tokio::test]
async fn microform_transient_tokens_expose_bin_types_and_expiry() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    for (prefix, bin) in [(None, Some("411111")), (Some(true), Some("41111111")), (Some(false), None)] {
        let mut request = MicroformSessionRequest::builder().target_origin("https://shop.example");
        if let Some(include) = prefix {
            request = request.include_card_prefix(include);
        }
        let context = client.create_microform_context(&request.build().unwrap()).await.unwrap();
        let stored = context.as_str().to_owned();
        let token = client.tokenize(&context, card("4111111111111111")).await.unwrap();
        // Verified against the stored context string, as a backend does.
        let context = client.verify_capture_context(&stored).await.unwrap();
        let verified = client.verify_transient_token(&token, &context).await.unwrap();
        assert_eq!(verified.kind(), ContextKind::Microform, "{prefix:?}");
        assert!(verified.claims().type_.starts_with("mf-2"), "{:?}", verified.claims().type_);
        assert_eq!(verified.bin(), bin, "{prefix:?}");
        assert_eq!(verified.masked_card_number(), Some("XXXXXXXXXXXX1111"));
        assert_eq!(verified.detected_card_types().collect::<Vec<_>>(), ["001"]);
        assert_eq!(verified.card_type(), Some("001"));
        let expiry = verified.expiry().unwrap();
        assert_eq!((expiry.month, expiry.year), (12, 2031));
        assert!(verified.expires_at() > 0);
        let shown = format!("{verified:?}");
        assert!(!shown.contains(&token) && !shown.contains("4111111111111111"), "{shown}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn flex_api_transient_tokens_expose_the_same_accessors() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    let request = SessionRequest::new()
        .require(FieldPath::CardNumber)
        .optional(FieldPath::CardSecurityCode)
        .optional(FieldPath::CardExpirationMonth)
        .optional(FieldPath::CardExpirationYear)
        .optional(FieldPath::CardType);
    let context = client.create_capture_context(&request).await.unwrap();
    let data = card("5555555555554444").with("paymentInformation.card.type", "002").unwrap();
    let token = client.tokenize(&context, data).await.unwrap();
    let verified = client.verify_transient_token(&token, &context).await.unwrap();
    // The older flat `data{number, type, expirationMonth, expirationYear}` shape.
    assert_eq!(verified.kind(), ContextKind::FlexApi);
    assert!(verified.claims().data.is_some() && verified.claims().content.is_none());
    assert_eq!(verified.masked_card_number(), Some("555555XXXXXX4444"));
    assert_eq!(verified.bin(), Some("555555"));
    assert_eq!(verified.card_type(), Some("002"));
    assert_eq!(verified.detected_card_types().count(), 0);
    assert_eq!(verified.expiry().map(|e| (e.month, e.year)), Some((12, 2031)));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn microform_tokenization_takes_the_page_fields_and_the_allowed_networks_only() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    let context = client.create_microform_context(&shop()).await.unwrap();
    // A field no Microform page posts, and a missing number: refused before sending.
    let extra = card("4111111111111111").with("orderInformation.billTo.email", "a@example.com").unwrap();
    let err = client.tokenize(&context, extra).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(err.to_string().contains("orderInformation.billTo.email"), "{err}");
    let no_number = PaymentData::flat().with("paymentInformation.card.securityCode", "123").unwrap();
    let err = client.tokenize(&context, no_number).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(err.to_string().contains("paymentInformation.card.number"), "{err}");
    // An American Express card where only Visa and Mastercard are allowed: the server's 400, context unused.
    let err = client.tokenize(&context, card_cvv("378282246310005", "1234")).await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(400)), "{err}");
    assert!(!format!("{err}{err:?}").contains("378282246310005"));
    // The number alone is enough.
    let number = PaymentData::flat().with("paymentInformation.card.number", "5555555555554444").unwrap();
    let token = client.tokenize(&context, number).await.unwrap();
    let verified = client.verify_transient_token(&token, &context).await.unwrap();
    assert_eq!((verified.masked_card_number(), verified.expiry()), (Some("XXXXXXXXXXXX4444"), None));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_transient_token_from_another_sandbox_does_not_verify() {
    let (ours, theirs) = (sandbox().await, sandbox().await);
    let client = builder(&ours).build().unwrap();
    let foreign = builder(&theirs).allow_token_origin(theirs.base_url()).build().unwrap();
    let context = client.create_microform_context(&shop()).await.unwrap();
    let their_context = foreign.create_microform_context(&shop()).await.unwrap();
    let token = foreign.tokenize(&their_context, card("4111111111111111")).await.unwrap();
    foreign.verify_transient_token(&token, &their_context).await.unwrap();
    let err = client.verify_transient_token(&token, &context).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Verification, "{err}");
    ours.shutdown().await;
    theirs.shutdown().await;
}

/// A relay in front of the sandbox that answers `POST /microform/v2/sessions` with a Flex API context (made with
/// `flex`'s own credentials: a server mixing up the two endpoints) and passes every other request through.
async fn mixing_relay(sandbox: &RunningSandbox, flex: Client) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let upstream = sandbox.addr();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let flex = flex.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0_u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                if head.starts_with(b"POST /microform/v2/sessions ") {
                    let request = SessionRequest::new().require(FieldPath::CardNumber);
                    let context = flex.create_capture_context(&request).await.unwrap().into_string();
                    let answer = format!(
                        "HTTP/1.1 201 Created\r\ncontent-type: application/jwt\r\ncontent-length: {}\r\n\
                         connection: close\r\n\r\n{context}",
                        context.len()
                    );
                    let _ = socket.write_all(answer.as_bytes()).await;
                    let _ = socket.shutdown().await;
                    return;
                }
                let mut server = tokio::net::TcpStream::connect(upstream).await.unwrap();
                server.write_all(&head).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut socket, &mut server).await;
            });
        }
    });
    url
}

#[tokio::test]
async fn a_flex_api_context_from_the_microform_endpoint_is_refused() {
    let sandbox = sandbox().await;
    let relay = mixing_relay(&sandbox, builder(&sandbox).build().unwrap()).await;
    let client = Client::builder()
        .base_url(&relay)
        .shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, TEST_SHARED_SECRET)
        .build()
        .unwrap();
    let err = client.create_microform_context(&shop()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Verification, "{err}");
    assert!(err.to_string().contains("flex-api capture context, not a microform one"), "{err}");
    sandbox.shutdown().await;
}
