"""GitHub Actions workflow commands, one per finding:
``::error file=P,line=L,col=C,endLine=L,endColumn=C,title=T::M``.

The message escapes ``%``, CR and LF as ``%25``, ``%0D``, ``%0A``; property values also
``:`` and ``,`` (``%3A``, ``%2C``). ``info`` findings are ``notice``. GitHub's
``endColumn`` is inclusive while a finding's ``end_column`` is exclusive, so it is reported
one less.
"""

from __future__ import annotations

from layerlint.engine import Result
from layerlint.finding import Finding

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def line(f: Finding) -> str:
    end_line = max(f.line, f.end_line)
    end_column = max(1 if end_line > f.line else f.column, f.end_column - 1)
    props = {
        "file": f.path,
        "line": str(f.line),
        "col": str(f.column),
        "endLine": str(end_line),
        "endColumn": str(end_column),
        "title": f"{f.code} {f.name}",
    }
    joined = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
    return f"::{COMMAND[f.severity]} {joined}::{escape_data(f.message)}"


def render(result: Result) -> str:
    return "".join(line(f) + "\n" for f in result.findings)
