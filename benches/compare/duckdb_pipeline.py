#!/usr/bin/env python3
"""DuckDB doing the work of `callsift run` on a case written by `callsift synth`.

    python3 benches/compare/duckdb_pipeline.py CASE.toml OUT_DIR [--threads 2]

From the raw evidence files named in CASE.toml (its windows, `[attribution]`, inputs, globs and
profiles), everything in DuckDB SQL (`SET threads = N`):

* ingest: every input read with `read_csv` / `read_json` (all VARCHAR, `WITH ORDINALITY` for the
  line number), normalised in SQL the way the profile says: numbers to E.164 BIGINT with the
  status ok / blocked / invalid and the raw text kept, local times to UTC in the profile's zone
  (`timezone()`), `rfc3339`, `...Z` patterns as UTC, durations (`s`, `mm:ss`, `hh:mm:ss`) to ms,
  value maps, `set` constants, label / file-stem fallbacks;
* exact duplicate call records removed across all carrier files, keeping the first in case order
  (the rule of docs/formats.md: same called, start, duration and calling number, or, without a
  number, the same caller-ID status and raw text); the case store written to OUT/store/*.parquet;
* the analyses of docs/method.md, written to OUT/results/*.parquet with CSV twins and
  figures.json: calls received, figures, reach per originating number and window, the one-sided
  exact binomial test, Benjamini-Hochberg q, ranks, explained numbers (numbers); the per
  (carrier, vendor) clock offset (lower median of candidates within offset_window_s, MAD), the
  time-band join of every vendor record within the tolerance and the one-to-one assignment of
  callsift's join::assign (most caller-ID agreements, then most pairs, then least total
  |delta|; exact per connected component by the Hungarian method, in Python over the candidate
  pairs), vendor records whose disposition never rang (`[attribution] never_rang`) left out of
  both (offsets, attribution, campaigns); uploads (each merged into the campaign it names, the
  first one per campaign) and campaigns against downloads and poll response sets with the
  hypergeometric upper tail (overlaps); every list against the complainants' numbers
  (enrichment); leads with the numbering-plan lookup, likely spoofed numbers kept whatever
  their subscriber return (callsift's spoof rule); the identification-history rows and the
  campaign-registry conflicts counted for figures.json.

Statistics: in SQL with lgamma (DuckDB's, double precision): ln p = log-sum-exp of the exact
log pmf terms of the whole upper tail, computed once per distinct (n, a) for the binomial and per
pair for the hypergeometric (sums over the whole tail, no truncation). BH in SQL with a window
(suffix minimum of ln p + ln m - ln rank). Python (standard library only) reads the manifest,
lists the files and header lines, and writes figures.json; no data rows pass through Python
but the attribution candidates (a few per attributed call) for the one-to-one assignment.

What callsift does that this does not (DuckDB is given the lighter job):
* spread.parquet and skew.parquet (the district spread and the G-test), report, manifest with
  SHA-256 of every input and output, fsync, quarantine and duplicates tables, p_text;
* the number parser is the layout-agnostic part of callsift's rule, not all of it: NANP numbers
  (10 digits, or 1 + 10, `+1`, `011 1`; area code and exchange 2-9), blocked tokens (callsift's
  built-in list + the profile's, case and space insensitive), all-zero numbers blocked, text with
  letters invalid; non-NANP numbers only as the synthetic worlds write them (`+44 20 ...` and
  `011 44 20 ...`, accepted when 12 digits); callsift checks other countries with libphonenumber.
  Rows whose key number is not ok are dropped and counted (callsift quarantines them).
* no daylight-saving gap/fold policy beyond DuckDB's `timezone()` (no synthetic time falls in one).
* the offset is the median of all candidates (callsift samples above 2^20 candidates).
* derivations (the as-of test), chains, dossier, spread and skew, the results workbook, the
  numbers' presented_by / spoofed reasons as text (only the spoof verdict the leads need).

Prints one JSON line: {"seconds": total query time, "stages": {stage: seconds}, "rows": ...}.
"""

import argparse
import csv
import glob
import io
import json
import math
import os
import sys
import time
import tomllib
from datetime import datetime

try:
    import duckdb
except ImportError:  # pragma: no cover
    sys.exit("needs the duckdb Python package (python3 -m pip install duckdb)")

BLOCKED_TOKENS = [
    "private", "private number", "private caller", "unknown", "unknown number", "unknown caller",
    "anonymous", "anonymous caller", "restricted", "restricted number", "unavailable",
    "number unavailable", "not available", "withheld", "number withheld", "blocked",
    "caller id blocked", "no caller id", "out of area",
]
LIST_KINDS = ["telemarketer", "political_entity", "regulator_suspect", "fraud_suspect", "other"]
ALPHA = 0.05
OK, BLOCKED, INVALID = 0, 1, 2
STATUS_TEXT = "['ok', 'blocked', 'invalid'][{} + 1]"

# Canonical columns per kind (what a profile's [columns] may map).
KIND_COLUMNS = {
    "calls": ["called", "calling", "start", "duration", "carrier"],
    "complainants": ["number", "complainant", "district", "complained", "in_orders"],
    "subscribers": ["number", "status", "name", "provider"],
    "vendor_list": ["number", "list", "vendor", "account", "uploaded", "campaign"],
    "vendor_calls": ["dialed", "presented", "start", "campaign", "account", "disposition",
                     "keypress", "vendor"],
    "watchlist": ["number", "list_kind", "list_name", "entity"],
    "downloads": ["number", "download", "account", "time", "scope", "criteria"],
    "population": ["number", "district", "age_band", "party"],
    "identifications": ["number", "code", "identified", "district"],
    "campaigns": ["campaign", "vendor", "account", "customer", "purpose", "created"],
    "numbering_plan": ["npa", "nxx", "country", "region", "carrier", "status", "rate_center"],
}


def sq(s):
    """SQL string literal."""
    return "'" + str(s).replace("'", "''") + "'"


def ident(s):
    return '"' + s.replace('"', '""') + '"'


def zoned_us(text):
    """A zoned time of case.toml to UTC microseconds."""
    d = datetime.fromisoformat(text)
    if d.tzinfo is None:
        raise SystemExit(f"window time without an offset: {text}")
    return int(d.timestamp()) * 1_000_000 + d.microsecond


# ---------------------------------------------------------------------------------------------
# SQL expressions for the normalisation of one cell.

def normalise_phone(src, col, out, tokens):
    """src with three more columns: out (BIGINT or NULL), out_status (TINYINT), out_raw (text).

    The digits and the has-letters test are computed once per row in an inner SELECT (DuckDB
    does not share repeated sub-expressions), then the E.164 digits as a BIGINT, then the
    status; the NANP rule is checked on the integer (1 NPA NXX XXXX, NPA and NXX from 2)."""
    x = ident(col)
    d, l, n = f"d_{out}", f"l_{out}", f"n_{out}"
    tok = f"trim(regexp_replace(lower(trim({x})), '[\\s_]+', ' ', 'g'), ' <>[](){{}}\"''*')"
    toks = ", ".join(sq(t.lower()) for t in tokens)
    e = (f"CASE WHEN {l} THEN NULL "
         f"WHEN starts_with(ltrim({x}), '+') THEN try_cast({d} AS BIGINT) "
         f"WHEN starts_with({d}, '011') THEN try_cast({d}[4:] AS BIGINT) "
         f"WHEN length({d}) = 10 THEN 10000000000 + try_cast({d} AS BIGINT) "
         f"WHEN length({d}) = 11 AND starts_with({d}, '1') THEN try_cast({d} AS BIGINT) END")
    valid = (f"coalesce(({n} BETWEEN 12000000000 AND 19999999999 AND {n} // 1000000 % 10 >= 2) "
             f"OR {n} BETWEEN 442000000000 AND 442099999999, false)")
    empty = f"({x} IS NULL OR trim({x}) = '')"
    status = (f"CASE WHEN {empty} THEN {BLOCKED} "
              f"WHEN {l} AND {tok} IN ({toks}) THEN {BLOCKED} "
              f"WHEN NOT {l} AND {d} <> '' AND ltrim({d}, '0') = '' THEN {BLOCKED} "
              f"WHEN {valid} THEN {OK} ELSE {INVALID} END")
    return (f"(SELECT * EXCLUDE ({d}, {l}, {n}, {out}_st), {out}_st AS {out}_status, "
            f"CASE WHEN {out}_st = {OK} THEN {n} END AS {out}, coalesce({x}, '') AS {out}_raw "
            f"FROM (SELECT *, {status} AS {out}_st FROM (SELECT *, {e} AS {n} FROM (SELECT *, "
            f"regexp_replace({x}, '[^0-9]', '', 'g') AS {d}, lower({x}) <> upper({x}) AS {l} "
            f"FROM {src}))))")


def time_sql(x, profile):
    """UTC microseconds (BIGINT) of text expression x under the profile's formats and zone."""
    fmts = profile.get("timestamp_formats", ["rfc3339"])
    zone = profile.get("time_zone", "UTC")
    outs = []
    for f in fmts:
        if f == "rfc3339":
            outs.append(f"epoch_us(try_cast(replace(trim({x}), ' ', 'T') AS TIMESTAMPTZ))")
        elif f in ("epoch_s", "epoch_ms", "excel_serial"):
            raise SystemExit(f"timestamp format {f} not supported by this benchmark script")
        elif f.endswith("Z") or f.endswith("UTC") or "%z" in f or "%:z" in f:
            outs.append(f"epoch_us(try_strptime(trim({x}), {sq(f.replace('%:z', '%z'))}))")
        elif zone == "UTC":
            outs.append(f"epoch_us(try_strptime(trim({x}), {sq(f)}))")
        else:
            outs.append(f"epoch_us(timezone({sq(zone)}, try_strptime(trim({x}), {sq(f)})))")
    return outs[0] if len(outs) == 1 else f"coalesce({', '.join(outs)})"


def duration_sql(x, fmt):
    if fmt == "s":
        return (f"coalesce(try_cast({x} AS BIGINT) * 1000, "
                f"CAST(trunc(try_cast({x} AS DOUBLE) * 1000) AS BIGINT))")
    if fmt == "mm:ss":
        return (f"CAST(split_part({x}, ':', 1) AS BIGINT) * 60000 + "
                f"CAST(trunc(CAST(split_part({x}, ':', 2) AS DOUBLE) * 1000) AS BIGINT)")
    if fmt == "hh:mm:ss":
        return (f"CAST(split_part({x}, ':', 1) AS BIGINT) * 3600000 + "
                f"CAST(split_part({x}, ':', 2) AS BIGINT) * 60000 + "
                f"CAST(trunc(CAST(split_part({x}, ':', 3) AS DOUBLE) * 1000) AS BIGINT)")
    raise SystemExit(f"duration format {fmt} not supported")


def value_map_sql(x, m):
    if not m:
        return x
    whens = " ".join(f"WHEN {sq(k)} THEN {sq(v)}" for k, v in m.items())
    return f"(CASE {x} {whens} ELSE {x} END)"


def bool_sql(x):
    return (f"(CASE lower(trim({x})) WHEN 'true' THEN true WHEN 't' THEN true WHEN 'yes' THEN true "
            f"WHEN 'y' THEN true WHEN '1' THEN true WHEN 'oui' THEN true WHEN 'false' THEN false "
            f"WHEN 'f' THEN false WHEN 'no' THEN false WHEN 'n' THEN false WHEN '0' THEN false "
            f"WHEN 'non' THEN false END)")


# ---------------------------------------------------------------------------------------------
# Reading one input file: a relation with one VARCHAR column per canonical column, plus `ord`.

ENCODINGS = {"utf-8": ("utf-8", "utf-8-sig"), "windows-1252": ("latin-1", "cp1252"),
             "latin-1": ("latin-1", "latin-1")}


def file_relation(path, profile, kind):
    """(SQL relation text, {canonical: source column expression}, data start line)."""
    cols = dict(profile.get("columns", {}))
    if path.endswith(".jsonl") or path.endswith(".ndjson") or profile.get("format") == "jsonl":
        keys = sorted({k for v in cols.values() for k in ([v] if isinstance(v, str) else v)})
        if not cols:
            raise SystemExit(f"{path}: JSON lines without a column mapping")
        spec = "{" + ", ".join(f"{sq(k)}: 'VARCHAR'" for k in keys) + "}"
        rel = (f"(SELECT *, ordinality AS src_row FROM read_json({sq(path)}, "
               f"format = 'newline_delimited', columns = {spec}) WITH ORDINALITY)")
        return rel, {c: (v if isinstance(v, str) else v) for c, v in cols.items()}
    delim = profile.get("delimiter", ",")
    delim = "\t" if delim == "tab" else delim
    enc = profile.get("encoding", "utf-8").lower()
    ddb_enc, py_enc = ENCODINGS.get(enc, (None, None))
    if ddb_enc is None:
        raise SystemExit(f"encoding {enc} not supported")
    skip = int(profile.get("skip_lines", 0))
    with open(path, "rb") as f:
        for _ in range(skip):
            f.readline()
        head = f.readline().decode(py_enc)
    header = next(csv.reader(io.StringIO(head), delimiter=delim))
    header = [h.strip() for h in header]
    names = [f"c{i}" for i in range(len(header))]
    pos = {h: names[i] for i, h in enumerate(header)}
    if not cols:  # identity mapping for the canonical columns present
        cols = {c: c for c in KIND_COLUMNS[kind] if c in pos}
    mapped = {}
    for c, v in cols.items():
        if isinstance(v, list):
            mapped[c] = [pos[s] for s in v]
        else:
            if v not in pos:
                raise SystemExit(f"{path}: no column {v!r} in {header}")
            mapped[c] = pos[v]
    spec = "{" + ", ".join(f"{sq(n)}: 'VARCHAR'" for n in names) + "}"
    rel = (f"(SELECT *, ordinality + {1 + skip} AS src_row FROM read_csv({sq(path)}, "
           f"header = true, auto_detect = false, delim = {sq(delim)}, quote = '\"', "
           f"escape = '\"', skip = {skip}, encoding = {sq(ddb_enc)}, columns = {spec}) "
           f"WITH ORDINALITY)")
    return rel, mapped


def col_expr(mapped, c, inp, stem, fallback=None):
    """Text expression of canonical column c: mapped source column(s), `set`, fallback."""
    v = mapped.get(c)
    if isinstance(v, list):
        return "concat_ws(' ', " + ", ".join(ident(s) for s in v) + ")"
    if v is not None:
        return ident(v)
    s = inp.get("set", {})
    if c in s:
        return sq(s[c])
    if fallback == "label":
        return sq(inp.get("label") or stem)
    if fallback == "stem":
        return sq(stem)
    return "CAST(NULL AS VARCHAR)"


# ---------------------------------------------------------------------------------------------
# One-to-one attribution (callsift's join::assign): among all matchings of calls to vendor
# records (one record per call, one call per record), the most caller-ID agreements, then the
# most pairs, then the least total |delta|; exact per connected component (Hungarian method),
# in Python on the candidate pairs only (a few per attributed call).

def hungarian_max(weights, n, m):
    """Rows 0..n-1 to distinct columns 0..m-1 (n <= m) maximising the total of `weights`
    ({(row, col): w > 0}; a missing pair weighs 0, i.e. the row stays unmatched). Returns
    {row: col} for the rows matched through an edge."""
    big = max(weights.values()) + 1
    cost = [[big - weights.get((i, j), 0) for j in range(m)] for i in range(n)]
    inf = float("inf")
    u, v, p, way = [0] * (n + 1), [0] * (m + 1), [0] * (m + 1), [0] * (m + 1)
    for i in range(1, n + 1):
        p[0], j0 = i, 0
        minv, used = [inf] * (m + 1), [False] * (m + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = p[j0], inf, 0
            for j in range(1, m + 1):
                if not used[j]:
                    cur = cost[i0 - 1][j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    return {p[j] - 1: j - 1 for j in range(1, m + 1) if p[j] and (p[j] - 1, j - 1) in weights}


def assign_one_to_one(cands, tol_us):
    """cands: (call, record, |delta|, agrees) in canonical order. Returns (chosen indices,
    components matched greedily)."""
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for c, r, _, _ in cands:
        a, b = find(("c", c)), find(("r", r))
        if a != b:
            parent[a] = b
    comps = {}
    for i, (c, _, _, _) in enumerate(cands):
        comps.setdefault(find(("c", c)), []).append(i)
    chosen, greedy = [], 0
    for idx in comps.values():
        if len(idx) == 1:
            chosen.append(idx[0])
            continue
        calls = sorted({cands[i][0] for i in idx})
        recs = sorted({cands[i][1] for i in idx})
        side = min(len(calls), len(recs))
        w_pair = (tol_us + 1) * (side + 1)
        w_agree = w_pair * (side + 1)
        if len(calls) ** 2 * len(recs) > (1 << 30) and len(recs) ** 2 * len(calls) > (1 << 30):
            greedy += 1
            used_c, used_r = set(), set()
            for i in sorted(idx, key=lambda i: (not cands[i][3], cands[i][2], i)):
                c, r = cands[i][0], cands[i][1]
                if c not in used_c and r not in used_r:
                    used_c.add(c)
                    used_r.add(r)
                    chosen.append(i)
            continue
        rows, cols = (calls, recs) if len(calls) <= len(recs) else (recs, calls)
        ri, ci = {x: k for k, x in enumerate(rows)}, {x: k for k, x in enumerate(cols)}
        weights, which = {}, {}
        for i in idx:
            c, r, dist, agrees = cands[i]
            key = (ri[c], ci[r]) if rows is calls else (ri[r], ci[c])
            wt = (w_agree if agrees else 0) + w_pair - dist
            if wt > weights.get(key, 0):
                weights[key], which[key] = wt, i
        for row, col in hungarian_max(weights, len(rows), len(cols)).items():
            chosen.append(which[(row, col)])
    return sorted(chosen), greedy


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case")
    ap.add_argument("out")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--memory-limit", default=None)
    a = ap.parse_args()

    t_all = time.perf_counter()
    stages = {}
    case_path = os.path.abspath(a.case)
    case_dir = os.path.dirname(case_path)
    with open(case_path, "rb") as f:
        case = tomllib.load(f)
    w = case["windows"]
    inc = (zoned_us(w["incident"]["start"]), zoned_us(w["incident"]["end"]))
    base = (zoned_us(w["baseline"]["start"]), zoned_us(w["baseline"]["end"]))
    orders = (zoned_us(w["orders"]["start"]), zoned_us(w["orders"]["end"])) if "orders" in w else None
    att = case.get("attribution", {})
    tol_us = round(float(att.get("tolerance_s", 120)) * 1e6)
    wnd_us = round(float(att.get("offset_window_s", 600)) * 1e6)
    legit = list(att.get("legitimate_campaigns", []))
    never_rang = list(att.get("never_rang", ["busy", "failed"]))
    profiles = case.get("profiles", {})
    os.makedirs(os.path.join(a.out, "store"), exist_ok=True)
    os.makedirs(os.path.join(a.out, "results"), exist_ok=True)

    con = duckdb.connect()
    con.execute(f"SET threads = {a.threads}")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET TimeZone = 'UTC'")
    if a.memory_limit:
        con.execute(f"SET memory_limit = '{a.memory_limit}'")
    # ln(1 - y) without losing a small y (DuckDB has no log1p).
    con.execute("CREATE MACRO ln1m(y) AS CASE WHEN y < 1e-5 THEN -(y + y * y / 2 + y * y * y / 3) "
                "ELSE ln(1 - y) END")

    def run(sql):
        return con.execute(sql)

    def stage(name):
        now = time.perf_counter()
        stages[name] = round(now - stage.t, 3)
        stage.t = now
    stage.t = time.perf_counter()

    # ---- Inputs: files in case order (inputs in manifest order, a glob's files by name).
    files = []  # (file_idx, kind, rel path, input, profile)
    for inp in case["inputs"]:
        paths = sorted(glob.glob(os.path.join(case_dir, inp["path"])))
        if not paths:
            raise SystemExit(f"no file matches {inp['path']}")
        prof = inp.get("profile")
        prof = profiles.get(prof, {}) if isinstance(prof, str) else (prof or {})
        for p in paths:
            files.append((len(files), inp["kind"], os.path.relpath(p, case_dir), inp, prof))
    file_names = [f[2] for f in files]
    run("CREATE TABLE files AS SELECT unnest(range(" + str(len(files)) + ")) AS file_idx, "
        "unnest(" + "[" + ", ".join(sq(n) for n in file_names) + "]) AS source_file")

    def tokens_of(prof):
        return BLOCKED_TOKENS + [t.lower() for t in prof.get("blocked_tokens", [])]

    # ---- Calls: every carrier file read (text numbers, parsed times and durations), unioned;
    # the distinct number spellings of each profile normalised once and joined back (the
    # strongest form we found: 20x faster than the parser on every row); duplicates removed.
    carrier_labels = []
    parts = []
    call_profiles = []  # profile names (token sets) of the carrier inputs
    for fi, kind, rel, inp, prof in files:
        if kind != "calls":
            continue
        label = inp.get("label") or os.path.splitext(os.path.basename(rel))[0]
        if label not in carrier_labels:
            carrier_labels.append(label)
        ci = carrier_labels.index(label)
        pname = json.dumps(sorted(tokens_of(prof)))
        if pname not in call_profiles:
            call_profiles.append(pname)
        pi = call_profiles.index(pname)
        src, m = file_relation(os.path.join(case_dir, rel), prof, kind)
        called = col_expr(m, "called", inp, rel)
        calling = col_expr(m, "calling", inp, rel)
        start = col_expr(m, "start", inp, rel)
        dur = col_expr(m, "duration", inp, rel)
        parts.append(f"SELECT coalesce({called}, '') AS called_t, coalesce({calling}, '') AS calling_t, "
                     f"{time_sql(start, prof)} AS start_us, "
                     f"{duration_sql(dur, prof.get('duration', 's'))} AS duration_ms, "
                     f"{fi} * 4294967296 + src_row AS ord, {ci}::UTINYINT AS carrier_idx, "
                     f"{pi}::UTINYINT AS pidx FROM {src}")
    run("CREATE TEMP TABLE calls_txt AS " + " UNION ALL ".join(parts))
    stage("calls: read + parse times")
    phone_parts = []
    for pi, pname in enumerate(call_profiles):
        dist = (f"(SELECT called_t AS t FROM calls_txt WHERE pidx = {pi} UNION "
                f"SELECT calling_t FROM calls_txt WHERE pidx = {pi})")
        phone_parts.append(f"SELECT {pi}::UTINYINT AS pidx, t, number, number_status "
                           f"FROM {normalise_phone(dist, 't', 'number', json.loads(pname))}")
    run("CREATE TEMP TABLE phones AS " + " UNION ALL ".join(phone_parts))
    stage("calls: normalise numbers")
    bad = run("""SELECT count(*) FILTER (WHERE p.number_status <> 0), count(*) FILTER (WHERE c.start_us IS NULL)
                 FROM calls_txt c JOIN phones p ON p.pidx = c.pidx AND p.t = c.called_t""").fetchone()
    calls_dropped = bad[0] + bad[1]
    run(f"""
    CREATE TABLE calls AS
    SELECT p1.number AS called, p2.number AS calling, p2.number_status AS calling_status,
           arg_min(c.calling_t, c.ord) AS calling_raw, c.start_us, c.duration_ms, min(c.ord) AS ord,
           arg_min(c.carrier_idx, c.ord) AS carrier_idx, count(*) - 1 AS dups
    FROM calls_txt c JOIN phones p1 ON p1.pidx = c.pidx AND p1.t = c.called_t
    JOIN phones p2 ON p2.pidx = c.pidx AND p2.t = c.calling_t
    WHERE p1.number_status = 0 AND c.start_us IS NOT NULL
    GROUP BY p1.number, c.start_us, p2.number, p2.number_status,
             CASE WHEN p2.number IS NULL THEN c.calling_t END, c.duration_ms
    """)
    run("DROP TABLE calls_txt")
    n_calls, dups = run("SELECT count(*), sum(dups) FROM calls").fetchone()
    dups = int(dups or 0)
    stage("calls: dedupe")
    carriers_list = "[" + ", ".join(sq(c) for c in carrier_labels) + "]"
    run(f"""COPY (SELECT called::UBIGINT AS called, calling::UBIGINT AS calling,
                  {STATUS_TEXT.format('calling_status')} AS calling_status, calling_raw,
                  make_timestamp(start_us)::TIMESTAMPTZ AS start, false AS start_ambiguous,
                  duration_ms, {carriers_list}[carrier_idx + 1] AS carrier,
                  f.source_file, (ord % 4294967296)::UBIGINT AS source_row
           FROM calls JOIN files f ON f.file_idx = calls.ord // 4294967296)
        TO {sq(os.path.join(a.out, 'store', 'calls.parquet'))} (FORMAT parquet)""")
    stage("calls: write store")

    # ---- The other inputs (small): one table per kind.
    def small_kind(kind, select_fn):
        rels = []
        for fi, k, rel, inp, prof in files:
            if k != kind:
                continue
            src, m = file_relation(os.path.join(case_dir, rel), prof, kind)
            stem = os.path.splitext(os.path.basename(rel))[0]
            rels.append(select_fn(fi, src, m, inp, prof, stem))
        return " UNION ALL ".join(rels) if rels else None

    def keyed(src, col_text, prof, extra):
        """Normalise key number column `k_t` of src; keep ok rows."""
        n = normalise_phone(src, "k_t", "number", tokens_of(prof))
        return f"SELECT number, {extra} FROM {n} WHERE number_status = 0"

    def e(m, c, inp, stem, fb=None):
        return col_expr(m, c, inp, stem, fb)

    pops = {}
    # complainants
    sel = small_kind("complainants", lambda fi, src, m, inp, prof, stem: keyed(
        f"(SELECT {e(m, 'number', inp, stem)} AS k_t, {e(m, 'complainant', inp, stem)} AS complainant, "
        f"{e(m, 'district', inp, stem)} AS district, "
        f"coalesce({bool_sql(value_map_sql(e(m, 'in_orders', inp, stem), prof.get('values', {}).get('in_orders')))}, "
        f"{'true' if 'in_orders' not in m and 'in_orders' not in inp.get('set', {}) else 'NULL'}) AS in_orders, "
        f"{fi} * 4294967296 + src_row AS ord FROM {src})", None, prof,
        "complainant, district, in_orders, ord"))
    run(f"CREATE TABLE complainants AS {sel}")
    sel = small_kind("subscribers", lambda fi, src, m, inp, prof, stem: keyed(
        f"(SELECT {e(m, 'number', inp, stem)} AS k_t, "
        f"{value_map_sql(e(m, 'status', inp, stem), prof.get('values', {}).get('status'))} AS status, "
        f"{e(m, 'name', inp, stem)} AS name, {fi} * 4294967296 + src_row AS ord FROM {src})",
        None, prof, "status, name, ord"))
    run(f"CREATE TABLE subscribers AS {sel}" if sel else
        "CREATE TABLE subscribers (number BIGINT, status VARCHAR, name VARCHAR, ord BIGINT)")
    sel = small_kind("vendor_list", lambda fi, src, m, inp, prof, stem: keyed(
        f"(SELECT {e(m, 'number', inp, stem)} AS k_t, {e(m, 'list', inp, stem, 'stem')} AS list, "
        f"{e(m, 'account', inp, stem)} AS account, {e(m, 'campaign', inp, stem)} AS campaign, "
        f"{fi} * 4294967296 + src_row AS ord FROM {src})",
        None, prof, "list, account, campaign, ord"))
    run(f"CREATE TABLE vendor_list AS {sel}")
    vendor_labels = []

    def vc_sel(fi, src, m, inp, prof, stem):
        toks = tokens_of(prof)
        b = (f"(SELECT {e(m, 'dialed', inp, stem)} AS k_t, {e(m, 'presented', inp, stem)} AS p_t, "
             f"{time_sql(e(m, 'start', inp, stem), prof)} AS start_us, "
             f"{e(m, 'campaign', inp, stem)} AS campaign, {e(m, 'account', inp, stem)} AS account, "
             f"{e(m, 'keypress', inp, stem)} AS keypress, {e(m, 'vendor', inp, stem, 'label')} AS vendor, "
             f"{e(m, 'disposition', inp, stem)} AS disposition, "
             f"{fi} * 4294967296 + src_row AS ord FROM {src})")
        n = normalise_phone(normalise_phone(b, "k_t", "dialed", toks), "p_t", "presented", toks)
        return (f"SELECT dialed, presented, presented_status, start_us, campaign, account, "
                f"keypress, vendor, disposition, ord FROM {n} "
                f"WHERE dialed_status = 0 AND start_us IS NOT NULL")
    sel = small_kind("vendor_calls", vc_sel)
    run(f"CREATE TABLE vendor_calls_raw AS {sel}")
    # Vendor rows in store order; vendors, campaigns, keypresses in order of first appearance.
    never = "[" + ", ".join(sq(d.strip().lower()) for d in never_rang) + "]::VARCHAR[]"
    run(f"""CREATE TABLE vendor_calls AS
            SELECT *, row_number() OVER (ORDER BY ord) - 1 AS vrow,
                   disposition IS NULL OR NOT list_contains({never}, lower(trim(disposition))) AS rang
            FROM vendor_calls_raw""")
    run("DROP TABLE vendor_calls_raw")
    run("""CREATE TABLE vendors AS SELECT vendor, row_number() OVER (ORDER BY min(vrow)) - 1 AS vendor_idx
           FROM vendor_calls GROUP BY vendor""")
    sel = small_kind("watchlist", lambda fi, src, m, inp, prof, stem: keyed(
        f"(SELECT {e(m, 'number', inp, stem)} AS k_t, {e(m, 'list_kind', inp, stem)} AS list_kind, "
        f"{e(m, 'list_name', inp, stem, 'label')} AS list_name, "
        f"{fi} * 4294967296 + src_row AS ord FROM {src})", None, prof, "list_kind, list_name, ord"))
    run(f"CREATE TABLE watchlist AS {sel}" if sel else
        "CREATE TABLE watchlist (number BIGINT, list_kind VARCHAR, list_name VARCHAR, ord BIGINT)")
    sel = small_kind("downloads", lambda fi, src, m, inp, prof, stem: keyed(
        f"(SELECT {e(m, 'number', inp, stem)} AS k_t, {e(m, 'download', inp, stem, 'stem')} AS download, "
        f"{e(m, 'account', inp, stem)} AS account, {fi} * 4294967296 + src_row AS ord FROM {src})",
        None, prof, "download, account, ord"))
    run(f"CREATE TABLE downloads AS {sel}")
    sel = small_kind("population", lambda fi, src, m, inp, prof, stem: keyed(
        f"(SELECT {e(m, 'number', inp, stem)} AS k_t, {e(m, 'district', inp, stem)} AS district, "
        f"{fi} * 4294967296 + src_row AS ord FROM {src})", None, prof, "district, ord"))
    run(f"CREATE TABLE population AS {sel}" if sel else
        "CREATE TABLE population (number BIGINT, district VARCHAR, ord BIGINT)")
    # The party database's identification history: only its accepted rows are counted.
    sel = small_kind("identifications", lambda fi, src, m, inp, prof, stem: keyed(
        f"(SELECT {e(m, 'number', inp, stem)} AS k_t, {e(m, 'code', inp, stem)} AS code, "
        f"{time_sql(e(m, 'identified', inp, stem), prof)} AS t_us, "
        f"{fi} * 4294967296 + src_row AS ord FROM {src})", None, prof, "code, t_us, ord"))
    identifications_rows = run(
        f"SELECT count(*) FROM ({sel}) WHERE t_us IS NOT NULL AND nullif(trim(code), '') IS NOT NULL"
    ).fetchone()[0] if sel else 0
    # The vendors' campaign registries: rows naming a campaign already registered otherwise.
    sel = small_kind("campaigns", lambda fi, src, m, inp, prof, stem:
                     f"SELECT {e(m, 'campaign', inp, stem)} AS campaign, "
                     f"{e(m, 'vendor', inp, stem, 'label')} AS vendor, {e(m, 'account', inp, stem)} AS account, "
                     f"{e(m, 'customer', inp, stem)} AS customer, {e(m, 'purpose', inp, stem)} AS purpose, "
                     f"{time_sql(e(m, 'created', inp, stem), prof)} AS created, "
                     f"{fi} * 4294967296 + src_row AS ord FROM {src}")
    registry_conflicts = run(f"""
        WITH r AS ({sel}), f AS (SELECT campaign, min(ord) AS o FROM r WHERE campaign IS NOT NULL GROUP BY campaign)
        SELECT count(*) FROM r JOIN f USING (campaign) JOIN r r0 ON r0.campaign = r.campaign AND r0.ord = f.o
        WHERE r.ord > f.o AND (r.vendor, r.account, r.customer, r.purpose, r.created)
              IS DISTINCT FROM (r0.vendor, r0.account, r0.customer, r0.purpose, r0.created)""").fetchone()[0] \
        if sel else 0
    sel = small_kind("numbering_plan", lambda fi, src, m, inp, prof, stem:
                     f"SELECT try_cast({e(m, 'npa', inp, stem)} AS INTEGER) AS npa, "
                     f"try_cast({e(m, 'nxx', inp, stem)} AS INTEGER) AS nxx, "
                     f"{e(m, 'country', inp, stem)} AS country, {e(m, 'region', inp, stem)} AS region, "
                     f"{e(m, 'carrier', inp, stem)} AS carrier, {e(m, 'status', inp, stem)} AS status, "
                     f"{fi} * 4294967296 + src_row AS ord FROM {src}")
    run(f"CREATE TABLE numbering_plan AS {sel}" if sel else
        "CREATE TABLE numbering_plan (npa INTEGER, nxx INTEGER, country VARCHAR, region VARCHAR, "
        "carrier VARCHAR, status VARCHAR, ord BIGINT)")
    for t in ["complainants", "subscribers", "vendor_list", "vendor_calls", "watchlist",
              "downloads", "population", "numbering_plan"]:
        run(f"COPY (SELECT * FROM {t}) TO {sq(os.path.join(a.out, 'store', t + '.parquet'))} "
            "(FORMAT parquet)")
    stage("other inputs: read + normalise + write store")

    fig = {}
    # ---- Complainants: a complainant is its id, or its number without one.
    run("""CREATE TABLE comp_rows AS SELECT *, coalesce(complainant, '#' || number) AS ckey FROM complainants""")
    run("""CREATE TABLE comp_keys AS SELECT ckey, bool_or(coalesce(in_orders, false)) AS ordered,
           row_number() OVER (ORDER BY min(ord)) - 1 AS cid FROM comp_rows GROUP BY ckey""")
    run("""CREATE TABLE comp_map AS
           SELECT r.number, arg_min(k.cid, r.ord) AS cid FROM comp_rows r JOIN comp_keys k USING (ckey)
           WHERE k.ordered AND r.in_orders GROUP BY r.number""")
    run("""CREATE TABLE comp_district AS SELECT number, arg_min(district, ord) AS district
           FROM comp_rows WHERE district IS NOT NULL GROUP BY number""")
    fig["complainants_in_orders"], fig["complainants_late"] = run(
        "SELECT count(*) FILTER (WHERE ordered), count(*) FILTER (WHERE NOT ordered) FROM comp_keys").fetchone()
    fig["complainant_numbers"] = run("SELECT count(DISTINCT number) FROM complainants").fetchone()[0]

    # ---- Calls received.
    in_orders = f"c.start_us >= {orders[0]} AND c.start_us < {orders[1]}" if orders else "true"
    run(f"""CREATE TABLE received AS
            SELECT c.rowid AS k, c.*, m.cid,
                   CASE WHEN c.start_us >= {inc[0]} AND c.start_us < {inc[1]} THEN 2
                        WHEN c.start_us >= {base[0]} AND c.start_us < {base[1]} THEN 1 ELSE 0 END AS win
            FROM calls c JOIN comp_map m ON m.number = c.called WHERE {in_orders}""")
    fig["calls_received"], fig["blocked_caller_ids"], fig["invalid_caller_ids"] = run(
        f"SELECT count(*), count(*) FILTER (WHERE calling_status = {BLOCKED}), "
        f"count(*) FILTER (WHERE calling_status = {INVALID}) FROM received").fetchone()
    to_comp = run("SELECT count(*) FROM calls c SEMI JOIN comp_map m ON m.number = c.called").fetchone()[0]
    fig["calls_outside_orders"] = to_comp - fig["calls_received"]
    fig["calls_not_to_complainants"] = n_calls - to_comp
    fig["duplicates_removed"] = dups
    stage("calls received")

    # ---- Reach per originating number, the binomial test, BH, ranks.
    run("""CREATE TABLE reach AS
           WITH pc AS (SELECT calling, cid, bool_or(win = 2) AS i, bool_or(win = 1) AS b, count(*) AS n
                       FROM received WHERE calling IS NOT NULL GROUP BY calling, cid)
           SELECT calling AS number, count(*) FILTER (WHERE i AND NOT b) AS only_incident,
                  count(*) FILTER (WHERE b AND NOT i) AS only_baseline,
                  count(*) FILTER (WHERE i AND b) AS both, sum(n) AS calls
           FROM pc GROUP BY calling""")
    fig["originating_numbers"] = run("SELECT count(*) FROM reach").fetchone()[0]
    inc_len, base_len = inc[1] - inc[0], base[1] - base[0]
    fig_share = inc_len / (inc_len + base_len)
    ln_pi = math.log(inc_len) - math.log(inc_len + base_len)
    ln_1pi = math.log(base_len) - math.log(inc_len + base_len)
    # Upper tail summed directly when a is above the mean n*pi; otherwise ln(1 - lower tail),
    # so that a tail near 1 keeps its digits (and a = 0 gives exactly 0).
    run(f"""CREATE TABLE binom AS
            WITH na AS (SELECT DISTINCT only_incident + only_baseline AS n, only_incident AS a,
                               only_incident <= (only_incident + only_baseline) * {fig_share!r} AS low
                        FROM reach WHERE only_incident + only_baseline > 0),
            t AS (SELECT n, a, low, lgamma(n + 1) - lgamma(x + 1) - lgamma(n - x + 1)
                               + x * {ln_pi!r} + (n - x) * {ln_1pi!r} AS lt
                  FROM (SELECT n, a, low, unnest(CASE WHEN low THEN range(0, a) ELSE range(a, n + 1) END) AS x
                        FROM na)),
            s AS (SELECT n, a, low, any_value(m) + ln(sum(exp(lt - m))) AS l
                  FROM (SELECT *, max(lt) OVER (PARTITION BY n, a) AS m FROM t) GROUP BY ALL)
            SELECT n, a, CASE WHEN low THEN ln1m(exp(l)) ELSE least(0.0, l) END AS ln_p FROM s""")
    run("""CREATE TABLE numbers_p AS
           SELECT r.*, coalesce(b.ln_p, 0.0) AS ln_p FROM reach r
           LEFT JOIN binom b ON b.n = r.only_incident + r.only_baseline AND b.a = r.only_incident""")
    run("""CREATE TABLE numbers_q AS
           WITH o AS (SELECT *, row_number() OVER (ORDER BY ln_p, only_incident DESC, number) AS rank,
                             count(*) OVER () AS m FROM numbers_p),
           bh AS (SELECT *, row_number() OVER (ORDER BY ln_p, number) AS bh_r FROM o)
           SELECT *, least(0.0, min(ln_p + ln(m) - ln(bh_r)) OVER (ORDER BY bh_r DESC
                        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) AS ln_q FROM bh""")
    stage("reach + binomial + BH")

    # ---- Subscribers, watch-lists.
    run("""CREATE TABLE sub_best AS
           SELECT number, arg_max(status, (CASE status WHEN 'obtained' THEN 3 WHEN 'refused' THEN 2 ELSE 1 END) * 1e12 - ord) AS status,
                  arg_max(name, (CASE status WHEN 'obtained' THEN 3 WHEN 'refused' THEN 2 ELSE 1 END) * 1e12 - ord) AS name
           FROM subscribers GROUP BY number""")
    run("""CREATE TABLE wl_by_num AS
           SELECT number, list(DISTINCT list_kind ORDER BY list_kind) AS kinds,
                  list(DISTINCT list_name ORDER BY list_name) AS names FROM watchlist GROUP BY number""")
    sub = run("""SELECT count(*) FILTER (WHERE s.status = 'obtained'), count(*) FILTER (WHERE s.status = 'refused'),
                        count(*) FROM reach r LEFT JOIN sub_best s USING (number)""").fetchone()
    fig["subscriber_obtained"], fig["subscriber_refused"] = sub[0], sub[1]
    fig["subscriber_not_requested"] = sub[2] - sub[0] - sub[1]
    fig["subscriber_not_obtained"] = sub[2] - sub[0]
    wk = dict(run("""SELECT k, count(*) FROM (SELECT unnest(w.kinds) AS k FROM reach r JOIN wl_by_num w USING (number))
                     GROUP BY k""").fetchall())
    for k in LIST_KINDS:
        fig[f"watchlist_{k}"] = wk.get(k, 0)

    # ---- Attribution: per (carrier, vendor) offset, then the band join.
    nv = run("SELECT count(*) FROM vendors").fetchone()[0]
    run(f"""CREATE TABLE vend AS SELECT v.*, vd.vendor_idx FROM vendor_calls v JOIN vendors vd USING (vendor)""")
    fig["vendor_attempts_never_rang"] = run("SELECT count(*) FROM vend WHERE NOT rang").fetchone()[0]
    # Records that never rang the phone ([attribution] never_rang) are left out of both the
    # offset and the join.
    run(f"""CREATE TABLE cand AS
            SELECT r.carrier_idx, v.vendor_idx, r.start_us - v.start_us AS d
            FROM received r JOIN vend v ON v.dialed = r.called
            WHERE v.rang AND r.start_us - v.start_us BETWEEN {-wnd_us} AND {wnd_us}""")
    run("""CREATE TABLE offs AS
           WITH o AS (SELECT carrier_idx, vendor_idx, quantile_disc(d, 0.5) AS off, count(*) AS candidates
                      FROM cand GROUP BY ALL)
           SELECT o.*, (SELECT quantile_disc(abs(c.d - o.off), 0.5) FROM cand c
                        WHERE c.carrier_idx = o.carrier_idx AND c.vendor_idx = o.vendor_idx) AS mad
           FROM o""")
    # Every vendor record within the tolerance of a call, after the offset, is a candidate;
    # the candidates are then assigned one to one (see assign_one_to_one).
    run(f"""CREATE TABLE pairs AS
            SELECT r.k, r.ord, v.vrow, r.carrier_idx * {nv} + v.vendor_idx AS pair,
                   r.start_us - v.start_us - o.off AS delta,
                   CASE WHEN v.presented IS NOT NULL THEN coalesce(r.calling = v.presented, false)
                        ELSE r.calling_status = {BLOCKED} END AS agrees
            FROM received r JOIN vend v ON v.dialed = r.called
            JOIN offs o ON o.carrier_idx = r.carrier_idx AND o.vendor_idx = v.vendor_idx
            WHERE v.rang AND abs(r.start_us - v.start_us - o.off) <= {tol_us}""")
    cands = run("SELECT k, vrow, abs(delta), agrees FROM pairs ORDER BY ord, vrow, pair").fetchall()
    chosen, greedy = assign_one_to_one(cands, tol_us)
    fig["attribution_greedy_components"] = greedy
    run("CREATE TABLE chosen (k BIGINT, vrow BIGINT)")
    if chosen:
        con.executemany("INSERT INTO chosen VALUES (?, ?)", [(cands[i][0], cands[i][1]) for i in chosen])
    run("CREATE TABLE attr AS SELECT p.* FROM pairs p JOIN chosen c USING (k, vrow)")
    fig["attributed_calls"] = run("SELECT count(*) FROM attr").fetchone()[0]
    legit_sql = "[" + ", ".join(sq(c) for c in legit) + "]::VARCHAR[]"
    run(f"""CREATE TABLE attribution AS
            SELECT f.source_file, (r.ord % 4294967296)::UBIGINT AS source_row,
                   {carriers_list}[r.carrier_idx + 1] AS carrier, '+' || r.called AS called,
                   make_timestamp(r.start_us)::TIMESTAMPTZ AS start,
                   CASE WHEN r.calling IS NOT NULL THEN '+' || r.calling ELSE r.calling_raw END AS seen,
                   {STATUS_TEXT.format('r.calling_status')} AS seen_status, v.vendor, v.campaign, v.account,
                   '+' || v.presented AS presented, CAST(trunc(a.delta / 1000) AS BIGINT) AS delta_ms,
                   vf.source_file AS vendor_source_file, (v.ord % 4294967296)::UBIGINT AS vendor_source_row,
                   r.calling, r.called AS called_n, r.cid, a.pair, r.ord
            FROM attr a JOIN received r ON r.k = a.k JOIN vend v ON v.vrow = a.vrow
            JOIN files f ON f.file_idx = r.ord // 4294967296 JOIN files vf ON vf.file_idx = v.ord // 4294967296""")
    run(f"""CREATE TABLE offsets AS
            SELECT {carriers_list}[c.ci + 1] AS carrier, vd.vendor, CAST(trunc(o.off / 1000) AS BIGINT) AS offset_ms,
                   coalesce(o.candidates, 0)::UBIGINT AS candidates, CAST(trunc(o.mad / 1000) AS BIGINT) AS mad_ms,
                   (SELECT count(*) FROM attr p WHERE p.pair = c.ci * {nv} + vd.vendor_idx)::UBIGINT AS matches,
                   c.ci * {nv} + vd.vendor_idx AS pair
            FROM (SELECT unnest(range({len(carrier_labels)})) AS ci) c CROSS JOIN vendors vd
            LEFT JOIN offs o ON o.carrier_idx = c.ci AND o.vendor_idx = vd.vendor_idx ORDER BY pair""")
    run(f"""CREATE TABLE campaigns AS
            WITH camp AS (SELECT campaign, arg_min(vendor, vrow) AS vendor, arg_min(account, vrow) FILTER (WHERE account IS NOT NULL) AS account,
                                 count(DISTINCT dialed) AS recipients, count(*) AS dial_records,
                                 string_agg(DISTINCT '+' || presented, '; ' ORDER BY '+' || presented) AS presented,
                                 min(start_us) AS first_dial, max(start_us) AS last_dial, min(vrow) AS first_row
                          FROM vend WHERE campaign IS NOT NULL GROUP BY campaign),
            m AS (SELECT campaign, count(DISTINCT cid) AS complainants_matched, count(*) AS calls_matched
                  FROM attribution GROUP BY campaign),
            pc AS (SELECT campaign, arg_min(pair, -n * 1000000 + pair) AS pair FROM
                     (SELECT campaign, pair, count(*) AS n FROM attribution GROUP BY ALL) GROUP BY campaign)
            SELECT camp.campaign, camp.vendor, camp.account, camp.recipients::UBIGINT AS recipients,
                   camp.dial_records::UBIGINT AS dial_records, camp.presented,
                   coalesce(m.complainants_matched, 0)::UBIGINT AS complainants_matched,
                   coalesce(m.calls_matched, 0)::UBIGINT AS calls_matched, o.offset_ms,
                   list_contains({legit_sql}, camp.campaign) AS legitimate,
                   make_timestamp(camp.first_dial)::TIMESTAMPTZ AS first_dial,
                   make_timestamp(camp.last_dial)::TIMESTAMPTZ AS last_dial
            FROM camp LEFT JOIN m USING (campaign) LEFT JOIN pc USING (campaign)
            LEFT JOIN offsets o ON o.pair = pc.pair ORDER BY camp.first_row""")
    stage("attribution (offsets + band join + one-to-one)")

    # ---- Numbers table, with context; leads.
    run(f"""CREATE TABLE num_camp AS SELECT calling AS number, list(DISTINCT campaign ORDER BY campaign) AS camps,
                   bool_or(list_contains({legit_sql}, campaign)) AS legit
            FROM attribution WHERE calling IS NOT NULL AND campaign IS NOT NULL GROUP BY calling""")
    run(f"""CREATE TABLE num_ctx AS
            SELECT r.calling AS number, min(r.start_us) AS first_seen, max(r.start_us) AS last_seen,
                   string_agg(DISTINCT d.district, '; ' ORDER BY d.district) AS districts,
                   coalesce(arg_min(r.ord, (r.start_us, r.ord)) FILTER (WHERE r.win = 2),
                            arg_min(r.ord, (r.start_us, r.ord))) AS ev_ord
            FROM received r LEFT JOIN comp_district d ON d.number = r.called
            WHERE r.calling IS NOT NULL GROUP BY r.calling""")
    run(f"""CREATE TABLE numbers AS
            SELECT q.rank::UBIGINT AS rank, '+' || q.number AS number, q.only_incident::UBIGINT AS only_incident,
                   q.only_baseline::UBIGINT AS only_baseline, q.both::UBIGINT AS both, q.calls::UBIGINT AS calls,
                   q.ln_p, exp(q.ln_q) AS q, q.ln_q,
                   coalesce(list_has_any(w.kinds, ['telemarketer', 'political_entity']), false)
                     OR coalesce(nc.legit, false) AS explained,
                   coalesce(s.status, 'not_requested') AS subscriber_status, s.name AS subscriber_name,
                   CASE WHEN w.kinds IS NOT NULL THEN array_to_string(list_concat(w.kinds, w.names), '; ') END AS watchlists,
                   array_to_string(nc.camps, '; ') AS campaigns, coalesce(x.districts, '') AS districts,
                   make_timestamp(x.first_seen)::TIMESTAMPTZ AS first_seen,
                   make_timestamp(x.last_seen)::TIMESTAMPTZ AS last_seen,
                   f.source_file || ':' || (x.ev_ord % 4294967296) AS evidence, q.number AS number_n
            FROM numbers_q q LEFT JOIN sub_best s USING (number) LEFT JOIN wl_by_num w USING (number)
            LEFT JOIN num_camp nc USING (number) LEFT JOIN num_ctx x USING (number)
            LEFT JOIN files f ON f.file_idx = x.ev_ord // 4294967296""")
    # Likely spoofed (callsift's spoof.rs): an undeclared campaign presented the number on calls
    # to a complainant's number, no declared campaign presents it, and it is no known caller.
    run(f"""CREATE TABLE spoofed AS
            WITH pres AS (SELECT presented AS number, coalesce(campaign, '') AS campaign,
                                 bool_or(dialed IN (SELECT number FROM complainants)) AS hit
                          FROM vend WHERE presented IS NOT NULL GROUP BY ALL)
            SELECT number FROM pres GROUP BY number
            HAVING bool_or(hit AND NOT list_contains({legit_sql}, campaign))
               AND NOT bool_or(list_contains({legit_sql}, campaign))
               AND number NOT IN (SELECT number FROM watchlist
                                  WHERE list_kind IN ('telemarketer', 'political_entity'))""")
    run(f"""CREATE TABLE leads AS
            SELECT n.rank, n.number, n.q, n.ln_p, n.only_incident,
                   CASE WHEN n.number_n // 10000000000 = 1 THEN '1' WHEN n.number LIKE '+44%' THEN '44' END AS country_code,
                   CASE WHEN n.number_n // 10000000000 = 1 THEN substr(n.number, 3, 3) END AS area_code,
                   coalesce(p1.carrier, p2.carrier) AS exchange_holder, coalesce(p1.status, p2.status) AS exchange_status,
                   coalesce(p1.country, p2.country) AS country, coalesce(p1.region, p2.region) AS region,
                   n.subscriber_status, n.evidence
            FROM numbers n
            LEFT JOIN (SELECT npa, nxx, arg_min(carrier, ord) AS carrier, arg_min(status, ord) AS status,
                              arg_min(country, ord) AS country, arg_min(region, ord) AS region
                       FROM numbering_plan WHERE nxx IS NOT NULL GROUP BY ALL) p1
              ON n.number_n // 10000000000 = 1 AND p1.npa = (n.number_n // 10000000) % 1000
                 AND p1.nxx = (n.number_n // 10000) % 1000
            LEFT JOIN (SELECT npa, arg_min(carrier, ord) AS carrier, arg_min(status, ord) AS status,
                              arg_min(country, ord) AS country, arg_min(region, ord) AS region
                       FROM numbering_plan WHERE nxx IS NULL GROUP BY ALL) p2
              ON n.number_n // 10000000000 = 1 AND p2.npa = (n.number_n // 10000000) % 1000
            WHERE n.ln_q <= {math.log(ALPHA)!r} AND NOT n.explained
                  AND (n.subscriber_status <> 'obtained' OR n.number_n IN (SELECT number FROM spoofed))
            ORDER BY n.rank""")
    fig["leads"] = run("SELECT count(*) FROM leads").fetchone()[0]
    fig["identifications_rows"] = identifications_rows
    fig["campaign_registry_conflicts"] = registry_conflicts
    stage("numbers + leads")

    # ---- Lists: uploads, campaigns, downloads, poll response sets, watch-lists.
    # An upload and the campaign that dialled it are one list: the first upload (in case order)
    # whose rows name a campaign of the vendor log merges into campaign:C; a second stays apart.
    run("""CREATE TABLE merged AS
           WITH ul AS (SELECT list, min(ord) AS o, arg_min(campaign, ord) FILTER (WHERE campaign IS NOT NULL)
                              AS campaign FROM vendor_list GROUP BY list)
           SELECT campaign, arg_min(list, o) AS list FROM ul
           WHERE campaign IN (SELECT campaign FROM vendor_calls WHERE campaign IS NOT NULL) GROUP BY campaign""")
    run("""CREATE TABLE lists AS
           WITH u AS (SELECT 'upload:' || list AS name, 'upload' AS kind, 0 AS grp, min(ord) AS o,
                             CAST(NULL AS VARCHAR) AS campaign FROM vendor_list
                      WHERE list NOT IN (SELECT list FROM merged) GROUP BY list),
           c AS (SELECT 'campaign:' || campaign, 'campaign', 1, min(vrow), campaign FROM vendor_calls
                 WHERE campaign IS NOT NULL GROUP BY campaign),
           d AS (SELECT 'download:' || download, 'download', 2, min(ord), NULL FROM downloads GROUP BY download),
           cc AS (SELECT campaign, min(vrow) AS co FROM vendor_calls WHERE campaign IS NOT NULL GROUP BY campaign),
           kc AS (SELECT keypress, min(vrow) AS ko FROM vendor_calls WHERE keypress IS NOT NULL GROUP BY keypress),
           p AS (SELECT DISTINCT 'poll:' || v.campaign || ':key=' || v.keypress, 'poll_response', 3,
                        cc.co * 10000000000 + kc.ko, v.campaign
                 FROM vendor_calls v JOIN cc USING (campaign) JOIN kc USING (keypress)),
           w AS (SELECT 'watchlist:' || list_name, 'watchlist', 4, min(ord), NULL FROM watchlist GROUP BY list_name)
           SELECT *, row_number() OVER (ORDER BY grp, o) AS li FROM
             (FROM u UNION ALL FROM c UNION ALL FROM d UNION ALL FROM p UNION ALL FROM w)""")
    run("""CREATE TABLE members AS
           SELECT DISTINCT l.li, m.number FROM (
             SELECT 'upload:' || list AS name, number FROM vendor_list
             UNION ALL SELECT 'campaign:' || m.campaign, v.number FROM vendor_list v JOIN merged m USING (list)
             UNION ALL SELECT 'campaign:' || campaign, dialed FROM vendor_calls WHERE campaign IS NOT NULL
             UNION ALL SELECT 'download:' || download, number FROM downloads
             UNION ALL SELECT 'poll:' || campaign || ':key=' || keypress, dialed FROM vendor_calls
                       WHERE campaign IS NOT NULL AND keypress IS NOT NULL
             UNION ALL SELECT 'watchlist:' || list_name, number FROM watchlist) m
           JOIN lists l ON l.name = m.name""")
    run("CREATE TABLE sizes AS SELECT l.*, count(m.number) AS size FROM lists l LEFT JOIN members m USING (li) GROUP BY ALL")
    population = run("SELECT count(DISTINCT number) FROM population").fetchone()[0]
    if population == 0:
        population = int(case.get("case", {}).get("population", 0))
    fig["population"] = population
    n_comp = fig["complainant_numbers"]

    def hyper_sql(table):
        """ln P(X >= overlap), X ~ Hypergeometric(urn, size_b marked, size_a drawn), per row:
        the upper tail above the mean, else ln(1 - lower tail); no row for an empty sum."""
        return f"""
          WITH b AS (SELECT id, u, kb, na, ov, ov <= na * kb / u AS low FROM
                       (SELECT id, greatest({population}, size_a + size_b - overlap) AS u,
                               size_b AS kb, size_a AS na, overlap AS ov FROM {table})),
          t AS (SELECT id, low, lgamma(kb + 1) - lgamma(x + 1) - lgamma(kb - x + 1)
                            + lgamma(u - kb + 1) - lgamma(na - x + 1) - lgamma(u - kb - na + x + 1)
                            - lgamma(u + 1) + lgamma(na + 1) + lgamma(u - na + 1) AS lt
                FROM (SELECT id, u, kb, na, low, unnest(CASE WHEN low
                             THEN range(greatest(0, na - (u - kb)), ov) ELSE range(ov, least(kb, na) + 1) END) AS x
                      FROM b)),
          s AS (SELECT id, low, any_value(m) + ln(sum(exp(lt - m))) AS l
                FROM (SELECT *, max(lt) OVER (PARTITION BY id) AS m FROM t) GROUP BY ALL)
          SELECT id, CASE WHEN low THEN ln1m(exp(l)) ELSE least(0.0, l) END AS ln_p FROM s"""

    # Overlaps: side A = uploads and campaigns, side B = downloads and poll response sets.
    run("""CREATE TABLE ov AS
           SELECT a.li AS la, b.li AS lb, a.name AS list_a, b.name AS list_b, a.size AS size_a, b.size AS size_b,
                  count(*) AS overlap, row_number() OVER () AS id
           FROM members ma JOIN sizes a ON a.li = ma.li AND a.grp IN (0, 1)
           JOIN members mb ON mb.number = ma.number JOIN sizes b ON b.li = mb.li AND b.grp IN (2, 3)
           WHERE NOT (a.campaign IS NOT NULL AND a.campaign IS NOT DISTINCT FROM b.campaign)
           GROUP BY ALL""")
    run(f"CREATE TABLE ov_p AS {hyper_sql('ov')}")
    m_total = run("""SELECT (SELECT count(*) FROM sizes WHERE grp IN (0, 1)) * (SELECT count(*) FROM sizes WHERE grp IN (2, 3))
                     - (SELECT count(*) FROM sizes a JOIN sizes b ON a.campaign = b.campaign
                        WHERE a.grp = 1 AND b.grp = 3)""").fetchone()[0]
    run(f"""CREATE TABLE overlaps_t AS
            WITH o AS (SELECT ov.*, p.ln_p, row_number() OVER (ORDER BY p.ln_p, overlap DESC, la, lb) AS rank
                       FROM ov JOIN ov_p p USING (id)),
            q AS (SELECT *, least(0.0, min(ln_p + ln({m_total}) - ln(rank)) OVER (ORDER BY rank DESC
                         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) AS ln_q FROM o)
            SELECT rank::UBIGINT AS rank, list_a, list_b, size_a::UBIGINT AS size_a, size_b::UBIGINT AS size_b,
                   overlap::UBIGINT AS overlap, overlap / greatest(size_a, 1) AS containment,
                   overlap / greatest(size_a + size_b - overlap, 1) AS jaccard, ln_p, exp(ln_q) AS q, ln_q
            FROM q ORDER BY rank""")
    # Enrichment: every list against the complainants' numbers.
    run(f"""CREATE TABLE en AS
            SELECT s.li AS id, s.name, s.kind, s.size AS size_a, {n_comp} AS size_b,
                   count(c.number) AS overlap
            FROM sizes s LEFT JOIN members m USING (li)
            LEFT JOIN (SELECT DISTINCT number FROM complainants) c ON c.number = m.number GROUP BY ALL""")
    run(f"CREATE TABLE en_p AS {hyper_sql('en')}")
    run("""CREATE TABLE enrichment AS
           WITH o AS (SELECT en.*, coalesce(p.ln_p, 0.0) AS ln_p,
                             row_number() OVER (ORDER BY coalesce(p.ln_p, 0.0), overlap DESC, id) AS rank,
                             count(*) OVER () AS m FROM en LEFT JOIN en_p p USING (id)),
           q AS (SELECT *, least(0.0, min(ln_p + ln(m) - ln(rank)) OVER (ORDER BY rank DESC
                         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) AS ln_q FROM o)
           SELECT rank::UBIGINT AS rank, name AS list, kind, size_a::UBIGINT AS size,
                  overlap::UBIGINT AS overlap, ln_p, exp(ln_q) AS q, ln_q FROM q ORDER BY rank""")
    stage("lists: overlaps + enrichment")

    # ---- Results to Parquet (+ CSV twins) and figures.json.
    res = os.path.join(a.out, "results")
    outs = {
        "numbers": "SELECT * EXCLUDE (number_n) FROM numbers ORDER BY rank",
        "attribution": "SELECT * EXCLUDE (calling, called_n, cid, pair, ord) FROM attribution ORDER BY ord",
        "campaigns": "SELECT * FROM campaigns",
        "offsets": "SELECT * EXCLUDE (pair) FROM offsets",
        "overlaps": "SELECT * FROM overlaps_t",
        "enrichment": "SELECT * FROM enrichment",
        "leads": "SELECT * FROM leads",
    }
    for name, sql in outs.items():
        run(f"COPY ({sql}) TO {sq(os.path.join(res, name + '.parquet'))} (FORMAT parquet)")
        run(f"COPY ({sql}) TO {sq(os.path.join(res, name + '.csv'))} (FORMAT csv, HEADER)")
    fig = {k: int(v) for k, v in fig.items()}
    fig["incident_share"] = fig_share
    with open(os.path.join(res, "figures.json"), "w") as f:
        json.dump(dict(sorted(fig.items())), f, indent=2)
        f.write("\n")
    stage("write results")
    total = time.perf_counter() - t_all
    print(json.dumps({"seconds": round(total, 3), "stages": stages, "call_rows": int(n_calls) + dups,
                      "calls_dropped": int(calls_dropped)}))


if __name__ == "__main__":
    sys.exit(main())
