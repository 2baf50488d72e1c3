//! Canonical numbers (`u64` E.164) written as text, and their NANP and country-code parts.

use super::*;

/// Formats E.164 digits for people: `16135550101` → `"+16135550101"`.
///
/// # Examples
/// ```
/// assert_eq!(callsift::normalize::phone::format_e164(16135550101), "+16135550101");
/// ```
pub fn format_e164(n: u64) -> String {
    let mut s = String::with_capacity(21);
    write_e164(n, &mut s);
    s
}

/// Appends `+` and the digits of `n` to `out`; allocates only if `out` lacks capacity.
///
/// # Examples
/// ```
/// let mut s = String::with_capacity(32);
/// callsift::normalize::phone::write_e164(442079460958, &mut s);
/// assert_eq!(s, "+442079460958");
/// ```
pub fn write_e164(n: u64, out: &mut String) {
    let mut buf = [0u8; DIGIT_CAP];
    out.push('+');
    out.push_str(decimal(n, &mut buf));
}

/// Area code and exchange of a NANP number: `16135550101` → `Some((613, 555))`; `None` unless
/// `n` has 11 digits starting with 1.
///
/// # Examples
/// ```
/// use callsift::normalize::phone::nanp_parts;
/// assert_eq!(nanp_parts(16135550101), Some((613, 555)));
/// assert_eq!(nanp_parts(442079460958), None);
/// ```
pub fn nanp_parts(n: u64) -> Option<(u16, u16)> {
    if (10_000_000_000..20_000_000_000).contains(&n) {
        let npa = (n / 10_000_000) % 1000;
        let nxx = (n / 10_000) % 1000;
        Some((npa as u16, nxx as u16))
    } else {
        None
    }
}

/// Country calling code of E.164 digits (1, 44, 33, 800, …) from libphonenumber's list of
/// codes; `None` for 0, more than 15 digits, or no known code.
///
/// # Examples
/// ```
/// use callsift::normalize::phone::country_code;
/// assert_eq!(country_code(16135550101), Some(1));
/// assert_eq!(country_code(442079460958), Some(44));
/// assert_eq!(country_code(99912345678), None);
/// ```
pub fn country_code(n: u64) -> Option<u16> {
    let len = digit_count(n);
    if n == 0 || len > MAX_E164_DIGITS {
        return None;
    }
    let table = country_code_table();
    (1..=3)
        .filter(|&k| k < len)
        .map(|k| n / POW10[len - k])
        .find(|&code| table[code as usize])
        .map(|code| code as u16)
}

// ---------------------------------------------------------------------------------------
// Slow-path helpers.
