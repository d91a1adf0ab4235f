//! Strict parser for the HTTP Signature `Signature` header.
//!
//! Grammar (what the official SDKs emit, §7.1 step 4, parameters in any order):
//! `param *( "," *SP param )`, `param = name "=" DQUOTE *qchar DQUOTE`, where `name` is one of `keyid`,
//! `algorithm`, `headers`, `signature`, each exactly once, and `qchar` is visible ASCII or space except `"` and
//! `\` (no escapes). Anything else is refused.

/// Longest `Signature` header read.
pub(crate) const MAX_SIGNATURE_HEADER_LEN: usize = 2048;

/// The four parameters, borrowed from the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SignatureParams<'a> {
    pub(crate) key_id: &'a str,
    pub(crate) algorithm: &'a str,
    pub(crate) headers: &'a str,
    pub(crate) signature: &'a str,
}

pub(crate) fn parse(input: &str) -> Option<SignatureParams<'_>> {
    if input.len() > MAX_SIGNATURE_HEADER_LEN {
        return None;
    }
    let (mut key_id, mut algorithm, mut headers, mut signature) = (None, None, None, None);
    let mut rest = input;
    loop {
        let (name, after_name) = rest.split_once("=\"")?;
        let (value, after_value) = after_name.split_once('"')?;
        if !value.bytes().all(|b| b == b' ' || (b.is_ascii_graphic() && b != b'\\')) {
            return None;
        }
        let slot = match name {
            "keyid" => &mut key_id,
            "algorithm" => &mut algorithm,
            "headers" => &mut headers,
            "signature" => &mut signature,
            _ => return None,
        };
        if slot.replace(value).is_some() {
            return None; // duplicate parameter
        }
        if after_value.is_empty() {
            break;
        }
        rest = after_value.strip_prefix(',')?.trim_start_matches(' ');
    }
    Some(SignatureParams { key_id: key_id?, algorithm: algorithm?, headers: headers?, signature: signature? })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFICIAL: &str = r#"keyid="08c94330-f618-42a3-b09d-e1e43be5efda", algorithm="HmacSHA256", headers="host date request-target digest v-c-merchant-id", signature="aU62x48I/8v2TWLCqUTOiPlIMFdVIlCCVQnZbbdKTB0=""#;

    #[test]
    fn parses_the_official_form() {
        let p = parse(OFFICIAL).unwrap();
        assert_eq!(p.key_id, "08c94330-f618-42a3-b09d-e1e43be5efda");
        assert_eq!(p.algorithm, "HmacSHA256");
        assert_eq!(p.headers, "host date request-target digest v-c-merchant-id");
        assert_eq!(p.signature, "aU62x48I/8v2TWLCqUTOiPlIMFdVIlCCVQnZbbdKTB0=");
        assert_eq!(parse(&OFFICIAL.replace(", ", ",")), Some(p));
        assert!(parse(r#"signature="s", headers="h", algorithm="a", keyid="k""#).is_some());
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "",
            r#"keyid="k", algorithm="a", headers="h""#,
            r#"keyid="k", algorithm="a", headers="h", signature="s", keyid="k""#,
            r#"keyid="k", algorithm="a", headers="h", signature="s", extra="x""#,
            r#"keyid="k", algorithm="a", headers="h", signature="s","#,
            r#"keyid="k", algorithm="a", headers="h", signature="s" "#,
            r#"keyid="k" , algorithm="a", headers="h", signature="s""#,
            r#"KeyId="k", algorithm="a", headers="h", signature="s""#,
            r#"keyid=k, algorithm="a", headers="h", signature="s""#,
            r#"keyid="k\"", algorithm="a", headers="h", signature="s""#,
            "keyid=\"k\u{7f}\", algorithm=\"a\", headers=\"h\", signature=\"s\"",
            "keyid=\"k\tx\", algorithm=\"a\", headers=\"h\", signature=\"s\"",
            r#"keyid="k"; algorithm="a", headers="h", signature="s""#,
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
        assert!(parse(&"a".repeat(MAX_SIGNATURE_HEADER_LEN + 1)).is_none());
    }
}
