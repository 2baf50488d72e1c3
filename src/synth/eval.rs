//! `callsift eval`: the engine's results on a synthetic case against its planted truth.
//!
//! For each misleading campaign: where its spoofed caller ID ranks among unexplained
//! originating numbers (for a rotating caller ID, the best-ranked of its numbers), where the
//! campaign ranks among campaigns by complainants matched in attribution and by enrichment
//! among complainants, and whether its upload list's top overlap is the download it was
//! derived from. Ranks leave out the *other* planted campaigns and their numbers, so that with
//! two misleading campaigns each can be first. Over all of them: precision and recall of the
//! targeted complainants (in-orders complainants with a carrier record of a misleading call)
//! recovered by attribution; and precision and recall of the attributed pairs themselves
//! against the planted per-row links (`truth-links.csv`: each carrier record of a campaign's
//! call and its vendor record). And whether the election-day GOTV caller ID, and every number
//! the truth says is explained, came out explained.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::error::Result;
use crate::model::results::Table;
use crate::results::{bools, i64s, table, texts, times, u64s};

use super::{read_truth, Truth};

/// The precision of recovered targeted complainants that counts as a pass.
pub const MIN_PRECISION: f64 = 0.9;
/// The recall of recovered targeted complainants that counts as a pass.
pub const MIN_RECALL: f64 = 0.9;
/// The precision of attributed pairs against the planted links that counts as a pass.
pub const MIN_PAIR_PRECISION: f64 = 0.995;
/// The recall of the planted links among attributed pairs that counts as a pass.
pub const MIN_PAIR_RECALL: f64 = 0.995;

/// How well the results recover the planted truth. Vectors follow the misleading campaigns in
/// `truth.json` order.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Accuracy {
    /// The misleading campaigns.
    pub campaigns: Vec<String>,
    /// Rank of the campaign's best spoofed caller ID among unexplained numbers (the other
    /// planted numbers left out); `None` when none of them is an unexplained originating number.
    pub spoofed_rank_among_unexplained: Vec<Option<u64>>,
    /// The `rank` column of that number in `numbers.parquet` (all numbers, all campaigns).
    pub spoofed_rank_raw: Vec<Option<u64>>,
    /// Rank by complainants matched in `campaigns.parquet`, among the campaign and every
    /// non-planted campaign (a tie counts against it); `None` when it is missing.
    pub campaign_rank_attribution: Vec<Option<u64>>,
    /// The customer `campaigns.parquet` names for the campaign (from the vendor's registry).
    pub campaign_customer: Vec<Option<String>>,
    /// Whether that is the customer planted.
    pub campaign_customer_is_planted: Vec<bool>,
    /// Whether `chains.parquet` leads from one of the campaign's spoofed caller IDs to the
    /// campaign, its planted customer, its source download and that download's account.
    pub chain_complete: Vec<bool>,
    /// Rank among campaigns in `enrichment.parquet` (other planted campaigns left out).
    pub campaign_rank_enrichment: Vec<Option<u64>>,
    /// The top overlap partner of the campaign's upload list (`list_b` of its best pair).
    pub upload_top_overlap: Vec<Option<String>>,
    /// Whether that partner is the source download.
    pub upload_top_overlap_is_source: Vec<bool>,
    /// The best row of the campaign's list in `derivations.parquet`: its source and as-of
    /// time (`opponents as of 2011-05-02T01:40:12Z`).
    pub list_best_derivation: Vec<Option<String>>,
    /// Whether that is the planted segment as of the upload's time.
    pub list_best_derivation_is_planted: Vec<bool>,
    /// Targeted complainant numbers (truth).
    pub targeted: u64,
    /// Complainant numbers attributed to a misleading campaign.
    pub recovered: u64,
    /// Recovered and targeted.
    pub true_positives: u64,
    /// true positives / recovered (0 when nothing was recovered).
    pub precision: f64,
    /// true positives / targeted (1 when nothing was targeted).
    pub recall: f64,
    /// Planted links (carrier record of a campaign's call, vendor record): `truth-links.csv`.
    pub links: u64,
    /// Attributed pairs (`attribution.parquet` rows).
    pub pairs: u64,
    /// Attributed pairs that are planted links.
    pub pairs_correct: u64,
    /// pairs correct / pairs (1 when nothing was attributed).
    pub pair_precision: f64,
    /// pairs correct / links (1 when nothing was planted).
    pub pair_recall: f64,
    /// Whether the election-day GOTV caller ID is an explained originating number; `None` in
    /// worlds without that campaign.
    pub gotv_explained: Option<bool>,
    /// Numbers the truth says are explained that came out unexplained.
    pub legitimate_unexplained: Vec<String>,
    /// Per (carrier, vendor) pair: the estimated clock offset (ms) and the planted one (lag +
    /// skew, without the 1–6 s of call setup).
    pub offsets_ms: Vec<(String, Option<i64>, i64)>,
}

/// A rank in words for a failure line: "ranks 3", or "is not ranked" when it was not found.
fn rank_words(rank: Option<u64>) -> String {
    match rank {
        Some(r) => format!("ranks {r}"),
        None => "is not ranked (not found)".into(),
    }
}

impl Accuracy {
    /// Every criterion that failed, in words; empty when all pass.
    pub fn failures(&self) -> Vec<String> {
        let mut f = Vec::new();
        for (i, c) in self.campaigns.iter().enumerate() {
            if self.spoofed_rank_among_unexplained[i] != Some(1) {
                let rank = rank_words(self.spoofed_rank_among_unexplained[i]);
                f.push(format!(
                    "{c}: spoofed caller ID {rank} among unexplained numbers, not first"
                ));
            }
            if self.campaign_rank_attribution[i] != Some(1) {
                let rank = rank_words(self.campaign_rank_attribution[i]);
                f.push(format!(
                    "{c}: {rank} by complainants matched in attribution, not first"
                ));
            }
            if self.campaign_rank_enrichment[i] != Some(1) {
                let rank = rank_words(self.campaign_rank_enrichment[i]);
                f.push(format!(
                    "{c}: {rank} among campaigns in enrichment, not first"
                ));
            }
            if !self.campaign_customer_is_planted[i] {
                f.push(format!(
                    "{c}: the campaigns table names customer {}, not the registry's",
                    self.campaign_customer[i].as_deref().unwrap_or("(none)")
                ));
            }
            if !self.chain_complete[i] {
                f.push(format!(
                    "{c}: no chain leads from its spoofed caller ID to the campaign, its \
                     customer, its source download and the download's account"
                ));
            }
            if !self.upload_top_overlap_is_source[i] {
                let top = match &self.upload_top_overlap[i] {
                    Some(t) => format!("is {t}"),
                    None => "was not found (no overlap row for its upload)".into(),
                };
                f.push(format!(
                    "{c}: its upload's top overlap {top}, not its source download"
                ));
            }
            if !self.list_best_derivation_is_planted[i] {
                let best = self.list_best_derivation[i]
                    .as_deref()
                    .unwrap_or("missing (no best row for its list)");
                f.push(format!(
                    "{c}: its list's best derivation is {best}, not the planted segment as of \
                     its upload"
                ));
            }
        }
        if self.precision < MIN_PRECISION {
            f.push(format!(
                "precision of targeted complainants {:.3} < {MIN_PRECISION}",
                self.precision
            ));
        }
        if self.recall < MIN_RECALL {
            f.push(format!(
                "recall of targeted complainants {:.3} < {MIN_RECALL}",
                self.recall
            ));
        }
        if self.pair_precision < MIN_PAIR_PRECISION {
            f.push(format!(
                "precision of attributed pairs {:.4} < {MIN_PAIR_PRECISION}",
                self.pair_precision
            ));
        }
        if self.pair_recall < MIN_PAIR_RECALL {
            f.push(format!(
                "recall of planted links {:.4} < {MIN_PAIR_RECALL}",
                self.pair_recall
            ));
        }
        if self.gotv_explained == Some(false) {
            f.push("the election-day GOTV caller ID is not explained".into());
        }
        if !self.legitimate_unexplained.is_empty() {
            f.push(format!(
                "numbers that should be explained are not: {}",
                self.legitimate_unexplained.join(", ")
            ));
        }
        f
    }

    /// Whether every criterion passes.
    pub fn passed(&self) -> bool {
        self.failures().is_empty()
    }
}

impl std::fmt::Display for Accuracy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = |v: Option<u64>| v.map_or("-".to_string(), |x| x.to_string());
        for (i, c) in self.campaigns.iter().enumerate() {
            writeln!(
                f,
                "{c}: spoofed number rank {} among unexplained (raw {}), attribution rank {}, \
                 customer {}, chain {}, enrichment rank {}, upload's top overlap {} ({})",
                r(self.spoofed_rank_among_unexplained[i]),
                r(self.spoofed_rank_raw[i]),
                r(self.campaign_rank_attribution[i]),
                self.campaign_customer[i].as_deref().unwrap_or("-"),
                if self.chain_complete[i] {
                    "complete"
                } else {
                    "INCOMPLETE"
                },
                r(self.campaign_rank_enrichment[i]),
                self.upload_top_overlap[i].as_deref().unwrap_or("-"),
                if self.upload_top_overlap_is_source[i] {
                    "the source download"
                } else {
                    "NOT the source"
                }
            )?;
            writeln!(
                f,
                "{c}: its list's best derivation {} ({})",
                self.list_best_derivation[i].as_deref().unwrap_or("-"),
                if self.list_best_derivation_is_planted[i] {
                    "the planted segment"
                } else {
                    "NOT the planted segment"
                }
            )?;
        }
        writeln!(
            f,
            "targeted complainants: {} planted, {} recovered by attribution, {} correct: \
             precision {:.3}, recall {:.3}",
            self.targeted, self.recovered, self.true_positives, self.precision, self.recall
        )?;
        writeln!(
            f,
            "attributed pairs: {} planted links, {} pairs, {} correct: precision {:.4}, recall {:.4}",
            self.links, self.pairs, self.pairs_correct, self.pair_precision, self.pair_recall
        )?;
        if let Some(g) = self.gotv_explained {
            writeln!(
                f,
                "election-day GOTV caller ID explained: {}",
                if g { "yes" } else { "NO" }
            )?;
        }
        for (pair, est, planted) in &self.offsets_ms {
            writeln!(
                f,
                "clock offset {pair}: estimated {} ms, planted {planted} ms + call setup",
                est.map_or("-".to_string(), |v| v.to_string())
            )?;
        }
        let fails = self.failures();
        if fails.is_empty() {
            write!(f, "all criteria pass")
        } else {
            write!(f, "FAILED: {}", fails.join("; "))
        }
    }
}

/// Compares the results of `callsift run DIR/case.toml --out OUT` with `DIR/truth.json`.
///
/// # Errors
/// [`crate::Error::Io`] or [`crate::Error::Store`] when the truth or a results table is missing or malformed.
pub fn eval(case_dir: &Path, out: &Path) -> Result<Accuracy> {
    let truth = read_truth(case_dir)?;
    let planted = Planted::of(&truth);
    let mut acc = Accuracy {
        campaigns: truth
            .misleading
            .iter()
            .map(|m| m.campaign.clone())
            .collect(),
        ..Accuracy::default()
    };
    numbers(out, &truth, &planted, &mut acc)?;
    attribution_ranks(out, &truth, &planted, &mut acc)?;
    enrichment_ranks(out, &truth, &planted, &mut acc)?;
    upload_overlaps(out, &truth, &mut acc)?;
    derivations(out, &truth, &mut acc)?;
    recovery(out, &truth, &planted, &mut acc)?;
    pairs(case_dir, out, &mut acc)?;
    offsets(out, &truth, &mut acc)?;
    chains(out, &truth, &mut acc)?;
    Ok(acc)
}

/// The names and caller IDs of the planted (misleading) campaigns.
struct Planted<'a> {
    names: BTreeSet<&'a str>,
    numbers: BTreeSet<&'a str>,
}

impl<'a> Planted<'a> {
    fn of(truth: &'a Truth) -> Planted<'a> {
        Planted {
            names: truth
                .misleading
                .iter()
                .map(|m| m.campaign.as_str())
                .collect(),
            numbers: truth
                .misleading
                .iter()
                .flat_map(|m| m.spoofed_caller_ids.iter().map(String::as_str))
                .collect(),
        }
    }
}

/// From `numbers.parquet`: where each campaign's spoofed caller ID ranks (among unexplained
/// numbers, the other planted ones left out, and raw), and which numbers came out explained.
fn numbers(out: &Path, truth: &Truth, planted: &Planted, acc: &mut Accuracy) -> Result<()> {
    // Originating numbers, in rank order.
    let nb = table(out, Table::Numbers)?;
    let num = texts(&nb, Table::Numbers, "number")?;
    let rank = u64s(&nb, Table::Numbers, "rank")?;
    let expl = bools(&nb, Table::Numbers, "explained")?;
    let mut order: Vec<usize> = (0..nb.num_rows()).collect();
    order.sort_by_key(|&i| rank[i]);
    for m in &truth.misleading {
        let mine: BTreeSet<&str> = m.spoofed_caller_ids.iter().map(String::as_str).collect();
        let mut seen_unexplained = 0u64;
        let mut best = None;
        let mut raw = None;
        for &i in &order {
            let n = num[i].as_deref().unwrap_or("");
            let explained = expl[i];
            if mine.contains(n) {
                raw = raw.or(Some(rank[i]));
                if !explained && best.is_none() {
                    best = Some(seen_unexplained + 1);
                }
            } else if !explained && !planted.numbers.contains(n) {
                seen_unexplained += 1;
            }
        }
        acc.spoofed_rank_among_unexplained.push(best);
        acc.spoofed_rank_raw.push(raw);
    }
    let explained_of: BTreeMap<&str, bool> = (0..nb.num_rows())
        .filter_map(|i| num[i].as_deref().map(|n| (n, expl[i])))
        .collect();
    acc.gotv_explained = truth
        .election_day_gotv
        .as_ref()
        .map(|g| explained_of.get(g.caller_id.as_str()) == Some(&true));
    acc.legitimate_unexplained = truth
        .explained_numbers
        .iter()
        .filter(|n| explained_of.get(n.as_str()) == Some(&false))
        .cloned()
        .collect();
    Ok(())
}

/// From `campaigns.parquet`: each campaign's rank by complainants matched, among itself and
/// every non-planted campaign (a tie counts against it).
fn attribution_ranks(
    out: &Path,
    truth: &Truth,
    planted: &Planted,
    acc: &mut Accuracy,
) -> Result<()> {
    let cp = table(out, Table::Campaigns)?;
    let cname = texts(&cp, Table::Campaigns, "campaign")?;
    let matched = u64s(&cp, Table::Campaigns, "complainants_matched")?;
    let customer = texts(&cp, Table::Campaigns, "customer")?;
    for m in &truth.misleading {
        let named = cname
            .iter()
            .position(|c| c.as_deref() == Some(m.campaign.as_str()))
            .and_then(|i| customer[i].clone());
        acc.campaign_customer_is_planted
            .push(named.as_deref() == Some(m.customer.as_str()));
        acc.campaign_customer.push(named);
        let mine = cname
            .iter()
            .position(|c| c.as_deref() == Some(m.campaign.as_str()))
            .map(|i| matched[i]);
        acc.campaign_rank_attribution.push(mine.map(|v| {
            1 + cname
                .iter()
                .zip(&matched)
                .filter(|(c, &x)| {
                    let c = c.as_deref().unwrap_or("");
                    !planted.names.contains(c) && x >= v
                })
                .count() as u64
        }));
    }
    Ok(())
}

/// From `enrichment.parquet`: each campaign's rank among campaigns (the other planted ones
/// left out).
fn enrichment_ranks(
    out: &Path,
    truth: &Truth,
    planted: &Planted,
    acc: &mut Accuracy,
) -> Result<()> {
    let en = table(out, Table::Enrichment)?;
    let list = texts(&en, Table::Enrichment, "list")?;
    let kind = texts(&en, Table::Enrichment, "kind")?;
    let erank = u64s(&en, Table::Enrichment, "rank")?;
    let mut eorder: Vec<usize> = (0..en.num_rows())
        .filter(|&i| kind[i].as_deref() == Some("campaign"))
        .collect();
    eorder.sort_by_key(|&i| erank[i]);
    for m in &truth.misleading {
        let me = format!("campaign:{}", m.campaign);
        let mut pos = 0u64;
        let mut found = None;
        for &i in &eorder {
            let l = list[i].as_deref().unwrap_or("");
            if l == me {
                found = Some(pos + 1);
                break;
            }
            let other_planted = l
                .strip_prefix("campaign:")
                .is_some_and(|c| planted.names.contains(c));
            if !other_planted {
                pos += 1;
            }
        }
        acc.campaign_rank_enrichment.push(found);
    }
    Ok(())
}

/// From `overlaps.parquet`: each upload list's top overlap, and whether it is the source
/// download.
fn upload_overlaps(out: &Path, truth: &Truth, acc: &mut Accuracy) -> Result<()> {
    let ov = table(out, Table::Overlaps)?;
    let la = texts(&ov, Table::Overlaps, "list_a")?;
    let lb = texts(&ov, Table::Overlaps, "list_b")?;
    let orank = u64s(&ov, Table::Overlaps, "rank")?;
    for m in &truth.misleading {
        // The upload on its own, or merged into its campaign when the case links them.
        let names = [
            format!("upload:{}", m.upload_list),
            format!("campaign:{}", m.campaign),
        ];
        let top = (0..ov.num_rows())
            .filter(|&i| {
                la[i]
                    .as_deref()
                    .is_some_and(|a| names.iter().any(|n| n == a))
            })
            .min_by_key(|&i| orank[i])
            .and_then(|i| lb[i].clone());
        acc.upload_top_overlap_is_source
            .push(top.as_deref() == Some(format!("download:{}", m.source_download).as_str()));
        acc.upload_top_overlap.push(top);
    }
    Ok(())
}

/// From `chains.parquet`: whether a chain from a spoofed caller ID of each campaign reaches
/// every planted link of the story (campaign, customer, source download, download account).
fn chains(out: &Path, truth: &Truth, acc: &mut Accuracy) -> Result<()> {
    let ch = table(out, Table::Chains)?;
    let id = u64s(&ch, Table::Chains, "chain")?;
    let start = texts(&ch, Table::Chains, "start")?;
    let to = texts(&ch, Table::Chains, "to")?;
    let mut reached: BTreeMap<u64, (String, BTreeSet<String>)> = BTreeMap::new();
    for i in 0..ch.num_rows() {
        let e = reached
            .entry(id[i])
            .or_insert_with(|| (start[i].clone().unwrap_or_default(), BTreeSet::new()));
        e.1.extend(to[i].clone());
    }
    for m in &truth.misleading {
        let want = [
            format!("campaign:{}", m.campaign),
            format!("customer:{}", m.customer),
            format!("download:{}", m.source_download),
            format!("account:{}", m.download_account),
        ];
        let starts: BTreeSet<String> = m
            .spoofed_caller_ids
            .iter()
            .map(|n| format!("number:{n}"))
            .collect();
        acc.chain_complete.push(
            reached
                .values()
                .any(|(s, t)| starts.contains(s) && want.iter().all(|w| t.contains(w))),
        );
    }
    Ok(())
}

/// From `derivations.parquet`: the best row of each misleading campaign's list (the upload
/// on its own, or merged into its campaign), against the planted segment and upload time.
fn derivations(out: &Path, truth: &Truth, acc: &mut Accuracy) -> Result<()> {
    let t = Table::Derivations;
    let d = table(out, t)?;
    let (list, source) = (texts(&d, t, "list")?, texts(&d, t, "source")?);
    let (as_of, best) = (times(&d, t, "as_of")?, bools(&d, t, "best")?);
    let iso = |us: i64| {
        chrono::DateTime::from_timestamp_micros(us)
            .map_or_else(String::new, |v| v.format("%Y-%m-%dT%H:%M:%SZ").to_string())
    };
    for m in &truth.misleading {
        let names = [
            format!("upload:{}", m.upload_list),
            format!("campaign:{}", m.campaign),
        ];
        let row = (0..d.num_rows()).find(|&i| {
            best[i]
                && list[i]
                    .as_deref()
                    .is_some_and(|l| names.iter().any(|n| n == l))
        });
        let got = row.map(|i| {
            (
                source[i].clone().unwrap_or_default(),
                as_of[i].map(iso).unwrap_or_default(),
            )
        });
        acc.list_best_derivation_is_planted.push(
            got.as_ref()
                .is_some_and(|(s, a)| *s == m.derived_segment && *a == m.derived_as_of),
        );
        acc.list_best_derivation
            .push(got.map(|(s, a)| format!("{s} as of {a}")));
    }
    Ok(())
}

/// From `attribution.parquet`: the targeted complainants recovered by attribution to a planted
/// campaign, with precision and recall.
fn recovery(out: &Path, truth: &Truth, planted: &Planted, acc: &mut Accuracy) -> Result<()> {
    let at = table(out, Table::Attribution)?;
    let called = texts(&at, Table::Attribution, "called")?;
    let acamp = texts(&at, Table::Attribution, "campaign")?;
    let recovered: BTreeSet<&str> = (0..at.num_rows())
        .filter(|&i| {
            acamp[i]
                .as_deref()
                .is_some_and(|c| planted.names.contains(c))
        })
        .filter_map(|i| called[i].as_deref())
        .collect();
    let targeted: BTreeSet<&str> = truth
        .misleading
        .iter()
        .flat_map(|m| m.targeted_complainants.iter().map(String::as_str))
        .collect();
    let tp = recovered.intersection(&targeted).count() as u64;
    acc.targeted = targeted.len() as u64;
    acc.recovered = recovered.len() as u64;
    acc.true_positives = tp;
    acc.precision = if recovered.is_empty() {
        0.0
    } else {
        tp as f64 / recovered.len() as f64
    };
    acc.recall = if targeted.is_empty() {
        1.0
    } else {
        tp as f64 / targeted.len() as f64
    };
    Ok(())
}

/// A pair by content: called number (E.164), carrier time, campaign, vendor time (UTC
/// seconds).
type PairKey = (String, i64, String, i64);

/// From `attribution.parquet` against `truth-links.csv`: precision and recall of the pairs.
fn pairs(case_dir: &Path, out: &Path, acc: &mut Accuracy) -> Result<()> {
    let path = case_dir.join(super::carriers::LINKS);
    let text = std::fs::read_to_string(&path).map_err(|e| crate::Error::io(&path, e))?;
    let mut links: BTreeSet<PairKey> = BTreeSet::new();
    for (k, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let bad = || crate::Error::store(format!("{}:{}", path.display(), k + 1), "not a link row");
        let [called, tc, campaign, tv] = f[..] else {
            return Err(bad());
        };
        let (tc, tv) = (
            tc.parse().map_err(|_| bad())?,
            tv.parse().map_err(|_| bad())?,
        );
        links.insert((called.to_string(), tc, campaign.to_string(), tv));
    }
    let at = table(out, Table::Attribution)?;
    let called = texts(&at, Table::Attribution, "called")?;
    let start = times(&at, Table::Attribution, "start")?;
    let campaign = texts(&at, Table::Attribution, "campaign")?;
    let vendor_start = times(&at, Table::Attribution, "vendor_start")?;
    let secs = |t: Option<i64>| t.map_or(i64::MIN, |t| t.div_euclid(1_000_000));
    let correct = (0..at.num_rows())
        .filter(|&i| {
            links.contains(&(
                called[i].clone().unwrap_or_default(),
                secs(start[i]),
                campaign[i].clone().unwrap_or_default(),
                secs(vendor_start[i]),
            ))
        })
        .count() as u64;
    acc.links = links.len() as u64;
    acc.pairs = at.num_rows() as u64;
    acc.pairs_correct = correct;
    acc.pair_precision = if acc.pairs == 0 {
        1.0
    } else {
        correct as f64 / acc.pairs as f64
    };
    acc.pair_recall = if acc.links == 0 {
        1.0
    } else {
        correct as f64 / acc.links as f64
    };
    Ok(())
}

/// From `offsets.parquet` (when there is one): each estimated clock offset beside the planted
/// one.
fn offsets(out: &Path, truth: &Truth, acc: &mut Accuracy) -> Result<()> {
    if let Ok(off) = table(out, Table::Offsets) {
        let car = texts(&off, Table::Offsets, "carrier")?;
        let ven = texts(&off, Table::Offsets, "vendor")?;
        let est = i64s(&off, Table::Offsets, "offset_ms")?;
        for i in 0..off.num_rows() {
            let c = car[i].clone().unwrap_or_default();
            let v = ven[i].as_deref().unwrap_or("");
            let skew = truth.carrier_clock_skew_s.get(&c).copied().unwrap_or(0);
            let lag = truth
                .vendor_clock_lags_s
                .get(v)
                .copied()
                .unwrap_or(truth.vendor_clock_lag_s);
            acc.offsets_ms
                .push((format!("{c} / {v}"), est[i], (lag + skew) * 1000));
        }
    }
    Ok(())
}
