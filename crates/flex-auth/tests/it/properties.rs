//! Property tests: sign→verify round trips, any single-byte tampering fails, no input panics.

use flex_auth::{JwtId, ReceivedRequest, SignableRequest, SigningParams, VerifyError, sign};
use proptest::prelude::*;

use crate::*;

fn method() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["GET", "POST", "PUT", "PATCH", "DELETE", "post", "get", "Patch"])
}

fn path() -> impl Strategy<Value = String> {
    "/[a-zA-Z0-9/._~%!$'()*+,;=:@-]{0,40}(\\?[a-zA-Z0-9=&%._~/?-]{0,30})?"
}

fn has_body(m: &str) -> bool {
    ["POST", "PUT", "PATCH"].iter().any(|x| x.eq_ignore_ascii_case(m))
}

#[derive(Debug, Clone)]
struct Case {
    method: &'static str,
    path: String,
    body: Vec<u8>,
    jwt: bool,
    time: i64,
    jti: [u8; 16],
}

fn case() -> impl Strategy<Value = Case> {
    (
        method(),
        path(),
        prop::collection::vec(any::<u8>(), 0..300),
        any::<bool>(),
        0i64..4_000_000_000,
        any::<[u8; 16]>(),
    )
        .prop_map(|(method, path, body, jwt, time, jti)| {
            // Methods without a digest carry no body (a body there is refused as unsigned).
            let body = if has_body(method) { body } else { Vec::new() };
            Case { method, path, body, jwt, time, jti }
        })
}

fn signed(c: &Case) -> Vec<(&'static str, String)> {
    let req = SignableRequest::new(c.method, HOST, &c.path, &c.body).unwrap();
    let params = if c.jwt {
        SigningParams::jwt(t(c.time), JwtId::from_random_bytes(c.jti))
    } else {
        SigningParams::http_signature(t(c.time))
    };
    sign(&req, &creds(), &params)
        .unwrap()
        .headers()
        .filter(|(n, _)| *n != "Host") // so that tampering the authority tests the signature, not the Host check
        .map(|(n, v)| (n, v.to_owned()))
        .collect()
}

fn check(
    c: &Case,
    method: &str,
    host: &str,
    path: &str,
    headers: &[(&'static str, String)],
    body: &[u8],
    now: i64,
) -> Result<flex_auth::Authenticated, VerifyError> {
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let _ = c;
    verifier().verify(
        &ReceivedRequest { method, authority: host, path_and_query: path, headers: &headers, body },
        t(now),
    )
}

/// Replaces byte `i % len` of an ASCII string with a different visible ASCII character.
fn mutate_ascii(s: &str, i: usize, r: u8) -> String {
    let mut b = s.as_bytes().to_vec();
    let i = i % b.len();
    let r = 0x21 + r % 94;
    b[i] = if b[i] == r { if r == b'~' { b'!' } else { r + 1 } } else { r };
    String::from_utf8(b).unwrap()
}

#[derive(Debug, Clone, Copy)]
enum Target {
    Body,
    Path,
    Host,
    Date,
    MerchantId,
    Signature,
}

proptest! {
    #[test]
    fn sign_then_verify_round_trips(c in case()) {
        let h = signed(&c);
        let who = check(&c, c.method, HOST, &c.path, &h, &c.body, c.time).unwrap();
        prop_assert_eq!(who.merchant_id, MID);
        prop_assert_eq!(who.key_id, KEY_ID);
    }

    #[test]
    fn any_single_change_fails(
        c in case(),
        target in prop::sample::select(vec![Target::Body, Target::Path, Target::Host, Target::Date, Target::MerchantId, Target::Signature]),
        i in any::<usize>(),
        r in any::<u8>(),
    ) {
        let h = signed(&c);
        let (mut method, mut host, mut path, mut headers, mut body) = (c.method, HOST.to_owned(), c.path.clone(), h.clone(), c.body.clone());
        let mut now = c.time;
        let _ = &mut method;
        match target {
            Target::Body => {
                if body.is_empty() { body.push(r) } else { let n = body.len(); body[i % n] ^= r | 1; }
            }
            Target::Path => path = mutate_ascii(&path, i, r),
            Target::Host => host = mutate_ascii(&host, i, r),
            Target::Date if c.jwt => now = c.time + 121 + 301, // JWT binds time through iat/exp, not Date
            Target::Date | Target::MerchantId | Target::Signature => {
                let name = match target {
                    Target::Date => "Date",
                    Target::MerchantId => "v-c-merchant-id",
                    _ if c.jwt => "Authorization",
                    _ => "Signature",
                };
                for (n, v) in headers.iter_mut() {
                    if *n == name { *v = mutate_ascii(v, i, r); }
                }
            }
        }
        let result = check(&c, method, &host, &path, &headers, &body, now);
        prop_assert!(result.is_err(), "{:?} {:?} verified: {:?}", target, c, result);
    }

    #[test]
    fn header_parsers_never_panic(s in "\\PC{0,200}", b in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = flex_auth::fuzzing::parse_signature_header(&s);
        let _ = flex_auth::fuzzing::parse_http_date(&s);
        let lossy = String::from_utf8_lossy(&b).into_owned();
        let _ = flex_auth::fuzzing::parse_signature_header(&lossy);
        for name in ["Signature", "Authorization", "Date", "Digest", "v-c-merchant-id", "Host"] {
            for value in [&s, &lossy, &format!("Bearer {s}")] {
                let headers = [(name, value.as_str()), ("Date", "Thu, 18 Jul 2019 00:18:03 GMT"), ("v-c-merchant-id", MID)];
                let _ = verifier().verify(&received("POST", PATH, &headers, &b), t(NOW));
            }
        }
        let _ = verifier().verify(&ReceivedRequest { method: &s, authority: &s, path_and_query: &s, headers: &[], body: &b }, t(NOW));
    }

    #[test]
    fn structured_signature_headers_never_panic(
        parts in prop::collection::vec(("(keyid|algorithm|headers|signature|x)", "[ -~]{0,20}"), 0..6),
        sep in "(, |,|  |;)",
    ) {
        let header = parts.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect::<Vec<_>>().join(&sep);
        let _ = flex_auth::fuzzing::parse_signature_header(&header);
        let headers = [("Signature", header.as_str()), ("Date", "Thu, 18 Jul 2019 00:18:03 GMT"), ("v-c-merchant-id", MID)];
        prop_assert!(verifier().verify(&received("GET", "/", &headers, b""), t(NOW)).is_err());
    }
}
