//! `audit.log`: placeholder until the verify branch lands (replaced on merge).

use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};

/// One line.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    /// Command line.
    pub command: Vec<String>,
    /// Case hash.
    pub case_sha256: Option<String>,
    /// Manifest hash.
    pub manifest_sha256: Option<String>,
    /// Exit status.
    pub exit: i32,
}

impl Entry {
    /// An entry for now.
    pub fn now(command: Vec<String>, case_sha256: Option<String>, exit: i32) -> Entry {
        Entry {
            command,
            case_sha256,
            manifest_sha256: None,
            exit,
        }
    }
}

/// Appends.
///
/// # Errors
/// I/O.
pub fn append(path: &Path, e: &Entry) -> Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|x| Error::io(path, x))?;
    let s = serde_json::to_string(e).map_err(|x| Error::store(path, x))?;
    writeln!(f, "{s}").map_err(|x| Error::io(path, x))
}

/// Checks.
pub fn check(_path: &Path) -> Vec<String> {
    Vec::new()
}
