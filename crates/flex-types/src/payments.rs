//! The subset of `POST /pts/v2/payments` a Flex integration needs: authorizing with a transient token.
//!
//! [`PaymentRequest`] is the request (valid by construction: the amount fits its currency, the token looks like
//! a compact JWT); [`PaymentResponse`] the `201` answer, in which a decline is a value (`status: DECLINED` with
//! `errorInformation`), not an HTTP error. A `400` uses the REST error shape, read by [`ErrorBody`](crate::ErrorBody).
//!
//! ```
//! use flex_types::{Amount, Currency, PaymentRequest};
//!
//! let amount = Amount::new("10.00", Currency::new("USD")?)?;
//! let request = PaymentRequest::builder("eyJraWQiOiJrIn0.eyJqdGkiOiJqIn0.c2ln", amount)
//!     .reference("order-42")
//!     .capture(true)
//!     .build()?;
//! assert_eq!(
//!     serde_json::to_string(&request).unwrap(),
//!     r#"{"clientReferenceInformation":{"code":"order-42"},"processingInformation":{"capture":true},"orderInformation":{"amountDetails":{"totalAmount":"10.00","currency":"USD"}},"tokenInformation":{"transientTokenJwt":"eyJraWQiOiJrIn0.eyJqdGkiOiJqIn0.c2ln"}}"#
//! );
//! // Yen have no minor unit, dinars three.
//! assert!(Amount::new("100.5", Currency::new("JPY")?).is_err());
//! assert_eq!(Amount::new("1.250", Currency::new("KWD")?)?.minor_units(), 1250);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::cow::{own, own_opt};
use crate::error_body::{ErrorInformation, error_information, owned_details};
use crate::json::FromJsonError;
use crate::value::{Members, Value};

/// ISO 4217 codes this crate knows, with their minor units (digits after the decimal point). Codes not listed
/// are refused ([`AmountError::UnknownCurrency`]) rather than guessed.
const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BRL", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("EGP", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("GNF", 0),
    ("HKD", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("ISK", 0),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KMF", 0),
    ("KRW", 0),
    ("KWD", 3),
    ("LYD", 3),
    ("MAD", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("NGN", 2),
    ("NOK", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PEN", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("THB", 2),
    ("TND", 3),
    ("TRY", 2),
    ("TWD", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("UYU", 2),
    ("VND", 0),
    ("VUV", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("XPF", 0),
    ("ZAR", 2),
];

/// Most digits before the decimal point (amounts below 10^12 in major units).
pub const MAX_AMOUNT_INTEGER_DIGITS: usize = 12;
/// Longest `clientReferenceInformation.code`, in characters (Cybersource's field length).
pub const MAX_REFERENCE_LEN: usize = 50;
/// Longest transient token accepted in a request, in bytes (real ones are about 1 KiB).
pub const MAX_TRANSIENT_TOKEN_LEN: usize = 16 * 1024;
/// Longest `billTo` member, in characters.
pub const MAX_BILL_TO_LEN: usize = 100;

/// An ISO 4217 currency from the table of known codes, with its minor units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Currency {
    code: &'static str,
    minor_units: u8,
}

impl Currency {
    /// The currency for an ISO 4217 alphabetic code (upper case, e.g. `USD`); unknown codes are refused.
    pub fn new(code: &str) -> Result<Self, AmountError> {
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == code)
            .map(|&(code, minor_units)| Currency { code, minor_units })
            .ok_or(AmountError::UnknownCurrency)
    }

    /// The code, e.g. `USD`.
    pub const fn code(self) -> &'static str {
        self.code
    }

    /// Digits after the decimal point: 2 for `USD`, 0 for `JPY`, 3 for `KWD`.
    pub const fn minor_units(self) -> u8 {
        self.minor_units
    }

    /// Every known code, in alphabetical order.
    pub fn known_codes() -> impl Iterator<Item = &'static str> {
        CURRENCIES.iter().map(|(c, _)| *c)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

/// Why an amount or currency was refused. The message names the rule, never the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AmountError {
    /// The currency code is not in the table of known ISO 4217 codes.
    UnknownCurrency,
    /// Not a plain decimal: digits, at most one `.` followed by digits; no sign, exponent, spaces, leading
    /// zeros (`007`) or bare point (`.5`, `5.`).
    NotDecimal,
    /// A minus sign: refunds are not authorizations.
    Negative,
    /// Zero (an authorization needs a positive amount).
    Zero,
    /// More digits after the point than the currency has minor units (e.g. `1.5` in `JPY`).
    TooManyDecimals {
        /// The currency's minor units.
        allowed: u8,
    },
    /// More than [`MAX_AMOUNT_INTEGER_DIGITS`] digits before the point.
    TooLarge,
}

impl fmt::Display for AmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownCurrency => f.write_str("unknown or unsupported ISO 4217 currency code"),
            Self::NotDecimal => f.write_str("the amount must be a plain decimal such as `10.00`"),
            Self::Negative => f.write_str("the amount must not be negative"),
            Self::Zero => f.write_str("the amount must be greater than zero"),
            Self::TooManyDecimals { allowed: 0 } => f.write_str("this currency has no decimals"),
            Self::TooManyDecimals { allowed } => write!(f, "this currency has at most {allowed} decimals"),
            Self::TooLarge => {
                write!(f, "the amount has more than {MAX_AMOUNT_INTEGER_DIGITS} integer digits")
            }
        }
    }
}

impl std::error::Error for AmountError {}

/// A positive amount in a [`Currency`], as the decimal string Cybersource expects in `totalAmount`.
///
/// The string is kept as given (`"10"` and `"10.00"` are both valid `USD`), with at most the currency's minor
/// units after the point.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Amount {
    value: String,
    currency: Currency,
    minor: u64,
}

impl Amount {
    /// Checks `value` against `currency` (see [`AmountError`] for the rules).
    pub fn new(value: &str, currency: Currency) -> Result<Self, AmountError> {
        if value.starts_with('-') {
            return Err(AmountError::Negative);
        }
        let (int, frac) = match value.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (value, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(int) || frac.is_some_and(|f| !digits(f)) || (int.len() > 1 && int.starts_with('0')) {
            return Err(AmountError::NotDecimal);
        }
        if int.len() > MAX_AMOUNT_INTEGER_DIGITS {
            return Err(AmountError::TooLarge);
        }
        let frac = frac.unwrap_or_default();
        let allowed = currency.minor_units;
        if frac.len() > usize::from(allowed) {
            return Err(AmountError::TooManyDecimals { allowed });
        }
        // At most 12 + 3 digits: far below u64::MAX, but checked anyway.
        let mut minor: u64 = 0;
        for b in int
            .bytes()
            .chain(frac.bytes())
            .chain(std::iter::repeat_n(b'0', usize::from(allowed) - frac.len()))
        {
            minor = minor
                .checked_mul(10)
                .and_then(|m| m.checked_add(u64::from(b - b'0')))
                .ok_or(AmountError::TooLarge)?;
        }
        if minor == 0 {
            return Err(AmountError::Zero);
        }
        Ok(Amount { value: value.to_owned(), currency, minor })
    }

    /// Parses a currency code and an amount together.
    pub fn parse(value: &str, currency: &str) -> Result<Self, AmountError> {
        Amount::new(value, Currency::new(currency)?)
    }

    /// The decimal string, as given.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount in minor units (cents for `USD`, yen for `JPY`, fils for `KWD`).
    pub fn minor_units(&self) -> u64 {
        self.minor
    }
}

impl fmt::Display for Amount {
    /// `10.00 USD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.value, self.currency)
    }
}

/// `orderInformation.billTo`: the cardholder's billing details. Every member is optional; each is at most
/// [`MAX_BILL_TO_LEN`] characters without control characters, and `country` is two ASCII letters (ISO 3166).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BillTo<'a> {
    /// `firstName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<Cow<'a, str>>,
    /// `lastName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<Cow<'a, str>>,
    /// `address1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address1: Option<Cow<'a, str>>,
    /// `address2`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address2: Option<Cow<'a, str>>,
    /// `locality` (city).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locality: Option<Cow<'a, str>>,
    /// `administrativeArea` (state or province).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub administrative_area: Option<Cow<'a, str>>,
    /// `postalCode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<Cow<'a, str>>,
    /// `country`, e.g. `US`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<Cow<'a, str>>,
    /// `email`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<Cow<'a, str>>,
    /// `phoneNumber`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<Cow<'a, str>>,
}

const BILL_TO_MEMBERS: [&str; 10] = [
    "firstName",
    "lastName",
    "address1",
    "address2",
    "locality",
    "administrativeArea",
    "postalCode",
    "country",
    "email",
    "phoneNumber",
];

impl<'a> BillTo<'a> {
    /// An empty `billTo`; set the members you have.
    pub fn new() -> Self {
        BillTo::default()
    }

    fn members_mut(&mut self) -> [&mut Option<Cow<'a, str>>; 10] {
        [
            &mut self.first_name,
            &mut self.last_name,
            &mut self.address1,
            &mut self.address2,
            &mut self.locality,
            &mut self.administrative_area,
            &mut self.postal_code,
            &mut self.country,
            &mut self.email,
            &mut self.phone_number,
        ]
    }

    fn members(&self) -> [(&'static str, Option<&str>); 10] {
        let m = [
            &self.first_name,
            &self.last_name,
            &self.address1,
            &self.address2,
            &self.locality,
            &self.administrative_area,
            &self.postal_code,
            &self.country,
            &self.email,
            &self.phone_number,
        ];
        let mut out = [("", None); 10];
        for (slot, (name, value)) in out.iter_mut().zip(BILL_TO_MEMBERS.iter().zip(m)) {
            *slot = (*name, value.as_deref());
        }
        out
    }

    /// The first member that breaks the rules, as its JSON name.
    fn invalid_member(&self) -> Option<&'static str> {
        self.members().into_iter().find_map(|(name, value)| {
            let value = value?;
            let ok = if name == "country" {
                value.len() == 2 && value.bytes().all(|b| b.is_ascii_alphabetic())
            } else {
                !value.is_empty()
                    && value.chars().count() <= MAX_BILL_TO_LEN
                    && !value.chars().any(char::is_control)
            };
            (!ok).then_some(name)
        })
    }

    /// Detaches the object from its input.
    pub fn into_owned(self) -> BillTo<'static> {
        BillTo {
            first_name: own_opt(self.first_name),
            last_name: own_opt(self.last_name),
            address1: own_opt(self.address1),
            address2: own_opt(self.address2),
            locality: own_opt(self.locality),
            administrative_area: own_opt(self.administrative_area),
            postal_code: own_opt(self.postal_code),
            country: own_opt(self.country),
            email: own_opt(self.email),
            phone_number: own_opt(self.phone_number),
        }
    }
}

/// Why a payment request was refused, with the dotted JSON name of the field (as Cybersource's `400`
/// `details[].field` gives it). The message never repeats the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PaymentRequestError {
    /// A required field is absent (`MISSING_FIELD`).
    MissingField {
        /// e.g. `tokenInformation.transientTokenJwt`.
        field: &'static str,
    },
    /// A field has the wrong type, length or form (`INVALID_DATA`).
    InvalidField {
        /// e.g. `clientReferenceInformation.code`.
        field: &'static str,
    },
    /// The amount or currency is not acceptable (`INVALID_AMOUNT`, or `INVALID_DATA` on the currency).
    Amount(AmountError),
}

const TOTAL_AMOUNT: &str = "orderInformation.amountDetails.totalAmount";
const CURRENCY: &str = "orderInformation.amountDetails.currency";
const TOKEN: &str = "tokenInformation.transientTokenJwt";
const REFERENCE: &str = "clientReferenceInformation.code";
const CAPTURE: &str = "processingInformation.capture";

impl PaymentRequestError {
    /// The dotted field name, e.g. `orderInformation.amountDetails.totalAmount`.
    pub fn field(&self) -> &'static str {
        match self {
            Self::MissingField { field } | Self::InvalidField { field } => field,
            Self::Amount(AmountError::UnknownCurrency) => CURRENCY,
            Self::Amount(_) => TOTAL_AMOUNT,
        }
    }

    /// Cybersource's reason code: `MISSING_FIELD`, `INVALID_DATA` or `INVALID_AMOUNT`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::MissingField { .. } => "MISSING_FIELD",
            Self::InvalidField { .. } | Self::Amount(AmountError::UnknownCurrency) => "INVALID_DATA",
            Self::Amount(_) => "INVALID_AMOUNT",
        }
    }
}

impl fmt::Display for PaymentRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingField { field } => write!(f, "`{field}` is missing"),
            Self::InvalidField { field } => write!(f, "`{field}` is invalid"),
            Self::Amount(e) => write!(f, "`{}`: {e}", self.field()),
        }
    }
}

impl std::error::Error for PaymentRequestError {}

impl From<AmountError> for PaymentRequestError {
    fn from(e: AmountError) -> Self {
        PaymentRequestError::Amount(e)
    }
}

/// `POST /pts/v2/payments` authorizing a transient token: `clientReferenceInformation.code`,
/// `processingInformation.capture`, `orderInformation.amountDetails{totalAmount, currency}`,
/// `orderInformation.billTo`, `tokenInformation.transientTokenJwt`. Valid by construction
/// ([`PaymentRequest::builder`]).
///
/// `Debug` does not show the transient token (it authorizes a payment for 15 minutes).
///
/// Strict JSON, duplicate member names above all, is [`PaymentRequest::from_json`]'s (what the sandbox reads a
/// request body with): it refuses a repeated name at any depth, so `"totalAmount"` cannot be given twice, nor
/// once more spelled `"tot\u0061lAmount"`. The serde `Deserialize` impl applies the checks of
/// [`PaymentRequest::from_value`] to what any deserializer reads; if that one keeps repeated names
/// (`serde_json` does), the first occurrence is read.
#[derive(Clone, PartialEq, Eq)]
pub struct PaymentRequest<'a> {
    reference: Option<Cow<'a, str>>,
    capture: Option<bool>,
    amount: Amount,
    bill_to: Option<BillTo<'a>>,
    transient_token_jwt: Cow<'a, str>,
}

impl fmt::Debug for PaymentRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaymentRequest")
            .field("reference", &self.reference)
            .field("capture", &self.capture)
            .field("amount", &self.amount)
            .field("bill_to", &self.bill_to)
            .field("transient_token_jwt", &"<redacted>")
            .finish()
    }
}

/// Builds a [`PaymentRequest`]; [`build`](Self::build) checks every value.
#[derive(Clone)]
#[must_use]
pub struct PaymentRequestBuilder<'a> {
    request: PaymentRequest<'a>,
}

impl fmt::Debug for PaymentRequestBuilder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaymentRequestBuilder").field("request", &self.request).finish()
    }
}

impl<'a> PaymentRequestBuilder<'a> {
    /// `clientReferenceInformation.code`: your order reference, 1 to 50 characters, no control characters.
    pub fn reference(mut self, code: impl Into<Cow<'a, str>>) -> Self {
        self.request.reference = Some(code.into());
        self
    }

    /// `processingInformation.capture`: `true` authorizes and captures in one call (a sale).
    pub fn capture(mut self, capture: bool) -> Self {
        self.request.capture = Some(capture);
        self
    }

    /// `orderInformation.billTo`.
    pub fn bill_to(mut self, bill_to: BillTo<'a>) -> Self {
        self.request.bill_to = Some(bill_to);
        self
    }

    /// Checks the token's form, the reference and the billing details (the amount was checked when made).
    pub fn build(self) -> Result<PaymentRequest<'a>, PaymentRequestError> {
        let r = self.request;
        if r.transient_token_jwt.is_empty() {
            return Err(PaymentRequestError::MissingField { field: TOKEN });
        }
        if !looks_like_compact_jwt(&r.transient_token_jwt) {
            return Err(PaymentRequestError::InvalidField { field: TOKEN });
        }
        if let Some(code) = &r.reference {
            let len = code.chars().count();
            if len == 0 || len > MAX_REFERENCE_LEN || code.chars().any(char::is_control) {
                return Err(PaymentRequestError::InvalidField { field: REFERENCE });
            }
        }
        if let Some(member) = r.bill_to.as_ref().and_then(BillTo::invalid_member) {
            return Err(PaymentRequestError::InvalidField { field: bill_to_field(member) });
        }
        Ok(r)
    }
}

fn bill_to_field(member: &str) -> &'static str {
    match member {
        "firstName" => "orderInformation.billTo.firstName",
        "lastName" => "orderInformation.billTo.lastName",
        "address1" => "orderInformation.billTo.address1",
        "address2" => "orderInformation.billTo.address2",
        "locality" => "orderInformation.billTo.locality",
        "administrativeArea" => "orderInformation.billTo.administrativeArea",
        "postalCode" => "orderInformation.billTo.postalCode",
        "country" => "orderInformation.billTo.country",
        "email" => "orderInformation.billTo.email",
        "phoneNumber" => "orderInformation.billTo.phoneNumber",
        _ => "orderInformation.billTo",
    }
}

/// Whether `token` has the shape of a compact JWT: three non-empty base64url segments joined by dots, at most
/// [`MAX_TRANSIENT_TOKEN_LEN`] bytes. A shape check only (nothing is decoded or verified), for refusing text that
/// cannot be a token before it is sent anywhere.
///
/// ```
/// assert!(flex_types::looks_like_compact_jwt("eyJraWQiOiJrIn0.eyJqdGkiOiJqIn0.c2ln"));
/// assert!(!flex_types::looks_like_compact_jwt("a.b"));
/// assert!(!flex_types::looks_like_compact_jwt("a..c"));
/// ```
pub fn looks_like_compact_jwt(token: &str) -> bool {
    token.len() <= MAX_TRANSIENT_TOKEN_LEN
        && token.split('.').count() == 3
        && token
            .split('.')
            .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

impl<'a> PaymentRequest<'a> {
    /// A builder for authorizing `transient_token_jwt` (the compact JWT from `/flex/v2/tokens`) for `amount`.
    pub fn builder(
        transient_token_jwt: impl Into<Cow<'a, str>>,
        amount: Amount,
    ) -> PaymentRequestBuilder<'a> {
        PaymentRequestBuilder {
            request: PaymentRequest {
                reference: None,
                capture: None,
                amount,
                bill_to: None,
                transient_token_jwt: transient_token_jwt.into(),
            },
        }
    }

    /// `clientReferenceInformation.code`, if set.
    pub fn reference(&self) -> Option<&str> {
        self.reference.as_deref()
    }

    /// `processingInformation.capture` (`false` when not set).
    pub fn capture(&self) -> bool {
        self.capture.unwrap_or(false)
    }

    /// The amount and its currency.
    pub fn amount(&self) -> &Amount {
        &self.amount
    }

    /// `orderInformation.billTo`, if set.
    pub fn bill_to(&self) -> Option<&BillTo<'a>> {
        self.bill_to.as_ref()
    }

    /// `tokenInformation.transientTokenJwt`.
    pub fn transient_token_jwt(&self) -> &str {
        &self.transient_token_jwt
    }

    /// Detaches the request from its input.
    pub fn into_owned(self) -> PaymentRequest<'static> {
        PaymentRequest {
            reference: own_opt(self.reference),
            capture: self.capture,
            amount: self.amount,
            bill_to: self.bill_to.map(BillTo::into_owned),
            transient_token_jwt: own(self.transient_token_jwt),
        }
    }

    /// Reads a body with the strict JSON reader (see [`crate::json`]: duplicate member names are refused at any
    /// depth, compared after unescaping), then applies the checks of [`PaymentRequest::from_value`]. The result
    /// owns its strings.
    ///
    /// ```
    /// use flex_types::{FromJsonError, PaymentRequest};
    ///
    /// let body = br#"{"orderInformation":{"amountDetails":{"totalAmount":"10.00","currency":"USD"}},
    ///   "tokenInformation":{"transientTokenJwt":"eyJhIjoxfQ.eyJiIjoyfQ.c2ln"}}"#;
    /// assert_eq!(PaymentRequest::from_json(body)?.amount().minor_units(), 1000);
    /// let dup = br#"{"orderInformation":{"amountDetails":{"totalAmount":"10.00","currency":"USD",
    ///   "tot\u0061lAmount":"0.01"}},"tokenInformation":{"transientTokenJwt":"eyJhIjoxfQ.eyJiIjoyfQ.c2ln"}}"#;
    /// assert!(matches!(PaymentRequest::from_json(dup), Err(FromJsonError::Json(e)) if e.is_duplicate_member()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_json(json: &[u8]) -> Result<PaymentRequest<'static>, FromJsonError<PaymentRequestError>> {
        crate::json::parse(json, |body| PaymentRequest::from_value(&body).map(PaymentRequest::into_owned))
    }

    /// Reads and checks a request from an already parsed JSON value, with the field in error. Unknown members
    /// are ignored; so are the members of the full Cybersource request this subset does not model; of repeated
    /// member names, which only a non-strict reader leaves in a value, the first is read.
    pub fn from_value(body: &'a Value<'_>) -> Result<Self, PaymentRequestError> {
        let invalid = |field| PaymentRequestError::InvalidField { field };
        let missing = |field| PaymentRequestError::MissingField { field };
        if body.as_object().is_none() {
            return Err(invalid(""));
        }
        // A string at `path`: `Ok(None)` when absent or null, an error when of another type.
        let string = |path: &'static str| -> Result<Option<&'a str>, PaymentRequestError> {
            match body.pointer(path) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.as_ref())),
                Some(_) => Err(invalid(path)),
            }
        };
        let token = string(TOKEN)?.ok_or(missing(TOKEN))?;
        let total = string(TOTAL_AMOUNT)?.ok_or(missing(TOTAL_AMOUNT))?;
        let currency = string(CURRENCY)?.ok_or(missing(CURRENCY))?;
        let amount = Amount::new(total, Currency::new(currency)?)?;
        let mut builder = PaymentRequest::builder(token, amount);
        if let Some(code) = string(REFERENCE)? {
            builder = builder.reference(code);
        }
        match body.pointer(CAPTURE) {
            None | Some(Value::Null) => {}
            Some(Value::Bool(b)) => builder = builder.capture(*b),
            // The Python SDK's samples send "true"/"false" as strings.
            Some(Value::String(s)) if s == "true" || s == "false" => builder = builder.capture(s == "true"),
            Some(_) => return Err(invalid(CAPTURE)),
        }
        match body.pointer("orderInformation.billTo") {
            None | Some(Value::Null) => {}
            Some(Value::Object(_)) => {
                let mut bill_to = BillTo::new();
                for (slot, name) in bill_to.members_mut().into_iter().zip(BILL_TO_MEMBERS) {
                    match body.get_path(["orderInformation", "billTo", name]) {
                        None | Some(Value::Null) => {}
                        Some(Value::String(s)) => *slot = Some(Cow::Borrowed(s.as_ref())),
                        Some(_) => return Err(invalid(bill_to_field(name))),
                    }
                }
                builder = builder.bill_to(bill_to);
            }
            Some(_) => return Err(invalid("orderInformation.billTo")),
        }
        builder.build()
    }
}

impl Serialize for PaymentRequest<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if let Some(code) = &self.reference {
            map.serialize_entry("clientReferenceInformation", &One("code", code.as_ref()))?;
        }
        if let Some(capture) = self.capture {
            map.serialize_entry("processingInformation", &One("capture", &capture))?;
        }
        map.serialize_entry(
            "orderInformation",
            &OrderInformation { amount: &self.amount, bill_to: &self.bill_to },
        )?;
        map.serialize_entry(
            "tokenInformation",
            &One("transientTokenJwt", self.transient_token_jwt.as_ref()),
        )?;
        map.end()
    }
}

/// `{"<name>": value}`.
struct One<'v, T: ?Sized>(&'static str, &'v T);

impl<T: Serialize + ?Sized> Serialize for One<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(self.0, self.1)?;
        map.end()
    }
}

struct OrderInformation<'r, 'a> {
    amount: &'r Amount,
    bill_to: &'r Option<BillTo<'a>>,
}

impl Serialize for OrderInformation<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Details<'r>(&'r Amount);
        impl Serialize for Details<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("totalAmount", self.0.as_str())?;
                map.serialize_entry("currency", self.0.currency.code)?;
                map.end()
            }
        }
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("amountDetails", &Details(self.amount))?;
        if let Some(bill_to) = self.bill_to {
            map.serialize_entry("billTo", bill_to)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for PaymentRequest<'static> {
    /// The checks of [`PaymentRequest::from_value`] on what `d` reads (strict JSON is
    /// [`PaymentRequest::from_json`]'s); the result owns its strings.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        PaymentRequest::from_value(&v).map(PaymentRequest::into_owned).map_err(de::Error::custom)
    }
}

/// The `status` of a payment answer. Values this crate does not know are [`PaymentStatus::Other`]; the
/// string itself stays in [`PaymentResponse::status`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PaymentStatus {
    /// `AUTHORIZED`.
    Authorized,
    /// `PARTIAL_AUTHORIZED`: less than the requested amount was authorized.
    PartialAuthorized,
    /// `AUTHORIZED_PENDING_REVIEW`: authorized, held for review (e.g. by Decision Manager).
    AuthorizedPendingReview,
    /// `AUTHORIZED_RISK_DECLINED`: authorized by the issuer, declined by risk rules.
    AuthorizedRiskDeclined,
    /// `PENDING_AUTHENTICATION`: payer authentication is needed.
    PendingAuthentication,
    /// `PENDING_REVIEW`.
    PendingReview,
    /// `DECLINED`: see `errorInformation`.
    Declined,
    /// `INVALID_REQUEST` (in a `400`).
    InvalidRequest,
    /// Any other value.
    Other,
}

impl PaymentStatus {
    /// The status a wire value names.
    pub fn parse(s: &str) -> Self {
        match s {
            "AUTHORIZED" => Self::Authorized,
            "PARTIAL_AUTHORIZED" => Self::PartialAuthorized,
            "AUTHORIZED_PENDING_REVIEW" => Self::AuthorizedPendingReview,
            "AUTHORIZED_RISK_DECLINED" => Self::AuthorizedRiskDeclined,
            "PENDING_AUTHENTICATION" => Self::PendingAuthentication,
            "PENDING_REVIEW" => Self::PendingReview,
            "DECLINED" => Self::Declined,
            "INVALID_REQUEST" => Self::InvalidRequest,
            _ => Self::Other,
        }
    }

    /// The wire value; `None` for [`PaymentStatus::Other`].
    pub const fn as_str(self) -> Option<&'static str> {
        Some(match self {
            Self::Authorized => "AUTHORIZED",
            Self::PartialAuthorized => "PARTIAL_AUTHORIZED",
            Self::AuthorizedPendingReview => "AUTHORIZED_PENDING_REVIEW",
            Self::AuthorizedRiskDeclined => "AUTHORIZED_RISK_DECLINED",
            Self::PendingAuthentication => "PENDING_AUTHENTICATION",
            Self::PendingReview => "PENDING_REVIEW",
            Self::Declined => "DECLINED",
            Self::InvalidRequest => "INVALID_REQUEST",
            Self::Other => return None,
        })
    }
}

/// `clientReferenceInformation` of a payment answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ClientReferenceInformation<'a> {
    /// `code`: the merchant's reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Cow<'a, str>>,
}

/// `processorInformation` of a payment answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProcessorInformation<'a> {
    /// `approvalCode`: the issuer's authorization code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_code: Option<Cow<'a, str>>,
    /// `responseCode`: the processor's response code (`00` approved).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_code: Option<Cow<'a, str>>,
    /// `transactionId`: the processor's transaction id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<Cow<'a, str>>,
    /// `networkTransactionId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_transaction_id: Option<Cow<'a, str>>,
}

/// `orderInformation.amountDetails` of a payment answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AmountDetails<'a> {
    /// `authorizedAmount`, e.g. `10.00`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorized_amount: Option<Cow<'a, str>>,
    /// `totalAmount` (present in some answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<Cow<'a, str>>,
    /// `currency`, e.g. `USD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<Cow<'a, str>>,
}

/// The answer to `POST /pts/v2/payments` (`201`) or `GET /pts/v2/payments/{id}`.
///
/// Every member is optional. Unknown top-level members are **kept**, in order, in
/// [`PaymentResponse::extra`] and written back after the known ones; inside the modelled objects, unknown
/// members are ignored. A member of an unexpected type is treated as absent (never an error on valid JSON).
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct PaymentResponse<'a> {
    /// `id`: the payment id (for `GET /pts/v2/payments/{id}`, captures and reversals).
    pub id: Option<Cow<'a, str>>,
    /// `status`, as sent (see [`PaymentResponse::status_kind`]).
    pub status: Option<Cow<'a, str>>,
    /// `submitTimeUtc`, e.g. `2026-12-03T14:00:00Z`.
    pub submit_time_utc: Option<Cow<'a, str>>,
    /// `reconciliationId`.
    pub reconciliation_id: Option<Cow<'a, str>>,
    /// `clientReferenceInformation`.
    pub client_reference_information: Option<ClientReferenceInformation<'a>>,
    /// `processorInformation`.
    pub processor_information: Option<ProcessorInformation<'a>>,
    /// `orderInformation.amountDetails` (the only part of `orderInformation` modelled).
    pub amount_details: Option<AmountDetails<'a>>,
    /// `errorInformation`: why a payment was declined.
    pub error_information: Option<ErrorInformation<'a>>,
    /// `_links` (`self`, `capture`, `authReversal`, ...), as raw JSON.
    pub links: Option<Value<'a>>,
    /// Every other top-level member, in document order (`orderInformation` members other than
    /// `amountDetails` stay inside the kept `orderInformation`; a repeated `orderInformation` is dropped, the
    /// first one is read).
    pub extra: Vec<(Cow<'a, str>, Value<'a>)>,
}

impl<'a> PaymentResponse<'a> {
    /// An answer with only `status` set.
    pub fn new(status: PaymentStatus) -> Self {
        PaymentResponse { status: status.as_str().map(Cow::Borrowed), ..PaymentResponse::default() }
    }

    /// The status as a [`PaymentStatus`] (`None` without `status`).
    pub fn status_kind(&self) -> Option<PaymentStatus> {
        self.status.as_deref().map(PaymentStatus::parse)
    }

    /// `orderInformation.amountDetails.authorizedAmount`.
    pub fn authorized_amount(&self) -> Option<&str> {
        self.amount_details.as_ref()?.authorized_amount.as_deref()
    }

    /// `processorInformation.approvalCode`.
    pub fn approval_code(&self) -> Option<&str> {
        self.processor_information.as_ref()?.approval_code.as_deref()
    }

    /// `processorInformation.responseCode`.
    pub fn response_code(&self) -> Option<&str> {
        self.processor_information.as_ref()?.response_code.as_deref()
    }

    /// `errorInformation.reason`, e.g. `PROCESSOR_DECLINED`.
    pub fn error_reason(&self) -> Option<&str> {
        self.error_information.as_ref()?.reason.as_deref()
    }

    /// `errorInformation.message`.
    pub fn error_message(&self) -> Option<&str> {
        self.error_information.as_ref()?.message.as_deref()
    }

    /// Detaches the answer from its input.
    pub fn into_owned(self) -> PaymentResponse<'static> {
        PaymentResponse {
            id: own_opt(self.id),
            status: own_opt(self.status),
            submit_time_utc: own_opt(self.submit_time_utc),
            reconciliation_id: own_opt(self.reconciliation_id),
            client_reference_information: self
                .client_reference_information
                .map(|c| ClientReferenceInformation { code: own_opt(c.code) }),
            processor_information: self.processor_information.map(|p| ProcessorInformation {
                approval_code: own_opt(p.approval_code),
                response_code: own_opt(p.response_code),
                transaction_id: own_opt(p.transaction_id),
                network_transaction_id: own_opt(p.network_transaction_id),
            }),
            amount_details: self.amount_details.map(|a| AmountDetails {
                authorized_amount: own_opt(a.authorized_amount),
                total_amount: own_opt(a.total_amount),
                currency: own_opt(a.currency),
            }),
            error_information: self.error_information.map(|e| ErrorInformation {
                reason: own_opt(e.reason),
                message: own_opt(e.message),
                details: owned_details(e.details),
            }),
            links: self.links.map(Value::into_owned),
            extra: self.extra.into_iter().map(|(k, v)| (own(k), v.into_owned())).collect(),
        }
    }

    fn from_value(v: Value<'a>) -> Self {
        let Some(mut m) = Members::of(v) else { return PaymentResponse::default() };
        let mut amount_details = None;
        // `orderInformation`: `amountDetails` is modelled; anything else in it is kept in `extra`.
        let order = m.take("orderInformation").and_then(Members::of).and_then(|mut o| {
            amount_details = o.take("amountDetails").and_then(Members::of).map(|mut a| AmountDetails {
                authorized_amount: a.take_str("authorizedAmount"),
                total_amount: a.take_str("totalAmount"),
                currency: a.take_str("currency"),
            });
            (!o.0.is_empty()).then_some(Value::Object(o.0))
        });
        // First occurrence wins: a repeated `orderInformation` is dropped, so that the only one in `extra` is the
        // rest of the first, which serialization merges back with `amountDetails`.
        while m.take("orderInformation").is_some() {}
        let mut response = PaymentResponse {
            id: m.take_str("id"),
            status: m.take_str("status"),
            submit_time_utc: m.take_str("submitTimeUtc"),
            reconciliation_id: m.take_str("reconciliationId"),
            client_reference_information: m
                .take("clientReferenceInformation")
                .and_then(Members::of)
                .map(|mut c| ClientReferenceInformation { code: c.take_str("code") }),
            processor_information: m.take("processorInformation").and_then(Members::of).map(|mut p| {
                ProcessorInformation {
                    approval_code: p.take_str("approvalCode"),
                    response_code: p.take_str("responseCode"),
                    transaction_id: p.take_str("transactionId"),
                    network_transaction_id: p.take_str("networkTransactionId"),
                }
            }),
            amount_details,
            error_information: m.take("errorInformation").and_then(Members::of).map(error_information),
            links: m.take("_links"),
            extra: Vec::new(),
        };
        if let Some(order) = order {
            m.0.push((Cow::Borrowed("orderInformation"), order));
        }
        response.extra = m.0;
        response
    }
}

const RESPONSE_KNOWN: [&str; 9] = [
    "_links",
    "id",
    "submitTimeUtc",
    "status",
    "reconciliationId",
    "clientReferenceInformation",
    "processorInformation",
    "errorInformation",
    "orderInformation",
];

impl Serialize for PaymentResponse<'_> {
    /// Writes `_links`, `id`, `submitTimeUtc`, `status`, `reconciliationId`, `clientReferenceInformation`,
    /// `processorInformation`, `errorInformation` and `orderInformation` (the kept members of an `orderInformation`
    /// from `extra` merged with `amountDetails`) when present, then the rest of `extra`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if let Some(links) = &self.links {
            map.serialize_entry("_links", links)?;
        }
        for (name, value) in [
            ("id", &self.id),
            ("submitTimeUtc", &self.submit_time_utc),
            ("status", &self.status),
            ("reconciliationId", &self.reconciliation_id),
        ] {
            if let Some(v) = value {
                map.serialize_entry(name, v.as_ref())?;
            }
        }
        if let Some(c) = &self.client_reference_information {
            map.serialize_entry("clientReferenceInformation", c)?;
        }
        if let Some(p) = &self.processor_information {
            map.serialize_entry("processorInformation", p)?;
        }
        if let Some(e) = &self.error_information {
            map.serialize_entry("errorInformation", e)?;
        }
        let kept_order =
            self.extra.iter().find(|(k, _)| k == "orderInformation").and_then(|(_, v)| v.as_object());
        if self.amount_details.is_some() || kept_order.is_some() {
            let mut members: Vec<(&str, Value<'_>)> = Vec::new();
            if let Some(a) = &self.amount_details {
                let fields = [
                    ("authorizedAmount", &a.authorized_amount),
                    ("totalAmount", &a.total_amount),
                    ("currency", &a.currency),
                ];
                let details: Vec<(&str, Value<'_>)> =
                    fields.into_iter().filter_map(|(k, v)| Some((k, Value::from(v.as_deref()?)))).collect();
                members.push(("amountDetails", details.into_iter().collect()));
            }
            for (k, v) in kept_order.unwrap_or_default() {
                if k != "amountDetails" {
                    members.push((k.as_ref(), v.clone()));
                }
            }
            map.serialize_entry("orderInformation", &members.into_iter().collect::<Value<'_>>())?;
        }
        for (k, v) in &self.extra {
            if !RESPONSE_KNOWN.contains(&k.as_ref()) {
                map.serialize_entry(k.as_ref(), v)?;
            }
        }
        map.end()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for PaymentResponse<'a> {
    /// Tolerant: never fails on valid JSON (see [`PaymentResponse`]).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Value::deserialize(d).map(PaymentResponse::from_value)
    }
}
