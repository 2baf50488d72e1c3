//! The electorate: the eleven districts of the standard world (their exchanges, carriers, sizes
//! and party shares), the district record every world uses (the national world's generated
//! districts too, see `regions.rs`) and the persons in them. A person's number, carrier, age
//! band, party and what the party database holds about them are keyed draws on the person's
//! index, so any file can ask for them in any order.

use super::numbering::ExchangePool;
use super::regions::Province;
use super::{edt, World, T_AGE, T_IDENT, T_IDTIME, T_LABEL, T_PARTY};
use crate::synth::fmt::{e164, utc};
use crate::synth::rng::{key, Perm, Rng};

/// Party labels (A is the party whose database and campaigns these are; U = none).
pub(crate) const PARTIES: [&str; 5] = ["A", "B", "C", "D", "U"];
/// Age bands.
pub(crate) const AGES: [&str; 4] = ["18-29", "30-44", "45-64", "65+"];
const AGE_CUM: [f64; 4] = [0.18, 0.44, 0.79, 1.0];

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
    pub name: String,
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

/// What the party database and the complaints depend on in a district.
#[derive(Clone, Copy, Debug)]
pub(super) struct Party {
    /// Share identified by the party database by election day.
    pub id_rate: f64,
    /// Party shares (A–D, U).
    pub shares: [f64; 5],
    /// Relative rate of complaints from people the misleading calls did not reach.
    pub complaint_factor: f64,
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

impl DistrictSpec {
    fn party(&self) -> Party {
        Party {
            id_rate: self.id_rate,
            shares: self.party,
            complaint_factor: self.complaint_factor,
        }
    }
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

/// The index of the district called `name` (0 if there is none).
pub(super) fn district_index(name: &str) -> usize {
    DISTRICTS.iter().position(|x| x.name == name).unwrap_or(0)
}

/// The provinces of the eleven districts, in order.
pub(super) fn story_provinces() -> Vec<Province> {
    DISTRICTS.iter().map(|d| d.province).collect()
}

/// The names of the eleven districts.
pub(super) fn story_names() -> impl Iterator<Item = &'static str> {
    DISTRICTS.iter().map(|d| d.name)
}

/// The eleven districts' shares of the standard world's electorate.
pub(super) fn story_weights() -> Vec<f64> {
    DISTRICTS.iter().map(|d| d.weight).collect()
}

/// The standard world's district `di` (of the eleven) holding persons `start..start + size`,
/// with exchanges from `pool` for `per_exchange` lines each.
pub(super) fn story_district(
    seed: u64,
    di: usize,
    start: u64,
    size: u64,
    per_exchange: f64,
    pool: &mut ExchangePool,
    rng: &mut Rng,
) -> District {
    let spec = &DISTRICTS[di];
    let exch = exchanges(spec.npas, spec.province, size, per_exchange, pool, rng);
    let name = spec.name.to_string();
    district(
        seed,
        di,
        name,
        spec.province,
        &spec.party(),
        start,
        size,
        exch,
    )
}

/// The districts of a population of `population` persons, each a contiguous range of person
/// indices, with exchanges handed out from `pool` in district order.
pub(super) fn districts(
    seed: u64,
    population: u64,
    pool: &mut ExchangePool,
    rng: &mut Rng,
) -> Vec<District> {
    let mut districts = Vec::new();
    let mut start = 0u64;
    let total_w: f64 = DISTRICTS.iter().map(|d| d.weight).sum();
    for (di, spec) in DISTRICTS.iter().enumerate() {
        let size = if di + 1 == DISTRICTS.len() {
            population - start
        } else {
            (population as f64 * spec.weight / total_w).round() as u64
        };
        districts.push(story_district(seed, di, start, size, 7000.0, pool, rng));
        start += size;
    }
    districts
}

/// A district's exchanges: enough of each of its area codes (`npas`, each with its share of
/// the lines) for `size` persons at `per_exchange` lines an exchange, at least two of each;
/// two of every three held by the province's incumbent carrier.
pub(super) fn exchanges(
    npas: &[(u32, f64)],
    province: Province,
    size: u64,
    per_exchange: f64,
    pool: &mut ExchangePool,
    rng: &mut Rng,
) -> Vec<Exchange> {
    let mut exch = Vec::new();
    for &(npa, share) in npas {
        let k = ((size as f64 * share / per_exchange).ceil() as usize).max(2);
        for nxx in pool.ordinary(npa, k, rng) {
            exch.push(Exchange {
                npa,
                nxx,
                carrier: 0,
            });
        }
    }
    for (j, e) in exch.iter_mut().enumerate() {
        e.carrier = if j % 3 != 2 {
            province.incumbent()
        } else {
            super::WESTERN
        };
    }
    exch
}

/// A district from its name, province, party profile, range of persons and exchanges.
#[allow(clippy::too_many_arguments)]
pub(super) fn district(
    seed: u64,
    di: usize,
    name: String,
    province: Province,
    party: &Party,
    start: u64,
    size: u64,
    exch: Vec<Exchange>,
) -> District {
    let m = exch.len() as u64 * 10_000;
    let mut party_cum = [0.0; 5];
    let mut s = 0.0;
    for (i, p) in party.shares.iter().enumerate() {
        s += p;
        party_cum[i] = s;
    }
    District {
        name,
        province,
        start,
        size,
        exch,
        perm: Perm::new(m, key(&[seed, 0xD157, di as u64])),
        id_rate: party.id_rate,
        party_cum,
        complaint_factor: party.complaint_factor,
        switch: province.switch(),
    }
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

impl District {
    /// The share of party `j` (index into [`PARTIES`]) in the district.
    pub(crate) fn party_share(&self, j: usize) -> f64 {
        let below = if j == 0 { 0.0 } else { self.party_cum[j - 1] };
        self.party_cum[j] - below
    }
}

impl World {
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
        const A: i64 = utc(2010, 9, 1, 4, 0, 0);
        const B: i64 = edt(4, 30, 21, 0, 0);
        Some(A + (self.u(T_IDTIME, g, 0) * (B - A) as f64) as i64)
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
}
