//! Merchant RS256 credentials from a PEM private key, from the builder and from `FLEX_PRIVATE_KEY_FILE`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flex_client::{
    AuthScheme, Client, ClientBuilder, ErrorKind, FieldPath, MerchantPrivateKey, SessionRequest,
};
use flex_sandbox::{Merchant, RunningSandbox, Sandbox, TestKeys};

const MERCHANT: &str = "rsamerchant";
const KEY_ID: &str = "7c1cbb1b5f3a4f23a0c3d2e5b6a7c8d9";
const KEY_FILE: &str = "keys/rsa2048.pk8.pem";

async fn sandbox_with_rsa_merchant() -> RunningSandbox {
    let pem = flex_testkit::read_to_string(KEY_FILE);
    let public = MerchantPrivateKey::from_pem(&pem).unwrap().public_key().to_pkcs1_der();
    Sandbox::builder()
        .test_keys(TestKeys::generate(1).unwrap())
        .merchant(Merchant::rsa_public_key(MERCHANT, KEY_ID, &public).unwrap())
        .start()
        .await
        .unwrap()
}

fn request() -> SessionRequest {
    SessionRequest::new().require(FieldPath::CardNumber)
}

#[tokio::test]
async fn rs256_private_key_signs_the_sessions_request() {
    let sandbox = sandbox_with_rsa_merchant().await;
    let pem = flex_testkit::read(KEY_FILE);
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .rsa_private_key_pem(MERCHANT, KEY_ID, &pem)
        .build()
        .unwrap();
    let context = client.create_capture_context(&request()).await.unwrap();
    assert_eq!(context.claims().iss, "Flex API");
    // HTTP Signature cannot use an RSA key: refused when building.
    let err = Client::builder()
        .rsa_private_key_pem(MERCHANT, KEY_ID, &pem)
        .auth_scheme(AuthScheme::HttpSignature)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    // Not a key.
    let err = Client::builder().rsa_private_key_pem(MERCHANT, KEY_ID, b"not a key").build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn flex_private_key_file_from_the_environment() {
    let sandbox = sandbox_with_rsa_merchant().await;
    let url = sandbox.base_url().to_owned();
    let key_path = flex_testkit::testdata_path(KEY_FILE).display().to_string();
    let vars = move |secret: Option<&'static str>, path: String| {
        let url = url.clone();
        move |name: &str| -> Option<String> {
            match name {
                "FLEX_ENV" => Some(url.clone()),
                "FLEX_MERCHANT_ID" => Some(MERCHANT.to_owned()),
                "FLEX_KEY_ID" => Some(KEY_ID.to_owned()),
                "FLEX_PRIVATE_KEY_FILE" => Some(path.clone()),
                "FLEX_SHARED_SECRET" => secret.map(str::to_owned),
                _ => None,
            }
        }
    };
    let client = ClientBuilder::from_lookup(vars(None, key_path.clone())).unwrap().build().unwrap();
    client.create_capture_context(&request()).await.unwrap();
    // Both kinds of secret: refused.
    let both =
        ClientBuilder::from_lookup(vars(Some("yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE="), key_path));
    let err = both.err().unwrap();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    assert!(err.to_string().contains("not both"), "{err}");
    // A missing file: the error names the variable and the path.
    let missing = format!("{}.missing", flex_testkit::testdata_path(KEY_FILE).display());
    let err = ClientBuilder::from_lookup(vars(None, missing.clone())).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    let text = err.to_string();
    assert!(text.contains("FLEX_PRIVATE_KEY_FILE") && text.contains(&missing), "{text}");
    sandbox.shutdown().await;
}
