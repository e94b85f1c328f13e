"""The step-level keys of a step that a fix replaces, carried onto the steps that replace it
(rules.md, "Conditions travel"): ``condition`` and ``enabled`` go onto every new step (a
skipped Cache@2 saves nothing, a login or rotation for a build that does not run is
pointless), ``env``, ``continueOnError``, ``timeoutInMinutes``, ``retryCountOnTaskFailure``
and ``name`` onto the step that builds. Values are copied as written (template expressions
kept), re-indented to the new step's column.
"""

from __future__ import annotations

from layerlint._record import MutableRecord
from layerlint.pipeline.model import Step

EVERY_STEP = ("condition", "enabled")
BUILD_STEP = ("env", "continueOnError", "timeoutInMinutes", "retryCountOnTaskFailure", "name")
KNOWN = {"task", "inputs", "displayName", *EVERY_STEP, *BUILD_STEP}


class Carried(MutableRecord):
    __slots__ = ("build", "condition", "every")
    every: list[str]  # lines for every new step
    build: list[str]  # lines for the build step only
    condition: str | None

    def __init__(self, every: list[str] | None = None, build: list[str] | None = None,
                 condition: str | None = None) -> None:
        self.every = [] if every is None else every
        self.build = [] if build is None else build
        self.condition = condition


def carried_keys(step: Step, known: set[str] | None = None) -> Carried | str:
    """The lines to carry, relative to the new step's content column, or why the step
    cannot be replaced (a key the fix does not know how to carry)."""
    out = Carried()
    doc, node = step.doc, step.node
    text = doc.text
    col = int(node.start_mark.column)
    for key_node, value in getattr(node, "value", ()):
        key = str(getattr(key_node, "value", ""))
        if key not in (known or KNOWN):
            return f"the step has `{key}`, which the fix does not carry over"
        if key in ("task", "inputs", "displayName"):
            continue
        start = int(key_node.start_mark.index)
        end = int(value.end_mark.index)
        raw = text[start:end].rstrip()
        lines = raw.replace("\r\n", "\n").split("\n")
        body = [lines[0]]
        for line in lines[1:]:
            if line.strip() and len(line) - len(line.lstrip(" ")) < col:
                return f"the step's `{key}` is laid out in a way the fix does not copy"
            body.append(line[col:] if line.strip() else "")
        while body and not body[-1].strip():
            body.pop()
        if any(line.lstrip().startswith("#") for line in body[1:]):
            body = [b for b in body if not b.lstrip().startswith("#")]
        (out.every if key in EVERY_STEP else out.build).extend(body)
        if key == "condition":
            out.condition = " ".join(str(getattr(value, "value", "")).split()) or None
    return out
