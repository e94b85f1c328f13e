r"""LL205 cache-never-imported

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

import re
from collections.abc import Iterator

from layerlint._lazyre import lazy_re
from layerlint.finding import Fix
from layerlint.pipeline.model import Job
from layerlint.pipeline.paths import expand
from layerlint.rules import fixkit
from layerlint.rules.base import Context, Hit, RuleMeta
from layerlint.timeline import Build, CacheRef

META = RuleMeta(
    "LL205", "cache-never-imported",
    "A cache export is never imported by the build.", "warning", "safe",
)


_VAR = lazy_re(__name__, "_VAR", r"\$\([^)]*\)|\$\{\{.*?\}\}|\$\[.*?\]|\$\{?\w+\}?|%\w+%")


def _unknown(text: str) -> bool:
    return "$" in text or "%" in text


def _ref_pattern(ref: str) -> re.Pattern[str]:
    """``ref`` with each variable it holds standing for any text."""
    parts = _VAR.split(ref)
    return re.compile(".*".join(re.escape(p) for p in parts), re.S)


def _same_ref(a: str, b: str, variables: dict[str, str]) -> bool | None:
    """Whether two registry refs name the same cache (None: it depends on a value the
    linter cannot know). A ref with variables can only equal a literal ref its literal
    parts match: ``app:buildcache-pr-$(PR)`` is never ``app:buildcache-main``."""
    a, b = expand(a, variables), expand(b, variables)
    if a == b:
        return True
    if not _unknown(a) and not _unknown(b):
        return False
    if _unknown(a) and _unknown(b):
        return None
    literal, pattern = (a, b) if _unknown(b) else (b, a)
    return None if _ref_pattern(pattern).fullmatch(literal) else False


def _imported(build: Build, exp: CacheRef, job_imports: list[CacheRef],
              variables: dict[str, str]) -> bool | None:
    """Whether a ``--cache-from`` reads what ``exp`` writes (None: unknown): the build's
    own for a local dir, any build's of the job for a registry ref."""
    answer: bool | None = False
    imports = build.imports if exp.spec.type == "local" else job_imports
    for imp in imports:
        if exp.spec.type == "local" and imp.spec.type == "local":
            if imp.dir is None or exp.dir is None:
                return None
            same = imp.dir.same(exp.dir)
            if same is None:
                answer = None
            elif same:
                return True
        elif exp.spec.type == "registry" and imp.spec.type == "registry":
            same = _same_ref(imp.spec.get("ref") or "", exp.spec.get("ref") or "", variables)
            if same:
                return True
            if same is None:
                answer = None
    return answer


def check(ctx: Context) -> Iterator[Hit]:
    for timeline in ctx.timelines:
        job_imports = [imp for b in timeline.builds for imp in b.imports]
        variables = timeline.job.variables
        for build in timeline.builds:
            for exp in build.exports:
                if exp.spec.type not in ("local", "registry"):
                    continue
                if exp.spec.type == "local" and (exp.dir is None or not exp.dir.known):
                    continue
                if _imported(build, exp, job_imports, variables) is not False:
                    continue
                if exp.spec.type == "local" and exp.dir:
                    what = exp.dir.display()
                    never = "never imports it (no matching `--cache-from`)"
                else:
                    what = exp.spec.get("ref") or ""
                    refs = sorted({imp.spec.get("ref") or "" for imp in job_imports
                                   if imp.spec.type == "registry"} - {""})
                    never = ("no `--cache-from` of the job imports it"
                             + (f" (they import {', '.join(refs)})" if refs else ""))
                message = (
                    f"`{build.command}` exports its cache to {what} but {never}: the cache "
                    "is written on every run and never read"
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
