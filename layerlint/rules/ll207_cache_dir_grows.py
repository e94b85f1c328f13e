r"""LL207 cache-dir-grows

What it does
    Reports a ``--cache-to type=local,dest=D`` that writes the directory the same build
    imports from (``--cache-from type=local,src=D``), with no rotation (export to
    ``D-new``, then replace ``D``) and no ``reset=true``.

Why
    A local cache export rewrites ``index.json`` but keeps every earlier blob, "therefore,
    the size of the local cache will continue to grow" (buildx-cache.md 2, docker/docs
    ``local.md``, moby/buildkit#1896); Cache@2 then uploads and restores an ever larger
    tarball. ``reset=true`` prunes, but only from buildx v0.35.0 (hosted images ship
    older buildx, buildx-cache.md 4.3); it counts as not growing here.

Bad example
    - script: |
        docker buildx build --cache-from=type=local,src=$(Pipeline.Workspace)/c \
          --cache-to=type=local,dest=$(Pipeline.Workspace)/c,mode=max -t app .

Good example
    - script: |
        docker buildx build --cache-from=type=local,src=$(Pipeline.Workspace)/c \
          --cache-to=type=local,dest=$(Pipeline.Workspace)/c-new,mode=max -t app . \
          && rm -rf $(Pipeline.Workspace)/c \
          && mv $(Pipeline.Workspace)/c-new $(Pipeline.Workspace)/c

Fix
    Safe: export to ``D-new`` and chain ``&& rm -rf D && mv D-new D`` to the command, so a
    failed build keeps ``D`` (rules.md, "The fixed form"). Bash scripts on non-Windows
    pools only.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.finding import Fix
from layerlint.pipeline.model import Job
from layerlint.rules import fixkit
from layerlint.rules.base import Context, Hit, RuleMeta
from layerlint.timeline import Build, CacheRef

META = RuleMeta(
    "LL207", "cache-dir-grows",
    "A local cache is exported over the dir it is imported from.", "warning", "safe",
)


def check(ctx: Context) -> Iterator[Hit]:
    for timeline in ctx.timelines:
        for build in timeline.builds:
            for exp in build.exports:
                if exp.spec.type != "local" or exp.dir is None or exp.written_dir is None:
                    continue
                if (exp.spec.get("reset") or "").lower() in ("true", "1"):
                    continue
                if exp.dir.same(exp.written_dir) is not True or not exp.dir.known:
                    continue  # rotated (mv/cp later in the script) or unknown
                if not any(imp.spec.type == "local" and imp.dir is not None
                           and imp.dir.same(exp.dir) is True for imp in build.imports):
                    continue
                d = exp.dir.display()
                message = (
                    f"`{build.command}` exports its local cache over {d}, the dir it imports "
                    "from, with no rotation or `reset=true`: old blobs are never pruned, so "
                    "the cache that Cache@2 uploads grows on every run"
                )
                yield Hit(META.code, build.doc, build.start, build.end, message, build.via,
                          fix=_fix(build, exp, timeline.job))


def _fix(build: Build, exp: CacheRef, job: Job) -> Fix | None:
    run = fixkit.fixable(build, job)
    dest = exp.spec.get("dest")
    if run is None or dest is None or not fixkit.plain_word(dest):
        return None
    cmd = run.commands[build.position]
    end = fixkit.attr_end(run, exp.spec.word, "dest")
    if end is None or not fixkit.chainable(cmd):
        return None
    new = fixkit.insert_after(run, end, "-new")
    rotate = fixkit.chain_after(run, cmd, fixkit.rotation(dest))
    if new is None or rotate is None:
        return None
    return Fix(f"export to {dest}-new, then replace {dest} with it", "safe", (new, rotate))
