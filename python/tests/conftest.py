"""Shared fixtures: the bundled inquiry case, run once per session through `callsift.run`."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import pytest

import callsift

#: The repository root (python/tests/ is two levels below it).
ROOT = Path(__file__).resolve().parents[2]
INQUIRY = ROOT / "fixtures" / "inquiry"


def same_results(a: Path, b: Path) -> None:
    """Every file of `a/results` is in `b/results` with the same bytes, and no other."""
    names = sorted(p.name for p in (a / "results").iterdir())
    assert names == sorted(p.name for p in (b / "results").iterdir())
    differ = [
        n for n in names if not filecmp.cmp(a / "results" / n, b / "results" / n, shallow=False)
    ]
    assert not differ, differ


@pytest.fixture(scope="session")
def inquiry_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of `callsift.run` on the inquiry fixture, with its published
    figures (the run is read only: a test that changes it works on a copy)."""
    out = tmp_path_factory.mktemp("inquiry") / "out"
    callsift.run(
        INQUIRY / "case.toml", out, threads=2, published=INQUIRY / "published.toml"
    )
    return out


@pytest.fixture(scope="session")
def inquiry(inquiry_out: Path) -> callsift.Case:
    return callsift.open(inquiry_out)


@pytest.fixture
def inquiry_copy(inquiry_out: Path, tmp_path: Path) -> Path:
    """A copy of the inquiry's output folder, to change."""
    copy = tmp_path / "copy"
    shutil.copytree(inquiry_out, copy)
    return copy
