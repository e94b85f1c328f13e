"""Reporters: pure functions from a run's result to text, looked up by name."""

from __future__ import annotations

from collections.abc import Callable

from layerlint.engine import Result
from layerlint.report import json_report, text_report

Reporter = Callable[[Result], str]
REPORTERS: dict[str, Reporter] = {
    "text": text_report.render,
    "json": json_report.render,
}
