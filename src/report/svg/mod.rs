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
//! (the tests count them). Files: `bars` (calls per hour), `graph` (a chain as a path), `map`
//! (the heat map and the stacked bars of the spread).

use super::html::Page;

mod bars;
mod graph;
mod map;

pub(super) use bars::{bars, Bars};
pub(super) use graph::{chain, Link};
pub(super) use map::{blue_scale, district_colour, heat, stacked, HeatCell, Segment, Stack};

/// The SVG namespace.
pub(super) const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// Colours: calls not attributed, attributed to a declared legitimate campaign, to another.
pub(super) const BEHIND: [&str; 3] = ["#9aa5b1", "#3f6fa8", "#c62828"];

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

/// `s` cut to `max` characters with `…` (the full text is in the tooltip and the table).
pub(super) fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}
