r"""LL202 cache-path-mismatch

What it does
    Reports a layer-cache ``Cache@2`` step whose ``path`` is not the local cache directory
    the job's builds read (``--cache-from type=local,src=DIR``) or write
    (``--cache-to type=local,dest=DIR``, after any ``mv``/``cp`` of that directory later in
    the same script), or whose path is a build's import directory while that build's
    export lands somewhere else. Reported at the ``path`` value, naming both paths.

Why
    Cache@2 restores and saves exactly one directory (azure-pipelines.md 1.5). Paths are
    compared as the agent resolves them: ``$(Pipeline.Workspace)`` is
    ``$(Agent.BuildDirectory)``, a relative Cache@2 ``path`` is relative to
    ``$(System.DefaultWorkingDirectory)``, and a relative ``src``/``dest`` to the step's
    working directory (rules.md, "Paths"). When a path holds a value layerlint cannot know,
    nothing is reported.

Bad example
    - task: Cache@2
      inputs:
        key: '"docker" | "$(Agent.OS)" | ./Dockerfile'
        path: $(Pipeline.Workspace)/docker
    - script: docker buildx build --cache-from=type=local,src=$(Pipeline.Workspace)/cache ...

Good example
    - task: Cache@2
      inputs:
        key: '"docker" | "$(Agent.OS)" | ./Dockerfile'
        path: $(Pipeline.Workspace)/cache
    - script: docker buildx build --cache-from=type=local,src=$(Pipeline.Workspace)/cache ...

Fix
    Safe: rewrite the Cache@2 ``path`` to the build's directory (the build is the ground
    truth), when the job's builds use exactly one directory and the path is written in
    this file rather than passed in as a template parameter.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.finding import Edit, Fix
from layerlint.pipeline.paths import DirPath
from layerlint.rules.base import Context, Hit, RuleMeta
from layerlint.timeline import CacheTask, Timeline, stray_caches

META = RuleMeta(
    "LL202", "cache-path-mismatch",
    "A Cache@2 path differs from the build's local cache dir.", "error", "safe",
)


def check(ctx: Context) -> Iterator[Hit]:
    for timeline in ctx.timelines:
        reported: set[int] = set()
        for cache, dirs in stray_caches(timeline):
            assert cache.path is not None and cache.path_node is not None
            names = ", ".join(d.display() for d in dirs)
            message = (
                f"Cache@2 path {cache.path.display()} is not the local cache dir the builds "
                f"of this job use ({names}): the restored dir is never read and the build's "
                "cache is never saved"
            )
            yield _hit(cache, message, timeline, _fix(cache, dirs))
            reported.add(cache.index)
        yield from _export_mismatches(timeline, reported)


def _export_mismatches(timeline: Timeline, reported: set[int]) -> Iterator[Hit]:
    for build in timeline.builds:
        for imp in build.imports:
            if imp.spec.type != "local" or imp.dir is None:
                continue
            for cache in timeline.caches:
                if cache.index in reported or cache.path is None:
                    continue
                if not cache.path.same(imp.dir):
                    continue
                for exp in build.exports:
                    if exp.spec.type != "local" or exp.dir is None:
                        continue
                    if cache.path.same(exp.dir) is False:
                        message = (
                            f"the build exports its cache to {exp.dir.display()}, but Cache@2 "
                            f"saves {cache.path.display()}: the refreshed cache is never saved"
                        )
                        reported.add(cache.index)
                        yield _hit(cache, message, timeline)
                        break


def _fix(cache: CacheTask, dirs: list[DirPath]) -> Fix | None:
    """Point the Cache@2 path at the build's directory when there is exactly one and the
    path is written literally here (not passed in as a template parameter)."""
    from layerlint.fixes.plan import spell_dir
    from layerlint.fixes.yamltext import yaml_scalar

    node = cache.path_node
    if len(dirs) != 1 or node is None or "${{" in str(getattr(node, "value", "")):
        return None
    path = spell_dir(dirs[0])
    if path is None:
        return None
    start, end = int(node.start_mark.index), int(node.end_mark.index)
    return Fix(f"Set the Cache@2 path to {path}", "safe", (Edit(start, end, yaml_scalar(path)),))


def _hit(cache: CacheTask, message: str, timeline: Timeline, fix: Fix | None = None) -> Hit:
    node = cache.path_node
    assert node is not None
    doc = cache.path_scope.doc if cache.path_scope is not None else cache.step.doc
    start, end = int(node.start_mark.index), int(node.end_mark.index)
    return Hit(META.code, doc, start, end, message, cache.step.scope.via, fix=fix)
