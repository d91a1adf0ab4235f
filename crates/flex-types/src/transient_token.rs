//! Transient-token claims: the payload of the JWT returned by `POST /flex/v2/tokens`.

use std::borrow::Cow;

use serde::de::{self, Deserialize, Deserializer};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::cow::own;
use crate::value::{Members, Value};

/// The claims of a transient token, generic over the documented formats (docs/PROTOCOL.md §6.1):
/// the older Microform `mf-0.11.0` (card data flat in `data`), Microform v2 `mf-2.*` and Unified Checkout
/// `gda-*` (card data in `content.paymentInformation.card`, with `number{maskedValue, bin, detectedCardTypes}`,
/// `expirationMonth{value}`, `expirationYear{value}`, `securityCode{}`; `gda` adds `metadata`), and Flex API
/// `api-*`, whose payload Cybersource does not document, so both places are read. [`TransientTokenClaims::kind`]
/// names the format; [`TransientTokenClaims::card`] reads the card details from whichever place holds them.
///
/// Unknown top-level members are **kept**, in document order, in [`TransientTokenClaims::extra`]
/// and serialized after the known ones. A known member given twice is an error (ambiguous claims).
#[derive(Clone, Debug, PartialEq)]
pub struct TransientTokenClaims<'a> {
    /// Issuer, e.g. `Flex/07`.
    pub iss: Cow<'a, str>,
    /// Issued-at, seconds since the Unix epoch.
    pub iat: i64,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    /// Token id; this is what `POST /pts/v2/payments` refers to.
    pub jti: Cow<'a, str>,
    /// Token format, e.g. `mf-0.11.0` or `gda-0.9.0`; JSON name `type`.
    pub type_: Cow<'a, str>,
    /// Microform-style masked card data, e.g. `{"number":"411111XXXXXX1111","type":"001",...}`.
    pub data: Option<Value<'a>>,
    /// Unified-Checkout-style captured data, e.g. `paymentInformation.card.number.maskedValue`.
    pub content: Option<Value<'a>>,
    /// Unified-Checkout metadata.
    pub metadata: Option<Value<'a>>,
    /// Every other top-level member, in document order.
    pub extra: Vec<(Cow<'a, str>, Value<'a>)>,
}

/// Card details found in a transient token, whichever format carried them. Values are returned as
/// the token carries them: Cybersource masks the number, and the type is a code such as `"001"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CardSummary<'t> {
    /// Masked number, e.g. `411111XXXXXX1111` (mf) or `XXXXXXXXXXXX1111` (gda).
    pub masked_number: Option<&'t str>,
    /// Issuer identification number (`number.bin` of `mf-2`/`gda`), e.g. `411111`; for the older flat form,
    /// the digits before the mask of `data.number` when there are 6 to 8 of them.
    pub bin: Option<&'t str>,
    /// Cybersource card-type code, e.g. `001` (Visa): `data.type`, `content...card.type.value`, or else the
    /// first of `content...card.number.detectedCardTypes`.
    pub card_type: Option<&'t str>,
    /// Expiration month, e.g. `10`.
    pub expiration_month: Option<&'t str>,
    /// Expiration year, e.g. `2020`.
    pub expiration_year: Option<&'t str>,
}

/// A card expiry read from a transient token: month 1-12 and a four-digit year (a two-digit year `YY`
/// means `20YY`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub struct CardExpiry {
    /// The year, e.g. `2031`.
    pub year: u16,
    /// The month, 1 to 12.
    pub month: u8,
}

impl CardExpiry {
    /// Parses a month (`"3"`, `"03"`, `"12"`) and a year (`"31"` or `"2031"`); `None` if either is malformed.
    pub fn parse(month: &str, year: &str) -> Option<Self> {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(month) || month.len() > 2 || !digits(year) {
            return None;
        }
        let month: u8 = month.parse().ok().filter(|m| (1..=12).contains(m))?;
        let year: u16 = match year.len() {
            2 => 2000 + year.parse::<u16>().ok()?,
            4 => year.parse().ok()?,
            _ => return None,
        };
        Some(CardExpiry { year, month })
    }
}

impl std::fmt::Display for CardExpiry {
    /// `MM/YYYY`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}/{}", self.month, self.year)
    }
}

const KNOWN: [&str; 8] = ["iss", "iat", "exp", "jti", "type", "data", "content", "metadata"];

impl<'a> TransientTokenClaims<'a> {
    /// Claims with the given required members and no data.
    pub fn new(
        iss: impl Into<Cow<'a, str>>,
        iat: i64,
        exp: i64,
        jti: impl Into<Cow<'a, str>>,
        type_: impl Into<Cow<'a, str>>,
    ) -> Self {
        TransientTokenClaims {
            iss: iss.into(),
            iat,
            exp,
            jti: jti.into(),
            type_: type_.into(),
            data: None,
            content: None,
            metadata: None,
            extra: Vec::new(),
        }
    }

    /// The card details, looked up in `data` (mf: `data.number`, `data.type`, `data.expirationMonth`,
    /// `data.expirationYear`) and in `content` (gda: `content.paymentInformation.card.number.maskedValue`,
    /// `.number.bin`, `.type.value`, `.expirationMonth.value`, `.expirationYear.value`); `data` wins.
    pub fn card(&self) -> CardSummary<'_> {
        let flat = |key: &str| self.data.as_ref()?.get(key)?.as_str();
        let nested = |leaf: &str, inner: &str| {
            [&self.content, &self.data].into_iter().flatten().find_map(|root| {
                let card = root.get_path(["paymentInformation", "card", leaf])?;
                card.as_str().or_else(|| card.get(inner)?.as_str())
            })
        };
        let masked_number = flat("number").or_else(|| nested("number", "maskedValue"));
        let bin = [&self.content, &self.data]
            .into_iter()
            .flatten()
            .find_map(|root| root.get_path(["paymentInformation", "card", "number", "bin"])?.as_str())
            .or_else(|| {
                let flat_number = flat("number")?;
                let digits = flat_number.bytes().take_while(u8::is_ascii_digit).count();
                // Invariant: `digits` counts leading ASCII bytes, so `..digits` is a char boundary.
                ((6..=8).contains(&digits) && digits < flat_number.len()).then(|| &flat_number[..digits])
            });
        CardSummary {
            masked_number,
            bin,
            card_type: flat("type")
                .or_else(|| nested("type", "value"))
                .or_else(|| self.detected_card_types().next()),
            expiration_month: flat("expirationMonth").or_else(|| nested("expirationMonth", "value")),
            expiration_year: flat("expirationYear").or_else(|| nested("expirationYear", "value")),
        }
    }

    /// The masked card number (see [`TransientTokenClaims::card`]), e.g. `411111XXXXXX1111`.
    pub fn masked_card_number(&self) -> Option<&str> {
        self.card().masked_number
    }

    /// The format this token's `type` names (`api-*`, `mf-*`, `gda-*`).
    pub fn kind(&self) -> crate::ContextKind {
        crate::ContextKind::of_type(&self.type_)
    }

    /// The BIN (see [`TransientTokenClaims::card`]), e.g. `411111`.
    pub fn bin(&self) -> Option<&str> {
        self.card().bin
    }

    /// The Cybersource card-type code (see [`TransientTokenClaims::card`]), e.g. `001`.
    pub fn card_type(&self) -> Option<&str> {
        self.card().card_type
    }

    /// Microform v2's `content.paymentInformation.card.number.detectedCardTypes`, e.g. `["001"]` (the
    /// networks the number may belong to); empty for the other formats.
    pub fn detected_card_types(&self) -> impl Iterator<Item = &str> + '_ {
        [&self.content, &self.data]
            .into_iter()
            .flatten()
            .find_map(|root| {
                root.get_path(["paymentInformation", "card", "number", "detectedCardTypes"])?.as_array()
            })
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_str)
    }

    /// The expiry, if the token reveals a well-formed month and year (see [`CardExpiry::parse`]).
    pub fn expiry(&self) -> Option<CardExpiry> {
        let card = self.card();
        CardExpiry::parse(card.expiration_month?, card.expiration_year?)
    }

    /// Lifetime in seconds (`exp - iat`, saturating); 900 for real tokens.
    pub fn lifetime_secs(&self) -> i64 {
        self.exp.saturating_sub(self.iat)
    }

    /// Detaches the claims from their input.
    pub fn into_owned(self) -> TransientTokenClaims<'static> {
        TransientTokenClaims {
            iss: own(self.iss),
            iat: self.iat,
            exp: self.exp,
            jti: own(self.jti),
            type_: own(self.type_),
            data: self.data.map(Value::into_owned),
            content: self.content.map(Value::into_owned),
            metadata: self.metadata.map(Value::into_owned),
            extra: self.extra.into_iter().map(|(k, v)| (own(k), v.into_owned())).collect(),
        }
    }
}

impl Serialize for TransientTokenClaims<'_> {
    /// Writes the known members (`iss`, `iat`, `exp`, `jti`, `type`, then `data`, `content`,
    /// `metadata` when present), then `extra` (skipping any entry named like a known member).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("iss", self.iss.as_ref())?;
        map.serialize_entry("iat", &self.iat)?;
        map.serialize_entry("exp", &self.exp)?;
        map.serialize_entry("jti", self.jti.as_ref())?;
        map.serialize_entry("type", self.type_.as_ref())?;
        for (k, v) in [("data", &self.data), ("content", &self.content), ("metadata", &self.metadata)] {
            if let Some(v) = v {
                map.serialize_entry(k, v)?;
            }
        }
        for (k, v) in &self.extra {
            if !KNOWN.contains(&k.as_ref()) {
                map.serialize_entry(k.as_ref(), v)?;
            }
        }
        map.end()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for TransientTokenClaims<'a> {
    /// Requires `iss`, `jti`, `type` (strings) and `iat`, `exp` (integers); keeps everything else.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let kind = v.kind();
        let mut m = Members::of(v)
            .ok_or_else(|| de::Error::custom(format_args!("expected a JSON object, found {kind}")))?;
        if let Some(dup) = KNOWN.iter().find(|k| m.count(k) > 1) {
            return Err(de::Error::duplicate_field(dup));
        }
        let string = |m: &mut Members<'a>, key: &'static str| -> Result<Cow<'a, str>, D::Error> {
            match m.take(key) {
                None => Err(de::Error::missing_field(key)),
                Some(Value::String(s)) => Ok(s),
                Some(other) => {
                    Err(de::Error::custom(format_args!("`{key}` must be a string, found {}", other.kind())))
                }
            }
        };
        let int = |m: &mut Members<'a>, key: &'static str| -> Result<i64, D::Error> {
            let v = m.take(key).ok_or_else(|| de::Error::missing_field(key))?;
            v.as_i64().ok_or_else(|| de::Error::custom(format_args!("`{key}` must be an integer")))
        };
        Ok(TransientTokenClaims {
            iss: string(&mut m, "iss")?,
            iat: int(&mut m, "iat")?,
            exp: int(&mut m, "exp")?,
            jti: string(&mut m, "jti")?,
            type_: string(&mut m, "type")?,
            data: m.take("data"),
            content: m.take("content"),
            metadata: m.take("metadata"),
            extra: m.0,
        })
    }
}
