//! The data dictionary of the results contract: what each results table holds and what each of
//! its columns means, for people who read `results/` in Excel, pandas or DuckDB.
//!
//! [`super::results`] says what the columns *are* (name, type, nullability, pseudonymisation
//! rule); this module says what they *mean*: the unit where there is one, and how the value is
//! computed or where it comes from, as `src/correlate/` computes it and `docs/method.md`
//! explains it. The texts are data, one `(column, text)` slice per table in the files beside
//! this one (grouped as the analyses are), so that a report can put them in a Markdown table
//! cell or an Excel note: one line each, no `|`, at most [`MAX_CHARS`] characters. A test
//! fails when a contract column has no text or a text names no column.
//!
//! Conventions the texts share:
//! - **E.164**: a phone number as `+` and its digits (`+15195550147`); under `--pseudonymize`
//!   a `pn-` token instead.
//! - **UTC (µs)**: an instant, Arrow `Timestamp(Microsecond, "UTC")` in Parquet, RFC 3339 in
//!   the CSV twin.
//! - **`file:row`**: an evidence reference: the evidence file's path relative to the case
//!   manifest's folder, and the 1-based line (CSV, JSON lines) or row (xlsx, Parquet, IPC) in
//!   it; `file:row#item` adds the element of a record read with the profile's `explode`.
//! - **list**: a column of type list of text ([`super::results::Type::TextList`]) holds its
//!   values as a Parquet/Arrow list; the CSV twin and the workbook show them joined with `; `,
//!   so its texts say what the items are and their order, not how they are joined.
//! - **ln**: the natural logarithm; p-values are carried as ln p, exact in log space, since
//!   the strongest findings lie far below the smallest `f64` (about 1e-308).

mod attribution;
mod chains;
mod lists;
mod numbers;
mod spread;

use super::results::Table;

/// The longest text, in characters.
pub const MAX_CHARS: usize = 400;

/// The texts of one table: `(column, text)`, in the contract's column order.
type Entries = &'static [(&'static str, &'static str)];

/// The text of every `p_text` column: one meaning wherever a test is written.
const P_TEXT: &str = "p = exp(ln_p) as text, 2 significant digits at any depth: plain decimals \
                      from 0.001 up (`0.056`), mantissa and exponent below (`2.1e-65`), `1` when \
                      ln_p is 0.";

/// The text of every `q_text` column.
const Q_TEXT: &str = "q = exp(ln_q) as text, written as p_text writes p: it keeps the depth that \
                      q, a float, loses below about 1e-308.";

/// What a results table holds: one or two sentences (what one row is, how rows are ordered).
///
/// # Examples
/// ```
/// use callsift::model::dictionary::table_doc;
/// use callsift::model::results::Table;
/// assert!(table_doc(Table::Numbers).starts_with("One row per originating number"));
/// ```
pub fn table_doc(t: Table) -> &'static str {
    match t {
        Table::Numbers => {
            "One row per originating number (a caller ID that is a number, on a received call: \
             to a complainant in the orders, inside the orders window), with its exact \
             binomial burst test and what is known of it; rows in rank order, most \
             significant first."
        }
        Table::Attribution => {
            "One row per received call that the one-to-one time-band join matched to a vendor \
             call-log record (a record takes at most one call), as the carrier and the vendor \
             recorded it; rows in the order of the calls in the store (case order, then file, \
             then row)."
        }
        Table::Campaigns => {
            "One row per campaign of the vendor call logs, in order of first appearance: who \
             stands behind it (the log and the campaign registry), what it dialled and \
             presented, and how many received calls the attribution matched to it."
        }
        Table::Offsets => {
            "One row per (carrier, vendor) pair of logs, carriers then vendors in order of first \
             appearance: the clock offset estimated between them and how many calls the pair \
             matched."
        }
        Table::Overlaps => {
            "One row per pair of a derived list (upload or campaign) and a candidate source \
             (download or poll response set) that share at least one number, with the \
             hypergeometric test of their overlap; most significant first."
        }
        Table::Enrichment => {
            "One row per list (uploads, campaigns, downloads, poll response sets, watch-lists) \
             tested against the distinct numbers of all complainants, in the orders or late; \
             most enriched first."
        }
        Table::PopulationCoverage => {
            "Written only with [analysis] restrict_to_population: per list (in enrichment's \
             list order), then one row for the complainants' numbers, its distinct numbers in \
             the population (what overlaps and enrichment counted) and outside it."
        }
        Table::Spread => {
            "Per set (campaigns, uploads, downloads, then the complainant lines each of the 20 \
             top-ranked originating numbers called), one row per district its numbers fall in, \
             then one with no district for the rest, against the scope of the account behind \
             the set."
        }
        Table::Skew => {
            "Per attribute of the population (age_band, then party) and set (campaigns, uploads, \
             downloads, in that order), the G-test of the set's members in the population \
             against the population's distribution; a set with no member of known value has no \
             row."
        }
        Table::SkewCategories => {
            "The direction of each skew row: one row per category of its attribute that some \
             population row holds, in name order, with the set's members observed against \
             those expected; it joins skew on set and attribute."
        }
        Table::Chains => {
            "One row per link of each chain: from a significant unexplained originating number \
             (rank order, one chain per campaign that presented it to complainants or was \
             attributed its calls) or an enriched campaign no such chain reached, through account, customer, upload, \
             source download, its account and scope; links in order."
        }
        Table::Derivations => {
            "One row per (list, source): each upload and campaign against each segment of the \
             party database as it stood on the list's date (the identification history), and \
             against each download it shares numbers with; by list (uploads, then campaigns), \
             then rank."
        }
        Table::Leads => {
            "CSV only. The originating numbers with q ≤ 0.05 that are not explained and have no \
             subscriber return or are likely spoofed, in rank order, with the numbering plan's \
             holder of their exchange: where the next production order goes."
        }
        Table::Dossier => {
            "One row per received call behind each lead (its calls) and each attributed campaign \
             (the calls matched to it), with the matched vendor record; leads by rank, then \
             campaigns by name, each subject's calls by time. A call can appear under both."
        }
    }
}

/// What a column means, with its unit where it has one (ms, µs, UTC, natural log, share 0-1…)
/// and how it is computed or where it comes from, in one to three sentences; `None` for a name
/// that is not a column of `t`.
///
/// # Examples
/// ```
/// use callsift::model::dictionary::column_doc;
/// use callsift::model::results::Table;
/// assert!(column_doc(Table::Offsets, "offset_ms").is_some_and(|d| d.contains("median")));
/// assert_eq!(column_doc(Table::Offsets, "no_such_column"), None);
/// ```
pub fn column_doc(t: Table, column: &str) -> Option<&'static str> {
    t.column(column)?;
    entries(t)
        .iter()
        .find(|(c, _)| *c == column)
        .map(|(_, text)| *text)
}

/// The texts of `t`'s columns.
fn entries(t: Table) -> Entries {
    match t {
        Table::Numbers => numbers::NUMBERS,
        Table::Leads => numbers::LEADS,
        Table::Attribution => attribution::ATTRIBUTION,
        Table::Campaigns => attribution::CAMPAIGNS,
        Table::Offsets => attribution::OFFSETS,
        Table::Dossier => attribution::DOSSIER,
        Table::Overlaps => lists::OVERLAPS,
        Table::Enrichment => lists::ENRICHMENT,
        Table::PopulationCoverage => lists::POPULATION_COVERAGE,
        Table::Derivations => lists::DERIVATIONS,
        Table::Spread => spread::SPREAD,
        Table::Skew => spread::SKEW,
        Table::SkewCategories => spread::SKEW_CATEGORIES,
        Table::Chains => chains::CHAINS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Why a text cannot go into a Markdown table cell or an Excel note, if it cannot.
    fn unfit(text: &str) -> Option<&'static str> {
        if text.trim().is_empty() {
            Some("is empty")
        } else if text.chars().count() > MAX_CHARS {
            Some("is longer than MAX_CHARS")
        } else if text.contains(['\n', '\r']) {
            Some("holds a line break")
        } else if text.contains('|') {
            Some("holds a `|`")
        } else if text.contains("  ") {
            Some("holds a double space (a broken line continuation?)")
        } else {
            None
        }
    }

    #[test]
    fn every_contract_column_has_a_text_and_every_text_a_column() {
        for t in Table::ALL {
            let texts = entries(t);
            for c in t.columns() {
                assert!(
                    column_doc(t, c.name).is_some(),
                    "{}.{}: a contract column without a text in the dictionary",
                    t.name(),
                    c.name
                );
            }
            for (name, _) in texts {
                assert!(
                    t.column(name).is_some(),
                    "{}.{name}: a text for a column the contract does not have",
                    t.name()
                );
            }
            let names: Vec<&str> = texts.iter().map(|e| e.0).collect();
            let want: Vec<&str> = t.columns().iter().map(|c| c.name).collect();
            assert_eq!(names, want, "{}: texts not in contract order", t.name());
        }
    }

    #[test]
    fn every_table_has_a_text() {
        for t in Table::ALL {
            let d = table_doc(t);
            assert!(unfit(d).is_none(), "{}: {d:?}", t.name());
        }
    }

    #[test]
    fn every_text_fits_a_cell() {
        for t in Table::ALL {
            if let Some(why) = unfit(table_doc(t)) {
                panic!("the text of table {} {why}", t.name());
            }
            for (c, text) in entries(t) {
                if let Some(why) = unfit(text) {
                    panic!("the text of {}.{c} {why}: {text:?}", t.name());
                }
            }
        }
    }

    #[test]
    fn a_name_that_is_not_a_column_has_no_text() {
        assert_eq!(column_doc(Table::Numbers, "vendor"), None);
        assert_eq!(column_doc(Table::Numbers, ""), None);
        assert!(column_doc(Table::Numbers, "ln_p").is_some_and(|d| d.contains("log space")));
        // Same name, different tables, different meanings.
        assert_ne!(
            column_doc(Table::Dossier, "start"),
            column_doc(Table::Chains, "start")
        );
    }
}
