//! The vendors' campaign registries (input kind `campaigns`): who each campaign belongs to
//! (account, customer or client) and what it declared (purpose, created).
//!
//! A campaign is known by its name, as the vendor log names it (`vendor_calls.campaign`); a
//! registry row gives its vendor, account, customer, declared purpose and creation time, and
//! the evidence file and row it came from. Every output that names a campaign takes its
//! account and customer from here: `campaigns`, `attribution`, `overlaps`, `enrichment`,
//! `spread`, `skew`, the numbers' `presented_by` reasons and the leads' notes.
//!
//! Two registry rows that name one campaign with different contents are both kept in the
//! store; the first (in the order the case lists its inputs, then by row) is the one used, and
//! the others are counted (`figures.campaign_registry_conflicts`) and named in the campaign's
//! `registry_evidence`, so nothing is silently chosen.

use std::collections::BTreeMap;

use arrow::array::RecordBatch;

use super::cols::{times, u64s_dense, Codes};
use crate::error::Result;

/// What a registry says of one campaign.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// The vendor whose registry lists it.
    pub vendor: String,
    /// The vendor account it runs under.
    pub account: Option<String>,
    /// The customer or client named for it.
    pub customer: Option<String>,
    /// The declared purpose.
    pub purpose: Option<String>,
    /// When it was created (UTC µs).
    pub created: Option<i64>,
    /// `file:row` of the registry row used, then of any row that disagrees with it.
    pub evidence: Vec<String>,
}

/// The registry: campaign name to its entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Registry {
    /// Entries by campaign name.
    pub by_campaign: BTreeMap<String, Entry>,
    /// Rows that named a campaign already listed, with other contents.
    pub conflicts: u64,
}

impl Registry {
    /// From the store's `campaigns` table (empty when the case has no registry).
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub(crate) fn read(t: &RecordBatch) -> Result<Registry> {
        let campaign = Codes::read(t, "campaign")?;
        let vendor = Codes::read(t, "vendor")?;
        let account = Codes::read(t, "account")?;
        let customer = Codes::read(t, "customer")?;
        let purpose = Codes::read(t, "purpose")?;
        let created = times(t, "created")?;
        let file = Codes::read(t, "source_file")?;
        let row = u64s_dense(t, "source_row")?;
        let mut reg = Registry::default();
        for i in 0..campaign.codes.len() {
            let Some(name) = campaign.get(i) else {
                continue;
            };
            let e = Entry {
                vendor: vendor.text(i).to_string(),
                account: account.get(i).map(str::to_string),
                customer: customer.get(i).map(str::to_string),
                purpose: purpose.get(i).map(str::to_string),
                created: created[i],
                evidence: vec![format!("{}:{}", file.text(i), row[i])],
            };
            match reg.by_campaign.get_mut(name) {
                None => {
                    reg.by_campaign.insert(name.to_string(), e);
                }
                Some(first) => {
                    if !first.same_as(&e) {
                        reg.conflicts += 1;
                        first.evidence.extend(e.evidence);
                    }
                }
            }
        }
        Ok(reg)
    }

    /// The entry of campaign `name`, if a registry lists it.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.by_campaign.get(name)
    }

    /// The customer of campaign `name`, if a registry names one.
    pub fn customer(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|e| e.customer.as_deref())
    }

    /// The account of campaign `name`: `log` (what the vendor log says) where it says one,
    /// else the registry's.
    pub fn account<'a>(&'a self, name: &str, log: Option<&'a str>) -> Option<&'a str> {
        log.or_else(|| self.get(name).and_then(|e| e.account.as_deref()))
    }

    /// "campaign C of vendor V (account A, customer X)": who a campaign is, as the reasons
    /// and notes name it; `account` is the vendor log's, where it gives one.
    pub fn describe(&self, campaign: &str, vendor: &str, account: Option<&str>) -> String {
        let mut s = format!("campaign {campaign} of vendor {vendor}");
        let who: Vec<String> = [
            self.account(campaign, account)
                .map(|a| format!("account {a}")),
            self.customer(campaign).map(|c| format!("customer {c}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !who.is_empty() {
            s.push_str(&format!(" ({})", who.join(", ")));
        }
        s
    }
}

impl Entry {
    /// Whether two rows say the same of a campaign (evidence aside).
    fn same_as(&self, o: &Entry) -> bool {
        (
            &self.vendor,
            &self.account,
            &self.customer,
            &self.purpose,
            self.created,
        ) == (&o.vendor, &o.account, &o.customer, &o.purpose, o.created)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Int64Array, StringArray, UInt64Array};

    use super::super::testkit::table;
    use super::*;
    use crate::model::Kind;

    /// A registry table: (campaign, account, customer) rows of vendor V, one file.
    fn registry(rows: &[(&str, Option<&str>, Option<&str>)]) -> RecordBatch {
        let n = rows.len();
        table(
            Kind::Campaigns,
            n,
            vec![
                (
                    "campaign",
                    Arc::new(rows.iter().map(|r| Some(r.0)).collect::<StringArray>()),
                ),
                (
                    "vendor",
                    Arc::new(rows.iter().map(|_| Some("V")).collect::<StringArray>()),
                ),
                (
                    "account",
                    Arc::new(rows.iter().map(|r| r.1).collect::<StringArray>()),
                ),
                (
                    "customer",
                    Arc::new(rows.iter().map(|r| r.2).collect::<StringArray>()),
                ),
                (
                    "created",
                    Arc::new((0..n).map(|_| Some(7i64)).collect::<Int64Array>()),
                ),
                (
                    "source_file",
                    Arc::new((0..n).map(|_| Some("reg.csv")).collect::<StringArray>()),
                ),
                (
                    "source_row",
                    Arc::new((1..=n as u64).collect::<UInt64Array>()),
                ),
            ],
        )
    }

    #[test]
    fn a_campaign_is_named_with_its_account_and_customer() {
        let r = Registry::read(&registry(&[("c1", Some("acct"), Some("Pierre Poutine"))])).unwrap();
        assert_eq!(
            r.describe("c1", "V", None),
            "campaign c1 of vendor V (account acct, customer Pierre Poutine)"
        );
        // The vendor log's account wins; an unlisted campaign has nothing added.
        assert_eq!(
            r.describe("c1", "V", Some("log-acct")),
            "campaign c1 of vendor V (account log-acct, customer Pierre Poutine)"
        );
        assert_eq!(r.describe("c2", "V", None), "campaign c2 of vendor V");
        assert_eq!(r.get("c1").unwrap().created, Some(7));
        assert_eq!(r.get("c1").unwrap().evidence, vec!["reg.csv:1"]);
    }

    #[test]
    fn conflicting_rows_keep_the_first_and_are_counted_and_named() {
        let r = Registry::read(&registry(&[
            ("c1", Some("a"), Some("X")),
            ("c1", Some("a"), Some("X")),
            ("c1", Some("b"), Some("Y")),
        ]))
        .unwrap();
        assert_eq!(r.conflicts, 1);
        let e = r.get("c1").unwrap();
        assert_eq!(e.customer.as_deref(), Some("X"));
        assert_eq!(e.evidence, vec!["reg.csv:1", "reg.csv:3"]);
    }
}
