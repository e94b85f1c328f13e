r"""LL303 restore-key-not-prefix

What it does
    Reports each ``restoreKeys`` line of a ``Cache@2`` step that is not a segment-wise
    prefix of its ``key``. Segments compare as the agent fingerprints them: trimmed, macros
    expanded, quotes kept (``"docker"`` and ``docker`` differ).

Why
    A restore key is a prefix the server matches against the entries written by keys; a
    line that is not a prefix of this step's key can never match an entry this step saves
    (azure-pipelines.md 1.2 steps 5 and 10, fact 4: the Microsoft docs' own second Yarn
    example has this bug). The fallback silently never works.

Bad example
    - task: Cache@2
      inputs:
        key: '"yarn" | "$(Agent.OS)" | yarn.lock'
        restoreKeys: |
          yarn | "$(Agent.OS)"
        path: $(YARN_CACHE_FOLDER)

Good example
    - task: Cache@2
      inputs:
        key: '"yarn" | "$(Agent.OS)" | yarn.lock'
        restoreKeys: |
          "yarn" | "$(Agent.OS)"
        path: $(YARN_CACHE_FOLDER)

Fix
    Safe: rewrite the line from the key's own segments (as many as the line had, at most
    all but the last).
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.cachekey import Segment, segments, split
from layerlint.finding import Edit, Fix
from layerlint.rules import fixkit
from layerlint.rules.base import Context, Hit, RuleMeta
from layerlint.rules.cacheinputs import CacheInputs, cache_inputs

META = RuleMeta(
    "LL303", "restore-key-not-prefix",
    "A restoreKeys line is not a prefix of the key.", "error", "safe",
)


def is_prefix(line: list[Segment], key: list[Segment]) -> bool | None:
    if len(line) > len(key):
        return False if all(s.kind != "unknown" for s in line) else None
    for a, b in zip(line, key, strict=False):
        if a.text == b.text:
            continue
        if a.kind == "unknown" or b.kind == "unknown":
            return None
        if a.expanded != b.expanded:
            return False
    return True


def check(ctx: Context) -> Iterator[Hit]:
    for timeline in ctx.timelines:
        for inputs in cache_inputs(timeline):
            if inputs.key is None or inputs.restore is None:
                continue
            key = inputs.key_segments()
            if not key or "\n" in inputs.key.text.strip():
                continue
            lines = inputs.restore.lines()
            raws = [ln.strip() for ln in inputs.restore.raw.splitlines() if ln.strip()]
            if len(raws) != len(lines):
                raws = lines
            for line, raw in zip(lines, raws, strict=True):
                segs = segments(line, timeline.job.variables)
                if is_prefix(segs, key) is not False:
                    continue
                # as written: a template's parameters are not shown as their defaults
                # (an empty default would show as `""`); through a caller, the values
                # passed are shown too
                written = " | ".join(split(inputs.key.raw))
                shown = " | ".join(s.text for s in key)
                message = (
                    f"restore key `{raw}` is not a prefix of the key `{written}` (segments "
                    "compare with their quotes): it can never match an entry this step saves"
                )
                if inputs.via and (raw != line or written != shown):
                    message += f"; with the values passed: `{line}` and `{shown}`"
                start, end, edit = _locate(inputs, line, len(segs))
                fix = Fix("rewrite the restore key from the key's segments", "safe",
                          (edit,)) if edit else None
                yield Hit(META.code, inputs.restore.doc, start, end, message, inputs.via,
                          fix=fix)


def _locate(inputs: CacheInputs, line: str, count: int) -> tuple[int, int, Edit | None]:
    restore = inputs.restore
    assert restore is not None
    start, end = restore.span
    raw = inputs.raw_segments()
    if raw is None or restore.raw != restore.text:
        return start, end, None
    n = max(1, min(count, len(raw) - 1))
    new = " | ".join(raw[:n])
    if len(restore.lines()) == 1 and "\n" not in restore.raw.strip():
        return start, end, fixkit.replace_scalar(restore.doc, restore.node, new)
    index = restore.raw.find(line)
    if index < 0 or getattr(restore.node, "style", None) != "|":
        return start, end, None
    offset = restore.doc.scalar_offsets(restore.node)
    a, b = offset(index), offset(index + len(line) - 1) + 1
    return a, b, Edit(a, b, new)
