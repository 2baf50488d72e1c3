//! The report's markup writer: a page built as text, every text escaped, every element closed.
//!
//! The page is HTML that is also well-formed XML (XHTML syntax: void elements written `<br/>`,
//! every other element closed, attributes quoted), so that an XML parser reads it as a browser
//! does: the tests parse it with one. Every piece of text that comes from a file (a name, a
//! campaign, an evidence reference, a number) goes through [`esc`]; only the constant markup of
//! this module and of the charts is written raw.

use std::borrow::Cow;
use std::fmt::Write;

use crate::model::dictionary::column_doc;
use crate::model::results::Table;

/// `s` with `&`, `<`, `>`, `"` and `'` written as character references: safe as element text
/// and as a quoted attribute value, in HTML and in XML alike.
///
/// # Examples
/// ```
/// use callsift::report::esc;
/// assert_eq!(esc("a<b & \"c\"'"), "a&lt;b &amp; &quot;c&quot;&#39;");
/// assert_eq!(esc("plain"), "plain");
/// ```
pub fn esc(s: &str) -> Cow<'_, str> {
    if !s
        .chars()
        .any(|c| matches!(c, '&' | '<' | '>' | '"' | '\'') || (c as u32) < 0x20)
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Characters XML 1.0 does not allow (controls but tab and line breaks) are never
            // written: a name in the evidence could hold one.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A page being written.
#[derive(Default)]
pub(super) struct Page {
    out: String,
}

impl Page {
    /// `<tag a="v" …>`, the values escaped.
    pub fn open(&mut self, tag: &str, attrs: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(tag);
        self.attrs(attrs);
        self.out.push('>');
    }

    /// `</tag>`.
    pub fn close(&mut self, tag: &str) {
        let _ = write!(self.out, "</{tag}>");
    }

    /// `</tag>` and a line break (after a block).
    pub fn close_line(&mut self, tag: &str) {
        let _ = writeln!(self.out, "</{tag}>");
    }

    /// `<tag …>text</tag>`, the text escaped.
    pub fn leaf(&mut self, tag: &str, attrs: &[(&str, &str)], text: &str) {
        self.open(tag, attrs);
        self.text(text);
        self.close(tag);
    }

    /// A void element, `<tag …/>`.
    pub fn void(&mut self, tag: &str, attrs: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(tag);
        self.attrs(attrs);
        self.out.push_str("/>");
    }

    /// Text, escaped.
    pub fn text(&mut self, s: &str) {
        self.out.push_str(&esc(s));
    }

    /// Constant markup of this module or of a chart (never text from a file).
    pub fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// A paragraph of text.
    pub fn para(&mut self, text: &str) {
        self.leaf("p", &[], text);
        self.out.push('\n');
    }

    /// A paragraph with a class.
    pub fn note(&mut self, class: &str, text: &str) {
        self.leaf("p", &[("class", class)], text);
        self.out.push('\n');
    }

    fn attrs(&mut self, attrs: &[(&str, &str)]) {
        for (k, v) in attrs {
            let _ = write!(self.out, " {k}=\"{}\"", esc(v));
        }
    }

    /// The page's text.
    pub fn finish(self) -> String {
        self.out
    }
}

/// How a cell is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// Text, left-aligned.
    Text,
    /// A number, right-aligned.
    Num,
    /// An evidence reference (`file:row`) or a hash, monospaced.
    Ev,
}

/// One table cell.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Cell {
    pub text: String,
    pub kind: Kind,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            kind: Kind::Text,
        }
    }

    pub fn num(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            kind: Kind::Num,
        }
    }

    pub fn ev(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            kind: Kind::Ev,
        }
    }
}

/// A column heading: what it shows and what that means (a tooltip).
pub(super) struct Head {
    pub label: String,
    pub title: Option<String>,
}

impl Head {
    /// A heading of the report's own.
    pub fn plain(label: &str, title: &str) -> Head {
        Head {
            label: label.to_string(),
            title: (!title.is_empty()).then(|| title.to_string()),
        }
    }
}

/// Headings named as the columns of `table`, each with its meaning from the data dictionary.
pub(super) fn heads(table: Table, names: &[&str]) -> Vec<Head> {
    names
        .iter()
        .map(|n| Head {
            label: n.to_string(),
            title: column_doc(table, n).map(str::to_string),
        })
        .collect()
}

/// A table: `id`, a caption naming where its rows come from, headings, rows; in a box of the
/// page's width that scrolls sideways when the table is wider (on paper it is not cut).
pub(super) fn table(p: &mut Page, id: &str, caption: &str, heads: &[Head], rows: &[Vec<Cell>]) {
    p.open("div", &[("class", "wide")]);
    p.open("table", &[("id", id)]);
    p.leaf("caption", &[], caption);
    p.open("thead", &[]);
    p.open("tr", &[]);
    for h in heads {
        match &h.title {
            Some(t) => p.leaf("th", &[("scope", "col"), ("title", t)], &h.label),
            None => p.leaf("th", &[("scope", "col")], &h.label),
        }
    }
    p.close("tr");
    p.close_line("thead");
    p.open("tbody", &[]);
    for r in rows {
        p.open("tr", &[]);
        for c in r {
            match c.kind {
                Kind::Text => p.leaf("td", &[], &c.text),
                Kind::Num => p.leaf("td", &[("class", "num")], &c.text),
                Kind::Ev => p.leaf("td", &[("class", "ev")], &c.text),
            }
        }
        p.close_line("tr");
    }
    p.close("tbody");
    p.close("table");
    p.close_line("div");
}

/// A float as the report shows it: 3 decimals below 1, 2 below 1,000, 1 above; a value too
/// small for that in scientific notation; `0` for zero.
///
/// # Examples
/// ```
/// use callsift::report::float;
/// assert_eq!(float(0.9499307342172967), "0.950");
/// assert_eq!(float(-148.94276106062156), "-148.94");
/// assert_eq!(float(-8189.754802017638), "-8189.8");
/// assert_eq!(float(-5.245244782332295e-12), "-5.2e-12");
/// assert_eq!(float(0.0), "0");
/// ```
pub fn float(x: f64) -> String {
    let a = x.abs();
    if x == 0.0 {
        "0".into()
    } else if !x.is_finite() {
        format!("{x}")
    } else if a < 0.0005 {
        format!("{x:.1e}")
    } else if a < 1.0 {
        format!("{x:.3}")
    } else if a < 1000.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.1}")
    }
}

/// `n` items as a count with its noun: `1 call`, `63 calls`.
pub(super) fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_from_a_file_is_escaped() {
        let mut p = Page::default();
        p.leaf("td", &[("title", "a\"b<c>")], "x & <script>'");
        p.void("br", &[]);
        assert_eq!(
            p.finish(),
            "<td title=\"a&quot;b&lt;c&gt;\">x &amp; &lt;script&gt;&#39;</td><br/>"
        );
        assert_eq!(esc("bell\u{7}"), "bell\u{fffd}");
        assert_eq!(esc("tab\tok"), "tab\tok");
    }

    #[test]
    fn tables_name_their_columns_with_the_dictionary() {
        let mut p = Page::default();
        table(
            &mut p,
            "t",
            "results/offsets",
            &heads(Table::Offsets, &["offset_ms"]),
            &[vec![Cell::num("47000")]],
        );
        let t = p.finish();
        assert!(t.contains("<th scope=\"col\" title=\""), "{t}");
        assert!(t.contains("<td class=\"num\">47000</td>"), "{t}");
    }

    #[test]
    fn floats_read_as_the_tables_hold_them() {
        assert_eq!(float(1.0), "1.00");
        assert_eq!(float(0.0004), "4.0e-4");
        assert_eq!(float(-2767.176866704065), "-2767.2");
        assert_eq!(count(1, "call", "calls"), "1 call");
    }
}
