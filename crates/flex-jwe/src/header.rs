//! The JWE protected header: exact bytes on the way out, strict parsing on the way in.

use serde::de::IgnoredAny;
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
    let raw: RawHeader = crate::payload::strict_json(json, MAX_DEPTH).ok()?;
    // No compression: a decompression step is a DoS and CRIME-style risk, and Flex never sends it. `crit` lists
    // extensions the recipient must understand; we understand none.
    if raw.zip.0 || raw.crit.0 || raw.enc != CONTENT_ENCRYPTION {
        return None;
    }
    Some(Parsed { alg: KeyAlgorithm::from_name(&raw.alg)?, kid: raw.kid })
}

/// The members [`parse`] reads, each a string when present; others are ignored. Duplicate members never get
/// here: the strict reader refuses them first.
#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    enc: String,
    #[serde(default, deserialize_with = "string")]
    kid: Option<String>,
    #[serde(default)]
    zip: Present,
    #[serde(default)]
    crit: Present,
}

/// A member that must be a string when present (`null` is refused, not taken for absent).
fn string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    String::deserialize(deserializer).map(Some)
}

/// Whether a member is present, whatever its value (`null` included).
#[derive(Default)]
struct Present(bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(deserializer).map(|_| Self(true))
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
        assert!(!ok(r#"{"alg":"RSA-OAEP","enc":"A256GCM","kid":null}"#));
        assert!(!ok(r#"{"alg":"RSA-OAEP","enc":"A256GCM","zip":null}"#));
        assert!(!ok(r#"{"alg":"RSA-OAEP","enc":"A256GCM","crit":null}"#));
        assert!(!ok(r#"["RSA-OAEP","A256GCM"]"#));
        assert!(!ok(r#"{"alg":"RSA-OAEP","enc":"A256GCM"}x"#));
        assert!(!ok(""));
    }
}
