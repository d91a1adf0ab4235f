//! Seconds since the Unix epoch, and the RFC 1123 (IMF-fixdate) form the `Date` header uses.
//!
//! The clock is never read here: callers pass the time in (sans-IO). The calendar arithmetic, formatting and
//! parsing are the `httpdate` crate's (already in the SDK's dependency graph through hyper); this module narrows
//! its parser to the IMF-fixdate form alone.

use core::fmt;
use core::time::Duration;
use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

/// The last second of 9999-12-31, the largest instant an IMF-fixdate (4-digit year) can express.
const MAX_SECS: i64 = 253_402_300_799;

/// A point in time, in whole seconds since 1970-01-01T00:00:00Z, within 1970..=9999.
///
/// The range is enforced on construction, so every `UnixTime` can be written as an RFC 1123 date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(i64);

impl UnixTime {
    /// `secs` seconds after the Unix epoch, or `None` before 1970 or after 9999.
    ///
    /// ```
    /// # use flex_auth::UnixTime;
    /// assert_eq!(UnixTime::from_secs(1_563_409_083).map(|t| t.as_secs()), Some(1_563_409_083));
    /// assert!(UnixTime::from_secs(-1).is_none());
    /// ```
    pub const fn from_secs(secs: i64) -> Option<Self> {
        if secs < 0 || secs > MAX_SECS { None } else { Some(Self(secs)) }
    }

    /// Seconds since the Unix epoch.
    pub const fn as_secs(self) -> i64 {
        self.0
    }

    /// The IMF-fixdate (RFC 7231 §7.1.1.1, the RFC 1123 form) of this time, e.g.
    /// `Thu, 18 Jul 2019 00:18:03 GMT`: two-digit day, English names, always `GMT`.
    pub fn to_http_date(self) -> HttpDate {
        // In range by construction (0..=MAX_SECS), where `httpdate` neither fails nor panics.
        let time = UNIX_EPOCH + Duration::from_secs(self.0.unsigned_abs());
        let mut buf = [0u8; HTTP_DATE_LEN];
        // An IMF-fixdate is exactly HTTP_DATE_LEN ASCII bytes, so the write fills the buffer and cannot fail.
        let _ = write!(&mut buf[..], "{}", httpdate::HttpDate::from(time));
        HttpDate(buf)
    }

    /// Parses an IMF-fixdate strictly: exactly `Www, DD Mmm YYYY HH:MM:SS GMT`, a real calendar date whose
    /// weekday matches, no leap second, nothing before 1970. Obsolete RFC 850 / asctime forms are refused.
    pub fn parse_http_date(s: &str) -> Option<Self> {
        // `httpdate` also reads the obsolete forms and trims whitespace. Neither obsolete form is 29 bytes long
        // ending in ` GMT`, and no trimmed text is, so these two tests leave it the IMF-fixdate alone; its own
        // checks then refuse an impossible date, a wrong weekday, a leap second and years before 1970.
        if s.len() != HTTP_DATE_LEN || !s.ends_with(" GMT") {
            return None;
        }
        let time = SystemTime::from(s.parse::<httpdate::HttpDate>().ok()?);
        let secs = time.duration_since(UNIX_EPOCH).ok()?.as_secs();
        Self::from_secs(i64::try_from(secs).ok()?)
    }
}

/// Length of every IMF-fixdate.
const HTTP_DATE_LEN: usize = 29;

/// An IMF-fixdate such as `Thu, 18 Jul 2019 00:18:03 GMT`, formatted without allocating.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct HttpDate([u8; HTTP_DATE_LEN]);

impl HttpDate {
    /// The date as a string slice.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever written into the buffer, so this cannot fail; fall back to "" rather than panic.
        core::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Display for HttpDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for HttpDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("HttpDate").field(&self.as_str()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_vector_date() {
        let t = UnixTime::from_secs(1_563_409_083).unwrap();
        assert_eq!(t.to_http_date().as_str(), "Thu, 18 Jul 2019 00:18:03 GMT");
        assert_eq!(UnixTime::from_secs(0).unwrap().to_http_date().as_str(), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            UnixTime::from_secs(MAX_SECS).unwrap().to_http_date().as_str(),
            "Fri, 31 Dec 9999 23:59:59 GMT"
        );
        assert_eq!(
            UnixTime::from_secs(951_782_400).unwrap().to_http_date().as_str(),
            "Tue, 29 Feb 2000 00:00:00 GMT"
        );
    }

    #[test]
    fn parses_strictly() {
        assert_eq!(
            UnixTime::parse_http_date("Thu, 18 Jul 2019 00:18:03 GMT").unwrap().as_secs(),
            1_563_409_083
        );
        for bad in [
            "Fri, 18 Jul 2019 00:18:03 GMT", // wrong weekday
            "Thu, 18 Jul 2019 00:18:03 UTC",
            "Thu, 8 Jul 2019 00:18:03 GMT",
            "Thu,  8 Jul 2019 00:18:03 GMT",
            "Thu, 18 jul 2019 00:18:03 GMT",
            "Thu, 18 Jul 2019 24:00:00 GMT",
            "Thu, 18 Jul 2019 00:18:60 GMT",
            "Mon, 29 Feb 2021 00:00:00 GMT",
            "Thursday, 18-Jul-19 00:18:03 GMT",
            "Thu Jul 18 00:18:03 2019",
            "Thu, 18 Jul 2019 00:18:03 GMT ",
            " hu, 18 Jul 2019 00:18:03 GMT", // leading whitespace, 29 bytes with it
            "     Thu Jul 18 00:18:03 2019", // asctime padded to 29 bytes
            "Thu, 18 Jul 2019 00:18:03 GMT\n",
            "Wed, 31 Dec 1969 23:59:59 GMT",
            "",
        ] {
            assert!(UnixTime::parse_http_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn round_trips_across_the_range() {
        let mut t = 0i64;
        while t <= MAX_SECS {
            let time = UnixTime::from_secs(t).unwrap();
            assert_eq!(UnixTime::parse_http_date(time.to_http_date().as_str()), Some(time));
            t += 7_654_321;
        }
    }
}
