//! Colour on the console, only where a person reads it: a stream that is a terminal, unless
//! `NO_COLOR` says otherwise (<https://no-color.org>). The usual variables are honoured, in
//! this order:
//!
//! 1. `NO_COLOR` set and not empty: no colour, whatever else is set;
//! 2. `CLICOLOR_FORCE` set and not `0`: colour even in a pipe (to read coloured output in
//!    `less -R`, and for the tests);
//! 3. `CLICOLOR=0` or `TERM=dumb`: no colour;
//! 4. otherwise colour when the stream is a terminal.
//!
//! clap's help follows the same variables (through `anstream`), so `--help` agrees.
//! Colour only marks what the words already say (`NO` beside a mismatch, `FAIL` beside a
//! problem): nothing is said by colour alone.

use std::ffi::OsString;
use std::io::IsTerminal;

/// The environment that decides colour, read once.
#[derive(Clone, Debug, Default)]
pub struct ColourEnv {
    no_color: Option<OsString>,
    clicolor_force: Option<OsString>,
    clicolor: Option<OsString>,
    term: Option<OsString>,
}

impl ColourEnv {
    /// The process's environment.
    pub fn from_process() -> ColourEnv {
        ColourEnv {
            no_color: std::env::var_os("NO_COLOR"),
            clicolor_force: std::env::var_os("CLICOLOR_FORCE"),
            clicolor: std::env::var_os("CLICOLOR"),
            term: std::env::var_os("TERM"),
        }
    }

    /// Whether a stream that `is_terminal` or not gets colour.
    pub fn colour(&self, is_terminal: bool) -> bool {
        let set = |v: &Option<OsString>| v.as_ref().is_some_and(|v| !v.is_empty());
        let is = |v: &Option<OsString>, s: &str| v.as_ref().is_some_and(|v| v == s);
        if set(&self.no_color) {
            return false;
        }
        if set(&self.clicolor_force) && !is(&self.clicolor_force, "0") {
            return true;
        }
        if is(&self.clicolor, "0") || is(&self.term, "dumb") {
            return false;
        }
        is_terminal
    }
}

/// Paints text for one stream, or leaves it plain.
#[derive(Clone, Copy, Debug)]
pub struct Paint {
    on: bool,
}

impl Paint {
    /// For standard output.
    pub fn stdout() -> Paint {
        Paint {
            on: ColourEnv::from_process().colour(std::io::stdout().is_terminal()),
        }
    }

    /// For standard error.
    pub fn stderr() -> Paint {
        Paint {
            on: ColourEnv::from_process().colour(std::io::stderr().is_terminal()),
        }
    }

    /// Whether this stream gets colour.
    pub fn on(self) -> bool {
        self.on
    }

    fn sgr(self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    /// Good news (a figure matched, no problem found).
    pub fn good(self, s: &str) -> String {
        self.sgr("32", s)
    }

    /// Bad news (a mismatch, a failed check, an error).
    pub fn bad(self, s: &str) -> String {
        self.sgr("1;31", s)
    }

    /// Worth a look (a file with much of it quarantined).
    pub fn warn(self, s: &str) -> String {
        self.sgr("33", s)
    }

    /// A heading.
    pub fn bold(self, s: &str) -> String {
        self.sgr("1", s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> ColourEnv {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| OsString::from(v))
        };
        ColourEnv {
            no_color: get("NO_COLOR"),
            clicolor_force: get("CLICOLOR_FORCE"),
            clicolor: get("CLICOLOR"),
            term: get("TERM"),
        }
    }

    #[test]
    fn terminal_only_by_default() {
        assert!(env(&[]).colour(true));
        assert!(!env(&[]).colour(false));
    }

    #[test]
    fn no_color_wins() {
        assert!(!env(&[("NO_COLOR", "1")]).colour(true));
        assert!(!env(&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]).colour(true));
        // Set but empty does not count (no-color.org).
        assert!(env(&[("NO_COLOR", "")]).colour(true));
    }

    #[test]
    fn forced_and_refused() {
        assert!(env(&[("CLICOLOR_FORCE", "1")]).colour(false));
        assert!(!env(&[("CLICOLOR_FORCE", "0")]).colour(false));
        assert!(!env(&[("CLICOLOR", "0")]).colour(true));
        assert!(!env(&[("TERM", "dumb")]).colour(true));
    }

    #[test]
    fn plain_when_off() {
        let off = Paint { on: false };
        assert_eq!(off.bad("NO"), "NO");
        let on = Paint { on: true };
        assert_eq!(on.bad("NO"), "\x1b[1;31mNO\x1b[0m");
    }
}
