r"""LL103 uncached-compose-build

What it does
    Reports ``DockerCompose@0/1`` tasks that build (``action: Build services``, or a
    ``dockerComposeCommand`` of ``build`` or ``up --build``) and ``docker compose build``,
    ``docker-compose build`` and ``docker compose up --build`` in scripts, unless the compose
    file is in the repository and declares ``cache_from`` for every service it builds.

Why
    Compose builds each service with BuildKit on the default builder: on a fresh hosted VM
    nothing is cached. ``--cache-from`` is not a compose flag; compose reads ``cache_from``
    and ``cache_to`` from the compose file (rules.md, LL103).

Bad example
    - script: docker compose -f docker-compose.ci.yml build

Good example
    - script: docker compose -f docker-compose.ci.yml build

    # docker-compose.ci.yml
    services:
      api:
        build:
          context: .
          cache_from: [type=local,src=/home/vsts/work/1/docker_cache/api]
          cache_to: [type=local,dest=/home/vsts/work/1/docker_cache/api-new,mode=max]

Fix
    None in v1 (report only).
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.rules.base import Context, Hit, RuleMeta, hosted_severity
from layerlint.timeline import Timeline

META = RuleMeta(
    "LL103", "uncached-compose-build",
    "A compose build runs without cache configuration.", "warning",
)


def check(ctx: Context) -> Iterator[Hit]:
    for timeline in ctx.timelines:
        for build in timeline.builds:
            if build.kind != "compose" or build.cached:
                continue
            reason = (
                "the compose file is not in the repository, so its cache settings are unknown"
                if build.compose_cached is None
                else "the compose file declares no `cache_from` for a service it builds"
            )
            message = (
                f"`{build.command}` builds images without a layer cache ({reason}); declare "
                "`cache_from`/`cache_to` for every built service and restore the cache dir "
                "with Cache@2"
            )
            yield Hit(META.code, build.doc, build.start, build.end, message, build.via,
                      hosted_severity(timeline.job, META.severity), no_fix=_no_fix(timeline))


def _no_fix(timeline: Timeline) -> str:
    """Why there is no fix (said in ``--show-fixes`` and JSON ``no_fix``)."""
    from layerlint.fixes.platform import job_os_reason

    why = job_os_reason(timeline)
    if why is not None:
        return f"no fix on Windows or macOS jobs: {why}"
    return ("no automatic fix for compose builds yet: declare `cache_from`/`cache_to` in the "
            "compose file, or build with `docker buildx bake -f COMPOSE --set "
            "SERVICE.cache-from=... --set SERVICE.cache-to=... --load`")
