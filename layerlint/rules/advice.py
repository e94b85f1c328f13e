"""Message parts several LL1xx rules share: the consequence on this job's agent and what to
do instead, which depend on the pool (rules.md, "Agent awareness")."""

from __future__ import annotations

import weakref

from layerlint.pipeline.model import Job
from layerlint.timeline import Timeline

BUILDX_ADVICE = (
    "use `docker buildx build --cache-from=type=local,src=DIR "
    "--cache-to=type=local,dest=DIR-new,mode=max` with a Cache@2 step on DIR"
)
WINDOWS_ADVICE = (
    "Windows agents have no buildx docker-container builder, so import a cache image "
    "pushed by an earlier run (`docker pull REGISTRY/IMAGE:cache` then "
    "`--cache-from REGISTRY/IMAGE:cache`)"
)


SAVE_LOAD = (
    "the `docker save`/`docker load` recipe in this job does not give one: BuildKit does "
    "not use a loaded image as layer cache unless it was built with inline cache metadata "
    "(`BUILDKIT_INLINE_CACHE=1`) and is named with `--cache-from` (azure-pipelines.md 1.7)"
)


def consequence(job: Job, builder: str | None = None) -> str:
    """What an uncached build costs on the job's agent. ``builder``: the name of the
    container builder the build runs on (its layers live in that builder's container,
    not in the daemon's image store)."""
    if not job.pool.hosted:
        where = (f"the `{builder}` builder (a container on that agent)" if builder
                 else "its daemon")
        have = "has" if builder is None else "holds"
        return ("it is cached only when the same self-hosted agent runs the job again "
                f"and {where} still {have} the layers")
    return "every run on a fresh hosted agent rebuilds every layer"


_RECIPE: weakref.WeakKeyDictionary[Timeline, bool] = weakref.WeakKeyDictionary()


def save_load_recipe(timeline: Timeline) -> bool:
    """Does the job run ``docker save`` or ``docker load`` (the documented Cache@2 recipe
    that restores an image tarball, azure-pipelines.md 1.7)? Computed once per job."""
    found = _RECIPE.get(timeline)
    if found is None:
        found = _RECIPE[timeline] = _save_load_recipe(timeline)
    return found


def _save_load_recipe(timeline: Timeline) -> bool:
    for run in timeline.scripts:
        for cmd in run.commands:
            words = [w.value for w in cmd.words[:3]]
            if words[:1] != ["docker"]:
                continue
            verb = words[2] if words[1:2] == ["image"] and len(words) > 2 else (
                words[1] if len(words) > 1 else "")
            if verb in ("save", "load"):
                return True
    return False


def advice(job: Job) -> str:
    return WINDOWS_ADVICE if job.pool.os == "windows" else BUILDX_ADVICE
