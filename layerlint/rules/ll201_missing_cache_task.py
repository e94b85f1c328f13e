r"""LL201 missing-cache-task

What it does
    Reports a build that imports (or exports) a ``type=local`` layer cache directory when
    no ``Cache@2`` step of the same job has that directory as its ``path`` (and no
    layer-cache Cache@2 of the job points elsewhere: that is LL202).

Why
    A local cache directory lives on the agent's disk. On a Microsoft-hosted agent the VM
    is discarded after each job (azure-pipelines.md section 6), so without a Cache@2 step
    restoring it the directory is empty on every run and ``--cache-from`` never hits.

Bad example
    - script: |
        docker buildx build \
          --cache-from=type=local,src=$(Pipeline.Workspace)/docker_cache \
          --cache-to=type=local,dest=$(Pipeline.Workspace)/docker_cache-new,mode=max .

Good example
    - task: Cache@2
      inputs:
        key: '"docker" | "$(Agent.OS)" | ./Dockerfile | "$(Build.SourceVersion)"'
        restoreKeys: '"docker" | "$(Agent.OS)" | ./Dockerfile'
        path: $(Pipeline.Workspace)/docker_cache
    - script: docker buildx build --cache-from=type=local,src=$(Pipeline.Workspace)/... .

Fix
    Safe: insert a Cache@2 step for the directory before the build step, with a key that
    changes every run and two restore prefixes (rules.md, "The fixed form").
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.finding import Fix
from layerlint.pipeline.paths import DirPath
from layerlint.rules.base import Context, Hit, RuleMeta
from layerlint.timeline import Build, Timeline, caches_for, primary_dir, stray_caches

META = RuleMeta(
    "LL201", "missing-cache-task",
    "A build's local cache dir is not restored by any Cache@2 step.", "error", "safe",
)


def check(ctx: Context) -> Iterator[Hit]:
    for timeline in ctx.timelines:
        if stray_caches(timeline):
            continue  # a layer cache is there but points elsewhere: LL202 says so
        for build in timeline.builds:
            d = primary_dir(build)
            if d is None:
                continue
            matches, unknown = caches_for(timeline, d)
            if matches or unknown or not d.known:
                continue
            message = (
                f"the local layer cache dir {d.display()} is not restored by any Cache@2 "
                "step in this job, so it is empty on every fresh agent and the cache never "
                f"hits; add a Cache@2 step with `path: {d.display()}` before this step"
            )
            yield Hit(META.code, build.doc, build.start, build.end, message, build.via,
                      fix=_fix(ctx, build, timeline, d))


def _fix(ctx: Context, build: Build, timeline: Timeline, d: DirPath) -> Fix | None:
    from layerlint.fixes.plan import cache_insert, dockerfile_of, image_slug, spell_dir

    path = spell_dir(d)
    if path is None or timeline.job.pool.os == "windows":
        return None
    image = image_slug(build, timeline)
    root = ctx.files.root if ctx.files is not None else None
    dockerfile = dockerfile_of(build, root)
    insert = cache_insert(build, image, dockerfile, path)
    if insert is None:
        return None
    return Fix(f"Insert a Cache@2 step restoring {path}", "safe", (insert,), steps_added=1)
