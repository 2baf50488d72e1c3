//! The country of the `national` world: its provinces and territories (each with its time zone,
//! its share of the electorate, the carrier that holds most of its lines and the switch Western
//! Wireless names for it), their regions with the area codes of today's numbering plan
//! (`fixtures/numbering/cna-co-code-status-*.csv`: an area code and its overlays, each with its
//! share of the region's lines), the place names districts are named after, and the districts
//! themselves: the eleven of the standard world first (the story lives in them), then the
//! generated ones, province by province and region by region.

use std::collections::BTreeSet;

use super::numbering::ExchangePool;
use super::people::{self, District, Party};
use super::{ONTARIO, QUEBEC, WESTERN};
use crate::synth::rng::{key, unit, Rng};

/// Province or territory of a district.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Province {
    On,
    Qc,
    Bc,
    Ab,
    Sk,
    Mb,
    Nb,
    Ns,
    Pe,
    Nl,
    Yt,
    Nt,
    Nu,
}

impl Province {
    /// Every province and territory, in the order of their zones in `World::province_zones`.
    pub(crate) const ALL: [Province; 13] = [
        Province::On,
        Province::Qc,
        Province::Bc,
        Province::Ab,
        Province::Sk,
        Province::Mb,
        Province::Nb,
        Province::Ns,
        Province::Pe,
        Province::Nl,
        Province::Yt,
        Province::Nt,
        Province::Nu,
    ];

    /// Its two-letter code (the numbering plan's `region`).
    pub(crate) fn code(self) -> &'static str {
        match self {
            Province::On => "ON",
            Province::Qc => "QC",
            Province::Bc => "BC",
            Province::Ab => "AB",
            Province::Sk => "SK",
            Province::Mb => "MB",
            Province::Nb => "NB",
            Province::Ns => "NS",
            Province::Pe => "PE",
            Province::Nl => "NL",
            Province::Yt => "YT",
            Province::Nt => "NT",
            Province::Nu => "NU",
        }
    }

    /// Its IANA time zone (of its most populous part).
    pub(crate) fn zone(self) -> &'static str {
        match self {
            Province::On => "America/Toronto",
            Province::Qc => "America/Montreal",
            Province::Bc => "America/Vancouver",
            Province::Ab => "America/Edmonton",
            Province::Sk => "America/Regina",
            Province::Mb => "America/Winnipeg",
            Province::Nb | Province::Ns | Province::Pe => "America/Halifax",
            Province::Nl => "America/St_Johns",
            Province::Yt => "America/Whitehorse",
            Province::Nt => "America/Yellowknife",
            Province::Nu => "America/Iqaluit",
        }
    }

    /// The switch name Western Wireless writes for lines here.
    pub(crate) fn switch(self) -> &'static str {
        match self {
            Province::On => "TOR-MSC1",
            Province::Qc => "MTL-MSC2",
            Province::Bc => "VAN-MSC1",
            Province::Ab => "CGY-MSC1",
            Province::Sk | Province::Mb => "WPG-MSC1",
            Province::Nb | Province::Ns | Province::Pe | Province::Nl => "HFX-MSC1",
            Province::Yt | Province::Nt | Province::Nu => "YZF-MSC1",
        }
    }

    /// The carrier that holds two of every three exchanges here (Western Wireless the rest).
    pub(crate) fn incumbent(self) -> u8 {
        match self {
            Province::On => ONTARIO,
            Province::Qc | Province::Nb | Province::Ns | Province::Pe | Province::Nl => QUEBEC,
            _ => WESTERN,
        }
    }
}

/// A region of a province: its share of the province's districts, its area codes (each with
/// its share of the region's lines) and the places its districts are named after (`|` between
/// them).
struct Region {
    share: f64,
    npas: &'static [(u32, f64)],
    places: &'static str,
}

/// A province's share of the electorate, its party shares (A–D, U) and its regions.
struct Spec {
    province: Province,
    share: f64,
    party: [f64; 5],
    regions: &'static [Region],
}

const fn region(share: f64, npas: &'static [(u32, f64)], places: &'static str) -> Region {
    Region {
        share,
        npas,
        places,
    }
}

const COUNTRY: [Spec; 13] = [
    Spec {
        province: Province::On,
        share: 0.385,
        party: [0.36, 0.30, 0.22, 0.04, 0.08],
        regions: &[
            region(0.20, &[(416, 0.45), (647, 0.35), (437, 0.2)], "Scarborough|Etobicoke|North York|Willowdale|Don Valley|Davenport|Parkdale|Spadina|Beaches|York|Eglinton|Humber"),
            region(0.30, &[(905, 0.4), (289, 0.3), (365, 0.2), (742, 0.1)], "Mississauga|Brampton|Markham|Oakville|Burlington|Vaughan|Richmond Hill|Oshawa|Whitby|Pickering|Ajax|Milton|Newmarket|Aurora|Niagara|St. Catharines|Stoney Creek|Halton"),
            region(0.20, &[(519, 0.45), (226, 0.35), (548, 0.2)], "Windsor|Sarnia|Chatham-Kent|Brantford|Cambridge|Waterloo|Woodstock|Stratford|Owen Sound|Elgin|Essex|Perth|Huron|Oxford|Lambton"),
            region(0.14, &[(613, 0.55), (343, 0.3), (753, 0.15)], "Kingston|Cornwall|Belleville|Nepean|Orléans|Kanata|Carleton|Gloucester|Pembroke|Brockville|Glengarry|Lanark|Renfrew|Vanier"),
            region(0.13, &[(705, 0.6), (249, 0.3), (683, 0.1)], "Barrie|Sudbury|Peterborough|North Bay|Sault Ste. Marie|Timmins|Orillia|Muskoka|Parry Sound|Nipissing|Haliburton|Kawartha|Simcoe|Algoma"),
            region(0.03, &[(807, 1.0)], "Thunder Bay|Kenora|Rainy River|Superior North"),
        ],
    },
    Spec {
        province: Province::Qc,
        share: 0.23,
        party: [0.17, 0.16, 0.30, 0.30, 0.07],
        regions: &[
            region(0.25, &[(514, 0.5), (438, 0.35), (263, 0.15)], "Rosemont|Hochelaga|Verdun|Lachine|LaSalle|Saint-Laurent|Mont-Royal|Ahuntsic|Papineau|Laurier|Westmount|Anjou|Pierrefonds|Lac-Saint-Louis"),
            region(0.33, &[(450, 0.55), (579, 0.35), (354, 0.1)], "Laval|Longueuil|Brossard|Terrebonne|Repentigny|Saint-Jérôme|Granby|Chambly|Mirabel|Boucherville|Châteauguay|Vaudreuil|Saint-Hyacinthe|Joliette"),
            region(0.24, &[(418, 0.55), (581, 0.35), (367, 0.1)], "Lévis|Charlesbourg|Beauport|Rimouski|Saguenay|Chicoutimi|Beauce|Montmagny|Portneuf|Charlevoix|Matane|Gaspésie"),
            region(0.18, &[(819, 0.6), (873, 0.3), (468, 0.1)], "Sherbrooke|Trois-Rivières|Drummondville|Hull|Pontiac|Victoriaville|Shawinigan|Rouyn-Noranda|Abitibi|Compton|Mégantic|Témiscamingue"),
        ],
    },
    Spec {
        province: Province::Bc,
        share: 0.135,
        party: [0.38, 0.20, 0.30, 0.06, 0.06],
        regions: &[
            region(0.6, &[(604, 0.45), (778, 0.3), (236, 0.15), (672, 0.1)], "Burnaby|Surrey|Richmond|Coquitlam|Delta|Langley|North Vancouver|New Westminster|Port Moody|Abbotsford|Chilliwack|Maple Ridge|Vancouver Kingsway|Vancouver East"),
            region(0.4, &[(250, 0.6), (778, 0.2), (236, 0.1), (257, 0.1)], "Victoria|Nanaimo|Kelowna|Kamloops|Prince George|Esquimalt|Cowichan|Courtenay|Penticton|Cariboo|Kootenay|Skeena"),
        ],
    },
    Spec {
        province: Province::Ab,
        share: 0.115,
        party: [0.56, 0.12, 0.18, 0.04, 0.10],
        regions: &[
            region(0.5, &[(403, 0.5), (587, 0.3), (825, 0.15), (368, 0.05)], "Calgary|Lethbridge|Medicine Hat|Red Deer|Airdrie|Banff|Foothills|Bow River"),
            region(0.5, &[(780, 0.5), (587, 0.3), (825, 0.15), (368, 0.05)], "Edmonton|St. Albert|Sherwood Park|Fort McMurray|Grande Prairie|Lakeland|Peace River|Leduc"),
        ],
    },
    Spec {
        province: Province::Sk,
        share: 0.031,
        party: [0.52, 0.10, 0.28, 0.04, 0.06],
        regions: &[region(1.0, &[(306, 0.6), (639, 0.3), (474, 0.1)], "Regina|Saskatoon|Prince Albert|Moose Jaw|Yorkton|Battlefords|Swift Current|Estevan")],
    },
    Spec {
        province: Province::Mb,
        share: 0.036,
        party: [0.44, 0.24, 0.24, 0.03, 0.05],
        regions: &[region(1.0, &[(204, 0.6), (431, 0.3), (584, 0.1)], "Winnipeg|Brandon|Selkirk|Portage|Dauphin|Provencher|Churchill|Kildonan|St. Boniface")],
    },
    Spec {
        province: Province::Nb,
        share: 0.021,
        party: [0.38, 0.34, 0.20, 0.03, 0.05],
        regions: &[region(1.0, &[(506, 0.8), (428, 0.2)], "Moncton|Saint John|Fredericton|Miramichi|Acadie|Tobique|Madawaska|Fundy")],
    },
    Spec {
        province: Province::Ns,
        share: 0.026,
        party: [0.32, 0.36, 0.24, 0.03, 0.05],
        regions: &[region(1.0, &[(902, 0.7), (782, 0.3)], "Halifax|Dartmouth|Sydney|Truro|Kings|Cape Breton|South Shore|Annapolis|Pictou")],
    },
    Spec {
        province: Province::Pe,
        share: 0.004,
        party: [0.36, 0.42, 0.14, 0.03, 0.05],
        regions: &[region(1.0, &[(902, 0.7), (782, 0.3)], "Charlottetown|Cardigan|Egmont|Malpeque")],
    },
    Spec {
        province: Province::Nl,
        share: 0.014,
        party: [0.28, 0.46, 0.20, 0.01, 0.05],
        regions: &[region(1.0, &[(709, 0.85), (879, 0.15)], "Avalon|Gander|Corner Brook|Labrador|Bonavista|Grand Falls|Burin")],
    },
    Spec {
        province: Province::Yt,
        share: 0.001,
        party: [0.33, 0.33, 0.14, 0.14, 0.06],
        regions: &[region(1.0, &[(867, 1.0)], "Yukon")],
    },
    Spec {
        province: Province::Nt,
        share: 0.001,
        party: [0.30, 0.26, 0.38, 0.01, 0.05],
        regions: &[region(1.0, &[(867, 1.0)], "Western Arctic")],
    },
    Spec {
        province: Province::Nu,
        share: 0.001,
        party: [0.36, 0.30, 0.28, 0.01, 0.05],
        regions: &[region(1.0, &[(867, 1.0)], "Nunavut")],
    },
];

/// Name suffixes of the districts of one place, in order (then two places joined by a dash).
const SUFFIXES: [&str; 6] = ["", " Centre", " North", " South", " East", " West"];

/// Lines per exchange aimed at (of 10,000): exchanges are handed out so districts fill them to
/// about this.
const LINES_PER_EXCHANGE: f64 = 8000.0;

/// Splits `n` among `shares` by largest remainder, each getting at least `min`.
fn apportion(n: usize, shares: &[f64], min: usize) -> Vec<usize> {
    let mut out = vec![min; shares.len()];
    let rest = n.saturating_sub(min * shares.len());
    let total: f64 = shares.iter().sum();
    let quota: Vec<f64> = shares.iter().map(|s| rest as f64 * s / total).collect();
    for (o, q) in out.iter_mut().zip(&quota) {
        *o += q.floor() as usize;
    }
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        let (fa, fb) = (quota[a].fract(), quota[b].fract());
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    let given: usize = out.iter().sum();
    for &i in order.iter().take(n.saturating_sub(given)) {
        out[i] += 1;
    }
    out
}

/// One generated district before its persons are counted: province, region, name, weight.
struct Planned {
    province: Province,
    npas: &'static [(u32, f64)],
    name: String,
    weight: f64,
    party: Party,
}

/// The next unused name of a region's `k`-th district: a place, a place with a suffix, then
/// two places joined by a dash.
fn name(places: &str, k: usize, used: &mut BTreeSet<String>) -> String {
    let places: Vec<&str> = places.split('|').collect();
    let n = places.len();
    let mut i = k;
    loop {
        let cand = if i < n * SUFFIXES.len() {
            format!("{}{}", places[i % n], SUFFIXES[i / n])
        } else {
            let j = i - n * SUFFIXES.len();
            let (a, b) = (j % n, (j / n + 1 + j % n) % n);
            format!("{}—{}", places[a], places[b])
        };
        if used.insert(cand.clone()) {
            return cand;
        }
        i += 1;
    }
}

/// The generated districts of a country of `n` districts in all (the eleven of the standard
/// world among them), in province then region order, with keyed weights and party shares.
fn planned(seed: u64, n: usize) -> Vec<Planned> {
    let story = people::story_provinces();
    let shares: Vec<f64> = COUNTRY.iter().map(|s| s.share).collect();
    let mut used: BTreeSet<String> = people::story_names().map(str::to_string).collect();
    let mut out = Vec::new();
    for (spec, total) in COUNTRY.iter().zip(apportion(n, &shares, 1)) {
        let mine = story.iter().filter(|&&p| p == spec.province).count();
        let region_shares: Vec<f64> = spec.regions.iter().map(|r| r.share).collect();
        for (r, count) in
            spec.regions
                .iter()
                .zip(apportion(total.saturating_sub(mine), &region_shares, 0))
        {
            for k in 0..count {
                let i = out.len() as u64;
                let u = |tag: u64| unit(key(&[seed, 0x3E61, tag, i]));
                let mut party = spec.party;
                for (j, p) in party.iter_mut().enumerate() {
                    *p *= 0.7 + 0.6 * u(10 + j as u64);
                }
                let s: f64 = party.iter().sum();
                out.push(Planned {
                    province: spec.province,
                    npas: r.npas,
                    name: name(r.places, k, &mut used),
                    weight: 0.6 + 0.8 * u(0),
                    party: Party {
                        id_rate: 0.35 + 0.25 * u(1),
                        shares: party.map(|p| p / s),
                        complaint_factor: 0.8 + 0.4 * u(2),
                    },
                });
            }
        }
    }
    out
}

/// The districts of the national world: the eleven of the standard world (weighted as there,
/// Guelph at least `guelph_min` persons), then `n - 11` generated ones; `population` persons in
/// all, each district a contiguous range of them, exchanges handed out from `pool` in district
/// order.
pub(super) fn districts(
    seed: u64,
    population: u64,
    n: usize,
    guelph_min: u64,
    pool: &mut ExchangePool,
    rng: &mut Rng,
) -> Vec<District> {
    let gen = planned(seed, n);
    let story = people::story_weights();
    let mut weights: Vec<f64> = story.iter().map(|w| w * story.len() as f64).collect();
    weights.extend(gen.iter().map(|p| p.weight));
    // Guelph (the first) holds at least `guelph_min` persons: the planted campaign stays
    // visible at small scales.
    let rest: f64 = weights[1..].iter().sum();
    let share = (weights[0] / (weights[0] + rest)).max(guelph_min as f64 / population as f64);
    weights[0] = share.min(0.9) * rest / (1.0 - share.min(0.9));
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    let mut start = 0u64;
    let mut out = Vec::with_capacity(weights.len());
    for (di, w) in weights.iter().enumerate() {
        acc += w;
        let end = if di + 1 == weights.len() {
            population
        } else {
            ((population as f64 * acc / total).round() as u64).min(population)
        };
        let size = end - start;
        let d = match di.checked_sub(story.len()) {
            None => people::story_district(seed, di, start, size, LINES_PER_EXCHANGE, pool, rng),
            Some(k) => {
                let p = &gen[k];
                let exch =
                    people::exchanges(p.npas, p.province, size, LINES_PER_EXCHANGE, pool, rng);
                people::district(
                    seed,
                    di,
                    p.name.clone(),
                    p.province,
                    &p.party,
                    start,
                    size,
                    exch,
                )
            }
        };
        out.push(d);
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_gives_everyone_their_minimum_and_sums() {
        let shares: Vec<f64> = COUNTRY.iter().map(|s| s.share).collect();
        for n in [13, 100, 243, 315] {
            let v = apportion(n, &shares, 1);
            assert_eq!(v.iter().sum::<usize>(), n);
            assert!(v.iter().all(|&x| x >= 1));
        }
        assert_eq!(apportion(5, &[0.5, 0.5], 0).iter().sum::<usize>(), 5);
    }

    #[test]
    fn names_are_unique_and_never_a_story_name() {
        for n in [100, 315] {
            let p = planned(1, n);
            assert_eq!(p.len(), n - 11);
            let names: BTreeSet<&str> = p.iter().map(|x| x.name.as_str()).collect();
            assert_eq!(names.len(), p.len());
            for s in people::story_names() {
                assert!(!names.contains(s));
            }
            assert!(p
                .iter()
                .all(|x| !x.name.contains(',') && !x.name.contains('"')));
        }
    }
}
