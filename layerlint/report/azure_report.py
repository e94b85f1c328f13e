"""Azure Pipelines logging commands, one per finding:
``##vso[task.logissue type=error;sourcepath=P;linenumber=L;columnnumber=C;code=X]M``.

The agent unescapes ``%AZP25`` (``%``), ``%0D``, ``%0A`` everywhere and, in property
values, also ``%3B`` (``;``) and ``%5D`` (``]``). Azure knows only ``error`` and
``warning``: ``info`` findings become warnings. The message starts with the rule code, as
the build summary shows only the message.
"""

from __future__ import annotations

from layerlint.engine import Result
from layerlint.finding import Finding

TYPE = {"error": "error", "warning": "warning", "info": "warning"}


def escape_data(text: str) -> str:
    return text.replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(";", "%3B").replace("]", "%5D")


def line(f: Finding) -> str:
    props = {
        "type": TYPE[f.severity],
        "sourcepath": f.path,
        "linenumber": str(f.line),
        "columnnumber": str(f.column),
        "code": f.code,
    }
    joined = ";".join(f"{k}={escape_property(v)}" for k, v in props.items())
    return f"##vso[task.logissue {joined}]{escape_data(f'{f.code} {f.message}')}"


def render(result: Result) -> str:
    return "".join(line(f) + "\n" for f in result.findings)
