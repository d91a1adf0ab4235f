//! The outcome of an authorization (`POST /pts/v2/payments`) or of a payment read back
//! (`GET /pts/v2/payments/{id}`).

use flex_types::{PaymentResponse, PaymentStatus};

/// What happened to a payment, from the answer's `status`. A decline is an outcome, not an error: the request
/// was accepted and processed, the issuer (or a rule) said no.
///
/// Every variant carries the whole [`PaymentResponse`] (`id`, `submitTimeUtc`, `reconciliationId`,
/// `processorInformation`, `_links`, unknown members, ...); [`PaymentOutcome::response`] reaches it whatever the
/// variant.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum PaymentOutcome {
    /// `AUTHORIZED`: the full amount is authorized (and captured, if the request asked for it).
    Authorized(PaymentResponse<'static>),
    /// `PARTIAL_AUTHORIZED`: less than the requested amount is authorized
    /// ([`PaymentResponse::authorized_amount`]); capture or reverse it.
    PartiallyAuthorized(PaymentResponse<'static>),
    /// `AUTHORIZED_PENDING_REVIEW` or `PENDING_REVIEW`: authorized and held for review (e.g. by Decision
    /// Manager); do not ship before the review accepts it.
    PendingReview(PaymentResponse<'static>),
    /// `DECLINED`, or `AUTHORIZED_RISK_DECLINED` (the issuer authorized, the merchant's risk rules declined; the
    /// authorization should be reversed): no payment to fulfil.
    #[non_exhaustive]
    Declined {
        /// `errorInformation.reason`, e.g. `PROCESSOR_DECLINED`.
        reason: Option<String>,
        /// `errorInformation.message`, e.g. `Decline - General decline of the card.`
        message: Option<String>,
        /// The whole answer.
        response: PaymentResponse<'static>,
    },
    /// Any other `status` (`PENDING_AUTHENTICATION`, a value this crate does not know) or none: see
    /// [`PaymentResponse::status`].
    Other(PaymentResponse<'static>),
}

impl PaymentOutcome {
    /// The outcome a (success-status) answer describes.
    pub(crate) fn from_response(response: PaymentResponse<'static>) -> Self {
        match response.status_kind() {
            Some(PaymentStatus::Authorized) => Self::Authorized(response),
            Some(PaymentStatus::PartialAuthorized) => Self::PartiallyAuthorized(response),
            Some(PaymentStatus::AuthorizedPendingReview | PaymentStatus::PendingReview) => {
                Self::PendingReview(response)
            }
            Some(PaymentStatus::Declined | PaymentStatus::AuthorizedRiskDeclined) => Self::Declined {
                reason: response.error_reason().map(str::to_owned),
                message: response.error_message().map(str::to_owned),
                response,
            },
            _ => Self::Other(response),
        }
    }

    /// The whole answer.
    pub fn response(&self) -> &PaymentResponse<'static> {
        match self {
            Self::Authorized(r)
            | Self::PartiallyAuthorized(r)
            | Self::PendingReview(r)
            | Self::Other(r)
            | Self::Declined { response: r, .. } => r,
        }
    }

    /// Consumes the outcome, returning the whole answer.
    pub fn into_response(self) -> PaymentResponse<'static> {
        match self {
            Self::Authorized(r)
            | Self::PartiallyAuthorized(r)
            | Self::PendingReview(r)
            | Self::Other(r)
            | Self::Declined { response: r, .. } => r,
        }
    }

    /// The payment id (`id`), for [`Client::payment`](crate::Client::payment), captures and reversals.
    pub fn id(&self) -> Option<&str> {
        self.response().id.as_deref()
    }

    /// The `status` as sent, e.g. `AUTHORIZED`.
    pub fn status(&self) -> Option<&str> {
        self.response().status.as_deref()
    }

    /// Whether money is authorized: [`Authorized`](Self::Authorized),
    /// [`PartiallyAuthorized`](Self::PartiallyAuthorized) or [`PendingReview`](Self::PendingReview).
    pub fn is_authorized(&self) -> bool {
        matches!(self, Self::Authorized(_) | Self::PartiallyAuthorized(_) | Self::PendingReview(_))
    }

    /// Whether this is a [`Declined`](Self::Declined) outcome.
    pub fn is_declined(&self) -> bool {
        matches!(self, Self::Declined { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(json: &str) -> PaymentOutcome {
        let response: PaymentResponse<'_> = serde_json::from_str(json).unwrap_or_default();
        PaymentOutcome::from_response(response.into_owned())
    }

    #[test]
    fn statuses_map_to_outcomes() {
        assert!(matches!(outcome(r#"{"status":"AUTHORIZED","id":"1"}"#), PaymentOutcome::Authorized(_)));
        assert!(matches!(
            outcome(r#"{"status":"PARTIAL_AUTHORIZED"}"#),
            PaymentOutcome::PartiallyAuthorized(_)
        ));
        for review in ["AUTHORIZED_PENDING_REVIEW", "PENDING_REVIEW"] {
            let o = outcome(&format!(r#"{{"status":"{review}"}}"#));
            assert!(matches!(o, PaymentOutcome::PendingReview(_)) && o.is_authorized(), "{review}");
        }
        let declined = outcome(
            r#"{"status":"DECLINED","id":"2","errorInformation":{"reason":"PROCESSOR_DECLINED","message":"no"}}"#,
        );
        match &declined {
            PaymentOutcome::Declined { reason, message, response } => {
                assert_eq!((reason.as_deref(), message.as_deref()), (Some("PROCESSOR_DECLINED"), Some("no")));
                assert_eq!(response.id.as_deref(), Some("2"));
            }
            other => panic!("{other:?}"),
        }
        assert!(declined.is_declined() && !declined.is_authorized());
        assert_eq!((declined.id(), declined.status()), (Some("2"), Some("DECLINED")));
        assert!(outcome(r#"{"status":"AUTHORIZED_RISK_DECLINED"}"#).is_declined());
        for other in [r#"{"status":"PENDING_AUTHENTICATION"}"#, r#"{"status":"NEW_ONE"}"#, "{}"] {
            let o = outcome(other);
            assert!(matches!(o, PaymentOutcome::Other(_)) && !o.is_authorized(), "{other}");
        }
        assert_eq!(outcome(r#"{"status":"NEW_ONE"}"#).into_response().status.as_deref(), Some("NEW_ONE"));
    }
}
