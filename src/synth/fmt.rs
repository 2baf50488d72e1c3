//! Byte-level formatting for the generated files: calendar dates from epoch days, local times
//! through an hourly table of zone offsets (built once with chrono-tz), and the spellings of a
//! phone number that each producer uses. Everything appends to a `Vec<u8>`, without
//! allocating per row.

use chrono::{Offset, TimeZone};

/// Seconds in a day.
pub(crate) const DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) const fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// UTC seconds of a UTC calendar time.
pub(crate) const fn utc(y: i64, mo: u32, d: u32, h: i64, mi: i64, s: i64) -> i64 {
    days_from_civil(y, mo, d) * DAY + h * 3600 + mi * 60 + s
}

/// Day of the week of a day since 1970-01-01: 0 = Monday ... 6 = Sunday.
pub(crate) fn weekday(days: i64) -> u32 {
    ((days + 3).rem_euclid(7)) as u32
}

/// An IANA zone's UTC offsets, hour by hour over a span (outside it, the nearest end's).
#[derive(Clone, Debug)]
pub(crate) struct Zone {
    base: i64,
    offsets: Vec<i32>,
}

impl Zone {
    /// The offsets of `name` for every hour in `[from, to)` (UTC seconds).
    pub(crate) fn new(name: &'static str, from: i64, to: i64) -> Zone {
        let tz: chrono_tz::Tz = name.parse().unwrap_or(chrono_tz::UTC);
        let base = from - from.rem_euclid(3600);
        let n = ((to - base) / 3600 + 1).max(1) as usize;
        let offsets = (0..n)
            .map(|i| {
                let t = base + i as i64 * 3600;
                match chrono::DateTime::from_timestamp(t, 0) {
                    Some(dt) => tz
                        .offset_from_utc_datetime(&dt.naive_utc())
                        .fix()
                        .local_minus_utc(),
                    None => 0,
                }
            })
            .collect();
        Zone { base, offsets }
    }

    /// Local minus UTC, in seconds, at UTC instant `t`.
    #[inline]
    pub(crate) fn offset(&self, t: i64) -> i64 {
        let i = ((t - self.base).div_euclid(3600)).clamp(0, self.offsets.len() as i64 - 1);
        self.offsets[i as usize] as i64
    }

    /// Local seconds (as if UTC) of UTC instant `t`.
    #[inline]
    pub(crate) fn local(&self, t: i64) -> i64 {
        t + self.offset(t)
    }

    /// The UTC instant of a local time (the zone's offsets are constant around the times the
    /// generator uses; a time in a gap or fold takes the offset in force an hour earlier).
    #[inline]
    pub(crate) fn to_utc(&self, local: i64) -> i64 {
        local - self.offset(local - self.offset(local - 3600))
    }
}

#[inline]
fn push2(b: &mut Vec<u8>, v: u32) {
    b.push(b'0' + (v / 10 % 10) as u8);
    b.push(b'0' + (v % 10) as u8);
}

#[inline]
fn push4(b: &mut Vec<u8>, v: u32) {
    push2(b, v / 100);
    push2(b, v % 100);
}

/// Appends an unsigned integer in decimal.
#[inline]
pub(crate) fn push_u64(b: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    b.extend_from_slice(&tmp[i..]);
}

fn split(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(DAY);
    let sod = secs.rem_euclid(DAY) as u32;
    let (y, m, d) = civil_from_days(days);
    (y, m, d, sod / 3600, sod / 60 % 60, sod % 60)
}

/// `YYYY-MM-DD` of (local) seconds.
pub(crate) fn ymd(b: &mut Vec<u8>, secs: i64) {
    let (y, m, d, ..) = split(secs);
    push4(b, y as u32);
    b.push(b'-');
    push2(b, m);
    b.push(b'-');
    push2(b, d);
}

/// `DD/MM/YYYY` of (local) seconds.
pub(crate) fn dmy(b: &mut Vec<u8>, secs: i64) {
    let (y, m, d, ..) = split(secs);
    push2(b, d);
    b.push(b'/');
    push2(b, m);
    b.push(b'/');
    push4(b, y as u32);
}

/// `HH:MM:SS` of (local) seconds.
pub(crate) fn hms(b: &mut Vec<u8>, secs: i64) {
    let sod = secs.rem_euclid(DAY) as u32;
    push2(b, sod / 3600);
    b.push(b':');
    push2(b, sod / 60 % 60);
    b.push(b':');
    push2(b, sod % 60);
}

/// `YYYY-MM-DDTHH:MM:SSZ` of UTC seconds.
pub(crate) fn iso_utc(b: &mut Vec<u8>, t: i64) {
    ymd(b, t);
    b.push(b'T');
    hms(b, t);
    b.push(b'Z');
}

/// RFC 3339 with the zone's offset: `2011-04-25T17:59:16-04:00`.
pub(crate) fn rfc3339_local(b: &mut Vec<u8>, zone: &Zone, t: i64) {
    let off = zone.offset(t);
    let l = t + off;
    ymd(b, l);
    b.push(b'T');
    hms(b, l);
    b.push(if off < 0 { b'-' } else { b'+' });
    let a = off.unsigned_abs() as u32;
    push2(b, a / 3600);
    b.push(b':');
    push2(b, a / 60 % 60);
}

/// `YYYY-MM-DD HH:MM:SS` of local seconds.
pub(crate) fn local_stamp(b: &mut Vec<u8>, l: i64) {
    ymd(b, l);
    b.push(b' ');
    hms(b, l);
}

/// A duration in seconds as `mm:ss` (minutes may exceed 59).
pub(crate) fn mmss(b: &mut Vec<u8>, s: u32) {
    let m = s / 60;
    if m < 10 {
        b.push(b'0');
    }
    push_u64(b, m as u64);
    b.push(b':');
    push2(b, s % 60);
}

/// A duration in seconds as `hh:mm:ss`.
pub(crate) fn hhmmss(b: &mut Vec<u8>, s: u32) {
    push2(b, s / 3600);
    b.push(b':');
    push2(b, s / 60 % 60);
    b.push(b':');
    push2(b, s % 60);
}

/// The (NPA, NXX, line) of a NANP E.164 number `1NPANXXXXXX`, if it is one.
#[inline]
pub(crate) fn nanp(n: u64) -> Option<(u32, u32, u32)> {
    if (10_000_000_000..20_000_000_000).contains(&n) {
        let r = n - 10_000_000_000;
        Some((
            (r / 10_000_000) as u32,
            (r / 10_000 % 1000) as u32,
            (r % 10_000) as u32,
        ))
    } else {
        None
    }
}

/// The E.164 digits of a NANP number.
#[inline]
pub(crate) fn e164(npa: u32, nxx: u32, line: u32) -> u64 {
    10_000_000_000 + npa as u64 * 10_000_000 + nxx as u64 * 10_000 + line as u64
}

fn push3(b: &mut Vec<u8>, v: u32) {
    b.push(b'0' + (v / 100 % 10) as u8);
    push2(b, v % 100);
}

/// How a producer writes a phone number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Spell {
    /// `(519) 822-1234`; international as `011 44 20 7946 0958`.
    Paren,
    /// `+15198221234`.
    E164,
    /// `519.822.1234`.
    Dotted,
    /// `5198221234`.
    Ten,
    /// `519-822-1234`.
    Dashed,
    /// `519 822 1234`.
    Spaced,
    /// `+1 519 822 1234`.
    PlusSpaced,
}

/// Appends `n` (E.164 digits) spelled as `s`. Non-NANP numbers (only London `+44 20` numbers
/// are generated) are written `+4420…` or `011 44 20 …`.
pub(crate) fn phone(b: &mut Vec<u8>, n: u64, s: Spell) {
    let Some((a, x, l)) = nanp(n) else {
        match s {
            Spell::Paren | Spell::Spaced | Spell::Dashed | Spell::Dotted | Spell::Ten => {
                // 44 20 XXXX XXXX
                let sub = n % 100_000_000;
                b.extend_from_slice(b"011 44 20 ");
                push4(b, (sub / 10_000) as u32);
                b.push(b' ');
                push4(b, (sub % 10_000) as u32);
            }
            Spell::E164 | Spell::PlusSpaced => {
                b.push(b'+');
                push_u64(b, n);
            }
        }
        return;
    };
    match s {
        Spell::Paren => {
            b.push(b'(');
            push3(b, a);
            b.extend_from_slice(b") ");
            push3(b, x);
            b.push(b'-');
            push4(b, l);
        }
        Spell::E164 => {
            b.extend_from_slice(b"+1");
            push3(b, a);
            push3(b, x);
            push4(b, l);
        }
        Spell::PlusSpaced => {
            b.extend_from_slice(b"+1 ");
            push3(b, a);
            b.push(b' ');
            push3(b, x);
            b.push(b' ');
            push4(b, l);
        }
        Spell::Dotted | Spell::Dashed | Spell::Spaced => {
            let sep = match s {
                Spell::Dotted => b'.',
                Spell::Dashed => b'-',
                _ => b' ',
            };
            push3(b, a);
            b.push(sep);
            push3(b, x);
            b.push(sep);
            push4(b, l);
        }
        Spell::Ten => {
            push3(b, a);
            push3(b, x);
            push4(b, l);
        }
    }
}

/// `n` as E.164 text (`+15198221234`).
pub(crate) fn e164_text(n: u64) -> String {
    format!("+{n}")
}

/// A CSV field, quoted when it holds a delimiter, quote or line break.
pub(crate) fn csv_field(b: &mut Vec<u8>, s: &str, delim: u8) {
    if s.bytes()
        .any(|c| c == delim || c == b'"' || c == b'\n' || c == b'\r')
    {
        b.push(b'"');
        for c in s.bytes() {
            if c == b'"' {
                b.push(b'"');
            }
            b.push(c);
        }
        b.push(b'"');
    } else {
        b.extend_from_slice(s.as_bytes());
    }
}

/// Windows-1252 bytes of a string made of ASCII and the French letters the generator uses.
pub(crate) fn cp1252(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            'é' => 0xE9,
            'è' => 0xE8,
            'ê' => 0xEA,
            'à' => 0xE0,
            'ç' => 0xE7,
            'ô' => 0xF4,
            'É' => 0xC9,
            c if c.is_ascii() => c as u8,
            _ => b'?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trips() {
        for z in -1000..30_000 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(days_from_civil(2011, 5, 2), 15_096);
        assert_eq!(weekday(15_096), 0, "2 May 2011 was a Monday");
    }

    #[test]
    fn spellings() {
        let n = e164(519, 822, 1234);
        let s = |sp| {
            let mut b = Vec::new();
            phone(&mut b, n, sp);
            String::from_utf8(b).unwrap()
        };
        assert_eq!(s(Spell::Paren), "(519) 822-1234");
        assert_eq!(s(Spell::E164), "+15198221234");
        assert_eq!(s(Spell::Dotted), "519.822.1234");
        assert_eq!(s(Spell::Ten), "5198221234");
        assert_eq!(s(Spell::Dashed), "519-822-1234");
        let mut b = Vec::new();
        phone(&mut b, 442_079_460_958, Spell::Paren);
        assert_eq!(b, b"011 44 20 7946 0958");
    }

    #[test]
    fn times() {
        let z = Zone::new(
            "America/Toronto",
            utc(2011, 4, 1, 0, 0, 0),
            utc(2011, 6, 1, 0, 0, 0),
        );
        let t = utc(2011, 5, 2, 14, 3, 7);
        let mut b = Vec::new();
        rfc3339_local(&mut b, &z, t);
        assert_eq!(b, b"2011-05-02T10:03:07-04:00");
        assert_eq!(z.to_utc(z.local(t)), t);
        let mut b = Vec::new();
        dmy(&mut b, z.local(t));
        b.push(b' ');
        iso_utc(&mut b, t);
        b.push(b' ');
        mmss(&mut b, 754);
        b.push(b' ');
        hhmmss(&mut b, 3725);
        assert_eq!(b, b"02/05/2011 2011-05-02T14:03:07Z 12:34 01:02:05");
    }
}
