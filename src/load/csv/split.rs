//! Lines into fields: plain lines by `memchr` on the delimiter, lines whose quoted fields hold
//! no quote by `memchr` too ([`Splitter::split_quoted`]), any other line with a quote by
//! csv-core. Field ranges are 32-bit offsets into the line or into csv-core's output.

/// The end of a line without the `\r` of a CRLF end.
pub(super) fn trim_cr(buf: &[u8], start: usize, end: usize) -> usize {
    if end > start && buf[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

/// Splits lines into fields: plain lines by `memchr` on the delimiter, quoted ones by csv-core.
pub(super) struct Splitter {
    rdr: csv_core::Reader,
    delim: u8,
    quote: u8,
    pub(super) out: Vec<u8>,
    ends: Vec<usize>,
    /// Field ranges into the line (plain) or into `out` (quoted).
    pub(super) ranges: Vec<(u32, u32)>,
}

/// Which buffer the ranges of the last split point into.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Base {
    Line,
    Out,
}

pub(super) fn base_slice<'a>(b: Base, line: &'a [u8], out: &'a [u8]) -> &'a [u8] {
    match b {
        Base::Line => line,
        Base::Out => out,
    }
}

impl Splitter {
    pub(super) fn new(delim: u8, quote: u8) -> Splitter {
        Splitter {
            // `\n` alone ends a record: csv-core's default (CR, LF or CRLF) would end the record
            // at a bare `\r` inside the line and drop the rest of it from the row.
            rdr: csv_core::ReaderBuilder::new()
                .delimiter(delim)
                .quote(quote)
                .terminator(csv_core::Terminator::Any(b'\n'))
                .build(),
            delim,
            quote,
            out: Vec::new(),
            ends: Vec::new(),
            ranges: Vec::new(),
        }
    }

    /// Whether a line has an odd number of quote characters: a quoted field left open.
    pub(super) fn quotes_unbalanced(&self, line: &[u8]) -> bool {
        memchr::memchr_iter(self.quote, line).count() % 2 == 1
    }

    /// Splits a line whose fields are each either plain (no quote, no carriage return) or
    /// wholly quoted with no quote inside (`"a","b,c",d`) into `ranges` of the line, the
    /// enclosing quotes left out: what csv-core makes of such a line. Returns false, with
    /// `ranges` unspecified, for any other line (a quote inside a field or after its closing
    /// quote, an unclosed quote), which then goes to csv-core.
    pub(super) fn split_quoted(&mut self, line: &[u8]) -> bool {
        self.ranges.clear();
        let (delim, quote) = (self.delim, self.quote);
        if delim == quote || delim == b'\r' || delim == b'\n' {
            return false;
        }
        let n = line.len();
        let mut a = 0usize;
        loop {
            if a < n && line[a] == quote {
                let Some(q) = memchr::memchr(quote, &line[a + 1..]).map(|i| a + 1 + i) else {
                    return false;
                };
                self.ranges.push(((a + 1) as u32, q as u32));
                if q + 1 == n {
                    return true;
                }
                if line[q + 1] != delim {
                    return false;
                }
                a = q + 2;
            } else {
                let e = memchr::memchr(delim, &line[a..]).map_or(n, |i| a + i);
                if memchr::memchr2(quote, b'\r', &line[a..e]).is_some() {
                    return false;
                }
                self.ranges.push((a as u32, e as u32));
                if e == n {
                    return true;
                }
                a = e + 1;
            }
        }
    }

    /// Splits one line (no terminator) into `ranges`.
    pub(super) fn split(&mut self, line: &[u8]) -> Base {
        self.ranges.clear();
        if memchr::memchr(self.quote, line).is_none() {
            let mut a = 0usize;
            for i in memchr::memchr_iter(self.delim, line) {
                self.ranges.push((a as u32, i as u32));
                a = i + 1;
            }
            self.ranges.push((a as u32, line.len() as u32));
            return Base::Line;
        }
        if self.out.len() < line.len() + 1 {
            self.out.resize(line.len() + 1, 0);
        }
        if self.ends.len() < line.len() + 2 {
            self.ends.resize(line.len() + 2, 0);
        }
        self.rdr.reset();
        let (_, _, nout1, nend1) = self.rdr.read_record(line, &mut self.out, &mut self.ends);
        let (_, _, _, nend2) =
            self.rdr
                .read_record(&[], &mut self.out[nout1..], &mut self.ends[nend1..]);
        // csv-core reports field ends relative to the start of the record, across calls.
        let mut a = 0usize;
        for &e in &self.ends[..nend1 + nend2] {
            self.ranges.push((a as u32, e as u32));
            a = e;
        }
        Base::Out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The fields csv-core makes of a line (what `split` gives for a line with a quote).
    fn by_csv_core(line: &[u8], delim: u8, quote: u8) -> Vec<Vec<u8>> {
        let mut sp = Splitter::new(delim, quote);
        sp.ranges.clear();
        if sp.out.len() < line.len() + 1 {
            sp.out.resize(line.len() + 1, 0);
        }
        if sp.ends.len() < line.len() + 2 {
            sp.ends.resize(line.len() + 2, 0);
        }
        let (_, _, nout1, nend1) = sp.rdr.read_record(line, &mut sp.out, &mut sp.ends);
        let (_, _, _, nend2) = sp
            .rdr
            .read_record(&[], &mut sp.out[nout1..], &mut sp.ends[nend1..]);
        let mut a = 0;
        sp.ends[..nend1 + nend2]
            .iter()
            .map(|&e| {
                let f = sp.out[a..e].to_vec();
                a = e;
                f
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Where the plain-quoted path takes a line (one with a quote), it splits it as
        /// csv-core does, and the line's quotes are balanced (so no line it takes would have
        /// been quarantined).
        #[test]
        fn split_quoted_agrees_with_csv_core(
            parts in prop::collection::vec(
                prop_oneof![
                    4 => "[a-z0-9 ()-]{0,6}".prop_map(|s| format!("\"{s}\"")),
                    2 => "[a-z0-9 ]{0,4}",
                    1 => prop::sample::select(vec![
                        "\"", "\"\"", "\"a\"b", "a\"b", "\"a,b\"", "\"a;b\"", "\"a\rb\"", "a\rb",
                        "\r", "é", "\"é\"", " \"a\"", "\"a\" ", "\t",
                    ]).prop_map(str::to_string),
                ],
                1..8,
            ),
            semicolon in any::<bool>(),
        ) {
            let delim = if semicolon { b';' } else { b',' };
            let line = parts.join(if semicolon { ";" } else { "," });
            let line = line.as_bytes();
            // Only lines with a quote come here (`one_line`); others split by delimiter alone.
            prop_assume!(line.contains(&b'"'));
            let mut sp = Splitter::new(delim, b'"');
            if sp.split_quoted(line) {
                let got: Vec<Vec<u8>> = sp
                    .ranges
                    .iter()
                    .map(|&(a, b)| line[a as usize..b as usize].to_vec())
                    .collect();
                prop_assert_eq!(got, by_csv_core(line, delim, b'"'), "{:?}", String::from_utf8_lossy(line));
                prop_assert!(!sp.quotes_unbalanced(line));
            }
        }
    }

    #[test]
    fn split_quoted_takes_carrier_lines_and_leaves_the_rest() {
        let mut sp = Splitter::new(b',', b'"');
        assert!(sp.split_quoted(br#""(212) 678-7718","PRIVATE","2011-04-03","00:00:10",,x"#));
        assert_eq!(
            sp.ranges,
            [(1, 15), (18, 25), (28, 38), (41, 49), (51, 51), (52, 53)]
        );
        assert!(sp.split_quoted(br#""a,b","""#));
        assert_eq!(sp.ranges, [(1, 4), (7, 7)]);
        for line in [
            &br#""a""b""#[..],
            br#""a"b"#,
            br#"a"b"#,
            br#""a"#,
            br#" "a""#,
            b"a\rb,\"c\"",
        ] {
            assert!(!sp.split_quoted(line), "{}", String::from_utf8_lossy(line));
        }
    }
}
