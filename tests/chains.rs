//! `results/chains` on the bundled cases: on the inquiry, the chain from the spoofed caller ID
//! reaches every link of the planted story (fixtures/inquiry/truth.toml, and the customer the
//! vendor's registry file names); on the formats case, which has no registry and no
//! significant download, the missing links are rows with an empty `to` and a note.

mod common;
use std::path::Path;

use callsift::config::Case;
use callsift::model::results::Table;
use callsift::results::{table, texts, u64s};

/// (chain, start, link, to, note) per row of `results/chains`.
type Row = (u64, String, String, Option<String>, Option<String>);

fn chains_of(case_path: &Path, out: &Path) -> Vec<Row> {
    let case = Case::load(case_path).unwrap();
    callsift::ingest::run(&case, out, 2).unwrap();
    callsift::correlate::run(out, &Default::default()).unwrap();
    let t = table(out, Table::Chains).unwrap();
    let chain = u64s(&t, Table::Chains, "chain").unwrap();
    let start = texts(&t, Table::Chains, "start").unwrap();
    let link = texts(&t, Table::Chains, "link").unwrap();
    let to = texts(&t, Table::Chains, "to").unwrap();
    let note = texts(&t, Table::Chains, "note").unwrap();
    (0..t.num_rows())
        .map(|i| {
            (
                chain[i],
                start[i].clone().unwrap(),
                link[i].clone().unwrap(),
                to[i].clone(),
                note[i].clone(),
            )
        })
        .collect()
}

#[test]
fn the_inquiry_chain_runs_from_the_spoofed_number_to_the_operatives_download() {
    let root = common::repo("fixtures/inquiry");
    let truth: toml::Table =
        toml::from_str(&std::fs::read_to_string(root.join("truth.toml")).unwrap()).unwrap();
    let m = truth["misleading"].as_table().unwrap();
    let s = |k: &str| m[k].as_str().unwrap().to_string();
    // The customer, as the vendor's registry file names it (independently of the engine).
    let registry = std::fs::read_to_string(root.join("vendor/robodial-campaigns.csv")).unwrap();
    let customer = registry
        .lines()
        .map(|l| l.split(';').collect::<Vec<_>>())
        .find(|f| f[0] == s("campaign"))
        .map(|f| f[2].to_string())
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let rows = chains_of(&root.join("case.toml"), out.path());
    let first: Vec<&Row> = rows.iter().filter(|r| r.0 == 1).collect();
    assert_eq!(first[0].1, format!("number:{}", s("spoofed_caller_id")));
    let to = |link: &str| {
        first
            .iter()
            .find(|r| r.2 == link)
            .and_then(|r| r.3.clone())
            .unwrap_or_else(|| panic!("no {link} link: {first:?}"))
    };
    assert_eq!(to("campaign"), format!("campaign:{}", s("campaign")));
    assert_eq!(to("account"), format!("account:{}", s("account")));
    assert_eq!(to("customer"), format!("customer:{customer}"));
    assert_eq!(to("upload"), format!("upload:{}", s("upload_list")));
    assert_eq!(
        to("source download"),
        format!("download:{}", s("source_download"))
    );
    assert_eq!(
        to("download account"),
        format!("account:{}", s("source_download_account"))
    );
    // The misleading campaign's chain is the number's; no second chain starts at it.
    assert!(!rows
        .iter()
        .any(|r| r.1 == format!("campaign:{}", s("campaign"))));
}

#[test]
fn a_missing_link_is_a_row_that_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let case = common::formats_case(dir.path());
    let rows = chains_of(&case, &dir.path().join("out"));
    let customer = rows.iter().find(|r| r.2 == "customer").unwrap();
    assert_eq!(customer.3, None);
    assert_eq!(
        customer.4.as_deref(),
        Some("no campaign registry lists the campaign")
    );
    let source = rows.iter().find(|r| r.2 == "source download").unwrap();
    assert_eq!(source.3, None);
    assert!(source.4.as_deref().unwrap().starts_with("no download"));
}
