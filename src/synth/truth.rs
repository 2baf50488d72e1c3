//! The planted truth, `truth.json`: what the generator hid in the case (the misleading
//! campaigns, their lists, caller IDs and reach, the clocks, the numbers that must come out
//! explained) and the case's sizes. `eval` and the tests read it; the engine never does.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::files::CampaignCounts;
use super::fmt;
use super::world::{self, Complainant, World};
use super::SynthOptions;
use crate::error::{Error, Result};

/// The planted truth (`truth.json`), for `eval` and tests; the engine never reads it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Truth {
    /// The generator and its version.
    pub generator: String,
    /// The seed.
    pub seed: u64,
    /// The scale.
    pub scale: f64,
    /// The world's name.
    pub world: String,
    /// The vendor of every campaign.
    pub vendor: String,
    /// Vendor clock lag: vendor time = true time - lag (seconds).
    pub vendor_clock_lag_s: i64,
    /// Every vendor's clock lag by name (the second vendor runs the survey).
    #[serde(default)]
    pub vendor_clock_lags_s: BTreeMap<String, i64>,
    /// Carrier clock skew: carrier time = true time + skew (+ 1–6 s of call setup), per carrier.
    pub carrier_clock_skew_s: BTreeMap<String, i64>,
    /// The misleading campaigns.
    pub misleading: Vec<PlantedCampaign>,
    /// The campaigns declared legitimate in `case.toml`.
    pub legitimate_campaigns: Vec<String>,
    /// The election-day GOTV campaign (in the `gotv` and `hard` worlds).
    pub election_day_gotv: Option<Gotv>,
    /// Numbers that must come out explained (watch-listed or declared campaigns' caller IDs).
    pub explained_numbers: Vec<String>,
    /// Sizes.
    pub counts: TruthCounts,
}

/// One planted misleading campaign.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlantedCampaign {
    /// Campaign name in the vendor log.
    pub campaign: String,
    /// Vendor account that ran it.
    pub vendor_account: String,
    /// The customer the vendor's campaign registry names for it.
    pub customer: String,
    /// Its upload list (the list name: the upload file's stem).
    pub upload_list: String,
    /// The party-database download the list was derived from.
    pub source_download: String,
    /// The database account that made the download.
    pub download_account: String,
    /// The district targeted.
    pub district: String,
    /// The caller ID(s) presented (E.164 text).
    pub spoofed_caller_ids: Vec<String>,
    /// Numbers dialed (= upload size).
    pub recipients: u64,
    /// Vendor records (attempts) in the log.
    pub dial_records: u64,
    /// A stretch of vendor time missing from the vendor's log (`hard` world), RFC 3339.
    pub vendor_log_gap: Option<[String; 2]>,
    /// In-orders complainants with a carrier record of this campaign (E.164 text, sorted).
    pub targeted_complainants: Vec<String>,
    /// The segment of the party database the list was drawn from, as `results/derivations`
    /// names it (`opponents`: every code but the party's own).
    #[serde(default)]
    pub derived_segment: String,
    /// The time the list must be tested as of (its upload), ISO 8601 UTC.
    #[serde(default)]
    pub derived_as_of: String,
}

/// The election-day GOTV campaign.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Gotv {
    /// Campaign name.
    pub campaign: String,
    /// Its caller ID (E.164 text), on no watch-list.
    pub caller_id: String,
}

/// Sizes of the generated case.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TruthCounts {
    /// Lines in the population.
    pub population: u64,
    /// Complainants covered by the orders.
    pub complainants_in_orders: u64,
    /// Complainants after the orders.
    pub complainants_late: u64,
    /// Carrier records (duplicates included).
    pub call_rows: u64,
    /// Exact duplicate carrier records.
    pub duplicate_rows: u64,
    /// Vendor records.
    pub vendor_rows: u64,
    /// Rows per download.
    pub downloads: BTreeMap<String, u64>,
    /// In-orders complainants reached by any misleading campaign's calls.
    pub targeted_complainants: u64,
}

/// What the evidence files hold that the truth reports.
pub(super) struct Written {
    /// Rows per download.
    pub downloads: Vec<u64>,
    /// Per campaign.
    pub campaigns: Vec<CampaignCounts>,
    /// Carrier records written (duplicates included).
    pub call_rows: u64,
    /// Exact duplicate carrier records planted.
    pub duplicate_rows: u64,
    /// (complainant number, bit mask of the misleading campaigns whose calls they received).
    pub targeted: Vec<(u64, u32)>,
}

impl Truth {
    /// The truth of world `w` generated with `opts`, from its complainants and what its files
    /// hold.
    pub(super) fn new(
        w: &World,
        opts: &SynthOptions,
        comps: &[Complainant],
        written: &Written,
    ) -> Truth {
        let misleading = planted(w, written);
        let in_orders = comps.iter().filter(|c| c.in_orders).count() as u64;
        let vendor_rows: u64 = written.campaigns.iter().map(|c| c.records).sum();
        Truth {
            generator: format!("callsift synth {}", env!("CARGO_PKG_VERSION")),
            seed: opts.seed,
            scale: opts.scale,
            world: opts.world.name().to_string(),
            vendor: world::VENDOR.to_string(),
            vendor_clock_lag_s: w.vendor_lags[0],
            vendor_clock_lags_s: world::VENDORS
                .iter()
                .zip(&w.vendor_lags)
                .map(|(v, &l)| (v.to_string(), l))
                .collect(),
            carrier_clock_skew_s: world::CARRIERS
                .iter()
                .zip(w.skew)
                .map(|(c, s)| (c.to_string(), s))
                .collect(),
            misleading,
            legitimate_campaigns: w
                .campaigns
                .iter()
                .filter(|c| !c.misleading)
                .map(|c| c.name.clone())
                .collect(),
            election_day_gotv: gotv(w),
            explained_numbers: explained(w),
            counts: TruthCounts {
                population: w.population,
                complainants_in_orders: in_orders,
                complainants_late: comps.len() as u64 - in_orders,
                call_rows: written.call_rows,
                duplicate_rows: written.duplicate_rows,
                vendor_rows,
                downloads: w
                    .downloads
                    .iter()
                    .zip(&written.downloads)
                    .map(|(d, &n)| (d.id.clone(), n))
                    .collect(),
                targeted_complainants: written.targeted.len() as u64,
            },
        }
    }
}

/// The misleading campaigns, each with the in-orders complainants its calls reached.
fn planted(w: &World, written: &Written) -> Vec<PlantedCampaign> {
    let e = fmt::e164_text;
    let mut targeted_by: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for &(n, mask) in &written.targeted {
        for c in w.misleading() {
            if mask & (1 << c.idx) != 0 {
                targeted_by.entry(c.idx).or_default().push(e(n));
            }
        }
    }
    w.misleading()
        .map(|c| {
            let dl = c.source_download.map(|k| &w.downloads[k]);
            let mut t = targeted_by.remove(&c.idx).unwrap_or_default();
            t.sort();
            let counts = written.campaigns[c.idx];
            PlantedCampaign {
                campaign: c.name.clone(),
                vendor_account: c.vendor_account.clone(),
                customer: c.customer.clone(),
                upload_list: c.upload.clone(),
                source_download: dl.map(|d| d.id.clone()).unwrap_or_default(),
                download_account: dl.map(|d| d.account.clone()).unwrap_or_default(),
                district: c.district.clone(),
                spoofed_caller_ids: c.caller.numbers().into_iter().map(e).collect(),
                recipients: counts.recipients,
                dial_records: counts.records,
                vendor_log_gap: c.log_gap.map(|(a, b)| {
                    let t = |x: i64| {
                        let mut v = Vec::new();
                        fmt::rfc3339_local(&mut v, &w.zones[0], x);
                        String::from_utf8_lossy(&v).into_owned()
                    };
                    [t(a), t(b)]
                }),
                targeted_complainants: t,
                derived_segment: "opponents".into(),
                derived_as_of: {
                    let mut v = Vec::new();
                    fmt::iso_utc(&mut v, c.upload_time);
                    String::from_utf8_lossy(&v).into_owned()
                },
            }
        })
        .collect()
}

/// The election-day GOTV campaign, in the worlds that have it.
fn gotv(w: &World) -> Option<Gotv> {
    w.campaigns
        .iter()
        .find(|c| c.name == "gotv-election-day")
        .map(|c| Gotv {
            campaign: c.name.clone(),
            caller_id: fmt::e164_text(c.caller.numbers()[0]),
        })
}

/// The numbers that must come out explained: the watch-listed named numbers and every
/// legitimate campaign's caller ID, sorted.
fn explained(w: &World) -> Vec<String> {
    let e = fmt::e164_text;
    let mut explained: Vec<String> = w
        .named
        .iter()
        .filter(|n| n.list.is_some())
        .map(|n| e(n.number))
        .collect();
    for c in w.campaigns.iter().filter(|c| !c.misleading) {
        explained.extend(c.caller.numbers().into_iter().map(e));
    }
    explained.sort();
    explained.dedup();
    explained
}

/// Reads `truth.json` of a generated case.
///
/// # Errors
/// [`Error::Io`] or [`Error::Store`] naming the file.
pub fn read_truth(case_dir: &Path) -> Result<Truth> {
    let p = case_dir.join("truth.json");
    let text = std::fs::read(&p).map_err(|e| Error::io(&p, e))?;
    serde_json::from_slice(&text).map_err(|e| Error::store(&p, e))
}
