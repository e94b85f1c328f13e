"""LL205 cache-never-imported

What it does
    Reports a ``--cache-to`` export (``type=local`` or ``registry``) when the same build
    has no ``--cache-from`` that reads it back: the local dir (after rotation) or the
    registry ref.

Why
    Exporting costs time on every run (with ``mode=max`` every intermediate layer is
    written, buildx-cache.md 1.3), and nothing ever reads the result: ``mode`` and the
    other parameters only apply to ``--cache-to``, the import must be asked for
    (buildx-cache.md 1.3, 6.9).

Bad example
    - script: |
        docker buildx build --cache-to=type=registry,ref=myreg/app:cache,mode=max -t app .

Good example
    - script: |
        docker buildx build --cache-from=type=registry,ref=myreg/app:cache \
          --cache-to=type=registry,ref=myreg/app:cache,mode=max -t app .

Fix
    Safe: add the matching ``--cache-from`` (``type=local,src=DIR`` for a local export
    that is not rotated, ``type=registry,ref=REF`` for a registry export) after the export,
    in bash scripts. No fix on Windows pools, in PowerShell or in tasks.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.finding import Fix
from layerlint.pipeline.model import Job
from layerlint.rules import fixkit
from layerlint.rules.base import Context, Hit, RuleMeta
from layerlint.timeline import Build, CacheRef

META = RuleMeta(
    "LL205", "cache-never-imported",
    "A cache export is never imported by the build.", "warning", "safe",
)


def _unknown(text: str) -> bool:
    return "$" in text or "%" in text


def _imported(build: Build, exp: CacheRef) -> bool | None:
    """Whether a ``--cache-from`` of the build reads what ``exp`` writes (None: unknown)."""
    answer: bool | None = False
    for imp in build.imports:
        if exp.spec.type == "local" and imp.spec.type == "local":
            if imp.dir is None or exp.dir is None:
                return None
            same = imp.dir.same(exp.dir)
            if same is None:
                answer = None
            elif same:
                return True
        elif exp.spec.type == "registry" and imp.spec.type == "registry":
            a, b = imp.spec.get("ref") or "", exp.spec.get("ref") or ""
            if a == b:
                return True
            if _unknown(a) or _unknown(b):
                answer = None
    return answer


def check(ctx: Context) -> Iterator[Hit]:
    for timeline in ctx.timelines:
        for build in timeline.builds:
            for exp in build.exports:
                if exp.spec.type not in ("local", "registry"):
                    continue
                if exp.spec.type == "local" and (exp.dir is None or not exp.dir.known):
                    continue
                if _imported(build, exp) is not False:
                    continue
                what = (exp.dir.display() if exp.spec.type == "local" and exp.dir
                        else exp.spec.get("ref") or "")
                message = (
                    f"`{build.command}` exports its cache to {what} but never imports it "
                    "(no matching `--cache-from`): the cache is written on every run and "
                    "never read"
                )
                yield Hit(META.code, build.doc, build.start, build.end, message, build.via,
                          fix=_fix(build, exp, timeline.job))


def _fix(build: Build, exp: CacheRef, job: Job) -> Fix | None:
    run = fixkit.fixable(build, job)
    if run is None:
        return None
    if exp.spec.type == "local":
        dest = exp.spec.get("dest")
        if dest is None or exp.dir is None or exp.written_dir is None or not (
                exp.dir.same(exp.written_dir)):
            return None
        flag = f"--cache-from=type=local,src={dest}"
    else:
        ref = exp.spec.get("ref")
        if not ref:
            return None
        flag = f"--cache-from=type=registry,ref={ref}"
    if not all(fixkit.plain_word(p) for p in flag.split()):
        return None
    edit = fixkit.insert_after(run, exp.spec.word.end, " " + flag)
    return Fix(f"add `{flag}`", "safe", (edit,)) if edit else None
