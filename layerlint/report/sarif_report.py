"""SARIF 2.1.0 (OASIS), for code-scanning dashboards (GitHub code scanning, the Azure
DevOps "SARIF SAST Scans Tab", Defender for DevOps).

One run; the driver lists a descriptor for every rule that found something (id, name,
short and full description, help text and Markdown, help URI, default level). Severities
map to levels ``error``/``warning``/``note``. Regions use 1-based lines and columns with an
exclusive end column, as findings do. A finding's fix becomes a SARIF ``fix`` whose
replacements address the file by character offsets (``charOffset``/``charLength``, the
run's ``columnKind`` is ``unicodeCodePoints``), exactly the fix's edits.
"""

from __future__ import annotations

import json
import os
from pathlib import PureWindowsPath
from typing import Any
from urllib.parse import quote

from layerlint import __version__
from layerlint.engine import Result
from layerlint.finding import Finding, Fix

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
INFO_URI = "https://github.com/layerlint/layerlint"


def uri(path: str) -> str:
    if os.path.isabs(path) or PureWindowsPath(path).drive:
        drive = PureWindowsPath(path).drive
        posix = path.replace("\\", "/")
        return "file:///" + quote(posix.lstrip("/"), safe="/:" if drive else "/")
    return quote(path.replace(os.sep, "/"), safe="/")


def rule_descriptor(code: str) -> dict[str, Any]:
    from layerlint.docs import HELP_URI, render_rule, rule_description
    from layerlint.rules import RULES, meta

    m = meta(code)
    text = (RULES[code].__doc__ or m.summary).strip() + "\n"
    return {
        "id": code,
        "name": m.name,
        "shortDescription": {"text": m.summary},
        "fullDescription": {"text": rule_description(code)},
        "help": {"text": text, "markdown": render_rule(code)},
        "helpUri": HELP_URI.format(code=code),
        "defaultConfiguration": {"level": LEVEL[m.severity]},
        "properties": {"fix": m.fix or "none"},
    }


def _fix(f: Finding, fix: Fix) -> dict[str, Any]:
    return {
        "description": {"text": fix.title},
        "artifactChanges": [{
            "artifactLocation": {"uri": uri(f.path)},
            "replacements": [
                {
                    "deletedRegion": {"charOffset": e.start, "charLength": e.end - e.start},
                    "insertedContent": {"text": e.replacement},
                }
                for e in sorted(fix.edits)
            ],
        }],
        "properties": {"applicability": fix.applicability},
    }


def _result(f: Finding, index: int) -> dict[str, Any]:
    region = {"startLine": f.line, "startColumn": f.column}
    if (f.end_line, f.end_column) >= (f.line, f.column):
        region |= {"endLine": f.end_line, "endColumn": f.end_column}
    out: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": index,
        "level": LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": uri(f.path)},
            "region": region,
        }}],
    }
    if f.fix is not None and f.fix.edits:
        out["fixes"] = [_fix(f, f.fix)]
    elif f.no_fix:
        out["properties"] = {"noFix": f.no_fix}  # why there is no fix (as JSON's no_fix)
    return out


def to_data(result: Result) -> dict[str, Any]:
    codes = sorted({f.code for f in result.findings})
    index = {code: i for i, code in enumerate(codes)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "layerlint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFO_URI,
                "rules": [rule_descriptor(c) for c in codes],
            }},
            "invocations": [{
                "executionSuccessful": not result.internal_errors,
                "toolExecutionNotifications": [
                    {"level": "error", "message": {"text": message}}
                    for message in result.internal_errors
                ],
            }],
            "columnKind": "unicodeCodePoints",
            "results": [_result(f, index[f.code]) for f in result.findings],
        }],
    }


def render(result: Result) -> str:
    return json.dumps(to_data(result), indent=2) + "\n"
