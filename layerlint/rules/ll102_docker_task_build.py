r"""LL102 docker-task-build

What it does
    Reports each ``Docker@0``/``Docker@1``/``Docker@2`` task whose command builds an image
    (``build``, ``buildAndPush``, and for Docker@2 no ``command`` at all, since
    ``buildAndPush`` is the default) unless its ``arguments`` import a layer cache. Only
    ``command: build`` can: ``buildAndPush`` ignores ``arguments``.

Why
    Docker@2 runs a plain ``docker build`` on the agent's default builder (azure-pipelines.md
    3.3): on a fresh hosted VM nothing is cached. ``buildAndPush`` logs "The arguments input
    is not supported when the command is buildAndPush. Ignoring the input." (fact 9), so
    cache flags cannot be added to it; and plain ``docker build`` ignores ``docker buildx
    use``, so a ``--cache-to`` other than inline fails on the docker driver (fact 10).

Bad example
    - task: Docker@2
      inputs:
        containerRegistry: myacr
        repository: myapp
        command: buildAndPush

Good example
    - task: Cache@2
      inputs:
        key: '"docker" | "$(Agent.OS)" | "myapp" | ./Dockerfile | "$(Build.SourceVersion)"'
        restoreKeys: |
          "docker" | "$(Agent.OS)" | "myapp" | ./Dockerfile
          "docker" | "$(Agent.OS)" | "myapp"
        path: $(Pipeline.Workspace)/docker_cache/myapp
    - script: docker buildx build ... --cache-from=type=local,src=... --push .

Fix
    ``build``: safe, replace the task by Cache@2 and a buildx script step, mapping
    ``Dockerfile``, ``buildContext``, ``tags``, ``repository`` and ``arguments``.
    ``buildAndPush``: unsafe (``--unsafe-fixes``), offered only when the configuration's
    ``registries`` maps the ``containerRegistry`` service connection to its login server:
    a Docker@2 ``login`` step, Cache@2, and ``docker buildx build ... --push``. No fix for
    a Dockerfile given as a glob, for Docker@0/1, or on Windows pools.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.finding import Fix
from layerlint.pipeline.model import Job
from layerlint.rules.advice import SAVE_LOAD, WINDOWS_ADVICE, consequence, save_load_recipe
from layerlint.rules.base import Context, Hit, RuleMeta, hosted_severity
from layerlint.timeline import Build, Timeline

META = RuleMeta(
    "LL102", "docker-task-build",
    "A Docker task builds an image without a layer cache.", "error", "safe",
)


def check(ctx: Context) -> Iterator[Hit]:
    for timeline in ctx.timelines:
        for build in timeline.builds:
            if build.kind != "task" or build.cached:
                continue
            job = timeline.job
            if job.pool.os == "windows":
                todo = WINDOWS_ADVICE.replace("import a", "use `command: build` and import a")
            elif build.note:
                todo = ("replace it with a Cache@2 step and a `docker buildx build "
                        "--cache-from/--cache-to ... --push` script step")
            else:
                todo = ("replace it with a Cache@2 step and a cached `docker buildx build` "
                        "script step")
            if build.note:
                what = (f"`{build.command}` builds without a layer cache, and {build.note} "
                        "so cache flags cannot be added to it")
            else:
                what = f"`{build.command}` runs a plain `docker build` that imports no cache"
            if save_load_recipe(timeline):
                what += f"; {SAVE_LOAD}"
            fix, why_not = _task_fix(ctx, build, timeline)
            message = f"{what}; {consequence(job)}: {todo}"
            hint = _registries_hint(ctx, build, job, why_not)
            if hint:
                message += f" ({hint})"
            yield Hit(META.code, build.doc, build.start, build.end, message, build.via,
                      hosted_severity(timeline.job, META.severity), fix,
                      no_fix="" if fix else why_not)


def _registries_hint(ctx: Context, build: Build, job: Job, why_not: str) -> str:
    """The same hint for every task with the same literal, unmapped service connection:
    a buildAndPush fix needs the connection's login server (``registries``), whatever
    else stands in the fix's way."""
    from layerlint.fixes.settings import DEFAULT

    registry = (build.step.input_text("containerRegistry") or "").strip()
    if not registry or "$" in registry or job.pool.os == "windows":
        return ""
    if registry in (ctx.settings or DEFAULT).registries:
        return ""
    if not build.note and "registries" not in why_not:
        return ""
    return (f"a fix needs the service connection {registry!r} mapped to its login server "
            "under `registries` in the layerlint configuration")


def _task_fix(ctx: Context, build: Build, timeline: Timeline) -> tuple[Fix | None, str]:
    from layerlint.fixes.docker_task import docker_task_fix
    from layerlint.fixes.inplace import key_image, needs_identity
    from layerlint.fixes.settings import DEFAULT

    identity = needs_identity(ctx, timeline, [build], [key_image(build)])
    return docker_task_fix(build.step, timeline.job, ctx.settings or DEFAULT, ctx.files,
                           identity)
