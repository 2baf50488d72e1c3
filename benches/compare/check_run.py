#!/usr/bin/env python3
"""Do `callsift run` and benches/compare/duckdb_pipeline.py agree? Exits 1 when they do not.

    python3 benches/compare/check_run.py CALLSIFT_OUT DUCKDB_OUT

Checks (docs/benchmarks.md, the run benchmark):
* every integer figure of callsift's results/figures.json equal in DuckDB's (incident_share too);
* the top-ranked unexplained originating number (numbers.parquet, rank order);
* the top attributed campaign (campaigns: most calls_matched, then name) and the top enriched
  campaign (enrichment: first row of kind `campaign`);
* each upload's and each campaign's top overlap partner (overlaps: first row per `upload:` or
  `campaign:` list; an upload merged into its campaign is listed as the campaign);
* the number of attributed calls (attribution rows, and the figure), and the attributed pairs
  themselves (carrier file and row, vendor file and row).
Also reports, without failing on them, how closely ln_p agrees (largest relative difference) and
whether the whole rankings of numbers, overlaps and enrichment are identical.
Prints one line starting `check: SAME` or `check: DIFFERENT`, with the differences below it.
"""

import json
import sys

import duckdb


def main():
    cs, dd = sys.argv[1], sys.argv[2]
    con = duckdb.connect()
    q = lambda s: con.execute(s).fetchall()
    bad = []
    fa = json.load(open(f"{cs}/results/figures.json"))
    fb = json.load(open(f"{dd}/results/figures.json"))
    n_int = 0
    for k, v in fa.items():
        if k == "inputs":
            continue
        if isinstance(v, int):
            n_int += 1
        if fb.get(k) != v:
            bad.append(f"figure {k}: callsift {v}, duckdb {fb.get(k)}")

    def one(path, sql):
        return q(sql.format(t=f"read_parquet('{path}')"))

    top_num = [one(f"{o}/results/numbers.parquet",
                   "SELECT number FROM {t} WHERE NOT explained ORDER BY rank LIMIT 1") for o in (cs, dd)]
    top_att = [one(f"{o}/results/campaigns.parquet",
                   "SELECT campaign FROM {t} ORDER BY calls_matched DESC, campaign LIMIT 1")
               for o in (cs, dd)]
    top_enr = [one(f"{o}/results/enrichment.parquet",
                   "SELECT list FROM {t} WHERE kind = 'campaign' ORDER BY rank LIMIT 1") for o in (cs, dd)]
    partners = [dict(one(f"{o}/results/overlaps.parquet",
                         "SELECT list_a, arg_min(list_b, rank) FROM {t} "
                         "WHERE list_a LIKE 'upload:%' OR list_a LIKE 'campaign:%' "
                         "GROUP BY list_a ORDER BY list_a")) for o in (cs, dd)]
    n_att = [one(f"{o}/results/attribution.parquet", "SELECT count(*) FROM {t}")[0][0] for o in (cs, dd)]
    pairs = [set(one(f"{o}/results/attribution.parquet",
                     "SELECT source_file, source_row, vendor_source_file, vendor_source_row FROM {t}"))
             for o in (cs, dd)]
    if pairs[0] != pairs[1]:
        bad.append(f"attributed pairs: {len(pairs[0] - pairs[1])} only in callsift, "
                   f"{len(pairs[1] - pairs[0])} only in duckdb")
    for name, (x, y) in (("top unexplained number", top_num), ("top attributed campaign", top_att),
                         ("top enriched campaign", top_enr), ("upload top overlap partners", partners),
                         ("attributed calls", n_att)):
        if x != y:
            bad.append(f"{name}: callsift {x}, duckdb {y}")

    # Closeness, reported only.
    def cmp(table, key, rank_cols):
        r = q(f"""SELECT count(*), max(abs(a.ln_p - b.ln_p) / greatest(1, abs(a.ln_p))),
                         count(*) FILTER (WHERE a.rank IS DISTINCT FROM b.rank)
                  FROM read_parquet('{cs}/results/{table}.parquet') a
                  FULL JOIN read_parquet('{dd}/results/{table}.parquet') b USING ({key})""")[0]
        return f"{table}: {r[0]} rows, ln_p max rel diff {r[1]:.1e}, {r[2]} ranks differ"
    notes = [cmp("numbers", "number", "rank"), cmp("overlaps", "list_a, list_b", "rank"),
             cmp("enrichment", "list", "rank")]
    head = "SAME" if not bad else "DIFFERENT"
    print(f"check: {head}: {n_int} integer figures, top unexplained {top_num[0][0][0] if top_num[0] else None}, "
          f"top attributed {top_att[0][0][0] if top_att[0] else None}, top enriched "
          f"{top_enr[0][0][0] if top_enr[0] else None}, {len(partners[0])} upload and campaign partners, "
          f"{n_att[0]} attributed calls; " + "; ".join(notes))
    for b in bad:
        print("  DIFFERENT " + b)
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
