"""callsift from Python: run a case, and read its results and its case store as pyarrow
tables, pandas or Polars frames.

>>> import callsift
>>> case = callsift.run("fixtures/inquiry/case.toml", "out/inquiry")   # doctest: +SKIP
>>> case.figures["calls_received"]                                      # doctest: +SKIP
>>> case.to_pandas("numbers").head()                                    # doctest: +SKIP

The functions are the command line's steps (``docs/cli.md``), run by the same library code:
each writes its output folder as one unit (staged, swapped in whole, a line added to its
``audit.log``), so a folder written from a notebook is the same as one written by
``callsift run``, and ``callsift verify`` checks either. Errors are the exceptions of
:mod:`callsift.errors`. See ``docs/python.md``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Union

from . import _frames, _native
from .errors import (
    CallsiftError,
    ConfigError,
    InputError,
    InternalError,
    ReconciliationError,
    StoreError,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    import polars
    import pyarrow

__all__ = [
    "run",
    "ingest",
    "correlate",
    "report",
    "verify",
    "synth",
    "open",
    "Case",
    "Comparison",
    "Problem",
    "Verification",
    "TABLES",
    "CallsiftError",
    "ConfigError",
    "InputError",
    "ReconciliationError",
    "StoreError",
    "InternalError",
]

#: The engine's version and the git commit it was built from.
__version__: str = _native.version().split(" ")[0]
engine_version: str = _native.version()

#: Every table name :meth:`Case.table` knows: the results tables, then the case store's
#: (``store/<kind>``, ``store/quarantine``, ``store/duplicates``).
TABLES: tuple[str, ...] = tuple(_native.table_names())

PathLike = Union[str, "os.PathLike[str]"]


def _command(step: str, *args: Any, **options: Any) -> list[str]:
    """The call as the audit log records it: ``callsift.<step>``, the positional arguments, then
    each option given as ``name=value``."""
    words = [f"callsift.{step}"] + [os.fspath(a) for a in args]
    for name, value in options.items():
        if value is not None:
            words.append(f"{name}={os.fspath(value) if isinstance(value, os.PathLike) else value}")
    return words


def run(
    case: PathLike,
    out: PathLike,
    threads: int | None = None,
    *,
    partitions: int | None = None,
    memory: str | None = None,
    published: PathLike | None = None,
    pseudonymize: PathLike | None = None,
) -> "Case":
    """Ingest, correlate and report the case ``case`` (its ``case.toml``) into the folder
    ``out``, as ``callsift run CASE --out OUT`` does; returns the run, opened.

    ``threads``: worker threads (default: one per core); the outputs are the same bytes
    whatever the count. ``partitions`` (1 to 4096) or ``memory`` (``"512M"``, ``"4G"``): how
    the case store is split. ``published``: a published-figures file, checked before anything
    is read and set beside the computed figures in ``report.html`` (compare them with
    :meth:`Case.compare`). ``pseudonymize``: a key file; the results then hold keyed tokens
    instead of phone numbers.

    Everything given is checked before the folder is touched; a run already in ``out`` is
    replaced whole, or, on an error, kept as it was.

    :raises ConfigError: the case manifest, a profile, an argument or a file given is wrong,
        or the folder is refused (it holds files callsift did not write, or evidence).
    :raises InputError: an evidence file cannot be used.
    :raises StoreError: an output cannot be written.
    """
    _native.run(
        case,
        out,
        _command(
            "run",
            case,
            out,
            threads=threads,
            partitions=partitions,
            memory=memory,
            published=published,
            pseudonymize=pseudonymize,
        ),
        threads,
        partitions,
        memory,
        published,
        pseudonymize,
    )
    return Case(out)


def ingest(
    case: PathLike,
    out: PathLike,
    threads: int | None = None,
    *,
    partitions: int | None = None,
    memory: str | None = None,
) -> "Case":
    """Read the evidence files of ``case`` into the case store ``out/store/`` and write the run
    manifest, as ``callsift ingest`` does (a run already in ``out`` is replaced whole);
    returns the folder, opened. Errors as :func:`run`."""
    _native.ingest(
        case,
        out,
        _command("ingest", case, out, threads=threads, partitions=partitions, memory=memory),
        threads,
        partitions,
        memory,
    )
    return Case(out)


def correlate(
    out: PathLike, threads: int | None = None, *, pseudonymize: PathLike | None = None
) -> "Case":
    """Compute the results (``out/results/``) anew from the case store in ``out``, as
    ``callsift correlate`` does; returns the folder, opened.

    :raises StoreError: ``out`` holds no run, or its store is not the one its manifest records.
    :raises ConfigError: the recorded parameters are not valid, or the key file is wrong.
    """
    _native.correlate(
        out,
        _command("correlate", out, threads=threads, pseudonymize=pseudonymize),
        threads,
        pseudonymize,
    )
    return Case(out)


def report(out: PathLike, *, published: PathLike | None = None) -> Path:
    """Write ``out/report.html`` anew from the results in ``out`` (with the figures of
    ``published`` beside the computed ones), as ``callsift report`` does; returns its path.

    :raises StoreError: ``out`` holds no results, or they are not those its manifest records.
    :raises ConfigError: the published-figures file is wrong.
    """
    return Path(_native.report(out, _command("report", out, published=published), published))


class Problem(NamedTuple):
    """One problem :func:`verify` found: the file at fault, the check that failed (``sha256``,
    ``rows``, ``unlisted``…; see ``docs/cli.md``, "verify"), and what is wrong."""

    file: str
    check: str
    message: str


@dataclass(frozen=True)
class Verification:
    """What :func:`verify` found (``callsift verify --json``)."""

    #: SHA-256 of ``manifest.json`` as read: the value to write in the case notebook.
    manifest_sha256: str
    #: Files checked.
    checked: int
    #: The problems, in the order found; none when the folder is as its manifest says.
    problems: list[Problem] = field(default_factory=list)
    #: What was not checked (no case given, no audit log).
    notes: list[str] = field(default_factory=list)
    #: Whether there is no problem.
    ok: bool = True


def verify(out: PathLike, case: PathLike | None = None) -> Verification:
    """Check the folder ``out`` against its manifest (hashes, row counts, files not listed, the
    audit log); given ``case``, the case manifest it was run from, the evidence files too, as
    ``callsift verify OUT --case CASE`` does. Writes nothing. A problem found is in the result,
    not raised.

    :raises StoreError: ``out`` has no readable manifest (nothing to check against).
    """
    v = json.loads(_native.verify(out, case))
    return Verification(
        manifest_sha256=v["manifest_sha256"],
        checked=v["checked"],
        problems=[Problem(p["file"], p["check"], p["message"]) for p in v["problems"]],
        notes=list(v["notes"]),
        ok=v["ok"],
    )


def synth(
    out: PathLike,
    *,
    seed: int = 1,
    scale: float = 1.0,
    world: str = "standard",
    threads: int | None = None,
) -> dict[str, Any]:
    """Write a synthetic case with planted truth under ``out`` (empty or absent), as
    ``callsift synth`` does: ``out/case.toml``, ``out/truth.json`` and the evidence files.
    ``scale`` 1.0 is about 1,000,000 carrier call rows; ``world`` is ``standard``,
    ``two-campaigns``, ``rotating-spoof``, ``us-spoof``, ``clock-skew``, ``gotv``, ``hard`` or
    ``national``. The same seed, scale and world give byte-identical files.

    Returns what was written (``call_rows``, ``files``…) and ``case``, the path of its
    ``case.toml``.

    :raises ConfigError: a scale out of range, an unknown world, or ``out`` not empty.
    """
    s = json.loads(_native.synth(out, seed, scale, world, threads))
    s["case"] = str(Path(out) / "case.toml")
    return s


class Comparison(NamedTuple):
    """A published figure beside the computed one (``callsift figures --published``)."""

    figure: str
    published: int
    #: None when the run has no such figure (a campaign it does not have).
    computed: int | None

    @property
    def matches(self) -> bool:
        return self.computed == self.published


class Case:
    """The output folder of a run: its figures, manifest, results and case store.

    Open one with :func:`open` (or get it from :func:`run`). Nothing is read until asked for,
    and every read goes through the engine's readers: the results through their contract
    (``docs/dictionary.md``), the store's tables through their canonical schemas
    (``docs/formats.md``), each checked, so that a damaged or foreign file is a
    :class:`StoreError` naming it.
    """

    def __init__(self, out: PathLike) -> None:
        #: The output folder.
        self.path: Path = Path(out)
        # Checked now: a folder without a callsift manifest is no run.
        self._zone: str = _native.zone(self.path)

    def __repr__(self) -> str:
        return f"callsift.Case({str(self.path)!r})"

    @property
    def figures(self) -> dict[str, Any]:
        """``results/figures.json``: the figures by name (``calls_received``…), with
        ``inputs``, each evidence file's row reconciliation."""
        return json.loads(_native.figures(self.path))

    @property
    def manifest(self) -> dict[str, Any]:
        """``manifest.json``: the chain of custody (inputs with their hashes and counts,
        outputs, parameters, versions, timings)."""
        return json.loads(_native.manifest(self.path))

    @property
    def zone(self) -> str:
        """The IANA zone of the case's local times (``[case] time_zone``, else ``UTC``)."""
        return self._zone

    @property
    def report(self) -> Path:
        """``report.html``: the run on one page."""
        return self.path / "report.html"

    def tables(self) -> list[str]:
        """The names of the tables this run holds, results first, then the case store's."""
        return _native.tables(self.path)

    def table(self, name: str) -> "pyarrow.Table":
        """Table ``name`` as the engine holds it, a ``pyarrow.Table`` passed zero-copy through
        the Arrow C data interface: a results table (``numbers``, ``attribution``…, ``leads``)
        with the contract's types, or a store table (``store/calls``…, ``store/quarantine``,
        ``store/duplicates``) with its canonical schema (phone numbers as E.164 digits in
        ``uint64``, times as UTC microseconds), its rows in case order.

        :raises ValueError: no table is called ``name`` (see :data:`TABLES`).
        :raises StoreError: the run does not hold it, or its file is damaged or not of its
            schema.
        """
        return _native.table(self.path, name)

    def arrow(self, name: str) -> "pyarrow.Table":
        """:meth:`table` with phone numbers as E.164 text and the ``*_local`` columns as
        timestamps in the case's zone: what :meth:`to_pandas` and :meth:`to_polars` convert."""
        return _frames.prepare(self.table(name), _native.phone_columns(name), self._zone)

    def to_pandas(self, name: str) -> "pandas.DataFrame":
        """Table ``name`` as a pandas DataFrame: phone numbers as E.164 text (``string``, null
        as ``pd.NA``), times tz-aware (``datetime64[us, UTC]``; the ``*_local`` columns in the
        case's zone), integers and flags nullable (``UInt64``, ``boolean``), text ``string``,
        lists of text as arrays. Needs pandas."""
        return _frames.to_pandas(self.arrow(name))

    def to_polars(self, name: str) -> "polars.DataFrame":
        """Table ``name`` as a Polars DataFrame: phone numbers as E.164 text (``String``),
        times tz-aware (``Datetime("us", "UTC")``; the ``*_local`` columns in the case's
        zone). Needs Polars."""
        return _frames.to_polars(self.arrow(name))

    def compare(self, published: PathLike) -> list[Comparison]:
        """The published figures of ``published`` beside this run's, one per figure (the table
        ``callsift figures --published`` prints).

        :raises ConfigError: the published-figures file is wrong (an unknown figure…).
        """
        return [Comparison(*c) for c in _native.compare(self.path, published)]

    def verify(self, case: PathLike | None = None) -> Verification:
        """:func:`verify` on this folder."""
        return verify(self.path, case)


def open(out: PathLike) -> Case:  # noqa: A001 (callsift.open, as the issue names it)
    """The run in the folder ``out`` (written by :func:`run` or ``callsift run``).

    :raises StoreError: ``out`` holds no readable callsift manifest.
    """
    return Case(out)
