//! The `national` world's shape and season: how big everything is at a scale ([`Shape`]), and
//! the party database's downloads and the vendors' campaigns of the whole country besides the
//! story's (which stays in the eleven districts of the standard world).
//!
//! The season's downloads cover the generated districts: a few national random samples at the
//! end of March, then district or regional downloads of supporters, non-supporters,
//! unidentified voters and random samples, each taking consecutive districts of one province
//! (in region order) until it holds its share of the persons (or, when one district holds far more
//! than that, only some of its polling divisions: a keyed part of its persons), so that all
//! downloads together hold about as many rows as the population. The season's campaigns take most of them: a campaign
//! dials 85–100 % of one download's persons (a tenth are market-research surveys of a sample
//! instead), uploaded a few hours after the download, its kind and dates following from what
//! the download holds: voter-identification polls (with keypresses) of unidentified voters and
//! of the national samples, and issue messages to non-supporters, all before the production
//! orders' window; advance-poll reminders and election-day get-out-the-vote calls to
//! supporters, town-hall invitations to samples, and the surveys, in it. Broad lists dial
//! early, so that no legitimate campaign of the orders' window reaches more complainants than
//! the misleading one. Some campaigns upload their list in two parts (a second upload of 30 %
//! of the members, a few hours later). Every campaign is declared legitimate, presents its own
//! toll-free caller ID and runs through the vendor of its region (see `vendor_of`).

use super::campaigns::{Campaign, Rule, Segment, Split};
use super::downloads::{Criteria, Download};
use super::numbering::{draw_nxx, Lines, TOLL_FREE};
use super::people::District;
use super::regions::Province;
use super::story::CallerId;
use super::{edt, utc};
use crate::synth::fmt::{civil_from_days, Spell, DAY};
use crate::synth::rng::{key, unit, Rng};

/// Campaigns of the story (three legitimate, the misleading one, the survey).
const STORY_CAMPAIGNS: usize = 5;
/// Downloads of the story.
const STORY_DOWNLOADS: usize = 9;
/// Districts of the story (the standard world's eleven).
pub(super) const STORY_DISTRICTS: usize = 11;
/// The most persons the national world holds: beyond it (scale ≈ 109) the area codes would
/// run out of exchanges, so the population stops growing (the carrier rows do not).
pub(super) const MAX_POPULATION: u64 = 120_000_000;

/// How big the national world is at a scale.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shape {
    pub population: u64,
    pub districts: usize,
    /// In-orders complainants aimed at.
    pub complainants_target: u64,
    pub bg_mean: f64,
    /// Campaigns, the story's included.
    pub campaigns: usize,
    /// Upload lists (a campaign's one or two).
    pub uploads: usize,
    /// Downloads, the story's included.
    pub downloads: usize,
    /// Guelph holds at least this many persons.
    pub guelph_min: u64,
}

impl Shape {
    /// Scale 1 is about 1,000,000 carrier rows; the population 1.1 times that, in-orders
    /// complainants rows / 40 (nine in ten complainants are in the orders, so all of them are
    /// about rows / 36), 100 districts at scale 0.01 or less growing to 315 at scale 10, about
    /// 89 campaigns per unit of scale (at least 40, at most 894), 13.6 % more uploads, and 110
    /// downloads per unit (at least 50, at most 1,100).
    pub(crate) fn of(scale: f64) -> Shape {
        let scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            0.0
        };
        let rows = (scale * 1_000_000.0).round().max(1.0) as u64;
        let population = ((rows as f64 * 1.1).round() as u64).clamp(4_000, MAX_POPULATION);
        let districts = (100.0 + (215.0 * (100.0 * scale).max(1.0).log10() / 3.0).round())
            .clamp(100.0, 315.0) as usize;
        let complainants_target = ((rows as f64 / 40.0).round() as u64).clamp(60, population / 10);
        let campaigns = ((89.4 * scale).round() as usize).clamp(40, 894);
        Shape {
            population,
            districts,
            complainants_target,
            bg_mean: (rows as f64 / complainants_target as f64 - 0.5).max(8.0),
            campaigns,
            uploads: campaigns + (campaigns as f64 * 0.1365).round() as usize,
            downloads: ((110.0 * scale).round() as usize).clamp(50, 1_100),
            guelph_min: 1_500.min(population / 4),
        }
    }
}

/// A uniform draw keyed by `(seed, tag, a, b)`.
fn u(seed: u64, tag: u64, a: u64, b: u64) -> f64 {
    unit(key(&[seed, 0x5EA5, tag, a, b]))
}

/// Identified share by time `t` of a district (the database was built from September 2010 to
/// the end of April 2011, evenly).
fn identified(d: &District, t: i64) -> f64 {
    let (a, b) = (utc(2010, 9, 1, 4, 0, 0), edt(4, 30, 21, 0, 0));
    d.id_rate * ((t - a) as f64 / (b - a) as f64).clamp(0.0, 1.0)
}

/// The expected share of a district's persons a download of `c` at `t` holds.
fn expected(d: &District, c: Criteria, t: i64) -> f64 {
    let id = identified(d, t);
    match c {
        Criteria::Supporters => id * d.party_share(0),
        Criteria::NonSupporters => id * (d.party_share(1) + d.party_share(2) + d.party_share(3)),
        Criteria::Unidentified => 1.0 - id * (1.0 - d.party_share(4)),
        Criteria::Sample(f) => id * f,
    }
}

/// A time `days` days wide from `from` (UTC seconds), between 8:00 and 22:00 Eastern.
fn daytime(from: i64, days: f64, ua: f64, ub: f64) -> i64 {
    let day = (ua * days).floor() as i64;
    from + day * DAY + (8.0 * 3600.0 + ub * 14.0 * 3600.0) as i64
}

/// `MMDD` of a UTC instant, by its Eastern date.
fn mmdd(t: i64) -> String {
    let (_, m, d) = civil_from_days((t - 4 * 3600).div_euclid(DAY));
    format!("{m:02}{d:02}")
}

/// A hash of a text (FNV-1a), for keyed draws about a name.
fn text_key(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// An account-like slug of a name: lower case, accents dropped, other characters dashes.
fn slug(name: &str) -> String {
    let mut s = String::new();
    for ch in name.chars().flat_map(char::to_lowercase) {
        let c = match ch {
            'é' | 'è' | 'ê' => 'e',
            'à' | 'â' => 'a',
            'î' | 'ï' => 'i',
            'ô' => 'o',
            'ç' => 'c',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        };
        if c != '-' || !s.ends_with('-') {
            s.push(c);
        }
    }
    s.trim_matches('-').to_string()
}

/// The season's downloads, in time order, over the generated districts (`districts` from
/// [`STORY_DISTRICTS`] on).
pub(super) fn downloads(seed: u64, shape: &Shape, districts: &[District]) -> Vec<Download> {
    let gen: Vec<usize> = (STORY_DISTRICTS..districts.len()).collect();
    let n = shape.downloads.saturating_sub(STORY_DOWNLOADS);
    let n_nat = 1 + n / 150;
    let persons: u64 = gen.iter().map(|&d| districts[d].size).sum();
    let mut target = persons as f64;
    let mut out = Vec::with_capacity(n);
    let mut cursor = 0usize;
    for k in 0..n {
        let uk = |tag: u64| u(seed, tag, k as u64, 0);
        let (criteria, from, days) = if k < n_nat {
            (Criteria::Sample(0.03), edt(3, 26, 0, 0, 0), 6.0)
        } else {
            match (k - n_nat) % 4 {
                0 => (Criteria::Supporters, edt(4, 12, 0, 0, 0), 19.0),
                1 => (Criteria::NonSupporters, edt(3, 28, 0, 0, 0), 14.0),
                2 => (Criteria::Unidentified, edt(3, 26, 0, 0, 0), 14.0),
                _ => (Criteria::Sample(0.3), edt(4, 5, 0, 0, 0), 16.0),
            }
        };
        let time = daytime(from, days, uk(1), uk(2)).min(edt(5, 1, 21, 0, 0));
        let want = target / (n - k) as f64;
        let scope: Vec<usize> = if k < n_nat {
            gen.clone()
        } else {
            regional_scope(districts, &gen, &mut cursor, criteria, time, want)
        };
        let held: f64 = scope
            .iter()
            .map(|&d| districts[d].size as f64 * expected(&districts[d], criteria, time))
            .sum();
        // One district holding far more than this download's share: some of its polling
        // divisions only (at least a quarter of it).
        let part = if k >= n_nat && scope.len() == 1 && held > 1.25 * want {
            (want / held).max(0.25)
        } else {
            1.0
        };
        target -= held * part;
        let (scope_text, account) = scope_names(districts, &scope, k, k < n_nat);
        out.push(Download {
            id: format!("DL-2011{}-{:04}", mmdd(time), 1000 + k),
            account,
            time,
            districts: scope,
            scope: scope_text,
            criteria,
            part,
        });
    }
    out.sort_by_key(|d| (d.time, d.id.clone()));
    out
}

/// The scope of a district or regional download: districts of one province (a regional office
/// downloads its own), from the cursor on (wrapping within the province), until they hold
/// `want` persons of the criteria or the province is exhausted; at least one.
fn regional_scope(
    districts: &[District],
    gen: &[usize],
    cursor: &mut usize,
    criteria: Criteria,
    time: i64,
    want: f64,
) -> Vec<usize> {
    let first = *cursor % gen.len();
    let p = districts[gen[first]].province;
    let lo = (0..=first)
        .rev()
        .take_while(|&i| districts[gen[i]].province == p)
        .last()
        .unwrap_or(first);
    let hi = (first..gen.len())
        .take_while(|&i| districts[gen[i]].province == p)
        .last()
        .map_or(first + 1, |i| i + 1);
    let (mut v, mut got) = (Vec::new(), 0.0);
    for j in 0..hi - lo {
        if !v.is_empty() && got >= want {
            break;
        }
        let d = gen[lo + (first - lo + j) % (hi - lo)];
        got += districts[d].size as f64 * expected(&districts[d], criteria, time);
        v.push(d);
    }
    // Past the province's end: the next download starts with the next province.
    *cursor = if first + v.len() > hi {
        hi
    } else {
        first + v.len()
    };
    v.sort_unstable();
    v
}

/// What a download's log says its scope is, and the account that made it.
fn scope_names(
    districts: &[District],
    scope: &[usize],
    k: usize,
    national: bool,
) -> (String, String) {
    let first = &districts[scope[0]];
    if national {
        ("national".into(), format!("natl-{:02}", 2 + k % 8))
    } else if scope.len() == 1 {
        (
            first.name.clone(),
            format!("{}-{:02}", slug(&first.name), 1 + k % 9),
        )
    } else {
        let code = first.province.code();
        (
            format!("{code} region ({} districts)", scope.len()),
            format!("{}-region-{:02}", code.to_lowercase(), 1 + k % 9),
        )
    }
}

/// What a season campaign is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    IdPoll,
    Message,
    Reminder,
    Gotv,
    TownHall,
    Survey,
}

impl Kind {
    fn of(c: Criteria, national: bool, i: usize, dl_time: i64) -> Kind {
        match c {
            _ if national => Kind::IdPoll,
            Criteria::Unidentified => Kind::IdPoll,
            Criteria::NonSupporters => Kind::Message,
            Criteria::Supporters if i.is_multiple_of(2) && dl_time < edt(4, 22, 0, 0, 0) => {
                Kind::Reminder
            }
            Criteria::Supporters => Kind::Gotv,
            Criteria::Sample(_) => Kind::TownHall,
        }
    }

    /// The campaign name's stem and the purpose it declares.
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Kind::IdPoll => ("idpoll", "voter identification poll"),
            Kind::Message => ("message", "issue message"),
            Kind::Reminder => ("reminder", "advance-poll reminder"),
            Kind::Gotv => ("gotv", "get out the vote"),
            Kind::TownHall => ("townhall", "town hall invitation"),
            Kind::Survey => ("survey", "market research survey"),
        }
    }
}

/// The vendor that dials a province: RoboDial Ontario (PollQuick its surveys), Atlantic Dialer
/// Québec and the Atlantic provinces, Pacific Voice British Columbia and the Yukon, Prairie
/// Call Centre the prairies and the other territories. Each vendor's calls so reach one or two
/// carriers, so every pair of logs with calls in common has enough of them for its clock offset
/// (a pair with one or two calls gets a median a planted trap can pull away).
fn vendor_of(p: Province, survey: bool) -> usize {
    match p {
        Province::On if survey => 1,
        Province::On => 0,
        Province::Qc | Province::Nb | Province::Ns | Province::Pe | Province::Nl => 3,
        Province::Bc | Province::Yt => 2,
        Province::Ab | Province::Sk | Province::Mb | Province::Nt | Province::Nu => 4,
    }
}

/// Market-research firms that run the surveys.
const FIRMS: [&str; 6] = [
    "Northfield Market Research",
    "Maple Opinion Research",
    "Laurentian Polling Group",
    "Coastline Surveys",
    "Prairie Insight Research",
    "Harbour Data Services",
];
/// Account prefixes, per vendor.
const ACCOUNT_PREFIX: [&str; 5] = ["acct", "pq", "pvb", "ads", "pcc"];

/// The season's campaigns (not yet numbered), from `downloads[STORY_DOWNLOADS..]`, with caller
/// IDs drawn from `lines`.
pub(super) fn campaigns(
    seed: u64,
    shape: &Shape,
    districts: &[District],
    downloads: &[Download],
    lines: &mut Lines,
    rng: &mut Rng,
) -> Vec<Campaign> {
    let n = shape.campaigns.saturating_sub(STORY_CAMPAIGNS);
    let splits = shape.uploads.saturating_sub(shape.campaigns);
    let gen_dl = downloads.len().saturating_sub(STORY_DOWNLOADS);
    if gen_dl == 0 {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let j = STORY_DOWNLOADS + i * gen_dl / n;
        let dl = &downloads[j];
        let national = dl.scope == "national";
        let kind = if i % 10 == 9 {
            Kind::Survey
        } else {
            Kind::of(dl.criteria, national, i, dl.time)
        };
        let split = (i + 1) * splits / n > i * splits / n;
        let npa = TOLL_FREE[rng.below(TOLL_FREE.len() as u64) as usize];
        let nxx = draw_nxx(rng);
        let caller = lines.draw(npa, nxx, rng);
        out.push(campaign(seed, i, kind, districts, (j, dl), split, caller));
    }
    out
}

/// Season campaign `i` of a kind, from download `j`, presenting `caller`.
fn campaign(
    seed: u64,
    i: usize,
    kind: Kind,
    districts: &[District],
    (j, dl): (usize, &Download),
    split: bool,
    caller: u64,
) -> Campaign {
    let ui = |tag: u64| u(seed, 100 + tag, i as u64, 0);
    let upload_time = dl.time + 7200 + (ui(0) * 28.0 * 3600.0) as i64;
    let start = match kind {
        Kind::Gotv => edt(5, 2, 9, 0, 0) + (ui(1) * 6.0 * 3600.0) as i64,
        _ => {
            let day = (upload_time - 4 * 3600).div_euclid(DAY) + 1;
            let day = if kind == Kind::Reminder {
                day.max(edt(4, 21, 0, 0, 0).div_euclid(DAY))
            } else {
                day
            };
            day * DAY + 4 * 3600 + if ui(1) < 0.5 { 10 * 3600 } else { 17 * 3600 }
        }
    };
    let len = 7200 + (ui(2) * 7200.0) as i64;
    let pass1 = (start, start + len);
    let retry = if kind == Kind::Gotv {
        (pass1.1 + 900, pass1.1 + 900 + 5400)
    } else {
        (start + DAY, start + DAY + 3600)
    };
    // A survey samples one district (the download's first).
    let scope = if kind == Kind::Survey {
        &dl.districts[..1]
    } else {
        &dl.districts[..]
    };
    let segments = scope
        .iter()
        .map(|&d| Segment {
            district: d,
            rule: if kind == Kind::Survey {
                Rule::Sample(0.25)
            } else {
                Rule::FromDownload {
                    dl: j,
                    frac: 0.85 + 0.15 * ui(3),
                    noise: 0.0,
                }
            },
        })
        .collect();
    let (stem, purpose) = kind.words();
    let first = &districts[dl.districts[0]];
    let vendor = vendor_of(first.province, kind == Kind::Survey);
    let customer = if kind == Kind::Survey {
        FIRMS[(ui(4) * FIRMS.len() as f64) as usize % FIRMS.len()].to_string()
    } else if dl.scope == "national" {
        "Party A national campaign".to_string()
    } else if dl.districts.len() == 1 {
        format!("Party A, {} campaign office", first.name)
    } else {
        format!("Party A, {} regional office", first.province.code())
    };
    let upload = format!("upl-2011{}-{:04}", mmdd(upload_time), 5000 + i);
    Campaign {
        name: format!("{stem}-{}-{:04}", mmdd(start), i + 1),
        vendor,
        vendor_account: format!(
            "{}-{:04}",
            ACCOUNT_PREFIX[vendor],
            key(&[seed, vendor as u64, text_key(&customer)]) % 9000 + 1000
        ),
        customer,
        purpose,
        segments,
        pass1,
        retry,
        caller: CallerId::Fixed(caller),
        keypress: matches!(kind, Kind::IdPoll | Kind::Survey),
        split: split.then(|| Split {
            upload: format!("{upload}b"),
            time: upload_time + 3600 + (ui(6) * 5.0 * 3600.0) as i64,
            share: 0.3,
        }),
        upload,
        upload_time,
        upload_spell: [Spell::Ten, Spell::Dashed, Spell::Paren][(ui(7) * 3.0) as usize % 3],
        source_download: (kind != Kind::Survey).then_some(j),
        district: if scope.len() == 1 {
            first.name.clone()
        } else {
            dl.scope.clone()
        },
        ..Campaign::blank(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shape_follows_the_scale() {
        let s = Shape::of(10.0);
        assert_eq!(
            (s.districts, s.campaigns, s.uploads, s.downloads),
            (315, 894, 1016, 1100)
        );
        assert_eq!(s.population, 11_000_000);
        let s = Shape::of(1.0);
        assert_eq!((s.campaigns, s.downloads), (89, 110));
        assert!(s.districts > 200 && s.districts < 315);
        let s = Shape::of(0.01);
        assert_eq!((s.districts, s.campaigns, s.downloads), (100, 40, 50));
        assert_eq!(s.population, 11_000);
        let s = Shape::of(100.0);
        assert_eq!((s.districts, s.campaigns, s.downloads), (315, 894, 1100));
        assert_eq!(s.population, 110_000_000);
        assert_eq!(Shape::of(1e4).population, MAX_POPULATION);
    }

    #[test]
    fn no_two_districts_share_an_exchange_up_to_the_largest_population() {
        use crate::synth::{SynthOptions, World as Kind};
        // Scale 109.1 is the first whose population is the largest.
        for scale in [0.005, 1.0, 100.0, 109.1] {
            let opts = SynthOptions {
                seed: 3,
                scale,
                world: Kind::National,
            };
            let w = super::super::World::new(&opts);
            let mut seen = std::collections::BTreeSet::new();
            for d in &w.districts {
                assert!(
                    d.size > 0 && d.exch.len() as u64 * 10_000 >= d.size,
                    "{}",
                    d.name
                );
                for e in &d.exch {
                    assert!(
                        seen.insert((e.npa, e.nxx)),
                        "{scale}: {}-{} shared",
                        e.npa,
                        e.nxx
                    );
                }
            }
            for &(npa, nxx, _) in &w.named_exchanges {
                assert!(!seen.contains(&(npa, nxx)), "{npa}-{nxx} is the story's");
            }
            let persons: u64 = w.districts.iter().map(|d| d.size).sum();
            assert_eq!(persons, w.population);
            assert_eq!(w.campaigns.len(), Shape::of(scale).campaigns);
            assert_eq!(w.downloads.len(), Shape::of(scale).downloads);
        }
        assert_eq!(Shape::of(109.1).population, MAX_POPULATION);
    }

    #[test]
    fn slugs_are_plain() {
        assert_eq!(slug("Sault Ste. Marie"), "sault-ste-marie");
        assert_eq!(slug("Orléans—Châteauguay"), "orleans-chateauguay");
    }
}
