"""Findings and fixes: the data every rule produces and every reporter consumes.

A finding is complete when it is created (no field is filled in later) and frozen, so
findings can be sorted, deduplicated and compared in tests. A fix is data too: text edits
at offsets of the original file, never a mutation of a parse tree (see ``style.md``: a
ruamel round-trip dump rewrites lines nobody asked to change).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from layerlint.severity_types import SEVERITIES, Severity

__all__ = ["SEVERITIES", "Applicability", "Edit", "Finding", "Fix", "Severity"]

Applicability = Literal["safe", "unsafe"]


@dataclass(frozen=True, order=True)
class Edit:
    """Replace ``text[start:end]`` of the original file with ``replacement``."""

    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class Fix:
    """Edits of the file that holds the finding, plus new files to create when they do not
    exist yet (absolute path, text): the shared template of the template fix style.
    ``steps_added`` is how many steps the fix adds to the file (a Cache@2 step inserted:
    1); the fixer checks the result has exactly that many more, so an edit that merged two
    steps or lost one is refused even when the result still parses."""

    title: str
    applicability: Applicability
    edits: tuple[Edit, ...] = ()
    files: tuple[tuple[str, str], ...] = ()
    steps_added: int = 0


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at one place. Lines and columns are 1-based; ``end_*`` is exclusive."""

    path: str
    line: int
    column: int
    code: str
    end_line: int = field(compare=False)
    end_column: int = field(compare=False)
    name: str = field(compare=False)
    severity: Severity = field(compare=False)
    message: str = field(compare=False)
    fix: Fix | None = field(default=None, compare=False)
    no_fix: str = field(default="", compare=False)  # why there is no fix (rules with fixes)

    def __post_init__(self) -> None:
        if self.line < 1 or self.column < 1:
            raise ValueError(f"finding position must be 1-based, got {self.line}:{self.column}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")
