//! Spoofed-number detection (issue 12, item 3) on synthetic worlds: every caller ID a planted
//! misleading campaign presented, where it is an originating number, comes out
//! `spoofed_likely` with its campaign in `presented_by` and its reason; no other number does
//! (the worlds' other campaigns are declared legitimate, and their caller IDs are not flagged);
//! `rank_unexplained` is null exactly for explained numbers and counts the unexplained ones in
//! rank order; every significant spoofed number is among the leads, flagged.

use std::collections::BTreeSet;
use std::path::Path;

use callsift::config::Case;
use callsift::model::results::Table;
use callsift::results::{bools, table, text_lists, texts, u64s, u64s_opt};
use callsift::synth::{read_truth, synth, SynthOptions, World};

/// Generates world `world` with `seed` at a small scale, and runs ingest and correlate on it.
/// The fields of one CSV line (no line breaks in fields; `"` quotes a field, `""` is a quote).
fn fields(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn run(seed: u64, world: World, case: &Path, out: &Path) {
    synth(
        &SynthOptions {
            seed,
            scale: 0.02,
            world,
        },
        case,
    )
    .unwrap();
    let c = Case::load(&case.join("case.toml")).unwrap();
    callsift::ingest::run(&c, out, 2).unwrap();
    callsift::correlate::run(out, &Default::default()).unwrap();
}

fn check_world(seed: u64, world: World) {
    let case = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    run(seed, world, case.path(), out.path());
    let truth = read_truth(case.path()).unwrap();
    let nb = table(out.path(), Table::Numbers).unwrap();
    let t = |name| texts(&nb, Table::Numbers, name).unwrap();
    let (num, reason) = (t("number"), t("spoofed_reason"));
    let by = text_lists(&nb, Table::Numbers, "presented_by").unwrap();
    let spoofed = bools(&nb, Table::Numbers, "spoofed_likely").unwrap();
    let explained = bools(&nb, Table::Numbers, "explained").unwrap();
    let rank = u64s(&nb, Table::Numbers, "rank").unwrap();
    let unexplained = u64s_opt(&nb, Table::Numbers, "rank_unexplained").unwrap();
    let q: Vec<f64> = {
        use arrow::array::AsArray;
        let a = nb.column_by_name("q").unwrap();
        a.as_primitive::<arrow::datatypes::Float64Type>()
            .values()
            .to_vec()
    };
    let at = |n: &str| num.iter().position(|x| x.as_deref() == Some(n));

    // Each planted campaign's caller IDs: flagged where they reached complainants.
    let mut planted = BTreeSet::new();
    for m in &truth.misleading {
        let mut found = 0;
        for id in &m.spoofed_caller_ids {
            planted.insert(id.as_str());
            let Some(i) = at(id) else { continue };
            found += 1;
            assert!(
                spoofed[i],
                "{world} seed {seed}: {id} of {} not flagged: {:?}",
                m.campaign, reason[i]
            );
            assert!(
                by[i].as_ref().is_some_and(|c| c.contains(&m.campaign)),
                "{id}: presented_by {:?}",
                by[i]
            );
            let r = reason[i].as_deref().unwrap_or("");
            assert!(
                r.starts_with("presented as caller ID by ")
                    && r.contains(&format!(
                        "campaign {} of vendor {}",
                        m.campaign, truth.vendor
                    )),
                "{id}: {r}"
            );
        }
        assert!(
            found > 0,
            "{world} seed {seed}: no caller ID of {} is an originating number",
            m.campaign
        );
    }
    // Nothing else is flagged, and the declared campaigns' caller IDs are presented, not flagged.
    for i in 0..num.len() {
        let n = num[i].as_deref().unwrap_or("");
        assert_eq!(
            spoofed[i],
            planted.contains(n),
            "{world} seed {seed}: {n}: {:?}",
            reason[i]
        );
    }
    for n in &truth.explained_numbers {
        if let Some(i) = at(n) {
            assert!(!spoofed[i], "{n}");
            if by[i].is_some() {
                assert!(
                    reason[i]
                        .as_deref()
                        .is_some_and(|r| r.starts_with("not flagged: ")),
                    "{n}: {:?}",
                    reason[i]
                );
            }
        }
    }
    // rank_unexplained: null exactly for explained numbers, 1..m in rank order otherwise.
    let mut order: Vec<usize> = (0..num.len()).collect();
    order.sort_by_key(|&i| rank[i]);
    let mut next = 0;
    for &i in &order {
        if explained[i] {
            assert_eq!(unexplained[i], None);
        } else {
            next += 1;
            assert_eq!(unexplained[i], Some(next));
        }
    }
    // Every significant spoofed number is a lead, flagged.
    let leads = std::fs::read_to_string(out.path().join("results/leads.csv")).unwrap();
    let header: Vec<&str> = leads.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for i in 0..num.len() {
        if spoofed[i] && q[i] <= callsift::correlate::ALPHA && !explained[i] {
            let n = num[i].as_deref().unwrap();
            let row = leads
                .lines()
                .map(fields)
                .find(|f| f[col("number")] == n)
                .unwrap_or_else(|| panic!("{n} is not among the leads"));
            assert_eq!(row[col("spoofed_likely")], "true", "{n}");
            assert!(
                row[col("note")].contains("the subscriber may be an innocent party"),
                "{n}"
            );
        }
    }
}

#[test]
fn planted_spoofed_caller_ids_come_out_flagged() {
    check_world(1, World::Standard);
}

#[test]
fn rotating_and_two_campaigns_with_a_gotv() {
    check_world(4, World::Hard);
    check_world(5, World::RotatingSpoof);
}
