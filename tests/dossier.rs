//! `results/dossier` on the inquiry fixture, against the other tables it must agree with: each
//! lead has one row per received call (`numbers.calls`), each attributed campaign one row per
//! matched call (`campaigns.calls_matched`, the rows of `attribution`); calls are numbered in
//! time order; the local times are the UTC ones in `[case] time_zone`, checked with chrono.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use callsift::model::results::Table;
use callsift::results::{table, texts, times, u64s};
use callsift::Case;
use chrono::TimeZone;

/// The inquiry fixture ingested and correlated into `out`.
fn inquiry(out: &Path) {
    let case =
        Case::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inquiry/case.toml"))
            .unwrap();
    callsift::ingest::run(&case, out, 2).unwrap();
    callsift::correlate::run(out, &Default::default()).unwrap();
}

fn col(b: &arrow::array::RecordBatch, t: Table, name: &str) -> Vec<String> {
    texts(b, t, name)
        .unwrap()
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect()
}

#[test]
fn the_dossier_lists_every_call_behind_each_lead_and_campaign() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    inquiry(out);
    let d = table(out, Table::Dossier).unwrap();
    let kind = col(&d, Table::Dossier, "subject_kind");
    let subject = col(&d, Table::Dossier, "subject");
    let evidence = col(&d, Table::Dossier, "evidence");
    let call = u64s(&d, Table::Dossier, "call").unwrap();
    let start = times(&d, Table::Dossier, "start").unwrap();
    let mut per_subject: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in subject.iter().enumerate() {
        per_subject.entry(s).or_default().push(i);
    }

    // Leads: the numbers of leads.csv, each with as many rows as its received calls.
    let leads_csv = std::fs::read_to_string(out.join("results/leads.csv")).unwrap();
    let at = leads_csv
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|h| h == "number")
        .unwrap();
    let leads: Vec<&str> = leads_csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(at).unwrap())
        .collect();
    assert!(!leads.is_empty());
    let n = table(out, Table::Numbers).unwrap();
    let n_number = col(&n, Table::Numbers, "number");
    let n_calls = u64s(&n, Table::Numbers, "calls").unwrap();
    for lead in &leads {
        let k = n_number.iter().position(|x| x == lead).unwrap();
        let rows = &per_subject[format!("number:{lead}").as_str()];
        assert_eq!(rows.len() as u64, n_calls[k], "{lead}");
        assert!(rows.iter().all(|&i| kind[i] == "lead"));
    }
    // The first lead, the spoofed caller ID: 63 calls, all in the incident window, all
    // attributed to the campaign that presented it.
    let first = &per_subject["number:+15195550147"];
    assert_eq!(first.len(), 63);
    let window = col(&d, Table::Dossier, "window");
    let campaign = col(&d, Table::Dossier, "campaign");
    assert!(first.iter().all(|&i| window[i] == "incident"));
    assert!(first.iter().all(|&i| campaign[i] == "poll-location-change"));

    // Campaigns: as many rows as calls matched, and the same calls as `attribution`.
    let c = table(out, Table::Campaigns).unwrap();
    let c_name = col(&c, Table::Campaigns, "campaign");
    let c_matched = u64s(&c, Table::Campaigns, "calls_matched").unwrap();
    for (name, &m) in c_name.iter().zip(&c_matched) {
        let rows = per_subject
            .get(format!("campaign:{name}").as_str())
            .map_or(0, Vec::len);
        assert_eq!(rows as u64, m, "{name}");
    }
    let a = table(out, Table::Attribution).unwrap();
    let a_file = col(&a, Table::Attribution, "source_file");
    let a_row = u64s(&a, Table::Attribution, "source_row").unwrap();
    let attributed: BTreeSet<String> = a_file
        .iter()
        .zip(&a_row)
        .map(|(f, r)| format!("{f}:{r}"))
        .collect();
    let campaign_calls: BTreeSet<String> = (0..d.num_rows())
        .filter(|&i| kind[i] == "campaign")
        .map(|i| evidence[i].clone())
        .collect();
    assert_eq!(campaign_calls, attributed);
    assert_eq!(
        leads.len() + c_matched.iter().filter(|&&m| m > 0).count(),
        per_subject.len()
    );

    // Calls numbered 1.. in time order within each subject.
    for rows in per_subject.values() {
        for (k, &i) in rows.iter().enumerate() {
            assert_eq!(call[i], k as u64 + 1);
            if k > 0 {
                assert!(start[rows[k - 1]] <= start[i]);
            }
        }
    }
}

#[test]
fn local_times_are_the_utc_times_in_the_case_zone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    inquiry(out);
    let d = table(out, Table::Dossier).unwrap();
    let toronto: chrono_tz::Tz = "America/Toronto".parse().unwrap();
    for (utc, local) in [
        ("start", "start_local"),
        ("vendor_start", "vendor_start_local"),
    ] {
        let t = times(&d, Table::Dossier, utc).unwrap();
        let l = texts(&d, Table::Dossier, local).unwrap();
        let mut checked = 0;
        for (t, l) in t.iter().zip(&l) {
            match (t, l) {
                (Some(t), Some(l)) => {
                    let want = toronto
                        .timestamp_micros(*t)
                        .unwrap()
                        .format("%Y-%m-%dT%H:%M:%S%:z")
                        .to_string();
                    assert_eq!(l, &want);
                    checked += 1;
                }
                (None, None) => {}
                other => panic!("{utc} and {local} disagree: {other:?}"),
            }
        }
        assert!(checked > 100, "{utc}: {checked}");
    }
}

#[test]
fn a_case_time_zone_that_is_no_zone_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("case.toml");
    std::fs::write(
        &p,
        "[case]\ntime_zone = \"Eastern\"\n[[inputs]]\nkind = \"calls\"\npath = \"a.csv\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("a.csv"), "called,calling,start\n").unwrap();
    let e = Case::load(&p).unwrap_err();
    assert_eq!(e.exit_code(), 3);
    assert!(
        e.to_string().contains(
            "case.time_zone: \"Eastern\" is not an IANA time zone (e.g. America/Toronto)"
        ),
        "{e}"
    );
}
