//! `callsift timeline` through the binary on a run of the inquiry fixture: the spoofed caller
//! ID's 63 calls in Toronto time beside UTC, with their campaign; the complainant and time
//! filters; CSV that reads back; every refusal with its exit code; nothing written.

mod common;
use common::{code, hashes, repo, run_in, s, stderr, stdout};
use std::path::Path;
use std::sync::OnceLock;

/// One run of the inquiry fixture for every test here (its folder lives as long as the tests).
fn inquiry() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        let o = run_in(
            &repo(""),
            &["run", "fixtures/inquiry/case.toml", "--out", s(&out), "-q"],
        );
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        d
    })
    .path()
}

fn timeline(args: &[&str]) -> (i32, String, String) {
    let out = inquiry().join("out");
    let mut all = vec!["timeline", s(&out)];
    all.extend_from_slice(args);
    let o = run_in(&repo(""), &all);
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    (code(&o), stdout(&o), stderr(&o))
}

#[test]
fn the_spoofed_numbers_calls_in_local_time_with_their_campaign() {
    let before = hashes(inquiry());
    let (c, out, err) = timeline(&["--number", "(519) 555-0147"]);
    assert_eq!(c, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("local "), "{out}");
    assert_eq!(
        *lines.last().unwrap(),
        "63 received calls; local times in America/Toronto"
    );
    // 14:02:17 UTC is 10:02:17 in Toronto (EDT).
    assert!(
        lines[1].starts_with(
            "2011-05-02T10:02:17-04:00  2011-05-02T14:02:17Z  incident  2011-0063    +15197314316  +15195550147  ok"
        ),
        "{}",
        lines[1]
    );
    assert!(lines[1..64]
        .iter()
        .all(|l| l.contains("poll-location-change")));
    assert_eq!(hashes(inquiry()), before, "timeline wrote a file");
}

#[test]
fn filters_and_csv() {
    let (c, out, _) = timeline(&[
        "--complainant",
        "2011-0042",
        "--from",
        "2011-05-02",
        "--to",
        "2011-05-02",
        "--tz",
        "UTC",
        "--csv",
    ]);
    assert_eq!(c, 0);
    let rows: Vec<Vec<&str>> = out.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows[0],
        [
            "local",
            "utc",
            "window",
            "complainant",
            "called",
            "caller_id",
            "status",
            "carrier",
            "campaign",
            "evidence"
        ]
    );
    assert!(rows.len() > 1);
    for r in &rows[1..] {
        assert_eq!(r.len(), 10, "{r:?}");
        assert_eq!(r[3], "2011-0042");
        assert!(r[1].starts_with("2011-05-02T"), "{r:?}");
        assert_eq!(r[0], r[1], "UTC local time");
    }
    // The same complainant by its number.
    let (_, by_number, _) = timeline(&[
        "--complainant",
        "+15197806011",
        "--from",
        "2011-05-02",
        "--to",
        "2011-05-02",
        "--tz",
        "UTC",
        "--csv",
    ]);
    assert_eq!(by_number, out);
    // An instant bound: nothing before 14:00 UTC on election day.
    let (_, late, _) = timeline(&["--from", "2011-05-02T14:00:00Z", "--csv", "--tz", "UTC"]);
    assert!(late.lines().skip(1).all(|l| l >= "2011-05-02T14:00:00Z"));
}

#[test]
fn refusals_exit_3_or_6_and_name_the_flag() {
    for (args, flag) in [
        (vec!["--tz", "Eastern"], "--tz"),
        (vec!["--number", "hello"], "--number"),
        (vec!["--from", "yesterday"], "--from"),
        (
            vec!["--to", "2011-03-13 02:30", "--tz", "America/Toronto"],
            "--to",
        ),
    ] {
        let (c, _, err) = timeline(&args);
        assert_eq!(c, 3, "{args:?}: {err}");
        assert!(err.contains(flag), "{err}");
    }
    let o = run_in(&repo(""), &["timeline", "/nonexistent/run"]);
    assert_eq!(code(&o), 6, "{}", stderr(&o));
}
