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

use std::collections::BTreeSet;

use super::fmt::{e164, utc, Zone};
use super::rng::{cumulative, key, key4, pick_cum_u, unit, Perm, Rng};
use super::{SynthOptions, World as Kind};

/// Carrier index: Ontario Tel (local Toronto time, `(519) 555-0101`).
pub(crate) const ONTARIO: u8 = 0;
/// Carrier index: Western Wireless (UTC, E.164).
pub(crate) const WESTERN: u8 = 1;
/// Carrier index: Québec Télécom (Montreal time, `;`, dotted numbers).
pub(crate) const QUEBEC: u8 = 2;
/// Carrier names, by index (the labels of the `calls` inputs).
pub(crate) const CARRIERS: [&str; 3] = ["Ontario Tel", "Western Wireless", "Québec Télécom"];

/// The vendor of every campaign.
pub(crate) const VENDOR: &str = "RoboDial Inc.";

/// Party labels (A is the party whose database and campaigns these are; U = none).
pub(crate) const PARTIES: [&str; 5] = ["A", "B", "C", "D", "U"];
/// Age bands.
pub(crate) const AGES: [&str; 4] = ["18-29", "30-44", "45-64", "65+"];
const AGE_CUM: [f64; 4] = [0.18, 0.44, 0.79, 1.0];

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

/// Canadian area codes of personal contacts outside the districts.
const OTHER_CA: [u32; 11] = [403, 587, 780, 204, 306, 506, 902, 709, 705, 807, 450];
/// US area codes of contacts and companies (725, used for a spoofed caller ID, is not here).
pub(crate) const US_NPAS: [u32; 20] = [
    202, 212, 213, 305, 312, 347, 404, 415, 469, 602, 617, 646, 702, 713, 718, 786, 813, 917, 954,
    971,
];
/// Toll-free area codes.
const TOLL_FREE: [u32; 6] = [800, 844, 855, 866, 877, 888];

/// Whether an exchange code may be used for ordinary lines: first digit 2-9, not N11, not the
/// fictional 555, not the special 950/958/959/976.
pub(crate) fn usable_nxx(x: u32) -> bool {
    (200..=999).contains(&x) && x % 100 != 11 && !matches!(x, 555 | 950 | 958 | 959 | 976)
}

/// Province of a district.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Province {
    On,
    Qc,
    Bc,
}

/// One exchange (NPA-NXX) and the carrier holding it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Exchange {
    pub npa: u32,
    pub nxx: u32,
    pub carrier: u8,
}

/// An electoral district.
#[derive(Clone, Debug)]
pub(crate) struct District {
    pub name: &'static str,
    pub province: Province,
    /// First person index.
    pub start: u64,
    /// Persons.
    pub size: u64,
    pub exch: Vec<Exchange>,
    perm: Perm,
    /// Share identified by the party database by election day.
    pub id_rate: f64,
    party_cum: [f64; 5],
    /// Relative rate of complaints from people the misleading calls did not reach.
    pub complaint_factor: f64,
    /// The switch name Western Wireless writes for lines here.
    pub switch: &'static str,
}

struct DistrictSpec {
    name: &'static str,
    province: Province,
    npas: &'static [(u32, f64)],
    weight: f64,
    id_rate: f64,
    party: [f64; 5],
    complaint_factor: f64,
}

const DISTRICTS: [DistrictSpec; 11] = [
    DistrictSpec {
        name: "Guelph",
        province: Province::On,
        npas: &[(519, 0.6), (226, 0.4)],
        weight: 0.30,
        id_rate: 0.66,
        party: [0.36, 0.30, 0.20, 0.06, 0.08],
        complaint_factor: 1.6,
    },
    DistrictSpec {
        name: "Kitchener—Waterloo",
        province: Province::On,
        npas: &[(519, 0.6), (226, 0.4)],
        weight: 0.12,
        id_rate: 0.62,
        party: [0.38, 0.32, 0.18, 0.05, 0.07],
        complaint_factor: 1.2,
    },
    DistrictSpec {
        name: "London West",
        province: Province::On,
        npas: &[(519, 0.7), (226, 0.3)],
        weight: 0.07,
        id_rate: 0.55,
        party: [0.40, 0.28, 0.22, 0.04, 0.06],
        complaint_factor: 1.0,
    },
    DistrictSpec {
        name: "Ottawa Centre",
        province: Province::On,
        npas: &[(613, 0.75), (343, 0.25)],
        weight: 0.08,
        id_rate: 0.50,
        party: [0.28, 0.26, 0.36, 0.04, 0.06],
        complaint_factor: 1.0,
    },
    DistrictSpec {
        name: "Toronto Centre",
        province: Province::On,
        npas: &[(416, 0.6), (647, 0.4)],
        weight: 0.09,
        id_rate: 0.48,
        party: [0.25, 0.38, 0.27, 0.04, 0.06],
        complaint_factor: 1.0,
    },
    DistrictSpec {
        name: "Hamilton Centre",
        province: Province::On,
        npas: &[(905, 0.7), (289, 0.3)],
        weight: 0.06,
        id_rate: 0.45,
        party: [0.26, 0.22, 0.42, 0.04, 0.06],
        complaint_factor: 0.9,
    },
    DistrictSpec {
        name: "Outremont",
        province: Province::Qc,
        npas: &[(514, 0.65), (438, 0.35)],
        weight: 0.06,
        id_rate: 0.40,
        party: [0.16, 0.24, 0.40, 0.14, 0.06],
        complaint_factor: 0.9,
    },
    DistrictSpec {
        name: "Gatineau",
        province: Province::Qc,
        npas: &[(819, 0.7), (873, 0.3)],
        weight: 0.05,
        id_rate: 0.40,
        party: [0.18, 0.20, 0.42, 0.14, 0.06],
        complaint_factor: 0.8,
    },
    DistrictSpec {
        name: "Québec",
        province: Province::Qc,
        npas: &[(418, 0.8), (581, 0.2)],
        weight: 0.05,
        id_rate: 0.38,
        party: [0.22, 0.14, 0.40, 0.18, 0.06],
        complaint_factor: 0.8,
    },
    DistrictSpec {
        name: "Vancouver Quadra",
        province: Province::Bc,
        npas: &[(604, 0.6), (778, 0.4)],
        weight: 0.07,
        id_rate: 0.50,
        party: [0.34, 0.38, 0.18, 0.04, 0.06],
        complaint_factor: 1.0,
    },
    DistrictSpec {
        name: "Saanich—Gulf Islands",
        province: Province::Bc,
        npas: &[(250, 0.8), (778, 0.2)],
        weight: 0.05,
        id_rate: 0.48,
        party: [0.36, 0.20, 0.16, 0.22, 0.06],
        complaint_factor: 1.0,
    },
];

/// Which downloads a criteria keeps.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Criteria {
    /// Identified as B, C or D.
    NonSupporters,
    /// Identified as A.
    Supporters,
    /// Not identified (yet), or identified as undecided.
    Unidentified,
    /// A random share of everyone identified.
    Sample(f64),
}

impl Criteria {
    pub(crate) fn text(self) -> &'static str {
        match self {
            Criteria::NonSupporters => "non-supporters",
            Criteria::Supporters => "supporters",
            Criteria::Unidentified => "unidentified",
            Criteria::Sample(_) => "random sample of identified voters",
        }
    }
}

/// One party-database download.
#[derive(Clone, Debug)]
pub(crate) struct Download {
    pub id: String,
    pub account: String,
    /// UTC seconds.
    pub time: i64,
    /// The districts in scope, in order.
    pub districts: Vec<usize>,
    /// What the log says the scope is (a district, or `national`).
    pub scope: String,
    pub criteria: Criteria,
}

/// How a campaign's list takes the persons of one district.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Rule {
    /// A share of a download's persons, plus a share of everyone else (noise).
    FromDownload { dl: usize, frac: f64, noise: f64 },
    /// A share of everyone.
    Sample(f64),
}

/// A district's part of a campaign list.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Segment {
    pub district: usize,
    pub rule: Rule,
}

/// The caller ID a campaign presents.
#[derive(Clone, Debug)]
pub(crate) enum CallerId {
    Fixed(u64),
    /// One of these numbers per attempt.
    Rotating(Vec<u64>),
}

impl CallerId {
    pub(crate) fn numbers(&self) -> Vec<u64> {
        match self {
            CallerId::Fixed(n) => vec![*n],
            CallerId::Rotating(v) => v.clone(),
        }
    }
}

/// A vendor campaign.
#[derive(Clone, Debug)]
pub(crate) struct Campaign {
    pub idx: usize,
    pub name: String,
    pub vendor_account: String,
    pub misleading: bool,
    pub segments: Vec<Segment>,
    /// Persons before each segment in list order.
    seg_base: Vec<u64>,
    span: u64,
    /// First pass, UTC seconds `[start, end)`.
    pub pass1: (i64, i64),
    /// Second pass over no-answer and busy numbers.
    pub retry: (i64, i64),
    pub caller: CallerId,
    pub keypress: bool,
    /// The upload list (file stem).
    pub upload: String,
    /// Upload time, UTC seconds.
    pub upload_time: i64,
    /// How the customer spelled numbers in the upload.
    pub upload_spell: super::fmt::Spell,
    pub source_download: Option<usize>,
    /// Share of carrier records that show a blocked caller ID.
    pub blocked_share: f64,
    /// The district named in the truth.
    pub district: String,
    /// A stretch of vendor time `[start, end)` (UTC seconds) missing from the vendor's log.
    pub log_gap: Option<(i64, i64)>,
}

/// What happened to one dial attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Answered,
    Voicemail,
    NoAnswer,
    Busy,
    Failed,
}

impl Status {
    pub(crate) fn text(self) -> &'static str {
        match self {
            Status::Answered => "ANSWERED",
            Status::Voicemail => "VOICEMAIL",
            Status::NoAnswer => "NO ANSWER",
            Status::Busy => "BUSY",
            Status::Failed => "FAILED",
        }
    }

    fn from_u(u: f64) -> Status {
        if u < 0.55 {
            Status::Answered
        } else if u < 0.77 {
            Status::Voicemail
        } else if u < 0.93 {
            Status::NoAnswer
        } else if u < 0.97 {
            Status::Busy
        } else {
            Status::Failed
        }
    }

    /// Whether the carrier has a record of the call.
    pub(crate) fn recorded(self) -> bool {
        self != Status::Failed
    }

    /// Whether a person heard the message (answered or got a voicemail).
    pub(crate) fn reached(self) -> bool {
        matches!(self, Status::Answered | Status::Voicemail)
    }
}

/// One dial attempt of a campaign at a person.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Attempt {
    /// True time (UTC seconds) the call was placed.
    pub t: i64,
    pub status: Status,
    /// Presented caller ID.
    pub cid: u64,
    /// Whether the terminating carrier recorded the caller ID as blocked.
    pub blocked: bool,
    pub dtmf: Option<u8>,
    /// Carrier start minus true time (call setup), seconds.
    pub delay: i64,
    /// Call duration in the carrier record, seconds.
    pub dur: u32,
}

/// Kinds of shared numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BizKind {
    Local,
    National,
    Us,
    Telemarketer,
    Scam,
    PoliticalTelemarketer,
}

/// A shared number: a business, a service or a scam that calls many people.
#[derive(Clone, Debug)]
pub(crate) struct Business {
    pub number: u64,
    pub kind: BizKind,
    pub name: String,
}

/// A named number of the story, and the watch-list it is on (if any).
#[derive(Clone, Debug)]
pub(crate) struct Named {
    pub number: u64,
    pub entity: String,
    /// `telemarketer` or `political_entity`, or none.
    pub list: Option<&'static str>,
    pub district: Option<usize>,
    /// Subscriber return: (result, name, provider).
    pub subscriber: (&'static str, Option<String>, Option<String>),
}

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
    pub local_pools: Vec<(Vec<u32>, Vec<f64>)>,
    pub pools: [(Vec<u32>, Vec<f64>); 5],
    /// Reserved exchanges of the named numbers, for the numbering plan: (npa, nxx, holder).
    pub named_exchanges: Vec<(u32, u32, &'static str)>,
    pub zones: [Zone; 3],
    pub utc_zone: Zone,
    /// Vendor clock lag: vendor time = true time - lag.
    pub vendor_lag: i64,
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
            Kind::Hard => {
                f = Flags {
                    two: true,
                    rotating: true,
                    us: true,
                    skew: true,
                    gotv: true,
                    gap: true,
                }
            }
        }
        f
    }
}

/// An EDT (UTC-4) wall time in 2011, as UTC seconds.
pub(crate) fn edt(mo: u32, d: u32, h: i64, mi: i64, s: i64) -> i64 {
    utc(2011, mo, d, h + 4, mi, s)
}

const FIRST: [&str; 24] = [
    "Marie", "Jean", "Anne", "Paul", "Sarah", "David", "Linda", "Michel", "Karen", "Robert",
    "Nathalie", "James", "Susan", "Pierre", "Emily", "Daniel", "Julie", "Mark", "Sophie", "Kevin",
    "Priya", "Wei", "Fatima", "Omar",
];
const LAST: [&str; 24] = [
    "Smith",
    "Tremblay",
    "Brown",
    "Gagnon",
    "Wilson",
    "Roy",
    "Taylor",
    "Côté",
    "Campbell",
    "Bouchard",
    "Anderson",
    "Gauthier",
    "Martin",
    "Morin",
    "MacDonald",
    "Lavoie",
    "Thompson",
    "Fortin",
    "Lee",
    "Singh",
    "Chen",
    "Nguyen",
    "Patel",
    "Wong",
];

/// A person's name for a subscriber return, from a hash.
pub(crate) fn person_name(h: u64) -> String {
    format!(
        "{} {}",
        FIRST[(h % 24) as usize],
        LAST[((h >> 8) % 24) as usize]
    )
}

impl World {
    /// Builds the world's fixed parts (everything but the complainants).
    pub(crate) fn new(opts: &SynthOptions) -> World {
        let seed = opts.seed;
        let flags = Flags::of(opts.world);
        let scale = if opts.scale.is_finite() && opts.scale > 0.0 {
            opts.scale
        } else {
            0.0
        };
        let rows_target = (scale * 1_000_000.0).round().max(1.0) as u64;
        let complainants_target = ((rows_target as f64 / 200.0).round() as u64).clamp(300, 500_000);
        let population = (complainants_target * 20).clamp(40_000, 10_000_000);
        let bg_mean = (rows_target as f64 / complainants_target as f64 - 1.5).max(8.0);
        let mut rng = Rng::new(key(&[seed, 0xC0FFEE]));

        // Exchanges: a shuffled pool of usable codes per area code; the first two of each are
        // reserved for the named numbers of the story.
        let mut npa_pool: std::collections::BTreeMap<u32, (Vec<u32>, usize)> = Default::default();
        let pool_of = |rng: &mut Rng| -> Vec<u32> {
            let mut v: Vec<u32> = (200..1000).filter(|&x| usable_nxx(x)).collect();
            for i in (1..v.len()).rev() {
                let j = rng.below(i as u64 + 1) as usize;
                v.swap(i, j);
            }
            v
        };
        let mut districts = Vec::new();
        let mut start = 0u64;
        let total_w: f64 = DISTRICTS.iter().map(|d| d.weight).sum();
        for (di, spec) in DISTRICTS.iter().enumerate() {
            let size = if di + 1 == DISTRICTS.len() {
                population - start
            } else {
                (population as f64 * spec.weight / total_w).round() as u64
            };
            let mut exch = Vec::new();
            for &(npa, share) in spec.npas {
                let k = ((size as f64 * share / 7000.0).ceil() as usize).max(2);
                let (pool, cursor) = npa_pool
                    .entry(npa)
                    .or_insert_with(|| (pool_of(&mut rng), 2));
                for _ in 0..k {
                    // (Populations are capped well below an area code's capacity; were one to
                    // run out, codes would be shared, never the reserved ones.)
                    let nxx = pool[2 + (*cursor - 2) % (pool.len() - 2)];
                    *cursor += 1;
                    exch.push(Exchange {
                        npa,
                        nxx,
                        carrier: 0,
                    });
                }
            }
            for (j, e) in exch.iter_mut().enumerate() {
                e.carrier = match spec.province {
                    Province::On if j % 3 != 2 => ONTARIO,
                    Province::Qc if j % 3 != 2 => QUEBEC,
                    _ => WESTERN,
                };
            }
            let m = exch.len() as u64 * 10_000;
            let mut party_cum = [0.0; 5];
            let mut s = 0.0;
            for (i, p) in spec.party.iter().enumerate() {
                s += p;
                party_cum[i] = s;
            }
            districts.push(District {
                name: spec.name,
                province: spec.province,
                start,
                size,
                exch,
                perm: Perm::new(m, key(&[seed, 0xD157, di as u64])),
                id_rate: spec.id_rate,
                party_cum,
                complaint_factor: spec.complaint_factor,
                switch: match spec.province {
                    Province::On => "TOR-MSC1",
                    Province::Qc => "MTL-MSC2",
                    Province::Bc => "VAN-MSC1",
                },
            });
            start += size;
        }

        // Named numbers, in reserved exchanges (never used for ordinary lines).
        let mut reserved = |npa: u32, which: usize, rng: &mut Rng| -> u32 {
            npa_pool.entry(npa).or_insert_with(|| (pool_of(rng), 2)).0[which]
        };
        let mut taken: BTreeSet<u64> = BTreeSet::new();
        let mut line_in = |npa: u32, nxx: u32, rng: &mut Rng| -> u64 {
            loop {
                let n = e164(npa, nxx, rng.below(10_000) as u32);
                if taken.insert(n) {
                    return n;
                }
            }
        };
        let mut named_exchanges = Vec::new();
        let prepaid_519 = reserved(519, 0, &mut rng);
        let office_519 = reserved(519, 1, &mut rng);
        let prepaid_226 = reserved(226, 0, &mut rng);
        let office_613 = reserved(613, 1, &mut rng);
        let office_416 = reserved(416, 1, &mut rng);
        let office_514 = reserved(514, 1, &mut rng);
        let mobile_226 = reserved(226, 1, &mut rng);
        named_exchanges.push((519, prepaid_519, "Prepaid Mobile Co"));
        named_exchanges.push((519, office_519, CARRIERS[0]));
        named_exchanges.push((226, prepaid_226, "Prepaid Mobile Co"));
        named_exchanges.push((226, mobile_226, CARRIERS[1]));
        named_exchanges.push((613, office_613, CARRIERS[0]));
        named_exchanges.push((416, office_416, CARRIERS[0]));
        named_exchanges.push((514, office_514, CARRIERS[2]));
        let toll_nxx = loop {
            let x = 200 + rng.below(800) as u32;
            if usable_nxx(x) {
                break x;
            }
        };
        let us_nxx = loop {
            let x = 200 + rng.below(800) as u32;
            if usable_nxx(x) {
                break x;
            }
        };

        let mut named = Vec::new();
        let mut add_named = |n: Named| {
            named.push(n);
            named.len() - 1
        };
        let obtained = |name: &str, provider: &str| {
            (
                "Provided",
                Some(name.to_string()),
                Some(provider.to_string()),
            )
        };
        let poll_caller = line_in(800, toll_nxx, &mut rng);
        add_named(Named {
            number: poll_caller,
            entity: "Northfield Opinion Research (robo-polls)".into(),
            list: Some("telemarketer"),
            district: None,
            subscriber: obtained("Northfield Opinion Research", "Ontario Tel"),
        });
        let office_advance = line_in(519, office_519, &mut rng);
        add_named(Named {
            number: office_advance,
            entity: "Guelph campaign office (Party A), advance-poll line".into(),
            list: Some("political_entity"),
            district: Some(0),
            subscriber: obtained("Guelph Campaign Office (Party A)", "Ontario Tel"),
        });
        let office_townhall = line_in(519, office_519, &mut rng);
        add_named(Named {
            number: office_townhall,
            entity: "Guelph campaign office (Party A), town-hall line".into(),
            list: Some("political_entity"),
            district: Some(0),
            subscriber: obtained("Guelph Campaign Office (Party A)", "Ontario Tel"),
        });
        let office_gotv = line_in(519, office_519, &mut rng);
        add_named(Named {
            number: office_gotv,
            entity: "Guelph campaign office (Party A), election-day line".into(),
            // Not on any watch-list: only the declared campaign explains it.
            list: None,
            district: Some(0),
            subscriber: obtained("Guelph Campaign Office (Party A)", "Ontario Tel"),
        });
        let nvcc = add_named(Named {
            number: line_in(613, office_613, &mut rng),
            entity: "National Voter Contact Centre".into(),
            list: Some("telemarketer"),
            district: Some(3),
            subscriber: obtained("National Voter Contact Centre", "Ontario Tel"),
        });
        let cand_tor = add_named(Named {
            number: line_in(416, office_416, &mut rng),
            entity: "Toronto Centre candidate office (Party B)".into(),
            list: Some("political_entity"),
            district: Some(4),
            subscriber: obtained("Toronto Centre Candidate Office", "Ontario Tel"),
        });
        let cand_out = add_named(Named {
            number: line_in(514, office_514, &mut rng),
            entity: "Outremont candidate office (Party C)".into(),
            list: Some("political_entity"),
            district: Some(6),
            subscriber: obtained("Bureau de campagne Outremont", "Québec Télécom"),
        });
        let volunteers = vec![
            line_in(226, mobile_226, &mut rng),
            line_in(226, mobile_226, &mut rng),
        ];

        // Spoofed caller IDs.
        let spoof_main = if flags.rotating {
            CallerId::Rotating(
                (0..20)
                    .map(|i| {
                        if i % 2 == 0 {
                            line_in(519, prepaid_519, &mut rng)
                        } else {
                            line_in(226, prepaid_226, &mut rng)
                        }
                    })
                    .collect(),
            )
        } else if flags.us && !flags.two {
            CallerId::Fixed(line_in(725, us_nxx, &mut rng))
        } else {
            CallerId::Fixed(line_in(519, prepaid_519, &mut rng))
        };
        let spoof_second = if flags.us {
            CallerId::Fixed(line_in(725, us_nxx, &mut rng))
        } else {
            CallerId::Fixed(line_in(226, prepaid_226, &mut rng))
        };
        for c in [&spoof_main, &spoof_second] {
            for n in c.numbers() {
                if super::fmt::nanp(n).is_some_and(|(a, ..)| a != 725) {
                    named.push(Named {
                        number: n,
                        entity: String::new(),
                        list: None,
                        district: None,
                        subscriber: ("Refused", None, Some("Prepaid Mobile Co".into())),
                    });
                }
            }
        }

        // Party-database downloads.
        let d = |name: &str| DISTRICTS.iter().position(|x| x.name == name).unwrap_or(0);
        let (guelph, kw, london, ottawa) = (
            d("Guelph"),
            d("Kitchener—Waterloo"),
            d("London West"),
            d("Ottawa Centre"),
        );
        let all: Vec<usize> = (0..districts.len()).collect();
        let dl = |id: &str, account: &str, time: i64, ds: Vec<usize>, scope: &str, c: Criteria| {
            Download {
                id: id.into(),
                account: account.into(),
                time,
                districts: ds,
                scope: scope.into(),
                criteria: c,
            }
        };
        let downloads = vec![
            dl(
                "DL-20110405-0288",
                "guelph-07",
                edt(4, 5, 14, 22, 9),
                vec![guelph],
                "Guelph",
                Criteria::Supporters,
            ),
            dl(
                "DL-20110423-0107",
                "natl-01",
                edt(4, 23, 10, 41, 55),
                all.clone(),
                "national",
                Criteria::Sample(0.14),
            ),
            dl(
                "DL-20110425-0330",
                "guelph-07",
                edt(4, 25, 21, 3, 40),
                vec![guelph],
                "Guelph",
                Criteria::Unidentified,
            ),
            dl(
                "DL-20110427-0351",
                "guelph-cpo",
                edt(4, 27, 9, 15, 2),
                vec![guelph],
                "Guelph",
                Criteria::Supporters,
            ),
            dl(
                "DL-20110428-0360",
                "ottawa-11",
                edt(4, 28, 16, 30, 12),
                vec![ottawa],
                "Ottawa Centre",
                Criteria::Sample(0.5),
            ),
            dl(
                "DL-20110429-0377",
                "london-02",
                edt(4, 29, 19, 48, 31),
                vec![london],
                "London West",
                Criteria::NonSupporters,
            ),
            dl(
                "DL-20110430-0398",
                "guelph-cpo",
                edt(4, 30, 11, 5, 27),
                vec![guelph],
                "Guelph",
                Criteria::Supporters,
            ),
            dl(
                "DL-20110501-0412",
                "guelph-07",
                edt(5, 1, 20, 10, 44),
                vec![guelph],
                "Guelph",
                Criteria::NonSupporters,
            ),
            dl(
                "DL-20110501-0415",
                "kw-03",
                edt(5, 1, 20, 55, 18),
                vec![kw],
                "Kitchener—Waterloo",
                Criteria::NonSupporters,
            ),
        ];
        let dl_idx = |id: &str| downloads.iter().position(|x| x.id == id).unwrap_or(0);

        // Campaigns.
        let mut campaigns = Vec::new();
        let mut add = |mut c: Campaign, districts: &[District]| {
            c.idx = campaigns.len();
            let mut base = 0;
            c.seg_base = c
                .segments
                .iter()
                .map(|s| {
                    let b = base;
                    base += districts[s.district].size;
                    b
                })
                .collect();
            c.span = base.max(1);
            campaigns.push(c);
        };
        let camp = |name: &str,
                    account: &str,
                    misleading: bool,
                    segments: Vec<Segment>,
                    pass1: (i64, i64),
                    retry: (i64, i64),
                    caller: CallerId,
                    upload: &str,
                    upload_time: i64,
                    spell: super::fmt::Spell,
                    source: Option<usize>,
                    district: &str| Campaign {
            idx: 0,
            name: name.into(),
            vendor_account: account.into(),
            misleading,
            segments,
            seg_base: Vec::new(),
            span: 1,
            pass1,
            retry,
            caller,
            keypress: false,
            upload: upload.into(),
            upload_time,
            upload_spell: spell,
            source_download: source,
            blocked_share: if misleading { 0.1 } else { 0.01 },
            district: district.into(),
            log_gap: None,
        };
        use super::fmt::Spell;
        add(
            camp(
                "gotv-advance-0422",
                "acct-guelph-cpo",
                false,
                vec![Segment {
                    district: guelph,
                    rule: Rule::FromDownload {
                        dl: dl_idx("DL-20110405-0288"),
                        frac: 0.85,
                        noise: 0.0,
                    },
                }],
                (edt(4, 22, 17, 0, 0), edt(4, 22, 20, 30, 0)),
                (edt(4, 23, 11, 0, 0), edt(4, 23, 12, 30, 0)),
                CallerId::Fixed(office_advance),
                "upl-20110421-2150",
                edt(4, 21, 16, 2, 51),
                Spell::Dashed,
                Some(dl_idx("DL-20110405-0288")),
                "Guelph",
            ),
            &districts,
        );
        let mut poll = camp(
            "robo-poll-0425",
            "acct-national-1",
            false,
            all.iter()
                .map(|&di| Segment {
                    district: di,
                    rule: Rule::FromDownload {
                        dl: dl_idx("DL-20110423-0107"),
                        frac: 0.5,
                        noise: 0.0,
                    },
                })
                .collect(),
            (edt(4, 25, 17, 0, 0), edt(4, 25, 21, 0, 0)),
            (edt(4, 26, 17, 30, 0), edt(4, 26, 20, 0, 0)),
            CallerId::Fixed(poll_caller),
            "upl-20110424-1180",
            edt(4, 24, 19, 15, 3),
            Spell::Ten,
            Some(dl_idx("DL-20110423-0107")),
            "national",
        );
        poll.keypress = true;
        add(poll, &districts);
        add(
            camp(
                "townhall-invite-0428",
                "acct-guelph-cpo",
                false,
                vec![Segment {
                    district: guelph,
                    rule: Rule::FromDownload {
                        dl: dl_idx("DL-20110427-0351"),
                        frac: 0.45,
                        noise: 0.0,
                    },
                }],
                (edt(4, 28, 18, 0, 0), edt(4, 28, 20, 0, 0)),
                (edt(4, 29, 12, 0, 0), edt(4, 29, 13, 30, 0)),
                CallerId::Fixed(office_townhall),
                "upl-20110427-2190",
                edt(4, 27, 15, 30, 27),
                Spell::Paren,
                Some(dl_idx("DL-20110427-0351")),
                "Guelph",
            ),
            &districts,
        );
        if flags.gotv {
            add(
                camp(
                    "gotv-election-day",
                    "acct-guelph-cpo",
                    false,
                    vec![Segment {
                        district: guelph,
                        rule: Rule::FromDownload {
                            dl: dl_idx("DL-20110430-0398"),
                            frac: 0.85,
                            noise: 0.0,
                        },
                    }],
                    (edt(5, 2, 13, 0, 0), edt(5, 2, 17, 30, 0)),
                    (edt(5, 2, 17, 45, 0), edt(5, 2, 19, 30, 0)),
                    CallerId::Fixed(office_gotv),
                    "upl-20110430-2204",
                    edt(4, 30, 16, 5, 40),
                    Spell::Dashed,
                    Some(dl_idx("DL-20110430-0398")),
                    "Guelph",
                ),
                &districts,
            );
        }
        let mut main = camp(
            "poll-location-change",
            "acct-7731",
            true,
            vec![
                Segment {
                    district: guelph,
                    rule: Rule::FromDownload {
                        dl: dl_idx("DL-20110501-0412"),
                        frac: 0.68,
                        noise: 0.015,
                    },
                },
                Segment {
                    district: kw,
                    rule: Rule::Sample(0.004),
                },
            ],
            (edt(5, 2, 10, 2, 0), edt(5, 2, 11, 45, 0)),
            (edt(5, 2, 12, 0, 0), edt(5, 2, 12, 40, 0)),
            spoof_main,
            "upl-20110501-7731",
            edt(5, 1, 21, 40, 12),
            Spell::Ten,
            Some(dl_idx("DL-20110501-0412")),
            "Guelph",
        );
        if flags.gap {
            // Part of the vendor's export was lost: five minutes of the first pass.
            main.log_gap = Some((edt(5, 2, 10, 40, 0), edt(5, 2, 10, 45, 0)));
        }
        add(main, &districts);
        if flags.two {
            add(
                camp(
                    "voting-day-notice-kw",
                    "acct-5120",
                    true,
                    vec![
                        Segment {
                            district: kw,
                            rule: Rule::FromDownload {
                                dl: dl_idx("DL-20110501-0415"),
                                frac: 0.72,
                                noise: 0.015,
                            },
                        },
                        Segment {
                            district: london,
                            rule: Rule::Sample(0.004),
                        },
                    ],
                    (edt(5, 2, 8, 50, 0), edt(5, 2, 10, 10, 0)),
                    (edt(5, 2, 10, 25, 0), edt(5, 2, 11, 0, 0)),
                    spoof_second,
                    "upl-20110501-5120",
                    edt(5, 1, 22, 5, 40),
                    Spell::Dashed,
                    Some(dl_idx("DL-20110501-0415")),
                    "Kitchener—Waterloo",
                ),
                &districts,
            );
        }

        // Shared numbers. Pools grow with the number of complainants, so that the biggest
        // reach a large share of them and the rest follow a Zipf tail.
        let ct = complainants_target as f64;
        let mut businesses: Vec<Business> = Vec::new();
        let mut biz_taken: BTreeSet<u64> = taken.clone();
        let mut new_biz = |businesses: &mut Vec<Business>,
                           number: u64,
                           kind: BizKind,
                           name: String|
         -> Option<u32> {
            if !biz_taken.insert(number) {
                return None;
            }
            businesses.push(Business { number, kind, name });
            Some(businesses.len() as u32 - 1)
        };
        let zipf = |n: usize| -> Vec<f64> {
            cumulative(
                &(0..n)
                    .map(|i| 1.0 / (i as f64 + 1.0).powf(0.8))
                    .collect::<Vec<_>>(),
            )
        };
        const LOCAL_KINDS: [&str; 10] = [
            "Pharmacy",
            "Medical Clinic",
            "Public School",
            "Credit Union",
            "Dental Office",
            "Pizzeria",
            "Library",
            "Veterinary Clinic",
            "Hardware",
            "Community Centre",
        ];
        let mut local_pools = Vec::new();
        for dist in &districts {
            let share = dist.size as f64 / population as f64;
            let n = (15.0 + ct * share / 12.0).round() as usize;
            let mut idx = Vec::new();
            while idx.len() < n {
                let e = dist.exch[rng.below(dist.exch.len() as u64) as usize];
                let num = e164(e.npa, e.nxx, rng.below(10_000) as u32);
                let name = format!(
                    "{} {} #{}",
                    dist.name,
                    LOCAL_KINDS[rng.below(10) as usize],
                    idx.len() + 1
                );
                if let Some(i) = new_biz(&mut businesses, num, BizKind::Local, name) {
                    idx.push(i);
                }
            }
            let cum = zipf(idx.len());
            local_pools.push((idx, cum));
        }
        let mut pool = |kind: BizKind, n: usize, rng: &mut Rng, businesses: &mut Vec<Business>| {
            let mut idx = Vec::new();
            while idx.len() < n {
                let (npa, name) = match kind {
                    BizKind::National => (
                        TOLL_FREE[rng.below(TOLL_FREE.len() as u64) as usize],
                        [
                            "Bank",
                            "Credit Card Services",
                            "Airline",
                            "Telecom Billing",
                            "Insurance",
                        ][rng.below(5) as usize],
                    ),
                    BizKind::Us => (
                        US_NPAS[rng.below(US_NPAS.len() as u64) as usize],
                        [
                            "Collections Agency",
                            "Cruise Offers",
                            "Survey Co",
                            "Retailer",
                        ][rng.below(4) as usize],
                    ),
                    BizKind::Telemarketer => {
                        let d = &districts[rng.below(districts.len() as u64) as usize];
                        let e = d.exch[rng.below(d.exch.len() as u64) as usize];
                        (
                            e.npa,
                            ["Duct Cleaning", "Home Security", "Window Sales"]
                                [rng.below(3) as usize],
                        )
                    }
                    BizKind::Scam => (
                        [876, 473, 649, 284, 212, 305, 416][rng.below(7) as usize],
                        [
                            "Prize Notification",
                            "Tax Agency Impersonation",
                            "Tech Support",
                        ][rng.below(3) as usize],
                    ),
                    BizKind::PoliticalTelemarketer => (
                        [416, 519, 613, 905][rng.below(4) as usize],
                        ["Voter Contact Services", "Campaign Research"][rng.below(2) as usize],
                    ),
                    BizKind::Local => (519, "Local"),
                };
                let nxx = loop {
                    let x = 200 + rng.below(800) as u32;
                    if usable_nxx(x) {
                        break x;
                    }
                };
                let num = e164(npa, nxx, rng.below(10_000) as u32);
                let name = format!("{name} {}", idx.len() + 1);
                if let Some(i) = new_biz(businesses, num, kind, name) {
                    idx.push(i);
                }
            }
            let cum = zipf(idx.len());
            (idx, cum)
        };
        let pools = [
            pool(
                BizKind::National,
                (30.0 + ct / 60.0) as usize,
                &mut rng,
                &mut businesses,
            ),
            pool(
                BizKind::Us,
                (20.0 + ct / 150.0) as usize,
                &mut rng,
                &mut businesses,
            ),
            pool(
                BizKind::Telemarketer,
                (12.0 + ct / 250.0) as usize,
                &mut rng,
                &mut businesses,
            ),
            pool(
                BizKind::Scam,
                (10.0 + ct / 300.0) as usize,
                &mut rng,
                &mut businesses,
            ),
            pool(
                BizKind::PoliticalTelemarketer,
                (4.0 + ct / 1000.0) as usize,
                &mut rng,
                &mut businesses,
            ),
        ];

        let span = (utc(2011, 3, 1, 0, 0, 0), utc(2011, 10, 1, 0, 0, 0));
        let zones = [
            Zone::new("America/Toronto", span.0, span.1),
            Zone::new("America/Vancouver", span.0, span.1),
            Zone::new("America/Montreal", span.0, span.1),
        ];
        let skew = if flags.skew {
            let s = if rng.chance(0.5) { 90 } else { -90 };
            [s, -s, s]
        } else {
            [0, 0, 0]
        };
        World {
            seed,
            scale,
            population,
            complainants_target,
            bg_mean,
            districts,
            downloads,
            campaigns,
            named,
            nvcc,
            candidate_offices: vec![cand_tor, cand_out],
            volunteers,
            businesses,
            local_pools,
            pools,
            named_exchanges,
            zones,
            utc_zone: Zone::new("UTC", span.0, span.1),
            vendor_lag: 47,
            skew,
            day0: super::fmt::days_from_civil(2011, 4, 18),
            days: 15,
            p_reached: 0.0,
            p_base: 0.0,
            p_orders: 0.4,
        }
    }

    /// A uniform draw keyed by `(tag, a, b)`.
    #[inline]
    pub(crate) fn u(&self, tag: u64, a: u64, b: u64) -> f64 {
        unit(key4(self.seed, tag, a, b))
    }

    /// The phone number of person `g` (in district `d`).
    #[inline]
    pub(crate) fn number(&self, g: u64, d: usize) -> u64 {
        let dist = &self.districts[d];
        let s = dist.perm.apply(g - dist.start);
        let e = dist.exch[(s / 10_000) as usize];
        e164(e.npa, e.nxx, (s % 10_000) as u32)
    }

    /// The carrier of person `g` (in district `d`).
    #[inline]
    pub(crate) fn carrier(&self, g: u64, d: usize) -> u8 {
        let dist = &self.districts[d];
        let s = dist.perm.apply(g - dist.start);
        dist.exch[(s / 10_000) as usize].carrier
    }

    /// Party identification (index into [`PARTIES`]).
    #[inline]
    pub(crate) fn party(&self, g: u64, d: usize) -> usize {
        let u = self.u(T_PARTY, g, 0);
        let c = &self.districts[d].party_cum;
        c.iter().position(|&x| u < x).unwrap_or(4)
    }

    /// Age band (index into [`AGES`]).
    #[inline]
    pub(crate) fn age(&self, g: u64) -> usize {
        let u = self.u(T_AGE, g, 0);
        AGE_CUM.iter().position(|&x| u < x).unwrap_or(3)
    }

    /// When the party database identified `g` (UTC seconds), if it did by election day. The
    /// database was built by canvassing from September 2010 to the end of April 2011.
    #[inline]
    pub(crate) fn identified_at(&self, g: u64, d: usize) -> Option<i64> {
        if self.u(T_IDENT, g, 0) >= self.districts[d].id_rate {
            return None;
        }
        let (a, b) = (utc(2010, 9, 1, 4, 0, 0), edt(4, 30, 21, 0, 0));
        Some(a + (self.u(T_IDTIME, g, 0) * (b - a) as f64) as i64)
    }

    /// The label the database holds for `g` (index into [`PARTIES`]): the true one nine times
    /// in ten.
    #[inline]
    pub(crate) fn label(&self, g: u64, d: usize) -> usize {
        let p = self.party(g, d);
        let u = self.u(T_LABEL, g, 0);
        if u < 0.9 {
            p
        } else {
            (p + 1 + ((u - 0.9) * 40.0) as usize) % 5
        }
    }

    /// Whether download `k` holds person `g` (in district `d`).
    pub(crate) fn in_download(&self, k: usize, g: u64, d: usize) -> bool {
        let dl = &self.downloads[k];
        if !dl.districts.contains(&d) {
            return false;
        }
        let known = self.identified_at(g, d).is_some_and(|t| t < dl.time);
        match dl.criteria {
            Criteria::NonSupporters => known && matches!(self.label(g, d), 1..=3),
            Criteria::Supporters => known && self.label(g, d) == 0,
            Criteria::Unidentified => !known || self.label(g, d) == 4,
            Criteria::Sample(f) => known && self.u(T_DLSAMPLE, k as u64, g) < f,
        }
    }

    /// The segment of campaign `c` that covers district `d`.
    #[inline]
    pub(crate) fn segment(&self, c: usize, d: usize) -> Option<usize> {
        self.campaigns[c]
            .segments
            .iter()
            .position(|s| s.district == d)
    }

    /// Whether campaign `c` dialed person `g` (in district `d`).
    pub(crate) fn member(&self, c: usize, g: u64, d: usize) -> bool {
        let Some(si) = self.segment(c, d) else {
            return false;
        };
        let u = self.u(T_MEMBER, c as u64, g);
        match self.campaigns[c].segments[si].rule {
            Rule::Sample(f) => u < f,
            Rule::FromDownload { dl, frac, noise } => {
                if self.in_download(dl, g, d) {
                    u < frac
                } else {
                    u < noise
                }
            }
        }
    }

    /// The dial attempts of campaign `c` at member `g` (in district `d`): one, or two when the
    /// first was not answered or busy.
    pub(crate) fn attempts(&self, c: usize, g: u64, d: usize) -> [Option<Attempt>; 2] {
        let camp = &self.campaigns[c];
        let si = self.segment(c, d).unwrap_or(0);
        let frac = (camp.seg_base[si] + (g - self.districts[d].start)) as f64 / camp.span as f64;
        let mut out = [None, None];
        for (a, slot) in out.iter_mut().enumerate() {
            let (s, e) = if a == 0 { camp.pass1 } else { camp.retry };
            let ka = ((c as u64) << 8) | a as u64;
            let jitter = (self.u(T_JITTER, ka, g) * 40.0) as i64;
            let t = s + (frac * (e - s) as f64) as i64 + jitter;
            let status = Status::from_u(self.u(T_STATUS, ka, g));
            let cid = match &camp.caller {
                CallerId::Fixed(n) => *n,
                CallerId::Rotating(v) => {
                    v[(key4(self.seed, T_CID, ka, g) % v.len() as u64) as usize]
                }
            };
            let blocked = self.u(T_BLOCKED, ka, g) < camp.blocked_share;
            let dtmf = if camp.keypress && status == Status::Answered {
                let u = self.u(T_DTMF, ka, g);
                if u < 0.7 {
                    let p = self.party(g, d);
                    Some(if p < 4 {
                        p as u8 + 1
                    } else {
                        1 + (u * 5.7) as u8 % 4
                    })
                } else {
                    None
                }
            } else {
                None
            };
            let delay = 1 + (self.u(T_DELAY, ka, g) * 6.0) as i64;
            let ud = self.u(T_DUR, ka, g);
            let dur = match status {
                Status::Answered => 18 + (ud * 48.0) as u32,
                Status::Voicemail => 25 + (ud * 21.0) as u32,
                _ => 0,
            };
            *slot = Some(Attempt {
                t,
                status,
                cid,
                blocked,
                dtmf,
                delay,
                dur,
            });
            if !matches!(status, Status::NoAnswer | Status::Busy) {
                break;
            }
        }
        out
    }

    /// Whether a misleading campaign reached `g` (answered or voicemail).
    pub(crate) fn reached(&self, g: u64, d: usize) -> bool {
        self.campaigns.iter().any(|c| {
            c.misleading
                && self.member(c.idx, g, d)
                && self
                    .attempts(c.idx, g, d)
                    .iter()
                    .flatten()
                    .any(|a| a.status.reached())
        })
    }

    /// The local zone of a district.
    pub(crate) fn zone_of(&self, d: usize) -> &Zone {
        match self.districts[d].province {
            Province::On => &self.zones[0],
            Province::Bc => &self.zones[1],
            Province::Qc => &self.zones[2],
        }
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

    /// A random ordinary number in a district's exchanges.
    #[inline]
    pub(crate) fn local_number(&self, d: usize, rng: &mut Rng) -> u64 {
        let dist = &self.districts[d];
        let e = dist.exch[rng.below(dist.exch.len() as u64) as usize];
        e164(e.npa, e.nxx, rng.below(10_000) as u32)
    }

    /// A random number in another Canadian area code or a US one.
    #[inline]
    pub(crate) fn far_number(&self, us: bool, rng: &mut Rng) -> u64 {
        let npa = if us {
            US_NPAS[rng.below(US_NPAS.len() as u64) as usize]
        } else {
            OTHER_CA[rng.below(OTHER_CA.len() as u64) as usize]
        };
        let nxx = loop {
            let x = 200 + rng.below(800) as u32;
            if usable_nxx(x) {
                break x;
            }
        };
        e164(npa, nxx, rng.below(10_000) as u32)
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

/// Draws an index from running sums with a keyed uniform.
#[inline]
pub(crate) fn zipf_pick(cum: &[f64], u: f64) -> usize {
    pick_cum_u(cum, u)
}
