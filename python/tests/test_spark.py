"""`callsift.spark` on a local Spark (`local[2]`: two executor threads, Python workers apart):
the results are byte-identical to `callsift run` on the same case, the inquiry fixture and a
`national` world. Skipped, saying why, only where pyspark or a Java runtime is missing (CI
installs both: `.ci/run`)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

import callsift
from conftest import INQUIRY, same_results

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("no Java runtime: Spark cannot start", allow_module_level=True)

import callsift.spark  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # The executors' Python workers run this interpreter, with callsift installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("callsift-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.parametrize("partitions", [3])
def test_spark_run_on_the_inquiry_is_callsift_run_byte_for_byte(
    spark, tmp_path: Path, partitions: int
) -> None:
    here, there = tmp_path / "here", tmp_path / "spark"
    callsift.run(INQUIRY / "case.toml", here, partitions=partitions)
    case = callsift.spark.run(INQUIRY / "case.toml", there, spark, partitions=partitions)
    same_results(here, there)
    assert case.figures == callsift.open(here).figures
    # Written as the command line writes a folder: it verifies, and its audit log says so.
    assert callsift.verify(there).ok
    audit = (there / "audit.log").read_text()
    assert '"callsift.spark.correlate"' in audit


def test_spark_run_on_a_national_world_is_callsift_run_byte_for_byte(
    spark, tmp_path: Path
) -> None:
    world = callsift.synth(tmp_path / "world", seed=7, scale=0.02, world="national")
    here, there = tmp_path / "here", tmp_path / "spark"
    callsift.run(world["case"], here, partitions=4)
    callsift.spark.run(world["case"], there, spark, partitions=4)
    same_results(here, there)


def test_an_error_in_the_cluster_is_raised_and_the_folder_kept(spark, tmp_path: Path) -> None:
    out = tmp_path / "out"
    callsift.run(INQUIRY / "case.toml", out, partitions=2)
    before = (out / "results" / "numbers.csv").read_bytes()
    # A part of the store damaged after ingest: the driver's check refuses it before Spark
    # runs anything, naming the file.
    part = out / "store" / "calls" / "part-0001.parquet"
    part.write_bytes(part.read_bytes()[:-9])
    with pytest.raises(callsift.StoreError) as e:
        callsift.spark.correlate(out, spark)
    assert "part-0001.parquet" in str(e.value)
    assert (out / "results" / "numbers.csv").read_bytes() == before
