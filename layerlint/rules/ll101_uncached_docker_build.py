r"""LL101 uncached-docker-build

What it does
    Reports each ``docker build``, ``docker image build``, ``docker builder build`` or
    ``docker buildx build`` in an inline script that imports no layer cache that can persist
    between runs: no ``--cache-from`` of type ``local``, ``registry``, ``azblob`` or ``s3``
    (a bare image reference such as ``--cache-from myreg/app:cache`` is ``registry``).
    ``--no-cache`` builds are reported too. One finding per command, where it starts.

Why
    On Microsoft-hosted agents every job starts on a fresh VM ("The virtual machine is
    discarded after one job", azure-pipelines.md section 6), so a plain build rebuilds
    every layer on every run. ``type=gha`` does not count: buildx drops it silently outside
    GitHub Actions (buildx-cache.md 1.1). On self-hosted pools the daemon's layer store
    survives between runs of the same agent, so the finding is a warning there.

Bad example
    - script: docker build -t myapp:$(Build.BuildId) .

Good example
    - task: Cache@2
      inputs:
        key: '"docker" | "$(Agent.OS)" | "myapp" | ./Dockerfile | "$(Build.SourceVersion)"'
        restoreKeys: |
          "docker" | "$(Agent.OS)" | "myapp" | ./Dockerfile
          "docker" | "$(Agent.OS)" | "myapp"
        path: $(Pipeline.Workspace)/docker_cache/myapp
    - script: |
        docker buildx inspect layerlint >/dev/null 2>&1 \
          || docker buildx create --name layerlint --driver docker-container
        rm -rf $(Pipeline.Workspace)/docker_cache/myapp-new
      displayName: Set up Docker layer cache (myapp)
    - script: |
        docker buildx build \
          --builder layerlint \
          --cache-from=type=local,src=$(Pipeline.Workspace)/docker_cache/myapp \
          --cache-to=type=local,dest=$(Pipeline.Workspace)/docker_cache/myapp-new,mode=max \
          --load -t myapp:$(Build.BuildId) .
    - script: |
        if [ -d $(Pipeline.Workspace)/docker_cache/myapp-new ]; then
          rm -rf $(Pipeline.Workspace)/docker_cache/myapp
          mv $(Pipeline.Workspace)/docker_cache/myapp-new $(Pipeline.Workspace)/docker_cache/myapp
        fi
        mkdir -p $(Pipeline.Workspace)/docker_cache/myapp
      displayName: Rotate Docker layer cache (myapp)

Fix
    Safe (rules.md, "The fixed form" and "Rewriting inside an existing script"): the command
    keeps its place and every word; only flags are inserted after its verb (``docker
    build`` becomes ``docker buildx build``): ``--builder layerlint`` unless the job already
    selects a container builder, ``--cache-from``/``--cache-to`` a per-image dir (exported to
    ``DIR-new``), and ``--load`` unless the build pushes or outputs. Nothing is chained after
    it, so a failed build fails the script exactly as before. Before the step go a Cache@2
    step per build and a step that creates the guarded builder; after it, a step that
    rotates ``DIR-new`` into ``DIR`` and makes sure ``DIR`` exists for the post-job save.
    The new steps carry the step's ``condition``; keys keep the image's macros and template
    expressions and get a job-identity segment where a matrix, a template or another job
    would otherwise share them. No fix on Windows or macOS jobs, for ``--no-cache`` builds,
    for multi-platform builds that would need ``--load``, or in cmd scripts; unsafe when an
    earlier build of the job may be the Dockerfile's base image (a docker-container builder
    cannot see the daemon's images). The finding says why when there is no fix.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.finding import Fix
from layerlint.rules.advice import SAVE_LOAD, advice, consequence, save_load_recipe
from layerlint.rules.base import Context, Hit, RuleMeta, hosted_severity
from layerlint.timeline import Build, Timeline

META = RuleMeta(
    "LL101", "uncached-docker-build",
    "A docker build in a script imports no layer cache.", "error", "safe",
)


def check(ctx: Context) -> Iterator[Hit]:
    from layerlint.jobstate import JobState

    for timeline in ctx.timelines:
        state: JobState | None = None
        for build in timeline.builds:
            if build.kind != "script" or build.cached:
                continue
            if build.no_cache:
                why = "runs with --no-cache, which disables the layer cache entirely"
            elif any(ref.spec.type == "gha" for ref in build.imports):
                why = ("imports only a type=gha cache, which buildx silently drops outside "
                       "GitHub Actions")
            elif save_load_recipe(timeline):
                why = f"imports no layer cache: {SAVE_LOAD}"
            else:
                why = "imports no layer cache"
            job = timeline.job
            builder = None
            if not job.pool.hosted:
                state = state or JobState(timeline)
                choice = state.builder(build)
                builder = choice.name if choice.kind == "container" else None
            message = (f"`{build.command}` {why}, so {consequence(job, builder)}; "
                       f"{advice(job)}")
            fix, no_fix = _fix(ctx, build, timeline)
            yield Hit(META.code, build.doc, build.start, build.end, message, build.via,
                      hosted_severity(timeline.job, META.severity), fix, no_fix=no_fix)


def _fix(ctx: Context, build: Build, timeline: Timeline) -> tuple[Fix | None, str]:
    """Rewrite the command into the cached buildx form and insert its Cache@2 step, or
    (template style) replace the step by a reference to the shared template."""
    from layerlint.fixes.inplace import step_fix
    from layerlint.fixes.platform import job_os_reason
    from layerlint.fixes.settings import DEFAULT
    from layerlint.fixes.template_style import script_call, template_fix

    settings = ctx.settings or DEFAULT
    root = ctx.files.root if ctx.files is not None else None
    if settings.style == "template" and root is not None and job_os_reason(timeline) is None:
        call = script_call(build, timeline, root)
        if call is not None:
            return template_fix(build, call, settings.template, root), ""
    return step_fix(ctx, build, timeline)
