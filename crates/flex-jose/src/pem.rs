//! PEM (RFC 7468 §3, `stricttextualmsg`), the SDK's one decoder and encoder, through RustCrypto's
//! `pem-rfc7468` (already in the graph through `rsa`): one `-----BEGIN <label>-----` block of canonical standard
//! base64 in lines of 64 characters (the last 1 to 64), the same label at the end, LF or CRLF line ends; no
//! headers, no whitespace inside lines, no text before or after the block. ASCII whitespace around the whole
//! document is ignored. [`find_block`] cuts a block out of surrounding text where a file format has some.
//!
//! The decoded bytes are in a zeroizing buffer: the same decoder reads private keys.

use zeroize::Zeroizing;

/// The text is not one strict PEM block. Deliberately carries no detail (and no input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidPem;

impl core::fmt::Display for InvalidPem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("not one strict RFC 7468 PEM block")
    }
}

impl std::error::Error for InvalidPem {}

/// Decodes one strict PEM block: its label and its bytes.
///
/// # Errors
/// [`InvalidPem`] on any deviation from RFC 7468's strict grammar.
pub fn decode(text: &str) -> Result<(&str, Zeroizing<Vec<u8>>), InvalidPem> {
    let text = text.trim_ascii();
    // pem-rfc7468 skips text before the block (RFC 7468 §5.2 lets parsers); a strict document has none.
    if !text.starts_with("-----BEGIN ") || !text.ends_with("-----") {
        return Err(InvalidPem);
    }
    // The body is at most the text; three bytes per four characters, rounded up.
    let mut buf = Zeroizing::new(vec![0u8; text.len() / 4 * 3 + 3]);
    let (label, len) = pem_rfc7468::decode(text.as_bytes(), &mut buf)
        .map(|(label, der)| (label, der.len()))
        .map_err(|_| InvalidPem)?;
    buf.truncate(len);
    Ok((label, buf))
}

/// The first `-----BEGIN <label>-----` ... `-----END <label>-----` block of `text`, without the text around it
/// (e.g. the `Bag Attributes` lines `openssl pkcs12` writes before a key). `None` if there is no whole block.
pub fn find_block(text: &str) -> Option<&str> {
    const BEGIN: &str = "-----BEGIN ";
    const DASHES: &str = "-----";
    let start = text.find(BEGIN)?;
    let rest = text.get(start + BEGIN.len()..)?;
    let label = rest.get(..rest.find(DASHES)?)?;
    let end_marker = ["-----END ", label, DASHES].concat();
    let end = start + BEGIN.len() + rest.find(&end_marker)? + end_marker.len();
    text.get(start..end)
}

/// Wraps `der` in a PEM block with `label`: lines of 64 characters, LF line ends and a final LF.
///
/// # Errors
/// [`InvalidPem`] if `label` is not a valid RFC 7468 label.
pub fn encode(label: &str, der: &[u8]) -> Result<String, InvalidPem> {
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der).map_err(|_| InvalidPem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_strictness() {
        let der: Vec<u8> = (0..=255u8).collect();
        let pem = encode("PUBLIC KEY", &der).unwrap();
        assert!(
            pem.starts_with("-----BEGIN PUBLIC KEY-----\n") && pem.ends_with("-----END PUBLIC KEY-----\n")
        );
        let (label, back) = decode(&pem).unwrap();
        assert_eq!((label, back.as_slice()), ("PUBLIC KEY", der.as_slice()));
        assert!(decode(&format!("  \n{pem}\n ")).is_ok(), "whitespace around the document");
        assert!(decode(&pem.replace('\n', "\r\n")).is_ok(), "CRLF");
        assert_eq!(decode(&pem.replace("END PUBLIC", "END RSA PUBLIC")), Err(InvalidPem));
        assert_eq!(decode(&format!("text\n{pem}")), Err(InvalidPem), "explanatory text");
        let lines: Vec<&str> = pem.lines().collect();
        let short_first = format!(
            "{}\n{}\n{}{}\n{}\n",
            lines[0],
            &lines[1][..10],
            &lines[1][10..],
            lines[2],
            lines[3..].join("\n")
        );
        assert_eq!(decode(&short_first), Err(InvalidPem), "a short line before the last");
        assert_eq!(decode(&pem.replacen('A', " A", 1)), Err(InvalidPem), "whitespace inside a line");
        assert_eq!(decode(""), Err(InvalidPem));
        let wrapped = format!("Bag Attributes\n    localKeyID: 01\n{pem}trailing\n");
        assert_eq!(find_block(&wrapped), Some(pem.trim_end()));
        assert!(decode(find_block(&wrapped).unwrap()).is_ok());
        assert_eq!(find_block("-----BEGIN X-----\nAAAA\n-----END Y-----"), None);
    }
}
