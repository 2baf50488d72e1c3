//! `callsift correlate` on fixtures/formats/: figures counted by hand from the fixture files,
//! the planted spoofed number ranked first, the vendor campaign found behind spoofed and blocked
//! calls with the vendor's clock offset estimated, and results byte-identical for 1 and 2
//! threads.

use std::path::{Path, PathBuf};

use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::{Float64Type, Int64Type, UInt64Type};
use callsift::config::Case;
use callsift::store::read_table;

fn run(threads: usize) -> (tempfile::TempDir, callsift::correlate::Correlation) {
    let case_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats/case.toml");
    let case = Case::load(&case_path).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let c = pool
        .install(|| {
            callsift::ingest::run(&case, dir.path(), threads)?;
            callsift::correlate::run(dir.path(), &Default::default())
        })
        .unwrap();
    (dir, c)
}

fn table(dir: &Path, name: &str) -> RecordBatch {
    read_table(&dir.join(format!("results/{name}.parquet"))).unwrap()
}

fn strings(b: &RecordBatch, col: &str) -> Vec<String> {
    let a = b.column_by_name(col).unwrap().as_string::<i32>();
    (0..b.num_rows()).map(|i| a.value(i).to_string()).collect()
}

#[test]
fn figures_match_a_hand_count_of_the_fixture() {
    let (_d, c) = run(2);
    // 14 stored call records (one exact duplicate removed from ontario-tel.csv); one of them,
    // 2011-04-01, is before the orders window.
    assert_eq!(c.figures.calls_received, 13);
    assert_eq!(c.figures.calls_outside_orders, 1);
    assert_eq!(c.figures.duplicates_removed, 1);
    // PRIVATE (Ontario) and Confidentiel (Quebec).
    assert_eq!(c.figures.blocked_caller_ids, 2);
    // 613-555-0199, 613-555-0142, 800-555-0177, 604-555-0160, +44 20 7946 0958, 514-555-0188.
    assert_eq!(c.figures.originating_numbers, 6);
    assert_eq!(c.figures.complainants_in_orders, 7);
    assert_eq!(c.figures.complainants_late, 1);
    assert_eq!(c.figures.complainant_numbers, 9);
    assert_eq!(c.figures.subscriber_obtained, 2);
    assert_eq!(c.figures.subscriber_refused, 1);
    assert_eq!(c.figures.subscriber_not_requested, 3);
    assert_eq!(c.figures.subscriber_not_obtained, 4);
    assert_eq!(c.figures.watchlist["watchlist_telemarketer"], 2);
    assert_eq!(c.figures.population, 10);
    assert_eq!(c.figures.attributed_calls, 7);
    let share = c.figures.incident_share;
    assert!((share - 1.0 / 15.0).abs() < 1e-15);
}

#[test]
fn spoofed_number_ranks_first_with_the_exact_binomial() {
    let (d, _) = run(1);
    let n = table(d.path(), "numbers");
    assert_eq!(strings(&n, "number")[0], "+16135550199");
    let only = n
        .column_by_name("only_incident")
        .unwrap()
        .as_primitive::<UInt64Type>();
    assert_eq!(only.value(0), 6);
    // P(X >= 6), X ~ Binomial(6, 1/15) = (1/15)^6.
    let ln_p = n
        .column_by_name("ln_p")
        .unwrap()
        .as_primitive::<Float64Type>();
    assert!((ln_p.value(0) - 6.0 * (1.0f64 / 15.0).ln()).abs() < 1e-12);
    assert_eq!(strings(&n, "subscriber_status")[0], "refused");
    assert_eq!(strings(&n, "evidence")[0], "carriers/ontario-tel.csv:2");
    // The legitimate numbers are explained by the telemarketer watch-list.
    let num = strings(&n, "number");
    let expl = n.column_by_name("explained").unwrap().as_boolean();
    let i = num.iter().position(|x| x == "+18005550177").unwrap();
    assert!(expl.value(i));
    // Leads: the spoofed number (refused, unexplained, significant).
    let leads = std::fs::read_to_string(d.path().join("results/leads.csv")).unwrap();
    assert!(
        leads.lines().nth(1).unwrap().contains("+16135550199"),
        "{leads}"
    );
    // 613-555 is "For Special Use" in the CNA file: no holder to serve, country CA.
    assert!(
        leads
            .lines()
            .nth(1)
            .unwrap()
            .contains(",For Special Use,CA,"),
        "{leads}"
    );
}

#[test]
fn campaign_found_behind_spoofed_and_blocked_calls() {
    let (d, _) = run(2);
    let a = table(d.path(), "attribution");
    let status = strings(&a, "seen_status");
    let campaign = strings(&a, "campaign");
    assert_eq!(a.num_rows(), 7);
    assert!(campaign.iter().all(|c| c == "poll-location-change"));
    // The PRIVATE call on ontario-tel.csv line 5 is attributed all the same.
    let rows = a
        .column_by_name("source_row")
        .unwrap()
        .as_primitive::<UInt64Type>();
    let files = strings(&a, "source_file");
    let i = (0..a.num_rows())
        .find(|&i| files[i] == "carriers/ontario-tel.csv" && rows.value(i) == 5)
        .unwrap();
    assert_eq!(status[i], "blocked");
    let c = table(d.path(), "campaigns");
    let names = strings(&c, "campaign");
    let k = names
        .iter()
        .position(|x| x == "poll-location-change")
        .unwrap();
    let off = c
        .column_by_name("offset_ms")
        .unwrap()
        .as_primitive::<Int64Type>();
    assert_eq!(off.value(k), 45_000, "the vendor clock runs 45 s behind");
    let rec = c
        .column_by_name("recipients")
        .unwrap()
        .as_primitive::<UInt64Type>();
    assert_eq!(rec.value(k), 8);
    // The upload's closest source is the download.
    let o = table(d.path(), "overlaps");
    let (la, lb) = (strings(&o, "list_a"), strings(&o, "list_b"));
    let u = la.iter().position(|x| x.starts_with("upload:")).unwrap();
    assert_eq!(lb[u], "download:dl-2011-05-01-a");
}

#[test]
fn results_are_byte_identical_for_1_and_2_threads() {
    let (d1, _) = run(1);
    let (d2, _) = run(2);
    let list = |d: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(d.join("results"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        v.sort();
        v
    };
    let (a, b) = (list(d1.path()), list(d2.path()));
    assert_eq!(a.len(), b.len());
    assert!(a.len() >= 17, "{a:?}");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            std::fs::read(x).unwrap(),
            std::fs::read(y).unwrap(),
            "{x:?}"
        );
    }
}
