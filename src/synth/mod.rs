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
//! returns, four watch-lists, the population, the party database's identification history
//! (agreeing with every download; recoded after the election for one in ten) and a numbering
//! plan complete the case.
//!
//! Harder worlds ([`World`]): two misleading campaigns from two accounts (the second in
//! Kitchener—Waterloo from download `DL-20110501-0415`, account `kw-03`); a caller ID rotating
//! among 20 numbers; a US caller ID; carrier clocks skewed by ±90 s; the election-day GOTV
//! campaign; and `hard`, all of them at once, with five minutes of the first misleading
//! campaign missing from the vendor's log (those calls can only be recovered through their
//! retries, so recall falls a little below 1).
//!
//! A *targeted complainant* (in `truth.json`) is an in-orders complainant with at least one
//! carrier record of a misleading campaign's call (answered, voicemail or unanswered; a busy or
//! failed dial never rang and leaves no carrier record).
//!
//! Every world plants the traps of nearest-record attribution around the campaigns' calls: the
//! call that kept a line busy during a busy dial; a personal contact's short call 45–118 s
//! before a fifth of the recorded campaign calls; a withheld-caller-ID call 8–60 s beside a
//! tenth of them; and a second vendor (PollQuick Ltd., its clock 25 s ahead) whose declared
//! survey dials 15 % of the first misleading campaign's members 2–20 s before or after the
//! robocall, from its own caller ID. `truth-links.csv` lists every planted pair (carrier record, vendor record) by
//! content, for `eval`'s pair precision and recall.
//!
//! # Sizes
//! Scale 1 is about 1,000,000 carrier rows. In-orders complainants aim at rows / 200 (at least
//! 300, at most 500,000), the population is 20 times that (at least 40,000, at most 10
//! million), so each complainant receives about 200 records (about 67 at the smallest scales).
//!
//! # The national world
//! [`World::National`] keeps the standard world's story (its eleven districts come first,
//! with the same downloads, campaigns, named and spoofed numbers, traps and truth) in a country
//! of realistic national shape, so that benchmarks measure what investigators see:
//!
//! - **population** 1.1 × the carrier rows (at least 4,000; at most 120 million, reached at
//!   scale ≈ 109, beyond which the area codes would run out of exchanges: the carrier rows keep
//!   growing, the population does not);
//! - **districts**: 100 at scale 0.01 or less, growing with the logarithm of the scale to 315
//!   at scale 10 and above, in the thirteen provinces and territories (apportioned by their
//!   share of the electorate, at least one each), each province's split into regions whose area
//!   codes and overlays are today's (`fixtures/numbering/cna-co-code-status-*.csv`): 53 area
//!   codes, each district holding exchanges of its region's codes (about 8,000 lines used of
//!   each 10,000). Generated districts vary in size (0.6–1.4 times the mean), party shares and
//!   identification rate; Guelph is 3.3 times the mean district (as in the standard world's
//!   weights) and at least 1,500 persons, so that the planted campaign stays visible at small
//!   scales. Local times follow each province's zone (St. John's, Regina …); Ontario Tel holds
//!   Ontario's lines, Québec Télécom Québec's and the Atlantic provinces', Western Wireless the
//!   west's and a third of every province's exchanges;
//! - **complainants** about rows / 36, nine in ten covered by the orders (so about 40 records
//!   each), and about rows / 9 **originating numbers** (two to eight personal contacts each);
//! - **five vendors** (RoboDial, PollQuick, Pacific Voice Broadcast, Atlantic Dialer Services,
//!   Prairie Call Centre), each with its own clock and the time zone of its log, each dialling
//!   its region;
//! - **campaigns** about 89 per unit of scale (at least 40, at most 894, reached at scale 10),
//!   **uploads** 13.6 % more (a list sent in two parts), **downloads** 110 per unit of scale (at
//!   least 50, at most 1,100); the downloads hold about as many rows as the population (0.8–1.0
//!   times it), the uploads about 0.7 times it (0.55 at the smallest scales), and the vendor
//!   logs about as many rows as the carrier files. Most campaigns dial before the orders'
//!   window (voter-identification polls, issue messages), so they leave no carrier record; the
//!   window's are reminders, election-day GOTV, town halls and surveys of a district or a
//!   region. Every one of them is declared legitimate. See `world/national.rs`.
//!
//! The production orders cover their window only: a campaign call outside it leaves no carrier
//! record (in the other worlds every campaign dials inside it).
//!
//! # Determinism and streaming
//! Every draw is keyed by the identity of what it is about (see `rng.rs` and `world.rs`);
//! work is cut into fixed pieces (64 complainants, 32,768 persons of one district for one file
//! or list) generated in parallel waves and written in order through buffered writers, so the
//! same seed, scale and world give byte-identical files whatever the thread count, and memory
//! stays bounded by two waves (the next is generated while one is written) besides the
//! complainants themselves. Scale 10 of the national world takes about 10 s and 110 MB on two
//! cores.

mod calls;
mod carriers;
mod eval;
mod files;
mod fmt;
mod rng;
mod truth;
mod world;

use std::path::Path;
use std::str::FromStr;
use std::time::Instant;

use serde::Serialize;

use crate::error::{Error, Result};
pub use eval::{eval, Accuracy, MIN_PRECISION, MIN_RECALL};
pub use rng::SplitMix;
pub use truth::{read_truth, Gotv, PlantedCampaign, Truth, TruthCounts};

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

/// The kind of world, from the standard one to the hardest, then the national one.
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
    /// The standard world's story in a whole country of realistic national shape: hundreds of
    /// districts in every province, a population as large as the carrier records, five vendors,
    /// hundreds of campaigns, uploads and downloads (see the module doc).
    National,
}

impl World {
    /// Every world, in order.
    pub const ALL: [World; 8] = [
        World::Standard,
        World::TwoCampaigns,
        World::RotatingSpoof,
        World::UsSpoof,
        World::ClockSkew,
        World::ElectionDayGotv,
        World::Hard,
        World::National,
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
            World::National => "national",
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
    /// Electoral districts.
    pub districts: u64,
    /// Vendors.
    pub vendors: u64,
    /// Vendor campaigns.
    pub campaigns: u64,
    /// Upload lists (a campaign's one, or two when its list came in two parts).
    pub uploads: u64,
    /// Rows of all upload lists (each campaign member once).
    pub upload_rows: u64,
    /// Party-database downloads.
    pub downloads: u64,
    /// Rows of all downloads.
    pub download_rows: u64,
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
/// Generates a whole case under `out` (created if missing; it must be empty): `case.toml`,
/// `truth.json` and the evidence files.
///
/// # Errors
/// [`Error::Config`] for a scale that is not a positive number or an output folder that is not
/// empty; [`Error::Io`] when a file cannot be written.
pub fn synth(opts: &SynthOptions, out: &Path) -> Result<SynthSummary> {
    let t0 = Instant::now();
    check(opts, out)?;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let mut w = world::World::new(opts);
    let comps = complainants(&mut w)?;
    let mut sink = files::Sink {
        root: out.to_path_buf(),
        files: Vec::new(),
    };
    let written = evidence(&w, opts, &comps, &mut sink)?;
    let truth = Truth::new(&w, opts, &comps, &written);
    let mut text = serde_json::to_vec_pretty(&truth).map_err(|e| Error::store(out, e))?;
    text.push(b'\n');
    sink.whole("truth.json", &text)?;
    sink.files.sort();
    let n = &truth.counts;
    let (upload_rows, download_rows) = (
        written.campaigns.iter().map(|c| c.recipients).sum(),
        written.downloads.iter().sum(),
    );
    Ok(SynthSummary {
        districts: w.districts.len() as u64,
        vendors: w.vendors() as u64,
        campaigns: w.campaigns.len() as u64,
        uploads: w.campaigns.len() as u64
            + w.campaigns.iter().filter(|c| c.split.is_some()).count() as u64,
        upload_rows,
        downloads: w.downloads.len() as u64,
        download_rows,
        call_rows: n.call_rows,
        duplicate_rows: n.duplicate_rows,
        vendor_rows: n.vendor_rows,
        population: n.population,
        complainants_in_orders: n.complainants_in_orders,
        complainants_late: n.complainants_late,
        targeted_complainants: n.targeted_complainants,
        files: sink.files,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// Refuses a scale that is not a number in (0, 10000] and an output folder that is not empty.
fn check(opts: &SynthOptions, out: &Path) -> Result<()> {
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
    Ok(())
}

/// Who complained: first who the misleading calls reached, per district; then the complaint
/// rates calibrated on that; then, district by district, the complainants.
fn complainants(w: &mut world::World) -> Result<Vec<world::Complainant>> {
    let ranges = files::district_ranges(w);
    let mut reached = vec![0u64; w.districts.len()];
    let wr = &*w;
    files::stream_pieces(
        &ranges,
        |d, a, b| (a..b).filter(|&g| wr.reached(g, d)).count() as u64,
        |d, c| {
            reached[d] += c;
            Ok(())
        },
    )?;
    w.calibrate(&reached);
    let mut comps: Vec<world::Complainant> = Vec::new();
    let wr = &*w;
    files::stream_pieces(
        &ranges,
        |d, a, b| {
            (a..b)
                .filter_map(|g| wr.complainant(g, d))
                .collect::<Vec<_>>()
        },
        |_, v| {
            comps.extend(v);
            Ok(())
        },
    )?;
    Ok(comps)
}

/// Writes every evidence file and the case manifest; returns what the truth needs of them.
fn evidence(
    w: &world::World,
    opts: &SynthOptions,
    comps: &[world::Complainant],
    sink: &mut files::Sink,
) -> Result<truth::Written> {
    files::population(w, sink)?;
    let downloads = files::downloads(w, sink)?;
    files::identifications(w, sink)?;
    let campaigns = files::campaigns(w, sink)?;
    files::registries(w, sink)?;
    files::complainants(w, comps, sink)?;
    files::watchlists(w, sink)?;
    files::numbering_plan(w, sink)?;
    let cr = carriers::carriers(w, comps, sink)?;
    sink.whole(
        "case.toml",
        files::case_toml(w, opts.world.name()).as_bytes(),
    )?;
    Ok(truth::Written {
        downloads,
        campaigns,
        call_rows: cr.rows,
        duplicate_rows: cr.duplicates,
        targeted: cr.targeted,
    })
}
