//! Delimited text: carrier CSV, semicolon files, tab-separated exports.
//!
//! Records are found by this module and split into fields by `csv-core` (the allocation-free
//! state machine under the `csv` crate), so that each record keeps its line number and a bad
//! record costs one quarantined line, never the rest of the file:
//!
//! ```text
//!  file ─▶ windows of 32 MiB ─▶ cut at the last newline ─▶ pieces of ~4 MiB ─rayon─▶ Converter
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
//! two or drop its tail.
//!
//! Other records that go to the quarantine: too few fields (a footer such as
//! `TOTAL RECORDS: 1234` has one), too many non-empty fields, a repeated header line (files
//! concatenated with their headers), a field longer than `max_field_bytes`, invalid UTF-8 in a
//! UTF-8 file. Blank lines are passed over and counted. A UTF-8 byte-order mark is stripped; a
//! UTF-16 one switches to UTF-16 decoding.

use std::io::Read;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::config::InputFile;
use crate::error::{Error, Result};
use crate::ingest::convert::{Converter, Plan};
use crate::load::{Cell, Loaded, RowView};
use crate::manifest::digest::hex;
use crate::profile::TextEncoding;

const WINDOW: usize = 32 << 20;
const PIECE: usize = 4 << 20;
/// The longest line read (1 GiB).
const MAX_LINE: usize = 1 << 30;

/// Reads a delimited-text evidence file.
///
/// # Errors
/// [`Error::Input`] for an empty file, a file without its header, or a header missing a mapped
/// column; [`Error::Io`] when the file cannot be read.
pub fn read(file: &InputFile) -> Result<Loaded> {
    let p = &file.profile;
    let delim = p
        .delimiter_byte()
        .map_err(|e| Error::config(&file.path, e))?;
    let quote = p.quote_byte().map_err(|e| Error::config(&file.path, e))?;
    let mut src = Source::open(file)?;
    let mut buf = Vec::new();
    src.fill(&mut buf)?;
    if buf.is_empty() {
        return Err(Error::input(
            &file.path,
            None,
            "empty file (0 bytes): no header, no records",
        ));
    }
    let mut splitter = Splitter::new(delim, quote);
    // Preamble, header and declared skips are read one line at a time from the first window.
    let mut pos = 0usize;
    let mut line_no = 0u64;
    let mut skipped = 0u64;
    let next_line = |buf: &[u8], pos: &mut usize| -> Option<(usize, usize)> {
        if *pos >= buf.len() {
            return None;
        }
        let start = *pos;
        let end = memchr::memchr(b'\n', &buf[start..]).map_or(buf.len(), |i| start + i);
        *pos = (end + 1).min(buf.len());
        Some((start, trim_cr(buf, start, end)))
    };
    for _ in 0..p.skip_lines {
        if next_line(&buf, &mut pos).is_none() {
            return Err(Error::input(
                &file.path,
                Some(line_no + 1),
                format!(
                    "the file ends within the {} preamble line(s) (`skip_lines`)",
                    p.skip_lines
                ),
            ));
        }
        line_no += 1;
        skipped += 1;
    }
    let header: Vec<String> = if p.header {
        let Some((a, b)) = next_line(&buf, &mut pos) else {
            return Err(Error::input(
                &file.path,
                Some(line_no + 1),
                "no header line",
            ));
        };
        line_no += 1;
        skipped += 1;
        let line = &buf[a..b];
        if splitter.quotes_unbalanced(line) {
            return Err(Error::input(
                &file.path,
                Some(line_no),
                "unbalanced quote in the header line",
            ));
        }
        let mut names = Vec::new();
        let base = splitter.split(line);
        for &(s, e) in &splitter.ranges {
            let t = std::str::from_utf8(&base_slice(base, line, &splitter.out)[s as usize..e as usize])
                .map_err(|_| {
                    Error::input(
                        &file.path,
                        Some(line_no),
                        "the header is not valid UTF-8: set `encoding = \"windows-1252\"` in the profile",
                    )
                })?;
            names.push(t.trim().to_string());
        }
        if names.iter().all(String::is_empty) {
            return Err(Error::input(
                &file.path,
                Some(line_no),
                "the header line is empty",
            ));
        }
        names
    } else {
        // Without a header, the first record decides how many columns there are: #1, #2, ...
        let rest = &buf[pos..];
        let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i);
        let line = &rest[..trim_cr(rest, 0, end)];
        splitter.split(line);
        (1..=splitter.ranges.len())
            .map(|i| format!("#{i}"))
            .collect()
    };
    for _ in 0..p.skip_after_header {
        if next_line(&buf, &mut pos).is_some() {
            line_no += 1;
            skipped += 1;
        }
    }
    let plan = Plan::new(file, &header)?;
    let ctx = Ctx {
        header: &header,
        delim,
        quote,
        max_field: p.max_field_bytes,
    };

    // Records: window by window, pieces in parallel. The next window is read (and hashed)
    // into a second buffer beside the parsing of the current one's pieces; the partial line
    // at the end of a window is carried to the front of the next.
    let mut parts: Vec<(Converter<'_>, u64 /*first line - 1*/)> = Vec::new();
    let mut lo = pos; // start of the unparsed text in `buf`
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
                    if buf.len() - lo > MAX_LINE && !p.multiline {
                        return Err(Error::input(
                            &file.path,
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
        if p.multiline {
            if !eof {
                src.fill(&mut buf)?;
                continue;
            }
            let mut conv = plan.converter();
            parse_multiline(&ctx, &buf[lo..lo + cut], &mut conv);
            parts.push((conv, line_no));
            break;
        }
        next.clear();
        next.extend_from_slice(&buf[lo + cut..]);
        let text = &buf[lo..lo + cut];
        let parse = || -> Vec<(Converter<'_>, u64)> {
            split_pieces(text)
                .par_iter()
                .map(|&(a, b)| {
                    let mut conv = plan.converter();
                    let n = parse_lines(&ctx, &text[a..b], &mut conv);
                    (conv, n)
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
        for (conv, n) in done {
            parts.push((conv, line_no));
            line_no += n;
        }
        if eof {
            break;
        }
        std::mem::swap(&mut buf, &mut next);
        lo = 0;
        searched = 0;
    }
    let (sha256, bytes) = src.finish()?;
    let chunks = parts
        .into_par_iter()
        .map(|(c, off)| c.finish(off))
        .collect::<Result<Vec<_>>>()?;
    Ok(Loaded {
        chunks,
        sha256,
        bytes,
        skipped,
        unused_columns: plan.unused.clone(),
        encoding: src.encoding,
    })
}

struct Ctx<'a> {
    header: &'a [String],
    delim: u8,
    quote: u8,
    max_field: usize,
}

/// Reads the file window by window, decoding to UTF-8 and hashing the raw bytes as it goes.
struct Source {
    f: std::fs::File,
    hasher: Sha256,
    bytes: u64,
    eof: bool,
    first: bool,
    encoding: &'static str,
    enc: TextEncoding,
    utf16: Option<&'static encoding_rs::Encoding>,
    path: std::path::PathBuf,
    /// Raw bytes of a window that is decoded (reused).
    raw: Vec<u8>,
}

impl Source {
    fn open(file: &InputFile) -> Result<Source> {
        // Read-only: evidence is never opened for writing.
        let f = std::fs::File::open(&file.path).map_err(|e| Error::io(&file.path, e))?;
        Ok(Source {
            f,
            hasher: Sha256::new(),
            bytes: 0,
            eof: false,
            first: true,
            encoding: match file.profile.encoding {
                TextEncoding::Utf8 => "utf-8",
                TextEncoding::Windows1252 => "windows-1252",
            },
            enc: file.profile.encoding,
            utf16: None,
            path: file.path.clone(),
            raw: Vec::new(),
        })
    }

    /// Appends the next window (decoded to UTF-8) to `buf`.
    fn fill(&mut self, buf: &mut Vec<u8>) -> Result<()> {
        if self.eof {
            return Ok(());
        }
        if !self.first && self.utf16.is_none() && self.enc == TextEncoding::Utf8 {
            // UTF-8 after the first window: read straight into the buffer's tail.
            let at = buf.len();
            buf.reserve(WINDOW + 1);
            (&mut self.f)
                .take(WINDOW as u64)
                .read_to_end(buf)
                .map_err(|e| Error::io(&self.path, e))?;
            let n = buf.len() - at;
            if n < WINDOW {
                self.eof = true;
            }
            self.hasher.update(&buf[at..]);
            self.bytes += n as u64;
            return Ok(());
        }
        let mut raw = std::mem::take(&mut self.raw);
        raw.clear();
        raw.reserve(WINDOW + 1);
        (&mut self.f)
            .take(WINDOW as u64)
            .read_to_end(&mut raw)
            .map_err(|e| Error::io(&self.path, e))?;
        if raw.len() < WINDOW {
            self.eof = true;
        }
        let mut body: &[u8] = &raw;
        if self.first {
            self.first = false;
            if body.starts_with(&[0xEF, 0xBB, 0xBF]) {
                body = &body[3..];
                self.encoding = if self.enc == TextEncoding::Utf8 {
                    "utf-8 (BOM)"
                } else {
                    "utf-8 (BOM overrides windows-1252)"
                };
                self.enc = TextEncoding::Utf8;
            } else if body.starts_with(&[0xFF, 0xFE]) || body.starts_with(&[0xFE, 0xFF]) {
                self.utf16 = Some(if body[0] == 0xFF {
                    encoding_rs::UTF_16LE
                } else {
                    encoding_rs::UTF_16BE
                });
                self.encoding = if body[0] == 0xFF {
                    "utf-16le (BOM)"
                } else {
                    "utf-16be (BOM)"
                };
                // UTF-16 is decoded whole (it is rare, and small).
                self.f
                    .read_to_end(&mut raw)
                    .map_err(|e| Error::io(&self.path, e))?;
                self.eof = true;
                body = &raw[2..];
            }
        }
        self.hasher.update(&raw);
        self.bytes += raw.len() as u64;
        if let Some(enc) = self.utf16 {
            let (text, _) = enc.decode_without_bom_handling(body);
            buf.extend_from_slice(text.as_bytes());
        } else if self.enc == TextEncoding::Windows1252 {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(body);
            buf.extend_from_slice(text.as_bytes());
        } else {
            buf.extend_from_slice(body);
        }
        if self.utf16.is_none() && self.enc == TextEncoding::Windows1252 {
            self.raw = raw; // kept for the next window
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(String, u64)> {
        // Hash to the end even if the parse stopped early.
        let mut rest = Vec::new();
        self.f
            .read_to_end(&mut rest)
            .map_err(|e| Error::io(&self.path, e))?;
        self.hasher.update(&rest);
        self.bytes += rest.len() as u64;
        let h = std::mem::take(&mut self.hasher).finalize();
        Ok((hex(&h), self.bytes))
    }
}

fn trim_cr(buf: &[u8], start: usize, end: usize) -> usize {
    if end > start && buf[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

/// Cuts `buf` (which ends at a line end or the end of file) into pieces of about [`PIECE`]
/// bytes, each ending at a line end.
fn split_pieces(buf: &[u8]) -> Vec<(usize, usize)> {
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

/// Splits lines into fields: plain lines by `memchr` on the delimiter, quoted ones by csv-core.
struct Splitter {
    rdr: csv_core::Reader,
    delim: u8,
    quote: u8,
    out: Vec<u8>,
    ends: Vec<usize>,
    /// Field ranges into the line (plain) or into `out` (quoted).
    ranges: Vec<(u32, u32)>,
}

/// Which buffer the ranges of the last split point into.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Base {
    Line,
    Out,
}

fn base_slice<'a>(b: Base, line: &'a [u8], out: &'a [u8]) -> &'a [u8] {
    match b {
        Base::Line => line,
        Base::Out => out,
    }
}

impl Splitter {
    fn new(delim: u8, quote: u8) -> Splitter {
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
    fn quotes_unbalanced(&self, line: &[u8]) -> bool {
        memchr::memchr_iter(self.quote, line).count() % 2 == 1
    }

    /// Splits a line whose fields are each either plain (no quote, no carriage return) or
    /// wholly quoted with no quote inside (`"a","b,c",d`) into `ranges` of the line, the
    /// enclosing quotes left out: what csv-core makes of such a line. Returns false, with
    /// `ranges` unspecified, for any other line (a quote inside a field or after its closing
    /// quote, an unclosed quote), which then goes to csv-core.
    fn split_quoted(&mut self, line: &[u8]) -> bool {
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
    fn split(&mut self, line: &[u8]) -> Base {
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

/// One split line as the converter sees it.
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
fn parse_lines(ctx: &Ctx<'_>, piece: &[u8], conv: &mut Converter<'_>) -> u64 {
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
        one_line(ctx, &mut sp, n, line, line_text, conv);
    }
    n
}

fn one_line(
    ctx: &Ctx<'_>,
    sp: &mut Splitter,
    row: u64,
    line: &[u8],
    line_text: Option<&str>,
    conv: &mut Converter<'_>,
) {
    if line.iter().all(|b| b.is_ascii_whitespace()) {
        conv.blank();
        return;
    }
    let raw = || String::from_utf8_lossy(line).into_owned();
    let base = if memchr::memchr(ctx.quote, line).is_none() {
        sp.split(line)
    } else if sp.split_quoted(line) {
        // Every quote pairs up, so the line is balanced: what csv-core would split it into.
        Base::Line
    } else if sp.quotes_unbalanced(line) {
        conv.reject(
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
    check_and_convert(ctx, row, line, base, text, &sp.ranges, conv);
}

fn check_and_convert(
    ctx: &Ctx<'_>,
    row: u64,
    line: &[u8],
    base: &[u8],
    text: Option<&str>,
    ranges: &[(u32, u32)],
    conv: &mut Converter<'_>,
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
        conv.reject(row, format!("too few fields: {got} of {want}{hint}"), raw());
        return;
    }
    if got > want && ranges[want..].iter().any(|&(a, b)| b > a) {
        conv.reject(
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
        conv.reject(
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
            conv.reject(
                row,
                "repeated header line (files concatenated with their headers?)".into(),
                raw(),
            );
            return;
        }
    }
    conv.row(
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
fn parse_multiline(ctx: &Ctx<'_>, buf: &[u8], conv: &mut Converter<'_>) -> u64 {
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
            conv.blank();
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
            conv.reject(
                first_row,
                "unbalanced quote: a quoted field runs on over the following lines".into(),
                String::from_utf8_lossy(&rec[..fe]).into_owned(),
            );
            pos += first_end;
            line += 1;
            continue;
        }
        check_and_convert(ctx, first_row, body, &out[..nout], None, &ranges, conv);
        pos += nin;
        line += span;
    }
    line
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
