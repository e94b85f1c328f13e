"""Message parts several LL1xx rules share: the consequence on this job's agent and what to
do instead, which depend on the pool (rules.md, "Agent awareness")."""

from __future__ import annotations

from layerlint.pipeline.model import Job

BUILDX_ADVICE = (
    "use `docker buildx build --cache-from=type=local,src=DIR "
    "--cache-to=type=local,dest=DIR-new,mode=max` with a Cache@2 step on DIR"
)
WINDOWS_ADVICE = (
    "Windows agents have no buildx docker-container builder, so import a cache image "
    "pushed by an earlier run (`docker pull REGISTRY/IMAGE:cache` then "
    "`--cache-from REGISTRY/IMAGE:cache`)"
)


def consequence(job: Job) -> str:
    if not job.pool.hosted:
        return ("it is cached only when the same self-hosted agent runs the job again "
                "and its daemon still has the layers")
    return "every run on a fresh hosted agent rebuilds every layer"


def advice(job: Job) -> str:
    return WINDOWS_ADVICE if job.pool.os == "windows" else BUILDX_ADVICE
