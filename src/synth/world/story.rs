//! The named numbers of the story: the party's campaign offices and its robo-poll firm, the
//! National Voter Contact Centre, two candidate offices, two volunteers' mobiles, and the
//! spoofed caller IDs of the misleading campaigns (prepaid lines, or a US number). They live in
//! the exchanges the pool reserves, so no ordinary line shares them.

use super::numbering::{draw_nxx, ExchangePool, Lines};
use super::{Flags, CARRIERS};
use crate::synth::rng::Rng;

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

/// The caller IDs the vendor campaigns present.
pub(super) struct Callers {
    /// The robo-poll firm's toll-free line.
    pub poll: u64,
    /// The Guelph campaign office's advance-poll line.
    pub advance: u64,
    /// Its town-hall line.
    pub townhall: u64,
    /// Its election-day line (on no watch-list).
    pub gotv: u64,
    /// The first misleading campaign's caller ID.
    pub spoof_main: CallerId,
    /// The second misleading campaign's caller ID.
    pub spoof_second: CallerId,
}

/// Everything the story adds to the world.
pub(super) struct Story {
    pub named: Vec<Named>,
    pub named_exchanges: Vec<(u32, u32, &'static str)>,
    /// Index into `named` of the National Voter Contact Centre.
    pub nvcc: usize,
    /// Indices into `named` of the candidate offices.
    pub candidate_offices: Vec<usize>,
    pub volunteers: Vec<u64>,
    pub callers: Callers,
    /// The lines drawn (shared numbers must not reuse them).
    pub lines: Lines,
}

/// The reserved exchanges of the named numbers.
struct Reserved {
    prepaid_519: u32,
    office_519: u32,
    prepaid_226: u32,
    office_613: u32,
    office_416: u32,
    office_514: u32,
    mobile_226: u32,
}

impl Reserved {
    fn new(pool: &mut ExchangePool, rng: &mut Rng) -> Reserved {
        Reserved {
            prepaid_519: pool.reserved(519, 0, rng),
            office_519: pool.reserved(519, 1, rng),
            prepaid_226: pool.reserved(226, 0, rng),
            office_613: pool.reserved(613, 1, rng),
            office_416: pool.reserved(416, 1, rng),
            office_514: pool.reserved(514, 1, rng),
            mobile_226: pool.reserved(226, 1, rng),
        }
    }

    /// For the numbering plan: (npa, nxx, holder).
    fn holders(&self) -> Vec<(u32, u32, &'static str)> {
        vec![
            (519, self.prepaid_519, "Prepaid Mobile Co"),
            (519, self.office_519, CARRIERS[0]),
            (226, self.prepaid_226, "Prepaid Mobile Co"),
            (226, self.mobile_226, CARRIERS[1]),
            (613, self.office_613, CARRIERS[0]),
            (416, self.office_416, CARRIERS[0]),
            (514, self.office_514, CARRIERS[2]),
        ]
    }
}

/// A subscriber return that names the subscriber.
fn obtained(name: &str, provider: &str) -> (&'static str, Option<String>, Option<String>) {
    (
        "Provided",
        Some(name.to_string()),
        Some(provider.to_string()),
    )
}

/// A named number whose subscriber return names its subscriber.
fn entry(
    number: u64,
    entity: &str,
    list: Option<&'static str>,
    district: Option<usize>,
    (name, provider): (&str, &str),
) -> Named {
    Named {
        number,
        entity: entity.into(),
        list,
        district,
        subscriber: obtained(name, provider),
    }
}

impl Story {
    /// Draws the story's numbers, in a fixed order, from the reserved exchanges of `pool`.
    pub(super) fn new(flags: Flags, pool: &mut ExchangePool, rng: &mut Rng) -> Story {
        let ex = Reserved::new(pool, rng);
        let toll_nxx = draw_nxx(rng);
        let us_nxx = draw_nxx(rng);
        let mut lines = Lines::default();
        let mut named = Vec::new();
        let party = party_lines(&ex, toll_nxx, &mut lines, &mut named, rng);
        let nvcc = named.len();
        named.push(entry(
            lines.draw(613, ex.office_613, rng),
            "National Voter Contact Centre",
            Some("telemarketer"),
            Some(3),
            ("National Voter Contact Centre", "Ontario Tel"),
        ));
        let cand_tor = named.len();
        named.push(entry(
            lines.draw(416, ex.office_416, rng),
            "Toronto Centre candidate office (Party B)",
            Some("political_entity"),
            Some(4),
            ("Toronto Centre Candidate Office", "Ontario Tel"),
        ));
        let cand_out = named.len();
        named.push(entry(
            lines.draw(514, ex.office_514, rng),
            "Outremont candidate office (Party C)",
            Some("political_entity"),
            Some(6),
            ("Bureau de campagne Outremont", "Québec Télécom"),
        ));
        let volunteers = vec![
            lines.draw(226, ex.mobile_226, rng),
            lines.draw(226, ex.mobile_226, rng),
        ];
        let (spoof_main, spoof_second) = spoofs(flags, &ex, us_nxx, &mut lines, &mut named, rng);
        Story {
            named,
            named_exchanges: ex.holders(),
            nvcc,
            candidate_offices: vec![cand_tor, cand_out],
            volunteers,
            callers: Callers {
                poll: party[0],
                advance: party[1],
                townhall: party[2],
                gotv: party[3],
                spoof_main,
                spoof_second,
            },
            lines,
        }
    }
}

/// The lines of party A's legitimate campaigns: the robo-poll firm's and the Guelph office's
/// advance-poll, town-hall and election-day lines, in that order.
fn party_lines(
    ex: &Reserved,
    toll_nxx: u32,
    lines: &mut Lines,
    named: &mut Vec<Named>,
    rng: &mut Rng,
) -> [u64; 4] {
    let office = ("Guelph Campaign Office (Party A)", "Ontario Tel");
    let poll = lines.draw(800, toll_nxx, rng);
    named.push(entry(
        poll,
        "Northfield Opinion Research (robo-polls)",
        Some("telemarketer"),
        None,
        ("Northfield Opinion Research", "Ontario Tel"),
    ));
    let advance = lines.draw(519, ex.office_519, rng);
    named.push(entry(
        advance,
        "Guelph campaign office (Party A), advance-poll line",
        Some("political_entity"),
        Some(0),
        office,
    ));
    let townhall = lines.draw(519, ex.office_519, rng);
    named.push(entry(
        townhall,
        "Guelph campaign office (Party A), town-hall line",
        Some("political_entity"),
        Some(0),
        office,
    ));
    let gotv = lines.draw(519, ex.office_519, rng);
    named.push(entry(
        gotv,
        "Guelph campaign office (Party A), election-day line",
        // Not on any watch-list: only the declared campaign explains it.
        None,
        Some(0),
        office,
    ));
    [poll, advance, townhall, gotv]
}

/// The spoofed caller IDs of the two misleading campaigns (the second drawn in every world);
/// the Canadian ones are named numbers whose subscriber returns were refused.
fn spoofs(
    flags: Flags,
    ex: &Reserved,
    us_nxx: u32,
    lines: &mut Lines,
    named: &mut Vec<Named>,
    rng: &mut Rng,
) -> (CallerId, CallerId) {
    let spoof_main = if flags.rotating {
        CallerId::Rotating(
            (0..20)
                .map(|i| {
                    if i % 2 == 0 {
                        lines.draw(519, ex.prepaid_519, rng)
                    } else {
                        lines.draw(226, ex.prepaid_226, rng)
                    }
                })
                .collect(),
        )
    } else if flags.us && !flags.two {
        CallerId::Fixed(lines.draw(725, us_nxx, rng))
    } else {
        CallerId::Fixed(lines.draw(519, ex.prepaid_519, rng))
    };
    let spoof_second = if flags.us {
        CallerId::Fixed(lines.draw(725, us_nxx, rng))
    } else {
        CallerId::Fixed(lines.draw(226, ex.prepaid_226, rng))
    };
    for c in [&spoof_main, &spoof_second] {
        for n in c.numbers() {
            if crate::synth::fmt::nanp(n).is_some_and(|(a, ..)| a != 725) {
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
    (spoof_main, spoof_second)
}
