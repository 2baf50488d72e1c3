//! The vendor campaigns: who each list takes (a share of a download, plus noise, or a sample),
//! when the passes run, the caller ID presented, and what happened to every dial attempt. Party
//! A's legitimate campaigns (advance-poll reminders, a town-hall invitation, a national
//! robo-poll, the election-day GOTV of the `gotv` world) come first, then the misleading ones.
//!
//! Membership and attempts are keyed draws on `(campaign, person)`, so the vendor log, the
//! upload list and the carrier records of a call agree without sharing state.

use super::downloads::{index, Download};
use super::people::{district_index, District};
use super::story::{CallerId, Callers};
use super::{edt, Flags, World};
use super::{T_BLOCKED, T_CID, T_DELAY, T_DTMF, T_DUR, T_JITTER, T_MEMBER, T_SPLIT, T_STATUS};
use crate::synth::fmt::Spell;
use crate::synth::rng::key4;

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

/// The second part of a list uploaded in two: its upload (file stem), when, and the share of
/// the members it holds (the others are in the first).
#[derive(Clone, Debug)]
pub(crate) struct Split {
    pub upload: String,
    pub time: i64,
    pub share: f64,
}

/// A vendor campaign.
#[derive(Clone, Debug)]
pub(crate) struct Campaign {
    pub idx: usize,
    pub name: String,
    /// The vendor (index into `VENDORS`).
    pub vendor: usize,
    pub vendor_account: String,
    /// The customer the vendor's campaign registry names for it.
    pub customer: String,
    /// The purpose it declared to the vendor.
    pub purpose: &'static str,
    pub misleading: bool,
    pub segments: Vec<Segment>,
    /// Persons before each segment in list order.
    pub(super) seg_base: Vec<u64>,
    /// (district, segment index), sorted: where to find a district's segment.
    pub(super) seg_index: Vec<(usize, usize)>,
    pub(super) span: u64,
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
    /// The list's second upload, when it came in two.
    pub split: Option<Split>,
    /// How the customer spelled numbers in the upload.
    pub upload_spell: Spell,
    pub source_download: Option<usize>,
    /// Share of carrier records that show a blocked caller ID.
    pub blocked_share: f64,
    /// A campaign that dials a share of another's members (index, share), once, 2–20 s
    /// before or after that campaign's first dial: two vendors on one line seconds apart.
    pub shadow: Option<(usize, f64)>,
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

    /// Whether the carrier has a record of the call: the phone rang (a busy line or a failed
    /// dial leaves none).
    pub(crate) fn recorded(self) -> bool {
        !matches!(self, Status::Failed | Status::Busy)
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

impl Campaign {
    /// A campaign with nothing planned yet but whether it misleads (which sets the share of
    /// blocked caller IDs); the plan fills in the rest.
    pub(super) fn blank(misleading: bool) -> Campaign {
        Campaign {
            idx: 0,
            name: String::new(),
            vendor: 0,
            shadow: None,
            vendor_account: String::new(),
            customer: String::new(),
            purpose: "",
            misleading,
            segments: Vec::new(),
            seg_base: Vec::new(),
            seg_index: Vec::new(),
            span: 1,
            pass1: (0, 0),
            retry: (0, 0),
            caller: CallerId::Fixed(0),
            keypress: false,
            upload: String::new(),
            upload_time: 0,
            split: None,
            upload_spell: Spell::Ten,
            source_download: None,
            blocked_share: if misleading { 0.1 } else { 0.01 },
            district: String::new(),
            log_gap: None,
        }
    }

    /// Numbers the campaign `idx` and lays its segments end to end in list order.
    fn numbered(mut self, idx: usize, districts: &[District]) -> Campaign {
        self.idx = idx;
        let mut base = 0;
        self.seg_base = self
            .segments
            .iter()
            .map(|s| {
                let b = base;
                base += districts[s.district].size;
                b
            })
            .collect();
        self.span = base.max(1);
        self.seg_index = self
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| (s.district, i))
            .collect();
        self.seg_index.sort();
        // A district listed twice keeps its first segment, as a search from the start would.
        self.seg_index.dedup_by_key(|x| x.0);
        self
    }
}

/// A segment taking a share `frac` of download `dl`'s persons in `district`, and a share
/// `noise` of everyone else there.
fn from_download(district: usize, dl: usize, frac: f64, noise: f64) -> Segment {
    Segment {
        district,
        rule: Rule::FromDownload { dl, frac, noise },
    }
}

/// Every campaign of the world, numbered in order: the legitimate ones of the story (the
/// robo-poll over its first `story_districts` districts), then the misleading, the survey, and
/// `season` (the national world's other campaigns).
pub(super) fn plan(
    flags: Flags,
    districts: &[District],
    story_districts: usize,
    downloads: &[Download],
    callers: Callers,
    season: Vec<Campaign>,
) -> Vec<Campaign> {
    let mut planned = legitimate(flags, story_districts, downloads, &callers);
    planned.extend(misleading(flags, downloads, callers));
    if let Some(m) = planned.iter().position(|c| c.misleading) {
        let survey = survey(&planned[m], m);
        planned.push(survey);
    }
    planned.extend(season);
    planned
        .into_iter()
        .enumerate()
        .map(|(i, c)| c.numbered(i, districts))
        .collect()
}

/// The caller ID of the survey (a toll-free line of the survey firm).
pub(crate) const SURVEY_CALLER_ID: u64 = 18_885_550_142;

/// A market-research survey run by the second vendor the same morning: it dials 15 % of the
/// first misleading campaign's members, seconds before or after the robocall, from its own
/// toll-free line (declared legitimate). A nearest-record rule gives one vendor's record to
/// the other vendor's call.
fn survey(of: &Campaign, m: usize) -> Campaign {
    Campaign {
        name: "survey-0502".into(),
        vendor: 1,
        vendor_account: "pq-research-2".into(),
        customer: "Northfield Market Research".into(),
        purpose: "market research survey",
        segments: of.segments.clone(),
        pass1: of.pass1,
        retry: of.retry,
        caller: CallerId::Fixed(SURVEY_CALLER_ID),
        upload: "pq-20110502-0007".into(),
        upload_time: of.upload_time + 3600,
        upload_spell: Spell::Ten,
        source_download: None,
        district: of.district.clone(),
        shadow: Some((m, 0.15)),
        ..Campaign::blank(false)
    }
}

/// Party A's own campaigns, run through its district and national vendor accounts.
fn legitimate(
    flags: Flags,
    n_districts: usize,
    downloads: &[Download],
    callers: &Callers,
) -> Vec<Campaign> {
    let dl = |id: &str| index(downloads, id);
    let guelph = district_index("Guelph");
    let mut v = vec![
        Campaign {
            name: "gotv-advance-0422".into(),
            vendor_account: "acct-guelph-cpo".into(),
            customer: "Party A, Guelph campaign office".into(),
            purpose: "advance-poll reminder",
            segments: vec![from_download(guelph, dl("DL-20110405-0288"), 0.85, 0.0)],
            pass1: (edt(4, 22, 17, 0, 0), edt(4, 22, 20, 30, 0)),
            retry: (edt(4, 23, 11, 0, 0), edt(4, 23, 12, 30, 0)),
            caller: CallerId::Fixed(callers.advance),
            upload: "upl-20110421-2150".into(),
            upload_time: edt(4, 21, 16, 2, 51),
            upload_spell: Spell::Dashed,
            source_download: Some(dl("DL-20110405-0288")),
            district: "Guelph".into(),
            ..Campaign::blank(false)
        },
        Campaign {
            name: "robo-poll-0425".into(),
            vendor_account: "acct-national-1".into(),
            customer: "Party A national campaign".into(),
            purpose: "voter identification poll",
            segments: (0..n_districts)
                .map(|di| from_download(di, dl("DL-20110423-0107"), 0.5, 0.0))
                .collect(),
            pass1: (edt(4, 25, 17, 0, 0), edt(4, 25, 21, 0, 0)),
            retry: (edt(4, 26, 17, 30, 0), edt(4, 26, 20, 0, 0)),
            caller: CallerId::Fixed(callers.poll),
            keypress: true,
            upload: "upl-20110424-1180".into(),
            upload_time: edt(4, 24, 19, 15, 3),
            upload_spell: Spell::Ten,
            source_download: Some(dl("DL-20110423-0107")),
            district: "national".into(),
            ..Campaign::blank(false)
        },
        Campaign {
            name: "townhall-invite-0428".into(),
            vendor_account: "acct-guelph-cpo".into(),
            customer: "Party A, Guelph campaign office".into(),
            purpose: "town hall invitation",
            segments: vec![from_download(guelph, dl("DL-20110427-0351"), 0.45, 0.0)],
            pass1: (edt(4, 28, 18, 0, 0), edt(4, 28, 20, 0, 0)),
            retry: (edt(4, 29, 12, 0, 0), edt(4, 29, 13, 30, 0)),
            caller: CallerId::Fixed(callers.townhall),
            upload: "upl-20110427-2190".into(),
            upload_time: edt(4, 27, 15, 30, 27),
            upload_spell: Spell::Paren,
            source_download: Some(dl("DL-20110427-0351")),
            district: "Guelph".into(),
            ..Campaign::blank(false)
        },
    ];
    if flags.gotv {
        v.push(Campaign {
            name: "gotv-election-day".into(),
            vendor_account: "acct-guelph-cpo".into(),
            customer: "Party A, Guelph campaign office".into(),
            purpose: "get out the vote",
            segments: vec![from_download(guelph, dl("DL-20110430-0398"), 0.85, 0.0)],
            pass1: (edt(5, 2, 13, 0, 0), edt(5, 2, 17, 30, 0)),
            retry: (edt(5, 2, 17, 45, 0), edt(5, 2, 19, 30, 0)),
            caller: CallerId::Fixed(callers.gotv),
            upload: "upl-20110430-2204".into(),
            upload_time: edt(4, 30, 16, 5, 40),
            upload_spell: Spell::Dashed,
            source_download: Some(dl("DL-20110430-0398")),
            district: "Guelph".into(),
            ..Campaign::blank(false)
        });
    }
    v
}

/// The misleading campaigns: `poll-location-change` in Guelph, and in the two-campaign worlds
/// `voting-day-notice-kw` in Kitchener—Waterloo, each with a little noise from a neighbour.
fn misleading(flags: Flags, downloads: &[Download], callers: Callers) -> Vec<Campaign> {
    let dl = |id: &str| index(downloads, id);
    let (guelph, kw, london) = (
        district_index("Guelph"),
        district_index("Kitchener—Waterloo"),
        district_index("London West"),
    );
    let mut main = Campaign {
        name: "poll-location-change".into(),
        vendor_account: "acct-7731".into(),
        customer: "Pierre Poutine".into(),
        purpose: "voter information",
        segments: vec![
            from_download(guelph, dl("DL-20110501-0412"), 0.68, 0.015),
            Segment {
                district: kw,
                rule: Rule::Sample(0.004),
            },
        ],
        pass1: (edt(5, 2, 10, 2, 0), edt(5, 2, 11, 45, 0)),
        retry: (edt(5, 2, 12, 0, 0), edt(5, 2, 12, 40, 0)),
        caller: callers.spoof_main,
        upload: "upl-20110501-7731".into(),
        upload_time: edt(5, 1, 21, 40, 12),
        upload_spell: Spell::Ten,
        source_download: Some(dl("DL-20110501-0412")),
        district: "Guelph".into(),
        ..Campaign::blank(true)
    };
    if flags.gap {
        // Part of the vendor's export was lost: five minutes of the first pass.
        main.log_gap = Some((edt(5, 2, 10, 40, 0), edt(5, 2, 10, 45, 0)));
    }
    let mut v = vec![main];
    if flags.two {
        v.push(Campaign {
            name: "voting-day-notice-kw".into(),
            vendor_account: "acct-5120".into(),
            customer: "J. Marchand".into(),
            purpose: "voter information",
            segments: vec![
                from_download(kw, dl("DL-20110501-0415"), 0.72, 0.015),
                Segment {
                    district: london,
                    rule: Rule::Sample(0.004),
                },
            ],
            pass1: (edt(5, 2, 8, 50, 0), edt(5, 2, 10, 10, 0)),
            retry: (edt(5, 2, 10, 25, 0), edt(5, 2, 11, 0, 0)),
            caller: callers.spoof_second,
            upload: "upl-20110501-5120".into(),
            upload_time: edt(5, 1, 22, 5, 40),
            upload_spell: Spell::Dashed,
            source_download: Some(dl("DL-20110501-0415")),
            district: "Kitchener—Waterloo".into(),
            ..Campaign::blank(true)
        });
    }
    v
}

impl World {
    /// The segment of campaign `c` that covers district `d`.
    #[inline]
    pub(crate) fn segment(&self, c: usize, d: usize) -> Option<usize> {
        let idx = &self.campaigns[c].seg_index;
        idx.binary_search_by_key(&d, |x| x.0).ok().map(|i| idx[i].1)
    }

    /// Whether campaign `c` dialed person `g` (in district `d`).
    pub(crate) fn member(&self, c: usize, g: u64, d: usize) -> bool {
        let Some(si) = self.segment(c, d) else {
            return false;
        };
        let u = self.u(T_MEMBER, c as u64, g);
        if let Some((m, share)) = self.campaigns[c].shadow {
            return u < share && self.member(m, g, d);
        }
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
            let uj = self.u(T_JITTER, ka, g);
            let t = match camp.shadow {
                Some((m, _)) => {
                    let Some(first) = self.attempts(m, g, d)[0] else {
                        break;
                    };
                    let gap = 2 + ((uj * 2.0).fract() * 19.0) as i64;
                    first.t + if uj < 0.5 { -gap } else { gap }
                }
                None => s + (frac * (e - s) as f64) as i64 + (uj * 40.0) as i64,
            };
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
            if camp.shadow.is_some() || !matches!(status, Status::NoAnswer | Status::Busy) {
                break;
            }
        }
        out
    }

    /// Whether a misleading campaign reached `g` (answered or voicemail).
    pub(crate) fn reached(&self, g: u64, d: usize) -> bool {
        self.misleading_idx.iter().any(|&c| {
            self.member(c, g, d)
                && self
                    .attempts(c, g, d)
                    .iter()
                    .flatten()
                    .any(|a| a.status.reached())
        })
    }

    /// Whether `g` (in district `d`) is in the second upload of campaign `c`'s list.
    pub(crate) fn in_second_upload(&self, c: usize, g: u64) -> bool {
        self.campaigns[c]
            .split
            .as_ref()
            .is_some_and(|s| self.u(T_SPLIT, c as u64, g) < s.share)
    }
}
