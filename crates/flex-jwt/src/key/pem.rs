//! Strict PEM armour (RFC 7468 §3 `stricttextualmsg`) for the two public key labels.

use crate::error::KeyError;

/// Longest PEM document accepted, in bytes. An 8192-bit SPKI is about 1.5 KB of PEM.
const MAX_PEM_LEN: usize = 16 * 1024;

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

/// Removes the armour and decodes the base64 body: flex-jose's strict RFC 7468 decoder (ASCII whitespace around
/// the whole document; 64-character lines of canonical standard base64, the last 1 to 64; LF or CRLF; no
/// explanatory text, headers or whitespace inside lines), then one of the two public key labels.
pub(crate) fn decode(pem: &str) -> Result<(Label, Vec<u8>), KeyError> {
    if pem.len() > MAX_PEM_LEN {
        return Err(KeyError::TooLarge);
    }
    let (label, der) = flex_jose::pem::decode(pem).map_err(|_| KeyError::Pem)?;
    let label = match label {
        PKCS1_LABEL => Label::Pkcs1,
        SPKI_LABEL => Label::Spki,
        _ => return Err(KeyError::Pem),
    };
    // A public key: nothing to wipe.
    Ok((label, der.to_vec()))
}

/// Wraps DER in strict PEM armour with LF line ends and a final LF.
pub(crate) fn encode(label: Label, der: &[u8]) -> String {
    // Both labels are valid RFC 7468 labels, so encoding cannot fail.
    flex_jose::pem::encode(label.as_str(), der).unwrap_or_default()
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
