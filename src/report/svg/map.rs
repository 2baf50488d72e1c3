//! The heat map of list overlaps and the stacked bars of the district spread.

use super::{n, open, rect, shorten, text};
use crate::report::html::Page;

/// Which of [`PALETTE`]'s colours are light (a label on them is written dark).
const LIGHT: [bool; 12] = [
    false, false, false, false, true, true, false, true, false, true, false, true,
];
/// District colours, by district name order (they repeat beyond twelve districts: the
/// segment's label and tooltip name its district).
const PALETTE: [&str; 12] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#bab0ac",
    "#e15759", "#ff9da7", "#2f4b7c", "#c5e17a",
];

/// One cell of the heat map.
pub(in crate::report) struct HeatCell {
    pub row: usize,
    pub col: usize,
    /// In [0, 1]: the colour.
    pub shade: f64,
    pub value: String,
    pub detail: String,
    pub tip: String,
}

/// The heat map: `rows` × `cols`, a cell per pair with a value, shaded by `shade`.
pub(in crate::report) fn heat(
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
pub(in crate::report) fn blue_scale() -> Vec<(String, String)> {
    [0.0, 0.25, 0.5, 0.75, 1.0]
        .into_iter()
        .map(|t| (blue(t), format!("{t:.2}")))
        .collect()
}

/// One segment of a stacked bar.
pub(in crate::report) struct Segment {
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
pub(in crate::report) struct Stack {
    pub name: String,
    pub segments: Vec<Segment>,
    pub note: String,
}

/// Stacked horizontal bars: one per set, its segments side by side by share, its note (in
/// red: what lies outside the scope) to the right.
pub(in crate::report) fn stacked(p: &mut Page, id: &str, title: &str, sets: &[Stack]) {
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
pub(in crate::report) fn district_colour(k: usize) -> &'static str {
    PALETTE[k % PALETTE.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shades_run_from_white_to_dark_blue() {
        assert_eq!(blue(0.0), "#f7fbff");
        assert_eq!(blue(1.0), "#08306b");
        assert_eq!(blue(7.0), "#08306b");
        assert_eq!(LIGHT.len(), PALETTE.len());
    }
}
