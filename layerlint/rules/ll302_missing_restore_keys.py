r"""LL302 missing-restore-keys

What it does
    Reports a ``Cache@2`` step whose ``key`` varies (a hashed file segment, or a macro that
    changes per run such as ``$(Build.SourceVersion)``) but which has no ``restoreKeys``.

Why
    A key that changes misses exactly on every change; without ``restoreKeys`` prefixes
    the agent has no fallback, so the run starts from an empty cache. Restore keys are
    prefixes tried after the exact key, and the newest entry matching one is restored
    (azure-pipelines.md 1.2 step 10, 1.3; [CACHEDOC] "Use restore keys").

Bad example
    - task: Cache@2
      inputs:
        key: 'npm | "$(Agent.OS)" | package-lock.json'
        path: $(npm_config_cache)

Good example
    - task: Cache@2
      inputs:
        key: 'npm | "$(Agent.OS)" | package-lock.json'
        restoreKeys: |
          npm | "$(Agent.OS)"
        path: $(npm_config_cache)

Fix
    Safe: add ``restoreKeys`` after ``key`` with the key's prefixes, longest first: the
    segments before each varying segment.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.finding import Fix
from layerlint.rules import fixkit
from layerlint.rules.base import Context, Hit, RuleMeta
from layerlint.rules.cacheinputs import CacheInputs, cache_inputs

META = RuleMeta(
    "LL302", "missing-restore-keys",
    "A key that varies has no restoreKeys fallback.", "warning", "safe",
)


def check(ctx: Context) -> Iterator[Hit]:
    for timeline in ctx.timelines:
        for inputs in cache_inputs(timeline):
            if inputs.key is None or inputs.restore is not None:
                continue
            if inputs.cache.step.input("restoreKeys") is not None:
                continue  # present but not a plain string (an expression): unknown
            segs = inputs.key_segments()
            varying = [s.text for s in segs if s.kind in ("run", "path")]
            if not varying:
                continue
            message = (
                f"Cache@2 key varies with {', '.join(varying)} but has no `restoreKeys`: "
                "every change misses and the job starts from an empty cache"
            )
            legacy = "\n" in inputs.key.text.strip()
            if legacy:  # restoreKeys cannot be combined with the legacy format (LL305)
                message += ("; join the key's lines with ` | ` first: the agent throws when "
                            "a multi-line key is combined with `restoreKeys`")
            start, end = inputs.key.span
            yield Hit(META.code, inputs.key.doc, start, end, message, inputs.via,
                      fix=None if legacy else _fix(inputs))


def prefixes(inputs: CacheInputs) -> list[str]:
    raw = inputs.raw_segments()
    segs = inputs.key_segments()
    if raw is None:
        return []
    out: list[str] = []
    for i in range(len(segs) - 1, 0, -1):
        if segs[i].kind in ("run", "path"):
            prefix = " | ".join(raw[:i])
            if prefix not in out:
                out.append(prefix)
    return out


def _fix(inputs: CacheInputs) -> Fix | None:
    key = inputs.key
    lines = prefixes(inputs)
    if key is None or not lines:
        return None
    block = fixkit.block_lines(key.doc, key.span[0], lines)
    edit = fixkit.add_entry_after(key.doc, key.node, f"restoreKeys: {block}")
    return Fix("add restoreKeys with the key's prefixes", "safe", (edit,))
