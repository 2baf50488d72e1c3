//! The link chart built from the results tables: each source table read once, row by row,
//! borrowing its text (a node's name is copied once, when the node is first met; an edge's
//! evidence references are borrowed until the graph is finished).
//!
//! The sources, in the order they are read (an edge met twice is one edge, its evidence in
//! this order):
//!
//! | table | edges (evidence) |
//! |---|---|
//! | `dossier`, lead rows | `called` number → complainant (the carrier row) |
//! | `dossier`, campaign rows | `attributed` campaign → complainant, `presented` campaign → the number it presented (the carrier and the vendor row) |
//! | `dossier`, every row | `lives_in` complainant → district |
//! | `numbers.presented_by` | `presented` campaign → number |
//! | `campaigns` | `account` campaign → account, `customer` account (else campaign) → customer (the registry rows), `upload` campaign → upload |
//! | `chains` | each link with a `to` (its evidence): `campaign` as `presented` campaign → number, or `attributed` when nothing above says the campaign presented the number; `beyond scope` as `beyond_scope` scope → each district of `districts:A (n); …`; the rest under their own names, spaces as `_` |
//!
//! An edge's weight is the number of calls behind it where calls are (dossier rows), else the
//! count the chains give (the largest, when several chains give the same link), else none.

use std::borrow::Cow;

use arrow::array::{
    Array, AsArray, ListArray, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::{TimestampMicrosecondType, UInt64Type};
use rustc_hash::{FxHashMap, FxHashSet};

use super::{link, xml_clean, Edge, Graph, Node, NodeType, EVIDENCE_CAP};
use crate::error::{Error, Result};
use crate::model::results::Table;

/// The results tables the chart is drawn from, as they are written.
pub(crate) struct Sources<'a> {
    pub dossier: &'a RecordBatch,
    /// In batches, in rank order.
    pub numbers: &'a [RecordBatch],
    pub campaigns: &'a RecordBatch,
    pub chains: &'a RecordBatch,
}

/// Builds the chart.
///
/// # Errors
/// [`Error::Store`] when a table lacks a column of the contract (a bug: the tables are built
/// against it).
pub(crate) fn build(s: &Sources<'_>) -> Result<Graph> {
    let mut b = Builder::default();
    b.dossier(s.dossier)?;
    for t in s.numbers {
        b.presented_by(t)?;
    }
    b.campaigns(s.campaigns)?;
    b.chains(s.chains)?;
    Ok(b.finish())
}

/// A node by type and label (the label borrowed from a table, or cleaned for XML).
type NodeKey<'a> = (NodeType, Cow<'a, str>);

/// An edge by source, target and link.
type EdgeKey = (u32, u32, Cow<'static, str>);

/// What an edge gathers from the rows behind it.
#[derive(Default)]
struct Gathered<'a> {
    /// Calls (dossier rows) behind it.
    calls: u64,
    /// The largest count a chain gives for it.
    count: Option<u64>,
    first: Option<i64>,
    last: Option<i64>,
    /// The first [`EVIDENCE_CAP`] distinct references.
    evidence: Vec<Cow<'a, str>>,
    /// The distinct references past the cap (a set only once the cap is reached).
    more: FxHashSet<Cow<'a, str>>,
}

impl<'a> Gathered<'a> {
    fn call(&mut self, at: Option<i64>) {
        self.calls += 1;
        if let Some(t) = at {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
    }

    fn count(&mut self, n: Option<u64>) {
        if let Some(n) = n {
            self.count = Some(self.count.map_or(n, |c| c.max(n)));
        }
    }

    /// Adds evidence references: a cell's one reference, or the items of a list cell.
    fn evidence(&mut self, refs: impl IntoIterator<Item = &'a str>) {
        for r in refs {
            let r = r.trim();
            if r.is_empty() || self.evidence.iter().any(|e| e == r) {
                continue;
            }
            let r = xml_clean(r);
            if self.evidence.len() < EVIDENCE_CAP {
                self.evidence.push(r);
            } else {
                self.more.insert(r);
            }
        }
    }

    /// The evidence text: the kept references, then `and N more`.
    fn evidence_text(&self) -> String {
        let mut s = self.evidence.join("; ");
        if !self.more.is_empty() {
            s.push_str(&format!("; and {} more", self.more.len()));
        }
        s
    }
}

#[derive(Default)]
struct Builder<'a> {
    node_ix: FxHashMap<NodeKey<'a>, u32>,
    nodes: Vec<NodeKey<'a>>,
    edge_ix: FxHashMap<EdgeKey, u32>,
    edges: Vec<(EdgeKey, Gathered<'a>)>,
}

impl<'a> Builder<'a> {
    /// The index of the node, added when new.
    fn node(&mut self, kind: NodeType, label: &'a str) -> u32 {
        let key = (kind, xml_clean(label));
        if let Some(&i) = self.node_ix.get(&key) {
            return i;
        }
        let i = self.nodes.len() as u32;
        self.nodes.push(key.clone());
        self.node_ix.insert(key, i);
        i
    }

    /// The node of a results name (`campaign:C`).
    fn named(&mut self, name: &'a str) -> u32 {
        let (kind, label) = NodeType::parse(name);
        self.node(kind, label)
    }

    /// The edge, added when new.
    fn edge(&mut self, from: u32, to: u32, link: Cow<'static, str>) -> &mut Gathered<'a> {
        let key = (from, to, link);
        let i = match self.edge_ix.get(&key) {
            Some(&i) => i as usize,
            None => {
                self.edge_ix.insert(key.clone(), self.edges.len() as u32);
                self.edges.push((key, Gathered::default()));
                self.edges.len() - 1
            }
        };
        &mut self.edges[i].1
    }

    fn has_edge(&self, from: u32, to: u32, link: &'static str) -> bool {
        self.edge_ix.contains_key(&(from, to, Cow::Borrowed(link)))
    }

    /// `called`, `attributed`, `presented` and `lives_in`, one call per row.
    fn dossier(&mut self, t: &'a RecordBatch) -> Result<()> {
        let d = Table::Dossier;
        let (kind, subject) = (text(t, d, "subject_kind")?, text(t, d, "subject")?);
        let (complainant, called) = (text(t, d, "complainant")?, text(t, d, "called")?);
        let (district, presented) = (text(t, d, "district")?, text(t, d, "presented")?);
        let (evidence, vendor) = (text(t, d, "evidence")?, text(t, d, "vendor_evidence")?);
        let start = time(t, d, "start")?;
        for i in 0..t.num_rows() {
            let who = match get(complainant, i).filter(|c| !c.is_empty()) {
                Some(c) => self.node(NodeType::Complainant, c),
                None => self.node(NodeType::Complainant, called.value(i)),
            };
            if let Some(place) = get(district, i) {
                let place = self.node(NodeType::District, place);
                self.edge(who, place, Cow::Borrowed(link::LIVES_IN));
            }
            let at = start.is_valid(i).then(|| start.value(i));
            let subj = self.named(subject.value(i));
            // A call's carrier record, and the vendor record matched to it: both for what a
            // campaign did, the carrier's alone for what the carrier saw.
            let refs = [get(evidence, i), get(vendor, i)];
            let add = |b: &mut Self, from: u32, to: u32, l: &'static str| {
                let e = b.edge(from, to, Cow::Borrowed(l));
                e.call(at);
                let n = if l == link::CALLED { 1 } else { 2 };
                refs.into_iter().take(n).for_each(|r| e.evidence(r));
            };
            match kind.value(i) {
                "lead" => add(self, subj, who, link::CALLED),
                "campaign" => {
                    add(self, subj, who, link::ATTRIBUTED);
                    if let Some(n) = get(presented, i) {
                        let n = self.node(NodeType::Number, n);
                        add(self, subj, n, link::PRESENTED);
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// `presented`: each campaign of a number's `presented_by`.
    fn presented_by(&mut self, t: &'a RecordBatch) -> Result<()> {
        let (number, by) = (
            text(t, Table::Numbers, "number")?,
            TextList::read(t, Table::Numbers, "presented_by")?,
        );
        for i in 0..t.num_rows() {
            if by.list.is_null(i) {
                continue;
            }
            let n = self.node(NodeType::Number, number.value(i));
            for c in by.at(i).filter(|c| !c.is_empty()) {
                let c = self.node(NodeType::Campaign, c);
                self.edge(c, n, Cow::Borrowed(link::PRESENTED));
            }
        }
        Ok(())
    }

    /// `account`, `customer` and `upload` of each campaign, on its registry evidence.
    fn campaigns(&mut self, t: &'a RecordBatch) -> Result<()> {
        let c = Table::Campaigns;
        let (name, account) = (text(t, c, "campaign")?, text(t, c, "account")?);
        let (customer, upload) = (text(t, c, "customer")?, text(t, c, "upload")?);
        let registry = TextList::read(t, c, "registry_evidence")?;
        for i in 0..t.num_rows() {
            let campaign = self.node(NodeType::Campaign, name.value(i));
            let ev = registry.at(i);
            let mut owner = campaign;
            if let Some(a) = get(account, i) {
                owner = self.node(NodeType::Account, a);
                self.edge(campaign, owner, Cow::Borrowed(link::ACCOUNT))
                    .evidence(ev.clone());
            }
            if let Some(x) = get(customer, i) {
                let x = self.node(NodeType::Customer, x);
                self.edge(owner, x, Cow::Borrowed(link::CUSTOMER))
                    .evidence(ev);
            }
            if let Some(u) = get(upload, i) {
                let u = self.named(u);
                self.edge(campaign, u, Cow::Borrowed(link::UPLOAD));
            }
        }
        Ok(())
    }

    /// Every link of every chain that reaches something.
    fn chains(&mut self, t: &'a RecordBatch) -> Result<()> {
        let c = Table::Chains;
        let (kind, from, to) = (text(t, c, "link")?, text(t, c, "from")?, text(t, c, "to")?);
        let evidence = TextList::read(t, c, "evidence")?;
        let count = t
            .column_by_name("count")
            .and_then(|a| a.as_primitive_opt::<UInt64Type>())
            .ok_or_else(|| missing(c, "count"))?;
        for i in 0..t.num_rows() {
            let Some(to) = get(to, i) else { continue };
            let n = count.is_valid(i).then(|| count.value(i));
            let ev = evidence.at(i);
            let a = self.named(from.value(i));
            match kind.value(i) {
                "campaign" => {
                    let (campaign, number) = (self.named(to), a);
                    let l = if self.has_edge(campaign, number, link::PRESENTED) {
                        link::PRESENTED
                    } else {
                        link::ATTRIBUTED
                    };
                    let e = self.edge(campaign, number, Cow::Borrowed(l));
                    e.count(n);
                    e.evidence(ev);
                }
                "beyond scope" => self.beyond_scope(a, to, n),
                other => {
                    let b = self.named(to);
                    let e = self.edge(a, b, chain_link(other));
                    e.count(n);
                    e.evidence(ev);
                }
            }
        }
        Ok(())
    }

    /// `beyond_scope`: scope → each district of `districts:A (n); B (m)`, weight its count;
    /// a name that does not read so is one district node, weight the chain's count.
    fn beyond_scope(&mut self, scope: u32, to: &'a str, count: Option<u64>) {
        let list = to.strip_prefix("districts:").unwrap_or(to);
        let parsed: Option<Vec<(&str, u64)>> = list
            .split("; ")
            .map(|d| {
                let (name, n) = d.strip_suffix(')')?.rsplit_once(" (")?;
                Some((name, n.parse().ok()?))
            })
            .collect();
        match parsed {
            Some(v) => {
                for (name, n) in v {
                    let d = self.node(NodeType::District, name);
                    self.edge(scope, d, Cow::Borrowed(link::BEYOND_SCOPE))
                        .count(Some(n));
                }
            }
            None => {
                let d = self.node(NodeType::District, list);
                self.edge(scope, d, Cow::Borrowed(link::BEYOND_SCOPE))
                    .count(count);
            }
        }
    }

    /// Nodes sorted by id, edges by (source, target, link).
    fn finish(self) -> Graph {
        let ids: Vec<String> = self.nodes.iter().map(|(k, l)| k.id(l)).collect();
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.sort_unstable_by(|&a, &b| ids[a].cmp(&ids[b]));
        let mut at = vec![0usize; ids.len()];
        for (pos, &i) in order.iter().enumerate() {
            at[i] = pos;
        }
        let mut ids: Vec<Option<String>> = ids.into_iter().map(Some).collect();
        let nodes = order
            .iter()
            .map(|&i| Node {
                id: ids[i].take().unwrap_or_default(),
                kind: self.nodes[i].0,
                label: self.nodes[i].1.to_string(),
            })
            .collect();
        let mut edges: Vec<Edge> = self
            .edges
            .into_iter()
            .map(|((from, to, l), g)| Edge {
                source: at[from as usize],
                target: at[to as usize],
                weight: if g.calls > 0 { Some(g.calls) } else { g.count },
                first: g.first,
                last: g.last,
                evidence: g.evidence_text(),
                link: l,
            })
            .collect();
        edges.sort_unstable_by(|a, b| {
            (a.source, a.target, &a.link).cmp(&(b.source, b.target, &b.link))
        });
        Graph { nodes, edges }
    }
}

/// A chain's link name as a link type: the chart's own name where it has one, else the
/// chain's with `_` for spaces.
fn chain_link(name: &str) -> Cow<'static, str> {
    [
        link::ACCOUNT,
        link::CUSTOMER,
        link::UPLOAD,
        link::SOURCE_DOWNLOAD,
        link::DOWNLOAD_ACCOUNT,
        link::SCOPE,
    ]
    .into_iter()
    .find(|l| {
        l.bytes()
            .map(|b| if b == b'_' { b' ' } else { b })
            .eq(name.bytes())
    })
    .map_or_else(|| Cow::Owned(name.replace(' ', "_")), Cow::Borrowed)
}

fn get(a: &StringArray, i: usize) -> Option<&str> {
    a.is_valid(i).then(|| a.value(i))
}

fn missing(t: Table, name: &str) -> Error {
    Error::store(
        format!("results table {}", t.name()),
        format!("no column '{name}' of the contract's type (model::results)"),
    )
}

fn text<'a>(b: &'a RecordBatch, t: Table, name: &str) -> Result<&'a StringArray> {
    b.column_by_name(name)
        .and_then(|a| a.as_string_opt::<i32>())
        .ok_or_else(|| missing(t, name))
}

/// A list-of-text column of the contract (`presented_by`, `registry_evidence`, the chains'
/// `evidence`), its items borrowed.
#[derive(Clone, Copy)]
struct TextList<'a> {
    list: &'a ListArray,
    items: &'a StringArray,
}

impl<'a> TextList<'a> {
    fn read(b: &'a RecordBatch, t: Table, name: &str) -> Result<TextList<'a>> {
        let list = b
            .column_by_name(name)
            .and_then(|a| a.as_list_opt::<i32>())
            .ok_or_else(|| missing(t, name))?;
        let items = list
            .values()
            .as_string_opt::<i32>()
            .ok_or_else(|| missing(t, name))?;
        Ok(TextList { list, items })
    }

    /// The items of row `i` (none where it is null).
    fn at(self, i: usize) -> impl Iterator<Item = &'a str> + Clone {
        let o = self.list.value_offsets();
        let range = if i < self.list.len() && self.list.is_valid(i) {
            o[i].max(0) as usize..(o[i + 1].max(0) as usize).min(self.items.len())
        } else {
            0..0
        };
        let items = self.items;
        range.map(move |j| items.value(j))
    }
}

fn time<'a>(b: &'a RecordBatch, t: Table, name: &str) -> Result<&'a TimestampMicrosecondArray> {
    b.column_by_name(name)
        .and_then(|a| a.as_primitive_opt::<TimestampMicrosecondType>())
        .ok_or_else(|| missing(t, name))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{new_null_array, ArrayRef, BooleanArray, Int64Array};
    use arrow::compute::cast;
    use arrow::datatypes::DataType;

    use super::*;

    /// A results table of `n` rows: the given text and integer columns (cast to the contract's
    /// types), every other column null where it may be, else zero, false or empty.
    fn table(t: Table, n: usize, given: &[(&str, ArrayRef)]) -> RecordBatch {
        let schema = t.schema();
        let cols: Vec<ArrayRef> = schema
            .fields()
            .iter()
            .map(|f| match given.iter().find(|(name, _)| name == f.name()) {
                Some((_, a)) => cast(a, f.data_type()).unwrap(),
                None if f.is_nullable() => new_null_array(f.data_type(), n),
                None => {
                    let a: ArrayRef = match f.data_type() {
                        DataType::Boolean => Arc::new(BooleanArray::from(vec![false; n])),
                        DataType::Utf8 => Arc::new(StringArray::from(vec![""; n])),
                        _ => Arc::new(Int64Array::from(vec![0i64; n])),
                    };
                    cast(&a, f.data_type()).unwrap()
                }
            })
            .collect();
        RecordBatch::try_new(schema, cols).unwrap()
    }

    fn s(v: &[Option<&str>]) -> ArrayRef {
        Arc::new(StringArray::from(v.to_vec()))
    }

    /// A list-of-text column.
    fn l(v: &[Option<&[&str]>]) -> ArrayRef {
        let mut b = arrow::array::ListBuilder::new(arrow::array::StringBuilder::new())
            .with_field(Arc::new(crate::model::results::list_item_field()));
        for r in v {
            b.append_option(r.map(|r| r.iter().map(|x| Some(*x))));
        }
        Arc::new(b.finish())
    }

    fn i(v: &[Option<i64>]) -> ArrayRef {
        Arc::new(Int64Array::from(v.to_vec()))
    }

    fn empty(t: Table) -> RecordBatch {
        table(t, 0, &[])
    }

    /// The edges as (source id, target id, link, weight, evidence).
    fn rows(g: &Graph) -> Vec<(&str, &str, &str, Option<u64>, &str)> {
        g.edges
            .iter()
            .map(|e| {
                let id = |k: usize| g.nodes[k].id.as_str();
                (
                    id(e.source),
                    id(e.target),
                    &*e.link,
                    e.weight,
                    e.evidence.as_str(),
                )
            })
            .collect()
    }

    #[test]
    fn dossier_rows_become_calls_attributions_presentations_and_homes() {
        let d = table(
            Table::Dossier,
            4,
            &[
                (
                    "subject_kind",
                    s(&[
                        Some("lead"),
                        Some("lead"),
                        Some("campaign"),
                        Some("campaign"),
                    ]),
                ),
                (
                    "subject",
                    s(&[
                        Some("number:+1"),
                        Some("number:+1"),
                        Some("campaign:c"),
                        Some("campaign:c"),
                    ]),
                ),
                ("start", i(&[Some(30), Some(10), Some(20), None])),
                // The second complainant has no id: the number called stands for them.
                (
                    "complainant",
                    s(&[Some("k1"), None, Some("k1"), Some("k1")]),
                ),
                (
                    "called",
                    s(&[Some("+21"), Some("+22"), Some("+21"), Some("+21")]),
                ),
                ("district", s(&[Some("D"), None, Some("D"), Some("D")])),
                ("presented", s(&[None, None, Some("+1"), Some("+9")])),
                (
                    "evidence",
                    s(&[
                        Some("c.csv:3"),
                        Some("c.csv:1"),
                        Some("c.csv:2"),
                        Some("c.csv:4"),
                    ]),
                ),
                (
                    "vendor_evidence",
                    s(&[Some("v:1"), None, Some("v:2"), Some("v:3")]),
                ),
            ],
        );
        let g = build(&Sources {
            dossier: &d,
            numbers: std::slice::from_ref(&empty(Table::Numbers)),
            campaigns: &empty(Table::Campaigns),
            chains: &empty(Table::Chains),
        })
        .unwrap();
        let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "campaign:c",
                "complainant:+22",
                "complainant:k1",
                "district:D",
                "number:+1",
                "number:+9"
            ]
        );
        assert_eq!(
            rows(&g),
            [
                (
                    "campaign:c",
                    "complainant:k1",
                    "attributed",
                    Some(2),
                    "c.csv:2; v:2; c.csv:4; v:3"
                ),
                (
                    "campaign:c",
                    "number:+1",
                    "presented",
                    Some(1),
                    "c.csv:2; v:2"
                ),
                (
                    "campaign:c",
                    "number:+9",
                    "presented",
                    Some(1),
                    "c.csv:4; v:3"
                ),
                ("complainant:k1", "district:D", "lives_in", None, ""),
                ("number:+1", "complainant:+22", "called", Some(1), "c.csv:1"),
                ("number:+1", "complainant:k1", "called", Some(1), "c.csv:3"),
            ]
        );
        // First and last: the calls' times; none for a call without one.
        let e = &g.edges[0];
        assert_eq!((e.first, e.last), (Some(20), Some(20)));
        assert_eq!(g.nodes[4].label, "+1");
        assert_eq!(g.nodes[1].kind, NodeType::Complainant);
    }

    #[test]
    fn chain_links_merge_with_presentations_and_split_districts() {
        let n = table(
            Table::Numbers,
            2,
            &[
                ("number", s(&[Some("+1"), Some("+2")])),
                ("presented_by", l(&[Some(&["c", "d"]), None])),
            ],
        );
        let chain = |v: &[&str]| {
            s(&v.iter()
                .map(|x| (!x.is_empty()).then_some(*x))
                .collect::<Vec<_>>())
        };
        let c = table(
            Table::Chains,
            7,
            &[
                (
                    "link",
                    chain(&[
                        "campaign",
                        "campaign",
                        "account",
                        "account",
                        "beyond scope",
                        "beyond scope",
                        "customer",
                    ]),
                ),
                (
                    "from",
                    chain(&[
                        "number:+1",
                        "number:+2",
                        "campaign:c",
                        "campaign:c",
                        "scope:S",
                        "scope:T",
                        "account:a",
                    ]),
                ),
                (
                    "to",
                    chain(&[
                        "campaign:c",
                        "campaign:c",
                        "account:a",
                        "account:a",
                        "districts:A; B (2); C (1)",
                        "districts:X (4); Y (5)",
                        "",
                    ]),
                ),
                (
                    "count",
                    i(&[Some(6), Some(3), None, None, Some(3), Some(9), None]),
                ),
                (
                    "evidence",
                    l(&[
                        Some(&["e:1", "v:1"]),
                        Some(&["e:2"]),
                        Some(&["v:9"]),
                        Some(&["v:9"]),
                        None,
                        None,
                        Some(&["r:1"]),
                    ]),
                ),
            ],
        );
        let g = build(&Sources {
            dossier: &empty(Table::Dossier),
            numbers: std::slice::from_ref(&n),
            campaigns: &empty(Table::Campaigns),
            chains: &c,
        })
        .unwrap();
        assert_eq!(
            rows(&g),
            [
                // Twice in the chains, once in the chart.
                ("campaign:c", "account:a", "account", None, "v:9"),
                // presented_by says c presented +1; +2 it did not: its calls were attributed.
                ("campaign:c", "number:+1", "presented", Some(6), "e:1; v:1"),
                ("campaign:c", "number:+2", "attributed", Some(3), "e:2"),
                ("campaign:d", "number:+1", "presented", None, ""),
                // A district list that does not read as `name (n); …` stays whole.
                (
                    "scope:S",
                    "district:A; B (2); C (1)",
                    "beyond_scope",
                    Some(3),
                    ""
                ),
                ("scope:T", "district:X", "beyond_scope", Some(4), ""),
                ("scope:T", "district:Y", "beyond_scope", Some(5), ""),
            ]
        );
    }

    #[test]
    fn evidence_is_capped_and_the_rest_counted_once() {
        let mut g = Gathered::default();
        let refs: Vec<String> = (0..EVIDENCE_CAP + 5)
            .map(|k| format!("f.csv:{k}"))
            .collect();
        for r in refs.iter().chain(&refs) {
            g.evidence(Some(r.as_str()));
        }
        let text = g.evidence_text();
        assert!(text.starts_with("f.csv:0; f.csv:1; "), "{text}");
        assert!(
            text.ends_with(&format!("f.csv:{}; and 5 more", EVIDENCE_CAP - 1)),
            "{text}"
        );
    }

    #[test]
    fn names_xml_cannot_hold_are_cleaned_alike_everywhere() {
        let c = table(
            Table::Campaigns,
            2,
            &[
                ("campaign", s(&[Some("c\u{1}"), Some("c\u{2}")])),
                ("account", s(&[Some("a\u{0}"), Some("a")])),
                ("customer", s(&[Some("Cie & \"x\" <\u{1b}>"), None])),
                (
                    "registry_evidence",
                    l(&[Some(&["r.csv:2", "r.csv:9"]), Some(&["r.csv:3"])]),
                ),
            ],
        );
        let g = build(&Sources {
            dossier: &empty(Table::Dossier),
            numbers: std::slice::from_ref(&empty(Table::Numbers)),
            campaigns: &c,
            chains: &empty(Table::Chains),
        })
        .unwrap();
        // Control characters show as their pictures: names that differ there stay apart.
        assert_eq!(
            rows(&g),
            [
                (
                    "account:a\u{2400}",
                    "customer:Cie & \"x\" <\u{241b}>",
                    "customer",
                    None,
                    "r.csv:2; r.csv:9"
                ),
                (
                    "campaign:c\u{2401}",
                    "account:a\u{2400}",
                    "account",
                    None,
                    "r.csv:2; r.csv:9"
                ),
                (
                    "campaign:c\u{2402}",
                    "account:a",
                    "account",
                    None,
                    "r.csv:3"
                ),
            ]
        );
    }
}
