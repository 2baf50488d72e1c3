//! Evidence paths shortened to a column's width, in the middle: the folder gives way, the file
//! name never does. `…bodial-outbound-2011-…jsonl` (a path cut from the left) told the analyst
//! neither where the file was nor, reliably, which file it was.
//!
//! Widths are display columns (`unicode-width`): a CJK character takes two, a combining accent
//! none, and a multibyte name is never cut inside a character.

use unicode_width::UnicodeWidthStr;

/// The ellipsis that stands for the part left out.
const ELLIPSIS: &str = "…";

/// `path` shortened in the middle to at most `width` display columns, keeping its file name
/// whole: `fixtures/inquiry/vendor/robodial-outbound.jsonl` at 36 columns is
/// `fixtur…endor/robodial-outbound.jsonl`. The folder is cut around its middle, its head keeping
/// a column more than its tail.
///
/// When the file name itself (with `…/` before it, if it is in a folder) is wider than
/// `width`, that is what is returned, wider than asked: the name identifies the evidence, the
/// width only aligns a table.
pub fn shorten_middle(path: &str, width: usize) -> String {
    if path.width() <= width {
        return path.to_string();
    }
    // The file name with the separator before it; a bare name has no folder to give way.
    let Some(cut) = path.rfind(['/', '\\']) else {
        return path.to_string();
    };
    let (folder, name) = path.split_at(cut);
    let room = width.saturating_sub(name.width() + ELLIPSIS.width());
    if room == 0 {
        return format!("{ELLIPSIS}{name}");
    }
    let tail = room / 2;
    let head = room - tail;
    format!(
        "{}{ELLIPSIS}{}{name}",
        take_head(folder, head),
        take_tail(folder, tail)
    )
}

/// The longest prefix of `s` at most `cols` columns wide.
fn take_head(s: &str, cols: usize) -> &str {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        used += char_width(c);
        if used > cols {
            return &s[..i];
        }
    }
    s
}

/// The longest suffix of `s` at most `cols` columns wide.
fn take_tail(s: &str, cols: usize) -> &str {
    let mut used = 0;
    for (i, c) in s.char_indices().rev() {
        used += char_width(c);
        if used > cols {
            return &s[i + c.len_utf8()..];
        }
    }
    s
}

fn char_width(c: char) -> usize {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file name of a path (after the last separator).
    fn name(p: &str) -> &str {
        p.rsplit(['/', '\\']).next().unwrap()
    }

    #[test]
    fn the_example_of_the_doc() {
        assert_eq!(
            shorten_middle("fixtures/inquiry/vendor/robodial-outbound.jsonl", 36),
            "fixtur…endor/robodial-outbound.jsonl"
        );
    }

    #[test]
    fn short_paths_are_left_alone() {
        assert_eq!(shorten_middle("a.csv", 44), "a.csv");
        assert_eq!(shorten_middle("", 10), "");
        let p = "carriers/ontario-tel-PO-2011-117.csv";
        assert_eq!(shorten_middle(p, p.len()), p);
    }

    #[test]
    fn keeps_the_file_name_and_stays_within_the_width() {
        let p = "fixtures/inquiry/vendor/robodial-outbound-2011-04-24_2011-05-02.jsonl";
        for width in 48..p.len() {
            let s = shorten_middle(p, width);
            assert!(s.width() <= width, "{s} is wider than {width}");
            assert!(
                s.ends_with("/robodial-outbound-2011-04-24_2011-05-02.jsonl"),
                "{s}"
            );
            assert!(s.contains('…'), "{s}");
        }
        assert_eq!(
            shorten_middle(p, 54),
            "fixt…dor/robodial-outbound-2011-04-24_2011-05-02.jsonl"
        );
        assert_eq!(
            shorten_middle(p, 47),
            "…/robodial-outbound-2011-04-24_2011-05-02.jsonl"
        );
    }

    #[test]
    fn a_name_wider_than_the_width_is_kept_whole() {
        let p = "vendor/robodial-outbound-2011-04-24_2011-05-02.jsonl";
        assert_eq!(
            shorten_middle(p, 20),
            "…/robodial-outbound-2011-04-24_2011-05-02.jsonl"
        );
        let bare = "robodial-outbound-2011-04-24_2011-05-02.jsonl";
        assert_eq!(shorten_middle(bare, 20), bare);
        assert_eq!(shorten_middle("a/b.csv", 0), "…/b.csv");
    }

    #[test]
    fn multibyte_and_wide_names() {
        // Accented Latin (two bytes a character), CJK (two columns a character).
        let p = "preuves/opérateurs/québec-télécom/relevés-2011.csv";
        for width in 20..p.width() {
            let s = shorten_middle(p, width);
            assert!(s.width() <= width, "{s} ({width})");
            assert_eq!(name(&s), "relevés-2011.csv");
        }
        let p = "証拠/通信事業者/東京テレコム/通話記録.csv";
        for width in 16..p.width() {
            let s = shorten_middle(p, width);
            assert!(s.width() <= width, "{s} ({width})");
            assert_eq!(name(&s), "通話記録.csv");
        }
        // A two-column character that does not fit is left out, not split.
        assert_eq!(shorten_middle("東京/テレコム/a.csv", 14), "東京…ム/a.csv");
        assert_eq!(shorten_middle("東京/テレコム/a.csv", 13), "東…ム/a.csv");
    }

    #[test]
    fn windows_separators() {
        let p = r"C:\evidence\carriers\western-wireless-2011-04.csv";
        let s = shorten_middle(p, 40);
        assert!(
            s.ends_with(r"\western-wireless-2011-04.csv") && s.width() <= 40,
            "{s}"
        );
    }
}
