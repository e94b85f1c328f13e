"""GitLab Code Quality (a subset of the Code Climate spec): a JSON array of issues with
``description``, ``check_name``, ``fingerprint``, ``severity`` and
``location: {path, lines: {begin}}``.

The fingerprint must stay the same while the problem stays, so that GitLab can tell new
findings from old ones in a merge request: it hashes the code, the path and the message
(not the line), plus an occurrence number for identical findings in one file.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

from layerlint.engine import Result

SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def to_data(result: Result) -> list[dict[str, Any]]:
    seen: Counter[tuple[str, str, str]] = Counter()
    issues: list[dict[str, Any]] = []
    for f in result.findings:
        key = (f.code, f.path, f.message)
        seen[key] += 1
        digest = hashlib.sha256(
            "\0".join((*key, str(seen[key]))).encode("utf-8")).hexdigest()[:32]
        issues.append({
            "description": f"{f.code} {f.message}",
            "check_name": f"{f.code} {f.name}",
            "fingerprint": digest,
            "severity": SEVERITY[f.severity],
            "location": {"path": f.path, "lines": {"begin": f.line}},
        })
    return issues


def render(result: Result) -> str:
    return json.dumps(to_data(result), indent=2) + "\n"
