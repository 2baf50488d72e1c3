//! The report's charts, as inline SVG: bars of calls per hour, a chain drawn as a path, the
//! overlap heat map and the district spread as stacked bars.
//!
//! Each chart is drawn from values the report read (nothing is computed here but positions
//! and colours), at a fixed size in its own coordinates (`viewBox`), so the page scales it to
//! the screen or the paper. Every element that shows a value carries a `<title>` with that
//! value and where it comes from, which a browser shows on hover; the values a reader needs
//! without hovering are written on the chart. Every text is escaped ([`super::esc`]).
//!
//! Every chart is an `<svg class="chart">` whose bars or cells have the class `bar` or `cell`
//! (the tests count them).

use chrono::{Datelike, Timelike};
use chrono_tz::Tz;

use super::hours::Hours;
use super::html::Page;

/// The SVG namespace.
pub(super) const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// Colours: calls not attributed, attributed to a declared legitimate campaign, to another.
pub(super) const BEHIND: [&str; 3] = ["#9aa5b1", "#3f6fa8", "#c62828"];
/// The incident window's band.
const INCIDENT_BAND: &str = "#fbe3e1";
/// Which of [`PALETTE`]'s colours are light (a label on them is written dark).
const LIGHT: [bool; 10] = [
    false, false, false, false, true, true, false, true, false, true,
];
/// District colours, by district name order.
const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#bab0ac",
    "#e15759", "#ff9da7",
];

/// A coordinate or length, one decimal, without a trailing `.0`.
fn n(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

/// Opens an `<svg>` of `w` × `h` with its accessible title.
fn open(p: &mut Page, id: &str, w: f64, h: f64, title: &str) {
    p.open(
        "svg",
        &[
            ("xmlns", SVG_NS),
            ("class", "chart"),
            ("id", id),
            ("viewBox", &format!("0 0 {} {}", n(w), n(h))),
            // Never drawn larger than its own size (a short chain stays a short chain).
            ("style", &format!("max-width:{}px", n(w))),
            ("role", "img"),
            ("aria-label", title),
        ],
    );
    p.leaf("title", &[], title);
}

/// `<text>` at (x, y) with a class and an anchor.
fn text(p: &mut Page, x: f64, y: f64, class: &str, anchor: &str, s: &str) {
    p.leaf(
        "text",
        &[
            ("x", &n(x)),
            ("y", &n(y)),
            ("class", class),
            ("text-anchor", anchor),
        ],
        s,
    );
}

/// A rectangle with a class, a fill and a tooltip.
#[allow(clippy::too_many_arguments)]
fn rect(p: &mut Page, x: f64, y: f64, w: f64, h: f64, class: &str, fill: &str, tip: &str) {
    p.open(
        "rect",
        &[
            ("x", &n(x)),
            ("y", &n(y)),
            ("width", &n(w)),
            ("height", &n(h)),
            ("class", class),
            ("fill", fill),
        ],
    );
    if !tip.is_empty() {
        p.leaf("title", &[], tip);
    }
    p.close("rect");
}

/// The smallest "round" maximum (1, 2 or 5 × a power of ten, times up to 5 steps) at or above
/// `m`, and its step.
fn axis(m: u64) -> (u64, u64) {
    let mut step = 1u64;
    loop {
        for k in [1, 2, 5] {
            if m <= 5 * k * step {
                let s = k * step;
                return (m.div_ceil(s).max(1) * s, s);
            }
        }
        step = step.saturating_mul(10);
    }
}

/// What a bar chart of calls per bin draws.
pub(super) struct Bars<'a> {
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
pub(super) fn bars(p: &mut Page, b: &Bars<'_>) {
    let h = b.hours;
    let (from, to) = (b.range.0, b.range.1.max(b.range.0 + 1));
    let k = (to - from) as f64;
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
        super::html::count(total, "call", "calls"),
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
pub(super) fn local(t: i64, zone: Tz) -> chrono::DateTime<Tz> {
    chrono::DateTime::from_timestamp_micros(t)
        .unwrap_or_default()
        .with_timezone(&zone)
}

/// A legend: a swatch and a label per entry, in a line.
pub(super) fn legend(p: &mut Page, entries: &[(&str, String)]) {
    p.open("p", &[("class", "legend")]);
    for (colour, label) in entries {
        p.open(
            "span",
            &[
                ("class", "swatch"),
                ("style", &format!("background:{colour}")),
            ],
        );
        p.close("span");
        p.text(label);
        p.raw(" ");
    }
    p.close_line("p");
}

/// One link of a chain as drawn: from node `from` to node `to` (indices), labelled.
pub(super) struct Link {
    pub from: usize,
    pub to: usize,
    pub label: String,
    pub tip: String,
}

/// A chain as a path: its nodes top to bottom in order of first appearance, each link an arrow
/// from its node to the next (straight) or around the side (a link from an earlier node).
pub(super) fn chain(p: &mut Page, id: &str, title: &str, nodes: &[String], links: &[Link]) {
    let (left, bx, bh, pitch) = (8.0, 250.0, 28.0, 56.0);
    let bw = 420.0;
    let w = bx + bw + 8.0;
    let height = 12.0 + pitch * nodes.len() as f64;
    let yc = |i: usize| 12.0 + pitch * i as f64 + bh / 2.0;
    open(p, id, w, height, title);
    p.raw("<defs><marker id=\"");
    let arrow = format!("{id}-arrow");
    p.text(&arrow);
    p.raw(
        "\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" \
         orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\" class=\"arrowhead\"/></marker>\
         </defs>\n",
    );
    let marker = format!("url(#{arrow})");
    let mut lanes: Vec<(usize, usize)> = Vec::new();
    for l in links {
        let (a, z) = (l.from.min(l.to), l.from.max(l.to));
        let d;
        let (lx, ly, anchor);
        if z == a + 1 {
            let x = bx + 28.0;
            d = format!(
                "M{} {}V{}",
                n(x),
                n(yc(a) + bh / 2.0),
                n(yc(z) - bh / 2.0 - 1.0)
            );
            (lx, ly, anchor) = (x + 8.0, (yc(a) + yc(z)) / 2.0 + 4.0, "start");
        } else {
            let lane = lanes.iter().filter(|(s, e)| *s < z && a < *e).count();
            lanes.push((a, z));
            let x = bx - 14.0 - 16.0 * lane as f64;
            d = format!(
                "M{} {}H{}V{}H{}",
                n(bx),
                n(yc(a)),
                n(x),
                n(yc(z)),
                n(bx - 1.0)
            );
            (lx, ly, anchor) = (x - 4.0, (yc(a) + yc(z)) / 2.0 + 4.0, "end");
        }
        p.open(
            "path",
            &[("d", &d), ("class", "link"), ("marker-end", &marker)],
        );
        p.leaf("title", &[], &l.tip);
        p.close_line("path");
        text(p, lx.max(left), ly, "linklabel", anchor, &l.label);
    }
    for (i, name) in nodes.iter().enumerate() {
        let kind = name.split(':').next().unwrap_or_default();
        let class = if i == 0 { "node bar start" } else { "node bar" };
        rect(p, bx, yc(i) - bh / 2.0, bw, bh, class, "#ffffff", name);
        rect(
            p,
            bx,
            yc(i) - bh / 2.0,
            6.0,
            bh,
            "kind",
            node_colour(kind),
            "",
        );
        text(
            p,
            bx + 14.0,
            yc(i) + 4.5,
            "nodelabel",
            "start",
            &shorten(name, 62),
        );
    }
    p.close_line("svg");
}

/// The colour of a node by the kind its name starts with (`campaign:`, `download:`…).
fn node_colour(kind: &str) -> &'static str {
    match kind {
        "number" => "#c62828",
        "campaign" | "upload" => "#f28e2b",
        "account" | "customer" => "#3f6fa8",
        "download" | "poll" => "#59a14f",
        _ => "#9aa5b1",
    }
}

/// `s` cut to `max` characters with `…` (the full text is in the tooltip and the table).
pub(super) fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// One cell of the heat map.
pub(super) struct HeatCell {
    pub row: usize,
    pub col: usize,
    /// In [0, 1]: the colour.
    pub shade: f64,
    pub value: String,
    pub detail: String,
    pub tip: String,
}

/// The heat map: `rows` × `cols`, a cell per pair with a value, shaded by `shade`.
pub(super) fn heat(
    p: &mut Page,
    id: &str,
    title: &str,
    rows: &[String],
    cols: &[String],
    cells: &[HeatCell],
) {
    let (cw, ch) = (64.0, 36.0);
    let chars = |v: &[String]| {
        v.iter()
            .map(|s| s.chars().count().min(48))
            .max()
            .unwrap_or(0) as f64
    };
    let left = 12.0 + 6.4 * chars(rows);
    let top = 16.0 + 4.6 * chars(cols);
    // A column's label leans right from the middle of its column.
    let last = cols.last().map_or(0, |c| c.chars().count().min(48)) as f64;
    let w = (left + cw * cols.len() as f64 + 10.0)
        .max(left + cw * (cols.len() as f64 - 0.5) + 4.6 * last + 10.0);
    let height = top + ch * rows.len() as f64 + 8.0;
    open(p, id, w, height, title);
    for (j, c) in cols.iter().enumerate() {
        let x = left + cw * j as f64 + cw / 2.0;
        p.open(
            "text",
            &[
                (
                    "transform",
                    &format!("translate({} {}) rotate(-45)", n(x), n(top - 6.0)),
                ),
                ("class", "collabel"),
            ],
        );
        p.text(&shorten(c, 48));
        p.close_line("text");
    }
    for (i, r) in rows.iter().enumerate() {
        text(
            p,
            left - 6.0,
            top + ch * i as f64 + ch / 2.0 + 4.0,
            "rowlabel",
            "end",
            &shorten(r, 48),
        );
        rect(
            p,
            left,
            top + ch * i as f64,
            cw * cols.len() as f64,
            ch,
            "row",
            "none",
            "",
        );
    }
    for c in cells {
        let (x, y) = (left + cw * c.col as f64, top + ch * c.row as f64);
        p.open("g", &[]);
        p.leaf("title", &[], &c.tip);
        rect(
            p,
            x + 1.0,
            y + 1.0,
            cw - 2.0,
            ch - 2.0,
            "cell",
            &blue(c.shade),
            "",
        );
        let class = if c.shade > 0.55 {
            "celltext dark"
        } else {
            "celltext"
        };
        text(p, x + cw / 2.0, y + 16.0, class, "middle", &c.value);
        text(
            p,
            x + cw / 2.0,
            y + 29.0,
            &format!("{class} small"),
            "middle",
            &c.detail,
        );
        p.close_line("g");
    }
    p.close_line("svg");
}

/// White to dark blue, by `t` in [0, 1].
fn blue(t: f64) -> String {
    let t = t.clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(247.0, 8.0),
        mix(251.0, 48.0),
        mix(255.0, 107.0)
    )
}

/// A colour scale's swatches for the legend of the heat map.
pub(super) fn blue_scale() -> Vec<(String, String)> {
    [0.0, 0.25, 0.5, 0.75, 1.0]
        .into_iter()
        .map(|t| (blue(t), format!("{t:.2}")))
        .collect()
}

/// One segment of a stacked bar.
pub(super) struct Segment {
    /// The recipients it stands for.
    pub recipients: u64,
    pub share: f64,
    /// Index into the districts (its colour).
    pub district: usize,
    pub outside: bool,
    pub label: String,
    pub tip: String,
}

/// One bar of a stacked chart: its name, its segments, and a note written to its right.
pub(super) struct Stack {
    pub name: String,
    pub segments: Vec<Segment>,
    pub note: String,
}

/// Stacked horizontal bars: one per set, its segments side by side by share, its note (in
/// red: what lies outside the scope) to the right.
pub(super) fn stacked(p: &mut Page, id: &str, title: &str, sets: &[Stack]) {
    let (rh, gap, bw) = (20.0, 6.0, 600.0);
    let chars = sets
        .iter()
        .map(|s| s.name.chars().count().min(48))
        .max()
        .unwrap_or(0) as f64;
    let notes = sets
        .iter()
        .map(|s| s.note.chars().count())
        .max()
        .unwrap_or(0) as f64;
    let left = 12.0 + 6.4 * chars;
    let w = left + bw + 16.0 + 7.4 * notes;
    let height = 8.0 + (rh + gap) * sets.len() as f64;
    open(p, id, w, height, title);
    p.raw("<defs><pattern id=\"");
    p.text(&format!("{id}-hatch"));
    p.raw(
        "\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"3\" height=\"6\" fill=\"#c62828\" \
         fill-opacity=\"0.55\"/></pattern></defs>\n",
    );
    for (i, set) in sets.iter().enumerate() {
        let y = 4.0 + (rh + gap) * i as f64;
        text(
            p,
            left - 6.0,
            y + 14.0,
            "rowlabel",
            "end",
            &shorten(&set.name, 48),
        );
        if !set.note.is_empty() {
            text(
                p,
                left + bw + 8.0,
                y + 14.0,
                "marklabel",
                "start",
                &set.note,
            );
        }
        let mut x = left;
        for s in &set.segments {
            let sw = bw * s.share.clamp(0.0, 1.0);
            p.open("g", &[]);
            p.leaf("title", &[], &s.tip);
            rect(
                p,
                x,
                y,
                sw.max(0.5),
                rh,
                "bar",
                PALETTE[s.district % PALETTE.len()],
                "",
            );
            if s.outside {
                let fill = format!("url(#{id}-hatch)");
                rect(p, x, y, sw.max(0.5), rh, "outside", &fill, "");
            }
            if sw > 7.0 * s.label.chars().count() as f64 + 8.0 {
                let class = if LIGHT[s.district % LIGHT.len()] {
                    "seglabel light"
                } else {
                    "seglabel"
                };
                text(p, x + 4.0, y + 14.0, class, "start", &s.label);
            }
            p.close_line("g");
            x += sw;
        }
    }
    p.close_line("svg");
}

/// The colour of district `k`.
pub(super) fn district_colour(k: usize) -> &'static str {
    PALETTE[k % PALETTE.len()]
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
        assert_eq!(n(3.0), "3");
        assert_eq!(n(2.25), "2.2");
    }

    #[test]
    fn a_chain_names_every_node_and_escapes_it() {
        let mut p = Page::default();
        let nodes = vec!["number:+1".to_string(), "customer:A & <B>".to_string()];
        let links = [Link {
            from: 0,
            to: 1,
            label: "campaign · 63".into(),
            tip: "x".into(),
        }];
        chain(&mut p, "c1", "chain 1", &nodes, &links);
        let svg = p.finish();
        assert!(svg.contains("customer:A &amp; &lt;B&gt;"), "{svg}");
        assert_eq!(svg.matches("class=\"node bar").count(), 2);
        assert_eq!(blue(0.0), "#f7fbff");
        assert_eq!(blue(1.0), "#08306b");
    }
}
