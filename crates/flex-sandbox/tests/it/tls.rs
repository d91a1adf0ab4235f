//! HTTPS: a generated or configured certificate, ALPN `h2` and `http/1.1`, clients without SNI, the signed host
//! with its port, and handshakes that fail without stopping the server.

use std::sync::Arc;

use bytes::Bytes;
use flex_jwe::PaymentData;
use flex_sandbox::{ManualClock, RunningSandbox, SandboxError, TlsIdentity};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;

use crate::support::{self, Api, Resp, Scheme, T0, VECTOR_BODY};

/// A rustls client trusting `ca_pem`, offering only `alpn`, and sending no SNI (as clients that connect by IP).
fn client_config(ca_pem: &str, alpn: &[u8]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![alpn.to_vec()];
    config.enable_sni = false;
    Arc::new(config)
}

/// One TLS connection speaking HTTP/1.1 or HTTP/2, whichever ALPN chose.
enum Conn {
    H1(hyper::client::conn::http1::SendRequest<Full<Bytes>>),
    H2(hyper::client::conn::http2::SendRequest<Full<Bytes>>),
}

struct TlsApi {
    conn: Conn,
    /// Used only to sign (its HTTP client is never called).
    signer: Api,
    alpn: Vec<u8>,
}

impl TlsApi {
    async fn connect(sandbox: &RunningSandbox, ca_pem: &str, alpn: &[u8]) -> Self {
        let tcp = TcpStream::connect(sandbox.addr()).await.unwrap();
        let connector = tokio_rustls::TlsConnector::from(client_config(ca_pem, alpn));
        let server_name = ServerName::IpAddress(std::net::Ipv4Addr::LOCALHOST.into());
        let tls = connector.connect(server_name, tcp).await.unwrap();
        let negotiated = tls.get_ref().1.alpn_protocol().unwrap().to_vec();
        let io = TokioIo::new(tls);
        let conn = if negotiated == b"h2" {
            let (send, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io).await.unwrap();
            tokio::spawn(conn);
            Conn::H2(send)
        } else {
            let (send, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
            tokio::spawn(conn);
            Conn::H1(send)
        };
        let base = sandbox.base_url().to_owned();
        let authority = base.strip_prefix("https://").unwrap().to_owned();
        let signer = Api { client: Client::builder(TokioExecutor::new()).build_http(), base, authority };
        Self { conn, signer, alpn: negotiated }
    }

    async fn send(&mut self, method: &str, path: &str, headers: &[(String, String)], body: Vec<u8>) -> Resp {
        let mut builder = http::Request::builder().method(method);
        builder = match self.conn {
            // HTTP/2: the host travels as `:authority`, and there is no `Host` header.
            Conn::H2(_) => builder.uri(format!("{}{path}", self.signer.base)),
            // HTTP/1.1: every request carries `Host` (RFC 9112 §3.2; the sandbox refuses one without).
            Conn::H1(_) if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) => {
                builder.uri(path).header("host", self.signer.authority.as_str())
            }
            Conn::H1(_) => builder.uri(path),
        };
        // The signed headers carry `Host` (HTTP/1.1); an HTTP/2 client sends `:authority` instead.
        let h2 = matches!(self.conn, Conn::H2(_));
        for (n, v) in headers.iter().filter(|(n, _)| !(h2 && n.eq_ignore_ascii_case("host"))) {
            builder = builder.header(n.as_str(), v.as_str());
        }
        let req = builder.body(Full::new(Bytes::from(body))).unwrap();
        let res = match &mut self.conn {
            Conn::H1(s) => s.send_request(req).await.unwrap(),
            Conn::H2(s) => s.send_request(req).await.unwrap(),
        };
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        Resp { status, headers, body: String::from_utf8(body.to_vec()).unwrap() }
    }

    /// The whole flow on this one connection: session, public key, tokenize; returns the verified card BIN.
    async fn full_flow(&mut self, sandbox: &RunningSandbox) {
        let headers = self.signer.session_headers(Scheme::HttpSignature, VECTOR_BODY, T0);
        let res = self.send("POST", "/flex/v2/sessions", &headers, VECTOR_BODY.as_bytes().to_vec()).await;
        assert_eq!(res.status, 201, "{}", res.body);
        assert!(res.headers.get("content-encoding").is_none());
        let context = res.body;
        let claims = support::context_claims(&context);
        assert_eq!(claims.flx.origin, sandbox.base_url());
        assert!(claims.flx.origin.starts_with("https://127.0.0.1:"));

        let kid = flex_jwt::Jwt::parse(&context).unwrap().kid().unwrap().as_str().to_owned();
        let jwk = self.send("GET", &format!("/flex/v2/public-keys/{kid}"), &[], Vec::new()).await;
        assert_eq!(jwk.status, 200, "{}", jwk.body);
        let key = flex_jwt::RsaPublicKey::from_jwk(&jwk.body).unwrap();
        flex_jwt::Verifier::new().verify_token(&context, &key, T0).unwrap();

        let jwe = support::jwe_for(&context, support::card(PaymentData::flat()));
        let body = serde_json::to_vec(&serde_json::json!({ "keyId": jwe })).unwrap();
        let json = [("Content-Type".to_owned(), "application/json".to_owned())];
        let res = self.send("POST", "/flex/v2/tokens", &json, body).await;
        assert_eq!(res.status, 201, "{}", res.body);
        let token = support::verify_token(&res.body, &claims, T0);
        assert_eq!(token.masked_card_number(), Some("411111XXXXXX1111"));
    }
}

async fn https_sandbox(identity: TlsIdentity) -> RunningSandbox {
    support::config(&ManualClock::new(T0)).tls(identity).start().await.unwrap()
}

#[tokio::test]
async fn generated_certificate_serves_both_alpn_protocols_without_sni() {
    let sandbox = https_sandbox(TlsIdentity::generate()).await;
    assert!(sandbox.base_url().starts_with("https://127.0.0.1:"));
    assert_eq!(sandbox.base_url(), format!("https://{}", sandbox.addr()));
    let ca = sandbox.ca_pem().unwrap().to_owned();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
    for alpn in [&b"h2"[..], b"http/1.1"] {
        let mut api = TlsApi::connect(&sandbox, &ca, alpn).await;
        assert_eq!(api.alpn, alpn);
        api.full_flow(&sandbox).await;
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_signature_for_another_port_is_rejected_over_https() {
    let sandbox = https_sandbox(TlsIdentity::generate()).await;
    let ca = sandbox.ca_pem().unwrap().to_owned();
    let mut api = TlsApi::connect(&sandbox, &ca, b"h2").await;
    // Signed for the host without the port: the sandbox checks the authority the client used.
    api.signer.authority = "127.0.0.1".to_owned();
    let headers = api.signer.session_headers(Scheme::HttpSignature, VECTOR_BODY, T0);
    let res = api.send("POST", "/flex/v2/sessions", &headers, VECTOR_BODY.as_bytes().to_vec()).await;
    assert_eq!(res.status, 401, "{}", res.body);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn failed_handshakes_do_not_stop_the_server() {
    let sandbox = https_sandbox(TlsIdentity::generate()).await;
    let ca = sandbox.ca_pem().unwrap().to_owned();
    // Plain HTTP to the TLS port.
    let mut tcp = TcpStream::connect(sandbox.addr()).await.unwrap();
    tcp.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
    drop(tcp);
    // A client that does not trust the certificate.
    let other = https_sandbox(TlsIdentity::generate()).await;
    let untrusted = client_config(other.ca_pem().unwrap(), b"h2");
    let tcp = TcpStream::connect(sandbox.addr()).await.unwrap();
    let name = ServerName::IpAddress(std::net::Ipv4Addr::LOCALHOST.into());
    assert!(tokio_rustls::TlsConnector::from(untrusted).connect(name, tcp).await.is_err());
    // A silent client, and then a good one that still gets served.
    let _silent = TcpStream::connect(sandbox.addr()).await.unwrap();
    let mut api = TlsApi::connect(&sandbox, &ca, b"http/1.1").await;
    api.full_flow(&sandbox).await;
    sandbox.shutdown().await;
    other.shutdown().await;
}

#[tokio::test]
async fn pem_identity_and_ca_file() {
    // A CA file is written at start-up and holds the same PEM the sandbox reports.
    let path = std::env::temp_dir().join(format!("flex-sandbox-ca-{}.pem", std::process::id()));
    let sandbox = https_sandbox(TlsIdentity::generate_writing_ca_to(&path)).await;
    let written = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(Some(written.as_str()), sandbox.ca_pem());
    sandbox.shutdown().await;

    // A self-signed certificate from PEM: served as is, no CA reported.
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    let identity = TlsIdentity::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap();
    assert!(!format!("{identity:?}").contains("PRIVATE"));
    let sandbox = https_sandbox(identity).await;
    assert_eq!(sandbox.ca_pem(), None);
    let mut api = TlsApi::connect(&sandbox, &cert.pem(), b"h2").await;
    api.full_flow(&sandbox).await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn bad_tls_configuration_is_a_typed_error() {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert =
        rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap().self_signed(&key).unwrap();
    let pem = cert.pem();
    assert!(matches!(TlsIdentity::from_pem(b"", key.serialize_pem().as_bytes()), Err(SandboxError::Tls(_))));
    assert!(matches!(TlsIdentity::from_pem(pem.as_bytes(), b"not a key"), Err(SandboxError::Tls(_))));
    // A key that does not belong to the certificate fails at start.
    let other = rcgen::KeyPair::generate().unwrap();
    let identity = TlsIdentity::from_pem(pem.as_bytes(), other.serialize_pem().as_bytes()).unwrap();
    let err = support::config(&ManualClock::new(T0)).tls(identity).start().await.unwrap_err();
    assert!(matches!(err, SandboxError::Tls(_)), "{err}");
    // An unwritable CA path.
    let identity = TlsIdentity::generate_writing_ca_to("/nonexistent-dir/ca.pem");
    let err = support::config(&ManualClock::new(T0)).tls(identity).start().await.unwrap_err();
    assert!(matches!(err, SandboxError::CaFile { .. }), "{err}");
}
