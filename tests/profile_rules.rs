//! Profile rules (issue 13, item 6, the profile's part) on `fixtures/rules/shared/`: one source
//! column feeds two canonical columns only when the profile lists it in `shared_columns`, else
//! the run stops naming the file, the source column and both canonical columns; and an input's
//! `label` is the vendor of a `vendor_list` file without a vendor column, as it is for
//! `vendor_calls`.

use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray};
use callsift::config::Case;
use callsift::store::read_table;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules/shared")
}

/// The fixture's case manifest with `edit` applied, written into `dir` with absolute input
/// paths.
fn variant(dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let mut text = std::fs::read_to_string(fixture().join("case.toml")).unwrap();
    for f in ["complainants.csv", "upload.csv"] {
        text = text.replace(
            &format!("path = {f:?}"),
            &format!("path = {:?}", fixture().join(f).to_str().unwrap()),
        );
    }
    let p = dir.join("case.toml");
    std::fs::write(&p, edit(text)).unwrap();
    p
}

fn texts(out: &Path, table: &str, col: &str) -> Vec<Option<String>> {
    let b = read_table(&out.join(format!("store/{table}/part-0000.parquet"))).unwrap();
    let a = b.column_by_name(col).unwrap().as_string::<i32>();
    (0..b.num_rows())
        .map(|i| a.is_valid(i).then(|| a.value(i).to_string()))
        .collect()
}

#[test]
fn a_shared_source_column_is_allowed_when_the_profile_says_so() {
    let d = tempfile::tempdir().unwrap();
    let case = Case::load(&fixture().join("case.toml")).unwrap();
    callsift::ingest::run(&case, d.path(), 1).unwrap();
    assert_eq!(
        texts(d.path(), "complainants", "complainant"),
        [Some("613-555-0101".into()), Some("613-555-0102".into())]
    );
}

#[test]
fn a_shared_source_column_without_shared_columns_names_the_file_column_and_both_canonicals() {
    let d = tempfile::tempdir().unwrap();
    let case = variant(d.path(), |t| {
        t.replace("shared_columns = [\"Phone\"]\n", "")
    });
    let case = Case::load(&case).unwrap();
    let e = callsift::ingest::run(&case, &d.path().join("out"), 1).unwrap_err();
    assert_eq!(e.exit_code(), 4, "{e}");
    let msg = e.to_string();
    assert!(msg.contains("complainants.csv: "), "{msg}");
    assert!(
        msg.ends_with(
            "source column \"Phone\" feeds two canonical columns, `number` and `complainant` \
             (profile `phone-is-the-complainant`); if that is meant, list it in the profile's \
             `shared_columns`"
        ),
        "{msg}"
    );
}

#[test]
fn a_column_found_by_its_canonical_name_counts_as_a_source_too() {
    // The upload's `number` column feeds `number` by name; mapping `campaign` to it as well is
    // the same sharing.
    let d = tempfile::tempdir().unwrap();
    let case = variant(d.path(), |t| {
        t.replace(
            "label = \"RoboDial Inc.\"\n",
            "label = \"RoboDial Inc.\"\nprofile = \"u\"\n",
        ) + "[profiles.u.columns]\ncampaign = \"number\"\n"
    });
    let e =
        callsift::ingest::run(&Case::load(&case).unwrap(), &d.path().join("out"), 1).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("upload.csv: "), "{msg}");
    assert!(
        msg.contains(
            "source column \"number\" feeds two canonical columns, `number` and `campaign`"
        ),
        "{msg}"
    );
}

#[test]
fn the_label_is_the_vendor_of_an_upload_without_a_vendor_column() {
    let d = tempfile::tempdir().unwrap();
    let case = Case::load(&fixture().join("case.toml")).unwrap();
    callsift::ingest::run(&case, d.path(), 1).unwrap();
    assert_eq!(
        texts(d.path(), "vendor_list", "vendor"),
        [Some("RoboDial Inc.".into()), Some("RoboDial Inc.".into())]
    );
    // The list is still named after the file.
    assert_eq!(
        texts(d.path(), "vendor_list", "list"),
        [Some("upload".into()), Some("upload".into())]
    );

    // Without a label the vendor stays unknown: a file stem names a list, not a vendor.
    let d = tempfile::tempdir().unwrap();
    let case = variant(d.path(), |t| t.replace("label = \"RoboDial Inc.\"\n", ""));
    let out = d.path().join("out");
    callsift::ingest::run(&Case::load(&case).unwrap(), &out, 1).unwrap();
    assert_eq!(texts(&out, "vendor_list", "vendor"), [None, None]);

    // An input's `set` wins over the label.
    let d = tempfile::tempdir().unwrap();
    let case = variant(d.path(), |t| {
        t.replace(
            "label = \"RoboDial Inc.\"\n",
            "label = \"RoboDial Inc.\"\nset = { vendor = \"Other\" }\n",
        )
    });
    let out = d.path().join("out");
    callsift::ingest::run(&Case::load(&case).unwrap(), &out, 1).unwrap();
    assert_eq!(
        texts(&out, "vendor_list", "vendor"),
        [Some("Other".into()), Some("Other".into())]
    );
}
