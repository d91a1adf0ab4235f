//! Seconds since the Unix epoch, and the RFC 1123 (IMF-fixdate) form the `Date` header uses.
//!
//! The clock is never read here: callers pass the time in (sans-IO). Formatting and parsing use Howard
//! Hinnant's `days_from_civil` / `civil_from_days` algorithms, so no date library is needed.

use core::fmt;

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
        let days = self.0.div_euclid(86_400);
        let secs_of_day = self.0.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        // 1970-01-01 was a Thursday (index 4 with Sunday = 0).
        let weekday = (days + 4).rem_euclid(7);
        let mut buf = [0u8; HTTP_DATE_LEN];
        let mut w = Cursor { buf: &mut buf, pos: 0 };
        w.put(WEEKDAYS.get(usize_from(weekday)).copied().unwrap_or(b"???"));
        w.put(b", ");
        w.two(day);
        w.put(b" ");
        w.put(MONTHS.get(usize_from(month - 1)).copied().unwrap_or(b"???"));
        w.put(b" ");
        w.two(year / 100);
        w.two(year % 100);
        w.put(b" ");
        w.two(secs_of_day / 3600);
        w.put(b":");
        w.two(secs_of_day / 60 % 60);
        w.put(b":");
        w.two(secs_of_day % 60);
        w.put(b" GMT");
        HttpDate(buf)
    }

    /// Parses an IMF-fixdate strictly: exactly `Www, DD Mmm YYYY HH:MM:SS GMT`, a real calendar date whose
    /// weekday matches, no leap second, nothing before 1970. Obsolete RFC 850 / asctime forms are refused.
    pub fn parse_http_date(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != HTTP_DATE_LEN {
            return None;
        }
        let lit = |range: core::ops::Range<usize>, want: &[u8]| b.get(range).is_some_and(|g| g == want);
        if !(lit(3..5, b", ") && lit(7..8, b" ") && lit(11..12, b" ") && lit(16..17, b" "))
            || !(lit(19..20, b":") && lit(22..23, b":") && lit(25..29, b" GMT"))
        {
            return None;
        }
        let weekday = WEEKDAYS.iter().position(|w| b.get(0..3) == Some(&w[..]))?;
        let month = MONTHS.iter().position(|m| b.get(8..11) == Some(&m[..]))?;
        let month = i64::try_from(month).ok()? + 1;
        let day = digits(b, 5, 2)?;
        let year = digits(b, 12, 4)?;
        let (hour, minute, second) = (digits(b, 17, 2)?, digits(b, 20, 2)?, digits(b, 23, 2)?);
        if day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let days = days_from_civil(year, month, day);
        if i64::try_from(weekday).ok()? != (days + 4).rem_euclid(7) {
            return None;
        }
        Self::from_secs(days * 86_400 + hour * 3600 + minute * 60 + second)
    }
}

/// Length of every IMF-fixdate.
const HTTP_DATE_LEN: usize = 29;
const WEEKDAYS: [&[u8; 3]; 7] = [b"Sun", b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat"];
const MONTHS: [&[u8; 3]; 12] =
    [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];

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

struct Cursor<'b> {
    buf: &'b mut [u8; HTTP_DATE_LEN],
    pos: usize,
}

impl Cursor<'_> {
    fn put(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if let Some(slot) = self.buf.get_mut(self.pos) {
                *slot = b;
            }
            self.pos += 1;
        }
    }

    /// Two decimal digits of `v` (0..=99).
    fn two(&mut self, v: i64) {
        let tens = u8::try_from(v / 10 % 10).unwrap_or(0);
        let ones = u8::try_from(v % 10).unwrap_or(0);
        self.put(&[b'0' + tens, b'0' + ones]);
    }
}

fn usize_from(v: i64) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

/// `n` ASCII digits of `b` starting at `at`, as a number.
fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let slice = b.get(at..at + n)?;
    slice.iter().try_fold(0i64, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0')))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of the proleptic Gregorian date `y-m-d` (Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian `(year, month, day)` of a day count since 1970-01-01 (Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
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
