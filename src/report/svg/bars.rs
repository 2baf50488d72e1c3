//! Calls per bin as stacked bars, on a time axis in local time: the timeline of the report.

use chrono::{Datelike, Timelike};
use chrono_tz::Tz;

use super::{n, open, rect, text, BEHIND};
use crate::report::hours::Hours;
use crate::report::html::Page;

/// The incident window's band.
const INCIDENT_BAND: &str = "#fbe3e1";

/// The smallest "round" maximum (1, 2 or 5 × a power of ten, times up to 5 steps) at or above
/// `m`, and its step.
fn axis(m: u64) -> (u64, u64) {
    let mut step = 1u64;
    loop {
        for k in [1u64, 2, 5] {
            if m <= (5 * k).saturating_mul(step) {
                let s = k.saturating_mul(step);
                return (m.div_ceil(s).max(1).saturating_mul(s), s);
            }
        }
        step = step.saturating_mul(10);
    }
}

/// What a bar chart of calls per bin draws.
pub(in crate::report) struct Bars<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub hours: &'a Hours,
    /// The bins to draw (a half-open range).
    pub range: (usize, usize),
    pub zone: Tz,
    /// A label per bin with its count, and the hour under each bar (for a day's chart).
    pub per_bar: bool,
}

/// Calls per bin as stacked bars (not attributed, legitimate campaign, other campaign), the
/// incident window shaded, the bins that stand out marked.
pub(in crate::report) fn bars(p: &mut Page, b: &Bars<'_>) {
    let h = b.hours;
    let to = b.range.1.min(h.bins.len());
    let from = b.range.0.min(to);
    let k = (to - from).max(1) as f64;
    let bw = (1100.0 / k).clamp(2.0, 44.0);
    let (left, top, ph) = (44.0, 40.0, 180.0);
    let w = left + bw * k + 16.0;
    let height = top + ph + 42.0;
    let top_count = (from..to).map(|i| h.count(i)).max().unwrap_or(0);
    let (ymax, step) = axis(top_count);
    let y = |v: u64| top + ph - ph * v as f64 / ymax as f64;
    let x = |i: usize| left + bw * (i - from) as f64;
    open(p, b.id, w, height, b.title);
    // The incident window, shaded, and each window named above the plot.
    for (name, (a, z)) in [("baseline", h.baseline), ("incident", h.incident)] {
        let (a, z) = (a.max(from), z.min(to));
        if a >= z {
            continue;
        }
        if name == "incident" {
            rect(p, x(a), top, x(z) - x(a), ph, "band", INCIDENT_BAND, "");
        }
        text(p, (x(a) + x(z)) / 2.0, top - 24.0, "window", "middle", name);
    }
    let mut v = 0;
    while v <= ymax {
        p.void(
            "line",
            &[
                ("x1", &n(left)),
                ("x2", &n(w - 16.0)),
                ("y1", &n(y(v))),
                ("y2", &n(y(v))),
                ("class", "grid"),
            ],
        );
        text(p, left - 4.0, y(v) + 3.0, "tick", "end", &v.to_string());
        v += step;
    }
    for i in from..to {
        bar(p, b, i, x(i), bw, &y);
    }
    marks(p, b, (&x, &y), bw, w);
    x_labels(p, b, &x, top + ph, bw);
    let caption = format!("local time ({})", b.zone);
    text(p, w - 16.0, top + ph + 34.0, "tick", "end", &caption);
    p.close_line("svg");
}

/// One bin's stacked bar, with its tooltip.
fn bar(p: &mut Page, b: &Bars<'_>, i: usize, x: f64, bw: f64, y: &impl Fn(u64) -> f64) {
    let h = b.hours;
    let c = h.bins[i];
    let total = h.count(i);
    let when = local(h.at(i), b.zone);
    let tip = format!(
        "{} ({} h): {} ({} attributed to a campaign not declared legitimate, {} to a declared \
         legitimate one, {} not attributed)",
        when.format("%Y-%m-%d %H:%M %:z"),
        h.hours_per_bin(),
        crate::report::html::count(total, "call", "calls"),
        c[2],
        c[1],
        c[0]
    );
    p.open("g", &[]);
    p.leaf("title", &[], &tip);
    let mut base = 0;
    for (part, fill) in [0, 1, 2].into_iter().zip(BEHIND) {
        if c[part] == 0 {
            continue;
        }
        let (y0, y1) = (y(base), y(base + c[part]));
        rect(
            p,
            x + 0.5,
            y1,
            (bw - 1.0).max(1.0),
            y0 - y1,
            "bar",
            fill,
            "",
        );
        base += c[part];
    }
    if b.per_bar && total > 0 {
        text(
            p,
            x + bw / 2.0,
            y(total) - 3.0,
            "count",
            "middle",
            &total.to_string(),
        );
    }
    p.close_line("g");
}

/// A marker above each bin that stands out, labelled with its count (the five largest).
fn marks(
    p: &mut Page,
    b: &Bars<'_>,
    (x, y): (&impl Fn(usize) -> f64, &impl Fn(u64) -> f64),
    bw: f64,
    right: f64,
) {
    let h = b.hours;
    let shown: Vec<usize> = h
        .marked
        .iter()
        .copied()
        .filter(|&i| i >= b.range.0 && i < b.range.1)
        .collect();
    let mut labelled = shown.clone();
    labelled.sort_by_key(|&i| (std::cmp::Reverse(h.count(i)), i));
    labelled.truncate(5);
    for i in shown {
        let cx = x(i) + bw / 2.0;
        let top = y(h.count(i)) - if b.per_bar { 14.0 } else { 3.0 };
        let tip = format!(
            "stands out: {} in the hour of {}, more than the busiest baseline hour ({})",
            h.count(i),
            local(h.at(i), b.zone).format("%Y-%m-%d %H:%M"),
            h.baseline_max
        );
        p.open(
            "path",
            &[
                ("d", &format!("M{} {}l-5 -8h10z", n(cx), n(top))),
                ("class", "mark"),
            ],
        );
        p.leaf("title", &[], &tip);
        p.close("path");
        if labelled.contains(&i) && !b.per_bar {
            let label = format!(
                "{} calls at {}",
                h.count(i),
                local(h.at(i), b.zone).format("%H:%M")
            );
            // Left of the marker when the label would leave the chart on the right.
            if cx + 7.0 + 6.5 * label.chars().count() as f64 > right {
                text(p, cx - 7.0, top - 4.0, "marklabel", "end", &label);
            } else {
                text(p, cx + 7.0, top - 4.0, "marklabel", "start", &label);
            }
        }
    }
}

/// The time axis: dates at local midnight (every bin's hour on a day's chart).
fn x_labels(p: &mut Page, b: &Bars<'_>, x: &impl Fn(usize) -> f64, base: f64, bw: f64) {
    let mut last = f64::NEG_INFINITY;
    for i in b.range.0..b.range.1 {
        let t = local(b.hours.at(i), b.zone);
        let (label, tick) = if b.per_bar {
            (format!("{:02}:00", t.hour()), true)
        } else if t.hour() == 0 || i == b.range.0 {
            (format!("{} {}", month(t.month()), t.day()), t.hour() == 0)
        } else {
            continue;
        };
        let at = if b.per_bar { x(i) + bw / 2.0 } else { x(i) };
        if at - last < 34.0 {
            continue;
        }
        last = at;
        if tick && !b.per_bar {
            p.void(
                "line",
                &[
                    ("x1", &n(at)),
                    ("x2", &n(at)),
                    ("y1", &n(base)),
                    ("y2", &n(base + 5.0)),
                    ("class", "axis"),
                ],
            );
        }
        let anchor = if b.per_bar { "middle" } else { "start" };
        text(p, at, base + 16.0, "tick", anchor, &label);
    }
}

fn month(m: u32) -> &'static str {
    const M: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    M[(m as usize + 11) % 12]
}

/// An instant in `zone`.
pub(in crate::report) fn local(t: i64, zone: Tz) -> chrono::DateTime<Tz> {
    chrono::DateTime::from_timestamp_micros(t)
        .unwrap_or_default()
        .with_timezone(&zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_are_round() {
        assert_eq!(axis(89), (100, 20));
        assert_eq!(axis(0), (1, 1));
        assert_eq!(axis(5), (5, 1));
        assert_eq!(axis(6), (6, 2));
        assert_eq!(axis(6051), (8000, 2000));
        assert_eq!(axis(u64::MAX).0, u64::MAX);
        assert_eq!(n(3.0), "3");
        assert_eq!(n(2.25), "2.2");
    }
}
