//! The whole Flex v2 flow against the embedded offline sandbox, no account or network needed:
//!
//! ```text
//! cargo run -p flex-client --example sandbox_flow
//! ```
//!
//! 1. start the sandbox on loopback (it accepts the public test merchant `testrest`);
//! 2. create a verified capture context (JWT authentication);
//! 3. tokenize a test card the way a browser would (JWE to `flx.jwk`, POST to `flx.origin + flx.path`);
//! 4. verify the transient token, as the merchant server must before a payment;
//! 5. authorize a payment with it (`POST /pts/v2/payments`).
#![allow(clippy::print_stdout)]

use flex_client::{Amount, Client, FieldPath, PaymentData, PaymentRequest, SessionRequest, mask};
use flex_sandbox::{Sandbox, TEST_KEY_ID, TEST_MERCHANT_ID, TEST_SHARED_SECRET};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::builder().start().await?;
    println!("sandbox listening on {}", sandbox.base_url());

    // Against Cybersource you would write `.environment(Environment::test())` and your own credentials,
    // or `ClientBuilder::from_env()` with FLEX_ENV / FLEX_AUTH / FLEX_MERCHANT_ID / FLEX_KEY_ID /
    // FLEX_SHARED_SECRET or FLEX_PRIVATE_KEY_FILE (and HTTPS_PROXY / NO_PROXY / FLEX_CA_FILE when needed).
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, TEST_SHARED_SECRET)
        .build()?;

    let request = SessionRequest::new()
        .require(FieldPath::CardNumber)
        .require(FieldPath::CardSecurityCode)
        .optional(FieldPath::CardExpirationMonth)
        .optional(FieldPath::CardExpirationYear);
    let context = client.create_capture_context(&request).await?;
    println!(
        "capture context {} (expires at {}), tokens URL {}",
        mask(context.as_str()),
        context.expires_at(),
        context.tokens_url()
    );
    println!("required fields: {:?}", context.claims().required_fields().collect::<Vec<_>>());

    let card = PaymentData::flat()
        .with("paymentInformation.card.number", "4111111111111111")?
        .with("paymentInformation.card.securityCode", "123")?
        .with("paymentInformation.card.expirationMonth", "12")?
        .with("paymentInformation.card.expirationYear", "2031")?;
    let token = client.tokenize(&context, card).await?;
    println!("transient token {}", mask(&token));

    let verified = client.verify_transient_token(&token, &context).await?;
    println!(
        "verified: card {:?}, type {}, expires at {}",
        verified.claims().masked_card_number(),
        verified.claims().type_,
        verified.claims().exp
    );
    println!("public-key fetches so far: {}", client.key_cache_stats().fetches);

    let payment = PaymentRequest::builder(verified.as_str(), Amount::parse("10.00", "USD")?)
        .reference("example-order-1")
        .build()?;
    let outcome = client.authorize(&payment).await?;
    println!(
        "payment {} id {} authorized {}",
        outcome.status().unwrap_or("-"),
        outcome.id().unwrap_or("-"),
        outcome.response().authorized_amount().unwrap_or("-")
    );
    sandbox.shutdown().await;
    Ok(())
}
