"""The per-part kernels from Python (`callsift.kernels`): every stage counted part by part from
pyarrow tables gives `callsift.correlate`'s results byte for byte; the driver refuses counts it
cannot add (another stage, a part twice, a part missing, another format)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pytest

import callsift
from callsift import kernels
from conftest import INQUIRY, same_results


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The inquiry ingested into 3 parts, and its results by `callsift.correlate`."""
    base = tmp_path_factory.mktemp("kernels")
    store, ref = base / "store", base / "ref"
    callsift.ingest(INQUIRY / "case.toml", store, partitions=3)
    shutil.copytree(store, ref)
    callsift.correlate(ref)
    return store, ref


def test_the_kernels_part_by_part_give_correlates_bytes(
    stores: tuple[Path, Path], tmp_path: Path
) -> None:
    store, ref = stores
    out = tmp_path / "out"
    shutil.copytree(store, out)
    figures = kernels.run_local(out)
    assert figures == callsift.open(ref).figures
    same_results(ref, out)


def test_parts_counted_in_any_order_and_in_one_batch_add_up_the_same(
    stores: tuple[Path, Path], tmp_path: Path
) -> None:
    store, ref = stores
    out = tmp_path / "out"
    shutil.copytree(store, out)
    job = kernels.Job(out)
    seen = []
    while job.stage is not None:
        seen.append(job.stage)
        cx, tables, paths = job.context(), job.tables(), job.paths()
        batches = [
            kernels.count_part(cx, p, tables, paths) for p in reversed(range(job.parts))
        ]
        job.absorb(pa.Table.from_batches(batches))
        job.advance()
    # The inquiry's offset samples fit the first pass: no second look at the calls.
    assert seen == ["scan", "match", "lists"]
    job.finish()
    same_results(ref, out)


def test_the_driver_refuses_counts_it_cannot_add(stores: tuple[Path, Path], tmp_path: Path) -> None:
    store, _ = stores
    out = tmp_path / "out"
    shutil.copytree(store, out)
    job = kernels.Job(out)
    cx, tables, paths = job.context(), job.tables(), job.paths()
    assert job.stage == "scan" and job.parts == 3
    first = kernels.count_part(cx, 0, tables, paths)
    job.absorb(first)
    with pytest.raises(callsift.StoreError, match="counted twice"):
        job.absorb(first)
    with pytest.raises(callsift.StoreError, match="missing the counts of calls part 1"):
        job.advance()
    bad = first.set_column(0, "format", pa.array(["callsift-counts/0"]))
    with pytest.raises(callsift.StoreError, match="callsift-counts/0"):
        job.absorb(bad)
    with pytest.raises(callsift.StoreError, match="not a context"):
        kernels.count(b"garbage", 0, {})
    for p in (1, 2):
        job.absorb(kernels.count_part(cx, p, tables, paths))
    job.advance()
    with pytest.raises(callsift.StoreError, match="stage scan handed to stage"):
        job.absorb(first)


def test_a_part_of_another_store_is_refused_naming_it(
    stores: tuple[Path, Path], tmp_path: Path
) -> None:
    store, _ = stores
    job = kernels.Job(store)
    cx, tables, paths = job.context(), job.tables(), job.paths()
    # Part 1's calls counted as part 0: their numbers are not of part 0.
    calls = dict(tables)["calls"]
    wrong = kernels.read_part(paths["calls"][1], calls)
    with pytest.raises(callsift.StoreError, match="not partitioned by this ingest") as e:
        kernels.count(cx, 0, {"calls": wrong})
    assert e.value.file.endswith("store/calls/part-0000.parquet")
    with pytest.raises(callsift.ConfigError, match="no store table"):
        kernels.count(cx, 0, {"call": wrong})


def test_an_exception_of_the_counting_function_is_raised_and_the_folder_kept(
    stores: tuple[Path, Path], tmp_path: Path
) -> None:
    _, ref = stores
    out = tmp_path / "out"
    shutil.copytree(ref, out)
    before = (out / "results" / "numbers.csv").read_bytes()

    def stage(name, context, parts, tables, paths):
        raise ValueError(f"the cluster is down in stage {name}")

    with pytest.raises(ValueError, match="the cluster is down in stage scan"):
        callsift._native.correlate_with(out, ["test"], stage)
    assert (out / "results" / "numbers.csv").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if "staging" in p.name]
