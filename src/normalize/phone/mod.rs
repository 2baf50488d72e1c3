//! Phone-number normalisation: raw caller-ID / dialled-number text to a canonical `u64`.
//!
//! Every number column of every input goes through [`PhoneParser`]. The canonical value is the
//! E.164 digits as a `u64` (`+1 613 555 0101` → `16135550101`), shown to people as
//! `+16135550101` ([`format_e164`]). A value is one of three things ([`Phone`]):
//!
//! * **ok** — a number, with its E.164 digits;
//! * **blocked** — the caller ID was withheld or absent (blank, `PRIVATE`, `Anonymous`, `0`, …);
//! * **invalid** — text that is not a usable number, with an [`InvalidReason`]. Callers keep the
//!   raw text next to the status; when [`InvalidReason::is_corruption`] is true the value shows
//!   damage to the *row* (spreadsheet float mangling, a wrong text encoding, a swallowed line),
//!   and the caller quarantines the whole row instead of keeping it.
//!
//! # Two paths
//!
//! ```text
//!  raw text ──▶ only digits, ` \t-.()` and a leading `+`?
//!                    │ yes                                 │ no (letters, Unicode, `ext`,
//!                    ▼                                     ▼  `tel:`, `'`, a single `.`, …)
//!               10 digits, or 1 + 10?            slow path: trim, blocked tokens, Unicode
//!               yes: hand NANP rule ──▶ Phone     folding, Excel damage, URIs, extensions
//!               (one pass, in registers)                   │
//!                    │ no (+44…, 011…, 7 digits, 000…)     │
//!                    ▼                                     ▼
//!               digit classifier ◀─────────────────────────┘
//!                    ├─▶ `+1` / NANP national: the same hand NANP rule
//!                    └─▶ other codes, non-NANP regions: `phonenumber` (parse, is_valid)
//! ```
//!
//! The `phonenumber` crate (libphonenumber metadata 9.0.33) is only used for numbers outside
//! the NANP: a `+` (or IDD) followed by a code other than 1, and national spellings in a
//! non-NANP default region. It is ~400× slower than the hand parser and serialises every regex
//! match on one global mutex (crates-and-formats.md §1a), so it stays off the hot path; callers
//! should still normalise *distinct* raw strings once.
//!
//! # Policies (the decisions an investigator may be asked about)
//!
//! * **Nothing is guessed or repaired.** Separators (space, tab, `-`, `.`, `(`, `)`, `/`, `[`,
//!   `]`), padding, an extension, a `tel:`/`sip:`
//!   wrapper and Excel's text markers are dropped because they carry no digits of the number;
//!   the digits themselves are never changed, added or reordered beyond the standard national
//!   to E.164 conversion (trunk prefix dropped, country code added). A number without a country
//!   code is read in the profile's default country only: a foreign number that lost its `+`
//!   (`442079460958` in a Canadian file, or as an integer cell) is invalid, not guessed at.
//! * **NANP (`+1`) numbers are judged by one hand-written rule on every path**: ten digits
//!   `NPA NXX XXXX` after an optional `1`, `+1` or IDD `011 1`; the area code (NPA) and the
//!   exchange (NXX) must start with 2–9 ([`InvalidReason::BadAreaCode`],
//!   [`InvalidReason::BadExchange`]). N11 exchanges (`613 411 0101`, `611`, `911` as an exchange)
//!   are accepted, as libphonenumber does. Whether the area code is *assigned* is not checked:
//!   libphonenumber's list is frozen at its release (new overlay area codes open every year) and
//!   a spoofed caller ID in an unassigned area code is still the identifier the carrier recorded.
//!   A `numbering_plan` input (the NANPA area-code report) says later which are in service.
//!   Conversely, some libphonenumber patterns accept exchanges starting 0 or 1 (the Dominican
//!   Republic's after 809/829/849, toll-free ones such as `800-140-…`); the NANP format does
//!   not, and neither do we. The property tests check
//!   that the hand rule never yields a different E.164 from libphonenumber and that these are
//!   the only differences in what is accepted.
//! * **A comma is not a separator** ([`InvalidReason::CommaInNumber`]): `613,555,0101` may be
//!   a list of numbers, thousands separators or a decimal comma, and the text cannot tell which.
//!   The slash is one (`613/555-0101`, the German and Austrian area-code slash), as in
//!   libphonenumber. A comma just before an extension (`613-555-0101, ext. 12`) goes with it.
//! * **Seven-digit local numbers** (`555-0101`) are invalid ([`InvalidReason::TooFewDigits`]):
//!   the area code cannot be known from the text.
//! * **Vanity letters** (`1-800-FLOWERS`) are invalid ([`InvalidReason::NotANumber`]): the
//!   keypad translation is a transformation of evidence, so it is left to a person.
//! * **Blocked**: blank or whitespace-only text; the tokens `private`, `private number`,
//!   `private caller`, `unknown`, `unknown number`, `unknown caller`, `anonymous`,
//!   `anonymous caller`, `restricted`, `restricted number`, `unavailable`, `number unavailable`,
//!   `not available`, `withheld`, `number withheld`, `blocked`, `caller id blocked`,
//!   `no caller id`, `out of area`; the profile's extra tokens; and any digit string made only of
//!   zeros (`0`, `0000000000`, `00000000000`). Nothing else: zeros followed by anything that
//!   is not a separator (`0x16135550101`, a hex literal, which would otherwise read as `0`
//!   with the extension `x16135550101`) are [`InvalidReason::NotANumber`]. Tokens compare case-insensitively after trimming,
//!   with runs of spaces or `_` as one space and enclosing `<>[](){}"'*` ignored.
//! * **Excel damage.** Scientific notation (`6.13555E+09`) has already lost digits: invalid and
//!   corruption, never repaired. Integral float text with eight or more integer digits
//!   (`6135550101.0`) is read as its integer; with a non-zero fraction it is corruption. A
//!   leading apostrophe (`'6135550101`) and the `="6135550101"` text trick are dropped. Float
//!   *cells* ([`PhoneParser::parse_float`]) are trusted only when integral and below 2^53; a
//!   value Excel already rounded before saving cannot be detected from the cell.
//! * **Unicode.** Any Unicode decimal digit (full-width `６１３`, Arabic-Indic `٦١٣`, …) is read
//!   as its digit; non-breaking and other Unicode spaces are spaces; zero-width and bidi marks
//!   are dropped; Unicode dashes and the minus sign are hyphens; full-width ASCII is ASCII.
//!   A control character (NUL: a UTF-16 file read as UTF-8), the replacement character U+FFFD
//!   (undecodable bytes), a line break inside the value or more than [`MAX_INPUT_BYTES`] bytes
//!   (an unbalanced quote swallowing lines) are corruption.
//! * **Extensions** (`x123`, `ext. 12`, `extension 5`, `#12`, `;ext=12`) are dropped: the
//!   subscriber line is the identifier the engine correlates on.
//! * **International numbers** (`+44 20 7946 0958`, `011 44 …` from a NANP region, `00 44 …`
//!   from a region whose IDD is `00`) are the digits written after the `+` (or IDD), exactly:
//!   libphonenumber only says whether they form a valid number of their country. phonenumber
//!   0.3.10 strips a *national prefix* from `+` numbers using the default region's rules (or,
//!   without one, the number's own): with default `US`, `+49 1512 3456789` comes back as a
//!   valid but different `+495123456789`; with `FR` or `GB` the Italian `+39 06 6988 4444`
//!   loses its zero; with no region, Russian `+7 800 …` and `+7 812 …` lose their `8`. So the
//!   digits are handed over with a *neutral* default region (one with no national prefix and
//!   IDD `00`, e.g. `NO`), which leaves them as written, and the E.164 that comes back must
//!   equal them. A national prefix written after the country code (`+44 (0)20 …`) is
//!   therefore invalid, not silently dropped.
//! * An unknown country calling code after `+` is [`InvalidReason::UnknownCountryCode`]; a
//!   number libphonenumber does not call valid is [`InvalidReason::InvalidForRegion`].
//!
//! # Terms
//! *NANP*: the North American Numbering Plan, country code 1 (Canada, the US and Caribbean
//! and Pacific territories). *NPA*: area code. *NXX*: exchange (central office code). *IDD*: the international
//! dialling prefix (`011` in the NANP, `00` in most of the world).

use std::fmt;
use std::sync::OnceLock;

use phonenumber::country::Id as CountryId;
use phonenumber::metadata::DATABASE;
use phonenumber::{NationalNumber, ParseError, PhoneNumber};

mod digits;
mod e164;
mod text;

use digits::*;
pub use e164::*;
use text::*;

/// Longest text (in bytes, after trimming) accepted as a phone number. A longer value is
/// [`InvalidReason::Oversized`]: almost always an unbalanced quote that swallowed lines.
pub const MAX_INPUT_BYTES: usize = 256;

/// E.164 allows at most 15 digits including the country code.
const MAX_E164_DIGITS: usize = 15;

/// Digits kept while scanning; enough for a 15-digit number behind a 4-digit IDD.
const DIGIT_CAP: usize = 20;

/// 10^0 ..= 10^19.
const POW10: [u64; 20] = {
    let mut t = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// Built-in tokens meaning "caller ID withheld", already in comparison form (see [`token_key`]).
const BLOCKED_TOKENS: &[&str] = &[
    "private",
    "private number",
    "private caller",
    "unknown",
    "unknown number",
    "unknown caller",
    "anonymous",
    "anonymous caller",
    "restricted",
    "restricted number",
    "unavailable",
    "number unavailable",
    "not available",
    "withheld",
    "number withheld",
    "blocked",
    "caller id blocked",
    "no caller id",
    "out of area",
];

/// The three states of a normalised number, as written to the `*_status` columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NumberStatus {
    /// A usable number.
    Ok,
    /// The caller ID was withheld or absent.
    Blocked,
    /// Text that is not a usable number; the raw text is kept by the caller.
    Invalid,
}

impl NumberStatus {
    /// The status as stored in tables: `"ok"`, `"blocked"` or `"invalid"`.
    pub fn as_str(self) -> &'static str {
        match self {
            NumberStatus::Ok => "ok",
            NumberStatus::Blocked => "blocked",
            NumberStatus::Invalid => "invalid",
        }
    }
}

impl fmt::Display for NumberStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One normalised phone number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phone {
    /// The E.164 digits, e.g. `16135550101` for `+1 613 555 0101`.
    Ok(u64),
    /// Caller ID withheld or absent.
    Blocked,
    /// Not a usable number, and why.
    Invalid(InvalidReason),
}

impl Phone {
    /// The status column value.
    pub fn status(&self) -> NumberStatus {
        match self {
            Phone::Ok(_) => NumberStatus::Ok,
            Phone::Blocked => NumberStatus::Blocked,
            Phone::Invalid(_) => NumberStatus::Invalid,
        }
    }

    /// The E.164 digits when the number is usable.
    ///
    /// # Examples
    /// ```
    /// use callsift::normalize::phone::{Phone, PhoneParser};
    /// let p = PhoneParser::try_new("CA", &[]).unwrap();
    /// assert_eq!(p.parse("(613) 555-0101").number(), Some(16135550101));
    /// assert_eq!(p.parse("PRIVATE").number(), None);
    /// assert_eq!(p.parse("PRIVATE"), Phone::Blocked);
    /// ```
    pub fn number(&self) -> Option<u64> {
        match self {
            Phone::Ok(n) => Some(*n),
            _ => None,
        }
    }
}

/// Why a value is not a usable number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvalidReason {
    /// `6.13555E+09`: a spreadsheet turned the number into a float and digits are lost.
    ScientificNotation,
    /// Float text or a float cell with a fractional part (`6135550101.5`).
    FractionalFloat,
    /// A float cell holding NaN or an infinity.
    NonFiniteFloat,
    /// A negative numeric cell.
    NegativeNumber,
    /// A float cell at or above 2^53, whose digits are not exact.
    FloatPrecision,
    /// An ASCII or C1 control character (NUL usually means UTF-16 read as UTF-8).
    ControlCharacter,
    /// U+FFFD: bytes that could not be decoded were replaced.
    Undecodable,
    /// A line break inside the value (an unbalanced quote joined lines).
    EmbeddedLineBreak,
    /// Longer than [`MAX_INPUT_BYTES`] after trimming.
    Oversized,
    /// Too few digits for a number of its kind (e.g. a 7-digit local number).
    TooFewDigits,
    /// Too many digits for a number of its kind.
    TooManyDigits,
    /// NANP area code starting with 0 or 1.
    BadAreaCode,
    /// NANP exchange starting with 0 or 1.
    BadExchange,
    /// Letters (vanity numbers included) or symbols, or no digits at all.
    NotANumber,
    /// A comma between digits (`613,555,0101`): a list of numbers, thousands separators or a
    /// decimal comma, never a phone separator; which one cannot be told from the text.
    CommaInNumber,
    /// `+` (or IDD) followed by no known country calling code.
    UnknownCountryCode,
    /// libphonenumber's metadata does not call it a valid number of its country.
    InvalidForRegion,
}

impl InvalidReason {
    /// Every reason, for documentation and exhaustive tests.
    pub const ALL: [InvalidReason; 17] = [
        InvalidReason::ScientificNotation,
        InvalidReason::FractionalFloat,
        InvalidReason::NonFiniteFloat,
        InvalidReason::NegativeNumber,
        InvalidReason::FloatPrecision,
        InvalidReason::ControlCharacter,
        InvalidReason::Undecodable,
        InvalidReason::EmbeddedLineBreak,
        InvalidReason::Oversized,
        InvalidReason::TooFewDigits,
        InvalidReason::TooManyDigits,
        InvalidReason::BadAreaCode,
        InvalidReason::BadExchange,
        InvalidReason::NotANumber,
        InvalidReason::CommaInNumber,
        InvalidReason::UnknownCountryCode,
        InvalidReason::InvalidForRegion,
    ];

    /// A human sentence fragment for reports and the quarantine's reason column.
    pub fn as_str(self) -> &'static str {
        match self {
            InvalidReason::ScientificNotation => "scientific notation (precision lost)",
            InvalidReason::FractionalFloat => "number with a fractional part (float damage)",
            InvalidReason::NonFiniteFloat => "non-finite float (NaN or infinity)",
            InvalidReason::NegativeNumber => "negative number",
            InvalidReason::FloatPrecision => "float too large to hold its digits exactly",
            InvalidReason::ControlCharacter => "control character (wrong text encoding?)",
            InvalidReason::Undecodable => "undecodable bytes (U+FFFD replacement character)",
            InvalidReason::EmbeddedLineBreak => "line break inside the value (unbalanced quote?)",
            InvalidReason::Oversized => "text too long for a phone number (unbalanced quote?)",
            InvalidReason::TooFewDigits => "too few digits",
            InvalidReason::TooManyDigits => "too many digits",
            InvalidReason::BadAreaCode => "NANP area code starting with 0 or 1",
            InvalidReason::BadExchange => "NANP exchange starting with 0 or 1",
            InvalidReason::NotANumber => "not a phone number (letters, symbols or no digits)",
            InvalidReason::CommaInNumber => {
                "a comma inside the number (a list of numbers, thousands separators or a \
                 decimal comma?)"
            }
            InvalidReason::UnknownCountryCode => "unknown country calling code",
            InvalidReason::InvalidForRegion => "not a valid number in its country",
        }
    }

    /// A stable snake_case identifier, suitable for a quarantine `rule_id`.
    pub fn id(self) -> &'static str {
        match self {
            InvalidReason::ScientificNotation => "scientific_notation",
            InvalidReason::FractionalFloat => "fractional_float",
            InvalidReason::NonFiniteFloat => "non_finite_float",
            InvalidReason::NegativeNumber => "negative_number",
            InvalidReason::FloatPrecision => "float_precision",
            InvalidReason::ControlCharacter => "control_character",
            InvalidReason::Undecodable => "undecodable",
            InvalidReason::EmbeddedLineBreak => "embedded_line_break",
            InvalidReason::Oversized => "oversized",
            InvalidReason::TooFewDigits => "too_few_digits",
            InvalidReason::TooManyDigits => "too_many_digits",
            InvalidReason::BadAreaCode => "bad_area_code",
            InvalidReason::BadExchange => "bad_exchange",
            InvalidReason::NotANumber => "not_a_number",
            InvalidReason::CommaInNumber => "comma_in_number",
            InvalidReason::UnknownCountryCode => "unknown_country_code",
            InvalidReason::InvalidForRegion => "invalid_for_region",
        }
    }

    /// True when the value shows damage to the row that must never be repaired (precision
    /// already lost, a wrong encoding, lines joined by a stray quote): the caller quarantines
    /// the whole row rather than keep it with an invalid number.
    ///
    /// # Examples
    /// ```
    /// use callsift::normalize::phone::{Phone, PhoneParser, InvalidReason};
    /// let p = PhoneParser::try_new("US", &[]).unwrap();
    /// assert_eq!(p.parse("6.13555E+09"), Phone::Invalid(InvalidReason::ScientificNotation));
    /// assert!(InvalidReason::ScientificNotation.is_corruption());
    /// assert!(!InvalidReason::TooFewDigits.is_corruption());
    /// ```
    pub fn is_corruption(self) -> bool {
        matches!(
            self,
            InvalidReason::ScientificNotation
                | InvalidReason::FractionalFloat
                | InvalidReason::NonFiniteFloat
                | InvalidReason::NegativeNumber
                | InvalidReason::FloatPrecision
                | InvalidReason::ControlCharacter
                | InvalidReason::Undecodable
                | InvalidReason::EmbeddedLineBreak
                | InvalidReason::Oversized
        )
    }
}

impl fmt::Display for InvalidReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A bad phone setting in a format profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhoneConfigError {
    kind: ConfigErrorKind,
    value: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ConfigErrorKind {
    UnknownCountry,
    EmptyBlockedToken,
}

impl PhoneConfigError {
    /// The offending setting as given.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The profile key the offending setting belongs to: `default_country` or
    /// `blocked_tokens`.
    pub fn setting(&self) -> &'static str {
        match self.kind {
            ConfigErrorKind::UnknownCountry => "default_country",
            ConfigErrorKind::EmptyBlockedToken => "blocked_tokens",
        }
    }
}

impl fmt::Display for PhoneConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ConfigErrorKind::UnknownCountry => write!(
                f,
                "unknown default country {:?} for phone numbers: expected an ISO 3166-1 \
                 alpha-2 code known to libphonenumber, such as \"CA\", \"US\" or \"FR\"",
                self.value
            ),
            ConfigErrorKind::EmptyBlockedToken => write!(
                f,
                "blocked caller-ID token {:?} is empty after trimming; blank values are \
                 already treated as blocked",
                self.value
            ),
        }
    }
}

impl std::error::Error for PhoneConfigError {}

/// Normalises phone-number text for one format profile. Cheap to clone, `Send + Sync`.
#[derive(Clone, Debug)]
pub struct PhoneParser {
    region: CountryId,
    /// Calling code of the default region.
    region_code: u16,
    /// The default region is in the NANP: plain spellings take the hand parser.
    nanp: bool,
    /// Profile tokens meaning "caller ID withheld", in [`token_key`] form.
    extra_blocked: Vec<String>,
    /// Some extra token has no letter (e.g. `-1`), so tokens are checked before the digit
    /// parsers rather than only for text containing letters.
    tokens_first: bool,
    /// Byte length of the longest token, built-in or extra.
    longest_token: usize,
}

impl PhoneParser {
    /// A parser for numbers written in `default_country` (ISO 3166-1 alpha-2: `"CA"`, `"US"`,
    /// `"FR"`, …; case-insensitive). NANP members get the hand-written fast path.
    /// `extra_blocked` are profile tokens meaning "caller ID withheld"; they compare like the
    /// built-in ones (case-insensitive, trimmed, whitespace runs as one space).
    ///
    /// # Errors
    /// [`PhoneConfigError`] when the country code is unknown to libphonenumber, or an extra
    /// token is blank.
    ///
    /// # Examples
    /// ```
    /// use callsift::normalize::phone::{Phone, PhoneParser};
    /// let p = PhoneParser::try_new("ca", &["Appel masqué".to_string()]).unwrap();
    /// assert_eq!(p.parse(" APPEL MASQUÉ "), Phone::Blocked);
    /// assert!(PhoneParser::try_new("XX", &[]).unwrap_err().to_string().contains("\"XX\""));
    /// ```
    pub fn try_new(
        default_country: &str,
        extra_blocked: &[String],
    ) -> Result<Self, PhoneConfigError> {
        let code = default_country.trim().to_ascii_uppercase();
        let unknown = || PhoneConfigError {
            kind: ConfigErrorKind::UnknownCountry,
            value: default_country.to_string(),
        };
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(unknown());
        }
        let region: CountryId = code.parse().map_err(|_| unknown())?;
        let meta = DATABASE.by_id(region.as_ref()).ok_or_else(unknown)?;
        let region_code = meta.country_code();

        let mut keys = Vec::with_capacity(extra_blocked.len());
        for token in extra_blocked {
            let key = token_key(token);
            if key.is_empty() {
                return Err(PhoneConfigError {
                    kind: ConfigErrorKind::EmptyBlockedToken,
                    value: token.clone(),
                });
            }
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        let tokens_first = keys.iter().any(|k| !k.chars().any(char::is_alphabetic));
        let longest_token = BLOCKED_TOKENS
            .iter()
            .copied()
            .chain(keys.iter().map(String::as_str))
            .map(str::len)
            .max()
            .unwrap_or(0);
        Ok(PhoneParser {
            region,
            region_code,
            nanp: region_code == 1,
            extra_blocked: keys,
            tokens_first,
            longest_token,
        })
    }

    /// The default country, upper-case ISO 3166-1 alpha-2.
    pub fn default_country(&self) -> &str {
        self.region.as_ref()
    }

    /// Whether the default country is a NANP member (calling code 1).
    pub fn is_nanp(&self) -> bool {
        self.nanp
    }

    /// Normalises one text value. Never panics; allocation-free for plain NANP spellings.
    ///
    /// # Examples
    /// ```
    /// use callsift::normalize::phone::{InvalidReason, Phone, PhoneParser};
    /// let p = PhoneParser::try_new("US", &[]).unwrap();
    /// for s in ["(613) 555-0101", "+1 613 555 0101", "tel:+1-613-555-0101", "6135550101.0"] {
    ///     assert_eq!(p.parse(s), Phone::Ok(16135550101));
    /// }
    /// assert_eq!(p.parse("+44 20 7946 0958"), Phone::Ok(442079460958));
    /// assert_eq!(p.parse("555-0101"), Phone::Invalid(InvalidReason::TooFewDigits));
    /// assert_eq!(p.parse("1-800-FLOWERS"), Phone::Invalid(InvalidReason::NotANumber));
    /// ```
    pub fn parse(&self, raw: &str) -> Phone {
        if raw.len() <= MAX_INPUT_BYTES {
            if self.tokens_first && self.is_blocked_token(raw) {
                return Phone::Blocked;
            }
            if let Some(phone) = fast_nanp(raw.as_bytes(), self.nanp) {
                return phone;
            }
            if let Some((plus, digits)) = scan_plain(raw.as_bytes()) {
                return self.classify(plus, &digits);
            }
        }
        self.parse_slow(raw)
    }

    /// Normalises a number that arrived as an integer cell (Parquet, Arrow, xlsx). The
    /// integer is read like its decimal text, without a `+`: `0` is blocked, and an
    /// international number that lost its `+` is not guessed at.
    ///
    /// # Examples
    /// ```
    /// use callsift::normalize::phone::{Phone, PhoneParser};
    /// let p = PhoneParser::try_new("CA", &[]).unwrap();
    /// assert_eq!(p.parse_int(6135550101), Phone::Ok(16135550101));
    /// assert_eq!(p.parse_int(0), Phone::Blocked);
    /// ```
    pub fn parse_int(&self, digits: u64) -> Phone {
        if self.nanp && !self.tokens_first {
            // Arithmetic fast path, same rules as the text of the integer: ten digits, or
            // eleven starting with 1.
            match digits {
                1_000_000_000..=9_999_999_999 => return nanp_ten(digits),
                10_000_000_000..=19_999_999_999 => return nanp_ten(digits - 10_000_000_000),
                _ => {}
            }
        }
        if self.tokens_first {
            let mut buf = [0u8; DIGIT_CAP];
            if self.is_blocked_token(decimal(digits, &mut buf)) {
                return Phone::Blocked;
            }
        }
        self.classify(false, &Digits::from_u64(digits))
    }

    /// Normalises a float cell. Integral values below 2^53 go through
    /// [`parse_int`](Self::parse_int); a fractional, negative, non-finite or too-large value is
    /// invalid and [corruption](InvalidReason::is_corruption).
    ///
    /// # Examples
    /// ```
    /// use callsift::normalize::phone::{InvalidReason, Phone, PhoneParser};
    /// let p = PhoneParser::try_new("CA", &[]).unwrap();
    /// assert_eq!(p.parse_float(6135550101.0), Phone::Ok(16135550101));
    /// assert_eq!(p.parse_float(613555.0101), Phone::Invalid(InvalidReason::FractionalFloat));
    /// ```
    pub fn parse_float(&self, v: f64) -> Phone {
        const EXACT_LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53
        if !v.is_finite() {
            Phone::Invalid(InvalidReason::NonFiniteFloat)
        } else if v == 0.0 {
            Phone::Blocked
        } else if v < 0.0 {
            Phone::Invalid(InvalidReason::NegativeNumber)
        } else if v.fract() != 0.0 {
            Phone::Invalid(InvalidReason::FractionalFloat)
        } else if v >= EXACT_LIMIT {
            Phone::Invalid(InvalidReason::FloatPrecision)
        } else {
            // Integral, non-negative and below 2^53: the conversion is exact.
            self.parse_int(v as u64)
        }
    }

    /// Everything the byte scanner does not take: trimming, tokens, Unicode, Excel damage,
    /// URIs and extensions. Allocates only for token comparison and `phonenumber`.
    fn parse_slow(&self, raw: &str) -> Phone {
        let t = raw.trim_matches(|c: char| c.is_whitespace() || is_invisible(c));
        if t.is_empty() {
            return Phone::Blocked;
        }
        if t.len() > MAX_INPUT_BYTES {
            return Phone::Invalid(InvalidReason::Oversized);
        }
        let has_letters = t.chars().any(char::is_alphabetic);
        if (has_letters || self.tokens_first) && self.is_blocked_token(t) {
            return Phone::Blocked;
        }
        let mut buf = [0u8; MAX_INPUT_BYTES];
        match fold_to_ascii(t, &mut buf) {
            Ok(len) => self.parse_ascii(&buf[..len]),
            Err(reason) => Phone::Invalid(reason),
        }
    }

    /// The slow path on folded ASCII text.
    fn parse_ascii(&self, s: &[u8]) -> Phone {
        let s = strip_excel_markers(s.trim_ascii());
        if s.is_empty() {
            return Phone::Blocked;
        }
        if is_scientific(s) {
            return Phone::Invalid(InvalidReason::ScientificNotation);
        }
        match float_text(s) {
            FloatText::Integral(int_part) => {
                return self.classify(false, &Digits::from_ascii_digits(int_part))
            }
            FloatText::Fractional => return Phone::Invalid(InvalidReason::FractionalFloat),
            FloatText::No => {}
        }
        let s = match strip_uri(s) {
            Uri::Plain(s) => s,
            Uri::Context { number, context } => return self.parse_with_context(number, context),
            Uri::Bad => return Phone::Invalid(InvalidReason::NotANumber),
        };
        let Some(main) = strip_extension(s) else {
            return Phone::Invalid(InvalidReason::NotANumber);
        };
        let extension = main.len() < s.len();
        if main.contains(&b',') {
            return Phone::Invalid(InvalidReason::CommaInNumber);
        }
        match scan_loose(main) {
            // Zeros are a withheld marker only on their own: `0x16135550101` (a hex literal,
            // or `0` with an extension) is not a number, never a blocked caller ID.
            Some((_, digits)) if extension && !digits.nonzero => {
                Phone::Invalid(InvalidReason::NotANumber)
            }
            Some((plus, digits)) => self.classify(plus, &digits),
            None => Phone::Invalid(InvalidReason::NotANumber),
        }
    }

    /// RFC 3966 `tel:` with `phone-context`: a `+` context is a number prefix; a domain
    /// context leaves the number to be read in the default region.
    fn parse_with_context(&self, number: &[u8], context: &[u8]) -> Phone {
        let Some((plus, local)) = scan_loose(number) else {
            return Phone::Invalid(InvalidReason::NotANumber);
        };
        if plus || context.first() != Some(&b'+') {
            return self.classify(plus, &local);
        }
        let Some((_, mut joined)) = scan_loose(context) else {
            return Phone::Invalid(InvalidReason::NotANumber);
        };
        for &d in local.as_slice() {
            joined.push(d);
        }
        self.classify(true, &joined)
    }

    /// Decides a scanned digit string. `plus`: the text had a leading `+`.
    fn classify(&self, plus: bool, d: &Digits) -> Phone {
        if !d.nonzero {
            return Phone::Blocked;
        }
        if d.overflow {
            return Phone::Invalid(InvalidReason::TooManyDigits);
        }
        let digits = d.as_slice();
        if plus {
            return international(digits);
        }
        if self.nanp {
            if let Some(rest) = digits.strip_prefix(b"011") {
                return international(rest);
            }
            return nanp_national(digits);
        }
        self.national_other(digits)
    }

    /// A number without `+` in a non-NANP default region.
    fn national_other(&self, digits: &[u8]) -> Phone {
        // Handle the region's IDD here so that the rest is parsed without a default region
        // (see the module doc on phonenumber's default-region bug).
        if let Some(end) = self.idd_len(digits) {
            if end < digits.len() && digits[end] != b'0' {
                return international(&digits[end..]);
            }
        }
        if digits.len() > MAX_E164_DIGITS + 2 {
            return Phone::Invalid(InvalidReason::TooManyDigits);
        }
        let text = ascii_str(digits);
        let parsed = match phonenumber::parse(Some(self.region), text) {
            Ok(p) => p,
            Err(e) => return Phone::Invalid(reason_for(&e)),
        };
        if parsed.code().value() != self.region_code {
            return Phone::Invalid(InvalidReason::InvalidForRegion);
        }
        let Some(n) = e164_of(&parsed) else {
            return Phone::Invalid(InvalidReason::TooManyDigits);
        };
        if phonenumber::is_valid(&parsed) {
            Phone::Ok(n)
        } else {
            Phone::Invalid(InvalidReason::InvalidForRegion)
        }
    }

    /// Length of the default region's international prefix at the start of `digits`.
    fn idd_len(&self, digits: &[u8]) -> Option<usize> {
        let meta = DATABASE.by_id(self.region.as_ref())?;
        let re = meta.international_prefix()?;
        let m = re.find(ascii_str(digits))?;
        (m.start() == 0 && m.end() > 0).then_some(m.end())
    }

    /// Builds the comparison form of `text` once, giving up as soon as it is longer than
    /// every token.
    fn is_blocked_token(&self, text: &str) -> bool {
        let mut key = String::with_capacity(self.longest_token);
        for c in key_chars(text) {
            if key.len() + c.len_utf8() > self.longest_token {
                return false;
            }
            key.push(c);
        }
        BLOCKED_TOKENS
            .iter()
            .copied()
            .chain(self.extra_blocked.iter().map(String::as_str))
            .any(|token| token == key)
    }
}

/// Internals exposed for the fuzz targets in `fuzz/` (the differential check of the register
/// fast path against the general classifier and libphonenumber). Not part of the API: no
/// stability promise, hidden from the docs.
#[doc(hidden)]
pub mod fuzz_api {
    use super::{Phone, PhoneNumber, PhoneParser};

    /// The register fast path's answer for `s`, when it answers (see `fast_nanp`).
    pub fn fast_nanp(s: &str, nanp_region: bool) -> Option<Phone> {
        super::fast_nanp(s.as_bytes(), nanp_region)
    }

    /// The general digit classifier on text the plain scanner takes (`scan_plain`, then
    /// `PhoneParser::classify`), `None` when the scanner does not take it.
    pub fn classify_plain(p: &PhoneParser, s: &str) -> Option<Phone> {
        let (plus, digits) = super::scan_plain(s.as_bytes())?;
        Some(p.classify(plus, &digits))
    }

    /// E.164 digits of a number parsed by the `phonenumber` crate, as the engine computes them.
    pub fn e164_of(n: &PhoneNumber) -> Option<u64> {
        super::e164_of(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ca() -> PhoneParser {
        PhoneParser::try_new("CA", &[]).unwrap()
    }
    fn us() -> PhoneParser {
        PhoneParser::try_new("US", &[]).unwrap()
    }
    fn fr() -> PhoneParser {
        PhoneParser::try_new("FR", &[]).unwrap()
    }
    fn gb() -> PhoneParser {
        PhoneParser::try_new("GB", &[]).unwrap()
    }
    fn invalid(r: InvalidReason) -> Phone {
        Phone::Invalid(r)
    }

    const OTTAWA: u64 = 16135550101;
    const LONDON: u64 = 442079460958;

    /// Every spelling in the brief, for CA and US.
    const NANP_SPELLINGS: &[&str] = &[
        "(613) 555-0101",
        "613-555-0101",
        "613.555.0101",
        "1-613-555-0101",
        "+1 613 555 0101",
        "16135550101",
        "6135550101",
        "+1-613-555-0101",
        "(613)555-0101",
        " 613 555 0101 ",
        "\t613 555 0101\t",
        " \t 613-555-0101 \r\n",
        "613-555-0101 x123",
        "613-555-0101 ext. 12",
        "613-555-0101 Ext 12",
        "613-555-0101 extension 7",
        "613-555-0101 #12",
        "613-555-0101;ext=12",
        "+1 (613) 555-0101 ext. 12",
        "tel:+1-613-555-0101",
        "TEL:+1-613-555-0101;ext=12",
        "011 1 613 555 0101",
        "'6135550101",
        "'613-555-0101",
        "=\"6135550101\"",
        "6135550101.0",
        "6135550101.00",
        "16135550101.0",
        "6135550101,0",
        "sip:+16135550101@198.51.100.7;user=phone",
        "sips:6135550101@carrier.example",
        "1.613.555.0101",
        "613/555-0101",
        "613 / 555 / 0101",
        "[613] 555-0101",
        "613-555-0101, ext. 12",
        "613-555-0101,x12",
        "613 555 01 01",
        "613555.0101",
    ];

    #[test]
    fn nanp_spellings_ca_and_us() {
        for p in [ca(), us()] {
            for s in NANP_SPELLINGS {
                assert_eq!(
                    p.parse(s),
                    Phone::Ok(OTTAWA),
                    "{s:?} in {}",
                    p.default_country()
                );
            }
        }
    }

    #[test]
    fn international_spellings() {
        for p in [ca(), us()] {
            for s in [
                "011 44 20 7946 0958",
                "+44 20 7946 0958",
                "+44 (0)20 7946 0958",
                "tel:+44-20-7946-0958",
            ] {
                let want = if s.contains("(0)") {
                    // The trunk `0` is a digit written after `+44`; it is not silently dropped.
                    invalid(InvalidReason::InvalidForRegion)
                } else {
                    Phone::Ok(LONDON)
                };
                assert_eq!(p.parse(s), want, "{s:?}");
            }
        }
        assert_eq!(ca().parse("+33 1 42 68 53 00"), Phone::Ok(33142685300));
        assert_eq!(ca().parse("+39 06 6988 4444"), Phone::Ok(390669884444));
        assert_eq!(ca().parse("+800 1234 5678"), Phone::Ok(80012345678));
        assert_eq!(ca().parse("+7 800 555 35 35"), Phone::Ok(78005553535));
        assert_eq!(ca().parse("+7 812 123 45 67"), Phone::Ok(78121234567));
        assert_eq!(ca().parse("+375 800 111111"), Phone::Ok(375800111111));
        assert_eq!(fr().parse("00 7 800 555 35 35"), Phone::Ok(78005553535));
        // A national prefix written after the country code is not dropped.
        assert_eq!(
            ca().parse("+33 0 6 31 96 65 43"),
            invalid(InvalidReason::InvalidForRegion)
        );
    }

    #[test]
    fn neutral_region_exists() {
        assert_eq!(neutral_region(), Some(CountryId::NO));
    }

    /// phonenumber 0.3.10 with a default region rewrites these; we must not.
    #[test]
    fn regression_phonenumber_default_region_rewrites_foreign_numbers() {
        let upstream = phonenumber::parse(Some(CountryId::US), "+49 1512 3456789").unwrap();
        assert_eq!(
            e164_of(&upstream),
            Some(495123456789),
            "upstream behaviour changed"
        );
        assert_eq!(us().parse("+49 1512 3456789"), Phone::Ok(4915123456789));
        assert_eq!(us().parse("011 49 1512 3456789"), Phone::Ok(4915123456789));
        for p in [fr(), gb()] {
            assert_eq!(p.parse("+39 06 6988 4444"), Phone::Ok(390669884444));
            assert_eq!(p.parse("00 39 06 6988 4444"), Phone::Ok(390669884444));
        }
    }

    #[test]
    fn non_nanp_default_regions() {
        let fr = fr();
        assert_eq!(fr.parse("01 42 68 53 00"), Phone::Ok(33142685300));
        assert_eq!(fr.parse("01.42.68.53.00"), Phone::Ok(33142685300));
        assert_eq!(fr.parse("0033 1 42 68 53 00"), Phone::Ok(33142685300));
        assert_eq!(fr.parse("00 44 20 7946 0958"), Phone::Ok(LONDON));
        assert_eq!(fr.parse("+1 613 555 0101"), Phone::Ok(OTTAWA));
        assert_eq!(fr.parse("001 613 555 0101"), Phone::Ok(OTTAWA));
        assert_eq!(
            fr.parse("001 613 055 0101"),
            invalid(InvalidReason::BadExchange)
        );
        assert_eq!(
            fr.parse("6135550101"),
            invalid(InvalidReason::InvalidForRegion)
        );
        assert_eq!(fr.parse("0000"), Phone::Blocked);
        assert_eq!(gb().parse("020 7946 0958"), Phone::Ok(LONDON));
        let it = PhoneParser::try_new("IT", &[]).unwrap();
        assert_eq!(it.parse("06 6988 4444"), Phone::Ok(390669884444));
        assert!(!fr.is_nanp() && ca().is_nanp());
    }

    #[test]
    fn unicode_spellings() {
        let p = ca();
        for s in [
            "６１３−５５５−０１０１",
            "（６１３）５５５－０１０１",
            "＋１ ６１３ ５５５ ０１０１",
            "613\u{00A0}555\u{00A0}0101",
            "\u{00A0}613 555 0101\u{2007}",
            "613\u{202F}555\u{3000}0101",
            "613\u{200B}555\u{200B}0101",
            "\u{FEFF}6135550101",
            "\u{202A}+1 613 555 0101\u{202C}",
            "\u{200E}613-555-0101\u{200F}",
            "613\u{2010}555\u{2011}0101",
            "613\u{2013}555\u{2014}0101",
            "613\u{2212}555\u{2212}0101",
            "٦١٣-٥٥٥-٠١٠١",
            "۶۱۳۵۵۵۰۱۰۱",
            "६१३५५५०१०१",
            "613-555-0101 ｘ12",
            "613\u{00AD}555\u{00AD}0101",
        ] {
            assert_eq!(p.parse(s), Phone::Ok(OTTAWA), "{s:?}");
        }
        assert_eq!(
            p.parse("613-555-0101 ①"),
            invalid(InvalidReason::NotANumber)
        );
        assert_eq!(
            p.parse("６１３-５５５-０１０１ é"),
            invalid(InvalidReason::NotANumber)
        );
    }

    #[test]
    fn blocked_values() {
        let p = ca();
        for s in [
            "",
            "   ",
            "\t\r\n",
            "\u{00A0}\u{200B}",
            "PRIVATE",
            "private",
            "Unknown",
            "Anonymous",
            "Restricted",
            "UNAVAILABLE",
            "Unavailable",
            "WITHHELD",
            "Private Number",
            "PRIVATE   NUMBER",
            "private_number",
            " <Private> ",
            "[Unknown]",
            "0",
            "0000000000",
            "00000000000",
            "000-000-0000",
            "+0",
            "'",
            "'0",
            "0.0",
            "0000000000.0",
        ] {
            assert_eq!(p.parse(s), Phone::Blocked, "{s:?}");
        }
        assert_eq!(
            p.parse("Private caller, see notes"),
            invalid(InvalidReason::NotANumber)
        );
        for token in BLOCKED_TOKENS {
            assert_eq!(
                token_key(token),
                *token,
                "built-in tokens are in comparison form"
            );
            assert_eq!(p.parse(&token.to_uppercase()), Phone::Blocked, "{token}");
        }
    }

    #[test]
    fn extra_blocked_tokens() {
        let extra = [
            "Appel masqué".to_string(),
            "  NO-CLI ".to_string(),
            "-1".to_string(),
        ];
        let p = PhoneParser::try_new("CA", &extra).unwrap();
        assert_eq!(p.parse("APPEL MASQUÉ"), Phone::Blocked);
        assert_eq!(p.parse("appel  masqué"), Phone::Blocked);
        assert_eq!(p.parse("no-cli"), Phone::Blocked);
        assert_eq!(p.parse(" -1 "), Phone::Blocked);
        assert_eq!(p.parse("6135550101"), Phone::Ok(OTTAWA));
        assert_eq!(p.parse("no cli"), invalid(InvalidReason::NotANumber));
        // Without the digit token, `-1` is just one digit.
        assert_eq!(ca().parse("-1"), invalid(InvalidReason::TooFewDigits));
        let err = PhoneParser::try_new("CA", &["  ".to_string()]).unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[test]
    fn invalid_values() {
        let p = ca();
        let cases: &[(&str, InvalidReason)] = &[
            ("555-0101", InvalidReason::TooFewDigits),
            ("5550101", InvalidReason::TooFewDigits),
            ("911", InvalidReason::TooFewDigits),
            ("613-555-010", InvalidReason::TooFewDigits),
            ("613-555-01011", InvalidReason::TooManyDigits),
            ("26135550101", InvalidReason::TooManyDigits),
            ("161355501011", InvalidReason::TooManyDigits),
            ("442079460958", InvalidReason::TooManyDigits),
            ("12345678901234567890123", InvalidReason::TooManyDigits),
            ("013-555-0101", InvalidReason::BadAreaCode),
            ("113-555-0101", InvalidReason::BadAreaCode),
            ("1-013-555-0101", InvalidReason::BadAreaCode),
            ("+1 113 555 0101", InvalidReason::BadAreaCode),
            ("613-055-0101", InvalidReason::BadExchange),
            ("613-155-0101", InvalidReason::BadExchange),
            ("+1 613 155 0101", InvalidReason::BadExchange),
            ("+1 613 555 010", InvalidReason::TooFewDigits),
            ("+1 613 555 01011", InvalidReason::TooManyDigits),
            ("1-800-FLOWERS", InvalidReason::NotANumber),
            ("1-800-356-9377 FLOWERS", InvalidReason::NotANumber),
            ("613-555-0101 ext", InvalidReason::NotANumber),
            ("613-555-01O1", InvalidReason::NotANumber),
            ("*67 613 555 0101", InvalidReason::NotANumber),
            ("n/a", InvalidReason::NotANumber),
            ("-", InvalidReason::NotANumber),
            ("()", InvalidReason::NotANumber),
            ("#######", InvalidReason::NotANumber),
            ("+16135550101+", InvalidReason::NotANumber),
            ("sip:carrier.example", InvalidReason::NotANumber),
            // Issue 13: zeros and an "extension" are not a withheld marker.
            ("0x16135550101", InvalidReason::NotANumber),
            ("0X6135550101", InvalidReason::NotANumber),
            ("0 ext 12", InvalidReason::NotANumber),
            ("0x1A", InvalidReason::NotANumber),
            // Issue 13: a comma is not a separator.
            ("613,555,0101", InvalidReason::CommaInNumber),
            ("6,135,550,101", InvalidReason::CommaInNumber),
            ("613-555-0101, 613-555-0102", InvalidReason::CommaInNumber),
            ("613-555-0101,", InvalidReason::CommaInNumber),
            ("＋1 613，555 0101", InvalidReason::CommaInNumber),
            ("+999 1234 5678", InvalidReason::UnknownCountryCode),
            ("011 999 1234 5678", InvalidReason::UnknownCountryCode),
            ("+0044 20 7946 0958", InvalidReason::UnknownCountryCode),
            ("+44", InvalidReason::TooFewDigits),
            ("+", InvalidReason::NotANumber),
            ("+44 20 7946", InvalidReason::InvalidForRegion),
            ("+44 1234567890123456", InvalidReason::TooManyDigits),
            ("6.13555E+09", InvalidReason::ScientificNotation),
            ("6.13555e9", InvalidReason::ScientificNotation),
            ("6,13555E+09", InvalidReason::ScientificNotation),
            ("6E+09", InvalidReason::ScientificNotation),
            ("'6.13555E+09", InvalidReason::ScientificNotation),
            (" 1.61356E+10 ", InvalidReason::ScientificNotation),
            ("6135550101.5", InvalidReason::FractionalFloat),
            ("6135550101.0001", InvalidReason::FractionalFloat),
            ("613\u{0}555\u{0}0101", InvalidReason::ControlCharacter),
            ("6\u{0}1\u{0}3\u{0}", InvalidReason::ControlCharacter),
            ("613\u{1b}5550101", InvalidReason::ControlCharacter),
            ("613\u{7f}5550101", InvalidReason::ControlCharacter),
            ("613\u{0093}5550101", InvalidReason::ControlCharacter),
            ("613\u{FFFD}5550101", InvalidReason::Undecodable),
            (
                "613-555-0101\n613-555-0102",
                InvalidReason::EmbeddedLineBreak,
            ),
            ("613\r5550101", InvalidReason::EmbeddedLineBreak),
        ];
        for &(s, want) in cases {
            assert_eq!(p.parse(s), invalid(want), "{s:?}");
        }
        let huge = "6".repeat(10 * 1024 * 1024);
        assert_eq!(p.parse(&huge), invalid(InvalidReason::Oversized));
        let padded = format!("{}6135550101{}", " ".repeat(5000), "\t".repeat(5000));
        assert_eq!(p.parse(&padded), Phone::Ok(OTTAWA));
    }

    #[test]
    fn n11_exchanges_accepted() {
        let p = ca();
        for nxx in ["211", "311", "411", "511", "611", "711", "811", "911"] {
            let s = format!("613-{nxx}-0101");
            let want = 16130000101 + nxx.parse::<u64>().unwrap() * 10_000;
            assert_eq!(p.parse(&s), Phone::Ok(want), "{s}");
            let lib = phonenumber::parse(Some(CountryId::CA), &s).unwrap();
            assert!(phonenumber::is_valid(&lib), "libphonenumber accepts {s}");
        }
    }

    /// Found by `fast_path_agrees_with_phonenumber` (npa 849, nxx 000): libphonenumber's
    /// Dominican Republic pattern accepts any seven digits; the NANP format does not.
    #[test]
    fn dominican_exchanges_starting_0_or_1_are_rejected() {
        for s in ["(849) 000-0000", "809-155-0101", "+1 829 099 0101"] {
            assert_eq!(ca().parse(s), invalid(InvalidReason::BadExchange), "{s}");
            let lib = phonenumber::parse(Some(CountryId::CA), s).unwrap();
            assert!(phonenumber::is_valid(&lib), "libphonenumber accepts {s}");
        }
    }

    /// Policy: area codes are not checked against libphonenumber's assignment list.
    #[test]
    fn unassigned_area_codes_are_structurally_accepted() {
        for s in ["999-555-0101", "370-555-0101", "555-555-0101"] {
            assert!(matches!(us().parse(s), Phone::Ok(_)), "{s}");
            let lib = phonenumber::parse(Some(CountryId::US), s).unwrap();
            assert!(!phonenumber::is_valid(&lib), "libphonenumber rejects {s}");
            assert_eq!(e164_of(&lib), us().parse(s).number());
        }
    }

    #[test]
    fn corruption_flags() {
        use InvalidReason::*;
        let corrupt = [
            ScientificNotation,
            FractionalFloat,
            NonFiniteFloat,
            NegativeNumber,
            FloatPrecision,
            ControlCharacter,
            Undecodable,
            EmbeddedLineBreak,
            Oversized,
        ];
        for r in InvalidReason::ALL {
            assert_eq!(r.is_corruption(), corrupt.contains(&r), "{r:?}");
            assert!(!r.as_str().is_empty());
            assert!(r.id().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
        assert_eq!(
            ScientificNotation.as_str(),
            "scientific notation (precision lost)"
        );
        assert_eq!(ScientificNotation.to_string(), ScientificNotation.as_str());
    }

    #[test]
    fn statuses() {
        let p = ca();
        assert_eq!(p.parse("6135550101").status(), NumberStatus::Ok);
        assert_eq!(p.parse("Anonymous").status(), NumberStatus::Blocked);
        assert_eq!(p.parse("555-0101").status(), NumberStatus::Invalid);
        assert_eq!(p.parse("555-0101").number(), None);
        assert_eq!(NumberStatus::Ok.as_str(), "ok");
        assert_eq!(NumberStatus::Blocked.as_str(), "blocked");
        assert_eq!(NumberStatus::Invalid.to_string(), "invalid");
    }

    #[test]
    fn integer_and_float_cells() {
        let p = ca();
        assert_eq!(p.parse_int(6135550101), Phone::Ok(OTTAWA));
        assert_eq!(p.parse_int(16135550101), Phone::Ok(OTTAWA));
        assert_eq!(p.parse_int(0), Phone::Blocked);
        assert_eq!(p.parse_int(5550101), invalid(InvalidReason::TooFewDigits));
        assert_eq!(p.parse_int(LONDON), invalid(InvalidReason::TooManyDigits));
        assert_eq!(p.parse_int(u64::MAX), invalid(InvalidReason::TooManyDigits));
        assert_eq!(fr().parse_int(142685300), Phone::Ok(33142685300));
        assert_eq!(p.parse_float(6135550101.0), Phone::Ok(OTTAWA));
        assert_eq!(p.parse_float(0.0), Phone::Blocked);
        assert_eq!(p.parse_float(-0.0), Phone::Blocked);
        assert_eq!(
            p.parse_float(6135550101.5),
            invalid(InvalidReason::FractionalFloat)
        );
        assert_eq!(
            p.parse_float(-6135550101.0),
            invalid(InvalidReason::NegativeNumber)
        );
        assert_eq!(
            p.parse_float(f64::NAN),
            invalid(InvalidReason::NonFiniteFloat)
        );
        assert_eq!(
            p.parse_float(f64::INFINITY),
            invalid(InvalidReason::NonFiniteFloat)
        );
        assert_eq!(p.parse_float(1e16), invalid(InvalidReason::FloatPrecision));
        // The undetectable case: a float Excel already rounded is a plausible number.
        assert_eq!(p.parse_float(6.13555e9), Phone::Ok(16135550000));
        let digits = PhoneParser::try_new("CA", &["9999999999".to_string()]).unwrap();
        assert_eq!(digits.parse_int(9999999999), Phone::Blocked);
    }

    #[test]
    fn formatting_and_parts() {
        assert_eq!(format_e164(OTTAWA), "+16135550101");
        assert_eq!(format_e164(0), "+0");
        assert_eq!(format_e164(u64::MAX), "+18446744073709551615");
        let mut s = String::with_capacity(64);
        let cap = s.capacity();
        s.push_str("a,");
        write_e164(LONDON, &mut s);
        write_e164(OTTAWA, &mut s);
        assert_eq!(s, "a,+442079460958+16135550101");
        assert_eq!(s.capacity(), cap, "no reallocation");
        assert_eq!(nanp_parts(OTTAWA), Some((613, 555)));
        assert_eq!(nanp_parts(12125550101), Some((212, 555)));
        assert_eq!(nanp_parts(6135550101), None);
        assert_eq!(nanp_parts(LONDON), None);
        assert_eq!(nanp_parts(26135550101), None);
        assert_eq!(country_code(OTTAWA), Some(1));
        assert_eq!(country_code(LONDON), Some(44));
        assert_eq!(country_code(33142685300), Some(33));
        assert_eq!(country_code(390669884444), Some(39));
        assert_eq!(country_code(2250701234567), Some(225));
        assert_eq!(country_code(80012345678), Some(800));
        assert_eq!(country_code(99912345678), None);
        assert_eq!(country_code(0), None);
        assert_eq!(country_code(1), None);
        assert_eq!(country_code(1_000_000_000_000_000), None);
    }

    #[test]
    fn config_errors() {
        for bad in ["XX", "", "CAN", "C1", "001", "ÇA"] {
            let err = PhoneParser::try_new(bad, &[]).unwrap_err();
            assert_eq!(err.value(), bad);
            assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
        }
        let p = PhoneParser::try_new(" us ", &[]).unwrap();
        assert_eq!(p.default_country(), "US");
        assert!(PhoneParser::try_new("JM", &[]).unwrap().is_nanp());
    }

    #[test]
    fn parser_is_send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<PhoneParser>();
        assert_send_sync::<Phone>();
    }

    #[test]
    fn plain_spellings_take_the_fast_path() {
        for s in [
            "(613) 555-0101",
            "613-555-0101",
            "613.555.0101",
            "1-613-555-0101",
            "+1 613 555 0101",
            "16135550101",
            "6135550101",
            "+1-613-555-0101",
            "(613)555-0101",
            " 613 555 0101 ",
            "\t613\t555\t0101",
        ] {
            assert!(scan_plain(s.as_bytes()).is_some(), "{s:?}");
            assert_eq!(
                fast_nanp(s.as_bytes(), true),
                Some(Phone::Ok(OTTAWA)),
                "{s:?}"
            );
        }
        assert_eq!(
            fast_nanp(b"+1 613 555 0101", false),
            Some(Phone::Ok(OTTAWA))
        );
        for s in [
            "613 555 0101",
            "0112345678",
            "0000000000",
            "555-0101",
            "+44 20 7946 0958",
        ] {
            assert_eq!(fast_nanp(s.as_bytes(), s != "613 555 0101"), None, "{s:?}");
        }
        for s in [
            "6135550101.0",
            "613-555-0101 x12",
            "'6135550101",
            "PRIVATE",
            "",
            " ",
        ] {
            assert!(scan_plain(s.as_bytes()).is_none(), "{s:?}");
        }
    }

    #[test]
    fn fast_path_agrees_with_phonenumber_on_fixed_spellings() {
        for s in NANP_SPELLINGS {
            let ours = us().parse(s);
            if s.starts_with('\'') || s.starts_with('=') || s.starts_with("sip") || s.contains(",0")
            {
                continue; // wrappers phonenumber does not know
            }
            let Ok(lib) = phonenumber::parse(Some(CountryId::US), s.trim()) else {
                continue;
            };
            if phonenumber::is_valid(&lib) {
                assert_eq!(ours.number(), e164_of(&lib), "{s:?}");
            }
        }
    }

    #[test]
    fn unicode_digit_table() {
        for &zero in &DIGIT_ZEROS {
            for d in 0..10u32 {
                let c = char::from_u32(zero + d).unwrap();
                assert_eq!(unicode_digit(c), Some(d as u8), "{c:?}");
            }
        }
        assert_eq!(unicode_digit('a'), None);
        assert_eq!(unicode_digit('\u{0669}'), Some(9));
        assert_eq!(unicode_digit('\u{066A}'), None);
    }

    // ---------------------------------------------------------------------------------
    // Property tests.

    /// A NANP number written in one of many layouts.
    fn layout(i: usize, npa: u16, nxx: u16, line: u16) -> String {
        let (a, b, c) = (npa, nxx, line);
        let digits = format!("{a:03}{b:03}{c:04}");
        let fold = |map: &dyn Fn(char) -> char| digits.chars().map(map).collect::<String>();
        match i {
            0 => format!("({a:03}) {b:03}-{c:04}"),
            1 => format!("{a:03}-{b:03}-{c:04}"),
            2 => format!("{a:03}.{b:03}.{c:04}"),
            3 => format!("1-{a:03}-{b:03}-{c:04}"),
            4 => format!("+1 {a:03} {b:03} {c:04}"),
            5 => format!("1{digits}"),
            6 => digits.clone(),
            7 => format!("+1-{a:03}-{b:03}-{c:04}"),
            8 => format!("({a:03}){b:03}-{c:04}"),
            9 => format!(" \t{a:03} {b:03} {c:04} \t"),
            10 => format!("{a:03}-{b:03}-{c:04} x123"),
            11 => format!("tel:+1-{a:03}-{b:03}-{c:04}"),
            12 => format!("011 1 {a:03} {b:03} {c:04}"),
            13 => format!("'{digits}"),
            14 => format!("{digits}.0"),
            15 => format!("+1 ({a:03}) {b:03}-{c:04} ext. 12"),
            16 => fold(&|ch| char::from_u32(u32::from(ch) + 0xFEE0).unwrap()),
            17 => format!("{a:03}\u{00A0}{b:03}\u{200B}{c:04}"),
            18 => format!("{a:03}\u{2013}{b:03}\u{2212}{c:04}"),
            19 => format!("=\"{digits}\""),
            20 => format!("sip:+1{digits}@192.0.2.1"),
            21 => fold(&|ch| char::from_u32(u32::from(ch) - u32::from('0') + 0x0660).unwrap()),
            _ => format!("+1{digits}"),
        }
    }
    const LAYOUTS: usize = 23;
    /// Layouts 0..=9 are plain: they must take the fast path.
    const PLAIN_LAYOUTS: usize = 10;

    fn valid_nanp() -> impl Strategy<Value = (u16, u16, u16)> {
        (200u16..1000, 200u16..1000, 0u16..10000)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn every_layout_gives_the_same_number((npa, nxx, line) in valid_nanp()) {
            let want = 10_000_000_000 + u64::from(npa) * 10_000_000 + u64::from(nxx) * 10_000
                + u64::from(line);
            for p in [ca(), us()] {
                for i in 0..LAYOUTS {
                    let s = layout(i, npa, nxx, line);
                    prop_assert_eq!(p.parse(&s), Phone::Ok(want), "{:?}", s);
                    if i < PLAIN_LAYOUTS {
                        prop_assert_eq!(fast_nanp(s.as_bytes(), true), Some(Phone::Ok(want)));
                    }
                }
            }
            // An explicit +1 means the same number whatever the default region.
            prop_assert_eq!(fr().parse(&layout(4, npa, nxx, line)), Phone::Ok(want));
            prop_assert_eq!(ca().parse_int(want), Phone::Ok(want));
            prop_assert_eq!(ca().parse_float(want as f64), Phone::Ok(want));
        }

        /// The hand parser never gives a different E.164 from libphonenumber. Documented
        /// differences in acceptance, both ways: we accept area codes (or, in the Caribbean,
        /// area code + exchange) missing from libphonenumber's assignment list; we reject
        /// exchanges starting 0 or 1 that some libphonenumber patterns (Dominican Republic,
        /// toll-free) accept.
        #[test]
        fn fast_path_agrees_with_phonenumber(
            npa in 0u16..1000,
            nxx in 0u16..1000,
            line in 0u16..10000,
            i in 0..PLAIN_LAYOUTS,
            us_region in any::<bool>(),
        ) {
            let (p, region) = if us_region { (us(), CountryId::US) } else { (ca(), CountryId::CA) };
            // `011…` is the NANP IDD, not a NANP number.
            prop_assume!(!(npa == 11 && i != 3 && i != 4 && i != 5 && i != 7));
            let s = layout(i, npa, nxx, line);
            prop_assert!(scan_plain(s.as_bytes()).is_some());
            let ours = p.parse(&s);
            // The register fast path, when it answers, agrees with the general classifier.
            if let Some(fast) = fast_nanp(s.as_bytes(), true) {
                let (plus, digits) = scan_plain(s.as_bytes()).unwrap();
                prop_assert_eq!(fast, p.classify(plus, &digits));
            }
            let Ok(lib) = phonenumber::parse(Some(region), &s) else {
                prop_assert!(!matches!(ours, Phone::Ok(_)), "{:?}", s);
                return Ok(());
            };
            let lib_valid = phonenumber::is_valid(&lib);
            match ours {
                Phone::Ok(n) => {
                    prop_assert_eq!(Some(n), e164_of(&lib), "{:?}", s);
                    if !lib_valid {
                        // Documented policy difference: not in the assignment list, whatever
                        // the spelling.
                        let canonical =
                            phonenumber::parse(neutral_region(), format_e164(n)).unwrap();
                        prop_assert!(!phonenumber::is_valid(&canonical));
                    }
                }
                Phone::Invalid(r) => {
                    prop_assert!(matches!(r, InvalidReason::BadAreaCode | InvalidReason::BadExchange));
                    // Documented exception: some of libphonenumber's patterns (the Dominican
                    // Republic's 809/829/849, toll-free 8XX) take exchanges starting 0 or 1,
                    // which the NANP format does not allow.
                    let lax_exchange = nxx < 200;
                    prop_assert!(
                        !lib_valid || (lax_exchange && r == InvalidReason::BadExchange),
                        "{:?}: we say {:?}, libphonenumber valid", s, r
                    );
                }
                Phone::Blocked => prop_assert!(npa == 0 && nxx == 0 && line == 0),
            }
        }

        #[test]
        fn never_panics_on_arbitrary_text(s in any::<String>()) {
            for p in [ca(), fr()] {
                check_invariants(&p, &s)?;
            }
        }

        #[test]
        fn never_panics_on_phone_like_text(
            chars in prop::collection::vec(prop::sample::select(ALPHABET), 0..40),
        ) {
            let s: String = chars.into_iter().collect();
            for p in [ca(), us(), fr(), gb()] {
                check_invariants(&p, &s)?;
            }
        }

        #[test]
        fn never_panics_on_huge_text(
            chars in prop::collection::vec(prop::sample::select(ALPHABET), 200..3000),
        ) {
            let s: String = chars.into_iter().collect();
            check_invariants(&ca(), &s)?;
        }

        /// A number read in national format in a non-NANP region reads back from its E.164.
        #[test]
        fn national_numbers_round_trip(
            region in prop::sample::select(&["FR", "GB", "DE", "IT", "AU", "RU", "MX", "AR", "JP", "IN"][..]),
            trunk in any::<bool>(),
            digits in "[0-9]{6,12}",
        ) {
            let p = PhoneParser::try_new(region, &[]).unwrap();
            let s = if trunk { format!("0{digits}") } else { digits };
            check_invariants(&p, &s)?;
        }

        #[test]
        fn integral_floats_match_integers(n in 0u64..(1u64 << 53), frac in 0.001f64..0.999) {
            let p = ca();
            prop_assert_eq!(p.parse_float(n as f64), p.parse_int(n));
            if (n as f64 + frac).fract() != 0.0 {
                let r = p.parse_float(n as f64 + frac);
                prop_assert!(matches!(r, Phone::Invalid(x) if x.is_corruption()));
            }
        }

        #[test]
        fn integers_read_like_their_text(n in any::<u64>(), m in 0u64..30_000_000_000) {
            for p in [ca(), fr()] {
                prop_assert_eq!(p.parse_int(n), p.parse(&n.to_string()));
            }
            for p in [ca(), us()] {
                prop_assert_eq!(p.parse_int(m), p.parse(&m.to_string()), "{}", m);
            }
        }
    }

    const ALPHABET: &[char] = &[
        '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '1', '6', ' ', '-', '.', '(', ')',
        '+', '\t', '\n', '\0', 'x', 'e', 'E', '#', ';', '=', '"', '\'', ',', '/', 'a', 'Z', ':',
        '@', '\u{00A0}', '\u{200B}', '\u{2013}', '\u{FF16}', '\u{0661}', '\u{FFFD}', 'é', '中',
        '🙂', '\u{0085}', '\u{FEFF}',
    ];

    /// Never panics; an `Ok` number is at most 15 digits, has a known country code, and reads
    /// back to itself from its E.164 text.
    fn check_invariants(p: &PhoneParser, s: &str) -> Result<(), TestCaseError> {
        if let Phone::Ok(n) = p.parse(s) {
            prop_assert!(digit_count(n) <= MAX_E164_DIGITS, "{:?} -> {}", s, n);
            prop_assert!(country_code(n).is_some(), "{:?} -> {}", s, n);
            let text = format_e164(n);
            prop_assert_eq!(p.parse(&text), Phone::Ok(n), "{:?} -> {}", s, text);
            if let Some((npa, nxx)) = nanp_parts(n) {
                prop_assert!(npa >= 200 && nxx >= 200);
            }
        }
        Ok(())
    }
}
