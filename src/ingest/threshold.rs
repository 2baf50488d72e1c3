//! The quarantine threshold: a file too much of which went to the quarantine stops the run.
//!
//! A wrong profile (a time format that never matches, a column mapped to the wrong source)
//! sends every record of a file to the quarantine, and the run would otherwise go on with the
//! file silently missing from the analysis. So each file's *quarantined share*, its quarantined
//! records over the records its row filter kept (`quarantined / (rows_read − filtered)`, 0 for
//! a file without such records), is compared with its profile's `max_quarantine_share`
//! (default 0.2); a file above it stops the run before anything is written (exit 4), with its
//! three commonest reasons and an example record of each.
//!
//! Reasons are grouped by column and by their text with every quoted value (`"…"`) blanked, so
//! that `timestamp does not match …: "2011/05/02"` and `…: "2011/05/03"` are one reason.

use std::collections::BTreeMap;

use super::FileOut;
use crate::config::{Case, InputFile};
use crate::error::{Error, Result};
use crate::profile::Format;

/// How many reasons the error lists.
const REASONS_SHOWN: usize = 3;
/// The longest example record shown, in characters.
const EXAMPLE_CHARS: usize = 120;

/// Checks every file's quarantined share against its profile's `max_quarantine_share`.
///
/// # Errors
/// [`Error::Input`] naming the first file (in case order) above it, its share and its three
/// commonest reasons, each with an example record.
pub(super) fn check(case: &Case, files: &[FileOut]) -> Result<()> {
    for (f, fo) in case.files.iter().zip(files) {
        let c = &fo.loaded.counts;
        let considered = c.rows_read - c.filtered;
        let share = quarantined_share(c.quarantined, considered);
        let max = f.spec.max_quarantine_share;
        if share > max {
            return Err(Error::input(
                &f.path,
                None,
                message(f, fo, c.quarantined, considered, share),
            ));
        }
    }
    Ok(())
}

/// `quarantined / considered`, 0 when nothing was considered.
pub fn quarantined_share(quarantined: u64, considered: u64) -> f64 {
    if considered == 0 {
        0.0
    } else {
        quarantined as f64 / considered as f64
    }
}

/// The error's text: the share, the limit, the commonest reasons, what to do.
fn message(f: &InputFile, fo: &FileOut, quarantined: u64, considered: u64, share: f64) -> String {
    let max = f.spec.max_quarantine_share;
    let unit = match f.format {
        Format::Csv | Format::Jsonl => "line",
        Format::Xlsx | Format::Parquet | Format::Ipc => "row",
    };
    let mut s = format!(
        "{quarantined} of {considered} records ({:.1} %) went to the quarantine, more than \
         max_quarantine_share = {max} ({:.1} %) of profile `{}` allows; nothing was written. \
         Commonest reasons:",
        share * 100.0,
        max * 100.0,
        f.profile_name
    );
    for r in commonest(fo) {
        let col = r
            .column
            .map(|c| format!("column `{c}`: "))
            .unwrap_or_default();
        s.push_str(&format!(
            "\n  {} × {col}{} (e.g. {unit} {}: {:?})",
            r.count,
            r.class,
            r.row,
            shorten(r.raw)
        ));
    }
    s.push_str(&format!(
        "\nCheck the profile against the file (timestamp_formats, columns, encoding, \
         delimiter); if the file is really that damaged, raise max_quarantine_share in profile \
         `{}` (1 never stops).",
        f.profile_name
    ));
    s
}

/// One kind of reason of a file's quarantine, with its first record.
struct Reason<'a> {
    column: Option<&'static str>,
    class: String,
    count: u64,
    row: u64,
    raw: &'a str,
}

/// The file's commonest reasons, most frequent first (ties: the one met first in the file).
fn commonest(fo: &FileOut) -> Vec<Reason<'_>> {
    let mut by: BTreeMap<(Option<&'static str>, String), Reason<'_>> = BTreeMap::new();
    for q in &fo.quarantine {
        let class = blank_quoted(&q.reason);
        let r = by.entry((q.column, class.clone())).or_insert(Reason {
            column: q.column,
            class,
            count: 0,
            row: q.row,
            raw: &q.raw,
        });
        r.count += 1;
        if q.row < r.row {
            (r.row, r.raw) = (q.row, &q.raw);
        }
    }
    let mut v: Vec<Reason<'_>> = by.into_values().collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then(a.row.cmp(&b.row)));
    v.truncate(REASONS_SHOWN);
    v
}

/// The reason with every double-quoted value (with `\"` escapes inside) replaced by `"…"`.
fn blank_quoted(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len());
    let mut chars = reason.chars();
    while let Some(ch) = chars.next() {
        if ch != '"' {
            out.push(ch);
            continue;
        }
        let mut closed = false;
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    closed = true;
                    break;
                }
                _ => {}
            }
        }
        out.push_str(if closed { "\"…\"" } else { "\"…" });
    }
    out
}

/// At most [`EXAMPLE_CHARS`] characters of a record, `…` marking a cut.
fn shorten(raw: &str) -> String {
    match raw.char_indices().nth(EXAMPLE_CHARS) {
        Some((i, _)) => format!("{}…", &raw[..i]),
        None => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_blanked() {
        assert_eq!(
            blank_quoted("timestamp does not match the profile's time format(s): \"2011/05/02\""),
            "timestamp does not match the profile's time format(s): \"…\""
        );
        assert_eq!(
            blank_quoted("invalid number \"55\\\"5\": too few digits"),
            "invalid number \"…\": too few digits"
        );
        assert_eq!(
            blank_quoted("too few fields: 2 of 4"),
            "too few fields: 2 of 4"
        );
        assert_eq!(blank_quoted("open \"quote"), "open \"…");
    }

    #[test]
    fn shares_and_examples() {
        assert_eq!(quarantined_share(0, 0), 0.0);
        assert_eq!(quarantined_share(1, 4), 0.25);
        assert_eq!(shorten("abc"), "abc");
        let long = "é".repeat(200);
        assert_eq!(shorten(&long).chars().count(), EXAMPLE_CHARS + 1);
    }
}
