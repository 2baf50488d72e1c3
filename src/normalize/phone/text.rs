//! Cleaning the text of a number before its digits are read: invisible characters, Unicode
//! digits, Excel markers and scientific notation, `tel:`/`sip:` URIs, extensions, and the keys
//! of blocked-caller-ID tokens.

use super::*;

/// Characters with no visible width that exports scatter through values: soft hyphen,
/// zero-width space/joiners, bidi marks and isolates, word joiner, BOM.
pub(super) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Code points of the digit zero of every Unicode (14.0) decimal-digit run outside ASCII;
/// each run holds 0–9 in order.
pub(super) const DIGIT_ZEROS: [u32; 65] = [
    0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
    0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// The value of a non-ASCII Unicode decimal digit.
pub(super) fn unicode_digit(c: char) -> Option<u8> {
    let cp = u32::from(c);
    let i = DIGIT_ZEROS.partition_point(|&z| z <= cp).checked_sub(1)?;
    let offset = cp - DIGIT_ZEROS[i];
    (offset < 10).then_some(offset as u8)
}

/// Folds trimmed text to ASCII in `out` (one byte per char at most, so `out` is big enough
/// for any text of at most [`MAX_INPUT_BYTES`]). Characters with no ASCII meaning become `?`,
/// which the scanners reject as [`InvalidReason::NotANumber`].
pub(super) fn fold_to_ascii(
    t: &str,
    out: &mut [u8; MAX_INPUT_BYTES],
) -> Result<usize, InvalidReason> {
    let mut n = 0;
    for c in t.chars() {
        let b = match c {
            // `t` is trimmed, so a line break here is inside the value.
            '\n' | '\r' | '\u{0085}' | '\u{2028}' | '\u{2029}' => {
                return Err(InvalidReason::EmbeddedLineBreak)
            }
            '\t' => b' ',
            c if c.is_ascii_control() => return Err(InvalidReason::ControlCharacter),
            c if c.is_ascii() => c as u8,
            '\u{0080}'..='\u{009F}' => return Err(InvalidReason::ControlCharacter),
            '\u{FFFD}' => return Err(InvalidReason::Undecodable),
            c if is_invisible(c) => continue,
            c if c.is_whitespace() => b' ',
            '\u{2010}'..='\u{2015}'
            | '\u{2043}'
            | '\u{2212}'
            | '\u{2E3A}'
            | '\u{2E3B}'
            | '\u{30FC}'
            | '\u{FE58}'
            | '\u{FE63}' => b'-',
            '\u{00B7}' | '\u{2027}' | '\u{30FB}' | '\u{FF61}' => b'.',
            // Full-width ASCII: `６` `（` `＋` `ｘ` …
            '\u{FF01}'..='\u{FF5E}' => (u32::from(c) - 0xFEE0) as u8,
            c => unicode_digit(c).map_or(b'?', |d| b'0' + d),
        };
        out[n] = b;
        n += 1;
    }
    Ok(n)
}

/// Drops Excel's text markers: a leading apostrophe, or the `="…"` formula that forces text.
pub(super) fn strip_excel_markers(s: &[u8]) -> &[u8] {
    if let Some(rest) = s.strip_prefix(b"'") {
        return rest.trim_ascii();
    }
    if let Some(inner) = s.strip_prefix(b"=\"").and_then(|r| r.strip_suffix(b"\"")) {
        return inner.trim_ascii();
    }
    s
}

/// `6.13555E+09`, `6,13555e9`, `6E9`: mantissa digits with an optional decimal part, then
/// `e`/`E`, an optional sign and 1–3 exponent digits.
pub(super) fn is_scientific(s: &[u8]) -> bool {
    let s = s.strip_prefix(b"+").unwrap_or(s);
    let Some(e) = s.iter().position(|&b| b == b'e' || b == b'E') else {
        return false;
    };
    let (mantissa, exponent) = (&s[..e], &s[e + 1..]);
    let int_len = mantissa.iter().take_while(|b| b.is_ascii_digit()).count();
    let mantissa_ok = int_len > 0
        && match &mantissa[int_len..] {
            [] => true,
            [b'.' | b',', frac @ ..] => frac.iter().all(u8::is_ascii_digit),
            _ => false,
        };
    let exponent = match exponent {
        [b'+' | b'-', rest @ ..] => rest,
        rest => rest,
    };
    mantissa_ok && (1..=3).contains(&exponent.len()) && exponent.iter().all(u8::is_ascii_digit)
}

pub(super) enum FloatText<'a> {
    /// Integer digits of float text whose fraction is all zeros.
    Integral(&'a [u8]),
    /// Float text with a non-zero fraction.
    Fractional,
    /// Not float text.
    No,
}

/// Float text is eight or more digits, one `.` or `,`, and digits: longer than any group of a
/// separated spelling, so `613.5550101` stays a (dotted) phone spelling.
pub(super) fn float_text(s: &[u8]) -> FloatText<'_> {
    let int_len = s.iter().take_while(|b| b.is_ascii_digit()).count();
    if int_len < 8 {
        return FloatText::No;
    }
    match &s[int_len..] {
        [b'.' | b',', frac @ ..] if frac.iter().all(u8::is_ascii_digit) => {
            if frac.iter().all(|&b| b == b'0') {
                FloatText::Integral(&s[..int_len])
            } else {
                FloatText::Fractional
            }
        }
        _ => FloatText::No,
    }
}

pub(super) enum Uri<'a> {
    /// Not a URI, or the number part of one.
    Plain(&'a [u8]),
    /// `tel:` with a `phone-context` parameter.
    Context { number: &'a [u8], context: &'a [u8] },
    /// A `sip:` URI without a user part.
    Bad,
}

pub(super) fn strip_prefix_ignore_case<'a>(s: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    (s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &s[prefix.len()..])
}

/// `tel:+1-613-555-0101;ext=12` → the number part (RFC 3966 parameters dropped, except a
/// `phone-context`); `sip:+16135550101@host;user=phone` → the user part.
pub(super) fn strip_uri(s: &[u8]) -> Uri<'_> {
    if let Some(body) = strip_prefix_ignore_case(s, b"tel:") {
        let mut parts = body.split(|&b| b == b';');
        let number = parts.next().unwrap_or_default().trim_ascii();
        for param in parts {
            if let Some(context) = strip_prefix_ignore_case(param.trim_ascii(), b"phone-context=") {
                return Uri::Context { number, context };
            }
        }
        return Uri::Plain(number);
    }
    let body =
        strip_prefix_ignore_case(s, b"sips:").or_else(|| strip_prefix_ignore_case(s, b"sip:"));
    if let Some(body) = body {
        return match body.iter().position(|&b| b == b'@') {
            Some(at) => {
                let user = &body[..at];
                let user = user.split(|&b| b == b';').next().unwrap_or_default();
                Uri::Plain(user.trim_ascii())
            }
            None => Uri::Bad,
        };
    }
    Uri::Plain(s)
}

/// Removes an extension: from the first letter, `#` or `;`, a marker (`x`, `ext`, `extn`,
/// `extension`, `#`, `;ext=`), optional `. : = -` and spaces, then one or more digits to the
/// end. `Some(s)` without a marker; `None` when letters remain that are not an extension.
/// A comma before the marker (`613-555-0101, ext. 12`) goes with the extension.
pub(super) fn strip_extension(s: &[u8]) -> Option<&[u8]> {
    let Some(at) = s
        .iter()
        .position(|&b| b.is_ascii_alphabetic() || b == b'#' || b == b';')
    else {
        return Some(s);
    };
    let (main, mut rest) = s.split_at(at);
    if let Some(r) = rest.strip_prefix(b";") {
        rest = r.trim_ascii_start();
    }
    if let Some(r) = rest.strip_prefix(b"#") {
        rest = r;
    } else {
        let word_len = rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        let word = &rest[..word_len];
        let known = [&b"x"[..], b"ext", b"extn", b"extension"]
            .iter()
            .any(|w| word.eq_ignore_ascii_case(w));
        if !known {
            return None;
        }
        rest = &rest[word_len..];
    }
    let rest = rest.trim_ascii_start();
    let rest = match rest {
        [b'.' | b':' | b'=' | b'-', r @ ..] => r.trim_ascii_start(),
        r => r,
    };
    let ext_digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    (ext_digits > 0
        && rest[ext_digits..]
            .iter()
            .all(|&b| b == b' ' || b.is_ascii_digit()))
    .then(|| {
        let main = main.trim_ascii_end();
        main.strip_suffix(b",").unwrap_or(main).trim_ascii_end()
    })
}

/// Comparison form of a blocked token: trimmed of whitespace, invisible characters and
/// enclosing `<>[](){}"'*`, lower-cased, with runs of whitespace or `_` as one space.
pub(super) fn key_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    let s = s.trim_matches(|c: char| {
        c.is_whitespace()
            || is_invisible(c)
            || matches!(
                c,
                '<' | '>' | '[' | ']' | '(' | ')' | '{' | '}' | '"' | '\'' | '*'
            )
    });
    s.split(|c: char| c.is_whitespace() || c == '_')
        .filter(|w| !w.is_empty())
        .enumerate()
        .flat_map(|(i, w)| {
            (i > 0)
                .then_some(' ')
                .into_iter()
                .chain(w.chars().flat_map(char::to_lowercase))
        })
}

/// [`key_chars`] collected, for tokens given in a profile.
pub(super) fn token_key(s: &str) -> String {
    key_chars(s).collect()
}
