//! Delimited text: carrier CSV, semicolon files, tab-separated exports.
//!
//! Records are found by this module and split into fields by `csv-core` (the allocation-free
//! state machine under the `csv` crate), so that each record keeps its line number and a bad
//! record costs one quarantined line, never the rest of the file:
//!
//! ```text
//!  file ─▶ windows of 32 MiB ─▶ cut at the last newline ─▶ pieces of ~4 MiB ─rayon─▶ sinks
//!            (decoded if Windows-1252;                       each piece: line by line,
//!             SHA-256 hashed alongside)                      fields by memchr or csv-core
//! ```
//!
//! The next window is read and hashed (into a second, reused buffer) while the pieces of the
//! current one are parsed. Lines whose fields are each plain or wholly quoted with no quote
//! inside (carrier exports) are split by `memchr` alone; other lines with a quote go to
//! csv-core. UTF-8 is checked once per piece, and field by field only in a piece that fails.
//!
//! By default a record is one line (`multiline = false`, what carrier exports are). csv-core
//! "prefers a parse over no parse": an unbalanced quote would silently swallow the lines after
//! it into one field. Line by line, a line with an odd number of quote characters is quarantined
//! as an unbalanced quote and the next line starts afresh. With `multiline = true` quoted fields
//! may span lines; the file is then read in one piece, and a record that spans lines but has
//! the wrong number of fields costs its first line only. Either way only `\n` ends a record (a
//! `\r` before it is dropped): a bare `\r` is data, never a record end that would cut a line in
//! two or drop its tail; except in a file whose first line end is a lone `\r` (old Mac line
//! ends), where `source.rs` turns every lone `\r` into `\n`.
//!
//! Other records that go to the quarantine: too few fields (a footer such as
//! `TOTAL RECORDS: 1234` has one), too many non-empty fields, a repeated header line (files
//! concatenated with their headers), a field longer than `max_field_bytes`, invalid UTF-8 in a
//! UTF-8 file. Blank lines are passed over and counted. A UTF-8 byte-order mark is stripped; a
//! UTF-16 one switches to UTF-16 decoding.

mod records;
mod source;
mod split;

use rayon::prelude::*;

use super::driver::{ChunkSink, Chunks, Emit, Evidence, FileFacts, Loaded};
use super::record::RecordTarget;
use crate::error::{Error, Result};
use crate::profile::RecordEnd;
use records::{parse_lines, parse_multiline, split_pieces};
use source::Source;
use split::{base_slice, trim_cr, Splitter};

/// The longest line read (1 GiB).
const MAX_LINE: usize = 1 << 30;

/// Reads a delimited-text evidence file.
///
/// # Errors
/// [`Error::Input`] for an empty file, a file without its header, or a header missing a mapped
/// column; [`Error::Io`] when the file cannot be read.
pub(crate) fn read<T, B>(
    ev: &Evidence<'_>,
    bind: B,
    emit: Option<Emit<'_, T::Chunk>>,
) -> Result<Loaded<T::Chunk>>
where
    T: RecordTarget,
    B: FnOnce(&[String]) -> Result<T>,
{
    let p = ev.spec;
    let mut src = Source::open(ev)?;
    let mut buf = Vec::new();
    src.fill(&mut buf)?;
    if buf.is_empty() {
        let msg = match src.bytes_read() {
            0 => "empty file (0 bytes): no header, no records".to_string(),
            n => format!(
                "empty file ({n} bytes, only a {} byte-order mark): no header, no records",
                src.encoding
                    .split(' ')
                    .next()
                    .unwrap_or_default()
                    .to_ascii_uppercase()
            ),
        };
        return Err(Error::input(ev.path, None, msg));
    }
    let head = Head::read(ev, &buf)?;
    let target = bind(&head.names)?;
    let ctx = Ctx {
        header: &head.names,
        delim: p.delimiter,
        quote: p.quote,
        max_field: p.max_field_bytes,
    };
    let mut chunks = Chunks::with_emit(&target, emit);
    let at = Position {
        pos: head.pos,
        lines: head.lines,
    };
    match p.records {
        RecordEnd::Line => by_lines(ev, &ctx, &mut src, buf, at, &target, &mut chunks)?,
        RecordEnd::Quoted => {
            // Quoted fields may span lines, and so any window end: the file is parsed whole.
            while !src.eof {
                src.fill(&mut buf)?;
            }
            let mut sink = chunks.sink();
            parse_multiline(&ctx, &buf[at.pos..], &mut sink);
            chunks.push(sink, at.lines);
        }
    }
    let (sha256, bytes) = src.finish()?;
    let facts = FileFacts {
        sha256,
        bytes,
        skipped: head.skipped,
        encoding: if src.cr_lines() {
            source::with_cr_lines(src.encoding)
        } else {
            src.encoding
        },
    };
    chunks.finish(ev, facts)
}

/// What the records are split with.
struct Ctx<'a> {
    header: &'a [String],
    delim: u8,
    quote: u8,
    max_field: usize,
}

/// Where the records start: a byte offset in the first window and the lines before it.
#[derive(Clone, Copy)]
struct Position {
    pos: usize,
    lines: u64,
}

/// The lines before the records: preamble, header and declared skips, read one at a time
/// from the first window.
struct Head {
    /// The column names (`#1`, `#2`... without a header).
    names: Vec<String>,
    /// Where the records start in the first window.
    pos: usize,
    /// Lines before the records.
    lines: u64,
    /// Lines that are not records.
    skipped: u64,
}

impl Head {
    fn read(ev: &Evidence<'_>, buf: &[u8]) -> Result<Head> {
        let p = ev.spec;
        let mut head = Head {
            names: Vec::new(),
            pos: 0,
            lines: 0,
            skipped: 0,
        };
        for _ in 0..p.skip_lines {
            if head.next_line(buf).is_none() {
                return Err(Error::input(
                    ev.path,
                    Some(head.lines + 1),
                    format!(
                        "the file ends within the {} preamble line(s) (`skip_lines`)",
                        p.skip_lines
                    ),
                ));
            }
        }
        let mut splitter = Splitter::new(p.delimiter, p.quote);
        head.names = if p.header {
            let Some((a, b)) = head.next_line(buf) else {
                return Err(Error::input(
                    ev.path,
                    Some(head.lines + 1),
                    "no header line",
                ));
            };
            header_names(ev, &mut splitter, &buf[a..b], head.lines)?
        } else {
            // Without a header, the first record decides how many columns there are.
            let rest = &buf[head.pos..];
            let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i);
            splitter.split(&rest[..trim_cr(rest, 0, end)]);
            (1..=splitter.ranges.len())
                .map(|i| format!("#{i}"))
                .collect()
        };
        for _ in 0..p.skip_after_header {
            head.next_line(buf);
        }
        Ok(head)
    }

    /// The next line (without its end), counted as skipped; `None` at the end of `buf`.
    fn next_line(&mut self, buf: &[u8]) -> Option<(usize, usize)> {
        if self.pos >= buf.len() {
            return None;
        }
        let start = self.pos;
        let end = memchr::memchr(b'\n', &buf[start..]).map_or(buf.len(), |i| start + i);
        self.pos = (end + 1).min(buf.len());
        self.lines += 1;
        self.skipped += 1;
        Some((start, trim_cr(buf, start, end)))
    }
}

/// The names of a header line (line `line_no`), trimmed.
fn header_names(
    ev: &Evidence<'_>,
    splitter: &mut Splitter,
    line: &[u8],
    line_no: u64,
) -> Result<Vec<String>> {
    if splitter.quotes_unbalanced(line) {
        return Err(Error::input(
            ev.path,
            Some(line_no),
            "unbalanced quote in the header line",
        ));
    }
    let base = splitter.split(line);
    let base = base_slice(base, line, &splitter.out);
    let mut names = Vec::with_capacity(splitter.ranges.len());
    for &(s, e) in &splitter.ranges {
        let t = std::str::from_utf8(&base[s as usize..e as usize]).map_err(|_| {
            Error::input(
                ev.path,
                Some(line_no),
                "the header is not valid UTF-8: set `encoding = \"windows-1252\"` in the profile",
            )
        })?;
        names.push(t.trim().to_string());
    }
    if names.iter().all(String::is_empty) {
        return Err(Error::input(
            ev.path,
            Some(line_no),
            "the header line is empty",
        ));
    }
    Ok(names)
}

/// Records one per line: window by window, pieces in parallel. The next window is read (and
/// hashed) into a second buffer beside the parsing of the current one's pieces; the partial
/// line at the end of a window is carried to the front of the next.
fn by_lines<'t, T: RecordTarget>(
    ev: &Evidence<'_>,
    ctx: &Ctx<'_>,
    src: &mut Source,
    mut buf: Vec<u8>,
    at: Position,
    target: &'t T,
    chunks: &mut Chunks<'t, T>,
) -> Result<()> {
    let mut line_no = at.lines;
    let mut lo = at.pos; // start of the unparsed text in `buf`
    let mut next: Vec<u8> = Vec::new();
    let mut searched = 0usize; // `buf[..searched]` has no line end after `lo`
    loop {
        let eof = src.eof;
        let cut = if eof {
            buf.len() - lo
        } else {
            // Only the text read since the last search can hold a line end (a long line is
            // not searched again for each window).
            match memchr::memrchr(b'\n', &buf[searched.max(lo)..]) {
                Some(i) => searched.max(lo) - lo + i + 1,
                None => {
                    searched = buf.len();
                    // One line longer than any record can be (field ranges are 32-bit, and
                    // the line is held whole): the file is refused rather than buffered on.
                    if buf.len() - lo > MAX_LINE {
                        return Err(Error::input(
                            ev.path,
                            Some(line_no + 1),
                            format!(
                                "a line of more than {MAX_LINE} bytes (no line end?): \
                                 not a delimited text file"
                            ),
                        ));
                    }
                    src.fill(&mut buf)?;
                    continue;
                }
            }
        };
        next.clear();
        next.extend_from_slice(&buf[lo + cut..]);
        let text = &buf[lo..lo + cut];
        let parse = || -> Vec<(ChunkSink<T::Sink<'t>>, u64)> {
            split_pieces(text)
                .par_iter()
                .map(|&(a, b)| {
                    let mut sink = ChunkSink::new(target.sink());
                    let n = parse_lines(ctx, &text[a..b], &mut sink);
                    (sink, n)
                })
                .collect()
        };
        let done = if eof {
            parse()
        } else {
            let (filled, done) = rayon::join(|| src.fill(&mut next), parse);
            filled?;
            done
        };
        for (sink, n) in done {
            chunks.push(sink, line_no);
            line_no += n;
        }
        // This window's chunks finished (and handed over, when streaming) before the next.
        chunks.flush(ev)?;
        if eof {
            return Ok(());
        }
        std::mem::swap(&mut buf, &mut next);
        lo = 0;
        searched = 0;
    }
}
