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
//! Figure names are the integer keys of `results/figures.json`; `campaign_recipients` is read
//! from `results/campaigns.parquet` (distinct dialed numbers of the named campaign). The file is
//! read and checked by [`Published::load`] before a run starts, so that a misspelt name or a
//! missing file stops `callsift run --published` at once (exit 3), not after the whole run.
//! The command line prints the comparison.

use std::collections::BTreeMap;
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

impl Published {
    /// Reads and checks a published-figures file, before any run: every figure name must be
    /// one a run computes (an integer of `results/figures.json`, or `campaign_recipients`),
    /// `campaign_recipients` must name its campaign and no other figure may.
    ///
    /// # Errors
    /// [`Error::Config`] (exit 3), naming the file: it cannot be read, it is not valid TOML or
    /// has unknown keys, or a figure name is unknown (the message lists the known ones).
    pub fn load(path: &Path) -> Result<Published> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::config(path, format!("cannot read the published figures: {e}")))?;
        let p: Published = toml::from_str(&text).map_err(|e| Error::config(path, e.to_string()))?;
        let known = figure_names();
        for (name, f) in &p.figures {
            if name == CAMPAIGN_RECIPIENTS {
                if f.campaign.is_none() {
                    return Err(Error::config(
                        path,
                        "figures.campaign_recipients needs `campaign` (the campaign whose \
                         distinct dialed numbers it counts)",
                    ));
                }
            } else if !known.contains(name) {
                return Err(Error::config(
                    path,
                    format!(
                        "figures.{name}: no such figure; a published figure is one of {}, {CAMPAIGN_RECIPIENTS}",
                        known.join(", ")
                    ),
                ));
            } else if f.campaign.is_some() {
                return Err(Error::config(
                    path,
                    format!("figures.{name}: `campaign` is only for {CAMPAIGN_RECIPIENTS}"),
                ));
            }
        }
        Ok(p)
    }
}

/// The figure counted from `results/campaigns.parquet` rather than read from `figures.json`.
pub const CAMPAIGN_RECIPIENTS: &str = "campaign_recipients";

/// The names a published figure may have besides [`CAMPAIGN_RECIPIENTS`]: the integer
/// figures of `results/figures.json`, in name order.
pub fn figure_names() -> Vec<String> {
    crate::model::results::Figures::default()
        .to_map()
        .into_iter()
        .filter(|(_, v)| v.is_u64())
        .map(|(k, _)| k)
        .collect()
}

/// Compares a run's figures with a published-figures file.
///
/// # Errors
/// As [`Published::load`] and [`compare_with`].
pub fn compare(dir: &Path, published: &Path) -> Result<Vec<Comparison>> {
    compare_with(dir, &Published::load(published)?)
}

/// Compares a run's figures with published figures already read ([`Published::load`]).
///
/// # Errors
/// [`Error::Store`] when the run's results are missing or malformed.
pub fn compare_with(dir: &Path, published: &Published) -> Result<Vec<Comparison>> {
    let fig = crate::results::figures(dir)?;
    let mut out = Vec::new();
    for (name, f) in &published.figures {
        let computed = match (name.as_str(), f.campaign.as_deref()) {
            (CAMPAIGN_RECIPIENTS, Some(c)) => campaign_recipients(dir, c)?,
            _ => fig.count(name),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Published> {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("published.toml");
        std::fs::write(&p, text).unwrap();
        Published::load(&p)
    }

    #[test]
    fn known_names_load() {
        let p = load(
            "[figures.calls_received]\nvalue = 6051\n\
             [figures.campaign_recipients]\nvalue = 5\ncampaign = \"c\"\n",
        )
        .unwrap();
        assert_eq!(p.figures.len(), 2);
        let names = figure_names();
        assert!(names.contains(&"calls_received".to_string()), "{names:?}");
        // A float and the per-file list are not published counts.
        assert!(!names.iter().any(|n| n == "incident_share" || n == "inputs"));
    }

    #[test]
    fn unknown_names_and_misplaced_campaigns_are_configuration_errors() {
        for (text, says) in [
            (
                "[figures.calls_recieved]\nvalue = 1\n",
                "figures.calls_recieved: no such figure",
            ),
            (
                "[figures.campaign_recipients]\nvalue = 1\n",
                "needs `campaign`",
            ),
            (
                "[figures.calls_received]\nvalue = 1\ncampaign = \"c\"\n",
                "only for campaign_recipients",
            ),
            ("[figures.calls_received]\nvalue = -1\n", "line 2"),
            ("[figure.calls_received]\nvalue = 1\n", "unknown field"),
        ] {
            let e = load(text).unwrap_err();
            assert_eq!(e.exit_code(), 3, "{e}");
            assert!(e.to_string().contains(says), "{text}: {e}");
            assert!(e.to_string().contains("published.toml"), "{e}");
        }
        let e = Published::load(Path::new("/nonexistent/published.toml")).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().contains("/nonexistent/published.toml"), "{e}");
    }
}
