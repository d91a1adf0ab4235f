//! The JWE protected header: exact bytes on the way out, strict parsing on the way in.

use core::fmt;
use std::borrow::Cow;

use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::alg::{CONTENT_ENCRYPTION, KeyAlgorithm};

/// Member order `alg`, `enc`, `kid` is the struct's field order; `serde_json` writes it with no
/// whitespace and escapes `kid` as JSON requires.
#[derive(Serialize)]
struct OutHeader<'a> {
    alg: &'static str,
    enc: &'static str,
    kid: &'a str,
}

/// `{"alg":"<alg>","enc":"A256GCM","kid":"<kid>"}`.
pub(crate) fn encode(alg: KeyAlgorithm, kid: &str) -> Option<String> {
    serde_json::to_string(&OutHeader { alg: alg.as_str(), enc: CONTENT_ENCRYPTION, kid }).ok()
}

/// A header that passed [`parse`]: `enc` is `A256GCM`, `alg` is a known algorithm, no `zip`, no
/// `crit`, no duplicate member at any depth (the strict reader's rule). Other members are ignored (RFC 7516 §4).
pub(crate) struct Parsed {
    pub(crate) alg: KeyAlgorithm,
    pub(crate) kid: Option<String>,
}

/// The deepest nesting accepted in a protected header (the members this crate reads are flat).
const MAX_DEPTH: usize = 8;

/// Parses the decoded protected header with the SDK's strict JSON reader (flex-jose). `None` on any deviation.
pub(crate) fn parse(json: &[u8]) -> Option<Parsed> {
    let text = core::str::from_utf8(json).ok()?;
    let options = flex_jose::json::Options { max_depth: MAX_DEPTH, spill: true };
    let raw: RawHeader = flex_jose::json::de::from_str(text, options, &mut |_| {}).ok()?;
    let alg = KeyAlgorithm::from_name(raw.alg.as_deref()?)?;
    if raw.enc.as_deref()? != CONTENT_ENCRYPTION {
        return None;
    }
    Some(Parsed { alg, kid: raw.kid })
}

struct RawHeader {
    alg: Option<String>,
    enc: Option<String>,
    kid: Option<String>,
}

impl<'de> Deserialize<'de> for RawHeader {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(HeaderVisitor)
    }
}

struct HeaderVisitor;

impl<'de> Visitor<'de> for HeaderVisitor {
    type Value = RawHeader;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWE protected header object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawHeader, A::Error> {
        // Duplicate members never get here: the strict reader refuses them first.
        let mut header = RawHeader { alg: None, enc: None, kid: None };
        while let Some(name) = map.next_key::<Cow<'de, str>>()? {
            match name.as_ref() {
                "alg" => header.alg = Some(map.next_value()?),
                "enc" => header.enc = Some(map.next_value()?),
                "kid" => header.kid = Some(map.next_value()?),
                // No compression: a decompression step is a DoS and CRIME-style risk, and Flex never
                // sends it. `crit` lists extensions the recipient must understand; we understand none.
                "zip" | "crit" => return Err(de::Error::custom("unsupported header member")),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(header)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_bytes() {
        assert_eq!(
            encode(KeyAlgorithm::RsaOaep, "j4").as_deref(),
            Some(r#"{"alg":"RSA-OAEP","enc":"A256GCM","kid":"j4"}"#)
        );
        assert_eq!(
            encode(KeyAlgorithm::RsaOaep256, "a\"b").as_deref(),
            Some(r#"{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"a\"b"}"#)
        );
    }

    #[test]
    fn strict_parse() {
        let ok = |s: &str| parse(s.as_bytes()).is_some();
        assert!(ok(r#"{"alg":"RSA-OAEP","enc":"A256GCM","kid":"x"}"#));
        assert!(ok(r#"{"enc":"A256GCM","alg":"RSA-OAEP-256"}"#));
        assert!(ok(r#"{"alg":"RSA-OAEP","enc":"A256GCM","typ":"JWE","x":[1,{}]}"#));
        assert!(!ok(r#"{"alg":"RSA-OAEP","enc":"A128GCM"}"#));
        assert!(!ok(r#"{"alg":"RSA1_5","enc":"A256GCM"}"#));
        assert!(!ok(r#"{"alg":"rsa-oaep","enc":"A256GCM"}"#));
        assert!(!ok(r#"{"alg":"RSA-OAEP"}"#));
        assert!(!ok(r#"{"enc":"A256GCM"}"#));
        assert!(!ok(r#"{"alg":"RSA-OAEP","enc":"A256GCM","zip":"DEF"}"#));
        assert!(!ok(r#"{"alg":"RSA-OAEP","enc":"A256GCM","crit":["exp"],"exp":1}"#));
        assert!(!ok(r#"{"alg":"RSA-OAEP","enc":"A256GCM","crit":[]}"#));
        assert!(!ok(r#"{"alg":"RSA-OAEP","alg":"RSA-OAEP","enc":"A256GCM"}"#));
        assert!(!ok(r#"{"alg":"RSA-OAEP","enc":"A256GCM","x":1,"x":2}"#));
        assert!(!ok(r#"{"alg":"RSA-OAEP","enc":"A256GCM","kid":7}"#));
        assert!(!ok(r#"{"alg":null,"enc":"A256GCM"}"#));
        assert!(!ok(r#"["RSA-OAEP","A256GCM"]"#));
        assert!(!ok(r#"{"alg":"RSA-OAEP","enc":"A256GCM"}x"#));
        assert!(!ok(""));
    }
}
