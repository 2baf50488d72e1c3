//! `callsift synth`: a seeded generator of a whole synthetic case with planted truth, and
//! `callsift eval`: how well the engine's results recover it.
//!
//! # The world
//! An electorate of phone lines in eleven districts of Ontario, Québec and British Columbia,
//! each line in an exchange of its district held by one of three carriers, with an age band and
//! a party identification (A–D, U). Party A's database was built by canvassing from September
//! 2010 to the end of April 2011; district-level and national accounts download from it
//! (supporters, non-supporters, unidentified voters, random samples). Through one robo-dialing
//! vendor, RoboDial Inc., the party runs legitimate campaigns: advance-poll reminders and
//! town-hall invitations to its own supporters, a national robo-poll with keypresses, and in the
//! `gotv` world an election-day get-out-the-vote campaign whose caller ID is on no watch-list
//! (only the declaration `[attribution] legitimate_campaigns` explains it). A misleading
//! campaign (`poll-location-change`, vendor account `acct-7731`) dials on election day, with a
//! spoofed caller ID, an upload list derived from one download (`DL-20110501-0412`, account
//! `guelph-07`: 68 % of its non-supporters plus 1.5 % of other Guelph lines and a few
//! Kitchener—Waterloo lines as noise). The vendor's clock runs 47 s behind.
//!
//! People the misleading calls reached complain far more often than others, but most do not;
//! some untargeted people complain too. For the 40 % of complainants covered by production
//! orders, the three carriers return every call received from 18 April to 2 May 2011 (and a
//! few just outside): family and friends (local, elsewhere in Canada, the US, London), shared
//! numbers (pharmacies, banks, toll-free services, US companies, telemarketers, scams) that call
//! many complainants every day, blocked and mangled caller IDs, live political callers, and
//! every vendor campaign's calls. Background traffic is almost all of the rows. Subscriber
//! returns, four watch-lists, the population and a numbering plan complete the case.
//!
//! Harder worlds ([`World`]): two misleading campaigns from two accounts (the second in
//! Kitchener—Waterloo from download `DL-20110501-0415`, account `kw-03`); a caller ID rotating
//! among 20 numbers; a US caller ID; carrier clocks skewed by ±90 s; the election-day GOTV
//! campaign; and `hard`, all of them at once, with five minutes of the first misleading
//! campaign missing from the vendor's log (those calls can only be recovered through their
//! retries, so recall falls a little below 1).
//!
//! A *targeted complainant* (in `truth.json`) is an in-orders complainant with at least one
//! carrier record of a misleading campaign's call (answered, voicemail, unanswered or busy; a
//! failed attempt leaves no carrier record).
//!
//! # Sizes
//! Scale 1 is about 1,000,000 carrier rows. In-orders complainants aim at rows / 200 (at least
//! 300, at most 500,000), the population is 20 times that (at least 40,000, at most 10
//! million), so each complainant receives about 200 records (about 67 at the smallest scales).
//!
//! # Determinism and streaming
//! Every draw is keyed by the identity of what it is about (see `rng.rs` and `world.rs`);
//! work is cut into fixed blocks (64 complainants, 32,768 persons) generated in parallel waves
//! and written in order through buffered writers, so the same seed, scale and world give
//! byte-identical files whatever the thread count, and memory stays bounded by a wave.

mod calls;
mod eval;
mod files;
mod fmt;
mod rng;
mod world;

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
pub use eval::{eval, Accuracy, MIN_PRECISION, MIN_RECALL};
pub use rng::SplitMix;

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SynthOptions {
    /// The seed: the same seed, scale and world give byte-identical files.
    pub seed: u64,
    /// Size: 1.0 is about 1,000,000 carrier call rows.
    pub scale: f64,
    /// Which world.
    pub world: World,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            seed: 1,
            scale: 1.0,
            world: World::Standard,
        }
    }
}

/// The kind of world, from the standard one to the hardest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum World {
    /// One misleading campaign with one spoofed Canadian caller ID.
    #[default]
    Standard,
    /// Two misleading campaigns from two vendor accounts, fed by two downloads of two
    /// district accounts.
    TwoCampaigns,
    /// The spoofed caller ID rotates among 20 numbers.
    RotatingSpoof,
    /// The spoofed caller ID is a US number.
    UsSpoof,
    /// The carriers' clocks are skewed by ±90 s (besides the vendor's 47 s lag).
    ClockSkew,
    /// A legitimate election-day get-out-the-vote campaign, whose caller ID is on no
    /// watch-list, must come out explained.
    ElectionDayGotv,
    /// All of the above, and five minutes missing from the first misleading campaign's vendor
    /// log.
    Hard,
}

impl World {
    /// Every world, in order.
    pub const ALL: [World; 7] = [
        World::Standard,
        World::TwoCampaigns,
        World::RotatingSpoof,
        World::UsSpoof,
        World::ClockSkew,
        World::ElectionDayGotv,
        World::Hard,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            World::Standard => "standard",
            World::TwoCampaigns => "two-campaigns",
            World::RotatingSpoof => "rotating-spoof",
            World::UsSpoof => "us-spoof",
            World::ClockSkew => "clock-skew",
            World::ElectionDayGotv => "gotv",
            World::Hard => "hard",
        }
    }
}

impl std::fmt::Display for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for World {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<World, String> {
        World::ALL
            .iter()
            .copied()
            .find(|w| w.name() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                format!(
                    "unknown world {s:?} (one of: {})",
                    World::ALL.map(|w| w.name()).join(", ")
                )
            })
    }
}

/// What [`synth`] wrote.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SynthSummary {
    /// Carrier call records written (duplicates included).
    pub call_rows: u64,
    /// Exact duplicate call records planted (each removed by ingest).
    pub duplicate_rows: u64,
    /// Vendor outbound-log records.
    pub vendor_rows: u64,
    /// Lines in the population.
    pub population: u64,
    /// Complainants whose records the production orders covered.
    pub complainants_in_orders: u64,
    /// Complainants who complained after the orders.
    pub complainants_late: u64,
    /// In-orders complainants with a carrier record of a misleading campaign.
    pub targeted_complainants: u64,
    /// Every file written (path relative to the output folder, with `/`) and its size in bytes,
    /// sorted by path.
    pub files: Vec<(String, u64)>,
    /// Wall-clock seconds (not part of any file).
    pub seconds: f64,
}

impl SynthSummary {
    /// Bytes written in all.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.1).sum()
    }
}

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

/// Carrier rows per file part (files are split so ingest can read them in parallel).
const ROWS_PER_PART: f64 = 4_000_000.0;
/// Blocks of complainants per parallel wave.
const BLOCK_WAVE: usize = 64;

/// Generates a whole case under `out` (created if missing; it must be empty): `case.toml`,
/// `truth.json` and the evidence files.
///
/// # Errors
/// [`Error::Config`] for a scale that is not a positive number or an output folder that is not
/// empty; [`Error::Io`] when a file cannot be written.
pub fn synth(opts: &SynthOptions, out: &Path) -> Result<SynthSummary> {
    let t0 = Instant::now();
    if !(opts.scale.is_finite() && opts.scale > 0.0 && opts.scale <= 10_000.0) {
        return Err(Error::config(
            out,
            format!(
                "synth: scale must be a number in (0, 10000], not {}",
                opts.scale
            ),
        ));
    }
    if !files::empty_dir(out)? {
        return Err(Error::config(
            out,
            "synth: the output folder is not empty (files from another world would mix in)",
        ));
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let mut w = world::World::new(opts);

    // Who the misleading calls reached, per district; then the complaint rates; then who
    // complained.
    let mut reached = vec![0u64; w.districts.len()];
    for (d, r) in reached.iter_mut().enumerate() {
        let dist = &w.districts[d];
        let (lo, hi) = (dist.start, dist.start + dist.size);
        let wr = &w;
        files::stream(
            lo,
            hi,
            |a, b| (a..b).filter(|&g| wr.reached(g, d)).count() as u64,
            |c| {
                *r += c;
                Ok(())
            },
        )?;
    }
    w.calibrate(&reached);
    let mut comps: Vec<world::Complainant> = Vec::new();
    for d in 0..w.districts.len() {
        let dist = &w.districts[d];
        let wr = &w;
        files::stream(
            dist.start,
            dist.start + dist.size,
            |a, b| {
                (a..b)
                    .filter_map(|g| wr.complainant(g, d))
                    .collect::<Vec<_>>()
            },
            |v| {
                comps.extend(v);
                Ok(())
            },
        )?;
    }

    let mut sink = files::Sink {
        root: out.to_path_buf(),
        files: Vec::new(),
    };
    files::population(&w, &mut sink)?;
    let dl_sizes = files::downloads(&w, &mut sink)?;
    let camp_counts = files::campaigns(&w, &mut sink)?;
    files::complainants(&w, &comps, &mut sink)?;
    files::watchlists(&w, &mut sink)?;
    files::numbering_plan(&w, &mut sink)?;
    let cr = carriers(&w, &comps, &mut sink)?;
    sink.whole(
        "case.toml",
        files::case_toml(&w, opts.world.name()).as_bytes(),
    )?;

    // The truth.
    let e = fmt::e164_text;
    let mut targeted_by: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut any = 0u64;
    for &(n, mask) in &cr.targeted {
        any += 1;
        for c in w.misleading() {
            if mask & (1 << c.idx) != 0 {
                targeted_by.entry(c.idx).or_default().push(e(n));
            }
        }
    }
    let misleading: Vec<PlantedCampaign> = w
        .misleading()
        .map(|c| {
            let dl = c.source_download.map(|k| &w.downloads[k]);
            let mut t = targeted_by.remove(&c.idx).unwrap_or_default();
            t.sort();
            PlantedCampaign {
                campaign: c.name.clone(),
                vendor_account: c.vendor_account.clone(),
                upload_list: c.upload.clone(),
                source_download: dl.map(|d| d.id.clone()).unwrap_or_default(),
                download_account: dl.map(|d| d.account.clone()).unwrap_or_default(),
                district: c.district.clone(),
                spoofed_caller_ids: c.caller.numbers().into_iter().map(e).collect(),
                recipients: camp_counts[c.idx].recipients,
                dial_records: camp_counts[c.idx].records,
                vendor_log_gap: c.log_gap.map(|(a, b)| {
                    let t = |x: i64| {
                        let mut v = Vec::new();
                        fmt::rfc3339_local(&mut v, &w.zones[0], x);
                        String::from_utf8_lossy(&v).into_owned()
                    };
                    [t(a), t(b)]
                }),
                targeted_complainants: t,
            }
        })
        .collect();
    let gotv = w
        .campaigns
        .iter()
        .find(|c| c.name == "gotv-election-day")
        .map(|c| Gotv {
            campaign: c.name.clone(),
            caller_id: e(c.caller.numbers()[0]),
        });
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
    let in_orders = comps.iter().filter(|c| c.in_orders).count() as u64;
    let vendor_rows: u64 = camp_counts.iter().map(|c| c.records).sum();
    let truth = Truth {
        generator: format!("callsift synth {}", env!("CARGO_PKG_VERSION")),
        seed: opts.seed,
        scale: opts.scale,
        world: opts.world.name().to_string(),
        vendor: world::VENDOR.to_string(),
        vendor_clock_lag_s: w.vendor_lag,
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
        election_day_gotv: gotv,
        explained_numbers: explained,
        counts: TruthCounts {
            population: w.population,
            complainants_in_orders: in_orders,
            complainants_late: comps.len() as u64 - in_orders,
            call_rows: cr.rows,
            duplicate_rows: cr.duplicates,
            vendor_rows,
            downloads: w
                .downloads
                .iter()
                .zip(&dl_sizes)
                .map(|(d, &n)| (d.id.clone(), n))
                .collect(),
            targeted_complainants: any,
        },
    };
    let mut text = serde_json::to_vec_pretty(&truth).map_err(|e| Error::store(out, e))?;
    text.push(b'\n');
    sink.whole("truth.json", &text)?;
    sink.files.sort();
    Ok(SynthSummary {
        call_rows: cr.rows,
        duplicate_rows: cr.duplicates,
        vendor_rows,
        population: w.population,
        complainants_in_orders: in_orders,
        complainants_late: comps.len() as u64 - in_orders,
        targeted_complainants: any,
        files: sink.files,
        seconds: t0.elapsed().as_secs_f64(),
    })
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

struct CarrierOut {
    rows: u64,
    duplicates: u64,
    targeted: Vec<(u64, u32)>,
}

/// The carrier files and the subscriber returns, block by block.
fn carriers(
    w: &world::World,
    comps: &[world::Complainant],
    sink: &mut files::Sink,
) -> Result<CarrierOut> {
    let mut inorder: Vec<world::Complainant> =
        comps.iter().filter(|c| c.in_orders).copied().collect();
    inorder.sort_by_key(|c| (c.carrier, c.number, c.g));
    // Blocks (carrier, part, range), carrier by carrier.
    let mut blocks: Vec<(u8, usize, std::ops::Range<usize>)> = Vec::new();
    for carrier in 0..3u8 {
        let lo = inorder.partition_point(|c| c.carrier < carrier);
        let hi = inorder.partition_point(|c| c.carrier <= carrier);
        let n = hi - lo;
        let n_blocks = n.div_ceil(calls::BLOCK);
        let expected = n as f64 * (w.bg_mean + 2.0);
        let parts = ((expected / ROWS_PER_PART).ceil() as usize).max(1);
        let per_part = n_blocks.div_ceil(parts).max(1);
        for b in 0..n_blocks {
            let a = lo + b * calls::BLOCK;
            blocks.push((carrier, b / per_part, a..(a + calls::BLOCK).min(hi)));
        }
    }
    let prof = calls::Profiles::new();
    let mut subs = sink.create("subscriber-returns.csv")?;
    subs.write(&files::subscriber_head(w))?;
    let mut out = CarrierOut {
        rows: 0,
        duplicates: 0,
        targeted: Vec::new(),
    };
    let mut seen = [false; 3];
    let mut current: Option<(u8, usize, files::FileSink, Option<files::FileSink>)> = None;
    let open = |sink: &files::Sink,
                carrier: u8,
                part: usize|
     -> Result<(files::FileSink, Option<files::FileSink>)> {
        let mut a = sink.create(&files::carrier_path(carrier, false, part))?;
        a.write(calls::header(carrier))?;
        let b = if carrier == world::WESTERN {
            let mut b = sink.create(&files::carrier_path(carrier, true, part))?;
            b.write(calls::header(carrier))?;
            Some(b)
        } else {
            None
        };
        Ok((a, b))
    };
    for wave in blocks.chunks(BLOCK_WAVE) {
        let outs: Vec<calls::BlockOut> = wave
            .par_iter()
            .map(|(_, _, r)| calls::block(w, &prof, &inorder[r.clone()]))
            .collect();
        for ((carrier, part, _), o) in wave.iter().zip(outs) {
            if current
                .as_ref()
                .is_none_or(|c| (c.0, c.1) != (*carrier, *part))
            {
                if let Some((_, _, a, b)) = current.take() {
                    sink.close(a)?;
                    if let Some(b) = b {
                        sink.close(b)?;
                    }
                }
                let (a, b) = open(sink, *carrier, *part)?;
                current = Some((*carrier, *part, a, b));
                seen[*carrier as usize] = true;
            }
            if let Some((_, _, a, b)) = current.as_mut() {
                a.write(&o.main)?;
                if let Some(b) = b {
                    b.write(&o.may)?;
                }
            }
            subs.write(&o.subs)?;
            out.rows += o.rows_main + o.rows_may;
            out.duplicates += o.duplicates;
            out.targeted.extend(o.targeted);
        }
    }
    if let Some((_, _, a, b)) = current.take() {
        sink.close(a)?;
        if let Some(b) = b {
            sink.close(b)?;
        }
    }
    for carrier in 0..3u8 {
        if !seen[carrier as usize] {
            let (a, b) = open(sink, carrier, 0)?;
            sink.close(a)?;
            if let Some(b) = b {
                sink.close(b)?;
            }
        }
    }
    sink.close(subs)?;
    Ok(out)
}
