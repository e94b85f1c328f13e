r"""LL301 frozen-cache-key

What it does
    Reports the ``key`` of a layer-cache ``Cache@2`` step (its ``path`` is a buildx local
    cache dir of the job, or its key or path names docker/buildx) when no segment changes
    between runs that change the image: only literals, macros that are the same on every
    run (``$(Agent.OS)``) and Dockerfile hashes.

Why
    Cache entries are immutable: the post-job save first asks the server for the exact key
    and uploads nothing when it exists, so after an exact hit the cache is never saved
    again (azure-pipelines.md 1.3, fact 1: ``PipelineCacheServer.UploadAsync``;
    azure-pipelines-agent#2534). The layers freeze at the first build after each
    Dockerfile change. Note that a bare ``Dockerfile`` segment is a literal string, not a
    file hash: only segments with ``.`` or ``/`` are hashed (azure-pipelines.md 1.2).

Bad example
    - task: Cache@2
      inputs:
        key: '"docker" | "$(Agent.OS)" | "app" | Dockerfile'
        path: $(Pipeline.Workspace)/docker_cache

Good example
    - task: Cache@2
      inputs:
        key: '"docker" | "$(Agent.OS)" | "app" | Dockerfile | "$(Build.SourceVersion)"'
        restoreKeys: |
          "docker" | "$(Agent.OS)" | "app" | Dockerfile
        path: $(Pipeline.Workspace)/docker_cache

Fix
    Safe: append ``"$(Build.SourceVersion)"`` to the key and put the old key first in
    ``restoreKeys`` (adding ``restoreKeys`` when there is none), so a run restores the
    newest entry for the same Dockerfile and saves a new one.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint._lazyre import lazy_re
from layerlint.cachekey import Segment, is_dockerfile, split
from layerlint.finding import Edit, Fix
from layerlint.rules import fixkit
from layerlint.rules.base import Context, Hit, RuleMeta
from layerlint.rules.cacheinputs import CacheInputs, cache_inputs, layer_cache

META = RuleMeta(
    "LL301", "frozen-cache-key",
    "A layer cache key never changes, so the cache is never saved again.", "warning", "safe",
)
RUN_SEGMENT = '"$(Build.SourceVersion)"'
# a quoted segment whose only unknown is a template parameter: `"${{ parameters.image }}"`
_QUOTED_PARAM = lazy_re(__name__, "_QUOTED_PARAM",
                        r'"(?:[^$"]|\$\{\{\s*parameters[.\[][^}]*\}\})*"')


def _judged(segment: Segment) -> Segment:
    """A quoted segment is text, never a hashed file; when all it holds besides literal
    text is template parameters (the seed template's ``"${{ parameters.imageName }}"``),
    it names the image, the same on every run whatever a caller passes, so the key's
    frozenness is the template's own (reported there once, not at each caller)."""
    if segment.kind == "unknown" and _QUOTED_PARAM.fullmatch(segment.text):
        return Segment(segment.text, "literal", segment.text)
    return segment


def check(ctx: Context) -> Iterator[Hit]:
    for timeline in ctx.timelines:
        for inputs in cache_inputs(timeline):
            if inputs.key is None or not layer_cache(inputs, timeline):
                continue
            segs = [_judged(s) for s in inputs.key_segments()]
            if not segs or any(s.kind in ("unknown", "run") for s in segs):
                continue
            if any(s.kind == "path" and not is_dockerfile(s) for s in segs):
                continue
            shown = " | ".join(s.text for s in segs)
            message = (
                f"Cache@2 key `{shown}` has no segment that changes between runs: after "
                "the first save every run is an exact hit and nothing is saved again, so "
                f"the layer cache stays frozen; append {RUN_SEGMENT} and restore by prefix"
            )
            start, end = inputs.key.span
            fix = _fix(inputs)
            yield Hit(META.code, inputs.key.doc, start, end, message, inputs.via,
                      fix=fix, no_fix="" if fix else (
                          "the key is written with template expressions or on several "
                          "lines; append the segment by hand"))


def _hit_consumers(inputs: CacheInputs) -> list[str]:
    """Steps after the Cache@2 whose condition tests its ``cacheHitVar``: the fix makes
    exact hits impossible, so a step run only on ``'true'`` would never run again."""
    var = (inputs.cache.step.input_text("cacheHitVar") or "").strip()
    if not var:
        return []
    out = []
    for step in inputs.job.steps[inputs.cache.index + 1:]:
        condition = step.text("condition") or ""
        if var.lower() in condition.lower():
            out.append(step.text("displayName") or step.kind)
    return out


def _fix(inputs: CacheInputs) -> Fix | None:
    key = inputs.key
    raw = inputs.raw_segments()
    if key is None or raw is None or "\n" in key.raw.strip() or "${{" in key.raw:
        return None  # parameter-dependent: the finding may be placed at the caller
    old = " | ".join(raw)
    edit = fixkit.replace_scalar(key.doc, key.node, f"{old} | {RUN_SEGMENT}")
    if edit is None:
        return None
    edits: list[Edit] = [edit]
    restore = inputs.restore
    if restore is None:
        block = fixkit.block_lines(key.doc, key.span[0], [old])
        edits.append(fixkit.add_entry_after(key.doc, key.node, f"restoreKeys: {block}"))
    elif not any(split(line) == split(key.text) for line in restore.lines()):
        if restore.doc is not key.doc or restore.raw != restore.text:
            return None
        lines = [old, *restore.lines()]
        start, _ = restore.span
        edits.append(Edit(start, fixkit.node_end(restore.doc, restore.node),
                          fixkit.block_lines(restore.doc, start, lines)))
    consumers = _hit_consumers(inputs)
    if consumers:
        return Fix(f"append {RUN_SEGMENT} to the key [unsafe: exact hits end, and the "
                   f"condition of {consumers[0]!r} tests the cacheHitVar for them]",
                   "unsafe", tuple(edits))
    return Fix(f"append {RUN_SEGMENT} to the key", "safe", tuple(edits))
