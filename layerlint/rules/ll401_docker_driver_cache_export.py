r"""LL401 docker-driver-cache-export

What it does
    Reports a build with a ``--cache-to`` other than ``inline`` that runs on the default
    ``docker``-driver builder: ``docker build``/``docker image build``/``docker builder
    build`` and Docker@N tasks (they ignore ``docker buildx use``), and ``docker buildx
    build`` with no container builder created and selected earlier in the job
    (``docker buildx create --use``, ``docker buildx use NAME``), no ``--builder NAME`` and
    no ``BUILDX_BUILDER``.

Why
    The docker driver on the classic image store exports only ``inline`` cache; anything
    else fails with "Cache export is not supported for the docker driver" (buildx-cache.md
    1.4, fact 2: ``build/opt.go``, ``build/utils.go``). ``docker build`` pins the default
    builder unless ``--builder``/``BUILDX_BUILDER`` is given (buildx-cache.md 4.2, fact 4;
    azure-pipelines.md fact 10). Hosted Ubuntu images ship Docker 28 (classic store).

Bad example
    - script: |
        docker buildx create --name b --driver docker-container --use
        docker build --cache-to=type=local,dest=/c-new,mode=max -t app .

Good example
    - script: |
        docker buildx inspect b >/dev/null 2>&1 \
          || docker buildx create --name b --driver docker-container
        docker build --builder b --cache-to=type=local,dest=/c-new,mode=max -t app .

Fix
    Safe: insert the guarded creation of a ``layerlint`` docker-container builder before
    the command and add ``--builder layerlint`` to it (bash scripts on non-Windows pools;
    no fix for tasks).
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.finding import Fix
from layerlint.jobstate import JobState
from layerlint.pipeline.model import Job
from layerlint.rules import fixkit
from layerlint.rules.base import Context, Hit, RuleMeta
from layerlint.timeline import Build

META = RuleMeta(
    "LL401", "docker-driver-cache-export",
    "A cache export runs on the docker driver, which cannot export it.", "error", "safe",
)


def check(ctx: Context) -> Iterator[Hit]:
    for timeline in ctx.timelines:
        state = JobState(timeline)
        for build in timeline.builds:
            if build.kind == "compose":
                continue
            exports = [e for e in build.exports if e.spec.type not in ("inline", "gha", "")]
            if not exports:
                continue
            choice = state.builder(build)
            if choice.kind != "docker":
                continue
            message = (
                f"`{build.command}` exports its cache (`--cache-to "
                f"{exports[0].spec.word.value}`) on the default docker-driver builder "
                f"({choice.how}): the build fails with \"Cache export is not supported for "
                "the docker driver\"; create a docker-container builder and pass "
                "`--builder`"
            )
            yield Hit(META.code, build.doc, build.start, build.end, message, build.via,
                      fix=_fix(build, timeline.job))


def _fix(build: Build, job: Job) -> Fix | None:
    run = fixkit.fixable(build, job)
    docker = build.docker
    if run is None or docker is None or docker.builder is not None:
        return None
    cmd = run.commands[build.position]
    sub = cmd.words[docker.subcommand_index - 1]
    flag = fixkit.insert_after(run, sub.end, f" --builder {fixkit.BUILDER}")
    create = fixkit.insert_before_command(run, cmd, fixkit.GUARDED_CREATE)
    if flag is None or create is None:
        return None
    return Fix(f"build on a guarded docker-container builder `{fixkit.BUILDER}`", "safe",
               (create, flag))
