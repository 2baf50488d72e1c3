//! Digit runs to numbers: the scanners of plain and loose digit text, the NANP fast path, and
//! international numbers through libphonenumber (cached), with the country-code table.

use super::*;

/// Digits gathered by a scanner, without allocation.
#[derive(Clone, Copy, Debug)]
pub(super) struct Digits {
    pub(super) buf: [u8; DIGIT_CAP],
    pub(super) len: usize,
    /// More than [`DIGIT_CAP`] digits were seen.
    pub(super) overflow: bool,
    /// Some digit is not `0`.
    pub(super) nonzero: bool,
}

impl Digits {
    pub(super) fn new() -> Self {
        Digits {
            buf: [0; DIGIT_CAP],
            len: 0,
            overflow: false,
            nonzero: false,
        }
    }

    #[inline]
    pub(super) fn push(&mut self, ascii_digit: u8) {
        if self.len < DIGIT_CAP {
            self.buf[self.len] = ascii_digit;
            self.len += 1;
        } else {
            self.overflow = true;
        }
        self.nonzero |= ascii_digit != b'0';
    }

    pub(super) fn from_ascii_digits(s: &[u8]) -> Self {
        let mut d = Digits::new();
        for &b in s {
            d.push(b);
        }
        d
    }

    pub(super) fn from_u64(n: u64) -> Self {
        let mut buf = [0u8; DIGIT_CAP];
        Digits::from_ascii_digits(decimal(n, &mut buf).as_bytes())
    }

    pub(super) fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// The hot path: a plain NANP spelling decided in one pass, in registers. Same alphabet as
/// [`scan_plain`]; answers only for ten digits, or eleven starting with 1 (after `+` only the
/// latter, and then whatever the default region), and leaves everything else — IDD `011`,
/// all zeros, other lengths, `+` with another code — to [`scan_plain`] and [`PhoneParser::classify`].
#[inline]
pub(super) fn fast_nanp(bytes: &[u8], nanp_region: bool) -> Option<Phone> {
    let mut value = 0u64;
    let mut count = 0u32;
    let mut first3 = 0u64;
    let mut plus = false;
    let mut dots = 0u32;
    for &b in bytes {
        match b {
            b'0'..=b'9' => {
                if count == 11 {
                    return None;
                }
                value = value * 10 + u64::from(b - b'0');
                count += 1;
                if count == 3 {
                    first3 = value;
                }
            }
            b' ' | b'\t' | b'-' | b'(' | b')' => {}
            b'.' => dots += 1,
            b'+' if count == 0 && !plus => plus = true,
            _ => return None,
        }
    }
    if dots == 1 || value == 0 || !(plus || nanp_region) {
        return None;
    }
    match (count, plus) {
        (10, false) if first3 != 11 => Some(nanp_ten(value)),
        (11, _) if value / 10_000_000_000 == 1 => Some(nanp_ten(value - 10_000_000_000)),
        _ => None,
    }
}

/// The fast path's scanner: ASCII digits, the separators ` \t-.()` and one `+` before the
/// first digit. `None` sends the text to the slow path: any other byte, no digit at all, or
/// exactly one `.` (which may be float text such as `6135550101.0`).
#[inline]
pub(super) fn scan_plain(bytes: &[u8]) -> Option<(bool, Digits)> {
    let mut d = Digits::new();
    let mut plus = false;
    let mut dots = 0u32;
    for &b in bytes {
        match b {
            b'0'..=b'9' => d.push(b),
            b' ' | b'\t' | b'-' | b'(' | b')' => {}
            b'.' => dots += 1,
            b'+' if d.len == 0 && !plus => plus = true,
            _ => return None,
        }
    }
    if d.len == 0 || dots == 1 {
        return None;
    }
    Some((plus, d))
}

/// The slow path's scanner, on folded ASCII with wrappers and extension removed: also allows
/// `/ [ ]` as separators (`613/555-0101`, `[613] 555-0101`). A comma is not a separator (the
/// caller reports it as [`InvalidReason::CommaInNumber`]). `None` when another byte appears or
/// there is no digit.
pub(super) fn scan_loose(bytes: &[u8]) -> Option<(bool, Digits)> {
    let mut d = Digits::new();
    let mut plus = false;
    for &b in bytes {
        match b {
            b'0'..=b'9' => d.push(b),
            b' ' | b'-' | b'.' | b'(' | b')' | b'/' | b'[' | b']' => {}
            b'+' if d.len == 0 && !plus => plus = true,
            _ => return None,
        }
    }
    (d.len > 0).then_some((plus, d))
}

/// Value of at most 19 ASCII digits.
pub(super) fn value_of(digits: &[u8]) -> u64 {
    digits
        .iter()
        .fold(0u64, |acc, &b| acc * 10 + u64::from(b - b'0'))
}

/// `NPA NXX XXXX` → `1NPANXXXXXX`, checking that NPA and NXX start with 2–9.
pub(super) fn nanp10(d: &[u8]) -> Phone {
    debug_assert_eq!(d.len(), 10);
    if d[0] < b'2' {
        Phone::Invalid(InvalidReason::BadAreaCode)
    } else if d[3] < b'2' {
        Phone::Invalid(InvalidReason::BadExchange)
    } else {
        Phone::Ok(10_000_000_000 + value_of(d))
    }
}

/// [`nanp10`] on a number below 10^10 (the ten digits `NPA NXX XXXX`, leading zeros implied).
pub(super) fn nanp_ten(ten: u64) -> Phone {
    let npa = ten / 10_000_000;
    let nxx = (ten / 10_000) % 1000;
    if npa < 200 {
        Phone::Invalid(InvalidReason::BadAreaCode)
    } else if nxx < 200 {
        Phone::Invalid(InvalidReason::BadExchange)
    } else {
        Phone::Ok(10_000_000_000 + ten)
    }
}

/// Digits written without `+` in a NANP region (IDD already removed).
pub(super) fn nanp_national(d: &[u8]) -> Phone {
    match d.len() {
        10 => nanp10(d),
        11 if d[0] == b'1' => nanp10(&d[1..]),
        0..=9 => Phone::Invalid(InvalidReason::TooFewDigits),
        _ => Phone::Invalid(InvalidReason::TooManyDigits),
    }
}

/// Digits after a `+` or an IDD: country code first.
pub(super) fn international(d: &[u8]) -> Phone {
    match d.first() {
        None => return Phone::Invalid(InvalidReason::TooFewDigits),
        Some(b'1') => {
            return match d.len() {
                11 => nanp10(&d[1..]),
                0..=10 => Phone::Invalid(InvalidReason::TooFewDigits),
                _ => Phone::Invalid(InvalidReason::TooManyDigits),
            }
        }
        Some(_) => {}
    }
    if d.len() > MAX_E164_DIGITS {
        return Phone::Invalid(InvalidReason::TooManyDigits);
    }
    let Some(cc_len) = country_code_len(d) else {
        return Phone::Invalid(InvalidReason::UnknownCountryCode);
    };
    if d.len() <= cc_len + 1 {
        return Phone::Invalid(InvalidReason::TooFewDigits);
    }
    // The library parse costs ~10 µs and depends on the digits only; carrier records repeat the
    // same foreign numbers, so each thread remembers its answers (bounded).
    let key = (value_of(d), d.len() as u8);
    if let Some(p) = SLOW_PATH.with(|c| c.borrow().get(&key).copied()) {
        return p;
    }
    let p = international_uncached(d);
    SLOW_PATH.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= SLOW_PATH_CAP {
            c.clear();
        }
        c.insert(key, p);
    });
    p
}

/// The most answers of the library parse one thread keeps.
pub(super) const SLOW_PATH_CAP: usize = 1 << 16;

thread_local! {
    /// Answers of [`international_uncached`] by (digits as a number, digit count).
    static SLOW_PATH: std::cell::RefCell<rustc_hash::FxHashMap<(u64, u8), Phone>> =
        std::cell::RefCell::new(rustc_hash::FxHashMap::default());
}

/// [`international`] through the libphonenumber port, for digits with a known country code
/// other than `1`.
pub(super) fn international_uncached(d: &[u8]) -> Phone {
    let mut buf = [0u8; DIGIT_CAP];
    buf[0] = b'+';
    buf[1..=d.len()].copy_from_slice(d);
    // A neutral default region, so that no national prefix is stripped (module doc).
    let parsed = match phonenumber::parse(neutral_region(), ascii_str(&buf[..=d.len()])) {
        Ok(p) => p,
        Err(e) => return Phone::Invalid(reason_for(&e)),
    };
    // The E.164 of a `+` number is the digits written; anything else is a library rewrite.
    match e164_of(&parsed) {
        Some(n) if n == value_of(d) && phonenumber::is_valid(&parsed) => Phone::Ok(n),
        _ => Phone::Invalid(InvalidReason::InvalidForRegion),
    }
}

/// A region with no national prefix (nor prefix-for-parsing rule) and IDD `00`: phonenumber
/// then parses `+` digits as written. `None` (no region) if a metadata update removed them all.
pub(super) fn neutral_region() -> Option<CountryId> {
    static NEUTRAL: OnceLock<Option<CountryId>> = OnceLock::new();
    *NEUTRAL.get_or_init(|| {
        [CountryId::NO, CountryId::PL, CountryId::PT, CountryId::GR]
            .into_iter()
            .find(|id| {
                DATABASE.by_id(id.as_ref()).is_some_and(|m| {
                    m.national_prefix().is_none()
                        && m.national_prefix_for_parsing().is_none()
                        && m.international_prefix().map(|re| re.as_str()) == Some("00")
                })
            })
    })
}

/// E.164 digits of a parsed number as `u64`, `None` beyond 15 digits or with no national digit.
pub(super) fn e164_of(p: &PhoneNumber) -> Option<u64> {
    let national: &NationalNumber = p.national();
    let value = national.value();
    if value == 0 {
        return None;
    }
    let len = usize::from(national.zeros()) + digit_count(value);
    let code = u64::from(p.code().value());
    if digit_count(code) + len > MAX_E164_DIGITS {
        return None;
    }
    Some(code * POW10[len] + value)
}

pub(super) fn reason_for(e: &ParseError) -> InvalidReason {
    match e {
        ParseError::NoNumber | ParseError::TooShortAfterIdd | ParseError::TooShortNsn => {
            InvalidReason::TooFewDigits
        }
        ParseError::InvalidCountryCode => InvalidReason::UnknownCountryCode,
        ParseError::TooLong => InvalidReason::TooManyDigits,
        ParseError::MalformedInteger(_) => InvalidReason::NotANumber,
    }
}

/// Number of decimal digits of `n` (1 for 0).
pub(super) fn digit_count(n: u64) -> usize {
    POW10.iter().skip(1).take_while(|&&p| p <= n).count() + 1
}

/// Writes `n` in decimal into `buf` and returns it as text.
pub(super) fn decimal(mut n: u64, buf: &mut [u8; DIGIT_CAP]) -> &str {
    let mut i = DIGIT_CAP;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    ascii_str(&buf[i..])
}

/// `bytes` is ASCII by construction at every call site.
pub(super) fn ascii_str(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or("")
}

/// Known country calling codes (`table[code]`), from the phonenumber metadata.
pub(super) fn country_code_table() -> &'static [bool; 1000] {
    static TABLE: OnceLock<[bool; 1000]> = OnceLock::new();
    TABLE.get_or_init(|| {
        // `by_code`, not `iter()`: the non-geographic entities (+800, +882, …) share the
        // region id "001", so `iter()` yields only one of them.
        let mut t = [false; 1000];
        for (code, slot) in (0u16..).zip(t.iter_mut()) {
            *slot = code > 0 && DATABASE.by_code(&code).is_some();
        }
        t
    })
}

/// Length of the country calling code at the start of E.164 digits. Codes are prefix-free.
pub(super) fn country_code_len(d: &[u8]) -> Option<usize> {
    let table = country_code_table();
    (1..=3.min(d.len())).find(|&k| d[0] != b'0' && table[value_of(&d[..k]) as usize])
}
