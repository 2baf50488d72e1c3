//! The report's last section: what each test can and cannot show, in short. The texts follow
//! `docs/method.md`'s "What it cannot show" paragraphs (each names its section there, and a
//! test checks that the section exists), shortened for a reader of the report; the method is
//! the reference.

/// One test: its name, its section of `docs/method.md`, and what it cannot show.
pub(super) struct Caveat {
    pub test: &'static str,
    pub method: &'static str,
    pub points: &'static [&'static str],
}

/// Every test the report shows, in the order of its sections.
pub(super) const CAVEATS: &[Caveat] = &[
    Caveat {
        test: "The burst test of an originating number (the leads)",
        method: "## 2. Originating numbers: the exact binomial burst test",
        points: &[
            "A caller ID is not a caller: it is set by the calling party and can be spoofed; its \
             subscriber may have nothing to do with the call. The vendor attribution links a \
             call to whoever dialled it.",
            "Calls with a blocked caller ID are invisible to it; only the attribution finds them.",
            "Significance is not wrongdoing: a legitimate get-out-the-vote campaign is a burst \
             on election day by design, which is why numbers can be explained rather than dropped.",
            "Its power is limited by the count of complainants: a number that reached one or two \
             complainants cannot reach significance, whatever it did.",
        ],
    },
    Caveat {
        test: "Spoofed caller IDs (presented_by, spoofed_likely)",
        method: "### Spoofed caller IDs: `presented_by`, `spoofed_likely`, `spoofed_reason`",
        points: &[
            "Whether a campaign had the right to the number it presented: a spoofer that \
             borrows a watch-listed or declared number is not flagged.",
            "Spoofing that the vendor logs handed over do not record.",
            "Which carrier calls were the campaign's: that is the attribution's answer.",
        ],
    },
    Caveat {
        test: "Vendor attribution and clock offsets (the campaigns, the dossiers)",
        method: "## 3. Vendor attribution: the time-band join and the clock offset",
        points: &[
            "What was said: the records show that a call was placed, not its message.",
            "Campaigns of vendors whose logs were not obtained are never found.",
            "The person behind a vendor account needs evidence of its own.",
            "A vendor log that is incomplete or altered gives incomplete or wrong attribution.",
            "Clock drift beyond the tolerance loses matches; an offset from a handful of \
             candidates is fragile (see candidates and mad_ms in the offsets table).",
        ],
    },
    Caveat {
        test: "List overlaps (the heat map, the source downloads)",
        method: "## 4. List overlaps: which download a list came from",
        points: &[
            "An overlap is not proof of derivation: two lists can share members because both \
             were drawn from a third source, or from a small local population.",
            "The null hypothesis is a draw from the whole population, which geography alone \
             defeats: two lists of one district overlap far beyond chance. The source stands \
             out by comparison (containment and ln p against the other pairs).",
            "The direction of copying: which list came first is for the upload and download \
             times to say.",
            "An upload compared with its own campaign's poll responses is a trivial pair.",
        ],
    },
    Caveat {
        test: "Derivations as of a date",
        method: "### The as-of test: the party database as it stood on the list's date",
        points: &[
            "Overlap with a segment shows consistency, not provenance; what singles out the \
             party database is a fit on the list's date that the database as it is now does \
             not reproduce.",
            "A history handed over late or incomplete makes the database as of a date the \
             database now, and the test then proves nothing.",
        ],
    },
    Caveat {
        test: "Enrichment among complainants",
        method: "## 5. Enrichment among complainants",
        points: &[
            "That a list caused the complaints: complainants cluster in the targeted district, so \
             any list of that district is enriched.",
            "Anything about watch-lists, which hold callers while complainants are recipients.",
        ],
    },
    Caveat {
        test: "District spread and attribute skew (G-test)",
        method: "## 7. Spread and attribute skew (G-test)",
        points: &[
            "Intent: legitimate lists are selected on party too; skew is a fingerprint for \
             matching a list to its source, not evidence of misconduct.",
            "Which category is significant: the per-category rows carry no test of their own. \
             Read the direction only where the skew row's q is small, and weigh each ratio by \
             its expected count.",
            "Exact p-values from small counts: below about 5 expected per category, ln p is \
             indicative only. Members outside the population, or without a value, are left out.",
        ],
    },
    Caveat {
        test: "Leads and where the next production order goes",
        method: "## 9. Leads",
        points: &[
            "The current carrier: with number portability, the carrier holding the exchange is a \
             first guess.",
            "The holder at the time of the calls: the numbering-plan files are later snapshots.",
            "US exchanges: the NANPA report gives only country and region for an area code.",
        ],
    },
    Caveat {
        test: "Chains: who stands behind a lead",
        method: "### Chains: who stands behind a lead (`results/chains`)",
        points: &[
            "A chain is a sequence of findings, each as strong as its own test or record and no \
             stronger together: an inferred upload rests on account and time only, a source \
             download is the most likely origin of a list, a customer name is what the customer \
             told the vendor. It points the next production orders; it does not replace them.",
        ],
    },
    Caveat {
        test: "The timeline of calls",
        method: "## 1. Common ground: the calls that count",
        points: &[
            "It counts the received calls (to complainants in the orders, inside the orders \
             window, duplicates removed) per local hour; an hour marked as standing out holds \
             more calls than the busiest baseline hour, a rule for the eye, not a test.",
            "A call attributed to no campaign may still be a campaign's: its vendor's log may \
             be missing, or the match may have failed (clock drift, a tolerance too tight).",
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_caveat_names_a_section_of_the_method() {
        let method = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/method.md"),
        )
        .unwrap();
        for c in CAVEATS {
            assert!(
                method.lines().any(|l| l == c.method),
                "docs/method.md has no heading {:?} (caveat {:?})",
                c.method,
                c.test
            );
            assert!(!c.points.is_empty());
        }
    }
}
