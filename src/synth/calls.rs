//! The carrier production-order records: every call each in-orders complainant received, from
//! family and friends, shared numbers (pharmacies, banks, telemarketers, scams), blocked and
//! mangled caller IDs, live political callers and the vendor campaigns, written in the three
//! carrier formats.
//!
//! Complainants are generated in fixed blocks; each complainant's calls come from a stream
//! seeded by the complainant's identity, so a block's bytes depend on nothing but the seed and
//! the block, and blocks are written in order whatever thread made them.

use super::fmt::{self, Spell, Zone, DAY};
use super::rng::{key, Rng};
use super::world::{
    zipf_pick, BizKind, Complainant, District, Status, World, CARRIERS, ONTARIO, QUEBEC, T_STREAM,
    WESTERN,
};

/// Complainants per block.
pub(crate) const BLOCK: usize = 64;

/// Who a carrier record shows as the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Caller {
    /// A number (E.164 digits).
    Num(u64),
    /// Blocked; the carrier's token (index into its list).
    Blocked(u8),
    /// A mangled 7-digit number.
    Invalid(u32),
}

/// One carrier record.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallRec {
    /// Start as the carrier's clock recorded it, UTC seconds.
    pub t: i64,
    pub caller: Caller,
    pub dur: u32,
    /// The vendor record behind a campaign's call: (campaign index, its time on the vendor's
    /// clock, UTC seconds); `None` for every other call, and for a call whose vendor record
    /// is missing from the log.
    pub link: Option<(usize, i64)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Src {
    Personal,
    Business,
    Telemarketer,
    Blocked,
    Invalid,
}

#[derive(Clone, Copy, Debug)]
struct Source {
    caller: Caller,
    kind: Src,
    calls: u32,
    /// Personal contact: write a subscriber return when it called.
    returns: bool,
}

/// What a block produced.
#[derive(Debug, Default)]
pub(crate) struct BlockOut {
    /// Rows for the block's carrier file (Western: April).
    pub main: Vec<u8>,
    /// Western: May.
    pub may: Vec<u8>,
    /// Subscriber-return rows of the block's personal contacts.
    pub subs: Vec<u8>,
    /// (complainant number, bit mask of the misleading campaigns whose calls they received).
    pub targeted: Vec<(u64, u32)>,
    /// Rows of `truth-links.csv`: each carrier record of a campaign's call and its vendor record.
    pub links: Vec<u8>,
    pub rows_main: u64,
    pub rows_may: u64,
    pub duplicates: u64,
}

// Local hour profiles (relative weights per hour 0..24).
const H_PERSONAL: [f64; 24] = [
    0.1, 0.05, 0.02, 0.02, 0.02, 0.05, 0.2, 0.6, 0.9, 1.0, 1.0, 1.0, 1.1, 1.0, 1.0, 1.1, 1.3, 1.6,
    1.9, 1.9, 1.6, 1.1, 0.6, 0.3,
];
const H_BUSINESS: [f64; 24] = [
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.8, 1.2, 1.3, 1.2, 1.0, 1.2, 1.2, 1.1, 1.0, 0.6, 0.3,
    0.2, 0.1, 0.0, 0.0, 0.0,
];
const H_TELE: [f64; 24] = [
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.3, 0.8, 1.0, 1.0, 0.8, 1.0, 1.0, 1.0, 1.1, 1.2, 1.3,
    1.2, 0.9, 0.4, 0.0, 0.0,
];

/// Precomputed running sums of the hour profiles.
pub(crate) struct Profiles {
    personal: Vec<f64>,
    business: Vec<f64>,
    tele: Vec<f64>,
}

impl Profiles {
    pub(crate) fn new() -> Profiles {
        Profiles {
            personal: super::rng::cumulative(&H_PERSONAL),
            business: super::rng::cumulative(&H_BUSINESS),
            tele: super::rng::cumulative(&H_TELE),
        }
    }
}

const ONTARIO_BLOCKED: [&str; 3] = ["PRIVATE", "Unknown", "NO CID"];
const WESTERN_BLOCKED: [&str; 2] = ["", "anonymous"];
const QUEBEC_BLOCKED: [&str; 2] = ["Confidentiel", "Inconnu"];

/// Header of a carrier file.
pub(crate) fn header(carrier: u8) -> &'static [u8] {
    match carrier {
        ONTARIO => b"\"Subscriber Number\",\"Originating Number\",\"Call Date\",\"Call Time\",\"Duration (s)\",\"Call Type\"\r\n",
        QUEBEC => "\u{feff}Numéro abonné;Numéro appelant;Date d'appel;Heure;Durée;Type\n".as_bytes(),
        _ => b"called_e164,calling_e164,start_utc,duration,switch\n",
    }
}

fn blocked_tokens(carrier: u8) -> usize {
    match carrier {
        ONTARIO => ONTARIO_BLOCKED.len(),
        QUEBEC => QUEBEC_BLOCKED.len(),
        _ => WESTERN_BLOCKED.len(),
    }
}

fn push_seven(b: &mut Vec<u8>, v: u32) {
    let s = format!("{:03}-{:04}", v / 10_000, v % 10_000);
    b.extend_from_slice(s.as_bytes());
}

/// Appends one record in the carrier's format.
fn write_row(w: &World, carrier: u8, b: &mut Vec<u8>, called: u64, r: &CallRec, switch: &str) {
    match carrier {
        ONTARIO => {
            let l = w.carrier_zone(ONTARIO).local(r.t);
            b.push(b'"');
            fmt::phone(b, called, Spell::Paren);
            b.extend_from_slice(b"\",\"");
            match r.caller {
                Caller::Num(n) => fmt::phone(b, n, Spell::Paren),
                Caller::Blocked(k) => b.extend_from_slice(ONTARIO_BLOCKED[k as usize].as_bytes()),
                Caller::Invalid(v) => push_seven(b, v),
            }
            b.extend_from_slice(b"\",\"");
            fmt::ymd(b, l);
            b.extend_from_slice(b"\",\"");
            fmt::hms(b, l);
            b.extend_from_slice(b"\",\"");
            fmt::push_u64(b, r.dur as u64);
            b.extend_from_slice(b"\",\"INBOUND\"\r\n");
        }
        QUEBEC => {
            let l = w.carrier_zone(QUEBEC).local(r.t);
            fmt::phone(b, called, Spell::Dotted);
            b.push(b';');
            match r.caller {
                Caller::Num(n) => fmt::phone(b, n, Spell::Dotted),
                Caller::Blocked(k) => b.extend_from_slice(QUEBEC_BLOCKED[k as usize].as_bytes()),
                Caller::Invalid(v) => push_seven(b, v),
            }
            b.push(b';');
            fmt::dmy(b, l);
            b.push(b';');
            fmt::hms(b, l);
            b.push(b';');
            fmt::hhmmss(b, r.dur);
            b.extend_from_slice(b";Entrant\n");
        }
        _ => {
            fmt::phone(b, called, Spell::E164);
            b.push(b',');
            match r.caller {
                Caller::Num(n) => fmt::phone(b, n, Spell::E164),
                Caller::Blocked(k) => b.extend_from_slice(WESTERN_BLOCKED[k as usize].as_bytes()),
                Caller::Invalid(_) => {}
            }
            b.push(b',');
            fmt::iso_utc(b, r.t);
            b.push(b',');
            fmt::mmss(b, r.dur);
            b.push(b',');
            b.extend_from_slice(switch.as_bytes());
            b.push(b'\n');
        }
    }
}

/// The provider name a subscriber return gives for a Canadian number.
fn provider_of(n: u64) -> &'static str {
    match fmt::nanp(n) {
        Some((a, ..)) => match a {
            514 | 438 | 819 | 873 | 418 | 581 | 450 => CARRIERS[2],
            604 | 778 | 250 | 403 | 587 | 780 | 204 | 306 => CARRIERS[1],
            _ => {
                if n.is_multiple_of(3) {
                    CARRIERS[1]
                } else {
                    CARRIERS[0]
                }
            }
        },
        None => "",
    }
}

/// Appends a subscriber-return row for a personal contact.
fn subscriber_row(b: &mut Vec<u8>, n: u64, rng: &mut Rng) {
    let us = fmt::nanp(n).is_some_and(|(a, ..)| super::world::US_NPAS.contains(&a));
    let intl = fmt::nanp(n).is_none();
    fmt::phone(
        b,
        n,
        if rng.chance(0.5) {
            Spell::Dashed
        } else {
            Spell::Paren
        },
    );
    if intl {
        b.extend_from_slice(b",Not requested,,\n");
        return;
    }
    if us {
        if rng.chance(0.7) {
            b.extend_from_slice(b",Not requested,,\n");
        } else {
            b.extend_from_slice(b",Refused,,US carrier\n");
        }
        return;
    }
    let u = rng.f64();
    if u < 0.86 {
        b.extend_from_slice(b",Provided,");
        b.extend_from_slice(super::world::person_name(rng.next_u64()).as_bytes());
        b.push(b',');
        b.extend_from_slice(provider_of(n).as_bytes());
        b.push(b'\n');
    } else if u < 0.94 {
        b.extend_from_slice(b",Refused,,");
        b.extend_from_slice(provider_of(n).as_bytes());
        b.push(b'\n');
    } else {
        b.extend_from_slice(b",Not requested,,\n");
    }
}

/// Scratch space reused across the complainants of a block.
#[derive(Default)]
pub(crate) struct Scratch {
    calls: Vec<CallRec>,
    sources: Vec<Source>,
    cum: Vec<f64>,
}

/// The complainant whose records are being made, and what their records depend on.
struct Line<'a> {
    w: &'a World,
    c: &'a Complainant,
    d: usize,
    dist: &'a District,
    carrier: u8,
    /// The local zone of the complainant's district.
    zone: &'a Zone,
    /// The carrier's clock skew.
    skew: i64,
    /// How many blocked-caller tokens the carrier writes.
    ntok: u64,
}

impl<'a> Line<'a> {
    fn of(w: &'a World, c: &'a Complainant) -> Line<'a> {
        let d = c.district as usize;
        Line {
            w,
            c,
            d,
            dist: &w.districts[d],
            carrier: c.carrier,
            zone: w.zone_of(d),
            skew: w.skew[c.carrier as usize],
            ntok: blocked_tokens(c.carrier) as u64,
        }
    }
}

/// Generates one complainant's records into `out`; returns the mask of misleading campaigns
/// with a record among them.
///
/// Every draw comes from one stream seeded by the complainant, in this order: the sources of
/// their calls, the background calls, the live political callers, the campaigns' blocked
/// tokens, the planted duplicates, the subscriber returns.
pub(crate) fn complainant(
    w: &World,
    prof: &Profiles,
    c: &Complainant,
    s: &mut Scratch,
    out: &mut BlockOut,
) -> u32 {
    let line = Line::of(w, c);
    let mut rng = Rng::new(key(&[w.seed, T_STREAM, c.g]));
    s.calls.clear();
    s.sources.clear();
    s.cum.clear();
    sources(&line, &mut rng, s);
    let n = rng.poisson(w.bg_mean);
    for _ in 0..n {
        background_call(&line, prof, &mut rng, s);
    }
    political(&line, &mut rng, &mut s.calls);
    let mask = campaign_calls(&line, &mut rng, s);
    separate(&mut s.calls);
    write_records(&line, &mut rng, s, out);
    mask
}

/// Who calls the complainant, and how often (running sums of weights into `s.cum`): personal
/// contacts, shared numbers, blocked callers and (but at Western) mangled caller IDs.
fn sources(line: &Line, rng: &mut Rng, s: &mut Scratch) {
    let mut weights = Vec::with_capacity(32);
    personal(line, rng, s, &mut weights);
    shared(line, rng, s, &mut weights);
    let total: f64 = weights.iter().sum();
    s.sources.push(Source {
        caller: Caller::Blocked(0),
        kind: Src::Blocked,
        calls: 0,
        returns: false,
    });
    weights.push(total * 0.05);
    if line.carrier != WESTERN {
        s.sources.push(Source {
            caller: Caller::Invalid(0),
            kind: Src::Invalid,
            calls: 0,
            returns: false,
        });
        weights.push(total * 0.002);
    }
    let mut acc = 0.0;
    for x in &weights {
        acc += x;
        s.cum.push(acc);
    }
}

/// Family and friends: local, elsewhere in Canada, the US, London.
fn personal(line: &Line, rng: &mut Rng, s: &mut Scratch, weights: &mut Vec<f64>) {
    let w = line.w;
    let n_p = w.contacts.0 + rng.below(w.contacts.1);
    for _ in 0..n_p {
        let r = rng.f64();
        let n = if r < 0.68 {
            w.local_number(line.d, rng)
        } else if r < 0.86 {
            w.far_number(false, rng)
        } else if r < 0.97 || line.carrier == QUEBEC {
            w.far_number(true, rng)
        } else {
            442_079_460_000 + rng.below(1000)
        };
        s.sources.push(Source {
            caller: Caller::Num(n),
            kind: Src::Personal,
            calls: 0,
            returns: true,
        });
        weights.push(rng.lognormal(0.0, 1.0));
    }
}

/// Shared numbers from the pools, by Zipf popularity.
fn shared(line: &Line, rng: &mut Rng, s: &mut Scratch, weights: &mut Vec<f64>) {
    let w = line.w;
    let n_b = 3 + rng.below(8);
    for _ in 0..n_b {
        let r = rng.f64();
        let (pool, kind) = if r < 0.52 {
            let p = &w.local_pools[line.d];
            (p, Src::Business)
        } else if r < 0.77 {
            (&w.pools[0], Src::Business)
        } else if r < 0.85 {
            (&w.pools[1], Src::Business)
        } else if r < 0.92 {
            (&w.pools[2], Src::Telemarketer)
        } else if r < 0.97 {
            (&w.pools[3], Src::Telemarketer)
        } else {
            (&w.pools[4], Src::Telemarketer)
        };
        let i = pool.0[zipf_pick(&pool.1, rng.f64())] as usize;
        let biz = &w.businesses[i];
        let kind = match biz.kind {
            BizKind::Local | BizKind::National | BizKind::Us => kind,
            _ => Src::Telemarketer,
        };
        s.sources.push(Source {
            caller: Caller::Num(biz.number),
            kind,
            calls: 0,
            returns: false,
        });
        weights.push(rng.lognormal(-0.3, 0.8));
    }
}

/// One background call: a source by weight, a day (businesses and telemarketers call less at
/// weekends; a few calls fall just outside the orders' window), an hour by the source's
/// profile, a duration and the caller as the carrier shows it.
fn background_call(line: &Line, prof: &Profiles, rng: &mut Rng, s: &mut Scratch) {
    let w = line.w;
    let si = rng.pick_cum(&s.cum);
    let kind = s.sources[si].kind;
    let day = background_day(w, kind, rng);
    let prof_cum = match kind {
        Src::Business => &prof.business,
        Src::Telemarketer | Src::Blocked => &prof.tele,
        _ => &prof.personal,
    };
    let hour = rng.pick_cum(prof_cum) as i64;
    let local = (w.day0 + day) * DAY + hour * 3600 + rng.below(3600) as i64;
    let t = line.zone.to_utc(local) + line.skew;
    let dur = match kind {
        Src::Personal | Src::Invalid => {
            if rng.chance(0.08) {
                0
            } else {
                (rng.lognormal(4.6, 1.0) as u32).min(3599)
            }
        }
        Src::Business => {
            if rng.chance(0.1) {
                0
            } else {
                rng.range(20, 420) as u32
            }
        }
        _ => rng.range(4, 95) as u32,
    };
    let caller = match kind {
        Src::Blocked => Caller::Blocked(rng.below(line.ntok) as u8),
        Src::Invalid => {
            let seven = if line.carrier == QUEBEC {
                5_550_100 + rng.below(100) as u32
            } else {
                let e = line.dist.exch[rng.below(line.dist.exch.len() as u64) as usize];
                e.nxx * 10_000 + rng.below(10_000) as u32
            };
            Caller::Invalid(seven)
        }
        _ => s.sources[si].caller,
    };
    s.sources[si].calls += 1;
    s.calls.push(CallRec {
        t,
        caller,
        dur,
        link: None,
    });
}

/// The day (from the first of the orders' window) of a background call from a source of
/// `kind`.
fn background_day(w: &World, kind: Src, rng: &mut Rng) -> i64 {
    loop {
        let k = if rng.chance(0.006) {
            if rng.chance(0.5) {
                -1
            } else {
                w.days
            }
        } else {
            rng.below(w.days as u64) as i64
        };
        let wd = fmt::weekday(w.day0 + k);
        let keep = match kind {
            Src::Business if wd >= 5 => rng.chance(0.45),
            Src::Telemarketer if wd == 6 => rng.chance(0.2),
            Src::Telemarketer if wd == 5 => rng.chance(0.6),
            _ => true,
        };
        if keep {
            break k;
        }
    }
}

/// A live call from a named number on day `k`, in the daytime.
fn named_call(line: &Line, rng: &mut Rng, calls: &mut Vec<CallRec>, n: u64, k: i64) {
    let hour = 9 + rng.below(12) as i64;
    let local = (line.w.day0 + k) * DAY + hour * 3600 + rng.below(3600) as i64;
    calls.push(CallRec {
        t: line.zone.to_utc(local) + line.skew,
        caller: Caller::Num(n),
        dur: if rng.chance(0.3) {
            0
        } else {
            rng.range(15, 240) as u32
        },
        link: None,
    });
}

/// Live political callers (explained by watch-lists), and unexplained volunteers.
fn political(line: &Line, rng: &mut Rng, calls: &mut Vec<CallRec>) {
    let w = line.w;
    let d = line.d;
    let nvcc = w.named[w.nvcc].number;
    for k in 0..w.days {
        let p = if k == w.days - 1 { 0.03 } else { 0.004 };
        if rng.chance(p) {
            named_call(line, rng, calls, nvcc, k);
        }
    }
    for &o in &w.candidate_offices {
        if w.named[o].district == Some(d) && rng.chance(0.08) {
            let k = rng.below(w.days as u64) as i64;
            named_call(line, rng, calls, w.named[o].number, k);
        }
    }
    if d <= 1 && rng.chance(0.003) {
        let v = w.volunteers[rng.below(w.volunteers.len() as u64) as usize];
        named_call(line, rng, calls, v, w.days - 1);
    }
}

/// The vendor campaigns' calls the carrier recorded, and the traps around them that a
/// nearest-record attribution falls into; returns the mask of misleading campaigns among the
/// calls.
///
/// - A busy dial leaves no record (the phone never rang), but the call that made the line busy
///   does: a personal contact's call that began up to 100 s before the dial and lasts past it.
/// - A fifth of the recorded calls have a personal contact's short call 45–118 s before them
///   (within the attribution tolerance of the dial).
/// - A tenth have a withheld-caller-ID call 8–60 s before or after them.
fn campaign_calls(line: &Line, rng: &mut Rng, s: &mut Scratch) -> u32 {
    let (w, g, d) = (line.w, line.c.g, line.d);
    let personal = s
        .sources
        .iter()
        .filter(|x| x.kind == Src::Personal)
        .count()
        .max(1) as u64;
    let mut mask = 0u32;
    for &ci in &w.by_district[d] {
        let camp = &w.campaigns[ci];
        if !w.member(ci, g, d) {
            continue;
        }
        for a in w.attempts(camp.idx, g, d).into_iter().flatten() {
            // The production orders cover their window only (the national world's early
            // campaigns dial before it).
            if !w.in_orders(a.t) {
                continue;
            }
            let friend = |rng: &mut Rng| s.sources[rng.below(personal) as usize].caller;
            if a.status == Status::Busy {
                let caller = friend(rng);
                s.calls.push(CallRec {
                    t: a.t + line.skew - rng.range(5, 100),
                    caller,
                    dur: rng.range(120, 600) as u32,
                    link: None,
                });
            }
            if !a.status.recorded() {
                continue;
            }
            let t = a.t + a.delay + line.skew;
            if rng.chance(0.2) {
                let caller = friend(rng);
                s.calls.push(CallRec {
                    t: t - rng.range(45, 118),
                    caller,
                    dur: rng.range(10, 40) as u32,
                    link: None,
                });
            }
            if rng.chance(0.1) {
                let gap = rng.range(8, 60);
                s.calls.push(CallRec {
                    t: if rng.chance(0.5) { t - gap } else { t + gap },
                    caller: Caller::Blocked(rng.below(line.ntok) as u8),
                    dur: rng.range(5, 120) as u32,
                    link: None,
                });
            }
            let caller = if a.blocked {
                Caller::Blocked(rng.below(line.ntok) as u8)
            } else {
                Caller::Num(a.cid)
            };
            let vendor_t = a.t - w.lag(camp);
            let logged = !camp
                .log_gap
                .is_some_and(|(s, e)| (s..e).contains(&vendor_t));
            s.calls.push(CallRec {
                t,
                caller,
                dur: a.dur,
                link: logged.then_some((camp.idx, vendor_t)),
            });
            if camp.misleading {
                mask |= 1 << camp.idx;
            }
        }
    }
    mask
}

/// Sorts the records in time order. Two records that would read as exact duplicates (same
/// second, caller and duration: possible by chance at scale) are moved a second apart, so that
/// the only duplicates in the files are the planted ones.
fn separate(calls: &mut [CallRec]) {
    let ck = |c: Caller| match c {
        Caller::Num(n) => n,
        Caller::Blocked(_) => 0,
        Caller::Invalid(v) => (1 << 40) + v as u64,
    };
    loop {
        calls.sort_by_key(|r| (r.t, ck(r.caller), r.dur));
        let mut moved = false;
        for i in 1..calls.len() {
            let (a, b) = (calls[i - 1], calls[i]);
            if a.t == b.t && ck(a.caller) == ck(b.caller) && a.dur == b.dur {
                calls[i].t += 1;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
}

/// Writes the records (a few twice: the planted duplicates; Western's May records to their
/// own file), then the subscriber returns of the personal contacts who called.
fn write_records(line: &Line, rng: &mut Rng, s: &Scratch, out: &mut BlockOut) {
    let (w, carrier, number, switch) = (line.w, line.carrier, line.c.number, line.dist.switch);
    let may1 = fmt::utc(2011, 5, 1, 0, 0, 0);
    for r in &s.calls {
        if let Some((c, vendor_t)) = r.link {
            fmt::phone(&mut out.links, number, Spell::E164);
            out.links.push(b',');
            fmt::push_u64(&mut out.links, r.t as u64);
            out.links.push(b',');
            out.links.extend_from_slice(w.campaigns[c].name.as_bytes());
            out.links.push(b',');
            fmt::push_u64(&mut out.links, vendor_t as u64);
            out.links.push(b'\n');
        }
        let copies = if rng.chance(0.0008) { 2 } else { 1 };
        out.duplicates += copies - 1;
        for _ in 0..copies {
            if carrier == WESTERN && r.t >= may1 {
                write_row(w, carrier, &mut out.may, number, r, switch);
                out.rows_may += 1;
            } else {
                write_row(w, carrier, &mut out.main, number, r, switch);
                out.rows_main += 1;
            }
        }
    }
    for src in &s.sources {
        if src.returns && src.calls > 0 {
            if let Caller::Num(n) = src.caller {
                subscriber_row(&mut out.subs, n, rng);
            }
        }
    }
}

/// Generates a block of complainants (all of one carrier).
pub(crate) fn block(w: &World, prof: &Profiles, comps: &[Complainant]) -> BlockOut {
    let mut out = BlockOut::default();
    let mut s = Scratch::default();
    for c in comps {
        let mask = complainant(w, prof, c, &mut s, &mut out);
        if mask != 0 {
            out.targeted.push((c.number, mask));
        }
    }
    out
}
