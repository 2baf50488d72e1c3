"""Errors as typed exceptions, carrying the file, the row and the exit code; verify on an intact
and a tampered folder."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import callsift
from conftest import INQUIRY, ROOT


def test_a_bad_case_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    case = tmp_path / "case.toml"
    case.write_text((INQUIRY / "case.toml").read_text() + "\n[case]\nnmae = 1\n")
    out = tmp_path / "out"
    with pytest.raises(callsift.ConfigError) as e:
        callsift.run(case, out)
    err = e.value
    assert isinstance(err, callsift.CallsiftError)
    assert err.exit_code == 3 and err.kind == "config"
    assert err.file == str(case)
    assert str(case) in str(err)
    assert not out.exists(), "nothing is written before the case is checked"


def test_an_unknown_published_figure_stops_the_run_before_anything(tmp_path: Path) -> None:
    published = tmp_path / "published.toml"
    published.write_text("[figures.calls_recieved]\nvalue = 1\n")
    with pytest.raises(callsift.ConfigError, match="no such figure") as e:
        callsift.run(INQUIRY / "case.toml", tmp_path / "out", published=published)
    assert e.value.file == str(published)
    assert not (tmp_path / "out").exists()


def test_an_unusable_evidence_file_is_an_input_error_with_its_row(tmp_path: Path) -> None:
    fixture = ROOT / "fixtures" / "rules" / "population"
    text = (fixture / "case.toml").read_text()
    text = text.replace('latest_by = "updated"\n', "").replace(
        'path = "history.csv"', f'path = "{fixture / "history.csv"}"'
    )
    case = tmp_path / "case.toml"
    case.write_text(text)
    with pytest.raises(callsift.InputError) as e:
        callsift.ingest(case, tmp_path / "out", threads=1)
    err = e.value
    assert err.exit_code == 4
    assert Path(err.file).name == "history.csv"
    assert err.row == 4  # the first repeat of a number
    assert "history.csv:4" in str(err)
    # Picklable with its attributes (for multiprocessing).
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is callsift.InputError
    assert (again.file, again.row, again.exit_code, str(again)) == (
        err.file,
        err.row,
        err.exit_code,
        str(err),
    )


def test_bad_arguments_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(callsift.ConfigError, match="at least 1") as e:
        callsift.run(INQUIRY / "case.toml", tmp_path / "out", threads=0)
    assert e.value.file == "threads"
    with pytest.raises(callsift.ConfigError, match="4096"):
        callsift.ingest(INQUIRY / "case.toml", tmp_path / "out", partitions=5000)
    with pytest.raises(callsift.ConfigError):
        callsift.ingest(INQUIRY / "case.toml", tmp_path / "out", memory="lots")
    with pytest.raises(callsift.ConfigError, match="unknown world"):
        callsift.synth(tmp_path / "w", world="flat")
    assert not (tmp_path / "out").exists()


def test_a_folder_without_a_run_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(callsift.StoreError) as e:
        callsift.open(tmp_path)
    assert e.value.exit_code == 6
    assert e.value.file == str(tmp_path / "manifest.json")
    with pytest.raises(callsift.StoreError, match="no run in this folder"):
        callsift.correlate(tmp_path / "none")


def test_a_folder_of_other_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(callsift.ConfigError):
        callsift.run(INQUIRY / "case.toml", tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_verify_an_intact_folder(inquiry: callsift.Case) -> None:
    v = callsift.verify(inquiry.path, INQUIRY / "case.toml")
    assert v.ok and v.problems == [] and v.notes == []
    assert v.checked > len(inquiry.manifest["outputs"])
    assert len(v.manifest_sha256) == 64
    # Without the case, the evidence is not checked, and it says so.
    v = callsift.verify(inquiry.path)
    assert v.ok and v.notes


def test_verify_a_tampered_folder(inquiry_copy: Path) -> None:
    numbers = inquiry_copy / "results" / "numbers.csv"
    numbers.write_bytes(numbers.read_bytes().replace(b"+1", b"+2", 1))
    (inquiry_copy / "results" / "leads-final.csv").write_text("number\n+16135550199\n")
    v = callsift.verify(inquiry_copy)
    assert not v.ok
    found = {(p.file, p.check) for p in v.problems}
    assert ("results/numbers.csv", "sha256") in found
    assert ("results/leads-final.csv", "unlisted") in found
    # The engine refuses the changed folder as the command line does.
    with pytest.raises(callsift.ConfigError):
        callsift.correlate(inquiry_copy)


def test_a_changed_store_stops_correlate_naming_the_file(inquiry_copy: Path) -> None:
    part = sorted((inquiry_copy / "store" / "complainants").glob("*.parquet"))[0]
    part.write_bytes(part.read_bytes() + b"\0")
    with pytest.raises(callsift.StoreError) as e:
        callsift.correlate(inquiry_copy)
    assert e.value.file == str(part)
    assert e.value.exit_code == 6
