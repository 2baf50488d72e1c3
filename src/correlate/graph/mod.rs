//! `results/graph.graphml` and `results/links.csv`: the link chart, drawn from the results tables
//! as they are written (after `--pseudonymize`, so a token stands wherever a number would), for
//! Gephi, i2 Analyst's Notebook or any GraphML reader.
//!
//! Nothing is counted anew and nothing is read from the store: every node and edge is a name or
//! a row of `dossier`, `numbers`, `campaigns` or `chains` (`graph/build.rs` says which).
//!
//! ```text
//!  number ──called──▶ complainant ──lives_in──▶ district ◀──beyond_scope── scope
//!    ▲                     ▲                                                 ▲
//!    presented             attributed                                        scope
//!    │                     │                                                 │
//!  campaign ───────────────┘                  download ─download_account─▶ account
//!    ├──account──▶ account ──customer──▶ customer ▲
//!    ├──upload──▶ upload ──source_download────────┤
//!    └──source_download───────────────────────────┘
//! ```
//!
//! Domain words, once:
//! - **node**: an entity the results name, with its [`NodeType`]; its id is the results' own
//!   name (`number:+15195550147`, `campaign:C`, `account:A`, `upload:U`, `download:D`,
//!   `scope:S`, `customer:X`, `district:D`), a complainant `complainant:` and the dossier's
//!   complainant id (or, when the complainants table gave none, the number called);
//! - **edge**: a directed, typed link (`link`, one of the [`link`] names) between two nodes, with
//!   a `weight` (a count the results give), `first` and `last` (the UTC times of the first and
//!   last call behind it, where calls are behind it) and `evidence` (the evidence-file rows it
//!   rests on, `file:row`, `; `-joined, at most [`EVIDENCE_CAP`] and a count of the rest).
//!
//! Nodes are sorted by id, edges by (source, target, link): the files are byte-identical
//! whatever the thread count. A character XML 1.0 cannot hold (a control character other than
//! tab, line feed and carriage return) is written as its Unicode control picture (`␁` for
//! U+0001) in both files, so that they agree.
//! The method and how to open the files are in `docs/method.md` ("The link chart").

mod build;
mod graphml;
mod links;

use std::borrow::Cow;
use std::path::Path;

use crate::error::{Error, Result};
use crate::layout::RESULTS;

pub(crate) use build::{build, Sources};

/// The GraphML file's name under `results/`.
pub const GRAPHML_FILE: &str = "graph.graphml";
/// The link table's file name under `results/`.
pub const LINKS_FILE: &str = "links.csv";
/// The most evidence references an edge lists; the rest are counted (`; and 12 more`).
pub const EVIDENCE_CAP: usize = 20;

/// The names of the edges' link types (the `link` attribute, `link_type` in `links.csv`).
pub mod link {
    /// number → complainant: the lead's calls to the complainant (the dossier's lead rows).
    pub const CALLED: &str = "called";
    /// campaign → complainant: calls attributed to the campaign (the dossier's campaign rows);
    /// campaign → number: calls from the number attributed to a campaign that did not present
    /// it (a chain's `campaign` link).
    pub const ATTRIBUTED: &str = "attributed";
    /// campaign → number: the campaign presented the number as its caller ID.
    pub const PRESENTED: &str = "presented";
    /// complainant → district: the district of the number called.
    pub const LIVES_IN: &str = "lives_in";
    /// campaign → account: the account the campaign ran under; download → account is
    /// [`DOWNLOAD_ACCOUNT`].
    pub const ACCOUNT: &str = "account";
    /// account (or campaign) → customer: the registry's customer.
    pub const CUSTOMER: &str = "customer";
    /// campaign → upload.
    pub const UPLOAD: &str = "upload";
    /// list (campaign or upload) → download: its best source download (weight: the overlap).
    pub const SOURCE_DOWNLOAD: &str = "source_download";
    /// download → the party-database account that made it.
    pub const DOWNLOAD_ACCOUNT: &str = "download_account";
    /// account → scope: the districts its downloads were scoped to.
    pub const SCOPE: &str = "scope";
    /// scope → district: recipients outside the scope (weight: how many in that district).
    pub const BEYOND_SCOPE: &str = "beyond_scope";
}

/// What a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeType {
    /// An originating (or presented) number: `number:+1…`, or its token.
    Number,
    /// A complainant: `complainant:` and their id, else the number called.
    Complainant,
    /// A vendor campaign: `campaign:C`.
    Campaign,
    /// A vendor or party-database account: `account:A`.
    Account,
    /// The vendor's customer behind a campaign: `customer:X`.
    Customer,
    /// A list uploaded to a vendor: `upload:U`.
    Upload,
    /// A party-database download: `download:D`.
    Download,
    /// An electoral district: `district:D`.
    District,
    /// The districts an account's downloads were scoped to: `scope:S`.
    Scope,
    /// A name the results give without a known prefix (kept whole as the id).
    Other,
}

impl NodeType {
    /// Every type with a prefix, in the order of this enum.
    const PREFIXED: [NodeType; 9] = [
        NodeType::Number,
        NodeType::Complainant,
        NodeType::Campaign,
        NodeType::Account,
        NodeType::Customer,
        NodeType::Upload,
        NodeType::Download,
        NodeType::District,
        NodeType::Scope,
    ];

    /// Its name: the `type` attribute, and the prefix of its ids (`other` has none).
    pub fn name(self) -> &'static str {
        match self {
            NodeType::Number => "number",
            NodeType::Complainant => "complainant",
            NodeType::Campaign => "campaign",
            NodeType::Account => "account",
            NodeType::Customer => "customer",
            NodeType::Upload => "upload",
            NodeType::Download => "download",
            NodeType::District => "district",
            NodeType::Scope => "scope",
            NodeType::Other => "other",
        }
    }

    /// The type and label of a results name (`campaign:C` → campaign, `C`); a name without a
    /// known prefix is an [`NodeType::Other`] node labelled by the whole name.
    ///
    /// # Examples
    /// ```
    /// use callsift::correlate::graph::NodeType;
    /// assert_eq!(NodeType::parse("number:+15195550147"), (NodeType::Number, "+15195550147"));
    /// assert_eq!(NodeType::parse("customer:A: B"), (NodeType::Customer, "A: B"));
    /// assert_eq!(NodeType::parse("poll:p:key=2"), (NodeType::Other, "poll:p:key=2"));
    /// ```
    pub fn parse(name: &str) -> (NodeType, &str) {
        name.split_once(':')
            .and_then(|(p, rest)| {
                NodeType::PREFIXED
                    .into_iter()
                    .find(|t| t.name() == p)
                    .map(|t| (t, rest))
            })
            .unwrap_or((NodeType::Other, name))
    }

    /// The id of the node of this type labelled `label`.
    pub fn id(self, label: &str) -> String {
        match self {
            NodeType::Other => label.to_string(),
            t => format!("{}:{label}", t.name()),
        }
    }
}

/// A node of the chart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// Its id (see [`NodeType::id`]).
    pub id: String,
    /// Its type.
    pub kind: NodeType,
    /// Its label: the id without the type's prefix.
    pub label: String,
}

/// An edge of the chart; `source` and `target` index [`Graph::nodes`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    /// The node it starts from.
    pub source: usize,
    /// The node it reaches.
    pub target: usize,
    /// Its link type (one of [`link`], or a chain link the chart does not know, its spaces
    /// as `_`).
    pub link: Cow<'static, str>,
    /// The count the results give for it.
    pub weight: Option<u64>,
    /// The first call behind it (UTC µs).
    pub first: Option<i64>,
    /// The last call behind it (UTC µs).
    pub last: Option<i64>,
    /// `file:row` references, `; `-joined, capped ([`EVIDENCE_CAP`]).
    pub evidence: String,
}

/// The link chart: nodes sorted by id, edges by (source, target, link).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Graph {
    /// The nodes.
    pub nodes: Vec<Node>,
    /// The edges.
    pub edges: Vec<Edge>,
}

/// Writes `results/graph.graphml` and `results/links.csv` of `graph` under `out`, and returns
/// them as the manifest lists them (path under `out`, rows: `links.csv`'s edges).
///
/// # Errors
/// [`Error::Io`] or [`Error::Store`] naming the file that cannot be written.
pub(crate) fn write(out: &Path, graph: &Graph) -> Result<Vec<(String, Option<u64>)>> {
    let xml = format!("{RESULTS}/{GRAPHML_FILE}");
    let csv = format!("{RESULTS}/{LINKS_FILE}");
    let xml_path = out.join(&xml);
    crate::store::write_atomic(&xml_path, |f| {
        let mut w = std::io::BufWriter::new(f);
        graphml::write(graph, &mut w)
            .and_then(|()| std::io::Write::flush(&mut w))
            .map_err(|e| Error::io(&xml_path, e))
    })?;
    let table = links::table(graph).map_err(|e| Error::store(out.join(&csv), e))?;
    crate::store::write_csv(&out.join(&csv), std::slice::from_ref(&table))?;
    Ok(vec![(xml, None), (csv, Some(graph.edges.len() as u64))])
}

/// Whether XML 1.0 can hold `c` (its `Char` production: tab, line feed, carriage return, and
/// everything from U+0020 but U+FFFE and U+FFFF; Rust strings hold no surrogates).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// The character written for one XML 1.0 cannot hold: a C0 control as its Unicode control
/// picture (U+0001 as `␁`, U+2401), so that names differing only there stay distinct and the
/// character stays visible; U+FFFE and U+FFFF (not characters at all) as U+FFFD.
fn xml_stand_in(c: char) -> char {
    match c {
        '\0'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'),
        _ => '\u{FFFD}',
    }
}

/// `s` with each character XML 1.0 cannot hold replaced ([`xml_stand_in`]); borrowed when
/// there is none.
fn xml_clean(s: &str) -> Cow<'_, str> {
    if s.chars().all(xml_char) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(
            s.chars()
                .map(|c| if xml_char(c) { c } else { xml_stand_in(c) })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_into_type_and_label_and_back() {
        for t in NodeType::PREFIXED {
            let id = t.id("x: y");
            assert_eq!(NodeType::parse(&id), (t, "x: y"));
        }
        assert_eq!(NodeType::parse("x"), (NodeType::Other, "x"));
        assert_eq!(NodeType::parse("districts:A (3)").0, NodeType::Other);
        assert_eq!(NodeType::Other.id("poll:p"), "poll:p");
    }

    #[test]
    fn text_xml_cannot_hold_is_replaced() {
        assert!(matches!(xml_clean("a&<é\t\n\r"), Cow::Borrowed(_)));
        assert_eq!(
            xml_clean("a\u{1}b\u{FFFF}\u{7f}\0"),
            "a\u{2401}b\u{FFFD}\u{7f}\u{2400}"
        );
    }
}
