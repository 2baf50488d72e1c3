//! The bundled inquiry fixture (fixtures/inquiry/): `run` reproduces every published figure from
//! the raw files, and the top of the rankings names the planted truth (fixtures/inquiry/
//! truth.toml, which the engine never reads). A perturbed copy of the evidence moves the
//! figures, so they are computed, not read.

mod common;
use common::copy_dir;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::UInt64Type;
use callsift::config::Case;
use callsift::model::results::Table;
use callsift::store::read_table;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn run_case(case_path: &Path, out: &Path) -> callsift::correlate::Correlation {
    let case = Case::load(case_path).unwrap();
    callsift::ingest::run(&case, out, 2).unwrap();
    callsift::correlate::run(out, &Default::default()).unwrap()
}

fn truth() -> toml::Table {
    let t = std::fs::read_to_string(root().join("inquiry/truth.toml")).unwrap();
    toml::from_str(&t).unwrap()
}

fn strings(b: &RecordBatch, col: &str) -> Vec<String> {
    let a = b.column_by_name(col).unwrap().as_string::<i32>();
    (0..b.num_rows()).map(|i| a.value(i).to_string()).collect()
}

#[test]
fn published_figures_and_planted_truth() {
    let out = tempfile::tempdir().unwrap();
    let c = run_case(&root().join("inquiry/case.toml"), out.path());
    let cmp =
        callsift::figures::compare(out.path(), &root().join("inquiry/published.toml")).unwrap();
    assert_eq!(cmp.len(), 7);
    for r in &cmp {
        assert!(r.matches(), "{r:?}");
    }
    assert_eq!(c.figures.duplicates_removed, 37);
    assert_eq!(c.figures.calls_outside_orders, 40);

    let t = truth();
    let m = t["misleading"].as_table().unwrap();
    let spoofed = m["spoofed_caller_id"].as_str().unwrap();
    let campaign = m["campaign"].as_str().unwrap();
    let upload = m["upload_list"].as_str().unwrap();
    let source = m["source_download"].as_str().unwrap();

    // The misleading campaign's caller ID ranks first among originating numbers.
    let n = read_table(&out.path().join("results/numbers.parquet")).unwrap();
    assert_eq!(strings(&n, "number")[0], spoofed);
    // Every declared-legitimate or listed number is explained.
    let nums = strings(&n, "number");
    let expl = n.column_by_name("explained").unwrap().as_boolean();
    for e in t["legitimate"]["explained_numbers"].as_array().unwrap() {
        let e = e.as_str().unwrap();
        if let Some(i) = nums.iter().position(|x| x == e) {
            assert!(expl.value(i), "{e} should be explained");
        }
    }
    // Its vendor campaign is the most enriched campaign among complainants, and matches the
    // most complainants in attribution, with the vendor's clock offset found.
    let e = read_table(&out.path().join("results/enrichment.parquet")).unwrap();
    let (lists, kinds) = (strings(&e, "list"), strings(&e, "kind"));
    let first_campaign = (0..e.num_rows()).find(|&i| kinds[i] == "campaign").unwrap();
    assert_eq!(lists[first_campaign], format!("campaign:{campaign}"));
    let cp = read_table(&out.path().join("results/campaigns.parquet")).unwrap();
    let names = strings(&cp, "campaign");
    let matched = cp
        .column_by_name("complainants_matched")
        .unwrap()
        .as_primitive::<UInt64Type>();
    let best = (0..cp.num_rows())
        .max_by_key(|&i| (matched.value(i), std::cmp::Reverse(i)))
        .unwrap();
    assert_eq!(names[best], campaign);
    assert_eq!(
        matched.value(best),
        m["complainants_reached"].as_integer().unwrap() as u64
    );
    let off = cp
        .column_by_name("offset_ms")
        .unwrap()
        .as_primitive::<arrow::datatypes::Int64Type>();
    let truth_off = m["vendor_clock_offset_s"].as_integer().unwrap() * 1000;
    assert!(
        (off.value(best) - truth_off).abs() <= 3000,
        "{}",
        off.value(best)
    );
    // The download its list came from is the upload's top overlap, and the top pair overall.
    let o = read_table(&out.path().join("results/overlaps.parquet")).unwrap();
    let (a, b) = (strings(&o, "list_a"), strings(&o, "list_b"));
    let i = a
        .iter()
        .position(|x| x == &format!("upload:{upload}"))
        .unwrap();
    assert_eq!(b[i], format!("download:{source}"));
    assert_eq!(
        (a[0].as_str(), b[0].as_str()),
        (
            format!("upload:{upload}").as_str(),
            format!("download:{source}").as_str()
        )
    );
    the_upload_is_the_opponents_as_of_its_date(out.path(), upload);
    // The spoofed number's presenting campaign, read as the list it is.
    let by = callsift::results::text_lists(&n, Table::Numbers, "presented_by").unwrap();
    assert_eq!(by[0], Some(vec![campaign.to_string()]));
    lists_are_lists_and_joined_in_the_csv_twins(out.path());
}

/// Every list column of every results table (`Type::TextList`) is a Parquet list, and its CSV
/// twin's cell is the items joined with `; ` (a null or empty list an empty cell); at least one
/// cell of the run holds several items.
fn lists_are_lists_and_joined_in_the_csv_twins(out: &Path) {
    use callsift::model::results::{text_list_type, Type};
    let mut several = 0;
    for t in Table::ALL
        .into_iter()
        .filter(|t| t.has_parquet() && t.always_written())
    {
        let b = callsift::results::table(out, t).unwrap();
        let path = out.join(format!("results/{}.csv", t.name()));
        let mut r = csv::Reader::from_path(&path).unwrap();
        let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), b.num_rows(), "{}", t.name());
        for c in t.columns().iter().filter(|c| c.ty == Type::TextList) {
            let f = b.schema().field_with_name(c.name).unwrap().clone();
            assert_eq!(f.data_type(), &text_list_type(), "{}.{}", t.name(), c.name);
            let items = callsift::results::text_lists(&b, t, c.name).unwrap();
            let joined = callsift::results::joined(&b, t, c.name).unwrap();
            let k = header.iter().position(|h| h == c.name).unwrap();
            for (i, row) in rows.iter().enumerate() {
                let want = items[i].as_ref().map(|v| v.join("; ")).unwrap_or_default();
                assert_eq!(joined[i].clone().unwrap_or_default(), want);
                let cell = row.get(k).unwrap();
                // A cell a spreadsheet would take for a formula carries a leading `'`.
                let cell = cell
                    .strip_prefix('\'')
                    .filter(|rest| callsift::store::csv_formula_risk(rest))
                    .unwrap_or(cell);
                assert_eq!(cell, want, "{}.{} row {}", t.name(), c.name, i + 1);
                if items[i].as_ref().is_some_and(|v| v.is_empty()) {
                    assert!(
                        !c.nullable,
                        "{}.{}: an empty list that may be null",
                        t.name(),
                        c.name
                    );
                }
                several += usize::from(items[i].as_ref().is_some_and(|v| v.len() > 1));
            }
        }
    }
    assert!(several > 0);
    // A list column is not text to the text reader, which says how to read it.
    let n = callsift::results::table(out, Table::Numbers).unwrap();
    let e = callsift::results::texts(&n, Table::Numbers, "districts").unwrap_err();
    assert!(e.to_string().contains("text_lists"), "{e}");
}

/// The as-of test (`derivations`): the misleading upload's best source is the party database's
/// opponents as of the upload's time (its `uploaded` in the store), and the database as it
/// stands at the end of its history fits the list less well.
fn the_upload_is_the_opponents_as_of_its_date(out: &Path, upload: &str) {
    let name = format!("upload:{upload}");
    let vl = read_table(&out.join("store/vendor_list/part-0000.parquet")).unwrap();
    let lists = strings(&vl, "list");
    let uploaded = vl
        .column_by_name("uploaded")
        .unwrap()
        .as_primitive::<arrow::datatypes::TimestampMicrosecondType>();
    let when = (0..vl.num_rows())
        .filter(|&i| lists[i] == upload)
        .map(|i| uploaded.value(i))
        .min()
        .unwrap();
    let t = Table::Derivations;
    let d = callsift::results::table(out, t).unwrap();
    let r = |c: &str| callsift::results::texts(&d, t, c).unwrap();
    let (list, source, kind) = (r("list"), r("source"), r("source_kind"));
    let best = callsift::results::bools(&d, t, "best").unwrap();
    let as_of = callsift::results::times(&d, t, "as_of").unwrap();
    let f = |c: &str| {
        d.column_by_name(c)
            .unwrap()
            .as_primitive::<arrow::datatypes::Float64Type>()
            .clone()
    };
    let (containment, latest) = (f("containment"), f("containment_latest"));
    let i = (0..d.num_rows())
        .find(|&i| best[i] && list[i].as_deref() == Some(name.as_str()))
        .unwrap();
    assert_eq!(
        (kind[i].as_deref(), source[i].as_deref(), as_of[i]),
        (Some("segment"), Some("opponents"), Some(when))
    );
    assert!(containment.value(i) > 0.95, "{}", containment.value(i));
    assert!(
        latest.value(i) < containment.value(i) - 0.05,
        "{} {}",
        latest.value(i),
        containment.value(i)
    );
}

fn perturbed(edit: impl FnOnce(&Path)) -> callsift::correlate::Correlation {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("inquiry"), &tmp.path().join("inquiry"));
    copy_dir(&root().join("numbering"), &tmp.path().join("numbering"));
    edit(&tmp.path().join("inquiry"));
    let out = tempfile::tempdir().unwrap();
    run_case(&tmp.path().join("inquiry/case.toml"), out.path())
}

/// The figures come from the rows: one more call in a copy of the evidence is one more call
/// received and one more originating number.
#[test]
fn a_call_added_to_the_evidence_moves_the_figures() {
    let c = perturbed(|dir| {
        let ont = dir.join("carriers/ontario-tel-PO-2011-117.csv");
        let mut text = std::fs::read_to_string(&ont).unwrap();
        let called = text
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .to_string();
        text.push_str(&format!(
            "{called},\"(905) 555-0199\",\"2011-04-20\",\"12:00:00\",\"5\",\"INBOUND\"\r\n"
        ));
        std::fs::write(&ont, text).unwrap();
    });
    assert_eq!(c.figures.calls_received, 6052);
    assert_eq!(c.figures.originating_numbers, 1598);
    assert_eq!(c.figures.subscriber_not_obtained, 649);
}

/// A complainant moved out of the production orders in a copy of the complaints list.
#[test]
fn a_complainant_moved_out_of_the_orders_moves_the_figures() {
    let c = perturbed(|dir| {
        let comp = dir.join("complainants.csv");
        let text = std::fs::read_to_string(&comp).unwrap();
        let text = text.replacen("2011-05-02,included", "2011-05-02,after order", 1);
        std::fs::write(&comp, text).unwrap();
    });
    assert_eq!(c.figures.complainants_in_orders, 128);
    assert_eq!(c.figures.complainants_late, 214);
    // Their calls are no longer calls received by complainants in the orders.
    assert!(c.figures.calls_received < 6051);
    // Every stored call is still counted once: received, outside the orders window, or not to
    // a complainant in the orders.
    assert_eq!(
        c.figures.calls_received
            + c.figures.calls_outside_orders
            + c.figures.calls_not_to_complainants,
        6051 + 40
    );
}

/// A results table's text column and `u64` column side by side, through the contract.
fn keyed(out: &Path, table: Table, key: &str, value: &str) -> BTreeMap<String, u64> {
    let t = callsift::results::table(out, table).unwrap();
    let k = callsift::results::texts(&t, table, key).unwrap();
    let v = callsift::results::u64s(&t, table, value).unwrap();
    k.into_iter().map(|k| k.unwrap()).zip(v).collect()
}

/// Three US numbers, outside the inquiry's population.
const OUTSIDE: [&str; 3] = ["2125550143", "2125550144", "2125550145"];

/// `[analysis] restrict_to_population = true` (issue 12, item 8) on a copy of the inquiry, run
/// beside the same case without it: overlaps and enrichment count the population's numbers
/// only, `population_coverage` reports the numbers left out, `chains` carries the overlaps,
/// and every other output (the store, every other table, the figures) is byte-identical. The
/// inquiry's uploads, campaigns and downloads lie inside its population (only the watch-lists
/// do not), so the copy adds three US numbers to the national robo-poll's upload, and the
/// robo-poll's calls to them, answered with key 2.
#[test]
fn restricting_to_the_population_changes_the_list_tests_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("inquiry"), &tmp.path().join("inquiry"));
    copy_dir(&root().join("numbering"), &tmp.path().join("numbering"));
    let dir = tmp.path().join("inquiry");
    let append = |rel: &str, line: &dyn Fn(&str) -> String| {
        let p = dir.join(rel);
        let mut text = std::fs::read_to_string(&p).unwrap();
        for n in OUTSIDE {
            text.push_str(&line(n));
        }
        std::fs::write(&p, text).unwrap();
    };
    append("vendor/uploads/upl-20110424-1180.csv", &|n| {
        format!("{n}\n")
    });
    append(
        "vendor/robodial-outbound-2011-04-24_2011-05-02.jsonl",
        &|n| {
            format!(
                "{{\"ts\":\"2011-04-25T19:00:00-04:00\",\"campaign\":\"robo-poll-0425\",\
                 \"account\":\"acct-national-1\",\"to\":\"{n}\",\"cid\":\"8005550177\",\
                 \"status\":\"ANSWERED\",\"dtmf\":\"2\"}}\n"
            )
        },
    );
    let text = std::fs::read_to_string(dir.join("case.toml")).unwrap();
    let restricted = dir.join("restricted.toml");
    std::fs::write(
        &restricted,
        format!("{text}\n[analysis]\nrestrict_to_population = true\n"),
    )
    .unwrap();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b) = (a.path(), b.path());
    let ca = run_case(&dir.join("case.toml"), a);
    let cb = run_case(&restricted, b);
    assert_eq!(ca.figures, cb.figures);

    let (ha, hb): (BTreeMap<_, _>, BTreeMap<_, _>) = (
        common::hashes(a).into_iter().collect(),
        common::hashes(b).into_iter().collect(),
    );
    let changed: Vec<&str> = hb
        .iter()
        .filter(|(k, v)| ha.get(*k) != Some(*v))
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(
        changed,
        [
            "manifest.json",
            // The chains carry the source download's overlap, counted in the population.
            "results/chains.csv",
            "results/chains.parquet",
            // Its download rows are the overlaps' (its segment rows do not move).
            "results/derivations.csv",
            "results/derivations.parquet",
            "results/enrichment.csv",
            "results/enrichment.parquet",
            "results/overlaps.csv",
            "results/overlaps.parquet",
            "results/population_coverage.csv",
            "results/population_coverage.parquet",
            // The workbook holds every table, so it moves with them.
            "results/results.xlsx",
        ]
    );
    assert!(ha.keys().all(|k| hb.contains_key(k)));

    // Per list: all its numbers (the default run's size), those in the population (the
    // restricted run's size) and those left out.
    let cov = |col: &str| keyed(b, Table::PopulationCoverage, "list", col);
    let (numbers, inside, outside) = (
        cov("numbers"),
        cov("in_population"),
        cov("outside_population"),
    );
    let mut default_size = keyed(a, Table::Enrichment, "list", "size");
    let restricted_size = keyed(b, Table::Enrichment, "list", "size");
    default_size.insert("complainants".into(), ca.figures.complainant_numbers);
    assert_eq!(numbers, default_size);
    for (list, n) in &numbers {
        assert_eq!(inside[list] + outside[list], *n, "{list}");
        if list != "complainants" {
            assert_eq!(restricted_size[list], inside[list], "{list}");
        }
    }
    // The numbers added, and the watch-lists (callers, not lines of the population).
    for list in [
        "upload:upl-20110424-1180",
        "campaign:robo-poll-0425",
        "poll:robo-poll-0425:key=2",
    ] {
        assert_eq!(outside[list], 3, "{list}");
    }
    for (list, n) in &outside {
        assert!(
            *n == 0 || list.starts_with("watchlist:") || inside[list] > 0,
            "{list}"
        );
    }
    assert_eq!(outside["complainants"], 0);

    // Every restricted pair counts population numbers only, and no more than by default.
    let t = |out: &Path| {
        let t = callsift::results::table(out, Table::Overlaps).unwrap();
        let s = |c| callsift::results::texts(&t, Table::Overlaps, c).unwrap();
        let u = |c| callsift::results::u64s(&t, Table::Overlaps, c).unwrap();
        let (la, lb) = (s("list_a"), s("list_b"));
        let (sa, sb, ov) = (u("size_a"), u("size_b"), u("overlap"));
        (0..t.num_rows())
            .map(|i| {
                let key = (la[i].clone().unwrap(), lb[i].clone().unwrap());
                (key, (sa[i], sb[i], ov[i]))
            })
            .collect::<BTreeMap<_, _>>()
    };
    let (oa, ob) = (t(a), t(b));
    assert!(!ob.is_empty());
    for ((x, y), (sa, sb, ov)) in &ob {
        assert_eq!((*sa, *sb), (inside[x], inside[y]), "{x} ~ {y}");
        assert!(*ov <= oa[&(x.clone(), y.clone())].2, "{x} ~ {y}");
    }
    for ((x, y), (sa, sb, _)) in &oa {
        assert_eq!((*sa, *sb), (numbers[x], numbers[y]), "{x} ~ {y}");
    }
    // The upload and the poll responses share the three numbers only by default.
    let pair = (
        "upload:upl-20110424-1180".to_string(),
        "poll:robo-poll-0425:key=2".to_string(),
    );
    assert_eq!(oa[&pair].2, ob[&pair].2 + 3);

    // The parameters record the setting only where it is set.
    let params = |out: &Path| callsift::manifest::Manifest::read(out).unwrap().parameters;
    assert_eq!(params(a).get("analysis"), None);
    assert_eq!(params(b)["analysis"]["restrict_to_population"], true);
}
