"""Correlate as per-part kernels over Arrow record batches, and the driver that adds their
counts up: the engine's own code (``callsift::kernels``), so that a case counted part by part,
anywhere, gives the results ``callsift correlate`` gives, byte for byte.

A case is correlated in stages (``scan``, ``samples`` when the clock offsets need a second
look, ``match``, ``lists``). In each, every part of the case store is counted on its own by
:func:`count` (a pure function of the stage's context and the part's tables), and the driver
(:class:`Job`) adds the counts up and finishes the stage::

    >>> from callsift import kernels
    >>> job = kernels.Job("out/inquiry")                       # doctest: +SKIP
    >>> while job.stage is not None:                           # doctest: +SKIP
    ...     context = job.context()                            # broadcast this
    ...     for part in range(job.parts):                      # anywhere, in any order
    ...         batch = kernels.count_part(context, part, job.tables(), job.paths())
    ...         job.absorb(batch)                              # gather these
    ...     job.advance()
    >>> figures = job.finish()                                 # doctest: +SKIP

:func:`callsift.spark.correlate` runs the same loop with Spark counting the parts. The
context is bytes; a count is a *count batch*, a ``pyarrow.RecordBatch`` of one row per part
(``format``, ``stage``, ``part``, ``tables``, ``counts``: the counts encoded, see
``docs/scale-out.md``). The method is ``docs/method.md``'s.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Mapping, Sequence, Union

from . import _native

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow

__all__ = ["STAGES", "Job", "count", "count_part", "read_part", "run_local"]

#: The stages, in order (``samples`` runs only when an offset sample outgrew the first pass).
STAGES: tuple[str, ...] = ("scan", "samples", "match", "lists")

PathLike = Union[str, "os.PathLike[str]"]
#: Per stage, the tables a part is read with: ``(table, columns)``.
Tables = Sequence[tuple[str, Sequence[str]]]
#: Per table, the store's part files in part order.
Paths = Mapping[str, Sequence[str]]


def count(
    context: bytes, part: int, tables: Mapping[str, "pyarrow.Table | pyarrow.RecordBatch"]
) -> "pyarrow.RecordBatch":
    """Count part ``part`` of the store in the stage ``context`` is of: ``tables`` maps each
    store table's name (``"calls"``, ``"vendor_calls"``, ...) to the part's rows, read with at
    least the columns the stage names (a table left out counts as empty). Returns the part's
    count batch.

    :raises StoreError: a column is missing or of another type, a row is not of the part, or
        a name is not in the context (the store changed since the stage before).
    """
    import pyarrow as pa

    streams = {}
    for name, t in tables.items():
        if isinstance(t, pa.RecordBatch):
            t = pa.Table.from_batches([t])
        streams[name] = t
    return _native.kernel_count(context, part, streams)


def read_part(path: PathLike, columns: Sequence[str]) -> "pyarrow.Table":
    """One part of a store table, as the kernels read it: its Parquet file, only ``columns``
    (those the file has)."""
    import pyarrow.parquet as pq

    have = set(pq.read_schema(path).names)
    return pq.read_table(path, columns=[c for c in columns if c in have])


def count_part(context: bytes, part: int, tables: Tables, paths: Paths) -> "pyarrow.RecordBatch":
    """Read part ``part`` of each table of ``tables`` from its file among ``paths`` (a table
    without that part is left out) and :func:`count` it: what one task of a cluster runs."""
    read = {}
    for name, columns in tables:
        files = paths.get(name, ())
        if part < len(files):
            read[name] = read_part(files[part], columns)
    return count(context, part, read)


class Job:
    """The driver of a correlate run over the output folder ``out`` (holding a case store, as
    :func:`callsift.ingest` leaves it), at its first stage. The store is checked against its
    manifest before anything is read. :meth:`finish` writes the results into ``out`` in place
    (the kernels' level: :func:`callsift.correlate` and :func:`callsift.spark.correlate` wrap
    the same loop in the output folder's protocol).
    """

    def __init__(self, out: PathLike):
        self._job = _native.KernelJob(out)

    @property
    def stage(self) -> str | None:
        """The stage to count next, or ``None`` once every stage is done."""
        return self._job.stage()

    @property
    def parts(self) -> int:
        """How many parts the current stage counts."""
        return self._job.parts()

    def tables(self) -> list[tuple[str, list[str]]]:
        """The tables the current stage reads of each part, with their columns."""
        return self._job.tables()

    def paths(self) -> dict[str, list[str]]:
        """The store's part files of each table, in part order."""
        return self._job.paths()

    def context(self) -> bytes:
        """The current stage's context, to hand to :func:`count` wherever it runs."""
        return self._job.context()

    def absorb(self, batch: "pyarrow.RecordBatch | pyarrow.Table") -> None:
        """Add count batches (any number of rows, parts in any order).

        :raises StoreError: counts of another stage, or a part counted twice.
        """
        import pyarrow as pa

        if isinstance(batch, pa.RecordBatch):
            batch = pa.Table.from_batches([batch])
        self._job.absorb(batch)

    def advance(self) -> None:
        """Finish the current stage, every part counted.

        :raises StoreError: a part was not counted.
        """
        self._job.advance()

    def finish(self, *, pseudonymize: PathLike | None = None) -> dict:
        """Rank, table and write the results into the folder, every stage done; returns the
        figures (``figures.json``)."""
        return json.loads(self._job.finish(pseudonymize))


def run_local(out: PathLike, *, pseudonymize: PathLike | None = None) -> dict:
    """Every stage of the folder ``out`` counted here, part after part, through the kernels
    (what :func:`callsift.correlate` computes, written in place); returns the figures."""
    job = Job(out)
    while job.stage is not None:
        context, tables, paths = job.context(), job.tables(), job.paths()
        for part in range(job.parts):
            job.absorb(count_part(context, part, tables, paths))
        job.advance()
    return job.finish(pseudonymize=pseudonymize)
