r"""LL203 cache-task-after-build

What it does
    Reports a ``Cache@2`` step whose ``path`` is a build's local cache directory but which
    comes after that build in the job (and no earlier Cache@2 restores the directory).

Why
    The restore happens at the Cache@2 step's own position; only the save is deferred to
    the post-job phase (azure-pipelines.md 1.3, fact 8). A Cache@2 after the build restores
    too late: the build starts cold on every run, while the save still uploads.

Bad example
    - script: docker buildx build --cache-from=type=local,src=$(Pipeline.Workspace)/c ...
    - task: Cache@2
      inputs:
        key: '"docker" | "$(Agent.OS)" | ./Dockerfile'
        path: $(Pipeline.Workspace)/c

Good example
    - task: Cache@2
      inputs:
        key: '"docker" | "$(Agent.OS)" | ./Dockerfile'
        path: $(Pipeline.Workspace)/c
    - script: docker buildx build --cache-from=type=local,src=$(Pipeline.Workspace)/c ...

Fix
    Safe: move the Cache@2 step to just before the first build that uses it, re-indented
    to its new neighbours.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.finding import Fix
from layerlint.rules.base import Context, Hit, RuleMeta
from layerlint.timeline import caches_for, primary_dir

META = RuleMeta(
    "LL203", "cache-task-after-build",
    "The Cache@2 step for a build's cache dir comes after the build.", "error", "safe",
)


def check(ctx: Context) -> Iterator[Hit]:
    for timeline in ctx.timelines:
        reported: set[int] = set()
        for build in timeline.builds:
            d = primary_dir(build)
            if d is None:
                continue
            matches, _ = caches_for(timeline, d)
            if not matches or any(c.index < build.index for c in matches):
                continue
            cache = matches[0]
            if cache.index in reported:
                continue
            reported.add(cache.index)
            line = build.doc.position(build.start)[0]
            message = (
                f"this Cache@2 restores {d.display()} after the build that reads it "
                f"(`{build.command}`, line {line}) has run: the build starts cold every "
                "time; move the Cache@2 step before the build"
            )
            origin = cache.step.origin
            fix = None
            if origin.doc is build.step.doc:
                from layerlint.fixes.plan import move_step

                edits = move_step(origin.doc, cache.step.node, build.step.node)
                if edits:
                    fix = Fix("Move the Cache@2 step before the build", "safe", tuple(edits))
            yield Hit(META.code, origin.doc, origin.start, origin.end, message,
                      cache.step.scope.via, fix=fix)
