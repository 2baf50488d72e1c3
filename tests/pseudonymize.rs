//! `--pseudonymize`: no phone number of the case store appears in any file under `results/`
//! (CSV, JSON, Parquet bytes and Parquet text read back), in E.164, 11-digit, 10-digit or
//! dashed form; every token is the keyed token of a store number; tokens agree across tables;
//! everything but the numbers is as in a plain run; the manifest records the key's fingerprint
//! and never the key. On fixtures/formats/ and fixtures/inquiry/.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, UInt64Type};
use callsift::config::Case;
use callsift::correlate::{CorrelateOptions, Correlation};
use callsift::manifest::Manifest;
use callsift::model::results::{Table, Type};
use callsift::model::{ColType, Kind};
use callsift::pseudonym::{Key, Rule, TOKEN_PREFIX};
use callsift::store::read_table;

/// Printable and without digits, so that a search for it in the outputs means something.
const KEY: &[u8] = b"pseudonymize integration test key -- not a secret";

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

fn key() -> Key {
    Key::from_bytes(KEY).unwrap()
}

/// Every phone number of the case store, and the raw caller-ID text of rows whose caller ID
/// was blocked or invalid and holds at least seven digits.
fn store_numbers(out: &Path) -> (BTreeSet<u64>, BTreeSet<String>) {
    let mut nums = BTreeSet::new();
    let mut raw = BTreeSet::new();
    for kind in Kind::ALL {
        let t = read_table(&out.join(callsift::layout::store_part(kind.name(), 0))).unwrap();
        for spec in kind.columns().iter().filter(|c| c.ty == ColType::Phone) {
            let a = t
                .column_by_name(spec.name)
                .unwrap()
                .as_primitive::<UInt64Type>();
            nums.extend((0..a.len()).filter(|&i| a.is_valid(i)).map(|i| a.value(i)));
            if spec.is_caller_id() {
                let r = text_column(&t, &format!("{}_raw", spec.name));
                let s = text_column(&t, &format!("{}_status", spec.name));
                for (r, s) in r.into_iter().zip(s) {
                    let r = r.unwrap_or_default();
                    if s.as_deref() != Some("ok")
                        && r.chars().filter(char::is_ascii_digit).count() >= 7
                    {
                        raw.insert(r);
                    }
                }
            }
        }
    }
    (nums, raw)
}

/// A list-of-text column ([`Type::TextList`]): per row its items, `None` where null.
fn list_column(b: &RecordBatch, name: &str) -> Vec<Option<Vec<String>>> {
    let l = b.column_by_name(name).unwrap().as_list::<i32>();
    (0..l.len())
        .map(|i| {
            l.is_valid(i).then(|| {
                let v = l.value(i);
                let v = v.as_string::<i32>();
                (0..v.len()).map(|j| v.value(j).to_string()).collect()
            })
        })
        .collect()
}

/// A text column (plain or dictionary) as strings.
fn text_column(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let c = b.column_by_name(name).unwrap();
    let c = arrow::compute::cast(c, &DataType::Utf8).unwrap();
    let s = c.as_string::<i32>();
    (0..s.len())
        .map(|i| s.is_valid(i).then(|| s.value(i).to_string()))
        .collect()
}

/// The digit strings a number could be written as: all of its digits (E.164 without the `+`),
/// and for a North American number the 10-digit national number.
fn digit_forms(nums: &BTreeSet<u64>) -> HashMap<String, u64> {
    let mut f = HashMap::new();
    for &n in nums {
        let d = n.to_string();
        if d.len() == 11 && d.starts_with('1') {
            f.insert(d[1..].to_string(), n);
        }
        f.insert(d, n);
    }
    f
}

/// Numbers written in `text`: every 10- to 15-digit window of the digit runs, with the
/// separators of formatted numbers (`-`, space, `(`, `)`, `.`, `+`) removed, that is a form
/// of a store number. Removing separators only lengthens runs, so `+16135550101`,
/// `16135550101`, `6135550101` and `(613) 555-0101` are all found.
fn numbers_in(text: &[u8], forms: &HashMap<String, u64>) -> Vec<u64> {
    let mut found = Vec::new();
    let mut run = String::new();
    let flush = |run: &mut String, found: &mut Vec<u64>| {
        let b = run.as_bytes();
        for len in 10..=15.min(b.len()) {
            for s in 0..=b.len() - len {
                if let Some(&n) = forms.get(&run[s..s + len]) {
                    found.push(n);
                }
            }
        }
        run.clear();
    };
    for &c in text {
        if c.is_ascii_digit() {
            run.push(c as char);
        } else if !b"-() .+".contains(&c) {
            flush(&mut run, &mut found);
        }
    }
    flush(&mut run, &mut found);
    found
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            v.extend(files(&p));
        } else {
            v.push(p);
        }
    }
    v.sort();
    v
}

/// The results tables written as Parquet, by name.
fn parquet_tables(out: &Path) -> BTreeMap<String, RecordBatch> {
    files(&out.join("results"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().to_string();
            (name, read_table(&p).unwrap())
        })
        .collect()
}

/// `results/leads.csv` (CSV only) as (rank, number) pairs.
fn leads(out: &Path) -> Vec<(u64, String)> {
    let text = std::fs::read_to_string(out.join("results/leads.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&header[..3], &["rank", "rank_unexplained", "number"]);
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].parse().unwrap(), f[2].to_string())
        })
        .collect()
}

/// The same pairs as [`leads`] reads them, through the library's typed reader
/// (`results::table`, which parses the CSV through the contract).
fn typed_leads(out: &Path) -> Vec<(u64, String)> {
    let t = callsift::results::table(out, Table::Leads).unwrap();
    assert_eq!(t.schema(), Table::Leads.schema());
    let rank = callsift::results::u64s(&t, Table::Leads, "rank").unwrap();
    let number = callsift::results::texts(&t, Table::Leads, "number").unwrap();
    rank.into_iter()
        .zip(number.into_iter().map(Option::unwrap))
        .collect()
}

fn correlate(out: &Path, key: Option<Key>) -> Correlation {
    let opts = CorrelateOptions { pseudonymize: key };
    callsift::correlate::run(out, &opts).unwrap()
}

/// No number, raw caller ID or key in any results file or text cell.
fn assert_no_numbers(out: &Path, nums: &BTreeSet<u64>, raw: &BTreeSet<String>) {
    let forms = digit_forms(nums);
    let all = files(&out.join("results"));
    assert!(all.len() >= 18, "{all:?}");
    for p in &all {
        let bytes = std::fs::read(p).unwrap();
        let hits = numbers_in(&bytes, &forms);
        assert!(hits.is_empty(), "{}: numbers {hits:?}", p.display());
        for r in raw {
            assert!(
                !contains(&bytes, r.as_bytes()),
                "{}: raw {r:?}",
                p.display()
            );
        }
        assert!(!contains(&bytes, KEY), "{}: the key", p.display());
    }
    for (name, t) in parquet_tables(out) {
        for (f, c) in t.schema().fields().iter().zip(t.columns()) {
            match f.data_type() {
                DataType::UInt64 => {
                    let a = c.as_primitive::<UInt64Type>();
                    for i in (0..a.len()).filter(|&i| a.is_valid(i)) {
                        assert!(
                            !nums.contains(&a.value(i)),
                            "{name}.{}: {}",
                            f.name(),
                            a.value(i)
                        );
                    }
                }
                DataType::Utf8 | DataType::Dictionary(..) => {
                    for v in text_column(&t, f.name()).into_iter().flatten() {
                        let hits = numbers_in(v.as_bytes(), &forms);
                        assert!(hits.is_empty(), "{name}.{}: {v:?}", f.name());
                        assert!(!raw.contains(&v), "{name}.{}: {v:?}", f.name());
                    }
                }
                DataType::List(_) => {
                    for v in list_column(&t, f.name()).into_iter().flatten().flatten() {
                        let hits = numbers_in(v.as_bytes(), &forms);
                        assert!(hits.is_empty(), "{name}.{}: {v:?}", f.name());
                        assert!(!raw.contains(&v), "{name}.{}: {v:?}", f.name());
                    }
                }
                _ => {}
            }
        }
    }
    let m = std::fs::read(out.join("manifest.json")).unwrap();
    assert!(!contains(&m, KEY), "manifest.json holds the key");
}

/// The pseudonymised tables are the plain ones with each number replaced by its token, the
/// tokens are those of store numbers, and they agree across tables.
fn assert_consistent(
    plain: &BTreeMap<String, RecordBatch>,
    pseudo: &BTreeMap<String, RecordBatch>,
    nums: &BTreeSet<u64>,
    raw: &BTreeSet<String>,
) {
    let k = key();
    let known: HashSet<String> = nums
        .iter()
        .map(|n| k.token(&format!("+{n}")))
        .chain(raw.iter().map(|r| k.token(r)))
        .collect();
    assert_eq!(
        plain.keys().collect::<Vec<_>>(),
        pseudo.keys().collect::<Vec<_>>()
    );
    for (name, p) in plain {
        let q = &pseudo[name];
        assert_eq!(p.schema(), q.schema(), "{name}");
        assert_eq!(p.num_rows(), q.num_rows(), "{name}");
        let table = Table::from_name(name).unwrap_or_else(|| panic!("no contract for {name}"));
        for f in p.schema().fields() {
            if let Some(c) = table.column(f.name()).filter(|c| c.ty == Type::TextList) {
                assert_lists_consistent(name, c.name, c.rule, p, q, &known);
                continue;
            }
            let rule = table
                .column(f.name())
                .filter(|c| c.ty == Type::Text)
                .map(|c| c.rule);
            let Some(rule) = rule else {
                assert!(
                    !matches!(
                        f.data_type(),
                        DataType::Utf8 | DataType::Dictionary(..) | DataType::List(_)
                    ),
                    "{name}.{}: a text column without a rule",
                    f.name()
                );
                assert_eq!(
                    p.column_by_name(f.name()),
                    q.column_by_name(f.name()),
                    "{name}.{}",
                    f.name()
                );
                continue;
            };
            let (a, b) = (text_column(p, f.name()), text_column(q, f.name()));
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(
                    x.as_deref().map(|x| k.apply(rule, x)),
                    *y,
                    "{name}.{}",
                    f.name()
                );
                // The explicit rules cover every number: the net for numbers embedded in other
                // text (`Rule::Keep`) changes nothing in the fixtures' results.
                if rule == Rule::Keep {
                    assert_eq!(
                        x,
                        y,
                        "{name}.{}: numbers in a column kept in clear: give it a rule",
                        f.name()
                    );
                }
                // Every token made is the token of a number (or raw caller ID) of the store.
                if let (Some(x), Some(y)) = (x, y) {
                    if rule == Rule::Number && x.chars().any(|c| c.is_ascii_digit()) {
                        assert!(known.contains(y), "{name}.{}: {x} -> {y}", f.name());
                    }
                }
            }
        }
    }
    // Across tables: a lead is the numbers row of the same rank; a seen caller ID is an
    // originating number; spread's number sets are originating numbers; the attributed
    // presented numbers are among their campaigns' presented numbers.
    let numbers = &pseudo["numbers"];
    let n_num = text_column(numbers, "number");
    let n_rank = numbers
        .column_by_name("rank")
        .unwrap()
        .as_primitive::<UInt64Type>();
    let by_rank: HashMap<u64, String> = (0..numbers.num_rows())
        .map(|i| (n_rank.value(i), n_num[i].clone().unwrap()))
        .collect();
    let originating: HashSet<&String> = by_rank.values().collect();
    for t in &originating {
        assert!(t.starts_with(TOKEN_PREFIX) && t.len() == TOKEN_PREFIX.len() + 32);
        assert!(known.contains(*t));
    }
    let at = &pseudo["attribution"];
    let seen = text_column(at, "seen");
    let status = text_column(at, "seen_status");
    for (s, st) in seen.iter().zip(&status) {
        if st.as_deref() == Some("ok") {
            assert!(originating.contains(s.as_ref().unwrap()), "{s:?}");
        }
    }
    let mut set_numbers = 0;
    for s in text_column(&pseudo["spread"], "set").into_iter().flatten() {
        if let Some(t) = s.strip_prefix("number:") {
            assert!(originating.contains(&t.to_string()), "{s}");
            set_numbers += 1;
        }
    }
    assert!(set_numbers > 0 || numbers.num_rows() == 0);
    let campaign_presented: HashSet<String> = list_column(&pseudo["campaigns"], "presented")
        .into_iter()
        .flatten()
        .flatten()
        .collect();
    assert!(!campaign_presented.is_empty());
    for p in text_column(at, "presented").into_iter().flatten() {
        assert!(campaign_presented.contains(&p), "{p}");
    }
}

/// A list column of a pseudonymised table is the plain one with the rule applied to each item
/// (a list of numbers: its tokens sorted, each the token of a store number); nulls stay null.
fn assert_lists_consistent(
    table: &str,
    name: &str,
    rule: Rule,
    plain: &RecordBatch,
    pseudo: &RecordBatch,
    known: &HashSet<String>,
) {
    let k = key();
    let (a, b) = (list_column(plain, name), list_column(pseudo, name));
    for (x, y) in a.iter().zip(&b) {
        let want = x.as_ref().map(|x| {
            let mut v: Vec<String> = x.iter().map(|i| k.apply_item(rule, i)).collect();
            if rule == Rule::NumberList {
                v.sort();
            }
            v
        });
        assert_eq!(want, *y, "{table}.{name}");
        if rule == Rule::Keep {
            assert_eq!(x, y, "{table}.{name}: numbers in a list kept in clear");
        }
        if rule == Rule::NumberList {
            for t in y.iter().flatten() {
                assert!(known.contains(t), "{table}.{name}: {t}");
            }
        }
    }
}

/// Ingest, correlate plain, correlate pseudonymised, correlate plain again; check everything.
fn check_case(case: &str) {
    let out = tempfile::tempdir().unwrap();
    let out = out.path();
    let case = Case::load(&fixture(case)).unwrap();
    callsift::ingest::run(&case, out, 2).unwrap();
    let (nums, raw) = store_numbers(out);
    assert!(nums.len() > 10);

    correlate(out, None);
    let plain = parquet_tables(out);
    let plain_leads = leads(out);
    assert_eq!(typed_leads(out), plain_leads);
    let plain_figures = std::fs::read(out.join("results/figures.json")).unwrap();
    // The plain run does show numbers (so the search below can find them).
    assert!(!numbers_in(
        &std::fs::read(out.join("results/numbers.csv")).unwrap(),
        &digit_forms(&nums)
    )
    .is_empty());

    correlate(out, Some(key()));
    assert_no_numbers(out, &nums, &raw);
    let pseudo = parquet_tables(out);
    assert_consistent(&plain, &pseudo, &nums, &raw);
    // figures.json holds counts only: the same bytes.
    assert_eq!(
        std::fs::read(out.join("results/figures.json")).unwrap(),
        plain_figures
    );
    // Leads: the plain ones, tokenised, and each the numbers row of its rank.
    let k = key();
    let l = leads(out);
    assert!(!l.is_empty());
    assert_eq!(typed_leads(out), l);
    assert_eq!(l.len(), plain_leads.len());
    let n_num = text_column(&pseudo["numbers"], "number");
    let n_rank = pseudo["numbers"]
        .column_by_name("rank")
        .unwrap()
        .as_primitive::<UInt64Type>()
        .clone();
    for ((r, t), (pr, pn)) in l.iter().zip(&plain_leads) {
        assert_eq!(r, pr);
        assert_eq!(*t, k.token(pn));
        let row = (0..n_rank.len()).find(|&i| n_rank.value(i) == *r).unwrap();
        assert_eq!(n_num[row].as_deref(), Some(t.as_str()));
    }
    // The terminal summary reads these tables back (src/cli/summary.rs), so it shows the
    // tokens too; the binary's own tests check what it prints.
    // The manifest: the fingerprint, and every output still verifies.
    let m = Manifest::read(out).unwrap();
    let p = m.pseudonymization.expect("pseudonymization recorded");
    assert_eq!(p.key_fingerprint, k.fingerprint());
    assert_eq!(p.token_prefix, TOKEN_PREFIX);
    let v = callsift::manifest::verify(out, None).unwrap();
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    // The store stays in clear: the investigator's working copy.
    assert_eq!(store_numbers(out).0, nums);

    // A plain run afterwards writes plain results and drops the record.
    correlate(out, None);
    assert!(Manifest::read(out).unwrap().pseudonymization.is_none());
    assert_eq!(parquet_tables(out), plain);
    let text = std::fs::read_to_string(out.join(callsift::layout::MANIFEST)).unwrap();
    assert!(!text.contains("pseudonymization"));
}

#[test]
fn formats_fixture_results_hold_no_number() {
    check_case("formats/case.toml");
}

#[test]
fn inquiry_fixture_results_hold_no_number() {
    check_case("inquiry/case.toml");
}

#[test]
fn another_key_other_tokens() {
    let out = tempfile::tempdir().unwrap();
    let case = Case::load(&fixture("formats/case.toml")).unwrap();
    callsift::ingest::run(&case, out.path(), 1).unwrap();
    correlate(out.path(), Some(key()));
    let a = text_column(&parquet_tables(out.path())["numbers"], "number");
    let other = Key::from_bytes(b"a second key for another case").unwrap();
    correlate(out.path(), Some(other.clone()));
    let b = text_column(&parquet_tables(out.path())["numbers"], "number");
    assert_ne!(a[0], b[0]);
    assert!(a[0].as_deref().is_some_and(|t| t.starts_with(TOKEN_PREFIX)));
    let m = Manifest::read(out.path()).unwrap();
    assert_eq!(
        m.pseudonymization.unwrap().key_fingerprint,
        other.fingerprint()
    );
}
