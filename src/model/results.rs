//! The results contract: what `correlate` writes to `results/` and every reader of results
//! (`figures`, `eval`, the report, the bindings) reads. The figures of `figures.json` are the
//! [`Figures`] struct; its JSON has the keys in alphabetical order (serde_json's default map).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `results/figures.json`: the counts a published inquiry reports, computed from the store.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// Complainants whose records are in the production orders.
    pub complainants_in_orders: u64,
    /// Complainants whose records are not (late complainants).
    pub complainants_late: u64,
    /// Distinct numbers of all complainants.
    pub complainant_numbers: u64,
    /// Calls to complainants in the orders, inside the orders window.
    pub calls_received: u64,
    /// Calls to complainants in the orders, outside the orders window.
    pub calls_outside_orders: u64,
    /// Calls not to a complainant in the orders.
    pub calls_not_to_complainants: u64,
    /// Exact duplicate call records removed at ingest.
    pub duplicates_removed: u64,
    /// Received calls with a withheld caller ID.
    pub blocked_caller_ids: u64,
    /// Received calls whose caller ID is not a valid number.
    pub invalid_caller_ids: u64,
    /// Distinct originating numbers of the received calls.
    pub originating_numbers: u64,
    /// The incident window's share of the incident and baseline windows' time.
    pub incident_share: f64,
    /// Originating numbers with a subscriber return.
    pub subscriber_obtained: u64,
    /// Originating numbers whose subscriber information was refused.
    pub subscriber_refused: u64,
    /// Originating numbers with no return.
    pub subscriber_not_requested: u64,
    /// Originating numbers without a subscriber (refused or not requested).
    pub subscriber_not_obtained: u64,
    /// `watchlist_<kind>`: originating numbers on a watch-list of each kind.
    #[serde(flatten)]
    pub watchlist: BTreeMap<String, u64>,
    /// Received calls attributed to a vendor record.
    pub attributed_calls: u64,
    /// Lines in the population.
    pub population: u64,
    /// Significant unexplained originating numbers without a subscriber return.
    pub leads: u64,
    /// Per evidence file, its row reconciliation.
    pub inputs: Vec<InputFigures>,
}

/// One evidence file's row reconciliation, as `figures.json` lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFigures {
    /// The file, as the manifest names it.
    pub path: String,
    /// Its kind.
    pub kind: String,
    /// Rows read.
    pub rows_read: u64,
    /// Rows accepted into the store.
    pub accepted: u64,
    /// Rows in the quarantine.
    pub quarantined: u64,
    /// Exact duplicate call records removed.
    pub duplicates_removed: u64,
}

impl Figures {
    /// The figures as a JSON object, keys in alphabetical order (`inputs` included).
    pub fn to_map(&self) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        }
    }
}
