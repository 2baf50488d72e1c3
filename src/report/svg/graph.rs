//! A chain drawn as a path: its nodes top to bottom, its links as arrows.

use super::{n, open, rect, shorten, text};
use crate::report::html::Page;

/// One link of a chain as drawn: from node `from` to node `to` (indices), labelled.
pub(in crate::report) struct Link {
    pub from: usize,
    pub to: usize,
    pub label: String,
    pub tip: String,
}

/// A chain as a path: its nodes top to bottom in order of first appearance, each link an arrow
/// from its node to the next (straight) or around the side (a link from an earlier node).
pub(in crate::report) fn chain(
    p: &mut Page,
    id: &str,
    title: &str,
    nodes: &[String],
    links: &[Link],
) {
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
    // A link from an earlier node runs around the left side, in a lane of its own where it
    // overlaps another; its label stands left of every lane, on its target's row.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let lanes: Vec<Option<usize>> = links
        .iter()
        .map(|l| {
            let (a, z) = (l.from.min(l.to), l.from.max(l.to));
            (z != a + 1).then(|| {
                let lane = spans.iter().filter(|(s, e)| *s < z && a < *e).count();
                spans.push((a, z));
                lane
            })
        })
        .collect();
    let outer = lanes.iter().flatten().max().map_or(0.0, |&k| k as f64);
    let label_x = bx - 14.0 - 16.0 * outer - 8.0;
    for (l, lane) in links.iter().zip(&lanes) {
        let (a, z) = (l.from.min(l.to), l.from.max(l.to));
        let (d, (lx, ly, anchor)) = match lane {
            None => {
                let x = bx + 28.0;
                (
                    format!(
                        "M{} {}V{}",
                        n(x),
                        n(yc(a) + bh / 2.0),
                        n(yc(z) - bh / 2.0 - 1.0)
                    ),
                    (x + 8.0, (yc(a) + yc(z)) / 2.0 + 4.0, "start"),
                )
            }
            Some(k) => {
                let x = bx - 14.0 - 16.0 * *k as f64;
                (
                    format!(
                        "M{} {}H{}V{}H{}",
                        n(bx),
                        n(yc(a)),
                        n(x),
                        n(yc(z)),
                        n(bx - 1.0)
                    ),
                    (label_x, yc(z) + 4.0, "end"),
                )
            }
        };
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

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
