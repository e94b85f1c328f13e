"""Reporters: pure functions from a run's result to text, looked up by name.

Each reporter reads only the :class:`~layerlint.engine.Result` (findings, file statuses,
builds) and the rules' metadata; none prints or reads files, so each has a golden-output
test built from hand-made findings (``tests/golden/``).
"""

from __future__ import annotations

from collections.abc import Callable

from layerlint.engine import Result
from layerlint.report import (
    azure_report,
    github_report,
    gitlab_report,
    json_report,
    junit_report,
    sarif_report,
    text_report,
)

Reporter = Callable[[Result], str]
REPORTERS: dict[str, Reporter] = {
    "text": text_report.render,
    "json": json_report.render,
    "sarif": sarif_report.render,
    "junit": junit_report.render,
    "azure": azure_report.render,
    "github": github_report.render,
    "gitlab": gitlab_report.render,
}
