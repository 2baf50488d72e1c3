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
//! What is replaced, column by column, is part of the results contract: every text column of
//! every results table carries its [`Rule`] ([`crate::model::results::Column::rule`]), and
//! [`pseudonymize_batch`] refuses a table whose columns differ from the contract, so a column
//! added later cannot leak numbers unnoticed. Columns listed as
//! [`Rule::Keep`] (names of carriers, vendors, campaigns, lists, accounts, districts, evidence
//! references) are still scanned for embedded canonical numbers (`+` and 8 to 15 digits),
//! which are replaced by their tokens too. A list column ([`Type::TextList`]) has its rule
//! applied to each item, and a list of numbers ([`Rule::NumberList`]) its tokens sorted.
//!
//! The case store (`DIR/store/`, with its quarantine) is never pseudonymised: it is the
//! investigator's working copy, not a shareable output. `docs/cli.md` says what stays in clear.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, ListArray, RecordBatch, StringArray};
use hmac::{Hmac, Mac};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use crate::model::results::Rule;
use crate::model::results::{Table, Type};
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
        format!("{prefix}{}", crate::digest::hex(&h[..16]))
    }

    /// The key's fingerprint, recorded in the manifest: the HMAC-SHA-256 of a fixed label, hex.
    /// It tells which key made a set of tokens without revealing the key.
    pub fn fingerprint(&self) -> String {
        crate::digest::hex(&self.hmac(FINGERPRINT_LABEL))
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

    /// Applies a rule to one item of a list cell ([`Type::TextList`]): as [`Key::apply`] to a
    /// cell of text, but a [`Rule::NumberList`] item is one number (the caller sorts a row's
    /// tokens).
    pub fn apply_item(&self, rule: Rule, s: &str) -> String {
        match rule {
            Rule::NumberList => self.number_cell(s),
            _ => self.apply(rule, s),
        }
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

/// A results table with its text columns mapped by their contract [`Rule`]s, column by column;
/// other columns are shared, not copied. Nulls stay null.
///
/// # Errors
/// [`Error::Store`] naming the table when its columns differ from the contract (a bug,
/// reported rather than risking a number left in clear).
pub fn pseudonymize_batch(key: &Key, table: Table, batch: &RecordBatch) -> Result<RecordBatch> {
    let what = format!("results table {}", table.name());
    let schema = batch.schema();
    if let Some(m) = table.mismatch(&schema) {
        return Err(Error::store(
            &what,
            format!("{m}: not pseudonymised, its columns differ from the contract"),
        ));
    }
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for (c, col) in table.columns().iter().zip(batch.columns()) {
        let bad = || Error::store(&what, format!("column '{}' is not of its type", c.name));
        match c.ty {
            Type::Text => {
                let s = col.as_string_opt::<i32>().ok_or_else(bad)?;
                let mapped: Vec<Option<String>> = (0..s.len())
                    .into_par_iter()
                    .map(|i| s.is_valid(i).then(|| key.apply(c.rule, s.value(i))))
                    .collect();
                columns.push(Arc::new(StringArray::from(mapped)));
            }
            Type::TextList => {
                let l = col.as_list_opt::<i32>().ok_or_else(bad)?;
                columns.push(Arc::new(pseudonymize_list(key, c.rule, l).ok_or_else(bad)?));
            }
            _ => columns.push(col.clone()),
        }
    }
    RecordBatch::try_new(schema, columns).map_err(|e| Error::store(&what, e))
}

/// A list-of-text column with `rule` applied to each item ([`Key::apply_item`]); for
/// [`Rule::NumberList`] each row's tokens sorted, so that their order says nothing about the
/// numbers. The offsets and nulls are kept: a list keeps its length, a null stays null. `None`
/// when the items are not text.
fn pseudonymize_list(key: &Key, rule: Rule, l: &ListArray) -> Option<ListArray> {
    let v = l.values().as_string_opt::<i32>()?;
    let mut items: Vec<Option<String>> = (0..v.len())
        .into_par_iter()
        .map(|j| v.is_valid(j).then(|| key.apply_item(rule, v.value(j))))
        .collect();
    if rule == Rule::NumberList {
        let o = l.value_offsets();
        for i in 0..l.len() {
            let (from, to) = (o[i].max(0) as usize, o[i + 1].max(0) as usize);
            if let Some(row) = items.get_mut(from..to) {
                row.sort_unstable();
            }
        }
    }
    let field = match l.data_type() {
        arrow::datatypes::DataType::List(f) => f.clone(),
        _ => return None,
    };
    ListArray::try_new(
        field,
        l.offsets().clone(),
        Arc::new(StringArray::from(items)),
        l.nulls().cloned(),
    )
    .ok()
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
    fn list_items_are_mapped_one_by_one_and_number_tokens_sorted() {
        use crate::model::results::list_item_field;
        use arrow::array::{ListBuilder, StringBuilder};
        let k = key();
        let t = |s: &str| k.token(s);
        let mut b = ListBuilder::new(StringBuilder::new()).with_field(Arc::new(list_item_field()));
        b.append_value(["+16135550102", "+16135550101", "PRIVATE"].map(Some));
        b.append_null();
        b.append_value(["+16135550101"].map(Some));
        b.append_value(Vec::<Option<&str>>::new());
        let l = b.finish();
        let rows = |a: &ListArray| -> Vec<Option<Vec<String>>> {
            (0..a.len())
                .map(|i| {
                    a.is_valid(i).then(|| {
                        let v = a.value(i);
                        let v = v.as_string::<i32>();
                        (0..v.len()).map(|j| v.value(j).to_string()).collect()
                    })
                })
                .collect()
        };
        let p = pseudonymize_list(&k, Rule::NumberList, &l).unwrap();
        assert_eq!(p.data_type(), l.data_type());
        let mut first = vec![t("+16135550102"), t("+16135550101"), "PRIVATE".to_string()];
        first.sort();
        assert_eq!(
            rows(&p),
            [
                Some(first),
                None,
                Some(vec![t("+16135550101")]),
                Some(vec![])
            ]
        );
        // Kept text: each item scrubbed, the order kept.
        let p = pseudonymize_list(&k, Rule::Keep, &l).unwrap();
        assert_eq!(
            rows(&p)[0],
            Some(vec![
                t("+16135550102"),
                t("+16135550101"),
                "PRIVATE".to_string()
            ])
        );
    }

    /// A list column of a contract table: `campaigns.presented` (numbers) gets each item's token,
    /// sorted; `campaigns.registry_evidence` (references) keeps its items and their order; a
    /// null list stays null.
    #[test]
    fn batch_maps_list_columns_item_by_item() {
        use crate::model::results::list_item_field;
        use arrow::array::{new_null_array, BooleanArray, ListBuilder, StringBuilder};
        use arrow::datatypes::DataType;
        let k = key();
        let list = |rows: &[Option<&[&str]>]| -> ArrayRef {
            let mut b =
                ListBuilder::new(StringBuilder::new()).with_field(Arc::new(list_item_field()));
            for r in rows {
                b.append_option(r.map(|r| r.iter().map(|x| Some(*x))));
            }
            Arc::new(b.finish())
        };
        let schema = Table::Campaigns.schema();
        let columns: Vec<ArrayRef> = schema
            .fields()
            .iter()
            .map(|f| match f.name().as_str() {
                "campaign" => Arc::new(StringArray::from(vec!["c1", "c2"])) as ArrayRef,
                "presented" => list(&[Some(&["+16135550102", "+16135550101"]), None]),
                "registry_evidence" => list(&[Some(&["reg.csv:3", "reg.csv:1"]), None]),
                _ if f.is_nullable() => new_null_array(f.data_type(), 2),
                _ if f.data_type() == &DataType::Boolean => {
                    Arc::new(BooleanArray::from(vec![false; 2]))
                }
                _ => Arc::new(arrow::array::UInt64Array::from(vec![0u64; 2])),
            })
            .collect();
        let b = RecordBatch::try_new(schema, columns).unwrap();
        let p = pseudonymize_batch(&k, Table::Campaigns, &b).unwrap();
        assert_eq!(p.schema(), b.schema());
        let items = |name: &str, i: usize| -> Option<Vec<String>> {
            let l = p.column_by_name(name).unwrap().as_list::<i32>();
            l.is_valid(i).then(|| {
                let v = l.value(i);
                let v = v.as_string::<i32>();
                (0..v.len()).map(|j| v.value(j).to_string()).collect()
            })
        };
        let mut tokens = vec![k.token("+16135550102"), k.token("+16135550101")];
        tokens.sort();
        assert_eq!(items("presented", 0), Some(tokens));
        assert_eq!(items("presented", 1), None);
        assert_eq!(
            items("registry_evidence", 0),
            Some(vec!["reg.csv:3".into(), "reg.csv:1".into()])
        );
        assert_eq!(items("registry_evidence", 1), None);
    }

    #[test]
    fn batch_maps_text_columns_by_the_contract_and_refuses_other_shapes() {
        let k = key();
        let b = TableBuilder::default()
            .u64("rank", vec![1, 2])
            .u64_opt("rank_unexplained", vec![Some(1), Some(2)])
            .text_dense("number", &["+16135550101", "+442079460958"])
            .test_columns(vec![-9.0, -8.0], vec![-5.0, -4.0])
            .u64("only_incident", vec![5, 4])
            .text("country_code", vec![Some("1"), None])
            .text("area_code", vec![Some("613"), None])
            .text("exchange_holder", vec![Some("Bell"), None])
            .text("exchange_status", vec![Some("in service"), None])
            .text("country", vec![Some("CA"), None])
            .text("region", vec![Some("ON"), None])
            .text_dense("subscriber_status", &["refused", "not_requested"])
            .bool("spoofed_likely", vec![true, false])
            .text(
                "note",
                vec![
                    Some("presented by campaign c of vendor v; the subscriber may be an innocent party"),
                    None,
                ],
            )
            .text_dense("evidence", &["a.csv:3", "b.csv:9"])
            .build(Table::Leads)
            .unwrap();
        let p = pseudonymize_batch(&k, Table::Leads, &b).unwrap();
        assert_eq!(p.schema(), b.schema());
        let num = p.column_by_name("number").unwrap().as_string::<i32>();
        assert_eq!(num.value(0), k.token("+16135550101"));
        assert_eq!(num.value(1), k.token("+442079460958"));
        let cc = p.column_by_name("country_code").unwrap().as_string::<i32>();
        assert!(cc.is_null(1));
        // A campaign's name is kept (`Rule::Keep`), as in `campaigns`.
        assert_eq!(p.column_by_name("note"), b.column_by_name("note"));
        assert_eq!(p.column(0), b.column(0));
        // A text column the contract lacks, a table of another shape, a column missing.
        let extra = TableBuilder::default()
            .text_dense("carrier", &["c"])
            .text_dense("vendor", &["v"])
            .i64_opt("offset_ms", vec![None])
            .u64("candidates", vec![0])
            .i64_opt("mad_ms", vec![None])
            .u64("matches", vec![0])
            .text_dense("note", &["+16135550101"])
            .build_any()
            .unwrap();
        let e = pseudonymize_batch(&k, Table::Offsets, &extra).unwrap_err();
        assert!(e.to_string().contains("'note'"), "{e}");
        assert!(pseudonymize_batch(&k, Table::Offsets, &b).is_err());
        let lacking = TableBuilder::default()
            .u64("rank", vec![1])
            .build_any()
            .unwrap();
        assert!(pseudonymize_batch(&k, Table::Overlaps, &lacking).is_err());
    }
}
