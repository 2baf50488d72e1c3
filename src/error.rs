//! The library's error type. Every message names the file, and where it applies the line and
//! column, so that an investigator can open the evidence at the right place.

use std::path::{Path, PathBuf};

/// Result alias of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, and where.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The case manifest or a profile is wrong (unknown key, missing column, bad zone, bad glob).
    #[error("{}: {msg}", file.display())]
    Config {
        /// The manifest or profile file.
        file: PathBuf,
        /// What is wrong, naming the key or column.
        msg: String,
    },
    /// An evidence file cannot be used as a whole (empty, truncated, missing column).
    #[error("{}{}: {msg}", file.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Input {
        /// The evidence file.
        file: PathBuf,
        /// The 1-based line or row, when one is to blame.
        line: Option<u64>,
        /// What is wrong.
        msg: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The row counts of an input do not add up: a bug, never a data problem.
    #[error("{}: reconciliation failed: {msg}", file.display())]
    Reconciliation {
        /// The evidence file.
        file: PathBuf,
        /// The counts that disagree.
        msg: String,
    },
    /// A case-store or results file is missing or malformed.
    #[error("{}: {msg}", path.display())]
    Store {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        msg: String,
    },
}

impl Error {
    /// The error with a path under `from` moved under `to`: a step that failed inside its
    /// staging folder names the file of the output folder, which the user can open (the
    /// staging folder is gone by then).
    pub fn rebase(self, from: &Path, to: &Path) -> Error {
        let moved = |p: PathBuf| match p.strip_prefix(from) {
            Ok(rest) => to.join(rest),
            Err(_) => p,
        };
        match self {
            Error::Config { file, msg } => Error::Config {
                file: moved(file),
                msg,
            },
            Error::Input { file, line, msg } => Error::Input {
                file: moved(file),
                line,
                msg,
            },
            Error::Io { path, source } => Error::Io {
                path: moved(path),
                source,
            },
            Error::Reconciliation { file, msg } => Error::Reconciliation {
                file: moved(file),
                msg,
            },
            Error::Store { path, msg } => Error::Store {
                path: moved(path),
                msg,
            },
        }
    }

    /// A configuration error about `file`.
    pub fn config(file: impl AsRef<Path>, msg: impl Into<String>) -> Error {
        Error::Config {
            file: file.as_ref().to_path_buf(),
            msg: msg.into(),
        }
    }

    /// An input error about `file` (at `line`, if known).
    pub fn input(file: impl AsRef<Path>, line: Option<u64>, msg: impl Into<String>) -> Error {
        Error::Input {
            file: file.as_ref().to_path_buf(),
            line,
            msg: msg.into(),
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// A store error about `path`.
    pub fn store(path: impl AsRef<Path>, msg: impl ToString) -> Error {
        Error::Store {
            path: path.as_ref().to_path_buf(),
            msg: msg.to_string(),
        }
    }

    /// The process exit code for this error (see `docs/cli.md`): 3 configuration, 4 input,
    /// 5 reconciliation, 6 I/O or store.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config { .. } => 3,
            Error::Input { .. } => 4,
            Error::Reconciliation { .. } => 5,
            Error::Io { .. } | Error::Store { .. } => 6,
        }
    }
}

/// Runs `f`, which calls into a third-party library that may panic (on a damaged file, or when
/// it cannot write its temporary files), and returns the panic's message instead of unwinding
/// further: the caller turns it into an error naming its file. Nothing may abort a run.
pub(crate) fn unpanic<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown panic".into())
    })
}

#[cfg(test)]
mod tests {
    use super::unpanic;

    #[test]
    fn a_panic_becomes_its_message_and_a_value_passes_through() {
        assert_eq!(unpanic(|| 7), Ok(7));
        let n = 3;
        let got: std::result::Result<(), String> = unpanic(|| panic!("no space left ({n})"));
        assert_eq!(got, Err("no space left (3)".to_string()));
        let got: std::result::Result<(), String> = unpanic(|| std::panic::panic_any(5u8));
        assert_eq!(got, Err("unknown panic".to_string()));
    }
}
