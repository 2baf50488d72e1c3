#!/usr/bin/env python3
"""Generates an Ontario-style carrier CSV for the ingest benchmark, and its case.toml.

The file looks like a carrier's production-order return (the `ontario` profile of
fixtures/formats/case.toml):

    "Subscriber Number","Originating Number","Call Date","Call Time","Duration (s)","Call Type"
    "(613) 555-0101","(416) 872-3301","2011-04-03","09:15:02","32","INBOUND"

* every field quoted, CRLF line ends, UTF-8 without BOM;
* called numbers ("Subscriber Number"): a pool of --called (default 50,000) numbers, mildly
  skewed (a subscriber's share of the calls grows with how busy the line is);
* calling numbers ("Originating Number"): a pool of --calling (default 500,000) numbers with a
  heavy tail (index = floor(pool * u**3): the busiest 1 % of numbers place ~22 % of the calls,
  as robo-callers and call centres do), and --private (default 2 %) `PRIVATE` caller IDs;
* dates: 30 days from 2011-04-03 (no daylight-saving change inside, so no gap or fold),
  local Toronto wall-clock time, more calls by day than by night; rows are in time order
  within each day, as carriers export them;
* durations: whole seconds, mostly short (exponential, mean ~70 s), 0 for unanswered calls;
* --dup-rate (default 0.5 %) of the rows repeat an earlier row exactly (overlapping
  production orders), so duplicate removal has work to do.

Everything is drawn from `random.Random(--seed)`: the same arguments give the same bytes.
Standard library only; writes in big buffered chunks (10 M rows: ~41 CPU-seconds, 740 MB).

    python3 benches/compare/gen_carrier_csv.py --rows 10000000 --out /tmp/callsift-bench/ontario-10m.csv

The case.toml written beside the file (`--case`, default `case-<stem>.toml` in the same folder)
names only that file, with the Ontario profile.
"""

import argparse
import datetime as dt
import math
import os
import random
import sys
import time

AREA_CODES = [613, 416, 647, 437, 905, 289, 365, 519, 226, 548, 705, 249, 807, 343, 514, 438,
              450, 819, 604, 403, 780, 902, 204, 306, 212, 202, 312, 415, 617, 713]
HEADER = ('"Subscriber Number","Originating Number","Call Date","Call Time",'
          '"Duration (s)","Call Type"\r\n')
START = dt.date(2011, 4, 3)  # 30 days to 2011-05-02 inclusive; DST began 2011-03-13
DAYS = 30
# Relative call volume per local hour (night low, daytime and early evening high).
HOUR_WEIGHT = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 13, 12, 13, 14, 14, 14, 15, 16, 15, 12, 8, 4, 2]


def number_pool(rng, n, seen):
    """n distinct valid NANP numbers as quoted `"(NPA) NXX-XXXX"` strings."""
    out = []
    while len(out) < n:
        npa = AREA_CODES[rng.randrange(len(AREA_CODES))]
        nxx = rng.randrange(200, 1000)
        line = rng.randrange(10000)
        key = npa * 10_000_000 + nxx * 10_000 + line
        if key in seen:
            continue
        seen.add(key)
        out.append(f'"({npa}) {nxx:03d}-{line:04d}"')
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--out", required=True, help="the CSV to write")
    ap.add_argument("--case", help="the case.toml to write (default: case-<stem>.toml beside --out)")
    ap.add_argument("--seed", type=int, default=20110502)
    ap.add_argument("--called", type=int, default=50_000, help="distinct called numbers")
    ap.add_argument("--calling", type=int, default=500_000, help="distinct calling numbers")
    ap.add_argument("--private", type=float, default=0.02, help="share of PRIVATE caller IDs")
    ap.add_argument("--dup-rate", type=float, default=0.005, help="share of exact repeats")
    a = ap.parse_args()

    t0 = time.time()
    rng = random.Random(a.seed)
    seen = set()
    called = number_pool(rng, a.called, seen)
    calling = number_pool(rng, a.calling, seen)
    del seen
    private = '"PRIVATE"'
    dates = [f'"{(START + dt.timedelta(days=d)).isoformat()}"' for d in range(DAYS)]
    tod = [f'"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"' for s in range(86400)]
    durs = [f'"{d}"' for d in range(0, 20000)]
    cum, acc = [], 0
    for w in HOUR_WEIGHT:
        acc += w
        cum.append(acc)
    total_w = acc

    # Rows per day: even split with +-10 % jitter, adjusted so the total is exact.
    per_day = [int(a.rows / DAYS * (0.9 + 0.2 * rng.random())) for _ in range(DAYS)]
    per_day[-1] += a.rows - sum(per_day)
    if per_day[-1] < 0:  # only for absurdly small --rows
        per_day = [a.rows // DAYS] * DAYS
        per_day[-1] += a.rows - sum(per_day)

    out_dir = os.path.dirname(os.path.abspath(a.out))
    os.makedirs(out_dir, exist_ok=True)
    tmp = a.out + ".partial"
    n_called, n_calling = len(called), len(calling)
    rnd = rng.random
    log = math.log
    written = 0
    recent = []  # recently written rows, for exact repeats
    with open(tmp, "w", encoding="utf-8", newline="", buffering=1 << 24) as f:
        f.write(HEADER)
        for d in range(DAYS):
            n = per_day[d]
            date = dates[d]
            # Seconds of the day: weighted hour, uniform within it; sorted (time order).
            secs = []
            for _ in range(n):
                x = rnd() * total_w
                h = 0
                while cum[h] <= x:
                    h += 1
                secs.append(h * 3600 + int(rnd() * 3600))
            secs.sort()
            buf = []
            for s in secs:
                if recent and rnd() < a.dup_rate:
                    buf.append(recent[int(rnd() * len(recent))])
                    continue
                u = rnd()
                cd = called[int(n_called * u * u)]
                if rnd() < a.private:
                    cg = private
                else:
                    u = rnd()
                    cg = calling[int(n_calling * u * u * u)]
                u = rnd()
                # Unanswered (~8 %): 0 s; otherwise exponential, mean ~70 s, capped.
                dur = 0 if u < 0.08 else min(int(-70.0 * log(rnd() or 1e-12)) + 1, 19999)
                row = f'{cd},{cg},{date},{tod[s]},{durs[dur]},"INBOUND"\r\n'
                buf.append(row)
                if len(recent) < 4096:
                    recent.append(row)
                else:
                    recent[int(rnd() * 4096)] = row
                if len(buf) >= 200_000:
                    f.write("".join(buf))
                    written += len(buf)
                    buf = []
            f.write("".join(buf))
            written += len(buf)
    os.replace(tmp, a.out)
    assert written == a.rows, (written, a.rows)

    case = a.case or os.path.join(out_dir, f"case-{os.path.splitext(os.path.basename(a.out))[0]}.toml")
    rel = os.path.relpath(os.path.abspath(a.out), os.path.dirname(os.path.abspath(case)))
    with open(case, "w", encoding="utf-8") as f:
        f.write(CASE_TOML.format(path=rel.replace(os.sep, "/"), rows=a.rows, seed=a.seed))
    size = os.path.getsize(a.out)
    print(f"wrote {a.out}: {a.rows:,} rows, {size / 1e6:.1f} MB in {time.time() - t0:.1f} s; "
          f"case {case}", file=sys.stderr)


CASE_TOML = """\
# Ingest benchmark case: one generated Ontario-style carrier file ({rows} rows, seed {seed}),
# written by benches/compare/gen_carrier_csv.py. The profile is the `ontario` profile of
# fixtures/formats/case.toml.

[case]
name = "ingest benchmark"

[[inputs]]
kind = "calls"
path = "{path}"
profile = "ontario"
label = "Ontario Tel"

[profiles.ontario]
time_zone = "America/Toronto"
timestamp_formats = ["%Y-%m-%d %H:%M:%S"]
duration = "s"
[profiles.ontario.columns]
called = "Subscriber Number"
calling = "Originating Number"
start = ["Call Date", "Call Time"]
duration = "Duration (s)"
"""

if __name__ == "__main__":
    main()
