r"""LL403 image-not-exported

What it does
    Reports a build on a container builder (``docker buildx create --use`` earlier in the
    job, ``--builder NAME`` or ``BUILDX_BUILDER``) with none of ``--load``, ``--push`` and
    ``--output``/``-o``.

Why
    With the docker-container, kubernetes and remote drivers the result stays in the
    builder's cache unless an output is given ("No output specified with docker-container
    driver. Build result will only remain in the build cache", buildx-cache.md 3, fact 12:
    ``build/build.go warnOnNoOutput``; azure-pipelines.md 3.3). A later ``docker push`` or
    ``docker run`` then fails with "No such image" or uses a stale image. Builders created
    with ``--driver-opt default-load=true`` load by default and are not reported, nor is a
    check-only build followed by a build of the same tag that loads or pushes it.

Bad example
    - script: |
        docker buildx create --use
        docker buildx build -t app .

Good example
    - script: |
        docker buildx create --use
        docker buildx build --load -t app .

Fix
    Safe: add ``--load`` after the build subcommand (bash scripts on non-Windows pools; not
    for multi-platform builds, where ``--load`` needs the containerd image store).
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
    "LL403", "image-not-exported",
    "A container-builder build keeps its image inside the builder.", "warning", "safe",
)


def check(ctx: Context) -> Iterator[Hit]:
    for timeline in ctx.timelines:
        state = JobState(timeline)
        for build in timeline.builds:
            docker = build.docker
            if build.kind != "script" or docker is None:
                continue
            if docker.load or docker.push or docker.outputs:
                continue
            if any(w.value.startswith("${{") for w in docker.command.words):
                continue  # a template expression may expand to --load/--push: unknown
            choice = state.builder(build)
            if choice.kind != "container" or choice.default_load:
                continue
            if _exported_later(build, timeline.builds):
                continue
            name = f" {choice.name}" if choice.name else ""
            message = (
                f"`{build.command}` runs on the container builder{name} ({choice.how}) with "
                "no `--load`, `--push` or `--output`: the image stays inside the builder, "
                "so later `docker push`/`docker run` steps fail or use a stale image; add "
                "`--load`"
            )
            yield Hit(META.code, build.doc, build.start, build.end, message, build.via,
                      fix=_fix(build, timeline.job))


def _exported_later(build: Build, builds: list[Build]) -> bool:
    """A later build of the same tag loads or pushes it: this one is a check-only build
    (e.g. all platforms built once, then one platform loaded)."""
    docker = build.docker
    tags = {w.value for w in docker.tags} if docker else set()
    for later in builds:
        other = later.docker
        if other is None or later.index < build.index or later is build:
            continue
        if (later.index, later.position) > (build.index, build.position) and (
                tags & {w.value for w in other.tags}) and (
                other.load or other.push or other.outputs):
            return True
    return False


def _fix(build: Build, job: Job) -> Fix | None:
    run = fixkit.fixable(build, job)
    docker = build.docker
    if run is None or docker is None:
        return None
    if any("," in w.value or "$" in w.value for w in docker.platforms) or len(
            docker.platforms) > 1:
        return None  # the docker exporter cannot load a manifest list (rules.md, "--load")
    cmd = run.commands[build.position]
    sub = cmd.words[docker.subcommand_index - 1]
    edit = fixkit.insert_after(run, sub.end, " --load")
    return Fix("add --load", "safe", (edit,)) if edit else None
