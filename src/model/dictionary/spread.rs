//! The texts of `spread`, `skew` and `skew_categories` (`src/correlate/spread.rs`,
//! `src/stats/skew.rs`; `docs/method.md` section 7).

use super::{Entries, P_TEXT, Q_TEXT};

pub(super) const SPREAD: Entries = &[
    (
        "set",
        "`campaign:NAME` (dialled, with its merged upload), `upload:NAME`, `download:NAME`, or \
         `number:+E164`: the complainant lines that top-ranked originating number called.",
    ),
    ("kind", "`campaign`, `upload`, `download` or `number`."),
    (
        "account",
        "The account behind the set, as overlaps.account_a (an upload's or campaign's) or a \
         download's first row naming one; null for a number or when none.",
    ),
    (
        "customer",
        "The customer the campaign registry names for a campaign; null otherwise.",
    ),
    (
        "district",
        "The district: the population's for the number, else the complainants file's; null on \
         the set's last row, for its numbers found in neither.",
    ),
    (
        "recipients",
        "The set's distinct numbers in this district (for a download, its numbers; for a \
         number, the complainant lines it called).",
    ),
    (
        "share",
        "recipients / all the set's distinct numbers (those without a district included): a \
         share 0-1; a set's rows add up to 1.",
    ),
    (
        "scope",
        "`in_scope` or `outside_scope`: whether the district is one the account's downloads \
         were scoped to (`national` covers all); null when no scope is known, and on the \
         no-district row.",
    ),
    (
        "scope_from",
        "Where the scope came from: `account A` (the set's own account has downloads) or \
         `account B of source download:D` (the account of its first download overlap with q ≤ \
         0.05); null when no scope is known.",
    ),
];

pub(super) const SKEW: Entries = &[
    (
        "set",
        "`campaign:NAME` (dialled, with its merged upload), `upload:NAME` or `download:NAME`.",
    ),
    (
        "account",
        "The account behind the set, as spread.account; null when none.",
    ),
    (
        "customer",
        "The customer the campaign registry names for a campaign; null otherwise.",
    ),
    (
        "attribute",
        "The population column compared: `age_band` or `party`.",
    ),
    (
        "recipients_in_population",
        "n: the set's distinct numbers found in the population with a value of the attribute; \
         members outside the population or without a value are not counted.",
    ),
    (
        "g",
        "G = 2 Σ O ln(O / E) over the attribute's categories, O the set's members with the \
         value, E = n × w / Σw, w the population rows holding it (computed as 2 Σ bd0(O, E), \
         which does not cancel near the expectation).",
    ),
    (
        "df",
        "Degrees of freedom: the categories some population row holds, minus 1.",
    ),
    (
        "ln_p",
        "Natural log of P(χ²_df ≥ G), the G-test's asymptotic p (regularised upper incomplete \
         gamma, in log space); indicative only where expected counts are below about 5.",
    ),
    (
        "q",
        "Benjamini–Hochberg adjusted p-value over every row of the table, both attributes (exp \
         of ln_q; 0 below about 1e-308).",
    ),
    (
        "ln_q",
        "Natural log of q, computed in log space; the value to filter on (q ≤ 0.05 is ln_q ≤ \
         −2.996).",
    ),
    ("p_text", P_TEXT),
    ("q_text", Q_TEXT),
];

pub(super) const SKEW_CATEGORIES: Entries = &[
    (
        "set",
        "The skew row's set (`campaign:NAME`, `upload:NAME`, `download:NAME`).",
    ),
    (
        "attribute",
        "The skew row's attribute: `age_band` or `party`.",
    ),
    (
        "category",
        "A value of the attribute that some population row holds (an age band, a party code).",
    ),
    (
        "observed",
        "O: the set's members in the population with this value; 0 when none.",
    ),
    (
        "observed_share",
        "O / n, n the skew row's recipients_in_population: a share 0-1.",
    ),
    (
        "expected",
        "E = n × w / Σw: the members the population's proportions lead one to expect (not a \
         whole number).",
    ),
    (
        "expected_share",
        "w / Σw: the population's share (0-1) of this value among its rows with a value.",
    ),
    (
        "ratio",
        "observed / expected: above 1 over-represented, below 1 under-represented. No test of \
         its own (G tests the whole distribution): weigh it by expected.",
    ),
    ("population", "w: the population rows holding this value."),
];
