//! Strict PEM armour (RFC 7468 §3 `stricttextualmsg`) for the two public key labels.

use base64ct::{Base64, Encoding};

use crate::error::KeyError;

/// Longest PEM document accepted, in bytes. An 8192-bit SPKI is about 1.5 KB of PEM.
const MAX_PEM_LEN: usize = 16 * 1024;
/// RFC 7468 §2: every base64 line but the last has exactly 64 characters.
const LINE_LEN: usize = 64;

const PKCS1_LABEL: &str = "RSA PUBLIC KEY";
const SPKI_LABEL: &str = "PUBLIC KEY";

/// Which structure the PEM label announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Label {
    /// `RSA PUBLIC KEY`: a PKCS#1 `RSAPublicKey`.
    Pkcs1,
    /// `PUBLIC KEY`: a `SubjectPublicKeyInfo`.
    Spki,
}

impl Label {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pkcs1 => PKCS1_LABEL,
            Self::Spki => SPKI_LABEL,
        }
    }
}

/// Removes the armour and decodes the base64 body.
///
/// Accepted: ASCII whitespace around the whole document; `-----BEGIN <label>-----`, base64 lines (standard
/// alphabet, `=` padding, canonical) of exactly 64 characters except the last (1 to 64), `-----END <label>-----`
/// with the same label; LF or CRLF line ends. Refused: any other label, explanatory text, headers, blank or
/// over-long lines, whitespace inside lines.
pub(crate) fn decode(pem: &str) -> Result<(Label, Vec<u8>), KeyError> {
    if pem.len() > MAX_PEM_LEN {
        return Err(KeyError::TooLarge);
    }
    let mut lines = pem.trim_ascii().split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line));

    let begin = lines.next().ok_or(KeyError::Pem)?;
    let label = match begin.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")) {
        Some(PKCS1_LABEL) => Label::Pkcs1,
        Some(SPKI_LABEL) => Label::Spki,
        _ => return Err(KeyError::Pem),
    };

    let mut body = String::with_capacity(pem.len());
    let mut last_len = None;
    let mut end_seen = false;
    for line in lines.by_ref() {
        if line.starts_with("-----END ") {
            if line.strip_prefix("-----END ").and_then(|l| l.strip_suffix("-----")) != Some(label.as_str()) {
                return Err(KeyError::Pem);
            }
            end_seen = true;
            break;
        }
        // Only the final base64 line may be shorter than 64 characters.
        if last_len.is_some_and(|len| len != LINE_LEN) || line.is_empty() || line.len() > LINE_LEN {
            return Err(KeyError::Pem);
        }
        last_len = Some(line.len());
        body.push_str(line);
    }
    if !end_seen || last_len.is_none() || lines.next().is_some() {
        return Err(KeyError::Pem);
    }
    // base64ct rejects characters outside the alphabet (whitespace included), bad padding and non-zero
    // trailing bits, so there is exactly one accepted encoding per key.
    let der = Base64::decode_vec(&body).map_err(|_| KeyError::Pem)?;
    Ok((label, der))
}

/// Wraps DER in strict PEM armour with LF line ends and a final LF.
pub(crate) fn encode(label: Label, der: &[u8]) -> String {
    let b64 = Base64::encode_string(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / LINE_LEN + 64);
    out.push_str("-----BEGIN ");
    out.push_str(label.as_str());
    out.push_str("-----\n");
    for chunk in b64.as_bytes().chunks(LINE_LEN) {
        // The base64 alphabet is ASCII, so every chunk is valid UTF-8.
        out.push_str(core::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label.as_str());
    out.push_str("-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrap(pem: &str, width: usize) -> String {
        let lines: Vec<&str> = pem.lines().collect();
        let body: String = lines[1..lines.len() - 1].concat();
        let wrapped: Vec<String> =
            body.as_bytes().chunks(width).map(|c| String::from_utf8(c.to_vec()).unwrap()).collect();
        format!("{}\n{}\n{}\n", lines[0], wrapped.join("\n"), lines[lines.len() - 1])
    }

    #[test]
    fn round_trip_and_strictness() {
        assert_eq!(decode(&rewrap(&encode(Label::Spki, &[1, 2, 3]), 64)), Ok((Label::Spki, vec![1, 2, 3])));
        let der: Vec<u8> = (0..=255u8).collect();
        let pem = encode(Label::Spki, &der);
        assert_eq!(decode(&pem), Ok((Label::Spki, der.clone())));
        assert_eq!(decode(&pem.replace('\n', "\r\n")), Ok((Label::Spki, der.clone())));
        assert_eq!(decode(&format!("\n  {pem}\n\n")), Ok((Label::Spki, der.clone())));

        let pkcs1 = encode(Label::Pkcs1, &der);
        assert_eq!(decode(&pkcs1).map(|(l, _)| l), Ok(Label::Pkcs1));

        for bad in [
            pem.replace("BEGIN PUBLIC KEY", "BEGIN CERTIFICATE"),
            pem.replace("END PUBLIC KEY", "END RSA PUBLIC KEY"),
            pem.replace("-----END PUBLIC KEY-----\n", ""),
            format!("junk\n{pem}"),
            format!("{pem}junk\n"),
            pem.replacen('\n', "\n\n", 2),
            pem.replacen("\n", "\nProc-Type: 4,ENCRYPTED\n", 1),
            pem.replacen('A', " ", 1),
            pem.replacen("-----\nA", "-----\n=", 1),
            // A 76-column body (MIME style) is not RFC 7468 strict.
            rewrap(&pem, 76),
            rewrap(&pem, 60),
            String::new(),
            "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n".to_owned(),
        ] {
            assert_eq!(decode(&bad), Err(KeyError::Pem), "{bad:?}");
        }
    }
}
