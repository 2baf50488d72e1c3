//! Reading one time text: configured formats compiled once into tokens, the fast readers of
//! the common shapes (fixed fields, RFC 3339, epoch numbers, Excel serials) and chrono's
//! parser for the rest. Each returns a [`Stamp`](super::Stamp): a UTC instant, or a local
//! wall-clock time for the zone to resolve.

use super::*;

/// Compiles one configured format.
pub(super) fn compile(src: &str) -> Result<Format, TimeConfigError> {
    match src {
        "epoch_s" => return Ok(Format::EpochS),
        "epoch_ms" => return Ok(Format::EpochMs),
        "rfc3339" => return Ok(Format::Rfc3339),
        "excel_serial" => return Ok(Format::ExcelSerial),
        _ => {}
    }
    let bad = |detail: &str| TimeConfigError::new(ConfigWhat::Format, src, detail.to_owned());
    if src.trim().is_empty() {
        return Err(bad("the format is empty"));
    }
    let mut toks = Vec::new();
    let mut fast = true;
    let mut seen = 0u16;
    // Whether the last item is the literal `Z` or `UTC`.
    let mut utc = false;
    for item in StrftimeItems::new(src) {
        let (tok, field) = match item {
            Item::Literal(l) => (Some(Tok::Lit(l.into())), 0),
            Item::OwnedLiteral(ref l) => (Some(Tok::Lit(l.clone())), 0),
            Item::Space(_) | Item::OwnedSpace(_) => (Some(Tok::Space), 0),
            Item::Numeric(n, _) => match n {
                Numeric::Year => (Some(Tok::Year), bit::YEAR),
                Numeric::YearMod100 => (Some(Tok::Year2), bit::YEAR),
                Numeric::Month => (Some(Tok::Month), bit::MONTH),
                Numeric::Day => (Some(Tok::Day), bit::DAY),
                Numeric::Hour => (Some(Tok::Hour), bit::HOUR),
                Numeric::Hour12 => (Some(Tok::Hour12), bit::HOUR12),
                Numeric::Minute => (Some(Tok::Minute), bit::MINUTE),
                Numeric::Second => (Some(Tok::Second), bit::SECOND),
                _ => (None, 0),
            },
            Item::Fixed(f) => match f {
                Fixed::ShortMonthName => (Some(Tok::MonthAbbr), bit::MONTH),
                Fixed::LongMonthName => (Some(Tok::MonthName), bit::MONTH),
                Fixed::LowerAmPm | Fixed::UpperAmPm => (Some(Tok::AmPm), bit::AMPM),
                Fixed::Nanosecond => (Some(Tok::Frac), bit::FRAC),
                Fixed::Nanosecond3 => (Some(Tok::FracN(3)), bit::FRAC),
                Fixed::Nanosecond6 => (Some(Tok::FracN(6)), bit::FRAC),
                Fixed::Nanosecond9 => (Some(Tok::FracN(9)), bit::FRAC),
                Fixed::TimezoneOffset
                | Fixed::TimezoneOffsetColon
                | Fixed::TimezoneOffsetDoubleColon
                | Fixed::TimezoneOffsetTripleColon => (Some(Tok::Offset), bit::OFFSET),
                Fixed::TimezoneName => {
                    return Err(bad(
                        "%Z (a zone name such as EST) cannot be turned into an offset safely; \
                         match the name as literal text and set the profile's zone, or use %z",
                    ))
                }
                _ => (None, 0),
            },
            Item::Error => return Err(bad("it has an unknown or malformed % specifier")),
        };
        utc = matches!(&tok, Some(Tok::Lit(l)) if matches!(&**l, "Z" | "UTC"));
        match tok {
            Some(t) => {
                if seen & field != 0 {
                    fast = false; // repeated field: chrono checks the copies agree
                }
                seen |= field;
                toks.push(t);
            }
            None => fast = false,
        }
    }
    // Conflicting or incomplete field sets go to chrono, which has the exact rules (and
    // `self_check` turns an incomplete pattern into a configuration error).
    let date_ok = seen & (bit::YEAR | bit::MONTH | bit::DAY) == bit::YEAR | bit::MONTH | bit::DAY;
    let time = seen & bit::TIME;
    let time_ok = time == 0
        || ((seen & bit::HOUR != 0 && seen & (bit::HOUR12 | bit::AMPM) == 0
            || seen & (bit::HOUR12 | bit::AMPM) == bit::HOUR12 | bit::AMPM
                && seen & bit::HOUR == 0)
            && seen & bit::MINUTE != 0
            && (seen & bit::FRAC == 0 || seen & bit::SECOND != 0));
    let toks = (fast && date_ok && time_ok).then(|| toks.into_boxed_slice());
    Ok(Format::Strftime {
        src: src.into(),
        toks,
        utc,
    })
}

/// Fields read by the hand parser.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Fields {
    pub(super) year: i64,
    pub(super) month: u32,
    pub(super) day: u32,
    pub(super) hour: u32,
    hour12: u32,
    pub(super) pm: bool,
    pub(super) minute: u32,
    pub(super) second: u32,
    pub(super) nanos: u32,
    pub(super) offset: Option<i32>,
}

/// chrono's `scan::number(s, 1, max)`: 1 to `max` ASCII digits, greedy.
#[inline]
pub(super) fn number(s: &str, max: usize) -> Result<(&str, i64), TimeError> {
    let b = s.as_bytes();
    let mut n: i64 = 0;
    let mut i = 0;
    while i < max && i < b.len() && b[i].is_ascii_digit() {
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(i64::from(b[i] - b'0')))
            .ok_or(TimeError::Impossible)?;
        i += 1;
    }
    if i == 0 {
        return Err(TimeError::Unparseable);
    }
    Ok((&s[i..], n))
}

/// A numeric field in `lo..=hi` after chrono's leading-white-space skip.
#[inline]
pub(super) fn field(s: &str, width: usize, lo: i64, hi: i64) -> Result<(&str, u32), TimeError> {
    let (rest, v) = number(skip_space(s), width)?;
    if (lo..=hi).contains(&v) {
        Ok((rest, v as u32))
    } else {
        Err(TimeError::Impossible)
    }
}

/// `s.trim_start()`, with a shortcut for the usual case of a digit first.
#[inline]
pub(super) fn skip_space(s: &str) -> &str {
    match s.as_bytes().first() {
        Some(b) if b.is_ascii_alphanumeric() || b.is_ascii_punctuation() => s,
        _ => s.trim_start(),
    }
}

/// chrono's `scan::short_month0`: the month index from three ASCII letters, any case.
pub(super) fn short_month0(s: &str) -> Result<(&str, u32), TimeError> {
    let b = s.as_bytes();
    if b.len() < 3 {
        return Err(TimeError::Unparseable);
    }
    let m = match (b[0] | 32, b[1] | 32, b[2] | 32) {
        (b'j', b'a', b'n') => 0,
        (b'f', b'e', b'b') => 1,
        (b'm', b'a', b'r') => 2,
        (b'a', b'p', b'r') => 3,
        (b'm', b'a', b'y') => 4,
        (b'j', b'u', b'n') => 5,
        (b'j', b'u', b'l') => 6,
        (b'a', b'u', b'g') => 7,
        (b's', b'e', b'p') => 8,
        (b'o', b'c', b't') => 9,
        (b'n', b'o', b'v') => 10,
        (b'd', b'e', b'c') => 11,
        _ => return Err(TimeError::Unparseable),
    };
    Ok((&s[3..], m))
}

/// chrono's `scan::short_or_long_month0`: also eats the rest of the full name if present.
pub(super) fn long_month0(s: &str) -> Result<(&str, u32), TimeError> {
    const SUFFIX: [&[u8]; 12] = [
        b"uary", b"ruary", b"ch", b"il", b"", b"e", b"y", b"ust", b"tember", b"ober", b"ember",
        b"ember",
    ];
    let (rest, m) = short_month0(s)?;
    let suffix = SUFFIX[m as usize];
    let b = rest.as_bytes();
    if b.len() >= suffix.len() && b[..suffix.len()].eq_ignore_ascii_case(suffix) {
        return Ok((&rest[suffix.len()..], m));
    }
    Ok((rest, m))
}

/// chrono's `scan::nanosecond`: 1–9 digits as a fraction, further digits skipped.
pub(super) fn nanosecond(s: &str) -> Result<(&str, u32), TimeError> {
    const SCALE: [u32; 10] = [
        0,
        100_000_000,
        10_000_000,
        1_000_000,
        100_000,
        10_000,
        1_000,
        100,
        10,
        1,
    ];
    let (rest, v) = number(s, 9)?;
    let digits = s.len() - rest.len();
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    Ok((rest, v as u32 * SCALE[digits]))
}

/// chrono's `scan::nanosecond_fixed`: exactly `n` digits as a fraction.
pub(super) fn nanosecond_fixed(s: &str, n: usize) -> Result<(&str, u32), TimeError> {
    let b = s.as_bytes();
    if b.len() < n || !b[..n].iter().all(u8::is_ascii_digit) {
        return Err(TimeError::Unparseable);
    }
    let v = b[..n]
        .iter()
        .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
    Ok((&s[n..], v * 10u32.pow(9 - n as u32)))
}

/// How `±hh` and `mm` of an offset are separated.
#[derive(Clone, Copy)]
pub(super) enum OffsetColon {
    /// Any run of `:` and white space, including none (chrono's strftime `%z`).
    Any,
    /// Exactly one `:` (RFC 3339).
    One,
}

/// chrono's `scan::timezone_offset` with the U+2212 minus allowed: offset in seconds.
pub(super) fn offset(s: &str, colon: OffsetColon, zulu: bool) -> Result<(&str, i32), TimeError> {
    use TimeError::{Impossible, Unparseable};
    let b = s.as_bytes();
    if zulu && matches!(b.first(), Some(b'Z' | b'z')) {
        return Ok((&s[1..], 0));
    }
    let (neg, s) = if let Some(r) = s.strip_prefix('+') {
        (false, r)
    } else if let Some(r) = s.strip_prefix('-') {
        (true, r)
    } else if let Some(r) = s.strip_prefix('\u{2212}') {
        (true, r)
    } else {
        return Err(Unparseable);
    };
    let b = s.as_bytes();
    if b.len() < 2 || !b[0].is_ascii_digit() || !b[1].is_ascii_digit() {
        return Err(Unparseable);
    }
    let hours = i32::from(b[0] - b'0') * 10 + i32::from(b[1] - b'0');
    let s = &s[2..];
    let s = match colon {
        OffsetColon::Any => s.trim_start_matches(|c: char| c == ':' || c.is_whitespace()),
        OffsetColon::One => s.strip_prefix(':').ok_or(Unparseable)?,
    };
    let b = s.as_bytes();
    if b.len() < 2 {
        return Err(Unparseable);
    }
    let minutes = match (b[0], b[1]) {
        (m1 @ b'0'..=b'5', m2 @ b'0'..=b'9') => i32::from(m1 - b'0') * 10 + i32::from(m2 - b'0'),
        (b'6'..=b'9', b'0'..=b'9') => return Err(Impossible),
        _ => return Err(Unparseable),
    };
    let secs = hours * 3600 + minutes * 60;
    Ok((&s[2..], if neg { -secs } else { secs }))
}

/// Reads `s` with a compiled pattern: chrono's rules, by hand, without allocating.
#[inline]
pub(super) fn read_fast(toks: &[Tok], utc: bool, mut s: &str) -> Result<Stamp, TimeError> {
    use TimeError::{Impossible, Unparseable};
    let mut f = Fields::default();
    for tok in toks {
        match tok {
            Tok::Lit(l) => s = s.strip_prefix(&**l).ok_or(Unparseable)?,
            Tok::Space => s = s.trim_start(),
            Tok::Year => {
                let t = skip_space(s);
                let (rest, y) = match t.as_bytes().first() {
                    Some(b'-') => {
                        let (r, v) = number(&t[1..], usize::MAX)?;
                        (r, -v)
                    }
                    Some(b'+') => number(&t[1..], usize::MAX)?,
                    _ => number(t, 4)?,
                };
                if i32::try_from(y).is_err() {
                    return Err(Impossible);
                }
                f.year = y;
                s = rest;
            }
            Tok::Year2 => {
                let (rest, y) = number(skip_space(s), 2)?;
                f.year = y + if y < TWO_DIGIT_YEAR_PIVOT { 2000 } else { 1900 };
                s = rest;
            }
            Tok::Month => (s, f.month) = field(s, 2, 1, 12)?,
            Tok::MonthAbbr => {
                let (rest, m) = short_month0(s)?;
                (s, f.month) = (rest, m + 1);
            }
            Tok::MonthName => {
                let (rest, m) = long_month0(s)?;
                (s, f.month) = (rest, m + 1);
            }
            Tok::Day => (s, f.day) = field(s, 2, 1, 31)?,
            Tok::Hour => (s, f.hour) = field(s, 2, 0, 23)?,
            Tok::Hour12 => (s, f.hour12) = field(s, 2, 1, 12)?,
            Tok::AmPm => {
                let b = s.as_bytes();
                if b.len() < 2 {
                    return Err(Unparseable);
                }
                f.pm = match (b[0] | 32, b[1] | 32) {
                    (b'a', b'm') => false,
                    (b'p', b'm') => true,
                    _ => return Err(Unparseable),
                };
                s = &s[2..];
            }
            Tok::Minute => (s, f.minute) = field(s, 2, 0, 59)?,
            Tok::Second => (s, f.second) = field(s, 2, 0, 60)?,
            Tok::Frac => {
                if let Some(rest) = s.strip_prefix('.') {
                    (s, f.nanos) = nanosecond(rest)?;
                }
            }
            Tok::FracN(n) => {
                if let Some(rest) = s.strip_prefix('.') {
                    (s, f.nanos) = nanosecond_fixed(rest, usize::from(*n))?;
                }
            }
            Tok::Offset => {
                let (rest, off) = offset(skip_space(s), OffsetColon::Any, false)?;
                (s, f.offset) = (rest, Some(off));
            }
        }
    }
    if !s.is_empty() {
        return Err(Unparseable);
    }
    if f.hour12 != 0 {
        f.hour = f.hour12 % 12 + if f.pm { 12 } else { 0 };
    }
    let utc_offset = f.offset.or(if utc { Some(0) } else { None });
    finish(
        f.year, f.month, f.day, f.hour, f.minute, f.second, f.nanos, utc_offset,
    )
}

/// Checks a read date-time (leap seconds, year range, day of month, offset) and makes a stamp.
#[allow(clippy::too_many_arguments)]
#[inline]
pub(super) fn finish(
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    offset: Option<i32>,
) -> Result<Stamp, TimeError> {
    if second > 59
        || !(MIN_YEAR..=MAX_YEAR).contains(&year)
        || day > days_in_month(year, month)
        || offset.is_some_and(|o| o.unsigned_abs() >= SECS_PER_DAY as u32)
    {
        return Err(TimeError::Impossible);
    }
    let secs = days_from_civil(year, month, day) * SECS_PER_DAY
        + i64::from(hour * 3600 + minute * 60 + second);
    let micros = nanos / 1000;
    Ok(match offset {
        Some(off) => Stamp::Utc((secs - i64::from(off)) * MICROS_PER_SEC + i64::from(micros)),
        None => Stamp::Local { secs, micros },
    })
}

/// Reads `s` with chrono's own parser, for patterns the hand parser does not cover.
pub(super) fn read_chrono(src: &str, utc: bool, s: &str) -> Result<Stamp, TimeError> {
    let chrono_err = |e: chrono::ParseError| match e.kind() {
        ParseErrorKind::OutOfRange | ParseErrorKind::Impossible => TimeError::Impossible,
        _ => TimeError::Unparseable,
    };
    let mut p = Parsed::new();
    chrono::format::parse(&mut p, s, StrftimeItems::new(src)).map_err(chrono_err)?;
    let offset = p
        .offset()
        .or(p.timestamp().map(|_| 0))
        .or(if utc { Some(0) } else { None });
    let no_time = p.hour_div_12().is_none()
        && p.hour_mod_12().is_none()
        && p.minute().is_none()
        && p.second().is_none()
        && p.nanosecond().is_none();
    let dt = if no_time && p.timestamp().is_none() {
        p.to_naive_date()
            .map_err(chrono_err)?
            .and_time(Default::default())
    } else {
        p.to_naive_datetime_with_offset(offset.unwrap_or(0))
            .map_err(chrono_err)?
    };
    let (second, nanos) = if dt.nanosecond() >= 1_000_000_000 {
        (60, 0)
    } else {
        (dt.second(), dt.nanosecond())
    };
    finish(
        i64::from(dt.year()),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        second,
        nanos,
        offset,
    )
}

/// chrono's RFC 3339 reader (`DateTime::parse_from_rfc3339`), by hand, in the same order, but
/// with leap seconds refused.
pub(super) fn read_rfc3339(s: &str) -> Result<Stamp, TimeError> {
    use TimeError::{Impossible, Unparseable};
    let b = s.as_bytes();
    if b.len() < 19 {
        return Err(Unparseable);
    }
    let d = |i: usize| -> Result<u32, TimeError> {
        if b[i].is_ascii_digit() {
            Ok(u32::from(b[i] - b'0'))
        } else {
            Err(Unparseable)
        }
    };
    let year = d(0)? * 1000 + d(1)? * 100 + d(2)? * 10 + d(3)?;
    if b[4] != b'-' {
        return Err(Unparseable);
    }
    let month = d(5)? * 10 + d(6)?;
    if b[7] != b'-' {
        return Err(Unparseable);
    }
    let day = d(8)? * 10 + d(9)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(i64::from(year), month) {
        return Err(Impossible);
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return Err(Unparseable);
    }
    let hour = d(11)? * 10 + d(12)?;
    if b[13] != b':' {
        return Err(Unparseable);
    }
    let minute = d(14)? * 10 + d(15)?;
    if b[16] != b':' {
        return Err(Unparseable);
    }
    let second = d(17)? * 10 + d(18)?;
    let (rest, nanos) = if b.get(19) == Some(&b'.') {
        nanosecond(&s[20..])?
    } else {
        (&s[19..], 0)
    };
    if hour > 23 || minute > 59 || second > 60 {
        return Err(Impossible);
    }
    let (rest, off) = offset(rest, OffsetColon::One, true)?;
    if !rest.is_empty() {
        return Err(Unparseable);
    }
    finish(
        i64::from(year),
        month,
        day,
        hour,
        minute,
        second,
        nanos,
        Some(off),
    )
}

/// A decimal number's parts: sign, integer digits, fraction digits (`-12.5` → `-`, `12`, `5`).
pub(super) fn decimal(s: &str) -> Result<(bool, &[u8], &[u8]), TimeError> {
    let b = s.as_bytes();
    let (neg, b) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let (int, rest) = b.split_at(int_len);
    let frac = match rest {
        [] => rest,
        [b'.', frac @ ..] if !frac.is_empty() && frac.iter().all(u8::is_ascii_digit) => frac,
        _ => return Err(TimeError::Unparseable),
    };
    if int.is_empty() {
        return Err(TimeError::Unparseable);
    }
    Ok((neg, int, frac))
}

/// Digits → integer, `None` on overflow.
pub(super) fn digits_value(d: &[u8]) -> Option<i128> {
    d.iter().try_fold(0i128, |acc, c| {
        acc.checked_mul(10)?.checked_add(i128::from(c - b'0'))
    })
}

/// `epoch_s` and `epoch_ms`: UTC; `scale` is the number of fraction digits that make a
/// microsecond (6 and 3). Finer digits are floored away.
pub(super) fn read_epoch(s: &str, scale: usize) -> Result<Stamp, TimeError> {
    let (neg, int, frac) = decimal(s)?;
    let int = digits_value(int).ok_or(TimeError::Impossible)?;
    let kept = &frac[..frac.len().min(scale)];
    let mut sub = digits_value(kept).ok_or(TimeError::Impossible)?;
    sub *= 10i128.pow((scale - kept.len()) as u32);
    let mut micros = int
        .checked_mul(10i128.pow(scale as u32))
        .and_then(|v| v.checked_add(sub))
        .ok_or(TimeError::Impossible)?;
    let dropped = frac.len() > scale && frac[scale..].iter().any(|&c| c != b'0');
    if neg {
        micros = -micros - i128::from(dropped);
    }
    let micros = i64::try_from(micros)
        .ok()
        .filter(|m| (MIN_MICROS..=MAX_MICROS).contains(m))
        .ok_or(TimeError::Impossible)?;
    Ok(Stamp::Utc(micros))
}

/// `excel_serial`: 1900-system serial day, local time, fraction rounded to the millisecond.
pub(super) fn read_excel(s: &str) -> Result<Stamp, TimeError> {
    let (neg, int, frac) = decimal(s)?;
    let days = digits_value(int).ok_or(TimeError::Impossible)?;
    if neg || days < 1 || days == 60 || days > i128::from(EXCEL_MAX_SERIAL) {
        return Err(TimeError::Impossible);
    }
    // Serials 1..=59 count from 1899-12-31 (Excel's day 0 is "1900-01-00"); from 61 on,
    // Excel's fictitious 1900-02-29 shifts the origin one day back to 1899-12-30.
    let origin = days_from_civil(1899, 12, if days < 60 { 31 } else { 30 });
    let frac = &frac[..frac.len().min(18)];
    let denom = 10i128.pow(frac.len() as u32);
    let num = digits_value(frac).ok_or(TimeError::Impossible)?;
    let ms = (num * 86_400_000 + denom / 2) / denom;
    let local = (origin + days as i64) * SECS_PER_DAY * MICROS_PER_SEC + ms as i64 * 1000;
    let (secs, micros) = split_local(local)?;
    Ok(Stamp::Local { secs, micros })
}
