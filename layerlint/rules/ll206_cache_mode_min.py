r"""LL206 cache-mode-min

What it does
    Reports a ``--cache-to`` of type ``local``, ``registry``, ``azblob`` or ``s3`` without
    ``mode=max``. ``info`` when the Dockerfile is in the repository and has one stage.

Why
    ``mode`` defaults to ``min``, which exports only the layers of the final image: the
    builder stages of a multi-stage build are not cached and are rebuilt on every run
    (buildx-cache.md 1.3, fact 10: docs ``_index.md`` "Cache mode"). With a single stage
    the difference is small, hence ``info``.

Bad example
    - script: |
        docker buildx build --cache-from=type=local,src=/c \
          --cache-to=type=local,dest=/c-new -t app .

Good example
    - script: |
        docker buildx build --cache-from=type=local,src=/c \
          --cache-to=type=local,dest=/c-new,mode=max -t app .

Fix
    Safe: append ``,mode=max`` to the ``--cache-to`` value (in inline scripts on non-Windows
    pools); an explicit ``mode=min`` becomes ``mode=max``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from layerlint._lazyre import lazy_re
from layerlint.finding import Edit, Fix
from layerlint.pipeline.model import Job
from layerlint.repo_files import RepoFiles, read_text
from layerlint.rules import fixkit
from layerlint.rules.base import Context, Hit, RuleMeta
from layerlint.severity_types import Severity
from layerlint.timeline import Build, CacheRef

META = RuleMeta(
    "LL206", "cache-mode-min",
    "A cache export without mode=max skips the builder stages.", "warning", "safe",
)
MODE_TYPES = frozenset({"local", "registry", "azblob", "s3"})
_FROM = lazy_re(__name__, "_FROM", r"^\s*FROM\s", re.I | re.M)


def stages(build: Build, files: RepoFiles | None) -> int | None:
    """Number of ``FROM`` lines of the build's Dockerfile, when it is in the repository."""
    docker = build.docker
    if files is None or docker is None or build.script is None:
        return None
    sub = build.script.substitute
    if docker.files:
        name = sub(docker.files[-1].value)
    else:
        context = sub(docker.context.value) if docker.context else "."
        if "://" in context or context == "-":
            return None
        name = context.rstrip("/") + "/Dockerfile"
    text = read_text(files, build.cwd, name)
    return None if text is None else len(_FROM.findall(text))


def check(ctx: Context) -> Iterator[Hit]:
    for timeline in ctx.timelines:
        for build in timeline.builds:
            for exp in build.exports:
                if exp.spec.type not in MODE_TYPES:
                    continue
                mode = (exp.spec.get("mode") or "min").lower()
                if mode == "max" or "$" in mode:
                    continue
                count = stages(build, ctx.files)
                severity: Severity | None = "info" if count == 1 else None
                stage_note = ("the Dockerfile has one stage, so little is lost"
                              if count == 1 else "so the builder stages of a multi-stage "
                              "build are rebuilt on every run")
                message = (
                    f"`--cache-to` {exp.spec.word.value} exports in mode={mode}: only the "
                    f"final image's layers are cached, {stage_note}; add `mode=max`"
                )
                yield Hit(META.code, build.doc, build.start, build.end, message, build.via,
                          severity, _fix(build, exp, timeline.job))


def _fix(build: Build, exp: CacheRef, job: Job) -> Fix | None:
    run = fixkit.fixable(build, job)
    if run is None:
        return None
    span = fixkit.value_span(run, exp.spec.word)
    if span is None:
        return None
    mode = exp.spec.get("mode")
    end = fixkit.attr_end(run, exp.spec.word, "mode") if mode is not None else None
    if end is not None and mode is not None:
        edit: Edit | None = Edit(run.offset(end - len(mode)), run.offset(end - 1) + 1, "max")
    else:
        edit = fixkit.insert_after(run, span[1], ",mode=max")
    return Fix("add mode=max to the cache export", "safe", (edit,)) if edit else None
