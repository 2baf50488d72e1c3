//! A plain text table for the console: a header row of column names and aligned cells, numbers
//! to the right. Widths are display columns, so accented and CJK names line up.

use unicode_width::UnicodeWidthStr;

/// A table being built.
pub struct TextTable {
    headers: Vec<&'static str>,
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl TextTable {
    /// A table with these columns; `right[i]` aligns column `i` to the right (numbers).
    pub fn new(columns: &[(&'static str, bool)]) -> TextTable {
        TextTable {
            headers: columns.iter().map(|c| c.0).collect(),
            right: columns.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (as many cells as columns).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Whether it has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table, each line starting with `indent` and ending with a line break; two spaces
    /// between columns, no trailing spaces.
    pub fn render(&self, indent: &str) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.width()).collect();
        for r in &self.rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.width());
            }
        }
        let header: Vec<String> = self.headers.iter().map(|h| h.to_string()).collect();
        let mut out = String::new();
        for r in std::iter::once(&header).chain(&self.rows) {
            let mut line = indent.to_string();
            for (i, (c, w)) in r.iter().zip(&widths).enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                let pad = " ".repeat(w.saturating_sub(c.width()));
                if self.right[i] {
                    line.push_str(&pad);
                    line.push_str(c);
                } else {
                    line.push_str(c);
                    line.push_str(&pad);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_by_display_width() {
        let mut t = TextTable::new(&[("list", false), ("overlap", true)]);
        t.row(vec!["québec".into(), "5".into()]);
        t.row(vec!["東京".into(), "1234".into()]);
        assert_eq!(
            t.render("  "),
            "  list    overlap\n  québec        5\n  東京       1234\n"
        );
    }
}
