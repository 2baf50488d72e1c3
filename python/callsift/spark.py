"""callsift on Apache Spark: the case store's parts counted by Spark's executors with the
engine's kernels (:mod:`callsift.kernels`), the counts added up and the results written on the
driver, exactly as ``callsift correlate`` writes them (the same bytes: the kernels and the
finish are the engine's own code).

    >>> from pyspark.sql import SparkSession
    >>> import callsift.spark
    >>> spark = SparkSession.builder.getOrCreate()                          # doctest: +SKIP
    >>> case = callsift.spark.run("fixtures/inquiry/case.toml", "out", spark)   # doctest: +SKIP

How it runs (``docs/scale-out.md``): ingest stays on the driver's machine (it writes the case
store, ``store/<table>/part-NNNN.parquet``, which every executor must be able to read at the
same path: a shared file system). Then, per stage, the driver broadcasts the stage's context
and Spark runs one task per part (``mapInArrow`` over the part numbers): the task reads its
part's Parquet files with pyarrow, counts them with :func:`callsift.kernels.count` and returns
one count batch. Only counts cross the network; the driver adds them up as they arrive
(``toLocalIterator``) and finishes the stage. The executors need this package installed and
the same Python; ``PYSPARK_PYTHON`` names it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Iterator, Union

from . import Case, _command, _native, ingest, report
from .kernels import Paths, Tables, count_part

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow
    from pyspark.sql import SparkSession

__all__ = ["run", "correlate"]

PathLike = Union[str, "os.PathLike[str]"]

#: The count batch as Spark types it (Spark has no unsigned integers nor large binaries: the
#: driver casts the columns back).
SPARK_SCHEMA = "format string, stage string, part long, tables string, counts binary"


def _for_spark(batch: "pyarrow.RecordBatch") -> "pyarrow.RecordBatch":
    """A count batch in the types of :data:`SPARK_SCHEMA`."""
    import pyarrow as pa

    return pa.RecordBatch.from_arrays(
        [
            batch.column("format").cast(pa.string()),
            batch.column("stage").cast(pa.string()),
            batch.column("part").cast(pa.int64()),
            batch.column("tables").cast(pa.string()),
            batch.column("counts").cast(pa.binary()),
        ],
        names=["format", "stage", "part", "tables", "counts"],
    )


def _stage_on(spark: "SparkSession") -> Any:
    """The function the native driver calls for each stage: Spark counts every part and the
    count batches come back one by one."""

    def stage(
        name: str, context: bytes, parts: int, tables: Tables, paths: Paths
    ) -> Iterator["pyarrow.Table"]:
        import pyarrow as pa

        shared = spark.sparkContext.broadcast((context, list(tables), dict(paths)))

        def kernel(batches: Iterator["pyarrow.RecordBatch"]) -> Iterator["pyarrow.RecordBatch"]:
            cx, ts, ps = shared.value
            for b in batches:
                for part in b.column("id").to_pylist():
                    yield _for_spark(count_part(cx, int(part), ts, ps))

        counted = spark.range(0, parts, numPartitions=max(parts, 1)).mapInArrow(
            kernel, SPARK_SCHEMA
        )
        try:
            for row in counted.toLocalIterator():
                yield pa.table(
                    {
                        "format": pa.array([row["format"]], pa.string()),
                        "stage": pa.array([row["stage"]], pa.string()),
                        "part": pa.array([row["part"]], pa.uint32()),
                        "tables": pa.array([row["tables"]], pa.string()),
                        "counts": pa.array([bytes(row["counts"])], pa.large_binary()),
                    }
                )
        finally:
            shared.unpersist()

    return stage


def correlate(
    out: PathLike, spark: "SparkSession", *, pseudonymize: PathLike | None = None
) -> Case:
    """Compute the results of the run in ``out`` (its case store) with Spark counting the
    parts, as ``callsift correlate`` does: staged, swapped in whole, a line in ``audit.log``;
    returns the folder, opened. Errors as :func:`callsift.correlate`."""
    _native.correlate_with(
        out,
        _command("spark.correlate", out, pseudonymize=pseudonymize),
        _stage_on(spark),
        pseudonymize,
    )
    return Case(out)


def run(
    case: PathLike,
    out: PathLike,
    spark: "SparkSession",
    threads: int | None = None,
    *,
    partitions: int | None = None,
    memory: str | None = None,
    published: PathLike | None = None,
    pseudonymize: PathLike | None = None,
) -> Case:
    """``callsift run`` with Spark: ingest on this machine (``threads``, ``partitions`` and
    ``memory`` as :func:`callsift.ingest` takes them), correlate on ``spark``
    (:func:`correlate`), then the report; returns the run, opened."""
    ingest(case, out, threads, partitions=partitions, memory=memory)
    correlate(out, spark, pseudonymize=pseudonymize)
    report(out, published=published)
    return Case(out)
