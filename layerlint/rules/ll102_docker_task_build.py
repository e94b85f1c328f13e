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
    Replace the task by Cache@2 and a buildx script step that runs what the task ran,
    inputs mapped per version (Docker@2 ``Dockerfile``, ``buildContext``, ``tags``,
    ``repository``, ``arguments``; Docker@0/1 ``dockerFile``, ``imageName``,
    ``arguments``/``buildArguments``, ``additionalImageTags``, ``includeLatestTag``, the
    default context, ``azureContainerRegistry``), a ``login`` step first when the task used
    a registry (once per job, registry and condition); ``condition`` goes onto every new
    step, ``env`` onto the build. Safe without a registry or with one that the
    configuration's ``registries`` maps; unsafe for ``buildAndPush`` (``--push``), and when
    the login server is read from the pipeline: a connection named after a registry, the
    only ``*.azurecr.io`` host of the pipeline's variables and the task, or (Docker@2, one
    connection in the job) at run time from the login's Docker config; the title says
    which and how to pin it. No fix on Windows/macOS jobs, for a Dockerfile glob that does
    not name one file, or for inputs a script cannot reproduce (the finding says which).
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
            hint = _registries_hint(ctx, build, job, fix, why_not)
            if hint:
                message += f" ({hint})"
            yield Hit(META.code, build.doc, build.start, build.end, message, build.via,
                      hosted_severity(timeline.job, META.severity), fix,
                      no_fix="" if fix else why_not)


def _registries_hint(ctx: Context, build: Build, job: Job, fix: Fix | None,
                     why_not: str) -> str:
    """The same hint for every task with the same literal, unmapped service connection:
    without a fix, that mapping (``registries``) would enable one whatever else stands in
    the way; with a fix whose login server is a guess, which value was used and how to
    pin it."""
    from layerlint.fixes.settings import DEFAULT

    if fix is not None:
        if fix.applicability == "unsafe" and "`registries`" in fix.title:
            return "fix: " + fix.title.split("[unsafe: ", 1)[1].rstrip("]")
        return ""
    registry = (build.step.input_text("containerRegistry") or "").strip()
    if not registry or "$" in registry or job.pool.os == "windows":
        return ""
    if registry in (ctx.settings or DEFAULT).registries:
        return ""
    if "`registries`" in why_not:
        return ""  # the reason says it already
    if not build.note and "registries" not in why_not:
        return ""
    return (f"a fix needs the service connection {registry!r} mapped to its login server "
            "under `registries` in the layerlint configuration")


def _task_fix(ctx: Context, build: Build, timeline: Timeline) -> tuple[Fix | None, str]:
    from layerlint.fixes.docker_task import docker_task_fix
    from layerlint.fixes.inplace import key_image, needs_identity
    from layerlint.fixes.platform import job_os_reason
    from layerlint.fixes.settings import DEFAULT

    why = job_os_reason(timeline)
    if why is not None:
        return None, f"no fix on Windows or macOS jobs: {why}"
    identity = needs_identity(ctx, timeline, [build], [key_image(build)])
    return docker_task_fix(build.step, timeline.job, ctx.settings or DEFAULT, ctx.files,
                           identity, _task_dir_names(timeline).get(id(build)),
                           base_reason=_local_base(ctx, build, timeline))


def _local_base(ctx: Context, build: Build, timeline: Timeline) -> str | None:
    """Why the task's Dockerfile may start from an image an earlier step of the job put
    into the daemon's store (a docker-container builder cannot see it): the LL101 check,
    on the command line the task runs."""
    from layerlint._record import replace
    from layerlint.fixes.platform import EarlierImages, local_base_reason
    from layerlint.fixes.task_inputs import read_task
    from layerlint.shell import DockerBuild, parse_bash, parse_docker

    task = build.step.task
    spec = read_task(build.step, task[1]) if task is not None else None
    if spec is None or isinstance(spec, str):
        return None
    words = ["docker build", "-f", spec.dockerfile, *spec.extra, spec.context or
             (spec.dockerfile.rsplit("/", 1)[0] if "/" in spec.dockerfile else ".")]
    commands = parse_bash(" ".join(words))
    parsed = parse_docker(commands[0]) if commands else None
    if not isinstance(parsed, DockerBuild):
        return None
    return local_base_reason(replace(build, docker=parsed),
                             EarlierImages(timeline), ctx.files)


def _task_dir_names(timeline: Timeline) -> dict[int, str]:
    """Cache dir names of the job's Docker tasks, distinct from each other (unless the
    same step: a template called twice writes one text) and from the script builds'."""
    from layerlint.fixes.inplace import dir_name, script_dir_names
    from layerlint.fixes.task_inputs import raw_input

    taken = {n.lower() for n in script_dir_names(timeline).values()}
    by_node: dict[int, str] = {}
    out: dict[int, str] = {}
    for b in timeline.builds:
        if b.kind != "task":
            continue
        if id(b.step.node) in by_node:
            out[id(b)] = by_node[id(b.step.node)]
            continue
        base = dir_name(raw_input(b.step, "repository", "imageName") or None)
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name.lower())
        out[id(b)] = by_node[id(b.step.node)] = name
    return out
