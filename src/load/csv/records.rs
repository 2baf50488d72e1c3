//! Records of delimited text: lines (or, with `multiline`, quoted records spanning lines) split
//! into fields, checked (field count, field size, a repeated header) and pushed into the chunk's
//! sink, or quarantined with the reason.

use super::split::{base_slice, trim_cr, Base, Splitter};
use super::Ctx;
use crate::load::driver::ChunkSink;
use crate::load::record::{Cell, RecordSink, RowView};

/// The size of a piece of lines parsed by one task.
const PIECE: usize = 4 << 20;

/// Cuts `buf` (which ends at a line end or the end of file) into pieces of about [`PIECE`]
/// bytes, each ending at a line end.
pub(super) fn split_pieces(buf: &[u8]) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    let mut a = 0;
    while a < buf.len() {
        let target = a + PIECE;
        let b = if target >= buf.len() {
            buf.len()
        } else {
            memchr::memchr(b'\n', &buf[target..]).map_or(buf.len(), |i| target + i + 1)
        };
        v.push((a, b));
        a = b;
    }
    v
}

/// One split line as the consumer sees it.
struct CsvRow<'a> {
    base: &'a [u8],
    ranges: &'a [(u32, u32)],
    line: &'a [u8],
    /// `base` as text, when it is known to be valid UTF-8 (fields then need no check).
    text: Option<&'a str>,
}

impl RowView for CsvRow<'_> {
    fn get(&self, col: usize) -> std::result::Result<Cell<'_>, &'static str> {
        let Some(&(a, b)) = self.ranges.get(col) else {
            return Ok(Cell::Null);
        };
        // Fields end at ASCII delimiters and quotes, so they lie on character boundaries of
        // valid text; `get` checks that anyway and leaves anything else to `from_utf8`.
        if let Some(t) = self.text.and_then(|t| t.get(a as usize..b as usize)) {
            return Ok(Cell::Text(t));
        }
        std::str::from_utf8(&self.base[a as usize..b as usize])
            .map(Cell::Text)
            .map_err(|_| "invalid UTF-8 (is the file Windows-1252? set `encoding` in the profile)")
    }

    fn raw(&self) -> String {
        String::from_utf8_lossy(self.line).into_owned()
    }
}

/// Parses a piece of whole lines; returns how many lines it held.
pub(super) fn parse_lines<S: RecordSink>(
    ctx: &Ctx<'_>,
    piece: &[u8],
    sink: &mut ChunkSink<S>,
) -> u64 {
    let mut sp = Splitter::new(ctx.delim, ctx.quote);
    // UTF-8 is checked once for the piece; lines of a piece that is not valid are checked
    // field by field, so that the error lands on the right record.
    let text = std::str::from_utf8(piece).ok();
    let mut n = 0u64;
    let mut a = 0usize;
    while a < piece.len() {
        let end = memchr::memchr(b'\n', &piece[a..]).map_or(piece.len(), |i| a + i);
        n += 1;
        let e = trim_cr(piece, a, end);
        let line = &piece[a..e];
        let line_text = text.and_then(|t| t.get(a..e));
        a = end + 1;
        one_line(ctx, &mut sp, n, line, line_text, sink);
    }
    n
}

fn one_line<S: RecordSink>(
    ctx: &Ctx<'_>,
    sp: &mut Splitter,
    row: u64,
    line: &[u8],
    line_text: Option<&str>,
    sink: &mut ChunkSink<S>,
) {
    if line.iter().all(|b| b.is_ascii_whitespace()) {
        sink.blank();
        return;
    }
    let raw = || String::from_utf8_lossy(line).into_owned();
    let base = if memchr::memchr(ctx.quote, line).is_none() {
        sp.split(line)
    } else if sp.split_quoted(line) {
        // Every quote pairs up, so the line is balanced: what csv-core would split it into.
        Base::Line
    } else if sp.quotes_unbalanced(line) {
        sink.reject(
            row,
            "unbalanced quote: a quoted field is not closed on this line".into(),
            raw(),
        );
        return;
    } else {
        sp.split(line)
    };
    let text = match base {
        Base::Line => line_text,
        Base::Out => None,
    };
    let base = base_slice(base, line, &sp.out);
    check_and_push(ctx, row, line, base, text, &sp.ranges, sink);
}

fn check_and_push<S: RecordSink>(
    ctx: &Ctx<'_>,
    row: u64,
    line: &[u8],
    base: &[u8],
    text: Option<&str>,
    ranges: &[(u32, u32)],
    sink: &mut ChunkSink<S>,
) {
    let raw = || String::from_utf8_lossy(line).into_owned();
    let want = ctx.header.len();
    let got = ranges.len();
    if got < want {
        let hint = if got == 1 {
            " (a footer or summary line?)"
        } else {
            ""
        };
        sink.reject(row, format!("too few fields: {got} of {want}{hint}"), raw());
        return;
    }
    if got > want && ranges[want..].iter().any(|&(a, b)| b > a) {
        sink.reject(
            row,
            format!("too many fields: {got} of {want} (an unquoted delimiter inside a field?)"),
            raw(),
        );
        return;
    }
    if let Some(&(a, b)) = ranges
        .iter()
        .find(|&&(a, b)| (b - a) as usize > ctx.max_field)
    {
        sink.reject(
            row,
            format!(
                "field of {} bytes exceeds max_field_bytes ({})",
                b - a,
                ctx.max_field
            ),
            raw(),
        );
        return;
    }
    if !ctx.header.is_empty() && !ctx.header[0].is_empty() {
        let same = ranges
            .iter()
            .zip(ctx.header)
            .all(|(&(a, b), h)| base[a as usize..b as usize].trim_ascii() == h.as_bytes());
        if same {
            sink.reject(
                row,
                "repeated header line (files concatenated with their headers?)".into(),
                raw(),
            );
            return;
        }
    }
    sink.row(
        row,
        &CsvRow {
            base,
            ranges,
            line,
            text,
        },
    );
}

/// Parses records that may span lines (quoted newlines). Returns the number of lines.
pub(super) fn parse_multiline<S: RecordSink>(
    ctx: &Ctx<'_>,
    buf: &[u8],
    sink: &mut ChunkSink<S>,
) -> u64 {
    // `\n` alone ends a record, as in `Splitter`: a bare `\r` is data, so line numbers count
    // `\n` only and nothing after a stray `\r` starts a record of its own. The `\r` of a CRLF
    // end is taken off the last field below.
    let mut rdr = csv_core::ReaderBuilder::new()
        .delimiter(ctx.delim)
        .quote(ctx.quote)
        .terminator(csv_core::Terminator::Any(b'\n'))
        .build();
    let mut out = vec![0u8; 1 << 16];
    let mut ends = vec![0usize; 1024];
    let mut ranges = Vec::new();
    let mut pos = 0usize;
    let mut line = 0u64; // lines consumed before `pos`
    while pos < buf.len() {
        // At a record start, pass over blank (white-space only) lines one by one: csv-core would
        // otherwise fold them into the next record, which would then start on the wrong line.
        let eol = memchr::memchr(b'\n', &buf[pos..]).map_or(buf.len(), |i| pos + i);
        if buf[pos..eol].iter().all(|b| b.is_ascii_whitespace()) {
            sink.blank();
            line += 1;
            pos = eol + 1;
            continue;
        }
        rdr.reset();
        let (mut nin, mut nout, mut nend) = (0usize, 0usize, 0usize);
        loop {
            let input = &buf[pos + nin..];
            // Field ends are relative to the start of the record, across calls.
            let (res, i, o, e) = rdr.read_record(input, &mut out[nout..], &mut ends[nend..]);
            nin += i;
            nout += o;
            nend += e;
            match res {
                csv_core::ReadRecordResult::OutputFull => out.resize(out.len() * 2, 0),
                csv_core::ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
                csv_core::ReadRecordResult::InputEmpty if pos + nin < buf.len() => {}
                csv_core::ReadRecordResult::InputEmpty => {
                    // End of input: finish the record.
                    let (_, _, o, e) = rdr.read_record(&[], &mut out[nout..], &mut ends[nend..]);
                    nout += o;
                    nend += e;
                    break;
                }
                csv_core::ReadRecordResult::Record | csv_core::ReadRecordResult::End => break,
            }
        }
        let rec = &buf[pos..pos + nin];
        let rec_lines = memchr::memchr_iter(b'\n', rec).count() as u64;
        let has_term = rec.last() == Some(&b'\n');
        let span = rec_lines + u64::from(!has_term && !rec.is_empty());
        let first_row = line + 1;
        // Trim the terminator for the raw text.
        let mut body_end = rec.len();
        while body_end > 0 && matches!(rec[body_end - 1], b'\n' | b'\r') {
            body_end -= 1;
        }
        let body = &rec[..body_end];
        // A CRLF end leaves its `\r` at the end of the last field (after a closing quote too).
        if rec.ends_with(b"\r\n") && nend > 0 && nout > 0 && out[nout - 1] == b'\r' {
            nout -= 1;
            ends[nend - 1] -= 1;
        }
        ranges.clear();
        let mut a = 0usize;
        for &e in &ends[..nend] {
            ranges.push((a as u32, e as u32));
            a = e;
        }
        if span > 1 && ranges.len() != ctx.header.len() {
            // A quote opened and never closed where it should have been: keep the first line
            // only and start again on the next one.
            let first_end = memchr::memchr(b'\n', rec).map_or(rec.len(), |i| i + 1);
            let mut fe = first_end;
            while fe > 0 && matches!(rec[fe - 1], b'\n' | b'\r') {
                fe -= 1;
            }
            sink.reject(
                first_row,
                "unbalanced quote: a quoted field runs on over the following lines".into(),
                String::from_utf8_lossy(&rec[..fe]).into_owned(),
            );
            pos += first_end;
            line += 1;
            continue;
        }
        check_and_push(ctx, first_row, body, &out[..nout], None, &ranges, sink);
        pos += nin;
        line += span;
    }
    line
}
