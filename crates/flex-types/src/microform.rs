//! The body of `POST /microform/v2/sessions` (`GenerateCaptureContextRequest`), the capture-context request of
//! Microform v2, Cybersource's hosted-fields library.
//!
//! Unlike `POST /flex/v2/sessions` ([`SessionRequest`](crate::SessionRequest)), the Microform request names the
//! pages that will host the fields (`targetOrigins`), the client library version and the accepted card networks;
//! the fields themselves are fixed by the library. Every value is checked when the request is built, so a
//! [`MicroformSessionRequest`] always serializes to a body the rules of Cybersource's documentation accept
//! (docs/PROTOCOL.md §8).
//!
//! ```
//! use flex_types::{CardNetwork, MicroformSessionRequest};
//!
//! let request = MicroformSessionRequest::builder()
//!     .target_origin("https://shop.example")
//!     .card_networks([CardNetwork::Visa, CardNetwork::Mastercard])
//!     .build()?;
//! assert_eq!(
//!     serde_json::to_string(&request).unwrap(),
//!     r#"{"clientVersion":"v2","targetOrigins":["https://shop.example"],"allowedCardNetworks":["VISA","MASTERCARD"]}"#
//! );
//! // Wildcards, paths and plain http (except for localhost) are refused when the request is built.
//! assert!(MicroformSessionRequest::builder().target_origin("https://*.example").build().is_err());
//! assert!(MicroformSessionRequest::builder().target_origin("http://localhost:8080").build().is_ok());
//! # Ok::<(), flex_types::MicroformRequestError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::json::FromJsonError;
use crate::value::Value;

/// Most `targetOrigins` one request may list (Cybersource's documented limit).
pub const MAX_TARGET_ORIGINS: usize = 9;
/// Longest target origin accepted, in bytes (scheme, host and port; a DNS name is at most 253).
pub const MAX_ORIGIN_LEN: usize = 300;
/// Longest `clientVersion` accepted, in bytes.
pub const MAX_CLIENT_VERSION_LEN: usize = 16;

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident, $parse_err:ident { $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* #[doc = concat!("`", $wire, "`")] $variant, )*
        }

        impl $name {
            /// Every value, in the order of Cybersource's documentation.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The wire name, e.g. `"VISA"`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)*
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = MicroformRequestError;

            /// Parses the wire name (case-sensitive, as Cybersource spells it).
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or(MicroformRequestError::$parse_err)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// A card network Microform can accept (`allowedCardNetworks`).
    CardNetwork, UnknownCardNetwork {
        /// Visa.
        Visa => "VISA",
        /// Mastercard.
        Mastercard => "MASTERCARD",
        /// American Express.
        Amex => "AMEX",
        /// Carnet (Mexico).
        Carnet => "CARNET",
        /// Cartes Bancaires (France).
        CartesBancaires => "CARTESBANCAIRES",
        /// China UnionPay.
        Cup => "CUP",
        /// Diners Club.
        DinersClub => "DINERSCLUB",
        /// Discover.
        Discover => "DISCOVER",
        /// eftpos (Australia).
        Eftpos => "EFTPOS",
        /// Elo (Brazil).
        Elo => "ELO",
        /// Jaywan (United Arab Emirates).
        Jaywan => "JAYWAN",
        /// JCB.
        Jcb => "JCB",
        /// J.Crew private label.
        Jcrew => "JCREW",
        /// KCP (Korea).
        Kcp => "KCP",
        /// mada (Saudi Arabia).
        Mada => "MADA",
        /// Maestro.
        Maestro => "MAESTRO",
        /// Meeza (Egypt).
        Meeza => "MEEZA",
        /// PayPak (Pakistan).
        Paypak => "PAYPAK",
        /// UATP.
        Uatp => "UATP",
    }
}

wire_enum! {
    /// A payment type Microform can capture (`allowedPaymentTypes`).
    PaymentType, UnknownPaymentType {
        /// Card number, expiry and security code.
        Card => "CARD",
        /// Bank account (eCheck).
        Check => "CHECK",
    }
}

/// Why a Microform session request was refused. The message names the rule, never the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MicroformRequestError {
    /// `clientVersion` is empty, longer than [`MAX_CLIENT_VERSION_LEN`], or not of the form `v<digits>` with up to
    /// two more `.<digits>` parts (`v2`, `v2.1`, `v2.1.3`).
    InvalidClientVersion,
    /// No target origin: at least one is required.
    NoTargetOrigin,
    /// More than [`MAX_TARGET_ORIGINS`] target origins.
    TooManyTargetOrigins,
    /// A target origin is not `https://host[:port]` (or `http://localhost[:port]`): the given index is the
    /// first bad one.
    InvalidTargetOrigin {
        /// Position in `targetOrigins`.
        index: usize,
    },
    /// The same target origin twice.
    DuplicateTargetOrigin {
        /// Position of the second occurrence.
        index: usize,
    },
    /// A card network that is not one of [`CardNetwork::ALL`].
    UnknownCardNetwork,
    /// A payment type that is not `CARD` or `CHECK`.
    UnknownPaymentType,
    /// The same card network or payment type twice.
    DuplicateValue {
        /// `allowedCardNetworks` or `allowedPaymentTypes`.
        member: &'static str,
        /// Position of the second occurrence.
        index: usize,
    },
    /// A member of the wrong JSON type, or a body that is not an object.
    WrongType {
        /// The member's JSON name (empty for the body itself).
        member: &'static str,
    },
}

impl fmt::Display for MicroformRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidClientVersion => {
                f.write_str("clientVersion must look like `v2` or `v2.1` (at most 16 characters)")
            }
            Self::NoTargetOrigin => f.write_str("targetOrigins needs at least one origin"),
            Self::TooManyTargetOrigins => {
                write!(f, "targetOrigins lists more than {MAX_TARGET_ORIGINS} origins")
            }
            Self::InvalidTargetOrigin { index } => write!(
                f,
                "targetOrigins[{index}] must be `https://host[:port]` (or `http://localhost[:port]`) as a browser \
                 writes it: no wildcard, path, query, user info, default port or leading zero, IP addresses in their \
                 usual form"
            ),
            Self::DuplicateTargetOrigin { index } => {
                write!(f, "targetOrigins[{index}] repeats an earlier origin")
            }
            Self::UnknownCardNetwork => f.write_str("unknown card network in allowedCardNetworks"),
            Self::UnknownPaymentType => {
                f.write_str("unknown payment type in allowedPaymentTypes (CARD or CHECK)")
            }
            Self::DuplicateValue { member, index } => write!(f, "{member}[{index}] repeats an earlier value"),
            Self::WrongType { member: "" } => f.write_str("the body must be a JSON object"),
            Self::WrongType { member } => write!(f, "`{member}` has the wrong JSON type"),
        }
    }
}

impl std::error::Error for MicroformRequestError {}

impl MicroformRequestError {
    /// The JSON location of the problem, e.g. `targetOrigins[2]`, for a `400` answer's `details`.
    pub fn location(&self) -> String {
        match self {
            Self::InvalidClientVersion => "clientVersion".to_owned(),
            Self::NoTargetOrigin | Self::TooManyTargetOrigins => "targetOrigins".to_owned(),
            Self::InvalidTargetOrigin { index } | Self::DuplicateTargetOrigin { index } => {
                format!("targetOrigins[{index}]")
            }
            Self::UnknownCardNetwork => "allowedCardNetworks".to_owned(),
            Self::UnknownPaymentType => "allowedPaymentTypes".to_owned(),
            Self::DuplicateValue { member, index } => format!("{member}[{index}]"),
            Self::WrongType { member } => (*member).to_owned(),
        }
    }
}

/// Whether `origin` is a target origin Microform accepts: `https://host[:port]` with a DNS name or an IP
/// literal, or `http://localhost[:port]`; no wildcard, path (not even `/`), query, fragment or user info; at
/// most [`MAX_ORIGIN_LEN`] bytes.
///
/// The origin must also be written as a browser serializes a page's origin (the WHATWG URL Standard's "ASCII
/// serialization of an origin"), since that is what it is compared with: no default port (`:443`, or `:80` for
/// `http`), no leading zero in a port, an IPv4 address only in dotted decimal (not `0x7f.1` or `127.1`, which a
/// browser reads as `127.0.0.1`), and an IPv6 address in its shortest form (`[::1]`, not `[0:0::1]`). Letter case
/// is not checked: browsers lowercase the host, and duplicates are found regardless of case.
pub fn is_valid_target_origin(origin: &str) -> bool {
    if origin.len() > MAX_ORIGIN_LEN {
        return false;
    }
    let (rest, https) = if let Some(rest) = origin.strip_prefix("https://") {
        (rest, true)
    } else if let Some(rest) = origin.strip_prefix("http://") {
        (rest, false)
    } else {
        return false;
    };
    let (host, port) = split_port(rest);
    if let Some(port) = port {
        let default = if https { 443 } else { 80 };
        let ok_port = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && !port.starts_with('0')
            && port.parse::<u16>().is_ok_and(|p| p != default);
        if !ok_port {
            return false;
        }
    }
    if !https {
        return host.eq_ignore_ascii_case("localhost");
    }
    valid_host(host)
}

/// `host[:port]` split at the port colon (IPv6 literals are bracketed).
fn split_port(rest: &str) -> (&str, Option<&str>) {
    if rest.starts_with('[') {
        return match rest.find(']') {
            Some(end) => {
                let (host, after) = rest.split_at(end + 1);
                match after.strip_prefix(':') {
                    Some(port) => (host, Some(port)),
                    None if after.is_empty() => (host, None),
                    // Anything else after the bracket: let the host check fail.
                    None => (rest, None),
                }
            }
            None => (rest, None),
        };
    }
    match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    }
}

/// A DNS name (labels of letters, digits and inner hyphens), an IPv4 literal in dotted decimal or a bracketed
/// IPv6 literal in its shortest form (RFC 5952, as browsers write it; no embedded IPv4 part).
fn valid_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return !inner.contains('.')
            && inner
                .parse::<std::net::Ipv6Addr>()
                .is_ok_and(|ip| serialized_ipv6(ip).eq_ignore_ascii_case(inner));
    }
    if host.is_empty() || host.len() > 253 {
        return false;
    }
    // A browser reads a host whose last label is a number (decimal, or hexadecimal after `0x`) as an IPv4
    // address, in any of several forms; only the dotted-decimal one is its serialization.
    let last = host.rsplit('.').next().unwrap_or(host);
    let hex = last.strip_prefix("0x").or_else(|| last.strip_prefix("0X"));
    let numeric = last.bytes().all(|b| b.is_ascii_digit())
        || hex.is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
    if numeric {
        return host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.to_string() == host);
    }
    host.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    })
}

/// An IPv6 address as the WHATWG URL Standard serializes it: RFC 5952's shortest form, except that an IPv4-mapped
/// address keeps hexadecimal pieces (`::ffff:7f00:1`, where Rust's `Display` writes `::ffff:127.0.0.1`).
fn serialized_ipv6(ip: std::net::Ipv6Addr) -> String {
    match ip.to_ipv4_mapped() {
        Some(_) => {
            let [.., high, low] = ip.segments();
            format!("::ffff:{high:x}:{low:x}")
        }
        None => ip.to_string(),
    }
}

fn valid_client_version(v: &str) -> bool {
    let Some(rest) = v.strip_prefix('v') else { return false };
    v.len() <= MAX_CLIENT_VERSION_LEN
        && !rest.is_empty()
        && rest.split('.').count() <= 3
        && rest.split('.').all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

/// `transientTokenResponseOptions`: what the transient token reveals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TransientTokenResponseOptions {
    /// `includeCardPrefix`: absent gives a 6-digit prefix (`bin`), `true` an 8-digit one, `false` none.
    pub include_card_prefix: Option<bool>,
}

/// The body of `POST /microform/v2/sessions`, valid by construction (see [`MicroformSessionRequest::builder`]).
///
/// Serializes as `{"clientVersion", "targetOrigins", "allowedCardNetworks"?, "allowedPaymentTypes"?,
/// "transientTokenResponseOptions"?}`, members omitted when not set. Reading a body applies the same checks
/// (unknown members are ignored).
///
/// Strict JSON, duplicate member names above all, is [`MicroformSessionRequest::from_json`]'s (what the
/// sandbox reads a request body with): it refuses a repeated name at any depth. The serde `Deserialize` impl
/// applies the same checks to what any deserializer reads; if that one keeps repeated names (`serde_json`
/// does), the first occurrence is read.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MicroformSessionRequest {
    client_version: String,
    target_origins: Vec<String>,
    allowed_card_networks: Vec<CardNetwork>,
    allowed_payment_types: Vec<PaymentType>,
    transient_token_response_options: Option<TransientTokenResponseOptions>,
}

/// Builds a [`MicroformSessionRequest`]; [`build`](Self::build) checks every value.
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct MicroformSessionRequestBuilder {
    client_version: Option<String>,
    target_origins: Vec<String>,
    allowed_card_networks: Vec<CardNetwork>,
    allowed_payment_types: Vec<PaymentType>,
    transient_token_response_options: Option<TransientTokenResponseOptions>,
}

impl MicroformSessionRequestBuilder {
    /// `clientVersion` (default `"v2"`).
    pub fn client_version(mut self, version: impl Into<String>) -> Self {
        self.client_version = Some(version.into());
        self
    }

    /// Adds one `targetOrigins` entry, e.g. `https://shop.example` (the page that embeds the fields).
    pub fn target_origin(mut self, origin: impl Into<String>) -> Self {
        self.target_origins.push(origin.into());
        self
    }

    /// Adds several `targetOrigins` entries.
    pub fn target_origins<I: IntoIterator<Item = S>, S: Into<String>>(mut self, origins: I) -> Self {
        self.target_origins.extend(origins.into_iter().map(Into::into));
        self
    }

    /// Adds `allowedCardNetworks` entries (none: Cybersource's default for the merchant).
    pub fn card_networks(mut self, networks: impl IntoIterator<Item = CardNetwork>) -> Self {
        self.allowed_card_networks.extend(networks);
        self
    }

    /// Adds `allowedPaymentTypes` entries (none: cards only).
    pub fn payment_types(mut self, types: impl IntoIterator<Item = PaymentType>) -> Self {
        self.allowed_payment_types.extend(types);
        self
    }

    /// Sets `transientTokenResponseOptions.includeCardPrefix`.
    pub fn include_card_prefix(mut self, include: bool) -> Self {
        self.transient_token_response_options =
            Some(TransientTokenResponseOptions { include_card_prefix: Some(include) });
        self
    }

    /// Checks every value and builds the request.
    pub fn build(self) -> Result<MicroformSessionRequest, MicroformRequestError> {
        let client_version = self.client_version.unwrap_or_else(|| "v2".to_owned());
        if !valid_client_version(&client_version) {
            return Err(MicroformRequestError::InvalidClientVersion);
        }
        if self.target_origins.is_empty() {
            return Err(MicroformRequestError::NoTargetOrigin);
        }
        if self.target_origins.len() > MAX_TARGET_ORIGINS {
            return Err(MicroformRequestError::TooManyTargetOrigins);
        }
        for (index, origin) in self.target_origins.iter().enumerate() {
            if !is_valid_target_origin(origin) {
                return Err(MicroformRequestError::InvalidTargetOrigin { index });
            }
            // Invariant: `index` comes from enumerating the same list, so `..index` is in range.
            if self.target_origins[..index].iter().any(|o| o.eq_ignore_ascii_case(origin)) {
                return Err(MicroformRequestError::DuplicateTargetOrigin { index });
            }
        }
        if let Some(index) = repeated(&self.allowed_card_networks) {
            return Err(MicroformRequestError::DuplicateValue { member: "allowedCardNetworks", index });
        }
        if let Some(index) = repeated(&self.allowed_payment_types) {
            return Err(MicroformRequestError::DuplicateValue { member: "allowedPaymentTypes", index });
        }
        Ok(MicroformSessionRequest {
            client_version,
            target_origins: self.target_origins,
            allowed_card_networks: self.allowed_card_networks,
            allowed_payment_types: self.allowed_payment_types,
            transient_token_response_options: self.transient_token_response_options,
        })
    }
}

/// The position of the first item that repeats an earlier one.
fn repeated<T: PartialEq>(items: &[T]) -> Option<usize> {
    (0..items.len()).find(|&i| items.iter().take(i).any(|earlier| items.get(i) == Some(earlier)))
}

impl MicroformSessionRequest {
    /// A builder: client version `v2`, no origin yet (at least one is required).
    pub fn builder() -> MicroformSessionRequestBuilder {
        MicroformSessionRequestBuilder::default()
    }

    /// `clientVersion`, e.g. `v2`.
    pub fn client_version(&self) -> &str {
        &self.client_version
    }

    /// `targetOrigins`, as given.
    pub fn target_origins(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.target_origins.iter().map(String::as_str)
    }

    /// `allowedCardNetworks` (empty when not set).
    pub fn allowed_card_networks(&self) -> &[CardNetwork] {
        &self.allowed_card_networks
    }

    /// `allowedPaymentTypes` (empty when not set).
    pub fn allowed_payment_types(&self) -> &[PaymentType] {
        &self.allowed_payment_types
    }

    /// `transientTokenResponseOptions.includeCardPrefix`, if set.
    pub fn include_card_prefix(&self) -> Option<bool> {
        self.transient_token_response_options.and_then(|o| o.include_card_prefix)
    }

    /// Reads a body with the strict JSON reader (see [`crate::json`]: duplicate member names are refused at any
    /// depth, compared after unescaping), then applies the checks of [`MicroformSessionRequest::from_value`].
    ///
    /// ```
    /// use flex_types::{FromJsonError, MicroformRequestError, MicroformSessionRequest};
    ///
    /// let req = MicroformSessionRequest::from_json(br#"{"targetOrigins":["https://shop.example"]}"#)?;
    /// assert_eq!(req.client_version(), "v2");
    /// let dup = br#"{"targetOrigins":["https://shop.example"],"target\u004frigins":[]}"#;
    /// assert!(matches!(MicroformSessionRequest::from_json(dup), Err(FromJsonError::Json(e)) if e.is_duplicate_member()));
    /// let none = br#"{"targetOrigins":[]}"#;
    /// assert_eq!(
    ///     MicroformSessionRequest::from_json(none),
    ///     Err(FromJsonError::Invalid(MicroformRequestError::NoTargetOrigin))
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_json(json: &[u8]) -> Result<Self, FromJsonError<MicroformRequestError>> {
        crate::json::parse(json, |body| MicroformSessionRequest::from_value(&body))
    }

    /// Reads and checks a request from an already parsed JSON value. Unknown members are ignored; a missing
    /// `clientVersion` means `v2`; of repeated member names, which only a non-strict reader leaves in a value,
    /// the first is read.
    pub fn from_value(body: &Value<'_>) -> Result<Self, MicroformRequestError> {
        let wrong = |member: &'static str| MicroformRequestError::WrongType { member };
        if body.as_object().is_none() {
            return Err(wrong(""));
        }
        let strings = |member: &'static str| -> Result<Vec<&str>, MicroformRequestError> {
            match body.get(member) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items.iter().map(|v| v.as_str().ok_or(wrong(member))).collect(),
                Some(_) => Err(wrong(member)),
            }
        };
        let mut builder = MicroformSessionRequest::builder();
        match body.get("clientVersion") {
            None | Some(Value::Null) => {}
            Some(Value::String(v)) => builder = builder.client_version(v.as_ref()),
            Some(_) => return Err(wrong("clientVersion")),
        }
        builder = builder.target_origins(strings("targetOrigins")?);
        let networks = strings("allowedCardNetworks")?
            .into_iter()
            .map(CardNetwork::from_str)
            .collect::<Result<Vec<_>, _>>()?;
        let types = strings("allowedPaymentTypes")?
            .into_iter()
            .map(PaymentType::from_str)
            .collect::<Result<Vec<_>, _>>()?;
        builder = builder.card_networks(networks).payment_types(types);
        match body.get("transientTokenResponseOptions") {
            None | Some(Value::Null) => {}
            Some(options @ Value::Object(_)) => match options.get("includeCardPrefix") {
                None | Some(Value::Null) => {
                    builder.transient_token_response_options = Some(TransientTokenResponseOptions::default());
                }
                Some(Value::Bool(b)) => builder = builder.include_card_prefix(*b),
                Some(_) => return Err(wrong("transientTokenResponseOptions.includeCardPrefix")),
            },
            Some(_) => return Err(wrong("transientTokenResponseOptions")),
        }
        builder.build()
    }
}

impl Serialize for MicroformSessionRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("clientVersion", &self.client_version)?;
        map.serialize_entry("targetOrigins", &self.target_origins)?;
        if !self.allowed_card_networks.is_empty() {
            map.serialize_entry("allowedCardNetworks", &self.allowed_card_networks)?;
        }
        if !self.allowed_payment_types.is_empty() {
            map.serialize_entry("allowedPaymentTypes", &self.allowed_payment_types)?;
        }
        if let Some(options) = &self.transient_token_response_options {
            map.serialize_entry("transientTokenResponseOptions", &Options(options))?;
        }
        map.end()
    }
}

struct Options<'o>(&'o TransientTokenResponseOptions);

impl Serialize for Options<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if let Some(b) = self.0.include_card_prefix {
            map.serialize_entry("includeCardPrefix", &b)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for MicroformSessionRequest {
    /// The checks of [`MicroformSessionRequest::from_value`] on what `d` reads (strict JSON is
    /// [`MicroformSessionRequest::from_json`]'s).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        MicroformSessionRequest::from_value(&v).map_err(de::Error::custom)
    }
}
