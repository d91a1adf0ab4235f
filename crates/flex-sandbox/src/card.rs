//! Card-data checks and masking for `/flex/v2/tokens`. Nothing here logs or returns a full value.

/// Whether `number` is 12 to 19 ASCII digits passing the Luhn check.
pub(crate) fn valid_number(number: &str) -> bool {
    let len = number.len();
    if !(12..=19).contains(&len) || !number.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = number
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 { d2 - 9 } else { d2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// `1`-`12`, one or two digits (`"1"`, `"01"`, `"12"`).
pub(crate) fn valid_month(month: &str) -> bool {
    (1..=2).contains(&month.len())
        && month.bytes().all(|b| b.is_ascii_digit())
        && month.parse::<u8>().is_ok_and(|m| (1..=12).contains(&m))
}

/// Two digits (`"31"`) or four digits from 2000 to 2099 (`"2031"`).
pub(crate) fn valid_year(year: &str) -> bool {
    year.bytes().all(|b| b.is_ascii_digit())
        && match year.len() {
            2 => true,
            4 => year.parse::<u16>().is_ok_and(|y| (2000..=2099).contains(&y)),
            _ => false,
        }
}

/// Three or four digits.
pub(crate) fn valid_security_code(code: &str) -> bool {
    (3..=4).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit())
}

/// A Cybersource card-type code: three digits (`"001"`).
pub(crate) fn valid_type(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit())
}

/// The Cybersource card-type code guessed from the number's prefix, if a common brand.
pub(crate) fn detect_type(number: &str) -> Option<&'static str> {
    let prefix = |n: usize| number.get(..n).and_then(|p| p.parse::<u32>().ok());
    match (prefix(1), prefix(2), prefix(4), prefix(6)) {
        (Some(4), ..) => Some("001"),
        (_, Some(51..=55), ..) | (_, _, Some(2221..=2720), _) => Some("002"),
        (_, Some(34 | 37), ..) => Some("003"),
        (_, Some(65), ..) | (_, _, Some(6011), _) => Some("004"),
        (_, Some(36 | 38), ..) => Some("005"),
        (_, _, Some(3528..=3589), _) => Some("007"),
        _ => None,
    }
}

/// What `POST /pts/v2/payments` does with a card, decided from the full number when the transient token is
/// issued (the number itself is not kept). The test numbers are listed in the crate README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PaymentRule {
    /// `AUTHORIZED`, approval code `831000`, response code `00`.
    Approve,
    /// `DECLINED` (`PROCESSOR_DECLINED`, response code `05`): 4000 0000 0000 0002.
    Decline,
    /// `AUTHORIZED_PENDING_REVIEW`: 4000 0000 0000 0010.
    Review,
    /// `PARTIAL_AUTHORIZED`, half the amount (rounded down to the currency's minor unit): 4000 0000 0000 0028.
    Partial,
}

/// The Luhn-valid test number that declines.
pub(crate) const DECLINE_PAN: &str = "4000000000000002";
/// The Luhn-valid test number that goes to review.
pub(crate) const REVIEW_PAN: &str = "4000000000000010";
/// The Luhn-valid test number that is authorized for half the amount.
pub(crate) const PARTIAL_PAN: &str = "4000000000000028";

/// The rule for a (valid) card number.
pub(crate) fn payment_rule(number: &str) -> PaymentRule {
    match number {
        DECLINE_PAN => PaymentRule::Decline,
        REVIEW_PAN => PaymentRule::Review,
        PARTIAL_PAN => PaymentRule::Partial,
        _ => PaymentRule::Approve,
    }
}

/// The Microform network name (`allowedCardNetworks`) of a Cybersource card-type code, for the common brands.
pub(crate) fn network_of_type(code: &str) -> Option<&'static str> {
    Some(match code {
        "001" => "VISA",
        "002" => "MASTERCARD",
        "003" => "AMEX",
        "004" => "DISCOVER",
        "005" => "DINERSCLUB",
        "007" => "JCB",
        _ => return None,
    })
}

/// Every `X` but the last four digits (`XXXXXXXXXXXX1111`), as Microform v2's `maskedValue`. Call only on a
/// [`valid_number`].
pub(crate) fn mask_all_but_last4(number: &str) -> String {
    let len = number.len();
    let tail = number.get(len.saturating_sub(4)..).unwrap_or_default();
    let mut out: String = std::iter::repeat_n('X', len.saturating_sub(4)).collect();
    out.push_str(tail);
    out
}

/// The first six and last four digits with `X` between (`411111XXXXXX1111`), as in real transient tokens.
/// Call only on a [`valid_number`] (at least 12 digits).
pub(crate) fn mask(number: &str) -> String {
    let len = number.len();
    let head = number.get(..6).unwrap_or_default();
    let tail = number.get(len.saturating_sub(4)..).unwrap_or_default();
    let mut out = String::with_capacity(len);
    out.push_str(head);
    out.extend(std::iter::repeat_n('X', len.saturating_sub(10)));
    out.push_str(tail);
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn checks_never_panic_and_masking_keeps_length(s in "\\PC{0,24}", digits in "[0-9]{12,19}") {
            let _ = (valid_number(&s), valid_month(&s), valid_year(&s), valid_security_code(&s), valid_type(&s));
            let _ = detect_type(&s);
            let masked = mask(&digits);
            prop_assert_eq!(masked.len(), digits.len());
            prop_assert_eq!(&masked[..6], &digits[..6]);
            prop_assert_eq!(&masked[digits.len() - 4..], &digits[digits.len() - 4..]);
            prop_assert!(masked[6..digits.len() - 4].bytes().all(|b| b == b'X'));
        }
    }

    #[test]
    fn test_numbers_are_valid_and_mapped() {
        for (pan, rule) in [
            (DECLINE_PAN, PaymentRule::Decline),
            (REVIEW_PAN, PaymentRule::Review),
            (PARTIAL_PAN, PaymentRule::Partial),
            ("4111111111111111", PaymentRule::Approve),
        ] {
            assert!(valid_number(pan), "{pan}");
            assert_eq!(payment_rule(pan), rule);
        }
        assert_eq!(mask_all_but_last4("4111111111111111"), "XXXXXXXXXXXX1111");
        assert_eq!(network_of_type("002"), Some("MASTERCARD"));
    }

    #[test]
    fn luhn() {
        for good in [
            "4111111111111111",
            "5555555555554444",
            "378282246310005",
            "6011111111111117",
            "4000056655665556",
        ] {
            assert!(valid_number(good), "{good}");
        }
        for bad in ["4111111111111112", "411111111111", "41111111111111111111", "4111 1111 1111 1111", ""] {
            assert!(!valid_number(bad), "{bad}");
        }
    }

    #[test]
    fn masking_and_types() {
        assert_eq!(mask("4111111111111111"), "411111XXXXXX1111");
        assert_eq!(mask("378282246310005"), "378282XXXXX0005");
        assert_eq!(detect_type("4111111111111111"), Some("001"));
        assert_eq!(detect_type("5555555555554444"), Some("002"));
        assert_eq!(detect_type("2221000000000009"), Some("002"));
        assert_eq!(detect_type("378282246310005"), Some("003"));
        assert_eq!(detect_type("6011111111111117"), Some("004"));
        assert_eq!(detect_type("9999999999999995"), None);
    }

    #[test]
    fn dates_and_codes() {
        assert!(valid_month("1") && valid_month("01") && valid_month("12"));
        assert!(!valid_month("0") && !valid_month("13") && !valid_month("001") && !valid_month("+1"));
        assert!(valid_year("31") && valid_year("2031"));
        assert!(!valid_year("1999") && !valid_year("203") && !valid_year("2x31"));
        assert!(valid_security_code("123") && valid_security_code("1234") && !valid_security_code("12"));
        assert!(valid_type("001") && !valid_type("1"));
    }
}
