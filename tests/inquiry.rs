//! The bundled inquiry fixture (fixtures/inquiry/): `run` reproduces every published figure from
//! the raw files, and the top of the rankings names the planted truth (fixtures/inquiry/
//! truth.toml, which the engine never reads). A perturbed copy of the evidence moves the
//! figures, so they are computed, not read.

mod common;
use common::copy_dir;
use std::path::{Path, PathBuf};

use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::UInt64Type;
use callsift::config::Case;
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
