"""The JSON contract (version 1), parsed by other tools: keep it stable.

``{"version": 1, "layerlint": VERSION, "findings": [...], "files": [...], "builds": [...]}``
where each finding has ``code``, ``name``, ``severity``, ``path``, ``line``, ``column``,
``end_line``, ``end_column`` (1-based), ``message`` and ``fix`` (null or
``{"applicability", "title"}``), and ``no_fix`` (why there is none) when the rule has
fixes but this finding has none; each file ``{"path", "status"}`` (``linted``, ``skipped``,
``error``); each build ``{"path", "line", "column", "kind", "command", "cached",
"cache"}``.
"""

from __future__ import annotations

import json
from typing import Any

from layerlint import __version__
from layerlint.engine import Result


def to_data(result: Result) -> dict[str, Any]:
    return {
        "version": 1,
        "layerlint": __version__,
        "findings": [
            {
                "code": f.code,
                "name": f.name,
                "severity": f.severity,
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "end_line": f.end_line,
                "end_column": f.end_column,
                "message": f.message,
                "fix": None if f.fix is None else {
                    "applicability": f.fix.applicability, "title": f.fix.title,
                },
                **({"no_fix": f.no_fix} if f.fix is None and f.no_fix else {}),
            }
            for f in result.findings
        ],
        "files": [{"path": s.path, "status": s.status} for s in result.files],
        "builds": [
            {
                "path": b.path,
                "line": b.line,
                "column": b.column,
                "kind": b.kind,
                "command": b.command,
                "cached": b.cached,
                "cache": list(b.cache),
            }
            for b in result.builds
        ],
    }


def render(result: Result) -> str:
    return json.dumps(to_data(result), indent=2) + "\n"
