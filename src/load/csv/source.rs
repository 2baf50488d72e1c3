//! The bytes of a delimited file, window by window: read once (read-only), hashed as they are
//! read, and decoded to UTF-8 (a UTF-8 BOM stripped, Windows-1252 decoded, a UTF-16 BOM
//! switching to UTF-16).

use std::io::Read;

use sha2::{Digest, Sha256};

use crate::digest::hex;
use crate::error::{Error, Result};
use crate::load::driver::Evidence;
use crate::profile::TextEncoding;

/// The bytes read per window.
const WINDOW: usize = 32 << 20;

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
        })
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
