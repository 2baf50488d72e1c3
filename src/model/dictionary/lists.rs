//! The texts of `overlaps`, `enrichment`, `population_coverage` and `derivations`
//! (`src/correlate/lists/`, `overlaps.rs`, `derivations/`; `docs/method.md` sections 4 and
//! 5).

use super::{Entries, P_TEXT, Q_TEXT};

pub(super) const OVERLAPS: Entries = &[
    (
        "rank",
        "1 = the smallest ln_p; ties: the larger overlap, then list_a's order, then list_b's \
         (order of first appearance in the store). The rows are in this order.",
    ),
    (
        "list_a",
        "The derived list: `upload:NAME` (numbers uploaded to a vendor) or `campaign:NAME` (the \
         numbers the campaign dialled, with those of the upload merged into it).",
    ),
    (
        "account_a",
        "The account behind list_a: an upload's first row naming one; for a campaign the vendor \
         log's, else its merged upload's, else the campaign registry's; null when none.",
    ),
    (
        "customer_a",
        "The customer the campaign registry names for list_a's campaign; null for an upload or \
         when none.",
    ),
    (
        "list_b",
        "The candidate source: `download:NAME` (a party-database download) or \
         `poll:CAMPAIGN:key=K` (the numbers that answered a robo-poll with keypress K). A \
         campaign is not compared with its own poll responses.",
    ),
    (
        "account_b",
        "The account behind list_b: a download's first row naming one; for a poll response set, \
         the campaign registry's account of its campaign; null when none.",
    ),
    (
        "customer_b",
        "The customer the campaign registry names for a poll response set's campaign; null for \
         a download or when none.",
    ),
    (
        "size_a",
        "Distinct numbers in list_a (with [analysis] restrict_to_population, only those in the \
         population).",
    ),
    (
        "size_b",
        "Distinct numbers in list_b (with [analysis] restrict_to_population, only those in the \
         population).",
    ),
    ("overlap", "Distinct numbers in both lists."),
    (
        "containment",
        "overlap / size_a: the share (0-1) of list_a found in list_b.",
    ),
    (
        "jaccard",
        "overlap / (size_a + size_b − overlap): the share (0-1) of their union that both hold.",
    ),
    (
        "ln_p",
        "Natural log of the hypergeometric upper tail P(X ≥ overlap), X ~ Hypergeometric(N, \
         size_b, size_a), N = max(population size, size_a + size_b − overlap): the one-sided \
         Fisher exact test, exact in log space, so values below 1e-308 survive.",
    ),
    (
        "q",
        "Benjamini–Hochberg adjusted p-value over every compared pair, the pairs not listed (no \
         shared number) counted with p = 1 (exp of ln_q; 0 below about 1e-308).",
    ),
    (
        "ln_q",
        "Natural log of q, computed in log space; the value to filter on (q ≤ 0.05 is ln_q ≤ \
         −2.996).",
    ),
    ("p_text", P_TEXT),
    ("q_text", Q_TEXT),
];

pub(super) const ENRICHMENT: Entries = &[
    (
        "rank",
        "1 = the smallest ln_p; ties: the larger overlap, then list order (uploads, campaigns, \
         downloads, poll response sets, watch-lists). The rows are in this order.",
    ),
    (
        "list",
        "The list: `upload:NAME`, `campaign:NAME` (dialled, with its merged upload), \
         `download:NAME`, `poll:CAMPAIGN:key=K` or `watchlist:NAME`.",
    ),
    (
        "kind",
        "`upload`, `campaign`, `download`, `poll_response` or `watchlist`.",
    ),
    (
        "account",
        "The account behind the list, as overlaps' account_a and account_b; null for a \
         watch-list or when none.",
    ),
    (
        "customer",
        "The customer the campaign registry names for a campaign's or poll response set's \
         campaign; null otherwise.",
    ),
    (
        "size",
        "Distinct numbers in the list (with [analysis] restrict_to_population, only those in \
         the population).",
    ),
    (
        "overlap",
        "Of them, numbers of a complainant (any complainant, in the orders or late).",
    ),
    (
        "ln_p",
        "Natural log of P(X ≥ overlap), X ~ Hypergeometric(N, C, size), C the complainants' \
         distinct numbers, N = max(population size, size + C − overlap); exact in log space, so \
         values below 1e-308 survive.",
    ),
    (
        "q",
        "Benjamini–Hochberg adjusted p-value over every list of the table (exp of ln_q; 0 below \
         about 1e-308).",
    ),
    (
        "ln_q",
        "Natural log of q, computed in log space; the value to filter on (q ≤ 0.05 is ln_q ≤ \
         −2.996).",
    ),
    ("p_text", P_TEXT),
    ("q_text", Q_TEXT),
];

pub(super) const POPULATION_COVERAGE: Entries = &[
    (
        "list",
        "The list (`upload:NAME`, `campaign:NAME`, `download:NAME`, `poll:CAMPAIGN:key=K`, \
         `watchlist:NAME`), or `complainants` for the last row: the complainants' distinct \
         numbers.",
    ),
    (
        "kind",
        "`upload`, `campaign`, `download`, `poll_response`, `watchlist`, or `complainants`.",
    ),
    (
        "numbers",
        "All its distinct numbers: in_population + outside_population.",
    ),
    (
        "in_population",
        "Those the population input holds: the numbers overlaps and enrichment counted.",
    ),
    (
        "outside_population",
        "Those the population input does not hold, left out of overlaps and enrichment.",
    ),
];

pub(super) const DERIVATIONS: Entries = &[
    (
        "list",
        "The list: `upload:NAME`, or `campaign:NAME` (the numbers it dialled, with its merged \
         upload's).",
    ),
    ("list_kind", "`upload` or `campaign`."),
    (
        "rank",
        "Its rank among the list's rows: 1 = the smallest ln_p; ties: segments before \
         downloads, then the larger overlap, then source.",
    ),
    (
        "best",
        "True on at most one row per list: among its rows with q ≤ 0.05, the one with the \
         largest containment (ties: the smaller ln_p, then rank), the source that explains the \
         list most completely.",
    ),
    (
        "source_kind",
        "`segment` (the party database's identification history) or `download` (a download of \
         the log, from overlaps).",
    ),
    (
        "source",
        "A code of the identification history, `opponents` (every code not in \
         [identifications] own_codes), or `download:NAME`.",
    ),
    (
        "as_of",
        "Segment row: the list's time (an upload's earliest uploaded; a campaign's merged \
         upload's, else its first dial on the vendor's clock). Download row: the download's \
         earliest time, null when it has none. UTC (µs).",
    ),
    (
        "as_of_local",
        "The same instant as as_of, in [case] time_zone (UTC when the case names none): ISO 8601 with the zone's offset at that instant, e.g. 2011-05-02T10:02:46-04:00; null where as_of is.",
    ),
    (
        "districts",
        "Segment row: the list's districts (each number's in the population, else in its latest \
         identification naming one, else `(no district)`). Null for a download row.",
    ),
    (
        "population",
        "N. Segment row: the numbers identified by as_of whose district is one of the list's \
         (not the population). Download row: the overlaps' urn, max(population size, list size \
         + download size − overlap).",
    ),
    (
        "segment_size",
        "K. Segment row: of the N, those whose code as of as_of is in the segment. Download \
         row: the download's distinct numbers.",
    ),
    (
        "list_in_scope",
        "n. Segment row: the list's numbers among the N (identified by as_of). Download row: \
         the list's distinct numbers.",
    ),
    (
        "overlap",
        "k: the list's numbers in the segment as of as_of, or in the download.",
    ),
    (
        "containment",
        "k / n: the share (0-1) of the list's numbers tested that the source holds.",
    ),
    (
        "coverage",
        "k / K: the share (0-1) of the source the list holds.",
    ),
    (
        "ln_p",
        "Natural log of P(X ≥ k), X ~ Hypergeometric(N, K, n), exact in log space; a download \
         row's is overlaps.ln_p, not recomputed.",
    ),
    (
        "q",
        "Benjamini–Hochberg adjusted p-value over every row of the table, each list × download \
         pair sharing no number counted as one more test with p = 1 (exp of ln_q; 0 below \
         about 1e-308).",
    ),
    (
        "ln_q",
        "Natural log of q, computed in log space; the value to filter on (q ≤ 0.05 is ln_q ≤ \
         −2.996).",
    ),
    (
        "p_text",
        P_TEXT,
    ),
    (
        "q_text",
        Q_TEXT,
    ),
    (
        "containment_latest",
        "Segment row: the same segment's containment with the codes and the list's identified \
         numbers taken at the end of the history instead of as_of; a list made from the \
         database on its date fits as_of better. Null for a download row.",
    ),
];
