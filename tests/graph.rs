//! The link chart (issue 14, item 4) on the inquiry fixture: `results/graph.graphml` parsed
//! with a standard XML parser (quick-xml) and checked as GraphML (a declared key for every
//! datum, with its `attr.type`; every edge between declared nodes; a directed graph);
//! `results/links.csv` read back with the csv crate, holding the same edges in the same order;
//! the first chain of the inquiry as a path through the chart; the weights as the results
//! count them; names with markup and non-ASCII text read back whole; and a pseudonymised run
//! that holds no phone number in either file.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use arrow::array::{Array, AsArray};
use arrow::datatypes::UInt64Type;
use callsift::config::Case;
use callsift::correlate::CorrelateOptions;
use callsift::model::results::Table;
use callsift::model::{ColType, Kind};
use callsift::pseudonym::Key;
use callsift::results::{table, texts, times, u64s};
use callsift::store::read_table;
use quick_xml::events::{BytesStart, Event};
use quick_xml::XmlVersion::Implicit1_0;

const GRAPHML_NS: &str = "http://graphml.graphdrawing.org/xmlns";

/// The inquiry fixture (or a copy of it in `case_dir`) ingested and correlated into `out`.
fn run(case_dir: &Path, out: &Path, key: Option<Key>) {
    let case = Case::load(&case_dir.join("case.toml")).unwrap();
    callsift::ingest::run(&case, out, 2).unwrap();
    callsift::correlate::run(out, &CorrelateOptions { pseudonymize: key }).unwrap();
}

fn inquiry() -> std::path::PathBuf {
    common::repo("fixtures/inquiry")
}

/// One node or edge of the GraphML: its attributes and its `<data>` by key.
#[derive(Debug, Default)]
struct Element {
    attrs: BTreeMap<String, String>,
    data: BTreeMap<String, String>,
}

/// A GraphML document as read: keys (id → for, attr.name, attr.type), nodes, edges.
#[derive(Debug, Default)]
struct GraphMl {
    keys: BTreeMap<String, (String, String, String)>,
    directed: bool,
    nodes: Vec<Element>,
    edges: Vec<Element>,
}

fn attrs(e: &BytesStart<'_>) -> BTreeMap<String, String> {
    e.attributes()
        .map(|a| {
            let a = a.unwrap();
            let v = a.normalized_value(Implicit1_0).unwrap().to_string();
            (a.key.as_ref().to_string(), v)
        })
        .collect()
}

/// Parses a GraphML file with quick-xml, checking its structure on the way: the root is
/// `<graphml>` in the GraphML namespace, keys come before the graph, nodes and edges sit in
/// the graph, `<data>` in a node or an edge.
fn parse_graphml(path: &Path) -> GraphMl {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    let mut r = quick_xml::Reader::from_str(&text);
    r.config_mut().check_end_names = true;
    let mut g = GraphMl::default();
    let mut stack: Vec<String> = Vec::new();
    let mut current: Option<Element> = None;
    let mut datum: Option<(String, String)> = None;
    loop {
        let ev = r.read_event().unwrap();
        match &ev {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.name().as_ref().to_string();
                let parent = stack.last().map(String::as_str);
                let a = attrs(e);
                match (name.as_str(), parent) {
                    ("graphml", None) => assert_eq!(a["xmlns"], GRAPHML_NS),
                    ("key", Some("graphml")) => {
                        assert!(g.nodes.is_empty(), "a key after the graph");
                        let k = (
                            a["for"].clone(),
                            a["attr.name"].clone(),
                            a["attr.type"].clone(),
                        );
                        assert!(g.keys.insert(a["id"].clone(), k).is_none(), "{a:?} twice");
                    }
                    ("graph", Some("graphml")) => g.directed = a["edgedefault"] == "directed",
                    ("node" | "edge", Some("graph")) => {
                        current = Some(Element {
                            attrs: a,
                            data: BTreeMap::new(),
                        })
                    }
                    ("data", Some("node" | "edge")) => {
                        datum = Some((a["key"].clone(), String::new()))
                    }
                    other => panic!("unexpected element {other:?}"),
                }
                if matches!(ev, Event::Start(_)) {
                    stack.push(name);
                } else {
                    close(&name, &mut g, &mut current, &mut datum);
                }
            }
            Event::Text(t) => {
                if let Some(d) = datum.as_mut() {
                    d.1.push_str(&t.xml10_content());
                } else {
                    assert!(t.trim().is_empty(), "text outside a <data>: {t:?}");
                }
            }
            Event::GeneralRef(x) => {
                let c = match x.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(x)
                        .unwrap()
                        .to_string(),
                };
                datum
                    .as_mut()
                    .expect("a reference outside a <data>")
                    .1
                    .push_str(&c);
            }
            Event::End(e) => {
                let name = e.name().as_ref().to_string();
                assert_eq!(stack.pop().as_deref(), Some(name.as_str()));
                close(&name, &mut g, &mut current, &mut datum);
            }
            Event::Eof => break,
            Event::Decl(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(stack.is_empty());
    g
}

/// The end of an element: a datum joins its node or edge, a node or edge the graph.
fn close(
    name: &str,
    g: &mut GraphMl,
    current: &mut Option<Element>,
    datum: &mut Option<(String, String)>,
) {
    match name {
        "data" => {
            let (k, v) = datum.take().unwrap();
            let el = current.as_mut().unwrap();
            assert!(
                el.data.insert(k, v).is_none(),
                "a key twice in {:?}",
                el.attrs
            );
        }
        "node" => g.nodes.push(current.take().unwrap()),
        "edge" => g.edges.push(current.take().unwrap()),
        _ => {}
    }
}

/// The GraphML rules the chart must keep, checked on a parsed document.
fn check_graphml(g: &GraphMl) {
    assert!(g.directed);
    for (id, (on, name, ty)) in &g.keys {
        assert_eq!(id, name);
        assert!(matches!(on.as_str(), "node" | "edge"), "{id}: for={on}");
        let types = ["boolean", "int", "long", "float", "double", "string"];
        assert!(types.contains(&ty.as_str()), "{id}: attr.type={ty}");
    }
    let declared = |el: &Element, on: &str| {
        for k in el.data.keys() {
            assert_eq!(
                g.keys.get(k).map(|k| k.0.as_str()),
                Some(on),
                "{k} undeclared for {on}"
            );
        }
    };
    let mut ids = BTreeSet::new();
    for n in &g.nodes {
        assert!(
            ids.insert(n.attrs["id"].as_str()),
            "node {} twice",
            n.attrs["id"]
        );
        declared(n, "node");
        assert!(
            n.data.contains_key("type") && n.data.contains_key("label"),
            "{n:?}"
        );
    }
    // Sorted by id.
    let order: Vec<&str> = g.nodes.iter().map(|n| n.attrs["id"].as_str()).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]));
    let mut edge_ids = BTreeSet::new();
    for e in &g.edges {
        assert!(edge_ids.insert(e.attrs["id"].as_str()));
        assert!(ids.contains(e.attrs["source"].as_str()), "{e:?}");
        assert!(ids.contains(e.attrs["target"].as_str()), "{e:?}");
        declared(e, "edge");
        assert!(e.data.contains_key("link"), "{e:?}");
        if let Some(w) = e.data.get("weight") {
            w.parse::<u64>().unwrap();
        }
    }
}

/// `links.csv` as records by column name, read with the csv crate.
fn read_links(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        header,
        [
            "source",
            "source_type",
            "target",
            "target_type",
            "link_type",
            "weight",
            "first",
            "last",
            "evidence"
        ]
    );
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// The edges of both files as rows of `links.csv`: checks that they agree, edge by edge.
fn chart(out: &Path) -> Vec<BTreeMap<String, String>> {
    let g = parse_graphml(&out.join("results/graph.graphml"));
    check_graphml(&g);
    let links = read_links(&out.join("results/links.csv"));
    assert_eq!(links.len(), g.edges.len());
    let type_of: HashMap<&str, &str> = g
        .nodes
        .iter()
        .map(|n| (n.attrs["id"].as_str(), n.data["type"].as_str()))
        .collect();
    for (l, e) in links.iter().zip(&g.edges) {
        let d = |k: &str| e.data.get(k).cloned().unwrap_or_default();
        assert_eq!(l["source"], e.attrs["source"]);
        assert_eq!(l["target"], e.attrs["target"]);
        assert_eq!(l["source_type"], type_of[e.attrs["source"].as_str()]);
        assert_eq!(l["target_type"], type_of[e.attrs["target"].as_str()]);
        for (col, key) in [
            ("link_type", "link"),
            ("weight", "weight"),
            ("first", "first"),
            ("last", "last"),
            ("evidence", "evidence"),
        ] {
            assert_eq!(l[col], d(key), "{col} of {l:?}");
        }
    }
    links
}

/// The edge `link` from `a` to `b`.
fn edge<'a>(
    links: &'a [BTreeMap<String, String>],
    a: &str,
    b: &str,
    link: &str,
) -> &'a BTreeMap<String, String> {
    links
        .iter()
        .find(|l| l["source"] == a && l["target"] == b && l["link_type"] == link)
        .unwrap_or_else(|| panic!("no {link} edge {a} → {b}"))
}

#[test]
fn the_graphml_parses_and_the_link_table_holds_the_same_edges() {
    let dir = tempfile::tempdir().unwrap();
    run(&inquiry(), dir.path(), None);
    let links = chart(dir.path());
    let g = parse_graphml(&dir.path().join("results/graph.graphml"));
    // The inquiry's chart, as docs/method.md gives it.
    assert_eq!((g.nodes.len(), g.edges.len()), (101, 249));
    let mut per_type: BTreeMap<&str, usize> = BTreeMap::new();
    for n in &g.nodes {
        *per_type.entry(n.data["type"].as_str()).or_default() += 1;
        // The label is the id without its type's prefix.
        let id = &n.attrs["id"];
        assert_eq!(id, &format!("{}:{}", n.data["type"], n.data["label"]));
    }
    let want: BTreeMap<&str, usize> = [
        ("account", 6),
        ("campaign", 4),
        ("complainant", 73),
        ("customer", 3),
        ("district", 3),
        ("download", 3),
        ("number", 4),
        ("scope", 2),
        ("upload", 3),
    ]
    .into();
    assert_eq!(per_type, want);
    // Sorted by (source, target, link), one edge per triple.
    let keys: Vec<(&str, &str, &str)> = links
        .iter()
        .map(|l| {
            (
                l["source"].as_str(),
                l["target"].as_str(),
                l["link_type"].as_str(),
            )
        })
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]));
    // The manifest lists both files, links.csv with its rows, and verify passes.
    let m = callsift::manifest::Manifest::read(dir.path()).unwrap();
    let rec = |p: &str| m.outputs.iter().find(|o| o.path == p).unwrap().rows;
    assert_eq!(rec("results/links.csv"), Some(249));
    assert_eq!(rec("results/graph.graphml"), None);
    let v = callsift::manifest::verify(dir.path(), None).unwrap();
    assert!(v.problems.is_empty(), "{:?}", v.problems);
}

/// Every link of the first chain is an edge of the chart, so that the chain reads as a path
/// from the spoofed number to the download its list came from, and on to the district beyond
/// the download account's scope.
#[test]
fn the_first_chain_is_a_path_through_the_chart() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    run(&inquiry(), out, None);
    let links = chart(out);
    let (number, campaign) = ("number:+15195550147", "campaign:poll-location-change");
    let presented = edge(&links, campaign, number, "presented");
    assert_eq!(
        presented["weight"], "69",
        "its attributed calls, all presenting the number"
    );
    let path = [
        (campaign, "account:acct-7731", "account", ""),
        (
            "account:acct-7731",
            "customer:Pierre Poutine",
            "customer",
            "",
        ),
        (campaign, "upload:upl-20110501-7731", "upload", ""),
        (
            campaign,
            "download:DL-20110501-0412",
            "source_download",
            "4800",
        ),
        (
            "download:DL-20110501-0412",
            "account:guelph-07",
            "download_account",
            "",
        ),
        ("account:guelph-07", "scope:Guelph", "scope", ""),
        (
            "scope:Guelph",
            "district:Kitchener—Waterloo",
            "beyond_scope",
            "53",
        ),
    ];
    for (a, b, link, weight) in path {
        let e = edge(&links, a, b, link);
        assert_eq!(e["weight"], weight, "{a} → {b}");
        if link != "beyond_scope" {
            assert!(!e["evidence"].is_empty(), "{a} → {b}");
        }
    }
    assert!(edge(
        &links,
        "download:DL-20110501-0412",
        "account:guelph-07",
        "download_account"
    )["evidence"]
        .contains("party-db-downloads.parquet:13601"));

    // And each row of the chains table that reaches something is an edge, one way or the
    // other, between the nodes it names (districts split out of `districts:…`).
    let c = table(out, Table::Chains).unwrap();
    let col = |name: &str| texts(&c, Table::Chains, name).unwrap();
    let (from, to) = (col("from"), col("to"));
    let linked = |a: &str, b: &str| {
        links.iter().any(|l| {
            (l["source"] == a && l["target"] == b) || (l["source"] == b && l["target"] == a)
        })
    };
    for (f, t) in from.iter().zip(&to) {
        let (Some(f), Some(t)) = (f, t) else { continue };
        match t.strip_prefix("districts:") {
            Some(list) => {
                for d in list.split("; ") {
                    let name = &d[..d.rfind(" (").unwrap()];
                    assert!(linked(f, &format!("district:{name}")), "{f} → {d}");
                }
            }
            None => assert!(linked(f, t), "{f} → {t}"),
        }
    }
}

/// The weights are the results' counts: a lead's `called` edges sum to its calls (63 for the
/// spoofed number), first and last are its first and last call; a campaign's `attributed`
/// edges sum to its matched calls and number its matched complainants.
#[test]
fn weights_and_times_are_the_results_counts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    run(&inquiry(), out, None);
    let links = chart(out);
    let sum = |src: &str, link: &str| -> (u64, usize, Option<String>, Option<String>) {
        let e: Vec<_> = links
            .iter()
            .filter(|l| l["source"] == src && l["link_type"] == link)
            .collect();
        (
            e.iter().map(|l| l["weight"].parse::<u64>().unwrap()).sum(),
            e.len(),
            e.iter().map(|l| l["first"].clone()).min(),
            e.iter().map(|l| l["last"].clone()).max(),
        )
    };
    let (w, _, first, last) = sum("number:+15195550147", "called");
    assert_eq!(w, 63);
    let n = table(out, Table::Numbers).unwrap();
    let number = texts(&n, Table::Numbers, "number").unwrap();
    let calls = u64s(&n, Table::Numbers, "calls").unwrap();
    let fmt = |t: Option<i64>| t.map(callsift::normalize::time::format_utc);
    let (fs, ls) = (
        times(&n, Table::Numbers, "first_seen").unwrap(),
        times(&n, Table::Numbers, "last_seen").unwrap(),
    );
    let k = number
        .iter()
        .position(|x| x.as_deref() == Some("+15195550147"))
        .unwrap();
    assert_eq!(w, calls[k]);
    assert_eq!((first, last), (fmt(fs[k]), fmt(ls[k])));

    let c = table(out, Table::Campaigns).unwrap();
    let name = texts(&c, Table::Campaigns, "campaign").unwrap();
    let matched = u64s(&c, Table::Campaigns, "calls_matched").unwrap();
    let reached = u64s(&c, Table::Campaigns, "complainants_matched").unwrap();
    for ((name, m), r) in name.iter().zip(matched).zip(reached) {
        let (w, edges, _, _) = sum(
            &format!("campaign:{}", name.as_deref().unwrap()),
            "attributed",
        );
        assert_eq!((w, edges as u64), (m, r), "{name:?}");
    }
    // Every complainant lives somewhere the dossier names.
    let complainants: BTreeSet<&str> = links
        .iter()
        .filter(|l| l["target_type"] == "complainant")
        .map(|l| l["target"].as_str())
        .collect();
    for k in &complainants {
        assert!(
            links
                .iter()
                .any(|l| l["source"] == *k && l["link_type"] == "lives_in"),
            "{k}"
        );
    }
}

/// A customer named with markup, quotes, a comma and non-ASCII text reads back whole from
/// both files.
#[test]
fn names_with_markup_read_back_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("inquiry");
    common::copy_dir(&inquiry(), &case);
    common::copy_dir(
        &common::repo("fixtures/numbering"),
        &tmp.path().join("numbering"),
    );
    let name = "Pierre \"P.\" <Poutine> & Cie, Ltée — 東京 'x'";
    let reg = case.join("vendor/robodial-campaigns.csv");
    let text = std::fs::read_to_string(&reg).unwrap();
    std::fs::write(&reg, text.replace("Pierre Poutine", name)).unwrap();
    let out = tmp.path().join("out");
    run(&case, &out, None);
    let links = chart(&out);
    let id = format!("customer:{name}");
    edge(&links, "account:acct-7731", &id, "customer");
    let g = parse_graphml(&out.join("results/graph.graphml"));
    let node = g.nodes.iter().find(|n| n.attrs["id"] == id).unwrap();
    assert_eq!(node.data["label"], name);
    let raw = std::fs::read_to_string(out.join("results/graph.graphml")).unwrap();
    assert!(raw.contains("&lt;Poutine&gt; &amp; Cie"));
}

/// Every digit string a store number could be written as (E.164 digits, and the national
/// number of a North American one), from every phone column of every store table.
fn number_forms(out: &Path) -> BTreeSet<String> {
    let mut forms = BTreeSet::new();
    for kind in Kind::ALL {
        let t = read_table(&out.join(callsift::layout::store_part(kind.name(), 0))).unwrap();
        for spec in kind.columns().iter().filter(|c| c.ty == ColType::Phone) {
            let a = t
                .column_by_name(spec.name)
                .unwrap()
                .as_primitive::<UInt64Type>();
            for n in (0..a.len()).filter(|&i| a.is_valid(i)).map(|i| a.value(i)) {
                let d = n.to_string();
                if d.len() == 11 && d.starts_with('1') {
                    forms.insert(d[1..].to_string());
                }
                forms.insert(d);
            }
        }
    }
    forms
}

/// Whether `text` holds a form of a number: digit runs with the separators of formatted
/// numbers removed, every window of 10 to 15 digits looked up.
fn holds_number(text: &str, forms: &BTreeSet<String>) -> Option<String> {
    let mut runs = vec![String::new()];
    for c in text.chars() {
        if c.is_ascii_digit() {
            runs.last_mut().unwrap().push(c);
        } else if !"-() .+".contains(c) {
            runs.push(String::new());
        }
    }
    runs.into_iter().find_map(|r| {
        (10..=15.min(r.len())).find_map(|len| {
            (0..=r.len() - len)
                .map(|s| &r[s..s + len])
                .find(|w| forms.contains(*w))
                .map(str::to_string)
        })
    })
}

/// With `--pseudonymize`, neither file holds a phone number, the numbers' nodes are their
/// tokens, and the chart is the plain one with each number replaced by its token.
#[test]
fn a_pseudonymised_chart_holds_no_phone_number() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    run(&inquiry(), out, None);
    let plain = chart(out);
    let forms = number_forms(out);
    assert!(forms.len() > 100);
    let text = std::fs::read_to_string(out.join("results/links.csv")).unwrap();
    assert!(
        holds_number(&text, &forms).is_some(),
        "the plain chart shows numbers"
    );

    let key = Key::from_bytes(b"graph test key -- printable, no digits").unwrap();
    callsift::correlate::run(
        out,
        &CorrelateOptions {
            pseudonymize: Some(key.clone()),
        },
    )
    .unwrap();
    for f in ["results/graph.graphml", "results/links.csv"] {
        let text = std::fs::read_to_string(out.join(f)).unwrap();
        assert_eq!(holds_number(&text, &forms), None, "{f}");
        assert!(text.contains("number:pn-"), "{f}");
    }
    let pseudo = chart(out);
    let token = |id: &str| match id.strip_prefix("number:") {
        Some(n) => format!("number:{}", key.token(n)),
        None => id.to_string(),
    };
    let row = |l: &BTreeMap<String, String>, map: &dyn Fn(&str) -> String| {
        let mut l = l.clone();
        for c in ["source", "target"] {
            let v = map(&l[c]);
            l.insert(c.into(), v);
        }
        l
    };
    let want: BTreeSet<_> = plain.iter().map(|l| row(l, &token)).collect();
    let got: BTreeSet<_> = pseudo.iter().map(|l| row(l, &str::to_string)).collect();
    assert_eq!(got, want);
}
