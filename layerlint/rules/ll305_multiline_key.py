r"""LL305 multiline-key

What it does
    Reports a ``Cache@2`` ``key`` whose value spans several lines.

Why
    A key with a newline is the agent's legacy format (one segment per line): it logs
    "'key' format is changing to a single line", and combining it with ``restoreKeys``
    throws (azure-pipelines.md 1.2 step 1, fact 5). ``key: |`` with several lines is
    therefore a trap.

Bad example
    - task: Cache@2
      inputs:
        key: |
          docker
          "$(Agent.OS)"
          ./Dockerfile
        path: $(Pipeline.Workspace)/c

Good example
    - task: Cache@2
      inputs:
        key: 'docker | "$(Agent.OS)" | ./Dockerfile'
        path: $(Pipeline.Workspace)/c

Fix
    Safe: join the lines with `` | `` into a one-line quoted scalar.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.finding import Edit, Fix
from layerlint.rules import fixkit
from layerlint.rules.base import Context, Hit, RuleMeta
from layerlint.rules.cacheinputs import cache_inputs

META = RuleMeta(
    "LL305", "multiline-key",
    "A Cache@2 key spans several lines (legacy format).", "warning", "safe",
)


def check(ctx: Context) -> Iterator[Hit]:
    for timeline in ctx.timelines:
        for inputs in cache_inputs(timeline):
            key = inputs.key
            if key is None or "\n" not in key.text.strip():
                continue
            lines = key.lines()
            joined = " | ".join(lines)
            extra = (" and cannot be combined with `restoreKeys` (the step throws)"
                     if inputs.restore is not None else "")
            message = (
                f"Cache@2 key spans {len(lines)} lines, the agent's legacy format{extra}; "
                f"write it on one line: `{joined}`"
            )
            start, end = key.span
            raw = " | ".join(line.strip() for line in key.raw.splitlines() if line.strip())
            edit = Edit(start, fixkit.node_end(key.doc, key.node),
                        "'" + raw.replace("'", "''") + "'")
            fix = Fix("join the key's lines with ' | '", "safe", (edit,))
            yield Hit(META.code, key.doc, start, end, message, inputs.via, fix=fix)
