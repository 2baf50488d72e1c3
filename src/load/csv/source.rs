//! The bytes of a delimited file, window by window: read once (read-only), hashed as they are
//! read, and decoded to UTF-8 (a UTF-8 BOM stripped, Windows-1252 decoded, a UTF-16 BOM
//! switching to UTF-16).
//!
//! Old Mac files end their lines with a lone `\r`. When the file's first line end is a lone
//! `\r` (not followed by `\n`), every lone `\r` of the decoded text becomes `\n` (a `\r\n` is
//! left as it is, and its `\r` dropped as in any file); otherwise a lone `\r` stays data. The
//! evidence file is untouched: only the decoded text in memory is changed.

use std::io::Read;

use sha2::{Digest, Sha256};

use crate::digest::hex;
use crate::error::{Error, Result};
use crate::load::driver::Evidence;
use crate::profile::TextEncoding;

/// The bytes read per window.
#[cfg(not(test))]
const WINDOW: usize = 32 << 20;
/// In the unit tests, small windows, so that small files cross window ends.
#[cfg(test)]
const WINDOW: usize = 4 << 10;

/// Reads the file window by window, decoding to UTF-8 and hashing the raw bytes as it goes.
pub(super) struct Source {
    f: std::fs::File,
    hasher: Sha256,
    bytes: u64,
    pub(super) eof: bool,
    first: bool,
    pub(super) encoding: &'static str,
    enc: TextEncoding,
    utf16: Option<&'static encoding_rs::Encoding>,
    path: std::path::PathBuf,
    /// Raw bytes of a window that is decoded (reused).
    raw: Vec<u8>,
    /// Whether lone `\r`s end lines (old Mac line ends); `None` until a line end is seen.
    cr_lines: Option<bool>,
}

impl Source {
    pub(super) fn open(ev: &Evidence<'_>) -> Result<Source> {
        // Read-only: evidence is never opened for writing.
        let f = std::fs::File::open(ev.path).map_err(|e| Error::io(ev.path, e))?;
        Ok(Source {
            f,
            hasher: Sha256::new(),
            bytes: 0,
            eof: false,
            first: true,
            encoding: match ev.spec.encoding {
                TextEncoding::Utf8 => "utf-8",
                TextEncoding::Windows1252 => "windows-1252",
            },
            enc: ev.spec.encoding,
            utf16: None,
            path: ev.path.to_path_buf(),
            raw: Vec::new(),
            cr_lines: None,
        })
    }

    /// Whether the file's lines end in a lone `\r` (read as `\n`).
    pub(super) fn cr_lines(&self) -> bool {
        self.cr_lines == Some(true)
    }

    /// Raw bytes read so far.
    pub(super) fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// Decides the line ends on the first line end of the text, then turns lone `\r`s into
    /// `\n` in `buf[at..]` (and a `\r` left undecided at `at - 1`, the end of the last window).
    fn line_ends(&mut self, buf: &mut [u8], at: usize) {
        if self.cr_lines.is_none() {
            if let Some(i) = memchr::memchr2(b'\r', b'\n', &buf[at..]).map(|i| at + i) {
                match (buf[i], buf.get(i + 1)) {
                    (b'\n', _) | (b'\r', Some(b'\n')) => self.cr_lines = Some(false),
                    (_, Some(_)) => self.cr_lines = Some(true),
                    (_, None) if self.eof => self.cr_lines = Some(true),
                    _ => {} // a `\r` at the window's end: the next window decides
                }
            }
        }
        if self.cr_lines() {
            lone_cr_to_lf(buf, at.saturating_sub(1), self.eof);
        }
    }

    /// Appends the next window (decoded to UTF-8) to `buf`.
    pub(super) fn fill(&mut self, buf: &mut Vec<u8>) -> Result<()> {
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
            self.line_ends(buf, at);
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
        let at = buf.len();
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
        self.line_ends(buf, at);
        Ok(())
    }

    pub(super) fn finish(&mut self) -> Result<(String, u64)> {
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

/// Turns every `\r` of `buf[from..]` that is not followed by `\n` into `\n`; a `\r` at the
/// very end only at the end of the file (otherwise the next window may begin with `\n`).
fn lone_cr_to_lf(buf: &mut [u8], from: usize, eof: bool) {
    let mut i = from;
    while let Some(k) = memchr::memchr(b'\r', &buf[i..]) {
        let at = i + k;
        match buf.get(at + 1) {
            Some(b'\n') => {}
            Some(_) => buf[at] = b'\n',
            None if eof => buf[at] = b'\n',
            None => {}
        }
        i = at + 1;
    }
}

/// The manifest's encoding text for a file with lone-`\r` line ends.
pub(super) fn with_cr_lines(encoding: &'static str) -> &'static str {
    match encoding {
        "utf-8" => "utf-8, CR line ends",
        "windows-1252" => "windows-1252, CR line ends",
        "utf-8 (BOM)" => "utf-8 (BOM), CR line ends",
        "utf-8 (BOM overrides windows-1252)" => "utf-8 (BOM overrides windows-1252), CR line ends",
        "utf-16le (BOM)" => "utf-16le (BOM), CR line ends",
        "utf-16be (BOM)" => "utf-16be (BOM), CR line ends",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_cr_becomes_lf_but_crlf_and_a_pending_end_stay() {
        let mut b = b"a\rb\r\nc\r".to_vec();
        lone_cr_to_lf(&mut b, 0, false);
        assert_eq!(b, b"a\nb\r\nc\r");
        lone_cr_to_lf(&mut b, 0, true);
        assert_eq!(b, b"a\nb\r\nc\n");
    }

    #[test]
    fn every_encoding_has_its_cr_text() {
        for e in [
            "utf-8",
            "windows-1252",
            "utf-8 (BOM)",
            "utf-8 (BOM overrides windows-1252)",
            "utf-16le (BOM)",
            "utf-16be (BOM)",
        ] {
            assert_eq!(with_cr_lines(e), format!("{e}, CR line ends"));
        }
    }
}
