//! The texts of `chains` (`src/correlate/chains.rs`; `docs/method.md` section 9, "Chains").

use super::Entries;

pub(super) const CHAINS: Entries = &[
    (
        "chain",
        "The chain's number, from 1: numbers' chains in rank order (a number's campaigns by \
         calls attributed plus records presenting it, descending, then name), then campaign chains in \
         enrichment order.",
    ),
    (
        "start",
        "Not a time: the entity the chain starts from, `number:+E164` (a significant \
         unexplained originating number) or `campaign:NAME` (an enriched campaign, q ≤ 0.05, \
         that no number's chain reached).",
    ),
    ("step", "The link's position in its chain, from 1."),
    (
        "link",
        "The kind of link from `from` to `to`: `campaign`, `account`, `customer`, `upload`, `source download`, \
         `download account`, `scope` or `beyond scope`.",
    ),
    (
        "from",
        "The entity the link starts from: `number:+E164`, `campaign:NAME`, `account:A`, \
         `upload:NAME`, `download:NAME` or `scope:S`.",
    ),
    (
        "to",
        "The entity it reaches: `campaign:NAME`, `account:A`, `customer:X`, `upload:NAME`, \
         `download:NAME`, `scope:S` (`national` or districts) or `districts:D (n); …`; null \
         where the evidence gives none, and note says what is missing.",
    ),
    (
        "count",
        "campaign link: calls from the number attributed to the campaign, else vendor records \
         presenting it to complainants. source download: numbers shared (overlap). beyond \
         scope: recipients placed outside the scope. Null for the other links.",
    ),
    (
        "share",
        "source download: containment, overlap / the list's size. beyond scope: recipients \
         outside the scope / recipients placed in a district. A share 0-1; null for the other \
         links.",
    ),
    (
        "ln_p",
        "source download link: the natural log of the overlap's hypergeometric p-value \
         (overlaps.ln_p); null for the other links.",
    ),
    (
        "evidence",
        "The evidence rows: `file:row` of the first attributed carrier call and its vendor \
         record, of a vendor-log or registry row, or of an upload's or download's first row \
         (`file:row#item` for an element of an exploded record). Null when none.",
    ),
    (
        "note",
        "What the link means (how the number reached the campaign, whether the upload is \
         inferred, the declared purpose), or what is missing when to is null.",
    ),
];
