//! `callsift timeline`'s output: the received calls as an aligned table (local time first, UTC
//! beside it) or as CSV (written as the results' CSV twins are: `store::csv_record`), in the
//! order the library gives them (by time).

use chrono_tz::Tz;

use super::table::TextTable;
use callsift::correlate::timeline::{Call, Timeline};
use callsift::normalize::phone::format_e164;
use callsift::normalize::time::{format_in_zone, format_utc};

/// The columns, in order: name, and whether it aligns right.
const COLUMNS: [(&str, bool); 10] = [
    ("local", false),
    ("utc", false),
    ("window", false),
    ("complainant", false),
    ("called", false),
    ("caller_id", false),
    ("status", false),
    ("carrier", false),
    ("campaign", false),
    ("evidence", false),
];

/// One call's cells.
fn cells(c: &Call, zone: Tz) -> Vec<String> {
    vec![
        format_in_zone(c.start, zone),
        format_utc(c.start),
        c.window.to_string(),
        c.complainant.clone().unwrap_or_default(),
        format_e164(c.called),
        c.seen.clone().unwrap_or_default(),
        c.seen_status.clone(),
        c.carrier.clone(),
        c.campaign.clone().unwrap_or_default(),
        c.evidence.clone(),
    ]
}

/// The timeline as text: a table with a count line (and a note when the run has no results to
/// name campaigns from), or CSV.
pub fn text(t: &Timeline, zone: Tz, csv: bool) -> String {
    if csv {
        let mut out = Vec::new();
        callsift::store::csv_record(&mut out, &COLUMNS.map(|c| c.0));
        for c in &t.calls {
            callsift::store::csv_record(&mut out, &cells(c, zone));
        }
        // Every cell is a `String`, so the bytes are UTF-8.
        return String::from_utf8_lossy(&out).into_owned();
    }
    let mut table = TextTable::new(&COLUMNS);
    for c in &t.calls {
        table.row(cells(c, zone));
    }
    let mut s = table.render("");
    s.push_str(&format!(
        "{} received call{}; local times in {zone}",
        t.calls.len(),
        if t.calls.len() == 1 { "" } else { "s" }
    ));
    if !t.attributed {
        s.push_str("; no campaign column yet (run correlate to attribute calls)");
    }
    s.push('\n');
    s
}
