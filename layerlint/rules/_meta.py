"""Rule metadata (:class:`RuleMeta`), kept apart from :mod:`layerlint.rules.base` so the
registry can describe every rule without importing what the rules read."""

from __future__ import annotations

from layerlint._record import Record
from layerlint.severity_types import Severity


class RuleMeta(Record):
    __slots__ = ("code", "fix", "name", "severity", "summary")
    code: str
    name: str
    summary: str
    severity: Severity
    fix: str | None  # "safe", "unsafe" or None (fix availability)

    def __init__(self, code: str, name: str, summary: str, severity: Severity,
                 fix: str | None = None) -> None:
        self.code = code
        self.name = name
        self.summary = summary
        self.severity = severity
        self.fix = fix
