//! `[identifications]` of the case manifest: which support codes of the party database's
//! identification history are the party's own (the as-of test's `opponents` segment).

use serde::{Deserialize, Serialize};

/// `[identifications]`: how the as-of test (`results/derivations`) reads the party database's
/// support codes. Checked as it is read (from the case manifest, or from the parameters a run
/// manifest records), so a bad value fails with the file and the setting.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Raw")]
pub struct IdentificationsSection {
    /// The codes that mean the party's own supporters. When some are given, every other code
    /// makes up the `opponents` segment. Default empty: no `opponents` segment.
    pub own_codes: Vec<String>,
}

impl IdentificationsSection {
    /// Whether every key has its default.
    pub fn is_default(&self) -> bool {
        *self == IdentificationsSection::default()
    }

    /// A code may not be blank or given twice.
    fn check(own_codes: &[String]) -> std::result::Result<(), String> {
        for (k, c) in own_codes.iter().enumerate() {
            if c.trim().is_empty() {
                return Err(format!(
                    "identifications.own_codes[{k}]: a code cannot be blank"
                ));
            }
            if own_codes[..k].contains(c) {
                return Err(format!(
                    "identifications.own_codes[{k}]: {c:?} is given twice"
                ));
            }
        }
        Ok(())
    }
}

/// `[identifications]` as written, before it is checked.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct Raw {
    own_codes: Vec<String>,
}

impl TryFrom<Raw> for IdentificationsSection {
    type Error = String;

    fn try_from(r: Raw) -> std::result::Result<Self, String> {
        IdentificationsSection::check(&r.own_codes)?;
        Ok(IdentificationsSection {
            own_codes: r.own_codes,
        })
    }
}
