//! The texts of `attribution`, `campaigns`, `offsets` and `dossier`
//! (`src/correlate/attribution.rs`, `campaigns.rs`, `registry.rs`, `dossier.rs`;
//! `docs/method.md` sections 3 and 9).

use super::Entries;

pub(super) const ATTRIBUTION: Entries = &[
    (
        "source_file",
        "The carrier call's evidence file: its path relative to the case manifest's folder, as \
         the store records it.",
    ),
    (
        "source_row",
        "The carrier call's 1-based line (CSV, JSON lines) or row (xlsx, Parquet, IPC) in \
         source_file.",
    ),
    (
        "carrier",
        "The carrier that produced the call record (the profile's column, else the input's \
         label, else the file stem).",
    ),
    (
        "called",
        "The complainant's line that received the call, E.164.",
    ),
    (
        "start",
        "When the call started, as the carrier recorded it, UTC (µs).",
    ),
    (
        "start_local",
        "The same instant as start, in [case] time_zone (UTC when the case names none): ISO 8601 with the zone's offset at that instant, e.g. 2011-05-02T10:02:46-04:00; null where start is.",
    ),
    (
        "seen",
        "The caller ID the carrier recorded: E.164 when it is a number, else its raw text \
         (`PRIVATE`, `anonymous`, empty).",
    ),
    (
        "seen_status",
        "The carrier's caller ID: `ok` (a number), `blocked` (withheld) or `invalid` (not a \
         usable number).",
    ),
    (
        "vendor",
        "The vendor whose call-log record the call was matched to.",
    ),
    ("campaign", "The campaign of the matched vendor record."),
    (
        "account",
        "The vendor account of the matched record, as its log row names it, else as the \
         campaign registry names it for the campaign; null when neither does.",
    ),
    (
        "customer",
        "The customer or client the campaign registry names for the campaign; null when none \
         does. What the customer told the vendor, not an identity.",
    ),
    (
        "presented",
        "The caller ID the matched vendor record presented, E.164; null when it presented none, \
         or none that is a number.",
    ),
    (
        "caller_id_agrees",
        "True when seen is the presented number, or the record presented none and the carrier \
         recorded the call as blocked. The join prefers agreeing pairs.",
    ),
    (
        "delta_ms",
        "Carrier start − vendor start − the (carrier, vendor) pair's clock offset \
         (offsets.offset_ms), in ms (µs truncated toward zero); within ± [attribution] \
         tolerance_s (default 120 s).",
    ),
    (
        "vendor_start",
        "When the matched record says the vendor dialled, UTC (µs) on the vendor's own clock, \
         before the offset correction.",
    ),
    (
        "vendor_start_local",
        "The same instant as vendor_start, in [case] time_zone (UTC when the case names none): ISO 8601 with the zone's offset at that instant, e.g. 2011-05-02T10:02:46-04:00; null where vendor_start is.",
    ),
    (
        "disposition",
        "The matched record's disposition (answered, voicemail…) after the profile's value map; \
         null when the log gives none.",
    ),
    (
        "vendor_source_file",
        "The vendor call-log file of the matched record, path relative to the case manifest's \
         folder.",
    ),
    (
        "vendor_source_row",
        "The matched record's 1-based line or row in vendor_source_file.",
    ),
];

pub(super) const CAMPAIGNS: Entries = &[
    ("campaign", "The campaign's name in the vendor call log."),
    (
        "vendor",
        "The vendor of the campaign's first record in the log.",
    ),
    (
        "account",
        "The vendor account: the first log record of the campaign that names one, else the \
         upload merged into it, else the campaign registry; null when none names one.",
    ),
    (
        "customer",
        "The customer or client the campaign registry names for it; null when no registry lists \
         it or names none. What the customer told the vendor, not an identity.",
    ),
    (
        "purpose",
        "The purpose the campaign declared, from the campaign registry; null when none.",
    ),
    (
        "created",
        "When the campaign registry says the campaign was created, UTC (µs); null when none.",
    ),
    (
        "created_local",
        "The same instant as created, in [case] time_zone (UTC when the case names none): ISO 8601 with the zone's offset at that instant, e.g. 2011-05-02T10:02:46-04:00; null where created is.",
    ),
    (
        "upload",
        "The upload merged into the campaign (`upload:NAME`, whose rows name this campaign); \
         null when none. Its numbers are part of `campaign:NAME` in overlaps, enrichment, \
         spread, skew and derivations.",
    ),
    (
        "recipients",
        "Distinct numbers the campaign's log records dialled, all dispositions (busy and failed \
         too); the merged upload's numbers are not counted.",
    ),
    (
        "dial_records",
        "The campaign's records in the vendor call log, all dispositions.",
    ),
    (
        "presented",
        "The distinct caller IDs its records presented, E.164, sorted; null when none was a \
         number.",
    ),
    (
        "complainants_matched",
        "Distinct complainants (in the orders) with at least one received call attributed to \
         the campaign.",
    ),
    (
        "calls_matched",
        "Received calls the one-to-one attribution matched to a record of the campaign.",
    ),
    (
        "calls_caller_id_agrees",
        "Of calls_matched, those whose recorded caller ID agrees with the presented one \
         (attribution.caller_id_agrees).",
    ),
    (
        "caller_id_agreement",
        "calls_caller_id_agrees / calls_matched, a share 0-1 and a precision proxy; null \
         without a matched call.",
    ),
    (
        "offset_ms",
        "The clock offset (carrier minus vendor, ms) of the (carrier, vendor) pair that matched \
         most of its calls (ties: the earlier pair), as offsets.offset_ms; null without a \
         matched call.",
    ),
    (
        "legitimate",
        "True when [attribution] legitimate_campaigns lists the campaign.",
    ),
    (
        "first_dial",
        "The earliest time of its log records, all dispositions, UTC (µs) on the vendor's clock \
         (no offset correction); null when no record has a time.",
    ),
    (
        "first_dial_local",
        "The same instant as first_dial, in [case] time_zone (UTC when the case names none): ISO 8601 with the zone's offset at that instant, e.g. 2011-05-02T10:02:46-04:00; null where first_dial is.",
    ),
    (
        "last_dial",
        "The latest time of its log records, all dispositions, UTC (µs) on the vendor's clock \
         (no offset correction); null when no record has a time.",
    ),
    (
        "last_dial_local",
        "The same instant as last_dial, in [case] time_zone (UTC when the case names none): ISO 8601 with the zone's offset at that instant, e.g. 2011-05-02T10:02:46-04:00; null where last_dial is.",
    ),
    (
        "registry_evidence",
        "`file:row` of the campaign-registry row used, then of every other registry row naming \
         the campaign with other contents (figures.json campaign_registry_conflicts); null \
         when no registry lists it.",
    ),
];

pub(super) const OFFSETS: Entries = &[
    (
        "carrier",
        "The carrier of the calls (the profile's column, else the input's label, else the file \
         stem).",
    ),
    (
        "vendor",
        "The vendor of the vendor call log (the profile's column, else the input's label, else \
         the file stem).",
    ),
    (
        "offset_ms",
        "Carrier clock minus vendor clock, ms: the lower median of t_carrier − t_vendor over the \
         candidates (over a deterministic sample of them above 2^20), truncated to ms; null \
         without a candidate, and then the pair matches nothing.",
    ),
    (
        "candidates",
        "Pairs of a received call of the carrier and a record of the vendor that may have rung \
         (disposition not in never_rang) with called = dialed and the two times within ± \
         [attribution] offset_window_s (default 600 s).",
    ),
    (
        "mad_ms",
        "Lower median of the candidates' absolute deviations from the offset, ms (truncated): \
         how sharp the estimate is; null without a candidate.",
    ),
    (
        "matches",
        "Received calls of this carrier that the one-to-one attribution matched to a record of \
         this vendor.",
    ),
];

pub(super) const DOSSIER: Entries = &[
    (
        "subject_kind",
        "`lead` or `campaign`: what the row's subject is.",
    ),
    (
        "subject",
        "`number:+E164` for a lead (its received calls), `campaign:NAME` for an attributed \
         campaign (the calls matched to it).",
    ),
    (
        "call",
        "The call's position within its subject, from 1, in time order (ties: evidence file, \
         then row).",
    ),
    (
        "start",
        "When the call started, as the carrier recorded it, UTC (µs).",
    ),
    (
        "start_local",
        "The same instant in [case] time_zone (UTC when none is set), ISO 8601 with its offset \
         (`2011-05-02T10:02:46-04:00`).",
    ),
    (
        "window",
        "`incident`, `baseline`, or `other` (inside the orders window but in neither).",
    ),
    (
        "complainant",
        "The complainant who received the call: its id in the complainants file; null when the \
         file gives none (the number in `called` then stands for the complainant).",
    ),
    ("called", "The complainant's line that was called, E.164."),
    (
        "district",
        "The called line's district in the complainants file; null when it gives none.",
    ),
    ("carrier", "The carrier that produced the call record."),
    (
        "seen",
        "The caller ID the carrier recorded: E.164 when it is a number, else its raw text \
         (`PRIVATE`, `anonymous`, empty).",
    ),
    (
        "seen_status",
        "The carrier's caller ID: `ok`, `blocked` (withheld) or `invalid` (not a usable \
         number).",
    ),
    (
        "vendor",
        "The vendor of the record the attribution matched to the call; null when none matched \
         (a lead's call that no vendor log explains).",
    ),
    (
        "campaign",
        "The campaign of the matched vendor record; null when none matched.",
    ),
    (
        "account",
        "The matched record's vendor account, else the campaign registry's for its campaign; \
         null when none matched or none is named.",
    ),
    (
        "presented",
        "The caller ID the matched record presented, E.164; null when none matched or it \
         presented none that is a number.",
    ),
    (
        "caller_id_agrees",
        "Whether seen agrees with the matched record's presented caller ID (as \
         attribution.caller_id_agrees); null when none matched.",
    ),
    (
        "delta_ms",
        "Carrier start − vendor start − the pair's clock offset, ms (µs truncated toward zero); \
         null when none matched.",
    ),
    (
        "vendor_start",
        "When the matched record says the vendor dialled, UTC (µs) on the vendor's own clock \
         (no offset correction); null when none matched or it has no time.",
    ),
    (
        "vendor_start_local",
        "vendor_start in [case] time_zone (UTC when none is set), ISO 8601 with its offset; \
         null with vendor_start.",
    ),
    (
        "disposition",
        "The matched record's disposition, after the profile's value map; null when none \
         matched or the log gives none.",
    ),
    ("evidence", "`file:row` of the carrier record of the call."),
    (
        "vendor_evidence",
        "`file:row` of the matched vendor record; null when none matched.",
    ),
];
