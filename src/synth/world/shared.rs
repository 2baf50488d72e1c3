//! The shared numbers of the background traffic: local businesses and services per district,
//! national toll-free services, US companies, telemarketers, scams and political
//! telemarketers. Each kind is a pool whose size grows with the number of complainants, so the
//! biggest numbers reach a large share of them and the rest follow a Zipf tail.

use std::collections::BTreeSet;

use super::numbering::{draw_nxx, TOLL_FREE, US_NPAS};
use super::people::District;
use crate::synth::fmt::e164;
use crate::synth::rng::{cumulative, pick_cum_u, Rng};

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

/// A pool: business indices and the running sums of their Zipf popularity.
pub(crate) type Pool = (Vec<u32>, Vec<f64>);

/// The shared numbers and their pools.
pub(super) struct Shared {
    pub businesses: Vec<Business>,
    /// One pool of local businesses per district.
    pub local_pools: Vec<Pool>,
    /// National, US, telemarketers, scams, political telemarketers.
    pub pools: [Pool; 5],
}

/// The businesses so far, and every number already used (the story's lines included).
struct Registry {
    businesses: Vec<Business>,
    taken: BTreeSet<u64>,
}

impl Registry {
    /// Adds a business unless its number is taken; returns its index.
    fn add(&mut self, number: u64, kind: BizKind, name: String) -> Option<u32> {
        if !self.taken.insert(number) {
            return None;
        }
        self.businesses.push(Business { number, kind, name });
        Some(self.businesses.len() as u32 - 1)
    }
}

/// Running sums of Zipf weights (exponent 0.8) for `n` ranks.
fn zipf(n: usize) -> Vec<f64> {
    cumulative(
        &(0..n)
            .map(|i| 1.0 / (i as f64 + 1.0).powf(0.8))
            .collect::<Vec<_>>(),
    )
}

impl Shared {
    /// Draws the pools: the districts' local ones in district order, then the others; `taken`
    /// holds the numbers they must not reuse.
    pub(super) fn new(
        complainants_target: u64,
        population: u64,
        districts: &[District],
        taken: BTreeSet<u64>,
        rng: &mut Rng,
    ) -> Shared {
        let ct = complainants_target as f64;
        let mut reg = Registry {
            businesses: Vec::new(),
            taken,
        };
        let mut local_pools = Vec::new();
        for dist in districts {
            let share = dist.size as f64 / population as f64;
            let n = (15.0 + ct * share / 12.0).round() as usize;
            local_pools.push(local_pool(dist, n, &mut reg, rng));
        }
        let mut take = |kind: BizKind, n: usize| pool(kind, n, districts, &mut reg, rng);
        let pools = [
            take(BizKind::National, (30.0 + ct / 60.0) as usize),
            take(BizKind::Us, (20.0 + ct / 150.0) as usize),
            take(BizKind::Telemarketer, (12.0 + ct / 250.0) as usize),
            take(BizKind::Scam, (10.0 + ct / 300.0) as usize),
            take(BizKind::PoliticalTelemarketer, (4.0 + ct / 1000.0) as usize),
        ];
        Shared {
            businesses: reg.businesses,
            local_pools,
            pools,
        }
    }
}

/// `n` local businesses in a district's exchanges.
fn local_pool(dist: &District, n: usize, reg: &mut Registry, rng: &mut Rng) -> Pool {
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
        if let Some(i) = reg.add(num, BizKind::Local, name) {
            idx.push(i);
        }
    }
    let cum = zipf(idx.len());
    (idx, cum)
}

/// `n` businesses of a kind other than local.
fn pool(
    kind: BizKind,
    n: usize,
    districts: &[District],
    reg: &mut Registry,
    rng: &mut Rng,
) -> Pool {
    let mut idx = Vec::new();
    while idx.len() < n {
        let (npa, name) = area_and_trade(kind, districts, rng);
        let nxx = draw_nxx(rng);
        let num = e164(npa, nxx, rng.below(10_000) as u32);
        let name = format!("{name} {}", idx.len() + 1);
        if let Some(i) = reg.add(num, kind, name) {
            idx.push(i);
        }
    }
    let cum = zipf(idx.len());
    (idx, cum)
}

/// The area code and the trade of a new business of a kind.
fn area_and_trade(kind: BizKind, districts: &[District], rng: &mut Rng) -> (u32, &'static str) {
    match kind {
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
                ["Duct Cleaning", "Home Security", "Window Sales"][rng.below(3) as usize],
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
    }
}

/// Draws an index from running sums with a keyed uniform.
#[inline]
pub(crate) fn zipf_pick(cum: &[f64], u: f64) -> usize {
    pick_cum_u(cum, u)
}
