//! The timestamp parser on arbitrary text, with profile formats and zones (DST gaps and folds,
//! half-hour and 30-minute-DST zones, a skipped day), including separate date and time
//! columns (`parse_joined`), and the duration parser.
//!
//! Input: the first byte picks a configuration; the rest is lines. A line with a tab is a
//! (date, time) pair. Checked, as `src/normalize/time.rs` promises: the caches change nothing
//! (a parser that has read the previous lines answers as a fresh one), and `parse_joined(d, t)`
//! answers as `parse` on `d.trim() + " " + t.trim()`.
#![no_main]

use std::sync::OnceLock;

use callsift::normalize::time::{
    format_utc, parse_duration_ms, AmbiguousPolicy, DurationFormat, TimeParser,
};
use libfuzzer_sys::fuzz_target;

const CONFIGS: &[(&str, &[&str], AmbiguousPolicy)] = &[
    ("America/Toronto", &["%Y-%m-%d %H:%M:%S"], AmbiguousPolicy::Earliest),
    ("America/Montreal", &["%d/%m/%Y %H:%M:%S"], AmbiguousPolicy::Latest),
    ("UTC", &["%Y-%m-%dT%H:%M:%SZ"], AmbiguousPolicy::Earliest),
    (
        "Europe/London",
        &["rfc3339", "epoch_s", "epoch_ms", "excel_serial"],
        AmbiguousPolicy::Quarantine,
    ),
    ("America/St_Johns", &["%m/%d/%y %I:%M %p", "%Y-%m-%d"], AmbiguousPolicy::Earliest),
    (
        "Australia/Lord_Howe",
        &["%Y-%m-%d %H:%M:%S%.f", "%d %b %Y %H:%M:%S%:z"],
        AmbiguousPolicy::Latest,
    ),
    ("Pacific/Apia", &["%Y-%m-%d %H:%M:%S", "%a %d %B %Y %H:%M"], AmbiguousPolicy::Earliest),
    (
        "America/Toronto",
        &["%Y%m%d%H%M%S", "%Y-%m-%dT%H:%M:%S%z", "%e-%b-%y %H:%M:%S%.3f"],
        AmbiguousPolicy::Quarantine,
    ),
];

const DURATIONS: [DurationFormat; 3] =
    [DurationFormat::Seconds, DurationFormat::MinSec, DurationFormat::HourMinSec];

fn parsers() -> &'static Vec<TimeParser> {
    static P: OnceLock<Vec<TimeParser>> = OnceLock::new();
    P.get_or_init(|| {
        CONFIGS
            .iter()
            .map(|(zone, formats, policy)| {
                let formats: Vec<String> = formats.iter().map(|f| f.to_string()).collect();
                TimeParser::try_new(&formats, zone, *policy)
                    .unwrap_or_else(|e| panic!("harness config {zone} {formats:?}: {e}"))
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let proto = &parsers()[sel as usize % CONFIGS.len()];
    let mut p = proto.clone();
    let text = String::from_utf8_lossy(rest);
    for line in text.split('\n') {
        if let Some((date, time)) = line.split_once('\t') {
            let got = p.parse_joined(date, time);
            let joined = format!("{} {}", date.trim(), time.trim());
            let want = proto.clone().parse(&joined);
            assert_eq!(got, want, "parse_joined({date:?}, {time:?}) vs parse({joined:?})");
            if let Ok(t) = got {
                let _ = format_utc(t.micros);
            }
        } else {
            let got = p.parse(line);
            let want = proto.clone().parse(line);
            assert_eq!(got, want, "{line:?}: a parser with caches differs from a fresh one");
            if let Ok(t) = got {
                let _ = format_utc(t.micros);
            }
            for f in DURATIONS {
                let _ = parse_duration_ms(line, f);
            }
        }
    }
    // Naive wall-clock cells (xlsx, Parquet without zone).
    for chunk in rest.chunks_exact(8) {
        let v = i64::from_le_bytes(chunk.try_into().unwrap());
        let got = p.parse_naive_micros(v);
        assert_eq!(got, proto.clone().parse_naive_micros(v), "naive {v}");
    }
});
