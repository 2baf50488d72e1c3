//! The texts of `numbers` and `leads` (`src/correlate/numbers.rs`, `reach.rs`, `facts.rs`,
//! `spoof.rs`; `docs/method.md` sections 2, 8 and 9).

use super::{Entries, P_TEXT, Q_TEXT};

pub(super) const NUMBERS: Entries = &[
    (
        "rank",
        "The number's rank, 1 = the smallest ln_p (the most significant); ties go to the larger \
         only_incident, then the lower number. The rows are in this order.",
    ),
    (
        "rank_unexplained",
        "Its rank among the numbers that are not explained only (1 = the most significant \
         unexplained number), in rank's order and with its tie-breaking; null for an explained \
         number.",
    ),
    (
        "number",
        "The originating number: the caller ID the carrier recorded on received calls, E.164 \
         (`+1` and ten digits for a North American number). A blocked or invalid caller ID is no number, so it has no row.",
    ),
    (
        "only_incident",
        "a: complainants this number called in the incident window and never in the baseline \
         window. A complainant (its file id, else its number) counts once, however often it \
         was called and on whichever of its lines.",
    ),
    (
        "only_baseline",
        "b: complainants this number called in the baseline window and never in the incident \
         window, each counted once.",
    ),
    (
        "both",
        "Complainants this number called in both the incident and the baseline windows, each \
         counted once; they take no part in the binomial test.",
    ),
    (
        "calls",
        "Received calls (to a complainant in the orders, inside the orders window) showing this \
         number, in any window: call records, not complainants.",
    ),
    (
        "ln_p",
        "Natural log of the one-sided exact binomial p-value P(X ≥ only_incident), X ~ \
         Binomial(only_incident + only_baseline, π), π the incident window's share of incident \
         + baseline time (figures.json incident_share); exact in log space, so values below \
         1e-308 survive. 0 (p = 1) when both counts are 0.",
    ),
    (
        "q",
        "Benjamini–Hochberg adjusted p-value over every originating number (exp of ln_q); it \
         underflows to 0 below about 1e-308, so filter on ln_q.",
    ),
    (
        "ln_q",
        "Natural log of q, computed in log space: ln q(r) = min(0, min over j ≥ r of ln p(j) + \
         ln m − ln j), tests sorted by ln_p, m the count of numbers; tied p-values share one q. \
         q ≤ 0.05 is ln_q ≤ −2.996.",
    ),
    (
        "p_text",
        P_TEXT,
    ),
    (
        "q_text",
        Q_TEXT,
    ),
    (
        "explained",
        "True when the number is on a telemarketer or political_entity watch-list, or a \
         received call showing it was attributed to a campaign of [attribution] \
         legitimate_campaigns. An explained number keeps its rank and q but is never a lead.",
    ),
    (
        "subscriber_status",
        "The most informative subscriber return for the number: `obtained`, else `refused`, \
         else `not_requested` (also when no return names it).",
    ),
    (
        "subscriber_name",
        "The name on the subscriber return kept for subscriber_status, where it gives one; an \
         `nm-` token under --pseudonymize.",
    ),
    (
        "watchlists",
        "The watch-lists naming the number: their kinds (telemarketer, political_entity, \
         regulator_suspect, fraud_suspect, other), then their names, each sorted; null when none \
         does.",
    ),
    (
        "campaigns",
        "The vendor campaigns the attribution matched to received calls showing this number as \
         caller ID, sorted; null when none.",
    ),
    (
        "presented_by",
        "The vendor campaigns whose call-log records sent this number as caller ID (any record, \
         whether or not a call was attributed to it), sorted; null when none did.",
    ),
    (
        "spoofed_likely",
        "True when a campaign not in [attribution] legitimate_campaigns presented the number \
         while dialling a complainant's line, no declared legitimate campaign presents it, and \
         no telemarketer or political_entity watch-list names it.",
    ),
    (
        "spoofed_reason",
        "Why spoofed_likely is true, naming each suspect campaign with its vendor, account, \
         customer and counts of vendor records; or, starting `not flagged:`, which rule cleared \
         it. Null when no campaign presented the number. Never the subscriber's name.",
    ),
    (
        "districts",
        "The districts (from the complainants file) of the complainant lines this number \
         called, sorted by name; an empty list when none has one.",
    ),
    (
        "first_seen",
        "When the number's earliest received call started (carrier's time), UTC (µs).",
    ),
    (
        "first_seen_local",
        "The same instant as first_seen, in [case] time_zone (UTC when the case names none): ISO 8601 with the zone's offset at that instant, e.g. 2011-05-02T10:02:46-04:00; null where first_seen is.",
    ),
    (
        "last_seen",
        "When the number's latest received call started (carrier's time), UTC (µs).",
    ),
    (
        "last_seen_local",
        "The same instant as last_seen, in [case] time_zone (UTC when the case names none): ISO 8601 with the zone's offset at that instant, e.g. 2011-05-02T10:02:46-04:00; null where last_seen is.",
    ),
    (
        "evidence",
        "`file:row` of the carrier record of its first received call in the incident window \
         (the earliest; ties: case order, then row), or of its first call when none is in the \
         incident window.",
    ),
];

pub(super) const LEADS: Entries = &[
    (
        "rank",
        "The number's rank in the numbers table (1 = the most significant); the rows are in \
         this order.",
    ),
    (
        "rank_unexplained",
        "Its rank among the numbers that are not explained only (numbers.rank_unexplained; 1 = \
         the most significant unexplained number). A lead is never explained, so the first lead \
         is 1 whatever its rank.",
    ),
    ("number", "The lead: an originating number, E.164."),
    (
        "ln_p",
        "Natural log of its one-sided exact binomial p-value, as numbers.ln_p.",
    ),
    (
        "q",
        "Its Benjamini–Hochberg q over every originating number, at most 0.05 (numbers.q: exp of \
         ln_q, 0 below about 1e-308; ln_q keeps the value).",
    ),
    (
        "ln_q",
        "Natural log of q, computed in log space as numbers.ln_q; a lead has ln_q ≤ ln 0.05 = \
         −2.996.",
    ),
    ("p_text", P_TEXT),
    ("q_text", Q_TEXT),
    (
        "only_incident",
        "Complainants it called in the incident window and never in the baseline, as \
         numbers.only_incident.",
    ),
    (
        "country_code",
        "Its country calling code, digits without + (`1`, `44`), from libphonenumber's list of \
         codes; null when none fits.",
    ),
    (
        "area_code",
        "Its area code (NPA) when it is an 11-digit NANP number (+1 and 10 digits); null \
         otherwise.",
    ),
    (
        "exchange_holder",
        "The carrier of the numbering-plan row matched: the row with the number's area code and \
         exchange (NPA-NXX, the CNA file), else the row with its area code alone (NANPA); null \
         without a match or a carrier. A first guess: the number may have been ported since.",
    ),
    (
        "exchange_status",
        "The matched numbering-plan row's status, as published (`In Service`, `Y`/`N`); null \
         without a match or a status.",
    ),
    (
        "country",
        "The matched numbering-plan row's country, as published (`CA`, `US`, `CANADA`); null \
         without a match or a country.",
    ),
    (
        "region",
        "The matched numbering-plan row's province or state; null without a match or a region.",
    ),
    (
        "subscriber_status",
        "`obtained`, `refused` or `not_requested`, as numbers.subscriber_status; a lead is \
         `obtained` only when it is likely spoofed.",
    ),
    (
        "spoofed_likely",
        "As numbers.spoofed_likely: a campaign nobody declared legitimate presented the number \
         to complainants, so its subscriber may be an innocent party.",
    ),
    (
        "note",
        "For a likely spoofed number, `presented by campaign C of vendor V (account A, customer \
         X); the subscriber may be an innocent party`; null otherwise.",
    ),
    (
        "evidence",
        "`file:row` of the carrier record of its first received call in the incident window, as \
         numbers.evidence.",
    ),
];
