//! Transient-token claims: the payload of the JWT returned by `POST /flex/v2/tokens`.

use std::borrow::Cow;

use serde::de::{self, Deserialize, Deserializer};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::cow::own;
use crate::value::{Members, Value};

/// The claims of a transient token, generic over the observed formats (flex-api §6.1):
/// Microform `mf-0.11.0` (card data in `data`) and Unified Checkout `gda-*` (card data in `content`,
/// extra `metadata`). The Flex API (`api-0.1.0`) payload is unconfirmed, so both places are kept.
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
    /// Issuer identification number (gda `number.bin`), e.g. `411111`.
    pub bin: Option<&'t str>,
    /// Cybersource card-type code, e.g. `001` (Visa).
    pub card_type: Option<&'t str>,
    /// Expiration month, e.g. `10`.
    pub expiration_month: Option<&'t str>,
    /// Expiration year, e.g. `2020`.
    pub expiration_year: Option<&'t str>,
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
        CardSummary {
            masked_number: flat("number").or_else(|| nested("number", "maskedValue")),
            bin: [&self.content, &self.data]
                .into_iter()
                .flatten()
                .find_map(|root| root.get_path(["paymentInformation", "card", "number", "bin"])?.as_str()),
            card_type: flat("type").or_else(|| nested("type", "value")),
            expiration_month: flat("expirationMonth").or_else(|| nested("expirationMonth", "value")),
            expiration_year: flat("expirationYear").or_else(|| nested("expirationYear", "value")),
        }
    }

    /// The masked card number (see [`TransientTokenClaims::card`]), e.g. `411111XXXXXX1111`.
    pub fn masked_card_number(&self) -> Option<&str> {
        self.card().masked_number
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
