//! `callsift correlate DIR`: the case store in, the ranked results out (`DIR/results/`).
//!
//! ```text
//!  store/calls ──▶ calls to complainants in the orders window ──▶ figures.json
//!        │                    │
//!        │                    ├─ reach per originating number (join::reach_by_window)
//!        │                    │     └─ exact binomial, BH ──▶ numbers.parquet ──▶ leads.csv
//!        │                    └─ time-band join with vendor logs (join::band) ──▶ attribution,
//!        │                                                                 campaigns, offsets
//!  store/vendor_*, downloads, watchlist ──▶ lists ──▶ all-pairs overlap (join::overlap)
//!                                                  ├─ hypergeometric, BH ──▶ overlaps.parquet
//!                                                  └─ vs complainants ──▶ enrichment.parquet
//!  store/population ──▶ districts and attributes ──▶ spread.parquet, skew.parquet
//! ```
//!
//! With [`CorrelateOptions::pseudonymize`], every phone number in the tables and the summary
//! is written as its keyed token ([`crate::pseudonym`]), just before the tables are written.
//!
//! Every table is written as Parquet with a CSV twin; every ranking breaks ties on a stable key,
//! so the output is byte-identical whatever the thread count. The method, each test's null
//! hypothesis and what it can and cannot show are in `docs/method.md`.

pub mod cols;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Instant;

use arrow::array::{Array, AsArray, RecordBatch};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use serde_json::{json, Map, Value};

use crate::config::{CaseFile, Windows};
use crate::error::{Error, Result};
use crate::ingest;
use crate::join;
use crate::manifest::Manifest;
use crate::model::{Kind, LIST_KINDS};
use crate::normalize::phone::{format_e164, nanp_parts};
use crate::pseudonym::Key;
use crate::stats;
use crate::store;
use cols::{bools, intern, times, u16s, u64s, u64s_dense, TableBuilder, NONE};

pub use crate::outdir::RESULTS;

/// q-value at or below which an originating number is significant (leads).
pub const ALPHA: f64 = 0.05;

/// How many of the top originating numbers get a spread row.
pub const SPREAD_TOP_NUMBERS: usize = 20;

/// One row of the summary printed after a run.
#[derive(Clone, Debug)]
pub struct Top {
    /// What ranks (a number, a campaign, a list pair).
    pub name: String,
    /// A short description of why.
    pub detail: String,
}

/// What correlate found, for the terminal summary.
#[derive(Clone, Debug, Default)]
pub struct Correlation {
    /// The figures, as written to figures.json.
    pub figures: Map<String, Value>,
    /// The top originating numbers.
    pub top_numbers: Vec<Top>,
    /// The top campaigns by enrichment among complainants.
    pub top_campaigns: Vec<Top>,
    /// The top list pairs.
    pub top_overlaps: Vec<Top>,
    /// Significant unexplained numbers without subscriber information.
    pub leads: usize,
}

/// Tables read from the case store.
struct Store {
    calls: RecordBatch,
    complainants: RecordBatch,
    subscribers: RecordBatch,
    vendor_list: RecordBatch,
    vendor_calls: RecordBatch,
    watchlist: RecordBatch,
    downloads: RecordBatch,
    population: RecordBatch,
    numbering_plan: RecordBatch,
}

impl Store {
    fn read(out: &Path) -> Result<Store> {
        // Every table is checked against its canonical schema as it is read (a column missing,
        // of another type, or with nulls where none may be is an error naming the file and the
        // column), so the typed views of `cols` below cannot meet a column they do not expect.
        let t = |k: Kind| store::read_table_as(&ingest::table_path(out, k), &k.schema(), None);
        // The calls table without the columns no analysis reads (duration, fold flag).
        const CALLS: [&str; 8] = [
            "called",
            "calling",
            "calling_status",
            "calling_raw",
            "start",
            "carrier",
            "source_file",
            "source_row",
        ];
        Ok(Store {
            calls: store::read_table_as(
                &ingest::table_path(out, Kind::Calls),
                &Kind::Calls.schema(),
                Some(&CALLS),
            )?,
            complainants: t(Kind::Complainants)?,
            subscribers: t(Kind::Subscribers)?,
            vendor_list: t(Kind::VendorList)?,
            vendor_calls: t(Kind::VendorCalls)?,
            watchlist: t(Kind::Watchlist)?,
            downloads: t(Kind::Downloads)?,
            population: t(Kind::Population)?,
            numbering_plan: t(Kind::NumberingPlan)?,
        })
    }
}

/// One (carrier, vendor) pair of the band join: names, estimated offset (ms), candidate pairs
/// behind the estimate, their spread (ms), and the matches made.
type PairOffset = (String, String, Option<i64>, u64, Option<i64>, u64);

/// One match of the band join: (received call, |delta| µs, pair index, vendor row, delta µs).
type Match = (usize, i64, usize, usize, i64);

/// Complainants: identities, numbers, districts.
struct Complainants {
    /// Dense complainant id per in-orders number.
    by_number: HashMap<u64, u32>,
    /// District name per complainant number (any complainant).
    district: HashMap<u64, String>,
    /// Distinct numbers of all complainants, sorted.
    numbers: Vec<u64>,
    in_orders: u64,
    late: u64,
}

fn complainants(b: &RecordBatch) -> Result<Complainants> {
    let num = u64s_dense(b, "number")?;
    let (ids, id_names) = intern(b, "complainant")?;
    let in_orders = bools(b, "in_orders")?;
    let (dist, dist_names) = intern(b, "district")?;
    // A complainant is its id, or its number when the id is missing.
    let mut key_of: HashMap<String, u32> = HashMap::default();
    let mut keys = Vec::with_capacity(num.len());
    for i in 0..num.len() {
        let k = if ids[i] == NONE {
            format!("#{}", num[i])
        } else {
            id_names[ids[i] as usize].clone()
        };
        let n = key_of.len() as u32;
        keys.push(*key_of.entry(k).or_insert(n));
    }
    let mut ordered = vec![false; key_of.len()];
    for i in 0..num.len() {
        if in_orders[i] == Some(true) {
            ordered[keys[i] as usize] = true;
        }
    }
    let mut by_number = HashMap::default();
    let mut district = HashMap::default();
    for i in 0..num.len() {
        if ordered[keys[i] as usize] && in_orders[i] == Some(true) {
            by_number.entry(num[i]).or_insert(keys[i]);
        }
        if dist[i] != NONE {
            district
                .entry(num[i])
                .or_insert_with(|| dist_names[dist[i] as usize].clone());
        }
    }
    let mut numbers = num.clone();
    numbers.sort_unstable();
    numbers.dedup();
    let in_count = ordered.iter().filter(|&&o| o).count() as u64;
    Ok(Complainants {
        by_number,
        district,
        numbers,
        in_orders: in_count,
        late: ordered.len() as u64 - in_count,
    })
}

/// A named set of numbers (a list, a campaign's dialed set, a download, a poll response set).
struct NamedSet {
    name: String,
    kind: &'static str,
    account: Option<String>,
    /// The campaign a campaign's dialed set or a poll response set comes from: such a pair is
    /// not compared (a campaign trivially contains its own responses).
    campaign: Option<String>,
    numbers: Vec<u64>,
}

/// Groups a table's numbers by a text column: one set per distinct value, in first-seen order.
fn group_sets(
    b: &RecordBatch,
    num_col: &str,
    key_col: &str,
    kind: &'static str,
    prefix: &str,
) -> Result<Vec<NamedSet>> {
    let nums = u64s_dense(b, num_col)?;
    let (keys, names) = intern(b, key_col)?;
    let account = if b.column_by_name("account").is_some() {
        Some(intern(b, "account")?)
    } else {
        None
    };
    let mut sets: Vec<NamedSet> = names
        .iter()
        .map(|n| NamedSet {
            name: format!("{prefix}{n}"),
            kind,
            account: None,
            campaign: (kind == "campaign").then(|| n.clone()),
            numbers: Vec::new(),
        })
        .collect();
    for i in 0..nums.len() {
        if keys[i] == NONE {
            continue;
        }
        let s = &mut sets[keys[i] as usize];
        s.numbers.push(nums[i]);
        if s.account.is_none() {
            if let Some((ac, an)) = &account {
                if ac[i] != NONE {
                    s.account = Some(an[ac[i] as usize].clone());
                }
            }
        }
    }
    for s in &mut sets {
        s.numbers.sort_unstable();
        s.numbers.dedup();
    }
    Ok(sets)
}

/// ln q for tests of which only some are listed: BH over the listed ones, rescaled to `m_total`
/// tests (the unlisted ones have p = 1 and never lower a listed q).
fn bh_total(ln_p: &[f64], m_total: u64) -> Vec<f64> {
    let q = stats::bh_ln_q(ln_p);
    if ln_p.is_empty() || m_total as usize <= ln_p.len() {
        return q;
    }
    let shift = (m_total as f64).ln() - (ln_p.len() as f64).ln();
    q.into_iter().map(|v| (v + shift).min(0.0)).collect()
}

/// Ranks 1..=n by the order of `order` (a sorted permutation of indices).
fn ranks_from_order(order: &[usize]) -> Vec<u64> {
    let mut r = vec![0u64; order.len()];
    for (pos, &i) in order.iter().enumerate() {
        r[i] = pos as u64 + 1;
    }
    r
}

fn e164_opt(n: Option<u64>) -> Option<String> {
    n.map(format_e164)
}

/// How correlate writes its results.
#[derive(Clone, Debug, Default)]
pub struct CorrelateOptions {
    /// Write every phone number of the results (tables and summary) as its keyed token
    /// (`--pseudonymize KEYFILE`, see [`crate::pseudonym`]).
    pub pseudonymize: Option<Key>,
}

/// Runs correlate on an output folder that holds a case store.
///
/// # Errors
/// [`Error::Store`] when the store or manifest is missing, or a store file is not the one the
/// manifest records (checked before anything is read); [`Error::Config`] when the recorded
/// parameters are not valid (as a case manifest's) or the case has no incident or baseline
/// window.
pub fn run(out: &Path, opts: &CorrelateOptions) -> Result<Correlation> {
    let t0 = Instant::now();
    let mut manifest = Manifest::read(out)?;
    // The store and the parameters are used only as the manifest records them: re-hash the
    // one and re-validate the other, since either could have been edited since ingest.
    manifest.check_store(out)?;
    let case: CaseFile = serde_json::from_value(manifest.parameters.clone())
        .map_err(|e| Error::store(out.join(crate::manifest::FILE), e))?;
    let case_path = Path::new(&manifest.case_file).to_path_buf();
    let windows: Windows = case.validate(&case_path)?;
    let (Some(incident), Some(baseline)) = (windows.incident, windows.baseline) else {
        return Err(Error::config(
            &case_path,
            "correlate needs [windows] incident and baseline (the binomial test compares them)",
        ));
    };
    let mut phases = Phases::new();
    let st = Store::read(out)?;
    phases.mark("read");
    let comp = complainants(&st.complainants)?;
    let mut fig = Map::new();
    fn put(fig: &mut Map<String, Value>, k: &str, v: u64) {
        fig.insert(k.to_string(), json!(v));
    }
    put(&mut fig, "complainants_in_orders", comp.in_orders);
    put(&mut fig, "complainants_late", comp.late);
    put(&mut fig, "complainant_numbers", comp.numbers.len() as u64);

    // ---- Calls to complainants in the orders window.
    let calls = &st.calls;
    // The big columns are used in place (no copies): called, start and source_row have no
    // nulls in a case store; calling is null where the caller ID was blocked or invalid.
    let called: &[u64] = cols::u64_values(calls, "called")?;
    let calling_col = cols::u64_array(calls, "calling")?;
    let calling = |i: usize| calling_col.is_valid(i).then(|| calling_col.value(i));
    // The three text columns are interned side by side.
    let (status, (carrier, cfile)) = rayon::join(
        || intern(calls, "calling_status"),
        || rayon::join(|| intern(calls, "carrier"), || intern(calls, "source_file")),
    );
    let ((status, status_names), (carrier, carrier_names), (cfile, cfile_names)) =
        (status?, carrier?, cfile?);
    let code_of = |name: &str| {
        status_names
            .iter()
            .position(|s| s == name)
            .map(|p| p as u32)
    };
    let (st_blocked, st_invalid) = (code_of("blocked"), code_of("invalid"));
    let start: &[i64] = cols::time_values(calls, "start")?;
    let crow: &[u64] = cols::u64_values(calls, "source_row")?;
    let calling_raw = calls
        .column_by_name("calling_raw")
        .ok_or_else(|| Error::store("calling_raw", "missing column in the calls table"))?
        .as_string_opt::<i32>()
        .ok_or_else(|| Error::store("calling_raw", "not a text column in the calls table"))?;
    // Each call: to a complainant in the orders (0: received), outside the orders window (1),
    // or not to a complainant in the orders (2).
    let class: Vec<u8> = (0..called.len())
        .into_par_iter()
        .map(|i| {
            if !comp.by_number.contains_key(&called[i]) {
                2
            } else if windows.orders.is_some_and(|w| !w.contains(start[i])) {
                1
            } else {
                0
            }
        })
        .collect();
    let received: Vec<usize> = (0..class.len()).filter(|&i| class[i] == 0).collect();
    let outside = class.iter().filter(|&&c| c == 1).count() as u64;
    let not_to = class.iter().filter(|&&c| c == 2).count() as u64;
    let dups: u64 = manifest
        .inputs
        .iter()
        .filter(|i| i.kind == "calls")
        .map(|i| i.duplicates_removed)
        .sum();
    put(&mut fig, "calls_received", received.len() as u64);
    put(&mut fig, "calls_outside_orders", outside);
    put(&mut fig, "calls_not_to_complainants", not_to);
    put(&mut fig, "duplicates_removed", dups);
    let blocked = received
        .iter()
        .filter(|&&i| Some(status[i]) == st_blocked)
        .count() as u64;
    let invalid = received
        .iter()
        .filter(|&&i| Some(status[i]) == st_invalid)
        .count() as u64;
    put(&mut fig, "blocked_caller_ids", blocked);
    put(&mut fig, "invalid_caller_ids", invalid);

    phases.mark("calls");
    // ---- Reach per originating number.
    let win_of = |t: i64| -> u8 {
        if incident.contains(t) {
            join::exact::WINDOW_INCIDENT
        } else if baseline.contains(t) {
            join::exact::WINDOW_BASELINE
        } else {
            join::exact::WINDOW_OUTSIDE
        }
    };
    let orig_rows: Vec<usize> = received
        .par_iter()
        .copied()
        .filter(|&i| calling(i).is_some())
        .collect();
    let caller: Vec<u64> = orig_rows
        .par_iter()
        .map(|&i| calling_col.value(i))
        .collect();
    let comp_id: Vec<u32> = orig_rows
        .par_iter()
        .map(|&i| comp.by_number[&called[i]])
        .collect();
    let win: Vec<u8> = orig_rows.par_iter().map(|&i| win_of(start[i])).collect();
    let reach = join::reach_by_window(&caller, &comp_id, &win);
    let n_num = reach.number.len();
    put(&mut fig, "originating_numbers", n_num as u64);
    // Context per number: first/last seen, districts reached, an evidence row.
    let mut by_num: Vec<(u64, i64, usize)> = orig_rows
        .par_iter()
        .enumerate()
        .map(|(k, &i)| (caller[k], start[i], i))
        .collect();
    by_num.par_sort_unstable();
    // District codes in the order of their names, so that sorted codes are sorted names.
    let (district_names, district_code) = {
        let mut names: Vec<&str> = comp.district.values().map(String::as_str).collect();
        names.sort_unstable();
        names.dedup();
        let code: HashMap<u64, u32> = comp
            .district
            .iter()
            .map(|(n, d)| (*n, names.binary_search(&d.as_str()).unwrap_or(0) as u32))
            .collect();
        (names, code)
    };
    // Where each number's rows start in `by_num` (both are sorted by number, and every number
    // of `reach` has rows).
    let mut run_start = Vec::with_capacity(n_num + 1);
    {
        let mut j = 0usize;
        for &num in &reach.number {
            while by_num[j].0 < num {
                j += 1;
            }
            run_start.push(j);
        }
        run_start.push(by_num.len());
    }
    type Context = (Option<i64>, Option<i64>, String, String);
    let context: Vec<Context> = (0..n_num)
        .into_par_iter()
        .map(|k| {
            let rows = &by_num[run_start[k]..run_start[k + 1]];
            let mut ds: Vec<u32> = Vec::new();
            let (mut first, mut last): (Option<i64>, Option<i64>) = (None, None);
            let mut ev: Option<usize> = None;
            for &(_, t, i) in rows {
                first = Some(first.map_or(t, |f| f.min(t)));
                last = Some(last.map_or(t, |l| l.max(t)));
                if let Some(&d) = district_code.get(&called[i]) {
                    ds.push(d);
                }
                if ev.is_none() && incident.contains(t) {
                    ev = Some(i);
                }
            }
            ds.sort_unstable();
            ds.dedup();
            let districts = ds
                .iter()
                .map(|&d| district_names[d as usize])
                .collect::<Vec<_>>()
                .join("; ");
            let evidence = ev
                .or_else(|| rows.first().map(|x| x.2))
                .map(|i| format!("{}:{}", cfile_names[cfile[i] as usize], crow[i]))
                .unwrap_or_default();
            (first, last, districts, evidence)
        })
        .collect();
    let mut first = Vec::with_capacity(n_num);
    let mut last = Vec::with_capacity(n_num);
    let mut districts = Vec::with_capacity(n_num);
    let mut evidence = Vec::with_capacity(n_num);
    for (f, l, d, e) in context {
        first.push(f);
        last.push(l);
        districts.push(d);
        evidence.push(e);
    }
    let inc_us = incident.len_us() as u64;
    let base_us = baseline.len_us() as u64;
    fig.insert(
        "incident_share".into(),
        json!(inc_us as f64 / (inc_us + base_us) as f64),
    );
    let ln_p: Vec<f64> = (0..n_num)
        .map(|k| {
            let n = (reach.only_incident[k] + reach.only_baseline[k]) as u64;
            if n == 0 {
                0.0
            } else {
                stats::ln_binom_sf_ge_frac(
                    n,
                    reach.only_incident[k] as u64,
                    inc_us,
                    inc_us + base_us,
                )
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..n_num).collect();
    order.sort_by(|&a, &b| {
        ln_p[a]
            .total_cmp(&ln_p[b])
            .then(reach.only_incident[b].cmp(&reach.only_incident[a]))
            .then(reach.number[a].cmp(&reach.number[b]))
    });
    let rank = ranks_from_order(&order);
    let ln_q = stats::bh_ln_q(&ln_p);

    phases.mark("reach");
    // ---- Subscribers and watch-lists per number.
    let sub_num = u64s_dense(&st.subscribers, "number")?;
    let (sub_status, sub_status_names) = intern(&st.subscribers, "status")?;
    let (sub_name, sub_name_names) = intern(&st.subscribers, "name")?;
    let mut sub: HashMap<u64, (u8, Option<String>)> = HashMap::default();
    let prio = |s: &str| match s {
        "obtained" => 3u8,
        "refused" => 2,
        _ => 1,
    };
    for i in 0..sub_num.len() {
        let s = prio(&sub_status_names[sub_status[i] as usize]);
        let name = (sub_name[i] != NONE).then(|| sub_name_names[sub_name[i] as usize].clone());
        let e = sub.entry(sub_num[i]).or_insert((0, None));
        if s > e.0 {
            *e = (s, name);
        }
    }
    let sub_label = |p: u8| match p {
        3 => "obtained",
        2 => "refused",
        _ => "not_requested",
    };
    let wl_num = u64s_dense(&st.watchlist, "number")?;
    let (wl_kind, wl_kind_names) = intern(&st.watchlist, "list_kind")?;
    let (wl_name, wl_name_names) = intern(&st.watchlist, "list_name")?;
    let mut wl: HashMap<u64, (BTreeSet<String>, BTreeSet<String>)> = HashMap::default();
    for i in 0..wl_num.len() {
        let e = wl.entry(wl_num[i]).or_default();
        e.0.insert(wl_kind_names[wl_kind[i] as usize].clone());
        if wl_name[i] != NONE {
            e.1.insert(wl_name_names[wl_name[i] as usize].clone());
        }
    }
    let (mut obtained, mut refused) = (0u64, 0u64);
    let mut on_kind: BTreeMap<&str, u64> = LIST_KINDS.iter().map(|k| (*k, 0)).collect();
    for &n in &reach.number {
        match sub.get(&n).map(|s| s.0) {
            Some(3) => obtained += 1,
            Some(2) => refused += 1,
            _ => {}
        }
        if let Some((kinds, _)) = wl.get(&n) {
            for k in kinds {
                if let Some(c) = on_kind.get_mut(k.as_str()) {
                    *c += 1;
                }
            }
        }
    }
    put(&mut fig, "subscriber_obtained", obtained);
    put(&mut fig, "subscriber_refused", refused);
    put(
        &mut fig,
        "subscriber_not_requested",
        n_num as u64 - obtained - refused,
    );
    put(&mut fig, "subscriber_not_obtained", n_num as u64 - obtained);
    for (k, c) in &on_kind {
        put(&mut fig, &format!("watchlist_{k}"), *c);
    }

    phases.mark("subscribers");
    // ---- Attribution: the time-band join per (carrier, vendor) pair.
    let vc = &st.vendor_calls;
    let v_dialed = u64s_dense(vc, "dialed")?;
    let v_presented = u64s(vc, "presented")?;
    let v_start = times(vc, "start")?;
    let (v_vendor, v_vendor_names) = intern(vc, "vendor")?;
    let (v_campaign, v_campaign_names) = intern(vc, "campaign")?;
    let (v_account, v_account_names) = intern(vc, "account")?;
    let (v_file, v_file_names) = intern(vc, "source_file")?;
    let v_row = u64s_dense(vc, "source_row")?;
    let tol_us = (case.attribution.tolerance_s * 1e6).round() as i64;
    let wnd_us = (case.attribution.offset_window_s * 1e6).round() as i64;
    let mut pair_of_campaign: Vec<BTreeMap<usize, u64>> =
        vec![BTreeMap::new(); v_campaign_names.len()];
    // Each vendor's records, gathered once.
    let vendors: Vec<(Vec<usize>, Vec<u64>, Vec<i64>)> = (0..v_vendor_names.len())
        .map(|vi| {
            let vr: Vec<usize> = (0..v_dialed.len())
                .filter(|&j| v_vendor[j] == vi as u32)
                .collect();
            let vn: Vec<u64> = vr.iter().map(|&j| v_dialed[j]).collect();
            let vt: Vec<i64> = vr.iter().map(|&j| v_start[j].unwrap_or(0)).collect();
            (vr, vn, vt)
        })
        .collect();
    // The carriers side by side; pair index = carrier × vendors + vendor, as in `offsets`.
    let per_carrier: Vec<(Vec<PairOffset>, Vec<Match>)> = carrier_names
        .par_iter()
        .enumerate()
        .map(|(ci, cname)| {
            let cr: Vec<usize> = (0..received.len())
                .filter(|&k| carrier[received[k]] == ci as u32)
                .collect();
            let c_num: Vec<u64> = cr.iter().map(|&k| called[received[k]]).collect();
            let c_t: Vec<i64> = cr.iter().map(|&k| start[received[k]]).collect();
            let mut pairs = Vec::new();
            let mut found = Vec::new();
            for (vi, (vname, (vr, vn, vt))) in v_vendor_names.iter().zip(&vendors).enumerate() {
                let pair = ci * v_vendor_names.len() + vi;
                let idx = join::BandIndex::new(&c_num, &c_t, vn, vt);
                let Some(est) = idx.estimate_offset(wnd_us) else {
                    pairs.push((cname.clone(), vname.clone(), None, 0, None, 0));
                    continue;
                };
                let m = idx.join(est.offset_us, tol_us);
                for t in 0..m.len() {
                    let k = cr[m.carrier[t] as usize];
                    let j = vr[m.vendor[t] as usize];
                    found.push((k, m.delta_us[t].abs(), pair, j, m.delta_us[t]));
                }
                pairs.push((
                    cname.clone(),
                    vname.clone(),
                    Some(est.offset_us / 1000),
                    est.candidates,
                    Some(est.mad_us / 1000),
                    m.len() as u64,
                ));
            }
            (pairs, found)
        })
        .collect();
    // Every match of every (carrier, vendor) pair: (received k, |delta|, pair index, vendor row,
    // delta); each call then keeps its nearest (ties: lower pair, then lower vendor row).
    let mut pairs_out: Vec<PairOffset> = Vec::new();
    let mut matches: Vec<Match> = Vec::new();
    for (pairs, found) in per_carrier {
        pairs_out.extend(pairs);
        matches.extend(found);
    }
    // Attribution rows, in received order.
    matches.sort_unstable();
    matches.dedup_by_key(|m| m.0);
    let mut at_rows: Vec<(usize, usize, i64)> = Vec::new(); // (received k, vendor row, delta)
    for &(k, _, pair, j, d) in &matches {
        at_rows.push((k, j, d));
        let c = v_campaign[j];
        if c != NONE {
            *pair_of_campaign[c as usize].entry(pair).or_insert(0) += 1;
        }
    }
    put(&mut fig, "attributed_calls", at_rows.len() as u64);
    let legit: BTreeSet<&str> = case
        .attribution
        .legitimate_campaigns
        .iter()
        .map(String::as_str)
        .collect();
    // Campaigns attributed to each originating number (by the number the carrier recorded).
    let mut num_campaigns: HashMap<u64, BTreeSet<String>> = HashMap::default();
    for &(k, j, _) in &at_rows {
        if let (Some(n), c) = (calling(received[k]), v_campaign[j]) {
            if c != NONE {
                num_campaigns
                    .entry(n)
                    .or_default()
                    .insert(v_campaign_names[c as usize].clone());
            }
        }
    }
    let attribution = {
        let mut b = TableBuilder::default();
        let r = |k: usize| received[k];
        b = b
            .text_dense(
                "source_file",
                &at_rows
                    .iter()
                    .map(|x| cfile_names[cfile[r(x.0)] as usize].clone())
                    .collect::<Vec<_>>(),
            )
            .u64("source_row", at_rows.iter().map(|x| crow[r(x.0)]).collect())
            .text_dense(
                "carrier",
                &at_rows
                    .iter()
                    .map(|x| carrier_names[carrier[r(x.0)] as usize].clone())
                    .collect::<Vec<_>>(),
            )
            .text_dense(
                "called",
                &at_rows
                    .iter()
                    .map(|x| format_e164(called[r(x.0)]))
                    .collect::<Vec<_>>(),
            )
            .time(
                "start",
                at_rows.iter().map(|x| Some(start[r(x.0)])).collect(),
            )
            .text(
                "seen",
                at_rows
                    .iter()
                    .map(|x| match calling(r(x.0)) {
                        Some(n) => Some(format_e164(n)),
                        None => calling_raw
                            .is_valid(r(x.0))
                            .then(|| calling_raw.value(r(x.0)).to_string()),
                    })
                    .collect(),
            )
            .text_dense(
                "seen_status",
                &at_rows
                    .iter()
                    .map(|x| status_names[status[r(x.0)] as usize].clone())
                    .collect::<Vec<_>>(),
            )
            .text_dense(
                "vendor",
                &at_rows
                    .iter()
                    .map(|x| v_vendor_names[v_vendor[x.1] as usize].clone())
                    .collect::<Vec<_>>(),
            )
            .text(
                "campaign",
                at_rows
                    .iter()
                    .map(|x| {
                        (v_campaign[x.1] != NONE)
                            .then(|| v_campaign_names[v_campaign[x.1] as usize].clone())
                    })
                    .collect(),
            )
            .text(
                "account",
                at_rows
                    .iter()
                    .map(|x| {
                        (v_account[x.1] != NONE)
                            .then(|| v_account_names[v_account[x.1] as usize].clone())
                    })
                    .collect(),
            )
            .text(
                "presented",
                at_rows.iter().map(|x| e164_opt(v_presented[x.1])).collect(),
            )
            .i64_opt(
                "delta_ms",
                at_rows.iter().map(|x| Some(x.2 / 1000)).collect(),
            )
            .text_dense(
                "vendor_source_file",
                &at_rows
                    .iter()
                    .map(|x| v_file_names[v_file[x.1] as usize].clone())
                    .collect::<Vec<_>>(),
            )
            .u64(
                "vendor_source_row",
                at_rows.iter().map(|x| v_row[x.1]).collect(),
            );
        b.build("attribution")?
    };

    phases.mark("attribution");
    // ---- Lists: uploads, campaigns, downloads, poll response sets, watch-lists.
    let uploads = group_sets(&st.vendor_list, "number", "list", "upload", "upload:")?;
    let campaigns = group_sets(vc, "dialed", "campaign", "campaign", "campaign:")?;
    let downloads = group_sets(&st.downloads, "number", "download", "download", "download:")?;
    let polls = poll_sets(vc)?;
    let watchlists = group_sets(
        &st.watchlist,
        "number",
        "list_name",
        "watchlist",
        "watchlist:",
    )?;
    let pop_num = u64s_dense(&st.population, "number")?;
    let population = {
        let mut p = pop_num.clone();
        p.sort_unstable();
        p.dedup();
        if p.is_empty() {
            case.case.population.unwrap_or(0)
        } else {
            p.len() as u64
        }
    };
    put(&mut fig, "population", population);

    // Campaign table.
    let campaign_table = {
        let mut complainants_matched = vec![BTreeSet::new(); v_campaign_names.len()];
        let mut calls_matched = vec![0u64; v_campaign_names.len()];
        for &(k, j, _) in &at_rows {
            let c = v_campaign[j];
            if c != NONE {
                calls_matched[c as usize] += 1;
                complainants_matched[c as usize].insert(comp.by_number[&called[received[k]]]);
            }
        }
        let mut presented: Vec<BTreeSet<String>> = vec![BTreeSet::new(); v_campaign_names.len()];
        let mut vendor_of: Vec<Option<String>> = vec![None; v_campaign_names.len()];
        let mut records = vec![0u64; v_campaign_names.len()];
        let mut first_t: Vec<Option<i64>> = vec![None; v_campaign_names.len()];
        let mut last_t: Vec<Option<i64>> = vec![None; v_campaign_names.len()];
        for j in 0..v_dialed.len() {
            let c = v_campaign[j];
            if c == NONE {
                continue;
            }
            let c = c as usize;
            records[c] += 1;
            if let Some(p) = v_presented[j] {
                presented[c].insert(format_e164(p));
            }
            vendor_of[c].get_or_insert_with(|| v_vendor_names[v_vendor[j] as usize].clone());
            if let Some(t) = v_start[j] {
                first_t[c] = Some(first_t[c].map_or(t, |f| f.min(t)));
                last_t[c] = Some(last_t[c].map_or(t, |l| l.max(t)));
            }
        }
        let offset_ms: Vec<Option<i64>> = pair_of_campaign
            .iter()
            .map(|m| {
                m.iter()
                    .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                    .and_then(|(&p, _)| pairs_out[p].2)
            })
            .collect();
        TableBuilder::default()
            .text_dense("campaign", &v_campaign_names)
            .text("vendor", vendor_of)
            .text(
                "account",
                campaigns.iter().map(|s| s.account.clone()).collect(),
            )
            .u64(
                "recipients",
                campaigns.iter().map(|s| s.numbers.len() as u64).collect(),
            )
            .u64("dial_records", records)
            .text(
                "presented",
                presented
                    .iter()
                    .map(|s| {
                        (!s.is_empty()).then(|| s.iter().cloned().collect::<Vec<_>>().join("; "))
                    })
                    .collect(),
            )
            .u64(
                "complainants_matched",
                complainants_matched
                    .iter()
                    .map(|s| s.len() as u64)
                    .collect(),
            )
            .u64("calls_matched", calls_matched)
            .i64_opt("offset_ms", offset_ms)
            .bool(
                "legitimate",
                v_campaign_names
                    .iter()
                    .map(|c| legit.contains(c.as_str()))
                    .collect(),
            )
            .time("first_dial", first_t)
            .time("last_dial", last_t)
            .build("campaigns")?
    };
    let offsets = TableBuilder::default()
        .text_dense(
            "carrier",
            &pairs_out.iter().map(|p| p.0.clone()).collect::<Vec<_>>(),
        )
        .text_dense(
            "vendor",
            &pairs_out.iter().map(|p| p.1.clone()).collect::<Vec<_>>(),
        )
        .i64_opt("offset_ms", pairs_out.iter().map(|p| p.2).collect())
        .u64("candidates", pairs_out.iter().map(|p| p.3).collect())
        .i64_opt("mad_ms", pairs_out.iter().map(|p| p.4).collect())
        .u64("matches", pairs_out.iter().map(|p| p.5).collect())
        .build("offsets")?;

    phases.mark("lists");
    // ---- Numbers table.
    let explained: Vec<bool> = reach
        .number
        .iter()
        .map(|n| {
            let listed = wl
                .get(n)
                .is_some_and(|(k, _)| k.contains("telemarketer") || k.contains("political_entity"));
            let legit_campaign = num_campaigns
                .get(n)
                .is_some_and(|cs| cs.iter().any(|c| legit.contains(c.as_str())));
            listed || legit_campaign
        })
        .collect();
    let numbers_table = {
        let o = &order;
        let pick = |v: &dyn Fn(usize) -> String| o.iter().map(|&k| v(k)).collect::<Vec<_>>();
        TableBuilder::default()
            .u64("rank", o.iter().map(|&k| rank[k]).collect())
            .text_dense("number", &pick(&|k| format_e164(reach.number[k])))
            .u64(
                "only_incident",
                o.iter().map(|&k| reach.only_incident[k] as u64).collect(),
            )
            .u64(
                "only_baseline",
                o.iter().map(|&k| reach.only_baseline[k] as u64).collect(),
            )
            .u64("both", o.iter().map(|&k| reach.both[k] as u64).collect())
            .u64("calls", o.iter().map(|&k| reach.calls[k]).collect())
            .f64("ln_p", o.iter().map(|&k| ln_p[k]).collect())
            .f64("q", o.iter().map(|&k| ln_q[k].exp()).collect())
            .f64("ln_q", o.iter().map(|&k| ln_q[k]).collect())
            .text_dense("p_text", &pick(&|k| stats::format_p(ln_p[k])))
            .bool("explained", o.iter().map(|&k| explained[k]).collect())
            .text_dense(
                "subscriber_status",
                &pick(&|k| sub_label(sub.get(&reach.number[k]).map_or(1, |s| s.0)).to_string()),
            )
            .text(
                "subscriber_name",
                o.iter()
                    .map(|&k| sub.get(&reach.number[k]).and_then(|s| s.1.clone()))
                    .collect(),
            )
            .text(
                "watchlists",
                o.iter()
                    .map(|&k| {
                        wl.get(&reach.number[k]).map(|(kinds, names)| {
                            kinds
                                .iter()
                                .chain(names.iter())
                                .cloned()
                                .collect::<Vec<_>>()
                                .join("; ")
                        })
                    })
                    .collect(),
            )
            .text(
                "campaigns",
                o.iter()
                    .map(|&k| {
                        num_campaigns
                            .get(&reach.number[k])
                            .map(|c| c.iter().cloned().collect::<Vec<_>>().join("; "))
                    })
                    .collect(),
            )
            .text_dense("districts", &pick(&|k| districts[k].clone()))
            .time("first_seen", o.iter().map(|&k| first[k]).collect())
            .time("last_seen", o.iter().map(|&k| last[k]).collect())
            .text_dense("evidence", &pick(&|k| evidence[k].clone()))
            .build("numbers")?
    };

    phases.mark("numbers");
    // ---- Overlaps: uploads and campaigns against downloads and poll response sets.
    let side_a: Vec<&NamedSet> = uploads.iter().chain(campaigns.iter()).collect();
    let side_b: Vec<&NamedSet> = downloads.iter().chain(polls.iter()).collect();
    let overlaps_table = overlap_table(&side_a, &side_b, population)?;
    // ---- Enrichment: every list against the complainants' numbers.
    let all_lists: Vec<&NamedSet> = uploads
        .iter()
        .chain(campaigns.iter())
        .chain(downloads.iter())
        .chain(polls.iter())
        .chain(watchlists.iter())
        .collect();
    let enrichment_table = enrichment(&all_lists, &comp.numbers, population)?;

    phases.mark("overlaps");
    // ---- Spread and skew. A list or campaign whose own account has no download log takes the
    // scope of the account behind its closest significant source download.
    let source_of = source_downloads(&overlaps_table, &downloads)?;
    let (spread_table, skew_table) = spread(
        &st,
        &comp,
        &source_of,
        &uploads,
        &campaigns,
        &downloads,
        &order
            .iter()
            .take(SPREAD_TOP_NUMBERS)
            .map(|&k| {
                (
                    reach.number[k],
                    by_num_complainants(&by_num, reach.number[k], called),
                )
            })
            .collect::<Vec<_>>(),
    )?;

    phases.mark("spread");
    // ---- Leads.
    let np = &st.numbering_plan;
    let plan_npa: Vec<u16> = u16s(np, "npa")?
        .into_iter()
        .map(|v| v.unwrap_or(0))
        .collect();
    let plan_nxx = u16s(np, "nxx")?;
    let (plan_carrier, plan_carrier_names) = intern(np, "carrier")?;
    let (plan_region, plan_region_names) = intern(np, "region")?;
    let (plan_country, plan_country_names) = intern(np, "country")?;
    let (plan_status, plan_status_names) = intern(np, "status")?;
    let lead_idx: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&k| {
            ln_q[k] <= ALPHA.ln()
                && !explained[k]
                && sub.get(&reach.number[k]).map_or(1, |s| s.0) != 3
        })
        .collect();
    let lead_nums: Vec<u64> = lead_idx.iter().map(|&k| reach.number[k]).collect();
    let plan_hit = join::prefix_match(&lead_nums, &plan_npa, &plan_nxx);
    let name_at = |codes: &[u32], names: &[String], h: Option<u32>| -> Option<String> {
        h.and_then(|r| {
            let c = codes[r as usize];
            (c != NONE).then(|| names[c as usize].clone())
        })
    };
    let leads_table = TableBuilder::default()
        .u64("rank", lead_idx.iter().map(|&k| rank[k]).collect())
        .text_dense(
            "number",
            &lead_nums
                .iter()
                .map(|&n| format_e164(n))
                .collect::<Vec<_>>(),
        )
        .f64("q", lead_idx.iter().map(|&k| ln_q[k].exp()).collect())
        .f64("ln_p", lead_idx.iter().map(|&k| ln_p[k]).collect())
        .u64(
            "only_incident",
            lead_idx
                .iter()
                .map(|&k| reach.only_incident[k] as u64)
                .collect(),
        )
        .text(
            "country_code",
            lead_nums
                .iter()
                .map(|&n| crate::normalize::phone::country_code(n).map(|c| c.to_string()))
                .collect(),
        )
        .text(
            "area_code",
            lead_nums
                .iter()
                .map(|&n| nanp_parts(n).map(|(a, _)| a.to_string()))
                .collect(),
        )
        .text(
            "exchange_holder",
            plan_hit
                .iter()
                .map(|&h| name_at(&plan_carrier, &plan_carrier_names, h))
                .collect(),
        )
        .text(
            "exchange_status",
            plan_hit
                .iter()
                .map(|&h| name_at(&plan_status, &plan_status_names, h))
                .collect(),
        )
        .text(
            "country",
            (0..lead_nums.len())
                .map(|i| name_at(&plan_country, &plan_country_names, plan_hit[i]))
                .collect(),
        )
        .text(
            "region",
            (0..lead_nums.len())
                .map(|i| name_at(&plan_region, &plan_region_names, plan_hit[i]))
                .collect(),
        )
        .text_dense(
            "subscriber_status",
            &lead_idx
                .iter()
                .map(|&k| sub_label(sub.get(&reach.number[k]).map_or(1, |s| s.0)).to_string())
                .collect::<Vec<_>>(),
        )
        .text_dense(
            "evidence",
            &lead_idx
                .iter()
                .map(|&k| evidence[k].clone())
                .collect::<Vec<_>>(),
        )
        .build("leads")?;
    put(&mut fig, "leads", lead_idx.len() as u64);

    // ---- figures.json: integers, incident_share, inputs.
    let inputs: Vec<Value> = manifest
        .inputs
        .iter()
        .map(|i| {
            json!({
                "path": i.path, "kind": i.kind, "rows_read": i.rows_read, "accepted": i.accepted,
                "quarantined": i.quarantined, "duplicates_removed": i.duplicates_removed,
            })
        })
        .collect();
    let mut figures = fig.clone();
    figures.insert("inputs".into(), Value::Array(inputs));

    phases.mark("leads");
    // ---- Pseudonymised sharing: every number in the tables replaced by its keyed token
    // (figures.json holds only counts).
    let key = opts.pseudonymize.as_ref();
    let pseudo = |table: &str, b: RecordBatch| match key {
        Some(k) => crate::pseudonym::pseudonymize_batch(k, table, &b),
        None => Ok(b),
    };
    let numbers_table = pseudo("numbers", numbers_table)?;
    let attribution = pseudo("attribution", attribution)?;
    let campaign_table = pseudo("campaigns", campaign_table)?;
    let offsets = pseudo("offsets", offsets)?;
    let overlaps_table = pseudo("overlaps", overlaps_table)?;
    let enrichment_table = pseudo("enrichment", enrichment_table)?;
    let spread_table = pseudo("spread", spread_table)?;
    let skew_table = pseudo("skew", skew_table)?;
    let leads_table = pseudo("leads", leads_table)?;
    if key.is_some() {
        phases.mark("pseudonymize");
    }
    // ---- Write.
    let dir = out.join(RESULTS);
    crate::outdir::create_dir_all(&dir)?;
    let fig_path = dir.join("figures.json");
    let text = serde_json::to_string_pretty(&Value::Object(sorted(&figures)))
        .map_err(|e| Error::store(&fig_path, e))?;
    store::write_atomic(&fig_path, |f| {
        use std::io::Write;
        f.write_all(text.as_bytes())
            .and_then(|_| f.write_all(b"\n"))
            .map_err(|e| Error::io(&fig_path, e))
    })?;
    manifest.add_output(out, &format!("{RESULTS}/figures.json"), None)?;
    let tables: [(&str, &RecordBatch); 9] = [
        ("numbers", &numbers_table),
        ("attribution", &attribution),
        ("campaigns", &campaign_table),
        ("offsets", &offsets),
        ("overlaps", &overlaps_table),
        ("enrichment", &enrichment_table),
        ("spread", &spread_table),
        ("skew", &skew_table),
        ("leads", &leads_table),
    ];
    // Every file on its own task; the manifest lists them in a fixed order afterwards.
    let files: Vec<(String, &RecordBatch, bool)> = tables
        .iter()
        .flat_map(|&(name, t)| {
            let csv = (format!("{RESULTS}/{name}.csv"), t, true);
            if name == "leads" {
                vec![csv]
            } else {
                vec![(format!("{RESULTS}/{name}.parquet"), t, false), csv]
            }
        })
        .collect();
    files
        .par_iter()
        .map(|(rel, t, csv)| {
            let path = out.join(rel);
            if *csv {
                store::write_csv(&path, std::slice::from_ref(*t))
            } else {
                store::write_parquet(&path, &t.schema(), std::slice::from_ref(*t))
            }
        })
        .collect::<Result<Vec<()>>>()?;
    manifest.add_outputs(
        out,
        &files
            .iter()
            .map(|(rel, t, _)| (rel.clone(), Some(t.num_rows() as u64)))
            .collect::<Vec<_>>(),
    )?;
    phases.mark("write");
    for (name, ms) in phases.done {
        manifest.timings_ms.insert(format!("correlate.{name}"), ms);
    }
    manifest
        .timings_ms
        .insert("correlate".into(), t0.elapsed().as_millis() as u64);
    manifest.pseudonymization = key.map(Key::record);
    manifest.write(out)?;

    // ---- Summary.
    let top_numbers = order
        .iter()
        .filter(|&&k| !explained[k])
        .take(5)
        .map(|&k| Top {
            name: match key {
                Some(key) => key.token(&format_e164(reach.number[k])),
                None => format_e164(reach.number[k]),
            },
            detail: format!(
                "complainants reached only on the incident day: {}, only in the baseline: {}; p = {}; subscriber {}",
                reach.only_incident[k],
                reach.only_baseline[k],
                stats::format_p(ln_p[k]),
                sub_label(sub.get(&reach.number[k]).map_or(1, |s| s.0))
            ),
        })
        .collect();
    let top_campaigns = top_rows(&enrichment_table, "campaign", 3)?;
    let top_overlaps = top_pairs(&overlaps_table, 3)?;
    Ok(Correlation {
        figures,
        top_numbers,
        top_campaigns,
        top_overlaps,
        leads: lead_idx.len(),
    })
}

/// (number, row) pairs sorted by number, one per number: its lowest row in `numbers`.
fn first_row_index(numbers: &[u64]) -> Vec<(u64, u32)> {
    let mut v: Vec<(u64, u32)> = numbers
        .iter()
        .enumerate()
        .map(|(r, &n)| (n, r as u32))
        .collect();
    v.par_sort_unstable();
    v.dedup_by_key(|e| e.0);
    v
}

/// The row of `n` in an index made by [`first_row_index`].
fn lookup(index: &[(u64, u32)], n: u64) -> Option<usize> {
    index
        .binary_search_by_key(&n, |e| e.0)
        .ok()
        .map(|i| index[i].1 as usize)
}

/// Wall time per phase of the correlate step, for the manifest's `timings_ms`.
struct Phases {
    last: Instant,
    done: Vec<(&'static str, u64)>,
}

impl Phases {
    fn new() -> Phases {
        Phases {
            last: Instant::now(),
            done: Vec::new(),
        }
    }

    /// Ends the phase called `name` (the time since the previous mark).
    fn mark(&mut self, name: &'static str) {
        let now = Instant::now();
        self.done
            .push((name, now.duration_since(self.last).as_millis() as u64));
        self.last = now;
    }
}

/// The numbers of the complainants an originating number reached.
fn by_num_complainants(by_num: &[(u64, i64, usize)], n: u64, called: &[u64]) -> Vec<u64> {
    let a = by_num.partition_point(|x| x.0 < n);
    let b = by_num.partition_point(|x| x.0 <= n);
    let mut v: Vec<u64> = by_num[a..b].iter().map(|x| called[x.2]).collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn sorted(m: &Map<String, Value>) -> Map<String, Value> {
    let b: BTreeMap<_, _> = m.iter().collect();
    b.into_iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Robo-poll response sets: the numbers that answered a campaign with a given keypress.
fn poll_sets(vc: &RecordBatch) -> Result<Vec<NamedSet>> {
    let dialed = u64s_dense(vc, "dialed")?;
    let (camp, camp_names) = intern(vc, "campaign")?;
    let (key, key_names) = intern(vc, "keypress")?;
    let mut sets: BTreeMap<(u32, u32), Vec<u64>> = BTreeMap::new();
    for i in 0..dialed.len() {
        if key[i] == NONE || camp[i] == NONE {
            continue;
        }
        sets.entry((camp[i], key[i])).or_default().push(dialed[i]);
    }
    Ok(sets
        .into_iter()
        .map(|((c, k), mut v)| {
            v.sort_unstable();
            v.dedup();
            NamedSet {
                name: format!(
                    "poll:{}:key={}",
                    camp_names[c as usize], key_names[k as usize]
                ),
                kind: "poll_response",
                account: None,
                campaign: Some(camp_names[c as usize].clone()),
                numbers: v,
            }
        })
        .collect())
}

/// Hypergeometric upper tail of an overlap, with an urn at least as large as the union.
fn ln_p_overlap(population: u64, size_a: u64, size_b: u64, overlap: u64) -> f64 {
    let urn = population.max(size_a + size_b - overlap);
    stats::ln_hyper_sf_ge(urn, size_b, size_a, overlap)
}

fn overlap_table(a: &[&NamedSet], b: &[&NamedSet], population: u64) -> Result<RecordBatch> {
    let (al, an) = memberships_ref(a);
    let (bl, bn) = memberships_ref(b);
    let mut ov = join::all_pairs_overlap(&al, &an, a.len() as u32, &bl, &bn, b.len() as u32);
    // A campaign is not compared with its own poll responses.
    let same = |x: u32, y: u32| {
        a[x as usize].campaign.is_some() && a[x as usize].campaign == b[y as usize].campaign
    };
    let excluded = (0..a.len() as u32)
        .flat_map(|x| (0..b.len() as u32).map(move |y| (x, y)))
        .filter(|&(x, y)| same(x, y))
        .count() as u64;
    let keep: Vec<usize> = (0..ov.overlap.len())
        .filter(|&i| !same(ov.a[i], ov.b[i]))
        .collect();
    ov.a = keep.iter().map(|&i| ov.a[i]).collect();
    ov.b = keep.iter().map(|&i| ov.b[i]).collect();
    ov.overlap = keep.iter().map(|&i| ov.overlap[i]).collect();
    let n = ov.overlap.len();
    let ln_p: Vec<f64> = (0..n)
        .map(|i| {
            ln_p_overlap(
                population,
                ov.size_a[ov.a[i] as usize],
                ov.size_b[ov.b[i] as usize],
                ov.overlap[i],
            )
        })
        .collect();
    let ln_q = bh_total(&ln_p, a.len() as u64 * b.len() as u64 - excluded);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| {
        ln_p[x]
            .total_cmp(&ln_p[y])
            .then(ov.overlap[y].cmp(&ov.overlap[x]))
            .then(ov.a[x].cmp(&ov.a[y]))
            .then(ov.b[x].cmp(&ov.b[y]))
    });
    let rank = ranks_from_order(&order);
    let sa = |i: usize| ov.size_a[ov.a[i] as usize];
    let sb = |i: usize| ov.size_b[ov.b[i] as usize];
    TableBuilder::default()
        .u64("rank", order.iter().map(|&i| rank[i]).collect())
        .text_dense(
            "list_a",
            &order
                .iter()
                .map(|&i| a[ov.a[i] as usize].name.clone())
                .collect::<Vec<_>>(),
        )
        .text_dense(
            "list_b",
            &order
                .iter()
                .map(|&i| b[ov.b[i] as usize].name.clone())
                .collect::<Vec<_>>(),
        )
        .u64("size_a", order.iter().map(|&i| sa(i)).collect())
        .u64("size_b", order.iter().map(|&i| sb(i)).collect())
        .u64("overlap", order.iter().map(|&i| ov.overlap[i]).collect())
        .f64(
            "containment",
            order
                .iter()
                .map(|&i| ov.overlap[i] as f64 / sa(i).max(1) as f64)
                .collect(),
        )
        .f64(
            "jaccard",
            order
                .iter()
                .map(|&i| ov.overlap[i] as f64 / (sa(i) + sb(i) - ov.overlap[i]).max(1) as f64)
                .collect(),
        )
        .f64("ln_p", order.iter().map(|&i| ln_p[i]).collect())
        .f64("q", order.iter().map(|&i| ln_q[i].exp()).collect())
        .f64("ln_q", order.iter().map(|&i| ln_q[i]).collect())
        .build("overlaps")
}

fn memberships_ref(sets: &[&NamedSet]) -> (Vec<u32>, Vec<u64>) {
    let mut l = Vec::new();
    let mut n = Vec::new();
    for (i, s) in sets.iter().enumerate() {
        for &x in &s.numbers {
            l.push(i as u32);
            n.push(x);
        }
    }
    (l, n)
}

fn enrichment(lists: &[&NamedSet], complainants: &[u64], population: u64) -> Result<RecordBatch> {
    let (al, an) = memberships_ref(lists);
    let bl = vec![0u32; complainants.len()];
    let ov = join::all_pairs_overlap(&al, &an, lists.len() as u32, &bl, complainants, 1);
    let mut overlap = vec![0u64; lists.len()];
    for i in 0..ov.overlap.len() {
        overlap[ov.a[i] as usize] = ov.overlap[i];
    }
    let marked = complainants.len() as u64;
    let ln_p: Vec<f64> = (0..lists.len())
        .map(|i| ln_p_overlap(population, ov.size_a[i], marked, overlap[i]))
        .collect();
    let ln_q = stats::bh_ln_q(&ln_p);
    let mut order: Vec<usize> = (0..lists.len()).collect();
    order.sort_by(|&x, &y| {
        ln_p[x]
            .total_cmp(&ln_p[y])
            .then(overlap[y].cmp(&overlap[x]))
            .then(x.cmp(&y))
    });
    let rank = ranks_from_order(&order);
    TableBuilder::default()
        .u64("rank", order.iter().map(|&i| rank[i]).collect())
        .text_dense(
            "list",
            &order
                .iter()
                .map(|&i| lists[i].name.clone())
                .collect::<Vec<_>>(),
        )
        .text_dense(
            "kind",
            &order.iter().map(|&i| lists[i].kind).collect::<Vec<_>>(),
        )
        .u64("size", order.iter().map(|&i| ov.size_a[i]).collect())
        .u64("overlap", order.iter().map(|&i| overlap[i]).collect())
        .f64("ln_p", order.iter().map(|&i| ln_p[i]).collect())
        .f64("q", order.iter().map(|&i| ln_q[i].exp()).collect())
        .f64("ln_q", order.iter().map(|&i| ln_q[i]).collect())
        .build("enrichment")
}

/// The districts an account may reach, from its download logs.
#[derive(Clone, Debug, Default)]
struct Scope {
    national: bool,
    districts: BTreeSet<String>,
}

/// Districts of each set's numbers (population district, else complainant district), against
/// the scope of the account behind it; and the skew of recipients' attributes.
/// For each uploaded list or campaign, the download it most likely derives from (its rank-first
/// overlap with a download, when significant) and that download's account.
fn source_downloads(
    overlaps: &RecordBatch,
    downloads: &[NamedSet],
) -> Result<HashMap<String, (String, String)>> {
    use arrow::array::AsArray;
    use arrow::datatypes::Float64Type;
    let a = cols_str(overlaps, "list_a")?;
    let b = cols_str(overlaps, "list_b")?;
    let q = overlaps
        .column_by_name("q")
        .ok_or_else(|| Error::store("overlaps", "no q column"))?
        .as_primitive::<Float64Type>()
        .clone();
    let account: HashMap<&str, &str> = downloads
        .iter()
        .filter_map(|d| d.account.as_deref().map(|a| (d.name.as_str(), a)))
        .collect();
    let mut out = HashMap::default();
    // Rows are in rank order, so the first download row of a list is its closest source.
    for i in 0..overlaps.num_rows() {
        if !b[i].starts_with("download:") || q.value(i) > ALPHA || out.contains_key(&a[i]) {
            continue;
        }
        if let Some(acc) = account.get(b[i].as_str()) {
            out.insert(a[i].clone(), (b[i].clone(), acc.to_string()));
        }
    }
    Ok(out)
}

fn spread(
    st: &Store,
    comp: &Complainants,
    source_of: &HashMap<String, (String, String)>,
    uploads: &[NamedSet],
    campaigns: &[NamedSet],
    downloads: &[NamedSet],
    top_numbers: &[(u64, Vec<u64>)],
) -> Result<(RecordBatch, RecordBatch)> {
    let pop = &st.population;
    let pop_num = u64s_dense(pop, "number")?;
    let (pop_dist, mut dist_names) = intern(pop, "district")?;
    let (pop_age, age_names) = intern(pop, "age_band")?;
    let (pop_party, party_names) = intern(pop, "party")?;
    // Lookup table: population rows first, then complainants (lowest row wins).
    let mut t_num = pop_num.clone();
    let mut t_dist = pop_dist.clone();
    let mut comp_d: Vec<(&u64, &String)> = comp.district.iter().collect();
    comp_d.sort();
    for (n, d) in comp_d {
        let code = match dist_names.iter().position(|x| x == d) {
            Some(c) => c as u32,
            None => {
                dist_names.push(d.clone());
                dist_names.len() as u32 - 1
            }
        };
        t_num.push(*n);
        t_dist.push(code);
    }
    // Account scopes from the download logs: the union of the districts named in every
    // download of the account (`;`-separated); `national` means no restriction.
    let mut scope: HashMap<String, Scope> = HashMap::default();
    if st.downloads.num_rows() > 0 {
        let (acc, acc_names) = intern(&st.downloads, "account")?;
        let (sc, sc_names) = intern(&st.downloads, "scope")?;
        for i in 0..acc.len() {
            if acc[i] != NONE && sc[i] != NONE {
                let e = scope.entry(acc_names[acc[i] as usize].clone()).or_default();
                for d in sc_names[sc[i] as usize].split(';') {
                    let d = d.trim();
                    if d.eq_ignore_ascii_case("national") {
                        e.national = true;
                    } else if !d.is_empty() {
                        e.districts.insert(d.to_string());
                    }
                }
            }
        }
    }
    let mut sets: Vec<(String, &'static str, Option<String>, Vec<u64>)> = Vec::new();
    for s in campaigns.iter().chain(uploads).chain(downloads) {
        sets.push((s.name.clone(), s.kind, s.account.clone(), s.numbers.clone()));
    }
    for (n, reached) in top_numbers {
        sets.push((
            format!("number:{}", format_e164(*n)),
            "number",
            None,
            reached.clone(),
        ));
    }
    let nd = dist_names.len() as u32;
    // Number → district: one sorted index for every set (the lowest table row wins), then a
    // binary search per member, the sets in parallel.
    let t_index = first_row_index(&t_num);
    let set_counts: Vec<(Vec<u64>, u64)> = sets
        .par_iter()
        .map(|(_, _, _, nums)| {
            let mut counts = vec![0u64; nd as usize];
            let mut none = 0u64;
            for &n in nums {
                match lookup(&t_index, n).map(|row| t_dist[row]) {
                    Some(d) if d < nd => counts[d as usize] += 1,
                    _ => none += 1,
                }
            }
            (counts, none)
        })
        .collect();
    let (mut s_set, mut s_kind, mut s_dist, mut s_n, mut s_share, mut s_scope) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let mut s_from: Vec<Option<String>> = vec![];
    for ((name, kind, account, nums), (counts, none)) in sets.iter().zip(set_counts) {
        let total = nums.len().max(1) as f64;
        let own = account.as_ref().and_then(|a| scope.get(a));
        let (sc, from) = match own {
            Some(sc) => (Some(sc), account.clone().map(|a| format!("account {a}"))),
            None => match source_of.get(name) {
                Some((dl, acc)) => (
                    scope.get(acc),
                    Some(format!("account {acc} of source {dl}")),
                ),
                None => (None, None),
            },
        };
        for (d, &c) in counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            s_set.push(name.clone());
            s_kind.push(kind.to_string());
            s_dist.push(Some(dist_names[d].clone()));
            s_n.push(c);
            s_share.push(c as f64 / total);
            s_scope.push(sc.map(|s| {
                if s.national || s.districts.contains(&dist_names[d]) {
                    "in_scope".to_string()
                } else {
                    "outside_scope".to_string()
                }
            }));
            s_from.push(sc.and(from.clone()));
        }
        if none > 0 {
            s_set.push(name.clone());
            s_kind.push(kind.to_string());
            s_dist.push(None);
            s_n.push(none);
            s_share.push(none as f64 / total);
            s_scope.push(None);
            s_from.push(None);
        }
    }
    let spread = TableBuilder::default()
        .text_dense("set", &s_set)
        .text_dense("kind", &s_kind)
        .text("district", s_dist)
        .u64("recipients", s_n)
        .f64("share", s_share)
        .text("scope", s_scope)
        .text("scope_from", s_from)
        .build("spread")?;
    // Skew of attributes: recipients in the population against the population.
    let mut k_set = vec![];
    let mut k_attr = vec![];
    let mut k_g = vec![];
    let mut k_df = vec![];
    let mut k_lnp = vec![];
    let mut k_n = vec![];
    let attrs: [(&str, &[u32], &[String]); 2] = [
        ("age_band", &pop_age, &age_names),
        ("party", &pop_party, &party_names),
    ];
    let pop_index = first_row_index(&pop_num);
    for (attr, codes, names) in attrs {
        if names.is_empty() {
            continue;
        }
        let mut base = vec![0u64; names.len()];
        for &c in codes.iter() {
            if c != NONE {
                base[c as usize] += 1;
            }
        }
        let total: u64 = base.iter().sum();
        let props: Vec<f64> = base
            .iter()
            .map(|&b| b as f64 / total.max(1) as f64)
            .collect();
        let observed: Vec<Vec<u64>> = sets
            .par_iter()
            .filter(|s| s.1 != "number")
            .map(|(_, _, _, nums)| {
                let mut obs = vec![0u64; names.len()];
                for &n in nums {
                    if let Some(i) = lookup(&pop_index, n) {
                        if codes[i] != NONE {
                            obs[codes[i] as usize] += 1;
                        }
                    }
                }
                obs
            })
            .collect();
        let named = sets.iter().filter(|s| s.1 != "number");
        for ((name, _, _, _), obs) in named.zip(observed) {
            let n_obs: u64 = obs.iter().sum();
            if n_obs == 0 {
                continue;
            }
            let g = stats::g_test(&obs, &props);
            k_set.push(name.clone());
            k_attr.push(attr.to_string());
            k_g.push(g.g);
            k_df.push(g.df as u64);
            k_lnp.push(g.ln_p);
            k_n.push(n_obs);
        }
    }
    let k_q = stats::bh_ln_q(&k_lnp);
    let skew = TableBuilder::default()
        .text_dense("set", &k_set)
        .text_dense("attribute", &k_attr)
        .u64("recipients_in_population", k_n)
        .f64("g", k_g)
        .u64("df", k_df)
        .f64("ln_p", k_lnp)
        .f64("q", k_q.iter().map(|v| v.exp()).collect())
        .f64("ln_q", k_q)
        .build("skew")?;
    Ok((spread, skew))
}

fn top_rows(enrichment: &RecordBatch, kind: &str, n: usize) -> Result<Vec<Top>> {
    use arrow::array::AsArray;
    use arrow::datatypes::{Float64Type, UInt64Type};
    let list = cols_str(enrichment, "list")?;
    let kinds = cols_str(enrichment, "kind")?;
    let ov = enrichment
        .column_by_name("overlap")
        .ok_or_else(|| Error::store("enrichment", "no overlap column"))?
        .as_primitive::<UInt64Type>()
        .clone();
    let lp = enrichment
        .column_by_name("ln_p")
        .ok_or_else(|| Error::store("enrichment", "no ln_p column"))?
        .as_primitive::<Float64Type>()
        .clone();
    Ok((0..enrichment.num_rows())
        .filter(|&i| kinds[i] == kind)
        .take(n)
        .map(|i| Top {
            name: list[i].clone(),
            detail: format!(
                "reaches {} complainant numbers; p = {}",
                ov.value(i),
                stats::format_p(lp.value(i))
            ),
        })
        .collect())
}

fn top_pairs(overlaps: &RecordBatch, n: usize) -> Result<Vec<Top>> {
    use arrow::array::AsArray;
    use arrow::datatypes::{Float64Type, UInt64Type};
    let a = cols_str(overlaps, "list_a")?;
    let b = cols_str(overlaps, "list_b")?;
    let ov = overlaps
        .column_by_name("overlap")
        .ok_or_else(|| Error::store("overlaps", "no overlap column"))?
        .as_primitive::<UInt64Type>()
        .clone();
    let c = overlaps
        .column_by_name("containment")
        .ok_or_else(|| Error::store("overlaps", "no containment column"))?
        .as_primitive::<Float64Type>()
        .clone();
    Ok((0..overlaps.num_rows().min(n))
        .map(|i| Top {
            name: format!("{} ~ {}", a[i], b[i]),
            detail: format!(
                "{} shared ({:.1} % of the first)",
                ov.value(i),
                100.0 * c.value(i)
            ),
        })
        .collect())
}

fn cols_str(b: &RecordBatch, name: &str) -> Result<Vec<String>> {
    let (codes, names) = intern(b, name)?;
    Ok(codes
        .into_iter()
        .map(|c| {
            if c == NONE {
                String::new()
            } else {
                names[c as usize].clone()
            }
        })
        .collect())
}
