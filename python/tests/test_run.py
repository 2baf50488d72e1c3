"""`callsift.run` and the steps on the bundled inquiry: the published figures reproduced, the
steps one by one giving the same results, the folder as the command line writes it."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pyarrow.compute as pc

import callsift
from conftest import INQUIRY


def published() -> dict:
    with (INQUIRY / "published.toml").open("rb") as f:
        return tomllib.load(f)["figures"]


def test_run_reproduces_every_published_figure(inquiry: callsift.Case) -> None:
    figures = inquiry.figures
    campaigns = inquiry.table("campaigns")
    figs = published()
    assert figs, "the published file holds figures"
    for name, fig in figs.items():
        if name == "campaign_recipients":
            rows = campaigns.filter(pc.equal(campaigns["campaign"], fig["campaign"]))
            assert rows.num_rows == 1, fig["campaign"]
            computed = rows["recipients"][0].as_py()
        else:
            computed = figures[name]
        assert computed == fig["value"], name


def test_compare_is_the_engines_table_of_published_figures(inquiry: callsift.Case) -> None:
    rows = inquiry.compare(INQUIRY / "published.toml")
    assert sorted(r.figure for r in rows) == sorted(published())
    assert all(r.matches for r in rows), [r for r in rows if not r.matches]
    for r in rows:
        assert r.published == published()[r.figure]["value"]


def test_figures_are_figures_json(inquiry: callsift.Case) -> None:
    on_disk = json.loads((inquiry.path / "results" / "figures.json").read_text())
    assert inquiry.figures == on_disk
    # Every evidence file's reconciliation, as the manifest records it.
    manifest = {i["path"]: i for i in inquiry.manifest["inputs"]}
    for i in inquiry.figures["inputs"]:
        m = manifest[i["path"]]
        assert i["rows_read"] == m["rows_read"]
        assert i["rows_read"] == (
            i["accepted"] + i["quarantined"] + i["duplicates_removed"] + i["filtered"]
        )


def test_the_folder_is_the_command_lines(inquiry: callsift.Case) -> None:
    m = inquiry.manifest
    assert m["tool"] == "callsift"
    assert m["threads"] == 2
    listed = {o["path"] for o in m["outputs"]}
    assert "report.html" in listed and "results/numbers.parquet" in listed
    assert inquiry.report.is_file()
    # The published figures are on the page beside the computed ones.
    page = inquiry.report.read_text()
    assert "campaign_recipients" in page
    # Two commits, as `callsift run` makes: the store and results, then the report; each
    # audit line names the Python call.
    lines = [json.loads(l) for l in (inquiry.path / "audit.log").read_text().splitlines()]
    assert len(lines) == 2
    for line in lines:
        assert line["command"][0] == "callsift.run"
        assert line["command"][1] == str(INQUIRY / "case.toml")
        assert line["exit"] == 0
    assert inquiry.verify(INQUIRY / "case.toml").ok


def test_steps_one_by_one_give_the_same_results(inquiry: callsift.Case, tmp_path: Path) -> None:
    out = tmp_path / "steps"
    stored = callsift.ingest(INQUIRY / "case.toml", out, threads=1, partitions=3)
    assert stored.tables()[0] == "store/calls"  # no results yet
    assert stored.manifest["store_partitions"] == 3
    case = callsift.correlate(out, threads=1)
    page = callsift.report(out, published=INQUIRY / "published.toml")
    assert page == out / "report.html" and page.is_file()
    assert case.figures == inquiry.figures
    # The same bytes at 1 thread and 3 parts as at 2 threads and the default split.
    ours = {o["path"]: o["sha256"] for o in case.manifest["outputs"]}
    theirs = {o["path"]: o["sha256"] for o in inquiry.manifest["outputs"]}
    results = [p for p in theirs if p.startswith("results/")]
    assert results
    for p in results:
        assert ours[p] == theirs[p], p
    steps = [json.loads(l)["command"][0] for l in (out / "audit.log").read_text().splitlines()]
    assert steps == ["callsift.ingest", "callsift.correlate", "callsift.report"]


def test_synth_writes_a_case_the_engine_runs(tmp_path: Path) -> None:
    s = callsift.synth(tmp_path / "world", seed=7, scale=0.002)
    assert Path(s["case"]).is_file()
    assert s["call_rows"] > 0
    again = callsift.synth(tmp_path / "again", seed=7, scale=0.002)
    assert again["files"] == s["files"]
    for rel, _ in s["files"]:
        assert (tmp_path / "world" / rel).read_bytes() == (tmp_path / "again" / rel).read_bytes()
    case = callsift.run(s["case"], tmp_path / "run", threads=1)
    reconciled = sum(i["rows_read"] for i in case.figures["inputs"] if i["kind"] == "calls")
    assert reconciled == s["call_rows"]
