//! `callsift figures DIR [--published FILE]`: the figures of a run, side by side with published
//! ones.
//!
//! A published-figures file is TOML, one table per figure, each with the value and the sentence
//! it comes from:
//!
//! ```toml
//! [figures.calls_received]
//! value = 6051
//! source = "production orders ... provided records of 6,051 incoming calls"
//!
//! [figures.campaign_recipients]        # recipients of one vendor campaign
//! value = 5053
//! campaign = "poll-location-change"
//! source = "..."
//! ```
//!
//! Figure names are the keys of `results/figures.json`; `campaign_recipients` is read from
//! `results/campaigns.parquet` (distinct dialed numbers of the named campaign).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::results::Table;

/// A published-figures file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Published {
    /// Figure name -> published value.
    pub figures: BTreeMap<String, PublishedFigure>,
}

/// One published figure.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedFigure {
    /// The published value.
    pub value: u64,
    /// The sentence it comes from.
    #[serde(default)]
    pub source: String,
    /// For `campaign_recipients`: the campaign.
    pub campaign: Option<String>,
}

/// One line of the comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Figure name.
    pub name: String,
    /// Published value.
    pub published: u64,
    /// Computed value, if the run has it.
    pub computed: Option<u64>,
}

impl Comparison {
    /// Whether the computed value equals the published one.
    pub fn matches(&self) -> bool {
        self.computed == Some(self.published)
    }
}

/// Compares a run's figures with a published-figures file.
///
/// # Errors
/// [`Error::Config`] for a malformed published file; [`Error::Store`] for missing results.
pub fn compare(dir: &Path, published: &Path) -> Result<Vec<Comparison>> {
    let text = std::fs::read_to_string(published).map_err(|e| Error::io(published, e))?;
    let pubd: Published =
        toml::from_str(&text).map_err(|e| Error::config(published, e.to_string()))?;
    let fig = crate::results::figures(dir)?;
    let mut out = Vec::new();
    for (name, f) in &pubd.figures {
        let computed = if name == "campaign_recipients" {
            let c = f.campaign.as_deref().ok_or_else(|| {
                Error::config(published, "figures.campaign_recipients needs `campaign`")
            })?;
            campaign_recipients(dir, c)?
        } else {
            fig.count(name)
        };
        out.push(Comparison {
            name: name.clone(),
            published: f.value,
            computed,
        });
    }
    Ok(out)
}

/// Distinct dialed numbers of a campaign, from `results/campaigns.parquet`.
fn campaign_recipients(dir: &Path, campaign: &str) -> Result<Option<u64>> {
    let t = crate::results::table(dir, Table::Campaigns)?;
    let names = crate::results::texts(&t, Table::Campaigns, "campaign")?;
    let recipients = crate::results::u64s(&t, Table::Campaigns, "recipients")?;
    Ok(names
        .iter()
        .position(|n| n.as_deref() == Some(campaign))
        .map(|i| recipients[i]))
}

/// Prints the figures (and the comparison); returns the exit code: 1 when a published figure is
/// not matched.
///
/// # Errors
/// As [`compare`].
pub fn print(dir: &Path, published: Option<&Path>) -> Result<i32> {
    let mut o = std::io::stdout().lock();
    match published {
        None => {
            for (k, v) in crate::results::figures(dir)?.to_map() {
                if k != "inputs" {
                    let _ = writeln!(o, "{k:<28} {v}");
                }
            }
            Ok(0)
        }
        Some(p) => {
            let rows = compare(dir, p)?;
            let _ = writeln!(
                o,
                "{:<28} {:>12} {:>12}  match",
                "figure", "published", "computed"
            );
            let mut bad = 0;
            for r in &rows {
                let _ = writeln!(
                    o,
                    "{:<28} {:>12} {:>12}  {}",
                    r.name,
                    r.published,
                    r.computed.map_or("-".to_string(), |c| c.to_string()),
                    if r.matches() { "yes" } else { "NO" }
                );
                bad += usize::from(!r.matches());
            }
            let _ = writeln!(
                o,
                "{} of {} published figures matched",
                rows.len() - bad,
                rows.len()
            );
            Ok(if bad == 0 { 0 } else { 1 })
        }
    }
}
