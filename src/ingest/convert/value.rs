//! One record's value for one canonical column: the binding resolved to a cell (several source
//! columns joined into the converter's scratch text), the profile's value map applied, and the
//! cell read as the column's type (phone number, time, duration, text, enum, yes/no, code), or
//! the reason it cannot be.
//!
//! Two fast paths come first for the shapes of carrier exports: a date column and a time
//! column parsed without joining them, and one text cell read as a number or a duration without
//! copying it. They only ever return a usable value; everything else, errors and their texts
//! included, goes the general way.

use super::columns::Val;
use super::plan::Binding;
use super::Converter;
use crate::load::record::{Cell, RowView};
use crate::model::{ColSpec, ColType};
use crate::normalize::phone::{Phone, PhoneParser};
use crate::normalize::time::{
    format_utc, format_wall_clock, parse_duration_ms, trim, DurationError, DurationFormat, Instant,
    TimeParser,
};

/// Why a value could not be used: the column and the reason.
pub(super) type Reject = (&'static str, String);

/// Why a cell cannot be read as its column's type.
type Reason = String;

impl Converter<'_> {
    /// Reads the value of canonical column `ci` from the record.
    pub(super) fn value(
        &mut self,
        ci: usize,
        spec: &'static ColSpec,
        view: &dyn RowView,
    ) -> std::result::Result<Val, Reject> {
        let name = spec.name;
        let bad = |reason: Reason| -> Reject { (name, reason) };
        if let Some(v) = self.fast_value(ci, spec, view) {
            return Ok(v);
        }
        // Resolve the binding to one cell; text lands in scratch[start..].
        let start = self.scratch.len();
        let cell = self.resolve(ci, view).map_err(bad)?;
        let is_text = matches!(cell, Cell::Text(_));
        if is_text {
            self.map_value(ci, start);
        }
        let end = self.scratch.len();
        // The trimmed text, as a range of scratch.
        let text_at = is_text.then(|| {
            let t = trim(&self.scratch[start..end]);
            let off = t.as_ptr() as usize - self.scratch.as_ptr() as usize;
            (off, off + t.len())
        });
        let text = text_at.map(|(a, b)| &self.scratch[a..b]);
        let empty = match cell {
            Cell::Null => true,
            Cell::Text(_) => text.is_some_and(str::is_empty),
            _ => false,
        };
        match spec.ty {
            ColType::Phone => {
                let parsed = phone_of(&self.plan.spec.phone, cell, text).map_err(bad)?;
                // Keep the raw text of caller IDs in scratch for the `_raw` column.
                let (rs, re) = if is_text {
                    (start, end)
                } else {
                    push_number(&mut self.scratch, cell)
                };
                phone_value(spec.required, parsed, &self.scratch[rs..re], rs, re).map_err(bad)
            }
            _ if empty => {
                if spec.required {
                    Err(bad("empty".into()))
                } else {
                    Ok(Val::Null)
                }
            }
            ColType::Time => time_value(&mut self.time, cell, text).map_err(bad),
            ColType::Duration => duration_value(self.plan.spec.duration, cell, text).map_err(bad),
            ColType::Text => text_value(&mut self.scratch, cell, text_at).map_err(bad),
            ColType::Enum(allowed) => enum_value(allowed, name, text).map_err(bad),
            ColType::Bool => bool_value(name, cell, text).map_err(bad),
            ColType::Code { max } => code_value(max, cell, text).map_err(bad),
        }
    }

    /// The fast paths: a usable value, or `None` to go the general way.
    fn fast_value(&mut self, ci: usize, spec: &ColSpec, view: &dyn RowView) -> Option<Val> {
        let Binding::Source(idx) = &self.plan.bindings[ci] else {
            return None;
        };
        if self.plan.values[ci].is_some() {
            return None;
        }
        match (&idx[..], spec.ty) {
            // A date column and a time column: parsed without joining them (the parser
            // memoises the date and hour).
            ([d, t], ColType::Time) => {
                let (Ok(Cell::Text(d)), Ok(Cell::Text(t))) = (view.get(*d), view.get(*t)) else {
                    return None;
                };
                if trim(d).is_empty() && trim(t).is_empty() {
                    return None;
                }
                let i = self.time.parse_joined(d, t).ok()?;
                Some(Val::Time(i.micros, i.ambiguous))
            }
            // One text cell for a number or a duration, read as it is (its text is not kept,
            // so it need not be copied into scratch).
            ([i], ColType::Phone | ColType::Duration) => {
                let Ok(Cell::Text(s)) = view.get(*i) else {
                    return None;
                };
                if s.len() > self.plan.spec.max_field_bytes {
                    return None;
                }
                let t = trim(s);
                match spec.ty {
                    ColType::Phone if spec.required => match self.plan.spec.phone.parse(t) {
                        Phone::Ok(n) => Some(Val::Phone(n)),
                        _ => None,
                    },
                    ColType::Duration if !t.is_empty() => {
                        parse_duration_ms(t, self.plan.spec.duration)
                            .ok()
                            .map(Val::Int)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The binding of column `ci` as one cell: text is copied into scratch (several source
    /// columns joined with single spaces) and returned as `Cell::Text("")`; other cells as
    /// they are.
    fn resolve<'v>(
        &mut self,
        ci: usize,
        view: &'v dyn RowView,
    ) -> std::result::Result<Cell<'v>, Reason> {
        let max = self.plan.spec.max_field_bytes;
        match &self.plan.bindings[ci] {
            Binding::Null => Ok(Cell::Null),
            Binding::Const(c) => {
                self.scratch.push_str(c);
                Ok(Cell::Text(""))
            }
            Binding::Source(idx) if idx.len() == 1 => {
                match view.get(idx[0]).map_err(why(view, idx[0]))? {
                    Cell::Text(s) if s.len() > max => Err(format!(
                        "field of {} bytes exceeds max_field_bytes ({max})",
                        s.len()
                    )),
                    Cell::Text(s) => {
                        self.scratch.push_str(s);
                        Ok(Cell::Text(""))
                    }
                    other => Ok(other),
                }
            }
            Binding::Source(idx) => {
                for (k, &i) in idx.iter().enumerate() {
                    if k > 0 {
                        self.scratch.push(' ');
                    }
                    match view.get(i).map_err(why(view, i))? {
                        Cell::Text(s) => self.scratch.push_str(s.trim()),
                        Cell::Null => {}
                        Cell::Int(v) => self.scratch.push_str(&v.to_string()),
                        Cell::UInt(v) => self.scratch.push_str(&v.to_string()),
                        Cell::Float(v) => self.scratch.push_str(&v.to_string()),
                        Cell::Bool(v) => self.scratch.push_str(if v { "true" } else { "false" }),
                        Cell::Utc(_) | Cell::Naive(_) => {
                            return Err(
                                "a date-time cell cannot be joined with other columns".into()
                            )
                        }
                    }
                }
                Ok(Cell::Text(""))
            }
        }
    }

    /// Applies the profile's value map of column `ci` to the text in `scratch[start..]`.
    fn map_value(&mut self, ci: usize, start: usize) {
        if let Some(map) = &self.plan.values[ci] {
            let key = self.scratch[start..].trim().to_lowercase();
            if let Some(v) = map.get(&key) {
                self.scratch.truncate(start);
                self.scratch.push_str(v);
            }
        }
    }
}

/// The reason a cell cannot be read: the reader's fuller one ([`RowView::why`]) if it has
/// one, else `get`'s.
fn why(view: &dyn RowView, col: usize) -> impl FnOnce(&'static str) -> Reason + '_ {
    move |r| view.why(col).unwrap_or_else(|| r.to_string())
}

/// A phone-number cell parsed.
fn phone_of(
    phone: &PhoneParser,
    cell: Cell<'_>,
    text: Option<&str>,
) -> std::result::Result<Phone, Reason> {
    Ok(match (cell, text) {
        (_, Some(t)) => phone.parse(t),
        (Cell::Int(v), _) if v >= 0 => phone.parse_int(v as u64),
        (Cell::UInt(v), _) => phone.parse_int(v),
        (Cell::Float(v), _) => phone.parse_float(v),
        (Cell::Null, _) => Phone::Blocked,
        _ => return Err("not a phone number".into()),
    })
}

/// Writes a number cell's text into scratch (nothing for any other cell); returns its range.
fn push_number(scratch: &mut String, cell: Cell<'_>) -> (usize, usize) {
    let s = scratch.len();
    match cell {
        Cell::Int(v) => scratch.push_str(&v.to_string()),
        Cell::UInt(v) => scratch.push_str(&v.to_string()),
        Cell::Float(v) => scratch.push_str(&v.to_string()),
        _ => {}
    }
    (s, scratch.len())
}

/// A parsed number as a called number (`required`: a usable number or the reason) or as a
/// caller ID (kept with its status and its raw text, `raw` at `rs..re` of scratch).
fn phone_value(
    required: bool,
    parsed: Phone,
    raw: &str,
    rs: usize,
    re: usize,
) -> std::result::Result<Val, Reason> {
    let (rs, re) = (rs as u32, re as u32);
    if required {
        match parsed {
            Phone::Ok(n) => Ok(Val::Phone(n)),
            Phone::Blocked if raw.trim().is_empty() => Err("no number".into()),
            Phone::Blocked => Err(format!(
                "{raw:?} is a blocked caller ID, not a usable number"
            )),
            Phone::Invalid(r) => Err(format!("invalid number {raw:?}: {}", r.as_str())),
        }
    } else {
        match parsed {
            Phone::Ok(n) => Ok(Val::CallerId(n, 0, rs, re)),
            Phone::Blocked => Ok(Val::CallerId(0, 1, rs, re)),
            Phone::Invalid(r) if r.is_corruption() => Err(format!(
                "damaged number {raw:?}: {} (never repaired)",
                r.as_str()
            )),
            Phone::Invalid(_) => Ok(Val::CallerId(0, 2, rs, re)),
        }
    }
}

/// How a cell is shown in a reason: its text, else its value written out (a date-time as ISO
/// 8601, ending in `Z` for an instant and in ` (local)` for a wall-clock time).
fn shown(cell: Cell<'_>, text: Option<&str>) -> String {
    if let Some(t) = text {
        return t.to_string();
    }
    match cell {
        Cell::Null => "null".into(),
        Cell::Text(t) => t.to_string(),
        Cell::Int(v) => v.to_string(),
        Cell::UInt(v) => v.to_string(),
        Cell::Float(v) => v.to_string(),
        Cell::Bool(v) => v.to_string(),
        Cell::Utc(m) => format_utc(m),
        Cell::Naive(m) => format_wall_clock(m),
    }
}

/// UTC microseconds of 1000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z: the years every
/// time in the store lies in, whatever cell or zone it came from.
const STORE_MICROS: std::ops::RangeInclusive<i64> =
    -30_610_224_000_000_000..=253_402_300_799_999_999;

/// An instant inside the store's years, or the reason (the cell shown, and the instant in UTC
/// when the cell was a local time: 9999-12-31T23:59:59 in Toronto is already year 10000).
fn in_store_years(
    micros: i64,
    cell: Cell<'_>,
    text: Option<&str>,
) -> std::result::Result<(), Reason> {
    if STORE_MICROS.contains(&micros) {
        return Ok(());
    }
    let utc = format_utc(micros);
    let shown = shown(cell, text);
    Err(if shown == utc {
        format!("a year outside 1000-9999: {shown:?}")
    } else {
        format!("a year outside 1000-9999 in UTC: {shown:?} is {utc}")
    })
}

/// A time cell: text parsed by the profile's formats, an instant as it is, a wall-clock time
/// in the profile's zone, a number as its text (epoch or Excel serial formats).
pub(super) fn time_value(
    time: &mut TimeParser,
    cell: Cell<'_>,
    text: Option<&str>,
) -> std::result::Result<Val, Reason> {
    let r = match (cell, text) {
        (_, Some(t)) => time.parse(t),
        (Cell::Utc(m), _) => Ok(Instant {
            micros: m,
            ambiguous: false,
        }),
        (Cell::Naive(m), _) => time.parse_naive_micros(m),
        (Cell::Int(v), _) => time.parse(&v.to_string()),
        (Cell::UInt(v), _) => time.parse(&v.to_string()),
        (Cell::Float(v), _) => time.parse(&v.to_string()),
        _ => return Err("not a time".into()),
    };
    let i = r.map_err(|e| format!("{}: {:?}", e.as_str(), shown(cell, text)))?;
    in_store_years(i.micros, cell, text)?;
    Ok(Val::Time(i.micros, i.ambiguous))
}

/// A duration cell: text in the profile's format, a number as seconds.
fn duration_value(
    format: DurationFormat,
    cell: Cell<'_>,
    text: Option<&str>,
) -> std::result::Result<Val, Reason> {
    let r = match (cell, text) {
        (_, Some(t)) => parse_duration_ms(t, format).map_err(|e| e.as_str()),
        (Cell::Int(v), _) => number_duration_ms(v as f64).map_err(|e| e.as_str()),
        (Cell::UInt(v), _) => number_duration_ms(v as f64).map_err(|e| e.as_str()),
        (Cell::Float(v), _) if !v.is_nan() => number_duration_ms(v).map_err(|e| e.as_str()),
        _ => Err("not a duration"),
    };
    r.map(Val::Int)
        .map_err(|e| format!("{e}: {:?}", shown(cell, text)))
}

/// A text cell (its trimmed text at `text_at` of scratch), or a number or yes/no written
/// into scratch.
fn text_value(
    scratch: &mut String,
    cell: Cell<'_>,
    text_at: Option<(usize, usize)>,
) -> std::result::Result<Val, Reason> {
    let owned = match (cell, text_at) {
        (_, Some((a, b))) => return Ok(Val::Text(a as u32, b as u32)),
        (Cell::Int(v), _) => v.to_string(),
        (Cell::UInt(v), _) => v.to_string(),
        (Cell::Float(v), _) => v.to_string(),
        (Cell::Bool(v), _) => v.to_string(),
        _ => return Err("not text".into()),
    };
    let a = scratch.len();
    scratch.push_str(&owned);
    Ok(Val::Text(a as u32, scratch.len() as u32))
}

/// One of the column's allowed values (ASCII case ignored).
fn enum_value(
    allowed: &[&str],
    name: &str,
    text: Option<&str>,
) -> std::result::Result<Val, Reason> {
    let t = text.ok_or_else(|| Reason::from("not text"))?;
    allowed
        .iter()
        .position(|a| a.eq_ignore_ascii_case(t))
        .map(|k| Val::Key(k as i32))
        .ok_or_else(|| {
            format!(
                "{t:?} is not one of {} (map it with `values.{name}`)",
                allowed.join(", ")
            )
        })
}

/// A yes/no cell: a boolean, 0 or 1, or one of the spellings of [`parse_bool`].
fn bool_value(name: &str, cell: Cell<'_>, text: Option<&str>) -> std::result::Result<Val, Reason> {
    match (cell, text) {
        (Cell::Bool(b), _) => Ok(Val::Bool(b)),
        (Cell::Int(v), _) if v == 0 || v == 1 => Ok(Val::Bool(v == 1)),
        (_, Some(t)) => parse_bool(t)
            .map(Val::Bool)
            .ok_or_else(|| format!("{t:?} is not yes/no (map it with `values.{name}`)")),
        _ => Err("not yes/no".into()),
    }
}

/// A small code from 0 to `max` (an integer cell, or up to five digits).
fn code_value(max: u16, cell: Cell<'_>, text: Option<&str>) -> std::result::Result<Val, Reason> {
    let v = match (cell, text) {
        (Cell::Int(v), _) => u16::try_from(v).ok(),
        (Cell::UInt(v), _) => u16::try_from(v).ok(),
        (_, Some(t)) if !t.is_empty() && t.len() <= 5 && t.bytes().all(|b| b.is_ascii_digit()) => {
            t.parse::<u16>().ok()
        }
        _ => None,
    };
    match v {
        Some(v) if v <= max => Ok(Val::Code(v)),
        _ => Err(format!(
            "{:?} is not a code from 0 to {max}",
            shown(cell, text)
        )),
    }
}

/// Longest accepted duration, as for text durations: 24 hours, inclusive.
const MAX_DURATION_MS: f64 = 86_400_000.0;

/// A number cell (spreadsheet, Parquet, JSON) taken as seconds: milliseconds, rounded, under the
/// same rules as a text duration (negative rejected, at most 24 hours).
fn number_duration_ms(secs: f64) -> std::result::Result<i64, DurationError> {
    let ms = (secs * 1000.0).round();
    if ms < 0.0 {
        Err(DurationError::Negative)
    } else if ms > MAX_DURATION_MS {
        Err(DurationError::OutOfRange)
    } else {
        // Zero (also -0.0) up to the limit: exact in i64.
        Ok(ms as i64)
    }
}

/// Yes/no in the spellings carriers and French exports use.
pub fn parse_bool(t: &str) -> Option<bool> {
    let l = t.trim().to_ascii_lowercase();
    match l.as_str() {
        "true" | "yes" | "y" | "1" | "oui" | "o" | "t" => Some(true),
        "false" | "no" | "n" | "0" | "non" | "f" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bool_spellings() {
        assert_eq!(parse_bool(" Oui "), Some(true));
        assert_eq!(parse_bool("NO"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }

    #[test]
    fn bool_single_letters_as_documented() {
        assert_eq!(parse_bool("t"), Some(true));
        assert_eq!(parse_bool(" F "), Some(false));
    }

    #[test]
    fn number_durations_follow_the_text_rules() {
        assert_eq!(number_duration_ms(32.0), Ok(32_000));
        assert_eq!(number_duration_ms(12.5), Ok(12_500));
        assert_eq!(number_duration_ms(-0.0), Ok(0));
        assert_eq!(number_duration_ms(86_400.0), Ok(86_400_000));
        assert_eq!(number_duration_ms(86_400.5), Err(DurationError::OutOfRange));
        assert_eq!(
            number_duration_ms(100_000.0),
            Err(DurationError::OutOfRange)
        );
        assert_eq!(
            number_duration_ms(f64::INFINITY),
            Err(DurationError::OutOfRange)
        );
        assert_eq!(number_duration_ms(-5.0), Err(DurationError::Negative));
    }
}
