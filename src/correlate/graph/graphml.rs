//! The chart as GraphML 1.0: the `type` and `label` of each node and the `link`, `weight`,
//! `first`, `last` and `evidence` of each edge declared as `<key>`s, one directed `<graph>`,
//! one line per node and per edge. An edge writes no `<data>` for a value the results do not
//! give (weight, times, evidence), which GraphML readers take as missing.
//!
//! Written as text with `std::fmt::Write` into a buffer handed to the file every 64 KiB: the
//! format needs five escapes and no XML library (GraphML readers are the test's business:
//! `tests/graph.rs` parses the file with quick-xml).

use std::fmt::Write as _;
use std::io;

use super::{xml_char, xml_stand_in, Graph};
use crate::normalize::time::format_utc;

/// The buffer is handed to the writer when it grows past this.
const CHUNK: usize = 1 << 16;

/// The `<key>` declarations: (id and attr.name, for, attr.type).
const KEYS: [(&str, &str, &str); 7] = [
    ("type", "node", "string"),
    ("label", "node", "string"),
    ("link", "edge", "string"),
    ("weight", "edge", "long"),
    ("first", "edge", "string"),
    ("last", "edge", "string"),
    ("evidence", "edge", "string"),
];

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">
"#;

/// Writes `g` as GraphML to `w`.
///
/// # Errors
/// As `w`'s writes.
pub(super) fn write(g: &Graph, w: &mut impl io::Write) -> io::Result<()> {
    let mut buf = String::with_capacity(CHUNK + 4096);
    buf.push_str(HEAD);
    for (id, on, ty) in KEYS {
        let _ = writeln!(
            buf,
            r#"  <key id="{id}" for="{on}" attr.name="{id}" attr.type="{ty}"/>"#
        );
    }
    buf.push_str("  <graph id=\"callsift\" edgedefault=\"directed\">\n");
    for n in &g.nodes {
        buf.push_str("    <node id=\"");
        escape(&mut buf, &n.id);
        buf.push_str("\">");
        data(&mut buf, "type", n.kind.name());
        data(&mut buf, "label", &n.label);
        buf.push_str("</node>\n");
        flush(&mut buf, w)?;
    }
    for (k, e) in g.edges.iter().enumerate() {
        let _ = write!(buf, "    <edge id=\"e{}\" source=\"", k + 1);
        escape(&mut buf, g.nodes.get(e.source).map_or("", |n| &n.id));
        buf.push_str("\" target=\"");
        escape(&mut buf, g.nodes.get(e.target).map_or("", |n| &n.id));
        buf.push_str("\">");
        data(&mut buf, "link", &e.link);
        if let Some(wt) = e.weight {
            let _ = write!(buf, "<data key=\"weight\">{wt}</data>");
        }
        for (key, t) in [("first", e.first), ("last", e.last)] {
            if let Some(t) = t {
                data(&mut buf, key, &format_utc(t));
            }
        }
        if !e.evidence.is_empty() {
            data(&mut buf, "evidence", &e.evidence);
        }
        buf.push_str("</edge>\n");
        flush(&mut buf, w)?;
    }
    buf.push_str("  </graph>\n</graphml>\n");
    w.write_all(buf.as_bytes())
}

/// `<data key="KEY">value</data>`, the value escaped.
fn data(buf: &mut String, key: &str, value: &str) {
    buf.push_str("<data key=\"");
    buf.push_str(key);
    buf.push_str("\">");
    escape(buf, value);
    buf.push_str("</data>");
}

fn flush(buf: &mut String, w: &mut impl io::Write) -> io::Result<()> {
    if buf.len() >= CHUNK {
        w.write_all(buf.as_bytes())?;
        buf.clear();
    }
    Ok(())
}

/// Appends `s` escaped for XML text and attribute values alike: the five markup characters as
/// entities; tab, line feed and carriage return as character references (an attribute value
/// would turn them into spaces, and a carriage return does not survive in text); any other
/// character XML 1.0 cannot hold as its stand-in ([`super::xml_stand_in`]).
fn escape(buf: &mut String, s: &str) {
    let plain = |b: u8| b >= b' ' && !matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'' | 0xEF);
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        if plain(b) {
            continue;
        }
        let Some(c) = s.get(i..).and_then(|r| r.chars().next()) else {
            continue; // inside a character, which the loop stepped into
        };
        let rep = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&apos;",
            '\t' => "&#9;",
            '\n' => "&#10;",
            '\r' => "&#13;",
            c if xml_char(c) => continue,
            _ => "",
        };
        buf.push_str(&s[from..i]);
        match rep {
            "" => buf.push(xml_stand_in(c)),
            rep => buf.push_str(rep),
        }
        from = i + c.len_utf8();
    }
    buf.push_str(&s[from..]);
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::super::{Edge, Node, NodeType};
    use super::*;

    fn escaped(s: &str) -> String {
        let mut b = String::new();
        escape(&mut b, s);
        b
    }

    #[test]
    fn markup_breaks_and_forbidden_characters_are_escaped() {
        assert_eq!(escaped("plain é — 東"), "plain é — 東");
        assert_eq!(
            escaped(r#"A & B <c> "d" 'e'"#),
            "A &amp; B &lt;c&gt; &quot;d&quot; &apos;e&apos;"
        );
        assert_eq!(escaped("a\tb\r\nc"), "a&#9;b&#13;&#10;c");
        assert_eq!(
            escaped("x\u{1}y\u{FFFF}z\u{FFFD}"),
            "x\u{2401}y\u{FFFD}z\u{FFFD}"
        );
        // U+FFxx characters that XML allows (their UTF-8 starts with 0xEF too) stay.
        assert_eq!(escaped("\u{FF21}\u{FEFF}"), "\u{FF21}\u{FEFF}");
    }

    /// The ids (of `id`, `source`, `target` attributes) and `<data>` values of a document,
    /// read with quick-xml.
    fn read_back(text: &str) -> (Vec<String>, Vec<(String, String)>) {
        use quick_xml::events::Event;
        use quick_xml::XmlVersion::Implicit1_0;
        let mut r = quick_xml::Reader::from_str(text);
        let (mut ids, mut data) = (Vec::new(), Vec::new());
        let mut open: Option<(String, String)> = None;
        loop {
            match r.read_event().unwrap() {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) => {
                    for a in e.attributes() {
                        let a = a.unwrap();
                        let v = a.normalized_value(Implicit1_0).unwrap().to_string();
                        match a.key.as_ref() {
                            "id" | "source" | "target" => ids.push(v),
                            "key" if e.name().as_ref() == "data" => {
                                open = Some((v, String::new()));
                            }
                            _ => {}
                        }
                    }
                }
                Event::Text(t) => {
                    if let Some(o) = open.as_mut() {
                        o.1.push_str(&t.xml10_content());
                    }
                }
                Event::GeneralRef(g) => {
                    let c = match g.resolve_char_ref().unwrap() {
                        Some(c) => c.to_string(),
                        None => quick_xml::escape::resolve_predefined_entity(&g)
                            .unwrap()
                            .to_string(),
                    };
                    if let Some(o) = open.as_mut() {
                        o.1.push_str(&c);
                    }
                }
                Event::End(e) if e.name().as_ref() == "data" => data.extend(open.take()),
                _ => {}
            }
        }
        (ids, data)
    }

    /// Two nodes with hostile names and an edge, parsed back: every value reads back whole.
    #[test]
    fn hostile_names_read_back_from_the_xml() {
        let names = ["Poutine & <Cie> \"Ltée\" — 東", "x'\ty\r\nz"];
        let g = Graph {
            nodes: names
                .iter()
                .map(|n| Node {
                    id: NodeType::Customer.id(n),
                    kind: NodeType::Customer,
                    label: (*n).to_string(),
                })
                .collect(),
            edges: vec![Edge {
                source: 0,
                target: 1,
                link: Cow::Borrowed("account"),
                weight: Some(3),
                first: Some(0),
                last: None,
                evidence: "a.csv:2; b&c.csv:3".into(),
            }],
        };
        let mut out = Vec::new();
        write(&g, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let (ids, data) = read_back(&text);
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let (a, b) = (
            format!("customer:{}", names[0]),
            format!("customer:{}", names[1]),
        );
        // Seven keys, the graph, two nodes, the edge (its own id, then source and target).
        assert_eq!(
            ids[8..],
            [a.as_str(), b.as_str(), "e1", a.as_str(), b.as_str()]
        );
        let value = |k: &str| -> Vec<&str> {
            data.iter()
                .filter(|d| d.0 == k)
                .map(|d| d.1.as_str())
                .collect()
        };
        assert_eq!(value("label"), names);
        assert_eq!(value("type"), ["customer", "customer"]);
        assert_eq!(value("link"), ["account"]);
        assert_eq!(value("weight"), ["3"]);
        assert_eq!(value("first"), ["1970-01-01T00:00:00Z"]);
        assert!(value("last").is_empty());
        assert_eq!(value("evidence"), ["a.csv:2; b&c.csv:3"]);
    }
}
