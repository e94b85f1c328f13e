r"""LL204 cache-never-exported

What it does
    Reports a ``--cache-from type=local,src=DIR`` import when the same build has no
    ``--cache-to type=local`` export that ends up in DIR (after a ``mv``/``cp`` rotation
    later in the same script).

Why
    Nothing ever writes the directory, so the Cache@2 step saves an empty or stale
    directory and the import never finds anything newer than the first run: "You're setting
    ``cache-from`` but not ``cache-to`` so no cache is actually pushed"
    (buildx-cache.md 6.9, docker/build-push-action#740). A missing import directory is only
    a warning, so the build stays green and slow (buildx-cache.md 2, fact 8).

Bad example
    - script: |
        docker buildx build --cache-from=type=local,src=$(Pipeline.Workspace)/c -t app .

Good example
    - script: |
        docker buildx build --cache-from=type=local,src=$(Pipeline.Workspace)/c \
          --cache-to=type=local,dest=$(Pipeline.Workspace)/c-new,mode=max -t app . \
          && rm -rf $(Pipeline.Workspace)/c \
          && mv $(Pipeline.Workspace)/c-new $(Pipeline.Workspace)/c

Fix
    Safe: add ``--cache-to=type=local,dest=DIR-new,mode=max`` after the import and chain
    the rotation (``&& rm -rf DIR && mv DIR-new DIR``) to the command, in bash scripts of
    builds with no local export at all. No fix on Windows pools, in PowerShell or in tasks.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.finding import Fix
from layerlint.pipeline.model import Job
from layerlint.rules import fixkit
from layerlint.rules.base import Context, Hit, RuleMeta
from layerlint.timeline import Build, CacheRef

META = RuleMeta(
    "LL204", "cache-never-exported",
    "A local cache import has no export writing the same dir.", "warning", "safe",
)


def check(ctx: Context) -> Iterator[Hit]:
    for timeline in ctx.timelines:
        for build in timeline.builds:
            local_exports = [e for e in build.exports if e.spec.type == "local"]
            if any(e.dir is None for e in local_exports):
                continue
            for imp in build.imports:
                if imp.spec.type != "local" or imp.dir is None or not imp.dir.known:
                    continue
                results = [imp.dir.same(e.dir) for e in local_exports if e.dir is not None]
                if any(r is None or r for r in results):
                    continue
                where = (" (it exports to " + ", ".join(
                    e.dir.display() for e in local_exports if e.dir is not None) + ")"
                    if local_exports else "")
                message = (
                    f"`{build.command}` imports the local cache {imp.dir.display()} but no "
                    f"`--cache-to` writes that dir{where}: the cache is never refreshed "
                    "after the first run"
                )
                fix = None if local_exports else _fix(build, imp, timeline.job)
                yield Hit(META.code, build.doc, build.start, build.end, message, build.via,
                          fix=fix)


def _fix(build: Build, imp: CacheRef, job: Job) -> Fix | None:
    run = fixkit.fixable(build, job)
    src = imp.spec.get("src")
    if run is None or src is None or not fixkit.plain_word(src):
        return None
    cmd = run.commands[build.position]
    span = fixkit.value_span(run, imp.spec.word)
    if span is None or not fixkit.chainable(cmd):
        return None
    raw_end = imp.spec.word.end
    add = fixkit.insert_after(run, raw_end, f" --cache-to=type=local,dest={src}-new,mode=max")
    rotate = fixkit.chain_after(run, cmd, fixkit.rotation(src))
    if add is None or rotate is None:
        return None
    return Fix(f"export the cache to {src}-new and rotate it into {src}", "safe",
               (add, rotate))
