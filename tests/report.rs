//! `report.html` (issue 14, item 1) on the inquiry fixture, read back as a reader's tools would:
//! parsed as XML (the page is HTML in XML syntax) into a tree, then checked section by section
//! against the results it was written from: every section in order, nothing fetched from the
//! network, every chart drawn, the lead `+15195550147` with its 63 dossier rows, the chain to
//! `DL-20110501-0412`, the figures equal to `figures.json` (and to the published ones), names
//! escaped, a pseudonymised run's page without a phone number, the page's structure pinned
//! (`tests/snapshots/report-structure.txt`), and the binary's `report` with its exit codes.
//!
//! To re-record the structure after a change that means it (review the diff before
//! committing):
//!
//! ```sh
//! CALLSIFT_BLESS=1 cargo test --test report
//! ```

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use callsift::correlate::CorrelateOptions;
use callsift::report::{ReportOptions, SECTIONS};
use callsift::Case;
use common::{code, repo, run_in, s, sha, staging_left, stderr, stdout};
use quick_xml::events::Event;

// ---- The page as a tree.

#[derive(Clone, Debug)]
enum Kid {
    Text(String),
    El(Node),
}

#[derive(Clone, Debug, Default)]
struct Node {
    name: String,
    attrs: BTreeMap<String, String>,
    kids: Vec<Kid>,
}

impl Node {
    fn attr(&self, k: &str) -> Option<&str> {
        self.attrs.get(k).map(String::as_str)
    }

    fn has_class(&self, c: &str) -> bool {
        self.attr("class")
            .is_some_and(|v| v.split_whitespace().any(|x| x == c))
    }

    /// Every text under it, in order.
    fn text(&self) -> String {
        let mut out = String::new();
        for k in &self.kids {
            match k {
                Kid::Text(t) => out.push_str(t),
                Kid::El(e) => out.push_str(&e.text()),
            }
        }
        out
    }

    /// Every element under it (itself excluded), in document order.
    fn all(&self) -> Vec<&Node> {
        let mut out = Vec::new();
        for k in &self.kids {
            if let Kid::El(e) = k {
                out.push(e);
                out.extend(e.all());
            }
        }
        out
    }

    fn named(&self, name: &str) -> Vec<&Node> {
        self.all().into_iter().filter(|e| e.name == name).collect()
    }

    fn by_id(&self, id: &str) -> &Node {
        self.all()
            .into_iter()
            .find(|e| e.attr("id") == Some(id))
            .unwrap_or_else(|| panic!("no element with id {id:?}"))
    }

    /// A table's column headings (its `thead`).
    fn headings(&self) -> Vec<String> {
        self.named("thead")
            .first()
            .map(|h| h.named("th").iter().map(|t| t.text()).collect())
            .unwrap_or_default()
    }

    /// A table's body rows, as cell texts.
    fn rows(&self) -> Vec<Vec<String>> {
        self.named("tbody")
            .first()
            .map(|b| {
                b.named("tr")
                    .iter()
                    .map(|r| {
                        r.all()
                            .into_iter()
                            .filter(|c| c.name == "td" || c.name == "th")
                            .map(|c| c.text())
                            .collect()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// An element, without its content.
fn element(e: &quick_xml::events::BytesStart<'_>) -> Node {
    Node {
        name: e.name().as_ref().to_string(),
        attrs: e
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                let v = a
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .unwrap()
                    .to_string();
                (a.key.as_ref().to_string(), v)
            })
            .collect(),
        kids: Vec::new(),
    }
}

/// Parses the page as XML (ending tags checked) into its root element.
fn parse(text: &str) -> Node {
    let mut r = quick_xml::Reader::from_str(text);
    r.config_mut().check_end_names = true;
    let mut stack: Vec<Node> = vec![Node::default()];
    loop {
        let ev = r.read_event().unwrap_or_else(|e| panic!("not XML: {e}"));
        match ev {
            Event::Start(e) => stack.push(element(&e)),
            Event::Empty(e) => stack.last_mut().unwrap().kids.push(Kid::El(element(&e))),
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().kids.push(Kid::El(done));
            }
            Event::Text(t) => stack
                .last_mut()
                .unwrap()
                .kids
                .push(Kid::Text(t.xml10_content().into_owned())),
            Event::GeneralRef(x) => {
                let c = match x.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&x)
                        .unwrap_or_else(|| panic!("unknown entity {x:?}"))
                        .to_string(),
                };
                stack.last_mut().unwrap().kids.push(Kid::Text(c));
            }
            Event::DocType(_) => {}
            Event::Eof => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut doc = stack.pop().unwrap();
    let Some(Kid::El(root)) = doc.kids.drain(..).find(|k| matches!(k, Kid::El(_))) else {
        panic!("no root element");
    };
    assert_eq!(root.name, "html");
    root
}

// ---- Runs.

fn inquiry_case() -> Case {
    Case::load(&repo("fixtures/inquiry/case.toml")).unwrap()
}

/// The inquiry fixture ingested and correlated into `out` (with `opts`), then its report.
fn inquiry(out: &Path, opts: &CorrelateOptions, published: Option<&Path>) -> String {
    callsift::ingest::run(&inquiry_case(), out, 2).unwrap();
    callsift::correlate::run(out, opts).unwrap();
    let p = published.map(|p| callsift::figures::Published::load(p).unwrap());
    let path = callsift::report::write(
        out,
        &ReportOptions {
            published: p.as_ref(),
        },
    )
    .unwrap();
    assert_eq!(path, out.join("report.html"));
    std::fs::read_to_string(path).unwrap()
}

/// The inquiry's report, plain, with the published figures: made once per test binary, in
/// `target/tmp/report-inquiry`, for the tests that only read it.
fn plain() -> (&'static Path, &'static str) {
    static RUN: std::sync::OnceLock<(PathBuf, String)> = std::sync::OnceLock::new();
    let r = RUN.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-inquiry");
        if out.exists() {
            std::fs::remove_dir_all(&out).unwrap();
        }
        let published = repo("fixtures/inquiry/published.toml");
        let page = inquiry(&out, &CorrelateOptions::default(), Some(&published));
        (out, page)
    });
    (&r.0, &r.1)
}

// ---- The page.

#[test]
fn every_section_in_order_and_nothing_from_the_network() {
    let (_, page) = plain();
    let root = parse(page);
    let sections: Vec<(String, String)> = root
        .named("section")
        .into_iter()
        .filter(|s| {
            s.attr("id")
                .is_some_and(|id| SECTIONS.iter().any(|x| x.0 == id))
        })
        .map(|s| (s.attr("id").unwrap().to_string(), s.named("h2")[0].text()))
        .collect();
    let want: Vec<(String, String)> = SECTIONS
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(sections, want);
    // Self-contained: no script, no external style, font or image; the only URLs are the
    // namespaces of XHTML and SVG, and `url(#…)` references within the page.
    let stripped = page
        .replace("http://www.w3.org/1999/xhtml", "")
        .replace("http://www.w3.org/2000/svg", "");
    for bad in [
        "http://", "https://", "<script", "<link", "<img", "src=", "@import", "//fonts",
    ] {
        assert!(!stripped.contains(bad), "the page holds {bad:?}");
    }
    for (i, _) in page.match_indices("url(") {
        assert!(page[i..].starts_with("url(#"), "{}", &page[i..i + 40]);
    }
    assert!(root.named("style").len() == 1 && page.contains("@media print"));
    // Every chart is drawn: an SVG with bars or cells.
    let charts: Vec<&Node> = root
        .named("svg")
        .into_iter()
        .filter(|s| s.has_class("chart"))
        .collect();
    assert!(charts.len() >= 6, "{} charts", charts.len());
    for c in &charts {
        let marks = c
            .all()
            .into_iter()
            .filter(|e| e.has_class("bar") || e.has_class("cell"))
            .count();
        assert!(marks > 0, "chart {:?} is empty", c.attr("id"));
        assert_eq!(c.attr("xmlns"), Some("http://www.w3.org/2000/svg"));
    }
    for id in [
        "timeline-chart",
        "incident-chart",
        "chain-1-chart",
        "overlaps-chart",
        "spread-chart",
    ] {
        assert!(charts.iter().any(|c| c.attr("id") == Some(id)), "no {id}");
    }
}

#[test]
fn the_lead_with_its_63_calls_and_the_chain_to_the_download() {
    let (out, page) = plain();
    let root = parse(page);
    let leads = root.by_id("leads-table");
    let number_col = leads.headings().iter().position(|h| h == "number").unwrap();
    assert_eq!(leads.rows()[0][number_col], "+15195550147");
    let lead = root.by_id("lead-1");
    assert!(lead.named("h3")[0].text().contains("+15195550147"));
    let dossier = root.by_id("dossier-1");
    let rows = dossier.rows();
    assert_eq!(rows.len(), 63);
    // Row by row the dossier's rows of that subject, evidence included.
    let d = callsift::results::table(out, callsift::Table::Dossier).unwrap();
    let t = callsift::Table::Dossier;
    let subject = callsift::results::texts(&d, t, "subject").unwrap();
    let evidence = callsift::results::texts(&d, t, "evidence").unwrap();
    let want: Vec<String> = subject
        .iter()
        .zip(&evidence)
        .filter(|(s, _)| s.as_deref() == Some("number:+15195550147"))
        .map(|(_, e)| e.clone().unwrap())
        .collect();
    let ev = dossier
        .headings()
        .iter()
        .position(|h| h == "evidence")
        .unwrap();
    let got: Vec<String> = rows.iter().map(|r| r[ev].clone()).collect();
    assert_eq!(got, want);
    // The chain from the lead reaches the download its list came from, drawn and tabled.
    let chain = root.by_id("chain-1");
    let cells: Vec<String> = chain.rows().concat();
    assert!(
        cells.iter().any(|c| c == "download:DL-20110501-0412"),
        "{cells:?}"
    );
    assert!(cells.iter().any(|c| c == "number:+15195550147"));
    let drawn = root.by_id("chain-1-chart").text();
    for node in [
        "number:+15195550147",
        "campaign:poll-location-change",
        "account:acct-7731",
        "download:DL-20110501-0412",
        "account:guelph-07",
    ] {
        assert!(drawn.contains(node), "the chain's drawing lacks {node}");
    }
    // The timeline marks the election-day burst: one hour standing out, at 10:00.
    let marks = root.by_id("timeline-chart").text();
    assert!(marks.contains("89 calls at 10:00"), "{marks}");
}

#[test]
fn the_figures_are_figures_json_and_the_published_ones_beside_them() {
    let (out, page) = plain();
    let root = parse(page);
    let table = root.by_id("figures-table");
    assert_eq!(
        table.headings(),
        [
            "figure",
            "value",
            "published",
            "computed",
            "match",
            "source"
        ]
    );
    let shown: BTreeMap<String, Vec<String>> = table
        .rows()
        .into_iter()
        .map(|r| (r[0].clone(), r[1..].to_vec()))
        .collect();
    let json: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(out.join("results/figures.json")).unwrap())
            .unwrap();
    for (k, v) in &json {
        if k == "inputs" {
            continue;
        }
        assert_eq!(shown[k][0], v.to_string(), "{k}");
    }
    let published =
        callsift::figures::compare(out, &repo("fixtures/inquiry/published.toml")).unwrap();
    assert_eq!(published.len(), 7);
    for c in &published {
        let row = &shown[&c.name];
        assert_eq!(row[1], c.published.to_string(), "{}", c.name);
        assert_eq!(row[2], c.computed.unwrap().to_string(), "{}", c.name);
        assert_eq!(row[3], "yes", "{}", c.name);
    }
    assert_eq!(
        shown.len(),
        json.len() - 1 + 1,
        "figures.json's keys and campaign_recipients"
    );
    assert!(root
        .by_id("figures")
        .text()
        .contains("7 of 7 published figures matched"));
    // The case section: every evidence file with the manifest's SHA-256 and reconciliation.
    let m = callsift::manifest::Manifest::read(out).unwrap();
    let inputs = root.by_id("inputs").rows();
    assert_eq!(inputs.len(), m.inputs.len());
    for (row, i) in inputs.iter().zip(&m.inputs) {
        assert_eq!(row[0], i.path);
        assert_eq!(row[3], i.sha256);
        assert_eq!(
            row[4..9],
            [
                i.rows_read,
                i.accepted,
                i.quarantined,
                i.duplicates_removed,
                i.filtered
            ]
            .map(|n| n.to_string())
        );
    }
    let windows = root.by_id("windows").rows();
    assert_eq!(
        windows[1],
        [
            "incident",
            "2011-05-02T00:00:00-04:00",
            "2011-05-03T00:00:00-04:00"
        ]
    );
}

#[test]
fn the_report_is_recorded_and_the_folder_verifies() {
    let (out, page) = plain();
    let m = callsift::manifest::Manifest::read(out).unwrap();
    let rec = m.outputs.iter().find(|o| o.path == "report.html").unwrap();
    assert_eq!(rec.sha256, sha(&out.join("report.html")));
    assert_eq!(rec.rows, None);
    assert!(m.timings_ms.contains_key("report"));
    let v = callsift::manifest::verify(out, Some(&repo("fixtures/inquiry/case.toml"))).unwrap();
    assert!(
        v.problems
            .iter()
            .all(|p| p.check == "audit-manifest" || p.check == "audit-chain"),
        "{:?}",
        v.problems
    );
    // The same results give the same page, byte for byte.
    let again = callsift::report::render(out, &ReportOptions::default()).unwrap();
    let published =
        callsift::figures::Published::load(&repo("fixtures/inquiry/published.toml")).unwrap();
    let with = callsift::report::render(
        out,
        &ReportOptions {
            published: Some(&published),
        },
    )
    .unwrap();
    assert!(with == page, "the page changed with no change of results");
    assert_ne!(again, with);
    assert!(!again.contains("published figures matched"));
}

/// The structure of the page, pinned: section ids and headings, sub-headings, every table's
/// id and column headings, every chart's id (not every byte: the values are the results').
#[test]
fn the_structure_is_pinned() {
    let (_, page) = plain();
    let root = parse(page);
    let mut s = String::new();
    for sec in root
        .named("section")
        .into_iter()
        .filter(|x| x.attr("class").is_none())
    {
        s += &format!(
            "section #{}: {}\n",
            sec.attr("id").unwrap_or("?"),
            sec.named("h2")
                .first()
                .map(|h| h.text())
                .unwrap_or_default()
        );
        for e in sec.all() {
            match e.name.as_str() {
                "h3" => s += &format!("  h3: {}\n", e.text()),
                "table" => {
                    s += &format!(
                        "  table #{}: {}\n",
                        e.attr("id").unwrap_or("?"),
                        e.headings().join(" | ")
                    )
                }
                "svg" if e.has_class("chart") => {
                    s += &format!("  chart #{}\n", e.attr("id").unwrap_or("?"))
                }
                _ => {}
            }
        }
    }
    let pinned = repo("tests/snapshots/report-structure.txt");
    if std::env::var_os("CALLSIFT_BLESS").is_some() {
        std::fs::create_dir_all(pinned.parent().unwrap()).unwrap();
        std::fs::write(&pinned, &s).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&pinned).unwrap_or_default();
    assert!(
        want == s,
        "the report's structure moved from {}:\n{s}\n(if meant, re-record with CALLSIFT_BLESS=1 \
         cargo test --test report)",
        pinned.display()
    );
}

// ---- Names that are markup, and pseudonymised runs.

#[test]
fn names_holding_markup_are_text() {
    let d = tempfile::tempdir().unwrap();
    let case = common::formats_case(d.path());
    let dir = case.parent().unwrap();
    let hostile = r#"poll <b>&amp; \"x\" 'y'</b>"#;
    let log = std::fs::read_to_string(dir.join("vendor-calls.jsonl")).unwrap();
    std::fs::write(
        dir.join("vendor-calls.jsonl"),
        log.replace("poll-location-change", hostile),
    )
    .unwrap();
    let text = std::fs::read_to_string(&case).unwrap();
    std::fs::write(
        &case,
        text.replace(
            "name = \"formats fixture\"",
            "name = \"formats <i>fixture</i> & 'co'\"",
        ),
    )
    .unwrap();
    let out = d.path().join("out");
    callsift::ingest::run(&Case::load(&case).unwrap(), &out, 1).unwrap();
    callsift::correlate::run(&out, &CorrelateOptions::default()).unwrap();
    let page = callsift::report::render(&out, &ReportOptions::default()).unwrap();
    let root = parse(&page);
    // The names read back as written, and no element came out of them.
    let name = r#"poll <b>&amp; "x" 'y'</b>"#;
    assert!(
        root.by_id("campaigns-table").text().contains(name),
        "campaign name lost"
    );
    assert_eq!(root.named("h1")[0].text(), "formats <i>fixture</i> & 'co'");
    assert!(root.named("b").is_empty() && root.named("i").is_empty());
}

/// Every phone number of the case store (E.164 digits).
fn store_numbers(out: &Path) -> BTreeSet<u64> {
    use arrow::array::{Array, AsArray};
    let mut nums = BTreeSet::new();
    for kind in callsift::model::Kind::ALL {
        let t =
            callsift::store::read_table(&out.join(callsift::layout::store_part(kind.name(), 0)))
                .unwrap();
        for spec in kind
            .columns()
            .iter()
            .filter(|c| c.ty == callsift::model::ColType::Phone)
        {
            let a = t
                .column_by_name(spec.name)
                .unwrap()
                .as_primitive::<arrow::datatypes::UInt64Type>();
            nums.extend((0..a.len()).filter(|&i| a.is_valid(i)).map(|i| a.value(i)));
        }
    }
    nums
}

/// Store numbers written in `text`, in any of their forms (E.164 digits, the 10-digit national
/// number, with separators), as tests/pseudonymize.rs looks for them.
fn numbers_in(text: &str, nums: &BTreeSet<u64>) -> Vec<u64> {
    let mut forms: HashMap<String, u64> = HashMap::new();
    for &n in nums {
        let d = n.to_string();
        if d.len() == 11 && d.starts_with('1') {
            forms.insert(d[1..].to_string(), n);
        }
        forms.insert(d, n);
    }
    let mut found = Vec::new();
    let mut run = String::new();
    let mut flush = |run: &mut String| {
        for len in 10..=15.min(run.len()) {
            for s in 0..=run.len() - len {
                if let Some(&n) = forms.get(&run[s..s + len]) {
                    found.push(n);
                }
            }
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else if !"-() .+".contains(c) {
            flush(&mut run);
        }
    }
    flush(&mut run);
    found
}

#[test]
fn a_pseudonymised_run_gives_a_page_of_tokens() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let key =
        callsift::pseudonym::Key::from_bytes(b"report integration test key, no digits").unwrap();
    let page = inquiry(
        &out,
        &CorrelateOptions {
            pseudonymize: Some(key),
        },
        None,
    );
    let nums = store_numbers(&out);
    assert!(nums.len() > 1000);
    let found = numbers_in(&page, &nums);
    assert!(
        found.is_empty(),
        "the pseudonymised page holds store numbers: {:?}",
        &found[..found.len().min(5)]
    );
    // The lead is its token, with its 63 calls; the page says how it was pseudonymised.
    let root = parse(&page);
    let lead = root
        .named("h3")
        .iter()
        .map(|h| h.text())
        .find(|t| t.starts_with("Lead 1: "))
        .unwrap();
    assert!(lead.starts_with("Lead 1: pn-"), "{lead}");
    assert_eq!(root.by_id("dossier-1").rows().len(), 63);
    let provenance = root.by_id("provenance").text();
    assert!(
        provenance.contains("\"token_prefix\":\"pn-\""),
        "{provenance}"
    );
    // Beside the plain page, only what pseudonymisation changes differs: the counts do not.
    let (_, plain_page) = plain();
    let plain_root = parse(plain_page);
    let figures = |r: &Node| -> Vec<Vec<String>> {
        r.by_id("figures-table")
            .rows()
            .into_iter()
            .filter(|row| !row[1].is_empty())
            .map(|row| row[..2].to_vec())
            .collect()
    };
    assert_eq!(figures(&root), figures(&plain_root));
    assert_eq!(
        root.by_id("timeline-chart").text(),
        plain_root.by_id("timeline-chart").text()
    );
}

// ---- The binary: `callsift report` and `run`'s last step.

fn cs(cwd: &Path, args: &[&str], want: i32) -> (String, String) {
    let o = run_in(cwd, args);
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert_eq!(
        code(&o),
        want,
        "callsift {args:?}\n{}{}",
        stdout(&o),
        stderr(&o)
    );
    (stdout(&o), stderr(&o))
}

#[test]
fn report_exit_codes_and_the_folder_as_a_unit() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let o = dir.join("out");
    let case = repo("fixtures/inquiry/case.toml");
    let published = repo("fixtures/inquiry/published.toml");
    // run writes the report as its last step, in a commit of its own.
    let (text, _) = cs(dir, &["run", s(&case), "--out", "out", "--threads", "1"], 0);
    assert!(text.contains("report: out/report.html\n"), "{text}");
    assert_eq!(
        std::fs::read_to_string(o.join("audit.log"))
            .unwrap()
            .lines()
            .count(),
        2
    );
    let first = std::fs::read_to_string(o.join("report.html")).unwrap();
    // report again, with the published figures: 0, the page rewritten with them.
    let (text, _) = cs(dir, &["report", "out", "--published", s(&published)], 0);
    assert!(
        text.starts_with("report: out/report.html\n")
            && text.ends_with("7 of 7 published figures matched\n"),
        "{text}"
    );
    let second = std::fs::read_to_string(o.join("report.html")).unwrap();
    assert!(
        second.contains("7 of 7 published figures matched")
            && !first.contains("published figures matched")
    );
    let (v, _) = cs(dir, &["verify", "out", "--case", s(&case)], 0);
    assert!(v.contains(" 0 problems\n"), "{v}");
    assert_eq!(
        std::fs::read_to_string(o.join("audit.log"))
            .unwrap()
            .lines()
            .count(),
        3
    );
    // --json and -q.
    let (json, _) = cs(dir, &["report", "out", "--json"], 0);
    let j: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(j["command"], "report");
    assert_eq!(j["report"], "out/report.html");
    assert!(j["published"].is_null());
    let (quiet, err) = cs(dir, &["report", "out", "-q"], 0);
    assert!(quiet.is_empty() && err.is_empty());
    // A published file that does not match: 1, the page written all the same.
    let other = dir.join("other.toml");
    std::fs::write(
        &other,
        "[figures.calls_received]\nvalue = 6052\nsource = \"a typo\"\n",
    )
    .unwrap();
    let (text, _) = cs(dir, &["report", "out", "--published", s(&other)], 1);
    assert!(text.contains("0 of 1 published figures matched"), "{text}");
    let before = sha(&o.join("manifest.json"));
    // A bad --published: 3, before the folder is touched.
    std::fs::write(
        dir.join("typo.toml"),
        "[figures.calls_recieved]\nvalue = 1\n",
    )
    .unwrap();
    let (_, err) = cs(dir, &["report", "out", "--published", "typo.toml"], 3);
    assert!(err.starts_with("callsift: error: typo.toml: "), "{err}");
    let (_, err) = cs(dir, &["report", "out", "--published", "missing.toml"], 3);
    assert!(err.contains("cannot read the published figures"), "{err}");
    assert_eq!(sha(&o.join("manifest.json")), before);
    // A missing folder, or one without results: 6, nothing created.
    let (_, err) = cs(dir, &["report", "nothing-here"], 6);
    assert_eq!(err, "callsift: error: nothing-here: no run in this folder: run `callsift run CASE.toml --out DIR` first\n");
    assert!(!dir.join(".nothing-here.callsift.lock").exists());
    cs(dir, &["ingest", s(&case), "--out", "store-only", "-q"], 0);
    let (_, err) = cs(dir, &["report", "store-only"], 6);
    assert!(
        err.contains("store-only/results/figures.json: not recorded in manifest.json"),
        "{err}"
    );
    // A results file changed after correlate: 6 naming it, and the folder as it was.
    let hashes = common::hashes(&o);
    let mut bytes = std::fs::read(o.join("results/chains.parquet")).unwrap();
    let last = bytes.len() - 20;
    bytes[last] ^= 1;
    std::fs::write(o.join("results/chains.parquet"), &bytes).unwrap();
    let (_, err) = cs(dir, &["report", "out"], 6);
    assert!(
        err.contains("out/results/chains.parquet: SHA-256 ")
            && err.contains("changed after correlate"),
        "{err}"
    );
    let now: BTreeMap<String, String> = common::hashes(&o).into_iter().collect();
    let was: BTreeMap<String, String> = hashes.into_iter().collect();
    let moved: Vec<&str> = now
        .keys()
        .filter(|k| was.get(*k) != now.get(*k))
        .map(String::as_str)
        .collect();
    // The folder as it was: only the file changed by hand, and the audit log's failure line.
    assert_eq!(moved, ["audit.log", "results/chains.parquet"]);
    assert_eq!(now.len(), was.len());
    assert!(staging_left(dir).is_empty());
}

#[test]
fn one_thread_or_two_give_the_same_page() {
    let d = tempfile::tempdir().unwrap();
    let case = repo("fixtures/inquiry/case.toml");
    let mut pages = Vec::new();
    for t in ["1", "2"] {
        let out = d.path().join(format!("out-{t}"));
        cs(
            d.path(),
            &["run", s(&case), "--out", s(&out), "--threads", t, "-q"],
            0,
        );
        pages.push(std::fs::read_to_string(out.join("report.html")).unwrap());
    }
    assert!(
        pages[0] == pages[1],
        "one thread and two gave different pages"
    );
    // Nothing of the report's own run is on it: no time of day, no folder.
    assert!(!pages[0].contains(s(d.path())));
}
