//! Call durations: the profile's duration format and the parser, to milliseconds, with the
//! 24-hour limit.

use super::*;

/// How a profile writes call durations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DurationFormat {
    /// Seconds, optionally with a fraction: `"75"`, `"12.5"`. Profile spelling `"s"`.
    #[default]
    Seconds,
    /// Minutes and seconds: `"1:15"`, `"75:02"` (minutes may exceed 59). Profile spelling
    /// `"mm:ss"`.
    MinSec,
    /// Hours, minutes and seconds: `"0:01:15"`; minutes and seconds below 60. Profile
    /// spelling `"hh:mm:ss"`.
    HourMinSec,
}

impl DurationFormat {
    /// The profile spelling: `"s"`, `"mm:ss"` or `"hh:mm:ss"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Seconds => "s",
            Self::MinSec => "mm:ss",
            Self::HourMinSec => "hh:mm:ss",
        }
    }
}

impl FromStr for DurationFormat {
    type Err = TimeConfigError;

    /// # Errors
    /// Any text but `s`, `mm:ss` or `hh:mm:ss` (ASCII case ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Seconds, Self::MinSec, Self::HourMinSec]
            .into_iter()
            .find(|f| s.eq_ignore_ascii_case(f.as_str()))
            .ok_or_else(|| TimeConfigError::new(ConfigWhat::DurationFormat, s, String::new()))
    }
}

impl fmt::Display for DurationFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a duration could not be used; [`DurationError::as_str`] is the quarantine reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationError {
    /// Nothing but white space.
    Empty,
    /// Not in the profile's duration format (including minutes or seconds of 60 or more
    /// where they must be below 60).
    Unparseable,
    /// A minus sign on a non-zero duration.
    Negative,
    /// Longer than 24 hours.
    OutOfRange,
}

impl DurationError {
    /// Reason text for the quarantine table and audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Empty => "duration is empty",
            Self::Unparseable => "duration does not match the profile's duration format",
            Self::Negative => "duration is negative",
            Self::OutOfRange => "duration is longer than 24 hours",
        }
    }
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for DurationError {}

/// Longest accepted duration: 24 hours, inclusive.
pub(super) const MAX_DURATION_MS: u64 = 86_400_000;

/// Parses a call duration to milliseconds.
///
/// Seconds may carry a fraction (`"12.5"`, digits past the millisecond are truncated), in
/// every format. `"mm:ss"` allows minutes of 60 and more (`"75:02"`); `"hh:mm:ss"` requires
/// minutes and seconds below 60. Seconds (and minutes in `hh:mm:ss`) after a colon are two
/// digits. White space around the value is trimmed. `"-0"` is zero.
///
/// # Errors
/// [`DurationError::Empty`] for blank text, [`DurationError::Unparseable`] for text not in
/// `format`, [`DurationError::Negative`] for a minus sign on a non-zero duration and
/// [`DurationError::OutOfRange`] beyond 24 hours.
///
/// # Examples
/// ```
/// use callsift::normalize::time::{parse_duration_ms, DurationError, DurationFormat};
/// assert_eq!(parse_duration_ms("12.5", DurationFormat::Seconds), Ok(12_500));
/// assert_eq!(parse_duration_ms("75:02", DurationFormat::MinSec), Ok(4_502_000));
/// assert_eq!(parse_duration_ms("1:00:60", DurationFormat::HourMinSec), Err(DurationError::Unparseable));
/// ```
pub fn parse_duration_ms(raw: &str, format: DurationFormat) -> Result<i64, DurationError> {
    let s = trim(raw);
    if s.is_empty() {
        return Err(DurationError::Empty);
    }
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let ms = match format {
        DurationFormat::Seconds => {
            let (secs, rest) = duration_int(body)?;
            seconds_ms(secs, rest)?
        }
        DurationFormat::MinSec => {
            let (mins, rest) = duration_int(body)?;
            let rest = rest.strip_prefix(':').ok_or(DurationError::Unparseable)?;
            let (secs, rest) = two_digits_below_60(rest)?;
            let ms = seconds_ms(u128::from(secs), rest)?;
            mins.checked_mul(60_000)
                .and_then(|m| m.checked_add(ms))
                .ok_or(DurationError::OutOfRange)?
        }
        DurationFormat::HourMinSec => {
            let (hours, rest) = duration_int(body)?;
            let rest = rest.strip_prefix(':').ok_or(DurationError::Unparseable)?;
            let (mins, rest) = two_digits_below_60(rest)?;
            let rest = rest.strip_prefix(':').ok_or(DurationError::Unparseable)?;
            let (secs, rest) = two_digits_below_60(rest)?;
            let ms = seconds_ms(u128::from(secs), rest)?;
            hours
                .checked_mul(3_600_000)
                .and_then(|h| h.checked_add(u128::from(mins) * 60_000 + ms))
                .ok_or(DurationError::OutOfRange)?
        }
    };
    if neg && ms != 0 {
        return Err(DurationError::Negative);
    }
    if ms > u128::from(MAX_DURATION_MS) {
        return Err(DurationError::OutOfRange);
    }
    Ok(ms as i64)
}

/// Leading digits (at least one) as an integer; overflow is [`DurationError::OutOfRange`].
pub(super) fn duration_int(s: &str) -> Result<(u128, &str), DurationError> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return Err(DurationError::Unparseable);
    }
    let v = digits_value(&s.as_bytes()[..n]).ok_or(DurationError::OutOfRange)?;
    Ok((v as u128, &s[n..]))
}

/// Exactly two digits, below 60.
pub(super) fn two_digits_below_60(s: &str) -> Result<(u32, &str), DurationError> {
    match s.as_bytes() {
        [a @ b'0'..=b'5', b @ b'0'..=b'9', ..] => {
            Ok((u32::from(a - b'0') * 10 + u32::from(b - b'0'), &s[2..]))
        }
        _ => Err(DurationError::Unparseable),
    }
}

/// Whole seconds plus an optional `.fraction` (the rest of the text) → milliseconds.
pub(super) fn seconds_ms(secs: u128, rest: &str) -> Result<u128, DurationError> {
    let frac_ms = match rest.as_bytes() {
        [] => 0,
        [b'.', frac @ ..] if !frac.is_empty() && frac.iter().all(u8::is_ascii_digit) => frac
            .iter()
            .chain(b"000")
            .take(3)
            .fold(0u128, |acc, d| acc * 10 + u128::from(d - b'0')),
        _ => return Err(DurationError::Unparseable),
    };
    secs.checked_mul(1000)
        .and_then(|ms| ms.checked_add(frac_ms))
        .ok_or(DurationError::OutOfRange)
}
