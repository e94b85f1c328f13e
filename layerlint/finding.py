"""Findings and fixes: the data every rule produces and every reporter consumes.

A finding is complete when it is created (no field is filled in later) and frozen, so
findings can be sorted, deduplicated and compared in tests. A fix is data too: text edits
at offsets of the original file, never a mutation of a parse tree (see ``style.md``: a
ruamel round-trip dump rewrites lines nobody asked to change).
"""

from __future__ import annotations

from typing import Literal

from layerlint._record import OrderedRecord, Record
from layerlint.severity_types import SEVERITIES, Severity

__all__ = ["SEVERITIES", "Applicability", "Edit", "Finding", "Fix", "Severity"]

Applicability = Literal["safe", "unsafe"]


class _Frozen:
    """Findings, fixes and edits are values: assigning to one raises, as it did when they
    were frozen dataclasses (``__init__`` goes through ``object.__setattr__``)."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __getstate__(self) -> tuple[object, ...]:
        names: tuple[str, ...] = type(self).__dict__["__slots__"]
        return tuple(getattr(self, n) for n in names)

    def __setstate__(self, state: tuple[object, ...]) -> None:
        names: tuple[str, ...] = type(self).__dict__["__slots__"]
        for name, value in zip(names, state, strict=True):
            object.__setattr__(self, name, value)


class Edit(_Frozen, OrderedRecord):
    """Replace ``text[start:end]`` of the original file with ``replacement``."""

    __slots__ = ("end", "replacement", "start")
    start: int
    end: int
    replacement: str

    def __init__(self, start: int, end: int, replacement: str) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "start", start)
        setattr_(self, "end", end)
        setattr_(self, "replacement", replacement)


class Fix(_Frozen, Record):
    """Edits of the file that holds the finding, plus new files to create when they do not
    exist yet (absolute path, text): the shared template of the template fix style.
    ``steps_added`` is how many steps the fix adds to the file (a Cache@2 step inserted:
    1); the fixer checks the result has exactly that many more, so an edit that merged two
    steps or lost one is refused even when the result still parses."""

    __slots__ = ("applicability", "edits", "files", "steps_added", "title")
    title: str
    applicability: Applicability
    edits: tuple[Edit, ...]
    files: tuple[tuple[str, str], ...]
    steps_added: int

    def __init__(self, title: str, applicability: Applicability,
                 edits: tuple[Edit, ...] = (), files: tuple[tuple[str, str], ...] = (),
                 steps_added: int = 0) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "title", title)
        setattr_(self, "applicability", applicability)
        setattr_(self, "edits", edits)
        setattr_(self, "files", files)
        setattr_(self, "steps_added", steps_added)


class Finding(_Frozen, OrderedRecord):
    """One problem at one place. Lines and columns are 1-based; ``end_*`` is exclusive.
    Findings compare, hash and sort by (path, line, column, code) only."""

    __slots__ = (
        "code",
        "column",
        "end_column",
        "end_line",
        "fix",
        "line",
        "message",
        "name",
        "no_fix",
        "path",
        "severity",
    )
    _fields = ("path", "line", "column", "code")
    path: str
    line: int
    column: int
    code: str
    end_line: int
    end_column: int
    name: str
    severity: Severity
    message: str
    fix: Fix | None
    no_fix: str  # why there is no fix (rules with fixes)

    def __init__(self, path: str, line: int, column: int, code: str, end_line: int,
                 end_column: int, name: str, severity: Severity, message: str,
                 fix: Fix | None = None, no_fix: str = "") -> None:
        if line < 1 or column < 1:
            raise ValueError(f"finding position must be 1-based, got {line}:{column}")
        if severity not in SEVERITIES:
            raise ValueError(f"unknown severity {severity!r}")
        setattr_ = object.__setattr__
        setattr_(self, "path", path)
        setattr_(self, "line", line)
        setattr_(self, "column", column)
        setattr_(self, "code", code)
        setattr_(self, "end_line", end_line)
        setattr_(self, "end_column", end_column)
        setattr_(self, "name", name)
        setattr_(self, "severity", severity)
        setattr_(self, "message", message)
        setattr_(self, "fix", fix)
        setattr_(self, "no_fix", no_fix)
