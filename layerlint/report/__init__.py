"""Reporters: pure functions from a run's result to text, looked up by name.

Each reporter reads only the :class:`~layerlint.engine.Result` (findings, file statuses,
builds) and the rules' metadata; none prints or reads files, so each has a golden-output
test built from hand-made findings (``tests/golden/``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from layerlint.engine import Result

Reporter = Callable[["Result"], str]
_MODULES = {
    "text": "text_report",
    "json": "json_report",
    "sarif": "sarif_report",
    "junit": "junit_report",
    "azure": "azure_report",
    "github": "github_report",
    "gitlab": "gitlab_report",
}


def _lazy(module: str) -> Reporter:
    """A reporter whose module is imported on first use: the XML and SARIF reporters pull
    in modules (``xml.sax.saxutils`` imports ``urllib.request``) that a plain text run
    should not pay for at start-up."""

    def render(result: Result) -> str:
        rendered: str = importlib.import_module(f"layerlint.report.{module}").render(result)
        return rendered

    return render


REPORTERS: dict[str, Reporter] = {name: _lazy(module) for name, module in _MODULES.items()}
