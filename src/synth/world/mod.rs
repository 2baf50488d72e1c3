//! The synthetic world: districts and their exchanges, an electorate of phone lines, a party
//! database built over months and its download log, vendor campaigns (legitimate and
//! misleading), the named numbers of the story, and the shared numbers (pharmacies, banks,
//! telemarketers, scams) of the background traffic.
//!
//! A person is an index `g` in `0..population`. Everything about a person (district, number,
//! age band, party, when the party database identified them and as what, whether a campaign
//! dialed them and how each attempt went, whether they complained) is a keyed hash of
//! `(seed, what, g)`: a pure function, so the vendor log, the upload lists, the downloads and the
//! carrier records, generated separately and in parallel, agree with each other without any
//! shared state, and the files come out the same whatever the thread count.
//!
//! The world's parts, each in its own module: the [`numbering`] (area and exchange codes), the
//! [`people`] (districts and the electorate), the [`story`]'s named and spoofed numbers, the
//! party database's [`downloads`], the vendor [`campaigns`], and the [`shared`] numbers of the
//! background; for the `national` world, the country's [`regions`] (provinces, area codes,
//! generated districts) and the [`national`] shape and season (the downloads and campaigns of
//! the whole country). The numbering, the people, the story, the national season's caller IDs
//! and the shared numbers draw, in that order, from one stream seeded by the world's seed
//! (downloads and campaigns draw nothing else when the world is built: their draws are keyed),
//! so the order of the calls in `World::new`, and of the draws in each, is part of the output.

mod campaigns;
mod downloads;
mod national;
mod numbering;
mod people;
mod regions;
mod shared;
mod story;

pub(crate) use campaigns::{Attempt, Campaign, Status};
pub(crate) use downloads::Download;
pub(crate) use national::Shape;
pub(crate) use numbering::US_NPAS;
pub(crate) use people::{person_name, District, AGES, PARTIES};
pub(crate) use regions::Province;
pub(crate) use shared::{zipf_pick, BizKind, Business, Pool};
pub(crate) use story::Named;

use super::fmt::{utc, Zone};
use super::rng::{key, key4, unit, Rng};
use super::{SynthOptions, World as Kind};
use numbering::ExchangePool;
use shared::Shared;
use story::Story;

/// Carrier index: Ontario Tel (local Toronto time, `(519) 555-0101`).
pub(crate) const ONTARIO: u8 = 0;
/// Carrier index: Western Wireless (UTC, E.164).
pub(crate) const WESTERN: u8 = 1;
/// Carrier index: Québec Télécom (Montreal time, `;`, dotted numbers).
pub(crate) const QUEBEC: u8 = 2;
/// Carrier names, by index (the labels of the `calls` inputs).
pub(crate) const CARRIERS: [&str; 3] = ["Ontario Tel", "Western Wireless", "Québec Télécom"];

/// The vendors: RoboDial runs every campaign of the story but the survey, which PollQuick runs;
/// the national world has all five.
pub(crate) const VENDORS: [&str; 5] = [
    "RoboDial Inc.",
    "PollQuick Ltd.",
    "Pacific Voice Broadcast",
    "Atlantic Dialer Services",
    "Prairie Call Centre Ltd.",
];
/// Each vendor's clock lag (vendor time = true time - lag, seconds) and the time zone its log
/// writes local times in.
const VENDOR_CLOCKS: [(i64, &str); 5] = [
    (47, "America/Toronto"),
    (-25, "America/Toronto"),
    (18, "America/Vancouver"),
    (-62, "America/Halifax"),
    (105, "America/Regina"),
];
/// The vendor of every campaign but the survey.
pub(crate) const VENDOR: &str = VENDORS[0];
// Hash tags: each kind of draw has its own, so draws never alias.
pub(crate) const T_PARTY: u64 = 1;
pub(crate) const T_AGE: u64 = 2;
pub(crate) const T_IDENT: u64 = 3;
pub(crate) const T_IDTIME: u64 = 4;
pub(crate) const T_LABEL: u64 = 5;
pub(crate) const T_COMPLAIN: u64 = 7;
pub(crate) const T_ORDERS: u64 = 8;
pub(crate) const T_CDATE: u64 = 9;
pub(crate) const T_DLSAMPLE: u64 = 10;
pub(crate) const T_MEMBER: u64 = 11;
pub(crate) const T_STATUS: u64 = 13;
pub(crate) const T_JITTER: u64 = 14;
pub(crate) const T_CID: u64 = 15;
pub(crate) const T_BLOCKED: u64 = 16;
pub(crate) const T_DTMF: u64 = 17;
pub(crate) const T_DELAY: u64 = 18;
pub(crate) const T_DUR: u64 = 19;
pub(crate) const T_STREAM: u64 = 20;
pub(crate) const T_SPELL: u64 = 21;
pub(crate) const T_HISTORY: u64 = 22;
pub(crate) const T_SPLIT: u64 = 23;
pub(crate) const T_DLPART: u64 = 24;
/// A complainant.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Complainant {
    pub g: u64,
    pub number: u64,
    pub district: u16,
    pub carrier: u8,
    pub in_orders: bool,
    /// The day the complaint was received (days since 1970-01-01).
    pub day: i64,
}
/// The world.
pub(crate) struct World {
    pub seed: u64,
    pub scale: f64,
    pub population: u64,
    /// In-orders complainants aimed at.
    pub complainants_target: u64,
    /// Expected background records per in-orders complainant.
    pub bg_mean: f64,
    pub districts: Vec<District>,
    pub downloads: Vec<Download>,
    pub campaigns: Vec<Campaign>,
    pub named: Vec<Named>,
    /// Index into `named` of the National Voter Contact Centre.
    pub nvcc: usize,
    /// Indices into `named` of candidate offices.
    pub candidate_offices: Vec<usize>,
    /// Unexplained election-day volunteers' mobiles.
    pub volunteers: Vec<u64>,
    pub businesses: Vec<Business>,
    /// Pools of business indices with Zipf popularity (running sums): local per district,
    /// national, US, telemarketers, scams, political telemarketers.
    pub local_pools: Vec<Pool>,
    pub pools: [Pool; 5],
    /// Reserved exchanges of the named numbers, for the numbering plan: (npa, nxx, holder).
    pub named_exchanges: Vec<(u32, u32, &'static str)>,
    pub zones: [Zone; 3],
    pub utc_zone: Zone,
    /// The zone of each province, in [`Province::ALL`] order.
    pub province_zones: Vec<Zone>,
    /// Vendor clock lag, per vendor of the world: vendor time = true time - lag.
    pub vendor_lags: Vec<i64>,
    /// The zone each vendor's log writes local times in.
    pub vendor_zones: Vec<Zone>,
    /// Carrier clock skew: carrier time = true time + skew.
    pub skew: [i64; 3],
    /// First local day (days since 1970) of the orders window.
    pub day0: i64,
    /// Days in the orders window.
    pub days: i64,
    /// Complaint probability of a person reached by a misleading campaign, and the base rate.
    pub p_reached: f64,
    pub p_base: f64,
    /// Share of complainants whose records were obtained.
    pub p_orders: f64,
    /// Personal contacts per complainant: `contacts.0` plus a draw below `contacts.1`.
    pub contacts: (u64, u64),
    /// Per district, the campaigns with a segment there (in index order).
    pub by_district: Vec<Vec<usize>>,
    /// The misleading campaigns' indices.
    pub misleading_idx: Vec<usize>,
}

/// Which features a world has.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Flags {
    pub two: bool,
    pub rotating: bool,
    pub us: bool,
    pub skew: bool,
    pub gotv: bool,
    /// The vendor's log of the first misleading campaign misses five minutes.
    pub gap: bool,
    /// The whole country (see `national.rs`).
    pub national: bool,
}

impl Flags {
    pub(crate) fn of(w: Kind) -> Flags {
        let mut f = Flags::default();
        match w {
            Kind::Standard => {}
            Kind::TwoCampaigns => f.two = true,
            Kind::RotatingSpoof => f.rotating = true,
            Kind::UsSpoof => f.us = true,
            Kind::ClockSkew => f.skew = true,
            Kind::ElectionDayGotv => f.gotv = true,
            Kind::National => f.national = true,
            Kind::Hard => {
                f = Flags {
                    two: true,
                    rotating: true,
                    us: true,
                    skew: true,
                    gotv: true,
                    gap: true,
                    national: false,
                }
            }
        }
        f
    }
}

/// Per district, the campaigns with a segment there, in index order.
fn by_district(campaigns: &[Campaign], n: usize) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); n];
    for c in campaigns {
        for s in &c.segments {
            if let Some(v) = out.get_mut(s.district) {
                if v.last() != Some(&c.idx) {
                    v.push(c.idx);
                }
            }
        }
    }
    out
}

/// An EDT (UTC-4) wall time in 2011, as UTC seconds.
pub(crate) const fn edt(mo: u32, d: u32, h: i64, mi: i64, s: i64) -> i64 {
    utc(2011, mo, d, h + 4, mi, s)
}

/// The sizes a scale asks for.
struct Sizes {
    scale: f64,
    complainants_target: u64,
    population: u64,
    bg_mean: f64,
}

impl Sizes {
    /// Scale 1 is about 1,000,000 carrier rows; in-orders complainants aim at rows / 200, the
    /// population at 20 times that.
    fn of(scale: f64) -> Sizes {
        let scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            0.0
        };
        let rows_target = (scale * 1_000_000.0).round().max(1.0) as u64;
        let complainants_target = ((rows_target as f64 / 200.0).round() as u64).clamp(300, 500_000);
        let population = (complainants_target * 20).clamp(40_000, 10_000_000);
        let bg_mean = (rows_target as f64 / complainants_target as f64 - 1.5).max(8.0);
        Sizes {
            scale,
            complainants_target,
            population,
            bg_mean,
        }
    }
}

impl World {
    /// Builds the world's fixed parts (everything but the complainants).
    pub(crate) fn new(opts: &SynthOptions) -> World {
        let seed = opts.seed;
        let flags = Flags::of(opts.world);
        let shape = flags.national.then(|| Shape::of(opts.scale));
        let size = match &shape {
            Some(s) => Sizes {
                scale: Sizes::of(opts.scale).scale,
                complainants_target: s.complainants_target,
                population: s.population,
                bg_mean: s.bg_mean,
            },
            None => Sizes::of(opts.scale),
        };
        let mut rng = Rng::new(key(&[seed, 0xC0FFEE]));
        let mut exchanges = ExchangePool::default();
        let districts = match &shape {
            Some(s) => {
                let (n, min) = (s.districts, s.guelph_min);
                regions::districts(seed, s.population, n, min, &mut exchanges, &mut rng)
            }
            None => people::districts(seed, size.population, &mut exchanges, &mut rng),
        };
        let mut story = Story::new(flags, &mut exchanges, &mut rng);
        let story_districts = match shape {
            Some(_) => national::STORY_DISTRICTS,
            None => districts.len(),
        };
        let mut downloads = downloads::log(story_districts);
        let season = match &shape {
            Some(s) => {
                downloads.extend(national::downloads(seed, s, &districts));
                national::campaigns(seed, s, &districts, &downloads, &mut story.lines, &mut rng)
            }
            None => Vec::new(),
        };
        let campaigns = campaigns::plan(
            flags,
            &districts,
            story_districts,
            &downloads,
            story.callers,
            season,
        );
        let shared = Shared::new(
            size.complainants_target,
            size.population,
            &districts,
            story.lines.taken.clone(),
            &mut rng,
        );
        let span = (utc(2011, 3, 1, 0, 0, 0), utc(2011, 10, 1, 0, 0, 0));
        let zone = |name: &'static str| Zone::new(name, span.0, span.1);
        let skew = if flags.skew {
            let s = if rng.chance(0.5) { 90 } else { -90 };
            [s, -s, s]
        } else {
            [0, 0, 0]
        };
        let vendors = if flags.national { VENDORS.len() } else { 2 };
        World {
            seed,
            scale: size.scale,
            population: size.population,
            complainants_target: size.complainants_target,
            bg_mean: size.bg_mean,
            by_district: by_district(&campaigns, districts.len()),
            misleading_idx: campaigns
                .iter()
                .filter(|c| c.misleading)
                .map(|c| c.idx)
                .collect(),
            districts,
            downloads,
            campaigns,
            named: story.named,
            nvcc: story.nvcc,
            candidate_offices: story.candidate_offices,
            volunteers: story.volunteers,
            businesses: shared.businesses,
            local_pools: shared.local_pools,
            pools: shared.pools,
            named_exchanges: story.named_exchanges,
            zones: [
                zone("America/Toronto"),
                zone("America/Vancouver"),
                zone("America/Montreal"),
            ],
            utc_zone: zone("UTC"),
            province_zones: Province::ALL.iter().map(|p| zone(p.zone())).collect(),
            vendor_lags: VENDOR_CLOCKS[..vendors].iter().map(|v| v.0).collect(),
            vendor_zones: VENDOR_CLOCKS[..vendors].iter().map(|v| zone(v.1)).collect(),
            skew,
            day0: super::fmt::days_from_civil(2011, 4, 18),
            days: 15,
            p_reached: 0.0,
            p_base: 0.0,
            p_orders: if flags.national { 0.9 } else { 0.4 },
            contacts: if flags.national { (2, 7) } else { (4, 9) },
        }
    }

    /// How many vendors the world has.
    pub(crate) fn vendors(&self) -> usize {
        self.vendor_lags.len()
    }

    /// Whether UTC instant `t` is in the production orders' window (Eastern days `day0` to
    /// `day0 + days`).
    pub(crate) fn in_orders(&self, t: i64) -> bool {
        let edt = |day: i64| day * super::fmt::DAY + 4 * 3600;
        (edt(self.day0)..edt(self.day0 + self.days)).contains(&t)
    }

    /// The clock lag of the vendor that runs campaign `c`.
    pub(crate) fn lag(&self, c: &Campaign) -> i64 {
        self.vendor_lags[c.vendor]
    }

    /// A uniform draw keyed by `(tag, a, b)`.
    #[inline]
    pub(crate) fn u(&self, tag: u64, a: u64, b: u64) -> f64 {
        unit(key4(self.seed, tag, a, b))
    }

    /// The local zone of a district.
    pub(crate) fn zone_of(&self, d: usize) -> &Zone {
        let p = self.districts[d].province;
        let i = Province::ALL.iter().position(|&x| x == p).unwrap_or(0);
        &self.province_zones[i]
    }

    /// The zone a carrier writes local times in (Western writes UTC).
    pub(crate) fn carrier_zone(&self, c: u8) -> &Zone {
        match c {
            ONTARIO => &self.zones[0],
            QUEBEC => &self.zones[2],
            _ => &self.utc_zone,
        }
    }

    /// Calibrates the complaint rates from the reach of the misleading campaigns, so that the
    /// in-orders complainants come near the target and about 45 % of complainants were reached.
    pub(crate) fn calibrate(&mut self, reached_by_district: &[u64]) {
        let total = self.complainants_target as f64 / self.p_orders;
        let n_r: u64 = reached_by_district.iter().sum();
        self.p_reached = if n_r == 0 {
            0.0
        } else {
            (0.45 * total / n_r as f64).min(0.3)
        };
        let rest: f64 = self
            .districts
            .iter()
            .zip(reached_by_district)
            .map(|(d, &r)| (d.size - r) as f64 * d.complaint_factor)
            .sum();
        self.p_base = ((total - self.p_reached * n_r as f64) / rest.max(1.0)).clamp(0.0, 0.5);
    }

    /// Whether `g` complained, and if so the complainant.
    pub(crate) fn complainant(&self, g: u64, d: usize) -> Option<Complainant> {
        let reached = self.reached(g, d);
        let p = if reached {
            self.p_reached
        } else {
            self.p_base * self.districts[d].complaint_factor
        };
        let u = self.u(T_COMPLAIN, g, 0);
        if u >= p {
            return None;
        }
        let in_orders = self.u(T_ORDERS, g, 0) < self.p_orders;
        let uc = self.u(T_CDATE, g, 0);
        let may2 = super::fmt::days_from_civil(2011, 5, 2);
        let day = match (in_orders, reached) {
            // Complaints covered by the orders came in the first days after the election,
            // from people the calls reached sooner than from the others.
            (true, true) => may2 + (uc * uc * 6.0) as i64,
            (true, false) => may2 + (uc * 8.0) as i64,
            (false, _) => may2 + 10 + (uc * 110.0) as i64,
        };
        Some(Complainant {
            g,
            number: self.number(g, d),
            district: d as u16,
            carrier: self.carrier(g, d),
            in_orders,
            day,
        })
    }

    /// Names of the misleading campaigns.
    pub(crate) fn misleading(&self) -> impl Iterator<Item = &Campaign> {
        self.campaigns.iter().filter(|c| c.misleading)
    }

    /// Hash-picked index below `n` for spelling variety.
    #[inline]
    pub(crate) fn pick(&self, tag: u64, a: u64, n: u64) -> u64 {
        key4(self.seed, T_SPELL, tag, a) % n
    }
}
