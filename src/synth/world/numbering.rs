//! The numbering the world draws from: the area codes outside the districts, which exchange
//! codes are usable, the shuffled pool of exchange codes per area code (ordinary ones for the
//! districts, the first two reserved for the named numbers of the story), and lines drawn in
//! them without repeats.

use std::collections::{BTreeMap, BTreeSet};

use super::World;
use crate::synth::fmt::e164;
use crate::synth::rng::Rng;

/// Canadian area codes of personal contacts outside the districts.
const OTHER_CA: [u32; 11] = [403, 587, 780, 204, 306, 506, 902, 709, 705, 807, 450];
/// US area codes of contacts and companies (725, used for a spoofed caller ID, is not here).
pub(crate) const US_NPAS: [u32; 20] = [
    202, 212, 213, 305, 312, 347, 404, 415, 469, 602, 617, 646, 702, 713, 718, 786, 813, 917, 954,
    971,
];
/// Toll-free area codes.
pub(super) const TOLL_FREE: [u32; 6] = [800, 844, 855, 866, 877, 888];

/// Whether an exchange code may be used for ordinary lines: first digit 2-9, not N11, not the
/// fictional 555, not the special 950/958/959/976.
pub(crate) fn usable_nxx(x: u32) -> bool {
    (200..=999).contains(&x) && x % 100 != 11 && !matches!(x, 555 | 950 | 958 | 959 | 976)
}

/// Draws exchange codes until a usable one comes up.
pub(super) fn draw_nxx(rng: &mut Rng) -> u32 {
    loop {
        let x = 200 + rng.below(800) as u32;
        if usable_nxx(x) {
            break x;
        }
    }
}

/// Per area code, a shuffled pool of usable exchange codes and a cursor over its ordinary
/// part; the first two codes of each pool are reserved for the named numbers of the story
/// (never used for ordinary lines). A pool is shuffled the first time its area code is asked
/// for.
#[derive(Default)]
pub(super) struct ExchangePool(BTreeMap<u32, (Vec<u32>, usize)>);

impl ExchangePool {
    fn shuffled(rng: &mut Rng) -> Vec<u32> {
        let mut v: Vec<u32> = (200..1000).filter(|&x| usable_nxx(x)).collect();
        for i in (1..v.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
        v
    }

    /// The next `k` ordinary exchange codes of `npa`.
    pub(super) fn ordinary(&mut self, npa: u32, k: usize, rng: &mut Rng) -> Vec<u32> {
        let (pool, cursor) = self
            .0
            .entry(npa)
            .or_insert_with(|| (Self::shuffled(rng), 2));
        let mut out = Vec::with_capacity(k);
        for _ in 0..k {
            // (Populations are capped well below an area code's capacity; were one to run out,
            // codes would be shared, never the reserved ones.)
            out.push(pool[2 + (*cursor - 2) % (pool.len() - 2)]);
            *cursor += 1;
        }
        out
    }

    /// Reserved exchange code `which` (0 or 1) of `npa`.
    pub(super) fn reserved(&mut self, npa: u32, which: usize, rng: &mut Rng) -> u32 {
        self.0
            .entry(npa)
            .or_insert_with(|| (Self::shuffled(rng), 2))
            .0[which]
    }
}

/// Lines drawn for the named numbers, each at most once.
#[derive(Default)]
pub(super) struct Lines {
    pub taken: BTreeSet<u64>,
}

impl Lines {
    /// A line in exchange `npa`-`nxx` not drawn before.
    pub(super) fn draw(&mut self, npa: u32, nxx: u32, rng: &mut Rng) -> u64 {
        loop {
            let n = e164(npa, nxx, rng.below(10_000) as u32);
            if self.taken.insert(n) {
                return n;
            }
        }
    }
}

impl World {
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
        let nxx = draw_nxx(rng);
        e164(npa, nxx, rng.below(10_000) as u32)
    }
}
