//! Pseudonymised sharing (`--pseudonymize KEYFILE`): every phone number in `DIR/results/`
//! replaced by a keyed token, so the results can go to counsel or another agency.
//!
//! A token is `pn-` and 32 lowercase hex digits: HMAC-SHA-256, keyed with the bytes of a per-case
//! key file, over the canonical E.164 text (`+16135550101`), truncated to its first 128 bits. A
//! plain hash would not do: the space of phone numbers is small enough to hash in full, so an
//! unkeyed digest is reversed by a table; without the key a token cannot be recomputed. One key
//! gives the same token for the same number in every table and every run, so tokens join across
//! tables and reports of one case; a new key per case prevents linking cases.
//!
//! What is replaced, table by table, is an explicit list ([`rules`]): every text column of every
//! results table must be listed, and [`pseudonymize_batch`] refuses a table or a text column it
//! has no rule for, so a column added later cannot leak numbers unnoticed. Columns listed as
//! [`Rule::Keep`] (names of carriers, vendors, campaigns, lists, accounts, districts, evidence
//! references) are still scanned for embedded canonical numbers (`+` and 8 to 15 digits),
//! which are replaced by their tokens too.
//!
//! The case store (`DIR/store/`, with its quarantine) is never pseudonymised: it is the
//! investigator's working copy, not a shareable output. `docs/cli.md` says what stays in clear.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray};
use arrow::datatypes::DataType;
use hmac::{Hmac, Mac};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::{Error, Result};

/// The prefix of a phone-number token (`pn-` and 32 hex digits).
pub const TOKEN_PREFIX: &str = "pn-";

/// The prefix of a subscriber-name token (`nm-` and 32 hex digits).
pub const NAME_PREFIX: &str = "nm-";

/// The fewest bytes a key file may hold.
pub const MIN_KEY_BYTES: usize = 16;

/// The scheme, as recorded in the manifest.
pub const SCHEME: &str = "HMAC-SHA-256 over the E.164 text, first 128 bits, hex";

/// The fixed label whose HMAC is the key's fingerprint.
const FINGERPRINT_LABEL: &[u8] = b"callsift pseudonym key fingerprint v1";

type HmacSha256 = Hmac<Sha256>;

/// A pseudonymisation key, read from a file. Its bytes are never printed: `Debug` shows only
/// the fingerprint.
#[derive(Clone)]
pub struct Key {
    /// The HMAC state after absorbing the key; cloned for each token.
    mac: HmacSha256,
}

impl Key {
    /// Reads a key: the file's whole bytes (a trailing newline, if any, is part of the key).
    ///
    /// # Errors
    /// [`Error::Config`] naming the file when it cannot be read or is shorter than
    /// [`MIN_KEY_BYTES`].
    pub fn from_file(path: &Path) -> Result<Key> {
        let bytes = std::fs::read(path).map_err(|e| {
            Error::config(path, format!("cannot read the pseudonymisation key: {e}"))
        })?;
        Key::from_bytes(&bytes).map_err(|msg| Error::config(path, msg))
    }

    /// A key from bytes.
    ///
    /// # Errors
    /// A message when there are fewer than [`MIN_KEY_BYTES`].
    pub fn from_bytes(bytes: &[u8]) -> std::result::Result<Key, String> {
        if bytes.len() < MIN_KEY_BYTES {
            return Err(format!(
                "the pseudonymisation key has {} bytes, at least {MIN_KEY_BYTES} are needed \
                 (make one with `head -c 32 /dev/urandom > case.key`)",
                bytes.len()
            ));
        }
        let mac = HmacSha256::new_from_slice(bytes).map_err(|e| e.to_string())?;
        Ok(Key { mac })
    }

    fn hmac(&self, data: &[u8]) -> [u8; 32] {
        let mut m = self.mac.clone();
        m.update(data);
        m.finalize().into_bytes().into()
    }

    /// The token of a phone number given as its canonical E.164 text (`+16135550101`):
    /// [`TOKEN_PREFIX`] and the first 128 bits of its HMAC-SHA-256, in lowercase hex.
    pub fn token(&self, e164: &str) -> String {
        self.prefixed(TOKEN_PREFIX, e164)
    }

    fn prefixed(&self, prefix: &str, text: &str) -> String {
        let h = self.hmac(text.as_bytes());
        format!("{prefix}{}", crate::load::hex(&h[..16]))
    }

    /// The key's fingerprint, recorded in the manifest: the HMAC-SHA-256 of a fixed label, hex.
    /// It tells which key made a set of tokens without revealing the key.
    pub fn fingerprint(&self) -> String {
        crate::load::hex(&self.hmac(FINGERPRINT_LABEL))
    }

    /// What the manifest records about a pseudonymised run.
    pub fn record(&self) -> Pseudonymization {
        Pseudonymization {
            scheme: SCHEME.to_string(),
            token_prefix: TOKEN_PREFIX.to_string(),
            key_fingerprint: self.fingerprint(),
            scope: "results/ (not store/)".to_string(),
        }
    }

    /// A set or list name of the results (`upload:…`, `campaign:…`, `number:+1…`): a `number:`
    /// set gets its number's token; any other name has its embedded numbers replaced.
    pub fn set_name(&self, name: &str) -> String {
        match name.strip_prefix("number:") {
            Some(n) => format!("number:{}", self.number_cell(n)),
            None => self.scrub(name),
        }
    }

    /// A cell that holds one number, or the raw caller-ID text where it was blocked or invalid:
    /// the token of the text when it holds any digit; text without a digit (`PRIVATE`,
    /// `Anonymous`) is kept.
    fn number_cell(&self, s: &str) -> String {
        if s.chars().any(char::is_numeric) {
            self.token(s)
        } else {
            s.to_string()
        }
    }

    /// Free text with every embedded canonical number (`+` then 8 to 15 ASCII digits, not
    /// followed by another digit) replaced by its token.
    pub fn scrub(&self, s: &str) -> String {
        let b = s.as_bytes();
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'+' {
                let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if (8..=15).contains(&digits) {
                    out.push_str(&s[last..i]);
                    out.push_str(&self.token(&s[i..i + 1 + digits]));
                    i += 1 + digits;
                    last = i;
                    continue;
                }
                i += 1 + digits;
                continue;
            }
            i += 1;
        }
        out.push_str(&s[last..]);
        out
    }

    /// Applies a rule to one cell.
    pub fn apply(&self, rule: Rule, s: &str) -> String {
        match rule {
            Rule::Keep => self.scrub(s),
            Rule::Number => self.number_cell(s),
            Rule::NumberList => {
                let mut v: Vec<String> =
                    s.split("; ").map(|x| self.number_cell(x.trim())).collect();
                // Sorted again, so the order of the tokens says nothing about the numbers.
                v.sort_unstable();
                v.join("; ")
            }
            Rule::SetName => self.set_name(s),
            Rule::Name => self.prefixed(NAME_PREFIX, s),
        }
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

/// What `manifest.json` records of a pseudonymised run (never the key).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Pseudonymization {
    /// How tokens are made ([`SCHEME`]).
    pub scheme: String,
    /// The token prefix ([`TOKEN_PREFIX`]).
    pub token_prefix: String,
    /// [`Key::fingerprint`].
    pub key_fingerprint: String,
    /// Which outputs are pseudonymised.
    pub scope: String,
}

/// What happens to a text column of a results table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Not a number (a name, a status, a reference): kept, embedded canonical numbers replaced.
    Keep,
    /// One phone number per cell (or the raw caller-ID text): its token.
    Number,
    /// Phone numbers joined with `; `: each replaced, the tokens sorted.
    NumberList,
    /// A set or list name, which is a number for the `number:` sets of the spread table.
    SetName,
    /// A person's name (the subscriber behind a number): an `nm-` token, since a name beside a
    /// token would identify the number again.
    Name,
}

/// The text columns of every results table and their rules. Non-text columns (counts, ranks,
/// scores, times, flags) are kept; results hold phone numbers only as E.164 text.
pub const RULES: &[(&str, &[(&str, Rule)])] = {
    use Rule::*;
    &[
        (
            "numbers",
            &[
                ("number", Number),
                ("p_text", Keep),
                ("subscriber_status", Keep),
                ("subscriber_name", Name),
                ("watchlists", Keep),
                ("campaigns", Keep),
                ("districts", Keep),
                ("evidence", Keep),
            ],
        ),
        (
            "attribution",
            &[
                ("source_file", Keep),
                ("carrier", Keep),
                ("called", Number),
                ("seen", Number),
                ("seen_status", Keep),
                ("vendor", Keep),
                ("campaign", Keep),
                ("account", Keep),
                ("presented", Number),
                ("vendor_source_file", Keep),
            ],
        ),
        (
            "campaigns",
            &[
                ("campaign", Keep),
                ("vendor", Keep),
                ("account", Keep),
                ("presented", NumberList),
            ],
        ),
        ("offsets", &[("carrier", Keep), ("vendor", Keep)]),
        ("overlaps", &[("list_a", SetName), ("list_b", SetName)]),
        ("enrichment", &[("list", SetName), ("kind", Keep)]),
        (
            "spread",
            &[
                ("set", SetName),
                ("kind", Keep),
                ("district", Keep),
                ("scope", Keep),
                ("scope_from", Keep),
            ],
        ),
        ("skew", &[("set", SetName), ("attribute", Keep)]),
        (
            "leads",
            &[
                ("number", Number),
                ("country_code", Keep),
                ("area_code", Keep),
                ("exchange_holder", Keep),
                ("exchange_status", Keep),
                ("country", Keep),
                ("region", Keep),
                ("subscriber_status", Keep),
                ("evidence", Keep),
            ],
        ),
    ]
};

/// The rules of a results table, `None` for a table without any.
pub fn rules(table: &str) -> Option<&'static [(&'static str, Rule)]> {
    RULES.iter().find(|(t, _)| *t == table).map(|(_, r)| *r)
}

fn is_text(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_text(v),
        _ => false,
    }
}

/// A results table with its text columns mapped by the table's [`rules`], column by column;
/// other columns are shared, not copied. Nulls stay null.
///
/// # Errors
/// [`Error::Store`] naming the table when it has no rules, a text column has no rule, a listed
/// column is missing or not plain UTF-8: each a bug to fix in [`RULES`], reported rather than
/// risking a number left in clear.
pub fn pseudonymize_batch(key: &Key, table: &str, batch: &RecordBatch) -> Result<RecordBatch> {
    let what = format!("results table {table}");
    let rules = rules(table)
        .ok_or_else(|| Error::store(&what, "no pseudonymisation rules for this table"))?;
    for (name, _) in rules {
        if batch.column_by_name(name).is_none() {
            return Err(Error::store(
                &what,
                format!("pseudonymisation rule for column '{name}', which the table lacks"),
            ));
        }
    }
    let schema = batch.schema();
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for (field, col) in schema.fields().iter().zip(batch.columns()) {
        if !is_text(field.data_type()) {
            columns.push(col.clone());
            continue;
        }
        let Some(&(_, rule)) = rules.iter().find(|(n, _)| n == field.name()) else {
            return Err(Error::store(
                &what,
                format!(
                    "text column '{}' has no pseudonymisation rule (add it to pseudonym::RULES)",
                    field.name()
                ),
            ));
        };
        if field.data_type() != &DataType::Utf8 {
            return Err(Error::store(
                &what,
                format!(
                    "text column '{}' is {}, not Utf8",
                    field.name(),
                    field.data_type()
                ),
            ));
        }
        let s = col.as_string::<i32>();
        let mapped: Vec<Option<String>> = (0..s.len())
            .into_par_iter()
            .map(|i| s.is_valid(i).then(|| key.apply(rule, s.value(i))))
            .collect();
        columns.push(Arc::new(StringArray::from(mapped)));
    }
    RecordBatch::try_new(schema, columns).map_err(|e| Error::store(&what, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::correlate::cols::TableBuilder;

    /// 32 bytes.
    const KAT_KEY: &[u8] = b"callsift known-answer test key!!";

    fn key() -> Key {
        Key::from_bytes(KAT_KEY).unwrap()
    }

    #[test]
    fn known_answer() {
        // Computed independently with Python 3's hmac module:
        // python3 -c 'import hmac,hashlib; k=b"callsift known-answer test key!!";
        //   print(hmac.new(k, b"+16135550101", hashlib.sha256).hexdigest()[:32]);
        //   print(hmac.new(k, b"callsift pseudonym key fingerprint v1", hashlib.sha256).hexdigest())'
        assert_eq!(KAT_KEY.len(), 32);
        assert_eq!(
            key().token("+16135550101"),
            "pn-de6e5963fb057b41fe5a0bf0cbcc1d46"
        );
        assert_eq!(
            key().fingerprint(),
            "832b6098cb6d01d99a9332f833b33cf2e7d7340c999d747ac295d41747bfc700"
        );
    }

    #[test]
    fn token_shape_stable_and_keyed() {
        let k = key();
        let t = k.token("+16135550101");
        assert_eq!(t.len(), TOKEN_PREFIX.len() + 32);
        let hex = t.strip_prefix(TOKEN_PREFIX).unwrap();
        assert!(hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        // Stable for one key (and a fresh key from the same bytes).
        assert_eq!(t, k.token("+16135550101"));
        assert_eq!(t, Key::from_bytes(KAT_KEY).unwrap().token("+16135550101"));
        // Different for another number and another key.
        assert_ne!(t, k.token("+16135550102"));
        let other = Key::from_bytes(b"another key of enough bytes").unwrap();
        assert_ne!(t, other.token("+16135550101"));
        assert_ne!(k.fingerprint(), other.fingerprint());
    }

    #[test]
    fn short_or_missing_key_file_is_a_config_error() {
        let d = tempfile::tempdir().unwrap();
        let short = d.path().join("short.key");
        std::fs::write(&short, b"fifteen bytes!!").unwrap();
        let e = Key::from_file(&short).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().contains("short.key"), "{e}");
        assert!(e.to_string().contains("15 bytes"), "{e}");
        let missing = d.path().join("missing.key");
        let e = Key::from_file(&missing).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().contains("missing.key"), "{e}");
        let ok = d.path().join("ok.key");
        std::fs::write(&ok, b"sixteen bytes!!!").unwrap();
        assert!(Key::from_file(&ok).is_ok());
    }

    #[test]
    fn debug_never_shows_the_key() {
        let s = format!("{:?}", key());
        assert!(!s.contains("known-answer"), "{s}");
        assert!(s.contains(&key().fingerprint()));
    }

    #[test]
    fn cells() {
        let k = key();
        let t = |s: &str| k.token(s);
        assert_eq!(k.apply(Rule::Number, "+16135550101"), t("+16135550101"));
        // Raw caller-ID text: kept without a digit, a token with one.
        assert_eq!(k.apply(Rule::Number, "PRIVATE"), "PRIVATE");
        assert_eq!(k.apply(Rule::Number, "6.13555E+09"), t("6.13555E+09"));
        assert_eq!(k.apply(Rule::Number, "６１３５５５"), t("６１３５５５"));
        let list = k.apply(Rule::NumberList, "+16135550101; +16135550102");
        let mut want = [t("+16135550101"), t("+16135550102")];
        want.sort();
        assert_eq!(list, want.join("; "));
        assert_eq!(
            k.apply(Rule::SetName, "number:+16135550101"),
            format!("number:{}", t("+16135550101"))
        );
        assert_eq!(k.apply(Rule::SetName, "upload:list-7"), "upload:list-7");
        assert_eq!(
            k.apply(Rule::Keep, "calls +16135550101.csv:4"),
            format!("calls {}.csv:4", t("+16135550101"))
        );
        // Not a canonical number: too short, or a `+` alone.
        assert_eq!(
            k.apply(Rule::Keep, "q +1234567, a+b +"),
            "q +1234567, a+b +"
        );
        let name = k.apply(Rule::Name, "Jane Roe");
        assert!(name.starts_with(NAME_PREFIX) && name.len() == NAME_PREFIX.len() + 32);
    }

    #[test]
    fn batch_maps_listed_columns_and_refuses_unknown_ones() {
        let k = key();
        let b = TableBuilder::default()
            .u64("rank", vec![1, 2])
            .text_dense("number", &["+16135550101", "+442079460958"])
            .text("country_code", vec![Some("1"), None])
            .text_dense("area_code", &["613", ""])
            .text_dense("exchange_holder", &["Bell", ""])
            .text_dense("exchange_status", &["", ""])
            .text_dense("country", &["CA", ""])
            .text_dense("region", &["ON", ""])
            .text_dense("subscriber_status", &["refused", "not_requested"])
            .text_dense("evidence", &["a.csv:3", "b.csv:9"])
            .build("leads")
            .unwrap();
        let p = pseudonymize_batch(&k, "leads", &b).unwrap();
        assert_eq!(p.schema(), b.schema());
        let num = p.column_by_name("number").unwrap().as_string::<i32>();
        assert_eq!(num.value(0), k.token("+16135550101"));
        assert_eq!(num.value(1), k.token("+442079460958"));
        let cc = p.column_by_name("country_code").unwrap().as_string::<i32>();
        assert!(cc.is_null(1));
        assert_eq!(p.column(0), b.column(0));
        // A text column without a rule, a table without rules, a rule without its column.
        let extra = TableBuilder::default()
            .text_dense("list_a", &["x"])
            .text_dense("list_b", &["y"])
            .text_dense("note", &["+16135550101"])
            .build("overlaps")
            .unwrap();
        let e = pseudonymize_batch(&k, "overlaps", &extra).unwrap_err();
        assert!(e.to_string().contains("'note'"), "{e}");
        assert!(pseudonymize_batch(&k, "nope", &extra).is_err());
        let lacking = TableBuilder::default()
            .text_dense("list_a", &["x"])
            .build("overlaps")
            .unwrap();
        assert!(pseudonymize_batch(&k, "overlaps", &lacking).is_err());
    }
}
