"""The exceptions callsift raises: one class per exit-code class of the command line.

Every engine error is a :class:`CallsiftError`, whose subclass says what kind of mistake it is,
as the command line's exit code does (``docs/cli.md``, "Exit codes"):

====================== ===== ==========================================================
class                  exit  what
====================== ===== ==========================================================
:class:`ConfigError`   3     the case manifest, a profile, an argument, a published-figures
                             or key file is wrong, or the output folder is refused
:class:`InputError`    4     an evidence file cannot be used; nothing was written
:class:`ReconciliationError` 5  a file's row counts do not add up (a bug: please report it)
:class:`StoreError`    6     an output cannot be written, or a run folder's files are
                             missing, malformed or changed
:class:`InternalError` 101   the engine failed (a bug: please report it)
====================== ===== ==========================================================

Each carries the message the command line prints (``str(e)``), the ``file`` to blame (the case
manifest, the evidence file, the table; ``None`` when none is), the 1-based ``row`` (line) of
an evidence file when one is to blame, the ``exit_code``, and the engine's ``kind`` of error
(``config``, ``input``, ``io``, ``reconciliation``, ``store`` or ``internal``).
"""

from __future__ import annotations

__all__ = [
    "CallsiftError",
    "ConfigError",
    "InputError",
    "ReconciliationError",
    "StoreError",
    "InternalError",
]


class CallsiftError(Exception):
    """An error of the callsift engine. Subclasses name its exit-code class."""

    #: The exit code of the command line for this class of error.
    exit_code: int = 1

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        exit_code: int | None = None,
        kind: str | None = None,
    ) -> None:
        super().__init__(message)
        #: The message, as the command line prints it (it names the file, and the row).
        self.message: str = message
        #: The file to blame: case manifest, profile, evidence file, output table; or None.
        self.file: str | None = file
        #: The 1-based line or row of the evidence file to blame, when one is.
        self.row: int | None = row
        if exit_code is not None:
            self.exit_code = exit_code
        #: The engine's kind of error: config, input, io, reconciliation, store or internal.
        self.kind: str | None = kind

    def __reduce__(self):  # picklable (multiprocessing, joblib) with its attributes
        return (
            _rebuild,
            (type(self), self.message, self.file, self.row, self.exit_code, self.kind),
        )


def _rebuild(cls, message, file, row, exit_code, kind):
    return cls(message, file=file, row=row, exit_code=exit_code, kind=kind)


class ConfigError(CallsiftError):
    """Exit code 3: the case manifest, a profile, an argument, a published-figures or key file
    is wrong (the message names the file and the key), or the output folder is refused."""

    exit_code = 3


class InputError(CallsiftError):
    """Exit code 4: an evidence file cannot be used (``file``, and ``row`` when one line is to
    blame). Nothing was written."""

    exit_code = 4


class ReconciliationError(CallsiftError):
    """Exit code 5: an evidence file's row counts do not reconcile. A bug: please report it."""

    exit_code = 5


class StoreError(CallsiftError):
    """Exit code 6: an output cannot be written (``kind == "io"``), or a run folder's files are
    missing, malformed or not those its manifest records (``kind == "store"``)."""

    exit_code = 6


class InternalError(CallsiftError):
    """Exit code 101: the engine failed where it should not (a bug: please report it). The
    output folder keeps its previous state."""

    exit_code = 101
