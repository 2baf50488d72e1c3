//! `results/chains`: who stands behind the calls, one row per link of each chain, each with
//! its evidence.
//!
//! A chain starts at a significant unexplained originating number (in rank order), or at a
//! campaign enriched among complainants that no number's chain reached (in enrichment order),
//! and follows the links the other analyses found:
//!
//! ```text
//!  number ─presented/attributed─▶ campaign ─▶ account ─▶ customer
//!                                     │
//!                                     ├─▶ upload (merged, or inferred: same account, the
//!                                     │           latest upload before the first dial)
//!                                     └─▶ best source download ─▶ its account ─▶ its scope
//!                                                                      └─▶ recipients beyond it
//! ```
//!
//! A number reached by several campaigns starts one chain per campaign. A link the evidence
//! does not give is still a row, with `to` empty and a note saying what is missing, so a gap
//! in the story is visible rather than silent. Nothing here is counted anew: every figure is
//! one the other analyses computed (attribution, spoof presentations, overlaps, enrichment,
//! spread), read from their typed results, and every row names the evidence-file rows it rests
//! on (`file:row`).

use std::collections::{BTreeMap, BTreeSet};

use arrow::array::RecordBatch;

use super::attribution::{Attribution, VendorLog};
use super::campaigns::LogTally;
use super::cols::{times, u64s_dense, Codes, TableBuilder};
use super::input::Calls;
use super::lists::{ListKind, Lists, NamedSet};
use super::overlaps::{EnrichmentRow, OverlapRow};
use super::parts::{first_rows, RowKeys, Seen, UNSEEN};
use super::reach::{Ranking, ReachCounts};
use super::registry::Registry;
use super::spoof::PresentedCounts;
use super::spread::{self, Geography, SpreadCounts, SpreadSet};
use super::ALPHA;
use crate::error::Result;
use crate::model::results::Table;
use crate::normalize::phone::format_e164;
use serde::{Deserialize, Serialize};

/// What the chains are built from: the other analyses' results.
pub(crate) struct Sources<'a> {
    pub calls: &'a Calls<'a>,
    pub reach: &'a ReachCounts,
    pub ranking: &'a Ranking,
    pub explained: &'a [bool],
    pub presented: &'a PresentedCounts,
    /// The vendor log's rows that the chains show (see [`super::callparts`]), and what the
    /// whole log says of each campaign.
    pub log: (&'a VendorLog, &'a LogTally),
    pub matched: &'a Attribution,
    pub lists: &'a Lists,
    pub reg: &'a Registry,
    pub legitimate: &'a BTreeSet<&'a str>,
    /// Overlap rows in rank order, with the lists of each side.
    pub overlaps: (&'a [OverlapRow], &'a [&'a NamedSet], &'a [&'a NamedSet]),
    /// Enrichment rows in rank order, with the lists.
    pub enrichment: (&'a [EnrichmentRow], &'a [&'a NamedSet]),
    /// The spread: geography, the sets and their counts.
    pub spread: (&'a Geography, &'a [SpreadSet], &'a SpreadCounts),
    /// First rows of the uploads and downloads in the store.
    pub firsts: &'a Firsts,
}

/// The first store row of each upload and each download (their evidence), and each upload's
/// account and time.
#[derive(Default)]
pub(crate) struct Firsts {
    upload: BTreeMap<String, Upload>,
    download: BTreeMap<String, String>,
}

/// An upload's first row: its evidence, account and time.
type Upload = (String, Option<String>, Option<i64>);

/// [`Firsts`] as the parts of the store add to them: per upload and download, its least row
/// ([`Seen`]) so far and what that row says.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct FirstsGather {
    upload: BTreeMap<String, (Seen, Upload)>,
    download: BTreeMap<String, (Seen, String)>,
}

impl FirstsGather {
    /// Adds rows of the `vendor_list` table, placed by `keys`.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn vendor_list(&mut self, vl: &RecordBatch, keys: &RowKeys) -> Result<()> {
        let (list, acc, at) = (
            Codes::read(vl, "list")?,
            Codes::read(vl, "account")?,
            times(vl, "uploaded")?,
        );
        let ev = evidence_of(vl)?;
        for (c, (s, i)) in placed(&list, keys) {
            let name = format!("{}:{}", ListKind::Upload.label(), list.names[c]);
            let e = self
                .upload
                .entry(name)
                .or_insert((UNSEEN, Default::default()));
            if s < e.0 {
                *e = (s, (ev(i), acc.get(i).map(str::to_string), at[i]));
            }
        }
        Ok(())
    }

    /// Adds rows of the `downloads` table, placed by `keys`.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn downloads(&mut self, dl: &RecordBatch, keys: &RowKeys) -> Result<()> {
        let name = Codes::read(dl, "download")?;
        let ev = evidence_of(dl)?;
        for (c, (s, i)) in placed(&name, keys) {
            let key = format!("{}:{}", ListKind::Download.label(), name.names[c]);
            let e = self.download.entry(key).or_insert((UNSEEN, String::new()));
            if s < e.0 {
                *e = (s, ev(i));
            }
        }
        Ok(())
    }

    /// Adds the first rows `o` gathered from other parts.
    pub fn absorb(&mut self, o: FirstsGather) {
        for (k, (s, v)) in o.upload {
            let e = self.upload.entry(k).or_insert((UNSEEN, Default::default()));
            if s < e.0 {
                *e = (s, v);
            }
        }
        for (k, (s, v)) in o.download {
            let e = self.download.entry(k).or_insert((UNSEEN, String::new()));
            if s < e.0 {
                *e = (s, v);
            }
        }
    }

    /// The first rows.
    pub fn finish(self) -> Firsts {
        Firsts {
            upload: self.upload.into_iter().map(|(k, (_, v))| (k, v)).collect(),
            download: self
                .download
                .into_iter()
                .map(|(k, (_, v))| (k, v))
                .collect(),
        }
    }
}

/// Each value of an interned column that a row holds, with its least row ([`first_rows`]).
fn placed(c: &Codes, keys: &RowKeys) -> impl Iterator<Item = (usize, (Seen, usize))> {
    first_rows(c, keys)
        .into_iter()
        .enumerate()
        .filter_map(|(code, f)| f.map(|f| (code, f)))
}

/// `file:row` of each row of a store table, `file:row#item` for an item of an exploded record.
fn evidence_of(t: &RecordBatch) -> Result<impl Fn(usize) -> String> {
    use arrow::array::{Array, AsArray};
    let file = Codes::read(t, "source_file")?;
    let row = u64s_dense(t, "source_row")?;
    let item = t
        .column_by_name("source_item")
        .and_then(|a| a.as_primitive_opt::<arrow::datatypes::UInt32Type>())
        .cloned();
    Ok(
        move |i: usize| match item.as_ref().filter(|a| a.is_valid(i)) {
            Some(a) => format!("{}:{}#{}", file.text(i), row[i], a.value(i)),
            None => format!("{}:{}", file.text(i), row[i]),
        },
    )
}

/// One link of a chain.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Link {
    /// What joins `from` to `to`.
    pub link: &'static str,
    /// The entity it starts from (`number:+…`, `campaign:C`, `account:A`, …).
    pub from: String,
    /// The entity it reaches; `None` where the evidence gives none.
    pub to: Option<String>,
    /// The count behind it (calls, records, overlap, recipients), where there is one.
    pub count: Option<u64>,
    /// A share behind it (containment, share outside the scope), where there is one.
    pub share: Option<f64>,
    /// ln p of its test, where there is one.
    pub ln_p: Option<f64>,
    /// `file:row` references (none: the `evidence` cell is null).
    pub evidence: Vec<String>,
    /// What it means, or what is missing.
    pub note: Option<String>,
}

/// One chain: where it starts and its links, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Chain {
    /// `number:+…` or `campaign:C`.
    pub start: String,
    /// The links.
    pub links: Vec<Link>,
}

/// How a number reaches a campaign: vendor records that presented it to complainants, calls
/// from it attributed to the campaign, and the first evidence of each.
#[derive(Default)]
struct Reached {
    presented: u64,
    attributed: u64,
    evidence: Vec<String>,
}

/// Every chain, numbers first (rank order), then campaigns no number reached (enrichment
/// order).
pub(crate) fn chains(s: &Sources<'_>) -> Vec<Chain> {
    let alpha = ALPHA.ln();
    let starts: Vec<usize> = s
        .ranking
        .order
        .iter()
        .copied()
        .filter(|&k| s.ranking.ln_q[k] <= alpha && !s.explained[k])
        .collect();
    let wanted: BTreeSet<u64> = starts.iter().map(|&k| s.reach.number[k]).collect();
    let by_number = reached_by_number(s, &wanted);
    let mut out = Vec::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for k in starts {
        let n = s.reach.number[k];
        let start = format!("number:{}", format_e164(n));
        let Some(camps) = by_number.get(&n).filter(|m| !m.is_empty()) else {
            out.push(Chain {
                start: start.clone(),
                links: vec![Link {
                    link: "campaign",
                    from: start,
                    note: Some(
                        "no vendor campaign presented this number to a complainant or was \
                         attributed a call from it: the carrier and the subscriber return are \
                         the next step"
                            .into(),
                    ),
                    ..Link::default()
                }],
            });
            continue;
        };
        let mut order: Vec<(&String, &Reached)> = camps.iter().collect();
        order.sort_by(|a, b| {
            (b.1.attributed + b.1.presented)
                .cmp(&(a.1.attributed + a.1.presented))
                .then(a.0.cmp(b.0))
        });
        for (c, r) in order {
            seen.insert(c.as_str());
            let mut links = vec![number_link(&start, c, r)];
            links.extend(campaign_links(s, c));
            out.push(Chain {
                start: start.clone(),
                links,
            });
        }
    }
    let (rows, all) = s.enrichment;
    for r in rows {
        let l = all[r.list];
        let Some(c) = l
            .campaign
            .as_deref()
            .filter(|_| l.kind == ListKind::Campaign)
        else {
            continue;
        };
        if r.ln_q > alpha || seen.contains(c) {
            continue;
        }
        out.push(Chain {
            start: l.name.clone(),
            links: campaign_links(s, c),
        });
    }
    out
}

/// Per number of `wanted`: the campaigns that presented it to complainants or were
/// attributed its calls.
fn reached_by_number(
    s: &Sources<'_>,
    wanted: &BTreeSet<u64>,
) -> BTreeMap<u64, BTreeMap<String, Reached>> {
    let mut m: BTreeMap<u64, BTreeMap<String, Reached>> = BTreeMap::new();
    for (n, ps) in s
        .presented
        .by_number
        .iter()
        .filter(|(n, _)| wanted.contains(n))
    {
        for (p, c) in ps.iter().filter(|(_, c)| c.to_complainants > 0) {
            let r = m
                .entry(*n)
                .or_default()
                .entry(p.campaign.clone())
                .or_default();
            r.presented += c.to_complainants;
        }
    }
    // The evidence: the first attributed call and its vendor record; for a number presented
    // but never attributed, the first vendor record that presented it.
    for x in &s.matched.matches {
        let (Some(n), Some(c)) = (s.calls.calling(x.call), s.log.0.campaign.get(x.vendor_row))
        else {
            continue;
        };
        if !wanted.contains(&n) {
            continue;
        }
        let r = m.entry(n).or_default().entry(c.to_string()).or_default();
        if r.attributed == 0 {
            r.evidence.push(format!(
                "{}:{}",
                s.calls.file.text(x.call),
                s.calls.row[x.call]
            ));
            r.evidence.push(s.log.0.evidence(x.vendor_row));
        }
        r.attributed += 1;
    }
    for j in 0..s.log.0.presented.len() {
        let (Some(p), Some(c)) = (s.log.0.presented[j], s.log.0.campaign.get(j)) else {
            continue;
        };
        if let Some(r) = m.get_mut(&p).and_then(|v| v.get_mut(c)) {
            if r.presented > 0 && r.attributed == 0 && r.evidence.is_empty() {
                r.evidence.push(s.log.0.evidence(j));
            }
        }
    }
    m
}

/// number → campaign.
fn number_link(start: &str, campaign: &str, r: &Reached) -> Link {
    let how = match (r.presented > 0, r.attributed > 0) {
        (true, true) => "presented and attributed",
        (true, false) => "presented",
        _ => "attributed",
    };
    Link {
        link: "campaign",
        from: start.to_string(),
        to: Some(format!("campaign:{campaign}")),
        count: Some(if r.attributed > 0 {
            r.attributed
        } else {
            r.presented
        }),
        evidence: r.evidence.clone(),
        note: Some(format!(
            "{how}: {} vendor records presented it to complainants, {} calls from it \
             attributed to the campaign",
            r.presented, r.attributed
        )),
        ..Link::default()
    }
}

/// campaign → account → customer, → upload, → source download → its account → its scope
/// → recipients beyond it.
fn campaign_links(s: &Sources<'_>, c: &str) -> Vec<Link> {
    let set_name = format!("campaign:{c}");
    let set = s.lists.campaigns.iter().find(|x| x.name == set_name);
    let entry = s.reg.get(c);
    let reg_ev = entry.map(|e| e.evidence.clone()).unwrap_or_default();
    let first_row = (0..s.log.0.campaign.codes.len()).find(|&j| s.log.0.campaign.get(j) == Some(c));
    let account = set.and_then(|x| x.account.clone());
    let declared = if s.legitimate.contains(c) {
        "declared legitimate"
    } else {
        "not declared legitimate"
    };
    let mut v = vec![Link {
        link: "account",
        from: set_name.clone(),
        to: account.as_ref().map(|a| format!("account:{a}")),
        evidence: first_row.map_or_else(|| reg_ev.clone(), |j| vec![s.log.0.evidence(j)]),
        note: Some(match &account {
            Some(_) => format!("the vendor account the campaign ran under ({declared})"),
            None => format!("neither the vendor log nor a registry names its account ({declared})"),
        }),
        ..Link::default()
    }];
    let customer = entry.and_then(|e| e.customer.clone());
    v.push(Link {
        link: "customer",
        from: account
            .as_ref()
            .map_or(set_name.clone(), |a| format!("account:{a}")),
        to: customer.as_ref().map(|x| format!("customer:{x}")),
        evidence: reg_ev,
        note: Some(match (entry, &customer) {
            (Some(e), Some(_)) => format!(
                "named in the vendor's campaign registry{}",
                e.purpose
                    .as_ref()
                    .map(|p| format!(", declared purpose: {p}"))
                    .unwrap_or_default()
            ),
            (Some(_), None) => "the registry lists the campaign but names no customer".into(),
            (None, _) => "no campaign registry lists the campaign".into(),
        }),
        ..Link::default()
    });
    let upload = upload_of(s, set, account.as_deref(), c);
    v.push(upload.0);
    v.extend(source_links(s, &set_name, upload.1.as_deref()));
    v
}

/// campaign → upload: the upload merged into it, else the latest upload of its account before
/// its first dial (inferred); and that upload's name.
fn upload_of(
    s: &Sources<'_>,
    set: Option<&NamedSet>,
    account: Option<&str>,
    c: &str,
) -> (Link, Option<String>) {
    let from = format!("campaign:{c}");
    let ev = |u: &str| {
        s.firsts
            .upload
            .get(u)
            .map(|f| f.0.clone())
            .into_iter()
            .collect()
    };
    if let Some(u) = set.and_then(|x| x.upload.clone()) {
        let link = Link {
            link: "upload",
            from,
            to: Some(u.clone()),
            evidence: ev(&u),
            note: Some("the upload names the campaign (vendor_list.campaign)".into()),
            ..Link::default()
        };
        return (link, Some(u));
    }
    let first_dial = s.log.1.get(c).and_then(|x| x.first);
    let inferred = s
        .lists
        .uploads
        .iter()
        .filter_map(|u| {
            let (_, acc, at) = s.firsts.upload.get(&u.name)?;
            (acc.is_some()
                && acc.as_deref() == account
                && at.zip(first_dial).is_some_and(|(a, f)| a <= f))
            .then_some((at.unwrap_or(i64::MIN), &u.name))
        })
        .max();
    match inferred {
        Some((_, u)) => (
            Link {
                link: "upload",
                from,
                to: Some(u.clone()),
                evidence: ev(u),
                note: Some(
                    "inferred: the latest upload of the campaign's account before its first \
                     dial (no upload names the campaign)"
                        .into(),
                ),
                ..Link::default()
            },
            Some(u.clone()),
        ),
        None => (
            Link {
                link: "upload",
                from,
                note: Some(
                    "no upload names the campaign, and its account uploaded nothing before its \
                     first dial"
                        .into(),
                ),
                ..Link::default()
            },
            None,
        ),
    }
}

/// list → best source download → the download's account → its scope → recipients beyond.
/// The campaign's own dialed set is tried first, then its (inferred) upload's.
fn source_links(s: &Sources<'_>, set_name: &str, upload: Option<&str>) -> Vec<Link> {
    let (rows, a, b) = s.overlaps;
    let n_downloads = s.lists.downloads.len();
    let best = |name: &str| {
        rows.iter()
            .find(|r| a[r.a].name == name && r.b < n_downloads && r.ln_q <= ALPHA.ln())
    };
    let found = best(set_name)
        .map(|r| (set_name, r))
        .or_else(|| upload.and_then(|u| best(u).map(|r| (u, r))));
    let Some((from, r)) = found else {
        return vec![Link {
            link: "source download",
            from: set_name.to_string(),
            note: Some("no download overlaps the list significantly".into()),
            ..Link::default()
        }];
    };
    let dl = b[r.b];
    let dl_ev: Vec<String> = s
        .firsts
        .download
        .get(&dl.name)
        .cloned()
        .into_iter()
        .collect();
    let mut v = vec![Link {
        link: "source download",
        from: from.to_string(),
        to: Some(dl.name.clone()),
        count: Some(r.overlap),
        share: Some(r.overlap as f64 / r.size_a.max(1) as f64),
        ln_p: Some(r.ln_p),
        evidence: dl_ev.clone(),
        note: Some(format!(
            "the download holding most of the list, most significantly: {} of its {} numbers",
            r.overlap, r.size_a
        )),
    }];
    let Some(acc) = dl.account.clone() else {
        return v;
    };
    v.push(Link {
        link: "download account",
        from: dl.name.clone(),
        to: Some(format!("account:{acc}")),
        evidence: dl_ev.clone(),
        note: Some("the party-database account that made the download".into()),
        ..Link::default()
    });
    let (geo, sets, counts) = s.spread;
    let si = sets.iter().position(|x| x.name == set_name);
    let Some(bey) = si.and_then(|i| spread::beyond(geo, counts, i, &acc)) else {
        return v;
    };
    v.push(Link {
        link: "scope",
        from: format!("account:{acc}"),
        to: Some(format!("scope:{}", bey.scope)),
        evidence: dl_ev,
        note: Some("the districts the account's downloads were scoped to".into()),
        ..Link::default()
    });
    let out: u64 = bey.outside.iter().map(|x| x.1).sum();
    v.push(Link {
        link: "beyond scope",
        from: format!("scope:{}", bey.scope),
        to: (!bey.outside.is_empty()).then(|| {
            let d: Vec<String> = bey
                .outside
                .iter()
                .map(|(d, n)| format!("{d} ({n})"))
                .collect();
            format!("districts:{}", d.join("; "))
        }),
        count: Some(out),
        share: Some(out as f64 / bey.placed.max(1) as f64),
        note: Some(format!(
            "{out} of the {} recipients of {set_name} placed in a district are outside the \
             scope (see results/spread)",
            bey.placed
        )),
        ..Link::default()
    });
    v
}

/// `results/chains`: one row per link, chains in order, links in order.
///
/// # Errors
/// Only if the columns came out of different lengths, which would be a bug.
pub(crate) fn table(chains: &[Chain]) -> Result<RecordBatch> {
    let rows: Vec<(u64, &str, u64, &Link)> = chains
        .iter()
        .enumerate()
        .flat_map(|(i, c)| {
            c.links
                .iter()
                .enumerate()
                .map(move |(k, l)| (i as u64 + 1, c.start.as_str(), k as u64 + 1, l))
        })
        .collect();
    let link = |f: &dyn Fn(&Link) -> Option<String>| rows.iter().map(|r| f(r.3)).collect();
    TableBuilder::default()
        .u64("chain", rows.iter().map(|r| r.0).collect())
        .text_dense("start", &rows.iter().map(|r| r.1).collect::<Vec<_>>())
        .u64("step", rows.iter().map(|r| r.2).collect())
        .text_dense("link", &rows.iter().map(|r| r.3.link).collect::<Vec<_>>())
        .text_dense(
            "from",
            &rows.iter().map(|r| r.3.from.as_str()).collect::<Vec<_>>(),
        )
        .text("to", link(&|l| l.to.clone()))
        .u64_opt("count", rows.iter().map(|r| r.3.count).collect())
        .f64_opt("share", rows.iter().map(|r| r.3.share).collect())
        .f64_opt("ln_p", rows.iter().map(|r| r.3.ln_p).collect())
        .text_list("evidence", rows.iter().map(|r| Some(&r.3.evidence)))
        .text("note", link(&|l| l.note.clone()))
        .build(Table::Chains)
}

#[cfg(test)]
mod tests {
    use arrow::array::AsArray;

    use super::*;

    #[test]
    fn evidence_names_the_element_of_an_exploded_record() {
        use std::sync::Arc;
        let t = super::super::testkit::table(
            crate::model::Kind::Downloads,
            2,
            vec![
                (
                    "source_file",
                    Arc::new(arrow::array::StringArray::from(vec!["log.jsonl", "dl.csv"])),
                ),
                (
                    "source_row",
                    Arc::new(arrow::array::UInt64Array::from(vec![4, 2])),
                ),
                (
                    "source_item",
                    Arc::new(arrow::array::UInt32Array::from(vec![Some(3), None])),
                ),
            ],
        );
        let ev = evidence_of(&t).unwrap();
        assert_eq!((ev(0), ev(1)), ("log.jsonl:4#3".into(), "dl.csv:2".into()));
    }

    #[test]
    fn a_number_link_says_how_the_number_reached_the_campaign() {
        let r = Reached {
            presented: 8,
            attributed: 0,
            evidence: vec!["log.jsonl:3".into()],
        };
        let l = number_link("number:+15195550147", "evil", &r);
        assert_eq!(l.to.as_deref(), Some("campaign:evil"));
        assert_eq!(l.count, Some(8));
        assert!(l.note.unwrap().starts_with("presented: 8 vendor records"));
        let r = Reached {
            presented: 8,
            attributed: 6,
            evidence: vec!["c.csv:2".into(), "log.jsonl:1".into()],
        };
        let l = number_link("number:+15195550147", "evil", &r);
        assert_eq!(l.count, Some(6));
        assert_eq!(l.evidence, ["c.csv:2", "log.jsonl:1"]);
        assert!(l.note.unwrap().starts_with("presented and attributed"));
    }

    #[test]
    fn the_table_numbers_chains_and_steps_in_order() {
        let link = |link: &'static str, to: Option<&str>| Link {
            link,
            from: "x".into(),
            to: to.map(str::to_string),
            ..Link::default()
        };
        let chains = [
            Chain {
                start: "number:+1".into(),
                links: vec![link("campaign", Some("campaign:c")), link("customer", None)],
            },
            Chain {
                start: "campaign:d".into(),
                links: vec![link("account", Some("account:a"))],
            },
        ];
        let t = table(&chains).unwrap();
        let u = |c: &str| -> Vec<u64> {
            t.column_by_name(c)
                .unwrap()
                .as_primitive::<arrow::datatypes::UInt64Type>()
                .values()
                .to_vec()
        };
        assert_eq!(u("chain"), [1, 1, 2]);
        assert_eq!(u("step"), [1, 2, 1]);
        let to = t.column_by_name("to").unwrap().as_string::<i32>();
        assert_eq!(
            to.iter().collect::<Vec<_>>(),
            [Some("campaign:c"), None, Some("account:a")]
        );
    }
}
