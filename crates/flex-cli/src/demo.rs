//! `cybs-flex demo`: the whole Flex API v2 flow, offline, against the embedded sandbox, one readable step at a time,
//! from the capture context to the authorized payment; `--microform` runs it with a Microform v2 capture context.

use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use flex_client::{
    Amount, AuthScheme, CardNetwork, Client, MicroformSessionRequest, PaymentData, PaymentRequest, mask,
};
use flex_sandbox::{Sandbox, TEST_KEY_ID, TEST_MERCHANT_ID, TEST_SHARED_SECRET};
use flex_types::{FieldPath, SessionRequest};

use crate::{Failure, TimeoutArg, input};

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// How the backend authenticates `POST /flex/v2/sessions`.
    #[arg(long, value_enum, default_value_t = Auth::Jwt)]
    auth: Auth,
    /// Run the Microform v2 variant: the capture context comes from POST /microform/v2/sessions.
    #[arg(long)]
    microform: bool,
    #[command(flatten)]
    timeout: TimeoutArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Auth {
    /// JWT authentication v2 (HS256 with the shared secret), the scheme Cybersource requires from September 2026.
    Jwt,
    /// HTTP Signature (HMAC-SHA256), deprecated by Cybersource from September 2026.
    HttpSignature,
}

/// The test card every Cybersource sandbox accepts.
const CARD_NUMBER: &str = "4111111111111111";
/// The number of steps.
const STEPS: u32 = 7;
/// The page that hosts the Microform fields in the demo.
const SHOP_ORIGIN: &str = "https://shop.example";

pub(crate) fn run(args: &DemoArgs) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(demo(args.auth, args.microform, args.timeout))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn step(n: u32, title: &str) -> Result<(), Failure> {
    input::print(&format!("\n[{n}/{STEPS}] {title}"))
}

fn line(text: &str) -> Result<(), Failure> {
    input::print(&format!("      {text}"))
}

async fn demo(auth: Auth, microform: bool, timeout: TimeoutArg) -> Result<(), Failure> {
    let started = Instant::now();
    let variant = if microform { "Microform v2" } else { "Flex API v2" };
    input::print(&format!(
        "cybs-flex demo: the Cybersource {variant} flow, offline, against the embedded sandbox, up to the payment"
    ))?;

    step(1, "Start the offline sandbox")?;
    let t = Instant::now();
    let sandbox = Sandbox::builder().start().await?;
    line(&format!("listening on {} ({})", sandbox.base_url(), ms(t.elapsed())))?;
    line(&format!(
        "merchant {TEST_MERCHANT_ID}, key id {TEST_KEY_ID} (the official SDKs' public test credentials)"
    ))?;

    let (scheme, scheme_name) = match auth {
        Auth::HttpSignature => (AuthScheme::HttpSignature, "HTTP Signature (HMAC-SHA256)"),
        Auth::Jwt => (AuthScheme::Jwt, "JWT (HS256)"),
    };
    let client = timeout
        .apply(Client::builder())
        .base_url(sandbox.base_url())
        .shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, TEST_SHARED_SECRET)
        .auth_scheme(scheme)
        .build()?;

    let context = if microform {
        step(2, "Create a Microform capture context: POST /microform/v2/sessions, then verify it")?;
        let request = MicroformSessionRequest::builder()
            .target_origin(SHOP_ORIGIN)
            .card_networks([CardNetwork::Visa, CardNetwork::Mastercard, CardNetwork::Amex])
            .build()
            .map_err(|e| Failure::new(e.to_string()))?;
        line(&format!("request body {}", serde_json::to_string(&request)?))?;
        line(&format!("signed with {scheme_name}"))?;
        let t = Instant::now();
        let context = client.create_microform_context(&request).await?;
        created(&client, &context, t.elapsed())?;
        if let Some(page) = context.microform() {
            let types: Vec<&str> = context.claims().ctx.iter().map(|c| c.type_.as_ref()).collect();
            line(&format!("ctx type {} (Microform)", types.join(", ")))?;
            line(&format!("clientLibrary {}", page.client_library.as_deref().unwrap_or("-")))?;
            line(&format!(
                "clientLibraryIntegrity {}",
                page.client_library_integrity.as_deref().unwrap_or("-")
            ))?;
            line(&format!(
                "targetOrigins {}, mfOrigin {}",
                page.target_origins.join(", "),
                page.mf_origin.as_deref().unwrap_or("-")
            ))?;
            line(&format!(
                "allowedCardNetworks {}; allowedPaymentTypes {}",
                page.allowed_card_networks.join(", "),
                page.allowed_payment_types.join(", ")
            ))?;
        }
        context
    } else {
        step(2, "Create a capture context: POST /flex/v2/sessions, then verify it")?;
        let request = SessionRequest::new()
            .require(FieldPath::CardNumber)
            .require(FieldPath::CardExpirationMonth)
            .require(FieldPath::CardExpirationYear)
            .optional(FieldPath::CardSecurityCode);
        line(&format!("request body {}", serde_json::to_string(&request)?))?;
        line(&format!("signed with {scheme_name}"))?;
        let t = Instant::now();
        let context = client.create_capture_context(&request).await?;
        created(&client, &context, t.elapsed())?;
        let claims = context.claims();
        line(&format!("ctx required {}", claims.required_fields().collect::<Vec<_>>().join(", ")))?;
        line(&format!("ctx optional {}", claims.optional_fields().collect::<Vec<_>>().join(", ")))?;
        context
    };
    let claims = context.claims();
    line(&format!("iss {}, lifetime {} s, jti {}", claims.iss, claims.lifetime_secs(), mask(&claims.jti)))?;
    line(&format!("flx.origin {} + flx.path {}", claims.flx.origin, claims.flx.path))?;
    line(&format!(
        "flx.jwk RSA-{} bits, use {}, kid {}",
        context.encryption_key().bits(),
        claims.flx.jwk.use_.as_deref().unwrap_or("-"),
        claims.flx.jwk.kid.as_deref().unwrap_or("-")
    ))?;

    step(3, "Verify the capture context again (as the backend does before handing it out)")?;
    let t = Instant::now();
    client.verify_capture_context(context.as_str()).await?;
    line(&format!(
        "verified in {} with the cached key; public-key fetches still {}",
        ms(t.elapsed()),
        client.key_cache_stats().fetches
    ))?;

    step(4, "Encrypt the test card to flx.jwk (the browser/app step)")?;
    let card = PaymentData::flat()
        .with("paymentInformation.card.number", CARD_NUMBER)?
        .with("paymentInformation.card.expirationMonth", "12")?
        .with("paymentInformation.card.expirationYear", "2031")?
        .with("paymentInformation.card.securityCode", "123")?;
    let names: Vec<_> = card
        .fields()
        .into_iter()
        .map(|(path, _)| path.rsplit('.').next().unwrap_or_default().to_owned())
        .collect();
    line(&format!("card data: {} (values never printed)", names.join(", ")))?;
    let t = Instant::now();
    let jwe = client.encrypt_card_data(&context, card)?;
    line(&format!("JWE header {}", input::protected_header(&jwe)))?;
    line(&format!("JWE {} bytes in 5 segments, encrypted in {}", jwe.len(), ms(t.elapsed())))?;

    step(5, "Tokenize: POST {\"keyId\": <JWE>} to flx.origin + flx.path")?;
    let t = Instant::now();
    let token = client.tokenize_jwe(&context, &jwe).await?;
    line(&format!(
        "transient token {} ({} bytes) in {}; Digest header checked",
        mask(&token),
        token.len(),
        ms(t.elapsed())
    ))?;
    line(&format!("header {}", input::protected_header(&token)))?;

    step(6, "Verify the transient token with the capture context's flx.jwk")?;
    let t = Instant::now();
    let verified = client.verify_transient_token(&token, &context).await?;
    line(&format!("RS256 verified in {}", ms(t.elapsed())))?;
    let expiry = verified.expiry().map_or_else(|| "-".to_owned(), |e| e.to_string());
    line(&format!(
        "card {} type {} expires {expiry}; token type {}, lifetime {} s",
        verified.masked_card_number().unwrap_or("-"),
        verified.card_type().unwrap_or("-"),
        verified.claims().type_,
        verified.claims().lifetime_secs()
    ))?;
    if microform {
        line(&format!(
            "BIN {}, detected card types {}",
            verified.bin().unwrap_or("-"),
            verified.detected_card_types().collect::<Vec<_>>().join(", ")
        ))?;
    }

    step(7, "Pay: POST /pts/v2/payments with tokenInformation.transientTokenJwt")?;
    let amount = Amount::parse("10.00", "USD").map_err(|e| Failure::new(e.to_string()))?;
    let payment = PaymentRequest::builder(verified.as_str(), amount)
        .reference("demo-order-1")
        .build()
        .map_err(|e| Failure::new(e.to_string()))?;
    line(&format!("request body {}", masked_body(&payment)?))?;
    let t = Instant::now();
    let outcome = client.authorize(&payment).await?;
    line(&format!("answered in {} (sent once: a payment is never retried)", ms(t.elapsed())))?;
    for text in crate::pay::lines(outcome.response()) {
        line(&text)?;
    }
    sandbox.shutdown().await;
    if let Some(message) = crate::pay::not_authorized(&outcome) {
        return Err(Failure::new(message));
    }
    input::print(&format!(
        "\nAll {STEPS} steps passed in {}: payment {}.",
        ms(started.elapsed()),
        outcome.status().unwrap_or("-")
    ))
}

/// What step 2 prints for any capture context, after it was created and verified.
fn created(client: &Client, context: &flex_client::CaptureContext, elapsed: Duration) -> Result<(), Failure> {
    line(&format!(
        "201 Created, {} bytes, verified in the same call ({})",
        context.as_str().len(),
        ms(elapsed)
    ))?;
    line(&format!("header {}", input::protected_header(context.as_str())))?;
    line(&format!(
        "signature key fetched from GET /flex/v2/public-keys/{{kid}}: {} fetch(es), RS256 verified",
        client.key_cache_stats().fetches
    ))
}

/// The payment request as JSON with the transient token masked.
fn masked_body(payment: &PaymentRequest<'_>) -> Result<String, Failure> {
    let token = payment.transient_token_jwt();
    Ok(serde_json::to_string(payment)?.replace(token, &mask(token)))
}
